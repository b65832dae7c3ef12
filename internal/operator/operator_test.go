package operator

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
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

// The children are cached with who wrote them and when, but without the field
// sets: the times say whether ACK reported on the operator's last change.
func TestTrimManagedFields(t *testing.T) {
	at := metav1.Now()
	q := &ack.Queue{ObjectMeta: metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{
		{Manager: "eventstack-operator", Operation: metav1.ManagedFieldsOperationApply, Time: &at, FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)},
		{Manager: "controller", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", Time: &at, FieldsV1: metav1.NewFieldsV1(`{"f:status":{}}`)},
	}}}
	out, err := trimManagedFields(q)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*ack.Queue).ManagedFields
	if len(got) != 2 || got[0].FieldsV1 != nil || got[1].FieldsV1 != nil || got[1].Subresource != "status" || got[0].Time == nil {
		t.Errorf("trimmed managedFields: %+v", got)
	}
}
