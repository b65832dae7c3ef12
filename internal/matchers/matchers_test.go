package matchers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/matchers"
)

// WildcardProblem follows Event Ruler's WildcardParser: no **, and a
// backslash escapes only * or a backslash. Positions count bytes from 1, as
// AWS reports them.
func TestWildcardProblem(t *testing.T) {
	for _, tc := range []struct {
		value, want string // want: "" for accepted, else words of the reason
	}{
		{"", ""},
		{"*", ""},
		{"*a*b*", ""},
		{`a\*b`, ""},
		{`a\\b*`, ""},
		{`\\\*`, ""},
		{"é*ß", ""},
		{"**", `consecutive wildcard characters at position 1 ("Consecutive wildcard characters at pos 1")`},
		{"arn:aws:events:us-east-1:**:event-bus/*", "at position 26"},
		{`a\b`, `invalid escape at position 2 ("Invalid escape character at pos 2")`},
		{`a\`, "invalid escape at position 2"},
		{`a\\\`, "invalid escape at position 4"},
		{`\**`, ""}, // an escaped star and a star are not consecutive wildcards
		{`*\\**`, "consecutive wildcard characters at position 4"},
	} {
		got := matchers.WildcardProblem(tc.value)
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("WildcardProblem(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
}

func TestWildcardCount(t *testing.T) {
	for value, want := range map[string]int{"": 0, "abc": 0, "*": 1, "*a*b*": 3, `a\*b*`: 1, `\\*`: 1, `\\\*`: 0} {
		if got := matchers.WildcardCount(value); got != want {
			t.Errorf("WildcardCount(%q) = %d, want %d", value, got, want)
		}
	}
}

// CIDRProblem follows Event Ruler's CIDR class.
func TestCIDRProblem(t *testing.T) {
	for _, tc := range []struct {
		value, want string
	}{
		{"10.0.0.0/24", ""},
		{"10.0.0.1/24", ""}, // host bits set: the block of 10.0.0.1
		{"0.0.0.0/0", ""},
		{"10.0.0.0/31", ""},
		{"10.0.0.0/+8", ""},
		{"2001:db8::/64", ""},
		{"::/0", ""},
		{"2001:db8::/127", ""},
		{"10.0.0.1", "one '/' required"},
		{"10.0.0.0/8/8", "one '/' required"},
		{"10.0.0.0/", "mask bits must be an integer"},
		{"bad-/64filter", "mask bits must be an integer"},
		{"10.0.0.0/-8", "must not be negative"},
		{"10.0.0.1/32", `"IPv4 mask bits must be < 32"`},
		{"10.0.0.0/33", `"IPv4 mask bits must be < 32"`},
		{"2001:db8::1/128", `"IPv6 mask bits must be < 128"`},
		{"::ffff:a00:1/32", `"IPv4 mask bits must be < 32"`},
		{"xx.11.xx/8", `"Nonstandard IP address: xx.11.xx"`},
		{"xxxx:db8:1234:1a00::/64", "Nonstandard IP address"},
		{"256.0.0.0/8", "Nonstandard IP address"},
		{"010.0.0.0/8", "Nonstandard IP address"},
		{"::ffff:10.0.0.1/120", "Nonstandard IP address"},
		{"fe80::1%eth0/64", "Nonstandard IP address"},
		{"example.com/8", "Nonstandard IP address"},
	} {
		got := matchers.CIDRProblem(tc.value)
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("CIDRProblem(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
}

// The options a Grammar takes: each case is refused or accepted because of
// one option.
func TestGrammarOptions(t *testing.T) {
	strict := matchers.Grammar{Service: "S", What: "policy", NestedRefusal: "key %q nests", NotArray: "key %[1]q holds %[2]s",
		AnythingBut: []string{matchers.Prefix}, MaxDepth: 3}
	loose := matchers.Grammar{Service: "L", What: "pattern", Nested: true, EmptyRoot: true, NotArray: "holds %[2]s",
		AnythingBut: []string{matchers.Prefix, matchers.EqualsIgnoreCase}}
	for _, tc := range []struct {
		name string
		g    matchers.Grammar
		doc  string
		path string // "" and msg "" for accepted
		msg  string
	}{
		{"nested refused", strict, `{"a":{"b":["c"]}}`, "a", `key "a" nests`},
		{"nested accepted", loose, `{"a":{"b":["c"]}}`, "", ""},
		{"empty root refused", strict, `{}`, "", "policy must have at least one field"},
		{"empty root accepted", loose, `{}`, "", ""},
		{"empty nested object refused even so", loose, `{"a":{}}`, "a", "at least one field"},
		{"anything-but form refused", strict, `{"a":[{"anything-but":{"equals-ignore-case":"x"}}]}`, "a[0].anything-but", `S takes anything-but with prefix ("Unsupported anything-but pattern: equals-ignore-case")`},
		{"anything-but form accepted", loose, `{"a":[{"anything-but":{"equals-ignore-case":"x"}}]}`, "", ""},
		{"not an array", strict, `{"a":"b"}`, "a", `key "a" holds string`},
		{"depth", strict, `{"$or":[{"$or":[{"$or":[{"a":["b"]},{"c":["d"]}]},{"e":["f"]}]},{"g":["h"]}]}`, "$or[0].$or[0].$or[0]", "nesting depth exceeds 3"},
		{"$or of one", loose, `{"$or":[{"a":["b"]}]}`, "$or", "at least 2 pattern objects, got 1"},
		{"reserved name in $or", loose, `{"$or":[{"exists":["b"]},{"c":["d"]}]}`, "$or[0].exists", "reserved word of L's rule language"},
		{"reserved name outside $or", loose, `{"exists":["b"]}`, "", ""},
		{"future reserved name in $or", loose, `{"$or":[{"a":{"date-after":["b"]}},{"c":["d"]}]}`, "$or[0].a.date-after", "cannot name a field inside $or"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, derr := matchers.Decode([]byte(tc.doc), "doc")
			if derr != nil {
				t.Fatal(derr)
			}
			err := tc.g.Check(root)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var e *matchers.Error
			if !errors.As(err, &e) || e.Path != tc.path || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("Check = %v, want %q at %q", err, tc.msg, tc.path)
			}
		})
	}
}
