package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// CloudWatchGroupVersion is the group and version of ACK's CloudWatch resources.
var CloudWatchGroupVersion = schema.GroupVersion{Group: "cloudwatch.services.k8s.aws", Version: "v1alpha1"}

// Dimension is a name/value pair of a metric's identity.
type Dimension struct {
	Name  *string `json:"name,omitempty"`
	Value *string `json:"value,omitempty"`
}

// MetricAlarmSpec is the part of ACK's cloudwatch MetricAlarm spec this
// operator sets: a static-threshold alarm on one metric (PutMetricAlarm's
// MetricName form), notifying SNS topics.
type MetricAlarmSpec struct {
	Name               *string      `json:"name,omitempty"`
	AlarmDescription   *string      `json:"alarmDescription,omitempty"`
	Namespace          *string      `json:"namespace,omitempty"`
	MetricName         *string      `json:"metricName,omitempty"`
	Dimensions         []*Dimension `json:"dimensions,omitempty"`
	Statistic          *string      `json:"statistic,omitempty"`
	Period             *int64       `json:"period,omitempty"`
	EvaluationPeriods  *int64       `json:"evaluationPeriods,omitempty"`
	DatapointsToAlarm  *int64       `json:"datapointsToAlarm,omitempty"`
	Threshold          *float64     `json:"threshold,omitempty"`
	ComparisonOperator *string      `json:"comparisonOperator,omitempty"`
	TreatMissingData   *string      `json:"treatMissingData,omitempty"`
	ActionsEnabled     *bool        `json:"actionsEnabled,omitempty"`
	AlarmActions       []*string    `json:"alarmActions,omitempty"`
	// OKActions is spelled oKActions in ACK's API (from OKActions).
	OKActions []*string `json:"oKActions,omitempty"`
	Tags      []*Tag    `json:"tags,omitempty"`
}

// MetricAlarmStatus is ACK's cloudwatch MetricAlarm status. The CRD of
// cloudwatch-controller v1.8.1 reports no alarm state (no stateValue): the
// operator reads it with CloudWatch's DescribeAlarms (internal/probe).
type MetricAlarmStatus struct {
	Status `json:",inline"`
}

// MetricAlarm is ACK's cloudwatch.services.k8s.aws/v1alpha1 MetricAlarm.
// +kubebuilder:object:root=true
type MetricAlarm struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              MetricAlarmSpec   `json:"spec,omitempty"`
	Status            MetricAlarmStatus `json:"status,omitempty"`
}

// MetricAlarmList is a list of MetricAlarm.
// +kubebuilder:object:root=true
type MetricAlarmList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MetricAlarm `json:"items"`
}

// ACKStatus implements Object.
func (a *MetricAlarm) ACKStatus() *Status { return &a.Status.Status }

// Objects implements ObjectList.
func (l *MetricAlarmList) Objects() []Object { return items(l.Items) }

// digestMetricAlarm: the description (why the alarm exists) is written and
// never read back.
func digestMetricAlarm(o *MetricAlarm, digest func(*string)) { digest(o.Spec.AlarmDescription) }

// compactMetricAlarm shares what a stack's alarms repeat: namespaces, metric
// and dimension names, statistics, operators, the notified topic, the tags.
func compactMetricAlarm(o *MetricAlarm, c Compactor) {
	s := &o.Spec
	s.Tags = c.TagList(s.Tags)
	s.Namespace, s.MetricName, s.Statistic = c.Intern(s.Namespace), c.Intern(s.MetricName), c.Intern(s.Statistic)
	s.ComparisonOperator, s.TreatMissingData = c.Intern(s.ComparisonOperator), c.Intern(s.TreatMissingData)
	for _, d := range s.Dimensions {
		if d != nil {
			d.Name = c.Intern(d.Name)
		}
	}
	for i := range s.AlarmActions {
		s.AlarmActions[i] = c.Intern(s.AlarmActions[i])
	}
	for i := range s.OKActions {
		s.OKActions[i] = c.Intern(s.OKActions[i])
	}
}
