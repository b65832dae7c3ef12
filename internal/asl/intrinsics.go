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

// intrinsicArg is one parsed argument: a literal (its Go value: string,
// bool, nil, or the number's text), or a path or call (literal false).
type intrinsicArg struct {
	literal bool
	value   any
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

// checkIntrinsic checks a whole intrinsic function call.
func checkIntrinsic(s string) error {
	p := &intrinsicParser{s: s}
	if err := p.call(1); err != nil {
		return err
	}
	p.spaces()
	if p.pos != len(s) {
		return p.errorf("unexpected %q after the function's closing )", s[p.pos:])
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
func (p *intrinsicParser) call(depth int) error {
	start := p.pos
	for p.pos < len(p.s) && (p.s[p.pos] == '.' || isLetterOrDigit(p.s[p.pos])) {
		p.pos++
	}
	name := p.s[start:p.pos]
	ar, known := intrinsics[name]
	if !known {
		return fmt.Errorf("%s is not an intrinsic function of Step Functions (they are %s)", name, knownIntrinsics())
	}
	if depth > maxIntrinsicDepth {
		return fmt.Errorf("intrinsic functions nest at most %d deep within a field; %s is at depth %d", maxIntrinsicDepth, name, depth)
	}
	p.spaces()
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return p.errorf("%s must be called: %s(...)", name, name)
	}
	p.pos++
	var args []intrinsicArg
	p.spaces()
	if p.pos < len(p.s) && p.s[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.arg(depth)
			if err != nil {
				return err
			}
			args = append(args, a)
			p.spaces()
			if p.pos >= len(p.s) {
				return p.errorf("%s( is not closed with )", name)
			}
			if p.s[p.pos] == ')' {
				p.pos++
				break
			}
			if p.s[p.pos] != ',' {
				return p.errorf("want , or ) after an argument of %s, not %q", name, p.s[p.pos])
			}
			p.pos++
		}
	}
	return checkArguments(name, ar, args)
}

func isLetterOrDigit(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// arg reads one argument.
func (p *intrinsicParser) arg(depth int) (intrinsicArg, error) {
	p.spaces()
	rest := p.s[p.pos:]
	switch {
	case rest == "":
		return intrinsicArg{}, p.errorf("an argument is missing")
	case rest[0] == '\'':
		s, err := p.str()
		return intrinsicArg{literal: true, value: s}, err
	case rest[0] == '$':
		pp := &pathParser{s: p.s, pos: p.pos}
		if err := pp.path(); err != nil {
			return intrinsicArg{}, err
		}
		p.pos = pp.pos
		return intrinsicArg{}, nil
	case strings.HasPrefix(rest, "States."):
		return intrinsicArg{}, p.call(depth + 1)
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
			return intrinsicArg{}, p.errorf("a number is expected after -")
		}
		return intrinsicArg{literal: true, value: numberText(p.s[start:p.pos])}, nil
	}
	for _, lit := range []struct {
		text  string
		value any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(rest, lit.text) {
			p.pos += len(lit.text)
			return intrinsicArg{literal: true, value: lit.value}, nil
		}
	}
	return intrinsicArg{}, p.errorf("an argument is a quoted string, a number, true, false, null, a path or an intrinsic function, not %q", rest)
}

// numberText is a numeric literal's text, kept apart from strings.
type numberText string

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
func checkArguments(name string, ar arity, args []intrinsicArg) error {
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
		if !args[0].literal {
			return nil
		}
		template, isString := args[0].value.(string)
		if !isString {
			return fmt.Errorf("States.Format's first argument is the template string, not %v", args[0].value)
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
		if a := args[1]; a.literal {
			if s, ok := a.value.(string); !ok || !contains(hashAlgorithms, s) {
				return fmt.Errorf("States.Hash's algorithm is one of %s, not %v", strings.Join(hashAlgorithms, ", "), a.value)
			}
		}
	case "States.JsonMerge":
		// "Step Functions only supports the shallow merging mode; therefore,
		// you must specify the boolean value as false."
		if a := args[2]; a.literal && a.value != false {
			return fmt.Errorf("States.JsonMerge's third argument must be false (Step Functions only merges shallowly), not %v", a.value)
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
