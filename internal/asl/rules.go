package asl

import (
	"slices"
	"strings"
)

// statesAll is the error name that matches every error. AWS requires it
// alone in its ErrorEquals and in the last retrier or catcher, since
// nothing after it could ever match.
const statesAll = "States.ALL"

// errorEquals checks a retrier's or catcher's ErrorEquals and reports
// whether it names States.ALL.
func (c *checker) errorEquals(o *object, path string) (all bool) {
	v, ok := o.get("ErrorEquals")
	ep := field(path, "ErrorEquals")
	names, isArray := v.([]any)
	switch {
	case !ok:
		c.add(path, "needs ErrorEquals, a non-empty array of error names")
		return false
	case !isArray || len(names) == 0:
		c.add(ep, "must be a non-empty array of error names, not %s", describe(v))
		return false
	}
	for i, n := range names {
		s, isString := n.(string)
		if !isString {
			c.add(index(ep, i), "an error name is a string, not %s", describe(n))
			continue
		}
		if s == statesAll {
			all = true
			if len(names) > 1 {
				c.add(index(ep, i), "%s matches every error: it must be alone in its ErrorEquals", statesAll)
			}
		}
	}
	return all
}

// retry checks a Retry array of retriers.
func (c *checker) retry(v any, path string) {
	retriers, ok := v.([]any)
	if !ok {
		c.add(path, "must be an array of retriers, not %s", describe(v))
		return
	}
	for i, r := range retriers {
		rp := index(path, i)
		o, ok := r.(*object)
		if !ok {
			c.add(rp, "a retrier is an object, not %s", describe(r))
			continue
		}
		for _, k := range o.keys {
			switch k {
			case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
			default:
				c.add(field(rp, k), "not a field of a retrier")
			}
		}
		if c.errorEquals(o, rp) && i != len(retriers)-1 {
			c.add(field(rp, "ErrorEquals"), "the retrier for %s must be the last one: retriers after it never match", statesAll)
		}
		c.stringField(o, rp, "Comment")
		c.intRange(o, rp, "IntervalSeconds", 1, 99999999)
		c.intRange(o, rp, "MaxAttempts", 0, 99999999)
		c.intRange(o, rp, "MaxDelaySeconds", 1, 31622400)
		if b, ok := o.get("BackoffRate"); ok {
			if f, isNumber := number(b); !isNumber || f < 1 {
				c.add(field(rp, "BackoffRate"), "must be a number of at least 1.0, not %s", describe(b))
			}
		}
		if j, ok := o.get("JitterStrategy"); ok && j != "FULL" && j != "NONE" {
			c.add(field(rp, "JitterStrategy"), "must be \"FULL\" or \"NONE\", not %s", describe(j))
		}
	}
}

func (c *checker) intRange(o *object, path, key string, lo, hi float64) {
	if v, ok := o.get(key); ok {
		if f, isInt := integer(v); !isInt || f < lo || f > hi {
			c.add(field(path, key), "must be an integer from %.0f to %.0f, not %s", lo, hi, describe(v))
		}
	}
}

// catch checks a Catch array of catchers and returns their transitions.
func (c *checker) catch(v any, path, ql string) (edges []edge) {
	catchers, ok := v.([]any)
	if !ok {
		c.add(path, "must be an array of catchers, not %s", describe(v))
		return nil
	}
	for i, r := range catchers {
		cp := index(path, i)
		o, ok := r.(*object)
		if !ok {
			c.add(cp, "a catcher is an object, not %s", describe(r))
			continue
		}
		for _, k := range o.keys {
			switch {
			case k == "ErrorEquals" || k == "Next" || k == "Comment" || k == "Assign":
			// "Error handling in Step Functions", Catch: ResultPath is
			// JSONPath only, Output JSONata only.
			case k == "ResultPath" && ql == jsonata:
				c.add(field(cp, k), "ResultPath is a JSONPath field: a catcher of a state whose QueryLanguage is JSONata has Output instead")
			case k == "Output" && ql == jsonPath:
				c.add(field(cp, k), "Output is a JSONata field: a catcher of a state whose QueryLanguage is JSONPath has ResultPath instead")
			case k == "ResultPath" || k == "Output":
			default:
				c.add(field(cp, k), "not a field of a catcher")
			}
		}
		if c.errorEquals(o, cp) && i != len(catchers)-1 {
			c.add(field(cp, "ErrorEquals"), "the catcher for %s must be the last one: catchers after it never match", statesAll)
		}
		c.stringField(o, cp, "Comment")
		if rp, ok := o.get("ResultPath"); ok && rp != nil && ql == jsonPath {
			c.path(rp, field(cp, "ResultPath"), resultPath)
		}
		if out, ok := o.get("Output"); ok && ql == jsonata {
			c.payload(out, field(cp, "Output"), ql)
		}
		if a, ok := o.get("Assign"); ok {
			if _, isObject := a.(*object); !isObject {
				c.add(field(cp, "Assign"), "must be an object of variables, not %s", describe(a))
			} else {
				c.payload(a, field(cp, "Assign"), ql)
			}
		}
		if n, ok := o.get("Next"); !ok {
			c.add(cp, "a catcher needs Next, the state to go to when it matches")
		} else if e, ok := c.target(n, field(cp, "Next")); ok {
			edges = append(edges, e)
		}
	}
	return edges
}

// choice checks a Choice state's Choices and Default and returns their
// transitions.
func (c *checker) choice(path, ql string, get func(string) (any, bool)) (edges []edge) {
	cp := field(path, "Choices")
	v, ok := get("Choices")
	rules, isArray := v.([]any)
	switch {
	case !ok:
		c.add(path, "a Choice state needs Choices, a non-empty array of rules")
	case !isArray || len(rules) == 0:
		c.add(cp, "must be a non-empty array of rules, not %s", describe(v))
	}
	for i, r := range rules {
		rp := index(cp, i)
		o, ok := r.(*object)
		if !ok {
			c.add(rp, "a Choice rule is an object, not %s", describe(r))
			continue
		}
		if ql == jsonata {
			c.jsonataRule(o, rp)
		} else {
			c.rule(o, rp, true)
		}
		if n, ok := o.get("Next"); !ok {
			c.add(rp, "a Choice rule needs Next, the state to go to when it matches")
		} else if e, ok := c.target(n, field(rp, "Next")); ok {
			edges = append(edges, e)
		}
	}
	if d, ok := get("Default"); ok {
		if e, ok := c.target(d, field(path, "Default")); ok {
			edges = append(edges, e)
		}
	}
	return edges
}

// Comparison operators of a JSONPath Choice rule, by the type of value
// they compare with.
var (
	stringOps = []string{"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals",
		"StringGreaterThanEquals", "StringMatches", "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
		"TimestampLessThanEquals", "TimestampGreaterThanEquals"}
	numericOps = []string{"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
		"NumericGreaterThanEquals"}
	booleanOps = []string{"BooleanEquals", "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}
	pathOps    = []string{"StringEqualsPath", "StringLessThanPath", "StringGreaterThanPath", "StringLessThanEqualsPath",
		"StringGreaterThanEqualsPath", "NumericEqualsPath", "NumericLessThanPath", "NumericGreaterThanPath",
		"NumericLessThanEqualsPath", "NumericGreaterThanEqualsPath", "BooleanEqualsPath", "TimestampEqualsPath",
		"TimestampLessThanPath", "TimestampGreaterThanPath", "TimestampLessThanEqualsPath",
		"TimestampGreaterThanEqualsPath"}
	booleanExprs = []string{"And", "Or", "Not"}
)

func isOperator(k string) bool {
	return slices.Contains(stringOps, k) || slices.Contains(numericOps, k) || slices.Contains(booleanOps, k) ||
		slices.Contains(pathOps, k) || slices.Contains(booleanExprs, k)
}

// rule checks a JSONPath Choice rule: a comparison (Variable and exactly one
// operator) or a boolean expression (And, Or, Not) of nested rules. Only a
// top-level rule has Next; the caller checks it.
func (c *checker) rule(o *object, path string, top bool) {
	var ops []string
	for _, k := range o.keys {
		switch {
		case isOperator(k):
			ops = append(ops, k)
		case k == "Variable" || k == "Comment" || k == "Assign":
		case k == "Next" && top:
		case k == "Next":
			c.add(field(path, k), "a rule nested in And, Or or Not has no Next: only a rule of Choices does")
		default:
			c.add(field(path, k), "not a field of a Choice rule")
		}
	}
	c.stringField(o, path, "Comment")
	if a, ok := o.get("Assign"); ok {
		if _, isObject := a.(*object); !isObject {
			c.add(field(path, "Assign"), "must be an object of variables, not %s", describe(a))
		} else {
			c.template(a, field(path, "Assign"))
		}
	}
	switch {
	case len(ops) == 0:
		c.add(path, "a Choice rule needs a comparison (Variable with an operator such as StringEquals) or And, Or or Not")
		return
	case len(ops) > 1:
		c.add(field(path, ops[1]), "a Choice rule has exactly one operator, this one has %s", strings.Join(ops, " and "))
		return
	}
	op := ops[0]
	v, _ := o.get(op)
	vp := field(path, op)
	switch op {
	case "And", "Or":
		rules, isArray := v.([]any)
		if !isArray || len(rules) == 0 {
			c.add(vp, "must be a non-empty array of rules, not %s", describe(v))
			return
		}
		for i, r := range rules {
			if n, ok := r.(*object); ok {
				c.rule(n, index(vp, i), false)
			} else {
				c.add(index(vp, i), "a Choice rule is an object, not %s", describe(r))
			}
		}
		return
	case "Not":
		if n, ok := v.(*object); ok {
			c.rule(n, vp, false)
		} else {
			c.add(vp, "must be a rule object, not %s", describe(v))
		}
		return
	}

	if variable, ok := o.get("Variable"); !ok {
		c.add(path, "a comparison needs Variable, the path of the value it compares")
	} else {
		c.path(variable, field(path, "Variable"), referencePath)
	}
	switch {
	case slices.Contains(stringOps, op):
		if _, ok := v.(string); !ok {
			c.add(vp, "must be a string, not %s", describe(v))
		}
	case slices.Contains(numericOps, op):
		if _, ok := number(v); !ok {
			c.add(vp, "must be a number, not %s", describe(v))
		}
	case slices.Contains(booleanOps, op):
		if _, ok := v.(bool); !ok {
			c.add(vp, "must be true or false, not %s", describe(v))
		}
	case slices.Contains(pathOps, op):
		c.path(v, vp, referencePath)
	}
}

// jsonataRule checks a JSONata Choice rule: a Condition and Next.
func (c *checker) jsonataRule(o *object, path string) {
	for _, k := range o.keys {
		switch {
		case k == "Condition" || k == "Next" || k == "Assign" || k == "Output" || k == "Comment":
		case k == "Variable" || isOperator(k):
			c.add(field(path, k), "%s is JSONPath: a Choice rule whose QueryLanguage is JSONata has a Condition instead", k)
		default:
			c.add(field(path, k), "not a field of a Choice rule")
		}
	}
	c.stringField(o, path, "Comment")
	if a, ok := o.get("Assign"); ok {
		if _, isObject := a.(*object); !isObject {
			c.add(field(path, "Assign"), "must be an object of variables, not %s", describe(a))
		} else {
			c.noDollarKeys(a, field(path, "Assign"))
		}
	}
	if out, ok := o.get("Output"); ok {
		c.noDollarKeys(out, field(path, "Output"))
	}
	cond, ok := o.get("Condition")
	switch {
	case !ok:
		c.add(path, "a JSONata Choice rule needs a Condition")
	case !isJSONata(cond):
		if _, isBool := cond.(bool); !isBool {
			c.add(field(path, "Condition"), "must be a JSONata expression {%% ... %%}, not %s", describe(cond))
		}
	}
}
