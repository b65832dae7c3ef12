// Package seed loads the seed stack (config/samples), every name and setting
// of ../shared/seed/event-driven-stack.md, and the sample beyond it that uses
// each building block of the API, for tests and benchmarks.
package seed

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// Stack reads the seed stack, refusing any field the API types do not know,
// and places it in a namespace.
func Stack(t testing.TB, namespace string) *v1alpha1.EventDrivenStack {
	t.Helper()
	return Load(t, localcluster.SeedPath(), namespace)
}

// BuildingBlocksPath is the sample beyond the seed: FIFO queues and topics,
// encryption, table indexes, TTL, PITR and streams, a stream consumer,
// functions' concurrency, storage and logging, and targets' input, retry,
// dead-letter queue and other bus.
func BuildingBlocksPath() string {
	return filepath.Join(localcluster.RepoRoot(), "config", "samples", "stacks_v1alpha1_eventdrivenstack_building_blocks.yaml")
}

// BuildingBlocks reads the building blocks sample (BuildingBlocksPath) as
// Stack reads the seed.
func BuildingBlocks(t testing.TB, namespace string) *v1alpha1.EventDrivenStack {
	t.Helper()
	return Load(t, BuildingBlocksPath(), namespace)
}

// Load reads a sample stack from path, refusing any field the API types do
// not know, and places it in a namespace.
func Load(t testing.TB, path, namespace string) *v1alpha1.EventDrivenStack {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the sample: %v", err)
	}
	stack := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict(data, stack); err != nil {
		t.Fatalf("decoding %s strictly: %v", filepath.Base(path), err)
	}
	stack.Namespace = namespace
	return stack
}

// ChildNames are the seed stack's 38 ACK children (its 19 default alarms
// among them), Kind/name, sorted: what the operator and kubectl eds render
// make of it, for the tests that check the whole set.
var ChildNames = []string{
	"EventSourceMapping/event-driven-stack.event-inventory-processor.inventory-queue",
	"EventSourceMapping/event-driven-stack.event-order-processor.order-queue",
	"Function/event-driven-stack.event-inventory-processor",
	"Function/event-driven-stack.event-notification-processor",
	"Function/event-driven-stack.event-order-processor",
	"MetricAlarm/event-driven-stack.event-driven-inventory-read-throttles",
	"MetricAlarm/event-driven-stack.event-driven-inventory-write-throttles",
	"MetricAlarm/event-driven-stack.event-driven-orders-read-throttles",
	"MetricAlarm/event-driven-stack.event-driven-orders-write-throttles",
	"MetricAlarm/event-driven-stack.event-driven-workflow-executions-failed",
	"MetricAlarm/event-driven-stack.event-driven-workflow-executions-timed-out",
	"MetricAlarm/event-driven-stack.event-inventory-processor-errors",
	"MetricAlarm/event-driven-stack.event-inventory-processor-throttles",
	"MetricAlarm/event-driven-stack.event-notification-processor-errors",
	"MetricAlarm/event-driven-stack.event-notification-processor-throttles",
	"MetricAlarm/event-driven-stack.event-order-processor-errors",
	"MetricAlarm/event-driven-stack.event-order-processor-throttles",
	"MetricAlarm/event-driven-stack.events--dlq-messages-visible",
	"MetricAlarm/event-driven-stack.inventory-dlq-messages-visible",
	"MetricAlarm/event-driven-stack.inventory-events-rule-failed-invocations",
	"MetricAlarm/event-driven-stack.notification-events-rule-failed-invocations",
	"MetricAlarm/event-driven-stack.order-dlq-messages-visible",
	"MetricAlarm/event-driven-stack.order-events-rule-failed-invocations",
	"MetricAlarm/event-driven-stack.workflow-events-rule-failed-invocations",
	"Queue/event-driven-stack.events--dlq",
	"Queue/event-driven-stack.inventory-dlq",
	"Queue/event-driven-stack.inventory-queue",
	"Queue/event-driven-stack.order-dlq",
	"Queue/event-driven-stack.order-queue",
	"Role/event-driven-stack.event-driven-workflow",
	"Role/event-driven-stack.event-driven-workflow--events",
	"Role/event-driven-stack.event-inventory-processor",
	"Role/event-driven-stack.event-notification-processor",
	"Role/event-driven-stack.event-order-processor",
	"StateMachine/event-driven-stack.event-driven-workflow",
	"Table/event-driven-stack.event-driven-inventory",
	"Table/event-driven-stack.event-driven-orders",
	"Topic/event-driven-stack.event-notifications",
}
