package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ObjectList is a list of ACK resources.
// +kubebuilder:object:generate=false
type ObjectList interface {
	metav1.ListInterface
	runtime.Object
	// Objects returns pointers to the list's items.
	Objects() []Object
}

// AddToScheme registers every kind of Kinds, and its list, with a scheme.
func AddToScheme(s *runtime.Scheme) error {
	seen := map[schema.GroupVersion]bool{}
	for _, k := range Kinds {
		s.AddKnownTypeWithName(k.GVK, k.New())
		s.AddKnownTypeWithName(k.GVK.GroupVersion().WithKind(k.GVK.Kind+"List"), k.List())
		if gv := k.GVK.GroupVersion(); !seen[gv] {
			metav1.AddToGroupVersion(s, gv)
			seen[gv] = true
		}
	}
	return nil
}

// items returns pointers to a list's items as Objects.
func items[T any, P interface {
	*T
	Object
}](list []T) []Object {
	out := make([]Object, len(list))
	for i := range list {
		out[i] = P(&list[i])
	}
	return out
}
