// Package drift decides whether a child on the API server differs from what
// the operator would apply, so that an unchanged child costs no write.
package drift

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// NeedsApply reports whether a child must be written: it does not exist, what
// the operator applied last differs (the hash annotation), or a field the
// operator sets was changed by someone else.
func NeedsApply(desired, existing ack.Object) bool {
	if existing == nil || reflect.ValueOf(existing).IsNil() {
		return true
	}
	if existing.GetAnnotations()[render.AnnotationSpecHash] != desired.GetAnnotations()[render.AnnotationSpecHash] {
		return true
	}
	want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	if err != nil {
		return true
	}
	have, err := runtime.DefaultUnstructuredConverter.ToUnstructured(existing)
	if err != nil {
		return true
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

// isSubset reports whether every field set in want has the same value in have.
// Lists must match element by element; fields only in have (set by ACK) are ignored.
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
	default:
		return reflect.DeepEqual(want, have)
	}
}
