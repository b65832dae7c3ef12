package validation_test

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// streamBase is tableBase with a queue, a topic and a function consuming the
// table's stream with every setting.
func streamBase() *v1alpha1.EventDrivenStack {
	stack := tableBase()
	stack.Spec.Tables = append(stack.Spec.Tables, v1alpha1.Table{Name: "plain", PartitionKey: v1alpha1.Key{Name: "id", Type: "S"}})
	stack.Spec.Queues = []v1alpha1.Queue{{Name: "failed"}}
	stack.Spec.Topics = []v1alpha1.Topic{{Name: "alerts"}}
	fn := zipFunction("projector")
	fn.Streams = []v1alpha1.StreamConsumer{{Table: "orders", StartingPosition: "TRIM_HORIZON", BatchSize: ptr.To[int64](500),
		BisectBatchOnFunctionError: true, MaximumRetryAttempts: ptr.To[int64](3), OnFailure: &v1alpha1.StreamOnFailure{Queue: "failed"},
		Filters: []apiextensionsv1.JSON{*rawJSON(`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"status":{"S":["paid"]}}}}`)}}}
	stack.Spec.Functions = []v1alpha1.Function{fn}
	return stack
}

func TestStreamBaseIsValid(t *testing.T) {
	if errs := validation.Validate(streamBase()); len(errs) > 0 {
		t.Fatalf("the base stack is refused:\n%v", errs.ToAggregate())
	}
}

// Each change makes Validate report exactly the listed errors, at the field
// that is wrong.
func TestStreamConsumerRules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		want   []wantErr
	}{
		{"a table without a stream", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Streams[0].Table = "plain"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].streams[0].table", "set spec.tables[1].stream.viewType"}}},
		{"a table that does not exist", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Streams[0].Table = "ledger"
		}, []wantErr{{field.ErrorTypeNotFound, "spec.functions[0].streams[0].table", "ledger"}}},
		{"an on-failure queue and topic that do not exist", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Streams[0].OnFailure = &v1alpha1.StreamOnFailure{Topic: "missing"}
			s.Functions = append(s.Functions, zipFunction("other"))
			s.Functions[1].Streams = []v1alpha1.StreamConsumer{{Table: "orders", OnFailure: &v1alpha1.StreamOnFailure{Queue: "missing"}}}
		}, []wantErr{
			{field.ErrorTypeNotFound, "spec.functions[0].streams[0].onFailure.topic", "missing"},
			{field.ErrorTypeNotFound, "spec.functions[1].streams[0].onFailure.queue", "missing"},
		}},
		{"an on-failure queue and topic both", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Streams[0].OnFailure.Topic = "alerts"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].streams[0].onFailure", "exactly one"}}},
		{"a filter on an SQS record field", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Streams[0].Filters = []apiextensionsv1.JSON{*rawJSON(`{"body":{"status":["paid"]}}`)}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].streams[0].filters[0]", `"body" is not one, and no record would match`}}},
		{"a filter operator Lambda lacks", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Streams[0].Filters = []apiextensionsv1.JSON{*rawJSON(`{"eventName":[{"wildcard":"INS*"}]}`)}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].streams[0].filters[0]", "no \"wildcard\" operator"}}},
		{"a stack that adopts", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: "123456789012"}
		}, []wantErr{{field.ErrorTypeForbidden, "spec.functions[0].streams[0]", "cannot have stream consumers yet"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stack := streamBase()
			c.mutate(&stack.Spec)
			expectErrors(t, validation.Validate(stack), c.want)
		})
	}
}
