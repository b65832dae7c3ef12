package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/controller"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/metrics"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
	"github.com/eventstack-io/eventstack-operator/test/harness"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// prefixed returns the seed with a name prefix, so that its AWS names are its own.
func prefixed(t *testing.T, ns, prefix string) *v1alpha1.EventDrivenStack {
	s := seedStack(t, ns)
	s.Spec.NamePrefix = prefix
	return s
}

// checkRouting returns nil when the fake holds exactly the seed stack's
// routing under prefix (see harness.CheckRouting).
func checkRouting(t *testing.T, ns, prefix string) error {
	t.Helper()
	return harness.CheckRouting(context.Background(), k8s, fake, ns, prefix)
}

// 1. The seed sample ends with the seed's bus and four rules, each with
// exactly its pattern and target, a permission per function target, and a
// DLQ on every target; each rule is in the status and the outputs.
func TestSeedRouting(t *testing.T) {
	ns := newNamespace(t)
	createStack(t, prefixed(t, ns, "routing-"))
	stack := playACKUntilReady(t, ns, "event-driven-stack")
	if err := checkRouting(t, ns, "routing-"); err != nil {
		t.Fatal(err)
	}
	rules := 0
	for _, c := range stack.Status.Children {
		if c.Kind == "Rule" {
			rules++
			if !c.Ready || !strings.HasPrefix(c.ARN, "arn:aws:events:us-east-1:123456789012:rule/routing-custom-event-bus/") {
				t.Errorf("rule status %+v", c)
			}
		}
	}
	bus, _ := fake.Bus("routing-custom-event-bus")
	if rules != 4 || stack.Status.Outputs["eventBus.custom-event-bus.arn"] != bus.Arn ||
		!strings.HasSuffix(stack.Status.Outputs["rule.order-events-rule.arn"], ":rule/routing-custom-event-bus/routing-order-events-rule") {
		t.Errorf("rules in status: %d; outputs %v", rules, stack.Status.Outputs)
	}
	// The EventBridge DLQ lets the stack's rules, and only them, send to it.
	dlqPolicy := ptr.Deref(children(t, ns)["Queue/event-driven-stack.events--dlq"].(*ack.Queue).Spec.Policy, "")
	for _, r := range fake.Rules("routing-custom-event-bus") {
		if !strings.Contains(dlqPolicy, r.Arn) {
			t.Errorf("EventBridge DLQ policy lacks rule %s: %s", r.Arn, dlqPolicy)
		}
	}
	if strings.Count(dlqPolicy, `"aws:SourceArn"`) != 4 || !strings.Contains(dlqPolicy, "events.amazonaws.com") {
		t.Errorf("EventBridge DLQ policy: %s", dlqPolicy)
	}
	// The operator's metrics count these calls and this stack.
	if n := testutil.ToFloat64(metrics.AWSCalls.WithLabelValues("EventBridge", "PutRule", "success")); n < 4 {
		t.Errorf("eventstack_aws_api_calls_total{EventBridge,PutRule,success} = %v, want at least 4", n)
	}
	if n := testutil.ToFloat64(metrics.AWSCalls.WithLabelValues("Lambda", "AddPermission", "success")); n < 3 {
		t.Errorf("eventstack_aws_api_calls_total{Lambda,AddPermission,success} = %v, want at least 3", n)
	}
	if n := testutil.ToFloat64(metrics.Stacks.WithLabelValues(metrics.StateReady)); n < 1 {
		t.Errorf("eventstack_stacks{state=Ready} = %v, want at least 1", n)
	}
	if n := testutil.CollectAndCount(metrics.ReconcileDuration); n < 1 {
		t.Errorf("no eventstack_reconcile_duration_seconds series")
	}
}

// 2. and 3. Each out-of-band change is repaired within one resync, and a
// resync of an unchanged stack makes no mutating call.
func TestDriftIsRepairedWithinOneResync(t *testing.T) {
	ns := newNamespace(t)
	createStack(t, prefixed(t, ns, "drift-"))
	playACKUntilReady(t, ns, "event-driven-stack")
	bus := "drift-custom-event-bus"
	eventually(t, waitFor, "routing", func() error { return checkRouting(t, ns, "drift-") })

	// Unchanged: over two resyncs, reads only.
	fake.ResetCalls()
	time.Sleep(2*resyncInterval + resyncInterval/2)
	calls := fake.Calls()
	if fake.MutatingCalls() != 0 || calls["events:DescribeRule"] < 4 {
		t.Fatalf("resyncs of an unchanged stack: %v", calls)
	}
	t.Logf("two resyncs of an unchanged stack: %v", calls)

	fnARN := children(t, ns)["Function/event-driven-stack.event-order-processor"].ACKStatus().ARN()
	changes := []struct {
		name   string
		change func() bool
	}{
		{"rule deleted", func() bool { return fake.DeleteRuleOutOfBand(bus, "drift-inventory-events-rule") }},
		{"pattern edited", func() bool {
			return fake.SetRulePattern(bus, "drift-order-events-rule", `{"source":["someone-else"]}`)
		}},
		{"target removed", func() bool {
			return fake.RemoveTargetOutOfBand(bus, "drift-notification-events-rule", "function-event-notification-processor")
		}},
		{"permission removed", func() bool {
			sid := render.PermissionID(bus, "drift-order-events-rule")
			return fake.RemovePermissionOutOfBand(fnARN, sid)
		}},
		{"rule disabled", func() bool { return fake.SetRuleState(bus, "drift-workflow-events-rule", "DISABLED") }},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			// (A reconcile may repair the change before we could look:
			// only that it existed is checked.)
			if !c.change() {
				t.Fatal("the out-of-band change found nothing to change")
			}
			start := time.Now()
			// One resync is the interval plus 10% jitter; allow the
			// reconcile itself 3 s (a loaded CI machine runs several
			// suites at once).
			eventually(t, resyncInterval*11/10+3*time.Second, "repaired within one resync", func() error {
				return checkRouting(t, ns, "drift-")
			})
			t.Logf("repaired in %s", time.Since(start).Round(10*time.Millisecond))
		})
	}
}

// 4. With every second call throttled, the stack still converges, with a
// bounded number of calls: each logical call costs at most two requests (one
// throttled, one that succeeds), so at most twice an unthrottled run's; the
// runs also differ in how many resyncs fall into them (each reads the bus, 4
// rules, their targets and 3 policies: 13 calls, 26 throttled), and we allow
// the baseline once more for reconciles that timing adds.
func TestConvergesWhenHalfTheCallsAreThrottled(t *testing.T) {
	converge := func(prefix string) (int, time.Duration) {
		ns := newNamespace(t)
		before, start := totalCalls(), time.Now()
		createStack(t, prefixed(t, ns, prefix))
		playACKUntilReady(t, ns, "event-driven-stack")
		eventually(t, waitFor, "routing", func() error { return checkRouting(t, ns, prefix) })
		return totalCalls() - before, time.Since(start)
	}
	baseline, _ := converge("base-")
	fake.SetFault(localaws.Fault{ThrottleEvery: 2})
	defer fake.ClearFault()
	throttled, took := converge("thr-")
	const readsPerResync = 13
	resyncs := int(took/resyncInterval) + 1
	bound := 3*baseline + 2*readsPerResync*resyncs
	t.Logf("calls to converge: %d unthrottled, %d with every second call throttled in %s (bound %d)",
		baseline, throttled, took.Round(time.Millisecond), bound)
	if throttled > bound {
		t.Errorf("%d calls with throttling, more than 3 x %d + %d resyncs of %d reads, twice", throttled, baseline, resyncs, readsPerResync)
	}
}

func totalCalls() int {
	n := 0
	for _, c := range fake.Calls() {
		n += c
	}
	return n
}

// 5. Deleting the stack removes everything from AWS and the resource goes;
// while AWS fails, the finalizer stays until it recovers.
func TestDeletionRemovesTheRoutingEvenAfterAnOutage(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "del-")
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	eventually(t, waitFor, "routing", func() error { return checkRouting(t, ns, "del-") })
	fns := []string{}
	for _, c := range getStack(t, ns, stack.Name).Status.Children {
		if c.Kind == "Function" {
			fns = append(fns, c.ARN)
		}
	}

	fake.SetFault(localaws.Fault{Outage: true})
	if err := k8s.Delete(ctx, stack); err != nil {
		t.Fatal(err)
	}
	consistently(t, 2*time.Second, "the finalizer holds the stack while AWS fails", func() error {
		s := &v1alpha1.EventDrivenStack{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(stack), s); err != nil {
			return fmt.Errorf("the stack went while its routing could not be deleted: %v", err)
		}
		return nil
	})
	if _, ok := fake.Bus("del-custom-event-bus"); !ok {
		t.Fatal("the bus went during the outage")
	}
	fake.ClearFault()
	eventually(t, waitFor, "stack deleted after AWS recovered", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(stack), &v1alpha1.EventDrivenStack{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %v", err)
		}
		return nil
	})
	if _, ok := fake.Bus("del-custom-event-bus"); ok {
		t.Error("the bus is still there")
	}
	for _, fn := range fns {
		if p := fake.Policy(fn); len(p) != 0 {
			t.Errorf("permissions left on %s: %+v", fn, p)
		}
	}
}

// 5. deletionPolicy Retain leaves the AWS side untouched.
func TestRetainLeavesTheRoutingAlone(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "keep-")
	stack.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	eventually(t, waitFor, "routing", func() error { return checkRouting(t, ns, "keep-") })
	mutating := fake.MutatingCalls()
	if err := k8s.Delete(ctx, stack); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack deleted", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(stack), &v1alpha1.EventDrivenStack{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %v", err)
		}
		return nil
	})
	if n := fake.MutatingCalls() - mutating; n != 0 {
		t.Errorf("%d mutating AWS calls while deleting a retained stack", n)
	}
	if len(fake.Rules("keep-custom-event-bus")) != 4 {
		t.Errorf("the retained rules went")
	}
	// Leave the fake as we found it.
	clients, err := (&awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: testAWSOptions()}).For(ctx, "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	bus, err := routing.Observe(ctx, clients.EventBridge, "keep-custom-event-bus")
	if err == nil {
		err = routing.DeleteBus(ctx, clients.EventBridge, bus)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// 6. Malformed patterns are refused with the rule and the path named, before
// any AWS call.
func TestMalformedPatternsAreRefusedBeforeAnyAWSCall(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cases := []struct {
		pattern string
		want    string
	}{
		{`{"source":"orders"}`, "rule order-events-rule: source: must be an array"},
		{`{"detail":{"price":[{"numeric":[">",10,">",5]}]}}`, "rule order-events-rule: detail.price[0].numeric"},
		{`{"detail-type":[{"contains":"Order"}]}`, `rule order-events-rule: detail-type[0]: unknown matcher "contains"`},
		{`{"source":[]}`, "rule order-events-rule: source"},
		{`{"$or":[{"source":["a"]}]}`, "rule order-events-rule: $or"},
	}
	before := totalCalls()
	for i, tc := range cases {
		stack := prefixed(t, ns, "bad-")
		stack.Name = fmt.Sprintf("bad-pattern-%d", i)
		stack.Spec.Rules[0].EventPattern = &apiextensionsv1.JSON{Raw: []byte(tc.pattern)}
		err := k8s.Create(ctx, stack)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.rules[0].eventPattern") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("pattern %s: %v, want refused with %q", tc.pattern, err, tc.want)
		}
	}
	if n := totalCalls() - before; n != 0 {
		t.Errorf("%d AWS calls while refusing malformed patterns", n)
	}
}

// A pattern AWS refuses stalls the stack with AWS's message; access denied
// stalls it with a hint naming the missing action. Both recover by themselves
// at the next resync once AWS accepts the call.
func TestAWSRefusalsStallTheStack(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		code, reason, want string
	}{
		{"InvalidEventPatternException", awsapi.ReasonAWSRejected, "InvalidEventPatternException"},
		{"AccessDeniedException", awsapi.ReasonAWSAccessDenied, "AWS denied events:PutRule to the operator's IAM role"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			ns := newNamespace(t)
			// Every PutRule fails until the fault is cleared.
			var fails []localaws.OpFailure
			for n := 1; n <= 500; n++ {
				fails = append(fails, localaws.FailNth("events:PutRule", n, tc.code))
			}
			fake.SetFault(localaws.Fault{Fail: fails})
			defer fake.ClearFault()
			stack := prefixed(t, ns, strings.ToLower(tc.code[:6])+"-")
			createStack(t, stack)
			eventually(t, waitFor, "Stalled", func() error {
				_, _ = localack.PlayACK(ctx, k8s, fake, ns, nil)
				s := getStack(t, ns, stack.Name)
				st := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled)
				if st == nil || !strings.Contains(st.Message, tc.want) {
					return fmt.Errorf("stalled %+v", st)
				}
				if meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
					return fmt.Errorf("Ready while a rule is refused")
				}
				return nil
			})
			// AWS accepts the call again: the next resync puts the rule.
			fake.ClearFault()
			playACKUntilReady(t, ns, stack.Name)
		})
	}
}

// The operator's IAM policy allows exactly the calls it makes: every call of
// a stack's life (create, repair, prune a rule, delete) is in the policy, and
// every action of the policy is called (but PutEvents, for kubectl eds, and
// the tagging and role passing that other calls imply).
func TestIAMPolicyAllowsExactlyTheCallsMade(t *testing.T) {
	ctx := context.Background()
	fake.ResetCalls()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "iam-")
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	eventually(t, waitFor, "routing", func() error { return checkRouting(t, ns, "iam-") })
	// The alarm watcher has read the alarms' states (cloudwatch:DescribeAlarms).
	eventually(t, waitFor, "alarm states", func() error {
		if n := len(getStack(t, ns, stack.Name).Status.Alarms); n == 0 {
			return fmt.Errorf("no alarm state in status")
		}
		return nil
	})
	// Prune a rule: targets, permission and rule are removed.
	s := getStack(t, ns, stack.Name)
	s.Spec.Rules = s.Spec.Rules[1:]
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "rule pruned", func() error {
		if n := len(fake.Rules("iam-custom-event-bus")); n != 3 {
			return fmt.Errorf("%d rules", n)
		}
		return nil
	})
	if err := k8s.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "deleted", func() error {
		if _, ok := fake.Bus("iam-custom-event-bus"); ok {
			return fmt.Errorf("bus still there")
		}
		return nil
	})

	b, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "config", "iam", "operator-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			allowed[a] = true
		}
	}
	called := fake.Calls()
	var notAllowed, notCalled []string
	for op := range called {
		// GetCallerIdentity needs no IAM permission; it cannot be denied.
		if !allowed[op] && op != "sts:GetCallerIdentity" {
			notAllowed = append(notAllowed, op)
		}
	}
	// PutEvents is for kubectl eds; tagging and role passing are implied by
	// other calls; ListTagsForResource and ListEventSourceMappings are called
	// only with adoption, the log groups' calls only for a workflow that logs
	// (TestWorkflowLogsToItsLogGroup checks them against this policy); what
	// ACK does not report is read only where its status cannot tell (a
	// workflow edit, a mapping disabled outside the stack: test/released).
	implied := map[string]bool{"events:PutEvents": true, "events:TagResource": true, "iam:PassRole": true,
		"states:DescribeStateMachine": true, "states:ListTagsForResource": true, "lambda:UpdateEventSourceMapping": true,
		"lambda:GetEventSourceMapping": true,
		"events:ListTagsForResource":   true, "lambda:ListEventSourceMappings": true,
		"logs:CreateLogGroup": true, "logs:DeleteLogGroup": true, "logs:PutRetentionPolicy": true,
		"logs:TagResource": true, "logs:DescribeLogGroups": true, "sts:AssumeRole": true,
		// The bus's archive only for a stack that asks for one
		// (TestArchiveLifecycle checks its calls against this policy);
		// replays are kubectl eds replay's.
		"events:CreateArchive": true, "events:DeleteArchive": true, "events:DescribeArchive": true, "events:UpdateArchive": true,
		"events:StartReplay": true, "events:DescribeReplay": true, "events:CancelReplay": true}
	for a := range allowed {
		if called[a] == 0 && !implied[a] {
			notCalled = append(notCalled, a)
		}
	}
	sort.Strings(notAllowed)
	sort.Strings(notCalled)
	if len(notAllowed) > 0 || len(notCalled) > 0 {
		t.Errorf("calls the policy does not allow: %v; actions the policy allows that were not called: %v (calls %v)", notAllowed, notCalled, called)
	}
}

// A bus removed from the spec is deleted with its rules and the permissions
// its rules needed: the status is the inventory that keeps track of it.
func TestRemovedBusIsDeleted(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	createStack(t, prefixed(t, ns, "gone-"))
	playACKUntilReady(t, ns, "event-driven-stack")
	eventually(t, waitFor, "routing", func() error { return checkRouting(t, ns, "gone-") })
	fn := children(t, ns)["Function/event-driven-stack.event-order-processor"].ACKStatus().ARN()

	s := getStack(t, ns, "event-driven-stack")
	s.Spec.EventBus, s.Spec.Rules = nil, nil
	delete(s.Spec.Outputs, "EventBusName")
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "bus deleted", func() error {
		if _, ok := fake.Bus("gone-custom-event-bus"); ok {
			return fmt.Errorf("bus still there")
		}
		if p := fake.Policy(fn); len(p) != 0 {
			return fmt.Errorf("permissions left: %+v", p)
		}
		s := getStack(t, ns, "event-driven-stack")
		for _, c := range s.Status.Children {
			if c.Kind == "EventBus" || c.Kind == "Rule" || strings.HasSuffix(c.Name, "events--dlq") {
				return fmt.Errorf("status still lists %s %s", c.Kind, c.Name)
			}
		}
		if !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("not Ready")
		}
		return nil
	})
}

// Within one resync interval of reading a stack's routing from AWS, the
// operator trusts what it read and what its own calls changed: a stack that
// progresses through its creation reads EventBridge and Lambda once, not at
// every reconcile, and an unchanged stack is read again once the interval
// has passed since that read (which is when the reconcile is requeued).
func TestRoutingIsReadOncePerResyncInterval(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seed.Stack(t, ns)
	stack.Spec.NamePrefix = "memo-"
	stack.Labels = map[string]string{directShardLabel: "direct"}
	if err := k8s.Create(ctx, stack); err != nil {
		t.Fatal(err)
	}
	raw, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	r := &controller.EventDrivenStackReconciler{Client: raw, ResyncInterval: time.Hour,
		AWS: &awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: testAWSOptions()}}
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stack)}
	t.Cleanup(func() {
		_ = k8s.Delete(ctx, stack)
		_, _ = r.Reconcile(ctx, req)
	})
	reads := func(before map[string]int) map[string]int {
		out := map[string]int{}
		for op, n := range fake.Calls() {
			if d := n - before[op]; d > 0 && (strings.Contains(op, ":Describe") || strings.Contains(op, ":List") || strings.Contains(op, ":Get")) {
				out[op] = d
			}
		}
		return out
	}
	start := fake.Calls()
	reconciles := 0
	for ; reconciles < 20; reconciles++ {
		// A conflict is retried, as the controller's queue would.
		if _, err := r.Reconcile(ctx, req); err != nil && !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
		if meta.IsStatusConditionTrue(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionReady) {
			break
		}
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil {
			t.Fatal(err)
		}
	}
	if !meta.IsStatusConditionTrue(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionReady) {
		t.Fatalf("not Ready after %d reconciles", reconciles)
	}
	// One read of the bus (not found yet), then each function's policy
	// once, when its permission is first needed.
	created := reads(start)
	if created["events:DescribeEventBus"] != 1 || created["events:ListRules"] != 0 || created["events:DescribeRule"] != 0 ||
		created["lambda:GetPolicy"] != 3 {
		t.Errorf("creation in %d reconciles read %v, want the bus once and each of 3 functions' policy once", reconciles+1, created)
	}
	if err := harness.CheckRouting(ctx, k8s, fake, ns, "memo-"); err != nil {
		t.Fatal(err)
	}

	// Unchanged: no read within the interval, and the next reconcile is
	// asked for no later than one interval after the read.
	before := fake.Calls()
	for i := 0; i < 3; i++ {
		res, err := r.Reconcile(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.RequeueAfter <= 0 || res.RequeueAfter > time.Hour {
			t.Fatalf("requeue after %s, want within the resync interval", res.RequeueAfter)
		}
	}
	if got := reads(before); len(got) != 0 {
		t.Errorf("3 reconciles within the interval read %v, want nothing", got)
	}

	// Once the interval has passed since the read, the reconcile reads the
	// bus, its 4 rules and their targets again.
	r.ResyncInterval = 500 * time.Millisecond
	time.Sleep(600 * time.Millisecond)
	before = fake.Calls()
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := reads(before); got["events:DescribeRule"] != 4 || got["events:ListTargetsByRule"] != 4 {
		t.Errorf("the reconcile after the interval read %v, want every rule and its targets", got)
	}
}

// A scheduled rule runs on the account's default bus: the stack becomes
// Ready with it there (its target and permission), listed in the status and
// the inventory; another stack's scheduled rule of the same name is refused
// at admission; removing the rule from the spec deletes it, and so does
// deleting the stack.
func TestScheduledRuleOnTheDefaultBus(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "sched-")
	stack.Spec.Rules = append(stack.Spec.Rules, v1alpha1.Rule{Name: "nightly-report", Schedule: "cron(0 3 * * ? *)",
		Targets: []v1alpha1.RuleTarget{{Function: "event-notification-processor"}}})
	createStack(t, stack)
	ready := playACKUntilReady(t, ns, stack.Name)
	rule, ok := ruleNamed("", "sched-nightly-report")
	if !ok || rule.ScheduleExpression != "cron(0 3 * * ? *)" {
		t.Fatalf("default bus rules: %+v", fake.Rules(""))
	}
	if _, on := ruleNamed("sched-custom-event-bus", "sched-nightly-report"); on {
		t.Error("the scheduled rule is on the stack's bus too")
	}
	listed := false
	for _, c := range ready.Status.Children {
		if c.Kind == routing.KindScheduledRule && c.Name == "sched-nightly-report" {
			listed = c.Ready && c.ARN == "arn:aws:events:us-east-1:123456789012:rule/sched-nightly-report" &&
				strings.HasPrefix(c.Message, "cron(0 3 * * ? *) on the default event bus: 1 targets, 1 Lambda permissions")
		}
	}
	if !listed {
		t.Errorf("status children: %+v", ready.Status.Children)
	}
	if !slicesContain(ready.Status.Inventory, routing.KindScheduledRule, "sched-nightly-report") {
		t.Errorf("inventory: %+v", ready.Status.Inventory)
	}

	// Another stack with none of this one's names but the scheduled rule's.
	twin := prefixed(t, newNamespace(t), "sched-")
	fn := twin.Spec.Functions[0]
	fn.Name, fn.Uses, fn.Consumes, fn.DeadLetterQueue = "twin-fn", nil, nil, ""
	twin.Spec.EventBus, twin.Spec.Functions, twin.Spec.Workflows = &v1alpha1.EventBus{Name: "twin-bus"}, []v1alpha1.Function{fn}, nil
	twin.Spec.Queues, twin.Spec.Topics, twin.Spec.Tables, twin.Spec.Outputs = nil, nil, nil, nil
	twin.Spec.Rules = []v1alpha1.Rule{{Name: "nightly-report", Schedule: "rate(1 day)", Targets: []v1alpha1.RuleTarget{{Function: "twin-fn"}}}}
	if err := k8s.Create(ctx, twin); err == nil || !strings.Contains(err.Error(), "ScheduledRule sched-nightly-report is managed by stack "+ns) {
		t.Errorf("a second stack taking the scheduled rule's name: %v", err)
	}

	s := getStack(t, ns, stack.Name)
	s.Spec.Rules = s.Spec.Rules[:len(s.Spec.Rules)-1]
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the scheduled rule deleted with its inventory entry", func() error {
		if _, ok := ruleNamed("", "sched-nightly-report"); ok {
			return fmt.Errorf("still on the default bus")
		}
		if s := getStack(t, ns, stack.Name); slicesContain(s.Status.Inventory, routing.KindScheduledRule, "sched-nightly-report") {
			return fmt.Errorf("still in the inventory")
		}
		return nil
	})

	s = getStack(t, ns, stack.Name)
	s.Spec.Rules = append(s.Spec.Rules, v1alpha1.Rule{Name: "hourly", Schedule: "rate(1 hour)",
		Targets: []v1alpha1.RuleTarget{{Function: "event-notification-processor"}}})
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the new scheduled rule", func() error {
		if _, ok := ruleNamed("", "sched-hourly"); !ok {
			return fmt.Errorf("not on the default bus")
		}
		return nil
	})
	if err := k8s.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack deleted with its scheduled rule", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(s), &v1alpha1.EventDrivenStack{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("stack still there: %v", err)
		}
		if _, ok := ruleNamed("", "sched-hourly"); ok {
			return fmt.Errorf("the scheduled rule is still on the default bus")
		}
		return nil
	})
}

// ruleNamed finds a rule of a bus of the local AWS ("" the default bus).
func ruleNamed(bus, name string) (localaws.Rule, bool) {
	for _, r := range fake.Rules(bus) {
		if r.Name == name {
			return r, true
		}
	}
	return localaws.Rule{}, false
}

// slicesContain reports whether an inventory lists a kind's entry of that name.
func slicesContain(inv []v1alpha1.AWSResource, kind, name string) bool {
	for _, e := range inv {
		if e.Kind == kind && e.Name == name {
			return true
		}
	}
	return false
}
