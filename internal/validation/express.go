package validation

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// expressTaskProblem is a Task state an EXPRESS state machine cannot have.
type expressTaskProblem struct {
	state, resource, problem string
}

// activityARN is the Resource of a Task state that runs a Step Functions activity.
var activityARN = regexp.MustCompile(`^arn:aws[a-z-]*:states:[^:]*:[^:]*:activity:`)

// expressTaskProblems lists the Task states, nested ones included, whose
// Resource is an activity or an optimised integration with the .sync (or
// .sync:2) or .waitForTaskToken pattern. A definition that does not parse is
// reported elsewhere and yields nothing here.
func expressTaskProblems(definition string) []expressTaskProblem {
	var doc map[string]any
	if json.Unmarshal([]byte(definition), &doc) != nil {
		return nil
	}
	var out []expressTaskProblem
	walkDefinition(doc, func(name string, state map[string]any) {
		if state["Type"] != "Task" {
			return
		}
		resource, _ := state["Resource"].(string)
		_, integration, isIntegration := strings.Cut(resource, ":states:::")
		switch {
		case activityARN.MatchString(resource):
			out = append(out, expressTaskProblem{name, resource, "an EXPRESS workflow cannot run activities: Step Functions refuses an activity ARN in an Express state machine"})
		case isIntegration && (strings.HasSuffix(integration, ".sync") || strings.Contains(integration, ".sync:")):
			out = append(out, expressTaskProblem{name, resource, "an EXPRESS workflow supports only request-response integrations: Step Functions refuses the .sync (run a job) pattern in an Express state machine; use a STANDARD workflow"})
		case isIntegration && strings.HasSuffix(integration, ".waitForTaskToken"):
			out = append(out, expressTaskProblem{name, resource, "an EXPRESS workflow supports only request-response integrations: Step Functions refuses the .waitForTaskToken (callback) pattern in an Express state machine; use a STANDARD workflow"})
		}
	})
	return out
}

// walkDefinition calls fn for every state of a state machine, in name order,
// inside Parallel branches and Map iterators (Iterator, ItemProcessor) too.
func walkDefinition(machine map[string]any, fn func(name string, state map[string]any)) {
	states, _ := machine["States"].(map[string]any)
	names := make([]string, 0, len(states))
	for name := range states {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		state, ok := states[name].(map[string]any)
		if !ok {
			continue
		}
		fn(name, state)
		if branches, ok := state["Branches"].([]any); ok {
			for _, b := range branches {
				if m, ok := b.(map[string]any); ok {
					walkDefinition(m, fn)
				}
			}
		}
		for _, key := range []string{"Iterator", "ItemProcessor"} {
			if m, ok := state[key].(map[string]any); ok {
				walkDefinition(m, fn)
			}
		}
	}
}
