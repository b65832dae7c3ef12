// Package filterpolicy checks an Amazon SNS subscription filter policy as
// SNS's Subscribe and SetSubscriptionAttributes do, before any AWS call, so
// that a policy SNS would refuse (and ACK's sns controller would retry for
// ever) is refused with a message naming the place in the policy.
//
// The matchers are the grammar SNS shares with EventBridge (both compile with
// Event Ruler; internal/matchers), in SNS's form: nested objects only with
// the MessageBody scope, anything-but with prefix, suffix or wildcard (the
// forms "String value matching" documents), and {} allowed as the whole
// policy (it removes filtering). On top come SNS's own limits, from the SNS
// Developer Guide pages "Filter policy constraints in Amazon SNS" and "AND/OR
// logic": 256 KB, five keys, 150 combinations, and the wildcard complexity
// budget. LocalStack's tests recorded what SNS answers
// (tests/aws/services/sns/test_sns_filter_policy.snapshot.json), which
// confirms the combinations' arithmetic with "$or" and nesting.
package filterpolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/eventstack-io/eventstack-operator/internal/matchers"
)

// Scope is the FilterPolicyScope of a subscription: what the policy filters.
type Scope string

const (
	// MessageAttributes filters on message attributes; SNS's default.
	MessageAttributes Scope = "MessageAttributes"
	// MessageBody filters on the properties of a JSON message body.
	MessageBody Scope = "MessageBody"
)

// SNS's limits ("Filter policy constraints in Amazon SNS").
const (
	// MaxBytes: "The maximum size of a filter policy is 256 KB."
	MaxBytes = 256 * 1024
	// MaxKeys: "A filter policy can have a maximum of five keys"; "For a
	// nested policy, only leaf keys are counted towards the five key limit."
	MaxKeys = 5
	// MaxCombinations: "The total combination of values in a filter policy
	// must not exceed 150" (see combinations).
	MaxCombinations = 150
	// MaxWildcardComplexity: "Total wildcard complexity across all fields
	// must not exceed 100 points" (Wildcard pattern usage guidelines).
	MaxWildcardComplexity = 100
	// MaxWildcardsPerPattern: "Maximum 3 wildcards per pattern".
	MaxWildcardsPerPattern = 3
)

// Error is a problem at one place in the policy.
type Error = matchers.Error

// grammar returns the shared grammar as SNS takes it for a scope.
func grammar(scope Scope) matchers.Grammar {
	return matchers.Grammar{
		Service: "SNS",
		What:    "filter policy",
		// "Amazon SNS doesn't accept a nested filter policy for
		// attribute-based filtering."
		Nested: scope == MessageBody,
		NestedRefusal: "key %q holds a nested object: SNS accepts nested filter policies only with the MessageBody scope " +
			"(\"Filter policy scope MessageAttributes does not support nested filter policy\"), and this subscription filters message attributes; " +
			"set filterPolicyScope: MessageBody to filter on the message body, or give the key an array of values",
		NotArray:  "key %[1]q must map to an array of values or matchers, got %[2]s (SNS: \"%[1]s\" must be an object or an array)",
		EmptyRoot: true,
		// "String value matching": anything-but with a list, "Using a prefix
		// with anything-but", "anything-but wildcard", "anything-but suffix".
		AnythingBut: []string{matchers.Prefix, matchers.Suffix, matchers.Wildcard},
	}
}

// Check checks a filter policy given as JSON for a scope ("" is
// MessageAttributes). It returns nil or an *Error.
func Check(policy []byte, scope Scope) error {
	if scope == "" {
		scope = MessageAttributes
	}
	// SNS measures the policy it is sent; the operator sends it compacted.
	size := len(policy)
	var compact bytes.Buffer
	if json.Compact(&compact, policy) == nil {
		size = compact.Len()
	}
	if size > MaxBytes {
		return &Error{Msg: fmt.Sprintf("the filter policy is %d bytes; SNS accepts at most %d (256 KB)", size, MaxBytes)}
	}
	root, derr := matchers.Decode(policy, "the filter policy")
	if derr != nil {
		return derr
	}
	if err := grammar(scope).Check(root); err != nil {
		return err
	}
	if len(root) == 0 {
		return nil // {} removes filtering
	}
	if n := leafKeys(root); n > MaxKeys {
		return &Error{Msg: fmt.Sprintf("the filter policy has %d keys; SNS accepts at most %d (\"Filter policy can not have more than 5 keys\"); %s", n, MaxKeys, keysCounted(root))}
	}
	if err := checkCombinations(root); err != nil {
		return err
	}
	return checkWildcards(root)
}

// keysCounted says how the keys were counted, for the message.
func keysCounted(root map[string]any) string {
	s := "each key mapping to an array counts"
	if hasNesting(root) {
		s += ", nested keys by their leaves (\"only leaf keys are counted\")"
	}
	if hasOr(root) {
		s += ", and of a $or the alternative with the most keys"
	}
	return s
}

// leafKeys counts the keys SNS counts toward MaxKeys: the keys mapping to an
// array, nested ones included, and of a "$or" the alternative with the most.
// SNS documents no count for "$or"; the alternative with the most keys is
// the least it can count, so a policy is never refused on a guess.
func leafKeys(obj map[string]any) int {
	n := 0
	for k, v := range obj {
		switch x := v.(type) {
		case map[string]any:
			n += leafKeys(x)
		case []any:
			if k != matchers.Or {
				n++
				continue
			}
			most := 0
			for _, b := range x {
				most = max(most, leafKeys(b.(map[string]any)))
			}
			n += most
		}
	}
	return n
}

// checkCombinations computes the policy's combinations as SNS documents
// them: the product, over the keys, of the number of values of each key
// times its nesting level (1 at the root: "the product of the number of
// match operators and the nested level for each key"), where a "$or" adds up
// its alternatives ("the sum of the combination complexities for each OR
// statement"). AND/OR logic's example gives (1 * 2) + (1 * 1 * 2) + (1 * 1 *
// 3) = 7; the recording of SNS refuses 152 and 160 and accepts exactly 150.
func checkCombinations(root map[string]any) error {
	n, err := combinations("", root, 1)
	if err != nil {
		return err
	}
	if n <= MaxCombinations {
		return nil
	}
	how := "the product of the number of values of each key"
	if hasNesting(root) {
		how += ", each times its nesting level"
	}
	if hasOr(root) {
		how += ", the alternatives of a $or added up"
	}
	return &Error{Msg: fmt.Sprintf("the filter policy's values make more than %d combinations (%s); SNS refuses it as too complex (\"Filter policy is too complex\")", MaxCombinations, how)}
}

// combinations returns the combinations of an object at a nesting level,
// capped at MaxCombinations+1 so that it cannot overflow. A key nested more
// than MaxCombinations levels deep is refused by itself: its nesting level
// alone makes more than MaxCombinations.
func combinations(path string, obj map[string]any, level int) (int, error) {
	total := 1
	for _, k := range matchers.SortedKeys(obj) {
		p := matchers.Join(path, k)
		var n int
		switch x := obj[k].(type) {
		case map[string]any:
			var err error
			if n, err = combinations(p, x, level+1); err != nil {
				return 0, err
			}
		case []any:
			if k != matchers.Or {
				if level > MaxCombinations {
					return 0, &Error{Path: p, Msg: fmt.Sprintf("the key is nested %d levels deep: SNS counts each of its values %d times in the combinations, more than the %d it accepts (\"Filter policy is too complex\")", level, level, MaxCombinations)}
				}
				n = capped(len(x) * level)
				break
			}
			for i, b := range x {
				c, err := combinations(matchers.Index(p, i), b.(map[string]any), level)
				if err != nil {
					return 0, err
				}
				n = capped(n + c)
			}
		}
		total = capped(total * n)
	}
	return total, nil
}

func capped(n int) int { return min(n, MaxCombinations+1) }

// checkWildcards applies the wildcard pattern usage guidelines to a policy
// that holds a wildcard: "Maximum 3 wildcards per pattern", and "Total
// wildcard complexity across all fields must not exceed 100 points", where
// "Field complexity = (Sum of pattern points) × (Number of patterns)" and a
// pattern scores "Single wildcard: 1 point", "Multiple wildcards: 3 points
// each", "Anything-but: 1 point". Only the patterns that score count as
// patterns, and an anything-but scores 1 whatever it holds: the least the
// guidelines can mean, so that a policy is never refused on a guess.
func checkWildcards(root map[string]any) error {
	fields := map[string][]any{}
	collectFields("", root, fields)
	holdsWildcard := false
	for _, values := range fields {
		for _, v := range values {
			holdsWildcard = holdsWildcard || len(wildcardsOf(v)) > 0
		}
	}
	if !holdsWildcard {
		return nil
	}
	paths := make([]string, 0, len(fields))
	for p := range fields {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	total, heaviest, heaviestScore := 0, "", 0
	for _, p := range paths {
		points, patterns := 0, 0
		for i, v := range fields[p] {
			for _, w := range wildcardsOf(v) {
				if n := matchers.WildcardCount(w); n > MaxWildcardsPerPattern {
					return &Error{Path: matchers.Index(p, i), Msg: fmt.Sprintf("wildcard %q has %d wildcard characters; SNS accepts at most %d per pattern (wildcard pattern usage guidelines)", w, n, MaxWildcardsPerPattern)}
				}
			}
			if score := patternPoints(v); score > 0 {
				points += score
				patterns++
			}
		}
		score := points * patterns
		total += score
		if score > heaviestScore {
			heaviest, heaviestScore = p, score
		}
	}
	if total > MaxWildcardComplexity {
		return &Error{Msg: fmt.Sprintf("the filter policy's wildcard complexity is %d points; SNS accepts at most %d (each field scores the sum of its patterns' points times their number: a single wildcard 1 point, several wildcards 3 points each, an anything-but 1 point; %s scores %d); use fewer wildcards or spread them over subscriptions",
			total, MaxWildcardComplexity, heaviest, heaviestScore)}
	}
	return nil
}

// collectFields gathers every field's array by its path, "$or" alternatives
// included.
func collectFields(path string, obj map[string]any, out map[string][]any) {
	for k, v := range obj {
		p := matchers.Join(path, k)
		switch x := v.(type) {
		case map[string]any:
			collectFields(p, x, out)
		case []any:
			if k != matchers.Or {
				out[p] = x
				continue
			}
			for i, b := range x {
				collectFields(matchers.Index(p, i), b.(map[string]any), out)
			}
		}
	}
}

// wildcardsOf returns the wildcard values of a field's array element: a
// wildcard matcher's, or an anything-but wildcard's.
func wildcardsOf(v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	name, arg := matchers.OnlyEntry(m)
	switch name {
	case matchers.Wildcard:
		return []string{arg.(string)}
	case matchers.AnythingBut:
		inner, ok := arg.(map[string]any)
		if !ok {
			return nil
		}
		w, ok := inner[matchers.Wildcard]
		if !ok {
			return nil
		}
		if s, ok := w.(string); ok {
			return []string{s}
		}
		var out []string
		for _, el := range w.([]any) {
			out = append(out, el.(string))
		}
		return out
	}
	return nil
}

// patternPoints scores one element of a field's array.
func patternPoints(v any) int {
	m, ok := v.(map[string]any)
	if !ok {
		return 0
	}
	name, arg := matchers.OnlyEntry(m)
	switch name {
	case matchers.AnythingBut:
		return 1
	case matchers.Wildcard:
		switch n := matchers.WildcardCount(arg.(string)); {
		case n == 1:
			return 1
		case n > 1:
			return 3 * n
		}
	}
	return 0
}

// hasNesting reports whether a policy nests objects, in a "$or" alternative
// or not.
func hasNesting(obj map[string]any) bool {
	for k, v := range obj {
		switch x := v.(type) {
		case map[string]any:
			return true
		case []any:
			if k != matchers.Or {
				continue
			}
			for _, b := range x {
				if hasNesting(b.(map[string]any)) {
					return true
				}
			}
		}
	}
	return false
}

func hasOr(obj map[string]any) bool {
	for k, v := range obj {
		if k == matchers.Or {
			return true
		}
		if x, ok := v.(map[string]any); ok && hasOr(x) {
			return true
		}
	}
	return false
}
