package stacktest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/executions"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
)

// Targets are the names and ARNs in AWS of what a scenario sends to and
// reads, as the operator reported them in the stack's status.
type Targets struct {
	Bus string
	// Tables: spec name → table name in AWS.
	Tables map[string]string
	// Workflows and Topics: spec name → ARN.
	Workflows map[string]string
	Topics    map[string]string
}

// Resolve finds, in the stack's status, every component the scenario names.
// An error names the expectation's field and what the stack has instead.
func Resolve(stack *v1alpha1.EventDrivenStack, s *Scenario) (*Targets, error) {
	bus, err := putevents.BusName(stack)
	if err != nil {
		return nil, err
	}
	t := &Targets{Bus: bus, Tables: map[string]string{}, Workflows: map[string]string{}, Topics: map[string]string{}}
	for i, e := range s.Events {
		for j, x := range e.Expect {
			field := fmt.Sprintf("events[%d].expect[%d]", i, j)
			if err := t.resolve(stack, x, field); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

func (t *Targets) resolve(stack *v1alpha1.EventDrivenStack, x Expectation, field string) error {
	switch {
	case x.Item != nil:
		arn, err := childARN(stack, "table", x.Item.Table, tableNames(stack), field+".item.table")
		if err != nil {
			return err
		}
		t.Tables[x.Item.Table] = arn[strings.LastIndex(arn, "/")+1:]
	case x.Execution != nil:
		_, arn, err := executions.Workflow(stack, x.Execution.Workflow)
		if err != nil {
			return fmt.Errorf("%s.execution.workflow: %w", field, err)
		}
		t.Workflows[x.Execution.Workflow] = arn
	case x.Notification != nil:
		arn, err := childARN(stack, "topic", x.Notification.Topic, topicNames(stack), field+".notification.topic")
		if err != nil {
			return err
		}
		t.Topics[x.Notification.Topic] = arn
	}
	return nil
}

// childARN is the ARN the operator reported for the component kind/name.
func childARN(stack *v1alpha1.EventDrivenStack, kind, name string, names []string, field string) (string, error) {
	known := false
	for _, n := range names {
		known = known || n == name
	}
	if !known {
		sort.Strings(names)
		return "", fmt.Errorf("%s: stack %s/%s has no %s %q (it has: %s)", field, stack.Namespace, stack.Name, kind, name, strings.Join(names, ", "))
	}
	for _, c := range stack.Status.Children {
		if c.Component == kind+"/"+name && c.ARN != "" {
			return c.ARN, nil
		}
	}
	return "", fmt.Errorf("%s: stack %s/%s has not reported the ARN of %s %s yet: is it Ready?", field, stack.Namespace, stack.Name, kind, name)
}

func tableNames(stack *v1alpha1.EventDrivenStack) []string {
	var out []string
	for _, t := range stack.Spec.Tables {
		out = append(out, t.Name)
	}
	return out
}

func topicNames(stack *v1alpha1.EventDrivenStack) []string {
	var out []string
	for _, t := range stack.Spec.Topics {
		out = append(out, t.Name)
	}
	return out
}
