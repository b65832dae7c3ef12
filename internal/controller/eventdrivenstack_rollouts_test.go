package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/alarmwatch"
	"github.com/eventstack-io/eventstack-operator/internal/controller"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
)

const rolledFunction = "event-order-processor"

// stepClock is a rollout clock the test moves: a step of five minutes
// passes when the test says so, and every wait is short in real time.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Wait(time.Duration) time.Duration { return 20 * time.Millisecond }

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// rolloutRun drives a seed stack whose order processor rolls out by a
// canary of 10% for 5 minutes, with a reconciler by hand (the operator
// restarts when the test makes a new one) and the ACK stand-in.
type rolloutRun struct {
	t      *testing.T
	ns     string
	req    ctrl.Request
	clock  *stepClock
	r      *controller.EventDrivenStackReconciler
	events *events.FakeRecorder
	writes *writeCounter
	lc     *lambda.Client
	// woken: something woke the stack; due: when the last reconcile asked
	// to be requeued (until).
	woken  atomic.Bool
	due    time.Time
	prefix string
}

func newRolloutRun(t *testing.T, prefix string, edits ...func(*v1alpha1.EventDrivenStack)) *rolloutRun {
	t.Helper()
	ctx := context.Background()
	run := &rolloutRun{t: t, ns: newNamespace(t), clock: &stepClock{now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}, prefix: prefix,
		lc: lambda.NewFromConfig(aws.Config{Region: fake.Region, BaseEndpoint: aws.String(fake.URL()), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})}
	stack, req := directStackWith(t, run.ns, prefix, func(s *v1alpha1.EventDrivenStack) {
		for i := range s.Spec.Functions {
			if s.Spec.Functions[i].Name == rolledFunction {
				s.Spec.Functions[i].Code.SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
				s.Spec.Functions[i].Rollout = &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: 10,
					Interval: &metav1.Duration{Duration: 5 * time.Minute}}
			}
		}
		for _, edit := range edits {
			edit(s)
		}
	})
	run.req = req
	run.restart()
	t.Cleanup(func() {
		_ = k8s.Delete(ctx, stack)
		for i := 0; i < 200 && !stackGone(t, stack); i++ {
			_, _ = run.r.Reconcile(ctx, req)
			_, _ = localack.PlayACK(ctx, k8s, fake, run.ns, nil)
			time.Sleep(20 * time.Millisecond)
		}
	})
	return run
}

// restart is a new operator: nothing remembered but what the API server
// and AWS hold.
func (run *rolloutRun) restart() {
	run.writes = &writeCounter{byNamespace: map[string]int{}}
	run.r = countedReconciler(run.t, run.writes)
	run.r.RolloutClock = run.clock
	run.events = events.NewFakeRecorder(100)
	run.r.Recorder = run.events
	run.woken.Store(true) // the new operator lists every stack
}

// until reconciles and plays ACK until check passes (60 s at most). It
// reconciles as the operator's manager would, and only then: when something
// wakes the stack (a spec or annotation change, a restart, a child ACK
// wrote, an alarm the watcher saw change, an error) or when the last
// reconcile asked to be requeued — never on a timer of its own, so that a
// stack that forgets to ask for its next step stays where it is.
func (run *rolloutRun) until(what string, check func(s *v1alpha1.EventDrivenStack) error) *v1alpha1.EventDrivenStack {
	run.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	var last, reconcileErr error
	for time.Now().Before(deadline) {
		if now := time.Now(); run.woken.Swap(false) || !run.due.IsZero() && !now.Before(run.due) {
			run.due = time.Time{}
			res, err := run.r.Reconcile(ctx, run.req)
			switch {
			case err != nil:
				reconcileErr = err
				run.woken.Store(true) // requeued with backoff
			case res.RequeueAfter > 0:
				run.due = now.Add(res.RequeueAfter)
			}
		}
		wrote, err := localack.PlayACK(ctx, k8s, fake, run.ns, nil)
		if err != nil {
			run.t.Fatal(err)
		}
		if wrote > 0 {
			run.woken.Store(true) // the stack owns its children
		}
		s := getStack(run.t, run.ns, run.req.Name)
		if last = check(s); last == nil {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	var lines []string
	for _, c := range getStack(run.t, run.ns, run.req.Name).Status.Children {
		if c.Kind == "Version" || c.Kind == "Alias" || c.Kind == "Function" && strings.Contains(c.Name, rolledFunction) {
			lines = append(lines, fmt.Sprintf("%s %s %s %s", c.Kind, c.Name, c.State, c.Message))
		}
	}
	run.t.Fatalf("%s: not within 60 s: %v (last reconcile error: %v)\n%s", what, last, reconcileErr, strings.Join(lines, "\n"))
	return nil
}

// rolloutOf is the order processor's rollout status.
func rolloutOf(s *v1alpha1.EventDrivenStack) v1alpha1.RolloutStatus {
	return render.RolloutOf(s, rolledFunction)
}

// phase checks the rollout's phase, and the versions live and on trial.
func phase(p v1alpha1.RolloutPhase, live, trial string, weight int32) func(s *v1alpha1.EventDrivenStack) error {
	return func(s *v1alpha1.EventDrivenStack) error {
		st := rolloutOf(s)
		if st.Phase != p || (live != "" && st.Live != live) || st.Trial != trial || st.TrialWeight != weight {
			return fmt.Errorf("rollout %+v, want %s live %s trial %q at %d%%", st, p, live, trial, weight)
		}
		return nil
	}
}

// publish changes the order processor's configuration: a new revision.
func (run *rolloutRun) publish(version string) {
	run.t.Helper()
	s := getStack(run.t, run.ns, run.req.Name)
	for i := range s.Spec.Functions {
		if s.Spec.Functions[i].Name == rolledFunction {
			if s.Spec.Functions[i].Environment == nil {
				s.Spec.Functions[i].Environment = map[string]string{}
			}
			s.Spec.Functions[i].Environment["RELEASE"] = version
		}
	}
	if err := k8s.Update(context.Background(), s); err != nil {
		run.t.Fatal(err)
	}
	run.woken.Store(true)
}

// alias is what the local Lambda's live alias routes: its version and, if
// any, the other version's weight.
func (run *rolloutRun) alias() string {
	run.t.Helper()
	out, err := run.lc.GetAlias(context.Background(), &lambda.GetAliasInput{FunctionName: aws.String(run.prefix + rolledFunction), Name: aws.String(render.AliasName)})
	if err != nil {
		return "error: " + err.Error()
	}
	routes := "version " + aws.ToString(out.FunctionVersion)
	if rc := out.RoutingConfig; rc != nil {
		for v, w := range rc.AdditionalVersionWeights {
			routes += fmt.Sprintf(", %.0f%% to version %s", w*100, v)
		}
	}
	return routes
}

// routes checks the local Lambda's alias.
func (run *rolloutRun) routes(want string) func(*v1alpha1.EventDrivenStack) error {
	return func(*v1alpha1.EventDrivenStack) error {
		if got := run.alias(); got != want {
			return fmt.Errorf("the alias routes %s, want %s", got, want)
		}
		return nil
	}
}

func all(checks ...func(*v1alpha1.EventDrivenStack) error) func(*v1alpha1.EventDrivenStack) error {
	return func(s *v1alpha1.EventDrivenStack) error {
		for _, c := range checks {
			if err := c(s); err != nil {
				return err
			}
		}
		return nil
	}
}

func ready(s *v1alpha1.EventDrivenStack) error {
	if c := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue || s.Status.ObservedGeneration != s.Generation {
		return fmt.Errorf("not Ready: %+v", c)
	}
	return nil
}

func condition(typ, status, reason string) func(*v1alpha1.EventDrivenStack) error {
	return func(s *v1alpha1.EventDrivenStack) error {
		if c := meta.FindStatusCondition(s.Status.Conditions, typ); c == nil || string(c.Status) != status || c.Reason != reason {
			return fmt.Errorf("%s %+v, want %s %s", typ, c, status, reason)
		}
		return nil
	}
}

// drained is what the recorder holds, as one text.
func (run *rolloutRun) drained() string {
	var out []string
	for {
		select {
		case e := <-run.events.Events:
			out = append(out, e)
		default:
			return strings.Join(out, "\n")
		}
	}
}

// first brings the stack up: its first version goes live at once, and
// every caller of the function invokes the alias.
func (run *rolloutRun) first() {
	run.t.Helper()
	run.until("the first version live", all(ready, phase(v1alpha1.RolloutPromoted, "1", "", 0), run.routes("version 1")))
	out, err := run.lc.ListEventSourceMappings(context.Background(), &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(run.prefix + rolledFunction + ":" + render.AliasName)})
	if err != nil || len(out.EventSourceMappings) != 1 {
		run.t.Fatalf("the order queue's mapping on the alias: %v %v", out, err)
	}
}

// A canary: the new configuration is published as version 2, takes 10% of
// the traffic for five minutes (Ready False, RollingOut), and is promoted;
// an operator restarted in the middle of the step goes on where the status
// says, neither earlier nor again.
func TestRolloutCanaryPromotedAcrossARestart(t *testing.T) {
	run := newRolloutRun(t, "ro-promote-")
	run.first()
	run.publish("2")
	run.until("version 2 on trial at 10%", all(phase(v1alpha1.RolloutShifting, "1", "2", 10), run.routes("version 1, 10% to version 2"),
		condition(v1alpha1.ConditionReady, "False", v1alpha1.ReasonRollingOut)))
	if ev := run.drained(); !strings.Contains(ev, "Normal RolloutStep "+rolledFunction+": version 2 published: rollout started") {
		t.Errorf("events: %s", ev)
	}

	run.restart()
	run.clock.advance(4 * time.Minute)
	run.until("a restarted operator keeps the step", all(phase(v1alpha1.RolloutShifting, "1", "2", 10), run.routes("version 1, 10% to version 2")))
	run.clock.advance(time.Minute)
	run.until("version 2 promoted", all(ready, phase(v1alpha1.RolloutPromoted, "2", "", 0), run.routes("version 2")))
	if ev := run.drained(); !strings.Contains(ev, "Normal Promoted "+rolledFunction+": version 2 is live") {
		t.Errorf("events: %s", ev)
	}

	// Promoted and settled, the stack costs nothing: reconciles an hour
	// later write neither the stack nor a child.
	run.until("settled", func(*v1alpha1.EventDrivenStack) error {
		before := run.writes.count(run.ns)
		if _, err := run.r.Reconcile(context.Background(), run.req); err != nil {
			return err
		}
		if n := run.writes.count(run.ns) - before; n > 0 {
			return fmt.Errorf("%d writes: %v", n, run.writes.writesIn(run.ns)[before:])
		}
		return nil
	})
	run.clock.advance(time.Hour)
	before := run.writes.count(run.ns)
	for range 5 {
		if _, err := run.r.Reconcile(context.Background(), run.req); err != nil {
			t.Fatal(err)
		}
	}
	if n := run.writes.count(run.ns) - before; n > 0 {
		t.Errorf("a promoted rollout at rest: %d writes in 5 reconciles: %v", n, run.writes.writesIn(run.ns)[before:])
	}
	if ev := run.drained(); ev != "" {
		t.Errorf("events at rest: %s", ev)
	}
}

// A trial whose function's errors alarm goes to ALARM is rolled back: the
// alias sends everything to version 1 again, the stack is Stalled with the
// alarm's reason, and stays so until a fix is published; a revert of the
// spec to version 1's configuration makes it Ready at once.
func TestRolloutRolledBackByAnAlarm(t *testing.T) {
	ctx := context.Background()
	// Messages come back quickly after a failed invocation.
	run := newRolloutRun(t, "ro-alarm-", func(s *v1alpha1.EventDrivenStack) {
		for i := range s.Spec.Queues {
			if s.Spec.Queues[i].Name == "order-queue" {
				s.Spec.Queues[i].VisibilityTimeoutSeconds = ptr.To[int32](2)
			}
		}
		for i := range s.Spec.Functions {
			if s.Spec.Functions[i].Name == rolledFunction {
				s.Spec.Functions[i].TimeoutSeconds = ptr.To[int32](1)
			}
		}
	})
	rt := &releaseRuntime{function: "ro-alarm-" + rolledFunction, processed: map[string]int{}}
	fake.SetFunctionRuntime(rt)
	// The trial takes every batch while it has a weight.
	fake.SetRoutingDraw(func() float64 { return 0 })
	t.Cleanup(func() { fake.SetFunctionRuntime(nil); fake.SetRoutingDraw(nil) })
	watchCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	run.r.Alarms = &alarmwatch.Watcher{Interval: 100 * time.Millisecond, FullEvery: 300 * time.Millisecond,
		Wake: func(context.Context, types.NamespacedName) { run.woken.Store(true) }}
	go func() { _ = run.r.Alarms.Start(watchCtx) }()
	run.first()
	run.publish("2")
	run.until("version 2 on trial", all(phase(v1alpha1.RolloutShifting, "1", "2", 10), run.routes("version 1, 10% to version 2")))

	// Orders during the trial: version 2 fails them.
	sqsc := sqs.NewFromConfig(aws.Config{Region: fake.Region, BaseEndpoint: aws.String(fake.URL()), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	queue, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("ro-alarm-order-queue")})
	if err != nil {
		t.Fatal(err)
	}
	var orders []string
	for i := range 5 {
		body := fmt.Sprintf(`{"order_id":"trial-%d"}`, i)
		orders = append(orders, body)
		if _, err := sqsc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queue.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, waitFor, "version 2 fails the trial's orders", func() error {
		if n := rt.failures(); n == 0 {
			return fmt.Errorf("version 2 ran no batch")
		}
		return nil
	})

	names := render.RolloutAlarms(getStack(t, run.ns, run.req.Name), rolledFunction)
	if len(names) == 0 {
		t.Fatal("the function's trial watches no alarm")
	}
	cw := cloudwatch.NewFromConfig(aws.Config{Region: fake.Region, BaseEndpoint: aws.String(fake.URL()), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(names[0]), StateValue: cwtypes.StateValueAlarm,
		StateReason: aws.String("Threshold Crossed: 3 errors")}); err != nil {
		t.Fatal(err)
	}
	s := run.until("rolled back", all(phase(v1alpha1.RolloutRolledBack, "1", "2", 0), run.routes("version 1"),
		condition(v1alpha1.ConditionStalled, "True", v1alpha1.ReasonRolledBack)))
	if st := rolloutOf(s); !strings.Contains(st.Reason, "alarm "+names[0]+" is in ALARM: Threshold Crossed: 3 errors") {
		t.Errorf("reason %q", st.Reason)
	}
	if ev := run.drained(); !strings.Contains(ev, "Warning RolledBack "+rolledFunction+": version 2 rolled back, all traffic to version 1") {
		t.Errorf("events: %s", ev)
	}
	// Nothing lost: the orders version 2 failed came back to the queue and
	// version 1 processed each of them; none reached the dead-letter queue.
	eventually(t, waitFor, "the trial's orders processed by version 1", func() error {
		if missing := rt.missing(orders); len(missing) > 0 {
			return fmt.Errorf("not processed: %v (version 2 failed %d batches)", missing, rt.failures())
		}
		return nil
	})
	dlq, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("ro-alarm-order-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "0" {
		t.Errorf("the order DLQ: %v %v", attrs, err)
	}

	// Time passing changes nothing: the failed revision stays out.
	run.clock.advance(time.Hour)
	run.until("still rolled back", all(phase(v1alpha1.RolloutRolledBack, "1", "2", 0), run.routes("version 1")))

	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(names[0]), StateValue: cwtypes.StateValueOk,
		StateReason: aws.String("ok")}); err != nil {
		t.Fatal(err)
	}
	// The GitOps fix: revert the commit, back to version 1's configuration.
	s = getStack(t, run.ns, run.req.Name)
	for i := range s.Spec.Functions {
		if s.Spec.Functions[i].Name == rolledFunction {
			delete(s.Spec.Functions[i].Environment, "RELEASE")
		}
	}
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	run.woken.Store(true)
	run.until("reverted: version 1 live, Ready", all(ready, phase(v1alpha1.RolloutPromoted, "1", "", 0), run.routes("version 1")))
}

// A publish during a trial supersedes it: its traffic goes back to the live
// version and the new revision's trial starts from the live version; a
// kubectl eds rollout promote ends it at once.
func TestRolloutSupersededByAPublish(t *testing.T) {
	run := newRolloutRun(t, "ro-supersede-")
	run.first()
	run.publish("2")
	run.until("version 2 on trial", phase(v1alpha1.RolloutShifting, "1", "2", 10))
	run.clock.advance(2 * time.Minute)
	run.publish("3")
	run.until("version 3 supersedes version 2", all(phase(v1alpha1.RolloutShifting, "1", "3", 10), run.routes("version 1, 10% to version 3")))
	if ev := run.drained(); !strings.Contains(ev, "version 3 published: it supersedes version 2, whose traffic went back to version 1") {
		t.Errorf("events: %s", ev)
	}
	s := getStack(t, run.ns, run.req.Name)
	patch := client.MergeFrom(s.DeepCopy())
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[rollout.AnnotationCommands] = rollout.WithCommand("", rolledFunction, rollout.Promote, run.clock.Now())
	if err := k8s.Patch(context.Background(), s, patch); err != nil {
		t.Fatal(err)
	}
	run.woken.Store(true) // the predicate lets a command through
	run.until("version 3 promoted by the command", all(ready, phase(v1alpha1.RolloutPromoted, "3", "", 0), run.routes("version 3")))
	// Versions 1 and 2 are kept (keepVersions defaults to 3).
	out, err := run.lc.ListVersionsByFunction(context.Background(), &lambda.ListVersionsByFunctionInput{FunctionName: aws.String(run.prefix + rolledFunction)})
	if err != nil || len(out.Versions) != 4 {
		t.Errorf("versions %v %v, want $LATEST, 1, 2 and 3", out, err)
	}
}

// releaseRuntime runs the rolled function of one test in process: the
// release 2 of its configuration fails every batch, the others process it.
// Other functions fail, as without a runtime.
type releaseRuntime struct {
	function  string
	mu        sync.Mutex
	processed map[string]int
	failed    int
}

func (r *releaseRuntime) Invoke(_ context.Context, fn localaws.RunnableFunction, payload []byte) (localaws.RuntimeResult, error) {
	fail := localaws.RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"release 2 is broken","errorType":"Broken"}`)}
	if fn.Name != r.function {
		return localaws.RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"no handler in this test","errorType":"Runtime.Unknown"}`)}, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if fn.Environment["RELEASE"] == "2" {
		r.failed++
		return fail, nil
	}
	var batch struct{ Records []struct{ Body string } }
	if err := json.Unmarshal(payload, &batch); err != nil {
		return localaws.RuntimeResult{}, err
	}
	for _, rec := range batch.Records {
		r.processed[rec.Body]++
	}
	return localaws.RuntimeResult{Payload: []byte(`{"batchItemFailures":[]}`)}, nil
}

func (r *releaseRuntime) failures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *releaseRuntime) missing(bodies []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range bodies {
		if r.processed[b] == 0 {
			out = append(out, b)
		}
	}
	return out
}

// A pre-traffic check: before version 2 takes any traffic, another function
// of the stack is invoked with its ARN; its error rolls version 2 back
// without the alias ever routing to it. Version 3 passes the check and
// takes its first step.
func TestRolloutPreTrafficCheck(t *testing.T) {
	const checker = "event-inventory-processor"
	run := newRolloutRun(t, "ro-check-", func(s *v1alpha1.EventDrivenStack) {
		for i := range s.Spec.Functions {
			if s.Spec.Functions[i].Name == rolledFunction {
				s.Spec.Functions[i].Rollout.PreTraffic = checker
			}
		}
	})
	rt := &checkRuntime{checker: "ro-check-" + checker}
	fake.SetFunctionRuntime(rt)
	t.Cleanup(func() { fake.SetFunctionRuntime(nil) })
	run.first()
	run.publish("2")
	s := run.until("version 2 rolled back by its check", all(phase(v1alpha1.RolloutRolledBack, "1", "2", 0), run.routes("version 1"),
		condition(v1alpha1.ConditionStalled, "True", v1alpha1.ReasonRolledBack)))
	if st := rolloutOf(s); !strings.Contains(st.Reason, "pre-traffic check "+checker+" failed: SmokeTest: order 42 not found in version 2") {
		t.Errorf("reason %q", st.Reason)
	}
	if ev := rt.checked(); len(ev) == 0 || !strings.HasSuffix(ev[0].Version, ":function:ro-check-"+rolledFunction+":2") || ev[0].Stage != "preTraffic" {
		t.Errorf("the check was invoked with %+v", ev)
	}
	run.publish("3")
	run.until("version 3 passes its check and takes 10%", all(phase(v1alpha1.RolloutShifting, "1", "3", 10), run.routes("version 1, 10% to version 3")))
}

// checkRuntime runs one test's check function in process: it fails for
// version 2. Other functions fail, as without a runtime.
type checkRuntime struct {
	checker string
	mu      sync.Mutex
	got     []rollout.CheckEvent
}

func (r *checkRuntime) Invoke(_ context.Context, fn localaws.RunnableFunction, payload []byte) (localaws.RuntimeResult, error) {
	if fn.Name != r.checker {
		return localaws.RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"no handler in this test","errorType":"Runtime.Unknown"}`)}, nil
	}
	var ev rollout.CheckEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return localaws.RuntimeResult{}, err
	}
	r.mu.Lock()
	r.got = append(r.got, ev)
	r.mu.Unlock()
	if strings.HasSuffix(ev.Version, ":2") {
		return localaws.RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"order 42 not found in version 2","errorType":"SmokeTest"}`)}, nil
	}
	return localaws.RuntimeResult{Payload: []byte(`"ok"`)}, nil
}

func (r *checkRuntime) checked() []rollout.CheckEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rollout.CheckEvent(nil), r.got...)
}

// Under the suite's operator (its manager, its compacting cache, the wall
// clock): the first version goes live and a publish reaches its trial — the
// cache keeps the revision a Function child carries.
func TestRolloutUnderTheOperator(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Spec.NamePrefix = "ro-op-"
	for i := range stack.Spec.Functions {
		if f := &stack.Spec.Functions[i]; f.Name == rolledFunction {
			f.Code.SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
			f.Rollout = &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: 10, Interval: &metav1.Duration{Duration: time.Hour}}
		}
	}
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	if st := rolloutOf(getStack(t, ns, stack.Name)); st.Phase != v1alpha1.RolloutPromoted || st.Live != "1" {
		t.Fatalf("rollout %+v", st)
	}
	s := getStack(t, ns, stack.Name)
	for i := range s.Spec.Functions {
		if f := &s.Spec.Functions[i]; f.Name == rolledFunction {
			f.Environment = map[string]string{"RELEASE": "2"}
		}
	}
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "version 2 on trial", func() error {
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil {
			return err
		}
		return phase(v1alpha1.RolloutShifting, "1", "2", 10)(getStack(t, ns, stack.Name))
	})
}
