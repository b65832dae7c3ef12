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
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
)

// fakeProcessor accepts detail {"ok": true}, refuses {"ok": false} and fails
// transiently on {"fail": true}.
type fakeProcessor struct{ ran []string }

func (p *fakeProcessor) PrepareEvent(ev events.EventBridgeEvent, key string) (Effect, error) {
	var d struct{ OK, Fail bool }
	_ = json.Unmarshal(ev.Detail, &d)
	if !d.OK && !d.Fail {
		return nil, events.Refuse(events.KindInvalidEvent, "detail.ok: must be true")
	}
	return func(context.Context) (any, error) {
		if d.Fail {
			return nil, errors.New("ThrottlingException")
		}
		p.ran = append(p.ran, key)
		return nil, nil
	}, nil
}

func (p *fakeProcessor) PrepareStep(step events.Step, key string) (Effect, error) {
	if step.Step == events.StepFail {
		return func(context.Context) (any, error) { return nil, errors.New("503") }, nil
	}
	return func(context.Context) (any, error) {
		p.ran = append(p.ran, key)
		return map[string]string{"done": key}, nil
	}, nil
}

// fakeDLQ records sends; failing makes them fail.
type fakeDLQ struct {
	sent    []string
	failing bool
}

func (d *fakeDLQ) Enabled() bool { return true }
func (d *fakeDLQ) Send(_ context.Context, body []byte, _, code, reason string) error {
	if d.failing {
		return errors.New("sqs down")
	}
	d.sent = append(d.sent, code+"|"+reason+"|"+string(body))
	return nil
}

func newRouter(dlq DeadLetters) (*Router, *fakeProcessor, *bytes.Buffer) {
	var logs bytes.Buffer
	p := &fakeProcessor{}
	return &Router{Function: "fn", Processor: p, DeadLetters: dlq, Logger: logging.New(&logs, "fn", slog.LevelDebug)}, p, &logs
}

func ev(id, detail string) string {
	return `{"id":"` + id + `","source":"s","detail-type":"T","detail":` + detail + `}`
}

func TestEventBridge(t *testing.T) {
	cases := map[string]struct {
		payload   string
		dlqFails  bool
		wantErr   bool
		wantDLQ   string // prefix of the DLQ send, "" for none
		wantRan   bool
		wantInLog string
	}{
		"valid":                {ev("e1", `{"ok":true}`), false, false, "", true, `"event_id":"e1"`},
		"refused":              {ev("e2", `{"ok":false}`), false, false, "InvalidEvent|detail.ok: must be true|", false, `"reason":"detail.ok: must be true"`},
		"refused, DLQ down":    {ev("e3", `{"ok":false}`), true, true, "", false, "so that Lambda retries"},
		"transient":            {ev("e4", `{"fail":true}`), false, true, "", false, "ThrottlingException"},
		"no id":                {`{"source":"s","detail-type":"T","detail":{}}`, false, false, "InvalidEvent|id: is required", false, ""},
		"unknown shape":        {`{"hello":"world"}`, false, false, "InvalidEvent|the payload is neither", false, `"shape":"unknown"`},
		"not JSON, DLQ down":   {`}{`, true, true, "", false, ""},
		"detail not an object": {ev("e5", `[]`), false, false, "InvalidEvent|detail: must be a JSON object", false, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := &fakeDLQ{failing: c.dlqFails}
			r, p, logs := newRouter(d)
			out, err := r.Invoke(context.Background(), json.RawMessage(c.payload))
			if (err != nil) != c.wantErr || out != nil {
				t.Fatalf("Invoke = %v, %v; want error %v", out, err, c.wantErr)
			}
			if c.wantDLQ == "" && len(d.sent) != 0 || c.wantDLQ != "" && (len(d.sent) != 1 || !strings.HasPrefix(d.sent[0], c.wantDLQ)) {
				t.Errorf("DLQ sends %q, want one starting %q", d.sent, c.wantDLQ)
			}
			if (len(p.ran) == 1) != c.wantRan {
				t.Errorf("effect ran %d times", len(p.ran))
			}
			if !strings.Contains(logs.String(), c.wantInLog) {
				t.Errorf("log %s lacks %s", logs.String(), c.wantInLog)
			}
		})
	}
}

func TestNoDeadLetterQueueKeepsTheInputInTheLog(t *testing.T) {
	r, _, logs := newRouter(nil)
	if _, err := r.Invoke(context.Background(), json.RawMessage(ev("e9", `{"ok":false}`))); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil {
		t.Fatalf("log is not one JSON line: %v: %s", err, logs)
	}
	if line["level"] != "ERROR" || !strings.Contains(line["payload"].(string), `"id":"e9"`) || line["event_id"] != "e9" {
		t.Errorf("log line %v", line)
	}
}

func TestSQSBatchFailsOnlyItsBadMessages(t *testing.T) {
	d := &fakeDLQ{}
	r, p, _ := newRouter(d)
	batch := awsevents.SQSEvent{Records: []awsevents.SQSMessage{
		{MessageId: "m1", EventSource: "aws:sqs", Body: ev("e1", `{"ok":true}`)},
		{MessageId: "m2", EventSource: "aws:sqs", Body: ev("e2", `{"ok":false}`)},
		{MessageId: "m3", EventSource: "aws:sqs", Body: `not json`},
		{MessageId: "m4", EventSource: "aws:sqs", Body: ev("e4", `{"fail":true}`)},
		{MessageId: "m5", EventSource: "aws:sqs", Body: `{"source":"s","detail-type":"T","detail":{"ok":true}}`},
	}}
	raw, _ := json.Marshal(batch)
	out, err := r.Invoke(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range out.(awsevents.SQSEventResponse).BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "m2,m3,m4" {
		t.Errorf("failed %v, want m2, m3, m4", failed)
	}
	if strings.Join(p.ran, ",") != "e1,sqs:m5" {
		t.Errorf("ran %v, want e1 and sqs:m5 (a message without an event id is keyed by its message id)", p.ran)
	}
	if len(d.sent) != 0 {
		t.Errorf("the handler sent batch messages to the DLQ itself: %v", d.sent)
	}
}

func TestStepErrorsAreTyped(t *testing.T) {
	d := &fakeDLQ{}
	r, _, _ := newRouter(d)
	row := `{"order_id":{"S":"O-1"},"customer_id":{"S":"C"},"status":{"S":"created"},"created_at":{"S":"2024-01-15T10:00:00Z"},"total":{"N":"1"},"items":{"L":[{"M":{"item_id":{"S":"I"},"quantity":{"N":"1"},"price":{"N":"1"}}}]}}`
	out, err := r.Invoke(context.Background(), json.RawMessage(`{"step":"reserve","workflow_id":"W","order_id":"O-1","order":`+row+`}`))
	if err != nil || string(out.(json.RawMessage)) != `{"done":"step:W:reserve:O-1"}` {
		t.Errorf("reserve = %s, %v", out, err)
	}
	_, err = r.Invoke(context.Background(), json.RawMessage(`{"step":"reserve","workflow_id":"W","order_id":"O-1"}`))
	if ie, ok := err.(messages.InvokeResponse_Error); !ok || ie.Type != events.KindInvalidOrder || !strings.Contains(ie.Message, "order: is required") {
		t.Errorf("invalid step error = %#v", err)
	}
	if len(d.sent) != 1 {
		t.Errorf("DLQ sends %v, want the invalid step", d.sent)
	}
	_, err = r.Invoke(context.Background(), json.RawMessage(`{"step":"fail","workflow_id":"W","order_id":"O-1"}`))
	if ie, ok := err.(messages.InvokeResponse_Error); !ok || ie.Type != TransientErrorType {
		t.Errorf("transient step error = %#v", err)
	}
}
