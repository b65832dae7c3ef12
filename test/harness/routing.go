package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// SeedRules are the seed's four rules: their patterns, and the child whose
// ARN each one's target has.
var SeedRules = map[string]struct {
	Pattern string
	Target  string // Kind/name of the child
}{
	"order-events-rule":        {`{"source":["orders"],"detail-type":["Order Created","Order Completed"]}`, "Function/event-driven-stack.event-order-processor"},
	"inventory-events-rule":    {`{"source":["inventory"],"detail-type":["Inventory Updated"]}`, "Function/event-driven-stack.event-inventory-processor"},
	"notification-events-rule": {`{"source":["notifications"],"detail-type":["Notification Sent"]}`, "Function/event-driven-stack.event-notification-processor"},
	"workflow-events-rule":     {`{"source":["workflow"],"detail-type":["Workflow Triggered"]}`, "StateMachine/event-driven-stack.event-driven-workflow"},
}

// Children returns the ACK objects in a namespace, keyed Kind/name.
func Children(ctx context.Context, c client.Client, ns string) (map[string]ack.Object, error) {
	out := map[string]ack.Object{}
	for _, k := range ack.Kinds {
		list := k.List()
		if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
			return nil, err
		}
		for _, obj := range list.Objects() {
			out[k.GVK.Kind+"/"+obj.GetName()] = obj
		}
	}
	return out, nil
}

// SameJSON compares two JSON texts as values.
func SameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return reflect.DeepEqual(va, vb)
}

// CheckRouting returns nil when the fake holds exactly the seed stack's
// routing under a name prefix: the bus, the seed's four rules with their
// patterns, ENABLED, each with exactly one target (the component's ARN, the
// retry policy, the EventBridge DLQ, the workflow's events role), and
// exactly one Lambda permission per function target, from that rule.
func CheckRouting(ctx context.Context, c client.Client, fake *localaws.Server, ns, prefix string) error {
	kids, err := Children(ctx, c, ns)
	if err != nil {
		return err
	}
	dlq := kids["Queue/event-driven-stack.events--dlq"]
	if dlq == nil || dlq.ACKStatus().ARN() == "" {
		return fmt.Errorf("no EventBridge DLQ with an ARN")
	}
	bus := prefix + "custom-event-bus"
	if _, ok := fake.Bus(bus); !ok {
		return fmt.Errorf("no bus %s", bus)
	}
	rules := fake.Rules(bus)
	if len(rules) != len(SeedRules) {
		return fmt.Errorf("%d rules on the bus, want %d", len(rules), len(SeedRules))
	}
	for _, r := range rules {
		want, ok := SeedRules[strings.TrimPrefix(r.Name, prefix)]
		if !ok {
			return fmt.Errorf("unexpected rule %s", r.Name)
		}
		if !SameJSON(r.EventPattern, want.Pattern) || r.State != "ENABLED" {
			return fmt.Errorf("rule %s: pattern %s state %s", r.Name, r.EventPattern, r.State)
		}
		targets := fake.Targets(bus, r.Name)
		component := kids[want.Target]
		if len(targets) != 1 || component == nil || targets[0].Arn != component.ACKStatus().ARN() {
			return fmt.Errorf("rule %s targets %+v, want one: the ARN of %s", r.Name, targets, want.Target)
		}
		tg := targets[0]
		if tg.DeadLetterConfig == nil || tg.DeadLetterConfig.Arn != dlq.ACKStatus().ARN() || tg.RetryPolicy == nil ||
			ptr.Deref(tg.RetryPolicy.MaximumRetryAttempts, 0) != 185 || ptr.Deref(tg.RetryPolicy.MaximumEventAgeInSeconds, 0) != 86400 {
			return fmt.Errorf("rule %s target has no DLQ or retry policy: %+v", r.Name, tg)
		}
		if strings.HasPrefix(want.Target, "StateMachine/") {
			role := kids["Role/event-driven-stack.event-driven-workflow--events"]
			if role == nil || tg.RoleArn != role.ACKStatus().ARN() {
				return fmt.Errorf("workflow target role %q", tg.RoleArn)
			}
			continue
		}
		policy := fake.Policy(component.ACKStatus().ARN())
		if len(policy) != 1 || policy[0].SourceArn != r.Arn || policy[0].Principal != "events.amazonaws.com" ||
			policy[0].Sid != render.PermissionID(bus, r.Name) {
			return fmt.Errorf("function %s permissions %+v, want exactly one, %s from rule %s",
				want.Target, policy, render.PermissionID(bus, r.Name), r.Arn)
		}
	}
	return nil
}
