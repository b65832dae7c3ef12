package validation

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// The bounds of a rollout step: the alarms a step waits on have a period of a
// minute at the least (CloudWatch's standard resolution); a day at the most
// keeps a rollout, canary or linear, within days, not weeks.
const (
	minRolloutInterval = time.Minute
	maxRolloutInterval = 24 * time.Hour
)

// rollouts checks each function's rollout: its checks are other functions of
// the stack, its alarms are the stack's declared ones, its interval is
// within bounds, and a zip function has the code.sha256 that tells one
// version from the next (and that PublishVersion checks the code against).
func (v *validator) rollouts(spec *field.Path) {
	custom := map[string]bool{}
	if a := v.spec.Alarms; a != nil {
		for _, c := range a.Custom {
			custom[c.Name] = true
		}
	}
	for i, f := range v.spec.Functions {
		r := f.Rollout
		if r == nil {
			continue
		}
		p := spec.Child("functions").Index(i).Child("rollout")
		// As the CRD's CEL rules say, for the clients that skip them.
		stepped := r.Strategy == v1alpha1.RolloutCanary || r.Strategy == v1alpha1.RolloutLinear
		switch {
		case stepped && (r.Percent == 0 || r.Interval == nil):
			v.errs = append(v.errs, field.Invalid(p, r.Strategy, "Canary and Linear need percent and interval"))
		case !stepped && (r.Percent != 0 || r.Interval != nil):
			v.errs = append(v.errs, field.Invalid(p, r.Strategy, "AllAtOnce takes no percent nor interval"))
		}
		if r.Interval != nil && (r.Interval.Duration < minRolloutInterval || r.Interval.Duration > maxRolloutInterval) {
			v.errs = append(v.errs, field.Invalid(p.Child("interval"), r.Interval.Duration.String(),
				fmt.Sprintf("a step lasts from %s (the alarms' shortest period) to %s", minRolloutInterval, maxRolloutInterval)))
		}
		for _, c := range []struct{ name, field string }{{r.PreTraffic, "preTraffic"}, {r.PostTraffic, "postTraffic"}} {
			switch c.name {
			case "":
			case f.Name:
				v.errs = append(v.errs, field.Invalid(p.Child(c.field), c.name, "a check is another function of the stack, not the one rolled out"))
			default:
				v.ref(p.Child(c.field), refs.Function, c.name)
			}
		}
		for j, a := range r.Alarms {
			if !custom[a] {
				v.errs = append(v.errs, field.NotFound(p.Child("alarms").Index(j), a))
			}
		}
		if f.Code.ImageURI == "" && f.Code.SHA256 == "" {
			v.errs = append(v.errs, field.Required(spec.Child("functions").Index(i).Child("code", "sha256"),
				"a function with a rollout needs code.sha256 (kubectl eds publish sets it): it tells one version from the next, and Lambda publishes a version only of that code"))
		}
	}
}
