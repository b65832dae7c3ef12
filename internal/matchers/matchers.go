// Package matchers checks the content-filter grammar that Amazon EventBridge
// event patterns and Amazon SNS subscription filter policies share, so that the
// two are judged by one piece of code.
//
// Both services compile their JSON with Event Ruler
// (github.com/aws/event-ruler), the library AWS published from EventBridge:
// the refusals they answer are Event Ruler's JsonRuleCompiler messages word
// for word ("Null prefix/suffix not allowed", "Bottom must be less than top",
// "Malformed CIDR, one '/' required", "Consecutive wildcard characters at
// pos 26"), as LocalStack's snapshot tests recorded them from AWS
// (tests/aws/services/events/test_events_patterns.snapshot.json, October
// 2025, and tests/aws/services/sns/test_sns_filter_policy.snapshot.json,
// 2024). The rules here are written from Event Ruler's README and its
// JsonRuleCompiler, CIDR and WildcardParser classes, and from the two
// services' user guides; no code of theirs is copied.
//
// What differs between the services is a Grammar option: whether objects
// may nest (SNS: only with the MessageBody scope), which anything-but forms
// are documented, whether an empty root is allowed (SNS removes a filter
// policy with {}). Each service's own limits stay in its package:
// internal/eventpattern (pattern size, rules with wildcards) and
// internal/filterpolicy (keys, combinations, wildcard complexity).
//
// Paths are JSON-path-like: fields joined with dots, [i] for array elements,
// "" for the root, e.g. "detail.price[0].numeric" or "detail.$or[1].state".
// A field name that is empty or holds one of . [ ] " ' or a space or a
// non-printable character is written quoted in brackets: detail["a.b"].
package matchers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a problem at one place in a pattern or policy.
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
	AnythingBut      = "anything-but"
	CIDR             = "cidr"
	EqualsIgnoreCase = "equals-ignore-case"
	Exists           = "exists"
	Numeric          = "numeric"
	Prefix           = "prefix"
	Suffix           = "suffix"
	Wildcard         = "wildcard"
)

// Known are the matcher names both services document.
var Known = []string{AnythingBut, CIDR, EqualsIgnoreCase, Exists, Numeric, Prefix, Suffix, Wildcard}

// Or is the "$or" operator, allowed as a field of any object.
const Or = "$or"

// reservedInOr are the field names Event Ruler refuses inside a "$or" branch
// ("numeric is Ruler reserved fieldName which cannot be used inside $or."):
// its RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP, those of the list that every
// release since the first (2022) holds. The SNS guide ("AND/OR logic", OR
// operator) names the rule: "None of the objects in the "$or" array have
// field names that are reserved keywords".
var reservedInOr = map[string]bool{
	"exactly": true, EqualsIgnoreCase: true, Prefix: true, Suffix: true, AnythingBut: true, Exists: true,
	Wildcard: true, Numeric: true, CIDR: true, "=": true, "<": true, "<=": true, ">": true, ">=": true,
	"regex": true, "not-equals-ignore-case": true, "date-after": true, "date-on-or-after": true,
	"date-before": true, "date-on-or-before": true, "in-date-range": true,
	"ip-address-in-range": true, "ip-address-not-in-range": true,
}

// Grammar is one service's form of the shared grammar.
type Grammar struct {
	// Service names the service in messages: "EventBridge", "SNS".
	Service string
	// What names the document in messages: "pattern", "filter policy".
	What string
	// Nested allows a field to hold an object of nested fields. When false,
	// NestedRefusal says why such a field is refused; %q is the field's name.
	Nested        bool
	NestedRefusal string
	// NotArray is the message for a field holding neither an array nor an
	// object: %[1]q is the field's name, %[2]s the kind of value it holds.
	NotArray string
	// EmptyRoot allows {} as the whole document.
	EmptyRoot bool
	// AnythingBut lists the forms an anything-but object may take.
	AnythingBut []string
	// MaxDepth bounds the nesting of objects: the root is depth 1, and each
	// nested-field object and each "$or" branch adds one. 0 is no bound.
	MaxDepth int
}

// Check checks a decoded document (see Decode) against the grammar. It
// returns nil or an *Error, the first problem found, walking object keys in
// sorted order so that the same document always gives the same error.
func (g Grammar) Check(root map[string]any) error {
	if len(root) == 0 && g.EmptyRoot {
		return nil
	}
	return g.object("", root, 1, false)
}

// Decode decodes one JSON object, numbers kept as written (json.Number);
// what ("pattern", "event", "filter policy") names it in messages.
func Decode(text []byte, what string) (map[string]any, *Error) {
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
		return nil, &Error{Msg: what + " must be a JSON object, got " + Kind(v)}
	}
	return obj, nil
}

// object checks an object: the root, a nested-field object or a "$or"
// branch. Each field maps to an array of values to match or, where the
// grammar allows it, to an object of nested fields. Duplicate keys are not
// refused: encoding/json keeps the last, as Event Ruler does by default
// ("if you include a key more than once the last reference will be the one
// used", EventBridge User Guide). inOr says the object is inside a "$or"
// branch, where Event Ruler refuses its reserved names as field names.
func (g Grammar) object(path string, obj map[string]any, depth int, inOr bool) error {
	if g.MaxDepth > 0 && depth > g.MaxDepth {
		return &Error{Path: path, Msg: fmt.Sprintf("nesting depth exceeds %d", g.MaxDepth)}
	}
	if len(obj) == 0 {
		// "Empty objects are not allowed".
		if path == "" {
			return &Error{Msg: g.What + " must have at least one field"}
		}
		return &Error{Path: path, Msg: "object must have at least one field"}
	}
	for _, k := range SortedKeys(obj) {
		p := Join(path, k)
		if k == Or {
			if err := g.or(p, obj[k], depth); err != nil {
				return err
			}
			continue
		}
		if inOr && reservedInOr[k] {
			return &Error{Path: p, Msg: fmt.Sprintf("%q is a reserved word of %s's rule language (Event Ruler) and cannot name a field inside $or (\"%s is Ruler reserved fieldName which cannot be used inside $or.\"); a matcher goes inside a field's array: {\"field\": [{%q: ...}]}", k, g.Service, k, k)}
		}
		switch x := obj[k].(type) {
		case map[string]any:
			if !g.Nested {
				return &Error{Path: p, Msg: fmt.Sprintf(g.NestedRefusal, k)}
			}
			if err := g.object(p, x, depth+1, inOr); err != nil {
				return err
			}
		case []any:
			if err := g.values(p, x); err != nil {
				return err
			}
		default:
			// "\"key\" must be an object or an array".
			return &Error{Path: p, Msg: fmt.Sprintf(g.NotArray, k, Kind(x))}
		}
	}
	return nil
}

// or checks "$or": an array of at least two objects, each checked as an
// object of its own (path "$or[i]"). Event Ruler: "It must be an Array
// followed with $or.", "Only JSON object is allowed in array of $or
// relationship.", "There must have at least 2 Objects in $or relationship."
func (g Grammar) or(path string, v any, depth int) error {
	arr, ok := v.([]any)
	if !ok {
		return &Error{Path: path, Msg: fmt.Sprintf("$or must be an array of at least 2 %s objects, got %s", g.What, Kind(v))}
	}
	if len(arr) < 2 {
		return &Error{Path: path, Msg: fmt.Sprintf("$or must be an array of at least 2 %s objects, got %d (%s: \"There must have at least 2 Objects in $or relationship.\")", g.What, len(arr), g.Service)}
	}
	for i, el := range arr {
		p := Index(path, i)
		obj, ok := el.(map[string]any)
		if !ok {
			return &Error{Path: p, Msg: fmt.Sprintf("$or element must be a %s object, got %s", g.What, Kind(el))}
		}
		if err := g.object(p, obj, depth+1, true); err != nil {
			return err
		}
	}
	return nil
}

// values checks a field's array. An element is an exact value (string,
// number, boolean or null) or an object with one matcher; "Empty arrays are
// not allowed", and "Match value must be String, number, true, false, or
// null" (an array inside the array).
func (g Grammar) values(path string, arr []any) error {
	if len(arr) == 0 {
		return &Error{Path: path, Msg: fmt.Sprintf("array must have at least one value or matcher (%s: \"Empty arrays are not allowed\")", g.Service)}
	}
	for i, el := range arr {
		p := Index(path, i)
		switch x := el.(type) {
		case string, bool, nil:
		case json.Number:
			if err := checkNumber(p, x); err != nil {
				return err
			}
		case map[string]any:
			if err := g.matcher(p, x); err != nil {
				return err
			}
		default:
			return &Error{Path: p, Msg: "array element must be a string, number, boolean, null or a matcher object, got " + Kind(x)}
		}
	}
	return nil
}

// matcher checks an object inside a field's array: exactly one known
// matcher key ("Only one key allowed in match expression", "Unrecognized
// match type X") with a value of the right shape.
func (g Grammar) matcher(path string, obj map[string]any) error {
	if len(obj) != 1 {
		keys := SortedKeys(obj)
		return &Error{Path: path, Msg: fmt.Sprintf("matcher object must have exactly one key, got %d%s", len(keys), listKeys(keys))}
	}
	name, v := OnlyEntry(obj)
	p := Join(path, name)
	switch name {
	case Prefix, Suffix:
		// "prefix": "us-" or, to ignore case, "prefix": {"equals-ignore-case": "EventB"}.
		return checkStringOrIgnoreCase(p, name, v)
	case EqualsIgnoreCase:
		return wantString(p, name, v)
	case Wildcard:
		if err := wantString(p, name, v); err != nil {
			return err
		}
		return g.wildcard(p, v.(string))
	case Exists:
		// "exists match pattern must be either true or false."
		if _, ok := v.(bool); !ok {
			return &Error{Path: p, Msg: "exists must be true or false, got " + Kind(v)}
		}
		return nil
	case CIDR:
		s, ok := v.(string)
		if !ok {
			return &Error{Path: p, Msg: "cidr must be a string such as \"10.0.0.0/24\", got " + Kind(v)}
		}
		if why := CIDRProblem(s); why != "" {
			return &Error{Path: p, Msg: fmt.Sprintf("cidr %q is not an IPv4 or IPv6 CIDR block %s accepts: %s", s, g.Service, why)}
		}
		return nil
	case Numeric:
		return checkNumeric(p, v)
	case AnythingBut:
		return g.anythingBut(p, v)
	}
	return &Error{Path: path, Msg: fmt.Sprintf("unknown matcher %q; known matchers: %s", name, strings.Join(Known, ", "))}
}

// wildcard checks a wildcard value's syntax (see WildcardProblem).
func (g Grammar) wildcard(path, s string) error {
	if why := WildcardProblem(s); why != "" {
		return &Error{Path: path, Msg: fmt.Sprintf("wildcard %q %s", s, why)}
	}
	return nil
}

// WildcardProblem says why Event Ruler's WildcardParser refuses a wildcard
// value, or "". Event Ruler's README ("Wildcard matching"): "consecutive
// wildcard characters are not allowed. To match the asterisk character
// specifically, a wildcard character can be escaped with a backslash. Two
// consecutive backslashes (i.e. a backslash escaped with a backslash)
// represents the actual backslash character. A backslash escaping any
// character other than asterisk or backslash is not allowed." A backslash at
// the end escapes nothing and is refused too. Positions count bytes from 1,
// as AWS reports them: Event Ruler parses the value behind its opening
// quote, so "a:**" answers "Consecutive wildcard characters at pos 3".
func WildcardProblem(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return fmt.Sprintf("has consecutive wildcard characters at position %d (\"Consecutive wildcard characters at pos %d\"): a single * already matches any run of characters", i+1, i+1)
			}
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				i++
				continue
			}
			return fmt.Sprintf("has an invalid escape at position %d (\"Invalid escape character at pos %d\"): a backslash may only escape * (\\*) or another backslash (\\\\)", i+1, i+1)
		}
	}
	return ""
}

// WildcardCount counts the unescaped * of a wildcard value that
// WildcardProblem accepts.
func WildcardCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*':
			n++
		}
	}
	return n
}

// checkStringOrIgnoreCase checks the value of prefix or suffix: a string
// (the empty one included) or {"equals-ignore-case": string}.
func checkStringOrIgnoreCase(path, name string, v any) error {
	switch x := v.(type) {
	case string:
		return nil
	case map[string]any:
		if s, ok := x[EqualsIgnoreCase]; ok && len(x) == 1 {
			return wantString(Join(path, EqualsIgnoreCase), EqualsIgnoreCase, s)
		}
		return &Error{Path: path, Msg: fmt.Sprintf("%s object must be {%q: string}, got keys%s", name, EqualsIgnoreCase, listKeys(SortedKeys(x)))}
	}
	return &Error{Path: path, Msg: fmt.Sprintf("%s must be a string or {%q: string}, got %s", name, EqualsIgnoreCase, Kind(v))}
}

// checkNumeric checks "numeric" as Event Ruler reads it: an operator and a
// number, ["=", n], ["<", n], ["<=", n], [">", n], [">=", n], or a range
// [">" or ">=", n, "<" or "<=", m] whose bottom is below its top ("Bottom
// must be less than top"). E.g. [">", 0, "<=", 5], ["<", 10], ["=", 3.018e2].
func checkNumeric(path string, v any) error {
	arr, ok := v.([]any)
	if !ok {
		// "Value of numeric must be an array."
		return &Error{Path: path, Msg: "numeric must be an array such as [\">\", 0, \"<=\", 5], got " + Kind(v)}
	}
	if len(arr) != 2 && len(arr) != 4 {
		return &Error{Path: path, Msg: fmt.Sprintf("numeric must have 2 or 4 elements, got %d: [operator, number] or [\">\" or \">=\", number, \"<\" or \"<=\", number]", len(arr))}
	}
	ops := make([]string, 0, 2)
	nums := make([]float64, 0, 2)
	for i := 0; i < len(arr); i += 2 {
		op, ok := arr[i].(string)
		if !ok || !isNumericOp(op) {
			return &Error{Path: Index(path, i), Msg: fmt.Sprintf("numeric operator must be one of \"=\", \"<\", \"<=\", \">\", \">=\", got %s", describe(arr[i]))}
		}
		n, ok := arr[i+1].(json.Number)
		if !ok {
			// "Value of > must be numeric".
			return &Error{Path: Index(path, i+1), Msg: fmt.Sprintf("numeric operand of %q must be a number, got %s", op, Kind(arr[i+1]))}
		}
		f, err := parseNumber(Index(path, i+1), n)
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
			return &Error{Path: Index(path, 2*i), Msg: "numeric \"=\" must be used alone: [\"=\", number]"}
		}
	}
	if ops[0] != ">" && ops[0] != ">=" {
		// "Too many elements in numeric expression".
		return &Error{Path: Index(path, 0), Msg: fmt.Sprintf("numeric range must start with a lower bound (\">\" or \">=\"), got %q", ops[0])}
	}
	if ops[1] != "<" && ops[1] != "<=" {
		// "Bad numeric range operator: >".
		return &Error{Path: Index(path, 2), Msg: fmt.Sprintf("numeric range must end with an upper bound (\"<\" or \"<=\"), got %q", ops[1])}
	}
	if !(nums[0] < nums[1]) {
		return &Error{Path: path, Msg: fmt.Sprintf("numeric range lower bound %v must be below upper bound %v (\"Bottom must be less than top\")", arr[1], arr[3])}
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

// anythingBut checks "anything-but": a string, a number, a non-empty list
// holding only strings or only numbers ("Inside anything but list, either
// all values are number or string, mixed type is not supported"), or an
// object with one of the grammar's forms (EventBridge: prefix, suffix,
// equals-ignore-case, wildcard) holding a string or a list of strings.
// Event Ruler takes lists for all four; it refuses an empty prefix or
// suffix, alone or in a list ("Null prefix/suffix not allowed").
func (g Grammar) anythingBut(path string, v any) error {
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
			p := Index(path, i)
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
				return &Error{Path: p, Msg: "anything-but list element must be a string or a number, got " + Kind(el)}
			}
			if first == "" {
				first = k
			} else if k != first {
				return &Error{Path: p, Msg: fmt.Sprintf("anything-but list must hold only strings or only numbers, got a %s after a %s", k, first)}
			}
		}
		return nil
	case map[string]any:
		forms := strings.Join(g.AnythingBut, ", ")
		if len(x) != 1 {
			keys := SortedKeys(x)
			return &Error{Path: path, Msg: fmt.Sprintf("anything-but object must have exactly one of %s; got %d keys%s", forms, len(keys), listKeys(keys))}
		}
		name, inner := OnlyEntry(x)
		p := Join(path, name)
		if !contains(g.AnythingBut, name) {
			return &Error{Path: path, Msg: fmt.Sprintf("unknown anything-but matcher %q; %s takes anything-but with %s (\"Unsupported anything-but pattern: %s\")", name, g.Service, forms, name)}
		}
		what := "anything-but " + name
		values, err := stringOrStrings(p, what, inner)
		if err != nil {
			return err
		}
		for i, s := range values {
			at := p
			if _, list := inner.([]any); list {
				at = Index(p, i)
			}
			switch name {
			case Prefix, Suffix:
				if s == "" {
					return &Error{Path: at, Msg: fmt.Sprintf("%s must not be empty (%s: \"Null prefix/suffix not allowed\")", what, g.Service)}
				}
			case Wildcard:
				if err := g.wildcard(at, s); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return &Error{Path: path, Msg: "anything-but must be a string, a number, a list of strings or of numbers, or an object with " + strings.Join(g.AnythingBut, ", ") + "; got " + Kind(v)}
}

// stringOrStrings accepts a string or a non-empty array of strings, and
// returns them.
func stringOrStrings(path, what string, v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		if len(x) == 0 {
			return nil, &Error{Path: path, Msg: what + " list must not be empty"}
		}
		out := make([]string, len(x))
		for i, el := range x {
			s, ok := el.(string)
			if !ok {
				return nil, &Error{Path: Index(path, i), Msg: what + " list element must be a string, got " + Kind(el)}
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, &Error{Path: path, Msg: what + " must be a string or a list of strings, got " + Kind(v)}
}

func wantString(path, what string, v any) error {
	if _, ok := v.(string); !ok {
		return &Error{Path: path, Msg: what + " must be a string, got " + Kind(v)}
	}
	return nil
}

// checkNumber refuses a number that does not fit a float64 (e.g. 1e400),
// which Event Ruler cannot compare ("Cannot compare number").
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

// The address shapes Event Ruler's CIDR class takes as IP addresses: four
// dotted groups of digits, or hex digits and colons with at least one
// colon (so no IPv4-mapped form such as ::ffff:10.0.0.1).
var (
	ipv4Shape = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
	ipv6Shape = regexp.MustCompile(`^[0-9a-fA-F:]*:[0-9a-fA-F:]*$`)
)

// CIDRProblem says why Event Ruler's CIDR class refuses a cidr value, or "".
// It needs one '/' ("Malformed CIDR, one '/' required"), an integer prefix
// length ("mask bits must be an integer", "must not be negative"), an IPv4
// or IPv6 address ("Nonstandard IP address"), and a prefix length below the
// address's width: "IPv4 mask bits must be < 32", "IPv6 mask bits must be
// < 128". A single address is matched by giving it as an exact value, which
// Event Ruler compares as an IP address.
func CIDRProblem(s string) string {
	addr, mask, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(mask, "/") {
		return "it needs exactly one '/' between the address and the prefix length (\"Malformed CIDR, one '/' required\")"
	}
	bits, err := strconv.Atoi(mask)
	if err != nil {
		return "the prefix length must be an integer (\"Malformed CIDR, mask bits must be an integer\")"
	}
	if bits < 0 {
		return "the prefix length must not be negative"
	}
	ip := net.ParseIP(addr)
	if ip == nil || !(ipv4Shape.MatchString(addr) || ipv6Shape.MatchString(addr)) {
		return fmt.Sprintf("%q is not an IPv4 or IPv6 address (\"Nonstandard IP address: %s\")", addr, addr)
	}
	// An IPv4-mapped IPv6 address (::ffff:a00:1) is read as IPv4, as Java's
	// InetAddress, which Event Ruler uses, reads it.
	if ip.To4() != nil {
		if bits > 31 {
			return fmt.Sprintf("an IPv4 prefix length must be below 32, got %d (\"IPv4 mask bits must be < 32\"); to match one address, give it as an exact value: [%q]", bits, addr)
		}
	} else if bits > 127 {
		return fmt.Sprintf("an IPv6 prefix length must be below 128, got %d (\"IPv6 mask bits must be < 128\"); to match one address, give it as an exact value: [%q]", bits, addr)
	}
	return ""
}

// Kind names a decoded JSON value's type for messages.
func Kind(v any) string {
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
	return Kind(v)
}

// OnlyEntry returns the key and value of a one-entry object.
func OnlyEntry(m map[string]any) (string, any) {
	for k, v := range m {
		return k, v
	}
	return "", nil
}

// SortedKeys returns an object's keys in order.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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

// Join appends a field name to a path, quoting names that would be ambiguous.
func Join(path, key string) string {
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

// Index appends an array index to a path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
