package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// phaseCost is what the operator did in one phase: its API writes by verb
// and kind, the AWS calls by operation, reconciles, and the events it
// recorded (through the event recorder's own client, not counted as writes).
type phaseCost struct {
	writes, aws counts
	rec         reconcileStats
	events      int
}

type costMark struct {
	writes, aws counts
	rec         reconcileStats
	events      int
}

func markCost(ctx context.Context, w *writeCounter, ns string) costMark {
	return costMark{w.snapshot(), awsCalls(), reconcileCounts(), countEvents(ctx, ns)}
}

func (m costMark) until(ctx context.Context, w *writeCounter, ns string) phaseCost {
	now := markCost(ctx, w, ns)
	return phaseCost{now.writes.sub(m.writes), now.aws.sub(m.aws), now.rec.sub(m.rec), now.events - m.events}
}

// countEvents counts the Kubernetes events in a namespace.
func countEvents(ctx context.Context, ns string) int {
	var list eventsv1.EventList
	if err := plane.k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return 0
	}
	return len(list.Items)
}

// BenchmarkCallsPerStack counts, per stack, the operator's API-server writes
// (through the NewClient interceptor) and its AWS calls by operation (the fake
// AWS's counts) for PERF_CALLS_STACKS seed stacks (default 10):
//
//   - creation: from the stacks' creation until every stack is Ready and
//     nothing more happens for 3 s (the ACK player marks every child);
//   - a one-field edit: order-queue's visibilityTimeoutSeconds 30 → 45 in
//     every stack, until the queue child has it and the status is of the
//     new generation, and quiet;
//   - a restart: a new operator with a 2 s resync reconciles every unchanged
//     stack once;
//   - resync: that operator's periodic resyncs of the unchanged, Ready
//     stacks over 10 s, per reconcile.
func BenchmarkCallsPerStack(b *testing.B) {
	controlPlane(b)
	n := 10
	if v := envInts("PERF_CALLS_STACKS", nil); len(v) > 0 {
		n = v[0]
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		run := newRun()
		ns := namespace(b, fmt.Sprintf("perf-%03d-calls", run))
		op := startOperator(b, defaultOperator())
		player := startACKPlayer(b, ns)
		cpu := sampleCPU()

		// Creation.
		m := markCost(ctx, op.writes, ns)
		createStacks(b, seedStacks(b, ns, run, n))
		waitUntil(b, player, "every stack Ready", func() (bool, string) {
			ready, _ := player.ready(ctx)
			return ready >= n, fmt.Sprintf("%d of %d Ready", ready, n)
		})
		waitQuiet(b, op.writes, 3*time.Second)
		creation := m.until(ctx, op.writes, ns)
		sizes := stackSizes(ctx, b, ns)

		// A one-field edit of every stack.
		m = markCost(ctx, op.writes, ns)
		var stacks v1alpha1.EventDrivenStackList
		if err := plane.k8s.List(ctx, &stacks, client.InNamespace(ns)); err != nil {
			b.Fatal(err)
		}
		for j := range stacks.Items {
			s := &stacks.Items[j]
			for q := range s.Spec.Queues {
				if s.Spec.Queues[q].Name == "order-queue" {
					s.Spec.Queues[q].VisibilityTimeoutSeconds = ptr.To[int32](45)
				}
			}
			if err := plane.k8s.Update(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		waitUntil(b, player, "the edit applied", func() (bool, string) {
			var queues ack.QueueList
			if err := player.cache.List(ctx, &queues, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
				return false, err.Error()
			}
			edited := 0
			for _, q := range queues.Items {
				if strings.HasSuffix(q.Name, ".order-queue") && ptr.Deref(q.Spec.VisibilityTimeout, "") == "45" {
					edited++
				}
			}
			_, current := player.ready(ctx)
			return edited >= n && current >= n, fmt.Sprintf("%d of %d queues edited, %d of %d statuses current", edited, n, current, n)
		})
		waitQuiet(b, op.writes, 3*time.Second)
		edit := m.until(ctx, op.writes, ns)
		op.stop(b)

		// A restart with a short resync: one reconcile of every unchanged
		// stack, then the periodic resyncs.
		op = startOperator(b, operatorConfig{mcr: settings.mcr, qps: -1, burst: -1, resync: 2 * time.Second})
		m = markCost(ctx, op.writes, ns)
		waitUntil(b, player, "every stack reconciled after the restart", func() (bool, string) {
			done := reconcileCounts().sub(m.rec).reconciles
			return done >= float64(n), fmt.Sprintf("%.0f of %d reconciled", done, n)
		})
		restart := m.until(ctx, op.writes, ns)
		m = markCost(ctx, op.writes, ns)
		time.Sleep(10 * time.Second)
		resync := m.until(ctx, op.writes, ns)
		op.stop(b)
		player.stop()
		clearNamespace(b, ns)

		perStack := func(c counts) float64 { return float64(c.total()) / float64(n) }
		resyncs := resync.rec.reconciles
		b.ReportMetric(perStack(creation.writes), "create-writes/stack")
		b.ReportMetric(float64(creation.writes.childWrites())/float64(n), "create-child-writes/stack")
		b.ReportMetric(perStack(creation.aws), "create-aws-calls/stack")
		b.ReportMetric(float64(creation.aws.mutating())/float64(n), "create-aws-mutating/stack")
		b.ReportMetric(float64(edit.writes.childWrites())/float64(n), "edit-child-writes/stack")
		b.ReportMetric(perStack(edit.writes), "edit-writes/stack")
		b.ReportMetric(float64(edit.aws.mutating())/float64(n), "edit-aws-mutating/stack")
		b.ReportMetric(float64(resync.writes.total())/resyncs, "resync-writes/reconcile")
		b.ReportMetric(float64(resync.aws.total())/resyncs, "resync-aws-calls/reconcile")
		b.ReportMetric(float64(resync.aws.mutating())/resyncs, "resync-aws-mutating/reconcile")
		b.Logf("%d seed stacks (%d children each), %s; load %s; CPU %s", n, childrenPerStack, defaultOperator(), loadAvg(), sampleCPU().since(cpu))
		b.Logf("a Ready seed stack as JSON: %s", sizes)
		for _, ph := range []struct {
			name string
			c    phaseCost
			per  float64
			unit string
		}{
			{"creation", creation, float64(n), "stack"},
			{"one-field edit", edit, float64(n), "stack"},
			{"restart", restart, float64(n), "stack"},
			{"resync", resync, resyncs, "reconcile"},
		} {
			per := int(ph.per)
			if per < 1 {
				per = 1
			}
			b.Logf("%s: %.0f reconciles (%.1f per %s, mean %s); per %s: %.2f writes (%.2f of children) [%s]; %.2f AWS calls (%.2f mutating) [%s]; %.2f events",
				ph.name, ph.c.rec.reconciles, ph.c.rec.reconciles/ph.per, ph.unit, ph.c.rec.mean().Round(time.Millisecond), ph.unit,
				float64(ph.c.writes.total())/ph.per, float64(ph.c.writes.childWrites())/ph.per, ph.c.writes.perStack(per),
				float64(ph.c.aws.total())/ph.per, float64(ph.c.aws.mutating())/ph.per, ph.c.aws.perStack(per), float64(ph.c.events)/ph.per)
		}
	}
}

// stackSizes describes the size of a Ready stack's object, part by part: what
// every status write sends, validates and stores.
func stackSizes(ctx context.Context, b *testing.B, ns string) string {
	b.Helper()
	var list v1alpha1.EventDrivenStackList
	if err := plane.k8s.List(ctx, &list, client.InNamespace(ns)); err != nil || len(list.Items) == 0 {
		b.Fatalf("listing stacks: %v", err)
	}
	s := list.Items[0]
	size := func(v any) int { j, _ := json.Marshal(v); return len(j) }
	managed := size(s.ManagedFields)
	s.ManagedFields = nil
	return fmt.Sprintf("%d bytes without managedFields (%d more with them): spec %d (workflow definitions %d), status %d (children %d, outputs %d, conditions %d)",
		size(&s), managed, size(s.Spec), size(s.Spec.Workflows), size(s.Status), size(s.Status.Children), size(s.Status.Outputs), size(s.Status.Conditions))
}
