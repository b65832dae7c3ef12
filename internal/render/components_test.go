package render

import (
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// Every kind of component has a row that states each of its facts, its
// child's kind is an ACK kind or one the operator makes itself, and the
// builders agree with it: the child a component waits for is the one the
// builder makes, and its derived ARN is the one its child reports (as the
// local ACK stand-in reports it).
func TestComponentsTable(t *testing.T) {
	own := map[string]bool{"EventBus": true, "Rule": true, "LogGroup": true}
	for kind, c := range components {
		if c.kind == "" || c.child == nil || c.awsName == nil || c.arn == nil {
			t.Errorf("component %s: a fact is missing: %+v", kind, c)
		}
		if ack.KindNamed(c.kind) == nil && !own[c.kind] {
			t.Errorf("component %s is reported by %s, neither an ACK kind of ack.Kinds nor the operator's own", kind, c.kind)
		}
	}

	stack := loadSeed(t)
	stack.Spec.NamePrefix = "dev-"
	b := newBuilder(stack, Observed{Account: account})
	// Render until every child is built, each reporting the ARN and URL
	// its kind derives (as the ACK stand-in does).
	obs := Observed{Account: account, ARNs: map[string]string{}, URLs: map[string]string{}, MappingUUIDs: NoExistingMappings(stack)}
	for _, lg := range LogGroups(stack) {
		obs.ARNs[lg.Component()] = b.Derived(lg.Kind, lg.Of)
	}
	var res *Result
	for round := 0; round < 10; round++ {
		res = mustRender(t, stack, obs)
		for _, c := range res.Children {
			if c.Object != nil {
				obs.ARNs[c.Component] = ack.KindOf(c.Object).ARN(c.Object, *b.scope, string(c.Object.GetUID()))
				if q, ok := c.Object.(*ack.Queue); ok {
					obs.URLs[c.Component] = b.scope.QueueURL(*q.Spec.QueueName)
				}
			}
		}
	}
	built := map[string]Child{}
	for _, c := range res.Children {
		built[c.Component] = c
	}
	checked := map[refs.Kind]bool{}
	for key, c := range built {
		kind, name, _ := strings.Cut(key, "/")
		row, ok := components[refs.Kind(kind)]
		if !ok || strings.Contains(name, "/") {
			continue // a part of a component (a subscription, a mapping): nothing waits for it by name
		}
		checked[refs.Kind(kind)] = true
		if k, n := b.componentChild(refs.Kind(kind), name); k != c.Kind || n != c.Name {
			t.Errorf("%s: the table names child %s %s, the builder made %s %s", key, k, n, c.Kind, c.Name)
		}
		if c.Object == nil {
			t.Errorf("%s: not built with every ARN derived", key)
			continue
		}
		if want, got := ack.KindOf(c.Object).ARN(c.Object, *b.scope, ""), b.Derived(refs.Kind(kind), name); got != want {
			t.Errorf("%s: derived ARN %s, its child's is %s", key, got, want)
		}
		if got := row.awsName(stack, name); ack.KindOf(c.Object).AWSName(c.Object) != got {
			t.Errorf("%s: AWS name %s, its child's is %s", key, got, ack.KindOf(c.Object).AWSName(c.Object))
		}
	}
	for _, kind := range []refs.Kind{refs.Queue, refs.Topic, refs.Table, refs.Function, refs.Workflow, roleKind, eventsRoleKind, eventsDLQKind} {
		if !checked[kind] {
			t.Errorf("the seed has no %s component: its row is not proven", kind)
		}
	}
	// The operator's own kinds, which no ACK child reports: their ARNs as
	// AWS forms them (EventBridge and CloudWatch Logs references).
	for _, c := range []struct {
		kind refs.Kind
		name string
		want string
	}{
		{refs.EventBus, "custom-event-bus", "arn:aws:events:us-east-1:" + account + ":event-bus/dev-custom-event-bus"},
		{ruleKind, "order-events-rule", "arn:aws:events:us-east-1:" + account + ":rule/dev-custom-event-bus/dev-order-events-rule"},
		{LogGroupKind, "event-driven-workflow", "arn:aws:logs:us-east-1:" + account + ":log-group:/aws/vendedlogs/states/dev-event-driven-workflow:*"},
	} {
		if got := b.Derived(c.kind, c.name); got != c.want {
			t.Errorf("%s/%s: derived %q, AWS gives %q", c.kind, c.name, got, c.want)
		}
	}
	if got := b.Derived("nothing", "x"); got != "" {
		t.Errorf("an unknown kind derives %q", got)
	}
	if got := newBuilder(stack, Observed{}).Derived(refs.Queue, "x"); got != "" {
		t.Errorf("without the account, %q", got)
	}
}
