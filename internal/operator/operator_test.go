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
