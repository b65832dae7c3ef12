package validation_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// fifoBase is a valid stack of FIFO and standard queues and topics: jobs.fifo
// with its FIFO dead-letter queue, a standard queue, a FIFO topic delivering
// to both kinds of queue, a standard topic, and a function consuming the FIFO
// queue. Each case below changes one thing.
func fifoBase() *v1alpha1.EventDrivenStack {
	fn := zipFunction("worker")
	fn.Consumes = []v1alpha1.QueueConsumer{{Queue: "jobs", BatchSize: ptr.To[int64](10)}}
	return &v1alpha1.EventDrivenStack{Spec: v1alpha1.EventDrivenStackSpec{
		Region: "eu-west-1",
		Queues: []v1alpha1.Queue{
			{Name: "jobs", Fifo: true, ContentBasedDeduplication: true, DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId",
				KMSMasterKeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", KMSDataKeyReusePeriodSeconds: ptr.To[int32](300),
				DeadLetter: &v1alpha1.DeadLetter{Queue: "jobs-dlq", MaxReceiveCount: 3}},
			{Name: "jobs-dlq", Fifo: true, SQSManagedSSEEnabled: ptr.To(true)},
			{Name: "plain", DelaySeconds: ptr.To[int32](900), MaximumMessageSize: ptr.To[int32](1048576), ReceiveMessageWaitTimeSeconds: ptr.To[int32](20),
				KMSMasterKeyID: "alias/aws/sqs", SQSManagedSSEEnabled: ptr.To(false)},
		},
		Topics: []v1alpha1.Topic{
			{Name: "events", Fifo: true, ContentBasedDeduplication: true, KMSMasterKeyID: "arn:aws:kms:eu-west-1:123456789012:alias/events",
				Subscriptions: []v1alpha1.Subscription{{Protocol: "sqs", Queue: "jobs"}, {Protocol: "sqs", Queue: "plain"}}},
			{Name: "news", KMSMasterKeyID: "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
				Subscriptions: []v1alpha1.Subscription{{Protocol: "sqs", Queue: "plain"}, {Protocol: "email", Endpoint: "ops@example.com"}}},
		},
		Functions: []v1alpha1.Function{fn},
	}}
}

func TestFifoBaseIsValid(t *testing.T) {
	if errs := validation.Validate(fifoBase()); len(errs) > 0 {
		t.Fatalf("the base stack is refused:\n%v", errs.ToAggregate())
	}
}

// Each change makes Validate report exactly the listed errors, at the field
// that is wrong.
func TestQueueAndTopicRules(t *testing.T) {
	s80 := strings.Repeat("q", 76) // 76 + ".fifo" = 81 characters
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		want   []wantErr
	}{
		{"a FIFO queue's name with .fifo over 80 characters", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[1].Name, s.Queues[0].DeadLetter.Queue = s80, s80
		}, []wantErr{{field.ErrorTypeTooLong, "spec.queues[1].name", "75"}}},
		{"the same with a prefix", func(s *v1alpha1.EventDrivenStackSpec) {
			s.NamePrefix = "dev-"
			s.Queues[1].Name, s.Queues[0].DeadLetter.Queue = s80[4:], s80[4:]
		}, []wantErr{{field.ErrorTypeTooLong, "spec.queues[1].name", "71"}}},
		{"a FIFO topic's name with .fifo over 256 characters", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Name = strings.Repeat("t", 252)
		}, []wantErr{{field.ErrorTypeTooLong, "spec.topics[0].name", "251"}}},
		{"FIFO attributes on a standard queue", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[2].ContentBasedDeduplication, s.Queues[2].DeduplicationScope, s.Queues[2].FifoThroughputLimit = true, "queue", "perQueue"
		}, []wantErr{
			{field.ErrorTypeForbidden, "spec.queues[2].contentBasedDeduplication", "only a FIFO queue"},
			{field.ErrorTypeForbidden, "spec.queues[2].deduplicationScope", "only a FIFO queue"},
			{field.ErrorTypeForbidden, "spec.queues[2].fifoThroughputLimit", "only a FIFO queue"},
		}},
		{"high throughput without message-group deduplication", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].DeduplicationScope = ""
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[0].fifoThroughputLimit", "needs deduplicationScope: messageGroup"}}},
		{"a FIFO queue's dead-letter queue is standard", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[1].Fifo = false
			s.Topics[0].Subscriptions = s.Topics[0].Subscriptions[:1]
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[0].deadLetter.queue", "jobs is FIFO and jobs-dlq is standard"}}},
		{"a standard queue's dead-letter queue is FIFO", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[2].DeadLetter = &v1alpha1.DeadLetter{Queue: "jobs-dlq", MaxReceiveCount: 1}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[2].deadLetter.queue", "plain is standard and jobs-dlq is FIFO"}}},
		{"SSE-SQS and a KMS key", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].SQSManagedSSEEnabled = ptr.To(true)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[0].sqsManagedSSEEnabled", "not both"}}},
		{"a data key reuse period without a key", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[1].KMSDataKeyReusePeriodSeconds = ptr.To[int32](60)
		}, []wantErr{{field.ErrorTypeForbidden, "spec.queues[1].kmsDataKeyReusePeriodSeconds", "set kmsMasterKeyID"}}},
		{"a key that is no key reference", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].KMSMasterKeyID = "my-key"
			s.Topics[1].KMSMasterKeyID = "1234ABCD-12AB-34CD-56EF-1234567890AB"
		}, []wantErr{
			{field.ErrorTypeInvalid, "spec.queues[0].kmsMasterKeyID", "not a KMS key reference"},
			{field.ErrorTypeInvalid, "spec.topics[1].kmsMasterKeyID", "not a KMS key reference"},
		}},
		{"a KMS ARN that names no key nor alias", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].KMSMasterKeyID = "arn:aws:kms:eu-west-1:123456789012:grant/1234"
			s.Topics[0].KMSMasterKeyID = "arn:aws:sqs:eu-west-1:123456789012:alias/events"
		}, []wantErr{
			{field.ErrorTypeInvalid, "spec.queues[0].kmsMasterKeyID", "not a KMS key ARN"},
			{field.ErrorTypeInvalid, "spec.topics[0].kmsMasterKeyID", "not a KMS key ARN"},
		}},
		{"an alias name with a character KMS refuses", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[2].KMSMasterKeyID = "alias/my key"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[2].kmsMasterKeyID", "not a KMS key reference"}}},
		{"an alias name over 256 characters", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[2].KMSMasterKeyID = "alias/" + strings.Repeat("k", 251)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[2].kmsMasterKeyID", "at most 256"}}},
		{"a key of another partition", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[1].KMSMasterKeyID = "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[1].kmsMasterKeyID", "partition aws-cn"}}},
		{"contentBasedDeduplication on a standard topic", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[1].ContentBasedDeduplication = true
		}, []wantErr{{field.ErrorTypeForbidden, "spec.topics[1].contentBasedDeduplication", "only a FIFO topic"}}},
		{"a FIFO topic with an email subscription", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = append(s.Topics[0].Subscriptions, v1alpha1.Subscription{Protocol: "email", Endpoint: "ops@example.com"})
		}, []wantErr{{field.ErrorTypeNotSupported, "spec.topics[0].subscriptions[2].protocol", `"email"`}}},
		{"a standard topic delivering to a FIFO queue", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[1].Subscriptions[0].Queue = "jobs"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[1].subscriptions[0].queue", "jobs is FIFO"}}},
		{"a rule targeting a FIFO queue and a FIFO topic", func(s *v1alpha1.EventDrivenStackSpec) {
			s.EventBus = &v1alpha1.EventBus{Name: "bus"}
			s.Rules = []v1alpha1.Rule{{Name: "r", EventPattern: rawJSON(`{"source":["shop"]}`),
				Targets: []v1alpha1.RuleTarget{{Queue: "jobs"}, {Topic: "events"}, {Queue: "plain"}, {Topic: "news"}}}}
		}, []wantErr{
			{field.ErrorTypeRequired, "spec.rules[0].targets[0].messageGroupID", "jobs is FIFO"},
			{field.ErrorTypeInvalid, "spec.rules[0].targets[1].topic", "message group ID"},
		}},
		{"a message group on a standard queue target", func(s *v1alpha1.EventDrivenStackSpec) {
			s.EventBus = &v1alpha1.EventBus{Name: "bus"}
			s.Rules = []v1alpha1.Rule{{Name: "r", EventPattern: rawJSON(`{"source":["shop"]}`),
				Targets: []v1alpha1.RuleTarget{{Queue: "jobs", MessageGroupID: "orders"}, {Queue: "plain", MessageGroupID: "orders"}}}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.rules[0].targets[1].messageGroupID", "plain is a standard queue"}}},
		{"a FIFO queue as a function's dead-letter queue", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].DeadLetterQueue = "jobs-dlq"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].deadLetterQueue", "must be a standard queue"}}},
		{"a batch over 10 or a batching window on a FIFO queue", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Consumes[0].BatchSize = ptr.To[int64](11)
			s.Functions[0].Consumes[0].MaximumBatchingWindowSeconds = ptr.To[int64](1)
		}, []wantErr{
			{field.ErrorTypeInvalid, "spec.functions[0].consumes[0].batchSize", "at most 10"},
			{field.ErrorTypeInvalid, "spec.functions[0].consumes[0].maximumBatchingWindowSeconds", "no batching window"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stack := fifoBase()
			c.mutate(&stack.Spec)
			expectErrors(t, validation.Validate(stack), c.want)
		})
	}
}

// At the limits AWS allows, nothing is refused: a FIFO name of exactly 80
// characters, every form of key reference, a FIFO topic delivering to a
// standard queue, a batching window of 0 on a FIFO queue.
func TestQueueAndTopicLimitsAccepted(t *testing.T) {
	cases := map[string]func(s *v1alpha1.EventDrivenStackSpec){
		"a FIFO queue name of 75 characters (80 with .fifo)": func(s *v1alpha1.EventDrivenStackSpec) {
			n := strings.Repeat("q", 75)
			s.Queues[1].Name, s.Queues[0].DeadLetter.Queue = n, n
		},
		"a standard queue name of 80 characters": func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[2].Name = strings.Repeat("q", 80)
			s.Topics[0].Subscriptions[1].Queue, s.Topics[1].Subscriptions[0].Queue = s.Queues[2].Name, s.Queues[2].Name
		},
		"a key ARN": func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].KMSMasterKeyID = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		},
		"an alias name of 256 characters": func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].KMSMasterKeyID = "alias/" + strings.Repeat("k", 250)
		},
		"a multi-Region key ID": func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].KMSMasterKeyID = "mrk-1234abcd12ab34cd56ef1234567890ab"
		},
		"a GovCloud key in a GovCloud stack": func(s *v1alpha1.EventDrivenStackSpec) {
			s.Region = "us-gov-west-1"
			s.Topics[0].KMSMasterKeyID = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/events"
			s.Topics[1].KMSMasterKeyID = ""
		},
		"a batching window of 0 on a FIFO queue": func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Consumes[0].MaximumBatchingWindowSeconds = ptr.To[int64](0)
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			stack := fifoBase()
			mutate(&stack.Spec)
			if errs := validation.Validate(stack); len(errs) > 0 {
				t.Fatalf("refused:\n%v", errs.ToAggregate())
			}
		})
	}
}
