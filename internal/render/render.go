// Package render builds the ACK children of an EventDrivenStack: pure functions
// from the spec, and what ACK has reported so far (ARNs and URLs), to typed ACK
// objects. The controller applies what it returns; the kubectl plugin prints it.
//
// A child whose inputs are not all known yet (a queue needs its dead-letter
// queue's ARN, a function its role's ARN, ...) is returned without an object,
// with the values it waits for: waiting is a state, not an error.
package render

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// Observed is what ACK has reported of the stack's children so far, by
// component key ("queue/order-queue", "role/event-order-processor").
type Observed struct {
	ARNs map[string]string
	URLs map[string]string
	// Children are the children on the API server, by component: a field
	// the operator set before and no longer wants gets an explicit value
	// (ACK leaves AWS as it is for a field that is unset).
	Children map[string]ack.Object
	// Account is the AWS account the stack's resources are in, once known:
	// ARNs that AWS does not check are derived with it instead of waited for
	// (see dependencies.go).
	Account string
	// Reclaim are components whose AWS resource the stack itself created but
	// ACK does not manage (the answer to its create was lost): their child is
	// made with ACK's adoption annotations, whatever spec.adoption says.
	Reclaim map[string]bool
	// MappingUUIDs are, for a stack that adopts, the UUIDs of the existing
	// event source mappings by component ("" when none exists); a mapping
	// not looked up yet is not rendered (ACK adopts mappings by UUID only).
	MappingUUIDs map[string]string
	// Deployed are, by function component, the revision (Revision) Lambda
	// runs for a function with a rollout: its Function child's, once ACK
	// reported that child synced and Lambda settled it. Its Version child
	// waits for it (rollouts.go).
	Deployed map[string]string
}

// Dependency is a value a child needs from another child.
type Dependency struct {
	// Kind and Name of the child that will report the value.
	Kind string
	Name string
	// What is the value: ARN or URL.
	What string
}

func (d Dependency) String() string { return fmt.Sprintf("the %s of %s %s", d.What, d.Kind, d.Name) }

// Child is one ACK child of the stack.
type Child struct {
	// Component is the spec entry the child implements, e.g. queue/order-queue.
	Component string
	// Kind and Name identify the child in the stack's namespace.
	Kind string
	Name string
	// Object is the child to apply; nil while it waits for Needs.
	Object ack.Object
	// Needs lists the values the child waits for before it can be created.
	Needs []Dependency
	// Partial lists values the child still lacks although it can be created
	// already: it is applied without the part that needs them (a queue's access
	// policy needs the queue's own ARN) and applied again once they are known.
	Partial []Dependency
}

// Result is everything Render builds for a stack.
type Result struct {
	// Children in a stable order: by kind (roles first), then by name.
	Children []Child
	// Outputs are the declared outputs and every component's name, ARN and URL
	// known so far, as <kind>.<name>.<attr>.
	Outputs map[string]string
}

// Render builds every ACK child of stack from its spec and what ACK has
// reported. The spec must have passed Validate; an error means it did not.
func Render(stack *v1alpha1.EventDrivenStack, obs Observed) (*Result, error) {
	b := newBuilder(stack, obs)
	var children []Child
	for _, t := range stack.Spec.Tables {
		children = append(children, b.table(t))
	}
	for _, q := range stack.Spec.Queues {
		children = append(children, b.queue(q))
	}
	for _, t := range stack.Spec.Topics {
		children = append(children, b.topic(t))
		for _, s := range t.Subscriptions {
			children = append(children, b.subscription(t, s))
		}
	}
	for _, f := range stack.Spec.Functions {
		if f.RoleARN == "" {
			children = append(children, b.functionRole(f))
		}
		fn := b.function(f)
		children = append(children, fn)
		children = append(children, b.rolloutChildren(f, fn)...) // rollouts.go
		for _, c := range f.Consumes {
			children = append(children, b.eventSourceMapping(f, c))
		}
		for _, c := range f.Streams {
			children = append(children, b.streamMapping(f, c)) // streams.go
		}
	}
	if dlq := b.eventsDLQ(); dlq != nil {
		children = append(children, *dlq)
	}
	for _, w := range b.targetedWorkflows() {
		children = append(children, b.eventsRole(w))
	}
	for _, r := range b.rulesTargetingBuses() {
		children = append(children, b.busRole(r))
	}
	for _, w := range stack.Spec.Workflows {
		def, err := parseDefinition(w)
		if err != nil {
			return nil, err
		}
		if w.RoleARN == "" {
			children = append(children, b.workflowRole(w, def))
		}
		sm, err := b.stateMachine(w, def)
		if err != nil {
			return nil, err
		}
		children = append(children, sm)
	}
	for _, a := range Alarms(stack) {
		children = append(children, b.alarm(a))
	}
	sortChildren(children)
	outputs, err := b.outputs()
	if err != nil {
		return nil, err
	}
	return &Result{Children: children, Outputs: outputs}, nil
}

// kindOrder is the order children are listed in: what others depend on first.
var kindOrder = func() map[string]int {
	m := map[string]int{}
	for i, k := range ack.Kinds {
		m[k.GVK.Kind] = i
	}
	return m
}()

func sortChildren(c []Child) {
	sort.SliceStable(c, func(i, j int) bool {
		if c[i].Kind != c[j].Kind {
			return kindOrder[c[i].Kind] < kindOrder[c[j].Kind]
		}
		return c[i].Name < c[j].Name
	})
}

// builder carries what every child builder needs.
type builder struct {
	stack *v1alpha1.EventDrivenStack
	obs   Observed
	// scope derives ARNs and URLs; nil while the account is unknown.
	scope *arns.Scope
}

func newBuilder(stack *v1alpha1.EventDrivenStack, obs Observed) *builder {
	b := &builder{stack: stack, obs: obs}
	if obs.Account != "" {
		b.scope = &arns.Scope{Region: stack.Spec.Region, Account: obs.Account}
	}
	return b
}

// needs records the values a child waits for.
type needs []Dependency

// componentChild maps a component kind to the kind and name of the child that
// reports its values (the components table).
func (b *builder) componentChild(kind refs.Kind, name string) (string, string) {
	if c, ok := components[kind]; ok {
		return c.kind, c.child(b.stack, name)
	}
	return string(kind), name
}

// roleKind keys the generated role of a function or workflow in Observed.
const roleKind refs.Kind = "role"

// RoleComponentKind is the component kind of the role generated for a
// function or workflow: "role/<function or workflow>".
const RoleComponentKind = string(roleKind)

// Key is a component's key in Observed.
func Key(kind refs.Kind, name string) string { return string(kind) + "/" + name }

// child finishes a child: metadata, owner, and the hash of what is applied.
func (b *builder) child(component, kind, name string, obj ack.Object, n needs) Child {
	n = dedupe(n)
	c := Child{Component: component, Kind: kind, Name: name, Needs: n}
	if len(n) > 0 {
		return c
	}
	obj.GetAnnotations()[AnnotationSpecHash] = SpecHash(obj)
	c.Object = obj
	return c
}

// SpecHash is the hash of everything the operator sets on a child (all but the
// hash annotation itself).
func SpecHash(obj ack.Object) string {
	ann := obj.GetAnnotations()
	saved, had := ann[AnnotationSpecHash]
	delete(ann, AnnotationSpecHash)
	b, err := json.Marshal(obj)
	if had {
		ann[AnnotationSpecHash] = saved
	}
	if err != nil { // plain structs of strings, numbers and maps: cannot fail
		panic(err)
	}
	return shortHash(string(b))
}

// meta fills a child's type, name, labels, annotations and owner reference.
func (b *builder) meta(obj ack.Object, gvk schema.GroupVersionKind, name, component string, adoption map[string]string) {
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	obj.SetName(name)
	obj.SetNamespace(b.stack.Namespace)
	obj.SetLabels(map[string]string{
		LabelStack:     b.stack.Name,
		LabelManagedBy: FieldManager,
	})
	ann := map[string]string{
		AnnotationComponent:          component,
		ackv1alpha1.AnnotationRegion: b.stack.Spec.Region,
	}
	// Explicit for Delete too: without the annotation ACK falls back to the
	// namespace's annotation or its --deletion-policy flag, which may retain.
	ann[ackv1alpha1.AnnotationDeletionPolicy] = string(ackv1alpha1.DeletionPolicyDelete)
	if b.stack.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain {
		ann[ackv1alpha1.AnnotationDeletionPolicy] = string(ackv1alpha1.DeletionPolicyRetain)
	}
	reclaim := b.obs.Reclaim[component] || b.prior(component) != nil && b.prior(component).GetAnnotations()[AnnotationReclaimed] == "true"
	if (b.adopting() || reclaim) && adoption != nil {
		ann[ackv1alpha1.AnnotationAdoptionPolicy] = "adopt-or-create"
		fields, _ := json.Marshal(adoption)
		ann[ackv1alpha1.AnnotationAdoptionFields] = string(fields)
	}
	if reclaim {
		ann[AnnotationReclaimed] = "true"
	}
	obj.SetAnnotations(ann)
	obj.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion:         v1alpha1.GroupVersion.String(),
		Kind:               "EventDrivenStack",
		Name:               b.stack.Name,
		UID:                b.stack.UID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}})
}

// adopting reports whether the stack adopts existing AWS resources.
func (b *builder) adopting() bool {
	a := b.stack.Spec.Adoption
	return a != nil && a.Policy == v1alpha1.AdoptionAdoptOrCreate
}

// prior returns the child of a component as it is on the API server, or nil.
func (b *builder) prior(component string) ack.Object { return b.obs.Children[component] }

// accountID is the account of the stack, for adoption: ACK finds queues,
// topics and state machines by URL or ARN.
func (b *builder) accountID() string {
	if a := b.stack.Spec.Adoption; a != nil {
		return a.AccountID
	}
	return ""
}

// Tags are the tags of every AWS resource of the stack: the spec's, and
// eventstack.io/stack naming the stack.
func Tags(stack *v1alpha1.EventDrivenStack) map[string]string {
	out := map[string]string{TagStack: stack.Namespace + "/" + stack.Name}
	for k, v := range stack.Spec.Tags {
		out[k] = v
	}
	return out
}

// tagMap returns the stack's tags as ACK's map form.
func (b *builder) tagMap() map[string]*string {
	m := map[string]*string{}
	for k, v := range Tags(b.stack) {
		m[k] = ptr.To(v)
	}
	return m
}

// tagList returns the stack's tags as ACK's list form, sorted by key.
func (b *builder) tagList() []*ack.Tag {
	m := b.tagMap()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*ack.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, &ack.Tag{Key: ptr.To(k), Value: m[k]})
	}
	return out
}

func itoa[T ~int32 | ~int64](v T) string { return strconv.FormatInt(int64(v), 10) }
