// Package drift decides whether a child on the API server differs from what
// the operator would apply, so that an unchanged child costs no write.
package drift

import (
	"reflect"
	"strings"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// NeedsApply reports whether a child must be written: it does not exist, what
// the operator applied last differs (the hash annotation), or a field the
// operator sets was changed by someone else.
//
// The comparison is of the fields the operator sets, as the JSON it applies
// has them: every field present in the desired child (labels, annotations,
// owner references and spec) must have the same value in the existing one;
// lists match element by element; what only the existing child has (set by
// ACK) is ignored; a string of the existing child may be the cache's digest of
// the desired one (Digest). It walks the typed objects, without converting
// them (NeedsApply runs for every child at every reconcile).
func NeedsApply(desired, existing ack.Object) bool {
	if existing == nil || reflect.ValueOf(existing).IsNil() {
		return true
	}
	if SpecHash(existing) != desired.GetAnnotations()[render.AnnotationSpecHash] {
		return true
	}
	w, h := reflect.ValueOf(desired).Elem(), reflect.ValueOf(existing).Elem()
	if w.Type() != h.Type() {
		return true
	}
	// ObjectMeta's labels, annotations and ownerReferences are omitempty.
	if !field(reflect.ValueOf(desired.GetLabels()), reflect.ValueOf(existing.GetLabels()), true) ||
		!annotationsSubset(desired.GetAnnotations(), existing.GetAnnotations()) ||
		!field(reflect.ValueOf(desired.GetOwnerReferences()), reflect.ValueOf(existing.GetOwnerReferences()), true) {
		return true
	}
	ws, hs := w.FieldByName("Spec"), h.FieldByName("Spec")
	return ws.IsValid() && !subset(ws, hs)
}

// annotationsSubset reports whether every annotation of want is on have with
// the same value, the spec hash aside (compared above through SpecHash: the
// cache holds it out of the annotations).
func annotationsSubset(want, have map[string]string) bool {
	for k, v := range want {
		if k == render.AnnotationSpecHash {
			continue
		}
		if hv, ok := have[k]; !ok || !SameString(v, hv) {
			return false
		}
	}
	return true
}

// field reports whether a field of want's JSON is a subset of the same field
// of have's.
func field(want, have reflect.Value, omitEmpty bool) bool {
	switch {
	case absent(want, omitEmpty):
		return true
	case absent(have, omitEmpty):
		// Not in have's JSON (ACK's controller left it unset).
		return matchesNothing(want)
	}
	return subset(want, have)
}

// subset reports whether want, as JSON, is a subset of have, a value of the
// same type: every field want has (present and not null) has the same value in
// have.
func subset(want, have reflect.Value) bool {
	if absent(want, false) {
		return true
	}
	switch want.Kind() {
	case reflect.Pointer, reflect.Interface:
		if have.IsNil() {
			return matchesNothing(want.Elem())
		}
		return subset(want.Elem(), have.Elem())
	case reflect.Struct:
		for i := 0; i < want.NumField(); i++ {
			f, ok := jsonField(want.Type().Field(i))
			if !ok {
				continue
			}
			if !field(want.Field(i), have.Field(i), f.omitEmpty) {
				return false
			}
		}
		return true
	case reflect.Map:
		if have.IsNil() {
			return want.Len() == 0
		}
		k, v := reflect.New(want.Type().Key()).Elem(), reflect.New(want.Type().Elem()).Elem()
		for iter := want.MapRange(); iter.Next(); {
			k.SetIterKey(iter)
			v.SetIterValue(iter)
			hv := have.MapIndex(k)
			if !hv.IsValid() {
				if !matchesNothing(v) {
					return false
				}
				continue
			}
			if !subset(v, hv) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if want.Kind() == reflect.Slice && have.IsNil() || have.Len() != want.Len() {
			return false
		}
		for i := 0; i < want.Len(); i++ {
			if !subset(want.Index(i), have.Index(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return SameString(want.String(), have.String())
	case reflect.Bool:
		return want.Bool() == have.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return want.Int() == have.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return want.Uint() == have.Uint()
	case reflect.Float32, reflect.Float64:
		return want.Float() == have.Float()
	default:
		return want.Interface() == have.Interface()
	}
}

// absent reports whether a value is missing or null in JSON: a nil pointer,
// map, slice or interface, or with omitempty an empty value (as the API
// machinery's converter reads omitempty: a struct is never empty).
func absent(v reflect.Value, omitEmpty bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Map, reflect.Slice:
		return v.IsNil() || omitEmpty && v.Len() == 0
	case reflect.Array, reflect.String:
		return omitEmpty && v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return omitEmpty && v.IsZero()
	}
	return false
}

// matchesNothing reports whether want, present in the desired JSON, is a
// subset of nothing: an object without fields (a pointer to a struct whose
// fields are all absent, an empty map). A scalar or a list is not.
func matchesNothing(want reflect.Value) bool {
	switch want.Kind() {
	case reflect.Pointer, reflect.Interface:
		return want.IsNil() || matchesNothing(want.Elem())
	case reflect.Map:
		return want.Len() == 0
	case reflect.Struct:
		for i := 0; i < want.NumField(); i++ {
			f, ok := jsonField(want.Type().Field(i))
			if !ok {
				continue
			}
			wf := want.Field(i)
			if absent(wf, f.omitEmpty) {
				continue
			}
			if !f.inline || !matchesNothing(wf) {
				return false
			}
		}
		return true
	}
	return false
}

type fieldTag struct{ omitEmpty, inline bool }

// jsonField reads how a struct field is encoded: ok is false for a field
// encoding/json leaves out (unexported, or tagged "-").
func jsonField(f reflect.StructField) (fieldTag, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() && !f.Anonymous {
		return fieldTag{}, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	t := fieldTag{omitEmpty: hasOpt(opts, "omitempty")}
	t.inline = hasOpt(opts, "inline") || (f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct)
	return t, true
}

func hasOpt(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}
