package validation

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
)

// What Lambda takes of a function's settings beyond the seed's (issue 21);
// each rule with its page in aws_constraints.md.

// maxFilterPatternChars is Lambda's limit of one filter's pattern
// (FilterCriteria.Filters[].Pattern: "Length Constraints: Maximum length of
// 4096", API reference, Filter).
const maxFilterPatternChars = 4096

// sqsRecordFields are the fields of the SQS record Lambda filters on ("Filtering
// Amazon SQS messages": a pattern's top-level keys are the record's; body is
// matched as JSON when the message body is JSON).
var sqsRecordFields = []string{"attributes", "awsRegion", "body", "eventSource", "eventSourceARN", "md5OfBody",
	"messageAttributes", "messageId", "receiptHandle"}

// lambdaFilterOperators are the comparison operators Lambda event filtering
// takes ("Filter rule syntax"): not EventBridge's wildcard nor cidr.
var lambdaFilterOperators = []string{"anything-but", "equals-ignore-case", "exists", "numeric", "prefix", "suffix"}

// functionSettings checks a function's logging and its consumers' filters.
func (v *validator) functionSettings(p *field.Path, f v1alpha1.Function) {
	if l := f.Logging; l != nil && l.Format != v1alpha1.LogFormatJSON {
		for _, lvl := range []struct{ name, value string }{{"applicationLogLevel", l.ApplicationLogLevel}, {"systemLogLevel", l.SystemLogLevel}} {
			if lvl.value != "" {
				v.errs = append(v.errs, field.Invalid(p.Child("logging", lvl.name), lvl.value,
					"log levels need format JSON: Lambda filters only JSON logs by level (LoggingConfig: \"ApplicationLogLevel ... requires LogFormat JSON\")"))
			}
		}
	}
	for i, c := range f.Consumes {
		for j, flt := range c.Filters {
			v.lambdaFilter(p.Child("consumes").Index(i).Child("filters").Index(j), flt.Raw)
		}
	}
}

// lambdaFilter checks one event filtering pattern of an SQS consumer.
func (v *validator) lambdaFilter(p *field.Path, raw []byte) {
	v.lambdaFilterOn(p, raw, sqsRecordFields, "an SQS message", "message")
}

// lambdaFilterOn checks one event filtering pattern on a source whose
// records have the given top-level fields (what names the source's item,
// item what a pattern would fail to match).
func (v *validator) lambdaFilterOn(p *field.Path, raw []byte, recordFields []string, what, item string) {
	if n := len(compact(raw)); n > maxFilterPatternChars {
		v.errs = append(v.errs, field.TooLong(p, fmt.Sprintf("%d characters", n), maxFilterPatternChars))
		return
	}
	if err := eventpattern.Check(raw); err != nil {
		v.errs = append(v.errs, field.Invalid(p, string(raw), "Lambda takes event filtering patterns in EventBridge's grammar: "+err.Error()))
		return
	}
	var top map[string]any
	if err := json.Unmarshal(raw, &top); err != nil {
		v.errs = append(v.errs, field.Invalid(p, string(raw), "a filter is a JSON object"))
		return
	}
	for _, k := range recordKeys(top) {
		if !slices.Contains(recordFields, k) {
			v.errs = append(v.errs, field.Invalid(p, k, fmt.Sprintf(
				"Lambda filters %s on its record's fields (%s): %q is not one, and no %s would match",
				what, strings.Join(recordFields, ", "), k, item)))
		}
	}
	if op := unsupportedOperator(top); op != "" {
		v.errs = append(v.errs, field.Invalid(p, op, fmt.Sprintf(
			"Lambda event filtering has no %q operator (it takes %s)", op, strings.Join(lambdaFilterOperators, ", "))))
	}
}

// unsupportedOperator is the first comparison operator in a pattern (an
// object of fields, $or of patterns) that Lambda's filter syntax lacks, or "".
func unsupportedOperator(pattern map[string]any) string {
	for _, k := range sortedAnyKeys(pattern) {
		switch t := pattern[k].(type) {
		case map[string]any: // a nested field
			if op := unsupportedOperator(t); op != "" {
				return op
			}
		case []any:
			for _, e := range t {
				m, ok := e.(map[string]any)
				switch {
				case !ok:
				case k == "$or": // a list of patterns
					if op := unsupportedOperator(m); op != "" {
						return op
					}
				default: // a list of values: an object is an operator
					for _, op := range sortedAnyKeys(m) {
						if !slices.Contains(lambdaFilterOperators, op) {
							return op
						}
					}
				}
			}
		}
	}
	return ""
}

// recordKeys are a pattern's top-level keys, those of $or's patterns with
// them.
func recordKeys(pattern map[string]any) []string {
	var out []string
	for _, k := range sortedAnyKeys(pattern) {
		if k != "$or" {
			out = append(out, k)
			continue
		}
		list, _ := pattern[k].([]any)
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				out = append(out, recordKeys(m)...)
			}
		}
	}
	return out
}

func sortedAnyKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// compact is JSON without insignificant space (raw when it is not JSON).
func compact(raw []byte) []byte {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, _ := json.Marshal(v)
	return out
}
