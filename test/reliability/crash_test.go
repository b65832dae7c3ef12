package reliability

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// latency slows every fake AWS answer while a test waits for a point in the
// middle of the routing to kill the operator at.
const latency = 150 * time.Millisecond

// TestCrashAndRestart kills one operator process with SIGKILL three times
// while it builds the seed stack, each time at a point where the work is
// half done, and starts a new one; ACK (played by the test) goes on while
// no operator runs. After the last restart the stack must converge to
// exactly what an uninterrupted run makes: the 38 children, each owned by
// the stack alone, and in EventBridge one bus, four rules, one target each
// and one Lambda permission per function target, then stay so with no
// mutating AWS call over two resyncs, and be deleted cleanly.
//
//  1. in the middle of the first routing pass: the bus exists and 1-3 of the
//     4 rules (every AWS answer delayed 150 ms);
//  2. when at least half of the 38 children exist (ACK played step by step);
//  3. in the middle of putting targets and permissions: 1-3 rules have a
//     target (150 ms per AWS answer again).
func TestCrashAndRestart(t *testing.T) {
	ctx := context.Background()
	dir := logDir(t)
	ns := newNamespace(t)
	const prefix = "crash-"
	callsBefore := fake.Calls()
	t.Cleanup(fake.ClearFault)

	// 1. Killed in the middle of the first routing pass.
	fake.SetFault(localaws.Fault{Latency: latency})
	op := startOperator(t, dir, "operator-1")
	stack := createSeed(t, ns, prefix)
	var p routingProgress
	waitAndPlay(t, ns, "the bus and 1-3 rules exist", 0, func() bool {
		p = progressOf(prefix)
		return p.bus && p.rules >= 1 && p.rules <= 3
	})
	kids := countChildren(ctx, ns)
	op.signal(t, syscall.SIGKILL, 5*time.Second)
	t.Logf("kill 1 (%s after start): %s, %d children; after the kill: %s, %d children",
		time.Since(op.started).Round(time.Millisecond), p, kids, progressOf(prefix), countChildren(ctx, ns))
	fake.ClearFault()
	playWhileDown(t, ns)

	// 2. Killed once half the children exist.
	op = startOperator(t, dir, "operator-2")
	waitAndPlay(t, ns, "at least 9 children", 300*time.Millisecond, func() bool {
		kids = countChildren(ctx, ns)
		return kids >= seedChildren/2
	})
	op.signal(t, syscall.SIGKILL, 5*time.Second)
	t.Logf("kill 2 (%s after start): %d children; after the kill: %d children, %s",
		time.Since(op.started).Round(time.Millisecond), kids, countChildren(ctx, ns), progressOf(prefix))
	playWhileDown(t, ns)

	// 3. Killed in the middle of putting targets and permissions.
	fake.SetFault(localaws.Fault{Latency: latency})
	op = startOperator(t, dir, "operator-3")
	waitAndPlay(t, ns, "1-3 rules with a target", 300*time.Millisecond, func() bool {
		p = progressOf(prefix)
		return p.withTargets >= 1 && p.withTargets <= 3
	})
	kids = countChildren(ctx, ns)
	op.signal(t, syscall.SIGKILL, 5*time.Second)
	t.Logf("kill 3 (%s after start): %s, %d children; after the kill: %s, %d children",
		time.Since(op.started).Round(time.Millisecond), p, kids, progressOf(prefix), countChildren(ctx, ns))
	fake.ClearFault()
	playWhileDown(t, ns)

	// 4. A fourth process converges.
	startOperator(t, dir, "operator-4")
	took := playACKUntilReady(t, ns, stack.Name)
	stack, err := getStack(ctx, ns, stack.Name)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "exactly the seed's children and routing", func() error {
		if err := checkChildren(ctx, stack); err != nil {
			return err
		}
		return checkRouting(ctx, ns, prefix)
	})
	t.Logf("after the last restart: Ready in %s, status resources %s, %d children in status",
		took.Round(time.Millisecond), stack.Status.Resources, len(stack.Status.Children))
	if stack.Status.Resources != "43/43" || len(stack.Status.Children) != 43 {
		t.Errorf("status: resources %q, %d children; want 43/43 (38 ACK children with the 19 default alarms, the bus, 4 rules)",
			stack.Status.Resources, len(stack.Status.Children))
	}
	// No late duplicate, and nothing left to repair: over two resyncs the
	// operator only reads AWS and the stack stays exactly so.
	mutating, calls := fake.MutatingCalls(), operatorCalls()
	consistently(t, 2*resyncInterval+resyncInterval/2, "the converged stack stays exact", func() error {
		if err := checkChildren(ctx, stack); err != nil {
			return err
		}
		return checkRouting(ctx, ns, prefix)
	})
	if n := fake.MutatingCalls() - mutating; n != 0 {
		t.Errorf("%d mutating AWS calls in the resyncs of the converged stack", n)
	}
	if operatorCalls() == calls {
		t.Errorf("no AWS call in two resync intervals: the operator is not resyncing")
	}
	t.Logf("AWS requests over the whole test (4 processes, 3 kills): %s", callsSince(callsBefore))

	// 5. Deleting it removes the routing: nothing orphaned in AWS either.
	deleteStack(t, stack)
	if buses, err := busesWithPrefix(ctx, prefix); err != nil || len(buses) != 0 {
		t.Errorf("buses left after the deletion: %v %v", buses, err)
	}
	if p := progressOf(prefix); p.permissions != 0 {
		t.Errorf("Lambda permissions left after the deletion: %s", p)
	}
}

// waitAndPlay checks cond every 10 ms, and plays ACK every playEvery (never
// when 0), until cond holds; waitFor bounds it.
func waitAndPlay(t *testing.T, namespace, what string, playEvery time.Duration, cond func() bool) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(waitFor)
	var played time.Time
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s", what, waitFor)
		}
		if playEvery > 0 && time.Since(played) >= playEvery {
			if err := playACK(ctx, namespace); err != nil {
				t.Fatal(err)
			}
			played = time.Now()
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// playWhileDown plays ACK for 2 s while no operator runs: the ACK
// controllers do not stop when the operator does.
func playWhileDown(t *testing.T, namespace string) {
	t.Helper()
	ctx := context.Background()
	marked := 0
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		n, err := localack.PlayACK(ctx, k8s, fake, namespace, nil)
		if err != nil {
			t.Fatal(err)
		}
		marked += n
	}
	t.Logf("while no operator ran, ACK reported %d children synced", marked)
}

// callsSince formats the fake's request counts since before, by operation.
func callsSince(before map[string]int) string {
	now := fake.Calls()
	var out []string
	for _, op := range slices.Sorted(maps.Keys(now)) {
		if d := now[op] - before[op]; d > 0 && op != "events:ListEventBuses" {
			out = append(out, fmt.Sprintf("%s %d", op, d))
		}
	}
	return strings.Join(out, ", ")
}

// TestCrashThenBusRemovedLeavesNoPermission kills the operator right after
// it granted the first Lambda permission of a rule, before it wrote the
// stack's status; while no operator runs, the bus (and so the rules) is
// removed from the spec. The next operator must delete the bus, its rules
// and every permission it granted for them: the functions stay (they are
// still in the spec), so a permission left on one lets a rule ARN that no
// longer exists invoke it, and nothing would ever remove it.
//
// It failed when deleteBus found the functions only in the stack's status,
// which is written at the end of a reconcile, after AddPermission; now it
// also looks at the ARNs the ACK children report (docs/reliability.md,
// "1. Crash and restart"). Without the crash, controllers'
// TestRemovedBusIsDeleted shows the permissions go.
func TestCrashThenBusRemovedLeavesNoPermission(t *testing.T) {
	ctx := context.Background()
	dir := logDir(t)
	ns := newNamespace(t)
	const prefix = "unbus-"
	t.Cleanup(fake.ClearFault)

	fake.SetFault(localaws.Fault{Latency: latency})
	op := startOperator(t, dir, "operator-1")
	stack := createSeed(t, ns, prefix)
	var p routingProgress
	waitAndPlay(t, ns, "a first Lambda permission", 300*time.Millisecond, func() bool {
		p = progressOf(prefix)
		return p.permissions >= 1
	})
	op.signal(t, syscall.SIGKILL, 5*time.Second)
	fake.ClearFault()
	s, err := getStack(ctx, ns, stack.Name)
	if err != nil {
		t.Fatal(err)
	}
	var inStatus []string
	for _, c := range s.Status.Children {
		if c.Kind == "Function" {
			inStatus = append(inStatus, fmt.Sprintf("%s arn=%q", c.Name, c.ARN))
		}
	}
	granted := map[string]int{}
	for _, fn := range []string{"event-order-processor", "event-inventory-processor", "event-notification-processor"} {
		if n := len(fake.Policy(functionARN(prefix, fn))); n > 0 {
			granted[fn] = n
		}
	}
	t.Logf("killed with %s; permissions granted %v; the functions in the stack's status: %v", progressOf(prefix), granted, inStatus)

	// While no operator runs: the bus and the rules leave the spec.
	eventually(t, 10*time.Second, "remove the bus", func() error {
		s, err := getStack(ctx, ns, stack.Name)
		if err != nil {
			return err
		}
		s.Spec.EventBus, s.Spec.Rules = nil, nil
		delete(s.Spec.Outputs, "EventBusName")
		return k8s.Update(ctx, s)
	})
	playWhileDown(t, ns)

	startOperator(t, dir, "operator-2")
	eventually(t, waitFor, "the bus deleted", func() error {
		_ = playACK(ctx, ns)
		if buses, err := busesWithPrefix(ctx, prefix); err != nil || len(buses) != 0 {
			return fmt.Errorf("buses %v %v", buses, err)
		}
		return nil
	})
	playACKUntilReady(t, ns, stack.Name)
	// Two resyncs more for any late clean-up.
	time.Sleep(2 * resyncInterval)
	for _, fn := range []string{"event-order-processor", "event-inventory-processor", "event-notification-processor"} {
		if policy := fake.Policy(functionARN(prefix, fn)); len(policy) != 0 {
			t.Errorf("function %s%s still grants events.amazonaws.com after its bus was deleted: %+v", prefix, fn, policy)
		}
	}
	s, err = getStack(ctx, ns, stack.Name)
	if err != nil {
		t.Fatal(err)
	}
	deleteStack(t, s)
}

// TestCrashThenRuleRemovedWithAdoption: with adoption, the operator prunes
// only the rules its status reported (the others may be someone else's).
// Killed in its first routing pass, after PutRule but before any status
// was written, it never reported the rules it had just created; a rule
// removed from the spec while no operator runs must still be deleted from
// the stack's bus, as it is without the crash (the control at the start).
//
// It failed when pruneRouting, with adoption, deleted only the rules the
// status reported, which the killed reconcile never wrote; now it also
// recognises the stack's own rules by the tag they are created with
// (docs/reliability.md, "1. Crash and restart").
func TestCrashThenRuleRemovedWithAdoption(t *testing.T) {
	ctx := context.Background()
	dir := logDir(t)
	ns := newNamespace(t)
	const prefix = "adopt-"
	t.Cleanup(fake.ClearFault)
	adopt := func(s *v1alpha1.EventDrivenStack) {
		s.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: fake.AccountID}
	}
	removeRule := func(ns, name, rule string) {
		eventually(t, 10*time.Second, "remove rule "+rule, func() error {
			s, err := getStack(ctx, ns, name)
			if err != nil {
				return err
			}
			s.Spec.Rules = slices.DeleteFunc(s.Spec.Rules, func(r v1alpha1.Rule) bool { return r.Name == rule })
			return k8s.Update(ctx, s)
		})
	}

	// Control, without a crash: the rule removed from the spec is deleted
	// within a resync.
	op := startOperator(t, dir, "control")
	ctlNS := newNamespace(t)
	ctl := createSeed(t, ctlNS, "adopt-ctl-", adopt)
	playACKUntilReady(t, ctlNS, ctl.Name)
	removeRule(ctlNS, ctl.Name, "order-events-rule")
	eventually(t, 2*resyncInterval+time.Second, "the control's rule deleted", func() error {
		if _, ok := fake.Bus(busName("adopt-ctl-")); !ok {
			return fmt.Errorf("no bus")
		}
		for _, r := range fake.Rules(busName("adopt-ctl-")) {
			if r.Name == "adopt-ctl-order-events-rule" {
				return fmt.Errorf("rule %s still there", r.Name)
			}
		}
		return nil
	})
	deleteStack(t, ctl)
	op.signal(t, syscall.SIGTERM, 45*time.Second)

	fake.SetFault(localaws.Fault{Latency: latency})
	op = startOperator(t, dir, "operator-1")
	stack := createSeed(t, ns, prefix, adopt)
	waitAndPlay(t, ns, "the bus and 1-3 rules", 0, func() bool {
		p := progressOf(prefix)
		return p.bus && p.rules >= 1 && p.rules <= 3
	})
	op.signal(t, syscall.SIGKILL, 5*time.Second)
	fake.ClearFault()
	var created []string
	for _, r := range fake.Rules(busName(prefix)) {
		created = append(created, r.Name)
	}
	s, err := getStack(ctx, ns, stack.Name)
	if err != nil {
		t.Fatal(err)
	}
	reported := 0
	for _, c := range s.Status.Children {
		if c.Kind == "Rule" {
			reported++
		}
	}
	t.Logf("killed with rules %v created, %d rules in the stack's status", created, reported)

	// While no operator runs: the first rule created leaves the spec.
	removed := strings.TrimPrefix(created[0], prefix)
	removeRule(ns, stack.Name, removed)
	playWhileDown(t, ns)

	startOperator(t, dir, "operator-2")
	playACKUntilReady(t, ns, stack.Name)
	// Ready: the three rules left are in place; two resyncs more for the prune.
	time.Sleep(2 * resyncInterval)
	var left []string
	for _, r := range fake.Rules(busName(prefix)) {
		left = append(left, r.Name)
	}
	if slices.Contains(left, prefix+removed) || len(left) != 3 {
		t.Errorf("rules on the bus %v: %s%s, removed from the spec, is still there", left, prefix, removed)
	}
	s, err = getStack(ctx, ns, stack.Name)
	if err != nil {
		t.Fatal(err)
	}
	deleteStack(t, s)
}
