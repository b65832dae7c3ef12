package localaws

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// topic creates a topic and returns its ARN.
func (e *dlvEnv) topic(t *testing.T, name string, attrs map[string]string) string {
	t.Helper()
	return aws.ToString(must(e.sns.CreateTopic(ctx(t), &sns.CreateTopicInput{Name: aws.String(name), Attributes: attrs}))(t).TopicArn)
}

// subscribe subscribes an endpoint and returns the subscription's ARN.
func (e *dlvEnv) subscribe(t *testing.T, topic, protocol, endpoint string, attrs map[string]string) string {
	t.Helper()
	out := must(e.sns.Subscribe(ctx(t), &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String(protocol),
		Endpoint: aws.String(endpoint), Attributes: attrs, ReturnSubscriptionArn: true}))(t)
	return aws.ToString(out.SubscriptionArn)
}

func TestSNSPublishToSubscriptions(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &fakeRuntime{}
	e.srv.SetFunctionRuntime(rt)
	topic := e.topic(t, "orders", nil)
	_, envArn := e.queue(t, "enveloped", nil)
	_, rawArn := e.queue(t, "raw", nil)
	_, bigArn := e.queue(t, "big-only", nil)
	_, bodyArn := e.queue(t, "body-filter", nil)
	fnArn := e.function(t, "notified", nil)
	envSub := e.subscribe(t, topic, "sqs", envArn, nil)
	e.subscribe(t, topic, "sqs", rawArn, map[string]string{"RawMessageDelivery": "true"})
	e.subscribe(t, topic, "sqs", bigArn, map[string]string{"FilterPolicy": `{"size":[{"numeric":[">",100]}]}`})
	e.subscribe(t, topic, "sqs", bodyArn, map[string]string{"FilterPolicyScope": "MessageBody", "FilterPolicy": `{"kind":["refund"]}`})
	e.subscribe(t, topic, "lambda", fnArn, nil)
	e.subscribe(t, topic, "email", "ops@example.com", nil) // pending: gets nothing
	e.subscribe(t, topic, "sms", "+15555550100", nil)

	out := must(e.sns.Publish(ctx(t), &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"kind":"order"}`),
		Subject: aws.String("New order"), MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"size": {DataType: aws.String("Number"), StringValue: aws.String("5")},
			"tag":  {DataType: aws.String("String"), StringValue: aws.String("blue")},
		}}))(t)
	id := aws.ToString(out.MessageId)

	env := e.srv.Messages("enveloped")
	if len(env) != 1 {
		t.Fatalf("enveloped: %+v", env)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(env[0].Body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["Type"] != "Notification" || doc["MessageId"] != id || doc["TopicArn"] != topic || doc["Subject"] != "New order" ||
		doc["Message"] != `{"kind":"order"}` || !strings.Contains(fmt.Sprint(doc["UnsubscribeURL"]), envSub) ||
		fmt.Sprint(doc["MessageAttributes"]) != "map[size:map[Type:Number Value:5] tag:map[Type:String Value:blue]]" {
		t.Fatalf("envelope = %v", doc)
	}
	raw := e.srv.Messages("raw")
	if len(raw) != 1 || raw[0].Body != `{"kind":"order"}` || raw[0].MessageAttributes["tag"] != "blue" {
		t.Fatalf("raw: %+v", raw)
	}
	if n := len(e.srv.Messages("big-only")) + len(e.srv.Messages("body-filter")); n != 0 {
		t.Fatalf("the filtered subscriptions got %d messages", n)
	}
	eventually(t, "the Lambda subscription", func() error {
		if len(rt.Calls()) != 1 {
			return fmt.Errorf("calls: %+v", rt.Calls())
		}
		return nil
	})
	var ev struct {
		Records []struct {
			EventSource string
			Sns         map[string]any
		}
	}
	_ = json.Unmarshal([]byte(rt.Calls()[0].Payload), &ev)
	if len(ev.Records) != 1 || ev.Records[0].EventSource != "aws:sns" || ev.Records[0].Sns["Message"] != `{"kind":"order"}` ||
		ev.Records[0].Sns["MessageId"] != id || ev.Records[0].Sns["UnsubscribeUrl"] == nil {
		t.Fatalf("Lambda event = %s", rt.Calls()[0].Payload)
	}
	pub := e.srv.Published(topic)
	if len(pub) != 1 {
		t.Fatalf("Published = %+v", pub)
	}
	outcomes := map[string]string{}
	for _, d := range pub[0].Deliveries {
		outcomes[d.Protocol+" "+d.Endpoint] = d.Outcome
	}
	want := map[string]string{"sqs " + envArn: "delivered", "sqs " + rawArn: "delivered", "sqs " + bigArn: "filtered",
		"sqs " + bodyArn: "filtered", "lambda " + fnArn: "delivered", "sms +15555550100": "recorded"}
	if fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Fatalf("outcomes = %v, want %v", outcomes, want)
	}

	// A message the filters take.
	must(e.sns.Publish(ctx(t), &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"kind":"refund"}`),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"size": {DataType: aws.String("Number"), StringValue: aws.String("500")}}}))(t)
	if len(e.srv.Messages("big-only")) != 1 || len(e.srv.Messages("body-filter")) != 1 {
		t.Fatal("the filters did not let the matching message through")
	}
}

func TestSNSPublishHTTPAndStructure(t *testing.T) {
	e := newDeliveryEnv(t)
	var mu sync.Mutex
	var got []string
	var headers http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, headers = append(got, string(b)), r.Header.Clone()
		mu.Unlock()
	}))
	defer srv.Close()
	topic := e.topic(t, "hooks", nil)
	sub := e.subscribe(t, topic, "http", srv.URL+"/hook", nil)
	e.srv.ConfirmSubscription(sub)
	_, qArn := e.queue(t, "q", nil)
	e.subscribe(t, topic, "sqs", qArn, map[string]string{"RawMessageDelivery": "true"})

	must(e.sns.Publish(ctx(t), &sns.PublishInput{TopicArn: aws.String(topic), MessageStructure: aws.String("json"),
		Message: aws.String(`{"default":"plain","sqs":"for queues"}`)}))(t)
	eventually(t, "the POST", func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 {
			return fmt.Errorf("%d POSTs", len(got))
		}
		return nil
	})
	var doc map[string]any
	_ = json.Unmarshal([]byte(got[0]), &doc)
	if doc["Message"] != "plain" || headers.Get("x-amz-sns-message-type") != "Notification" || headers.Get("x-amz-sns-subscription-arn") != sub {
		t.Fatalf("POST %s with %v", got[0], headers)
	}
	if m := e.srv.Messages("q"); len(m) != 1 || m[0].Body != "for queues" {
		t.Fatalf("queue: %+v", m)
	}
	eventually(t, "the outcome", func() error {
		if d := e.srv.Published(topic)[0].Deliveries[0]; d.Outcome != "delivered" {
			return fmt.Errorf("%+v", d)
		}
		return nil
	})
}

func TestSNSPublishBatchAndValidation(t *testing.T) {
	e := newDeliveryEnv(t)
	topic := e.topic(t, "batch", nil)
	fifo := e.topic(t, "batch.fifo", map[string]string{"FifoTopic": "true"})
	out := must(e.sns.PublishBatch(ctx(t), &sns.PublishBatchInput{TopicArn: aws.String(topic), PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("one"), Message: aws.String("1")},
		{Id: aws.String("two"), Message: aws.String("2"), Subject: aws.String("line\nbreak")},
	}}))(t)
	if len(out.Successful) != 1 || aws.ToString(out.Successful[0].Id) != "one" || len(out.Failed) != 1 ||
		aws.ToString(out.Failed[0].Code) != "InvalidParameter" || !out.Failed[0].SenderFault {
		t.Fatalf("PublishBatch = %+v", out)
	}
	for _, tc := range []struct {
		name string
		in   *sns.PublishInput
		code string
	}{
		{"empty message", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("")}, "InvalidParameter"},
		{"no default", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"sqs":"x"}`), MessageStructure: aws.String("json")}, "InvalidParameter"},
		{"missing topic", &sns.PublishInput{TopicArn: aws.String(strings.Replace(topic, "batch", "none", 1)), Message: aws.String("x")}, "NotFound"},
		{"fifo without group", &sns.PublishInput{TopicArn: aws.String(fifo), Message: aws.String("x"), MessageDeduplicationId: aws.String("d")}, "InvalidParameter"},
		{"bad number", &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x"), MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"n": {DataType: aws.String("Number"), StringValue: aws.String("many")}}}, "InvalidParameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.sns.Publish(ctx(t), tc.in)
			status := http.StatusBadRequest
			if tc.code == "NotFound" {
				status = http.StatusNotFound
			}
			wantCode(t, err, tc.code, status)
		})
	}
	// A delivery that fails goes to the subscription's dead-letter queue.
	_, dlq := e.queue(t, "sub-dlq", nil)
	e.subscribe(t, topic, "sqs", "arn:aws:sqs:us-east-1:123456789012:deleted", map[string]string{
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q}`, dlq)})
	must(e.sns.Publish(ctx(t), &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("lost")}))(t)
	if m := e.srv.Messages("sub-dlq"); len(m) != 1 || !strings.Contains(m[0].Body, `"Message":"lost"`) {
		t.Fatalf("subscription DLQ: %+v", m)
	}
	pub := e.srv.Published(topic)
	if d := pub[len(pub)-1].Deliveries[0]; d.Outcome != "dead-lettered" || !strings.Contains(d.Error, "does not exist") {
		t.Fatalf("delivery = %+v", d)
	}
	fout := must(e.sns.Publish(ctx(t), &sns.PublishInput{TopicArn: aws.String(fifo), Message: aws.String("x"),
		MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d")}))(t)
	if aws.ToString(fout.SequenceNumber) == "" {
		t.Fatal("no SequenceNumber from a FIFO topic")
	}
}
