package events

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ValidationError lists every problem of an input, each naming its field.
type ValidationError struct {
	Problems []FieldProblem
}

// FieldProblem is one problem of one field; Field is a path such as
// "detail.items[0].price", empty for the input as a whole.
type FieldProblem struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Field == "" {
			parts[i] = p.Problem
		} else {
			parts[i] = p.Field + ": " + p.Problem
		}
	}
	return strings.Join(parts, "; ")
}

// problems collects the problems of one input.
type problems struct{ list []FieldProblem }

func (p *problems) add(field, format string, args ...any) {
	// Bound the report: an input with thousands of bad fields says enough
	// with its first few.
	if len(p.list) < maxProblems {
		p.list = append(p.list, FieldProblem{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list}
}

const maxProblems = 10

// IDPattern is what an identifier that becomes part of a table key may look
// like: 1 to 128 letters, digits, '.', '_', ':' or '-', starting with a letter
// or digit. It has no '#': the handlers' own records use '#' in their keys.
var IDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// id checks a required identifier.
func (p *problems) id(field, v string) {
	switch {
	case v == "":
		p.add(field, "is required")
	case !IDPattern.MatchString(v):
		p.add(field, "%q is not an identifier (1-128 of A-Z a-z 0-9 . _ : -, starting with a letter or digit)", clip(v))
	}
}

// text checks a free-form string: valid UTF-8, no control characters, at
// most limit bytes; required when required is set.
func (p *problems) text(field, v string, limit int, required bool) {
	switch {
	case v == "":
		if required {
			p.add(field, "is required")
		}
	case len(v) > limit:
		p.add(field, "is %d bytes long, more than %d", len(v), limit)
	case !utf8.ValidString(v):
		p.add(field, "is not valid UTF-8")
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0:
		p.add(field, "contains control characters")
	}
}

// timestamp parses a required RFC 3339 timestamp.
func (p *problems) timestamp(field, v string) time.Time {
	if v == "" {
		p.add(field, "is required")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		p.add(field, "%q is not an RFC 3339 timestamp (like 2024-01-15T10:00:00Z)", clip(v))
		return time.Time{}
	}
	return t.UTC()
}

// clip shortens a value quoted in a problem, so a huge input does not make a
// huge log line.
func clip(s string) string {
	const maxLen = 64
	if len(s) <= maxLen {
		return s
	}
	cut := maxLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
