package reliability

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// controller-runtime's defaults, which operator.New keeps.
const (
	leaseDuration = 15 * time.Second
	retryPeriod   = 2 * time.Second
)

// TestLeaderElectionHandoverOnSIGTERM: two replicas, one leader; only it
// reconciles and calls AWS. SIGTERM makes it release the lease
// (LeaderElectionReleaseOnCancel), so the follower takes over at its next
// retry, well within the 15 s lease duration, and converges what changed
// after the stop.
func TestLeaderElectionHandoverOnSIGTERM(t *testing.T) {
	testLeaderHandover(t, syscall.SIGTERM, "le-term")
}

// TestLeaderElectionTakeoverAfterSIGKILL: the same, but the leader is killed
// and cannot release the lease: the follower takes over once the lease has
// expired (15 s after its last renewal, not before), within 30 s.
func TestLeaderElectionTakeoverAfterSIGKILL(t *testing.T) {
	testLeaderHandover(t, syscall.SIGKILL, "le-kill")
}

func testLeaderHandover(t *testing.T, sig syscall.Signal, tag string) {
	ctx := context.Background()
	dir := logDir(t)
	t.Cleanup(fake.ClearFault)
	fake.ClearFault()
	// No lease left by an earlier test: the two replicas race for a new one.
	if err := k8s.Delete(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: leaseName, Namespace: leaseNamespace}}); client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}

	// Two replicas, started together.
	flags := []string{"--leader-elect", "--leader-election-namespace=" + leaseNamespace}
	start := time.Now()
	a, b := launch(t, dir, "replica-a", flags...), launch(t, dir, "replica-b", flags...)
	a.waitServing(t)
	b.waitServing(t)

	// Exactly one holds the lease, and says so in its metrics.
	var leader, follower *operatorProcess
	var holder string
	eventually(t, 30*time.Second, "one leader", func() error {
		l, err := getLease(ctx)
		if err != nil {
			return err
		}
		ma, err := a.scrape()
		if err != nil {
			return err
		}
		mb, err := b.scrape()
		if err != nil {
			return err
		}
		switch {
		case ma.isLeader() && !mb.isLeader():
			leader, follower = a, b
		case mb.isLeader() && !ma.isLeader():
			leader, follower = b, a
		default:
			return fmt.Errorf("leader_election_master_status: a %t, b %t", ma.isLeader(), mb.isLeader())
		}
		holder = ptr.Deref(l.Spec.HolderIdentity, "")
		if holder == "" {
			return fmt.Errorf("the lease has no holder")
		}
		return nil
	})
	t.Logf("%s leads (lease holder %s), %s follows; elected %s after the start",
		leader.name, holder, follower.name, time.Since(start).Round(time.Millisecond))
	oneLeader := func() error {
		l, err := getLease(ctx)
		if err != nil {
			return err
		}
		if h := ptr.Deref(l.Spec.HolderIdentity, ""); h != holder {
			return fmt.Errorf("lease holder %q, was %q", h, holder)
		}
		mf, err := follower.scrape()
		if err != nil {
			return err
		}
		if mf.isLeader() {
			return fmt.Errorf("%s reports itself leader too", follower.name)
		}
		return nil
	}
	consistently(t, 2*time.Second, "one leader, the same", oneLeader)

	// A stack, built by the leader only.
	ns1 := newNamespace(t)
	s1 := createSeed(t, ns1, tag+"-1-")
	took := playACKUntilReady(t, ns1, s1.Name)
	eventually(t, 10*time.Second, "stack 1 exact", func() error {
		if err := checkChildren(ctx, s1); err != nil {
			return err
		}
		return checkRouting(ctx, ns1, tag+"-1-")
	})
	t.Logf("stack 1 Ready in %s", took.Round(time.Millisecond))

	// Over three resync intervals: the leader reconciles and calls AWS, the
	// follower neither reconciles nor calls AWS nor writes to the API server,
	// and every request the fake AWS received is one the leader counted.
	f0, l0 := quietSample(t, leader)
	time.Sleep(3 * resyncInterval)
	consistently(t, time.Second, "one leader, the same", oneLeader)
	f1, l1 := quietSample(t, leader)
	mf, err := follower.scrape()
	if err != nil {
		t.Fatal(err)
	}
	r0, _ := l0.reconciles()
	r1, _ := l1.reconciles()
	fr, present := mf.reconciles()
	t.Logf("over %s: leader reconciles +%v (total %v), AWS calls +%v; fake AWS received +%d; follower: reconcile_total %v (present %t), AWS calls %v, API writes %v",
		3*resyncInterval, r1-r0, r1, l1.awsCalls()-l0.awsCalls(), f1-f0, fr, present, mf.awsCalls(), mf.apiWrites())
	if r1 <= r0 {
		t.Errorf("the leader did not reconcile over %s: %v then %v", 3*resyncInterval, r0, r1)
	}
	if fr != 0 {
		t.Errorf("the follower reconciled: controller_runtime_reconcile_total{controller=eventdrivenstack} = %v", fr)
	}
	if n := mf.awsCalls(); n != 0 {
		t.Errorf("the follower made %v AWS calls", n)
	}
	if n := mf.apiWrites(); n != 0 {
		t.Errorf("the follower made %v successful writes to the API server", n)
	}
	if d, ld := f1-f0, l1.awsCalls()-l0.awsCalls(); float64(d) != ld || d == 0 {
		t.Errorf("the fake AWS received %d requests while the leader counted %v calls of its own", d, ld)
	}

	// Stop the leader.
	before, err := getLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	transitions := ptr.Deref(before.Spec.LeaseTransitions, 0)
	stopped := time.Now()
	exit := leader.signal(t, sig, 45*time.Second)
	atExit, err := getLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v: %s exited in %s (%v); the lease then: holder %q, duration %ds, renewed %s",
		sig, leader.name, exit.Round(time.Millisecond), leader.exitErr, ptr.Deref(atExit.Spec.HolderIdentity, ""),
		ptr.Deref(atExit.Spec.LeaseDurationSeconds, 0), atExit.Spec.RenewTime.Format(time.RFC3339Nano))
	atExitHolder := ptr.Deref(atExit.Spec.HolderIdentity, "")
	switch sig {
	case syscall.SIGTERM:
		if leader.exitErr != nil {
			t.Errorf("%s did not exit cleanly on SIGTERM: %v", leader.name, leader.exitErr)
		}
		if atExitHolder == holder {
			t.Errorf("%s exited without releasing the lease", leader.name)
		}
	case syscall.SIGKILL:
		if atExitHolder != holder {
			t.Errorf("the lease changed hands at the kill: %q", atExitHolder)
		}
	}

	// Changes made after the stop: a visibility timeout edit of stack 1,
	// and a new stack.
	eventually(t, 10*time.Second, "edit stack 1", func() error {
		s, err := getStack(ctx, ns1, s1.Name)
		if err != nil {
			return err
		}
		for i := range s.Spec.Queues {
			if s.Spec.Queues[i].Name == "order-queue" {
				s.Spec.Queues[i].VisibilityTimeoutSeconds = ptr.To[int32](45)
			}
		}
		return k8s.Update(ctx, s)
	})
	changed := time.Now()
	ns2 := newNamespace(t)
	s2 := createSeed(t, ns2, tag+"-2-")

	// Until the follower holds the lease nobody writes: the queue keeps its
	// old visibility and the new stack gets no child. (The child is read
	// before the lease: a write seen there came after the lease changed.)
	queueKey := client.ObjectKey{Namespace: ns1, Name: "event-driven-stack.order-queue"}
	var after *coordinationv1.Lease
	var takeover time.Duration
	eventually(t, 2*leaseDuration, "the follower takes the lease over", func() error {
		q := &ack.Queue{}
		if err := k8s.Get(ctx, queueKey, q); err != nil {
			return err
		}
		kids := countChildren(ctx, ns2)
		l, err := getLease(ctx)
		if err != nil {
			return err
		}
		h := ptr.Deref(l.Spec.HolderIdentity, "")
		if h == "" || h == holder {
			if ptr.Deref(q.Spec.VisibilityTimeout, "") != "30" || kids != 0 {
				t.Errorf("written while the lease was held by %q: queue visibility %q, %d children of the new stack",
					h, ptr.Deref(q.Spec.VisibilityTimeout, ""), kids)
			}
			return fmt.Errorf("lease holder %q", h)
		}
		takeover, after = time.Since(stopped), l
		return nil
	})
	newHolder := ptr.Deref(after.Spec.HolderIdentity, "")
	eventually(t, 10*time.Second, follower.name+" reports itself leader", func() error {
		m, err := follower.scrape()
		if err != nil {
			return err
		}
		if !m.isLeader() {
			return fmt.Errorf("leader_election_master_status not 1")
		}
		return nil
	})
	t.Logf("%s took the lease over %s after the %v (holder %s, transitions %d -> %d, acquired %s)",
		follower.name, takeover.Round(time.Millisecond), sig, newHolder, transitions,
		ptr.Deref(after.Spec.LeaseTransitions, 0), after.Spec.AcquireTime.Format(time.RFC3339Nano))
	if ptr.Deref(after.Spec.LeaseTransitions, 0) != transitions+1 {
		t.Errorf("lease transitions %d -> %d, want one more", transitions, ptr.Deref(after.Spec.LeaseTransitions, 0))
	}
	switch sig {
	case syscall.SIGTERM:
		// Released: the follower's next retry (2 s, jittered up to 4.4 s)
		// takes it; without the release it would wait for the lease
		// duration, 13 s or more after the last renewal.
		if takeover >= 10*time.Second {
			t.Errorf("takeover after a SIGTERM took %s: the release did not work (lease duration %s)", takeover, leaseDuration)
		}
	case syscall.SIGKILL:
		if takeover > 30*time.Second {
			t.Errorf("takeover after a SIGKILL took %s, more than 30 s", takeover)
		}
		// Never while the dead leader's lease was still valid.
		lastRenew := atExit.Spec.RenewTime.Time
		if gap := after.Spec.AcquireTime.Sub(lastRenew); gap < leaseDuration-10*time.Millisecond {
			t.Errorf("the follower acquired the lease %s after the dead leader's last renewal, before the %s lease duration", gap, leaseDuration)
		} else {
			t.Logf("acquired %s after the dead leader's last renewal (lease duration %s)", gap.Round(time.Millisecond), leaseDuration)
		}
	}

	// The new leader converges what changed after the stop.
	eventually(t, 30*time.Second, "the visibility edit reaches the queue", func() error {
		q := &ack.Queue{}
		if err := k8s.Get(ctx, queueKey, q); err != nil {
			return err
		}
		if v := ptr.Deref(q.Spec.VisibilityTimeout, ""); v != "45" {
			return fmt.Errorf("visibility %q", v)
		}
		return nil
	})
	t.Logf("the visibility edit reached the queue %s after the edit, %s after the %v",
		time.Since(changed).Round(time.Millisecond), time.Since(stopped).Round(time.Millisecond), sig)
	// Ready again once ACK reported on the changed queue.
	playACKUntilReady(t, ns1, s1.Name)
	playACKUntilReady(t, ns2, s2.Name)
	t.Logf("stack 2, created after the %v, Ready %s after the takeover (%s after its creation)",
		sig, (time.Since(stopped) - takeover).Round(time.Millisecond), time.Since(changed).Round(time.Millisecond))
	s2, err = getStack(ctx, ns2, s2.Name)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "both stacks exact", func() error {
		for _, c := range []struct {
			s      *v1alpha1.EventDrivenStack
			prefix string
		}{{s1, tag + "-1-"}, {s2, tag + "-2-"}} {
			if err := checkChildren(ctx, c.s); err != nil {
				return fmt.Errorf("%s: %w", c.s.Namespace, err)
			}
			if err := checkRouting(ctx, c.s.Namespace, c.prefix); err != nil {
				return fmt.Errorf("%s: %w", c.s.Namespace, err)
			}
		}
		return nil
	})
	m, err := follower.scrape()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := m.reconciles(); n == 0 {
		t.Errorf("the new leader has not reconciled")
	}

	// The new leader deletes both stacks and their routing.
	deleteStack(t, s1)
	deleteStack(t, s2)
	for _, p := range []string{tag + "-1-", tag + "-2-"} {
		if buses, err := busesWithPrefix(ctx, p); err != nil || len(buses) != 0 {
			t.Errorf("buses left after the deletion: %v %v", buses, err)
		}
	}
}

// getLease reads the operator's leader election lease.
func getLease(ctx context.Context) (*coordinationv1.Lease, error) {
	l := &coordinationv1.Lease{}
	err := k8s.Get(ctx, client.ObjectKey{Namespace: leaseNamespace, Name: leaseName}, l)
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("no lease %s/%s yet", leaseNamespace, leaseName)
	}
	return l, err
}

// quietSample returns the fake's request count and the process's metrics at
// a moment when neither changes for 200 ms, so that no AWS call is in flight
// and the two counts are comparable.
func quietSample(t *testing.T, p *operatorProcess) (int, metrics) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		f0 := operatorCalls()
		m0, err := p.scrape()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		f1 := operatorCalls()
		m1, err := p.scrape()
		if err != nil {
			t.Fatal(err)
		}
		if f0 == f1 && m0.awsCalls() == m1.awsCalls() {
			return f1, m1
		}
		if time.Now().After(deadline) {
			t.Fatalf("AWS calls never quiet for 200 ms in 20 s")
		}
	}
}
