package eventpattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Matching follows the AWS EventBridge User Guide: the pages "Amazon
// EventBridge event patterns", "Arrays in Amazon EventBridge event patterns",
// "Matching null values and empty strings in Amazon EventBridge event
// patterns" and "Content filtering in Amazon EventBridge event patterns".
// Where the guide is silent (how exists treats arrays, arrays of objects),
// it follows Event Ruler (github.com/aws/event-ruler), the matching library
// AWS published from EventBridge, in its array-consistent mode
// (rulesForJSONEvent). The rules, each tested in match_test.go:
//
//   - Every field of the pattern must match (AND); a field's array matches
//     when any of its values or matchers does (OR); "$or" matches when any of
//     its patterns does, against the same object. Event fields the pattern
//     does not name are ignored.
//   - A field the event lacks matches nothing but {"exists": false}.
//   - An array in the event matches when any of its elements does ("the
//     intersection of the event pattern array and the event array is
//     non-empty"); nested arrays count as flat.
//   - A nested pattern object against an array of objects in the event
//     matches when one element matches all of it: {"items": {"id": ["a"],
//     "qty": [2]}} needs one item with both.
//   - Exact values: strings character by character, case-sensitive; numbers
//     by their text ("300, 300.0, and 3.0e2 are not considered equal"); true,
//     false and null; null and "" are different values.
//   - prefix, suffix, equals-ignore-case, wildcard and cidr match strings only.
//   - numeric matches JSON numbers only, "between -5.0e9 and +5.0e9
//     inclusive, with 15 digits of precision, or six digits to the right of
//     the decimal point": an event number outside that range matches no
//     numeric condition, and numbers are compared rounded to six decimals.
//   - anything-but needs a value and matches one it does not exclude:
//     numbers are excluded by equal value, strings by text (or by any of a
//     list of prefixes, suffixes, case-insensitive texts or wildcards); a
//     value of another type is not excluded (LocalStack's recording of AWS:
//     anything-but a wildcard matches null and 123).
//   - exists is about leaf values: a field exists when it holds a string, a
//     number, a boolean, null, or an array holding one. An object is not a
//     leaf ("exists matching only works on leaf nodes").

// Pattern is an event pattern that Check accepted, ready to match events.
type Pattern struct {
	root map[string]any
}

// Parse checks a pattern (see Check; the error is an *Error) and returns it
// ready to match events.
func Parse(pattern []byte) (*Pattern, error) {
	if err := Check(pattern); err != nil {
		return nil, err
	}
	obj, err := decodeObject(pattern, "pattern")
	if err != nil {
		return nil, err
	}
	return &Pattern{root: obj}, nil
}

// Event is an event to match: a JSON object, its numbers kept as written.
type Event struct {
	root map[string]any
}

// ParseEvent decodes an event. It must be a JSON object; nothing else about
// it is required (an EventBridge event has version, id, detail-type, source,
// account, time, region, resources and detail).
func ParseEvent(event []byte) (*Event, error) {
	obj, err := decodeObject(event, "event")
	if err != nil {
		return nil, err
	}
	return &Event{root: obj}, nil
}

// Match reports whether event matches pattern, as EventBridge decides.
func Match(pattern, event []byte) (Result, error) {
	p, err := Parse(pattern)
	if err != nil {
		return Result{}, fmt.Errorf("pattern: %w", err)
	}
	e, err := ParseEvent(event)
	if err != nil {
		return Result{}, fmt.Errorf("event: %w", err)
	}
	return p.Match(e), nil
}

// Result says whether an event matches a pattern, and if not, why.
type Result struct {
	Matched bool
	// Mismatches are the pattern's fields that the event fails, one each, in
	// the order of the pattern's fields (sorted by name); empty when Matched.
	Mismatches []Mismatch
}

// Reason is the first mismatch as a sentence, or "" for a match.
func (r Result) Reason() string {
	if len(r.Mismatches) == 0 {
		return ""
	}
	return r.Mismatches[0].String()
}

// Mismatch is one field of the pattern that the event fails.
type Mismatch struct {
	// Path is the field's path (see the package comment), with [] for "an
	// element of this array": detail.items[].quantity. For a "$or" none of
	// whose patterns matched, the path of the "$or": detail.$or.
	Path string
	// Absent: the event has no such field.
	Absent bool
	// Value is the event's value there, as JSON (shortened when long).
	Value string
	// Want says what the pattern wants there, for people: "Order Created"
	// or "Order Completed", a number > 0 and <= 5.
	Want string
	// Alternatives are, for a "$or", why each of its patterns failed.
	Alternatives [][]Mismatch
}

// String says what failed in a sentence:
//
//	detail-type is "Inventory Updated"; the pattern wants "Order Created" or "Order Completed"
func (m Mismatch) String() string {
	if len(m.Alternatives) > 0 {
		parts := make([]string, len(m.Alternatives))
		for i, alt := range m.Alternatives {
			parts[i] = fmt.Sprintf("(%d) %s", i+1, alt[0])
			if len(alt) > 1 {
				parts[i] += fmt.Sprintf(" (and %d more)", len(alt)-1)
			}
		}
		return fmt.Sprintf("no alternative of %s matches: %s", m.Path, strings.Join(parts, "; "))
	}
	have := "is absent"
	if !m.Absent {
		have = "is " + m.Value
	}
	return fmt.Sprintf("%s %s; the pattern wants %s", m.Path, have, m.Want)
}

// Match matches an event against the pattern.
func (p *Pattern) Match(e *Event) Result {
	ms := matchObject("", p.root, e.root)
	return Result{Matched: len(ms) == 0, Mismatches: ms}
}

// matchObject matches a pattern object (the root, a nested object or a
// "$or" branch) against an event object; ev is nil where the event has no
// object. It returns the failing fields.
func matchObject(path string, pat, ev map[string]any) []Mismatch {
	var out []Mismatch
	for _, k := range sortedKeys(pat) {
		p := join(path, k)
		if k == orKey {
			if m, ok := matchOr(path, p, pat[k].([]any), ev); !ok {
				out = append(out, m)
			}
			continue
		}
		v, present := ev[k]
		switch x := pat[k].(type) {
		case map[string]any:
			out = append(out, matchNested(p, x, v)...)
		case []any:
			if m, ok := matchField(p, x, v, present); !ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// matchOr matches when any branch matches the object the "$or" is in.
func matchOr(path, orPath string, branches []any, ev map[string]any) (Mismatch, bool) {
	m := Mismatch{Path: orPath}
	for _, b := range branches {
		ms := matchObject(path, b.(map[string]any), ev)
		if len(ms) == 0 {
			return Mismatch{}, true
		}
		m.Alternatives = append(m.Alternatives, ms)
	}
	return m, false
}

// matchNested matches a nested pattern object against the event's value v.
func matchNested(path string, sub map[string]any, v any) []Mismatch {
	switch x := v.(type) {
	case map[string]any:
		return matchObject(path, sub, x)
	case []any:
		objs := objectsIn(x, nil)
		if len(objs) == 0 {
			return matchObject(path, sub, nil)
		}
		// One element must match the whole object (array consistency);
		// when none does, the element that came closest says why.
		var best []Mismatch
		for _, o := range objs {
			ms := matchObject(path+"[]", sub, o)
			if len(ms) == 0 {
				return nil
			}
			if best == nil || len(ms) < len(best) {
				best = ms
			}
		}
		return best
	default:
		// Absent, or a leaf where the pattern has an object: the fields
		// below are absent.
		return matchObject(path, sub, nil)
	}
}

func objectsIn(arr []any, out []map[string]any) []map[string]any {
	for _, el := range arr {
		switch x := el.(type) {
		case map[string]any:
			out = append(out, x)
		case []any:
			out = objectsIn(x, out)
		}
	}
	return out
}

// matchField matches a field's array of values and matchers.
func matchField(path string, arr []any, v any, present bool) (Mismatch, bool) {
	values := leafValues(v, present)
	for _, el := range arr {
		if matchElement(el, values) {
			return Mismatch{}, true
		}
	}
	m := Mismatch{Path: path, Absent: !present, Want: wantAll(arr)}
	if present {
		m.Value = show(v)
	}
	return m, false
}

// leafValues are the values a field holds: itself when it is a string,
// number, boolean or null; the leaf elements of an array, nested arrays
// flattened; none for an object or an absent field.
func leafValues(v any, present bool) []any {
	if !present {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		return nil
	case []any:
		return flattenLeaves(x, []any{})
	}
	return []any{v}
}

func flattenLeaves(arr []any, out []any) []any {
	for _, el := range arr {
		switch x := el.(type) {
		case map[string]any:
		case []any:
			out = flattenLeaves(x, out)
		default:
			out = append(out, el)
		}
	}
	return out
}

// matchElement matches one element of a field's array against the field's
// values: an exact value, or a matcher object.
func matchElement(el any, values []any) bool {
	m, ok := el.(map[string]any)
	if !ok {
		for _, v := range values {
			if equalExact(el, v) {
				return true
			}
		}
		return false
	}
	name, arg := onlyEntry(m)
	if name == mExists {
		return (len(values) > 0) == arg.(bool)
	}
	for _, v := range values {
		if matchMatcher(name, arg, v) {
			return true
		}
	}
	return false
}

// equalExact compares an exact value of the pattern with an event value:
// same JSON type and same text (numbers as written).
func equalExact(want, v any) bool {
	switch x := want.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == x
	case json.Number:
		n, ok := v.(json.Number)
		return ok && n == x
	case bool:
		b, ok := v.(bool)
		return ok && b == x
	case nil:
		return v == nil
	}
	return false
}

func matchMatcher(name string, arg, v any) bool {
	switch name {
	case mPrefix:
		return matchAffix(arg, v, strings.HasPrefix, hasPrefixFold)
	case mSuffix:
		return matchAffix(arg, v, strings.HasSuffix, hasSuffixFold)
	case mEqualsIgnoreCase:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, arg.(string))
	case mWildcard:
		s, ok := v.(string)
		return ok && wildcardMatch(arg.(string), s)
	case mCIDR:
		return inCIDR(arg.(string), v)
	case mNumeric:
		return numericMatch(arg.([]any), v)
	case mAnythingBut:
		return !excluded(arg, v)
	}
	return false
}

// matchAffix matches prefix or suffix: a string, or {"equals-ignore-case": s}.
func matchAffix(arg, v any, exact, fold func(s, affix string) bool) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if affix, ok := arg.(string); ok {
		return exact(s, affix)
	}
	return fold(s, arg.(map[string]any)[mEqualsIgnoreCase].(string))
}

func hasPrefixFold(s, prefix string) bool {
	for _, want := range prefix {
		r, size := utf8.DecodeRuneInString(s)
		if size == 0 || !strings.EqualFold(string(r), string(want)) {
			return false
		}
		s = s[size:]
	}
	return true
}

func hasSuffixFold(s, suffix string) bool {
	for suffix != "" {
		want, wsize := utf8.DecodeLastRuneInString(suffix)
		r, size := utf8.DecodeLastRuneInString(s)
		if size == 0 || !strings.EqualFold(string(r), string(want)) {
			return false
		}
		s, suffix = s[:len(s)-size], suffix[:len(suffix)-wsize]
	}
	return true
}

// wildcardMatch matches s against a wildcard pattern that Check accepted: *
// matches any run of characters, none included; \* is a literal * and \\ a
// literal \ (Check refuses ** and any other escape, as Event Ruler does).
func wildcardMatch(pattern, s string) bool {
	parts := splitWildcard(pattern)
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// splitWildcard splits a wildcard pattern at its unescaped *s into literals.
func splitWildcard(pattern string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern) && (pattern[i+1] == '*' || pattern[i+1] == '\\'):
			cur.WriteByte(pattern[i+1])
			i++
		case c == '*':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

// inCIDR reports whether v is a string holding an IPv4 or IPv6 address in
// the block.
func inCIDR(cidr string, v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	ip := net.ParseIP(s)
	_, block, err := net.ParseCIDR(cidr)
	return ip != nil && err == nil && block.Contains(ip)
}

// Numeric matching's documented limits ("Comparison operators for use in
// event patterns", Numeric matching).
const (
	numericLimit     = 5e9
	numericPrecision = 1e6 // six digits to the right of the decimal point
)

// numericValue is a number as numeric matching compares it: rounded to six
// decimals. ok is false for text that is not a number within the limits.
func numericValue(text string) (float64, bool) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f < -numericLimit || f > numericLimit {
		return 0, false
	}
	// Within ±5e9 the scaled value is below 2^53: exact as a float64.
	return math.Round(f * numericPrecision), true
}

// numericMatch reports whether v is a JSON number meeting every condition
// of [op, n] or [op, n, op, m].
func numericMatch(conds []any, v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	x, ok := numericValue(string(n))
	if !ok {
		return false
	}
	for i := 0; i+1 < len(conds); i += 2 {
		// A bound may lie beyond the limits (Check allows it): compare it
		// rounded the same way.
		f, _ := strconv.ParseFloat(string(conds[i+1].(json.Number)), 64)
		b := math.Round(f * numericPrecision)
		var holds bool
		switch conds[i].(string) {
		case "=":
			holds = x == b
		case "<":
			holds = x < b
		case "<=":
			holds = x <= b
		case ">":
			holds = x > b
		case ">=":
			holds = x >= b
		}
		if !holds {
			return false
		}
	}
	return true
}

// excluded reports whether anything-but's argument excludes the value v.
func excluded(arg, v any) bool {
	switch x := arg.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == x
	case json.Number:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		a, okA := numericValue(string(x))
		b, okB := numericValue(string(n))
		if okA && okB {
			return a == b
		}
		return x == n
	case []any:
		for _, el := range x {
			if excluded(el, v) {
				return true
			}
		}
		return false
	case map[string]any:
		s, ok := v.(string)
		if !ok {
			return false
		}
		name, inner := onlyEntry(x)
		for _, w := range stringsOf(inner) {
			var hit bool
			switch name {
			case mPrefix:
				hit = strings.HasPrefix(s, w)
			case mSuffix:
				hit = strings.HasSuffix(s, w)
			case mEqualsIgnoreCase:
				hit = strings.EqualFold(s, w)
			case mWildcard:
				hit = wildcardMatch(w, s)
			}
			if hit {
				return true
			}
		}
	}
	return false
}

// stringsOf returns a string, or the strings of a list.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, el := range x {
			if s, ok := el.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// wantAll says what a field's array wants: its elements joined by "or".
func wantAll(arr []any) string {
	parts := make([]string, len(arr))
	for i, el := range arr {
		parts[i] = want(el)
	}
	return strings.Join(parts, " or ")
}

// want says what one element of a field's array wants.
func want(el any) string {
	m, ok := el.(map[string]any)
	if !ok {
		return show(el)
	}
	name, arg := onlyEntry(m)
	switch name {
	case mPrefix:
		return affixWant("a string starting with", arg)
	case mSuffix:
		return affixWant("a string ending with", arg)
	case mEqualsIgnoreCase:
		return show(arg) + " in any case"
	case mWildcard:
		return "a string matching the wildcard " + show(arg)
	case mCIDR:
		return "an IP address in " + arg.(string)
	case mNumeric:
		conds := arg.([]any)
		parts := make([]string, 0, 2)
		for i := 0; i+1 < len(conds); i += 2 {
			parts = append(parts, fmt.Sprintf("%s %s", conds[i], conds[i+1]))
		}
		return "a number " + strings.Join(parts, " and ")
	case mExists:
		if arg.(bool) {
			return "the field present"
		}
		return "the field absent"
	case mAnythingBut:
		return anythingButWant(arg)
	}
	return show(el)
}

func affixWant(lead string, arg any) string {
	if s, ok := arg.(string); ok {
		return lead + " " + show(s)
	}
	return lead + " " + show(arg.(map[string]any)[mEqualsIgnoreCase]) + " in any case"
}

func anythingButWant(arg any) string {
	list := func(v any) string {
		if arr, ok := v.([]any); ok && len(arr) > 1 {
			parts := make([]string, len(arr))
			for i, el := range arr {
				parts[i] = show(el)
			}
			return "one of " + strings.Join(parts, ", ")
		}
		if arr, ok := v.([]any); ok {
			return show(arr[0])
		}
		return show(v)
	}
	m, ok := arg.(map[string]any)
	if !ok {
		return "anything but " + list(arg)
	}
	name, inner := onlyEntry(m)
	switch name {
	case mPrefix:
		return "a value not starting with " + list(inner)
	case mSuffix:
		return "a value not ending with " + list(inner)
	case mEqualsIgnoreCase:
		return "anything but " + list(inner) + " in any case"
	case mWildcard:
		return "a value not matching the wildcard " + list(inner)
	}
	return "anything but " + show(arg)
}

// maxShown bounds a value shown in a message.
const maxShown = 100

// show renders a decoded JSON value as compact JSON, shortened when long.
func show(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSuffix(b.String(), "\n")
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
