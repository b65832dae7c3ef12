package predict_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

func mustNew(t *testing.T, region, account string) predict.Predictor {
	t.Helper()
	p, err := predict.New(region, account)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Each kind gets AWS's ARN format, in the region's partition.
func TestARNFormats(t *testing.T) {
	objs := map[string]ack.Object{
		"queue":    &ack.Queue{Spec: ack.QueueSpec{QueueName: ptr.To("orders")}},
		"topic":    &ack.Topic{Spec: ack.TopicSpec{Name: ptr.To("news")}},
		"table":    &ack.Table{Spec: ack.TableSpec{TableName: ptr.To("things")}},
		"function": &ack.Function{Spec: ack.FunctionSpec{Name: ptr.To("fn")}},
		"sfn":      &ack.StateMachine{Spec: ack.StateMachineSpec{Name: ptr.To("saga")}},
		"role":     &ack.Role{Spec: ack.RoleSpec{Name: ptr.To("fn-role")}},
	}
	cases := []struct {
		region, partition, sqsDomain string
	}{
		{"us-east-1", "aws", "amazonaws.com"},
		{"eu-west-1", "aws", "amazonaws.com"},
		{"cn-north-1", "aws-cn", "amazonaws.com.cn"},
		{"us-gov-west-1", "aws-us-gov", "amazonaws.com"},
	}
	for _, tc := range cases {
		t.Run(tc.region, func(t *testing.T) {
			p := mustNew(t, tc.region, "123456789012")
			r, a := tc.region, "123456789012"
			want := map[string]string{
				"queue":    "arn:" + tc.partition + ":sqs:" + r + ":" + a + ":orders",
				"topic":    "arn:" + tc.partition + ":sns:" + r + ":" + a + ":news",
				"table":    "arn:" + tc.partition + ":dynamodb:" + r + ":" + a + ":table/things",
				"function": "arn:" + tc.partition + ":lambda:" + r + ":" + a + ":function:fn",
				"sfn":      "arn:" + tc.partition + ":states:" + r + ":" + a + ":stateMachine:saga",
				"role":     "arn:" + tc.partition + ":iam::" + a + ":role/fn-role",
			}
			for k, obj := range objs {
				if got := p.ARN(obj); got != want[k] {
					t.Errorf("%s: %s, want %s", k, got, want[k])
				}
			}
			if got, want := p.QueueURL(objs["queue"].(*ack.Queue)), "https://sqs."+r+"."+tc.sqsDomain+"/"+a+"/orders"; got != want {
				t.Errorf("queue URL %s, want %s", got, want)
			}
			if got, want := p.EventBusARN("bus"), "arn:"+tc.partition+":events:"+r+":"+a+":event-bus/bus"; got != want {
				t.Errorf("bus %s, want %s", got, want)
			}
			if got, want := p.RuleARN("bus", "rule"), "arn:"+tc.partition+":events:"+r+":"+a+":rule/bus/rule"; got != want {
				t.Errorf("rule %s, want %s", got, want)
			}
		})
	}
}

// Subscriptions and event source mappings get a stable id per child, distinct
// between children.
func TestPlaceholderIDsAreStableAndDistinct(t *testing.T) {
	p := mustNew(t, "us-east-1", predict.PlaceholderAccount)
	esm := func(name string) *ack.EventSourceMapping {
		o := &ack.EventSourceMapping{ObjectMeta: metav1.ObjectMeta{Name: name}}
		o.SetGroupVersionKind(ack.LambdaGroupVersion.WithKind("EventSourceMapping"))
		return o
	}
	a1, a2, b := p.ARN(esm("a")), p.ARN(esm("a")), p.ARN(esm("b"))
	if a1 != a2 || a1 == b || !strings.HasPrefix(a1, "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:") {
		t.Errorf("ESM ARNs %s, %s, %s", a1, a2, b)
	}
	sub := &ack.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "s"}, Spec: ack.SubscriptionSpec{TopicARN: ptr.To("arn:aws:sns:us-east-1:000000000000:news")}}
	if got := p.ARN(sub); !strings.HasPrefix(got, "arn:aws:sns:us-east-1:000000000000:news:") || len(got) != len("arn:aws:sns:us-east-1:000000000000:news:")+36 {
		t.Errorf("subscription ARN %s", got)
	}
}

func TestNewRefusesABadAccount(t *testing.T) {
	for _, acct := range []string{"", "12345678901", "1234567890123", "12345678901a"} {
		if _, err := predict.New("us-east-1", acct); err == nil {
			t.Errorf("account %q accepted", acct)
		}
	}
}

// Resolve records every child's, the bus's and every rule's ARN, and every
// queue's URL: with it the seed renders with nothing waiting.
func TestResolveSeed(t *testing.T) {
	stack := seed.Stack(t, "shop")
	p := mustNew(t, stack.Spec.Region, predict.PlaceholderAccount)
	obs, err := predict.Resolve(stack, p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Children {
		if c.Object == nil || len(c.Partial) > 0 {
			t.Errorf("%s %s still waits: %v %v", c.Kind, c.Name, c.Needs, c.Partial)
			continue
		}
		if got, want := obs.ARNs[c.Component], p.ARN(c.Object); got == "" || got != want {
			t.Errorf("%s: ARN %q, want %q", c.Component, got, want)
		}
	}
	want := map[string]string{
		render.EventBusKey("custom-event-bus"):  "arn:aws:events:us-east-1:000000000000:event-bus/custom-event-bus",
		render.RuleKey("order-events-rule"):     "arn:aws:events:us-east-1:000000000000:rule/custom-event-bus/order-events-rule",
		render.RuleKey("workflow-events-rule"):  "arn:aws:events:us-east-1:000000000000:rule/custom-event-bus/workflow-events-rule",
		"queue/order-dlq":                       "arn:aws:sqs:us-east-1:000000000000:order-dlq",
		"role/event-order-processor":            "arn:aws:iam::000000000000:role/event-order-processor-role",
		"events-role/event-driven-workflow":     "arn:aws:iam::000000000000:role/event-driven-workflow-events-role",
		"workflow/event-driven-workflow":        "arn:aws:states:us-east-1:000000000000:stateMachine:event-driven-workflow",
		"eventbridge/dlq":                       "arn:aws:sqs:us-east-1:000000000000:event-driven-stack-events-dlq",
		"function/event-notification-processor": "arn:aws:lambda:us-east-1:000000000000:function:event-notification-processor",
	}
	for k, v := range want {
		if obs.ARNs[k] != v {
			t.Errorf("ARN of %s: %q, want %q", k, obs.ARNs[k], v)
		}
	}
	if got := obs.URLs["queue/order-queue"]; got != "https://sqs.us-east-1.amazonaws.com/000000000000/order-queue" {
		t.Errorf("order-queue URL %q", got)
	}
	routing, err := render.BuildRouting(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routing.Rules {
		if len(r.Needs) > 0 {
			t.Errorf("rule %s waits for %v", r.Name, r.Needs)
		}
	}
}

// The predictions are the ARNs and URLs the tests' ACK player reports (which
// the envtest suites check the operator against), for every kind whose ARN
// is not an id AWS generates.
func TestPredictionsAreWhatTheTestACKReports(t *testing.T) {
	stack := seed.Stack(t, "shop")
	p := mustNew(t, stack.Spec.Region, localack.AccountID)
	obs, err := predict.Resolve(stack, p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Children {
		switch c.Object.(type) {
		case *ack.Subscription, *ack.EventSourceMapping:
			continue
		}
		if got, want := p.ARN(c.Object), localack.FakeARN(c.Object, stack.Spec.Region); got != want {
			t.Errorf("%s %s: predicted %s, ACK (as the tests play it) %s", c.Kind, c.Name, got, want)
		}
		if q, ok := c.Object.(*ack.Queue); ok {
			if got, want := p.QueueURL(q), localack.FakeQueueURL(q, stack.Spec.Region); got != want {
				t.Errorf("queue %s: predicted URL %s, ACK %s", c.Name, got, want)
			}
		}
	}
}

// A child that waits for something no child provides never resolves: Resolve
// stops and names it instead of looping.
func TestResolveStopsOnWhatNeverResolves(t *testing.T) {
	stack := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: "shop"},
		Spec: v1alpha1.EventDrivenStackSpec{Region: "us-east-1", Queues: []v1alpha1.Queue{{
			// Validate refuses this; Resolve must not hang on it. A redrive
			// policy needs its dead-letter queue to exist: no ARN is derived.
			Name: "q", DeadLetter: &v1alpha1.DeadLetter{Queue: "no-such-queue", MaxReceiveCount: 3},
		}}},
	}
	_, err := predict.Resolve(stack, mustNew(t, "us-east-1", predict.PlaceholderAccount))
	if err == nil || !strings.Contains(err.Error(), "broken.no-such-queue") {
		t.Fatalf("want an error naming the missing queue, got %v", err)
	}
}
