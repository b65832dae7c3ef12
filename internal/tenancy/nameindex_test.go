package tenancy

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

func named(ns, name, prefix string, t *testing.T) *v1alpha1.EventDrivenStack {
	s := seed.Stack(t, ns)
	s.Name, s.Spec.NamePrefix = name, prefix
	s.UID = types.UID(ns + "/" + name)
	return s
}

// The index answers which stacks take a name as stacks come, change their
// names, and go; a second stack taking a name is found too, and stays when
// the first goes.
func TestNameIndex(t *testing.T) {
	x := NewNameIndex()
	a, b := named("team-a", "one", "a-", t), named("team-b", "two", "a-", t)
	key := NameKeys(a)[0]
	who := func(key string) []string {
		var out []string
		for _, n := range x.Takers(key) {
			out = append(out, n.String())
		}
		return out
	}
	if got := who(key); got != nil {
		t.Fatalf("empty index: %v", got)
	}
	x.Set(a)
	x.Set(a) // again: an update of the status
	if got := who(key); !slices.Equal(got, []string{"team-a/one"}) {
		t.Fatalf("after a: %v", got)
	}
	x.Set(b)
	if got := who(key); !slices.Equal(got, []string{"team-a/one", "team-b/two"}) {
		t.Fatalf("after b, which takes a's names: %v", got)
	}
	x.Delete(types.NamespacedName{Namespace: "team-a", Name: "one"})
	if got := who(key); !slices.Equal(got, []string{"team-b/two"}) {
		t.Fatalf("after a went: %v", got)
	}
	b.Spec.NamePrefix = "b-"
	x.Set(b)
	if got := who(key); got != nil {
		t.Fatalf("after b changed its prefix, a's old name: %v", got)
	}
	if got := who(NameKeys(b)[0]); !slices.Equal(got, []string{"team-b/two"}) {
		t.Fatalf("b's new name: %v", got)
	}
	x.Delete(types.NamespacedName{Namespace: "team-b", Name: "two"})
	if x.takers.Len() != 0 || len(x.takes) != 0 {
		t.Fatalf("an empty index holds %d, %d entries", x.takers.Len(), len(x.takes))
	}
}

// The index holds hashes: a stack it lists for a name it does not take (two
// keys' hashes collide) is no conflict; a stack gone since it was indexed is
// none either.
func TestGuardConfirmsTheIndex(t *testing.T) {
	scheme := testScheme(t)
	theirs, gone := named("team-b", "theirs", "b-", t), named("team-c", "gone", "a-", t)
	theirs.CreationTimestamp = metav1.Now()
	gone.CreationTimestamp = theirs.CreationTimestamp
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(theirs,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}}).Build()
	x := indexOf(theirs, gone)
	mine := named("team-a", "mine", "a-", t)
	for _, k := range NameKeys(mine) { // every name "collides"
		x.takers.Add(x.hash(k), x.takes[types.NamespacedName{Namespace: "team-b", Name: "theirs"}])
		x.takers.Add(x.hash(k), x.takes[types.NamespacedName{Namespace: "team-c", Name: "gone"}])
	}
	g := &Guard{Reader: reader, Names: x}
	v, err := g.Check(context.Background(), mine)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Conflicts) != 0 {
		t.Fatalf("conflicts with a stack that takes none of the names, or is gone: %v", v.Conflicts)
	}

	// The same names, taken for real: a conflict at each.
	theirs.Spec.NamePrefix = "a-"
	reader = fake.NewClientBuilder().WithScheme(scheme).WithObjects(theirs,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}}).Build()
	g = &Guard{Reader: reader, Names: indexOf(theirs)}
	v, err = g.Check(context.Background(), mine)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Conflicts) < 30 {
		t.Fatalf("%d conflicts for %d names: %v", len(v.Conflicts), len(NameKeys(mine)), v.Conflicts)
	}
	for _, c := range v.Conflicts {
		if !strings.Contains(c.Error(), "is managed by stack team-b/theirs") {
			t.Errorf("conflict %v", c)
		}
	}

	if _, err := (&Guard{Reader: reader}).Check(context.Background(), mine); err == nil {
		t.Fatal("a guard without a name index checked a stack")
	}
}
