package render

import (
	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// component is what render knows of one kind of stack component, whatever
// builds it: the kind of the child that reports its values (an ACK kind, or
// EventBus, Rule and LogGroup, which the operator makes itself), that child's
// name, the component's name in AWS, and the ARN AWS gives it there. What
// waits for a component (exists, named, url) and what derives its ARN read
// this table; a new kind of component is a row here and its builder.
type component struct {
	kind    string
	child   func(stack *v1alpha1.EventDrivenStack, name string) string
	awsName func(stack *v1alpha1.EventDrivenStack, name string) string
	// arn is the ARN of the resource named awsName in a scope (the formats
	// are package arns'); "" when it cannot be known from names (a rule
	// without a bus).
	arn func(s arns.Scope, stack *v1alpha1.EventDrivenStack, awsName string) string
}

// components are the stack's kinds of components, by their kind in
// Observed's keys ("queue/order-queue").
var components = map[refs.Kind]component{
	refs.Queue:     {"Queue", componentChildName, queueAWSName, in(arns.Scope.Queue)},
	refs.Topic:     {"Topic", componentChildName, topicAWSName, in(arns.Scope.Topic)},
	refs.Table:     {"Table", componentChildName, awsName, in(arns.Scope.Table)},
	refs.Function:  {"Function", componentChildName, awsName, in(arns.Scope.Function)},
	refs.Workflow:  {"StateMachine", componentChildName, awsName, in(arns.Scope.StateMachine)},
	roleKind:       {"Role", componentChildName, roleAWSName, in(arns.Scope.Role)},
	eventsRoleKind: {"Role", eventsRoleChildName, eventsRoleAWSName, in(arns.Scope.Role)},
	busRoleKind:    {"Role", busRoleChildName, busRoleAWSName, in(arns.Scope.Role)},
	eventsDLQKind: {"Queue",
		func(stack *v1alpha1.EventDrivenStack, _ string) string { return eventsDLQChildName(stack) },
		func(stack *v1alpha1.EventDrivenStack, _ string) string { return eventsDLQAWSName(stack) },
		in(arns.Scope.Queue)},
	// What the operator makes itself is known by its AWS name.
	refs.EventBus:        {"EventBus", awsName, awsName, in(arns.Scope.EventBus)},
	ruleKind:             {"Rule", awsName, awsName, ruleARN},
	LogGroupKind:         {"LogGroup", LogGroupName, LogGroupName, in(arns.Scope.LogGroup)},
	FunctionLogGroupKind: {"LogGroup", FunctionLogGroupName, FunctionLogGroupName, in(arns.Scope.LogGroup)},
	AlarmKind:            {"MetricAlarm", componentChildName, AlarmAWSName, in(arns.Scope.Alarm)},
	// A function's live alias (rollouts.go): the function's ARN and its name.
	AliasKind: {"Alias", aliasChildName, awsName,
		func(s arns.Scope, _ *v1alpha1.EventDrivenStack, fn string) string {
			return s.Function(fn) + ":" + AliasName
		}},
}

// componentChildName is the child name of a component built from one spec
// entry: the stack's name and the entry's.
func componentChildName(stack *v1alpha1.EventDrivenStack, name string) string {
	return childName(stack, name)
}

// in makes an arn column of a format of package arns that takes the name alone.
func in(format func(arns.Scope, string) string) func(arns.Scope, *v1alpha1.EventDrivenStack, string) string {
	return func(s arns.Scope, _ *v1alpha1.EventDrivenStack, name string) string { return format(s, name) }
}

// ruleARN is a rule's ARN: on the stack's bus, by their names in AWS.
func ruleARN(s arns.Scope, stack *v1alpha1.EventDrivenStack, rule string) string {
	for _, r := range stack.Spec.Rules {
		if r.Schedule != "" && awsName(stack, r.Name) == rule {
			return s.DefaultBusRule(rule)
		}
	}
	if bus := stack.Spec.EventBus; bus != nil {
		return s.Rule(awsName(stack, bus.Name), rule)
	}
	return ""
}

// Derived is the ARN AWS gives a component's resource, from its name, the
// region and the account; "" while the account is unknown, or for a kind of
// component the table does not hold.
func (b *builder) Derived(kind refs.Kind, name string) string {
	c, ok := components[kind]
	if b.scope == nil || !ok {
		return ""
	}
	return c.arn(*b.scope, b.stack, c.awsName(b.stack, name))
}
