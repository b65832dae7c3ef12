package putevents

// NotificationSent is an example "Notification Sent" event for the seed's
// notification rule. The seed gives no such example (its "Send Test Events"
// sends the three SeedEvents); the detail is the shape the notification
// processor takes (lambdas/internal/events), as its end-to-end tests send it.
var NotificationSent = Event{Source: "notifications", DetailType: "Notification Sent",
	Detail: `{"notification_id":"NOTIF-001","order_id":"ORD-001","channel":"email","subject":"Order shipped","message":"Your order ORD-001 has shipped.","timestamp":"2024-01-15T10:06:00Z"}`}

// Example is a named example event: kubectl eds match --example NAME.
type Example struct {
	Name  string
	Event Event
}

// Examples are one example event for each of the seed's rules: the seed's
// three (Order Created, Inventory Updated, Workflow Triggered) and
// NotificationSent, in the order of the seed's rules.
var Examples = []Example{
	{Name: "order-created", Event: SeedEvents[0]},
	{Name: "inventory-updated", Event: SeedEvents[1]},
	{Name: "notification-sent", Event: NotificationSent},
	{Name: "workflow-triggered", Event: SeedEvents[2]},
}

// ExampleNames are the names of the Examples, in order.
func ExampleNames() []string {
	names := make([]string, len(Examples))
	for i, e := range Examples {
		names[i] = e.Name
	}
	return names
}

// FindExample returns the example of that name.
func FindExample(name string) (Event, bool) {
	for _, e := range Examples {
		if e.Name == name {
			return e.Event, true
		}
	}
	return Event{}, false
}
