package validation_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// A function's rollout, as the operator can carry it out: each refused spec
// at its field, and nothing else.
func TestRollout(t *testing.T) {
	canary := func(f *v1alpha1.Function) *v1alpha1.FunctionRollout {
		f.Code.SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
		f.Rollout = &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: 10, Interval: &metav1.Duration{Duration: 5 * time.Minute}}
		return f.Rollout
	}
	cases := []struct {
		name  string
		edit  func(s *v1alpha1.EventDrivenStackSpec)
		field string
		want  string
	}{
		{"a canary with a check by another function", func(s *v1alpha1.EventDrivenStackSpec) {
			canary(&s.Functions[0]).PreTraffic = s.Functions[1].Name
		}, "", ""},
		{"a zip without sha256", func(s *v1alpha1.EventDrivenStackSpec) {
			canary(&s.Functions[0])
			s.Functions[0].Code.SHA256 = ""
		}, "spec.functions[0].code.sha256", "needs code.sha256"},
		{"a step of 30 seconds", func(s *v1alpha1.EventDrivenStackSpec) {
			canary(&s.Functions[0]).Interval.Duration = 30 * time.Second
		}, "spec.functions[0].rollout.interval", "from 1m0s"},
		{"a function checking itself", func(s *v1alpha1.EventDrivenStackSpec) {
			canary(&s.Functions[0]).PostTraffic = s.Functions[0].Name
		}, "spec.functions[0].rollout.postTraffic", "not the one rolled out"},
		{"a check by a function the stack lacks", func(s *v1alpha1.EventDrivenStackSpec) {
			canary(&s.Functions[0]).PreTraffic = "smoke"
		}, "spec.functions[0].rollout.preTraffic", "Not found"},
		{"an alarm the stack does not declare", func(s *v1alpha1.EventDrivenStackSpec) {
			canary(&s.Functions[0]).Alarms = []string{"slow-orders"}
		}, "spec.functions[0].rollout.alarms[0]", "Not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.edit(&stack.Spec)
			refusedAt(t, stack, tc.field, tc.want)
		})
	}
}
