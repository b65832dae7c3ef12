package validation

import (
	"github.com/eventstack-io/eventstack-operator/internal/filterpolicy"
)

// checkFilterPolicy returns why SNS would refuse a subscription's filter
// policy for its scope ("" is MessageAttributes, SNS's default), or "". The
// rules, SNS's grammar and its limits, are internal/filterpolicy's (see
// aws_constraints.md, "SNS filter policies"); the message names the place in
// the policy, as "<path>: <why>".
func checkFilterPolicy(raw []byte, scope string) string {
	if err := filterpolicy.Check(raw, filterpolicy.Scope(scope)); err != nil {
		return err.Error()
	}
	return ""
}
