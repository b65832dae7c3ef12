package localaws

// Intrinsic functions of Step Functions' JSONPath states ("Intrinsic
// functions for JSONPath states in Step Functions"), evaluated when a
// payload template's .$ field holds States.<Name>(...): States.Format,
// StringToJson, JsonToString, Array, ArrayPartition, ArrayContains,
// ArrayRange, ArrayGetItem, ArrayLength, ArrayUnique, Base64Encode,
// Base64Decode, Hash, JsonMerge, MathRandom, MathAdd, StringSplit and UUID.
// An argument is a quoted string ('...', with \' \{ \} \\ escapes), a
// number, true, false, null, a path on the input ($...) or the Context
// object ($$...), or another intrinsic function.
//
// Errors as AWS names them: an argument of the wrong type or out of range
// (an index past the end, a chunk size below 1, more than 1000 items from
// ArrayRange, more than 10,000 characters to encode or hash, a JsonMerge
// that is not shallow, a string that is not JSON) fails with
// States.IntrinsicFailure; a path argument that selects nothing fails with
// States.Runtime, as a path does anywhere. The definition was validated
// when it was stored (internal/asl), so a call that does not parse is
// reported as States.IntrinsicFailure rather than a validation error.
// MathRandom's result lies in [start, end); a seed makes it repeatable.

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/eventstack-io/eventstack-operator/internal/asl"
)

// sfnIntrinsic evaluates an intrinsic function call, parsed with the grammar
// admission checks it with (asl.ParseIntrinsic).
func sfnIntrinsic(expr string, input, context any) (any, *sfnFailure) {
	call, err := asl.ParseIntrinsic(expr)
	if err != nil {
		return nil, sfnIntrinsicFailure("%v", err)
	}
	return sfnCall(call, input, context)
}

func sfnIntrinsicFailure(format string, args ...any) *sfnFailure {
	return &sfnFailure{"States.IntrinsicFailure", fmt.Sprintf(format, args...)}
}

// sfnCall evaluates a call's arguments, then the call.
func sfnCall(c *asl.Intrinsic, input, context any) (any, *sfnFailure) {
	fn := sfnIntrinsics[c.Name]
	args := make([]any, 0, len(c.Args))
	for _, a := range c.Args {
		v, f := sfnArg(a, input, context)
		if f != nil {
			return nil, f
		}
		args = append(args, v)
	}
	if len(args) < fn.min || (fn.max >= 0 && len(args) > fn.max) {
		return nil, sfnIntrinsicFailure("Invalid arguments in %s: it takes %s arguments, not %d", c.Name, fn.arity(), len(args))
	}
	v, err := fn.run(args)
	if err != nil {
		return nil, sfnIntrinsicFailure("Invalid arguments in %s: %v", c.Name, err)
	}
	return v, nil
}

// sfnArg is an argument's value: a literal (a string one keeps its \{ \}
// escapes for States.Format), what a path selects, or a call's result.
func sfnArg(a asl.IntrinsicArg, input, context any) (any, *sfnFailure) {
	switch {
	case a.Call != nil:
		return sfnCall(a.Call, input, context)
	case a.Path != "":
		return sfnSelect(a.Path, input, context)
	}
	switch v := a.Value.(type) {
	case string:
		return sfnLiteral(v), nil
	case asl.Number:
		n := json.Number(v)
		if _, err := n.Float64(); err != nil {
			return nil, sfnIntrinsicFailure("%q is not a number", string(n))
		}
		return n, nil
	}
	return a.Value, nil
}

// sfnLiteral is a string literal of an intrinsic call, its \{ \} escapes
// kept for States.Format.
type sfnLiteral string

// sfnArgString reads a string argument (a literal loses its escapes).
func sfnArgString(v any, what string) (string, error) {
	switch s := v.(type) {
	case sfnLiteral:
		return sfnUnescapeBraces(string(s)), nil
	case string:
		return s, nil
	}
	return "", fmt.Errorf("%s must be a string, not %s", what, sfnJSON(sfnPlain(v)))
}

func sfnUnescapeBraces(s string) string {
	return strings.NewReplacer(`\{`, "{", `\}`, "}").Replace(s)
}

// sfnPlain turns literals into ordinary values.
func sfnPlain(v any) any {
	if s, ok := v.(sfnLiteral); ok {
		return sfnUnescapeBraces(string(s))
	}
	return v
}

// sfnNumber reads a JSON number.
func sfnNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// sfnInt reads an integer argument.
func sfnInt(v any, what string) (int, error) {
	f, ok := sfnNumber(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32*4 {
		return 0, fmt.Errorf("%s must be an integer, not %s", what, sfnJSON(sfnPlain(v)))
	}
	return int(f), nil
}

func sfnArray(v any, what string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an array, not %s", what, sfnJSON(sfnPlain(v)))
	}
	return a, nil
}

// sfnEqual compares JSON values, numbers by value.
func sfnEqual(a, b any) bool {
	a, b = sfnPlain(a), sfnPlain(b)
	if x, ok := sfnNumber(a); ok {
		y, ok := sfnNumber(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sfnEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sfnEqual(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

type sfnFunc struct {
	min, max int // max -1: any number
	run      func(args []any) (any, error)
}

func (f sfnFunc) arity() string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d", f.min)
	case f.min == f.max:
		return fmt.Sprint(f.min)
	}
	return fmt.Sprintf("%d to %d", f.min, f.max)
}

// sfnMaxChars bounds what Base64Encode, Base64Decode and Hash take.
const sfnMaxChars = 10000

var sfnIntrinsics map[string]sfnFunc

func init() {
	sfnIntrinsics = map[string]sfnFunc{
		"States.Format":         {1, -1, sfnFormat},
		"States.StringToJson":   {1, 1, sfnStringToJSON},
		"States.JsonToString":   {1, 1, func(a []any) (any, error) { return sfnJSON(sfnPlain(a[0])), nil }},
		"States.Array":          {0, -1, sfnArrayOf},
		"States.ArrayPartition": {2, 2, sfnArrayPartition},
		"States.ArrayContains":  {2, 2, sfnArrayContains},
		"States.ArrayRange":     {3, 3, sfnArrayRange},
		"States.ArrayGetItem":   {2, 2, sfnArrayGetItem},
		"States.ArrayLength":    {1, 1, sfnArrayLength},
		"States.ArrayUnique":    {1, 1, sfnArrayUnique},
		"States.Base64Encode":   {1, 1, sfnBase64Encode},
		"States.Base64Decode":   {1, 1, sfnBase64Decode},
		"States.Hash":           {2, 2, sfnHash},
		"States.JsonMerge":      {3, 3, sfnJSONMerge},
		"States.MathRandom":     {2, 3, sfnMathRandom},
		"States.MathAdd":        {2, 2, sfnMathAdd},
		"States.StringSplit":    {2, 2, sfnStringSplit},
		"States.UUID":           {0, 0, func([]any) (any, error) { return newID(), nil }},
	}
}

// sfnFormat fills the template's {} with the values in turn: a string as
// it is, any other value as its JSON.
func sfnFormat(args []any) (any, error) {
	tmpl, ok := args[0].(sfnLiteral)
	if !ok {
		s, err := sfnArgString(args[0], "the template")
		if err != nil {
			return nil, err
		}
		tmpl = sfnLiteral(s)
	}
	var b strings.Builder
	next := 1
	t := string(tmpl)
	for i := 0; i < len(t); i++ {
		switch {
		case t[i] == '\\' && i+1 < len(t) && (t[i+1] == '{' || t[i+1] == '}'):
			b.WriteByte(t[i+1])
			i++
		case t[i] == '{' && i+1 < len(t) && t[i+1] == '}':
			if next >= len(args) {
				return nil, fmt.Errorf("the template has more {} than the %d values given", len(args)-1)
			}
			switch v := sfnPlain(args[next]).(type) {
			case string:
				b.WriteString(v)
			default:
				b.WriteString(sfnJSON(v))
			}
			next++
			i++
		default:
			b.WriteByte(t[i])
		}
	}
	if next != len(args) {
		return nil, fmt.Errorf("the template has %d {} for %d values", next-1, len(args)-1)
	}
	return b.String(), nil
}

func sfnStringToJSON(args []any) (any, error) {
	s, err := sfnArgString(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	v, perr := sfnParse(s)
	if perr != nil {
		return nil, fmt.Errorf("%q is not JSON: %v", s, perr)
	}
	return v, nil
}

func sfnArrayOf(args []any) (any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = sfnPlain(a)
	}
	return out, nil
}

func sfnArrayPartition(args []any) (any, error) {
	a, err := sfnArray(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	size, err := sfnInt(args[1], "the chunk size")
	if err != nil {
		return nil, err
	}
	if size < 1 {
		return nil, fmt.Errorf("the chunk size must be a positive integer, not %d", size)
	}
	out := []any{}
	for i := 0; i < len(a); i += size {
		out = append(out, append([]any{}, a[i:min(len(a), i+size)]...))
	}
	return out, nil
}

func sfnArrayContains(args []any) (any, error) {
	a, err := sfnArray(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	for _, v := range a {
		if sfnEqual(v, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func sfnArrayRange(args []any) (any, error) {
	var n [3]int
	for i, what := range []string{"the first number", "the last number", "the step"} {
		v, err := sfnInt(args[i], what)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	first, last, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, fmt.Errorf("the step must not be 0")
	}
	out := []any{}
	for v := first; (step > 0 && v <= last) || (step < 0 && v >= last); v += step {
		if len(out) == 1000 {
			return nil, fmt.Errorf("the range has more than 1000 items")
		}
		out = append(out, v)
	}
	return out, nil
}

func sfnArrayGetItem(args []any) (any, error) {
	a, err := sfnArray(args[0], "the first argument")
	if err != nil {
		return nil, err
	}
	i, err := sfnInt(args[1], "the index")
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(a) {
		return nil, fmt.Errorf("the index %d is out of bounds of an array of %d items", i, len(a))
	}
	return a[i], nil
}

func sfnArrayLength(args []any) (any, error) {
	a, err := sfnArray(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	return len(a), nil
}

func sfnArrayUnique(args []any) (any, error) {
	a, err := sfnArray(args[0], "the argument")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, v := range a {
		dup := false
		for _, w := range out {
			if sfnEqual(v, w) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out, nil
}

func sfnBoundedString(v any, what string) (string, error) {
	s, err := sfnArgString(v, what)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > sfnMaxChars {
		return "", fmt.Errorf("%s has more than %d characters", what, sfnMaxChars)
	}
	return s, nil
}

func sfnBase64Encode(args []any) (any, error) {
	s, err := sfnBoundedString(args[0], "the data")
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func sfnBase64Decode(args []any) (any, error) {
	s, err := sfnBoundedString(args[0], "the encoded data")
	if err != nil {
		return nil, err
	}
	b, derr := base64.StdEncoding.DecodeString(s)
	if derr != nil {
		return nil, fmt.Errorf("%q is not base64: %v", s, derr)
	}
	return string(b), nil
}

func sfnHash(args []any) (any, error) {
	var data string
	if s, err := sfnArgString(args[0], "the data"); err == nil {
		data = s
	} else {
		data = sfnJSON(sfnPlain(args[0]))
	}
	if utf8.RuneCountInString(data) > sfnMaxChars {
		return nil, fmt.Errorf("the data has more than %d characters", sfnMaxChars)
	}
	algo, err := sfnArgString(args[1], "the algorithm")
	if err != nil {
		return nil, err
	}
	hashes := map[string]func() hash.Hash{"MD5": md5.New, "SHA-1": sha1.New, "SHA-256": sha256.New, "SHA-384": sha512.New384, "SHA-512": sha512.New}
	h, ok := hashes[algo]
	if !ok {
		return nil, fmt.Errorf("the algorithm is one of MD5, SHA-1, SHA-256, SHA-384 and SHA-512, not %q", algo)
	}
	sum := h()
	sum.Write([]byte(data))
	return hex.EncodeToString(sum.Sum(nil)), nil
}

func sfnJSONMerge(args []any) (any, error) {
	a, okA := args[0].(map[string]any)
	b, okB := args[1].(map[string]any)
	if !okA || !okB {
		return nil, fmt.Errorf("the first two arguments must be objects")
	}
	if deep, ok := args[2].(bool); !ok || deep {
		return nil, fmt.Errorf("the third argument must be false: Step Functions only merges shallowly")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func sfnMathRandom(args []any) (any, error) {
	start, err := sfnInt(args[0], "the start")
	if err != nil {
		return nil, err
	}
	end, err := sfnInt(args[1], "the end")
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("the end (%d) must be greater than the start (%d)", end, start)
	}
	r := rand.IntN
	if len(args) == 3 {
		seed, err := sfnInt(args[2], "the seed")
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0)).IntN
	}
	return start + r(end-start), nil
}

func sfnMathAdd(args []any) (any, error) {
	a, err := sfnInt(args[0], "the first number")
	if err != nil {
		return nil, err
	}
	b, err := sfnInt(args[1], "the second number")
	if err != nil {
		return nil, err
	}
	return a + b, nil
}

// sfnStringSplit splits on any of the delimiter's characters, dropping
// empty pieces.
func sfnStringSplit(args []any) (any, error) {
	s, err := sfnArgString(args[0], "the string")
	if err != nil {
		return nil, err
	}
	delims, err := sfnArgString(args[1], "the delimiter")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, piece)
	}
	return out, nil
}
