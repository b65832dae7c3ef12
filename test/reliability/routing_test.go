package reliability

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/eventstack-io/eventstack-operator/test/harness"
)

// busName is the seed's bus with a prefix.
func busName(prefix string) string { return prefix + "custom-event-bus" }

// checkRouting returns nil when the fake holds exactly the seed stack's
// routing under prefix: one bus of that prefix, the seed's four rules with
// their patterns, ENABLED, each with exactly one target (the component's
// ARN, the retry policy, the EventBridge DLQ, the workflow's events role),
// and exactly one Lambda permission per function target, from that rule.
// It is harness.CheckRouting, plus the bus count (listed through the
// EventBridge API: the fake has no accessor for it).
func checkRouting(ctx context.Context, ns, prefix string) error {
	buses, err := busesWithPrefix(ctx, prefix)
	if err != nil {
		return err
	}
	if len(buses) != 1 || buses[0] != busName(prefix) {
		return fmt.Errorf("buses %v, want exactly [%s]", buses, busName(prefix))
	}
	return harness.CheckRouting(ctx, k8s, fake, ns, prefix)
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

// functionARN is the ARN localack.PlayACK gives a seed function.
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
