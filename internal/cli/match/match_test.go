package match_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/match"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

var (
	now = time.Date(2024, 1, 15, 10, 0, 1, 0, time.UTC)
	env = match.Envelope{Account: "123456789012", Region: "eu-west-1", Time: now, NewID: func() string { return "id-1" }}
)

func decode(t *testing.T, e match.Event) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(e.JSON))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A PutEvents entry becomes the event EventBridge delivers: the envelope is
// filled in, the detail kept as written (numbers by their text).
func TestFromPutEvents(t *testing.T) {
	e, err := match.FromPutEvents(putevents.Event{Source: "orders", DetailType: "Order Created", Detail: `{"total":59.90,"n":3.0e2}`}, env)
	if err != nil {
		t.Fatal(err)
	}
	if e.Label != "orders / Order Created" {
		t.Errorf("label %q", e.Label)
	}
	got := decode(t, e)
	want := map[string]any{"version": "0", "id": "id-1", "source": "orders", "detail-type": "Order Created", "account": "123456789012",
		"region": "eu-west-1", "time": "2024-01-15T10:00:01Z"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if r, ok := got["resources"].([]any); !ok || len(r) != 0 {
		t.Errorf("resources = %v", got["resources"])
	}
	if !strings.Contains(string(e.JSON), `"detail":{"total":59.90,"n":3.0e2}`) {
		t.Errorf("detail not kept as written: %s", e.JSON)
	}
	if _, err := match.FromPutEvents(putevents.Event{Source: "orders", DetailType: "T", Detail: `[1]`}, env); err == nil {
		t.Error("a detail that is not an object was accepted")
	}
	// Without NewID, ids are random UUIDs.
	a, _ := match.FromPutEvents(putevents.SeedEvents[0], match.Envelope{Time: now})
	b, _ := match.FromPutEvents(putevents.SeedEvents[0], match.Envelope{Time: now})
	if idA, idB := decode(t, a)["id"].(string), decode(t, b)["id"].(string); len(idA) != 36 || idA == idB {
		t.Errorf("ids %q, %q", idA, idB)
	}
}

// Read takes an event, a PutEvents entry, an array of either, or
// {"Entries": [...]}; what the event gives is kept.
func TestRead(t *testing.T) {
	full := `{"version":"0","id":"given","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","account":"111122223333",` +
		`"time":"2017-12-22T18:43:48Z","region":"us-west-1","resources":["arn:x"],"detail":{"state":"terminated"},"extra":1}`
	entry := `{"Source":"orders","DetailType":"Order Created","Detail":"{\"order_id\":\"ORD-1\"}","Resources":["arn:y"],"EventBusName":"ignored"}`
	cases := []struct {
		name, input string
		labels      []string
	}{
		{"an event", full, []string{"aws.ec2 / EC2 Instance State-change Notification"}},
		{"an entry", entry, []string{"orders / Order Created"}},
		{"an array", "[\n" + full + ",\n" + entry + "\n]", []string{"aws.ec2 / EC2 Instance State-change Notification", "orders / Order Created"}},
		{"Entries", `{"Entries":[` + entry + `]}`, []string{"orders / Order Created"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			events, err := match.Read(strings.NewReader(c.input), "in.json", env)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != len(c.labels) {
				t.Fatalf("%d events", len(events))
			}
			for i, e := range events {
				if e.Label != c.labels[i] {
					t.Errorf("label %q, want %q", e.Label, c.labels[i])
				}
			}
		})
	}
	events, _ := match.Read(strings.NewReader(full), "in.json", env)
	got := decode(t, events[0])
	if got["id"] != "given" || got["account"] != "111122223333" || got["region"] != "us-west-1" || got["extra"] != json.Number("1") {
		t.Errorf("the event's own fields were not kept: %v", got)
	}
	events, _ = match.Read(strings.NewReader(entry), "in.json", env)
	got = decode(t, events[0])
	if d, _ := got["detail"].(map[string]any); d["order_id"] != "ORD-1" || got["account"] != "123456789012" || got["EventBusName"] != nil {
		t.Errorf("entry: %v", got)
	}
	if r, _ := got["resources"].([]any); len(r) != 1 || r[0] != "arn:y" {
		t.Errorf("entry resources: %v", got["resources"])
	}

	for input, want := range map[string]string{
		``:                                "in.json: no event in it",
		`[]`:                              "in.json: no event in it",
		`{"source":"a"} {}`:               "more than one JSON value",
		`{"source":"a"`:                   "not JSON",
		`"text"`:                          "an event must be a JSON object",
		`{"detail-type":"T","detail":{}}`: `the event has no "source"`,
		`{"source":"","detail-type":"T","detail":{}}`:                   `"source" must be a non-empty string`,
		`{"source":"a","detail-type":"T"}`:                              `the event has no "detail"`,
		`{"source":"a","detail-type":"T","detail":"x"}`:                 "the detail must be a JSON object",
		`{"Source":"a","DetailType":"T","Detail":{"x":1}}`:              `"Detail" must be a string holding a JSON object`,
		`[{"source":"a","detail-type":"T","detail":{}},{"source":"b"}]`: `in.json: event 2: the event has no "detail-type"`,
	} {
		if _, err := match.Read(strings.NewReader(input), "in.json", env); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", input, err, want)
		}
	}
}

// The account is the one the operator reported in the bus's ARN, else the
// adoption account, else the placeholder; the region is the stack's.
func TestEnvelopeFor(t *testing.T) {
	stack := seed.Stack(t, "shop")
	if e := match.EnvelopeFor(stack, now); e.Account != "000000000000" || e.Region != "us-east-1" || !e.Time.Equal(now) {
		t.Errorf("seed: %+v", e)
	}
	stack.Spec.Adoption = &v1alpha1.Adoption{AccountID: "111122223333"}
	if e := match.EnvelopeFor(stack, now); e.Account != "111122223333" {
		t.Errorf("adoption: %+v", e)
	}
	stack.Status.Outputs = map[string]string{"eventBus.custom-event-bus.arn": "arn:aws:events:us-east-1:444455556666:event-bus/custom-event-bus"}
	if e := match.EnvelopeFor(stack, now); e.Account != "444455556666" {
		t.Errorf("reported: %+v", e)
	}
}

func rule(name, pattern, state string, targets ...v1alpha1.RuleTarget) v1alpha1.Rule {
	return v1alpha1.Rule{Name: name, EventPattern: &apiextensionsv1.JSON{Raw: []byte(pattern)}, State: v1alpha1.RuleState(state), Targets: targets}
}

// Judge gives each rule's verdict; an event is delivered through enabled
// matching rules only, to each target once.
func TestJudge(t *testing.T) {
	stack := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
		Spec: v1alpha1.EventDrivenStackSpec{Region: "us-east-1", NamePrefix: "dev-", EventBus: &v1alpha1.EventBus{Name: "bus"}, Rules: []v1alpha1.Rule{
			rule("orders", `{"source":["orders"]}`, "", v1alpha1.RuleTarget{Function: "f"}, v1alpha1.RuleTarget{Queue: "q"}),
			rule("big-orders", `{"detail":{"total":[{"numeric":[">",50]}]}}`, "ENABLED", v1alpha1.RuleTarget{Function: "f"}, v1alpha1.RuleTarget{Topic: "t"}),
			rule("off", `{"source":["orders"]}`, "DISABLED", v1alpha1.RuleTarget{Workflow: "w"}),
			rule("broken", `{"source":"orders"}`, "", v1alpha1.RuleTarget{Function: "f"}),
			{Name: "nightly", Schedule: "rate(1 day)", Targets: []v1alpha1.RuleTarget{{Workflow: "w"}}},
		}},
	}
	ev, err := match.FromPutEvents(putevents.SeedEvents[0], env)
	if err != nil {
		t.Fatal(err)
	}
	verdicts, err := match.Judge(stack, []match.Event{ev})
	if err != nil {
		t.Fatal(err)
	}
	v := verdicts[0]
	if !v.Delivered() {
		t.Fatal("not delivered")
	}
	var delivers []bool
	for _, r := range v.Rules {
		delivers = append(delivers, r.Delivers())
	}
	if want := []bool{true, true, false, false}; !slices.Equal(delivers, want) {
		t.Errorf("delivers %v, want %v", delivers, want)
	}
	if r := v.Rules[2]; !r.Disabled || !r.Result.Matched || r.AWSName != "dev-off" {
		t.Errorf("disabled rule: %+v", r)
	}
	if r := v.Rules[3]; r.Err == nil || !strings.Contains(r.Err.Error(), "source: must be an array") {
		t.Errorf("broken rule: %+v", r)
	}
	var names []string
	for _, tg := range v.Targets() {
		names = append(names, tg.String())
	}
	want := []string{"function f (Lambda function dev-f)", "queue q (SQS queue dev-q)", "topic t (SNS topic dev-t)"}
	if strings.Join(names, "; ") != strings.Join(want, "; ") {
		t.Errorf("targets %q, want %q", names, want)
	}

	var out bytes.Buffer
	if err := match.Write(&out, stack, env, verdicts); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Stack ns/s, bus bus (dev-bus in AWS), 4 rules (and 1 scheduled rule on the default bus, which match no events). Events as EventBridge completes them: account 123456789012, region eu-west-1.",
		"orders / Order Created",
		"  orders       MATCH      function f (Lambda function dev-f), queue q (SQS queue dev-q)",
		"  off          DISABLED   the pattern matches, but the rule is DISABLED: EventBridge does not deliver to workflow w (state machine dev-w)",
		"  broken       invalid    the pattern cannot be judged: source: must be an array",
		"  → EventBridge delivers it to function f (Lambda function dev-f), queue q (SQS queue dev-q), topic t (SNS topic dev-t)",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}

// A target that reshapes the event is shown with the input EventBridge
// would give it; the others get the event as it is (no Input).
func TestJudgeShowsTheReshapedInput(t *testing.T) {
	stack := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
		Spec: v1alpha1.EventDrivenStackSpec{Region: "us-east-1", EventBus: &v1alpha1.EventBus{Name: "bus"}, Rules: []v1alpha1.Rule{
			rule("orders", `{"source":["orders"]}`, "",
				v1alpha1.RuleTarget{Queue: "q", InputTransformer: &v1alpha1.InputTransformer{
					InputPathsMap: map[string]string{"id": "$.detail.order_id"}, InputTemplate: `{"order": <id>, "rule": "<aws.events.rule-name>"}`}},
				v1alpha1.RuleTarget{Workflow: "w", InputPath: "$.detail"},
				v1alpha1.RuleTarget{Function: "f"}),
		}},
	}
	ev, err := match.FromPutEvents(putevents.SeedEvents[0], env)
	if err != nil {
		t.Fatal(err)
	}
	verdicts, err := match.Judge(stack, []match.Event{ev})
	if err != nil {
		t.Fatal(err)
	}
	var detail map[string]any
	if err := json.Unmarshal(ev.JSON, &struct {
		Detail *map[string]any `json:"detail"`
	}{&detail}); err != nil {
		t.Fatal(err)
	}
	got := verdicts[0].Targets()
	if len(got) != 3 {
		t.Fatalf("targets %+v", got)
	}
	if want := fmt.Sprintf(`{"order": "%s", "rule": "orders"}`, detail["order_id"]); got[0].Input != want {
		t.Errorf("the queue is given %s, want %s", got[0].Input, want)
	}
	var part map[string]any
	if err := json.Unmarshal([]byte(got[1].Input), &part); err != nil || part["order_id"] != detail["order_id"] {
		t.Errorf("the workflow is given %s (%v), want the event's detail", got[1].Input, err)
	}
	if got[2].Input != "" {
		t.Errorf("the function, which takes the event as it is, is given %s", got[2].Input)
	}
}
