package inputtransform

import (
	"encoding/json"
	"testing"
	"time"
)

// Placeholders inside and outside strings of a JSON template, and in a text
// template, as EventBridge fills them.
func TestTransformTemplate(t *testing.T) {
	values := map[string]json.RawMessage{"s": json.RawMessage(`"a \"b\""`), "n": json.RawMessage(`7`), "o": json.RawMessage(`{"k":1}`), "missing": nil}
	for _, tc := range []struct{ template, want string }{
		{`{"v": <s>}`, `{"v": "a \"b\""}`},
		{`{"v": "<s>!"}`, `{"v": "a \"b\"!"}`},
		{`{"v": <o>, "w": "<n>"}`, `{"v": {"k":1}, "w": "7"}`},
		{`{"v": <missing>, "w": "<missing>"}`, `{"v": null, "w": ""}`},
		{`"<s> and <n>"`, `"a \"b\" and 7"`},
		{`<s> and <n> <unknown>`, `a "b" and 7 <unknown>`},
	} {
		if got := Template(tc.template, values); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.template, got, tc.want)
		}
	}
}

// The whole event, a constant, InputPath's part, and a transformer with its
// paths (one the event lacks) and the predefined placeholders.
func TestInput(t *testing.T) {
	event := []byte(`{"id":"e1","detail-type":"Order Created","source":"orders","detail":{"orderId":"o-1","total":42.5,"items":[{"sku":"a"}]}}`)
	d := Delivery{RuleARN: "arn:aws:events:us-east-1:123456789012:rule/bus/r", RuleName: "r", Ingested: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		t    Target
		want string
	}{
		{"the event", Target{}, string(event)},
		{"a constant", Target{Input: `{"k":1}`}, `{"k":1}`},
		{"a part", Target{InputPath: "$.detail.items[0]"}, `{"sku":"a"}`},
		{"a transformer", Target{Transformer: true, InputPathsMap: map[string]string{"id": "$.detail.orderId", "total": "$.detail.total", "gone": "$.detail.nope"},
			InputTemplate: `{"order": <id>, "total": <total>, "note": "rule <aws.events.rule-name> at <aws.events.event.ingestion-time>", "gone": <gone>}`},
			`{"order": "o-1", "total": 42.5, "note": "rule r at 2026-12-07T12:00:00Z", "gone": null}`},
	} {
		got, err := Input(tc.t, event, d)
		if err != nil || got != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, tc.want)
		}
	}
}
