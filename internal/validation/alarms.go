package validation

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// alarms checks spec.alarms: the notified topic is one of the stack's (or an
// SNS ARN in the stack's partition), a declared alarm's references name
// components of the stack, one reference per dimension value, and no
// declared alarm takes the name of a default one.
func (v *validator) alarms(spec *field.Path) {
	a := v.spec.Alarms
	if a == nil {
		return
	}
	p := spec.Child("alarms")
	if n := a.Notify; strings.HasPrefix(n, "${") {
		r, err := refs.Parse(n)
		switch {
		case err != nil:
			v.errs = append(v.errs, field.Invalid(p.Child("notify"), n, err.Error()))
		case r.Kind != refs.Topic:
			v.errs = append(v.errs, field.Invalid(p.Child("notify"), n, "alarms notify a topic: ${topic:name} or an SNS topic ARN"))
		case !v.names[refs.Topic][r.Name]:
			v.errs = append(v.errs, field.Invalid(p.Child("notify"), n, fmt.Sprintf("no topic named %q in this stack", r.Name)))
		}
	} else if n != "" {
		if !strings.Contains(n, ":sns:") {
			v.errs = append(v.errs, field.Invalid(p.Child("notify"), n, "alarms notify a topic: ${topic:name} or an SNS topic ARN"))
		}
		v.samePartition(p.Child("notify"), n)
	}
	defaults := map[string]string{}
	for _, d := range render.Alarms(&v1alpha1.EventDrivenStack{Spec: v1alpha1.EventDrivenStackSpec{
		EventBus: v.spec.EventBus, Rules: v.spec.Rules, Queues: v.spec.Queues, Functions: v.spec.Functions,
		Workflows: v.spec.Workflows, Tables: v.spec.Tables}}) {
		defaults[d.Name] = d.Watches
	}
	for i, c := range a.Custom {
		cp := p.Child("custom").Index(i)
		if watches, taken := defaults[c.Name]; taken {
			v.errs = append(v.errs, field.Duplicate(cp.Child("name"), c.Name+" (the default alarm on "+watches+" has this name)"))
		}
		for j, d := range c.Dimensions {
			dp := cp.Child("dimensions").Index(j).Child("value")
			if !strings.Contains(d.Value, "${") {
				continue
			}
			r, err := refs.Parse(d.Value)
			if err != nil {
				v.errs = append(v.errs, field.Invalid(dp, d.Value, "a dimension value is a literal or one reference: "+err.Error()))
				continue
			}
			if !v.names[r.Kind][r.Name] {
				v.errs = append(v.errs, field.Invalid(dp, d.Value, fmt.Sprintf("no %s named %q in this stack", r.Kind, r.Name)))
			}
		}
	}
}
