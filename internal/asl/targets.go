package asl

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// This file lists what a definition names outside itself: the resources its
// states call, the S3 objects a Distributed Map reads its items from and
// writes its results to, and the roles its tasks run as. It says where each
// is named and whether the name is written in the definition or computed at
// run time; judging them (a platform's guardrails) is the caller's.

// Value is one field that names something, as written in the definition.
type Value struct {
	// Field is the field's name within its object, as written
	// ("FunctionName", "FunctionName.$", "RoleArn").
	Field string
	// Text is the string written; for a value that is not a string, its JSON.
	Text string
	// RunTime: the name is computed when the state runs, not written: a
	// JSONPath field (.$), a JSONata expression ({% ... %}), or a value that
	// is not a string.
	RunTime bool
}

// Call is one place where a state names what it calls, reads or writes: a
// Task state's Resource, or a Map state's ItemReader or ResultWriter.
type Call struct {
	// State is the name of the state.
	State string
	// In is where: "Task", "ItemReader" or "ResultWriter".
	In string
	// Resource is the ARN called (a Task's Resource, the reader's or writer's).
	Resource Value
	// ArgsField is where the arguments are: "Parameters" (JSONPath) or
	// "Arguments" (JSONata); "" when there are none.
	ArgsField string
	// Args are the top-level fields of the arguments, by name with any .$
	// stripped. When a field is written both ways, the run-time one is kept.
	Args map[string]Value
	// ArgsAtRunTime: the arguments as a whole are computed at run time —
	// missing (a Task passes its input on as the arguments) or one JSONata
	// expression — so any field of them may be.
	ArgsAtRunTime bool
	// ReaderConfig are the fields of an ItemReader's ReaderConfig.
	ReaderConfig map[string]Value
}

// Credentials is a state's Credentials: the role Step Functions assumes to
// run the state's task instead of the state machine's own.
type Credentials struct {
	State string
	// RoleArn is the role; RunTime when it is a path, an expression, or
	// Credentials is not an object holding RoleArn.
	RoleArn Value
}

// Targets is everything a definition names outside itself.
type Targets struct {
	Calls       []Call
	Credentials []Credentials
}

// FindTargets parses a definition and lists what its states (nested ones
// included, in name order) call, read, write and run as.
func FindTargets(definition string) (Targets, error) {
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return Targets{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var out Targets
	WalkStates(doc, func(name string, state map[string]any) {
		if c, ok := state["Credentials"]; ok {
			out.Credentials = append(out.Credentials, Credentials{State: name, RoleArn: credentialsRole(c)})
		}
		switch state["Type"] {
		case "Task":
			out.Calls = append(out.Calls, targetCall(name, "Task", state, true))
		case "Map":
			for _, k := range []string{"ItemReader", "ResultWriter"} {
				v, ok := state[k]
				if !ok {
					continue
				}
				o, isObject := v.(map[string]any)
				if !isObject {
					// One expression for the whole reader: anything at run time.
					out.Calls = append(out.Calls, Call{State: name, In: k, Resource: targetValue(k, v), ArgsAtRunTime: true})
					continue
				}
				if _, hasResource := o["Resource"]; !hasResource && k == "ResultWriter" {
					continue // a writer that only shapes the output writes nowhere
				}
				c := targetCall(name, k, o, false)
				if cfg, ok := o["ReaderConfig"].(map[string]any); ok {
					c.ReaderConfig = targetFields(cfg)
				} else if cfg, ok := o["ReaderConfig"]; ok {
					c.ReaderConfig = map[string]Value{"ReaderConfig": targetValue("ReaderConfig", cfg)}
				}
				out.Calls = append(out.Calls, c)
			}
		}
	})
	return out, nil
}

// targetCall reads the Resource and the arguments of a Task state or of a Map's
// reader or writer. A Task without arguments passes its input on as them;
// a reader or writer without any has no input to take them from, and AWS
// refuses it.
func targetCall(state, in string, o map[string]any, inputIsArgs bool) Call {
	c := Call{State: state, In: in, Args: map[string]Value{}}
	if r, ok := o["Resource"]; ok {
		c.Resource = targetValue("Resource", r)
	} else {
		c.Resource = Value{Field: "Resource", RunTime: true}
	}
	for _, k := range []string{"Parameters", "Arguments"} {
		v, ok := o[k]
		if !ok {
			continue
		}
		c.ArgsField = k
		if m, isObject := v.(map[string]any); isObject {
			for name, f := range targetFields(m) {
				if old, seen := c.Args[name]; !seen || !old.RunTime {
					c.Args[name] = f
				}
			}
		} else {
			c.ArgsAtRunTime = true
		}
	}
	if c.ArgsField == "" && inputIsArgs {
		c.ArgsAtRunTime = true
	}
	return c
}

// targetFields are an object's fields by name, .$ stripped; a field written both
// ways is kept as its run-time form.
func targetFields(m map[string]any) map[string]Value {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]Value{}
	for _, k := range keys {
		name, path := strings.CutSuffix(k, ".$")
		v := targetValue(k, m[k])
		if path {
			v.RunTime = true
		}
		if old, seen := out[name]; !seen || !old.RunTime {
			out[name] = v
		}
	}
	return out
}

// targetValue reads a field's value.
func targetValue(field string, v any) Value {
	if s, ok := v.(string); ok {
		// A JSONata expression is the whole string; one that only holds {%
		// is refused by AWS, and counted as run time here.
		return Value{Field: field, Text: s, RunTime: strings.Contains(s, "{%")}
	}
	b, _ := json.Marshal(v)
	return Value{Field: field, Text: string(b), RunTime: true}
}

// credentialsRole reads Credentials: {"RoleArn": ...} or {"RoleArn.$": ...}.
func credentialsRole(c any) Value {
	m, ok := c.(map[string]any)
	if !ok {
		return targetValue("Credentials", c)
	}
	f, ok := targetFields(m)["RoleArn"]
	if !ok {
		b, _ := json.Marshal(m)
		return Value{Field: "Credentials", Text: string(b), RunTime: true}
	}
	return f
}
