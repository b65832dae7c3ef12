package controller_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
)

// playOneChild plays ACK on one child of the namespace (the first, by kind and
// name, that ACK has something to report on), as the real controllers report
// each child on its own schedule. It reports whether it wrote one.
func playOneChild(t *testing.T, ns string) bool {
	t.Helper()
	got := children(t, ns)
	names := keys(got)
	sort.Strings(names)
	for _, k := range names {
		obj := got[k]
		if localack.PlayOnce(obj) {
			if err := k8s.Status().Update(context.Background(), obj); err != nil {
				t.Fatal(err)
			}
			return true
		}
	}
	return false
}

// statusWritesToReady creates the seed stack for a reconciler driven by hand
// with the given progress interval, reports its children one at a time, and
// returns how many times the stack's status was written from creation to Ready.
func statusWritesToReady(t *testing.T, prefix string, interval time.Duration) int {
	ctx := context.Background()
	ns := newNamespace(t)
	counter := &writeCounter{byNamespace: map[string]int{}}
	r := countedReconciler(t, counter)
	r.ProgressInterval = interval
	stack, req := directStack(t, ns, prefix)
	t.Cleanup(func() {
		_ = k8s.Delete(ctx, stack)
		_, _ = r.Reconcile(ctx, req)
	})
	deadline := time.Now().Add(60 * time.Second)
	var res ctrl.Result
	var err error
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("not Ready within 60 s: %+v", meta.FindStatusCondition(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionReady))
		}
		if res, err = r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
		s := getStack(t, ns, stack.Name)
		if meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) && s.Status.ObservedGeneration == s.Generation {
			break
		}
		if !playOneChild(t, ns) {
			// Nothing to report: the operator waits for its own next step
			// (an apply put off, progress due).
			time.Sleep(min(max(res.RequeueAfter, 50*time.Millisecond), time.Second))
			continue
		}
		time.Sleep(50 * time.Millisecond)
	}
	return stackWrites(counter.writesIn(ns))
}

// stackWrites counts the writes of the stack object itself (its finalizer and
// its status) among a namespace's writes.
func stackWrites(writes []string) int {
	n := 0
	for _, w := range writes {
		if strings.HasPrefix(w, "*v1alpha1.EventDrivenStack") {
			n++
		}
	}
	return n
}

// Progress is coalesced: with the children reported one at a time, the stack
// is written a handful of times from creation to Ready (transitions and new
// generations at once, progress at most once per interval); without the
// interval, at nearly every report.
func TestStatusWritesAreCoalesced(t *testing.T) {
	coalesced := statusWritesToReady(t, "coalesce-", 5*time.Second)
	every := statusWritesToReady(t, "every-", 0)
	t.Logf("stack writes from creation to Ready, children reported one at a time: %d with a 5 s progress interval, %d without", coalesced, every)
	if coalesced > 6 {
		t.Errorf("%d stack writes to Ready with a progress interval, want at most 6", coalesced)
	}
	if every <= coalesced+3 {
		t.Errorf("%d writes without the interval against %d with it: the test does not tell them apart", every, coalesced)
	}
}

// staleStack returns a client that remembers the stack as it was before each
// status write and, while stale is set, hands that out for the stack: a cache
// that has not yet seen the operator's last status write.
func staleStack(c client.WithWatch, stale *atomic.Bool) client.WithWatch {
	var mu sync.Mutex
	var before *v1alpha1.EventDrivenStack
	return interceptor.NewClient(c, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if s, ok := obj.(*v1alpha1.EventDrivenStack); ok && stale.Load() {
				mu.Lock()
				defer mu.Unlock()
				if before != nil {
					before.DeepCopyInto(s)
					return nil
				}
			}
			return c.Get(ctx, key, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			if _, ok := obj.(*v1alpha1.EventDrivenStack); ok && !stale.Load() {
				prev := &v1alpha1.EventDrivenStack{}
				if err := c.Get(ctx, client.ObjectKeyFromObject(obj), prev); err != nil {
					return err
				}
				mu.Lock()
				before = prev
				mu.Unlock()
			}
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
}

// A reconcile that reads the stack as it was before the last status write
// judges what changed against what was written, not against that stale copy:
// progress alone is coalesced, not written at once a second time.
func TestStaleStackDoesNotRepeatAStatusWrite(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	counter := &writeCounter{byNamespace: map[string]int{}}
	var stale atomic.Bool
	r := countedReconciler(t, counter, func(c client.WithWatch) client.WithWatch { return staleStack(c, &stale) })
	r.ProgressInterval = time.Minute
	stack, req := directStack(t, ns, "stale-")
	t.Cleanup(func() {
		stale.Store(false)
		_ = k8s.Delete(ctx, stack)
		_, _ = r.Reconcile(ctx, req)
	})
	// Until the stack has its first full status (finalizer, inventory, status).
	for i := 0; i < 5 && getStack(t, ns, stack.Name).Status.ObservedGeneration == 0; i++ {
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	written := getStack(t, ns, stack.Name).Status
	if written.ObservedGeneration == 0 {
		t.Fatal("no status written")
	}
	// ACK reports one child: progress only.
	if !playOneChild(t, ns) {
		t.Fatal("nothing for ACK to report")
	}
	all := counter.writesIn(ns)
	before := stackWrites(all)
	stale.Store(true)
	res, err := r.Reconcile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n := stackWrites(counter.writesIn(ns)) - before; n != 0 {
		t.Fatalf("a reconcile that read the stack from before its last status write wrote it %d more times, want 0 (progress is coalesced): %v",
			n, counter.writesIn(ns)[len(all):])
	}
	if res.RequeueAfter <= 0 || res.RequeueAfter > time.Minute {
		t.Errorf("requeued after %s, want when the progress interval ends", res.RequeueAfter)
	}
	// The stale read is not mistaken for the stack: a change that matters is
	// still written at once.
	if got := getStack(t, ns, stack.Name).Status; got.ObservedGeneration != written.ObservedGeneration {
		t.Fatalf("observedGeneration %d, want %d", got.ObservedGeneration, written.ObservedGeneration)
	}
}

// A reconcile that reads the stack from before the status write of a
// transition (the cache lags) sees the transition again and stamps it a second
// later; that says nothing new and is not written.
func TestStaleStackDoesNotRestampATransition(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	counter := &writeCounter{byNamespace: map[string]int{}}
	var beforeTransition atomic.Bool
	r := countedReconciler(t, counter, func(c client.WithWatch) client.WithWatch {
		return interceptor.NewClient(c, interceptor.Funcs{
			Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				err := c.Get(ctx, key, obj, opts...)
				if s, ok := obj.(*v1alpha1.EventDrivenStack); ok && err == nil && beforeTransition.Load() {
					// The stack as it was before Ready went False.
					for i := range s.Status.Conditions {
						c := &s.Status.Conditions[i]
						c.Status = map[metav1.ConditionStatus]metav1.ConditionStatus{metav1.ConditionTrue: metav1.ConditionFalse, metav1.ConditionFalse: metav1.ConditionTrue}[c.Status]
						c.LastTransitionTime = metav1.NewTime(c.LastTransitionTime.Add(-time.Hour))
					}
				}
				return err
			},
		})
	})
	stack, req := directStack(t, ns, "restamp-")
	t.Cleanup(func() {
		beforeTransition.Store(false)
		_ = k8s.Delete(ctx, stack)
		_, _ = r.Reconcile(ctx, req)
	})
	// Until a reconcile has nothing new to write.
	for i := 0; ; i++ {
		n := len(counter.writesIn(ns))
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
		if i > 1 && len(counter.writesIn(ns)) == n {
			break
		}
		if i == 10 {
			t.Fatalf("still writing after %d reconciles: %v", i, counter.writesIn(ns)[n:])
		}
	}
	written := getStack(t, ns, stack.Name).Status
	if meta.FindStatusCondition(written.Conditions, v1alpha1.ConditionReady) == nil {
		t.Fatal("no Ready condition written")
	}
	// Transition times are whole seconds: the stale reconcile stamps a later one.
	time.Sleep(1100 * time.Millisecond)
	all := counter.writesIn(ns)
	beforeTransition.Store(true)
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if n := stackWrites(counter.writesIn(ns)[len(all):]); n != 0 {
		t.Fatalf("a stale read restamped the conditions and wrote the stack %d times, want 0: %s", n, cmp.Diff(written, getStack(t, ns, stack.Name).Status))
	}
}
