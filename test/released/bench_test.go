package released

import (
	"fmt"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// awsModel is the latency model of docs/performance.md section 8, played by
// AWS itself here: a role usable by Lambda 3 s after CreateRole (IAM's
// eventual consistency), a function Pending for 5 s, an event source mapping
// Creating for 5 s, a table CREATING for 10 s.
var awsModel = localaws.Delays{RolePropagation: 3 * time.Second, FunctionCreate: 5 * time.Second, FunctionUpdate: 5 * time.Second,
	TableCreate: 10 * time.Second, TableUpdate: 3 * time.Second, MappingCreate: 5 * time.Second, MappingUpdate: 2 * time.Second}

// criticalPath is section 8's AWS-enforced path of the seed under the
// model: role 3 s → function 5 s → event source mapping 5 s. (Ready waits
// for less: ACK reports a mapping synced while it is still Creating, so the
// table's 10 s is the longest wait on Ready's own path.)
var criticalPath = awsModel.RolePropagation + awsModel.FunctionCreate + awsModel.MappingCreate

// runs numbers the benchmark's stacks across its runs: their AWS names are
// unique.
var runs int

// BenchmarkSeedTimeToReady measures the seed stack from creation to Ready
// with the six released ACK controllers against the local AWS under
// awsModel, and when ACK itself reports every child synced (its own
// requeues: a Pending function looked at again after 30 s, a CREATING table
// every 5 s). The stand-in's figure under the same per-kind latencies is
// section 8's (BenchmarkTimeToReady in test/perf).
//
//	go test ./test/released -run '^$' -bench SeedTimeToReady -benchtime 3x
func BenchmarkSeedTimeToReady(b *testing.B) {
	fake.SetDelays(awsModel)
	defer fake.SetDelays(delays)
	var released, ackSynced time.Duration
	for i := 0; i < b.N; i++ {
		runs++
		stack := seedStack(b, fmt.Sprintf("bench%d-", runs))
		start := time.Now()
		create(b, stack)
		d := time.Since(start)
		waitACKSynced(b, stack, 2*time.Minute)
		released, ackSynced = released+d, ackSynced+time.Since(start)
		b.Logf("released controllers: Ready in %s, every child synced by ACK in %s", d.Round(10*time.Millisecond), time.Since(start).Round(10*time.Millisecond))
	}
	n := float64(b.N)
	b.ReportMetric(released.Seconds()/n, "s-to-ready-released")
	b.ReportMetric(ackSynced.Seconds()/n, "s-ack-synced-released")
	b.ReportMetric(criticalPath.Seconds(), "s-critical-path")
	b.ReportMetric(released.Seconds()/n/criticalPath.Seconds(), "x-critical-path-released")
}
