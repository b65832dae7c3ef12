// Package eventpattern checks the structure of an Amazon EventBridge event
// pattern before any AWS call, so that a malformed pattern is refused with a
// message naming the place in the pattern that is wrong, and matches events
// against a pattern as EventBridge does, saying which field failed and why.
//
// Check judges structure only, and does not claim to accept exactly what
// EventBridge accepts. Match (match.go) decides whether an event matches a
// pattern that Check accepts. The rules follow the AWS
// EventBridge User Guide pages "Creating event patterns" and "Content filtering
// in Amazon EventBridge event patterns". No Go library implementing
// EventBridge pattern semantics is available, hence this small package.
//
// Paths are JSON-path-like: fields joined with dots, [i] for array elements,
// "" for the root, e.g. "detail.price[0].numeric" or "detail.$or[1].state".
// A field name that is empty or holds one of . [ ] " ' or a space or a
// non-printable character is written quoted in brackets: detail["a.b"].
package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes bounds the raw pattern. The EventBridge API Reference gives the
// EventPattern string of PutRule (and of the Rule type) "Length Constraints:
// Maximum length of 4096". The "Event pattern size" service quota is lower by
// default (2,048 characters, adjustable up to 4,096), so a pattern between
// 2,049 and 4,096 characters passes here but AWS refuses it unless the
// account's quota was raised. AWS counts characters of the string it is
// sent; this checks bytes of the raw input, whitespace included, so it is
// never looser than AWS for the same string.
const MaxBytes = 4096

// MaxDepth bounds the nesting of pattern objects: the root is depth 1, and
// each nested-field object and each "$or" branch adds one. This is our bound,
// not a documented AWS one.
const MaxDepth = 20

// Error is a problem at one place in the pattern.
type Error struct {
	Path string // JSON-path-like, "" for the root; see the package comment
	Msg  string
}

// Error returns "<path>: <msg>", or only the message at the root.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Matcher names, sorted; messages list them.
const (
	mAnythingBut      = "anything-but"
	mCIDR             = "cidr"
	mEqualsIgnoreCase = "equals-ignore-case"
	mExists           = "exists"
	mNumeric          = "numeric"
	mPrefix           = "prefix"
	mSuffix           = "suffix"
	mWildcard         = "wildcard"
)

var knownMatchers = []string{mAnythingBut, mCIDR, mEqualsIgnoreCase, mExists, mNumeric, mPrefix, mSuffix, mWildcard}

// orKey is the "$or" operator, allowed as a field of any pattern object.
const orKey = "$or"

// Check parses and checks a pattern given as JSON. It returns nil or an *Error.
// It reports the first problem found, walking object keys in sorted order so
// that the same pattern always gives the same error.
func Check(pattern []byte) error {
	if len(pattern) > MaxBytes {
		return &Error{Msg: fmt.Sprintf("pattern is %d bytes, more than the %d that EventBridge accepts for an event pattern", len(pattern), MaxBytes)}
	}
	obj, err := decodeObject(pattern, "pattern")
	if err != nil {
		return err
	}
	return checkObject("", obj, 1)
}

// decodeObject decodes one JSON object, numbers kept as written
// (json.Number), for a pattern or an event (what names it in messages).
func decodeObject(text []byte, what string) (map[string]any, *Error) {
	if !utf8.Valid(text) {
		return nil, &Error{Msg: what + " is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Msg: what + " is empty; it must be a JSON object"}
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &Error{Msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
		}
		return nil, &Error{Msg: "invalid JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Msg: "invalid JSON: unexpected data after the top-level value"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Msg: what + " must be a JSON object, got " + kind(v)}
	}
	return obj, nil
}

// checkObject checks a pattern object: the root, a nested-field object or a
// "$or" branch. "Event patterns have the same structure as the events they
// match": each field maps to an array of values to match or to an object of
// nested fields. Duplicate keys are not refused; encoding/json keeps the last,
// as EventBridge does ("if you include a key more than once the last
// reference will be the one used").
func checkObject(path string, obj map[string]any, depth int) error {
	if depth > MaxDepth {
		return &Error{Path: path, Msg: fmt.Sprintf("nesting depth exceeds %d", MaxDepth)}
	}
	if len(obj) == 0 {
		if path == "" {
			return &Error{Msg: "pattern must have at least one field"}
		}
		return &Error{Path: path, Msg: "object must have at least one field"}
	}
	for _, k := range sortedKeys(obj) {
		p := join(path, k)
		if k == orKey {
			if err := checkOr(p, obj[k], depth); err != nil {
				return err
			}
			continue
		}
		switch x := obj[k].(type) {
		case map[string]any:
			if err := checkObject(p, x, depth+1); err != nil {
				return err
			}
		case []any:
			if err := checkValues(p, x); err != nil {
				return err
			}
		default:
			// "In an event pattern, the value to match is in a JSON array".
			return &Error{Path: p, Msg: "must be an array of values or matchers (or an object of nested fields), got " + kind(x)}
		}
	}
	return nil
}

// checkOr checks "$or": an array of at least two patterns, each checked as a
// pattern object of its own (path "$or[i]").
func checkOr(path string, v any, depth int) error {
	arr, ok := v.([]any)
	if !ok {
		return &Error{Path: path, Msg: "$or must be an array of at least 2 pattern objects, got " + kind(v)}
	}
	if len(arr) < 2 {
		return &Error{Path: path, Msg: fmt.Sprintf("$or must be an array of at least 2 pattern objects, got %d", len(arr))}
	}
	for i, el := range arr {
		p := index(path, i)
		obj, ok := el.(map[string]any)
		if !ok {
			return &Error{Path: p, Msg: "$or element must be a pattern object, got " + kind(el)}
		}
		if err := checkObject(p, obj, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// checkValues checks a field's array: "The value of each field in an event
// pattern is an array containing one or more values". An element is an exact
// value (string, number, boolean or null) or an object with one matcher.
func checkValues(path string, arr []any) error {
	if len(arr) == 0 {
		return &Error{Path: path, Msg: "array must have at least one value or matcher"}
	}
	for i, el := range arr {
		p := index(path, i)
		switch x := el.(type) {
		case string, bool, nil:
		case json.Number:
			if err := checkNumber(p, x); err != nil {
				return err
			}
		case map[string]any:
			if err := checkMatcher(p, x); err != nil {
				return err
			}
		default:
			return &Error{Path: p, Msg: "array element must be a string, number, boolean, null or a matcher object, got " + kind(x)}
		}
	}
	return nil
}

// checkMatcher checks an object inside a field's array: exactly one known
// matcher key with a value of the right shape.
func checkMatcher(path string, obj map[string]any) error {
	if len(obj) != 1 {
		keys := sortedKeys(obj)
		return &Error{Path: path, Msg: fmt.Sprintf("matcher object must have exactly one key, got %d%s", len(keys), listKeys(keys))}
	}
	name, v := onlyEntry(obj)
	p := join(path, name)
	switch name {
	case mPrefix, mSuffix:
		// "prefix": "us-" or, to ignore case, "prefix": {"equals-ignore-case": "EventB"}.
		return checkStringOrIgnoreCase(p, name, v)
	case mEqualsIgnoreCase, mWildcard:
		return wantString(p, name, v)
	case mExists:
		// "Exists matching works on the presence or absence of a field".
		if _, ok := v.(bool); !ok {
			return &Error{Path: p, Msg: "exists must be true or false, got " + kind(v)}
		}
		return nil
	case mCIDR:
		// "You can use IP address matching for IPv4 and IPv6 addresses".
		s, ok := v.(string)
		if !ok {
			return &Error{Path: p, Msg: "cidr must be a string such as \"10.0.0.0/24\", got " + kind(v)}
		}
		if _, _, err := net.ParseCIDR(s); err != nil {
			return &Error{Path: p, Msg: fmt.Sprintf("cidr %q is not an IPv4 or IPv6 CIDR block", s)}
		}
		return nil
	case mNumeric:
		return checkNumeric(p, v)
	case mAnythingBut:
		return checkAnythingBut(p, v)
	}
	return &Error{Path: path, Msg: fmt.Sprintf("unknown matcher %q; known matchers: %s", name, strings.Join(knownMatchers, ", "))}
}

// checkStringOrIgnoreCase checks the value of prefix or suffix: a string or
// {"equals-ignore-case": string}.
func checkStringOrIgnoreCase(path, name string, v any) error {
	switch x := v.(type) {
	case string:
		return nil
	case map[string]any:
		if s, ok := x[mEqualsIgnoreCase]; ok && len(x) == 1 {
			return wantString(join(path, mEqualsIgnoreCase), mEqualsIgnoreCase, s)
		}
		return &Error{Path: path, Msg: fmt.Sprintf("%s object must be {%q: string}, got keys%s", name, mEqualsIgnoreCase, listKeys(sortedKeys(x)))}
	}
	return &Error{Path: path, Msg: fmt.Sprintf("%s must be a string or {%q: string}, got %s", name, mEqualsIgnoreCase, kind(v))}
}

// checkNumeric checks "numeric": [op, n] or [lower-op, n, upper-op, m].
// "Numeric matching works with values that are JSON numbers", e.g.
// [">", 0, "<=", 5], ["<", 10], ["=", 3.018e2].
func checkNumeric(path string, v any) error {
	arr, ok := v.([]any)
	if !ok {
		return &Error{Path: path, Msg: "numeric must be an array such as [\">\", 0, \"<=\", 5], got " + kind(v)}
	}
	if len(arr) != 2 && len(arr) != 4 {
		return &Error{Path: path, Msg: fmt.Sprintf("numeric must have 2 or 4 elements, got %d: [operator, number] or [\">\" or \">=\", number, \"<\" or \"<=\", number]", len(arr))}
	}
	ops := make([]string, 0, 2)
	nums := make([]float64, 0, 2)
	for i := 0; i < len(arr); i += 2 {
		op, ok := arr[i].(string)
		if !ok || !isNumericOp(op) {
			return &Error{Path: index(path, i), Msg: fmt.Sprintf("numeric operator must be one of \"=\", \"<\", \"<=\", \">\", \">=\", got %s", describe(arr[i]))}
		}
		n, ok := arr[i+1].(json.Number)
		if !ok {
			return &Error{Path: index(path, i+1), Msg: fmt.Sprintf("numeric operand of %q must be a number, got %s", op, kind(arr[i+1]))}
		}
		f, err := parseNumber(index(path, i+1), n)
		if err != nil {
			return err
		}
		ops, nums = append(ops, op), append(nums, f)
	}
	if len(ops) == 1 {
		return nil
	}
	for i, op := range ops {
		if op == "=" {
			return &Error{Path: index(path, 2*i), Msg: "numeric \"=\" must be used alone: [\"=\", number]"}
		}
	}
	if ops[0] != ">" && ops[0] != ">=" {
		return &Error{Path: index(path, 0), Msg: fmt.Sprintf("numeric range must start with a lower bound (\">\" or \">=\"), got %q", ops[0])}
	}
	if ops[1] != "<" && ops[1] != "<=" {
		return &Error{Path: index(path, 2), Msg: fmt.Sprintf("numeric range must end with an upper bound (\"<\" or \"<=\"), got %q", ops[1])}
	}
	if !(nums[0] < nums[1]) {
		return &Error{Path: path, Msg: fmt.Sprintf("numeric range lower bound %v must be below upper bound %v", arr[1], arr[3])}
	}
	return nil
}

func isNumericOp(op string) bool {
	switch op {
	case "=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

// checkAnythingBut checks "anything-but": "You can use anything-but matching
// with strings and numeric values, including lists that contain only strings,
// or only numbers", or an object with one of prefix, suffix, wildcard or
// equals-ignore-case ("Anything-but matching only works with a single
// prefix, not a list"; equals-ignore-case and wildcard also take lists).
func checkAnythingBut(path string, v any) error {
	switch x := v.(type) {
	case string:
		return nil
	case json.Number:
		return checkNumber(path, x)
	case []any:
		if len(x) == 0 {
			return &Error{Path: path, Msg: "anything-but list must not be empty"}
		}
		first := ""
		for i, el := range x {
			p := index(path, i)
			var k string
			switch n := el.(type) {
			case string:
				k = "string"
			case json.Number:
				if err := checkNumber(p, n); err != nil {
					return err
				}
				k = "number"
			default:
				return &Error{Path: p, Msg: "anything-but list element must be a string or a number, got " + kind(el)}
			}
			if first == "" {
				first = k
			} else if k != first {
				return &Error{Path: p, Msg: fmt.Sprintf("anything-but list must hold only strings or only numbers, got a %s after a %s", k, first)}
			}
		}
		return nil
	case map[string]any:
		if len(x) != 1 {
			keys := sortedKeys(x)
			return &Error{Path: path, Msg: fmt.Sprintf("anything-but object must have exactly one of prefix, suffix, wildcard, equals-ignore-case; got %d keys%s", len(keys), listKeys(keys))}
		}
		name, inner := onlyEntry(x)
		p := join(path, name)
		switch name {
		case mPrefix, mSuffix:
			return wantString(p, "anything-but "+name, inner)
		case mWildcard, mEqualsIgnoreCase:
			return checkStringOrStrings(p, "anything-but "+name, inner)
		}
		return &Error{Path: path, Msg: fmt.Sprintf("unknown anything-but matcher %q; known: prefix, suffix, wildcard, equals-ignore-case", name)}
	}
	return &Error{Path: path, Msg: "anything-but must be a string, a number, a list of strings or of numbers, or an object with prefix, suffix, wildcard or equals-ignore-case; got " + kind(v)}
}

// checkStringOrStrings accepts a string or a non-empty array of strings.
func checkStringOrStrings(path, what string, v any) error {
	switch x := v.(type) {
	case string:
		return nil
	case []any:
		if len(x) == 0 {
			return &Error{Path: path, Msg: what + " list must not be empty"}
		}
		for i, el := range x {
			if _, ok := el.(string); !ok {
				return &Error{Path: index(path, i), Msg: what + " list element must be a string, got " + kind(el)}
			}
		}
		return nil
	}
	return &Error{Path: path, Msg: what + " must be a string or a list of strings, got " + kind(v)}
}

func wantString(path, what string, v any) error {
	if _, ok := v.(string); !ok {
		return &Error{Path: path, Msg: what + " must be a string, got " + kind(v)}
	}
	return nil
}

// checkNumber refuses a number that does not fit a float64 (e.g. 1e400).
func checkNumber(path string, n json.Number) error {
	_, err := parseNumber(path, n)
	return err
}

func parseNumber(path string, n json.Number) (float64, error) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, &Error{Path: path, Msg: fmt.Sprintf("number %s is out of range", n)}
	}
	return f, nil
}

// kind names a decoded JSON value's type for messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// describe shows a string operand quoted and any other value by its kind.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return kind(v)
}

// onlyEntry returns the key and value of a one-entry object.
func onlyEntry(m map[string]any) (string, any) {
	for k, v := range m {
		return k, v
	}
	return "", nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// listKeys renders keys as " (a, b)" for messages, or "" when there are none.
func listKeys(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return " (" + strings.Join(q, ", ") + ")"
}

// join appends a field name to a path, quoting names that would be ambiguous.
func join(path, key string) string {
	if needsQuote(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func needsQuote(key string) bool {
	if key == "" || strings.ContainsAny(key, ".[]\"' ") {
		return true
	}
	for _, r := range key {
		if !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
