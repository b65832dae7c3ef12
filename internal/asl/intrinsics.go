package asl

import (
	"fmt"
	"sort"
	"strings"
)

// Intrinsic functions ("Intrinsic functions for JSONPath states in Step
// Functions"): States.Name(arg, ...), where an argument is a quoted string
// ('...', with \' \{ \} \\ escaped), a number, true, false, null, a path or
// another intrinsic function, nested at most maxIntrinsicDepth deep.

// arity is how many arguments an intrinsic takes: min to max, max -1 for
// any number.
type arity struct{ min, max int }

// intrinsics are the functions of the guide, with the number of arguments
// each takes as the guide describes them.
var intrinsics = map[string]arity{
	"States.Format":         {1, -1}, // a template string, then one value per {}
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1}, // "zero or more arguments"
	"States.ArrayPartition": {2, 2},  // array, chunk size
	"States.ArrayContains":  {2, 2},  // array, value
	"States.ArrayRange":     {3, 3},  // first, last, step
	"States.ArrayGetItem":   {2, 2},  // array, index
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2}, // data, algorithm
	"States.JsonMerge":      {3, 3}, // object, object, false (shallow merge)
	"States.MathRandom":     {2, 3}, // start, end, optional seed
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2}, // string, delimiters
	"States.UUID":           {0, 0},
}

// hashAlgorithms are what States.Hash computes.
var hashAlgorithms = []string{"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"}

// maxIntrinsicDepth: "You can nest up to 10 intrinsic functions within a
// field".
const maxIntrinsicDepth = 10

// Intrinsic is a parsed intrinsic function call, States.Name(args): what
// admission checks (checkIntrinsic) and what the local AWS evaluates
// (internal/localaws), one grammar for both.
type Intrinsic struct {
	Name string
	Args []IntrinsicArg
}

// IntrinsicArg is one argument: a literal (Literal: Value is a string — its
// escapes resolved but \{ and \} kept, for States.Format —, a bool, nil, or
// a Number), a path on the input or the context object (Path, as written), or
// another call (Call).
type IntrinsicArg struct {
	Literal bool
	Value   any
	Path    string
	Call    *Intrinsic
}

// Number is a numeric literal's text, kept apart from strings.
type Number string

// ParseIntrinsic parses a whole intrinsic function call: known functions,
// nested at most 10 deep, with arguments of the grammar the guide gives
// (their number and literal values are checked by admission, not here).
func ParseIntrinsic(s string) (*Intrinsic, error) {
	p := &intrinsicParser{s: s}
	call, err := p.call(1)
	if err != nil {
		return nil, err
	}
	p.spaces()
	if p.pos != len(s) {
		return nil, p.errorf("unexpected %q after the function's closing )", s[p.pos:])
	}
	return call, nil
}

type intrinsicParser struct {
	s   string
	pos int
}

func (p *intrinsicParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s (at character %d of %q)", fmt.Sprintf(format, args...), p.pos+1, p.s)
}

func (p *intrinsicParser) spaces() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// checkIntrinsic checks a whole intrinsic function call: its grammar, and
// each call's arguments.
func checkIntrinsic(s string) error {
	call, err := ParseIntrinsic(s)
	if err != nil {
		return err
	}
	return checkCalls(call)
}

// checkCalls checks the arguments of a call and of the calls nested in it.
func checkCalls(c *Intrinsic) error {
	if err := checkArguments(c.Name, intrinsics[c.Name], c.Args); err != nil {
		return err
	}
	for _, a := range c.Args {
		if a.Call != nil {
			if err := checkCalls(a.Call); err != nil {
				return err
			}
		}
	}
	return nil
}

func knownIntrinsics() string {
	names := make([]string, 0, len(intrinsics))
	for n := range intrinsics {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// call reads States.Name(args) at a nesting depth.
func (p *intrinsicParser) call(depth int) (*Intrinsic, error) {
	start := p.pos
	for p.pos < len(p.s) && (p.s[p.pos] == '.' || isLetterOrDigit(p.s[p.pos])) {
		p.pos++
	}
	c := &Intrinsic{Name: p.s[start:p.pos]}
	if _, known := intrinsics[c.Name]; !known {
		return nil, fmt.Errorf("%s is not an intrinsic function of Step Functions (they are %s)", c.Name, knownIntrinsics())
	}
	if depth > maxIntrinsicDepth {
		return nil, fmt.Errorf("intrinsic functions nest at most %d deep within a field; %s is at depth %d", maxIntrinsicDepth, c.Name, depth)
	}
	p.spaces()
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return nil, p.errorf("%s must be called: %s(...)", c.Name, c.Name)
	}
	p.pos++
	p.spaces()
	if p.pos < len(p.s) && p.s[p.pos] == ')' {
		p.pos++
		return c, nil
	}
	for {
		a, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, a)
		p.spaces()
		if p.pos >= len(p.s) {
			return nil, p.errorf("%s( is not closed with )", c.Name)
		}
		if p.s[p.pos] == ')' {
			p.pos++
			return c, nil
		}
		if p.s[p.pos] != ',' {
			return nil, p.errorf("want , or ) after an argument of %s, not %q", c.Name, p.s[p.pos])
		}
		p.pos++
	}
}

func isLetterOrDigit(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// arg reads one argument.
func (p *intrinsicParser) arg(depth int) (IntrinsicArg, error) {
	p.spaces()
	rest := p.s[p.pos:]
	switch {
	case rest == "":
		return IntrinsicArg{}, p.errorf("an argument is missing")
	case rest[0] == '\'':
		s, err := p.str()
		return IntrinsicArg{Literal: true, Value: s}, err
	case rest[0] == '$':
		pp := &pathParser{s: p.s, pos: p.pos}
		if err := pp.path(); err != nil {
			return IntrinsicArg{}, err
		}
		path := strings.TrimSpace(p.s[p.pos:pp.pos])
		p.pos = pp.pos
		return IntrinsicArg{Path: path}, nil
	case strings.HasPrefix(rest, "States."):
		c, err := p.call(depth + 1)
		return IntrinsicArg{Call: c}, err
	case rest[0] == '-' || (rest[0] >= '0' && rest[0] <= '9'):
		start := p.pos
		if rest[0] == '-' {
			p.pos++
		}
		digits := p.pos
		for p.pos < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.pos]) >= 0 {
			p.pos++
		}
		if p.pos == digits {
			return IntrinsicArg{}, p.errorf("a number is expected after -")
		}
		return IntrinsicArg{Literal: true, Value: Number(p.s[start:p.pos])}, nil
	}
	for _, lit := range []struct {
		text  string
		value any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(rest, lit.text) {
			p.pos += len(lit.text)
			return IntrinsicArg{Literal: true, Value: lit.value}, nil
		}
	}
	return IntrinsicArg{}, p.errorf("an argument is a quoted string, a number, true, false, null, a path or an intrinsic function, not %q", rest)
}

// str reads a quoted string literal, with its escapes resolved except that
// an escaped { or } stays escaped (States.Format tells them from {}).
func (p *intrinsicParser) str() (string, error) {
	p.pos++ // '
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.s):
			next := p.s[p.pos+1]
			if next == '{' || next == '}' {
				b.WriteByte('\\')
			}
			b.WriteByte(next)
			p.pos += 2
		case c == '\'':
			p.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("the string is not closed with '")
}

// checkArguments checks a call's arguments: their number, and what the guide
// says of literal ones.
func checkArguments(name string, ar arity, args []IntrinsicArg) error {
	n := len(args)
	switch {
	case ar.max == -1 && n < ar.min:
		return fmt.Errorf("%s takes at least %d argument%s, not %d", name, ar.min, plural(ar.min), n)
	case ar.max != -1 && (n < ar.min || n > ar.max) && ar.min == ar.max:
		return fmt.Errorf("%s takes exactly %d argument%s, not %d", name, ar.min, plural(ar.min), n)
	case ar.max != -1 && (n < ar.min || n > ar.max):
		return fmt.Errorf("%s takes %d to %d arguments, not %d", name, ar.min, ar.max, n)
	}
	switch name {
	case "States.Format":
		// "There must be as many remaining arguments in the Invocation as
		// there are occurrences of {}"; a { or } of the text itself is
		// escaped (\{ \}).
		if !args[0].Literal {
			return nil
		}
		template, isString := args[0].Value.(string)
		if !isString {
			return fmt.Errorf("States.Format's first argument is the template string, not %v", args[0].Value)
		}
		holes, err := placeholders(template)
		if err != nil {
			return err
		}
		if holes != n-1 {
			return fmt.Errorf("States.Format's template %q has %d {} placeholder%s, and %d value%s follow it: there must be one value per {}",
				template, holes, plural(holes), n-1, plural(n-1))
		}
	case "States.Hash":
		if a := args[1]; a.Literal {
			if s, ok := a.Value.(string); !ok || !contains(hashAlgorithms, s) {
				return fmt.Errorf("States.Hash's algorithm is one of %s, not %v", strings.Join(hashAlgorithms, ", "), a.Value)
			}
		}
	case "States.JsonMerge":
		// "Step Functions only supports the shallow merging mode; therefore,
		// you must specify the boolean value as false."
		if a := args[2]; a.Literal && a.Value != false {
			return fmt.Errorf("States.JsonMerge's third argument must be false (Step Functions only merges shallowly), not %v", a.Value)
		}
	}
	return nil
}

// placeholders counts the {} of a States.Format template; a lone { or }
// must be escaped.
func placeholders(template string) (int, error) {
	n := 0
	for i := 0; i < len(template); i++ {
		switch template[i] {
		case '\\':
			i++
		case '{':
			if i+1 < len(template) && template[i+1] == '}' {
				n++
				i++
				continue
			}
			return 0, fmt.Errorf("States.Format's template %q has a { that is not part of {}: escape it as \\{", template)
		case '}':
			return 0, fmt.Errorf("States.Format's template %q has a } that is not part of {}: escape it as \\}", template)
		}
	}
	return n, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// payloadValue checks the value of a payload template's field whose name
// ends in .$: a path, or an intrinsic function.
func payloadValue(v any) string {
	s, ok := v.(string)
	switch {
	case !ok:
		return fmt.Sprintf("a field ending in .$ holds a path ($...) or an intrinsic function (States....), not %s", describe(v))
	case strings.HasPrefix(s, "${"):
		return fmt.Sprintf("a field ending in .$ holds a path ($...) or an intrinsic function (States....); %s is one of the stack's references, a value the operator writes in: drop the .$ from the field's name", s)
	case strings.HasPrefix(s, "States."):
		if err := checkIntrinsic(s); err != nil {
			return "is not a valid intrinsic function call: " + err.Error()
		}
		return ""
	case strings.HasPrefix(s, "$"):
		return checkPath(s, anyPath)
	}
	return fmt.Sprintf("a field ending in .$ holds a path ($...) or an intrinsic function (States....), not %s", describe(v))
}
