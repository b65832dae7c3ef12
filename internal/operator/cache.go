package operator

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/drift"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// What the cache holds of the operator's children (compactChild) and stacks
// (stripStack). Both transforms are idempotent (client-go may apply one again
// to an object it transformed already). The cache hands out deep copies, so
// the strings, pointers, maps and slices that cached objects share here are
// never written to.

// compactChild is the cache's transform of the ACK children. It keeps what
// the operator reads, and of what it only compares (drift.NeedsApply) enough
// to compare:
//   - the long strings the operator sets and never reads back (policies, a
//     state machine's definition, environment values) become their digest
//     (drift.DigestSpec), against which NeedsApply compares the desired ones;
//   - managedFields keep what status.Reported and status.ApplyDelay read
//     (compactManagedFields);
//   - labels and annotations keep only the operator's and ACK's keys, the
//     spec hash held out of the annotations (drift.HoldSpecHash) so that the
//     annotation map is shared too;
//   - what ACK reports and the operator does not read goes: the times of ACK's
//     conditions, a queue's ARN repeated in status.queueARN, a role's ID;
//   - what many children repeat is held once: the strings (namespace, label
//     and annotation keys, annotation values but the spec hash and adoption
//     fields, ACK's finalizer, region, account, tag keys, settings), ACK's
//     conditions, the label map, owner references and tags, the same for
//     every child of a stack, and the annotation map, the same for a
//     component's children of every stack.
func compactChild(in any) (any, error) {
	obj, ok := in.(ack.Object)
	if !ok {
		return trimManagedFields(in)
	}
	drift.HoldSpecHash(obj)
	compactMeta(obj)
	drift.DigestSpec(obj)
	compactKind(obj)
	compactStatus(obj)
	return obj, nil
}

// compactMeta trims a child's metadata and shares what children repeat.
func compactMeta(obj ack.Object) {
	if tm := obj.GetObjectKind(); !tm.GroupVersionKind().Empty() {
		gvk := tm.GroupVersionKind()
		gvk.Group, gvk.Version, gvk.Kind = intern(gvk.Group), intern(gvk.Version), intern(gvk.Kind)
		tm.SetGroupVersionKind(gvk)
	}
	obj.SetNamespace(intern(obj.GetNamespace()))
	obj.SetManagedFields(compactManagedFields(obj.GetManagedFields()))
	obj.SetLabels(shareLabels(obj.GetLabels()))
	obj.SetAnnotations(compactAnnotations(obj.GetAnnotations()))
	obj.SetOwnerReferences(shareOwners(obj.GetOwnerReferences()))
	fin := obj.GetFinalizers()
	for i := range fin {
		fin[i] = intern(fin[i])
	}
}

// compactManagedFields keeps of a child's managedFields what status.Reported
// and status.ApplyDelay read, each entry with only its manager, operation,
// subresource and time: the newest status entry of another manager than the
// operator (ACK's), and the operator's own Apply entry (the first, as
// status.appliedAt reads it) only while it is newer than ACK's. Once ACK has
// written the status since the operator's last apply, Reported says yes with
// or without the apply's time, and ApplyDelay reads ACK's time only.
func compactManagedFields(fields []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	applied, reported := -1, -1
	for i := range fields {
		m := &fields[i]
		if m.Time == nil {
			continue
		}
		if applied < 0 && m.Manager == render.FieldManager && m.Operation == metav1.ManagedFieldsOperationApply && m.Subresource == "" {
			applied = i
		}
		if m.Subresource == "status" && m.Manager != render.FieldManager && (reported < 0 || fields[reported].Time.Before(m.Time)) {
			reported = i
		}
	}
	if applied >= 0 && reported >= 0 && !fields[reported].Time.Before(fields[applied].Time) {
		applied = -1
	}
	n := 0
	for _, i := range []int{applied, reported} {
		if i >= 0 {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	kept := make([]*metav1.ManagedFieldsEntry, 0, n)
	var key sharingKey
	for i := range fields {
		if i == applied || i == reported {
			m := &fields[i]
			kept = append(kept, m)
			key.add(m.Manager, string(m.Operation), m.Subresource, m.Time.UTC().Format(time.RFC3339))
		}
	}
	// Shared by the children written in the same second: ACK reports a
	// stack's children together, and the times have a second's precision.
	return share(managedFieldLists, key.String(), func() []metav1.ManagedFieldsEntry {
		out := make([]metav1.ManagedFieldsEntry, 0, n)
		for _, m := range kept {
			out = append(out, metav1.ManagedFieldsEntry{
				Manager: intern(m.Manager), Operation: metav1.ManagedFieldsOperationType(intern(string(m.Operation))),
				Subresource: intern(m.Subresource), Time: m.Time,
			})
		}
		return out
	})
}

// ackAnnotationPrefix starts ACK's annotations (region, deletion policy,
// adoption), which the operator sets.
const ackAnnotationPrefix = "services.k8s.aws/"

// operatorLabels are the labels the operator sets on a child.
var operatorLabels = []string{render.LabelStack, render.LabelManagedBy}

// shareLabels keeps the operator's labels of a child, as one map shared by
// every child that has the same ones (a stack's children).
func shareLabels(l map[string]string) map[string]string {
	var key sharingKey
	for _, k := range operatorLabels {
		if v, ok := l[k]; ok {
			key.add(k, v)
		}
	}
	if key.Len() == 0 {
		return nil
	}
	return share(labelMaps, key.String(), func() map[string]string {
		m := make(map[string]string, len(operatorLabels))
		for _, k := range operatorLabels {
			if v, ok := l[k]; ok {
				m[intern(k)] = v // one map per stack: the stack's name is held once
			}
		}
		return m
	})
}

// compactAnnotations keeps the operator's and ACK's annotations of a child
// (the spec hash is held out of them: drift.HoldSpecHash), as one map shared
// by every child that has the same: the same component's children of every
// stack. A child adopted by fields (ACK's adoption-fields annotation, the
// child's own) keeps a map of its own.
func compactAnnotations(a map[string]string) map[string]string {
	keys := make([]string, 0, len(a))
	own := false
	for k := range a {
		if keepAnnotation(k) {
			keys = append(keys, k)
			own = own || k == ackv1alpha1.AnnotationAdoptionFields
		}
	}
	if len(keys) == 0 {
		return nil
	}
	build := func() map[string]string {
		out := make(map[string]string, len(keys))
		for _, k := range keys {
			if k == ackv1alpha1.AnnotationAdoptionFields {
				out[intern(k)] = a[k] // the child's own
			} else {
				out[intern(k)] = intern(a[k])
			}
		}
		return out
	}
	if own {
		return build()
	}
	sort.Strings(keys)
	var key sharingKey
	for _, k := range keys {
		key.add(k, a[k])
	}
	return share(annotationMaps, key.String(), build)
}

// keepAnnotation: the spec hash is not among them, compactChild moved it out
// first (drift.HoldSpecHash).
func keepAnnotation(k string) bool {
	return k == render.AnnotationComponent || k == render.AnnotationReclaimed || k == render.AnnotationRevision ||
		strings.HasPrefix(k, ackAnnotationPrefix)
}

// shareOwners returns owner references equal to refs, shared by every child
// that has the same (a stack's children).
func shareOwners(refs []metav1.OwnerReference) []metav1.OwnerReference {
	if len(refs) == 0 {
		return nil
	}
	var key sharingKey
	for _, r := range refs {
		key.add(r.APIVersion, r.Kind, r.Name, string(r.UID), boolKey(r.Controller), boolKey(r.BlockOwnerDeletion))
	}
	return share(ownerLists, key.String(), func() []metav1.OwnerReference {
		out := make([]metav1.OwnerReference, len(refs))
		for i, r := range refs {
			out[i] = metav1.OwnerReference{
				APIVersion: intern(r.APIVersion), Kind: intern(r.Kind), Name: r.Name, UID: r.UID, // one list per stack
				Controller: sharedBool(r.Controller), BlockOwnerDeletion: sharedBool(r.BlockOwnerDeletion),
			}
		}
		return out
	})
}

func boolKey(b *bool) string {
	if b == nil {
		return "-"
	}
	return strconv.FormatBool(*b)
}

var boolTrue, boolFalse = true, false

// sharedBool points at one of two shared values.
func sharedBool(b *bool) *bool {
	switch {
	case b == nil:
		return nil
	case *b:
		return &boolTrue
	default:
		return &boolFalse
	}
}

// compactKind shares what the children's specs and statuses repeat (the
// stack's tags, settings: runtimes, billing modes, key names, ...) and drops
// what ACK reports that the operator never reads: what, each kind's row in
// ack.Kinds says (ack.Kind.Compact).
func compactKind(obj ack.Object) {
	if k := ack.KindOf(obj); k != nil {
		k.Compact(obj, compactor{})
	}
}

// compactor is the cache's interners, as ack.Kind.Compact takes them.
type compactor struct{}

func (compactor) Intern(p *string) *string                          { return internPtr(p) }
func (compactor) Key(s string) string                               { return intern(s) }
func (compactor) TagList(tags []*ack.Tag) []*ack.Tag                { return shareTagList(tags) }
func (compactor) TagMap(tags map[string]*string) map[string]*string { return shareTagMap(tags) }

// compactStatus interns ACK's status of a child, the part every kind has.
func compactStatus(obj ack.Object) {
	st := obj.ACKStatus()
	if m := st.ACKResourceMetadata; m != nil {
		if m.OwnerAccountID != nil {
			acct := intern(string(*m.OwnerAccountID))
			m.OwnerAccountID = share(accounts, acct, func() *ackv1alpha1.AWSAccountID { a := ackv1alpha1.AWSAccountID(acct); return &a })
		}
		if m.Region != nil {
			region := intern(string(*m.Region))
			m.Region = share(regions, region, func() *ackv1alpha1.AWSRegion { r := ackv1alpha1.AWSRegion(region); return &r })
		}
	}
	st.Conditions = shareConditions(st.Conditions)
}

// shareConditions returns ACK's conditions without their times (ACK stamps
// them at every reconcile; the operator never reads them), shared by every
// child that has the same (most children: ResourceSynced, True, ACK's usual
// message). Conditions with a long message (an AWS error, with its request
// ID) stay the child's own.
func shareConditions(conds []*ackv1alpha1.Condition) []*ackv1alpha1.Condition {
	if len(conds) == 0 {
		return conds
	}
	var key sharingKey
	own := false
	for _, c := range conds {
		if c == nil {
			key.add("nil")
			continue
		}
		c.LastTransitionTime = nil
		own = own || c.Message != nil && len(*c.Message) > maxInterned || c.Reason != nil && len(*c.Reason) > maxInterned
		key.add(string(c.Type), string(c.Status), ptrKey(c.Message), ptrKey(c.Reason))
	}
	if own {
		for _, c := range conds {
			if c != nil {
				c.Type, c.Status = ackv1alpha1.ConditionType(intern(string(c.Type))), corev1.ConditionStatus(intern(string(c.Status)))
			}
		}
		return conds
	}
	return share(conditionLists, key.String(), func() []*ackv1alpha1.Condition {
		out := make([]*ackv1alpha1.Condition, len(conds))
		for i, c := range conds {
			if c != nil {
				out[i] = &ackv1alpha1.Condition{Type: ackv1alpha1.ConditionType(intern(string(c.Type))),
					Status: corev1.ConditionStatus(intern(string(c.Status))), Message: internPtr(c.Message), Reason: internPtr(c.Reason)}
			}
		}
		return out
	})
}

// shareTagList returns tags equal to a list of tags, shared by every child
// that has the same (the stack's).
func shareTagList(tags []*ack.Tag) []*ack.Tag {
	if len(tags) == 0 {
		return tags
	}
	var key sharingKey
	for _, t := range tags {
		if t == nil {
			key.add("nil")
			continue
		}
		key.add(ptrKey(t.Key), ptrKey(t.Value))
	}
	return share(tagLists, key.String(), func() []*ack.Tag {
		out := make([]*ack.Tag, len(tags))
		for i, t := range tags {
			if t != nil {
				out[i] = &ack.Tag{Key: internPtr(t.Key), Value: t.Value}
			}
		}
		return out
	})
}

// shareTagMap returns a map of tags equal to tags, shared by every child that
// has the same (the stack's).
func shareTagMap(tags map[string]*string) map[string]*string {
	if len(tags) == 0 {
		return tags
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var key sharingKey
	for _, k := range keys {
		key.add(k, ptrKey(tags[k]))
	}
	return share(tagMaps, key.String(), func() map[string]*string {
		out := make(map[string]*string, len(tags))
		for k, v := range tags {
			out[intern(k)] = v
		}
		return out
	})
}

// ptrKey spells a *string in a sharing key: nil and "" differ.
func ptrKey(p *string) string {
	if p == nil {
		return "-"
	}
	return "=" + *p
}

// sharingKey spells the content of a value shared by several children: each
// part with its length, so that no two contents have one key.
type sharingKey struct{ strings.Builder }

func (k *sharingKey) add(parts ...string) {
	for _, p := range parts {
		k.WriteString(strconv.Itoa(len(p)))
		k.WriteByte(':')
		k.WriteString(p)
	}
	k.WriteByte(';')
}

// internPtr returns a pointer to the shared copy of *p, itself shared.
func internPtr(p *string) *string {
	if p == nil {
		return nil
	}
	s := intern(*p)
	return share(ptrs, s, func() *string { return &s })
}

// intern returns the shared copy of s.
func intern(s string) string {
	if s == "" {
		return s
	}
	if v, ok := strs.lookup(s); ok {
		return v
	}
	c := strings.Clone(s) // the key too: the decoded string is not held
	return strs.put(c, c)
}

// internStackStatus holds once the short strings of a stack's spec, and the
// strings every stack's status repeats: kinds, components, states, condition
// types and reasons, output names (not the messages, which name the stack's
// own children), the outputs' values where the children's ARNs hold them
// already, and the alarms' components, states and CloudWatch's reasons (many
// alarms say the same, "Unchecked: Initial alarm creation" at first).
func internStackStatus(s *v1alpha1.EventDrivenStack) {
	s.Namespace = intern(s.Namespace)
	internShortStrings(reflect.ValueOf(&s.Spec).Elem())
	st := &s.Status
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type, c.Reason = intern(c.Type), intern(c.Reason)
		c.Status = metav1.ConditionStatus(intern(string(c.Status)))
	}
	for i := range st.Children {
		c := &st.Children[i]
		c.Kind, c.Component = intern(c.Kind), intern(c.Component)
		c.State = v1alpha1.ChildState(intern(string(c.State)))
	}
	if len(st.Outputs) > 0 {
		// The outputs repeat the children's ARNs, and names that end them.
		arns := make(map[string]string, len(st.Children))
		for _, c := range st.Children {
			if c.ARN != "" {
				arns[c.ARN] = c.ARN
			}
		}
		out := make(map[string]string, len(st.Outputs))
		for k, v := range st.Outputs {
			out[intern(k)] = shareWithin(arns, v)
		}
		st.Outputs = out
	}
	for i := range st.Inventory {
		st.Inventory[i].Kind = intern(st.Inventory[i].Kind)
	}
	for i := range st.Alarms {
		a := &st.Alarms[i]
		a.Component, a.State, a.Reason = intern(a.Component), intern(a.State), intern(a.Reason)
	}
}

// shareWithin returns v as the ARN it is, or as the end of the ARN it ends
// (a name: "…:table/orders" ends with "orders"), from arns (each ARN by
// itself), so that the strings are held once; else v.
func shareWithin(arns map[string]string, v string) string {
	if a, ok := arns[v]; ok {
		return a
	}
	if len(v) < 8 {
		return v
	}
	for a := range arns {
		if len(a) > len(v) && strings.HasSuffix(a, v) {
			return a[len(a)-len(v):]
		}
	}
	return v
}

// internShortStrings interns, in place, the short strings a value holds (a
// stack's spec names its components several times, and stacks made from one
// template share their names and settings); not the long ones (a workflow's
// definition), which are each stack's own.
func internShortStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			internShortStrings(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				internShortStrings(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw JSON
		}
		for i := 0; i < v.Len(); i++ {
			internShortStrings(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 || v.Type().Key().Kind() != reflect.String {
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k := reflect.New(v.Type().Key()).Elem()
			k.Set(iter.Key())
			internShortStrings(k)
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(iter.Value())
			internShortStrings(e)
			out.SetMapIndex(k, e)
		}
		if v.CanSet() {
			v.Set(out)
		}
	case reflect.String:
		if v.CanSet() && v.Len() <= maxInterned {
			v.SetString(intern(v.String()))
		}
	}
}

// The shared values, by what they are.
var (
	strs              = newInterner[string](internCap)
	ptrs              = newInterner[*string](internCap)
	labelMaps         = newInterner[map[string]string](internCap)
	annotationMaps    = newInterner[map[string]string](internCap)
	managedFieldLists = newInterner[[]metav1.ManagedFieldsEntry](internCap)
	ownerLists        = newInterner[[]metav1.OwnerReference](internCap)
	tagLists          = newInterner[[]*ack.Tag](internCap)
	tagMaps           = newInterner[map[string]*string](internCap)
	// conditionLists are ACK's conditions without times: a few distinct lists.
	conditionLists = newInterner[[]*ackv1alpha1.Condition](internCap)
	accounts       = newInterner[*ackv1alpha1.AWSAccountID](internCap)
	regions        = newInterner[*ackv1alpha1.AWSRegion](internCap)
)

// maxInterned is the longest message interned: longer ones are mostly
// errors, each of its own.
const maxInterned = 64

// internCap bounds each interner: it holds at most twice as many values.
// 1,000 seed stacks need about 4,000 strings; a full interner of strings is
// a few MiB.
const internCap = 16384

// share returns the value held for key, holding the one build makes when
// there is none.
func share[V any](in *interner[V], key string, build func() V) V {
	if v, ok := in.lookup(key); ok {
		return v
	}
	return in.put(key, build())
}

// interner holds one value per key, in two generations: when the current one
// is full it becomes the old one (the oldest is dropped), and a value found
// in the old one moves to the current. What is in use stays shared; what was
// seen once (an ACK message with a request ID, a deleted stack's name) goes
// after two generations.
type interner[V any] struct {
	mu       sync.Mutex
	cur, old map[string]V
	cap      int
}

func newInterner[V any](capacity int) *interner[V] {
	return &interner[V]{cur: map[string]V{}, cap: capacity}
}

// lookup returns the value held for key.
func (in *interner[V]) lookup(key string) (V, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.cur[key]; ok {
		return v, true
	}
	if v, ok := in.old[key]; ok {
		in.add(key, v)
		return v, true
	}
	var zero V
	return zero, false
}

// put holds v for key unless a value is held already, and returns the held one.
func (in *interner[V]) put(key string, v V) V {
	in.mu.Lock()
	defer in.mu.Unlock()
	if held, ok := in.cur[key]; ok {
		return held
	}
	in.add(key, v)
	return v
}

func (in *interner[V]) add(key string, v V) {
	if len(in.cur) >= in.cap {
		in.old, in.cur = in.cur, make(map[string]V, in.cap/4)
	}
	in.cur[key] = v
}
