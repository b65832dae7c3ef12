package dlq_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/dlq"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// The sends go through the real SDK SQS client to an SQS-compatible recorder
// (JSON protocol, the body's MD5 checked by the SDK).
func TestSend(t *testing.T) {
	rec := emulators.NewSQSRecorder(t)
	s := &dlq.Sender{Client: rec.Client(), QueueURL: rec.QueueURL("order-dlq"), Function: "event-order-processor"}
	cases := []struct {
		name, body, eventID, reason string
		wantBody, wantEncoding      string
		wantReasonLen               int
	}{
		{"event", `{"id":"e1"}`, "e1", "detail.total: is 59.97", `{"id":"e1"}`, "", len("detail.total: is 59.97")},
		{"control characters", "{\x00}", "", "bad", base64.StdEncoding.EncodeToString([]byte("{\x00}")), "base64", 3},
		{"invalid UTF-8", "\xff\xfe", "e3", "bad", base64.StdEncoding.EncodeToString([]byte("\xff\xfe")), "base64", 3},
		{"long reason", `{}`, "e4", strings.Repeat("é", 3000), `{}`, "", 4096},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := s.Send(context.Background(), []byte(c.body), c.eventID, "InvalidEvent", c.reason); err != nil {
				t.Fatal(err)
			}
			m := rec.Messages()[i]
			if m.Body != c.wantBody || m.Attributes[dlq.AttrBodyEncoding] != c.wantEncoding || m.QueueURL != s.QueueURL {
				t.Errorf("message %+v", m)
			}
			if m.Attributes[dlq.AttrErrorCode] != "InvalidEvent" || m.Attributes[dlq.AttrFunction] != "event-order-processor" {
				t.Errorf("attributes %v", m.Attributes)
			}
			if got := len(m.Attributes[dlq.AttrErrorMessage]); got != c.wantReasonLen {
				t.Errorf("ErrorMessage is %d bytes, want %d", got, c.wantReasonLen)
			}
			if _, has := m.Attributes[dlq.AttrEventID]; has != (c.eventID != "") {
				t.Errorf("EventId attribute present = %v for event id %q", has, c.eventID)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	if err := (&dlq.Sender{}).Send(context.Background(), []byte("{}"), "", "X", "y"); !errors.Is(err, dlq.ErrNoQueue) {
		t.Errorf("no queue: %v", err)
	}
	rec := emulators.NewSQSRecorder(t)
	rec.FailNext(1)
	s := &dlq.Sender{Client: rec.Client(), QueueURL: rec.QueueURL("q"), Function: "f"}
	if err := s.Send(context.Background(), []byte("{}"), "", "X", "y"); err == nil || !strings.Contains(err.Error(), "dead-letter queue") {
		t.Errorf("a 500 from SQS: %v", err)
	}
}
