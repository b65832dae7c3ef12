package validation_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

func TestValidateAlarms(t *testing.T) {
	custom := func(name string, dims ...v1alpha1.AlarmDimension) v1alpha1.Alarm {
		return v1alpha1.Alarm{Name: name, Namespace: "AWS/Lambda", Metric: "Duration", Threshold: resource.MustParse("1000"), Dimensions: dims}
	}
	tests := []struct {
		name   string
		alarms v1alpha1.Alarms
		want   []wantErr
	}{{
		name:   "a topic of the stack, a declared alarm on a function: valid",
		alarms: v1alpha1.Alarms{Notify: "${topic:event-notifications}", Custom: []v1alpha1.Alarm{custom("slow", v1alpha1.AlarmDimension{Name: "FunctionName", Value: "${function:event-order-processor}"})}},
	}, {
		name:   "an SNS ARN: valid",
		alarms: v1alpha1.Alarms{Notify: "arn:aws:sns:us-east-1:123456789012:ops"},
	}, {
		name:   "a topic the stack lacks",
		alarms: v1alpha1.Alarms{Notify: "${topic:pager}"},
		want:   []wantErr{{field.ErrorTypeInvalid, "spec.alarms.notify", `no topic named "pager"`}},
	}, {
		name:   "a queue is not notified",
		alarms: v1alpha1.Alarms{Notify: "${queue:order-dlq}"},
		want:   []wantErr{{field.ErrorTypeInvalid, "spec.alarms.notify", "alarms notify a topic"}},
	}, {
		name:   "an ARN in another partition",
		alarms: v1alpha1.Alarms{Notify: "arn:aws-cn:sns:cn-north-1:123456789012:ops"},
		want:   []wantErr{{field.ErrorTypeInvalid, "spec.alarms.notify", ""}},
	}, {
		name:   "a reference to a function the stack lacks",
		alarms: v1alpha1.Alarms{Custom: []v1alpha1.Alarm{custom("slow", v1alpha1.AlarmDimension{Name: "FunctionName", Value: "${function:nope}"})}},
		want:   []wantErr{{field.ErrorTypeInvalid, "spec.alarms.custom[0].dimensions[0].value", `no function named "nope"`}},
	}, {
		name:   "a declared alarm with a default alarm's name",
		alarms: v1alpha1.Alarms{Custom: []v1alpha1.Alarm{custom("order-dlq-messages-visible")}},
		want:   []wantErr{{field.ErrorTypeDuplicate, "spec.alarms.custom[0].name", "queue/order-dlq"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := loadSeed(t)
			a := tt.alarms
			stack.Spec.Alarms = &a
			var errs field.ErrorList
			for _, e := range validation.Validate(stack) {
				if len(e.Field) >= len("spec.alarms") && e.Field[:len("spec.alarms")] == "spec.alarms" {
					errs = append(errs, e)
				}
			}
			expectErrors(t, errs, tt.want)
		})
	}
}
