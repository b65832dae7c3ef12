package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
)

// fakeStreamProcessor acts on the NewImage's "act": ok runs, refuse is
// refused, fail fails transiently, skip asks for nothing.
type fakeStreamProcessor struct{ ran []string }

func (p *fakeStreamProcessor) PrepareRecord(rec awsevents.DynamoDBEventRecord, key string) (Effect, error) {
	switch rec.Change.NewImage["act"].String() {
	case "skip":
		return nil, nil
	case "refuse":
		return nil, events.Refuse(events.KindInvalidEvent, "dynamodb.NewImage.act: refused")
	case "fail":
		return func(context.Context) (any, error) { return nil, errors.New("ThrottlingException") }, nil
	}
	return func(context.Context) (any, error) {
		p.ran = append(p.ran, key)
		return nil, nil
	}, nil
}

// memoryIdempotency completes keys in memory.
type memoryIdempotency struct{ done map[string]bool }

func (m *memoryIdempotency) Run(ctx context.Context, key string, _ []byte, effect func(context.Context) (any, error)) (idempotency.Outcome, error) {
	if m.done[key] {
		return idempotency.Outcome{Replay: true}, nil
	}
	if _, err := effect(ctx); err != nil {
		return idempotency.Outcome{}, err
	}
	m.done[key] = true
	return idempotency.Outcome{}, nil
}

func streamRecord(id, seq, act string) string {
	return `{"eventID":"` + id + `","eventName":"MODIFY","eventSource":"aws:dynamodb","eventVersion":"1.1","awsRegion":"us-east-1",` +
		`"dynamodb":{"Keys":{"order_id":{"S":"O-1"}},"NewImage":{"act":{"S":"` + act + `"}},"SequenceNumber":"` + seq + `","StreamViewType":"NEW_AND_OLD_IMAGES"}}`
}

func streamBatch(records ...string) json.RawMessage {
	return json.RawMessage(`{"Records":[` + strings.Join(records, ",") + `]}`)
}

func newStreamRouter(dlq DeadLetters) (*StreamRouter, *fakeStreamProcessor, *bytes.Buffer) {
	var logs bytes.Buffer
	p := &fakeStreamProcessor{}
	m := &memoryIdempotency{done: map[string]bool{}}
	return &StreamRouter{Function: "fn", Processor: p, Idempotency: m, DeadLetters: dlq, Logger: logging.New(&logs, "fn", slog.LevelDebug)}, p, &logs
}

func failures(resp awsevents.DynamoDBEventResponse) []string {
	out := []string{}
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

// A transient failure stops the batch at its record, reported by sequence
// number: the records after it are not handled (Lambda sends them again),
// and on the retry the records handled before are duplicates.
func TestStreamStopsAtTheFirstTransientFailure(t *testing.T) {
	r, p, logs := newStreamRouter(&fakeDLQ{})
	resp, err := r.Invoke(context.Background(), streamBatch(
		streamRecord("e1", "100", "ok"), streamRecord("e2", "200", "skip"), streamRecord("e3", "300", "fail"), streamRecord("e4", "400", "ok")))
	if err != nil {
		t.Fatal(err)
	}
	if got := failures(resp); len(got) != 1 || got[0] != "300" {
		t.Fatalf("batchItemFailures = %v, want [300]", got)
	}
	if strings.Join(p.ran, ",") != "stream:e1" {
		t.Fatalf("ran %v, want stream:e1 alone", p.ran)
	}
	if !strings.Contains(logs.String(), `"sequence_number":"300"`) || !strings.Contains(logs.String(), "ThrottlingException") {
		t.Fatalf("the failure is not logged with its record:\n%s", logs)
	}

	// Lambda retries from 300 (bisect or not, the same records come again);
	// e1 in a batch replayed whole is a duplicate.
	resp, err = r.Invoke(context.Background(), streamBatch(streamRecord("e1", "100", "ok"), streamRecord("e3", "300", "ok"), streamRecord("e4", "400", "ok")))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry: %v, %v", failures(resp), err)
	}
	if strings.Join(p.ran, ",") != "stream:e1,stream:e3,stream:e4" {
		t.Fatalf("ran %v, want e1 once, then e3 and e4", p.ran)
	}
	if !strings.Contains(logs.String(), "duplicate delivery") {
		t.Fatalf("the duplicate is not logged:\n%s", logs)
	}
}

// A refused record is sent to the dead-letter queue and skipped: retrying it
// would hold up the shard.
func TestStreamRefusedRecordsGoToTheDeadLetterQueue(t *testing.T) {
	dlq := &fakeDLQ{}
	r, p, _ := newStreamRouter(dlq)
	bad := `{"eventID":"e2","eventName":"UPSERT","eventSource":"aws:dynamodb","dynamodb":{"Keys":{"order_id":{"S":"O-1"}},"SequenceNumber":"200"}}`
	resp, err := r.Invoke(context.Background(), streamBatch(streamRecord("e1", "100", "refuse"), bad, streamRecord("e3", "300", "ok")))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("%v, %v; want the batch to succeed", failures(resp), err)
	}
	if len(dlq.sent) != 2 || !strings.Contains(dlq.sent[0], "dynamodb.NewImage.act: refused") || !strings.Contains(dlq.sent[1], `eventName: is "UPSERT"`) {
		t.Fatalf("dead letters %q", dlq.sent)
	}
	if strings.Join(p.ran, ",") != "stream:e3" {
		t.Fatalf("ran %v", p.ran)
	}

	// The queue down: the refused record is retried rather than lost.
	dlq.failing = true
	resp, _ = r.Invoke(context.Background(), streamBatch(streamRecord("e5", "500", "refuse"), streamRecord("e6", "600", "ok")))
	if got := failures(resp); len(got) != 1 || got[0] != "500" {
		t.Fatalf("batchItemFailures = %v, want [500]", got)
	}
}

func TestStreamMalformedBatchIsRefusedNotRetried(t *testing.T) {
	dlq := &fakeDLQ{}
	r, _, _ := newStreamRouter(dlq)
	for _, payload := range []string{`[]`, `{"Records":[]}`, `{"Records":{"a":1}}`} {
		dlq.sent = nil
		resp, err := r.Invoke(context.Background(), json.RawMessage(payload))
		if err != nil || len(resp.BatchItemFailures) != 0 || len(dlq.sent) != 1 {
			t.Errorf("%s: %v, %v, dead letters %q", payload, failures(resp), err, dlq.sent)
		}
	}
}

// Out of time, the record in hand and the rest are left to Lambda's retry.
func TestStreamDeadlineLeavesTheRestToTheRetry(t *testing.T) {
	r, p, _ := newStreamRouter(&fakeDLQ{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, _ := r.Invoke(ctx, streamBatch(streamRecord("e1", "100", "ok"), streamRecord("e2", "200", "ok")))
	if got := failures(resp); len(got) != 1 || got[0] != "100" || len(p.ran) != 0 {
		t.Fatalf("batchItemFailures = %v, ran %v", got, p.ran)
	}
}

// The response always has batchItemFailures, an empty list on success, as
// Lambda's partial batch response reads it.
func TestStreamResponseShape(t *testing.T) {
	r, _, _ := newStreamRouter(&fakeDLQ{})
	resp, _ := r.Invoke(context.Background(), streamBatch(streamRecord("e1", "100", "ok")))
	b, _ := json.Marshal(resp)
	if string(b) != `{"batchItemFailures":[]}` {
		t.Fatalf("response %s", b)
	}
}
