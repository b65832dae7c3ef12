package refs_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// A well-formed reference parses into its kind, name and attribute; without an
// attribute it gets what ASL and the AWS APIs usually want for that kind.
func TestParseValidReferences(t *testing.T) {
	cases := []struct {
		raw  string
		want refs.Ref
	}{
		// Default attributes, one per kind.
		{"${function:event-order-processor}", refs.Ref{Kind: refs.Function, Name: "event-order-processor", Attr: refs.ARN}},
		{"${workflow:event-driven-workflow}", refs.Ref{Kind: refs.Workflow, Name: "event-driven-workflow", Attr: refs.ARN}},
		{"${table:event-driven-orders}", refs.Ref{Kind: refs.Table, Name: "event-driven-orders", Attr: refs.Name}},
		{"${topic:event-notifications}", refs.Ref{Kind: refs.Topic, Name: "event-notifications", Attr: refs.ARN}},
		{"${queue:order-queue}", refs.Ref{Kind: refs.Queue, Name: "order-queue", Attr: refs.URL}},
		{"${eventBus:custom-event-bus}", refs.Ref{Kind: refs.EventBus, Name: "custom-event-bus", Attr: refs.Name}},
		// Explicit attributes.
		{"${queue:order-queue.arn}", refs.Ref{Kind: refs.Queue, Name: "order-queue", Attr: refs.ARN}},
		{"${queue:order-queue.name}", refs.Ref{Kind: refs.Queue, Name: "order-queue", Attr: refs.Name}},
		{"${queue:order-queue.url}", refs.Ref{Kind: refs.Queue, Name: "order-queue", Attr: refs.URL}},
		{"${table:event-driven-orders.arn}", refs.Ref{Kind: refs.Table, Name: "event-driven-orders", Attr: refs.ARN}},
		{"${table:event-driven-orders.name}", refs.Ref{Kind: refs.Table, Name: "event-driven-orders", Attr: refs.Name}},
		{"${function:f1.name}", refs.Ref{Kind: refs.Function, Name: "f1", Attr: refs.Name}},
		{"${topic:event-notifications.name}", refs.Ref{Kind: refs.Topic, Name: "event-notifications", Attr: refs.Name}},
		{"${workflow:w.arn}", refs.Ref{Kind: refs.Workflow, Name: "w", Attr: refs.ARN}},
		{"${eventBus:custom-event-bus.arn}", refs.Ref{Kind: refs.EventBus, Name: "custom-event-bus", Attr: refs.ARN}},
		// Names: digits, single characters, many segments.
		{"${table:t0}", refs.Ref{Kind: refs.Table, Name: "t0", Attr: refs.Name}},
		{"${queue:a-1-b-2}", refs.Ref{Kind: refs.Queue, Name: "a-1-b-2", Attr: refs.URL}},
	}
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := refs.Parse(tc.raw)
			if err != nil {
				t.Fatalf("Parse(%q): unexpected error: %v", tc.raw, err)
			}
			want := tc.want
			want.Text = tc.raw
			if got != want {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.raw, got, want)
			}
			if got.String() != tc.raw {
				t.Errorf("String() = %q, want the reference as written %q", got.String(), tc.raw)
			}
		})
	}
}

// A malformed reference, an unknown kind or an attribute the kind lacks is an
// error that names the reference as written and says what is wrong.
func TestParseInvalidReferences(t *testing.T) {
	const form = "is not a reference of the form ${kind:name} or ${kind:name.attr}"
	cases := []struct {
		raw  string
		want string // besides the reference itself
	}{
		{"${topic:x.url}", `a topic has no attribute "url" (want arn or name)`},
		{"${table:event-driven-orders.url}", `a table has no attribute "url" (want arn or name)`},
		{"${function:f.url}", `a function has no attribute "url" (want arn or name)`},
		{"${workflow:w.url}", `a workflow has no attribute "url" (want arn or name)`},
		{"${eventBus:b.url}", `a eventBus has no attribute "url" (want arn or name)`},
		{"${queue:q.id}", `a queue has no attribute "id" (want arn or name or url)`},
		{"${table:t.id}", `a table has no attribute "id" (want arn or name)`},
		{"${bucket:x}", `unknown kind "bucket"`},
		{"${Queue:x}", `unknown kind "Queue"`},       // kinds are case-sensitive
		{"${eventbus:x}", `unknown kind "eventbus"`}, // the kind is eventBus
		{"${role:x}", `unknown kind "role"`},         // generated roles are not referable
		{"${}", form},
		{"${queue}", form},
		{"${queue:}", form},
		{"${:order-queue}", form},
		{"${queue:Order-Queue}", form},
		{"${queue:order_queue}", form},
		{"${queue:a--b}", form},
		{"${queue:-a}", form},
		{"${queue:a-}", form},
		{"${queue:a.arn.x}", form},
		{"${queue:a.ARN}", form},
		{"${queue:a.}", form},
		{"${ queue:a}", form},
		{"${queue:a }", form},
		{"${queue:a} ", form},  // Parse takes exactly one reference
		{" ${queue:a}", form},  // ... with nothing around it
		{"queue:a", form},      // not a reference at all
		{"$queue:a", form},     // not a reference at all
		{"${queue-1:a}", form}, // kinds are letters only
	}
	for _, tc := range cases {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := refs.Parse(tc.raw)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tc.raw, got)
			}
			if got != (refs.Ref{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want the zero Ref", tc.raw, got)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.raw) {
				t.Errorf("error %q does not start with the reference %q", msg, tc.raw)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not say %q", msg, tc.want)
			}
		})
	}
}

// Find returns every reference of a text in order (repeats included), skips
// text that merely looks like ASL JSONPath, and fails on the first bad one.
func TestFind(t *testing.T) {
	cases := []struct {
		name    string
		text    string
		want    []string // Text of each reference, in order
		wantErr string
	}{
		{name: "empty text", text: "", want: nil},
		{name: "no references", text: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, want: nil},
		{name: "JSONPath and intrinsics are not references",
			text: `{"order_id.$":"$.detail.order_id","Message.$":"States.Format('{}', $.x)"}`, want: nil},
		{name: "one reference", text: `{"TableName":"${table:event-driven-orders}"}`, want: []string{"${table:event-driven-orders}"}},
		{name: "references in order, repeats kept",
			text: `a ${function:f1} b ${table:t1.arn} c ${function:f1} d ${queue:q1}`,
			want: []string{"${function:f1}", "${table:t1.arn}", "${function:f1}", "${queue:q1}"}},
		{name: "adjacent references", text: "${queue:a}${queue:b.arn}", want: []string{"${queue:a}", "${queue:b.arn}"}},
		{name: "reference inside a longer string", text: `"FunctionName":"${function:f}:live"`, want: []string{"${function:f}"}},
		{name: "a bad attribute fails the whole text",
			text: `ok ${function:f1} bad ${topic:x.url} ok ${queue:q1}`, wantErr: "${topic:x.url}: a topic has no attribute"},
		{name: "an unknown kind fails the whole text",
			text: `${table:t1} ${bucket:b}`, wantErr: `${bucket:b}: unknown kind "bucket"`},
		{name: "an empty reference fails", text: `x ${} y`, wantErr: "${} is not a reference"},
		{name: "the first bad reference is named",
			text: `${queue:Bad} ${bucket:b}`, wantErr: "${queue:Bad} is not a reference"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := refs.Find(tc.text)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Find(%q) = %v, want an error containing %q", tc.text, got, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Find(%q) error = %q, want it to contain %q", tc.text, err, tc.wantErr)
				}
				if got != nil {
					t.Errorf("Find(%q) returned %v with its error, want nil", tc.text, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Find(%q): unexpected error: %v", tc.text, err)
			}
			var texts []string
			for _, r := range got {
				texts = append(texts, r.Text)
				if r.Kind == "" || r.Name == "" || r.Attr == "" {
					t.Errorf("Find(%q) returned an incompletely parsed reference %+v", tc.text, r)
				}
			}
			if !reflect.DeepEqual(texts, tc.want) {
				t.Errorf("Find(%q) = %q, want %q", tc.text, texts, tc.want)
			}
		})
	}
}

// key identifies a parsed reference in the test resolvers.
func key(r refs.Ref) string { return fmt.Sprintf("%s/%s/%s", r.Kind, r.Name, r.Attr) }

// resolver resolves from a map keyed by kind/name/attr and records its calls.
func resolver(values map[string]string, calls *[]string) refs.Resolve {
	return func(r refs.Ref) (string, bool) {
		*calls = append(*calls, key(r))
		v, ok := values[key(r)]
		return v, ok
	}
}

// jsonEscape is the escaping a caller uses to put a value inside a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func TestSubstitute(t *testing.T) {
	values := map[string]string{
		"function/f1/arn":  "arn:aws:lambda:us-east-1:123456789012:function:f1",
		"table/t1/name":    "prod-t1",
		"table/t1/arn":     "arn:aws:dynamodb:us-east-1:123456789012:table/prod-t1",
		"queue/q1/url":     "https://sqs.us-east-1.amazonaws.com/123456789012/q1",
		"topic/odd/arn":    `arn:with "quotes" and \ backslash`,
		"eventBus/b1/name": "bus-one",
	}
	cases := []struct {
		name        string
		text        string
		escape      func(string) string
		want        string
		wantMissing []string // Text of each missing reference, in order
		wantCalls   []string // resolver calls, in order
		wantErr     string
	}{
		{
			name:      "every reference replaced, with its default or explicit attribute",
			text:      `fn=${function:f1} table=${table:t1} tableArn=${table:t1.arn} url=${queue:q1} bus=${eventBus:b1}`,
			want:      "fn=arn:aws:lambda:us-east-1:123456789012:function:f1 table=prod-t1 tableArn=arn:aws:dynamodb:us-east-1:123456789012:table/prod-t1 url=https://sqs.us-east-1.amazonaws.com/123456789012/q1 bus=bus-one",
			wantCalls: []string{"function/f1/arn", "table/t1/name", "table/t1/arn", "queue/q1/url", "eventBus/b1/name"},
		},
		{
			name:      "text without references is returned as is",
			text:      `{"a.$":"$.b"}`,
			want:      `{"a.$":"$.b"}`,
			wantCalls: nil,
		},
		{
			name:      "escape is applied to values and not to the text around them",
			text:      `{"TopicArn":"${topic:odd}"}`,
			escape:    jsonEscape,
			want:      `{"TopicArn":"arn:with \"quotes\" and \\ backslash"}`,
			wantCalls: []string{"topic/odd/arn"},
		},
		{
			name:      "escape changes only the values",
			text:      "name: ${table:t1}",
			escape:    strings.ToUpper,
			want:      "name: PROD-T1",
			wantCalls: []string{"table/t1/name"},
		},
		{
			name:      "nil escape inserts values unchanged",
			text:      `{"TopicArn":"${topic:odd}"}`,
			want:      `{"TopicArn":"arn:with "quotes" and \ backslash"}`,
			wantCalls: []string{"topic/odd/arn"},
		},
		{
			name:        "unknown values are returned as missing and left in place",
			text:        `a=${function:f1} b=${queue:q1.arn} c=${workflow:w1} d=${queue:q1.arn}`,
			want:        `a=arn:aws:lambda:us-east-1:123456789012:function:f1 b=${queue:q1.arn} c=${workflow:w1} d=${queue:q1.arn}`,
			wantMissing: []string{"${queue:q1.arn}", "${workflow:w1}", "${queue:q1.arn}"},
			wantCalls:   []string{"function/f1/arn", "queue/q1/arn", "workflow/w1/arn", "queue/q1/arn"},
		},
		{
			name:      "a bad reference is an error naming it; the others are still replaced",
			text:      `x=${topic:x.url} y=${table:t1}`,
			want:      `x=${topic:x.url} y=prod-t1`,
			wantErr:   `${topic:x.url}: a topic has no attribute "url"`,
			wantCalls: []string{"table/t1/name"},
		},
		{
			name:      "the first of several bad references is reported",
			text:      `${bucket:b} ${queue:Q}`,
			want:      `${bucket:b} ${queue:Q}`,
			wantErr:   `${bucket:b}: unknown kind "bucket"`,
			wantCalls: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			got, missing, err := refs.Substitute(tc.text, resolver(values, &calls), tc.escape)
			if got != tc.want {
				t.Errorf("text = %q, want %q", got, tc.want)
			}
			var missingTexts []string
			for _, r := range missing {
				missingTexts = append(missingTexts, r.Text)
			}
			if !reflect.DeepEqual(missingTexts, tc.wantMissing) {
				t.Errorf("missing = %q, want %q", missingTexts, tc.wantMissing)
			}
			if !reflect.DeepEqual(calls, tc.wantCalls) {
				t.Errorf("resolver calls = %q, want %q", calls, tc.wantCalls)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("no error, want one containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// JSON escaping keeps a substituted JSON document valid, whatever the value.
func TestSubstituteWithJSONEscapeKeepsJSONValid(t *testing.T) {
	value := "quote\" backslash\\ newline\n tab\t <html> & unicode é"
	got, missing, err := refs.Substitute(`{"v":"${queue:q.arn}","w":"pre-${queue:q.arn}-post"}`,
		func(refs.Ref) (string, bool) { return value, true }, jsonEscape)
	if err != nil || len(missing) != 0 {
		t.Fatalf("Substitute: err=%v missing=%v", err, missing)
	}
	var doc map[string]string
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatalf("substituted text is not valid JSON: %v\n%s", err, got)
	}
	if doc["v"] != value || doc["w"] != "pre-"+value+"-post" {
		t.Errorf("decoded values = %q, want %q and its pre/post form", doc, value)
	}
}

func TestUpperSnake(t *testing.T) {
	cases := map[string]string{
		"event-driven-orders": "EVENT_DRIVEN_ORDERS",
		"orders":              "ORDERS",
		"event-notifications": "EVENT_NOTIFICATIONS",
		"a1-b2-c3":            "A1_B2_C3",
		"order-dlq":           "ORDER_DLQ",
		"":                    "",
	}
	for in, want := range cases {
		if got := refs.UpperSnake(in); got != want {
			t.Errorf("UpperSnake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFindRefusesAnUnclosedReference(t *testing.T) {
	_, err := refs.Find(`{"TableName": "${table:orders", "x": "${queue:q}"}`)
	if err == nil || !strings.Contains(err.Error(), "not closed") {
		t.Fatalf("err = %v, want an unclosed reference refused", err)
	}
}
