package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// seedRules are the seed's four rules, their patterns and targets (copied
// from controllers/routing_test.go).
var seedRules = map[string]struct {
	pattern string
	target  string // Kind/name of the child whose ARN the target has
}{
	"order-events-rule":        {`{"source":["orders"],"detail-type":["Order Created","Order Completed"]}`, "Function/event-driven-stack.event-order-processor"},
	"inventory-events-rule":    {`{"source":["inventory"],"detail-type":["Inventory Updated"]}`, "Function/event-driven-stack.event-inventory-processor"},
	"notification-events-rule": {`{"source":["notifications"],"detail-type":["Notification Sent"]}`, "Function/event-driven-stack.event-notification-processor"},
	"workflow-events-rule":     {`{"source":["workflow"],"detail-type":["Workflow Triggered"]}`, "StateMachine/event-driven-stack.event-driven-workflow"},
}

func sameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return reflect.DeepEqual(va, vb)
}

// busName is the seed's bus with a prefix.
func busName(prefix string) string { return prefix + "custom-event-bus" }

// checkRouting returns nil when the fake holds exactly the seed stack's
// routing under prefix: one bus of that prefix, the seed's four rules with
// their patterns, ENABLED, each with exactly one target (the component's
// ARN, the retry policy, the EventBridge DLQ, the workflow's events role),
// and exactly one Lambda permission per function target, from that rule.
// It is controllers/routing_test.go's checkRouting, plus the bus count
// (listed through the EventBridge API: the fake has no accessor for it).
func checkRouting(ctx context.Context, ns, prefix string) error {
	kids, err := children(ctx, ns)
	if err != nil {
		return err
	}
	dlq := kids["Queue/event-driven-stack.events--dlq"]
	if dlq == nil || dlq.ACKStatus().ARN() == "" {
		return fmt.Errorf("no EventBridge DLQ with an ARN")
	}
	buses, err := busesWithPrefix(ctx, prefix)
	if err != nil {
		return err
	}
	if len(buses) != 1 || buses[0] != busName(prefix) {
		return fmt.Errorf("buses %v, want exactly [%s]", buses, busName(prefix))
	}
	bus := busName(prefix)
	rules := fake.Rules(bus)
	if len(rules) != len(seedRules) {
		return fmt.Errorf("%d rules on the bus, want %d", len(rules), len(seedRules))
	}
	for _, r := range rules {
		want, ok := seedRules[strings.TrimPrefix(r.Name, prefix)]
		if !ok {
			return fmt.Errorf("unexpected rule %s", r.Name)
		}
		if !sameJSON(r.EventPattern, want.pattern) || r.State != "ENABLED" {
			return fmt.Errorf("rule %s: pattern %s state %s", r.Name, r.EventPattern, r.State)
		}
		targets := fake.Targets(bus, r.Name)
		component := kids[want.target]
		if len(targets) != 1 || component == nil || targets[0].Arn != component.ACKStatus().ARN() {
			return fmt.Errorf("rule %s targets %+v, want one: the ARN of %s", r.Name, targets, want.target)
		}
		tg := targets[0]
		if tg.DeadLetterConfig == nil || tg.DeadLetterConfig.Arn != dlq.ACKStatus().ARN() || tg.RetryPolicy == nil ||
			ptr.Deref(tg.RetryPolicy.MaximumRetryAttempts, 0) != 185 || ptr.Deref(tg.RetryPolicy.MaximumEventAgeInSeconds, 0) != 86400 {
			return fmt.Errorf("rule %s target has no DLQ or retry policy: %+v", r.Name, tg)
		}
		if strings.HasPrefix(want.target, "StateMachine/") {
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
				want.target, policy, render.PermissionID(bus, r.Name), r.Arn)
		}
	}
	return nil
}

// routingProgress is what exists of the routing under prefix: whether the
// bus exists, how many rules it has, how many have at least one target,
// and how many Lambda permissions the stack's functions hold.
type routingProgress struct {
	bus                         bool
	rules, withTargets, targets int
	permissions                 int
}

func (p routingProgress) String() string {
	return fmt.Sprintf("bus %t, %d rules, %d with targets (%d targets), %d Lambda permissions",
		p.bus, p.rules, p.withTargets, p.targets, p.permissions)
}

// progressOf reads the routing from the fake (in process: no call counted).
func progressOf(prefix string) routingProgress {
	var p routingProgress
	_, p.bus = fake.Bus(busName(prefix))
	for _, r := range fake.Rules(busName(prefix)) {
		p.rules++
		n := len(fake.Targets(busName(prefix), r.Name))
		p.targets += n
		if n > 0 {
			p.withTargets++
		}
	}
	for _, fn := range []string{"event-order-processor", "event-inventory-processor", "event-notification-processor"} {
		p.permissions += len(fake.Policy(functionARN(prefix, fn)))
	}
	return p
}

// functionARN is the ARN testenv.PlayACK gives a seed function.
func functionARN(prefix, fn string) string {
	return "arn:aws:lambda:us-east-1:" + fake.AccountID + ":function:" + prefix + fn
}

// busesWithPrefix lists the event buses whose name starts with prefix,
// through the EventBridge API (the operator never calls ListEventBuses, so
// these calls are told apart in the fake's counts).
func busesWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	eb := eventbridge.New(eventbridge.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(fake.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:   metricsClient,
	})
	var names []string
	var token *string
	for range 100 {
		out, err := eb.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{NamePrefix: aws.String(prefix), NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, b := range out.EventBuses {
			names = append(names, aws.ToString(b.Name))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	return names, nil
}

// operatorCalls is the fake's request count, without the tests' own
// ListEventBuses calls: every request an operator process made.
func operatorCalls() int {
	n := 0
	for op, c := range fake.Calls() {
		if op != "events:ListEventBuses" {
			n += c
		}
	}
	return n
}
