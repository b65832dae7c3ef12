package render

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// table builds a DynamoDB table. It needs nothing from other children.
func (b *builder) table(t v1alpha1.Table) Child {
	name := childName(b.stack, t.Name)
	obj := &ack.Table{Spec: ack.TableSpec{
		TableName:   ptr.To(awsName(b.stack, t.Name)),
		BillingMode: ptr.To(string(t.BillingMode)),
		Tags:        b.tagList(),
	}}
	obj.Spec.AttributeDefinitions = attributeDefinitions(t)
	obj.Spec.KeySchema = tableKeys(&t.PartitionKey, t.SortKey)
	if p := t.ProvisionedThroughput; p != nil {
		obj.Spec.ProvisionedThroughput = &ack.ProvisionedThroughput{ReadCapacityUnits: ptr.To(p.ReadCapacityUnits), WriteCapacityUnits: ptr.To(p.WriteCapacityUnits)}
	}
	b.tableSettings(obj, t) // tables.go
	b.meta(obj, ack.DynamoDBGroupVersion.WithKind("Table"), name, Key(refs.Table, t.Name),
		map[string]string{"tableName": awsName(b.stack, t.Name)})
	return b.child(Key(refs.Table, t.Name), "Table", name, obj, nil)
}

// queue builds an SQS queue. A queue with a dead-letter queue waits for that
// queue's ARN (its redrive policy holds it). A queue that topics deliver to is
// created at once and gets its access policy once its own ARN and the topics'
// ARNs are known.
func (b *builder) queue(q v1alpha1.Queue) Child {
	name := childName(b.stack, q.Name)
	var n needs
	obj := &ack.Queue{Spec: ack.QueueSpec{
		QueueName: ptr.To(queueAWSName(b.stack, q.Name)),
		Tags:      b.tagMap(),
	}}
	if q.VisibilityTimeoutSeconds != nil {
		obj.Spec.VisibilityTimeout = ptr.To(itoa(*q.VisibilityTimeoutSeconds))
	}
	if q.MessageRetentionSeconds != nil {
		obj.Spec.MessageRetentionPeriod = ptr.To(itoa(*q.MessageRetentionSeconds))
	}
	queueAttributes(&obj.Spec, q)
	prior, _ := b.prior(Key(refs.Queue, q.Name)).(*ack.Queue)
	if q.KMSMasterKeyID == "" && prior != nil && prior.Spec.KMSMasterKeyID != nil {
		// Removed: as for the redrive policy below, only "" takes the key
		// off in AWS (SQS then encrypts as its SqsManagedSseEnabled says).
		obj.Spec.KMSMasterKeyID = ptr.To("")
	}
	if dl := q.DeadLetter; dl != nil {
		if arn, ok := b.exists(&n, refs.Queue, dl.Queue); ok {
			redrive, _ := json.Marshal(struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
				MaxReceiveCount     int32  `json:"maxReceiveCount"`
			}{arn, dl.MaxReceiveCount})
			obj.Spec.RedrivePolicy = ptr.To(string(redrive))
		}
	} else if prior != nil && prior.Spec.RedrivePolicy != nil {
		// Removed: ACK's sqs controller sends only the attributes that are
		// set, so an unset redrive policy would stay in AWS; an empty one
		// removes it.
		obj.Spec.RedrivePolicy = ptr.To("")
	}
	var partial needs
	var grants []grant
	for _, t := range b.topicsDeliveringTo(q.Name) {
		grants = append(grants, grant{"sns.amazonaws.com", "sqs:SendMessage", refs.Topic, t})
	}
	for _, r := range b.rulesTargeting(func(t v1alpha1.RuleTarget) bool { return t.Queue == q.Name || t.DeadLetterQueue == q.Name }) {
		grants = append(grants, grant{"events.amazonaws.com", "sqs:SendMessage", ruleKind, r})
	}
	obj.Spec.Policy = b.sourcePolicy(&partial, refs.Queue, q.Name, grants)
	if obj.Spec.Policy == nil && len(grants) == 0 && prior != nil && prior.Spec.Policy != nil {
		obj.Spec.Policy = ownerQueuePolicy(prior.ACKStatus().ARN())
	}
	var adoption map[string]string
	if acct := b.accountID(); acct != "" {
		adoption = map[string]string{"queueURL": arns.Scope{Region: b.stack.Spec.Region, Account: acct}.QueueURL(queueAWSName(b.stack, q.Name))}
	}
	b.meta(obj, ack.SQSGroupVersion.WithKind("Queue"), name, Key(refs.Queue, q.Name), adoption)
	c := b.child(Key(refs.Queue, q.Name), "Queue", name, obj, n)
	if c.Object != nil {
		c.Partial = partial
	}
	return c
}

// The SQS defaults the queue attributes below are written with when the
// spec leaves them out: GetQueueAttributes reports them, and ACK's sqs
// controller (which does not late-initialize them) would otherwise find nil
// against AWS's value at every reconcile and send a SetQueueAttributes that
// changes nothing (docs/ack-behaviour.md, row 24). Written, a value taken out
// of the spec also goes back to AWS's default instead of staying in AWS.
const (
	sqsDefaultDeduplicationScope  = "queue"
	sqsDefaultFifoThroughputLimit = "perQueue"
	sqsDefaultKMSDataKeyReuse     = "300"
)

// queueAttributes sets the queue's optional SQS attributes, as strings as
// ACK's Queue spec takes them. A standard queue gets none of the FIFO ones:
// SQS refuses them there, FifoQueue "false" included (InvalidAttributeName).
// A FIFO queue's ContentBasedDeduplication is always set, "false" too: ACK's
// sqs controller sends only the attributes that are set, so turning it off
// by leaving it out would leave it on in AWS. A FIFO queue's deduplication
// scope and throughput limit, and an encrypted queue's data key reuse period,
// get SQS's defaults when unset (sqsDefaultDeduplicationScope).
func queueAttributes(spec *ack.QueueSpec, q v1alpha1.Queue) {
	seconds := func(v *int32) *string {
		if v == nil {
			return nil
		}
		return ptr.To(itoa(*v))
	}
	if q.Fifo {
		spec.FifoQueue = ptr.To("true")
		spec.ContentBasedDeduplication = ptr.To(strconv.FormatBool(q.ContentBasedDeduplication))
		spec.DeduplicationScope = ptr.To(orDefault(q.DeduplicationScope, sqsDefaultDeduplicationScope))
		spec.FifoThroughputLimit = ptr.To(orDefault(q.FifoThroughputLimit, sqsDefaultFifoThroughputLimit))
	}
	spec.DelaySeconds = seconds(q.DelaySeconds)
	spec.MaximumMessageSize = seconds(q.MaximumMessageSize)
	spec.ReceiveMessageWaitTimeSeconds = seconds(q.ReceiveMessageWaitTimeSeconds)
	if q.SQSManagedSSEEnabled != nil {
		spec.SQSManagedSSEEnabled = ptr.To(strconv.FormatBool(*q.SQSManagedSSEEnabled))
	}
	if q.KMSMasterKeyID != "" {
		spec.KMSMasterKeyID = ptr.To(q.KMSMasterKeyID)
		spec.KMSDataKeyReusePeriodSeconds = ptr.To(ptr.Deref(seconds(q.KMSDataKeyReusePeriodSeconds), sqsDefaultKMSDataKeyReuse))
	}
}

// grant lets an AWS service perform an action on a resource of the stack,
// on behalf of one source (a topic or a rule) only.
type grant struct {
	service, action string
	sourceKind      refs.Kind
	sourceName      string
}

// sourcePolicy builds the resource policy of a queue or topic: one statement
// per grant, each conditioned on the source's ARN (aws:SourceArn), so that only
// the stack's own topics and rules can deliver. It needs the resource's own
// ARN and every source's ARN; until they are known it returns nil and records
// them in partial: the resource is created without its policy, and gets it
// with the next apply.
func (b *builder) sourcePolicy(partial *needs, kind refs.Kind, name string, grants []grant) *string {
	if len(grants) == 0 {
		return nil
	}
	var missing needs
	self, okSelf := b.named(&missing, kind, name)
	p := newPolicy()
	for i, g := range grants {
		src, ok := b.named(&missing, g.sourceKind, g.sourceName)
		if !ok || !okSelf {
			continue
		}
		p.Statement = append(p.Statement, Statement{
			Sid: fmt.Sprintf("Allow%s%d", strings.ToUpper(string(g.sourceKind[:1]))+string(g.sourceKind[1:]), i), Effect: "Allow",
			Principal: map[string]string{"Service": g.service},
			Action:    []string{g.action}, Resource: []string{self},
			Condition: map[string]map[string]any{"ArnEquals": {"aws:SourceArn": src}},
		})
	}
	if len(missing) > 0 {
		*partial = append(*partial, missing...)
		return nil
	}
	return ptr.To(p.JSON())
}

// ownerQueuePolicy is the policy a queue gets when its last grant goes: ACK's
// sqs controller sends a policy only when the field is set, so the old one
// would stay in AWS. It allows the queue's own account what it may do anyway
// (nil while the queue's ARN, which names the account, is unknown).
func ownerQueuePolicy(queueARN string) *string {
	acct := arns.Account(queueARN)
	if acct == "" {
		return nil
	}
	p := newPolicy()
	p.Statement = append(p.Statement, Statement{Sid: "Owner", Effect: "Allow",
		Principal: map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", strings.SplitN(queueARN, ":", 3)[1], acct)},
		Action:    []string{"sqs:*"}, Resource: []string{queueARN}})
	return ptr.To(p.JSON())
}

// defaultTopicPolicy is the policy SNS gives a new topic: what a topic gets
// when its last grant goes. SNS refuses an empty policy (a terminal error in
// ACK), and an unset one would leave the old grants in AWS.
func defaultTopicPolicy(topicARN string) *string {
	acct := arns.Account(topicARN)
	if acct == "" {
		return nil
	}
	doc := map[string]any{
		"Version": "2008-10-17", "Id": "__default_policy_ID",
		"Statement": []any{map[string]any{
			"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
			"Action": []string{"SNS:AddPermission", "SNS:DeleteTopic", "SNS:GetTopicAttributes", "SNS:ListSubscriptionsByTopic",
				"SNS:Publish", "SNS:RemovePermission", "SNS:SetTopicAttributes", "SNS:Subscribe"},
			"Resource":  topicARN,
			"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceOwner": acct}},
		}},
	}
	out, _ := json.Marshal(doc)
	return ptr.To(string(out))
}

// rulesTargeting lists the rules with a target that match selects, sorted.
func (b *builder) rulesTargeting(match func(v1alpha1.RuleTarget) bool) []string {
	var out []string
	for _, r := range b.stack.Spec.Rules {
		for _, t := range r.Targets {
			if match(t) {
				out = append(out, r.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// topicsDeliveringTo lists the topics with an sqs subscription to a queue.
func (b *builder) topicsDeliveringTo(queue string) []string {
	var out []string
	for _, t := range b.stack.Spec.Topics {
		for _, s := range t.Subscriptions {
			if s.Protocol == "sqs" && s.Queue == queue {
				out = append(out, t.Name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// topic builds an SNS topic. It needs nothing from other children.
func (b *builder) topic(t v1alpha1.Topic) Child {
	name := childName(b.stack, t.Name)
	obj := &ack.Topic{Spec: ack.TopicSpec{
		Name: ptr.To(topicAWSName(b.stack, t.Name)),
		Tags: b.tagList(),
	}}
	if t.DisplayName != "" {
		obj.Spec.DisplayName = ptr.To(t.DisplayName)
	}
	if t.Fifo {
		// ContentBasedDeduplication "false" too, for the reason a FIFO
		// queue's is always set (queueAttributes); SNS refuses it on a
		// standard topic.
		obj.Spec.FifoTopic = ptr.To("true")
		obj.Spec.ContentBasedDeduplication = ptr.To(strconv.FormatBool(t.ContentBasedDeduplication))
	}
	prior, _ := b.prior(Key(refs.Topic, t.Name)).(*ack.Topic)
	if t.KMSMasterKeyID != "" {
		obj.Spec.KMSMasterKeyID = ptr.To(t.KMSMasterKeyID)
	} else if prior != nil && prior.Spec.KMSMasterKeyID != nil {
		// Removed: ACK's sns controller sets only the attributes that are
		// set; "" turns encryption off.
		obj.Spec.KMSMasterKeyID = ptr.To("")
	}
	var partial needs
	var grants []grant
	for _, r := range b.rulesTargeting(func(rt v1alpha1.RuleTarget) bool { return rt.Topic == t.Name }) {
		grants = append(grants, grant{"events.amazonaws.com", "sns:Publish", ruleKind, r})
	}
	obj.Spec.Policy = b.sourcePolicy(&partial, refs.Topic, t.Name, grants)
	if obj.Spec.Policy == nil && len(grants) == 0 && prior != nil && prior.Spec.Policy != nil {
		obj.Spec.Policy = defaultTopicPolicy(prior.ACKStatus().ARN())
	}
	var adoption map[string]string
	if acct := b.accountID(); acct != "" {
		arn := arns.Scope{Region: b.stack.Spec.Region, Account: acct}.Topic(topicAWSName(b.stack, t.Name))
		adoption = map[string]string{"arn": arn}
		if obj.Spec.Policy == nil && len(grants) == 0 && b.adopting() {
			// An adopted topic has a policy in AWS, which ACK's sns
			// controller would otherwise "update" to an empty one (it
			// compares before it late-initializes): SNS refuses that, and
			// ACK makes it terminal.
			obj.Spec.Policy = defaultTopicPolicy(arn)
		}
	}
	b.meta(obj, ack.SNSGroupVersion.WithKind("Topic"), name, Key(refs.Topic, t.Name), adoption)
	c := b.child(Key(refs.Topic, t.Name), "Topic", name, obj, nil)
	c.Partial = partial
	return c
}

// subscription builds an SNS subscription; it waits for the topic's ARN, and
// for the queue's ARN when it delivers to a queue of the stack.
func (b *builder) subscription(t v1alpha1.Topic, s v1alpha1.Subscription) Child {
	target := s.Endpoint
	if s.Protocol == "sqs" {
		target = "queue/" + s.Queue
	}
	id := shortHash(string(s.Protocol) + " " + target)
	name := childName(b.stack, t.Name, id)
	component := Key(refs.Topic, t.Name) + "/subscription/" + id
	var n needs
	obj := &ack.Subscription{Spec: ack.SubscriptionSpec{Protocol: ptr.To(string(s.Protocol))}}
	if arn, ok := b.exists(&n, refs.Topic, t.Name); ok {
		obj.Spec.TopicARN = ptr.To(arn)
	}
	if s.Protocol == "sqs" {
		if arn, ok := b.named(&n, refs.Queue, s.Queue); ok {
			obj.Spec.Endpoint = ptr.To(arn)
		}
	} else {
		obj.Spec.Endpoint = ptr.To(s.Endpoint)
	}
	// "true" or "false" where SNS takes the attribute: for an unset field
	// ACK's sns controller takes AWS's value as the desired one, so "false"
	// would never be applied. Never on the other protocols, where SNS
	// refuses it even as "false" (docs/ack-behaviour.md row 1).
	if s.Protocol.TakesRawMessageDelivery() {
		obj.Spec.RawMessageDelivery = ptr.To(strconv.FormatBool(s.RawMessageDelivery))
	}
	if s.FilterPolicy != nil && len(s.FilterPolicy.Raw) > 0 {
		obj.Spec.FilterPolicy = ptr.To(compactJSON(s.FilterPolicy.Raw))
		// Explicit: SNS reports the scope of a filter policy
		// (MessageAttributes by default), and ACK's sns controller would
		// "update" an unset one to nothing, which SNS refuses.
		scope := v1alpha1.FilterPolicyScopeMessageAttributes
		if s.FilterPolicyScope != "" {
			scope = s.FilterPolicyScope
		}
		obj.Spec.FilterPolicyScope = ptr.To(string(scope))
	}
	b.meta(obj, ack.SNSGroupVersion.WithKind("Subscription"), name, component, nil)
	return b.child(component, "Subscription", name, obj, n)
}

// compactJSON returns raw JSON without insignificant space and with sorted keys.
func compactJSON(raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	out, _ := json.Marshal(v)
	return string(out)
}
