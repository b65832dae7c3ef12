// Package eventpattern checks an Amazon EventBridge event pattern before any
// AWS call, so that a pattern EventBridge would refuse is refused with a
// message naming the place in the pattern that is wrong, and matches events
// against a pattern as EventBridge does, saying which field failed and why.
//
// Check applies Event Ruler's rule grammar, the one EventBridge compiles
// patterns with and shares with SNS filter policies (internal/matchers), in
// EventBridge's form, and EventBridge's size limit. Match (match.go) decides
// whether an event matches a pattern that Check accepts. The rules follow the
// AWS EventBridge User Guide pages "Creating event patterns", "Comparison
// operators for use in event patterns" (content filtering) and "Amazon
// EventBridge quotas", and Event Ruler's README and rule compiler where the
// guide is silent. No Go library implementing EventBridge pattern semantics
// is available, hence this small package.
//
// Paths are JSON-path-like: fields joined with dots, [i] for array elements,
// "" for the root, e.g. "detail.price[0].numeric" or "detail.$or[1].state".
// A field name that is empty or holds one of . [ ] " ' or a space or a
// non-printable character is written quoted in brackets: detail["a.b"].
package eventpattern

import (
	"fmt"

	"github.com/eventstack-io/eventstack-operator/internal/matchers"
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

// MaxWildcardRulesPerBus is the EventBridge quota "Rules containing
// wildcards: 30 rules per event bus", "the maximum number of rules per event
// bus per account that can contain event filters with wildcards. This quota
// can't be adjusted." (Amazon EventBridge quotas, the quotas not managed in
// the Service Quotas console).
const MaxWildcardRulesPerBus = 30

// Error is a problem at one place in the pattern.
type Error = matchers.Error

// Matcher names, as the grammar spells them.
const (
	mAnythingBut      = matchers.AnythingBut
	mCIDR             = matchers.CIDR
	mEqualsIgnoreCase = matchers.EqualsIgnoreCase
	mExists           = matchers.Exists
	mNumeric          = matchers.Numeric
	mPrefix           = matchers.Prefix
	mSuffix           = matchers.Suffix
	mWildcard         = matchers.Wildcard
	orKey             = matchers.Or
)

// grammar is the shared grammar as EventBridge takes it: nested fields,
// anything-but with prefix, suffix, equals-ignore-case or wildcard ("Comparison
// operators": Anything-but (begins with), (ends with), (ignore case), using
// a wildcard), no empty pattern.
var grammar = matchers.Grammar{
	Service:     "EventBridge",
	What:        "pattern",
	Nested:      true,
	NotArray:    "must be an array of values or matchers (or an object of nested fields), got %[2]s",
	AnythingBut: []string{matchers.Prefix, matchers.Suffix, matchers.EqualsIgnoreCase, matchers.Wildcard},
	MaxDepth:    MaxDepth,
}

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
	return grammar.Check(obj)
}

// decodeObject decodes one JSON object, numbers kept as written
// (json.Number), for a pattern or an event (what names it in messages).
func decodeObject(text []byte, what string) (map[string]any, *Error) {
	return matchers.Decode(text, what)
}

// UsesWildcard reports whether a pattern that Check accepts holds a
// wildcard matcher, alone or inside anything-but: such a rule counts toward
// MaxWildcardRulesPerBus. A pattern Check refuses reports false.
func UsesWildcard(pattern []byte) bool {
	if Check(pattern) != nil {
		return false
	}
	obj, _ := decodeObject(pattern, "pattern")
	return objectUsesWildcard(obj)
}

func objectUsesWildcard(obj map[string]any) bool {
	for k, v := range obj {
		switch x := v.(type) {
		case map[string]any:
			if objectUsesWildcard(x) {
				return true
			}
		case []any:
			for _, el := range x {
				m, ok := el.(map[string]any)
				if !ok {
					continue
				}
				if k == orKey {
					if objectUsesWildcard(m) {
						return true
					}
					continue
				}
				name, arg := onlyEntry(m)
				if name == mWildcard {
					return true
				}
				if inner, ok := arg.(map[string]any); ok && name == mAnythingBut {
					if _, ok := inner[mWildcard]; ok {
						return true
					}
				}
			}
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string     { return matchers.SortedKeys(m) }
func onlyEntry(m map[string]any) (string, any) { return matchers.OnlyEntry(m) }
func join(path, key string) string             { return matchers.Join(path, key) }
