package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
)

// wildcardRules refuses a stack whose rules hold more wildcard filters than
// its event bus takes: "Rules containing wildcards: 30 rules per event bus
// ... This quota can't be adjusted" (Amazon EventBridge quotas). Every rule
// of a stack is on the stack's bus; rules of the bus that are not the
// stack's only lower the real limit, so the stack's own count is the least
// it can be. The first rule past the quota is named.
func (v *validator) wildcardRules(spec *field.Path) {
	if v.spec.EventBus == nil {
		return
	}
	n := 0
	for i, r := range v.spec.Rules {
		if !eventpattern.UsesWildcard(r.Pattern()) {
			continue
		}
		n++
		if n == eventpattern.MaxWildcardRulesPerBus+1 {
			v.errs = append(v.errs, field.Invalid(spec.Child("rules").Index(i).Child("eventPattern"), "<wildcard>", fmt.Sprintf(
				"rule %s is rule %d of event bus %s%s with a wildcard filter: EventBridge allows at most %d rules containing wildcards per event bus, a quota that cannot be adjusted; express the filter with prefix, suffix or equals-ignore-case, or move rules to another stack's bus",
				r.Name, n, v.spec.NamePrefix, v.spec.EventBus.Name, eventpattern.MaxWildcardRulesPerBus)))
		}
	}
}
