package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ConditionAlarming is True while an alarm of the stack is in ALARM. It is
// not one of the conditions kstatus reads: an alarming stack stays Ready.
const ConditionAlarming = "Alarming"

// Reasons of the condition Alarming.
const (
	// ReasonAlarmsFiring: at least one alarm is in ALARM.
	ReasonAlarmsFiring = "AlarmsFiring"
	// ReasonNoAlarm: no alarm is in ALARM.
	ReasonNoAlarm = "NoAlarm"
)

// AlarmFamily names a family of the alarms every stack gets by default.
// +kubebuilder:validation:Enum=deadLetterQueues;functions;workflows;rules;tables
type AlarmFamily string

const (
	// AlarmDeadLetterQueues: ApproximateNumberOfMessagesVisible > 0 on every
	// dead-letter queue (a queue's, a function's, the stack's EventBridge one).
	AlarmDeadLetterQueues AlarmFamily = "deadLetterQueues"
	// AlarmFunctions: Errors > 0 and Throttles > 0 on every function.
	AlarmFunctions AlarmFamily = "functions"
	// AlarmWorkflows: ExecutionsFailed > 0 and ExecutionsTimedOut > 0 on
	// every workflow.
	AlarmWorkflows AlarmFamily = "workflows"
	// AlarmRules: FailedInvocations > 0 on every rule with targets.
	AlarmRules AlarmFamily = "rules"
	// AlarmTables: read and write throttle events > 0 on every table.
	AlarmTables AlarmFamily = "tables"
)

// Alarms are the stack's CloudWatch alarms: by default one per failure
// signal of each component (the families, any of which can be turned off),
// and the declared ones. Their state is reported in status.alarms and never
// makes the stack unready: a stack can be healthy as infrastructure and
// still be failing its work (condition Alarming).
// +kubebuilder:validation:XValidation:rule="!has(self.custom) || self.custom.all(a, !has(a.dimensions) || a.dimensions.all(d, d.value.startsWith('${') || !d.value.contains('${')))",message="a dimension value is a literal or one reference such as ${function:name}",fieldPath=".custom"
type Alarms struct {
	// Disable turns default families off.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=5
	Disable []AlarmFamily `json:"disable,omitempty"`

	// Notify is where every alarm sends its transitions to ALARM and back
	// to OK: a topic of the stack (${topic:name}) or an SNS topic's ARN.
	// Without it the alarms only report their state.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.matches('^[$][{]topic:[a-z0-9]+(-[a-z0-9]+)*[}]$') || self.matches('^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$')",message="notify is ${topic:name} or an SNS topic ARN"
	Notify string `json:"notify,omitempty"`

	// Custom are alarms declared on any metric, with the stack's
	// components named by reference in their dimensions.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=50
	Custom []Alarm `json:"custom,omitempty"`
}

// Alarm is a declared alarm on one CloudWatch metric, with a static threshold.
type Alarm struct {
	// Name of the alarm (before namePrefix).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// Description says why the alarm exists: it is in the notification.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description string `json:"description,omitempty"`

	// Namespace of the metric, e.g. AWS/Lambda.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[^:]`
	Namespace string `json:"namespace"`

	// Metric is the metric's name, e.g. Duration.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Metric string `json:"metric"`

	// Dimensions of the metric. A value may be a reference to a component
	// of the stack (${function:name}, ${queue:name}, ${workflow:name.arn}),
	// resolved as a workflow definition's are; a queue and a table resolve
	// to their names, as their metrics' dimensions want.
	// +optional
	// +kubebuilder:validation:MaxItems=30
	Dimensions []AlarmDimension `json:"dimensions,omitempty"`

	// Statistic over each period.
	// +kubebuilder:validation:Enum=SampleCount;Average;Sum;Minimum;Maximum
	// +kubebuilder:default=Sum
	// +optional
	Statistic string `json:"statistic,omitempty"`

	// PeriodSeconds is the length of a period: 10, 20, 30 or a multiple of 60.
	// +kubebuilder:default=60
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=86400
	// +kubebuilder:validation:XValidation:rule="self in [10, 20, 30] || self % 60 == 0",message="periodSeconds is 10, 20, 30 or a multiple of 60"
	PeriodSeconds int32 `json:"periodSeconds,omitempty"`

	// EvaluationPeriods is how many periods in a row breach before the
	// alarm goes to ALARM.
	// +kubebuilder:default=1
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1440
	EvaluationPeriods int32 `json:"evaluationPeriods,omitempty"`

	// Threshold the statistic is compared with ("0", "2.5").
	Threshold resource.Quantity `json:"threshold"`

	// Comparison of the statistic (first) with the threshold.
	// +kubebuilder:validation:Enum=GreaterThanThreshold;GreaterThanOrEqualToThreshold;LessThanThreshold;LessThanOrEqualToThreshold
	// +kubebuilder:default=GreaterThanThreshold
	// +optional
	Comparison string `json:"comparison,omitempty"`

	// TreatMissingData says what a period without data counts as.
	// +kubebuilder:validation:Enum=breaching;notBreaching;ignore;missing
	// +kubebuilder:default=notBreaching
	// +optional
	TreatMissingData string `json:"treatMissingData,omitempty"`
}

// AlarmDimension is a name/value pair of a metric's identity.
type AlarmDimension struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Name string `json:"name"`
	// Value, or a reference to a component of the stack.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Value string `json:"value"`
}

// AlarmState is an alarm's state as CloudWatch reports it.
type AlarmState struct {
	// Name of the alarm in CloudWatch.
	Name string `json:"name"`
	// Component is what the alarm watches (queue/order-dlq) or, for a
	// declared alarm, alarm/<name>.
	Component string `json:"component"`
	// State is OK, ALARM or INSUFFICIENT_DATA; empty until CloudWatch is read.
	// +optional
	State string `json:"state,omitempty"`
	// Since is when the alarm entered its state.
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
	// Reason is CloudWatch's reason for the state.
	// +optional
	Reason string `json:"reason,omitempty"`
}
