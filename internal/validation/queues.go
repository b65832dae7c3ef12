package validation

// What SQS, SNS, EventBridge and Lambda refuse of FIFO queues and topics and
// of their KMS keys, checked at admission. Each rule and its page are listed
// in aws_constraints.md ("Queues and topics").

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
)

// fifoSuffix ends a FIFO queue's and topic's name, within its limit (SQS
// CreateQueue QueueName: "A FIFO queue name must end with the .fifo suffix",
// up to 80 characters; SNS CreateTopic Name: up to 256 characters, "For a
// FIFO topic, the name must end with the .fifo suffix").
const fifoSuffix = ".fifo"

// KMS key references SQS's KmsMasterKeyId and SNS's KmsMasterKeyId take: a
// key ID, a key ARN, an alias name or an alias ARN (SQS API,
// SetQueueAttributes/CreateQueue KmsMasterKeyId; SNS API, SetTopicAttributes
// KmsMasterKeyId: "The ID of an AWS managed customer master key (CMK) for
// Amazon SNS or a custom CMK"; KMS Developer Guide, "Key identifiers
// (KeyId)"). A key ID is a UUID, or mrk- and 32 hex digits for a
// multi-Region key; an alias name is alias/ and letters, digits, / _ -
// (KMS API, CreateAlias AliasName: pattern ^[a-zA-Z0-9/_-]+$, 1-256
// characters with the prefix).
var (
	kmsKeyID   = `([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})`
	kmsAlias   = `alias/[a-zA-Z0-9/_-]+`
	kmsKeyRef  = regexp.MustCompile(`^(` + kmsKeyID + `|` + kmsAlias + `)$`)
	kmsKeyARN  = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:(key/` + kmsKeyID + `|` + kmsAlias + `)$`)
	maxKMSName = 256 // an alias name, alias/ included
)

// kmsKeyProblem says what is wrong with a KMS key reference ("" if nothing).
func kmsKeyProblem(key string) string {
	if strings.HasPrefix(key, "arn:") {
		if !kmsKeyARN.MatchString(key) {
			return "not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>) nor an alias ARN (…:alias/<name>)"
		}
		key = key[strings.LastIndex(key, ":")+1:]
	} else if !kmsKeyRef.MatchString(key) {
		return "not a KMS key reference: a key ID (a UUID, or mrk- and 32 hex digits), a key ARN, an alias name (alias/<name>) or an alias ARN"
	}
	if strings.HasPrefix(key, "alias/") && len(key) > maxKMSName {
		return fmt.Sprintf("an alias name has at most %d characters, alias/ included", maxKMSName)
	}
	return ""
}

// queuesAndTopics checks the stack's queues and topics as SQS, SNS,
// EventBridge and Lambda would.
func (v *validator) queuesAndTopics(spec *field.Path) {
	s := v.spec
	fifo := map[string]bool{}
	for _, q := range s.Queues {
		fifo[q.Name] = q.Fifo
	}
	for i, q := range s.Queues {
		v.queue(spec.Child("queues").Index(i), q, fifo)
	}
	topicFifo := map[string]bool{}
	for i, t := range s.Topics {
		topicFifo[t.Name] = t.Fifo
		v.topic(spec.Child("topics").Index(i), t, fifo)
	}
	// EventBridge sends to a FIFO queue only with the MessageGroupId of the
	// target's SqsParameters (EventBridge API, PutTargets SqsParameters:
	// "Contains the message group ID to use when the target is a FIFO
	// queue"), and a FIFO topic needs one on every publish, which no SNS
	// target parameter carries.
	for i, r := range s.Rules {
		for j, t := range r.Targets {
			p := spec.Child("rules").Index(i).Child("targets").Index(j)
			switch {
			case t.Queue != "" && fifo[t.Queue] && t.MessageGroupID == "":
				v.errs = append(v.errs, field.Required(p.Child("messageGroupID"),
					"queue "+t.Queue+" is FIFO: EventBridge sends to a FIFO queue only with a message group ID (SqsParameters); name the group its events keep their order in"))
			case t.MessageGroupID != "" && t.Queue != "" && !fifo[t.Queue]:
				v.errs = append(v.errs, field.Invalid(p.Child("messageGroupID"), t.MessageGroupID,
					"queue "+t.Queue+" is a standard queue: a message group ID is for FIFO queues (SQS refuses MessageGroupId on a standard queue)"))
			}
			if t.Topic != "" && topicFifo[t.Topic] {
				v.errs = append(v.errs, field.Invalid(p.Child("topic"), t.Topic,
					"topic "+t.Topic+" is FIFO: SNS needs a message group ID on every publish to it, which EventBridge does not give; target a standard topic, or a FIFO queue with messageGroupID"))
			}
		}
	}
	for i, f := range s.Functions {
		p := spec.Child("functions").Index(i)
		// Lambda's dead-letter queue for asynchronous invocations is a
		// standard queue (Lambda Developer Guide, "Dead-letter queues":
		// an Amazon SQS standard queue or an SNS standard topic).
		if f.DeadLetterQueue != "" && fifo[f.DeadLetterQueue] {
			v.errs = append(v.errs, field.Invalid(p.Child("deadLetterQueue"), f.DeadLetterQueue,
				"queue "+f.DeadLetterQueue+" is FIFO: Lambda's dead-letter queue for asynchronous invocations must be a standard queue"))
		}
		for j, c := range f.Consumes {
			if !fifo[c.Queue] {
				continue
			}
			cp := p.Child("consumes").Index(j)
			// Lambda, "Using Lambda with Amazon SQS": for FIFO queues the
			// batch size is at most 10 and the batch window is not
			// supported (CreateEventSourceMapping refuses both).
			if c.BatchSize != nil && *c.BatchSize > 10 {
				v.errs = append(v.errs, field.Invalid(cp.Child("batchSize"), *c.BatchSize,
					"queue "+c.Queue+" is FIFO: Lambda takes at most 10 messages a batch from a FIFO queue"))
			}
			if c.MaximumBatchingWindowSeconds != nil && *c.MaximumBatchingWindowSeconds > 0 {
				v.errs = append(v.errs, field.Invalid(cp.Child("maximumBatchingWindowSeconds"), *c.MaximumBatchingWindowSeconds,
					"queue "+c.Queue+" is FIFO: Lambda supports no batching window on a FIFO queue"))
			}
		}
	}
}

func (v *validator) queue(p *field.Path, q v1alpha1.Queue, fifo map[string]bool) {
	// The suffix counts within SQS's 80 characters; awsNameLengths already
	// refused a name too long without it.
	if q.Fifo && len(v.spec.NamePrefix+q.Name) <= maxQueueName && len(v.spec.NamePrefix+q.Name+fifoSuffix) > maxQueueName {
		v.errs = append(v.errs, field.TooLong(p.Child("name"), q.Name, maxQueueName-len(v.spec.NamePrefix)-len(fifoSuffix)))
	}
	if !q.Fifo {
		// SQS refuses FIFO attributes on a standard queue
		// (InvalidAttributeName). The CRD's CEL rule says so too; here
		// for the CLI and for the field's name.
		for _, a := range []struct {
			name string
			set  bool
		}{{"contentBasedDeduplication", q.ContentBasedDeduplication}, {"deduplicationScope", q.DeduplicationScope != ""}, {"fifoThroughputLimit", q.FifoThroughputLimit != ""}} {
			if a.set {
				v.errs = append(v.errs, field.Forbidden(p.Child(a.name), "only a FIFO queue (fifo: true) takes "+a.name))
			}
		}
	}
	// SQS, "High throughput for FIFO queues": perMessageGroupId with
	// DeduplicationScope messageGroup; SQS refuses perMessageGroupId with
	// the queue scope (its default).
	if q.FifoThroughputLimit == "perMessageGroupId" && q.DeduplicationScope != "messageGroup" {
		v.errs = append(v.errs, field.Invalid(p.Child("fifoThroughputLimit"), q.FifoThroughputLimit,
			"perMessageGroupId (high throughput) needs deduplicationScope: messageGroup"))
	}
	// SQS, "Using dead-letter queues": "The dead-letter queue of a FIFO
	// queue must also be a FIFO queue. Similarly, the dead-letter queue of
	// a standard queue must also be a standard queue."
	if dl := q.DeadLetter; dl != nil {
		if dlFifo, ok := fifo[dl.Queue]; ok && dlFifo != q.Fifo {
			v.errs = append(v.errs, field.Invalid(p.Child("deadLetter", "queue"), dl.Queue,
				fmt.Sprintf("queue %s is %s and %s is %s: SQS requires a dead-letter queue of the same type as its source", q.Name, queueType(q.Fifo), dl.Queue, queueType(dlFifo))))
		}
	}
	// SQS, "Encryption at rest": SSE-SQS or SSE-KMS, not both
	// (SqsManagedSseEnabled with KmsMasterKeyId is refused).
	if q.KMSMasterKeyID != "" && q.SQSManagedSSEEnabled != nil && *q.SQSManagedSSEEnabled {
		v.errs = append(v.errs, field.Invalid(p.Child("sqsManagedSSEEnabled"), true,
			"a queue is encrypted with SQS-managed keys or with the KMS key kmsMasterKeyID names, not both"))
	}
	if q.KMSDataKeyReusePeriodSeconds != nil && q.KMSMasterKeyID == "" {
		v.errs = append(v.errs, field.Forbidden(p.Child("kmsDataKeyReusePeriodSeconds"), "applies to a KMS key: set kmsMasterKeyID"))
	}
	v.kmsKey(p.Child("kmsMasterKeyID"), q.KMSMasterKeyID)
}

func (v *validator) topic(p *field.Path, t v1alpha1.Topic, fifo map[string]bool) {
	if t.Fifo && len(v.spec.NamePrefix+t.Name) <= maxTopicName && len(v.spec.NamePrefix+t.Name+fifoSuffix) > maxTopicName {
		v.errs = append(v.errs, field.TooLong(p.Child("name"), t.Name, maxTopicName-len(v.spec.NamePrefix)-len(fifoSuffix)))
	}
	if !t.Fifo && t.ContentBasedDeduplication {
		v.errs = append(v.errs, field.Forbidden(p.Child("contentBasedDeduplication"), "only a FIFO topic (fifo: true) takes contentBasedDeduplication"))
	}
	v.kmsKey(p.Child("kmsMasterKeyID"), t.KMSMasterKeyID)
	for j, sub := range t.Subscriptions {
		sp := p.Child("subscriptions").Index(j)
		switch {
		case t.Fifo && sub.Protocol != "sqs":
			// SNS, "Message delivery for FIFO topics": FIFO topics
			// deliver to SQS queues only; subscribing email, SMS or
			// HTTP(S) endpoints fails.
			v.errs = append(v.errs, field.NotSupported(sp.Child("protocol"), sub.Protocol, []string{"sqs"}))
		case !t.Fifo && sub.Protocol == "sqs" && fifo[sub.Queue]:
			// SNS, "Amazon SNS FIFO topics": an SQS FIFO queue subscribes
			// to FIFO topics only. (A FIFO topic may deliver to a standard
			// queue, which SNS has accepted since 2023.)
			v.errs = append(v.errs, field.Invalid(sp.Child("queue"), sub.Queue,
				"queue "+sub.Queue+" is FIFO: SNS delivers to a FIFO queue from a FIFO topic only; make topic "+t.Name+" FIFO or the queue standard"))
		}
	}
}

// kmsKey checks a KMS key reference's shape, and that an ARN is of the
// stack's partition (a key of another partition cannot be used).
func (v *validator) kmsKey(p *field.Path, key string) {
	if key == "" {
		return
	}
	if problem := kmsKeyProblem(key); problem != "" {
		v.errs = append(v.errs, field.Invalid(p, key, problem))
		return
	}
	if partition := strings.SplitN(key, ":", 3); len(partition) == 3 && partition[0] == "arn" {
		if want := arns.Partition(v.spec.Region); partition[1] != want {
			v.errs = append(v.errs, field.Invalid(p, key, fmt.Sprintf(
				"the key is in partition %s; the stack's region %s is in partition %s, where that key cannot be used", partition[1], v.spec.Region, want)))
		}
	}
}

func queueType(fifo bool) string {
	if fifo {
		return "FIFO"
	}
	return "standard"
}
