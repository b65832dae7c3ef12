package controllers_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/controllers"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
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
	raw, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	r := &controllers.EventDrivenStackReconciler{Client: counter.wrap(raw), ProgressInterval: interval,
		AWS: &awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: testAWSOptions()}}
	stack, req := directStack(t, ns, prefix)
	t.Cleanup(func() {
		_ = k8s.Delete(ctx, stack)
		_, _ = r.Reconcile(ctx, req)
	})
	deadline := time.Now().Add(60 * time.Second)
	var res ctrl.Result
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
