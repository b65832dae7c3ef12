package validation_test

import (
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// A target's inputPath and inputTransformer, as EventBridge's PutTargets
// takes them: each refused spec is refused at its field with the rule's
// words, and nothing else; each accepted one yields no error.
func TestTargetInput(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(t *v1alpha1.RuleTarget)
		field string
		want  string // "": accepted
	}{
		{"a path that is not JSONPath", func(t *v1alpha1.RuleTarget) { t.InputPath = "detail.orderId" },
			"spec.rules[0].targets[0].inputPath", "EventBridge takes a JSONPath"},
		{"a filter expression", func(t *v1alpha1.RuleTarget) { t.InputPath = "$.detail.items[?(@.sku)]" },
			"spec.rules[0].targets[0].inputPath", "EventBridge takes a JSONPath"},
		{"a map key with a dot", func(t *v1alpha1.RuleTarget) {
			t.InputTransformer = &v1alpha1.InputTransformer{InputPathsMap: map[string]string{"order.id": "$.detail.orderId"}, InputTemplate: `"<order.id>"`}
		}, "spec.rules[0].targets[0].inputTransformer.inputPathsMap[order.id]", "letters, digits, _ and -"},
		{"a map value that is not JSONPath", func(t *v1alpha1.RuleTarget) {
			t.InputTransformer = &v1alpha1.InputTransformer{InputPathsMap: map[string]string{"id": "detail.orderId"}, InputTemplate: `"<id>"`}
		}, "spec.rules[0].targets[0].inputTransformer.inputPathsMap[id]", "a JSONPath of fields and indexes"},
		{"a placeholder nothing defines", func(t *v1alpha1.RuleTarget) {
			t.InputTransformer = &v1alpha1.InputTransformer{InputPathsMap: map[string]string{"id": "$.detail.orderId"},
				InputTemplate: `{"order": <id>, "total": <total>, "again": "<total>"}`}
		}, "spec.rules[0].targets[0].inputTransformer.inputTemplate", "<total>"},

		{"a dead-letter queue the stack lacks", func(t *v1alpha1.RuleTarget) { t.DeadLetterQueue = "nope" },
			"spec.rules[0].targets[0].deadLetterQueue", "Not found"},
		{"a path with an index and a wildcard", func(t *v1alpha1.RuleTarget) { t.InputPath = "$.detail.items[*]" }, "", ""},
		{"a template of paths and EventBridge's values", func(t *v1alpha1.RuleTarget) {
			t.InputTransformer = &v1alpha1.InputTransformer{InputPathsMap: map[string]string{"id": "$.detail.orderId", "first-sku": "$.detail.items[0].sku"},
				InputTemplate: `{"order": <id>, "sku": "<first-sku>", "rule": "<aws.events.rule-name>", "at": "<aws.events.event.ingestion-time>", "event": <aws.events.event.json>}`}
		}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.edit(&stack.Spec.Rules[0].Targets[0])
			refusedAt(t, stack, tc.field, tc.want)
		})
	}
}
