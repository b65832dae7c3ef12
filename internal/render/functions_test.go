package render

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// A function's /tmp, reserved concurrency and JSON logging with levels, and
// its consumer's filters, reach the children as ACK's fields take them; the
// seed's functions (none set) keep Lambda's defaults and no filters.
func TestFunctionSettings(t *testing.T) {
	stack := loadSeed(t)
	f := &stack.Spec.Functions[0]
	f.EphemeralStorageMB, f.ReservedConcurrency = ptr.To[int32](2048), ptr.To[int32](0)
	f.Logging = &v1alpha1.FunctionLogging{Format: v1alpha1.LogFormatJSON, ApplicationLogLevel: "DEBUG", SystemLogLevel: "WARN"}
	f.Consumes[0].Filters = []apiextensionsv1.JSON{{Raw: []byte(`{ "body": { "status": [ "PAID" ] } }`)}}
	res := mustRender(t, stack, seedObserved())
	var fns []*ack.Function
	var esms []*ack.EventSourceMapping
	for _, c := range res.Children {
		switch o := c.Object.(type) {
		case *ack.Function:
			fns = append(fns, o)
		case *ack.EventSourceMapping:
			esms = append(esms, o)
		}
	}
	for _, fn := range fns {
		s := fn.Spec
		if *s.Name == awsName(stack, f.Name) {
			if *s.EphemeralStorage.Size != 2048 || ptr.Deref(s.ReservedConcurrentExecutions, -1) != 0 || *s.LoggingConfig.LogFormat != "JSON" ||
				ptr.Deref(s.LoggingConfig.ApplicationLogLevel, "") != "DEBUG" || ptr.Deref(s.LoggingConfig.SystemLogLevel, "") != "WARN" {
				t.Errorf("%s: /tmp %d, concurrency %v, logging %+v", *s.Name, *s.EphemeralStorage.Size, s.ReservedConcurrentExecutions, *s.LoggingConfig)
			}
			continue
		}
		if *s.EphemeralStorage.Size != DefaultEphemeralStorageMB || s.ReservedConcurrentExecutions != nil || *s.LoggingConfig.LogFormat != "Text" ||
			s.LoggingConfig.ApplicationLogLevel != nil || s.LoggingConfig.SystemLogLevel != nil {
			t.Errorf("%s, which sets none: /tmp %d, concurrency %v, logging %+v", *s.Name, *s.EphemeralStorage.Size, s.ReservedConcurrentExecutions, *s.LoggingConfig)
		}
	}
	filtered := 0
	for _, m := range esms {
		if m.Spec.FilterCriteria == nil {
			continue
		}
		filtered++
		if got := *m.Spec.FilterCriteria.Filters[0].Pattern; got != `{"body":{"status":["PAID"]}}` {
			t.Errorf("filter %s", got)
		}
	}
	if filtered != 1 {
		t.Errorf("%d mappings with filters, want 1", filtered)
	}
}

// A target on another event bus puts the events there with a role the
// operator generates for the rule: events:PutEvents on that bus only.
func TestTargetOnAnotherBus(t *testing.T) {
	stack := loadSeed(t)
	const bus = "arn:aws:events:us-east-1:210987654321:event-bus/audit"
	r := &stack.Spec.Rules[0]
	r.Targets = append(r.Targets, v1alpha1.RuleTarget{EventBusARN: bus})
	obs := seedObserved()
	roleComponent := Key(busRoleKind, r.Name)
	res := mustRender(t, stack, obs)
	var role *ack.Role
	for _, c := range res.Children {
		if c.Component == roleComponent {
			role, _ = c.Object.(*ack.Role)
		}
	}
	if role == nil {
		t.Fatalf("no role %s among the children", roleComponent)
	}
	g := grants(t, inlinePolicy(t, role))
	if len(g) != 1 || !contains(g["events:PutEvents"], bus) || len(g["events:PutEvents"]) != 1 {
		t.Errorf("the bus role grants %v, want events:PutEvents on %s only", g, bus)
	}
	obs.ARNs[roleComponent] = "arn:aws:iam::" + account + ":role/" + busRoleAWSName(stack, r.Name)
	rt, err := BuildRouting(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, route := range rt.Rules {
		if route.PutTargets == nil {
			continue
		}
		for _, tg := range route.PutTargets.Targets {
			if ptr.Deref(tg.Arn, "") == bus {
				found = true
				if ptr.Deref(tg.RoleArn, "") != obs.ARNs[roleComponent] || ptr.Deref(tg.Id, "") != "bus-audit" {
					t.Errorf("bus target %+v", tg)
				}
			}
		}
	}
	if !found {
		t.Error("no target on the other bus")
	}
}

// A target's own dead-letter queue: its undelivered events go there, the
// queue's policy lets the rule send to it, and it gets the alarm every
// dead-letter queue gets.
func TestTargetDeadLetterQueue(t *testing.T) {
	stack := loadSeed(t)
	stack.Spec.Queues = append(stack.Spec.Queues, v1alpha1.Queue{Name: "order-events-dlq"})
	r := &stack.Spec.Rules[0]
	r.Targets[0].DeadLetterQueue = "order-events-dlq"
	obs := seedObserved()
	obs.ARNs[Key(refs.Queue, "order-events-dlq")] = queueARN("order-events-dlq")
	obs.URLs[Key(refs.Queue, "order-events-dlq")] = queueURL("order-events-dlq")
	rt, err := BuildRouting(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range rt.Rules {
		if route.Component != RuleKey(r.Name) {
			continue
		}
		if route.PutTargets == nil {
			t.Fatalf("%s waits for %v", route.Name, route.Needs)
		}
		if got := ptr.Deref(route.PutTargets.Targets[0].DeadLetterConfig.Arn, ""); got != queueARN("order-events-dlq") {
			t.Errorf("the target's dead-letter queue is %s", got)
		}
	}
	res := mustRender(t, stack, obs)
	q := object[*ack.Queue](t, res, "Queue", child("order-events-dlq"))
	if q.Spec.Policy == nil || !strings.Contains(*q.Spec.Policy, "events.amazonaws.com") || !strings.Contains(*q.Spec.Policy, r.Name) {
		t.Errorf("the queue's policy does not let the rule send: %v", ptr.Deref(q.Spec.Policy, ""))
	}
	found := false
	for _, a := range Alarms(stack) {
		found = found || a.Watches == Key(refs.Queue, "order-events-dlq")
	}
	if !found {
		t.Error("the target's dead-letter queue has no alarm")
	}
}
