package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// seedRuleFor is the seed's rule for each example, and its target.
var seedRuleFor = map[string][2]string{
	"order-created":      {"order-events-rule", "function event-order-processor"},
	"inventory-updated":  {"inventory-events-rule", "function event-inventory-processor"},
	"notification-sent":  {"notification-events-rule", "function event-notification-processor"},
	"workflow-triggered": {"workflow-events-rule", "workflow event-driven-workflow"},
}

// resultRE reads a rule's line: name, result, the rest.
var resultRE = regexp.MustCompile(`(?m)^  ([a-z-]+-rule)\s+(MATCH|no match|DISABLED|invalid)\s+(.*)$`)

// rulesOf returns each rule's result and the rest of its line.
func rulesOf(t *testing.T, out string) map[string][2]string {
	t.Helper()
	got := map[string][2]string{}
	for _, m := range resultRE.FindAllStringSubmatch(out, -1) {
		got[m[1]] = [2]string{m[2], m[3]}
	}
	return got
}

// Each example event of the seed matches exactly its rule of the seed stack,
// judged offline; the others say which field failed. Exit code 0.
func TestMatchSeedExamples(t *testing.T) {
	for example, want := range seedRuleFor {
		t.Run(example, func(t *testing.T) {
			out := mustRun(t, "match", "-f", localcluster.SeedPath(), "--example", example)
			rules := rulesOf(t, out)
			if len(rules) != 4 {
				t.Fatalf("%d rules in the output:\n%s", len(rules), out)
			}
			for name, got := range rules {
				if name == want[0] {
					if got != [2]string{"MATCH", want[1]} {
						t.Errorf("%s: %q", name, got)
					}
					continue
				}
				if got[0] != "no match" || !strings.HasPrefix(got[1], "detail-type is ") || !strings.HasSuffix(got[1], "(source fails too)") {
					t.Errorf("%s: %q", name, got)
				}
			}
			if !strings.Contains(out, "  → EventBridge delivers it to "+want[1]+"\n") {
				t.Errorf("no delivery line:\n%s", out)
			}
		})
	}
}

// An event no rule matches: each rule names the failing field, the event's
// value and what the pattern wants, and the exit code is 1.
func TestMatchNoRuleExitsOne(t *testing.T) {
	code, out, errOut := run(t, "match", "-f", localcluster.SeedPath(), "--source", "orders", "--detail-type", "Order Shipped", "--detail", `{"order_id":"ORD-9"}`)
	if code != 1 || !strings.Contains(errOut, "the event matches no enabled rule of stack default/event-driven-stack") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := rulesOf(t, out)["order-events-rule"]
	if got != [2]string{"no match", `detail-type is "Order Shipped"; the pattern wants "Order Created" or "Order Completed"`} {
		t.Errorf("order-events-rule: %q\n%s", got, out)
	}
	if !strings.Contains(out, "no enabled rule matches: EventBridge accepts the event and delivers it to no target") {
		t.Errorf("no summary:\n%s", out)
	}
	// Several examples, each reaching its rule: 0. (--example repeats, and
	// takes lists.)
	code, _, errOut = run(t, "match", "-f", localcluster.SeedPath(), "--example", "order-created,notification-sent", "--example", "all")
	if code != 0 {
		t.Errorf("examples: exit %d: %s", code, errOut)
	}
}

// A stack of our own: a disabled rule, a namePrefix, a pattern on the
// envelope and on an array of items, and events from a file and stdin.
func TestMatchOwnStackAndEvents(t *testing.T) {
	seed, err := os.ReadFile(localcluster.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(seed), "  rules:\n", `  namePrefix: dev-
  rules:
    - name: big-items-rule
      eventPattern:
        account: ["000000000000"]
        region: [us-east-1]
        detail:
          items:
            quantity: [{numeric: [">", 1]}]
      targets:
        - queue: order-queue
`, 1)
	text = strings.Replace(text, "    - name: workflow-events-rule\n", "    - name: workflow-events-rule\n      state: DISABLED\n", 1)
	dir := t.TempDir()
	stackFile := filepath.Join(dir, "stack.yaml")
	if err := os.WriteFile(stackFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	// The seed's Order Created reaches two rules; the envelope is filled in.
	out := mustRun(t, "match", "-f", stackFile, "--example", "order-created")
	rules := rulesOf(t, out)
	if rules["big-items-rule"] != [2]string{"MATCH", "queue order-queue (SQS queue dev-order-queue)"} ||
		rules["order-events-rule"] != [2]string{"MATCH", "function event-order-processor (Lambda function dev-event-order-processor)"} {
		t.Errorf("rules %q\n%s", rules, out)
	}
	if !strings.Contains(out, "  → EventBridge delivers it to queue order-queue (SQS queue dev-order-queue), function event-order-processor (Lambda function dev-event-order-processor)") {
		t.Errorf("delivery:\n%s", out)
	}

	// From a file: an event of one item; it fails on the item's quantity.
	eventFile := filepath.Join(dir, "event.json")
	event := `{"source":"orders","detail-type":"Order Completed","detail":{"items":[{"item_id":"A","quantity":1}]}}`
	if err := os.WriteFile(eventFile, []byte(event), 0o600); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "match", "-f", stackFile, "--event", eventFile)
	if got := rulesOf(t, out)["big-items-rule"]; got != [2]string{"no match", "detail.items[].quantity is 1; the pattern wants a number > 1"} {
		t.Errorf("big-items-rule: %q", got)
	}

	// From stdin, in the region of another account: the envelope the
	// event gives is kept. Workflow Triggered only reaches a DISABLED rule.
	stdin := `[{"source":"orders","detail-type":"Order Created","account":"111122223333","detail":{"items":[{"quantity":5}]}},
	  {"Source":"workflow","DetailType":"Workflow Triggered","Detail":"{\"workflow_id\":\"WF-1\"}"}]`
	code, out, errOut := runWithInput(t, stdin, "match", "-f", stackFile, "--event", "-")
	if code != 1 || !strings.Contains(errOut, "1 of 2 events matches no enabled rule") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	parts := strings.SplitN(out, "\nworkflow / Workflow Triggered\n", 2)
	if len(parts) != 2 {
		t.Fatalf("output:\n%s", out)
	}
	if got := rulesOf(t, parts[0])["big-items-rule"]; got != [2]string{"no match", `account is "111122223333"; the pattern wants "000000000000"`} {
		t.Errorf("big-items-rule: %q", got)
	}
	if got := rulesOf(t, parts[1])["workflow-events-rule"]; got != [2]string{"DISABLED",
		"the pattern matches, but the rule is DISABLED: EventBridge does not deliver to workflow event-driven-workflow (state machine dev-event-driven-workflow)"} {
		t.Errorf("workflow-events-rule: %q", got)
	}
}

// Mistakes in the arguments are refused before anything is read.
func TestMatchUsage(t *testing.T) {
	seed := localcluster.SeedPath()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"match", "--example", "all"}, "give the stack: its NAME in the cluster, or -f FILE"},
		{[]string{"match", "event-driven-stack", "-f", seed, "--example", "all"}, "give the stack"},
		{[]string{"match", "-f", seed}, "give the event: --event FILE, --example NAME"},
		{[]string{"match", "-f", seed, "--example", "all", "--event", "e.json"}, "give the event"},
		{[]string{"match", "-f", seed, "--source", "orders"}, "a custom event needs --source, --detail-type and --detail: --detail-type, --detail missing"},
		{[]string{"match", "-f", seed, "--example", "order-shipped"}, `--example "order-shipped": no such example; the examples are order-created, inventory-updated, notification-sent, workflow-triggered, or all`},
		{[]string{"match", "-f", "-", "--event", "-"}, "both read standard input"},
		{[]string{"match", "-f", seed, "--event", filepath.Join(t.TempDir(), "missing.json")}, "--event: open"},
		{[]string{"match", "-f", filepath.Join(t.TempDir(), "missing.yaml"), "--example", "all"}, "missing.yaml"},
	} {
		code, _, errOut := run(t, c.args...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, %q; want %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
}
