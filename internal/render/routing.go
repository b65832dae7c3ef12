package render

import (
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// Keys in Observed of what the operator routes itself, next to the ACK children.
const (
	// ruleKind keys an EventBridge rule's ARN ("rule/<name>").
	ruleKind refs.Kind = "rule"
	// eventsRoleKind keys the role EventBridge assumes to start a workflow.
	eventsRoleKind refs.Kind = "events-role"
	// busRoleKind keys the role EventBridge assumes to put a rule's events
	// on other event buses.
	busRoleKind refs.Kind = "bus-role"
	// eventsDLQKind keys the stack's EventBridge dead-letter queue.
	eventsDLQKind refs.Kind = "eventbridge"
)

// Observed keys of the routing, for the controller that reports them.
var (
	// RuleKey is the Observed key of a rule's ARN.
	RuleKey = func(rule string) string { return Key(ruleKind, rule) }
	// EventBusKey is the Observed key of the bus's ARN.
	EventBusKey = func(bus string) string { return Key(refs.EventBus, bus) }
)

const (
	// PermissionPrefix starts the statement id of every Lambda permission the
	// operator grants, so that it removes only its own.
	PermissionPrefix = "eventstack-"
	// Default retry policy: EventBridge's own defaults, written out.
	defaultRetryAttempts = 185
	defaultEventAge      = 86400
)

// eventsDLQName is the Observed key (and component) of the EventBridge DLQ.
var eventsDLQName = "dlq"

func eventsDLQChildName(stack *v1alpha1.EventDrivenStack) string {
	// "--" cannot occur in a component name: no queue of the stack can have this name.
	return childName(stack, "events--dlq")
}

// eventsDLQAWSName is the name of the stack's EventBridge dead-letter queue
// in AWS. SQS names hold letters, digits, - and _; a stack name may hold dots.
func eventsDLQAWSName(stack *v1alpha1.EventDrivenStack) string {
	return shorten(stack.Spec.NamePrefix+strings.ReplaceAll(stack.Name, ".", "-")+"-events-dlq", 80)
}

// eventsRoleAWSName is the name of the role EventBridge assumes to start a workflow.
func eventsRoleAWSName(stack *v1alpha1.EventDrivenStack, workflow string) string {
	return shorten(stack.Spec.NamePrefix+workflow+"-events-role", 64)
}

func eventsRoleChildName(stack *v1alpha1.EventDrivenStack, workflow string) string {
	return childName(stack, workflow+"--events")
}

func busRoleAWSName(stack *v1alpha1.EventDrivenStack, rule string) string {
	return shorten(stack.Spec.NamePrefix+rule+"-bus-role", 64)
}

func busRoleChildName(stack *v1alpha1.EventDrivenStack, rule string) string {
	return childName(stack, rule+"--bus")
}

// rulesTargetingBuses lists the rules with a target on another event bus,
// in spec order.
func (b *builder) rulesTargetingBuses() []v1alpha1.Rule {
	var out []v1alpha1.Rule
	for _, r := range b.stack.Spec.Rules {
		if slices.ContainsFunc(r.Targets, func(t v1alpha1.RuleTarget) bool { return t.EventBusARN != "" }) {
			out = append(out, r)
		}
	}
	return out
}

// busRole builds the role EventBridge assumes to put a rule's events on the
// other event buses it targets: events:PutEvents on those buses only. It
// waits for nothing (the buses' ARNs are the spec's).
func (b *builder) busRole(r v1alpha1.Rule) Child {
	p := newPolicy()
	var buses []string
	for _, t := range r.Targets {
		if t.EventBusARN != "" && !slices.Contains(buses, t.EventBusARN) {
			buses = append(buses, t.EventBusARN)
		}
	}
	sort.Strings(buses)
	p.allow("PutEvents", []string{"events:PutEvents"}, buses...)
	return b.role(Key(busRoleKind, r.Name), busRoleChildName(b.stack, r.Name), busRoleAWSName(b.stack, r.Name),
		"Role EventBridge assumes to put the events of rule "+awsName(b.stack, r.Name)+" on other event buses", "events.amazonaws.com", p, nil)
}

// hasTargets reports whether any rule of the stack has a target.
func (b *builder) hasTargets() bool {
	for _, r := range b.stack.Spec.Rules {
		if len(r.Targets) > 0 {
			return true
		}
	}
	return false
}

// eventsDLQ builds the stack's EventBridge dead-letter queue: every rule
// target sends there what EventBridge could not deliver after its retries, so
// that an event is kept (14 days), not dropped. Its policy lets EventBridge
// send to it from the stack's rules only, once their ARNs are known.
func (b *builder) eventsDLQ() *Child {
	if !b.hasTargets() {
		return nil
	}
	name := eventsDLQChildName(b.stack)
	awsQueueName := eventsDLQAWSName(b.stack)
	obj := &ack.Queue{Spec: ack.QueueSpec{
		QueueName:              ptr.To(awsQueueName),
		MessageRetentionPeriod: ptr.To("1209600"),
		Tags:                   b.tagMap(),
	}}
	var grants []grant
	for _, r := range b.rulesTargeting(func(v1alpha1.RuleTarget) bool { return true }) {
		grants = append(grants, grant{"events.amazonaws.com", "sqs:SendMessage", ruleKind, r})
	}
	var partial needs
	obj.Spec.Policy = b.sourcePolicy(&partial, eventsDLQKind, eventsDLQName, grants)
	var adoption map[string]string
	if acct := b.accountID(); acct != "" {
		adoption = map[string]string{"queueURL": arns.Scope{Region: b.stack.Spec.Region, Account: acct}.QueueURL(awsQueueName)}
	}
	component := Key(eventsDLQKind, eventsDLQName)
	b.meta(obj, ack.SQSGroupVersion.WithKind("Queue"), name, component, adoption)
	c := b.child(component, "Queue", name, obj, nil)
	c.Partial = partial
	return &c
}

// targetedWorkflows lists the workflows some rule targets, sorted.
func (b *builder) targetedWorkflows() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range b.stack.Spec.Rules {
		for _, t := range r.Targets {
			if t.Workflow != "" && !seen[t.Workflow] {
				seen[t.Workflow] = true
				out = append(out, t.Workflow)
			}
		}
	}
	sort.Strings(out)
	return out
}

// eventsRole builds the role EventBridge assumes to start a workflow: it
// allows states:StartExecution on that state machine only, and waits for its ARN.
func (b *builder) eventsRole(workflow string) Child {
	var n needs
	p := newPolicy()
	if arn, ok := b.named(&n, refs.Workflow, workflow); ok {
		p.allow("StartExecution", []string{"states:StartExecution"}, arn)
	}
	return b.role(Key(eventsRoleKind, workflow), eventsRoleChildName(b.stack, workflow),
		eventsRoleAWSName(b.stack, workflow),
		"Role EventBridge assumes to start state machine "+awsName(b.stack, workflow), "events.amazonaws.com", p, n)
}

// Routing is what the operator creates itself in EventBridge and Lambda for a
// stack, as the inputs of the AWS API calls that create it.
type Routing struct {
	// Bus is the custom event bus; nil when the stack has none.
	Bus *eventbridge.CreateEventBusInput
	// Rules, in spec order.
	Rules []RuleRoute
}

// RuleRoute is one rule, its targets and the Lambda permissions they need.
type RuleRoute struct {
	// Component is rule/<name>; Name the rule's name in AWS; Bus the name of
	// the bus it is on (DefaultBus for a scheduled rule).
	Component string
	Name      string
	Bus       string
	PutRule   eventbridge.PutRuleInput
	// PutTargets is nil while Needs is not empty.
	PutTargets *eventbridge.PutTargetsInput
	// Permissions let EventBridge invoke the function targets, from this rule
	// only; nil while Needs is not empty.
	Permissions []lambda.AddPermissionInput
	// Needs lists the values the targets wait for (ARNs of targets, of the
	// rule itself, of the dead-letter queue, of the role for a workflow).
	Needs []Dependency
}

// BuildRouting builds the stack's bus, rules, targets and permissions from its
// spec and what is known so far: ARNs of the ACK children and of the rules.
func BuildRouting(stack *v1alpha1.EventDrivenStack, obs Observed) (*Routing, error) {
	b := newBuilder(stack, obs)
	out := &Routing{}
	bus := stack.Spec.EventBus
	if bus == nil {
		return out, nil
	}
	busName := awsName(stack, bus.Name)
	out.Bus = &eventbridge.CreateEventBusInput{Name: ptr.To(busName), Tags: b.eventBridgeTags()}
	for _, r := range stack.Spec.Rules {
		state := ebtypes.RuleStateEnabled
		if r.State == "DISABLED" {
			state = ebtypes.RuleStateDisabled
		}
		route := RuleRoute{
			Component: Key(ruleKind, r.Name),
			Name:      awsName(stack, r.Name),
			Bus:       RuleBus(stack, r),
			PutRule: eventbridge.PutRuleInput{
				Name: ptr.To(awsName(stack, r.Name)), EventBusName: ptr.To(RuleBus(stack, r)),
				State: state, Tags: b.eventBridgeTags(),
			},
		}
		if r.Schedule != "" {
			route.PutRule.ScheduleExpression = ptr.To(r.Schedule)
		} else {
			route.PutRule.EventPattern = ptr.To(compactJSON(r.Pattern()))
		}
		if r.Description != "" {
			route.PutRule.Description = ptr.To(r.Description)
		}
		b.ruleTargets(&route, r, route.Bus)
		out.Rules = append(out.Rules, route)
	}
	return out, nil
}

// DefaultBus is the account's default event bus: the only one where
// EventBridge runs scheduled rules.
const DefaultBus = "default"

// RuleBus is the name of the bus a rule is on: the default bus for a
// scheduled rule, the stack's bus otherwise.
func RuleBus(stack *v1alpha1.EventDrivenStack, r v1alpha1.Rule) string {
	if r.Schedule != "" {
		return DefaultBus
	}
	if stack.Spec.EventBus == nil {
		return ""
	}
	return awsName(stack, stack.Spec.EventBus.Name)
}

// ScheduledRules are the AWS names of the stack's scheduled rules, on the
// default bus, in spec order.
func ScheduledRules(stack *v1alpha1.EventDrivenStack) []string {
	var out []string
	for _, r := range stack.Spec.Rules {
		if r.Schedule != "" {
			out = append(out, awsName(stack, r.Name))
		}
	}
	return out
}

// ruleTargets fills the targets of a rule and the permissions they need.
func (b *builder) ruleTargets(route *RuleRoute, r v1alpha1.Rule, busName string) {
	var n needs
	dlq, _ := b.exists(&n, eventsDLQKind, eventsDLQName)
	retry := &ebtypes.RetryPolicy{MaximumRetryAttempts: ptr.To[int32](defaultRetryAttempts), MaximumEventAgeInSeconds: ptr.To[int32](defaultEventAge)}
	if rp := r.Retry; rp != nil {
		if rp.MaximumRetryAttempts != nil {
			retry.MaximumRetryAttempts = rp.MaximumRetryAttempts
		}
		if rp.MaximumEventAgeSeconds != nil {
			retry.MaximumEventAgeInSeconds = rp.MaximumEventAgeSeconds
		}
	}
	ruleARN := b.obs.ARNs[Key(ruleKind, r.Name)]
	hasRuleARN := ruleARN != ""
	var targets []ebtypes.Target
	var perms []lambda.AddPermissionInput
	for _, t := range r.Targets {
		kind, name := targetComponent(t)
		arn, ok := t.EventBusARN, true
		switch {
		case kind == refs.Function:
			arn, ok = b.invoked(&n, name) // the live alias with a rollout
		case t.EventBusARN == "":
			arn, ok = b.exists(&n, kind, name)
		}
		if !ok {
			continue
		}
		target := ebtypes.Target{
			Id:               ptr.To(TargetID(t)),
			Arn:              ptr.To(arn),
			RetryPolicy:      targetRetry(retry, t.Retry),
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: ptr.To(dlq)},
		}
		if t.DeadLetterQueue != "" {
			own, ok := b.named(&n, refs.Queue, t.DeadLetterQueue)
			if !ok {
				continue
			}
			target.DeadLetterConfig.Arn = ptr.To(own)
		}
		if t.InputPath != "" {
			target.InputPath = ptr.To(t.InputPath)
		}
		if it := t.InputTransformer; it != nil {
			target.InputTransformer = &ebtypes.InputTransformer{InputTemplate: ptr.To(it.InputTemplate), InputPathsMap: it.InputPathsMap}
		}
		if t.MessageGroupID != "" {
			target.SqsParameters = &ebtypes.SqsParameters{MessageGroupId: ptr.To(t.MessageGroupID)}
		}
		switch {
		case t.EventBusARN != "":
			if role, ok := b.exists(&n, busRoleKind, r.Name); ok {
				target.RoleArn = ptr.To(role)
			}
		case kind == refs.Workflow:
			if role, ok := b.exists(&n, eventsRoleKind, name); ok {
				target.RoleArn = ptr.To(role)
			}
		}
		targets = append(targets, target)
		if kind == refs.Function && b.rollout(name) == nil {
			// A function with a rollout: the permission is in its alias's
			// spec (Alias), where lambda-controller keeps the alias's policy.
			if !hasRuleARN {
				n = append(n, Dependency{Kind: "Rule", Name: awsName(b.stack, r.Name), What: "ARN"})
				continue
			}
			perms = append(perms, lambda.AddPermissionInput{
				FunctionName: ptr.To(arn),
				StatementId:  ptr.To(PermissionID(busName, awsName(b.stack, r.Name))),
				Action:       ptr.To("lambda:InvokeFunction"),
				Principal:    ptr.To("events.amazonaws.com"),
				SourceArn:    ptr.To(ruleARN),
			})
		}
	}
	route.Needs = dedupe(n)
	if len(route.Needs) > 0 {
		return
	}
	route.PutTargets = &eventbridge.PutTargetsInput{Rule: route.PutRule.Name, EventBusName: ptr.To(busName), Targets: targets}
	route.Permissions = perms
}

// targetRetry is a target's retry policy: its own where it gives one, the
// rule's otherwise.
func targetRetry(rule *ebtypes.RetryPolicy, own *v1alpha1.RetryPolicy) *ebtypes.RetryPolicy {
	if own == nil {
		return rule
	}
	out := *rule
	if own.MaximumRetryAttempts != nil {
		out.MaximumRetryAttempts = own.MaximumRetryAttempts
	}
	if own.MaximumEventAgeSeconds != nil {
		out.MaximumEventAgeInSeconds = own.MaximumEventAgeSeconds
	}
	return &out
}

// targetComponent returns the kind and name of the component a target names.
func targetComponent(t v1alpha1.RuleTarget) (refs.Kind, string) {
	switch {
	case t.Function != "":
		return refs.Function, t.Function
	case t.Workflow != "":
		return refs.Workflow, t.Workflow
	case t.Queue != "":
		return refs.Queue, t.Queue
	default:
		return refs.Topic, t.Topic
	}
}

// TargetID is the id of a rule's target: its kind and name (64 characters at most).
func TargetID(t v1alpha1.RuleTarget) string {
	if t.EventBusARN != "" {
		// The bus's name, which its ARN ends with: "bus-" and it.
		return shorten("bus-"+t.EventBusARN[strings.LastIndex(t.EventBusARN, "/")+1:], 64)
	}
	kind, name := targetComponent(t)
	return shorten(string(kind)+"-"+name, 64)
}

// PermissionID is the statement id of the Lambda permission that lets a rule
// invoke a function: unique per bus and rule, 100 characters at most.
func PermissionID(bus, rule string) string {
	return shorten(PermissionPrefix+bus+"-"+rule, 100)
}

// eventBridgeTags returns the stack's tags as EventBridge's list form.
func (b *builder) eventBridgeTags() []ebtypes.Tag {
	var out []ebtypes.Tag
	for _, t := range b.tagList() {
		out = append(out, ebtypes.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}
