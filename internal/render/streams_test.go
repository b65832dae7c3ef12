package render

import (
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// streamStack has a function consuming the orders table's stream with an
// on-failure queue, and a function consuming it with Lambda's defaults and
// an on-failure topic.
const streamStack = `
apiVersion: stacks.eventstack.io/v1alpha1
kind: EventDrivenStack
metadata: {name: shop, namespace: shop, uid: 0b5e6f7a-1111-2222-3333-444455550001}
spec:
  region: eu-west-1
  namePrefix: dev-
  queues: [{name: failed}]
  topics: [{name: alerts}]
  tables:
    - name: orders
      partitionKey: {name: pk}
      stream: {viewType: NEW_AND_OLD_IMAGES}
  functions:
    - name: projector
      code: {s3Bucket: b, s3Key: k.zip}
      runtime: provided.al2023
      streams:
        - table: orders
          startingPosition: TRIM_HORIZON
          batchSize: 500
          bisectBatchOnFunctionError: true
          maximumRetryAttempts: 3
          onFailure: {queue: failed}
          filters: [{eventName: [INSERT]}]
    - name: auditor
      code: {s3Bucket: b, s3Key: k.zip}
      runtime: provided.al2023
      streams: [{table: orders, onFailure: {topic: alerts}}]
`

const ordersStreamARN = "arn:aws:dynamodb:eu-west-1:" + account + ":table/dev-orders/stream/2026-12-07T00:00:00.000"

// A stream consumer's mapping waits for the table's stream ARN, which ACK
// reports in the Table's status; then it reads that stream with the
// consumer's settings, Lambda's defaults written explicitly (an unset field
// keeps AWS's last value), and sends discarded batches to its destination.
func TestStreamConsumerMapping(t *testing.T) {
	stack := loadStack(t, streamStack)
	obs := Observed{Account: account, ARNs: map[string]string{
		Key(refs.Function, "projector"): "arn:aws:lambda:eu-west-1:" + account + ":function:dev-projector",
		Key(refs.Function, "auditor"):   "arn:aws:lambda:eu-west-1:" + account + ":function:dev-auditor",
		Key(refs.Queue, "failed"):       "arn:aws:sqs:eu-west-1:" + account + ":dev-failed",
		Key(refs.Topic, "alerts"):       "arn:aws:sns:eu-west-1:" + account + ":dev-alerts",
	}}
	waiting := find(t, mustRender(t, stack, obs), "EventSourceMapping", "shop.projector.stream.orders")
	if waiting.Object != nil || len(waiting.Needs) != 1 || waiting.Needs[0].What != StreamWait || waiting.Needs[0].Name != "shop.orders" {
		t.Fatalf("before the stream ARN is reported: object %v, needs %v", waiting.Object, waiting.Needs)
	}

	table := &ack.Table{}
	table.Status.LatestStreamARN = ptr.To(ordersStreamARN)
	obs.Children = map[string]ack.Object{Key(refs.Table, "orders"): table}
	res := mustRender(t, stack, obs)
	got := object[*ack.EventSourceMapping](t, res, "EventSourceMapping", "shop.projector.stream.orders").Spec
	want := ack.EventSourceMappingSpec{
		FunctionName: ptr.To("arn:aws:lambda:eu-west-1:" + account + ":function:dev-projector"), EventSourceARN: ptr.To(ordersStreamARN),
		BatchSize: ptr.To[int64](500), MaximumBatchingWindowInSeconds: ptr.To[int64](0),
		FunctionResponseTypes: []*string{ptr.To("ReportBatchItemFailures")}, Enabled: ptr.To(true),
		FilterCriteria:   &ack.FilterCriteria{Filters: []*ack.Filter{{Pattern: ptr.To(`{"eventName":["INSERT"]}`)}}},
		StartingPosition: ptr.To("TRIM_HORIZON"), BisectBatchOnFunctionError: ptr.To(true), MaximumRetryAttempts: ptr.To[int64](3),
		DestinationConfig: &ack.DestinationConfig{OnFailure: &ack.OnFailure{Destination: ptr.To("arn:aws:sqs:eu-west-1:" + account + ":dev-failed")}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mapping spec\n got %s\nwant %s", jsonOf(got), jsonOf(want))
	}
	defaults := object[*ack.EventSourceMapping](t, res, "EventSourceMapping", "shop.auditor.stream.orders").Spec
	if *defaults.BatchSize != 100 || *defaults.StartingPosition != "LATEST" || *defaults.BisectBatchOnFunctionError ||
		*defaults.MaximumRetryAttempts != -1 || *defaults.DestinationConfig.OnFailure.Destination != "arn:aws:sns:eu-west-1:"+account+":dev-alerts" {
		t.Errorf("a consumer with Lambda's defaults: %s", jsonOf(defaults))
	}
	// Without onFailure, the mapping says it has none as Lambda answers it:
	// {"onFailure": {}}, which also removes one taken out of the spec.
	for i := range stack.Spec.Functions {
		for j := range stack.Spec.Functions[i].Streams {
			stack.Spec.Functions[i].Streams[j].OnFailure = nil
		}
	}
	none := object[*ack.EventSourceMapping](t, mustRender(t, stack, obs), "EventSourceMapping", "shop.auditor.stream.orders").Spec
	if d := none.DestinationConfig; d == nil || d.OnFailure == nil || d.OnFailure.Destination != nil {
		t.Errorf("no onFailure: destinationConfig %s, want {\"onFailure\":{}}", jsonOf(d))
	}
}

// The function's role may read the table's streams and send to (publish on)
// its on-failure destination: Lambda polls the stream and delivers discarded
// batches with the function's role.
func TestStreamConsumerRole(t *testing.T) {
	res := mustRender(t, loadStack(t, streamStack), Observed{Account: account})
	tableARN := "arn:aws:dynamodb:eu-west-1:" + account + ":table/dev-orders"
	for fn, want := range map[string]map[string][]string{
		"projector": {"ReadStreams": {tableARN + "/stream/*"}, "OnFailureQueues": {"arn:aws:sqs:eu-west-1:" + account + ":dev-failed"}},
		"auditor":   {"ReadStreams": {tableARN + "/stream/*"}, "OnFailureTopics": {"arn:aws:sns:eu-west-1:" + account + ":dev-alerts"}},
	} {
		doc := rolePolicyDocument(t, object[*ack.Role](t, res, "Role", "shop."+fn))
		for sid, resources := range want {
			s := statementOf(doc, sid)
			if s == nil || !reflect.DeepEqual(s.Resource, resources) {
				t.Errorf("%s: statement %s = %+v, want resources %v", fn, sid, s, resources)
			}
		}
		if s := statementOf(doc, "ReadStreams"); s != nil && !reflect.DeepEqual(s.Action, streamReadActions) {
			t.Errorf("%s: stream actions %v", fn, s.Action)
		}
	}
}

func loadStack(t *testing.T, text string) *v1alpha1.EventDrivenStack {
	t.Helper()
	stack := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict([]byte(text), stack); err != nil {
		t.Fatal(err)
	}
	return stack
}

func rolePolicyDocument(t *testing.T, role *ack.Role) PolicyDocument {
	t.Helper()
	var doc PolicyDocument
	if err := json.Unmarshal([]byte(*role.Spec.InlinePolicies["eventstack"]), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func statementOf(doc PolicyDocument, sid string) *Statement {
	for i := range doc.Statement {
		if doc.Statement[i].Sid == sid {
			return &doc.Statement[i]
		}
	}
	return nil
}

// A stream mapping sends its failed batches with the function's role: the
// role may use the key of an encrypted on-failure queue or topic, as a
// producer (kms:GenerateDataKey and kms:Decrypt).
func TestStreamConsumerRoleUsesTheDestinationsKey(t *testing.T) {
	stack := loadStack(t, streamStack)
	key := "arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for i := range stack.Spec.Queues {
		if stack.Spec.Queues[i].Name == "failed" {
			stack.Spec.Queues[i].KMSMasterKeyID = key
		}
	}
	for i := range stack.Spec.Topics {
		if stack.Spec.Topics[i].Name == "alerts" {
			stack.Spec.Topics[i].KMSMasterKeyID = "alias/alerts"
		}
	}
	res := mustRender(t, stack, Observed{Account: account})
	for fn, want := range map[string]string{"projector": key, "auditor": "arn:aws:kms:eu-west-1:" + account + ":key/*"} {
		doc := rolePolicyDocument(t, object[*ack.Role](t, res, "Role", "shop."+fn))
		s := statementOf(doc, "Keys0")
		if s == nil || !reflect.DeepEqual(s.Resource, []string{want}) || !reflect.DeepEqual(s.Action, kmsProducerActions) {
			t.Errorf("%s: key statement %+v, want %v on %s", fn, s, kmsProducerActions, want)
		}
	}
}
