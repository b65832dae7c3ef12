package controller_test

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// The API server refuses with the CRD's schema and CEL rules what SQS and
// SNS refuse of FIFO and encrypted queues and topics (the webhook's Go
// checks are tested in internal/validation): SQS's ranges, FIFO attributes
// on a standard queue or topic, both kinds of SSE, a data key reuse period
// without a key.
func TestQueueAndTopicSchemaRules(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		want   []string
	}{
		{"delay over 900 s", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].DelaySeconds = ptr.To[int32](901) },
			[]string{"spec.queues[0].delaySeconds", "less than or equal to 900"}},
		{"message size under 1024 bytes", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].MaximumMessageSize = ptr.To[int32](1023) },
			[]string{"spec.queues[0].maximumMessageSize", "greater than or equal to 1024"}},
		{"message size over 1 MiB", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].MaximumMessageSize = ptr.To[int32](1048577) },
			[]string{"spec.queues[0].maximumMessageSize", "less than or equal to 1048576"}},
		{"long polling over 20 s", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].ReceiveMessageWaitTimeSeconds = ptr.To[int32](21) },
			[]string{"spec.queues[0].receiveMessageWaitTimeSeconds", "less than or equal to 20"}},
		{"data key reuse under 60 s", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].KMSMasterKeyID, s.Queues[0].KMSDataKeyReusePeriodSeconds = "alias/orders", ptr.To[int32](59)
		}, []string{"spec.queues[0].kmsDataKeyReusePeriodSeconds", "greater than or equal to 60"}},
		{"unknown deduplication scope", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].Fifo, s.Queues[0].DeduplicationScope = true, "group"
		}, []string{"spec.queues[0].deduplicationScope", "Unsupported value"}},
		{"FIFO attributes on a standard queue", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].ContentBasedDeduplication = true },
			[]string{"spec.queues[0]", "are for FIFO queues"}},
		{"SSE-SQS and a KMS key", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].SQSManagedSSEEnabled, s.Queues[0].KMSMasterKeyID = ptr.To(true), "alias/orders"
		}, []string{"spec.queues[0]", "not both"}},
		{"a data key reuse period without a key", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].KMSDataKeyReusePeriodSeconds = ptr.To[int32](300)
		}, []string{"spec.queues[0]", "kmsDataKeyReusePeriodSeconds needs kmsMasterKeyID"}},
		{"content-based deduplication on a standard topic", func(s *v1alpha1.EventDrivenStackSpec) { s.Topics[0].ContentBasedDeduplication = true },
			[]string{"spec.topics[0]", "contentBasedDeduplication is for FIFO topics"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := seedStack(t, ns)
			stack.Name = fmt.Sprintf("bad-queue-%d", i)
			tc.mutate(&stack.Spec)
			err := k8s.Create(ctx, stack)
			refusedAsInvalid(t, err, tc.want...)
		})
	}
}

// A queue or topic cannot change between standard and FIFO: SQS and SNS fix
// the type at creation, and the AWS name (ACK's immutable queueName or
// name) changes with it.
func TestFifoIsImmutable(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Labels = map[string]string{directShardLabel: "direct"} // no reconcile needed
	if err := k8s.Create(ctx, stack); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		want   []string
	}{
		"queue": {func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[1].Fifo = true }, []string{"spec.queues[1]", "fifo is immutable"}},
		"topic": {func(s *v1alpha1.EventDrivenStackSpec) { s.Topics[0].Fifo = true }, []string{"spec.topics[0]", "fifo is immutable"}},
	} {
		t.Run(name, func(t *testing.T) {
			s := getStack(t, ns, stack.Name)
			tc.mutate(&s.Spec)
			err := k8s.Update(ctx, s)
			refusedAsInvalid(t, err, tc.want...)
		})
	}
	// The queue's other new fields may change.
	s := getStack(t, ns, stack.Name)
	s.Spec.Queues[1].DelaySeconds, s.Spec.Queues[1].KMSMasterKeyID = ptr.To[int32](10), "alias/orders"
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatalf("a mutable field was refused: %v", err)
	}
}
