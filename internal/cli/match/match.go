// Package match tells, offline, which rules of a stack an event matches and
// so which targets EventBridge would deliver it to, and for a rule that does
// not match, the field and value that failed. Patterns are judged with
// package eventpattern (EventBridge's matching semantics), and the event is
// completed as PutEvents completes it (id, time, account, region,
// resources). kubectl eds match and kubectl eds put-events --dry-run print
// it.
package match

import (
	"slices"
	"time"

	"fmt"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
	"github.com/eventstack-io/eventstack-operator/internal/inputtransform"
)

// Target is a component a rule delivers to.
type Target struct {
	// Kind is function, workflow, queue or topic (the rule target's field).
	Kind string
	// Name is the component's name in the spec.
	Name string
	// AWSName is its name in AWS: spec.namePrefix and Name.
	AWSName string
	// Input is what the target is given for the event when the rule
	// reshapes it (inputPath, inputTransformer); "" when it gets the event
	// as it is.
	Input string
}

// awsKinds say what a target is in AWS, for the AWS names.
var awsKinds = map[string]string{"function": "Lambda function", "workflow": "state machine", "queue": "SQS queue", "topic": "SNS topic"}

// String is "function event-order-processor", with its name in AWS when
// spec.namePrefix makes it differ: "function event-order-processor (Lambda
// function dev-event-order-processor)".
func (t Target) String() string {
	if t.AWSName == t.Name {
		return t.Kind + " " + t.Name
	}
	return fmt.Sprintf("%s %s (%s %s)", t.Kind, t.Name, awsKinds[t.Kind], t.AWSName)
}

// RuleVerdict is what one rule makes of an event.
type RuleVerdict struct {
	// Rule is the rule's name in the spec; AWSName its name in AWS.
	Rule    string
	AWSName string
	// Disabled: the rule's state is DISABLED, and EventBridge delivers
	// nothing through it, whatever its pattern.
	Disabled bool
	// Result is the pattern's verdict; meaningless when Err is set.
	Result eventpattern.Result
	// Err says why the pattern could not be judged (a pattern the
	// admission check would have refused).
	Err     error
	Targets []Target
}

// Delivers reports whether EventBridge delivers the event through the rule:
// the rule is enabled and its pattern matches.
func (v RuleVerdict) Delivers() bool { return v.Err == nil && !v.Disabled && v.Result.Matched }

// Verdict is what a stack's rules make of one event.
type Verdict struct {
	Event Event
	Rules []RuleVerdict
}

// Delivered reports whether some rule delivers the event.
func (v Verdict) Delivered() bool {
	for _, r := range v.Rules {
		if r.Delivers() {
			return true
		}
	}
	return false
}

// Targets are the targets the event is delivered to, each once, in the
// order of the rules.
func (v Verdict) Targets() []Target {
	seen := map[Target]bool{}
	var out []Target
	for _, r := range v.Rules {
		if !r.Delivers() {
			continue
		}
		for _, t := range r.Targets {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// Judge matches each event against each rule of the stack, in the spec's
// order. It fails only on an event that is not a JSON object.
func Judge(stack *v1alpha1.EventDrivenStack, events []Event) ([]Verdict, error) {
	type rule struct {
		verdict RuleVerdict
		pattern *eventpattern.Pattern
		spec    v1alpha1.Rule
	}
	rules := make([]rule, 0, len(stack.Spec.Rules))
	for _, r := range stack.Spec.Rules {
		if r.Schedule != "" {
			continue // on the default bus, matching no events: it runs on its schedule
		}
		rules = append(rules, rule{})
		i := len(rules) - 1
		rules[i].verdict = RuleVerdict{
			Rule:     r.Name,
			AWSName:  awsName(stack, r.Name),
			Disabled: r.State == "DISABLED",
			Targets:  targets(stack, r),
		}
		rules[i].spec = r
		rules[i].pattern, rules[i].verdict.Err = eventpattern.Parse(r.Pattern())
	}
	verdicts := make([]Verdict, len(events))
	for i, e := range events {
		parsed, err := eventpattern.ParseEvent(e.JSON)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Label, err)
		}
		verdicts[i].Event = e
		for _, r := range rules {
			v := r.verdict
			if r.pattern != nil {
				v.Result = r.pattern.Match(parsed)
			}
			if v.Delivers() {
				v.Targets = withInputs(stack, r.spec, v.Targets, e.JSON)
			}
			verdicts[i].Rules = append(verdicts[i].Rules, v)
		}
	}
	return verdicts, nil
}

// withInputs fills in the input of each target that reshapes the event, as
// EventBridge would (internal/inputtransform), with the rule's ARN as the
// stack's status reports it (or as it would be) and now as the ingestion
// time; the targets are a copy.
func withInputs(stack *v1alpha1.EventDrivenStack, r v1alpha1.Rule, in []Target, event []byte) []Target {
	out := slices.Clone(in)
	arn := stack.Status.Outputs["rule."+r.Name+".arn"]
	if arn == "" {
		bus := ""
		if stack.Spec.EventBus != nil {
			bus = stack.Spec.NamePrefix + stack.Spec.EventBus.Name
		}
		arn = "arn:aws:events:" + stack.Spec.Region + ":<account>:rule/" + bus + "/" + awsName(stack, r.Name)
	}
	d := inputtransform.Delivery{RuleARN: arn, RuleName: awsName(stack, r.Name), Ingested: time.Now()}
	for i, t := range r.Targets {
		if i >= len(out) || t.InputPath == "" && t.InputTransformer == nil {
			continue
		}
		spec := inputtransform.Target{InputPath: t.InputPath, Transformer: t.InputTransformer != nil}
		if it := t.InputTransformer; it != nil {
			spec.InputPathsMap, spec.InputTemplate = it.InputPathsMap, it.InputTemplate
		}
		input, err := inputtransform.Input(spec, event, d)
		if err != nil {
			input = "(EventBridge could not make its input: " + err.Error() + ")"
		}
		out[i].Input = input
	}
	return out
}

func targets(stack *v1alpha1.EventDrivenStack, r v1alpha1.Rule) []Target {
	var out []Target
	for _, t := range r.Targets {
		for _, c := range []struct{ kind, name string }{
			{"function", t.Function}, {"workflow", t.Workflow}, {"queue", t.Queue}, {"topic", t.Topic},
		} {
			if c.name != "" {
				out = append(out, Target{Kind: c.kind, Name: c.name, AWSName: awsName(stack, c.name)})
			}
		}
		if t.EventBusARN != "" {
			out = append(out, Target{Kind: "event bus", Name: t.EventBusARN, AWSName: t.EventBusARN})
		}
	}
	return out
}

// awsName is a component's name in AWS, as package render names the
// function, state machine, queue, topic and rule it creates: the stack's
// namePrefix and the name.
func awsName(stack *v1alpha1.EventDrivenStack, name string) string {
	return stack.Spec.NamePrefix + name
}
