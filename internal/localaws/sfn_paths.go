package localaws

// Input and output processing of Step Functions' JSONPath states ("Processing
// input and output in Step Functions"), as sfn_executions.go applies it:
// InputPath, Parameters (ItemSelector), ResultSelector, ResultPath and
// OutputPath, and the payload templates whose fields ending in .$ hold a
// path ($... on the state's input, $$... on the Context object) or an
// intrinsic function (sfn_intrinsics.go).
//
// Paths are Jayway JsonPath as Step Functions reads them. They are evaluated
// by github.com/theory/jsonpath (RFC 9535 JSONPath, which shares Jayway's
// selectors: names, indexes, wildcards, slices, unions, descendants and
// filters) after a dot step is rewritten to the bracket form (.detail-type
// → ['detail-type']: Jayway takes any character but .[]()'" , in a dot name,
// RFC 9535 only letters, digits and _). A path that selects one node at most
// (a "reference path": names and indexes only) answers that node, and
// States.Runtime "Invalid path ... No results for path" when there is none,
// as AWS does; any other path answers the array of the nodes it selected
// (Jayway's "indefinite" paths), [] when none. Where it simplifies: Jayway's
// path functions (.length(), .max() ...) and filter operators beyond RFC
// 9535's (=~, in, nin, size, empty ...) are refused with States.Runtime, and
// $name (workflow variables, JSONata) is not simulated; objects are Go maps,
// so a wildcard or descendant step over an object's members selects them in
// no set order (AWS keeps the document's), and objects are written with
// their members in key order.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"
)

// sfnPath is a compiled path.
type sfnCompiledPath struct {
	text     string
	context  bool // $$: on the Context object
	query    *jsonpath.Path
	singular bool
}

// sfnCompilePath compiles a Step Functions path.
func sfnCompilePath(path string) (*sfnCompiledPath, error) {
	p := &sfnCompiledPath{text: path}
	if !strings.HasPrefix(path, "$") {
		return nil, fmt.Errorf("the path %q does not start with $", path)
	}
	rest := path[1:]
	if strings.HasPrefix(rest, "$") {
		p.context, rest = true, rest[1:]
	} else if rest != "" && rest[0] != '.' && rest[0] != '[' {
		return nil, fmt.Errorf("the path %q names a workflow variable, which localaws does not simulate", path)
	}
	rfc, err := sfnRFCPath(rest)
	if err != nil {
		return nil, fmt.Errorf("the path %q: %v", path, err)
	}
	q, err := jsonpath.Parse("$" + rfc)
	if err != nil {
		return nil, fmt.Errorf("the path %q is not a JSONPath localaws evaluates: %v", path, err)
	}
	p.query, p.singular = q, q.Query().Singular() != nil
	return p, nil
}

// sfnRFCPath rewrites the steps of a Jayway path (after $ or $$) in RFC
// 9535's syntax: dot names become ['name'], brackets stay as written.
func sfnRFCPath(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '.':
			i++
			if i < len(s) && s[i] == '.' {
				b.WriteString("..")
				i++
				if i < len(s) && (s[i] == '[' || s[i] == '*') {
					continue
				}
			} else if i < len(s) && s[i] == '*' {
				b.WriteString(".*")
				i++
				continue
			}
			start := i
			var name strings.Builder
			for i < len(s) && !strings.ContainsRune(".[]()'\",", rune(s[i])) {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				name.WriteByte(s[i])
				i++
			}
			if i == start {
				return "", fmt.Errorf("a field name must follow . at character %d", start+1)
			}
			if i < len(s) && s[i] == '(' {
				return "", fmt.Errorf("path functions such as %s() are not simulated", name.String())
			}
			b.WriteByte('[')
			b.WriteString(sfnQuote(name.String()))
			b.WriteByte(']')
		case '[':
			end, err := sfnBracketEnd(s, i)
			if err != nil {
				return "", err
			}
			b.WriteString(s[i:end])
			i = end
		default:
			return "", fmt.Errorf("unexpected %q at character %d", s[i], i+1)
		}
	}
	return b.String(), nil
}

// sfnQuote quotes a name for a bracket step.
func sfnQuote(name string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "'"
}

// sfnBracketEnd finds the end (past ]) of the bracket step starting at i,
// skipping quoted strings and nested brackets.
func sfnBracketEnd(s string, i int) (int, error) {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\'', '"':
			q := s[j]
			for j++; j < len(s) && s[j] != q; j++ {
				if s[j] == '\\' {
					j++
				}
			}
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("[ at character %d is not closed", i+1)
}

// sfnRuntime is a States.Runtime failure.
func sfnRuntime(format string, args ...any) *sfnFailure {
	return &sfnFailure{"States.Runtime", fmt.Sprintf(format, args...)}
}

// sfnSelect evaluates a path on the input (or on the Context object, for
// $$). A reference path selecting nothing fails with States.Runtime.
func sfnSelect(path string, input, context any) (any, *sfnFailure) {
	p, err := sfnCompilePath(path)
	if err != nil {
		return nil, sfnRuntime("Invalid path '%s': %v", path, err)
	}
	doc := input
	if p.context {
		doc = context
	}
	nodes := p.query.Select(doc)
	if !p.singular {
		out := make([]any, len(nodes))
		copy(out, nodes)
		return out, nil
	}
	if len(nodes) == 0 {
		return nil, sfnRuntime("Invalid path '%s' : No results for path: %s", path, p.normalized())
	}
	return nodes[0], nil
}

// normalized writes a reference path as AWS's messages do: $['a'][0].
func (p *sfnCompiledPath) normalized() string {
	var b strings.Builder
	b.WriteString("$")
	for _, seg := range p.query.Query().Segments() {
		for _, sel := range seg.Selectors() {
			switch sel := sel.(type) {
			case spec.Name:
				b.WriteString("[" + sfnQuote(string(sel)) + "]")
			case spec.Index:
				fmt.Fprintf(&b, "[%d]", int(sel))
			}
		}
	}
	return b.String()
}

// sfnLookup is sfnSelect that tells a missing node (ok false) from a
// failure, for IsPresent and the Choice rules.
func sfnLookup(path string, input, context any) (value any, ok bool, failure *sfnFailure) {
	p, err := sfnCompilePath(path)
	if err != nil {
		return nil, false, sfnRuntime("Invalid path '%s': %v", path, err)
	}
	doc := input
	if p.context {
		doc = context
	}
	nodes := p.query.Select(doc)
	if !p.singular {
		return append([]any{}, nodes...), true, nil
	}
	if len(nodes) == 0 {
		return nil, false, nil
	}
	return nodes[0], true, nil
}

// sfnParse decodes JSON keeping numbers as json.Number, so that integers
// round-trip exactly.
func sfnParse(s string) (any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// sfnJSON encodes a value as compact JSON without HTML escaping, as Step
// Functions writes it.
func sfnJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// sfnDeepCopy copies a decoded JSON value, so that ResultPath never writes
// into a value shared with another state or branch.
func sfnDeepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = sfnDeepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = sfnDeepCopy(x)
		}
		return out
	}
	return v
}

// sfnTemplate resolves a payload template (Parameters, ItemSelector,
// ResultSelector): fields ending in .$ take the value of their path or
// intrinsic function, under the name without .$; others are copied,
// objects and arrays resolved in depth.
func sfnTemplate(tmpl, input, context any) (any, *sfnFailure) {
	switch t := tmpl.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			name, dynamic := strings.CutSuffix(k, ".$")
			if !dynamic {
				r, f := sfnTemplate(v, input, context)
				if f != nil {
					return nil, f
				}
				out[k] = r
				continue
			}
			expr, ok := v.(string)
			if !ok {
				return nil, sfnRuntime("The value of the field '%s' must be a path or an intrinsic function, not %s", k, sfnJSON(v))
			}
			r, f := sfnEvaluate(expr, input, context)
			if f != nil {
				return nil, f
			}
			out[name] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			r, f := sfnTemplate(v, input, context)
			if f != nil {
				return nil, f
			}
			out[i] = r
		}
		return out, nil
	}
	return tmpl, nil
}

// sfnEvaluate is the value of a .$ field: a path or an intrinsic function.
func sfnEvaluate(expr string, input, context any) (any, *sfnFailure) {
	if strings.HasPrefix(expr, "States.") {
		return sfnIntrinsic(expr, input, context)
	}
	return sfnSelect(expr, input, context)
}

// sfnApplyPath applies InputPath or OutputPath: absent means $, null means
// {} (the input or output is discarded).
func sfnApplyPath(raw json.RawMessage, value, context any) (any, *sfnFailure) {
	path, isNull, f := sfnPathField(raw)
	if f != nil {
		return nil, f
	}
	switch {
	case isNull:
		return map[string]any{}, nil
	case path == "" || path == "$":
		return value, nil
	}
	return sfnSelect(path, value, context)
}

// sfnPathField reads a path field: its text ("" when absent) or null.
func sfnPathField(raw json.RawMessage) (path string, isNull bool, failure *sfnFailure) {
	if len(raw) == 0 {
		return "", false, nil
	}
	if string(raw) == "null" {
		return "", true, nil
	}
	if err := json.Unmarshal(raw, &path); err != nil {
		return "", false, sfnRuntime("a path field holds %s, not a path", string(raw))
	}
	return path, false, nil
}

// sfnApplyResultPath places a result into the state's raw input, as
// ResultPath says: absent or $ → the result alone; null → the input alone;
// a reference path → the input with the result at that path, the objects on
// the way made when missing. A path that cannot be applied fails with
// States.ResultPathMatchFailure.
func sfnApplyResultPath(raw json.RawMessage, input, result any) (any, *sfnFailure) {
	path, isNull, f := sfnPathField(raw)
	if f != nil {
		return nil, f
	}
	switch {
	case isNull:
		return input, nil
	case path == "" || path == "$":
		return result, nil
	}
	fail := func(why string) (any, *sfnFailure) {
		return nil, &sfnFailure{"States.ResultPathMatchFailure",
			fmt.Sprintf("Unable to apply ResultPath \"%s\" to input \"%s\": %s", path, sfnJSON(input), why)}
	}
	p, err := sfnCompilePath(path)
	if err != nil || p.context || !p.singular {
		return fail("it is not a reference path into the input")
	}
	steps := p.query.Query().Segments()
	root := sfnDeepCopy(input)
	if _, isObject := root.(map[string]any); !isObject {
		return fail("the input is not an object")
	}
	var set func(node any, i int) (any, string)
	set = func(node any, i int) (any, string) {
		if i == len(steps) {
			return result, ""
		}
		switch sel := steps[i].Selectors()[0].(type) {
		case spec.Name:
			obj, ok := node.(map[string]any)
			if node == nil {
				obj, ok = map[string]any{}, true
			}
			if !ok {
				return nil, fmt.Sprintf("%s is not an object", string(sel))
			}
			v, why := set(obj[string(sel)], i+1)
			if why != "" {
				return nil, why
			}
			obj[string(sel)] = v
			return obj, ""
		case spec.Index:
			arr, ok := node.([]any)
			idx := int(sel)
			if idx < 0 {
				idx += len(arr)
			}
			if !ok || idx < 0 || idx >= len(arr) {
				return nil, fmt.Sprintf("the index %d is not in an array", int(sel))
			}
			v, why := set(arr[idx], i+1)
			if why != "" {
				return nil, why
			}
			arr[idx] = v
			return arr, ""
		}
		return nil, "the path has a step that is not a name or an index"
	}
	out, why := set(root, 0)
	if why != "" {
		return fail(why)
	}
	return out, nil
}
