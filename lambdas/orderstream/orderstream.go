// Package orderstream is the logic of event-order-stream-processor, a
// consumer of the orders table's DynamoDB stream (functions[].streams, view
// type NEW_AND_OLD_IMAGES): when an order row's status changes (created →
// completed, created → failed, whoever wrote it), it publishes an "Order
// Status Changed" notification to the topic, with the order's id, the status
// before and after, and the stream record's event id and sequence number;
// message attributes event_type, order_id, status and previous_status let
// subscriptions filter on them.
//
// Everything else asks for nothing: INSERT (the order processor publishes
// Order Created itself), REMOVE (TTL or a deletion), a MODIFY that leaves the
// status alone, and rows that are not orders (the idempotency records the
// functions keep in the same table, whose own writes come down the stream
// too).
//
// Publishing is the whole effect, so idempotency is the idempotency record's
// (key "stream:<eventID>", see package delivery): a retried batch, or one
// bisected after a failure, publishes nothing for a record handled before.
package orderstream

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
)

// NotifyOrderStatusChanged is the event_type of the notification.
const NotifyOrderStatusChanged = "Order Status Changed"

// Publisher is the one SNS call the processor makes.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Processor is the stream consumer's logic.
type Processor struct {
	SNS      Publisher
	TopicARN string // NOTIFICATION_TOPIC_ARN
}

var _ delivery.StreamProcessor = (*Processor)(nil)

// Result is the outcome of a publish, kept in the idempotency record.
type Result struct {
	OrderID   string `json:"order_id"`
	From      string `json:"from"`
	To        string `json:"to"`
	MessageID string `json:"message_id"`
}

// PrepareRecord validates a record of the orders table's stream and returns
// the publish its status change asks for, or nil when it asks for nothing.
func (p *Processor) PrepareRecord(rec awsevents.DynamoDBEventRecord, key string) (delivery.Effect, error) {
	if rec.EventName != events.StreamModify {
		return nil, nil // INSERT, REMOVE
	}
	c, err := events.ParseOrderChange(rec)
	if err != nil {
		return nil, err
	}
	if !c.IsOrder() || c.OldStatus == c.NewStatus {
		return nil, nil
	}
	return func(ctx context.Context) (any, error) { return p.publish(ctx, key, rec, c) }, nil
}

func (p *Processor) publish(ctx context.Context, key string, rec awsevents.DynamoDBEventRecord, c events.OrderChange) (Result, error) {
	body := map[string]any{
		"event_type": NotifyOrderStatusChanged, "event_id": key, "order_id": c.OrderID,
		"previous_status": c.OldStatus, "status": c.NewStatus, "sequence_number": rec.Change.SequenceNumber,
	}
	if t := rec.Change.ApproximateCreationDateTime; !t.IsZero() {
		body["changed_at"] = t.UTC().Format(time.RFC3339)
	}
	msg, err := json.Marshal(body)
	if err != nil {
		return Result{}, fmt.Errorf("encoding the %s notification: %w", NotifyOrderStatusChanged, err)
	}
	out, err := p.SNS.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(p.TopicARN),
		Subject:  aws.String(NotifyOrderStatusChanged + ": " + c.OrderID),
		Message:  aws.String(string(msg)),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"event_type":      snsString(NotifyOrderStatusChanged),
			"order_id":        snsString(c.OrderID),
			"status":          snsString(c.NewStatus),
			"previous_status": snsString(c.OldStatus),
		},
	})
	if err != nil {
		return Result{}, fmt.Errorf("publishing the %s notification of order %s: %w", NotifyOrderStatusChanged, c.OrderID, err)
	}
	return Result{OrderID: c.OrderID, From: c.OldStatus, To: c.NewStatus, MessageID: aws.ToString(out.MessageId)}, nil
}

func snsString(v string) snstypes.MessageAttributeValue {
	return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}
