package controller_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// laggingChildren returns a client whose lists of ACK children are empty
// while lag is set: a cache that has not yet seen the operator's own writes,
// as happens when the next reconcile comes before the watch.
func laggingChildren(c client.WithWatch, lag *atomic.Bool) client.WithWatch {
	return interceptor.NewClient(c, interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if _, stacks := list.(*v1alpha1.EventDrivenStackList); !stacks && lag.Load() {
				return nil
			}
			return c.List(ctx, list, opts...)
		},
	})
}

// childWrites counts the writes of children among a namespace's writes.
func childWrites(writes []string) int {
	return len(writes) - stackWrites(writes)
}

// A reconcile that comes before the cache shows the children the previous one
// applied does not apply them again; a child deleted before the cache ever
// showed it is created again once the applied one stops standing in for it.
func TestOwnWritesNotShownYetAreNotRepeated(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	counter := &writeCounter{byNamespace: map[string]int{}}
	var lag atomic.Bool
	r := countedReconciler(t, counter, func(c client.WithWatch) client.WithWatch { return laggingChildren(c, &lag) })
	stack, req := directStack(t, ns, "memo-")
	t.Cleanup(func() {
		lag.Store(false)
		_ = k8s.Delete(ctx, stack)
		_, _ = r.Reconcile(ctx, req)
	})

	lag.Store(true)
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	first := childWrites(counter.writesIn(ns))
	if first == 0 {
		t.Fatal("the first reconcile applied no child")
	}
	// The cache still shows none of them.
	res, err := r.Reconcile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again := childWrites(counter.writesIn(ns)) - first; again != 0 {
		t.Fatalf("the second reconcile, before the cache showed the first one's %d children, applied %d again: %v",
			first, again, counter.writesIn(ns)[first:])
	}
	if res.RequeueAfter <= 0 || res.RequeueAfter > 5*time.Second {
		t.Errorf("requeued after %s, want within the 5 s an applied child stands in", res.RequeueAfter)
	}

	// A child deleted before the cache ever showed it comes back once the
	// applied one no longer stands in for it.
	var victim string
	for name, obj := range children(t, ns) {
		if strings.HasPrefix(name, "Table/") {
			victim = name
			if err := k8s.Delete(ctx, obj); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if victim == "" {
		t.Fatalf("no Table among %v", keys(children(t, ns)))
	}
	lag.Store(false)
	deadline := time.Now().Add(30 * time.Second)
	for children(t, ns)[victim] == nil {
		if time.Now().After(deadline) {
			t.Fatalf("%s deleted before the cache showed it was not created again within 30 s", victim)
		}
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
