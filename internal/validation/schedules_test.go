package validation_test

import (
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// What starts a rule: an event pattern or a schedule in EventBridge's
// grammar, one of them. Each refused spec is refused at its field, and
// nothing else.
func TestRuleTrigger(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(r *v1alpha1.Rule)
		field string
		want  string // "": accepted
	}{
		{"a rate", func(r *v1alpha1.Rule) { r.EventPattern, r.Schedule = nil, "rate(5 minutes)" }, "", ""},
		{"a cron on weekdays", func(r *v1alpha1.Rule) { r.EventPattern, r.Schedule = nil, "cron(0/15 8-17 ? * MON-FRI *)" }, "", ""},
		{"a plural unit for 1", func(r *v1alpha1.Rule) { r.EventPattern, r.Schedule = nil, "rate(1 hours)" },
			"spec.rules[0].schedule", "rate(1 hour)"},
		{"a cron with five fields", func(r *v1alpha1.Rule) { r.EventPattern, r.Schedule = nil, "cron(0 10 * * ?)" },
			"spec.rules[0].schedule", "takes six"},
		{"a cron with both days", func(r *v1alpha1.Rule) { r.EventPattern, r.Schedule = nil, "cron(0 10 * * MON *)" },
			"spec.rules[0].schedule", "must be ?"},
		{"a pattern and a schedule", func(r *v1alpha1.Rule) { r.Schedule = "rate(1 day)" },
			"spec.rules[0].schedule", "not both"},
		{"neither", func(r *v1alpha1.Rule) { r.EventPattern = nil },
			"spec.rules[0].eventPattern", "needs an eventPattern or a schedule"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.edit(&stack.Spec.Rules[0])
			refusedAt(t, stack, tc.field, tc.want)
		})
	}
}
