package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
	"github.com/eventstack-io/eventstack-operator/internal/schedule"
)

// ruleTrigger checks what starts a rule: an event pattern, checked here
// before any AWS call with the rule and the path named, or a schedule
// expression in EventBridge's grammar (PutRule: "Parameter(s) EventPattern or
// ScheduleExpression must be specified"; a scheduled rule lives on the default
// bus, where it matches no events).
func (v *validator) ruleTrigger(p *field.Path, r v1alpha1.Rule) {
	switch {
	case r.Schedule != "" && r.EventPattern != nil:
		v.errs = append(v.errs, field.Invalid(p.Child("schedule"), r.Schedule,
			fmt.Sprintf("rule %s has an eventPattern and a schedule: a rule has one of them, not both (EventBridge runs a scheduled rule on the default bus, matching no events)", r.Name)))
	case r.Schedule != "":
		if _, err := schedule.Parse(r.Schedule); err != nil {
			v.errs = append(v.errs, field.Invalid(p.Child("schedule"), r.Schedule, fmt.Sprintf("rule %s: %v", r.Name, err)))
		}
	case r.EventPattern == nil:
		v.errs = append(v.errs, field.Required(p.Child("eventPattern"), fmt.Sprintf("rule %s needs an eventPattern or a schedule", r.Name)))
	default:
		if err := eventpattern.Check(r.Pattern()); err != nil {
			v.errs = append(v.errs, field.Invalid(p.Child("eventPattern"), string(r.Pattern()), fmt.Sprintf("rule %s: %v", r.Name, err)))
		}
	}
}
