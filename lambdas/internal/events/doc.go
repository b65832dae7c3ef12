// Package events decodes and validates what the stack's Lambda functions are
// invoked with: the three shapes of an invocation (an EventBridge event, a
// batch of SQS messages each holding an EventBridge event, and a step of the
// order workflow) and the seed's event details ("Order Created",
// "Order Completed", "Inventory Updated", "Notification Sent").
//
// Decoding never panics and never trusts a field: every problem is reported
// as a ValidationError naming the field (for instance
// "detail.items[0].quantity: must be greater than 0"), and numbers are parsed
// from their JSON literals exactly (no float64 on the way), so money is
// checked to the cent.
//
// Identifiers that become table keys (order_id, item_id, workflow_id) must
// match IDPattern. It leaves out '#', which the handlers use in the keys of
// their own records (idempotency records), so an event can never address one.
package events
