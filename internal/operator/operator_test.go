package operator

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

func TestStripStack(t *testing.T) {
	s := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{
		Annotations:   map[string]string{lastApplied: `{"spec":{}}`, "team": "orders"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	out, err := stripStack(s)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*v1alpha1.EventDrivenStack)
	if len(got.ManagedFields) != 0 || len(got.Annotations) != 1 || got.Annotations["team"] != "orders" {
		t.Errorf("stripped stack: managedFields %v, annotations %v", got.ManagedFields, got.Annotations)
	}
	// Anything else passes through.
	if out, err := stripStack("other"); err != nil || out != "other" {
		t.Errorf("stripStack(other) = %v, %v", out, err)
	}
}

// The stacks have exactly one cache entry, with both the shard's selector and
// the transform: two entries for one kind would leave the selector to map order.
func TestCacheOptionsStacks(t *testing.T) {
	opts, err := cacheOptions(Options{WatchLabelSelector: "shard=a"})
	if err != nil {
		t.Fatal(err)
	}
	var stacks []string
	for obj, by := range opts.ByObject {
		if _, ok := obj.(*v1alpha1.EventDrivenStack); !ok {
			continue
		}
		sel := "<none>"
		if by.Label != nil {
			sel = by.Label.String()
		}
		stacks = append(stacks, sel)
		if by.Transform == nil {
			t.Errorf("the stacks' cache entry has no transform")
		}
	}
	if len(stacks) != 1 || stacks[0] != "shard=a" {
		t.Errorf("stack cache entries (by selector): %v, want exactly [shard=a]", stacks)
	}
	if _, err := cacheOptions(Options{WatchLabelSelector: "=bad"}); err == nil {
		t.Error("a bad selector was accepted")
	}
}
