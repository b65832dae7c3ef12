// Package asl checks the structure of an Amazon States Language (AWS Step
// Functions) definition the way CreateStateMachine does, so that a workflow
// AWS would refuse is refused at admission instead of being handed to the
// ACK sfn controller, which would retry it forever.
//
// It checks the fields each state and nested object may and must have, their
// JSON types and ranges, the transitions between states and that every state
// can be reached; a Task's Resource against the integrations Step Functions
// offers and the patterns each supports (integrations.go); JSONPath paths and
// reference paths (jsonpath.go) and intrinsic functions with their arities
// (intrinsics.go). It does not parse JSONata expressions beyond their outer
// shape, and it does not check that an ARN names something that exists.
//
// Strings may hold the operator's ${kind:name} references (e.g.
// "FunctionName": "${function:x}"), checked unresolved: they are plain
// strings to this package but in a Task's Resource, where only a reference
// that resolves to a function's ARN is accepted (a table's resolves to its
// name, a queue's to its URL: nothing a Task runs).
//
// Where AWS's behaviour is not documented, the check is lenient: a false
// refusal would block a workflow AWS runs.
package asl

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem is one thing wrong with a definition, at a JSON path inside it
// (e.g. "$.States.A.Next").
type Problem struct {
	Path    string
	Message string
}

// String is "path: message".
func (p Problem) String() string { return p.Path + ": " + p.Message }

// Check parses a definition (JSON text) and returns every structural
// problem; nil when it is valid ASL. The order is stable: each state
// machine's states in the order of the text, then its transitions.
//
// A problem that only follows from another one is left out (a machine
// without a terminal state is reported only when nothing else is wrong in
// it), so that one mistake reads as one problem.
func Check(definition string) []Problem {
	v, err := parse(definition)
	if err != nil {
		return []Problem{{"$", "not valid JSON: " + err.Error()}}
	}
	root, ok := v.(*object)
	if !ok {
		return []Problem{{"$", "a definition is a JSON object, not " + describe(v)}}
	}
	c := &checker{stateAt: map[string]string{}, queryLanguage: jsonPath}
	if ql, ok := root.get("QueryLanguage"); ok && ql == jsonata {
		c.queryLanguage = jsonata
	}
	c.machine(root, "$", rootMachine)
	return c.problems
}

const (
	jsonPath = "JSONPath"
	jsonata  = "JSONata"
)

// maxStateName is AWS's limit on the length of a state name (the spec
// allows 128; AWS refuses more than 80).
const maxStateName = 80

type checker struct {
	problems []Problem
	// stateAt is where each state name was first defined: names are unique
	// across the whole state machine, nested ones included.
	stateAt map[string]string
	// queryLanguage is the top-level QueryLanguage, the default of every
	// state (asl-validator's reading; a state may set its own).
	queryLanguage string
}

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{path, fmt.Sprintf(format, args...)})
}

// machineKind is what holds a set of states: the definition itself, a
// branch of a Parallel state, or a Map state's ItemProcessor or Iterator.
type machineKind int

const (
	rootMachine machineKind = iota
	branchMachine
	processorMachine
)

func (k machineKind) String() string {
	return [...]string{"state machine", "Parallel branch", "Map state's item processor"}[k]
}

// edge is a transition to a state by name, from the field at path. A loose
// edge comes from a field the state may not have (already reported): it
// only counts for reachability, so that one mistake is not also reported as
// unreachable states.
type edge struct {
	target string
	path   string
	loose  bool
}

// machine checks a state machine (top level, branch or item processor):
// its fields, each state, that every transition stays inside it, that every
// state is reachable from StartAt and that it can end.
func (c *checker) machine(m *object, path string, kind machineKind) {
	// A nested machine may have the top level's fields, as asl-validator
	// allows: AWS's documentation is silent and refusing would be a guess.
	for _, k := range m.keys {
		switch k {
		case "StartAt", "States", "Comment", "QueryLanguage", "Version", "TimeoutSeconds":
		case "ProcessorConfig":
			if kind != processorMachine {
				c.add(field(path, k), "not a field of a %s (only a Map state's ItemProcessor has one)", kind)
			}
		default:
			c.add(field(path, k), "not a field of a %s", kind)
		}
	}
	c.stringField(m, path, "Comment")
	c.stringField(m, path, "Version")
	if v, ok := m.get("TimeoutSeconds"); ok {
		if f, isInt := integer(v); !isInt || f < 1 {
			c.add(field(path, "TimeoutSeconds"), "must be a positive integer, not %s", describe(v))
		}
	}
	if v, ok := m.get("QueryLanguage"); ok && v != jsonPath && v != jsonata {
		c.add(field(path, "QueryLanguage"), "must be %q or %q, not %s", jsonPath, jsonata, describe(v))
	}
	if v, ok := m.get("ProcessorConfig"); ok && kind == processorMachine {
		c.processorConfig(v, field(path, "ProcessorConfig"))
	}

	startAt, hasStart := m.get("StartAt")
	start, startIsString := startAt.(string)
	switch {
	case !hasStart:
		c.add(path, "needs StartAt, the name of the state to run first")
	case !startIsString:
		c.add(field(path, "StartAt"), "must be a state name, not %s", describe(startAt))
	}

	statesPath := field(path, "States")
	sv, hasStates := m.get("States")
	states, statesIsObject := sv.(*object)
	switch {
	case !hasStates:
		c.add(path, "needs States, the object of its states")
		return
	case !statesIsObject:
		c.add(statesPath, "must be an object of states, not %s", describe(sv))
		return
	case len(states.keys) == 0:
		c.add(statesPath, "has no states: a %s needs at least one", kind)
		return
	}

	edges := map[string][]edge{}
	terminal := false
	before := len(c.problems)
	for _, name := range states.keys {
		sp := field(statesPath, name)
		if n := utf8.RuneCountInString(name); n == 0 || n > maxStateName {
			c.add(sp, "a state name is 1 to %d characters, this one is %d", maxStateName, n)
		}
		if first, dup := c.stateAt[name]; dup {
			c.add(sp, "state name %q is also used at %s: names are unique across the whole state machine, branches included", name, first)
		} else {
			c.stateAt[name] = sp
		}
		st, ok := states.vals[name].(*object)
		if !ok {
			c.add(sp, "a state is an object, not %s", describe(states.vals[name]))
			continue
		}
		var isTerminal bool
		edges[name], isTerminal = c.state(st, sp)
		terminal = terminal || isTerminal
	}

	// Every transition names a state of this machine: a branch or an item
	// processor is self-contained, so it cannot jump out, nor be jumped into.
	for _, name := range states.keys {
		for _, e := range edges[name] {
			if !e.loose && !states.has(e.target) {
				where := ""
				if other, ok := c.stateAt[e.target]; ok {
					where = fmt.Sprintf(" (%q is at %s, outside this %s)", e.target, other, kind)
				}
				c.add(e.path, "names no state of this %s: %q%s", kind, e.target, where)
			}
		}
	}
	if startIsString && !states.has(start) {
		c.add(field(path, "StartAt"), "names no state of this %s: %q", kind, start)
	}

	// Reported only when nothing else is wrong in this machine, as it is
	// usually the consequence of another mistake (an End on a Choice state,
	// a Next out of a branch, an unknown Type).
	if !terminal && len(c.problems) == before {
		c.add(statesPath, "no state can end this %s: one needs \"End\": true or Type Succeed or Fail", kind)
	}

	// AWS refuses a state that no path from StartAt reaches.
	if startIsString && states.has(start) {
		reached := map[string]bool{start: true}
		queue := []string{start}
		for len(queue) > 0 {
			name := queue[0]
			queue = queue[1:]
			for _, e := range edges[name] {
				if states.has(e.target) && !reached[e.target] {
					reached[e.target] = true
					queue = append(queue, e.target)
				}
			}
		}
		for _, name := range states.keys {
			if !reached[name] {
				c.add(field(statesPath, name), "unreachable: no transition from StartAt %q leads to this state", start)
			}
		}
	}
}

func (c *checker) processorConfig(v any, path string) {
	pc, ok := v.(*object)
	if !ok {
		c.add(path, "must be an object, not %s", describe(v))
		return
	}
	mode, hasMode := pc.get("Mode")
	if hasMode && mode != "INLINE" && mode != "DISTRIBUTED" {
		c.add(field(path, "Mode"), "must be \"INLINE\" or \"DISTRIBUTED\", not %s", describe(mode))
	}
	et, hasET := pc.get("ExecutionType")
	if hasET && et != "STANDARD" && et != "EXPRESS" {
		c.add(field(path, "ExecutionType"), "must be \"STANDARD\" or \"EXPRESS\", not %s", describe(et))
	}
	if mode == "DISTRIBUTED" && !hasET {
		c.add(path, "a DISTRIBUTED Map needs ExecutionType (STANDARD or EXPRESS)")
	}
}

// stateTypes are the eight state types of the language.
var stateTypes = []string{"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}

// fields lists the fields each state type may have in each query language,
// beyond Type, Comment and QueryLanguage: asl-validator's schemas, which
// follow AWS's documentation of each state, but for Result, which AWS
// documents as JSONPath only and asl-validator also allows in a JSONata
// Pass state.
var fields = map[string]map[string][]string{
	jsonPath: {
		"Task": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource",
			"Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign"},
		"Pass":    {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign"},
		"Choice":  {"InputPath", "OutputPath", "Choices", "Default", "Assign"},
		"Wait":    {"Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"},
		"Succeed": {"InputPath", "OutputPath"},
		"Fail":    {"Error", "ErrorPath", "Cause", "CausePath"},
		"Parallel": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches",
			"Retry", "Catch", "Assign"},
		"Map": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "ItemsPath", "Label", "MaxConcurrency",
			"MaxConcurrencyPath", "ItemReader", "ItemProcessor", "Iterator", "Parameters", "ItemSelector", "ItemBatcher",
			"ResultSelector", "ResultWriter", "Assign", "Retry", "Catch", "ToleratedFailureCount", "ToleratedFailureCountPath",
			"ToleratedFailurePercentage", "ToleratedFailurePercentagePath"},
	},
	jsonata: {
		"Task":     {"Next", "End", "Resource", "Retry", "Catch", "TimeoutSeconds", "HeartbeatSeconds", "Credentials", "Output", "Assign", "Arguments"},
		"Pass":     {"Next", "End", "Output", "Assign"},
		"Choice":   {"Choices", "Default", "Output", "Assign"},
		"Wait":     {"Next", "End", "Seconds", "Timestamp", "Output", "Assign"},
		"Succeed":  {"Output"},
		"Fail":     {"Error", "Cause"},
		"Parallel": {"Next", "End", "Branches", "Retry", "Catch", "Output", "Assign", "Arguments"},
		"Map": {"Next", "End", "Items", "Label", "MaxConcurrency", "ItemReader", "ItemProcessor", "Iterator", "ItemSelector",
			"ItemBatcher", "ResultWriter", "Retry", "Catch", "ToleratedFailureCount", "ToleratedFailurePercentage", "Output", "Assign"},
	},
}

func otherLanguage(ql string) string {
	if ql == jsonata {
		return jsonPath
	}
	return jsonata
}

// state checks one state and returns its transitions and whether it can
// end its machine.
func (c *checker) state(st *object, path string) (edges []edge, terminal bool) {
	ql := c.queryLanguage
	if v, ok := st.get("QueryLanguage"); ok {
		switch {
		case v != jsonPath && v != jsonata:
			c.add(field(path, "QueryLanguage"), "must be %q or %q, not %s", jsonPath, jsonata, describe(v))
		case v == jsonPath && c.queryLanguage == jsonata:
			// "If JSONata is specified at the top level, JSONPath cannot be
			// used in the state machine definition" (a state may move from
			// JSONPath to JSONata, not back).
			c.add(field(path, "QueryLanguage"), "the state machine's QueryLanguage is JSONata: a state of it cannot use JSONPath")
			ql = jsonPath // its fields are checked as what they are meant to be
		default:
			ql = v.(string)
		}
	}
	tv, ok := st.get("Type")
	typ, _ := tv.(string)
	if !ok || !slices.Contains(stateTypes, typ) {
		if !ok {
			c.add(path, "needs a Type (one of %s)", strings.Join(stateTypes, ", "))
		} else {
			c.add(field(path, "Type"), "unknown state type %s (want one of %s)", typeName(tv), strings.Join(stateTypes, ", "))
		}
		if next, ok := st.vals["Next"].(string); ok {
			edges = append(edges, edge{target: next, path: field(path, "Next"), loose: true})
		}
		return edges, false
	}

	allowed := fields[ql][typ]
	for _, k := range st.keys {
		if k == "Type" || k == "Comment" || k == "QueryLanguage" || slices.Contains(allowed, k) {
			continue
		}
		fp := field(path, k)
		if next, ok := st.vals[k].(string); ok && k == "Next" {
			edges = append(edges, edge{target: next, path: fp, loose: true})
		}
		switch {
		case (k == "Next" || k == "End") && typ == "Choice":
			c.add(fp, "a Choice state has no %s: its Choices rules and Default name the next state", k)
		case (k == "Next" || k == "End") && (typ == "Succeed" || typ == "Fail"):
			c.add(fp, "a %s state ends its machine: it has no %s", typ, k)
		case k == "Retry" || k == "Catch":
			c.add(fp, "only Task, Parallel and Map states have %s, not a %s state", k, typ)
		case k == "Resource":
			c.add(fp, "only a Task state has a Resource, not a %s state", typ)
		case slices.Contains(fields[otherLanguage(ql)][typ], k):
			c.add(fp, "%s is a %s field: not allowed in a %s state whose QueryLanguage is %s", k, otherLanguage(ql), typ, ql)
		default:
			c.add(fp, "not a field of a %s state", typ)
		}
	}
	has := func(k string) bool { return st.has(k) && slices.Contains(allowed, k) }
	get := func(k string) (any, bool) {
		if !has(k) {
			return nil, false
		}
		return st.get(k)
	}

	// Common fields.
	c.stringField(st, path, "Comment")
	for _, k := range []string{"InputPath", "OutputPath", "ResultPath"} {
		kind := anyPath
		if k == "ResultPath" {
			kind = resultPath
		}
		if v, ok := get(k); ok && v != nil {
			c.path(v, field(path, k), kind)
		}
	}
	for _, k := range []string{"Parameters", "ResultSelector", "ItemSelector", "Credentials", "Arguments", "Output"} {
		if v, ok := get(k); ok {
			c.payload(v, field(path, k), ql)
		}
	}
	if v, ok := get("Assign"); ok {
		if _, isObject := v.(*object); !isObject {
			c.add(field(path, "Assign"), "must be an object of variables, not %s", describe(v))
		} else {
			c.payload(v, field(path, "Assign"), ql)
		}
	}
	if v, ok := get("Arguments"); ok {
		if _, isObject := v.(*object); !isObject && !isJSONata(v) {
			c.add(field(path, "Arguments"), "must be an object or a JSONata expression {%% ... %%}, not %s", describe(v))
		}
	}

	// Next or End.
	switch typ {
	case "Task", "Pass", "Wait", "Parallel", "Map":
		next, hasNext := get("Next")
		end, hasEnd := get("End")
		switch {
		case hasEnd && end != true:
			c.add(field(path, "End"), "must be true (to go on, leave End out and give Next), not %s", describe(end))
		case hasNext && hasEnd:
			c.add(field(path, "End"), "a state has Next or End, not both")
		case !hasNext && !hasEnd:
			c.add(path, "needs Next (the state to run next) or \"End\": true")
		}
		terminal = end == true
		if hasNext {
			if e, ok := c.target(next, field(path, "Next")); ok {
				edges = append(edges, e)
			}
		}
	case "Succeed", "Fail":
		terminal = true
	}

	// Retry and Catch.
	if v, ok := get("Retry"); ok {
		c.retry(v, field(path, "Retry"))
	}
	if v, ok := get("Catch"); ok {
		edges = append(edges, c.catch(v, field(path, "Catch"), ql)...)
	}

	switch typ {
	case "Task":
		c.task(path, ql, get)
	case "Choice":
		edges = append(edges, c.choice(path, ql, get)...)
	case "Wait":
		c.wait(path, ql, has, get)
	case "Fail":
		c.atMostOne(path, has, "Error", "ErrorPath")
		c.atMostOne(path, has, "Cause", "CausePath")
		for _, k := range []string{"Error", "Cause"} {
			if v, ok := get(k); ok {
				if _, isString := v.(string); !isString {
					c.add(field(path, k), "must be a string, not %s", describe(v))
				}
			}
		}
		for _, k := range []string{"ErrorPath", "CausePath"} {
			if v, ok := get(k); ok {
				c.failPath(v, field(path, k))
			}
		}
	case "Parallel":
		c.parallel(path, get)
	case "Map":
		c.mapState(path, ql, has, get)
	}
	return edges, terminal
}

// target checks that v can name a state and returns the transition.
func (c *checker) target(v any, path string) (edge, bool) {
	s, ok := v.(string)
	if !ok || s == "" {
		c.add(path, "must be the name of a state, not %s", describe(v))
		return edge{}, false
	}
	return edge{target: s, path: path}, true
}

func (c *checker) stringField(o *object, path, key string) {
	if v, ok := o.get(key); ok {
		if _, isString := v.(string); !isString {
			c.add(field(path, key), "must be a string, not %s", describe(v))
		}
	}
}

// failPath checks a Fail state's ErrorPath or CausePath: "a reference path
// or an intrinsic function" (Fail workflow state).
func (c *checker) failPath(v any, path string) {
	s, isString := v.(string)
	switch {
	case isString && strings.HasPrefix(s, "$"):
		c.path(v, path, referencePath)
	case isString && strings.HasPrefix(s, "States."):
		if err := checkIntrinsic(s); err != nil {
			c.add(path, "is not a valid intrinsic function call: %v", err)
		}
	default:
		c.add(path, "must be a path ($...) or an intrinsic function (States....), not %s", describe(v))
	}
}

func (c *checker) atMostOne(path string, has func(string) bool, a, b string) {
	if has(a) && has(b) {
		c.add(field(path, b), "a state has %s or %s, not both", a, b)
	}
}

// isJSONata reports whether v is a JSONata expression string, {% ... %}.
func isJSONata(v any) bool {
	s, ok := v.(string)
	s = strings.TrimSpace(s)
	return ok && len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// payload checks a payload template (Parameters, ResultSelector,
// ItemSelector, Credentials, Assign...) in its state's query language.
func (c *checker) payload(v any, path, ql string) {
	if ql == jsonata {
		c.noDollarKeys(v, path)
	} else {
		c.template(v, path)
	}
}

// template checks a JSONPath payload template (Parameters, ResultSelector,
// ItemSelector, Assign...): a field whose name ends in .$ holds a path or an
// intrinsic function, valid as such, and no two fields are the same name
// once .$ is stripped.
func (c *checker) template(v any, path string) {
	switch t := v.(type) {
	case *object:
		for _, k := range t.keys {
			fp := field(path, k)
			if base, dynamic := strings.CutSuffix(k, ".$"); dynamic {
				if t.has(base) {
					c.add(fp, "%q and %q are the same field once .$ is stripped", base, k)
				}
				if msg := payloadValue(t.vals[k]); msg != "" {
					c.add(fp, "%s", msg)
				}
				continue
			}
			c.template(t.vals[k], fp)
		}
	case []any:
		for i, e := range t {
			c.template(e, index(path, i))
		}
	}
}

// noDollarKeys refuses a field name ending in .$ in a JSONata state: "After
// selecting JSONata ... you will not use .$ on JSON object key names"
// (Transforming data with JSONata); such a field is not evaluated, its
// JSONPath would reach the service as text.
func (c *checker) noDollarKeys(v any, path string) {
	switch t := v.(type) {
	case *object:
		for _, k := range t.keys {
			fp := field(path, k)
			if strings.HasSuffix(k, ".$") {
				c.add(fp, "a JSONata state does not use .$ on field names: write %q with a JSONata expression {%% ... %%} as its value", strings.TrimSuffix(k, ".$"))
				continue
			}
			c.noDollarKeys(t.vals[k], fp)
		}
	case []any:
		for i, e := range t {
			c.noDollarKeys(e, index(path, i))
		}
	}
}

func (c *checker) task(path, ql string, get func(string) (any, bool)) {
	has := func(k string) bool { _, ok := get(k); return ok }
	if r, ok := get("Resource"); !ok {
		c.add(path, "a Task state needs a Resource (the ARN of what it runs)")
	} else {
		c.resource(r, field(path, "Resource"))
	}
	for _, k := range []string{"TimeoutSeconds", "HeartbeatSeconds"} {
		if v, ok := get(k); ok {
			if f, isInt := integer(v); (!isInt || f < 1 || f > 99999999) && !(ql == jsonata && isJSONata(v)) {
				c.add(field(path, k), "must be a positive integer (at most 99999999), not %s", describe(v))
			}
		}
		if v, ok := get(k + "Path"); ok {
			c.path(v, field(path, k+"Path"), referencePath)
		}
		c.atMostOne(path, has, k, k+"Path")
	}
}

func (c *checker) wait(path, ql string, has func(string) bool, get func(string) (any, bool)) {
	var given []string
	for _, k := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
		if has(k) {
			given = append(given, k)
		}
	}
	switch {
	case len(given) == 0 && ql == jsonata:
		c.add(path, "a Wait state needs Seconds or Timestamp")
	case len(given) == 0:
		c.add(path, "a Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath")
	case len(given) > 1:
		c.add(field(path, given[1]), "a Wait state has exactly one of Seconds, Timestamp, SecondsPath, TimestampPath, not %s", strings.Join(given, " and "))
	}
	if v, ok := get("Seconds"); ok {
		if f, isInt := integer(v); (!isInt || f < 0 || f > 99999999) && !(ql == jsonata && isJSONata(v)) {
			c.add(field(path, "Seconds"), "must be an integer from 0 to 99999999, not %s", describe(v))
		}
	}
	if v, ok := get("Timestamp"); ok && !(ql == jsonata && isJSONata(v)) {
		if s, isString := v.(string); !isString || !isTimestamp(s) {
			c.add(field(path, "Timestamp"), "must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z, not %s", describe(v))
		}
	}
	for _, k := range []string{"SecondsPath", "TimestampPath"} {
		if v, ok := get(k); ok {
			c.path(v, field(path, k), referencePath)
		}
	}
}

// isTimestamp: RFC 3339 with an uppercase T and Z, as AWS requires.
func isTimestamp(s string) bool {
	if strings.ContainsAny(s, "tz") {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func (c *checker) parallel(path string, get func(string) (any, bool)) {
	v, ok := get("Branches")
	bp := field(path, "Branches")
	branches, isArray := v.([]any)
	switch {
	case !ok:
		c.add(path, "a Parallel state needs Branches, an array of state machines")
		return
	case !isArray:
		c.add(bp, "must be an array of state machines, not %s", describe(v))
		return
	case len(branches) == 0:
		c.add(bp, "has no branches: a Parallel state needs at least one")
	}
	for i, b := range branches {
		if m, ok := b.(*object); ok {
			c.machine(m, index(bp, i), branchMachine)
		} else {
			c.add(index(bp, i), "a branch is a state machine object, not %s", describe(b))
		}
	}
}

func (c *checker) mapState(path, ql string, has func(string) bool, get func(string) (any, bool)) {
	switch {
	case has("ItemProcessor") && has("Iterator"):
		c.add(field(path, "Iterator"), "a Map state has ItemProcessor or Iterator (its older name), not both")
	case !has("ItemProcessor") && !has("Iterator"):
		c.add(path, "a Map state needs an ItemProcessor, the state machine run for each item")
	}
	for _, k := range []string{"ItemProcessor", "Iterator"} {
		if v, ok := get(k); ok {
			if m, isObject := v.(*object); isObject {
				c.machine(m, field(path, k), processorMachine)
			} else {
				c.add(field(path, k), "must be a state machine object, not %s", describe(v))
			}
		}
	}
	c.atMostOne(path, has, "ItemSelector", "Parameters")
	c.atMostOne(path, has, "Items", "ItemsPath")
	for _, k := range []string{"MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"} {
		c.atMostOne(path, has, k, k+"Path")
		if v, ok := get(k); ok && !(ql == jsonata && isJSONata(v)) {
			f, isInt := integer(v)
			if k == "ToleratedFailurePercentage" {
				f, isInt = number(v)
			}
			if !isInt || f < 0 || (k == "ToleratedFailurePercentage" && f > 100) {
				what := "a non-negative integer"
				if k == "ToleratedFailurePercentage" {
					what = "a number from 0 to 100"
				}
				c.add(field(path, k), "must be %s, not %s", what, describe(v))
			}
		}
		if v, ok := get(k + "Path"); ok {
			c.path(v, field(path, k+"Path"), referencePath)
		}
	}
	if v, ok := get("ItemsPath"); ok {
		c.path(v, field(path, "ItemsPath"), referencePath)
	}
	if v, ok := get("Items"); ok {
		if _, isArray := v.([]any); !isArray && !isJSONata(v) {
			c.add(field(path, "Items"), "must be an array or a JSONata expression {%% ... %%}, not %s", describe(v))
		}
	}
	if v, ok := get("Label"); ok {
		if _, isString := v.(string); !isString {
			c.add(field(path, "Label"), "must be a string, not %s", describe(v))
		}
	}
	for _, k := range []string{"ItemReader", "ResultWriter", "ItemBatcher"} {
		v, ok := get(k)
		if !ok {
			continue
		}
		o, isObject := v.(*object)
		if !isObject {
			c.add(field(path, k), "must be an object, not %s", describe(v))
			continue
		}
		kp := field(path, k)
		if k == "ItemReader" && !o.has("Resource") {
			c.add(kp, "an ItemReader needs a Resource")
		}
		if r, ok := o.get("Resource"); ok {
			allowed := itemReaderResources
			if k == "ResultWriter" {
				allowed = resultWriterResources
			}
			c.mapResource(r, field(kp, "Resource"), k, allowed)
		}
		// Their input is Parameters in JSONPath and Arguments in JSONata
		// ("Map state", ItemReader and ResultWriter fields), as a state's.
		for _, in := range []string{"Parameters", "Arguments"} {
			p, ok := o.get(in)
			if !ok {
				continue
			}
			if (in == "Parameters") != (ql == jsonPath) {
				c.add(field(kp, in), "%s is a %s field: an %s whose state's QueryLanguage is %s takes %s",
					in, otherLanguage(ql), k, ql, map[bool]string{true: "Parameters", false: "Arguments"}[ql == jsonPath])
				continue
			}
			c.payload(p, field(kp, in), ql)
		}
		if k == "ItemBatcher" {
			if b, ok := o.get("BatchInput"); ok {
				c.payload(b, field(kp, "BatchInput"), ql)
			}
		}
		if k == "ItemBatcher" && ql == jsonPath {
			for _, f := range []string{"MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"} {
				if v, ok := o.get(f); ok {
					c.path(v, field(kp, f), referencePath)
				}
			}
		}
		if rc, ok := o.vals["ReaderConfig"].(*object); ok && k == "ItemReader" && ql == jsonPath {
			if v, ok := rc.get("MaxItemsPath"); ok {
				c.path(v, field(field(kp, "ReaderConfig"), "MaxItemsPath"), referencePath)
			}
		}
	}
}

// typeName quotes a Type value for a message: "Lambda", or its JSON type
// when it is not a string.
func typeName(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return describe(v)
}
