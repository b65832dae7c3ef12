package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SFNGroupVersion is the group and version of ACK's Step Functions resources.
var SFNGroupVersion = schema.GroupVersion{Group: "sfn.services.k8s.aws", Version: "v1alpha1"}

// TracingConfiguration turns X-Ray tracing of a state machine on or off.
type TracingConfiguration struct {
	Enabled *bool `json:"enabled,omitempty"`
}

// LoggingConfiguration says what a state machine logs to CloudWatch Logs.
type LoggingConfiguration struct {
	Level                *string           `json:"level,omitempty"`
	IncludeExecutionData *bool             `json:"includeExecutionData,omitempty"`
	Destinations         []*LogDestination `json:"destinations,omitempty"`
}

// LogDestination is a CloudWatch Logs log group a state machine logs to.
type LogDestination struct {
	CloudWatchLogsLogGroup *CloudWatchLogsLogGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

// CloudWatchLogsLogGroup names a log group by ARN (ending in :*).
type CloudWatchLogsLogGroup struct {
	LogGroupARN *string `json:"logGroupARN,omitempty"`
}

// StateMachineSpec is the part of ACK's sfn StateMachine spec this operator sets.
type StateMachineSpec struct {
	Name       *string `json:"name,omitempty"`
	Definition *string `json:"definition,omitempty"`
	RoleARN    *string `json:"roleARN,omitempty"`
	// Type is STANDARD or EXPRESS; ACK spells the field type_.
	Type                 *string               `json:"type_,omitempty"`
	TracingConfiguration *TracingConfiguration `json:"tracingConfiguration,omitempty"`
	LoggingConfiguration *LoggingConfiguration `json:"loggingConfiguration,omitempty"`
	Tags                 []*Tag                `json:"tags,omitempty"`
}

// StateMachineStatus is ACK's sfn StateMachine status.
type StateMachineStatus struct {
	Status `json:",inline"`
}

// StateMachine is ACK's sfn.services.k8s.aws/v1alpha1 StateMachine.
// +kubebuilder:object:root=true
type StateMachine struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              StateMachineSpec   `json:"spec,omitempty"`
	Status            StateMachineStatus `json:"status,omitempty"`
}

// StateMachineList is a list of StateMachine.
// +kubebuilder:object:root=true
type StateMachineList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []StateMachine `json:"items"`
}

// ACKStatus implements Object.
func (s *StateMachine) ACKStatus() *Status { return &s.Status.Status }

// Objects implements ObjectList.
func (l *StateMachineList) Objects() []Object { return items(l.Items) }

// sfnRefusals: sfn-controller has no terminal codes at the pinned release.
var sfnRefusals = []string{"InvalidDefinition:", "InvalidArn:", "InvalidName:", "InvalidLoggingConfiguration:", "InvalidTracingConfiguration:"}

func digestStateMachine(o *StateMachine, digest func(*string)) { digest(o.Spec.Definition) }

func compactStateMachine(o *StateMachine, c Compactor) {
	o.Spec.Tags = c.TagList(o.Spec.Tags)
	o.Spec.Type = c.Intern(o.Spec.Type)
	if l := o.Spec.LoggingConfiguration; l != nil {
		l.Level = c.Intern(l.Level)
	}
}
