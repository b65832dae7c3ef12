package localaws

// Choice states ("Choice workflow state"): the rules are tried in order on
// the state's effective input (after InputPath) and the first that matches
// names the next state; else Default; else the execution fails with
// States.NoChoiceMatched. A rule is And, Or or Not of rules, or a Variable
// (a path; $$ reads the Context object) compared with one operator:
//
//   - StringEquals, StringLessThan, StringGreaterThan, StringLessThanEquals,
//     StringGreaterThanEquals, StringMatches (* matches any characters, \*
//     a star, \\ a backslash), NumericEquals ... NumericGreaterThanEquals,
//     BooleanEquals, TimestampEquals ... TimestampGreaterThanEquals (RFC 3339
//     timestamps), each also as <Operator>Path comparing with the value at a
//     second path;
//   - IsNull, IsPresent, IsNumeric, IsString, IsBoolean, IsTimestamp, true or
//     false.
//
// A comparison whose value is not of the operator's type is false, not an
// error; a Variable that selects nothing fails the execution with
// States.Runtime unless the rule is IsPresent, as AWS does. Strings compare
// by code point, as Java compares them for ASCII.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// sfnChoiceRule is one rule of a Choice state (or of And, Or, Not).
type sfnChoiceRule map[string]json.RawMessage

// sfnChoose answers the Next of the first matching rule, or Default, or a
// States.NoChoiceMatched failure.
func sfnChoose(name string, choices []sfnChoiceRule, defaultNext string, input, context any) (string, *sfnFailure) {
	for _, rule := range choices {
		ok, f := sfnMatchRule(rule, input, context)
		if f != nil {
			return "", f
		}
		if ok {
			var next string
			_ = json.Unmarshal(rule["Next"], &next)
			return next, nil
		}
	}
	if defaultNext != "" {
		return defaultNext, nil
	}
	return "", &sfnFailure{"States.NoChoiceMatched", fmt.Sprintf("No Choice Rules matched and no default specified in state '%s'", name)}
}

// sfnMatchRule evaluates a rule.
func sfnMatchRule(rule sfnChoiceRule, input, context any) (bool, *sfnFailure) {
	var subs []sfnChoiceRule
	if raw, ok := rule["And"]; ok {
		if err := json.Unmarshal(raw, &subs); err != nil {
			return false, sfnRuntime("And holds %s, not an array of rules", string(raw))
		}
		for _, r := range subs {
			if ok, f := sfnMatchRule(r, input, context); f != nil || !ok {
				return false, f
			}
		}
		return true, nil
	}
	if raw, ok := rule["Or"]; ok {
		if err := json.Unmarshal(raw, &subs); err != nil {
			return false, sfnRuntime("Or holds %s, not an array of rules", string(raw))
		}
		for _, r := range subs {
			if ok, f := sfnMatchRule(r, input, context); f != nil || ok {
				return ok, f
			}
		}
		return false, nil
	}
	if raw, ok := rule["Not"]; ok {
		var sub sfnChoiceRule
		if err := json.Unmarshal(raw, &sub); err != nil {
			return false, sfnRuntime("Not holds %s, not a rule", string(raw))
		}
		ok, f := sfnMatchRule(sub, input, context)
		return !ok && f == nil, f
	}
	var variable string
	if err := json.Unmarshal(rule["Variable"], &variable); err != nil {
		return false, sfnRuntime("a Choice rule has no Variable, And, Or or Not")
	}
	for op, raw := range rule {
		if op == "Variable" || op == "Next" || op == "Comment" {
			continue
		}
		return sfnCompare(variable, op, raw, input, context)
	}
	return false, sfnRuntime("the Choice rule on %s has no comparison operator", variable)
}

// sfnCompare applies one comparison operator to the Variable.
func sfnCompare(variable, op string, raw json.RawMessage, input, context any) (bool, *sfnFailure) {
	value, present, f := sfnLookup(variable, input, context)
	if f != nil {
		return false, f
	}
	if op == "IsPresent" {
		var want bool
		_ = json.Unmarshal(raw, &want)
		return present == want, nil
	}
	if !present {
		return false, sfnRuntime("Invalid path '%s': The choice state's condition path references an invalid value.", variable)
	}
	operand, err := sfnParse(string(raw))
	if err != nil {
		return false, sfnRuntime("the operand of %s is not JSON", op)
	}
	if base, isPath := strings.CutSuffix(op, "Path"); isPath && base != "" && op != "IsPath" {
		path, ok := operand.(string)
		if !ok {
			return false, sfnRuntime("%s holds %s, not a path", op, string(raw))
		}
		if operand, f = sfnSelect(path, input, context); f != nil {
			return false, f
		}
		op = base
	}
	if kind, isType := strings.CutPrefix(op, "Is"); isType {
		want, ok := operand.(bool)
		if !ok {
			return false, sfnRuntime("%s holds %s, not true or false", op, string(raw))
		}
		got, known := sfnIsType(kind, value)
		if !known {
			return false, sfnRuntime("%s is not a comparison operator", op)
		}
		return got == want, nil
	}
	for _, family := range []string{"String", "Numeric", "Boolean", "Timestamp"} {
		if cmp, ok := strings.CutPrefix(op, family); ok {
			if family == "String" && cmp == "Matches" {
				s, okV := value.(string)
				pattern, okP := operand.(string)
				return okV && okP && sfnStringMatches(pattern, s), nil
			}
			c, typed := sfnOrder(family, value, operand)
			if !typed {
				return false, nil
			}
			return sfnSatisfies(cmp, c, op)
		}
	}
	return false, sfnRuntime("%s is not a comparison operator", op)
}

// sfnIsType answers IsNull, IsNumeric, IsString, IsBoolean, IsTimestamp.
func sfnIsType(kind string, v any) (got, known bool) {
	switch kind {
	case "Null":
		return v == nil, true
	case "Numeric":
		_, ok := sfnNumber(v)
		return ok, true
	case "String":
		_, ok := v.(string)
		return ok, true
	case "Boolean":
		_, ok := v.(bool)
		return ok, true
	case "Timestamp":
		_, ok := sfnTimestamp(v)
		return ok, true
	}
	return false, false
}

// sfnTimestamp reads an RFC 3339 timestamp, as Step Functions requires
// (an uppercase T, a zone).
func sfnTimestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// sfnOrder compares value with operand in a family's type: -1, 0, 1, and
// false when either is not of that type.
func sfnOrder(family string, value, operand any) (int, bool) {
	switch family {
	case "String":
		a, okA := value.(string)
		b, okB := operand.(string)
		return strings.Compare(a, b), okA && okB
	case "Numeric":
		a, okA := sfnNumber(value)
		b, okB := sfnNumber(operand)
		return sfnSign(a - b), okA && okB
	case "Boolean":
		a, okA := value.(bool)
		b, okB := operand.(bool)
		if a == b {
			return 0, okA && okB
		}
		return 1, okA && okB
	case "Timestamp":
		a, okA := sfnTimestamp(value)
		b, okB := sfnTimestamp(operand)
		return a.Compare(b), okA && okB
	}
	return 0, false
}

func sfnSign(f float64) int {
	switch {
	case f < 0:
		return -1
	case f > 0:
		return 1
	}
	return 0
}

func sfnSatisfies(cmp string, c int, op string) (bool, *sfnFailure) {
	switch cmp {
	case "Equals":
		return c == 0, nil
	case "LessThan":
		return c < 0, nil
	case "GreaterThan":
		return c > 0, nil
	case "LessThanEquals":
		return c <= 0, nil
	case "GreaterThanEquals":
		return c >= 0, nil
	}
	return false, sfnRuntime("%s is not a comparison operator", op)
}

// sfnStringMatches matches a StringMatches pattern: * is any run of
// characters, \* a star and \\ a backslash.
func sfnStringMatches(pattern, s string) bool {
	type token struct {
		star bool
		c    rune
	}
	var toks []token
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			toks = append(toks, token{c: rs[i+1]})
			i++
		case rs[i] == '*':
			toks = append(toks, token{star: true})
		default:
			toks = append(toks, token{c: rs[i]})
		}
	}
	text := []rune(s)
	// Greedy matching with backtracking to the last star: linear in
	// practice, bounded by len(text)*len(toks).
	ti, pi, starP, starT := 0, 0, -1, 0
	for ti < len(text) {
		switch {
		case pi < len(toks) && !toks[pi].star && toks[pi].c == text[ti]:
			ti, pi = ti+1, pi+1
		case pi < len(toks) && toks[pi].star:
			starP, starT = pi, ti
			pi++
		case starP >= 0:
			starT++
			ti, pi = starT, starP+1
		default:
			return false
		}
	}
	for pi < len(toks) && toks[pi].star {
		pi++
	}
	return pi == len(toks)
}
