// Package notifications is the logic of event-notification-processor: it
// publishes each "Notification Sent" event to the topic, its message as the
// SNS message, with message attributes (event_type, notification_id and, when
// given, channel and order_id) that subscriptions can filter on.
//
// Publishing is the whole effect, so idempotency is the idempotency record's
// alone (see package idempotency): a duplicate of a completed event publishes
// nothing. The seed gives this function no table; without one (no
// IDEMPOTENCY_TABLE) duplicates are published again, which SNS subscribers
// must tolerate anyway (SNS itself delivers at least once).
package notifications

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
)

// Publisher is the one SNS call the processor makes.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Processor is the notification processor's logic.
type Processor struct {
	SNS      Publisher
	TopicARN string // NOTIFICATION_TOPIC_ARN
}

// Result is the outcome of a publish.
type Result struct {
	NotificationID string `json:"notification_id"`
	MessageID      string `json:"message_id"`
}

// PrepareEvent validates a notification event and returns its effect.
func (p *Processor) PrepareEvent(ev events.EventBridgeEvent, key string) (delivery.Effect, error) {
	if ev.Source != events.SourceNotifications {
		return nil, events.Refuse(events.KindUnsupportedEvent, "source %q: the notification processor handles source %q", ev.Source, events.SourceNotifications)
	}
	if ev.DetailType != events.TypeNotificationSent {
		return nil, events.Refuse(events.KindUnsupportedEvent, "detail-type %q: the notification processor handles %q", ev.DetailType, events.TypeNotificationSent)
	}
	n, err := events.ParseNotificationSent(ev.Detail)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (any, error) { return p.publish(ctx, key, n) }, nil
}

// PrepareStep refuses: the workflow does not call this function.
func (p *Processor) PrepareStep(step events.Step, key string) (delivery.Effect, error) {
	return nil, events.Refuse(events.KindUnsupportedEvent, "step %q: the notification processor runs no workflow step", step.Step)
}

func (p *Processor) publish(ctx context.Context, key string, n events.Notification) (Result, error) {
	attrs := map[string]snstypes.MessageAttributeValue{
		"event_type":      stringAttr(events.TypeNotificationSent),
		"notification_id": stringAttr(n.NotificationID),
		"event_id":        stringAttr(key),
	}
	if n.Channel != "" {
		attrs["channel"] = stringAttr(n.Channel)
	}
	if n.OrderID != "" {
		attrs["order_id"] = stringAttr(n.OrderID)
	}
	if n.Recipient != "" {
		attrs["recipient"] = stringAttr(n.Recipient)
	}
	in := &sns.PublishInput{TopicArn: aws.String(p.TopicARN), Message: aws.String(n.Message), MessageAttributes: attrs}
	if n.Subject != "" {
		in.Subject = aws.String(n.Subject)
	}
	out, err := p.SNS.Publish(ctx, in)
	if err != nil {
		return Result{}, fmt.Errorf("publishing notification %s: %w", n.NotificationID, err)
	}
	return Result{NotificationID: n.NotificationID, MessageID: aws.ToString(out.MessageId)}, nil
}

func stringAttr(v string) snstypes.MessageAttributeValue {
	return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}
