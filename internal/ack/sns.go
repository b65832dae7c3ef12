package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// SNSGroupVersion is the group and version of ACK's SNS resources.
var SNSGroupVersion = schema.GroupVersion{Group: "sns.services.k8s.aws", Version: "v1alpha1"}

// TopicSpec is the part of ACK's sns Topic spec this operator sets.
type TopicSpec struct {
	Name        *string `json:"name,omitempty"`
	DisplayName *string `json:"displayName,omitempty"`
	Policy      *string `json:"policy,omitempty"`
	Tags        []*Tag  `json:"tags,omitempty"`

	FifoTopic                 *string `json:"fifoTopic,omitempty"`
	ContentBasedDeduplication *string `json:"contentBasedDeduplication,omitempty"`
	KMSMasterKeyID            *string `json:"kmsMasterKeyID,omitempty"`
}

// TopicStatus is ACK's sns Topic status.
type TopicStatus struct {
	Status `json:",inline"`
}

// Topic is ACK's sns.services.k8s.aws/v1alpha1 Topic.
// +kubebuilder:object:root=true
type Topic struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              TopicSpec   `json:"spec,omitempty"`
	Status            TopicStatus `json:"status,omitempty"`
}

// TopicList is a list of Topic.
// +kubebuilder:object:root=true
type TopicList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Topic `json:"items"`
}

// ACKStatus implements Object.
func (t *Topic) ACKStatus() *Status { return &t.Status.Status }

// SubscriptionSpec is the part of ACK's sns Subscription spec this operator sets.
// SNS subscription attributes are strings in ACK's API.
type SubscriptionSpec struct {
	TopicARN           *string `json:"topicARN,omitempty"`
	Protocol           *string `json:"protocol,omitempty"`
	Endpoint           *string `json:"endpoint,omitempty"`
	RawMessageDelivery *string `json:"rawMessageDelivery,omitempty"`
	FilterPolicy       *string `json:"filterPolicy,omitempty"`
	FilterPolicyScope  *string `json:"filterPolicyScope,omitempty"`
}

// SubscriptionStatus is ACK's sns Subscription status.
type SubscriptionStatus struct {
	Status              `json:",inline"`
	PendingConfirmation *string `json:"pendingConfirmation,omitempty"`
}

// Subscription is ACK's sns.services.k8s.aws/v1alpha1 Subscription.
// +kubebuilder:object:root=true
type Subscription struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              SubscriptionSpec   `json:"spec,omitempty"`
	Status            SubscriptionStatus `json:"status,omitempty"`
}

// SubscriptionList is a list of Subscription.
// +kubebuilder:object:root=true
type SubscriptionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Subscription `json:"items"`
}

// ACKStatus implements Object.
func (s *Subscription) ACKStatus() *Status { return &s.Status.Status }

// Objects implements ObjectList.
func (l *TopicList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *SubscriptionList) Objects() []Object { return items(l.Items) }

func digestTopic(o *Topic, digest func(*string)) { digest(o.Spec.Policy) }

func compactTopic(o *Topic, c Compactor) { o.Spec.Tags = c.TagList(o.Spec.Tags) }

func digestSubscription(o *Subscription, digest func(*string)) { digest(o.Spec.FilterPolicy) }

func compactSubscription(o *Subscription, c Compactor) {
	o.Spec.Protocol = c.Intern(o.Spec.Protocol)
	o.Spec.RawMessageDelivery = c.Intern(o.Spec.RawMessageDelivery)
	o.Status.PendingConfirmation = c.Intern(o.Status.PendingConfirmation)
}

func assessSubscription(o *Subscription) Assessment {
	if ptr.Deref(o.Status.PendingConfirmation, "") == "true" {
		// ACK reports a subscription synced while it awaits confirmation.
		return Assessment{Note: "pending confirmation: SNS sent a confirmation request to the endpoint, which gets no message until its owner confirms"}
	}
	return Assessment{}
}
