package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// IAMGroupVersion is the group and version of ACK's IAM resources.
var IAMGroupVersion = schema.GroupVersion{Group: "iam.services.k8s.aws", Version: "v1alpha1"}

// RoleSpec is the part of ACK's iam Role spec this operator sets.
type RoleSpec struct {
	Name                     *string            `json:"name,omitempty"`
	Description              *string            `json:"description,omitempty"`
	AssumeRolePolicyDocument *string            `json:"assumeRolePolicyDocument,omitempty"`
	InlinePolicies           map[string]*string `json:"inlinePolicies,omitempty"`
	Tags                     []*Tag             `json:"tags,omitempty"`
}

// RoleStatus is ACK's iam Role status.
type RoleStatus struct {
	Status `json:",inline"`
	RoleID *string `json:"roleID,omitempty"`
}

// Role is ACK's iam.services.k8s.aws/v1alpha1 Role.
// +kubebuilder:object:root=true
type Role struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              RoleSpec   `json:"spec,omitempty"`
	Status            RoleStatus `json:"status,omitempty"`
}

// RoleList is a list of Role.
// +kubebuilder:object:root=true
type RoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Role `json:"items"`
}

// ACKStatus implements Object.
func (r *Role) ACKStatus() *Status { return &r.Status.Status }

// Objects implements ObjectList.
func (l *RoleList) Objects() []Object { return items(l.Items) }

func digestRole(o *Role, digest func(*string)) {
	digest(o.Spec.AssumeRolePolicyDocument)
	for _, p := range o.Spec.InlinePolicies {
		digest(p)
	}
}

func compactRole(o *Role, c Compactor) {
	o.Spec.Tags = c.TagList(o.Spec.Tags)
	o.Status.RoleID = nil // never read
}
