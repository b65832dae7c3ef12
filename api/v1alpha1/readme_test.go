package v1alpha1

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every field of the spec is documented in README.md's API section ("## The
// API" to the next section): its example or its prose names the field, so a
// field added to the API without its documentation fails here.
func TestREADMEDocumentsEveryField(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start := strings.Index(doc, "\n## The API\n")
	if start < 0 {
		t.Fatal("README.md has no \"## The API\" section")
	}
	section := doc[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	var missing []string
	for path := range jsonFields(reflect.TypeOf(EventDrivenStackSpec{}), "spec", map[reflect.Type]bool{}) {
		name := path[strings.LastIndex(path, ".")+1:]
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(section) {
			missing = append(missing, path)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("README.md's API section does not name %d fields :\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

// jsonFields lists the JSON field paths of a struct type, through nested
// structs, pointers, slices and maps.
func jsonFields(t reflect.Type, prefix string, seen map[reflect.Type]bool) map[string]bool {
	out := map[string]bool{}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() != reflect.TypeOf(EventDrivenStackSpec{}).PkgPath() {
		return out
	}
	seen[t] = true
	defer delete(seen, t)
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := prefix + "." + name
		out[path] = true
		for p := range jsonFields(f.Type, path, seen) {
			out[p] = true
		}
	}
	return out
}
