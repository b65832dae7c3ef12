package validation

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/inputtransform"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// What EventBridge takes of a target's input (PutTargets; issue 21), each rule
// with its page in aws_constraints.md.

var (
	// eventBridgeJSONPath is InputPath's and InputPathsMap values' pattern
	// (EventBridge API reference, InputTransformer and Target.InputPath).
	eventBridgeJSONPath = regexp.MustCompile(`^\$(\.[\w/_-]+(\[(\*|\d+)\])*)*$`)
	// inputPathsMapKey is InputPathsMap keys' pattern.
	inputPathsMapKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	// templatePlaceholder finds the <name> placeholders of a template.
	templatePlaceholder = regexp.MustCompile(`<([A-Za-z0-9_.-]+)>`)
)

// targetInput checks a rule target's inputPath and inputTransformer, and its
// dead-letter queue: a standard queue of the stack (EventBridge: "the
// dead-letter queue must be an Amazon SQS standard queue").
func (v *validator) targetInput(p *field.Path, t v1alpha1.RuleTarget) {
	if t.DeadLetterQueue != "" {
		v.ref(p.Child("deadLetterQueue"), refs.Queue, t.DeadLetterQueue)
		for _, q := range v.spec.Queues {
			if q.Name == t.DeadLetterQueue && q.Fifo {
				v.errs = append(v.errs, field.Invalid(p.Child("deadLetterQueue"), t.DeadLetterQueue,
					"EventBridge sends undelivered events to a standard SQS queue only, not a FIFO queue"))
			}
		}
	}
	if t.InputPath != "" && !eventBridgeJSONPath.MatchString(t.InputPath) {
		v.errs = append(v.errs, field.Invalid(p.Child("inputPath"), t.InputPath,
			"EventBridge takes a JSONPath of fields and indexes: $, $.detail, $.detail.items[0], $.detail.items[*]"))
	}
	it := t.InputTransformer
	if it == nil {
		return
	}
	at := p.Child("inputTransformer")
	keys := make([]string, 0, len(it.InputPathsMap))
	for k := range it.InputPathsMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch path := it.InputPathsMap[k]; {
		case !inputPathsMapKey.MatchString(k) || len(k) > 256:
			v.errs = append(v.errs, field.Invalid(at.Child("inputPathsMap").Key(k), k,
				"EventBridge takes names of up to 256 letters, digits, _ and - (and keeps the aws.events.* names for its own values)"))
		case !eventBridgeJSONPath.MatchString(path) || len(path) > 256:
			v.errs = append(v.errs, field.Invalid(at.Child("inputPathsMap").Key(k), path,
				"EventBridge takes a JSONPath of fields and indexes of up to 256 characters: $.detail.orderId, $.detail.items[0]"))
		}
	}
	var unknown []string
	for _, m := range templatePlaceholder.FindAllStringSubmatch(it.InputTemplate, -1) {
		name := m[1]
		if _, ok := it.InputPathsMap[name]; !ok && !slices.Contains(inputtransform.Predefined, name) && !slices.Contains(unknown, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		v.errs = append(v.errs, field.Invalid(at.Child("inputTemplate"), "<"+strings.Join(unknown, ">, <")+">", fmt.Sprintf(
			"a placeholder is a name of inputPathsMap or one of EventBridge's (%s); these are neither, and EventBridge has no value for them",
			strings.Join(inputtransform.Predefined, ", "))))
	}
}
