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

// Kind describes one ACK kind this operator creates.
// +kubebuilder:object:generate=false
type Kind struct {
	GVK  schema.GroupVersionKind
	New  func() Object
	List func() ObjectList
}

// Kinds lists every ACK kind this operator creates, in the order children are reported.
var Kinds = []Kind{
	{IAMGroupVersion.WithKind("Role"), func() Object { return &Role{} }, func() ObjectList { return &RoleList{} }},
	{DynamoDBGroupVersion.WithKind("Table"), func() Object { return &Table{} }, func() ObjectList { return &TableList{} }},
	{SQSGroupVersion.WithKind("Queue"), func() Object { return &Queue{} }, func() ObjectList { return &QueueList{} }},
	{SNSGroupVersion.WithKind("Topic"), func() Object { return &Topic{} }, func() ObjectList { return &TopicList{} }},
	{SNSGroupVersion.WithKind("Subscription"), func() Object { return &Subscription{} }, func() ObjectList { return &SubscriptionList{} }},
	{LambdaGroupVersion.WithKind("Function"), func() Object { return &Function{} }, func() ObjectList { return &FunctionList{} }},
	{LambdaGroupVersion.WithKind("EventSourceMapping"), func() Object { return &EventSourceMapping{} }, func() ObjectList { return &EventSourceMappingList{} }},
	{SFNGroupVersion.WithKind("StateMachine"), func() Object { return &StateMachine{} }, func() ObjectList { return &StateMachineList{} }},
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

// Objects implements ObjectList.
func (l *QueueList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *TopicList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *SubscriptionList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *TableList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *FunctionList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *EventSourceMappingList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *StateMachineList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *RoleList) Objects() []Object { return items(l.Items) }

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
