package ack

import (
	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Status is the part of status every ACK resource has.
type Status struct {
	// ACKResourceMetadata holds the ARN once ACK created or adopted the resource.
	// +optional
	ACKResourceMetadata *ackv1alpha1.ResourceMetadata `json:"ackResourceMetadata,omitempty"`
	// Conditions are ACK's conditions (ACK.ResourceSynced, ACK.Terminal, ...).
	// +optional
	Conditions []*ackv1alpha1.Condition `json:"conditions,omitempty"`

	// CachedSpecHash is, in the operator's cache only, the child's spec-hash
	// annotation, held here so that children can share one map of their
	// other annotations (drift.HoldSpecHash). Never serialized; exported so
	// that reflection (apimachinery's equality, deep copies) sees a plain
	// field.
	CachedSpecHash string `json:"-"`
}

// ARN returns the resource's ARN, or "" while ACK has not reported it.
func (s *Status) ARN() string {
	if s.ACKResourceMetadata == nil || s.ACKResourceMetadata.ARN == nil {
		return ""
	}
	return string(*s.ACKResourceMetadata.ARN)
}

// Condition returns the condition of the given type, or nil.
func (s *Status) Condition(t ackv1alpha1.ConditionType) *ackv1alpha1.Condition {
	for _, c := range s.Conditions {
		if c != nil && c.Type == t {
			return c
		}
	}
	return nil
}

// Object is an ACK resource: a Kubernetes object (a client.Object, spelled
// out so that controller-gen can type-check this package) with ACK's status.
// +kubebuilder:object:generate=false
type Object interface {
	metav1.Object
	runtime.Object
	ACKStatus() *Status
}

// Tag is the key/value pair used by the ACK resources whose tags are a list.
type Tag struct {
	Key   *string `json:"key,omitempty"`
	Value *string `json:"value,omitempty"`
}
