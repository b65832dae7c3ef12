// Package refs finds and substitutes the ${kind:name[.attr]} references by
// which a workflow definition and the stack's outputs name the stack's own
// components, e.g. ${function:event-order-processor} or ${queue:order-queue.arn}.
package refs

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is the kind of component a reference names.
type Kind string

const (
	Function Kind = "function"
	Workflow Kind = "workflow"
	Table    Kind = "table"
	Topic    Kind = "topic"
	Queue    Kind = "queue"
	EventBus Kind = "eventBus"
)

// Attr is the attribute of a component a reference asks for.
type Attr string

const (
	ARN  Attr = "arn"
	Name Attr = "name"
	URL  Attr = "url"
)

// defaultAttr is what a reference without an attribute resolves to: what
// Amazon States Language and the AWS APIs usually want for that kind.
var defaultAttr = map[Kind]Attr{
	Function: ARN, Workflow: ARN, Table: Name, Topic: ARN, Queue: URL, EventBus: Name,
}

// Ref is one parsed reference.
type Ref struct {
	// Text is the reference as written, e.g. ${queue:order-queue.arn}.
	Text string
	Kind Kind
	Name string
	Attr Attr
}

// String returns the reference as written.
func (r Ref) String() string { return r.Text }

var (
	anyRef  = regexp.MustCompile(`\$\{[^}]*\}`)
	validRe = regexp.MustCompile(`^\$\{([a-zA-Z]+):([a-z0-9]+(?:-[a-z0-9]+)*)(?:\.([a-z]+))?\}$`)
)

// Find returns every reference in text, in order. A ${...} that is not a
// well-formed reference to a known kind and attribute is an error naming it.
func Find(text string) ([]Ref, error) {
	var out []Ref
	found := anyRef.FindAllString(text, -1)
	if open := strings.Count(text, "${"); open > len(found) {
		at := strings.LastIndex(text, "${")
		return nil, fmt.Errorf("%s: a reference is not closed with }", text[at:min(len(text), at+40)])
	}
	for _, raw := range found {
		r, err := Parse(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Parse parses one reference.
func Parse(raw string) (Ref, error) {
	m := validRe.FindStringSubmatch(raw)
	if m == nil {
		return Ref{}, fmt.Errorf("%s is not a reference of the form ${kind:name} or ${kind:name.attr}", raw)
	}
	kind := Kind(m[1])
	def, known := defaultAttr[kind]
	if !known {
		return Ref{}, fmt.Errorf("%s: unknown kind %q (want function, workflow, table, topic, queue or eventBus)", raw, m[1])
	}
	attr := def
	if m[3] != "" {
		attr = Attr(m[3])
	}
	switch {
	case attr == ARN || attr == Name:
	case attr == URL && kind == Queue:
	default:
		return Ref{}, fmt.Errorf("%s: a %s has no attribute %q (want arn or name%s)", raw, kind, attr, map[bool]string{true: " or url"}[kind == Queue])
	}
	return Ref{Text: raw, Kind: kind, Name: m[2], Attr: attr}, nil
}

// Resolve returns the value of a reference, and false while it is not known yet.
type Resolve func(Ref) (string, bool)

// Substitute replaces every reference in text by its value. References whose
// value is not known yet are returned as missing, and text is then unusable.
// escape is applied to each value (for instance to keep JSON strings valid).
func Substitute(text string, resolve Resolve, escape func(string) string) (string, []Ref, error) {
	var missing []Ref
	var firstErr error
	out := anyRef.ReplaceAllStringFunc(text, func(raw string) string {
		r, err := Parse(raw)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return raw
		}
		v, ok := resolve(r)
		if !ok {
			missing = append(missing, r)
			return raw
		}
		if escape != nil {
			v = escape(v)
		}
		return v
	})
	return out, missing, firstErr
}

// UpperSnake turns a component name into an environment variable stem:
// event-driven-orders becomes EVENT_DRIVEN_ORDERS.
func UpperSnake(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
