package routing

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// scheduledStack is stack(rules...) with a scheduled rule nightly, rate(1 day),
// sending to the function fn.
func scheduledStack(rules ...string) *v1alpha1.EventDrivenStack {
	s := stack(rules...)
	s.Spec.Rules = append(s.Spec.Rules, v1alpha1.Rule{Name: "nightly", Schedule: "rate(1 day)",
		Targets: []v1alpha1.RuleTarget{{Function: "fn"}}})
	return s
}

// A scheduled rule is put on the default bus, recorded in the inventory
// before it is created; it costs nothing while unchanged, moves with an edit,
// and is deleted (and forgotten) once the spec drops it, while a rule of
// someone else on the default bus is never touched.
func TestScheduledRuleLivesOnTheDefaultBus(t *testing.T) {
	srv, c := newAWS(t)
	ctx := context.Background()
	if _, err := c.EventBridge.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("theirs"),
		ScheduleExpression: aws.String("rate(5 minutes)")}); err != nil {
		t.Fatal(err)
	}
	inv := &inventory{}
	o := ensure(t, c, scheduledStack("a"), observed(), inv)
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	if got, want := summary(o), []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "ScheduledRule shop-nightly: ready"}; !slices.Equal(got, want) {
		t.Errorf("lines: got %q, want %q", got, want)
	}
	if got, want := inv.calls, []string{"intend EventBus shop-bus", "record EventBus shop-bus",
		"intend ScheduledRule shop-nightly", "record ScheduledRule shop-nightly"}; !slices.Equal(got, want) {
		t.Errorf("inventory: got %q, want %q", got, want)
	}
	d, err := c.EventBridge.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("shop-nightly")})
	if err != nil {
		t.Fatalf("the scheduled rule is not on the default bus: %v", err)
	}
	if aws.ToString(d.ScheduleExpression) != "rate(1 day)" || d.EventPattern != nil ||
		aws.ToString(d.Arn) != "arn:aws:events:us-east-1:123456789012:rule/shop-nightly" {
		t.Errorf("the scheduled rule: %+v", d)
	}
	targets, err := c.EventBridge.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("shop-nightly")})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != fnARN {
		t.Errorf("its targets: %+v, %v", targets, err)
	}
	have, err := Permissions(ctx, c.Lambda, fnARN)
	if err != nil || have[render.PermissionID("default", "shop-nightly")].SourceArn != aws.ToString(d.Arn) {
		t.Errorf("the function's permissions %v (%v), want one for the scheduled rule", have, err)
	}
	if bus, _ := Observe(ctx, c.EventBridge, "shop-bus"); bus.Rules["shop-nightly"] != nil {
		t.Error("the scheduled rule is on the stack's bus too")
	}

	srv.ResetCalls()
	if o := ensure(t, c, scheduledStack("a"), observed(), inv); o.Err != nil || srv.MutatingCalls() != 0 {
		t.Errorf("unchanged: %v, %d mutating calls (%v)", o.Err, srv.MutatingCalls(), srv.Calls())
	}

	edited := scheduledStack("a")
	edited.Spec.Rules[1].Schedule = "cron(0 3 * * ? *)"
	srv.ResetCalls()
	if o := ensure(t, c, edited, observed(), inv); o.Err != nil || srv.Calls()["events:PutRule"] != 1 || srv.MutatingCalls() != 1 {
		t.Errorf("a new schedule: %v, calls %v, want one PutRule", o.Err, srv.Calls())
	}
	if d, _ := c.EventBridge.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("shop-nightly")}); aws.ToString(d.ScheduleExpression) != "cron(0 3 * * ? *)" {
		t.Errorf("schedule after the edit: %s", aws.ToString(d.ScheduleExpression))
	}

	inv.calls = nil
	if o := ensure(t, c, stack("a"), observed(), inv); o.Err != nil {
		t.Fatal(o.Err)
	}
	if got, want := inv.calls, []string{"record EventBus shop-bus", "forget ScheduledRule shop-nightly"}; !slices.Equal(got, want) {
		t.Errorf("inventory after the rule left the spec: got %q, want %q", got, want)
	}
	if _, err := c.EventBridge.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("shop-nightly")}); err == nil {
		t.Error("the scheduled rule is still on the default bus")
	}
	if _, err := c.EventBridge.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("theirs")}); err != nil {
		t.Errorf("another's rule on the default bus was touched: %v", err)
	}
	if have, _ := Permissions(ctx, c.Lambda, fnARN); len(have) != 1 {
		t.Errorf("permissions after: %v, want the pattern rule's only", have)
	}
}

// A rule that turns from a pattern to a schedule leaves the stack's bus for
// the default bus; DeleteScheduled removes what the inventory lists, twice
// being as good as once.
func TestRuleMovesToTheDefaultBusAndIsDeleted(t *testing.T) {
	_, c := newAWS(t)
	ctx := context.Background()
	inv := &inventory{}
	if o := ensure(t, c, stack("a", "nightly"), observed(), inv); o.Err != nil {
		t.Fatal(o.Err)
	}
	moved := stack("a", "nightly")
	moved.Spec.Rules[1].EventPattern, moved.Spec.Rules[1].Schedule = nil, "rate(1 hour)"
	if o := ensure(t, c, moved, observed(), inv); o.Err != nil {
		t.Fatal(o.Err)
	}
	bus, _ := Observe(ctx, c.EventBridge, "shop-bus")
	if bus.Rules["shop-nightly"] != nil {
		t.Error("the rule is still on the stack's bus")
	}
	scheduled, err := ObserveScheduled(ctx, c.EventBridge, inv.listed(KindScheduledRule))
	if err != nil || scheduled.Rules["shop-nightly"] == nil {
		t.Fatalf("on the default bus: %+v, %v", scheduled, err)
	}
	for range 2 {
		if err := DeleteScheduled(ctx, c.EventBridge, []string{"shop-nightly"}, func(name string) { inv.Forget(KindScheduledRule, name) }); err != nil {
			t.Fatal(err)
		}
	}
	if got := inv.listed(KindScheduledRule); len(got) != 0 {
		t.Errorf("inventory keeps %q", got)
	}
	if _, err := c.EventBridge.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("shop-nightly")}); err == nil {
		t.Error("the scheduled rule is still there")
	}
}

// A FIFO queue target is put with its message group (SqsParameters); a new
// group is one PutTargets, an unchanged one none.
func TestFIFOQueueTargetTakesItsMessageGroup(t *testing.T) {
	srv, c := newAWS(t)
	ctx := context.Background()
	fifo := func(group string) *v1alpha1.EventDrivenStack {
		s := stack("a")
		s.Spec.Queues = []v1alpha1.Queue{{Name: "jobs", Fifo: true}}
		s.Spec.Rules[0].Targets = []v1alpha1.RuleTarget{{Queue: "jobs", MessageGroupID: group}}
		return s
	}
	obs := func() render.Observed {
		o := observed()
		o.ARNs[render.Key(refs.Queue, "jobs")] = "arn:aws:sqs:us-east-1:123456789012:shop-jobs.fifo"
		return o
	}
	if o := ensure(t, c, fifo("orders"), obs(), &inventory{}); o.Err != nil {
		t.Fatal(o.Err)
	}
	group := func() string {
		out, err := c.EventBridge.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("shop-a"), EventBusName: aws.String("shop-bus")})
		if err != nil || len(out.Targets) != 1 || out.Targets[0].SqsParameters == nil {
			t.Fatalf("targets %+v, %v", out, err)
		}
		return aws.ToString(out.Targets[0].SqsParameters.MessageGroupId)
	}
	if g := group(); g != "orders" {
		t.Errorf("message group %q, want orders", g)
	}
	srv.ResetCalls()
	if o := ensure(t, c, fifo("orders"), obs(), &inventory{}); o.Err != nil || srv.MutatingCalls() != 0 {
		t.Errorf("unchanged: %v, calls %v", o.Err, srv.Calls())
	}
	if o := ensure(t, c, fifo("jobs"), obs(), &inventory{}); o.Err != nil || srv.Calls()["events:PutTargets"] != 1 {
		t.Errorf("a new group: %v, calls %v", o.Err, srv.Calls())
	}
	if g := group(); g != "jobs" {
		t.Errorf("message group %q after the edit, want jobs", g)
	}
}
