package perf

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// defaultOperator is the operator as the tests run it: client-side throttling
// off (localcluster.Start), MaxConcurrentReconciles PERF_MCR (4, the flag's
// default), the production resync interval (5 minutes: no resync falls inside
// a run).
func defaultOperator() operatorConfig {
	return operatorConfig{mcr: settings.mcr, qps: -1, burst: -1, resync: 5 * time.Minute}
}

// BenchmarkThroughput measures, for N seed stacks, the operator's throughput
// as a ratio of the limit on this machine:
//
//   - raw: a plain client server-side-applies exactly the children the
//     operator ends up with for N stacks (rendered with the predicted ARNs,
//     same objects and sizes, PERF_RAW_WORKERS concurrent writers) into an
//     empty namespace: children/s;
//   - operator: operator.New in this process; N stacks are created (4
//     writers) while an ACK player marks every child ACK-synced as soon as it
//     appears. Children/s from the first stack created until every child
//     exists, and until every stack is Ready.
//
// Both in the same run, against the same API server.
func BenchmarkThroughput(b *testing.B) {
	for _, n := range settings.stacks {
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			benchThroughput(b, n, defaultOperator())
		})
	}
}

// BenchmarkThroughputTuning runs BenchmarkThroughput at 100 stacks (or the
// largest PERF_STACKS below it) with other MaxConcurrentReconciles and with
// client-side limits on, to show what they change.
func BenchmarkThroughputTuning(b *testing.B) {
	n := 100
	if v := envInts("PERF_TUNE_STACKS", nil); len(v) > 0 {
		n = v[0]
	}
	for _, mcr := range []int{1, 2, 4, 8, 16} {
		oc := defaultOperator()
		oc.mcr = mcr
		b.Run(fmt.Sprintf("mcr=%d/qps=off/stacks=%d", mcr, n), func(b *testing.B) { benchThroughput(b, n, oc) })
	}
	for _, q := range [][2]int{{50, 100}, {100, 200}, {200, 400}} {
		oc := defaultOperator()
		oc.qps, oc.burst = float32(q[0]), q[1]
		b.Run(fmt.Sprintf("mcr=%d/qps=%d/stacks=%d", oc.mcr, q[0], n), func(b *testing.B) { benchThroughput(b, n, oc) })
	}
}

// BenchmarkThroughputAWSLatency runs BenchmarkThroughput at 100 stacks with
// every fake AWS call answered after PERF_AWS_LATENCY (default 30ms, an
// assumption for EventBridge and Lambda control-plane calls from the same
// Region), with 4, 8 and 16 concurrent reconciles: how the operator does when
// AWS, not the API server's CPU, sets the pace.
func BenchmarkThroughputAWSLatency(b *testing.B) {
	controlPlane(b)
	latency := envDuration("PERF_AWS_LATENCY", 30*time.Millisecond)
	plane.fake.SetFault(localaws.Fault{Latency: latency})
	defer plane.fake.ClearFault()
	for _, mcr := range []int{4, 8, 16} {
		oc := defaultOperator()
		oc.mcr = mcr
		b.Run(fmt.Sprintf("mcr=%d/aws-latency=%s/stacks=100", mcr, latency), func(b *testing.B) { benchThroughput(b, 100, oc) })
	}
}

// BenchmarkRawApply is the raw client alone at 100 stacks (1,900 children)
// with 1 to 16 concurrent writers: which PERF_RAW_WORKERS gives the limit.
func BenchmarkRawApply(b *testing.B) {
	controlPlane(b)
	for _, workers := range []int{1, 2, 4, 8, 16} {
		b.Run(fmt.Sprintf("workers=%d/stacks=100", workers), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				run := newRun()
				ns := namespace(b, fmt.Sprintf("perf-%03d-raw", run))
				objs := renderComplete(b, seedStacks(b, ns, run, 100))
				cpu := sampleCPU()
				d := rawApply(b, objs, workers)
				used := sampleCPU().since(cpu)
				b.ReportMetric(float64(len(objs))/d.Seconds(), "children/s")
				b.ReportMetric(float64(used.children["kube-apiserver"]+used.children["etcd"])/float64(len(objs))/1e3, "apiserver+etcd-µs-cpu/child")
				b.Logf("raw apply, %d writers: %d children in %s; CPU %s; load %s", workers, len(objs), d.Round(time.Millisecond), used, loadAvg())
				clearNamespace(b, ns)
			}
		})
	}
}

func benchThroughput(b *testing.B, n int, oc operatorConfig) {
	controlPlane(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		run := newRun()
		want := childrenPerStack * n
		loadStart := loadAvg()

		// The limit: a plain client applies the same children.
		rawNS := namespace(b, fmt.Sprintf("perf-%03d-raw", run))
		objs := renderComplete(b, seedStacks(b, rawNS, run, n))
		cpu0 := sampleCPU()
		waitProfile := profileAPIServer(b, fmt.Sprintf("apiserver-raw-%d", n), 5*time.Second)
		rawD := rawApply(b, objs, settings.rawWorkers)
		waitProfile()
		rawCPU := sampleCPU().since(cpu0)
		rawRate := float64(len(objs)) / rawD.Seconds()
		clearNamespace(b, rawNS)

		// The operator.
		opNS := namespace(b, fmt.Sprintf("perf-%03d-op", run))
		op := startOperator(b, oc)
		player := startACKPlayer(b, opNS)
		awsBefore := awsCalls()
		recBefore := reconcileCounts()
		stacks := seedStacks(b, opNS, run, n)
		cpu1 := sampleCPU()
		waitProfile = profileAPIServer(b, fmt.Sprintf("apiserver-operator-%d", n), 20*time.Second)
		start := time.Now()
		createStacks(b, stacks)
		created := time.Since(start)
		waitUntil(b, player, "every child exists", func() (bool, string) {
			have := player.children()
			return have >= want, fmt.Sprintf("%d of %d children", have, want)
		})
		childrenD := time.Since(start)
		writesAtChildren := op.writes.snapshot()
		waitUntil(b, player, "every stack Ready", func() (bool, string) {
			ready, _ := player.ready(ctx)
			return ready >= n, fmt.Sprintf("%d of %d stacks Ready", ready, n)
		})
		readyD := time.Since(start)
		opCPU := sampleCPU().since(cpu1)
		waitProfile()
		writes := op.writes.snapshot()
		calls := awsCalls().sub(awsBefore)
		rec := reconcileCounts().sub(recBefore)
		marked, retried := player.marked.Load(), player.retried.Load()
		player.stop()
		op.stop(b)
		clearNamespace(b, opNS)

		opRate := float64(want) / childrenD.Seconds()
		readyRate := float64(want) / readyD.Seconds()
		b.ReportMetric(rawRate, "raw-children/s")
		b.ReportMetric(opRate, "children/s")
		b.ReportMetric(opRate/rawRate, "ratio-children")
		b.ReportMetric(readyRate, "ready-children/s")
		b.ReportMetric(readyRate/rawRate, "ratio-ready")
		b.ReportMetric(readyD.Seconds(), "s-to-ready")
		b.ReportMetric(float64(writes.total())/float64(n), "writes/stack")
		b.ReportMetric(float64(calls.total())/float64(n), "aws-calls/stack")
		b.ReportMetric(rec.reconciles/float64(n), "reconciles/stack")
		b.ReportMetric(opCPU.othersShare(readyD), "others-%")
		b.Logf("%d stacks, %s; load %s at start, %s at end", n, oc, loadStart, loadAvg())
		b.Logf("raw: %d children in %s = %.0f/s (%d writers); CPU %s", len(objs), rawD.Round(time.Millisecond), rawRate, settings.rawWorkers, rawCPU)
		b.Logf("operator: stacks created in %s; every child in %s = %.0f children/s (%.2f of raw); every stack Ready in %s = %.0f children/s (%.2f of raw)",
			created.Round(time.Millisecond), childrenD.Round(time.Millisecond), opRate, opRate/rawRate, readyD.Round(time.Millisecond), readyRate, readyRate/rawRate)
		b.Logf("operator: %.0f reconciles (%.0f errors, mean %s), writes until every child %d, until Ready %d, per stack: %s",
			rec.reconciles, rec.errors, rec.mean().Round(time.Millisecond), writesAtChildren.total(), writes.total(), writes.perStack(n))
		b.Logf("operator: AWS calls per stack %s", calls.perStack(n))
		b.Logf("operator phase CPU %s; ACK player: %d status writes, %d conflicts retried", opCPU, marked, retried)
	}
}
