package publish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// Edit returns doc, a stack file (YAML or JSON), with the code of each
// published function set to its new s3Bucket, s3Key and sha256, and every
// other byte kept: comments, order, blank lines, quoting, line endings.
//
// Re-encoding the file would lose blank lines and reflow it, so Edit does
// not: it finds each value's place with the YAML parser and replaces its text
// there, in the value's own quoting style. A missing sha256 is added after
// s3Key in the mapping's own style: after s3Key's value in a flow mapping
// ({s3Bucket: ..., s3Key: ...}), or on a line of its own, indented as s3Key,
// in a block mapping. The result is checked: decoded, it must equal the
// original with exactly these values changed.
//
// Edit refuses what it cannot change in place: a code mapping reached by an
// alias, a block scalar or tagged value, and a code.s3ObjectVersion (a
// version of the old key; remove it, or use Patch, which replaces code whole).
func Edit(doc []byte, results []Result) ([]byte, error) {
	root, err := documentRoot(doc)
	if err != nil {
		return nil, err
	}
	functions := mappingValue(mappingValue(root, "spec"), "functions")
	if functions == nil || functions.Kind != yaml.SequenceNode {
		return nil, errors.New("spec.functions: not found as a list")
	}
	lines := lineStarts(doc)
	var edits []textEdit
	for _, r := range results {
		if !r.Published() {
			continue
		}
		path := fmt.Sprintf("spec.functions[%d].code", r.Index)
		if r.Index >= len(functions.Content) {
			return nil, fmt.Errorf("%s: not in the file", path)
		}
		item := functions.Content[r.Index]
		if name := mappingValue(item, "name"); name == nil || name.Value != r.Function {
			return nil, fmt.Errorf("spec.functions[%d]: not function %s", r.Index, r.Function)
		}
		code := mappingValue(item, "code")
		switch {
		case code == nil:
			return nil, fmt.Errorf("%s: not found", path)
		case code.Kind == yaml.AliasNode:
			return nil, fmt.Errorf("%s: a YAML alias, which cannot be changed for one function alone: write the mapping out, or use --output patch", path)
		case code.Kind != yaml.MappingNode:
			return nil, fmt.Errorf("%s: not a mapping", path)
		case mappingValue(code, "s3ObjectVersion") != nil:
			return nil, fmt.Errorf("%s.s3ObjectVersion: set, and it is a version of the old key: remove it (a content-addressed key needs no version), or use --output patch", path)
		}
		values := map[string]string{"s3Bucket": r.Code.S3Bucket, "s3Key": r.Code.S3Key, "sha256": r.Code.SHA256}
		for _, key := range []string{"s3Bucket", "s3Key", "sha256"} {
			value := mappingValue(code, key)
			if value == nil {
				continue
			}
			start, end, err := scalarSpan(doc, lines, value)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", path, key, err)
			}
			edits = append(edits, textEdit{start, end, render(values[key], value.Style)})
		}
		if mappingValue(code, "sha256") == nil {
			e, err := insertSHA256(doc, lines, code, values["sha256"])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			edits = append(edits, e)
		}
	}
	out := apply(doc, edits)
	if err := checkEdit(doc, out, results); err != nil {
		return nil, fmt.Errorf("editing the stack file in place went wrong (use --output patch): %w", err)
	}
	return out, nil
}

// textEdit replaces doc[start:end] with text.
type textEdit struct {
	start, end int
	text       string
}

func apply(doc []byte, edits []textEdit) []byte {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out bytes.Buffer
	at := 0
	for _, e := range edits {
		out.Write(doc[at:e.start])
		out.WriteString(e.text)
		at = e.end
	}
	out.Write(doc[at:])
	return out.Bytes()
}

// documentRoot returns the top mapping of the one document of doc.
func documentRoot(doc []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var root *yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
			continue // comments only
		}
		if root != nil {
			return nil, errors.New("more than one document")
		}
		root = n.Content[0]
	}
	if root == nil {
		return nil, errors.New("no stack in the file")
	}
	return root, nil
}

// mappingValue returns the value of key in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if k := mappingKey(m, key); k != nil {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i] == k {
				return m.Content[i+1]
			}
		}
	}
	return nil
}

// mappingKey returns the key node of key in mapping m, or nil.
func mappingKey(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return nil
}

// lineStarts returns the byte offset of each line's start.
func lineStarts(doc []byte) []int {
	starts := []int{0}
	for i, c := range doc {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// offset returns the byte offset of a node's position (its line, and its
// column counted in characters, as the parser counts).
func offset(doc []byte, lines []int, n *yaml.Node) (int, error) {
	if n.Line < 1 || n.Line > len(lines) {
		return 0, fmt.Errorf("line %d: not in the file", n.Line)
	}
	at := lines[n.Line-1]
	for range n.Column - 1 {
		if at >= len(doc) || doc[at] == '\n' {
			return 0, fmt.Errorf("line %d, column %d: not in the file", n.Line, n.Column)
		}
		_, size := utf8.DecodeRune(doc[at:])
		at += size
	}
	return at, nil
}

// scalarSpan returns where a scalar's text is in doc, quotes included.
func scalarSpan(doc []byte, lines []int, n *yaml.Node) (start, end int, err error) {
	if n.Kind != yaml.ScalarNode {
		return 0, 0, errors.New("not a single value")
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle|yaml.TaggedStyle) != 0 || n.Anchor != "" {
		return 0, 0, errors.New("a block scalar, a tagged or an anchored value: write it as a plain or quoted value")
	}
	start, err = offset(doc, lines, n)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if doc[start] != '"' {
			return 0, 0, fmt.Errorf("line %d: no opening quote where the parser put it", n.Line)
		}
		for i := start + 1; i < len(doc); i++ {
			switch doc[i] {
			case '\\':
				i++
			case '"':
				return start, i + 1, nil
			}
		}
		return 0, 0, fmt.Errorf("line %d: no closing quote", n.Line)
	case n.Style&yaml.SingleQuotedStyle != 0:
		if doc[start] != '\'' {
			return 0, 0, fmt.Errorf("line %d: no opening quote where the parser put it", n.Line)
		}
		for i := start + 1; i < len(doc); i++ {
			if doc[i] == '\'' {
				if i+1 < len(doc) && doc[i+1] == '\'' {
					i++
					continue
				}
				return start, i + 1, nil
			}
		}
		return 0, 0, fmt.Errorf("line %d: no closing quote", n.Line)
	default:
		if n.Value == "" || !bytes.HasPrefix(doc[start:], []byte(n.Value)) {
			return 0, 0, fmt.Errorf("line %d: an empty value, or a plain value over several lines: write it on one line", n.Line)
		}
		return start, start + len(n.Value), nil
	}
}

// insertSHA256 adds sha256 after s3Key in the code mapping.
func insertSHA256(doc []byte, lines []int, code *yaml.Node, sha string) (textEdit, error) {
	keyNode, valueNode := mappingKey(code, "s3Key"), mappingValue(code, "s3Key")
	if keyNode == nil {
		return textEdit{}, errors.New("no s3Key")
	}
	_, end, err := scalarSpan(doc, lines, valueNode)
	if err != nil {
		return textEdit{}, fmt.Errorf("s3Key: %w", err)
	}
	key := render("sha256", keyNode.Style) // "sha256" in a JSON file
	value := render(sha, valueNode.Style)
	if code.Style&yaml.FlowStyle != 0 {
		return textEdit{end, end, ", " + key + ": " + value}, nil
	}
	// A block mapping: a line of its own after s3Key's, which ends its
	// value (and any comment after it).
	indent := strings.Repeat(" ", keyNode.Column-1)
	nl := bytes.IndexByte(doc[end:], '\n')
	if nl < 0 { // the last line, without a line break
		eol := "\n"
		if bytes.Contains(doc, []byte("\r\n")) {
			eol = "\r\n"
		}
		return textEdit{len(doc), len(doc), eol + indent + key + ": " + value + eol}, nil
	}
	eol := "\n"
	if nl > 0 && doc[end+nl-1] == '\r' {
		eol = "\r\n"
	}
	at := end + nl + 1
	return textEdit{at, at, indent + key + ": " + value + eol}, nil
}

// render writes value as a YAML scalar in style (the quoting of the value it
// replaces); a plain value that would not read back as the same string is
// double-quoted.
func render(value string, style yaml.Style) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + strings.ReplaceAll(value, "'", "''") + "'"
	case style&yaml.DoubleQuotedStyle != 0 || !plainReadsBack(value):
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(value) // a JSON string is a YAML double-quoted scalar
		return strings.TrimSuffix(b.String(), "\n")
	default:
		return value
	}
}

// plainReadsBack reports whether value, written plain, reads back as the
// same string in both a flow and a block mapping.
func plainReadsBack(value string) bool {
	if value == "" || strings.ContainsAny(value, "\n\r\t") {
		return false
	}
	for _, doc := range []string{"{k: " + value + "}", "k: " + value} {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return false
		}
		if s, ok := m["k"].(string); !ok || s != value {
			return false
		}
	}
	return true
}

// checkEdit decodes both files and checks that after equals before with the
// results' code values set, and nothing else changed.
func checkEdit(before, after []byte, results []Result) error {
	var want, got map[string]any
	if err := sigsyaml.Unmarshal(before, &want); err != nil {
		return err
	}
	if err := sigsyaml.Unmarshal(after, &got); err != nil {
		return fmt.Errorf("the edited file does not parse: %w", err)
	}
	spec, _ := want["spec"].(map[string]any)
	functions, _ := spec["functions"].([]any)
	for _, r := range results {
		if !r.Published() {
			continue
		}
		if r.Index >= len(functions) {
			return fmt.Errorf("spec.functions[%d]: not in the file", r.Index)
		}
		fn, _ := functions[r.Index].(map[string]any)
		code, _ := fn["code"].(map[string]any)
		if code == nil {
			return fmt.Errorf("spec.functions[%d].code: not a mapping", r.Index)
		}
		code["s3Bucket"], code["s3Key"], code["sha256"] = r.Code.S3Bucket, r.Code.S3Key, r.Code.SHA256
	}
	if !reflect.DeepEqual(want, got) {
		return errors.New("the edited file differs from the original in more than the code values")
	}
	return nil
}
