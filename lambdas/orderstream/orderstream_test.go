package orderstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

func TestMain(m *testing.M) { os.Exit(emulators.Main(m)) }

// fakeSNS records publishes; failing makes the next ones fail.
type fakeSNS struct {
	got     []*sns.PublishInput
	failing int
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	if f.failing > 0 {
		f.failing--
		return nil, errors.New("InternalError: 500")
	}
	f.got = append(f.got, in)
	return &sns.PublishOutput{MessageId: aws.String("m-1")}, nil
}

// record is a record of the orders table's stream; before or after "" leaves the
// image's status out; noImage leaves both images out.
func record(id, seq, event, order, before, after string) string {
	image := func(status string) string {
		s := `{"order_id":{"S":"` + order + `"},"record_type":{"S":"order"},"total":{"N":"31.48"}`
		if status != "" {
			s += `,"status":{"S":"` + status + `"}`
		}
		return s + `}`
	}
	d := `"Keys":{"order_id":{"S":"` + order + `"}},"SequenceNumber":"` + seq + `","SizeBytes":120,"StreamViewType":"NEW_AND_OLD_IMAGES","ApproximateCreationDateTime":1705312800`
	switch event {
	case "INSERT":
		d += `,"NewImage":` + image(after)
	case "MODIFY":
		d += `,"OldImage":` + image(before) + `,"NewImage":` + image(after)
	case "REMOVE":
		d += `,"OldImage":` + image(before)
	}
	return `{"eventID":"` + id + `","eventName":"` + event + `","eventSource":"aws:dynamodb","eventVersion":"1.1","awsRegion":"us-east-1",` +
		`"eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/event-driven-orders/stream/2024-01-15T10:00:00.000","dynamodb":{` + d + `}}`
}

func prepare(t *testing.T, p *Processor, raw string) delivery.Effect {
	t.Helper()
	rec, err := events.DecodeStreamRecord(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	effect, err := p.PrepareRecord(rec, "stream:"+rec.EventID)
	if err != nil {
		t.Fatal(err)
	}
	return effect
}

func TestAStatusChangeIsPublished(t *testing.T) {
	pub := &fakeSNS{}
	p := &Processor{SNS: pub, TopicARN: "arn:aws:sns:us-east-1:123456789012:event-notifications"}
	effect := prepare(t, p, record("e1", "100", "MODIFY", "ORD-1", "created", "completed"))
	if effect == nil {
		t.Fatal("created → completed asks for nothing")
	}
	res, err := effect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res != (Result{OrderID: "ORD-1", From: "created", To: "completed", MessageID: "m-1"}) {
		t.Fatalf("result %+v", res)
	}
	in := pub.got[0]
	if aws.ToString(in.TopicArn) != p.TopicARN || aws.ToString(in.Subject) != "Order Status Changed: ORD-1" {
		t.Fatalf("publish %+v", in)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(in.Message)), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"event_type": "Order Status Changed", "event_id": "stream:e1", "order_id": "ORD-1",
		"previous_status": "created", "status": "completed", "sequence_number": "100", "changed_at": "2024-01-15T10:00:00Z"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("message %s = %v, want %v", k, body[k], v)
		}
	}
	for k, v := range map[string]string{"event_type": "Order Status Changed", "order_id": "ORD-1", "status": "completed", "previous_status": "created"} {
		if got := aws.ToString(in.MessageAttributes[k].StringValue); got != v {
			t.Errorf("attribute %s = %q, want %q", k, got, v)
		}
	}
}

func TestRecordsThatAskForNothing(t *testing.T) {
	p := &Processor{SNS: &fakeSNS{}, TopicARN: "t"}
	for name, raw := range map[string]string{
		"insert":           record("e1", "1", "INSERT", "ORD-1", "", "created"),
		"remove":           record("e2", "2", "REMOVE", "ORD-1", "completed", ""),
		"status unchanged": record("e3", "3", "MODIFY", "ORD-1", "created", "created"),
		"idempotency row":  record("e4", "4", "MODIFY", "idempotency#order-stream#e1", "IN_PROGRESS", "COMPLETED"),
		"other row type":   strings.ReplaceAll(record("e5", "5", "MODIFY", "ORD-1", "created", "failed"), `"S":"order"`, `"S":"audit"`),
	} {
		if effect := prepare(t, p, raw); effect != nil {
			t.Errorf("%s: asks for a publish", name)
		}
	}
}

func TestAModifyWithoutImagesIsRefused(t *testing.T) {
	p := &Processor{SNS: &fakeSNS{}, TopicARN: "t"}
	raw := strings.Replace(record("e1", "1", "MODIFY", "ORD-1", "created", "completed"), `"StreamViewType":"NEW_AND_OLD_IMAGES"`, `"StreamViewType":"KEYS_ONLY"`, 1)
	var r map[string]any
	_ = json.Unmarshal([]byte(raw), &r)
	d := r["dynamodb"].(map[string]any)
	delete(d, "OldImage")
	delete(d, "NewImage")
	b, _ := json.Marshal(r)
	rec, err := events.DecodeStreamRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.PrepareRecord(rec, "stream:e1")
	if refusal, ok := events.AsRefusal(err); !ok || !strings.Contains(refusal.Reason, "dynamodb.OldImage: is required: the table's stream must have viewType NEW_AND_OLD_IMAGES (the record's is KEYS_ONLY)") {
		t.Fatalf("err = %v", err)
	}
}

// TestARetriedBatchPublishesOnce runs the handler as the function does, with
// its idempotency records in dynalite and its topic on goaws: a batch that
// fails at its second record (SNS down) and is retried from there, then
// delivered again whole (a bisected or replayed batch), publishes each
// status change once.
func TestARetriedBatchPublishesOnce(t *testing.T) {
	db := emulators.DynamoDB(t)
	snsClient, sink := emulators.SNSClient(t)
	table := emulators.CreateTable(t, db, "orders", "order_id")
	flaky := &flakySNS{Publisher: snsClient}
	var logs bytes.Buffer
	r := &delivery.StreamRouter{
		Function:    "event-order-stream-processor",
		Processor:   &Processor{SNS: flaky, TopicARN: emulators.TopicARN},
		Idempotency: &idempotency.Store{DB: db, Table: table, KeyAttr: "order_id", Scope: "order-stream"},
		Logger:      logging.New(&logs, "event-order-stream-processor", slog.LevelDebug),
	}
	order := "ORD-STREAM-" + strings.ReplaceAll(t.Name(), "/", "-")
	other := order + "-B"
	recs := []string{
		record("e1", "100", "INSERT", order, "", "created"),
		record("e2", "200", "MODIFY", order, "created", "completed"),
		record("e3", "300", "MODIFY", other, "created", "failed"),
		record("e4", "400", "REMOVE", order, "completed", ""),
	}
	batch := func(rs ...string) json.RawMessage {
		return json.RawMessage(`{"Records":[` + strings.Join(rs, ",") + `]}`)
	}
	ctx := context.Background()

	flaky.failing = 1
	resp, err := r.Invoke(ctx, batch(recs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "200" {
		t.Fatalf("first delivery: %+v, want a failure at 200; logs:\n%s", resp, logs.String())
	}
	for _, b := range []json.RawMessage{batch(recs[1:]...), batch(recs...)} {
		resp, err = r.Invoke(ctx, b)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery: %+v, %v; logs:\n%s", resp, err, logs.String())
		}
	}
	if flaky.calls != 3 {
		t.Fatalf("%d publishes, want 3 (one refused by SNS, then one per change)", flaky.calls)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := map[string]int{}
		for _, n := range sink.Matching(emulators.WithAttribute("event_type", NotifyOrderStatusChanged)) {
			if id := n.MessageAttributes["order_id"].Value; id == order || id == other {
				got[id+" "+n.MessageAttributes["previous_status"].Value+" → "+n.MessageAttributes["status"].Value]++
			}
		}
		if len(got) == 2 && got[order+" created → completed"] == 1 && got[other+" created → failed"] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notifications %v; want one per change", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "duplicate delivery") {
		t.Fatalf("the replayed records are not logged as duplicates:\n%s", logs.String())
	}
}

// flakySNS fails its next `failing` publishes, as SNS answering 500.
type flakySNS struct {
	Publisher
	failing, calls int
}

func (f *flakySNS) Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.calls++
	if f.failing > 0 {
		f.failing--
		return nil, errors.New("InternalError: 500")
	}
	return f.Publisher.Publish(ctx, in, optFns...)
}
