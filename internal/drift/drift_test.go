package drift

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

func desiredQueue() *ack.Queue {
	q := &ack.Queue{Spec: ack.QueueSpec{QueueName: ptr.To("q"), VisibilityTimeout: ptr.To("30"),
		Policy: ptr.To(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"}}]}`),
		Tags:   map[string]*string{"team": ptr.To("a")}}}
	q.SetName("s-q")
	q.SetLabels(map[string]string{render.LabelStack: "s"})
	q.SetAnnotations(map[string]string{render.AnnotationSpecHash: render.SpecHash(q)})
	return q
}

// cached is a child as the operator's cache holds it: its long strings digested.
func cached(q *ack.Queue) *ack.Queue {
	DigestSpec(q)
	return q
}

func TestNeedsApply(t *testing.T) {
	cases := []struct {
		name     string
		existing func() ack.Object
		want     bool
	}{
		{"absent", func() ack.Object { return nil }, true},
		{"typed nil", func() ack.Object { var q *ack.Queue; return q }, true},
		{"identical", func() ack.Object { return desiredQueue() }, false},
		{"identical, as cached (policy digested)", func() ack.Object { return cached(desiredQueue()) }, false},
		{"ACK added fields and status", func() ack.Object {
			q := desiredQueue()
			q.Spec.MessageRetentionPeriod = ptr.To("345600") // late-initialised by ACK
			q.Status.QueueURL = ptr.To("https://sqs/q")
			q.Labels["other"] = "x"
			return q
		}, false},
		{"a field edited out of band", func() ack.Object { q := desiredQueue(); q.Spec.VisibilityTimeout = ptr.To("99"); return q }, true},
		{"a digested field edited out of band, as cached", func() ack.Object {
			q := desiredQueue()
			q.Spec.Policy = ptr.To(strings.Replace(*q.Spec.Policy, "sns", "sqs", 1))
			return cached(q)
		}, true},
		{"a digested field removed out of band", func() ack.Object { q := desiredQueue(); q.Spec.Policy = nil; return cached(q) }, true},
		{"a tag removed out of band", func() ack.Object { q := desiredQueue(); q.Spec.Tags = nil; return q }, true},
		{"our label removed", func() ack.Object { q := desiredQueue(); delete(q.Labels, render.LabelStack); return q }, true},
		{"applied from an older spec (hash)", func() ack.Object {
			q := desiredQueue()
			q.Annotations[render.AnnotationSpecHash] = "0000"
			return q
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := NeedsApply(desiredQueue(), tc.existing()); got != tc.want {
				t.Errorf("NeedsApply = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSubsetLists(t *testing.T) {
	tags := func(kv ...string) []*ack.Tag {
		var out []*ack.Tag
		for i := 0; i < len(kv); i += 2 {
			tag := &ack.Tag{Key: ptr.To(kv[i])}
			if kv[i+1] != "" {
				tag.Value = ptr.To(kv[i+1])
			}
			out = append(out, tag)
		}
		return out
	}
	if !subset(reflect.ValueOf(tags("a", "")), reflect.ValueOf(tags("a", "2"))) {
		t.Error("a list element with extra fields in have is a subset")
	}
	if subset(reflect.ValueOf(tags("a", "1")), reflect.ValueOf(tags("a", "1", "b", "2"))) {
		t.Error("lists of other lengths are not a subset: an element the operator removed must be removed")
	}
	if subset(reflect.ValueOf(ack.EventSourceMappingSpec{BatchSize: ptr.To[int64](1)}), reflect.ValueOf(ack.EventSourceMappingSpec{BatchSize: ptr.To[int64](2)})) {
		t.Error("different scalars")
	}
}

func TestDigest(t *testing.T) {
	long := strings.Repeat("x", DigestLen+1)
	for _, s := range []string{"", "short", strings.Repeat("y", DigestLen)} {
		if Digest(s) != s {
			t.Errorf("Digest(%q) = %q: a string no longer than a digest stays", s, Digest(s))
		}
	}
	d := Digest(long)
	if len(d) != DigestLen || !IsDigest(d) || Digest(d) != d {
		t.Errorf("Digest(long) = %q (len %d): want a digest, its own digest", d, len(d))
	}
	if Digest(long+"z") == d {
		t.Error("two strings, one digest")
	}
	if !SameString(long, d) || SameString(long+"z", d) || !SameString("a", "a") || SameString(d, long) {
		t.Error("SameString: a desired string matches its digest on the child, and only its own")
	}
}

// seedChildren are the seed stack's children, rendered with every ARN known.
func seedChildren(t testing.TB) []ack.Object {
	t.Helper()
	s := seed.Stack(t, "ns")
	s.UID = "0e9f1c1a-5e34-4a39-9d2b-6f6c2c8d1e7a"
	obs, err := predict.ResolveIn(s, localack.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(s, obs)
	if err != nil {
		t.Fatal(err)
	}
	var out []ack.Object
	for _, c := range res.Children {
		if c.Object != nil {
			out = append(out, c.Object)
		}
	}
	return out
}

// Every field the operator sets is compared, a digested one too: an
// out-of-band edit of any of them on a cached child is seen.
func TestNeedsApplySeesEveryField(t *testing.T) {
	for _, desired := range seedChildren(t) {
		name := desired.GetObjectKind().GroupVersionKind().Kind + " " + desired.GetName()
		asCached := func() ack.Object {
			o := desired.DeepCopyObject().(ack.Object)
			DigestSpec(o)
			return o
		}
		if NeedsApply(desired, asCached()) {
			t.Errorf("%s: an unchanged cached child needs an apply", name)
		}
		n := 0
		forEachString(reflect.ValueOf(asCached()).Elem().FieldByName("Spec"), func(v reflect.Value) {
			n++
			existing := asCached()
			// The same string in the copy: edit it in place, then cache it again.
			target := nthString(reflect.ValueOf(existing).Elem().FieldByName("Spec"), n)
			if IsDigest(target.String()) {
				return // a digest stands for the whole string: editing it is the next check
			}
			target.SetString(target.String() + "-edited")
			DigestSpec(existing)
			if !NeedsApply(desired, existing) {
				t.Errorf("%s: an edit of the string %q is not seen", name, target.String())
			}
		})
		// The digested fields, edited before the cache digests them.
		for _, edit := range digestedFieldEdits(desired) {
			existing := desired.DeepCopyObject().(ack.Object)
			edit(existing)
			DigestSpec(existing)
			if !NeedsApply(desired, existing) {
				t.Errorf("%s: an edit of a digested field is not seen", name)
			}
		}
		if n == 0 {
			t.Errorf("%s: no string in its spec", name)
		}
	}
}

// digestedFieldEdits edit each field DigestSpec digests on a child, as the
// API server holds it.
func digestedFieldEdits(obj ack.Object) []func(ack.Object) {
	edit := func(p *string) {
		if p != nil {
			*p += " "
		}
	}
	var out []func(ack.Object)
	switch o := obj.(type) {
	case *ack.StateMachine:
		out = append(out, func(x ack.Object) { edit(x.(*ack.StateMachine).Spec.Definition) })
	case *ack.Role:
		out = append(out, func(x ack.Object) { edit(x.(*ack.Role).Spec.AssumeRolePolicyDocument) })
		for k := range o.Spec.InlinePolicies {
			out = append(out, func(x ack.Object) { edit(x.(*ack.Role).Spec.InlinePolicies[k]) })
		}
	case *ack.Queue:
		out = append(out, func(x ack.Object) { edit(x.(*ack.Queue).Spec.Policy) }, func(x ack.Object) { edit(x.(*ack.Queue).Spec.RedrivePolicy) })
	case *ack.Topic:
		out = append(out, func(x ack.Object) { edit(x.(*ack.Topic).Spec.Policy) })
	case *ack.Function:
		if o.Spec.Environment != nil {
			for k := range o.Spec.Environment.Variables {
				out = append(out, func(x ack.Object) { edit(x.(*ack.Function).Spec.Environment.Variables[k]) })
			}
		}
	}
	// Only the edits of fields the child sets change it.
	var set []func(ack.Object)
	for _, e := range out {
		probe := obj.DeepCopyObject().(ack.Object)
		e(probe)
		if !reflect.DeepEqual(probe, obj) {
			set = append(set, e)
		}
	}
	return set
}

// forEachString calls fn with every string a value holds (in a stable
// order: map keys sorted).
func forEachString(v reflect.Value, fn func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			forEachString(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			forEachString(v.Field(i), fn)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			forEachString(v.Index(i), fn)
		}
	case reflect.Map:
		keys := v.MapKeys()
		strKeys := make([]string, len(keys))
		for i, k := range keys {
			strKeys[i] = k.String()
		}
		sortStrings(strKeys)
		for _, k := range strKeys {
			// Map values are not addressable: go through a pointer (ACK's
			// maps hold *string).
			forEachString(v.MapIndex(reflect.ValueOf(k)), fn)
		}
	case reflect.String:
		if v.CanSet() {
			fn(v)
		}
	}
}

func nthString(v reflect.Value, n int) reflect.Value {
	var out reflect.Value
	i := 0
	forEachString(v, func(s reflect.Value) {
		i++
		if i == n {
			out = s
		}
	})
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// NeedsApply walks the typed objects; what it answers is what a comparison of
// their JSON (the API machinery's unstructured form, as NeedsApply compared
// them before) answers, for the seed's children and thousands of random
// edits of them on either side.
func TestNeedsApplyMatchesJSONComparison(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	children := seedChildren(t)
	checked, differ := 0, 0
	for round := 0; round < 400; round++ {
		for _, base := range children {
			desired := base.DeepCopyObject().(ack.Object)
			existing := base.DeepCopyObject().(ack.Object)
			if rng.IntN(3) == 0 {
				DigestSpec(existing)
			}
			for e := rng.IntN(4); e > 0; e-- {
				mutate(rng, reflect.ValueOf(existing).Elem(), rng.IntN(8) == 0)
			}
			for e := rng.IntN(2); e > 0; e-- {
				mutate(rng, reflect.ValueOf(desired).Elem(), rng.IntN(8) == 0)
			}
			// The hash annotations agree: the field comparison decides.
			existing.GetAnnotations()[render.AnnotationSpecHash] = desired.GetAnnotations()[render.AnnotationSpecHash]
			got, want := NeedsApply(desired, existing), jsonNeedsApply(t, desired, existing)
			checked++
			if got {
				differ++
			}
			if got != want {
				t.Fatalf("%s %s: NeedsApply = %v, the JSON comparison says %v\ndesired  %+v\nexisting %+v",
					base.GetObjectKind().GroupVersionKind().Kind, base.GetName(), got, want, desired, existing)
			}
		}
	}
	t.Logf("%d of %d need an apply", differ, checked)
	if differ == 0 || differ == checked {
		t.Errorf("%d of %d random pairs need an apply: the edits test nothing", differ, checked)
	}
}

// mutate edits one random place of a value: the spec, labels, annotations
// or owner references of a child (meta), a field set to nil or to its empty
// value, a string or a number changed, a map key added or removed, a list
// made shorter or longer.
func mutate(rng *rand.Rand, obj reflect.Value, meta bool) {
	var places []reflect.Value
	var collect func(v reflect.Value)
	collect = func(v reflect.Value) {
		if v.CanSet() {
			places = append(places, v)
		}
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				collect(v.Elem())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					collect(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				collect(v.Index(i))
			}
		case reflect.Map:
			// Map values are reached through the map itself (below).
		}
	}
	if meta {
		m := obj.FieldByName("ObjectMeta")
		for _, f := range []string{"Labels", "Annotations", "OwnerReferences"} {
			collect(m.FieldByName(f))
		}
	} else {
		collect(obj.FieldByName("Spec"))
	}
	if len(places) == 0 {
		return
	}
	v := places[rng.IntN(len(places))]
	switch v.Kind() {
	case reflect.Pointer:
		switch rng.IntN(3) {
		case 0:
			v.Set(reflect.Zero(v.Type()))
		case 1:
			v.Set(reflect.New(v.Type().Elem())) // present, empty
		default:
			if !v.IsNil() && v.Elem().Kind() == reflect.String {
				v.Elem().SetString(v.Elem().String() + "x")
			}
		}
	case reflect.String:
		if rng.IntN(2) == 0 {
			v.SetString("")
		} else {
			v.SetString(v.String() + "x")
		}
	case reflect.Int64, reflect.Int32, reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Map:
		if v.IsNil() || rng.IntN(3) == 0 {
			v.Set(reflect.MakeMap(v.Type()))
		}
		keys := v.MapKeys()
		switch {
		case len(keys) > 0 && rng.IntN(3) == 0:
			v.SetMapIndex(keys[rng.IntN(len(keys))], reflect.Value{}) // removed
		case len(keys) > 0 && rng.IntN(2) == 0:
			k := keys[rng.IntN(len(keys))]
			nv := reflect.New(v.Type().Elem()).Elem()
			if nv.Kind() == reflect.String {
				nv.SetString(v.MapIndex(k).String() + "x")
			} else if rng.IntN(2) == 0 {
				nv.Set(reflect.ValueOf(ptr.To("x")))
			}
			v.SetMapIndex(k, nv) // changed, or nil
		default:
			nv := reflect.New(v.Type().Elem()).Elem()
			if nv.Kind() == reflect.String {
				nv.SetString("x")
			} else {
				nv.Set(reflect.ValueOf(ptr.To("x")))
			}
			v.SetMapIndex(reflect.ValueOf(fmt.Sprintf("k%d", rng.IntN(3))), nv) // added
		}
	case reflect.Slice:
		switch {
		case v.Len() > 0 && rng.IntN(2) == 0:
			v.Set(v.Slice(0, v.Len()-1))
		case rng.IntN(4) == 0:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // present, empty
		default:
			v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
		}
	}
}

// jsonNeedsApply is NeedsApply as it was: both objects converted to the API
// machinery's unstructured form and compared there (with digests).
func jsonNeedsApply(t testing.TB, desired, existing ack.Object) bool {
	want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	if err != nil {
		t.Fatal(err)
	}
	have, err := runtime.DefaultUnstructuredConverter.ToUnstructured(existing)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := want["metadata"].(map[string]any)
	haveMeta, _ := have["metadata"].(map[string]any)
	for _, key := range []string{"labels", "annotations", "ownerReferences"} {
		if !isSubset(meta[key], haveMeta[key]) {
			return true
		}
	}
	return !isSubset(want["spec"], have["spec"])
}

func isSubset(want, have any) bool {
	switch w := want.(type) {
	case nil:
		return true
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return len(w) == 0
		}
		for k, v := range w {
			if !isSubset(v, h[k]) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !isSubset(w[i], h[i]) {
				return false
			}
		}
		return true
	case string:
		h, ok := have.(string)
		return ok && SameString(w, h)
	default:
		return reflect.DeepEqual(want, have)
	}
}

var _ = metav1.Now

// BenchmarkNeedsApply compares the seed's 19 children with themselves as the
// cache holds them (an unchanged stack: every field is compared), typed and
// as the JSON comparison did it.
//
//	go test ./internal/drift -run '^$' -bench NeedsApply -benchmem
func BenchmarkNeedsApply(b *testing.B) {
	t := &testing.T{}
	children := seedChildren(t)
	var cached []ack.Object
	for _, c := range children {
		o := c.DeepCopyObject().(ack.Object)
		DigestSpec(o)
		cached = append(cached, o)
	}
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for j := range children {
				if NeedsApply(children[j], cached[j]) {
					b.Fatal("an unchanged child needs an apply")
				}
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for j := range children {
				if jsonNeedsApply(t, children[j], cached[j]) {
					b.Fatal("an unchanged child needs an apply")
				}
			}
		}
	})
}
