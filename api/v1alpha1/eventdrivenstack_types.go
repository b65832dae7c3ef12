package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeletionPolicy says what happens to the AWS resources when the stack is deleted.
// +kubebuilder:validation:Enum=Delete;Retain
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the AWS resources with the stack.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyRetain keeps the AWS resources when the stack is deleted:
	// every ACK child carries ACK's retain annotation.
	DeletionPolicyRetain DeletionPolicy = "Retain"
)

// AdoptionPolicy says whether existing AWS resources with the stack's names are adopted.
// +kubebuilder:validation:Enum=None;AdoptOrCreate
type AdoptionPolicy string

const (
	// AdoptionNone creates every AWS resource; a name already taken in AWS fails.
	AdoptionNone AdoptionPolicy = "None"
	// AdoptionAdoptOrCreate adopts an AWS resource that already exists under the
	// stack's name (ACK's adopt-or-create policy) and creates the others.
	AdoptionAdoptOrCreate AdoptionPolicy = "AdoptOrCreate"
)

// EventDrivenStackSpec describes a whole event-driven system: an event bus and
// its rules, queues, topics, tables, functions and workflows. Components refer to
// each other by name; every reference must resolve within the stack.
//
// The API server checks references between lists with the CEL rules below.
// References inside free text (a workflow's ASL definition, outputs) cannot be
// checked in CEL within its cost budget; the validating webhook checks them
// with the same Go code the controller and the CLI run (Validate).
//
// +kubebuilder:validation:XValidation:rule="has(self.namePrefix) == has(oldSelf.namePrefix) && (!has(self.namePrefix) || self.namePrefix == oldSelf.namePrefix)",message="namePrefix is immutable: it is part of every AWS name",fieldPath=".namePrefix"
// +kubebuilder:validation:XValidation:rule="!has(self.functions) || !has(self.workflows) || self.functions.all(f, !self.workflows.exists(w, w.name == f.name))",message="a function and a workflow may not share a name: each gets an IAM role named after it",fieldPath=".workflows"
// +kubebuilder:validation:XValidation:rule="!has(self.functions) || self.functions.all(f, !has(f.uses) || !has(f.uses.tables) || f.uses.tables.all(u, has(self.tables) && self.tables.exists(t, t.name == u.name)))",message="functions[].uses.tables[].name must name a table in spec.tables",fieldPath=".functions"
// +kubebuilder:validation:XValidation:rule="!has(self.functions) || self.functions.all(f, !has(f.uses) || !has(f.uses.topics) || f.uses.topics.all(u, has(self.topics) && self.topics.exists(t, t.name == u.name)))",message="functions[].uses.topics[].name must name a topic in spec.topics",fieldPath=".functions"
// +kubebuilder:validation:XValidation:rule="!has(self.functions) || self.functions.all(f, !has(f.uses) || !has(f.uses.queues) || f.uses.queues.all(u, has(self.queues) && self.queues.exists(q, q.name == u.name)))",message="functions[].uses.queues[].name must name a queue in spec.queues",fieldPath=".functions"
// +kubebuilder:validation:XValidation:rule="!has(self.functions) || self.functions.all(f, !has(f.consumes) || f.consumes.all(c, has(self.queues) && self.queues.exists(q, q.name == c.queue)))",message="functions[].consumes[].queue must name a queue in spec.queues",fieldPath=".functions"
// +kubebuilder:validation:XValidation:rule="!has(self.functions) || self.functions.all(f, !has(f.deadLetterQueue) || (has(self.queues) && self.queues.exists(q, q.name == f.deadLetterQueue)))",message="functions[].deadLetterQueue must name a queue in spec.queues",fieldPath=".functions"
// +kubebuilder:validation:XValidation:rule="!has(self.topics) || self.topics.all(t, !has(t.subscriptions) || t.subscriptions.all(s, !has(s.queue) || (has(self.queues) && self.queues.exists(q, q.name == s.queue))))",message="topics[].subscriptions[].queue must name a queue in spec.queues",fieldPath=".topics"
// +kubebuilder:validation:XValidation:rule="!has(self.rules) || has(self.eventBus)",message="rules need an eventBus",fieldPath=".rules"
// +kubebuilder:validation:XValidation:rule="!has(self.rules) || self.rules.all(r, r.targets.all(t, (!has(t.function) || (has(self.functions) && self.functions.exists(f, f.name == t.function))) && (!has(t.workflow) || (has(self.workflows) && self.workflows.exists(w, w.name == t.workflow))) && (!has(t.queue) || (has(self.queues) && self.queues.exists(q, q.name == t.queue))) && (!has(t.topic) || (has(self.topics) && self.topics.exists(p, p.name == t.topic)))))",message="rules[].targets[] must name a function, workflow, queue or topic of this stack",fieldPath=".rules"
type EventDrivenStackSpec struct {
	// Region is the AWS region of every resource of the stack. It cannot change:
	// moving a stack between regions means creating a new one.
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-[a-z]+)+-[0-9]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="region is immutable"
	Region string `json:"region"`

	// NamePrefix is put before every AWS name, so that one account can hold
	// several copies of a stack. It cannot change once set. Up to 48
	// characters, so that a platform can require the namespace's name
	// ("{namespace}-", docs/multi-tenancy.md); each AWS name must still fit
	// its service's limit with it.
	// +optional
	// +kubebuilder:validation:MaxLength=48
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*)?$`
	NamePrefix string `json:"namePrefix,omitempty"`

	// DeletionPolicy says whether deleting the stack deletes its AWS resources
	// (Delete) or leaves them in place (Retain).
	// +kubebuilder:default=Delete
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// Adoption makes the stack adopt AWS resources that already exist under its
	// names, through ACK's adoption annotations, instead of failing on them.
	// +optional
	Adoption *Adoption `json:"adoption,omitempty"`

	// Tags are put on every AWS resource that takes tags, with the tag
	// eventstack.io/stack naming the stack.
	// +optional
	// +kubebuilder:validation:MaxProperties=40
	Tags map[string]string `json:"tags,omitempty"`

	// EventBus is the stack's custom EventBridge bus. Its name cannot change.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.name == oldSelf.name",message="eventBus.name is immutable: remove the bus and add another instead"
	EventBus *EventBus `json:"eventBus,omitempty"`

	// Rules route events from the bus to the stack's components.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=50
	Rules []Rule `json:"rules,omitempty"`

	// Queues are SQS queues, standard or FIFO.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=50
	// +kubebuilder:validation:XValidation:rule="self.all(q, !has(q.deadLetter) || self.exists(d, d.name == q.deadLetter.queue && d.name != q.name && !has(d.deadLetter)))",message="queues[].deadLetter.queue must name another queue of this stack, one that has no deadLetter itself"
	Queues []Queue `json:"queues,omitempty"`

	// Topics are SNS topics, standard or FIFO.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Topics []Topic `json:"topics,omitempty"`

	// Tables are DynamoDB tables.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Tables []Table `json:"tables,omitempty"`

	// Functions are Lambda functions.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=30
	Functions []Function `json:"functions,omitempty"`

	// Workflows are Step Functions state machines.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10
	Workflows []Workflow `json:"workflows,omitempty"`

	// Alarms are the stack's CloudWatch alarms, on by default (alarms_types.go).
	// +optional
	Alarms *Alarms `json:"alarms,omitempty"`

	// Outputs are named values published in status.outputs, like a
	// CloudFormation stack's outputs. Values may hold ${kind:name[.attr]}
	// references, for example ${table:event-driven-orders.name}.
	// +optional
	// +kubebuilder:validation:MaxProperties=30
	Outputs map[string]string `json:"outputs,omitempty"`
}

// Adoption configures adoption of existing AWS resources.
type Adoption struct {
	// Policy is None (create everything) or AdoptOrCreate.
	// +kubebuilder:default=None
	// +optional
	Policy AdoptionPolicy `json:"policy,omitempty"`

	// AccountID is the AWS account that holds the resources. ACK finds queues,
	// topics and state machines by URL or ARN, both of which contain it.
	// +kubebuilder:validation:Pattern=`^[0-9]{12}$`
	AccountID string `json:"accountID"`

	// AdoptRoles lets AdoptOrCreate adopt the IAM roles that already exist
	// under the stack's role names too. Adopting a role is authoritative:
	// ACK's iam controller then detaches every managed policy and deletes
	// every inline policy of the role that the stack does not declare. Off by
	// default: an existing role is reported as a name taken in AWS.
	// +optional
	AdoptRoles bool `json:"adoptRoles,omitempty"`
}

// EventBus is a custom EventBridge event bus. It belongs to the stack: the
// operator creates it and its rules, and removes rules on it that the spec does
// not name (unless the stack adopts existing resources).
type EventBus struct {
	// Name of the bus (before namePrefix).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+(-[a-z0-9]+)*$`
	Name string `json:"name"`

	// Archive keeps the events put on the bus (those its pattern matches)
	// in an EventBridge archive named <namePrefix><name>-archive, so that
	// they can be replayed to the rules (kubectl eds replay). The operator
	// creates it, repairs it when changed outside the stack, and deletes it
	// with the stack (unless deletionPolicy is Retain) or when it is taken
	// out of the spec.
	// +optional
	Archive *EventArchive `json:"archive,omitempty"`
}

// EventArchive is the archive of a stack's bus.
type EventArchive struct {
	// RetentionDays is how long the archive keeps an event; 0 keeps them
	// indefinitely.
	// +kubebuilder:validation:Minimum=0
	// +optional
	RetentionDays int32 `json:"retentionDays,omitempty"`

	// EventPattern selects the events archived, as a rule's pattern does;
	// without it every event put on the bus is archived.
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:MinProperties=1
	// +optional
	EventPattern *apiextensionsv1.JSON `json:"eventPattern,omitempty"`
}

// RuleState is whether a rule routes events.
// +kubebuilder:validation:Enum=ENABLED;DISABLED
type RuleState string

// Rule is an EventBridge rule: on the stack's bus, matching events by
// eventPattern; or, with schedule, run on a schedule on the account's default
// event bus, the only bus where EventBridge runs scheduled rules.
// +kubebuilder:validation:XValidation:rule="has(self.eventPattern) != has(self.schedule)",message="a rule has an eventPattern or a schedule, not both (EventBridge runs a scheduled rule on the default bus, matching no events)",fieldPath=".schedule"
type Rule struct {
	// Name of the rule (before namePrefix).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=48
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+(-[a-z0-9]+)*$`
	Name string `json:"name"`

	// Description of the rule.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Description string `json:"description,omitempty"`

	// EventPattern is the EventBridge event pattern, as an object: each field
	// maps to an array of values or matchers, or to a nested object.
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:MinProperties=1
	// +optional
	EventPattern *apiextensionsv1.JSON `json:"eventPattern,omitempty"`

	// Schedule runs the rule's targets on a schedule: rate(5 minutes),
	// rate(1 hour), or cron(minutes hours day-of-month month day-of-week
	// year), in UTC. EventBridge runs scheduled rules only on the account's
	// default event bus: the operator puts this rule there, named
	// <namePrefix><name>, and removes it with the stack.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(rate|cron)\(.*\)$`
	Schedule string `json:"schedule,omitempty"`

	// State is ENABLED or DISABLED.
	// +kubebuilder:default=ENABLED
	// +optional
	State RuleState `json:"state,omitempty"`

	// Targets are the components that receive the matched events (at most 5).
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=5
	Targets []RuleTarget `json:"targets"`

	// Retry is how EventBridge retries delivery to the targets before it
	// sends the event to the stack's EventBridge dead-letter queue.
	// +optional
	Retry *RetryPolicy `json:"retry,omitempty"`
}

// Pattern is the rule's event pattern as JSON; nil for a scheduled rule.
func (r *Rule) Pattern() []byte {
	if r.EventPattern == nil {
		return nil
	}
	return r.EventPattern.Raw
}

// RetryPolicy is EventBridge's retry policy of a target.
type RetryPolicy struct {
	// MaximumRetryAttempts (default 185, EventBridge's own).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=185
	// +optional
	MaximumRetryAttempts *int32 `json:"maximumRetryAttempts,omitempty"`
	// MaximumEventAgeSeconds (default 86400, EventBridge's own).
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=86400
	// +optional
	MaximumEventAgeSeconds *int32 `json:"maximumEventAgeSeconds,omitempty"`
}

// RuleTarget names exactly one component of the stack.
// +kubebuilder:validation:XValidation:rule="[has(self.function), has(self.workflow), has(self.queue), has(self.topic), has(self.eventBusARN)].filter(x, x).size() == 1",message="a target names exactly one of function, workflow, queue, topic or eventBusARN"
// +kubebuilder:validation:XValidation:rule="!has(self.messageGroupID) || has(self.queue)",message="messageGroupID is for a FIFO queue target",fieldPath=".messageGroupID"
// +kubebuilder:validation:XValidation:rule="!has(self.inputPath) || !has(self.inputTransformer)",message="a target takes inputPath or inputTransformer, not both (EventBridge: \"Only one of Input, InputPath, or InputTransformer must be provided\")"
type RuleTarget struct {
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Function string `json:"function,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=80
	Workflow string `json:"workflow,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=80
	Queue string `json:"queue,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=80
	Topic string `json:"topic,omitempty"`
	// EventBusARN is another event bus, of this account or another, to put
	// the events on; the operator generates the role EventBridge assumes to
	// do it (events:PutEvents on that bus only).
	// +optional
	// +kubebuilder:validation:MaxLength=1600
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[/\.\-_A-Za-z0-9]+$`
	EventBusARN string `json:"eventBusARN,omitempty"`

	// InputPath gives the target the part of the event at this JSONPath
	// ($.detail, $.detail.items[0]) instead of the whole event.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	InputPath string `json:"inputPath,omitempty"`

	// InputTransformer gives the target an input made from a template.
	// +optional
	InputTransformer *InputTransformer `json:"inputTransformer,omitempty"`

	// Retry is how EventBridge retries this target, in place of the rule's.
	// +optional
	Retry *RetryPolicy `json:"retry,omitempty"`

	// DeadLetterQueue is a standard queue of the stack that gets the events
	// EventBridge could not deliver to this target, in place of the stack's
	// EventBridge dead-letter queue.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	DeadLetterQueue string `json:"deadLetterQueue,omitempty"`

	// MessageGroupID is the message group the events take on a FIFO queue
	// target (EventBridge's SqsParameters): required for a FIFO queue, which
	// delivers a group's messages in order; EventBridge deduplicates by the
	// event's id unless the queue deduplicates by content.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[!-~]+$`
	MessageGroupID string `json:"messageGroupID,omitempty"`
}

// InputTransformer is EventBridge's input transformer: each <name> of the
// template becomes the value at inputPathsMap's path of the event, or a
// predefined value (aws.events.rule-arn, aws.events.rule-name,
// aws.events.event, aws.events.event.json, aws.events.event.ingestion-time).
type InputTransformer struct {
	// InputPathsMap names JSONPaths of the event (at most 100).
	// +optional
	// +kubebuilder:validation:MaxProperties=100
	InputPathsMap map[string]string `json:"inputPathsMap,omitempty"`

	// InputTemplate is the input, with <name> placeholders: JSON (an object,
	// an array or a string) or text.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=8192
	InputTemplate string `json:"inputTemplate"`
}

// Queue is an SQS queue: a standard queue, or a FIFO queue with fifo.
//
// The FIFO-only attributes are refused on a standard queue (SQS answers
// InvalidAttributeName), and a queue cannot change between standard and FIFO:
// SQS fixes FifoQueue at creation, and the queue's name changes with it.
// +kubebuilder:validation:XValidation:rule="(has(self.fifo) && self.fifo) || (!(has(self.contentBasedDeduplication) && self.contentBasedDeduplication) && !has(self.deduplicationScope) && !has(self.fifoThroughputLimit))",message="contentBasedDeduplication, deduplicationScope and fifoThroughputLimit are for FIFO queues (fifo: true)"
// +kubebuilder:validation:XValidation:rule="(has(self.fifo) && self.fifo) == (has(oldSelf.fifo) && oldSelf.fifo)",message="fifo is immutable: SQS fixes a queue's type at creation (and a FIFO queue's name ends in .fifo)"
// +kubebuilder:validation:XValidation:rule="!has(self.kmsMasterKeyID) || !has(self.sqsManagedSSEEnabled) || !self.sqsManagedSSEEnabled",message="a queue is encrypted with SQS-managed keys (sqsManagedSSEEnabled) or a KMS key (kmsMasterKeyID), not both"
// +kubebuilder:validation:XValidation:rule="!has(self.kmsDataKeyReusePeriodSeconds) || has(self.kmsMasterKeyID)",message="kmsDataKeyReusePeriodSeconds needs kmsMasterKeyID"
type Queue struct {
	// Name of the queue (before namePrefix).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+(-[a-z0-9]+)*$`
	Name string `json:"name"`

	// VisibilityTimeoutSeconds is how long a received message stays hidden.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=43200
	// +kubebuilder:default=30
	// +optional
	VisibilityTimeoutSeconds *int32 `json:"visibilityTimeoutSeconds,omitempty"`

	// MessageRetentionSeconds is how long SQS keeps a message (default 4 days).
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=1209600
	// +kubebuilder:default=345600
	// +optional
	MessageRetentionSeconds *int32 `json:"messageRetentionSeconds,omitempty"`

	// DeadLetter moves a message to another queue of the stack after
	// maxReceiveCount failed receives. A FIFO queue's dead-letter queue must
	// be FIFO, a standard queue's standard (SQS refuses the redrive policy).
	// +optional
	DeadLetter *DeadLetter `json:"deadLetter,omitempty"`

	// Fifo makes the queue a FIFO queue: exactly-once processing, in order
	// within a message group. Its AWS name gets the ".fifo" suffix SQS
	// requires, within the 80 characters of a queue name. It cannot change.
	// +optional
	Fifo bool `json:"fifo,omitempty"`

	// ContentBasedDeduplication makes SQS deduplicate a FIFO queue's
	// messages by a SHA-256 of their body, so that senders need not give a
	// MessageDeduplicationId.
	// +optional
	ContentBasedDeduplication bool `json:"contentBasedDeduplication,omitempty"`

	// DeduplicationScope is where a FIFO queue deduplicates: messageGroup or
	// queue (SQS's default). High throughput needs messageGroup.
	// +optional
	// +kubebuilder:validation:Enum=messageGroup;queue
	DeduplicationScope string `json:"deduplicationScope,omitempty"`

	// FifoThroughputLimit is what a FIFO queue's throughput quota applies
	// to: perQueue (SQS's default) or perMessageGroupId, which SQS accepts
	// only with deduplicationScope messageGroup (high throughput mode).
	// +optional
	// +kubebuilder:validation:Enum=perQueue;perMessageGroupId
	FifoThroughputLimit string `json:"fifoThroughputLimit,omitempty"`

	// DelaySeconds delays every message's first delivery (0 to 900, SQS's
	// range; SQS's default is 0).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=900
	DelaySeconds *int32 `json:"delaySeconds,omitempty"`

	// MaximumMessageSize is the largest message SQS accepts, in bytes: 1024
	// to 1048576 (1 MiB, SQS's default and maximum since 2025).
	// +optional
	// +kubebuilder:validation:Minimum=1024
	// +kubebuilder:validation:Maximum=1048576
	MaximumMessageSize *int32 `json:"maximumMessageSize,omitempty"`

	// ReceiveMessageWaitTimeSeconds is how long a ReceiveMessage waits for
	// a message (long polling): 0 to 20 seconds.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=20
	ReceiveMessageWaitTimeSeconds *int32 `json:"receiveMessageWaitTimeSeconds,omitempty"`

	// SQSManagedSSEEnabled encrypts messages at rest with keys SQS owns
	// (SSE-SQS). Unset leaves SQS's choice (on for new queues). Not with
	// kmsMasterKeyID.
	// +optional
	SQSManagedSSEEnabled *bool `json:"sqsManagedSSEEnabled,omitempty"`

	// KMSMasterKeyID encrypts messages at rest with a KMS key (SSE-KMS): a
	// key ARN, a key ID, an alias name (alias/...) or an alias ARN. Functions
	// and workflows of the stack that use the queue get the KMS permissions
	// on it in their generated roles.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	KMSMasterKeyID string `json:"kmsMasterKeyID,omitempty"`

	// KMSDataKeyReusePeriodSeconds is how long SQS reuses a data key before
	// it calls KMS again: 60 to 86400 seconds (SQS's default is 300).
	// +optional
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=86400
	KMSDataKeyReusePeriodSeconds *int32 `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

// DeadLetter is a queue's redrive policy.
type DeadLetter struct {
	// Queue is the name of the dead-letter queue, another queue of the stack.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Queue string `json:"queue"`

	// MaxReceiveCount is how many receives a message gets before it moves.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxReceiveCount int32 `json:"maxReceiveCount"`
}

// Topic is an SNS topic: a standard topic, or a FIFO topic with fifo.
// +kubebuilder:validation:XValidation:rule="(has(self.fifo) && self.fifo) || !(has(self.contentBasedDeduplication) && self.contentBasedDeduplication)",message="contentBasedDeduplication is for FIFO topics (fifo: true)"
// +kubebuilder:validation:XValidation:rule="(has(self.fifo) && self.fifo) == (has(oldSelf.fifo) && oldSelf.fifo)",message="fifo is immutable: SNS fixes a topic's type at creation (and a FIFO topic's name ends in .fifo)"
type Topic struct {
	// Name of the topic (before namePrefix).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+(-[a-z0-9]+)*$`
	Name string `json:"name"`

	// DisplayName is the topic's display name (used in SMS and email).
	// +optional
	// +kubebuilder:validation:MaxLength=100
	DisplayName string `json:"displayName,omitempty"`

	// Subscriptions of the topic.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	Subscriptions []Subscription `json:"subscriptions,omitempty"`

	// Fifo makes the topic a FIFO topic (FifoTopic): ordered, deduplicated
	// delivery to SQS queues only. Its AWS name gets the ".fifo" suffix SNS
	// requires. It cannot change.
	// +optional
	Fifo bool `json:"fifo,omitempty"`

	// ContentBasedDeduplication makes SNS deduplicate a FIFO topic's
	// messages by a SHA-256 of their body.
	// +optional
	ContentBasedDeduplication bool `json:"contentBasedDeduplication,omitempty"`

	// KMSMasterKeyID encrypts messages at rest with a KMS key: a key ARN, a
	// key ID, an alias name (alias/...) or an alias ARN. Functions that
	// publish to the topic get the KMS permissions on it in their roles.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	KMSMasterKeyID string `json:"kmsMasterKeyID,omitempty"`
}

// SubscriptionProtocol is an SNS delivery protocol.
// +kubebuilder:validation:Enum=email;email-json;http;https;sms;sqs
type SubscriptionProtocol string

// TakesRawMessageDelivery says whether SNS accepts the RawMessageDelivery
// attribute on a subscription of this protocol: on sqs, http and https (and
// firehose, which the API does not offer) only; on the others SNS refuses
// the attribute, even "false" (InvalidParameter, terminal in ACK's sns
// controller).
func (p SubscriptionProtocol) TakesRawMessageDelivery() bool {
	return p == "sqs" || p == "http" || p == "https"
}

// Subscription delivers a topic's messages to an endpoint or to a queue of the stack.
// +kubebuilder:validation:XValidation:rule="self.protocol == 'sqs' ? (has(self.queue) && !has(self.endpoint)) : (has(self.endpoint) && !has(self.queue))",message="an sqs subscription names a queue of the stack; other protocols give an endpoint"
type Subscription struct {
	// Protocol of the subscription.
	Protocol SubscriptionProtocol `json:"protocol"`

	// Endpoint is the address (email, URL or phone number) for non-sqs protocols.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Endpoint string `json:"endpoint,omitempty"`

	// Queue is the stack's queue for the sqs protocol; its policy lets the topic send to it.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Queue string `json:"queue,omitempty"`

	// RawMessageDelivery delivers the message body without the SNS envelope.
	// +optional
	RawMessageDelivery bool `json:"rawMessageDelivery,omitempty"`

	// FilterPolicy is an SNS filter policy, on message attributes unless
	// filterPolicyScope says MessageBody.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	FilterPolicy *apiextensionsv1.JSON `json:"filterPolicy,omitempty"`

	// FilterPolicyScope is what the filter policy filters: MessageAttributes
	// (SNS's default, used when unset) or MessageBody, the properties of a
	// JSON message body, where policies may nest objects. Used only with a
	// filterPolicy.
	// +optional
	// +kubebuilder:validation:Enum=MessageAttributes;MessageBody
	FilterPolicyScope FilterPolicyScope `json:"filterPolicyScope,omitempty"`
}

// FilterPolicyScope is what an SNS filter policy applies to.
type FilterPolicyScope string

const (
	// FilterPolicyScopeMessageAttributes filters on message attributes.
	FilterPolicyScopeMessageAttributes FilterPolicyScope = "MessageAttributes"
	// FilterPolicyScopeMessageBody filters on the message body's properties.
	FilterPolicyScopeMessageBody FilterPolicyScope = "MessageBody"
)

// KeyType is a DynamoDB scalar attribute type.
// +kubebuilder:validation:Enum=S;N;B
type KeyType string

// Key is a DynamoDB key attribute.
type Key struct {
	// Name of the attribute.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Name string `json:"name"`
	// Type of the attribute: S (string), N (number) or B (binary).
	// +kubebuilder:default=S
	// +optional
	Type KeyType `json:"type,omitempty"`
}

// BillingMode is how DynamoDB bills a table.
// +kubebuilder:validation:Enum=PAY_PER_REQUEST;PROVISIONED
type BillingMode string

const (
	BillingPayPerRequest BillingMode = "PAY_PER_REQUEST"
	BillingProvisioned   BillingMode = "PROVISIONED"
)

// Table is a DynamoDB table.
// +kubebuilder:validation:XValidation:rule="has(self.sortKey) == has(oldSelf.sortKey) && (!has(self.sortKey) || self.sortKey == oldSelf.sortKey)",message="sortKey is immutable: DynamoDB cannot change a table's key schema"
// +kubebuilder:validation:XValidation:rule="(self.billingMode == 'PROVISIONED') == has(self.provisionedThroughput)",message="provisionedThroughput is required with billingMode PROVISIONED and not allowed otherwise"
// +kubebuilder:validation:XValidation:rule="has(self.localSecondaryIndexes) == has(oldSelf.localSecondaryIndexes) && (!has(self.localSecondaryIndexes) || self.localSecondaryIndexes == oldSelf.localSecondaryIndexes)",message="localSecondaryIndexes are immutable: DynamoDB creates local secondary indexes with the table only",fieldPath=".localSecondaryIndexes"
// +kubebuilder:validation:XValidation:rule="!has(self.localSecondaryIndexes) || has(self.sortKey)",message="local secondary indexes need the table to have a sort key",fieldPath=".localSecondaryIndexes"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.globalSecondaryIndexes) || !has(self.globalSecondaryIndexes) || self.globalSecondaryIndexes.all(g, oldSelf.globalSecondaryIndexes.all(o, o.name != g.name || o == g))",message="a global secondary index cannot change its keys or projection (DynamoDB updates only its throughput): remove it, or add one of another name",fieldPath=".globalSecondaryIndexes"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.stream) || (has(self.stream) && self.stream == oldSelf.stream)",message="stream cannot change nor be removed once set: ACK's dynamodb-controller v1.9.2 cannot disable a stream, nor change its view type (DynamoDB needs the stream disabled first)",fieldPath=".stream"
type Table struct {
	// Name of the table (before namePrefix).
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+(-[a-z0-9]+)*$`
	Name string `json:"name"`

	// PartitionKey is the table's hash key. It cannot change.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="partitionKey is immutable: DynamoDB cannot change a table's key schema"
	PartitionKey Key `json:"partitionKey"`

	// SortKey is the table's optional range key. It cannot change.
	// +optional
	SortKey *Key `json:"sortKey,omitempty"`

	// BillingMode is PAY_PER_REQUEST (default) or PROVISIONED.
	// +kubebuilder:default=PAY_PER_REQUEST
	// +optional
	BillingMode BillingMode `json:"billingMode,omitempty"`

	// ProvisionedThroughput is required with billingMode PROVISIONED; global
	// secondary indexes get the same.
	// +optional
	ProvisionedThroughput *ProvisionedThroughput `json:"provisionedThroughput,omitempty"`

	// GlobalSecondaryIndexes: at most 20 (DynamoDB's default quota per
	// table). An index kept by name keeps its keys and projection.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	GlobalSecondaryIndexes []GlobalSecondaryIndex `json:"globalSecondaryIndexes,omitempty"`

	// LocalSecondaryIndexes: at most 5, made with the table and fixed.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=5
	LocalSecondaryIndexes []LocalSecondaryIndex `json:"localSecondaryIndexes,omitempty"`

	// TimeToLive lets DynamoDB delete items once the named attribute's time
	// has passed.
	// +optional
	TimeToLive *TimeToLive `json:"timeToLive,omitempty"`

	// PointInTimeRecovery turns on continuous backups (35 days of restore
	// points).
	// +optional
	PointInTimeRecovery bool `json:"pointInTimeRecovery,omitempty"`

	// DeletionProtection makes DynamoDB refuse to delete the table, the
	// stack's deletion included (turn it off first).
	// +optional
	DeletionProtection bool `json:"deletionProtection,omitempty"`

	// TableClass is STANDARD (DynamoDB's default) or
	// STANDARD_INFREQUENT_ACCESS.
	// +optional
	TableClass TableClass `json:"tableClass,omitempty"`

	// KMSKeyARN encrypts the table with a customer managed KMS key (SSE
	// type KMS): a key ARN, as DynamoDB reports it back. Unset: DynamoDB's
	// AWS owned key.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	KMSKeyARN string `json:"kmsKeyARN,omitempty"`

	// Stream turns on the table's DynamoDB stream, which functions may
	// consume. Once set it cannot change nor be removed.
	// +optional
	Stream *TableStream `json:"stream,omitempty"`
}

// ProvisionedThroughput is a table's provisioned capacity.
type ProvisionedThroughput struct {
	// +kubebuilder:validation:Minimum=1
	ReadCapacityUnits int64 `json:"readCapacityUnits"`
	// +kubebuilder:validation:Minimum=1
	WriteCapacityUnits int64 `json:"writeCapacityUnits"`
}

// Architecture is a Lambda instruction set.
// +kubebuilder:validation:Enum=arm64;x86_64
type Architecture string

// TracingMode is Lambda's X-Ray tracing mode.
// +kubebuilder:validation:Enum=Active;PassThrough
type TracingMode string

// Function is a Lambda function.
// +kubebuilder:validation:XValidation:rule="has(self.code.imageURI) == has(oldSelf.code.imageURI)",message="code: a function cannot switch between a zip (s3Bucket/s3Key) and a container image (imageURI)"
// +kubebuilder:validation:XValidation:rule="has(self.code.imageURI) || has(self.runtime)",message="runtime is required for zip code"
type Function struct {
	// Name of the function (before namePrefix).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+(-[a-z0-9]+)*$`
	Name string `json:"name"`

	// Code is where the deployment package is.
	Code FunctionCode `json:"code"`

	// Runtime, for zip code; provided.al2023 for Go.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	Runtime string `json:"runtime,omitempty"`

	// Handler, for zip code; bootstrap for Go on provided.al2023.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Handler string `json:"handler,omitempty"`

	// Architecture is arm64 (default) or x86_64.
	// +kubebuilder:default=arm64
	// +optional
	Architecture Architecture `json:"architecture,omitempty"`

	// MemoryMB is the memory size in MB.
	// +kubebuilder:validation:Minimum=128
	// +kubebuilder:validation:Maximum=10240
	// +kubebuilder:default=128
	// +optional
	MemoryMB *int32 `json:"memoryMB,omitempty"`

	// TimeoutSeconds is the invocation timeout.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=900
	// +kubebuilder:default=3
	// +optional
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// Environment variables, next to the ones the operator sets for uses.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	Environment map[string]string `json:"environment,omitempty"`

	// Tracing is the X-Ray mode: Active or PassThrough (default).
	// +kubebuilder:default=PassThrough
	// +optional
	Tracing TracingMode `json:"tracing,omitempty"`

	// EphemeralStorageMB is the size of the function's /tmp in MB (Lambda:
	// 512 to 10240; 512 when left out).
	// +kubebuilder:validation:Minimum=512
	// +kubebuilder:validation:Maximum=10240
	// +optional
	EphemeralStorageMB *int32 `json:"ephemeralStorageMB,omitempty"`

	// ReservedConcurrency reserves that many concurrent executions of the
	// account's for the function, and caps it there (PutFunctionConcurrency);
	// 0 stops every invocation. Left out: the account's unreserved pool.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	// +optional
	ReservedConcurrency *int32 `json:"reservedConcurrency,omitempty"`

	// Logging is the format of the function's logs and, in JSON, their levels.
	// +optional
	Logging *FunctionLogging `json:"logging,omitempty"`

	// Rollout makes each change of the function's code or configuration a
	// new version that takes the traffic step by step behind a live alias,
	// rolled back by alarms. Without it a change replaces the code for all
	// traffic at once ($LATEST).
	// +optional
	Rollout *FunctionRollout `json:"rollout,omitempty"`

	// Uses lists the stack's tables, topics and queues the function calls, and
	// how; its role is granted exactly that, and the operator puts each one's
	// name, ARN or URL in an environment variable.
	// +optional
	Uses *FunctionUses `json:"uses,omitempty"`

	// Consumes lists queues that invoke the function (an event source mapping each,
	// with partial batch responses).
	// +optional
	// +listType=map
	// +listMapKey=queue
	// +kubebuilder:validation:MaxItems=10
	Consumes []QueueConsumer `json:"consumes,omitempty"`

	// Streams lists tables whose DynamoDB stream invokes the function (an
	// event source mapping each).
	// +optional
	// +listType=map
	// +listMapKey=table
	// +kubebuilder:validation:MaxItems=10
	Streams []StreamConsumer `json:"streams,omitempty"`

	// DeadLetterQueue is the stack's queue for events of asynchronous
	// invocations that failed every retry. Its URL is in DEAD_LETTER_QUEUE_URL.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	DeadLetterQueue string `json:"deadLetterQueue,omitempty"`

	// RoleARN, when set, is used instead of the role the operator generates.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	RoleARN string `json:"roleARN,omitempty"`
}

// FunctionCode is a Lambda deployment package: a zip in S3 or a container image.
// +kubebuilder:validation:XValidation:rule="has(self.imageURI) != (has(self.s3Bucket) && has(self.s3Key))",message="code needs either s3Bucket and s3Key, or imageURI"
// +kubebuilder:validation:XValidation:rule="!has(self.sha256) || has(self.s3Key)",message="sha256 is the hash of a zip in S3: an image is pinned by its digest in imageURI"
type FunctionCode struct {
	// +optional
	// +kubebuilder:validation:MaxLength=63
	S3Bucket string `json:"s3Bucket,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	S3Key string `json:"s3Key,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	S3ObjectVersion string `json:"s3ObjectVersion,omitempty"`
	// SHA256 is the zip's SHA-256, base64 encoded, as Lambda reports it
	// (CodeSha256; kubectl eds publish writes it). ACK's lambda controller
	// deploys a zip only when this changes: set it, or a new zip at the same
	// key never reaches the function. The function is Ready only once Lambda
	// runs the code of this hash.
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9+/]{43}=$`
	SHA256 string `json:"sha256,omitempty"`
	// ImageURI is a container image in ECR. Pin it by digest
	// (repo@sha256:...): ACK's lambda controller deploys an image when this
	// changes, so a new digest rolls out and a tag that moves does not.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ImageURI string `json:"imageURI,omitempty"`
}

// FunctionUses lists what a function calls.
type FunctionUses struct {
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Tables []TableUse `json:"tables,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Topics []TopicUse `json:"topics,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Queues []QueueUse `json:"queues,omitempty"`
}

// TableAccess is how a function uses a table.
// +kubebuilder:validation:Enum=Read;Write;ReadWrite
type TableAccess string

const (
	TableRead      TableAccess = "Read"
	TableWrite     TableAccess = "Write"
	TableReadWrite TableAccess = "ReadWrite"
)

// TableUse grants a function access to a table and puts its name in Env.
type TableUse struct {
	// Name of the table component.
	// +kubebuilder:validation:MaxLength=200
	Name string `json:"name"`
	// Access is Read, Write or ReadWrite (default).
	// +kubebuilder:default=ReadWrite
	// +optional
	Access TableAccess `json:"access,omitempty"`
	// Env is the environment variable that holds the table's name
	// (default: the name in upper snake case with _TABLE, e.g. ORDERS_TABLE).
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]*$`
	Env string `json:"env,omitempty"`
}

// TopicUse grants a function sns:Publish on a topic and puts its ARN in Env.
type TopicUse struct {
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// Env holds the topic's ARN (default: upper snake case name with _TOPIC_ARN).
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]*$`
	Env string `json:"env,omitempty"`
}

// QueueAccess is how a function uses a queue.
// +kubebuilder:validation:Enum=Send;Receive
type QueueAccess string

const (
	QueueSend    QueueAccess = "Send"
	QueueReceive QueueAccess = "Receive"
)

// QueueUse grants a function access to a queue and puts its URL in Env.
type QueueUse struct {
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
	// Access is Send (default) or Receive.
	// +kubebuilder:default=Send
	// +optional
	Access QueueAccess `json:"access,omitempty"`
	// Env holds the queue's URL (default: upper snake case name with _URL).
	// +optional
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_]*$`
	Env string `json:"env,omitempty"`
}

// LogFormat is how a function writes its logs.
// +kubebuilder:validation:Enum=Text;JSON
type LogFormat string

// The log formats.
const (
	LogFormatText LogFormat = "Text"
	LogFormatJSON LogFormat = "JSON"
)

// FunctionLogging is a function's logging configuration (Lambda's
// LoggingConfig): log levels filter only JSON logs, so Lambda takes them
// with the JSON format alone.
// +kubebuilder:validation:XValidation:rule="!has(self.applicationLogLevel) || (has(self.format) && self.format == 'JSON')",message="log levels need format JSON: Lambda filters only JSON logs by level",fieldPath=".applicationLogLevel"
// +kubebuilder:validation:XValidation:rule="!has(self.systemLogLevel) || (has(self.format) && self.format == 'JSON')",message="log levels need format JSON: Lambda filters only JSON logs by level",fieldPath=".systemLogLevel"
type FunctionLogging struct {
	// Format is Text (default) or JSON.
	// +kubebuilder:default=Text
	// +optional
	Format LogFormat `json:"format,omitempty"`
	// ApplicationLogLevel is the least level of the function's own log lines
	// Lambda keeps (TRACE, DEBUG, INFO, WARN, ERROR or FATAL; JSON only).
	// +kubebuilder:validation:Enum=TRACE;DEBUG;INFO;WARN;ERROR;FATAL
	// +optional
	ApplicationLogLevel string `json:"applicationLogLevel,omitempty"`
	// SystemLogLevel is the least level of Lambda's own log lines for the
	// function (DEBUG, INFO or WARN; JSON only).
	// +kubebuilder:validation:Enum=DEBUG;INFO;WARN
	// +optional
	SystemLogLevel string `json:"systemLogLevel,omitempty"`
	// RetentionDays makes the operator create the function's log group,
	// /aws/lambda/<name>, with this retention (and delete it with the stack);
	// left out, Lambda makes the group at the first invocation and keeps its
	// events for ever.
	// +kubebuilder:validation:Enum=1;3;5;7;14;30;60;90;120;150;180;365;400;545;731;1096;1827;2192;2557;2922;3288;3653
	// +optional
	RetentionDays int32 `json:"retentionDays,omitempty"`
}

// QueueConsumer makes a queue invoke the function.
type QueueConsumer struct {
	// Queue is the name of the queue component.
	// +kubebuilder:validation:MaxLength=63
	Queue string `json:"queue"`
	// BatchSize is the most messages in one invocation.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +kubebuilder:default=10
	// +optional
	BatchSize *int64 `json:"batchSize,omitempty"`
	// MaximumBatchingWindowSeconds is how long Lambda gathers a batch.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=300
	// +optional
	MaximumBatchingWindowSeconds *int64 `json:"maximumBatchingWindowSeconds,omitempty"`
	// Filters are Lambda event filtering patterns (event pattern syntax, on
	// the SQS record: body, messageAttributes, attributes): a message that
	// matches none is deleted from the queue without invoking the function.
	// At most 5 (Lambda's default quota), each at most 4,096 characters.
	// +optional
	// +kubebuilder:validation:MaxItems=5
	Filters []apiextensionsv1.JSON `json:"filters,omitempty"`
}

// WorkflowType is a Step Functions state machine type.
// +kubebuilder:validation:Enum=STANDARD;EXPRESS
type WorkflowType string

// Workflow is a Step Functions state machine.
// +kubebuilder:validation:XValidation:rule="self.type == oldSelf.type",message="type is immutable: Step Functions cannot change a state machine's type"
type Workflow struct {
	// Name of the state machine (before namePrefix).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+(-[a-z0-9]+)*$`
	Name string `json:"name"`

	// Type is STANDARD (default) or EXPRESS.
	// +kubebuilder:default=STANDARD
	// +optional
	Type WorkflowType `json:"type,omitempty"`

	// Definition is the Amazon States Language document, as JSON. References
	// ${function:NAME}, ${table:NAME}, ${topic:NAME} and ${queue:NAME} become
	// the function's ARN, the table's name, the topic's ARN and the queue's URL;
	// add .arn, .name or .url to pick another attribute. The role the operator
	// generates may call exactly the resources the definition's tasks name.
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=32768
	// +kubebuilder:validation:XValidation:rule="self.trim().startsWith('{') && self.trim().endsWith('}')",message="definition must be a JSON object"
	// +kubebuilder:validation:XValidation:rule="self.contains('\"StartAt\"') && self.contains('\"States\"')",message="definition must have StartAt and States"
	Definition string `json:"definition"`

	// TimeoutSeconds, when set, is the whole execution's timeout (the
	// definition's top-level TimeoutSeconds).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=31536000
	// +optional
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// Tracing turns on X-Ray tracing.
	// +optional
	Tracing bool `json:"tracing,omitempty"`

	// Logging sends the execution history to a CloudWatch Logs log group of
	// the stack, /aws/vendedlogs/states/<namePrefix><name>, which the
	// operator creates (and deletes with the stack). Without it, logging is
	// OFF.
	// +optional
	Logging *WorkflowLogging `json:"logging,omitempty"`

	// RoleARN, when set, is used instead of the role the operator generates.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`
	RoleARN string `json:"roleARN,omitempty"`
}

// LogLevel is what a state machine logs: Step Functions' log levels.
// +kubebuilder:validation:Enum=ALL;ERROR;FATAL;OFF
type LogLevel string

// WorkflowLogging is a workflow's CloudWatch Logs logging.
type WorkflowLogging struct {
	// Level is ALL, ERROR, FATAL or OFF.
	Level LogLevel `json:"level"`

	// IncludeExecutionData logs the states' input and output too (they may
	// hold personal data).
	// +optional
	IncludeExecutionData bool `json:"includeExecutionData,omitempty"`

	// RetentionDays is how long the log group keeps events (default 30).
	// +kubebuilder:validation:Enum=1;3;5;7;14;30;60;90;120;150;180;365;400;545;731;1096;1827;2192;2557;2922;3288;3653
	// +kubebuilder:default=30
	// +optional
	RetentionDays int32 `json:"retentionDays,omitempty"`
}

// ChildState is where one child stands.
type ChildState string

const (
	// ChildReady: ACK reports the AWS resource synced.
	ChildReady ChildState = "Ready"
	// ChildInProgress: the child exists and ACK has not yet reported it synced.
	ChildInProgress ChildState = "InProgress"
	// ChildWaiting: the child is not created yet; it needs values another child
	// has not reported (an ARN or URL).
	ChildWaiting ChildState = "Waiting"
	// ChildStalled: ACK reports a terminal error; a spec change is needed.
	ChildStalled ChildState = "Stalled"
)

// ChildStatus is the state of one ACK child.
type ChildStatus struct {
	// Kind of the child, e.g. Queue.
	Kind string `json:"kind"`
	// Name of the child object in the stack's namespace.
	Name string `json:"name"`
	// Component is the spec entry it implements, e.g. queue/order-queue.
	Component string `json:"component"`
	// Ready is true when ACK reports the AWS resource synced.
	Ready bool `json:"ready"`
	// State is Ready, InProgress, Waiting or Stalled.
	State ChildState `json:"state"`
	// ARN of the AWS resource, once known.
	// +optional
	ARN string `json:"arn,omitempty"`
	// Message says what the child waits for, or what ACK reported.
	// +optional
	Message string `json:"message,omitempty"`
	// ObservedGeneration is the child's generation that ACK last reported
	// on (ACK's own status has no observedGeneration): a child changed
	// since is not Ready until ACK reports on the change.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// EventDrivenStackStatus is the observed state of the stack.
type EventDrivenStackStatus struct {
	// ObservedGeneration is the generation of the spec the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions are Ready, Reconciling and Stalled, as kstatus reads them.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Resources is "ready/total" over the children, for kubectl get.
	// +optional
	Resources string `json:"resources,omitempty"`

	// Children lists every ACK child, sorted by kind and name.
	// +optional
	Children []ChildStatus `json:"children,omitempty"`

	// Alarms are the state of the stack's CloudWatch alarms; one in ALARM
	// sets the condition Alarming, never Ready false.
	// +optional
	// +listType=map
	// +listMapKey=name
	Alarms []AlarmState `json:"alarms,omitempty"`

	// Rollouts are where the rollout of each function with a rollout stands.
	// +optional
	// +listType=map
	// +listMapKey=function
	Rollouts []RolloutStatus `json:"rollouts,omitempty"`

	// Outputs holds the declared outputs and, for each component,
	// <kind>.<name>.<name|arn|url> once known.
	// +optional
	Outputs map[string]string `json:"outputs,omitempty"`

	// Inventory lists what the operator manages in AWS itself, outside ACK:
	// the event bus, which holds the stack's rules and their targets. An
	// entry is written before the call that creates the resource and removed
	// once the resource is deleted, or once AWS refused to create it; deleting
	// the stack deletes exactly what is listed here, and makes no AWS call
	// when nothing is.
	// +optional
	// +listType=atomic
	Inventory []AWSResource `json:"inventory,omitempty"`
}

// AWSResource is one entry of the inventory of what the operator manages in
// AWS itself.
type AWSResource struct {
	// Kind of the resource: EventBus, Archive, LogGroup.
	Kind string `json:"kind"`
	// Name of the resource in AWS.
	Name string `json:"name"`
	// ARN of the resource, once AWS answered the call that created it; empty
	// while that call's outcome is unknown (it was being made).
	// +optional
	ARN string `json:"arn,omitempty"`
}

// EventDrivenStack is a whole event-driven AWS system, reconciled into ACK resources.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=eds,categories=eventstack
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Resources",type=string,JSONPath=`.status.resources`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it is a label value on every child"
type EventDrivenStack struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   EventDrivenStackSpec   `json:"spec"`
	Status EventDrivenStackStatus `json:"status,omitempty"`
}

// EventDrivenStackList is a list of EventDrivenStack.
// +kubebuilder:object:root=true
type EventDrivenStackList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EventDrivenStack `json:"items"`
}

func init() {
	SchemeBuilder.Register(&EventDrivenStack{}, &EventDrivenStackList{})
}
