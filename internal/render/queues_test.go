package render

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// fifoStack has a FIFO queue with a FIFO dead-letter queue, a FIFO topic
// delivering to it, encrypted queues and topics with every form of KMS key
// reference, and a function and a workflow that send, receive and publish.
const fifoStack = `
apiVersion: stacks.eventstack.io/v1alpha1
kind: EventDrivenStack
metadata: {name: orders, namespace: shop, uid: 0b5e6f7a-1111-2222-3333-444455556666}
spec:
  region: eu-west-1
  namePrefix: dev-
  queues:
    - name: orders
      fifo: true
      contentBasedDeduplication: true
      deduplicationScope: messageGroup
      fifoThroughputLimit: perMessageGroupId
      kmsMasterKeyID: 1234abcd-12ab-34cd-56ef-1234567890ab
      kmsDataKeyReusePeriodSeconds: 600
      deadLetter: {queue: orders-dlq, maxReceiveCount: 3}
    - name: orders-dlq
      fifo: true
    - name: plain
      delaySeconds: 5
      maximumMessageSize: 2048
      receiveMessageWaitTimeSeconds: 20
      sqsManagedSSEEnabled: true
    - name: aliased
      kmsMasterKeyID: alias/orders-key
    - name: managed
      kmsMasterKeyID: alias/aws/sqs
  topics:
    - name: events
      fifo: true
      kmsMasterKeyID: arn:aws:kms:eu-west-1:210987654321:alias/shared-key
      subscriptions: [{protocol: sqs, queue: orders}]
    - name: news
      kmsMasterKeyID: arn:aws:kms:eu-west-1:123456789012:key/5678abcd-12ab-34cd-56ef-1234567890ab
  functions:
    - name: worker
      code: {s3Bucket: b, s3Key: k.zip}
      runtime: provided.al2023
      consumes: [{queue: orders}]
      uses:
        topics: [{name: news}]
        queues: [{name: aliased}, {name: managed}, {name: plain, access: Receive}]
  workflows:
    - name: flow
      definition: '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"${queue:orders}","MessageGroupId":"g","MessageBody":"x"},"Next":"B"},"B":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"${topic:events}","MessageGroupId":"g","Message":"x"},"End":true}}}'
`

// fifoObserved has the dead-letter queue and the workflow's role reported,
// which the source queue and the state machine wait for.
func fifoObserved() Observed {
	return Observed{Account: account, ARNs: map[string]string{
		Key(refs.Queue, "orders-dlq"): "arn:aws:sqs:eu-west-1:" + account + ":dev-orders-dlq.fifo",
		Key(roleKind, "flow"):         "arn:aws:iam::" + account + ":role/dev-flow-role"}}
}

func loadFifoStack(t *testing.T) *v1alpha1.EventDrivenStack {
	t.Helper()
	stack := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict([]byte(fifoStack), stack); err != nil {
		t.Fatal(err)
	}
	return stack
}

// A FIFO queue's and topic's AWS name ends in .fifo wherever it is derived:
// the child's name field, its URL and ARN (in environment variables, a
// subscription's endpoint, a redrive policy, a definition), the names
// tenancy and predict check.
func TestFifoNamesEverywhere(t *testing.T) {
	stack := loadFifoStack(t)
	res := mustRender(t, stack, fifoObserved())

	q := object[*ack.Queue](t, res, "Queue", "orders.orders")
	if got := ptr.Deref(q.Spec.QueueName, ""); got != "dev-orders.fifo" {
		t.Errorf("queueName = %q, want dev-orders.fifo", got)
	}
	wantRedrive := `{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:` + account + `:dev-orders-dlq.fifo","maxReceiveCount":3}`
	if got := ptr.Deref(q.Spec.RedrivePolicy, ""); got != wantRedrive {
		t.Errorf("redrivePolicy = %s, want %s", got, wantRedrive)
	}
	if got := object[*ack.Queue](t, res, "Queue", "orders.plain").Spec.QueueName; ptr.Deref(got, "") != "dev-plain" {
		t.Errorf("a standard queue's name = %q, want dev-plain", ptr.Deref(got, ""))
	}
	topic := object[*ack.Topic](t, res, "Topic", "orders.events")
	if got := ptr.Deref(topic.Spec.Name, ""); got != "dev-events.fifo" {
		t.Errorf("topic name = %q, want dev-events.fifo", got)
	}
	for _, c := range res.Children {
		if s, ok := c.Object.(*ack.Subscription); ok {
			if got := ptr.Deref(s.Spec.Endpoint, ""); got != "arn:aws:sqs:eu-west-1:"+account+":dev-orders.fifo" {
				t.Errorf("subscription endpoint = %q", got)
			}
			if got := ptr.Deref(s.Spec.TopicARN, ""); got != "arn:aws:sns:eu-west-1:"+account+":dev-events.fifo" {
				t.Errorf("subscription topicARN = %q", got)
			}
		}
	}
	sm := object[*ack.StateMachine](t, res, "StateMachine", "orders.flow")
	def := ptr.Deref(sm.Spec.Definition, "")
	for _, want := range []string{"https://sqs.eu-west-1.amazonaws.com/" + account + "/dev-orders.fifo", "arn:aws:sns:eu-west-1:" + account + ":dev-events.fifo"} {
		if !strings.Contains(def, want) {
			t.Errorf("definition lacks %s:\n%s", want, def)
		}
	}
	names := map[string]bool{}
	for _, n := range AWSNames(stack) {
		names[n.Kind+"/"+n.Name] = true
	}
	for _, want := range []string{"Queue/dev-orders.fifo", "Queue/dev-orders-dlq.fifo", "Queue/dev-plain", "Topic/dev-events.fifo", "Topic/dev-news"} {
		if !names[want] {
			t.Errorf("AWSNames lacks %s: %v", want, names)
		}
	}
}

// The queue attributes reach ACK's spec as the strings it takes; a standard
// queue gets none of the FIFO attributes (SQS refuses even FifoQueue
// "false" there), a FIFO one always its ContentBasedDeduplication, and SQS's
// defaults for a deduplication scope and throughput limit it leaves out.
func TestQueueAndTopicAttributes(t *testing.T) {
	res := mustRender(t, loadFifoStack(t), fifoObserved())
	s := func(v string) *string { return &v }
	cases := map[string]ack.QueueSpec{
		"orders.orders": {FifoQueue: s("true"), ContentBasedDeduplication: s("true"), DeduplicationScope: s("messageGroup"),
			FifoThroughputLimit: s("perMessageGroupId"), KMSMasterKeyID: s("1234abcd-12ab-34cd-56ef-1234567890ab"), KMSDataKeyReusePeriodSeconds: s("600")},
		"orders.orders-dlq": {FifoQueue: s("true"), ContentBasedDeduplication: s("false"), DeduplicationScope: s("queue"), FifoThroughputLimit: s("perQueue")},
		"orders.plain":      {DelaySeconds: s("5"), MaximumMessageSize: s("2048"), ReceiveMessageWaitTimeSeconds: s("20"), SQSManagedSSEEnabled: s("true")},
	}
	for name, want := range cases {
		got := object[*ack.Queue](t, res, "Queue", name).Spec
		got.QueueName, got.Tags, got.RedrivePolicy, got.Policy = nil, nil, nil, nil
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s: spec\n  %s\nwant\n  %s", name, g, w)
		}
	}
	events := object[*ack.Topic](t, res, "Topic", "orders.events").Spec
	if ptr.Deref(events.FifoTopic, "") != "true" || ptr.Deref(events.ContentBasedDeduplication, "") != "false" ||
		ptr.Deref(events.KMSMasterKeyID, "") != "arn:aws:kms:eu-west-1:210987654321:alias/shared-key" {
		t.Errorf("FIFO topic spec: %+v", events)
	}
	news := object[*ack.Topic](t, res, "Topic", "orders.news").Spec
	if news.FifoTopic != nil || news.ContentBasedDeduplication != nil {
		t.Errorf("a standard topic got FIFO attributes: %+v", news)
	}
}

// An encrypted queue that leaves its data key reuse period out gets SQS's
// default, 300 s: GetQueueAttributes reports it, and ACK would otherwise find
// nil against it at every reconcile (docs/ack-behaviour.md, row 24).
func TestUnsetDataKeyReuseIsSQSDefault(t *testing.T) {
	stack := loadFifoStack(t)
	stack.Spec.Queues[0].KMSDataKeyReusePeriodSeconds = nil
	res := mustRender(t, stack, fifoObserved())
	if got := object[*ack.Queue](t, res, "Queue", "orders.orders").Spec.KMSDataKeyReusePeriodSeconds; ptr.Deref(got, "") != "300" {
		t.Errorf("kmsDataKeyReusePeriodSeconds %v, want SQS's default 300", ptr.Deref(got, "none"))
	}
	if got := object[*ack.Queue](t, res, "Queue", "orders.plain").Spec.KMSDataKeyReusePeriodSeconds; got != nil {
		t.Errorf("a queue without a key got kmsDataKeyReusePeriodSeconds %s", *got)
	}
}

// A key taken off a queue or topic is sent as "": ACK sends only what is
// set, so an unset key would stay in AWS.
func TestRemovedKeyIsSentEmpty(t *testing.T) {
	stack := loadFifoStack(t)
	first := mustRender(t, stack, fifoObserved())
	obs := fifoObserved()
	obs.Children = map[string]ack.Object{}
	for _, c := range first.Children {
		if c.Object != nil {
			obs.Children[c.Component] = c.Object
		}
	}
	stack.Spec.Queues[3].KMSMasterKeyID = ""
	stack.Spec.Topics[1].KMSMasterKeyID = ""
	res := mustRender(t, stack, obs)
	if got := object[*ack.Queue](t, res, "Queue", "orders.aliased").Spec.KMSMasterKeyID; got == nil || *got != "" {
		t.Errorf("queue kmsMasterKeyID after removal = %v, want \"\"", got)
	}
	if got := object[*ack.Topic](t, res, "Topic", "orders.news").Spec.KMSMasterKeyID; got == nil || *got != "" {
		t.Errorf("topic kmsMasterKeyID after removal = %v, want \"\"", got)
	}
	if got := object[*ack.Queue](t, res, "Queue", "orders.plain").Spec.KMSMasterKeyID; got != nil {
		t.Errorf("a queue that never had a key got kmsMasterKeyID %q", *got)
	}
}

// keyStatements are a policy's KMS statements: resource (and alias
// condition) → actions.
func keyStatements(t *testing.T, policy string) map[string][]string {
	t.Helper()
	var doc PolicyDocument
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, s := range doc.Statement {
		if !strings.HasPrefix(s.Action[0], "kms:") {
			continue
		}
		k := strings.Join(s.Resource, ",")
		if c := s.Condition["ForAnyValue:StringEquals"]; c != nil {
			b, _ := json.Marshal(c)
			k += " if " + string(b)
		}
		out[k] = s.Action
	}
	return out
}

// A role gets the KMS actions AWS requires on the key of each encrypted
// queue or topic its function or workflow uses, on that key only: a
// producer kms:GenerateDataKey and kms:Decrypt, a consumer kms:Decrypt. A
// key ID or alias names a key of the queue's account and region; an alias is
// granted through kms:ResourceAliases; an AWS managed key gets nothing.
func TestRolesGetKMSOnEncryptedQueuesAndTopics(t *testing.T) {
	res := mustRender(t, loadFifoStack(t), fifoObserved())
	producer := []string{"kms:Decrypt", "kms:GenerateDataKey"}
	consumer := []string{"kms:Decrypt"}
	worker := keyStatements(t, inlinePolicy(t, object[*ack.Role](t, res, "Role", "orders.worker")))
	wantWorker := map[string][]string{
		// consumes orders (key ID, this account)
		"arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab": consumer,
		// publishes to news (key ARN)
		"arn:aws:kms:eu-west-1:123456789012:key/5678abcd-12ab-34cd-56ef-1234567890ab": producer,
		// sends to aliased (alias name)
		"arn:aws:kms:eu-west-1:" + account + `:key/* if {"kms:ResourceAliases":["alias/orders-key"]}`: producer,
	}
	if !reflect.DeepEqual(worker, wantWorker) {
		t.Errorf("worker's KMS statements:\n  %v\nwant\n  %v", worker, wantWorker)
	}
	flow := keyStatements(t, inlinePolicy(t, object[*ack.Role](t, res, "Role", "orders.flow")))
	wantFlow := map[string][]string{
		"arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab": producer,
		// an alias ARN names its own account
		`arn:aws:kms:eu-west-1:210987654321:key/* if {"kms:ResourceAliases":["alias/shared-key"]}`: producer,
	}
	if !reflect.DeepEqual(flow, wantFlow) {
		t.Errorf("flow's KMS statements:\n  %v\nwant\n  %v", flow, wantFlow)
	}
}

// The seed has no encrypted queue nor FIFO component: its roles and queues
// are what they were (the golden tests check every field; this says why).
func TestSeedGetsNoKMSStatements(t *testing.T) {
	res := mustRender(t, loadSeed(t), seedObserved())
	for _, c := range res.Children {
		if r, ok := c.Object.(*ack.Role); ok {
			if k := keyStatements(t, inlinePolicy(t, r)); len(k) > 0 {
				t.Errorf("%s: KMS statements %v", c.Name, k)
			}
		}
	}
}
