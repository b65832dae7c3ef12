// Package executions is kubectl eds executions: a stack workflow's recent
// executions from Step Functions, and for one that failed, timed out or was
// aborted, the state it failed in with the error and cause, read from its
// history.
package executions

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// API is the Step Functions calls this package makes.
type API interface {
	ListExecutions(context.Context, *sfn.ListExecutionsInput, ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error)
	GetExecutionHistory(context.Context, *sfn.GetExecutionHistoryInput, ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
}

// Workflow names a stack's workflow and its state machine's ARN, as the
// operator reports it (status.outputs workflow.<name>.arn, else the
// StateMachine child's ARN). With name "", the stack's only workflow.
func Workflow(stack *v1alpha1.EventDrivenStack, name string) (workflow, arn string, err error) {
	var names []string
	for _, w := range stack.Spec.Workflows {
		names = append(names, w.Name)
	}
	switch {
	case len(names) == 0:
		return "", "", fmt.Errorf("stack %s/%s has no workflows", stack.Namespace, stack.Name)
	case name == "" && len(names) > 1:
		return "", "", fmt.Errorf("stack %s/%s has %d workflows: name one (%s)", stack.Namespace, stack.Name, len(names), strings.Join(names, ", "))
	case name == "":
		name = names[0]
	}
	found := false
	for _, n := range names {
		found = found || n == name
	}
	if !found {
		return "", "", fmt.Errorf("stack %s/%s has no workflow %q: workflows: %s", stack.Namespace, stack.Name, name, strings.Join(names, ", "))
	}
	if arn := stack.Status.Outputs["workflow."+name+".arn"]; arn != "" {
		return name, arn, nil
	}
	for _, c := range stack.Status.Children {
		if c.Kind == "StateMachine" && c.Component == "workflow/"+name && c.ARN != "" {
			return name, c.ARN, nil
		}
	}
	return "", "", fmt.Errorf("stack %s/%s has not reported the ARN of workflow %s yet (status.outputs has no workflow.%s.arn): is it Ready?",
		stack.Namespace, stack.Name, name, name)
}

// Execution is one execution, and why it failed when it did.
type Execution struct {
	Name, ARN, Status string
	Start, Stop       time.Time
	Failure           *Failure
}

// Failure is where and why an execution failed: the state it failed in
// (empty when it failed before entering one), the history event that said
// so (TaskFailed, LambdaFunctionFailed, ExecutionFailed, ...), the error and
// the cause.
type Failure struct {
	State, Event, Error, Cause string
	// After is the task failure a Catch led from, when the execution then
	// failed elsewhere (a Fail state of a saga's compensation).
	After *Failure
}

// unsuccessful are the statuses --failed lists.
var unsuccessful = []types.ExecutionStatus{types.ExecutionStatusFailed, types.ExecutionStatusTimedOut, types.ExecutionStatusAborted}

// List returns a state machine's newest executions, at most limit; with
// failed, only those that failed, timed out or were aborted. Each of those
// carries its Failure.
func List(ctx context.Context, api API, machineARN string, failed bool, limit int) ([]Execution, error) {
	filters := []types.ExecutionStatus{""}
	if failed {
		filters = unsuccessful
	}
	var list []Execution
	for _, status := range filters {
		in := &sfn.ListExecutionsInput{StateMachineArn: aws.String(machineARN), MaxResults: int32(min(limit, 1000)), StatusFilter: status}
		for len(list) < limit*len(filters) {
			out, err := api.ListExecutions(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("states:ListExecutions on %s: %w", machineARN, err)
			}
			for _, e := range out.Executions {
				list = append(list, Execution{Name: aws.ToString(e.Name), ARN: aws.ToString(e.ExecutionArn), Status: string(e.Status),
					Start: aws.ToTime(e.StartDate), Stop: aws.ToTime(e.StopDate)})
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Start.After(list[j].Start) })
	list = list[:min(len(list), limit)]
	for i := range list {
		switch types.ExecutionStatus(list[i].Status) {
		case types.ExecutionStatusFailed, types.ExecutionStatusTimedOut, types.ExecutionStatusAborted:
			f, err := FailureOf(ctx, api, list[i].ARN)
			if err != nil {
				return nil, err
			}
			list[i].Failure = f
		}
	}
	return list, nil
}

// taskFailures are the history events that say a state's work failed.
var taskFailures = map[types.HistoryEventType]bool{
	types.HistoryEventTypeTaskFailed: true, types.HistoryEventTypeTaskTimedOut: true, types.HistoryEventTypeTaskStartFailed: true,
	types.HistoryEventTypeTaskSubmitFailed: true, types.HistoryEventTypeLambdaFunctionFailed: true,
	types.HistoryEventTypeLambdaFunctionTimedOut: true, types.HistoryEventTypeLambdaFunctionStartFailed: true,
	types.HistoryEventTypeLambdaFunctionScheduleFailed: true, types.HistoryEventTypeActivityFailed: true,
	types.HistoryEventTypeActivityTimedOut: true,
}

// FailureOf reads an execution's history and says where it failed: the
// innermost state entered and not exited when the execution ended, with the
// error and cause of its end (ExecutionFailed, ExecutionTimedOut,
// ExecutionAborted), else of the last task failure in that state.
func FailureOf(ctx context.Context, api API, executionARN string) (*Failure, error) {
	in := &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(executionARN), MaxResults: 1000}
	var open []string // states entered and not exited, innermost last
	var task, end *Failure
	byID := map[int64]types.HistoryEvent{}
	// stateOf is the state an event happened in: the StateEntered its
	// previousEventId chain leads back to (a Parallel's branches interleave
	// in the history, so the innermost open state may be another branch's),
	// else the innermost open state.
	stateOf := func(e types.HistoryEvent) string {
		for range len(byID) {
			prev, ok := byID[e.PreviousEventId]
			if !ok || e.PreviousEventId == 0 {
				break
			}
			if prev.StateEnteredEventDetails != nil {
				return aws.ToString(prev.StateEnteredEventDetails.Name)
			}
			e = prev
		}
		return last(open)
	}
	var endEvent types.HistoryEvent
	for {
		out, err := api.GetExecutionHistory(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("states:GetExecutionHistory on %s: %w", executionARN, err)
		}
		for _, e := range out.Events {
			if e.Id != 0 {
				byID[e.Id] = e
			}
			typ := string(e.Type)
			switch {
			case e.StateEnteredEventDetails != nil:
				open = append(open, aws.ToString(e.StateEnteredEventDetails.Name))
			case e.StateExitedEventDetails != nil:
				open = closeState(open, aws.ToString(e.StateExitedEventDetails.Name))
			case taskFailures[e.Type]:
				errName, cause := taskError(e)
				task = &Failure{State: stateOf(e), Event: typ, Error: errName, Cause: cause}
			case e.Type == types.HistoryEventTypeExecutionFailed && e.ExecutionFailedEventDetails != nil:
				endEvent = e
				end = &Failure{Event: typ, Error: aws.ToString(e.ExecutionFailedEventDetails.Error), Cause: aws.ToString(e.ExecutionFailedEventDetails.Cause)}
			case e.Type == types.HistoryEventTypeExecutionTimedOut:
				endEvent = e
				end = &Failure{Event: typ, Error: "States.Timeout"}
				if d := e.ExecutionTimedOutEventDetails; d != nil {
					end.Error, end.Cause = or(aws.ToString(d.Error), end.Error), aws.ToString(d.Cause)
				}
			case e.Type == types.HistoryEventTypeExecutionAborted:
				endEvent = e
				end = &Failure{Event: typ}
				if d := e.ExecutionAbortedEventDetails; d != nil {
					end.Error, end.Cause = aws.ToString(d.Error), aws.ToString(d.Cause)
				}
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if end == nil {
		return task, nil
	}
	if task != nil && task.Error == end.Error && task.Cause == end.Cause {
		// The execution failed of its task's error, unchanged: the task's
		// event names what failed (a Parallel's failure event may follow
		// another branch's last event).
		return task, nil
	}
	end.State = stateOf(endEvent)
	end.After = task
	return end, nil
}

func taskError(e types.HistoryEvent) (errName, cause string) {
	switch {
	case e.TaskFailedEventDetails != nil:
		return aws.ToString(e.TaskFailedEventDetails.Error), aws.ToString(e.TaskFailedEventDetails.Cause)
	case e.TaskTimedOutEventDetails != nil:
		return or(aws.ToString(e.TaskTimedOutEventDetails.Error), "States.Timeout"), aws.ToString(e.TaskTimedOutEventDetails.Cause)
	case e.TaskStartFailedEventDetails != nil:
		return aws.ToString(e.TaskStartFailedEventDetails.Error), aws.ToString(e.TaskStartFailedEventDetails.Cause)
	case e.TaskSubmitFailedEventDetails != nil:
		return aws.ToString(e.TaskSubmitFailedEventDetails.Error), aws.ToString(e.TaskSubmitFailedEventDetails.Cause)
	case e.LambdaFunctionFailedEventDetails != nil:
		return aws.ToString(e.LambdaFunctionFailedEventDetails.Error), aws.ToString(e.LambdaFunctionFailedEventDetails.Cause)
	case e.LambdaFunctionTimedOutEventDetails != nil:
		return or(aws.ToString(e.LambdaFunctionTimedOutEventDetails.Error), "States.Timeout"), aws.ToString(e.LambdaFunctionTimedOutEventDetails.Cause)
	case e.LambdaFunctionStartFailedEventDetails != nil:
		return aws.ToString(e.LambdaFunctionStartFailedEventDetails.Error), aws.ToString(e.LambdaFunctionStartFailedEventDetails.Cause)
	case e.LambdaFunctionScheduleFailedEventDetails != nil:
		return aws.ToString(e.LambdaFunctionScheduleFailedEventDetails.Error), aws.ToString(e.LambdaFunctionScheduleFailedEventDetails.Cause)
	case e.ActivityFailedEventDetails != nil:
		return aws.ToString(e.ActivityFailedEventDetails.Error), aws.ToString(e.ActivityFailedEventDetails.Cause)
	case e.ActivityTimedOutEventDetails != nil:
		return or(aws.ToString(e.ActivityTimedOutEventDetails.Error), "States.Timeout"), aws.ToString(e.ActivityTimedOutEventDetails.Cause)
	}
	return "", ""
}

// closeState removes the innermost open state of that name.
func closeState(open []string, name string) []string {
	for i := len(open) - 1; i >= 0; i-- {
		if open[i] == name {
			return append(open[:i], open[i+1:]...)
		}
	}
	return open
}

func last(open []string) string {
	if len(open) == 0 {
		return ""
	}
	return open[len(open)-1]
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Write prints the executions as a table, newest first, and under each that
// failed the state, event, error and cause.
func Write(out io.Writer, workflow, machineARN string, list []Execution, now time.Time) {
	fmt.Fprintf(out, "Workflow %s (%s)\n", workflow, machineARN)
	if len(list) == 0 {
		fmt.Fprintln(out, "  no executions")
		return
	}
	rows := [][]string{{"NAME", "STATUS", "STARTED", "DURATION"}}
	for _, e := range list {
		stop := e.Stop
		if stop.IsZero() {
			stop = now
		}
		rows = append(rows, []string{e.Name, e.Status, e.Start.UTC().Format(time.RFC3339), stop.Sub(e.Start).Round(time.Millisecond).String()})
	}
	widths := make([]int, 3)
	for _, r := range rows {
		for c := range widths {
			widths[c] = max(widths[c], len(r[c]))
		}
	}
	for i, r := range rows {
		fmt.Fprintf(out, "  %-*s  %-*s  %-*s  %s\n", widths[0], r[0], widths[1], r[1], widths[2], r[2], r[3])
		if i == 0 || list[i-1].Failure == nil {
			continue
		}
		f := list[i-1].Failure
		where := "before entering a state"
		if f.State != "" {
			where = "in state " + f.State
		}
		verb := map[string]string{"TIMED_OUT": "timed out", "ABORTED": "aborted"}[list[i-1].Status]
		fmt.Fprintf(out, "    ✗ %s %s (%s)%s\n", or(verb, "failed"), where, f.Event, errorAndCause(f))
		if a := f.After; a != nil {
			fmt.Fprintf(out, "      after %s failed (%s)%s\n", or(a.State, "a task"), a.Event, errorAndCause(a))
		}
	}
}

// errorAndCause is ": error: cause", or as much of it as there is.
func errorAndCause(f *Failure) string {
	msg := ""
	for _, part := range []string{f.Error, f.Cause} {
		if part != "" {
			msg += ": " + part
		}
	}
	return msg
}
