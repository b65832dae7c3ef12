package operator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeschema "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/drift"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// servedSeed renders copies of the seed stack, each with its own name and
// prefix, and returns, as JSON the API server would serve, every stack once
// Ready and every child once ACK reported on it (ARN, conditions, queue URL,
// the function's state and code; managedFields of the operator's apply and
// of ACK's status write, with their field sets). desired are the children
// the operator renders.
func servedSeed(t testing.TB, stacks int) (stackJSON, childJSON [][]byte, desired []ack.Object) {
	t.Helper()
	model := seed.Stack(t, "perf-001-mem")
	applied := metav1.NewTime(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	reported := metav1.NewTime(applied.Add(time.Second))
	for i := 0; i < stacks; i++ {
		s := model.DeepCopy()
		s.Name = fmt.Sprintf("event-driven-stack-%04d", i)
		s.Spec.NamePrefix = fmt.Sprintf("r001-%04d-", i)
		s.UID = types.UID(fmt.Sprintf("0e9f1c1a-5e34-4a39-9d2b-%012d", i))
		s.ResourceVersion, s.Generation, s.Finalizers = "123456", 1, []string{"stacks.eventstack.io/finalizer"}
		s.CreationTimestamp = applied
		s.TypeMeta = metav1.TypeMeta{Kind: "EventDrivenStack", APIVersion: v1alpha1.GroupVersion.String()}
		if i%2 == 1 {
			// Every annotation a child may carry: adoption's, and a
			// reclaimed child's (its create answer was lost).
			s.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: localack.AccountID}
		}
		var reclaim map[string]bool
		if i%2 == 1 {
			reclaim = map[string]bool{}
			for _, f := range s.Spec.Functions {
				reclaim[render.Key(refs.Function, f.Name)] = true
			}
		}
		res, obs := renderPredicted(t, s, reclaim)
		for j, c := range res.Children {
			desired = append(desired, c.Object.DeepCopyObject().(ack.Object))
			o := c.Object
			o.SetUID(types.UID(fmt.Sprintf("7d2a4c2e-1b9f-4f0e-8a51-%06d%06d", i, j)))
			o.SetResourceVersion(fmt.Sprint(200000 + i*100 + j))
			o.SetGeneration(1)
			o.SetCreationTimestamp(applied)
			gvk := o.GetObjectKind().GroupVersionKind()
			o.SetFinalizers([]string{"finalizers." + gvk.Group + "/" + gvk.Kind})
			localack.PlayOnce(o)
			localack.PlayOnce(o) // a role takes two rounds
			spec, _ := json.Marshal(reflect.ValueOf(o).Elem().FieldByName("Spec").Interface())
			o.SetManagedFields([]metav1.ManagedFieldsEntry{
				{Manager: render.FieldManager, Operation: metav1.ManagedFieldsOperationApply, APIVersion: gvk.GroupVersion().String(),
					Time: &applied, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":` + string(spec) + `}`)},
				{Manager: "ack-" + gvk.Group, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: gvk.GroupVersion().String(),
					Time: &reported, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:status":{"f:ackResourceMetadata":{},"f:conditions":{}}}`), Subresource: "status"},
			})
			data, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			childJSON = append(childJSON, data)
		}
		st := &s.Status
		st.ObservedGeneration, st.Resources = 1, fmt.Sprintf("%d/%d", len(res.Children), len(res.Children))
		st.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded,
			Message: "all children are ready", LastTransitionTime: reported, ObservedGeneration: 1}}
		for _, c := range res.Children {
			st.Children = append(st.Children, v1alpha1.ChildStatus{Kind: c.Kind, Name: c.Name, Component: c.Component, Ready: true,
				State: v1alpha1.ChildReady, ARN: obs.ARNs[c.Component], ObservedGeneration: 1})
		}
		st.Outputs = res.Outputs
		s.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply, Time: &applied,
			FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)}}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		stackJSON = append(stackJSON, data)
	}
	return stackJSON, childJSON, desired
}

// renderPredicted renders a stack with every ARN predicted (the local ACK's
// account) and the given components reclaimed.
func renderPredicted(t testing.TB, s *v1alpha1.EventDrivenStack, reclaim ...map[string]bool) (*render.Result, render.Observed) {
	t.Helper()
	obs, err := predict.ResolveIn(s, localack.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if len(reclaim) > 0 {
		obs.Reclaim = reclaim[0]
	}
	res, err := render.Render(s, obs)
	if err != nil {
		t.Fatal(err)
	}
	return res, obs
}

// decode decodes served JSON as the cache does (the scheme's codec) and
// applies a transform.
func decode(t testing.TB, data []byte, transform func(any) (any, error)) runtimeschema.Object {
	t.Helper()
	obj, _, err := codecs(t).UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := transform(obj)
	if err != nil {
		t.Fatal(err)
	}
	return out.(runtimeschema.Object)
}

func codecs(t testing.TB) serializer.CodecFactory {
	s, err := Scheme()
	if err != nil {
		t.Fatal(err)
	}
	return serializer.NewCodecFactory(s)
}

func identity(in any) (any, error) { return in, nil }

// reads is everything the operator reads of a child (controllers'
// reconcileObserve, the status package, render's storage.go and compute.go,
// the deletion): a compacted child must read the same.
func reads(obj ack.Object) string {
	st := obj.ACKStatus()
	var conds []string
	for _, c := range st.Conditions {
		conds = append(conds, fmt.Sprintf("%s=%s %q %q", c.Type, c.Status, ptr.Deref(c.Message, ""), ptr.Deref(c.Reason, "")))
	}
	var acct, region string
	if m := st.ACKResourceMetadata; m != nil {
		acct, region = string(ptr.Deref(m.OwnerAccountID, "")), string(ptr.Deref(m.Region, ""))
	}
	ann := obj.GetAnnotations()
	out := fmt.Sprintf("%s/%s uid %s gen %d rv %s deleting %v finalizers %v owners %v labels %s,%s annotations %s %s %s %s %s %s %s arn %s account %s region %s conditions %v",
		obj.GetNamespace(), obj.GetName(), obj.GetUID(), obj.GetGeneration(), obj.GetResourceVersion(), obj.GetDeletionTimestamp(),
		obj.GetFinalizers(), ownersString(obj.GetOwnerReferences()), obj.GetLabels()[render.LabelStack], obj.GetLabels()[render.LabelManagedBy],
		ann[render.AnnotationComponent], drift.SpecHash(obj), ann[ackv1alpha1.AnnotationRegion], ann[ackv1alpha1.AnnotationDeletionPolicy],
		ann[ackv1alpha1.AnnotationAdoptionPolicy], ann[ackv1alpha1.AnnotationAdoptionFields], metav1.GetControllerOf(obj).UID,
		st.ARN(), acct, region, conds)
	switch o := obj.(type) {
	case *ack.Queue:
		out += fmt.Sprintf(" url %s name %s policy %v redrive %v", ptr.Deref(o.Status.QueueURL, ""), ptr.Deref(o.Spec.QueueName, ""), o.Spec.Policy != nil, o.Spec.RedrivePolicy != nil)
	case *ack.Topic:
		out += fmt.Sprintf(" name %s policy %v", ptr.Deref(o.Spec.Name, ""), o.Spec.Policy != nil)
	case *ack.Function:
		s := o.Status
		out += fmt.Sprintf(" name %s package %s sha %s state %s %s update %s %s code %s", ptr.Deref(o.Spec.Name, ""), ptr.Deref(o.Spec.PackageType, ""),
			ptr.Deref(o.Spec.Code.SHA256, ""), ptr.Deref(s.State, ""), ptr.Deref(s.StateReason, ""), ptr.Deref(s.LastUpdateStatus, ""),
			ptr.Deref(s.LastUpdateStatusReason, ""), ptr.Deref(s.CodeSHA256, ""))
	case *ack.Table:
		out += fmt.Sprintf(" name %s status %s", ptr.Deref(o.Spec.TableName, ""), ptr.Deref(o.Status.TableStatus, ""))
	case *ack.Subscription:
		out += fmt.Sprintf(" pending %s", ptr.Deref(o.Status.PendingConfirmation, ""))
	case *ack.EventSourceMapping:
		out += fmt.Sprintf(" state %s uuid %s", ptr.Deref(o.Status.State, ""), ptr.Deref(o.Status.UUID, ""))
	case *ack.StateMachine:
		out += fmt.Sprintf(" name %s", ptr.Deref(o.Spec.Name, ""))
	case *ack.Role:
		out += fmt.Sprintf(" name %s", ptr.Deref(o.Spec.Name, ""))
	}
	return out
}

func ownersString(owners []metav1.OwnerReference) string {
	b, _ := json.Marshal(owners)
	return string(b)
}

// The cache keeps everything the operator reads of a child; of what it only
// compares, enough to compare: an unchanged child needs no apply, and its
// spec is the served one with the long strings digested, nothing else.
func TestCompactChild(t *testing.T) {
	_, children, desired := servedSeed(t, 2)
	for i, data := range children {
		served := decode(t, data, identity).(ack.Object)
		got := decode(t, data, compactChild).(ack.Object)
		name := served.GetObjectKind().GroupVersionKind().Kind + " " + served.GetName()
		if r0, r1 := reads(served), reads(got); r0 != r1 {
			t.Errorf("%s reads otherwise once cached:\n  served %s\n  cached %s", name, r0, r1)
		}
		if drift.NeedsApply(desired[i], got) {
			t.Errorf("%s: the cached child of an unchanged child needs an apply", name)
		}
		digested := served.DeepCopyObject().(ack.Object)
		drift.DigestSpec(digested)
		want, _ := json.Marshal(reflect.ValueOf(digested).Elem().FieldByName("Spec").Interface())
		have, _ := json.Marshal(reflect.ValueOf(got).Elem().FieldByName("Spec").Interface())
		if string(want) != string(have) {
			t.Errorf("%s: cached spec\n  %s\nwant the served one with its long strings digested\n  %s", name, have, want)
		}
		// What the status package makes of it is the same.
		c := render.Child{Kind: name[:len(name)-len(served.GetName())-1], Name: served.GetName()}
		if a, b := status.Child(c, served, nil, v1alpha1.ChildStatus{}, nil), status.Child(c, got, nil, v1alpha1.ChildStatus{}, nil); a != b {
			t.Errorf("%s: status %+v once cached, %+v served", name, b, a)
		}
		if len(got.GetManagedFields()) > 2 || got.GetManagedFields()[0].FieldsV1 != nil {
			t.Errorf("%s: managedFields %+v", name, got.GetManagedFields())
		}
		// Idempotent: client-go may transform an object again.
		again, _ := compactChild(got.DeepCopyObject())
		if !reflect.DeepEqual(again, got) {
			t.Errorf("%s: compacting twice changes it:\n%+v\n%+v", name, again, got)
		}
	}
}

// An out-of-band edit of any field the operator sets is seen on the cached
// child, whether the cache digests that field or not.
func TestCompactChildKeepsOutOfBandEdits(t *testing.T) {
	_, children, desired := servedSeed(t, 1)
	edits := 0
	for i, data := range children {
		served := decode(t, data, identity).(ack.Object)
		var paths []string
		collectStrings(reflect.ValueOf(served).Elem().FieldByName("Spec"), "spec", &paths)
		for _, path := range paths {
			edited := decode(t, data, identity).(ack.Object)
			setString(reflect.ValueOf(edited).Elem().FieldByName("Spec"), "spec", path)
			out, _ := json.Marshal(edited)
			got := decode(t, out, compactChild).(ack.Object)
			if !drift.NeedsApply(desired[i], got) {
				t.Errorf("%s %s: an edit of %s is not seen once cached", served.GetObjectKind().GroupVersionKind().Kind, served.GetName(), path)
			}
			edits++
		}
	}
	if edits < 50 {
		t.Errorf("%d edits: the seed's children set more strings than that", edits)
	}
}

// collectStrings lists the paths of the strings a value holds.
func collectStrings(v reflect.Value, path string, out *[]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			collectStrings(v.Elem(), path, out)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			collectStrings(v.Field(i), path+"."+v.Type().Field(i).Name, out)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			collectStrings(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			collectStrings(v.MapIndex(k), path+"["+k.String()+"]", out)
		}
	case reflect.String:
		*out = append(*out, path)
	}
}

// setString appends to the string at path.
func setString(v reflect.Value, path, target string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			if v.Elem().Kind() == reflect.String && path == target {
				v.Elem().SetString(v.Elem().String() + "-edited")
				return
			}
			setString(v.Elem(), path, target)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			setString(v.Field(i), path+"."+v.Type().Field(i).Name, target)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			setString(v.Index(i), fmt.Sprintf("%s[%d]", path, i), target)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			setString(v.MapIndex(k), path+"["+k.String()+"]", target)
		}
	case reflect.String:
		if path == target && v.CanSet() {
			v.SetString(v.String() + "-edited")
		}
	}
}

// What the cache keeps of managedFields answers status.Reported,
// status.ApplyDelay and status.Child as all of them do, for random histories
// of writes by the operator, ACK and others.
func TestCompactManagedFieldsAnswersAsAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	managers := []string{render.FieldManager, "ack-sqs-controller", "kubectl", "ack-sqs-controller"}
	for round := 0; round < 5000; round++ {
		var fields []metav1.ManagedFieldsEntry
		for n := rng.IntN(5); n > 0; n-- {
			m := metav1.ManagedFieldsEntry{Manager: managers[rng.IntN(len(managers))],
				Operation:   []metav1.ManagedFieldsOperationType{metav1.ManagedFieldsOperationApply, metav1.ManagedFieldsOperationUpdate}[rng.IntN(2)],
				Subresource: []string{"", "status"}[rng.IntN(2)], APIVersion: "sqs.services.k8s.aws/v1alpha1", FieldsType: "FieldsV1",
				FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)}
			if rng.IntN(8) > 0 {
				at := metav1.NewTime(t0.Add(time.Duration(rng.IntN(4)) * time.Second))
				m.Time = &at
			}
			fields = append(fields, m)
		}
		q := &ack.Queue{}
		q.SetGeneration(int64(1 + rng.IntN(2)))
		localack.SetSynced(q, "arn:aws:sqs:us-east-1:123456789012:q")
		q.SetManagedFields(fields)
		compacted := q.DeepCopy()
		compacted.SetManagedFields(compactManagedFields(compacted.GetManagedFields()))
		now := t0.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)
		for _, gen := range []int64{0, 1} {
			if a, b := status.Reported(q, gen), status.Reported(compacted, gen); a != b {
				t.Fatalf("Reported(gen %d) = %v with %+v, %v with what the cache keeps %+v", gen, a, fields, b, compacted.ManagedFields)
			}
		}
		if a, b := status.ApplyDelay(q, now), status.ApplyDelay(compacted, now); a != b {
			t.Fatalf("ApplyDelay = %v with %+v, %v with what the cache keeps %+v", a, fields, b, compacted.ManagedFields)
		}
		c := render.Child{Kind: "Queue", Name: "q"}
		if a, b := status.Child(c, q, nil, v1alpha1.ChildStatus{ObservedGeneration: 1}, nil), status.Child(c, compacted, nil, v1alpha1.ChildStatus{ObservedGeneration: 1}, nil); a != b {
			t.Fatalf("status.Child = %+v with %+v, %+v with what the cache keeps %+v", a, fields, b, compacted.ManagedFields)
		}
		if len(compacted.ManagedFields) > 2 {
			t.Fatalf("kept %d entries", len(compacted.ManagedFields))
		}
	}
}

// Cached children share their stack's labels, owner references and tags;
// what the cache hands out is a deep copy, which the reconciler may change
// without changing another child.
func TestSharedValuesAreNotShared(t *testing.T) {
	_, children, _ := servedSeed(t, 1)
	a := decode(t, children[0], compactChild).(ack.Object)
	b := decode(t, children[1], compactChild).(ack.Object)
	if reflect.ValueOf(a.GetLabels()).UnsafePointer() != reflect.ValueOf(b.GetLabels()).UnsafePointer() ||
		&a.GetOwnerReferences()[0] != &b.GetOwnerReferences()[0] {
		t.Fatal("two children of a stack do not share their labels and owner references in the cache")
	}
	before := reads(b)
	c := a.DeepCopyObject().(ack.Object) // what the cache's reader returns
	c.GetLabels()[render.LabelStack] = "changed"
	c.GetOwnerReferences()[0].Name = "changed"
	*c.GetOwnerReferences()[0].Controller = false
	c.ACKStatus().Conditions[0].Status = corev1.ConditionFalse
	*c.ACKStatus().Conditions[0].Message = "changed"
	if after := reads(b); after != before {
		t.Errorf("changing a copy of one child changed another:\n  %s\n  %s", before, after)
	}
}

func TestInterner(t *testing.T) {
	in := newInterner[string](2)
	for _, k := range []string{"a", "b", "c"} { // "c" fills a new generation
		in.put(k, k)
	}
	if _, ok := in.lookup("a"); !ok { // in the old generation: moves to the current
		t.Error("a value of the previous generation is lost")
	}
	in.put("d", "d") // "a" and "c" now fill the current: "b" and "d" go on
	in.put("e", "e")
	if _, ok := in.lookup("b"); ok {
		t.Errorf("a value unused for two generations is still held: %v %v", in.cur, in.old)
	}
	if held := in.put("e", "other"); held != "e" {
		t.Errorf("put of a held key = %q, want the held value", held)
	}
	if len(in.cur)+len(in.old) > 4 {
		t.Errorf("holds %d values, at most twice its capacity", len(in.cur)+len(in.old))
	}
}

func TestStripStackInterns(t *testing.T) {
	stacks, _, _ := servedSeed(t, 2)
	served := decode(t, stacks[0], identity).(*v1alpha1.EventDrivenStack)
	got := decode(t, stacks[0], stripStack).(*v1alpha1.EventDrivenStack)
	spec := got.Spec.DeepCopy()
	spec.Workflows[0].Definition = served.Spec.Workflows[0].Definition
	if !reflect.DeepEqual(*spec, served.Spec) || !reflect.DeepEqual(got.Status, served.Status) || len(got.ManagedFields) != 0 {
		t.Errorf("stripStack changed more than managedFields and the definition's spaces")
	}
	other := decode(t, stacks[1], stripStack).(*v1alpha1.EventDrivenStack)
	if k := got.Status.Children[0].Component; k != other.Status.Children[0].Component ||
		reflect.ValueOf(k).Pointer() == 0 {
		t.Fatal("the stacks' first children differ")
	}
}

// A definition held compacted renders the same state machine; one that is
// not JSON is held as written.
func TestCompactedDefinitionRendersTheSame(t *testing.T) {
	stacks, _, _ := servedSeed(t, 1)
	served := decode(t, stacks[0], identity).(*v1alpha1.EventDrivenStack)
	got := decode(t, stacks[0], stripStack).(*v1alpha1.EventDrivenStack)
	if len(got.Spec.Workflows[0].Definition) >= len(served.Spec.Workflows[0].Definition) {
		t.Fatalf("the definition is held at %d bytes, as served %d", len(got.Spec.Workflows[0].Definition), len(served.Spec.Workflows[0].Definition))
	}
	machine := func(s *v1alpha1.EventDrivenStack) string {
		res, _ := renderPredicted(t, s)
		for _, c := range res.Children {
			if m, ok := c.Object.(*ack.StateMachine); ok {
				return *m.Spec.Definition
			}
		}
		t.Fatal("no state machine")
		return ""
	}
	if a, b := machine(served), machine(got); a != b {
		t.Errorf("the state machine differs:\n%s\n%s", a, b)
	}
	broken := served.DeepCopy()
	broken.Spec.Workflows[0].Definition = "{\n  \"StartAt\": \n"
	if _, err := stripStack(broken); err != nil || broken.Spec.Workflows[0].Definition != "{\n  \"StartAt\": \n" {
		t.Errorf("a definition that is not JSON became %q", broken.Spec.Workflows[0].Definition)
	}
}

// BenchmarkCachedSeed reports what the cache holds for one seed stack: the
// bytes its 19 children and the stack itself take on the heap once decoded
// and transformed, as the operator's cache holds them ("as served": without
// any transform).
//
//	go test ./internal/operator -run '^$' -bench CachedSeed -benchtime 1x
func BenchmarkCachedSeed(b *testing.B) {
	const n = 200
	stacks, children, _ := servedSeed(b, n)
	for _, tc := range []struct {
		name              string
		stack, child      func(any) (any, error)
		stackJSON, childJ [][]byte
	}{
		{"as-served", identity, identity, stacks, children},
		{"before", stripStackBefore, trimManagedFields, stacks, children},
		{"cached", stripStack, compactChild, stacks, children},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				h0 := heapAlloc()
				keep := make([]any, 0, len(children))
				for _, d := range children {
					keep = append(keep, decode(b, d, tc.child))
				}
				h1 := heapAlloc()
				for _, d := range stacks {
					keep = append(keep, decode(b, d, tc.stack))
				}
				h2 := heapAlloc()
				runtime.KeepAlive(keep)
				b.ReportMetric(float64(h1-h0)/n, "children-B/stack")
				b.ReportMetric(float64(h2-h1)/n, "stack-B/stack")
				b.ReportMetric(float64(h1-h0)/float64(len(children)), "B/child")
			}
		})
	}
}

// stripStackBefore is what the cache held of a stack before the interning.
func stripStackBefore(in any) (any, error) {
	if s, ok := in.(*v1alpha1.EventDrivenStack); ok {
		s.SetManagedFields(nil)
		delete(s.Annotations, lastApplied)
	}
	return in, nil
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Two contents never share a key, whatever their strings hold.
func TestSharingKey(t *testing.T) {
	spell := func(parts ...[]string) string {
		var k sharingKey
		for _, p := range parts {
			k.add(p...)
		}
		return k.String()
	}
	keys := map[string]string{}
	for _, c := range [][][]string{
		{{"a:1", "b"}}, {{"a", "1:b"}}, {{"a", "1"}, {"b"}}, {{"a"}, {"1", "b"}}, {{"a;1", "b"}}, {{"", "a1b"}},
	} {
		k := spell(c...)
		if other, ok := keys[k]; ok {
			t.Errorf("%v and %v have one key %q", other, c, k)
		}
		keys[k] = fmt.Sprint(c)
	}
	a := shareTagMap(map[string]*string{"team": ptr.To("a\nb"), "x": nil})
	b := shareTagMap(map[string]*string{"team": ptr.To("a"), "x": ptr.To("")})
	if reflect.DeepEqual(a, b) {
		t.Error("two different tag maps shared")
	}
}
