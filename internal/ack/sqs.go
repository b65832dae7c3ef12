package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SQSGroupVersion is the group and version of ACK's SQS resources.
var SQSGroupVersion = schema.GroupVersion{Group: "sqs.services.k8s.aws", Version: "v1alpha1"}

// QueueSpec is the part of ACK's sqs Queue spec this operator sets. SQS
// attributes are strings in ACK's API, as they are in SQS's.
type QueueSpec struct {
	QueueName              *string            `json:"queueName,omitempty"`
	VisibilityTimeout      *string            `json:"visibilityTimeout,omitempty"`
	MessageRetentionPeriod *string            `json:"messageRetentionPeriod,omitempty"`
	RedrivePolicy          *string            `json:"redrivePolicy,omitempty"`
	Policy                 *string            `json:"policy,omitempty"`
	Tags                   map[string]*string `json:"tags,omitempty"`

	FifoQueue                     *string `json:"fifoQueue,omitempty"`
	ContentBasedDeduplication     *string `json:"contentBasedDeduplication,omitempty"`
	DeduplicationScope            *string `json:"deduplicationScope,omitempty"`
	FifoThroughputLimit           *string `json:"fifoThroughputLimit,omitempty"`
	DelaySeconds                  *string `json:"delaySeconds,omitempty"`
	MaximumMessageSize            *string `json:"maximumMessageSize,omitempty"`
	ReceiveMessageWaitTimeSeconds *string `json:"receiveMessageWaitTimeSeconds,omitempty"`
	SQSManagedSSEEnabled          *string `json:"sqsManagedSSEEnabled,omitempty"`
	KMSMasterKeyID                *string `json:"kmsMasterKeyID,omitempty"`
	KMSDataKeyReusePeriodSeconds  *string `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

// QueueStatus is ACK's sqs Queue status.
type QueueStatus struct {
	Status   `json:",inline"`
	QueueURL *string `json:"queueURL,omitempty"`
	QueueARN *string `json:"queueARN,omitempty"`
}

// Queue is ACK's sqs.services.k8s.aws/v1alpha1 Queue.
// +kubebuilder:object:root=true
type Queue struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              QueueSpec   `json:"spec,omitempty"`
	Status            QueueStatus `json:"status,omitempty"`
}

// QueueList is a list of Queue.
// +kubebuilder:object:root=true
type QueueList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Queue `json:"items"`
}

// ACKStatus implements Object.
func (q *Queue) ACKStatus() *Status { return &q.Status.Status }

// Objects implements ObjectList.
func (l *QueueList) Objects() []Object { return items(l.Items) }

func digestQueue(o *Queue, digest func(*string)) {
	digest(o.Spec.Policy)
	digest(o.Spec.RedrivePolicy)
}

func compactQueue(o *Queue, c Compactor) {
	o.Spec.Tags = c.TagMap(o.Spec.Tags)
	o.Spec.VisibilityTimeout = c.Intern(o.Spec.VisibilityTimeout)
	o.Spec.MessageRetentionPeriod = c.Intern(o.Spec.MessageRetentionPeriod)
	o.Status.QueueARN = nil // ACKResourceMetadata has it
}
