package validation

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/eventstack-io/eventstack-operator/internal/asl"
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
	asl.WalkStates(doc, func(name string, state map[string]any) {
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
