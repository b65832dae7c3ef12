// Package orders is the logic of event-order-processor: it stores orders in
// the orders table, moves their status only along created → completed and
// created → failed, and publishes a notification of each change to the topic.
//
// It handles "Order Created" and "Order Completed" (from EventBridge or in
// order-queue's messages) and the workflow's "process" and "fail" steps.
// Every write is conditional and recognises its own earlier result (the
// event's key is stored with the change), so a redelivery after a crash
// finishes the work instead of doing it twice or refusing it:
//
//   - Order Created puts the row only if there is none. If there is one, it is
//     this event's own write (go on and publish), the same order from another
//     event (nothing to do), or a different order under the same id (refused:
//     OrderConflict).
//   - Order Completed and fail update the status only if it is created. If it
//     is not, the order is unknown (OrderNotFound), already in that status
//     (nothing to do, or publish when it was this event), or in the other
//     final status (InvalidTransition).
//   - process records the workflow on a created order; any other status is an
//     InvalidTransition, so the workflow compensates.
//
// Row layout (partition key order_id): customer_id, items (a list of maps
// item_id, quantity, price), total, status, created_at (the order's
// timestamp), updated_at, created_event, status_event, workflow_id,
// processed_at, completed_at, failed_at, failure_error, failure_cause, and
// record_type "order" (idempotency records share the table, see package
// idempotency). Numbers are DynamoDB numbers with two decimals for money.
package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
)

// Table is what the processor needs of DynamoDB: one interface per call.
type Table interface {
	idempotency.ItemPutter
	idempotency.ItemGetter
	idempotency.ItemUpdater
}

// Publisher is the one SNS call the processor makes.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Processor is the order processor's logic.
type Processor struct {
	DB       Table
	Table    string // ORDERS_TABLE
	SNS      Publisher
	TopicARN string // NOTIFICATION_TOPIC_ARN
	Now      func() time.Time
}

// Event types this processor publishes, as the event_type message attribute.
const (
	NotifyOrderCreated   = events.TypeOrderCreated
	NotifyOrderCompleted = events.TypeOrderCompleted
	NotifyOrderFailed    = "Order Failed"
)

// Attributes the processor writes beside the order's own.
const (
	attrRecordType   = "record_type"
	attrUpdatedAt    = "updated_at"
	attrCreatedEvent = "created_event"
	attrStatusEvent  = "status_event"
	attrWorkflowID   = "workflow_id"
	attrProcessedAt  = "processed_at"
	attrCompletedAt  = "completed_at"
	attrFailedAt     = "failed_at"
	attrFailureError = "failure_error"
	attrFailureCause = "failure_cause"
	recordTypeOrder  = "order"
	maxFailureBytes  = 1024
)

// PrepareEvent validates an order event and returns its effect.
func (p *Processor) PrepareEvent(ev events.EventBridgeEvent, key string) (delivery.Effect, error) {
	if ev.Source != events.SourceOrders {
		return nil, events.Refuse(events.KindUnsupportedEvent, "source %q: the order processor handles source %q", ev.Source, events.SourceOrders)
	}
	switch ev.DetailType {
	case events.TypeOrderCreated:
		order, err := events.ParseOrderCreated(ev.Detail)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (any, error) { return nil, p.create(ctx, key, order) }, nil
	case events.TypeOrderCompleted:
		done, err := events.ParseOrderCompleted(ev.Detail)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (any, error) { return nil, p.complete(ctx, key, done) }, nil
	default:
		return nil, events.Refuse(events.KindUnsupportedEvent, "detail-type %q: the order processor handles %q and %q",
			ev.DetailType, events.TypeOrderCreated, events.TypeOrderCompleted)
	}
}

// StepResult is the output of the process and fail steps.
type StepResult struct {
	Step       string `json:"step"`
	WorkflowID string `json:"workflow_id"`
	OrderID    string `json:"order_id"`
	Status     string `json:"status"`
	Total      string `json:"total,omitempty"`
}

// PrepareStep validates a workflow step and returns its effect.
func (p *Processor) PrepareStep(step events.Step, key string) (delivery.Effect, error) {
	switch step.Step {
	case events.StepProcess:
		if step.Order.Status != events.StatusCreated {
			return nil, events.Refuse(events.KindInvalidTransition, "order %s is %s; the workflow processes only created orders", step.OrderID, orUnknown(step.Order.Status))
		}
		return func(ctx context.Context) (any, error) { return p.process(ctx, step) }, nil
	case events.StepFail:
		return func(ctx context.Context) (any, error) { return p.fail(ctx, key, step) }, nil
	default:
		return nil, events.Refuse(events.KindUnsupportedEvent, "step %q: the order processor runs %q and %q", step.Step, events.StepProcess, events.StepFail)
	}
}

func (p *Processor) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// create stores a new order and publishes it.
func (p *Processor) create(ctx context.Context, key string, o events.Order) error {
	item := orderItem(o)
	now := p.now().Format(time.RFC3339Nano)
	item[attrRecordType] = str(recordTypeOrder)
	item[events.AttrStatus] = str(events.StatusCreated)
	item[attrUpdatedAt] = str(now)
	item[attrCreatedEvent] = str(key)
	_, err := p.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(p.Table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": events.AttrOrderID},
	})
	if idempotency.IsConditionFailed(err) {
		existing, gerr := p.get(ctx, o.OrderID)
		if gerr != nil {
			return gerr
		}
		switch {
		case existing == nil:
			return fmt.Errorf("order %s: the put was refused but the row is gone; retrying", o.OrderID)
		case sAttr(existing, attrCreatedEvent) == key:
			// Our own write, from a delivery that stopped before publishing.
		case sameOrder(existing, item):
			logging.From(ctx).Info("order exists with the same content, from another event; nothing to do", "order_id", o.OrderID)
			return nil
		default:
			return events.Refuse(events.KindOrderConflict, "order %s exists already with different content (created by event %q)",
				o.OrderID, sAttr(existing, attrCreatedEvent))
		}
	} else if err != nil {
		return fmt.Errorf("storing order %s: %w", o.OrderID, err)
	}
	return p.publish(ctx, NotifyOrderCreated, key, o.OrderID, events.StatusCreated, map[string]any{
		"customer_id": o.CustomerID,
		"total":       json.Number(o.Total.String()),
		"items":       itemsJSON(o.Items),
		"timestamp":   o.Timestamp.Format(time.RFC3339Nano),
	})
}

// complete moves an order from created to completed and publishes it.
func (p *Processor) complete(ctx context.Context, key string, done events.OrderCompleted) error {
	moved, err := p.transition(ctx, key, done.OrderID, events.StatusCompleted, map[string]types.AttributeValue{
		attrCompletedAt: str(done.Timestamp.Format(time.RFC3339Nano)),
	})
	if err != nil || !moved {
		return err
	}
	return p.publish(ctx, NotifyOrderCompleted, key, done.OrderID, events.StatusCompleted, map[string]any{
		"timestamp": done.Timestamp.Format(time.RFC3339Nano),
	})
}

// process records the workflow on a created order.
func (p *Processor) process(ctx context.Context, step events.Step) (StepResult, error) {
	_, err := p.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(p.Table),
		Key:                 orderKey(step.OrderID),
		UpdateExpression:    aws.String("SET #wf = :wf, #processed = :now, #updated = :now"),
		ConditionExpression: aws.String("#status = :created"),
		ExpressionAttributeNames: map[string]string{
			"#wf": attrWorkflowID, "#processed": attrProcessedAt, "#updated": attrUpdatedAt, "#status": events.AttrStatus,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":wf": str(step.WorkflowID), ":now": str(p.now().Format(time.RFC3339Nano)), ":created": str(events.StatusCreated),
		},
	})
	if idempotency.IsConditionFailed(err) {
		existing, gerr := p.get(ctx, step.OrderID)
		if gerr != nil {
			return StepResult{}, gerr
		}
		if existing == nil {
			return StepResult{}, events.Refuse(events.KindOrderNotFound, "order %s is not in the orders table", step.OrderID)
		}
		return StepResult{}, events.Refuse(events.KindInvalidTransition, "order %s is %s; the workflow processes only created orders",
			step.OrderID, orUnknown(sAttr(existing, events.AttrStatus)))
	}
	if err != nil {
		return StepResult{}, fmt.Errorf("recording workflow %s on order %s: %w", step.WorkflowID, step.OrderID, err)
	}
	return StepResult{Step: step.Step, WorkflowID: step.WorkflowID, OrderID: step.OrderID, Status: events.StatusCreated, Total: step.Order.Total.String()}, nil
}

// fail moves an order from created to failed, the workflow's compensation,
// and publishes it.
func (p *Processor) fail(ctx context.Context, key string, step events.Step) (StepResult, error) {
	extra := map[string]types.AttributeValue{attrWorkflowID: str(step.WorkflowID)}
	if e := step.Error; e != nil {
		extra[attrFailureError] = str(orUnknown(clip(e.Error, maxFailureBytes)))
		extra[attrFailureCause] = str(orUnknown(clip(e.Cause, maxFailureBytes)))
	}
	moved, err := p.transition(ctx, key, step.OrderID, events.StatusFailed, extra)
	if err != nil {
		return StepResult{}, err
	}
	if moved {
		fields := map[string]any{"workflow_id": step.WorkflowID}
		if e := step.Error; e != nil {
			fields["error"] = clip(e.Error, maxFailureBytes)
		}
		if err := p.publish(ctx, NotifyOrderFailed, key, step.OrderID, events.StatusFailed, fields); err != nil {
			return StepResult{}, err
		}
	}
	return StepResult{Step: step.Step, WorkflowID: step.WorkflowID, OrderID: step.OrderID, Status: events.StatusFailed}, nil
}

// transition moves an order from created to status. It reports whether this
// event moved it (true also when a previous delivery of the same event did
// and stopped before publishing); false with no error means the order was in
// that status already, by another event: nothing to do.
func (p *Processor) transition(ctx context.Context, key, orderID, status string, extra map[string]types.AttributeValue) (bool, error) {
	atAttr := map[string]string{events.StatusCompleted: attrCompletedAt, events.StatusFailed: attrFailedAt}[status]
	now := p.now().Format(time.RFC3339Nano)
	names := map[string]string{"#status": events.AttrStatus, "#updated": attrUpdatedAt, "#event": attrStatusEvent}
	values := map[string]types.AttributeValue{
		":to": str(status), ":created": str(events.StatusCreated), ":now": str(now), ":event": str(key),
	}
	update := "SET #status = :to, #updated = :now, #event = :event"
	if _, ok := extra[atAttr]; !ok && atAttr != "" {
		extra[atAttr] = str(now)
	}
	i := 0
	for name, v := range extra {
		n, val := "#x"+strconv.Itoa(i), ":x"+strconv.Itoa(i)
		names[n], values[val] = name, v
		update += ", " + n + " = " + val
		i++
	}
	_, err := p.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(p.Table),
		Key:                       orderKey(orderID),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("#status = :created"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if err == nil {
		return true, nil
	}
	if !idempotency.IsConditionFailed(err) {
		return false, fmt.Errorf("moving order %s to %s: %w", orderID, status, err)
	}
	existing, err := p.get(ctx, orderID)
	if err != nil {
		return false, err
	}
	if existing == nil {
		return false, events.Refuse(events.KindOrderNotFound, "order %s is not in the orders table; it cannot become %s", orderID, status)
	}
	switch current := sAttr(existing, events.AttrStatus); {
	case current == status && sAttr(existing, attrStatusEvent) == key:
		return true, nil // our own write; the publish may not have happened
	case current == status:
		logging.From(ctx).Info("order is in that status already, by another event; nothing to do", "order_id", orderID, "status", status)
		return false, nil
	default:
		return false, events.Refuse(events.KindInvalidTransition, "order %s is %s; only a created order can become %s", orderID, orUnknown(current), status)
	}
}

// publish sends a notification of an order change to the topic, with the
// event type (and the order's id and status) as message attributes, so
// subscriptions can filter on them.
func (p *Processor) publish(ctx context.Context, eventType, key, orderID, status string, fields map[string]any) error {
	body := map[string]any{"event_type": eventType, "event_id": key, "order_id": orderID, "status": status}
	for k, v := range fields {
		body[k] = v
	}
	msg, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encoding the %s notification: %w", eventType, err)
	}
	_, err = p.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(p.TopicARN),
		Subject:  aws.String(eventType + ": " + orderID),
		Message:  aws.String(string(msg)),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"event_type": snsString(eventType),
			"order_id":   snsString(orderID),
			"status":     snsString(status),
		},
	})
	if err != nil {
		return fmt.Errorf("publishing the %s notification of order %s: %w", eventType, orderID, err)
	}
	return nil
}

func (p *Processor) get(ctx context.Context, orderID string) (map[string]types.AttributeValue, error) {
	out, err := p.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(p.Table), Key: orderKey(orderID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading order %s: %w", orderID, err)
	}
	return out.Item, nil
}

// orderItem is an order's own attributes as a row.
func orderItem(o events.Order) map[string]types.AttributeValue {
	lines := make([]types.AttributeValue, len(o.Items))
	for i, it := range o.Items {
		lines[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			events.AttrItemID:   str(it.ItemID),
			events.AttrQuantity: &types.AttributeValueMemberN{Value: strconv.FormatInt(it.Quantity, 10)},
			events.AttrPrice:    &types.AttributeValueMemberN{Value: it.Price.String()},
		}}
	}
	return map[string]types.AttributeValue{
		events.AttrOrderID:    str(o.OrderID),
		events.AttrCustomerID: str(o.CustomerID),
		events.AttrItems:      &types.AttributeValueMemberL{Value: lines},
		events.AttrTotal:      &types.AttributeValueMemberN{Value: o.Total.String()},
		events.AttrCreatedAt:  str(o.Timestamp.Format(time.RFC3339Nano)),
	}
}

// sameOrder reports whether a stored row holds the same order as item.
func sameOrder(existing, item map[string]types.AttributeValue) bool {
	for _, name := range []string{events.AttrCustomerID, events.AttrItems, events.AttrTotal, events.AttrCreatedAt} {
		if !reflect.DeepEqual(existing[name], item[name]) {
			return false
		}
	}
	return true
}

func itemsJSON(items []events.LineItem) []map[string]any {
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = map[string]any{"item_id": it.ItemID, "quantity": it.Quantity, "price": json.Number(it.Price.String())}
	}
	return out
}

func orderKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{events.AttrOrderID: str(id)}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func sAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func snsString(v string) snstypes.MessageAttributeValue {
	return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// clip cuts s to at most limit bytes, on a rune boundary.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
