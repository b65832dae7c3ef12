package match

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Write prints the verdicts: for each event, each rule's result (MATCH, no
// match, DISABLED or invalid) with its targets or the field that failed,
// then where EventBridge delivers the event.
//
//	orders / Order Created
//	  RULE                    RESULT     TARGETS, OR WHY NOT
//	  order-events-rule       MATCH      function event-order-processor
//	  inventory-events-rule   no match   detail-type is "Order Created"; the pattern wants "Inventory Updated" (source fails too)
//	  → EventBridge delivers it to function event-order-processor
func Write(w io.Writer, stack *v1alpha1.EventDrivenStack, env Envelope, verdicts []Verdict) error {
	bus := "no event bus"
	if stack.Spec.EventBus != nil {
		bus = "bus " + stack.Spec.EventBus.Name
		if name := awsName(stack, stack.Spec.EventBus.Name); name != stack.Spec.EventBus.Name {
			bus += " (" + name + " in AWS)"
		}
	}
	scheduled := len(render.ScheduledRules(stack))
	rules := plural(len(stack.Spec.Rules)-scheduled, "rule")
	if scheduled > 0 {
		rules += fmt.Sprintf(" (and %s on the default bus, which match no events)", plural(scheduled, "scheduled rule"))
	}
	fmt.Fprintf(w, "Stack %s/%s, %s, %s. Events as EventBridge completes them: account %s, region %s.\n",
		stack.Namespace, stack.Name, bus, rules, env.Account, env.Region)
	for _, v := range verdicts {
		fmt.Fprintf(w, "\n%s\n", v.Event.Label)
		if len(v.Rules) == 0 {
			fmt.Fprintln(w, "  → the stack has no rules: EventBridge delivers the event to no target")
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
		fmt.Fprintln(tw, "  RULE\tRESULT\tTARGETS, OR WHY NOT")
		for _, r := range v.Rules {
			result, detail := Describe(r)
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Rule, result, detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if v.Delivered() {
			fmt.Fprintf(w, "  → EventBridge delivers it to %s\n", joinTargets(v.Targets()))
			for _, t := range v.Targets() {
				if t.Input != "" {
					fmt.Fprintf(w, "    %s is given: %s\n", t.Kind+" "+t.Name, t.Input)
				}
			}
		} else {
			fmt.Fprintln(w, "  → no enabled rule matches: EventBridge accepts the event and delivers it to no target")
		}
	}
	return nil
}

// Describe is a rule's verdict in words: its result column ("MATCH", "no
// match", "DISABLED", "invalid") and what follows it (the targets, or why not).
func Describe(r RuleVerdict) (string, string) {
	switch {
	case r.Err != nil:
		return "invalid", "the pattern cannot be judged: " + r.Err.Error()
	case r.Disabled && r.Result.Matched:
		return "DISABLED", "the pattern matches, but the rule is DISABLED: EventBridge does not deliver to " + joinTargets(r.Targets)
	case r.Disabled:
		return "DISABLED", "the rule is DISABLED, and its pattern does not match: " + whyNot(r)
	case r.Result.Matched:
		return "MATCH", joinTargets(r.Targets)
	}
	return "no match", whyNot(r)
}

// whyNot is the first failing field and the paths of the others.
func whyNot(r RuleVerdict) string {
	ms := r.Result.Mismatches
	if len(ms) == 0 {
		return ""
	}
	why := ms[0].String()
	if len(ms) > 1 {
		paths := make([]string, 0, len(ms)-1)
		for _, m := range ms[1:] {
			paths = append(paths, m.Path)
		}
		verb := "fail"
		if len(paths) == 1 {
			verb = "fails"
		}
		why += " (" + strings.Join(paths, ", ") + " " + verb + " too)"
	}
	return why
}

func joinTargets(ts []Target) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, ", ")
}

// plural is "1 rule", "4 rules".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
