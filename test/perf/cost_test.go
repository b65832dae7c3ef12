package perf

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// BenchmarkAPIServerWriteCost takes the operator's work apart: for
// PERF_COST_STACKS seed stacks (default 100), with no operator running, it
// makes each kind of write the operator run makes, 4 at a time, and reports
// the API server's and etcd's CPU per write (ms) and the writes per second:
//
//   - create: the stacks themselves;
//   - apply: every child, server-side applied as the operator does (no watcher);
//   - ack-status: every child's status as ACK writes it (the ACK player's write);
//   - stack-status: 8 merge patches of each stack's status (a realistic status
//     of 24 children, a few changing each time), as the operator writes it;
//   - apply-2-watchers / apply-0-watchers: every child applied again with one
//     annotation changed, while two caches watch the namespace (as the
//     operator's and the ACK player's do) and then while none does.
func BenchmarkAPIServerWriteCost(b *testing.B) {
	controlPlane(b)
	n := 100
	if v := envInts("PERF_COST_STACKS", nil); len(v) > 0 {
		n = v[0]
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		run := newRun()
		ns := namespace(b, fmt.Sprintf("perf-%03d-cost", run))
		stacks := seedStacks(b, ns, run, n)
		var lines []string
		step := func(name string, writes int, f func(i int) error) {
			b.Helper()
			cpu := sampleCPU()
			waitProfile := profileAPIServer(b, fmt.Sprintf("apiserver-cost-%s-%d", name, n), 5*time.Second)
			start := time.Now()
			if err := parallel(writes, 4, f); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			d := time.Since(start)
			used := sampleCPU().since(cpu)
			waitProfile()
			server := used.children["kube-apiserver"] + used.children["etcd"]
			perWrite := float64(server.Microseconds()) / 1e3 / float64(writes)
			b.ReportMetric(perWrite, name+"-cpu-ms/write")
			lines = append(lines, fmt.Sprintf("%-18s %6d writes in %8s = %6.0f/s; API server + etcd CPU %.2f ms per write (%s)",
				name, writes, d.Round(time.Millisecond), float64(writes)/d.Seconds(), perWrite, used))
		}

		// The stacks.
		step("create", n, func(i int) error { return plane.k8s.Create(ctx, stacks[i]) })

		// Their children, complete, with the stacks' real UIDs.
		p, err := predict.New(stacks[0].Spec.Region, localack.AccountID)
		if err != nil {
			b.Fatal(err)
		}
		var children []ack.Object
		statuses := make([]v1alpha1.EventDrivenStackStatus, n)
		for j, s := range stacks {
			res, obs := renderResolved(b, s, p)
			for _, c := range res.Children {
				children = append(children, c.Object)
			}
			statuses[j] = realisticStatus(s, res, obs)
		}
		step("apply", len(children), func(i int) error { return applyChild(ctx, plane.k8s, children[i]) })

		// ACK's status write on each child.
		step("ack-status", len(children), func(i int) error {
			obj := children[i].DeepCopyObject().(ack.Object)
			if err := plane.k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				return err
			}
			region := obj.GetAnnotations()["services.k8s.aws/region"]
			localack.SetSynced(obj, localack.FakeARN(obj, region))
			return plane.k8s.Status().Update(ctx, obj)
		})

		// The stack's status, 8 times, as a reconcile after each wave writes it.
		const rounds = 8
		// Each patch starts from the stack as the last write returned it, as
		// the operator's starts from its cache: no read.
		locks := make([]sync.Mutex, n)
		step("stack-status", rounds*n, func(i int) error {
			j, round := i%n, i/n
			locks[j].Lock()
			defer locks[j].Unlock()
			s := stacks[j]
			orig := s.DeepCopy()
			s.Status = *statuses[j].DeepCopy()
			ready := 3 * (round + 1)
			for c := range s.Status.Children {
				s.Status.Children[c].Ready = c < ready
				if c >= ready {
					s.Status.Children[c].State = v1alpha1.ChildInProgress
					s.Status.Children[c].Message = fmt.Sprintf("waits for the ACK controller (round %d)", round)
				}
			}
			s.Status.Resources = fmt.Sprintf("%d/%d", min(ready, len(s.Status.Children)), len(s.Status.Children))
			meta.SetStatusCondition(&s.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse,
				Reason: "Progressing", Message: s.Status.Resources + " children ready", ObservedGeneration: s.Generation})
			return plane.k8s.Status().Patch(ctx, s, client.MergeFrom(orig))
		})

		// Watch fan-out: the same apply with two caches watching, then none.
		reapply := func(tag string) func(i int) error {
			return func(i int) error {
				obj := children[i].DeepCopyObject().(ack.Object)
				obj.GetAnnotations()["perf.eventstack.io/round"] = tag
				return applyChild(ctx, plane.k8s, obj)
			}
		}
		var watchers []context.CancelFunc
		for w := 0; w < 2; w++ {
			c, err := cache.New(plane.cfg, cache.Options{Scheme: plane.scheme, DefaultNamespaces: map[string]cache.Config{ns: {}},
				DefaultTransform: cache.TransformStripManagedFields()})
			if err != nil {
				b.Fatal(err)
			}
			wctx, cancel := context.WithCancel(ctx)
			watchers = append(watchers, cancel)
			go func() { _ = c.Start(wctx) }()
			for _, obj := range append([]client.Object{&v1alpha1.EventDrivenStack{}}, kindObjects()...) {
				if _, err := c.GetInformer(wctx, obj); err != nil {
					b.Fatal(err)
				}
			}
		}
		time.Sleep(time.Second)
		step("apply-2-watchers", len(children), reapply("watched"))
		time.Sleep(2 * time.Second) // the watchers drain
		for _, cancel := range watchers {
			cancel()
		}
		time.Sleep(time.Second)
		step("apply-0-watchers", len(children), reapply("unwatched"))
		clearNamespace(b, ns)

		b.Logf("%d seed stacks, %d children, 4 writers; load %s", n, len(children), loadAvg())
		for _, l := range lines {
			b.Log(l)
		}
	}
}

// realisticStatus is a stack's status once every child and the routing are
// known: what the operator reports, in size and shape.
func realisticStatus(s *v1alpha1.EventDrivenStack, res *render.Result, obs render.Observed) v1alpha1.EventDrivenStackStatus {
	st := v1alpha1.EventDrivenStackStatus{ObservedGeneration: 1, Outputs: res.Outputs}
	for _, c := range res.Children {
		st.Children = append(st.Children, v1alpha1.ChildStatus{Kind: c.Kind, Name: c.Name, Component: c.Component, Ready: true,
			State: v1alpha1.ChildReady, ARN: obs.ARNs[c.Component], Message: "ACK reports it synced"})
	}
	st.Children = append(st.Children, v1alpha1.ChildStatus{Kind: "EventBus", Name: s.Spec.NamePrefix + s.Spec.EventBus.Name,
		Component: "eventBus/" + s.Spec.EventBus.Name, Ready: true, State: v1alpha1.ChildReady, ARN: obs.ARNs[render.EventBusKey(s.Spec.EventBus.Name)]})
	for _, r := range s.Spec.Rules {
		st.Children = append(st.Children, v1alpha1.ChildStatus{Kind: "Rule", Name: s.Spec.NamePrefix + r.Name, Component: "rule/" + r.Name,
			Ready: true, State: v1alpha1.ChildReady, ARN: obs.ARNs[render.RuleKey(r.Name)], Message: "1 targets, 1 Lambda permissions"})
	}
	st.Resources = fmt.Sprintf("%d/%d", len(st.Children), len(st.Children))
	for _, t := range []string{v1alpha1.ConditionReady, "Reconciling", v1alpha1.ConditionStalled} {
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: t, Status: metav1.ConditionFalse, Reason: "Progressing",
			Message: "waits for the ACK controllers", ObservedGeneration: 1})
	}
	return st
}
