package statustree_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/statustree"
)

// stack is a stack half way: a stalled role, a waiting function, ready
// children, routing waiting, and a status one generation behind.
func stack() *v1alpha1.EventDrivenStack {
	return &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "team-a", Generation: 3},
		Spec:       v1alpha1.EventDrivenStackSpec{Outputs: map[string]string{"OrdersTable": "${table:orders.name}"}},
		Status: v1alpha1.EventDrivenStackStatus{
			ObservedGeneration: 2,
			Resources:          "2/6",
			Conditions: []metav1.Condition{
				{Type: "Ready", Status: "False", Reason: "ChildStalled", Message: "Role shop.fn is stalled"},
				{Type: "Stalled", Status: "True", Reason: "ChildStalled", Message: "Role shop.fn: ACK reports a terminal error"},
			},
			// In the operator's order: by kind (roles first), then routing.
			Children: []v1alpha1.ChildStatus{
				{Kind: "Role", Name: "shop.fn", State: "Stalled", Message: "ACK reports a terminal error:\n  MalformedPolicyDocument"},
				{Kind: "Table", Name: "shop.orders", Ready: true, State: "Ready", ARN: "arn:aws:dynamodb:us-east-1:123456789012:table/orders"},
				{Kind: "Queue", Name: "shop.work", Ready: true, State: "Ready", ARN: "arn:aws:sqs:us-east-1:123456789012:work"},
				{Kind: "Queue", Name: "shop.events--dlq", State: "InProgress", ARN: "arn:aws:sqs:us-east-1:123456789012:shop-events-dlq",
					Message: "created without its access policy, which waits for the ARN of Rule r"},
				{Kind: "Function", Name: "shop.fn", State: "Waiting", Message: "waits for the ARN of Role shop.fn"},
				{Kind: "EventBus", Name: "bus", State: "Waiting", Message: "waits for the ACK children to be applied"},
			},
			Outputs: map[string]string{
				"OrdersTable":       "orders",
				"table.orders.name": "orders",
				"queue.work.url":    "https://sqs.us-east-1.amazonaws.com/123456789012/work",
				"eventBus.bus.name": "bus",
			},
		},
	}
}

// The tree, exactly: deterministic, grouped by kind in the operator's order,
// names sorted within a kind, marks, ARNs, messages on one line, declared
// outputs first.
func TestTree(t *testing.T) {
	var out bytes.Buffer
	if err := statustree.Write(&out, stack(), statustree.Options{}); err != nil {
		t.Fatal(err)
	}
	want := `EventDrivenStack team-a/shop
  Ready:       False ChildStalled: Role shop.fn is stalled
  Stalled:     ChildStalled: Role shop.fn: ACK reports a terminal error
  Resources:   2/6 ready
  Generation:  3, observed 2 (the status does not describe the latest spec yet)
Children
├── Role (0/1 ready)
│   └── ✗ shop.fn  -  Stalled: ACK reports a terminal error: MalformedPolicyDocument
├── Table (1/1 ready)
│   └── ✓ shop.orders  arn:aws:dynamodb:us-east-1:123456789012:table/orders
├── Queue (1/2 ready)
│   ├── … shop.events--dlq  arn:aws:sqs:us-east-1:123456789012:shop-events-dlq  InProgress: created without its access policy, which waits for the ARN of Rule r
│   └── ✓ shop.work         arn:aws:sqs:us-east-1:123456789012:work
├── Function (0/1 ready)
│   └── ○ shop.fn  -  Waiting: waits for the ARN of Role shop.fn
└── EventBus (0/1 ready)
    └── ○ bus  -  Waiting: waits for the ACK children to be applied
Outputs
  OrdersTable        orders
  eventBus.bus.name  bus
  queue.work.url     https://sqs.us-east-1.amazonaws.com/123456789012/work
  table.orders.name  orders
`
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("colour without Color")
	}
	var again bytes.Buffer
	_ = statustree.Write(&again, stack(), statustree.Options{})
	if again.String() != out.String() {
		t.Error("two writes of one status differ")
	}
}

func TestColour(t *testing.T) {
	var out bytes.Buffer
	if err := statustree.Write(&out, stack(), statustree.Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\x1b[31m✗\x1b[0m shop.fn", "\x1b[32m✓\x1b[0m shop.orders", "\x1b[33m○\x1b[0m shop.fn"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}

// A stack the operator has not reported on yet says so.
func TestNotReportedYet(t *testing.T) {
	s := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Name: "new", Namespace: "ns", Generation: 1}}
	var out bytes.Buffer
	if err := statustree.Write(&out, s, statustree.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Unknown (the operator has not reported on this stack yet)", "(none reported yet)", "1, observed 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}

// A stack being deleted says so, since when and by which policy, with what
// the operator still holds in AWS.
func TestDeleting(t *testing.T) {
	s := stack()
	at := metav1.NewTime(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	s.DeletionTimestamp = &at
	s.Status.Inventory = []v1alpha1.AWSResource{{Kind: "EventBus", Name: "bus", ARN: "arn:aws:events:us-east-1:123456789012:event-bus/bus"},
		{Kind: "LogGroup", Name: "/aws/vendedlogs/states/saga"}}
	s.Status.Conditions[0] = metav1.Condition{Type: "Ready", Status: "False", Reason: "Deleting",
		Message: "being deleted (deletionPolicy Delete): waits for the EventBus bus (with its rules and targets) to be deleted: AccessDeniedException"}
	var out bytes.Buffer
	if err := statustree.Write(&out, s, statustree.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Ready:       False Deleting: being deleted (deletionPolicy Delete): waits for the EventBus bus",
		"Deleting:    yes since 2026-11-29T12:00:00Z (deletionPolicy Delete)",
		"In AWS:      EventBus bus\n",
		"In AWS:      LogGroup /aws/vendedlogs/states/saga (being created)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}

// A Ready stack with an alarm in ALARM: Ready stays True, Alarming is beside
// it, and the alarms are listed, those in ALARM first, with what each
// watches and since when.
func TestAlarming(t *testing.T) {
	since := metav1.NewTime(time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC))
	s := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "team-a", Generation: 1},
		Status: v1alpha1.EventDrivenStackStatus{
			ObservedGeneration: 1,
			Conditions: []metav1.Condition{
				{Type: "Ready", Status: "True", Reason: "Succeeded", Message: "every child is ready"},
				{Type: "Alarming", Status: "True", Reason: "AlarmsFiring", Message: "1 of 2 alarms in ALARM: work-dlq-messages-visible (queue/work-dlq since 2026-12-07T08:30:00Z)"},
			},
			Alarms: []v1alpha1.AlarmState{
				{Name: "fn-errors", Component: "function/fn", State: "OK", Since: &since},
				{Name: "work-dlq-messages-visible", Component: "queue/work-dlq", State: "ALARM", Since: &since, Reason: "Threshold Crossed"},
			},
		},
	}
	var out bytes.Buffer
	if err := statustree.Write(&out, s, statustree.Options{}); err != nil {
		t.Fatal(err)
	}
	want := `EventDrivenStack team-a/shop
  Ready:       True Succeeded: every child is ready
  Alarming:    True AlarmsFiring: 1 of 2 alarms in ALARM: work-dlq-messages-visible (queue/work-dlq since 2026-12-07T08:30:00Z)
  Generation:  1, observed 1
Children
  (none reported yet)
Alarms (1 in ALARM of 2)
  ✗ work-dlq-messages-visible  queue/work-dlq  ALARM since 2026-12-07T08:30:00Z
  ✓ fn-errors                  function/fn     OK since 2026-12-07T08:30:00Z
`
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// Each function's rollout has a line: promoted, shifting, rolled back and why.
func TestRollouts(t *testing.T) {
	s := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "team-a", Generation: 1},
		Status: v1alpha1.EventDrivenStackStatus{
			ObservedGeneration: 1,
			Conditions:         []metav1.Condition{{Type: "Ready", Status: "False", Reason: "RollingOut", Message: "function orders: version 4 takes 10%"}},
			Rollouts: []v1alpha1.RolloutStatus{
				{Function: "orders", Phase: v1alpha1.RolloutShifting, Live: "3", Trial: "4", TrialWeight: 10, Step: 1, Steps: 2},
				{Function: "billing", Phase: v1alpha1.RolloutRolledBack, Live: "7", Trial: "8", Reason: "alarm billing-errors is in ALARM"},
				{Function: "mail", Phase: v1alpha1.RolloutPromoted, Live: "2"},
			},
		},
	}
	var out bytes.Buffer
	if err := statustree.Write(&out, s, statustree.Options{}); err != nil {
		t.Fatal(err)
	}
	want := `Rollouts
  … orders   Shifting: version 4 takes 10% (step 1 of 2), version 3 live
  ✗ billing  version 8 rolled back, version 7 live: alarm billing-errors is in ALARM
  ✓ mail     version 2 live
`
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("got:\n%s\nwant it to end with:\n%s", got, want)
	}
}
