package asl

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// JSONPath as Step Functions takes it ("Using JSONPath paths", "Reference
// Paths"): a path starts with $ (the state's input), $$ (the Context object)
// or $name (a workflow variable), and goes on with .field, ['field'],
// [index] steps; a Path may also select several nodes (.., *, filters
// [?(...)], slices [a:b], unions [a,b], functions such as .length()), a
// reference path may not: "a reference path is a path whose syntax is
// limited in such a way that it can identify only a single node".
//
// The grammar follows Jayway JsonPath, which the guide names, as narrowed by
// asl-path-validator (the grammar asl-validator uses): what both accept is
// accepted here, so this refuses nothing AWS runs that they accept.

// pathKind is what a field's path may be.
type pathKind int

const (
	// anyPath is a Path: InputPath, OutputPath, and the value of a payload
	// template's field ending in .$.
	anyPath pathKind = iota
	// referencePath selects one node: ItemsPath, the *Path fields of Task,
	// Wait and Map, a Choice rule's Variable and its *Path operators.
	referencePath
	// resultPath is a ResultPath: a reference path into the state's input,
	// which cannot name a variable (a variable is set with Assign).
	resultPath
)

// parsedPath is what parsing a path found out.
type parsedPath struct {
	// variable is the workflow variable a $name path starts from.
	variable string
	// multi names the first step that can select more than one node, "" for
	// a reference path.
	multi string
}

// pathParser reads one path from s, from pos.
type pathParser struct {
	s   string
	pos int
	out parsedPath
}

func (p *pathParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s (at character %d of %q)", fmt.Sprintf(format, args...), p.pos+1, p.s)
}

func (p *pathParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *pathParser) multiple(what string) {
	if p.out.multi == "" {
		p.out.multi = what
	}
}

// parsePath parses a whole path.
func parsePath(s string) (parsedPath, error) {
	p := &pathParser{s: s}
	if err := p.path(); err != nil {
		return p.out, err
	}
	if p.pos != len(s) {
		return p.out, p.errorf("unexpected %q after the path", s[p.pos:])
	}
	return p.out, nil
}

// path reads $, $$ or $name and the steps after it, up to the end of s or to
// a character no step starts with.
func (p *pathParser) path() error {
	if p.peek() != '$' {
		return p.errorf("a path starts with $ (the input), $$ (the Context object) or $name (a variable)")
	}
	p.pos++
	switch r, _ := utf8.DecodeRuneInString(p.s[p.pos:]); {
	case p.peek() == '$':
		p.pos++
	case r == '_' || unicode.IsLetter(r):
		start := p.pos
		for p.pos < len(p.s) {
			r, n := utf8.DecodeRuneInString(p.s[p.pos:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			p.pos += n
		}
		p.out.variable = p.s[start:p.pos]
	}
	for p.pos < len(p.s) {
		switch p.peek() {
		case '.':
			if err := p.dot(); err != nil {
				return err
			}
		case '[':
			if err := p.bracket(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

// nameStop are the characters that end a field name after a dot; a
// backslash escapes one of them.
const nameStop = ".[]()'\",<>=! \t\n\r"

// dot reads .name, .*, .name() or ..name, ..*, ..[...].
func (p *pathParser) dot() error {
	p.pos++ // .
	if p.peek() == '.' {
		p.pos++
		p.multiple("the deep scan ..")
		switch p.peek() {
		case '[':
			return p.bracket()
		case '*':
			p.pos++
			return nil
		}
		if p.name() == "" {
			return p.errorf("a field name, * or [...] must follow ..")
		}
		return nil
	}
	if p.peek() == '*' {
		p.pos++
		p.multiple("the wildcard .*")
		return nil
	}
	name := p.name()
	if name == "" {
		return p.errorf("a field name must follow .")
	}
	if p.peek() == '(' {
		// A function of Jayway JsonPath, such as length(): not a field.
		p.pos++
		if p.peek() != ')' {
			return p.errorf("a path function such as length() takes no arguments")
		}
		p.pos++
		p.multiple("the function " + name + "()")
	}
	return nil
}

// name reads a field name after a dot, with its escapes.
func (p *pathParser) name() string {
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '\\' && p.pos+1 < len(p.s) {
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		}
		if strings.IndexByte(nameStop, c) >= 0 {
			break
		}
		b.WriteByte(c)
		p.pos++
	}
	return b.String()
}

func (p *pathParser) spaces() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *pathParser) expect(c byte) error {
	p.spaces()
	if p.peek() != c {
		if p.pos >= len(p.s) {
			return p.errorf("missing %q", c)
		}
		return p.errorf("want %q, not %q", c, p.s[p.pos])
	}
	p.pos++
	return nil
}

// bracket reads [...]: ['name'], ["name"], [index], [*], [a:b], [a,b],
// [?(filter)] or [(script)].
func (p *pathParser) bracket() error {
	p.pos++ // [
	p.spaces()
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		for {
			if err := p.quoted(); err != nil {
				return err
			}
			p.spaces()
			if p.peek() != ',' {
				break
			}
			p.pos++
			p.spaces()
			p.multiple("a union of names [..., ...]")
		}
	case c == '*':
		p.pos++
		p.multiple("the wildcard [*]")
	case c == '?':
		p.pos++
		p.spaces()
		if p.peek() != '(' {
			return p.errorf("a filter is [?(expression)]")
		}
		if err := p.balanced(); err != nil {
			return err
		}
		p.multiple("a filter [?(...)]")
	case c == '(':
		if err := p.balanced(); err != nil {
			return err
		}
		p.multiple("a script expression [(...)]")
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		if err := p.indexes(); err != nil {
			return err
		}
	default:
		if p.pos >= len(p.s) {
			return p.errorf("[ is not closed")
		}
		return p.errorf("%q cannot start a [...] step: want a quoted name, an index, *, a slice or a filter", c)
	}
	return p.expect(']')
}

// quoted reads past a quoted name: its closing quote, with backslash escapes.
func (p *pathParser) quoted() error {
	q := p.s[p.pos]
	p.pos++
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; {
		case c == '\\' && p.pos+1 < len(p.s):
			p.pos += 2
		case c == q:
			p.pos++
			return nil
		default:
			p.pos++
		}
	}
	return p.errorf("the quoted name is not closed with %c", q)
}

// indexes reads [n], [-n], [a:b(:c)], [a,b,...].
func (p *pathParser) indexes() error {
	number := func() (neg, ok bool) {
		if p.peek() == '-' {
			neg = true
			p.pos++
		}
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		return neg, p.pos > start
	}
	neg, ok := number()
	p.spaces()
	switch p.peek() {
	case ':':
		p.multiple("a slice [a:b]")
		for i := 0; i < 2 && p.peek() == ':'; i++ {
			p.pos++
			p.spaces()
			if p.peek() == '-' || (p.peek() >= '0' && p.peek() <= '9') {
				if _, ok := number(); !ok {
					return p.errorf("a slice bound is an integer")
				}
			}
			p.spaces()
		}
		return nil
	case ',':
		if !ok {
			return p.errorf("an index is an integer")
		}
		p.multiple("a union of indexes [a,b]")
		for p.peek() == ',' {
			p.pos++
			p.spaces()
			if _, ok := number(); !ok {
				return p.errorf("an index is an integer")
			}
			p.spaces()
		}
		return nil
	}
	if !ok {
		return p.errorf("an index is an integer")
	}
	if neg {
		p.multiple("a negative index (counted from the end)")
	}
	return nil
}

// balanced reads (...) with nested parentheses and quoted strings: a
// filter's or a script's expression, whose own grammar is Jayway's.
func (p *pathParser) balanced() error {
	start := p.pos
	depth := 0
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				p.pos++
				if strings.TrimSpace(p.s[start+1:p.pos-1]) == "" {
					return p.errorf("empty expression ()")
				}
				return nil
			}
		case '\'', '"':
			if err := p.quoted(); err != nil {
				return err
			}
			continue
		}
		p.pos++
	}
	return p.errorf("( is not closed")
}

// checkPath checks a path of that kind and returns what is wrong with it,
// "" when nothing is.
func checkPath(s string, kind pathKind) string {
	pp, err := parsePath(s)
	if err != nil {
		return "is not a valid JSONPath: " + err.Error()
	}
	if kind == anyPath {
		return ""
	}
	if pp.multi != "" {
		return fmt.Sprintf("must be a reference path, which identifies a single node (only .field, ['field'] and [index] steps): %q has %s", s, pp.multi)
	}
	if kind == resultPath && pp.variable != "" {
		return fmt.Sprintf("is where the result goes in the state's input, a reference path starting with $: it cannot be the variable $%s (set variables with Assign)", pp.variable)
	}
	return ""
}

// path checks a path-valued field: null where the field allows it (InputPath,
// OutputPath, ResultPath), else a string that is a path of that kind.
func (c *checker) path(v any, path string, kind pathKind) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "$") {
		c.add(path, "must be a path starting with $, not %s", describe(v))
		return
	}
	if msg := checkPath(s, kind); msg != "" {
		c.add(path, "%s", msg)
	}
}
