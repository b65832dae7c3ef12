package stacktest

import (
	"strings"
	"testing"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/match"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

func TestSeedScenario(t *testing.T) {
	s, err := Seed()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Events) != 3 {
		t.Fatalf("%d events, want the seed's three", len(s.Events))
	}
	c, err := s.Correlate("T1-ab", time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if d := string(c.Events[0].Detail); !strings.Contains(d, `"order_id":"ORD-T1-ab"`) || !strings.Contains(d, `"timestamp":"2026-12-07T10:00:00Z"`) {
		t.Errorf("detail not correlated: %s", d)
	}
	if k := c.Events[2].Expect[1].Item.Key["order_id"]; k != "ORD-T1-ab" {
		t.Errorf("expectation key %v", k)
	}
	if strings.Contains(string(s.Events[0].Detail), "T1-ab") {
		t.Error("Correlate changed the scenario it was called on")
	}
	// Every event of the seed's test is routed by the seed stack's rules.
	stack := seed.Stack(t, "default")
	verdicts, err := predict(stack, c)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range verdicts {
		if !v.Delivered() {
			t.Errorf("event %d: %s", i, routing(v))
		}
	}
	if n := len(s.WithoutNotifications().Events[0].Expect); n != 1 {
		t.Errorf("without notifications: %d expectations, want 1", n)
	}
}

func TestParseNamesTheField(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`events: []`, "events: give at least one event"},
		{`events: [{source: a, detail: {}}]`, "events[0].detailType: required"},
		{`events: [{source: a, detailType: b, detail: "x"}]`, "events[0].detail: a JSON object is required"},
		{`events: [{source: a, detailType: b, detail: {}, expect: [{}]}]`, "events[0].expect[0]: set exactly one of item, execution, notification (0 set)"},
		{`events: [{source: a, detailType: b, detail: {}, expect: [{item: {table: t}}]}]`, "events[0].expect[0].item.key: required"},
		{`events: [{source: a, detailType: b, detail: {}, expect: [{execution: {workflow: w, status: DONE}}]}]`, `events[0].expect[0].execution.status: "DONE" is not`},
		{`events: [{source: a, detailType: b, detail: {}, expect: [{notification: {topic: t}}]}]`, "events[0].expect[0].notification.contains: required"},
		{`events: [{source: a, detailType: b, detail: {}, extra: 1}]`, `unknown field "extra"`},
	} {
		_, err := Parse([]byte(c.in), "f.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	stack := seed.Stack(t, "default")
	s, _ := Seed()
	if _, err := Resolve(stack, s); err == nil || !strings.Contains(err.Error(), "has not reported its event bus yet") {
		t.Fatalf("a stack without status: %v", err)
	}
	stack.Status.Outputs = map[string]string{"eventBus.custom-event-bus.name": "custom-event-bus",
		"workflow.event-driven-workflow.arn": "arn:aws:states:us-east-1:123456789012:stateMachine:event-driven-workflow"}
	stack.Status.Children = []v1alpha1.ChildStatus{
		{Component: "table/event-driven-orders", ARN: "arn:aws:dynamodb:us-east-1:123456789012:table/event-driven-orders"},
		{Component: "table/event-driven-inventory", ARN: "arn:aws:dynamodb:us-east-1:123456789012:table/event-driven-inventory"},
	}
	if _, err := Resolve(stack, s); err == nil || !strings.Contains(err.Error(), "events[0].expect[1].notification.topic: stack default/event-driven-stack has not reported the ARN of topic event-notifications yet") {
		t.Fatalf("a topic without ARN: %v", err)
	}
	stack.Status.Children = append(stack.Status.Children, v1alpha1.ChildStatus{Component: "topic/event-notifications", ARN: "arn:aws:sns:us-east-1:123456789012:event-notifications"})
	got, err := Resolve(stack, s)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bus != "custom-event-bus" || got.Tables["event-driven-orders"] != "event-driven-orders" || got.Topics["event-notifications"] == "" || got.Workflows["event-driven-workflow"] == "" {
		t.Errorf("resolved %+v", got)
	}
	s.Events[0].Expect[0].Item.Table = "orderz"
	if _, err := Resolve(stack, s); err == nil || !strings.Contains(err.Error(), `events[0].expect[0].item.table: stack default/event-driven-stack has no table "orderz" (it has: event-driven-inventory, event-driven-orders)`) {
		t.Fatalf("an unknown table: %v", err)
	}
}

func TestMismatches(t *testing.T) {
	item := map[string]ddbtypes.AttributeValue{
		"status": &ddbtypes.AttributeValueMemberS{Value: "created"},
		"stock":  &ddbtypes.AttributeValueMemberN{Value: "98.0"},
		"open":   &ddbtypes.AttributeValueMemberBOOL{Value: true},
	}
	if m := mismatches(item, map[string]any{"status": "created", "stock": 98.0, "open": true}); len(m) != 0 {
		t.Errorf("equal values differ: %v", m)
	}
	m := mismatches(item, map[string]any{"status": "failed", "stock": "98", "total": 1.0})
	want := []string{`status is "created", want failed`, `stock is 98.0, want 98`, "total is missing"}
	if strings.Join(m, "|") != strings.Join(want, "|") {
		t.Errorf("mismatches %q, want %q", m, want)
	}
}

// A broken pattern: the timeline says which rule refuses the event and why.
func TestRoutingSaysWhyNoRuleDelivers(t *testing.T) {
	stack := seed.Stack(t, "default")
	stack.Spec.Rules[0].EventPattern.Raw = []byte(`{"source":["orders"],"detail-type":["Order Create"]}`)
	s, _ := Seed()
	verdicts, err := predict(stack, s)
	if err != nil {
		t.Fatal(err)
	}
	if verdicts[0].Delivered() {
		t.Fatal("delivered")
	}
	got := routing(verdicts[0])
	if got != `no rule delivers it; the closest, order-events-rule: no match, detail-type is "Order Created"; the pattern wants "Order Create"` {
		t.Errorf("routing %q", got)
	}
	if routing(match.Verdict{}) != "the stack has no rules" {
		t.Error("no rules")
	}
}
