package validation_test

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// A function's logging and its SQS consumers' filters, as Lambda takes them:
// each refused spec is refused at its field with the rule's words, and
// nothing else; each accepted one yields no error.
func TestFunctionSettings(t *testing.T) {
	filter := func(s string) []apiextensionsv1.JSON { return []apiextensionsv1.JSON{{Raw: []byte(s)}} }
	cases := []struct {
		name  string
		edit  func(f *v1alpha1.Function)
		field string
		want  string // "": accepted
	}{
		{"levels without JSON", func(f *v1alpha1.Function) {
			f.Logging = &v1alpha1.FunctionLogging{Format: v1alpha1.LogFormatText, ApplicationLogLevel: "DEBUG"}
		}, "spec.functions[0].logging.applicationLogLevel", "log levels need format JSON"},
		{"system level without a format", func(f *v1alpha1.Function) {
			f.Logging = &v1alpha1.FunctionLogging{SystemLogLevel: "WARN"}
		}, "spec.functions[0].logging.systemLogLevel", "log levels need format JSON"},
		{"a filter on a field the record lacks", func(f *v1alpha1.Function) {
			f.Consumes[0].Filters = filter(`{"detail": {"status": ["ok"]}}`)
		}, "spec.functions[0].consumes[0].filters[0]", `"detail" is not one, and no message would match`},
		{"a field the record lacks under $or", func(f *v1alpha1.Function) {
			f.Consumes[0].Filters = filter(`{"$or": [{"body": {"a": ["x"]}}, {"bodyy": {"a": ["y"]}}]}`)
		}, "spec.functions[0].consumes[0].filters[0]", `"bodyy" is not one`},
		{"wildcard", func(f *v1alpha1.Function) {
			f.Consumes[0].Filters = filter(`{"body": {"orderId": [{"wildcard": "ord-*"}]}}`)
		}, "spec.functions[0].consumes[0].filters[0]", `no "wildcard" operator`},
		{"not an event pattern", func(f *v1alpha1.Function) {
			f.Consumes[0].Filters = filter(`{"body": {"orderId": "ord-1"}}`)
		}, "spec.functions[0].consumes[0].filters[0]", "EventBridge's grammar"},
		{"over 4,096 characters", func(f *v1alpha1.Function) {
			f.Consumes[0].Filters = filter(`{"body": {"orderId": ["` + strings.Repeat("x", 4100) + `"]}}`)
		}, "spec.functions[0].consumes[0].filters[0]", "may not be more than 4096"},

		{"JSON with both levels", func(f *v1alpha1.Function) {
			f.Logging = &v1alpha1.FunctionLogging{Format: v1alpha1.LogFormatJSON, ApplicationLogLevel: "DEBUG", SystemLogLevel: "WARN"}
			f.EphemeralStorageMB, f.ReservedConcurrency = ptr.To[int32](10240), ptr.To[int32](0)
		}, "", ""},
		{"filters Lambda takes", func(f *v1alpha1.Function) {
			f.Consumes[0].Filters = []apiextensionsv1.JSON{
				{Raw: []byte(`{"body": {"status": [{"anything-but": ["CANCELLED"]}], "total": [{"numeric": [">", 100]}]}}`)},
				{Raw: []byte(`{"$or": [{"messageAttributes": {"kind": {"stringValue": [{"prefix": "order"}]}}}, {"body": {"priority": [{"exists": true}]}}]}`)},
			}
		}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.edit(&stack.Spec.Functions[0])
			refusedAt(t, stack, tc.field, tc.want)
		})
	}
}
