package render

import (
	"encoding/json"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// The fields ACK leaves as they are in AWS when they are unset are always
// written: an unset value would never be applied (docs/ack-behaviour.md).

// sns-controller v1.6.0 takes AWS's rawMessageDelivery for an unset one, so
// false is written as "false".
func TestRawMessageDeliveryIsWrittenWhereSNSTakesIt(t *testing.T) {
	for _, raw := range []bool{false, true} {
		for _, sub := range []v1alpha1.Subscription{
			{Protocol: "sqs", Queue: "order-queue", RawMessageDelivery: raw},
			{Protocol: "https", Endpoint: "https://hooks.example.com/orders", RawMessageDelivery: raw},
		} {
			stack := loadSeed(t)
			stack.Spec.Topics[0].Subscriptions = []v1alpha1.Subscription{sub}
			res := mustRender(t, stack, seedObserved())
			for _, c := range res.Children {
				if c.Kind != "Subscription" {
					continue
				}
				got := c.Object.(*ack.Subscription).Spec.RawMessageDelivery
				if want := map[bool]string{true: "true", false: "false"}[raw]; got == nil || *got != want {
					t.Errorf("%s rawMessageDelivery %v: spec has %v, want %q", sub.Protocol, raw, got, want)
				}
			}
		}
	}
}

// SNS refuses RawMessageDelivery, even "false", on protocols that do not
// deliver raw messages (InvalidParameter, which ACK's sns controller makes
// terminal): the attribute is never written for them.
func TestRawMessageDeliveryOnlyWhereSNSTakesIt(t *testing.T) {
	for _, sub := range []v1alpha1.Subscription{
		{Protocol: "email", Endpoint: "ops@example.com"},
		{Protocol: "email-json", Endpoint: "ops@example.com"},
		{Protocol: "sms", Endpoint: "+15555550100"},
	} {
		stack := loadSeed(t)
		stack.Spec.Topics[0].Subscriptions = []v1alpha1.Subscription{sub}
		res := mustRender(t, stack, seedObserved())
		found := false
		for _, c := range res.Children {
			if c.Kind != "Subscription" {
				continue
			}
			found = true
			if got := c.Object.(*ack.Subscription).Spec.RawMessageDelivery; got != nil {
				t.Errorf("%s subscription: rawMessageDelivery %q is written; SNS refuses it for this protocol", sub.Protocol, *got)
			}
		}
		if !found {
			t.Fatalf("%s: no subscription rendered", sub.Protocol)
		}
	}
}

// sfn-controller v1.4.2 updates a state machine without a logging
// configuration at each of its reconciles: it is OFF explicitly, and a
// workflow's logging goes to its log group once the operator reports it.
func TestStateMachineLogging(t *testing.T) {
	res := mustRender(t, loadSeed(t), seedObserved())
	sm := object[*ack.StateMachine](t, res, "StateMachine", child("event-driven-workflow"))
	if l := sm.Spec.LoggingConfiguration; l == nil || deref(l.Level) != "OFF" || l.IncludeExecutionData == nil || *l.IncludeExecutionData || len(l.Destinations) != 0 {
		t.Errorf("logging without spec.logging = %s, want level OFF and includeExecutionData false", jsonOf(l))
	}
	role := object[*ack.Role](t, res, "Role", child("event-driven-workflow"))
	if g := grants(t, inlinePolicy(t, role)); len(g["logs:CreateLogDelivery"]) != 0 {
		t.Errorf("a workflow without logging may deliver logs: %v", g)
	}

	stack := loadSeed(t)
	stack.Spec.Workflows[0].Logging = &v1alpha1.WorkflowLogging{Level: "ERROR", IncludeExecutionData: true}
	c := find(t, mustRender(t, stack, seedObserved()), "StateMachine", child("event-driven-workflow"))
	if c.Object != nil || len(c.Needs) != 1 || c.Needs[0] != dep("LogGroup", "/aws/vendedlogs/states/event-driven-workflow", "ARN") {
		t.Fatalf("a logging workflow before its log group exists: object %v, needs %v", c.Object != nil, c.Needs)
	}
	obs := seedObserved()
	lg := "arn:aws:logs:us-east-1:" + account + ":log-group:/aws/vendedlogs/states/event-driven-workflow:*"
	obs.ARNs[Key(LogGroupKind, "event-driven-workflow")] = lg
	res = mustRender(t, stack, obs)
	sm = object[*ack.StateMachine](t, res, "StateMachine", child("event-driven-workflow"))
	l := sm.Spec.LoggingConfiguration
	if deref(l.Level) != "ERROR" || !*l.IncludeExecutionData || len(l.Destinations) != 1 || deref(l.Destinations[0].CloudWatchLogsLogGroup.LogGroupARN) != lg {
		t.Errorf("logging = %s", jsonOf(l))
	}
	g := grants(t, inlinePolicy(t, object[*ack.Role](t, res, "Role", child("event-driven-workflow"))))
	for _, a := range sfnLogDeliveryActions {
		if !contains(g[a], "*") {
			t.Errorf("the logging workflow's role lacks %s: %v", a, g)
		}
	}
	if got := LogGroups(stack); len(got) != 1 || got[0].Of != "event-driven-workflow" || got[0].RetentionDays != 30 {
		t.Errorf("LogGroups = %v, want the workflow's with 30 days", got)
	}
	stack.Spec.Functions[1].Logging = &v1alpha1.FunctionLogging{RetentionDays: 7}
	got := LogGroups(stack)
	if len(got) != 2 || got[0].Kind != FunctionLogGroupKind || got[0].Name != FunctionLogGroupName(stack, stack.Spec.Functions[1].Name) ||
		got[0].RetentionDays != 7 {
		t.Errorf("LogGroups with a function's retention = %+v, want the function's first (by component), with 7 days", got)
	}
}

// Removing a queue's or topic's last grant, or a queue's dead-letter queue,
// writes an explicit value: sqs-controller v1.6.1 sends an attribute only when
// it is set, and SNS refuses an empty policy.
func TestRemovedPoliciesAreReplacedExplicitly(t *testing.T) {
	stack := loadSeed(t)
	// The topic delivers to order-queue, and a rule to the topic: both get a policy.
	stack.Spec.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sqs", Queue: "order-queue"}}
	stack.Spec.Rules[0].Targets = append(stack.Spec.Rules[0].Targets, v1alpha1.RuleTarget{Topic: "event-notifications"})
	obs := seedObserved()
	obs.ARNs[RuleKey("order-events-rule")] = "arn:aws:events:us-east-1:" + account + ":rule/custom-event-bus/order-events-rule"
	before := mustRender(t, stack, obs)
	queue := object[*ack.Queue](t, before, "Queue", child("order-queue"))
	topic := object[*ack.Topic](t, before, "Topic", child("event-notifications"))
	if queue.Spec.Policy == nil || topic.Spec.Policy == nil || queue.Spec.RedrivePolicy == nil {
		t.Fatalf("granted: queue policy %v, topic policy %v, redrive %v", queue.Spec.Policy, topic.Spec.Policy, queue.Spec.RedrivePolicy)
	}
	// What ACK reports on them.
	queue.Status.ACKResourceMetadata = seedStatusARN(queueARN("order-queue"))
	topic.Status.ACKResourceMetadata = seedStatusARN(topicARN)

	// Never granted: nothing is written.
	plain := mustRender(t, loadSeed(t), seedObserved())
	if p := object[*ack.Queue](t, plain, "Queue", child("order-dlq")).Spec.Policy; p != nil {
		t.Errorf("a queue that never had a grant gets a policy: %s", *p)
	}

	stack = loadSeed(t)
	stack.Spec.Queues[0].DeadLetter = nil
	obs.Children = map[string]ack.Object{Key(refs.Queue, "order-queue"): queue, Key(refs.Topic, "event-notifications"): topic}
	after := mustRender(t, stack, obs)
	q := object[*ack.Queue](t, after, "Queue", child("order-queue"))
	var qp PolicyDocument
	if q.Spec.Policy == nil || json.Unmarshal([]byte(*q.Spec.Policy), &qp) != nil || len(qp.Statement) != 1 ||
		qp.Statement[0].Principal["AWS"] != "arn:aws:iam::"+account+":root" || qp.Statement[0].Resource[0] != queueARN("order-queue") {
		t.Errorf("queue policy after the last grant went: %v, want the owner's only", q.Spec.Policy)
	}
	if q.Spec.RedrivePolicy == nil || *q.Spec.RedrivePolicy != "" {
		t.Errorf("redrive policy after the dead-letter queue went: %v, want an empty string", q.Spec.RedrivePolicy)
	}
	tp := object[*ack.Topic](t, after, "Topic", child("event-notifications"))
	var doc struct {
		ID        string `json:"Id"`
		Statement []struct {
			Resource  string
			Condition map[string]map[string]string
		}
	}
	if tp.Spec.Policy == nil || json.Unmarshal([]byte(*tp.Spec.Policy), &doc) != nil || doc.ID != "__default_policy_ID" ||
		doc.Statement[0].Resource != topicARN || doc.Statement[0].Condition["StringEquals"]["AWS:SourceOwner"] != account {
		t.Errorf("topic policy after the last grant went: %v, want SNS's default", tp.Spec.Policy)
	}
}

func seedStatusARN(arn string) *ackv1alpha1.ResourceMetadata {
	return &ackv1alpha1.ResourceMetadata{ARN: ptr.To(ackv1alpha1.AWSResourceName(arn))}
}

// code.sha256 reaches the ACK Function's spec.code.sha256, which
// lambda-controller v1.14.1 compares with the code Lambda runs to update it.
func TestCodeSHA256IsPassedToACK(t *testing.T) {
	stack := loadSeed(t)
	const sha = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	stack.Spec.Functions[0].Code.SHA256 = sha
	res := mustRender(t, stack, seedObserved())
	if got := object[*ack.Function](t, res, "Function", child("event-order-processor")).Spec.Code.SHA256; got == nil || *got != sha {
		t.Errorf("code.sha256 = %v, want %s", got, sha)
	}
	if got := object[*ack.Function](t, res, "Function", child("event-inventory-processor")).Spec.Code.SHA256; got != nil {
		t.Errorf("a function without sha256 got %s", *got)
	}
}

// sns-controller v1.6.0 compares a subscription's filterPolicyScope with the
// one SNS reports (MessageAttributes once a filter policy is set): it is
// written with every filter policy.
func TestFilterPolicyScopeIsWritten(t *testing.T) {
	stack := loadSeed(t)
	stack.Spec.Topics[0].Subscriptions = []v1alpha1.Subscription{
		{Protocol: "sqs", Queue: "order-queue", FilterPolicy: &apiextensionsv1.JSON{Raw: []byte(`{"kind":["order"]}`)}},
		{Protocol: "sqs", Queue: "inventory-queue"},
	}
	res := mustRender(t, stack, seedObserved())
	for _, c := range res.Children {
		sub, ok := c.Object.(*ack.Subscription)
		if !ok {
			continue
		}
		if scope := deref(sub.Spec.FilterPolicyScope); (sub.Spec.FilterPolicy != nil) != (scope == "MessageAttributes") {
			t.Errorf("%s: filterPolicy %v with scope %q", c.Name, sub.Spec.FilterPolicy, scope)
		}
	}
}
