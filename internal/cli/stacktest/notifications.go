package stacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueAPI is the SQS calls the notification listener makes.
type QueueAPI interface {
	CreateQueue(context.Context, *sqs.CreateQueueInput, ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteQueue(context.Context, *sqs.DeleteQueueInput, ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error)
}

// SubscriptionAPI is the SNS calls the notification listener makes.
type SubscriptionAPI interface {
	Subscribe(context.Context, *sns.SubscribeInput, ...func(*sns.Options)) (*sns.SubscribeOutput, error)
	Unsubscribe(context.Context, *sns.UnsubscribeInput, ...func(*sns.Options)) (*sns.UnsubscribeOutput, error)
}

// clockSkew is how much earlier than the run an execution may seem to start
// (AWS's clock against this machine's) and still be looked at.
const clockSkew = time.Minute

// listener is a temporary SQS queue subscribed to the topics a run follows,
// so that it sees what they publish (SNS keeps nothing to read back). It is
// deleted, and its subscriptions removed, when the run ends.
type listener struct {
	api           API
	queueURL      string
	subscriptions []string
	// received: topic ARN → messages, as SNS delivered them.
	received map[string][]string
}

// queueNameRE is what SQS allows in a queue's name.
var queueNameRE = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// listen creates the queue, lets the topics send to it, and subscribes it.
func listen(ctx context.Context, api API, topics map[string]string, correlation string) (*listener, error) {
	if api.SQS == nil || api.SNS == nil {
		return nil, fmt.Errorf("following notifications needs SQS and SNS clients")
	}
	l := &listener{api: api, received: map[string][]string{}}
	name := queueNameRE.ReplaceAllString("eds-test-"+correlation, "-")
	arns := make([]string, 0, len(topics))
	for _, arn := range topics {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	policy, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "TopicsOfTheTest", "Effect": "Allow", "Principal": map[string]string{"Service": "sns.amazonaws.com"},
		"Action": "sqs:SendMessage", "Resource": "*", "Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": arns}},
	}}})
	if err != nil {
		return nil, err
	}
	created, err := api.SQS.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name[:min(len(name), 80)]),
		Attributes: map[string]string{"Policy": string(policy), "VisibilityTimeout": "600", "MessageRetentionPeriod": "3600"}})
	if err != nil {
		return nil, fmt.Errorf("sqs:CreateQueue of the queue that follows the notifications (--notifications=false skips them): %w", err)
	}
	l.queueURL = aws.ToString(created.QueueUrl)
	attrs, err := api.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: created.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		l.close(io.Discard)
		return nil, fmt.Errorf("sqs:GetQueueAttributes: %w", err)
	}
	queueARN := attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	for _, topic := range arns {
		sub, err := api.SNS.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
			Endpoint: aws.String(queueARN), ReturnSubscriptionArn: true})
		if err != nil {
			l.close(io.Discard)
			return nil, fmt.Errorf("sns:Subscribe to %s: %w", topic, err)
		}
		l.subscriptions = append(l.subscriptions, aws.ToString(sub.SubscriptionArn))
	}
	return l, nil
}

// receive reads what arrived since the last call (a short long poll).
func (l *listener) receive(ctx context.Context) error {
	for range 10 {
		out, err := l.api.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(l.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			return fmt.Errorf("sqs:ReceiveMessage: %w", err)
		}
		for _, m := range out.Messages {
			var envelope struct{ TopicArn, Message string }
			if json.Unmarshal([]byte(aws.ToString(m.Body)), &envelope) == nil && envelope.TopicArn != "" {
				l.received[envelope.TopicArn] = append(l.received[envelope.TopicArn], envelope.Message)
			}
		}
		if len(out.Messages) < 10 {
			return nil
		}
	}
	return nil
}

// close removes the subscriptions and the queue, with its own time: the
// run's context may be cancelled already (Ctrl-C).
func (l *listener) close(out io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, arn := range l.subscriptions {
		if _, err := l.api.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); err != nil {
			fmt.Fprintf(out, "warning: removing the test's subscription %s: %v\n", arn, err)
		}
	}
	if l.queueURL != "" {
		if _, err := l.api.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(l.queueURL)}); err != nil {
			fmt.Fprintf(out, "warning: deleting the test's queue %s: %v\n", l.queueURL, err)
		}
	}
}

// notificationCheck waits for a message on the topic that holds the text.
func (r *runner) notificationCheck(x NotificationExpectation, topicARN string) func(context.Context) (Check, bool, error) {
	what := "notification on topic " + x.Topic
	return func(ctx context.Context) (Check, bool, error) {
		if err := r.listener.receive(ctx); err != nil {
			return Check{What: what}, true, err
		}
		for _, m := range r.listener.received[topicARN] {
			if strings.Contains(m, x.Contains) {
				return Check{What: what, OK: true, Detail: firstLine(m, 100)}, true, nil
			}
		}
		return Check{What: what, Detail: fmt.Sprintf("none holds %q (%d received)", x.Contains, len(r.listener.received[topicARN]))}, false, nil
	}
}

// firstLine is s cut to one line of at most n characters.
func firstLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
