package localaws

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// orderDef is a small saga: a Lambda task, then a Parallel of two
// integration tasks whose failure is caught into a Fail state.
const orderDef = `{"StartAt":"Load","States":{
 "Load":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:load","Next":"Both"},
 "Both":{"Type":"Parallel","Branches":[
   {"StartAt":"Process","States":{"Process":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"process"},"End":true}}},
   {"StartAt":"Reserve","States":{"Reserve":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"reserve"},"End":true}}}],
  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Rejected"}],"Next":"Done"},
 "Rejected":{"Type":"Fail","Error":"OrderRejected","Cause":"the saga was compensated"},
 "Done":{"Type":"Succeed"}}}`

// waitDone polls DescribeExecution until the execution is no longer
// RUNNING.
func waitDone(t *testing.T, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		d, err := c.DescribeExecution(ddbCtx(t), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING", arn)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Executions started through the API run the definition: a success, a task
// failure caught into a Fail state, a task failure not caught; listed newest
// first and by status, described, with their histories in AWS's shapes.
func TestSFNExecutions(t *testing.T) {
	srv, c := sfnEnv(t, Delays{})
	ctx := ddbCtx(t)
	in := sagaInput()
	in.Name, in.Definition, in.Type = aws.String("orders"), aws.String(orderDef), sfntypes.StateMachineTypeStandard
	machine := aws.ToString(must(c.CreateStateMachine(ctx, in))(t).StateMachineArn)
	srv.SetTaskRunner(func(resource, parameters, input string) (string, string, string) {
		switch {
		case strings.Contains(input, `"fail":"reserve"`) && strings.Contains(parameters, "reserve"):
			return "", "Lambda.Unknown", "reserve: out of stock"
		case strings.Contains(input, `"fail":"load"`) && strings.HasSuffix(resource, ":load"):
			return "", "States.TaskFailed", "load: no such order"
		}
		return input, "", ""
	})

	start := func(name, input string) string {
		out := must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: aws.String(name), Input: aws.String(input)}))(t)
		if want := "arn:aws:states:us-east-1:123456789012:execution:orders:" + name; aws.ToString(out.ExecutionArn) != want || out.StartDate == nil {
			t.Fatalf("StartExecution: %+v, want ARN %s", out, want)
		}
		return aws.ToString(out.ExecutionArn)
	}
	ok := start("ok", `{"order":1}`)
	caught := start("caught", `{"fail":"reserve"}`)
	uncaught := start("uncaught", `{"fail":"load"}`)

	// Parallel branches run at once, so their events interleave: a history
	// is its prefix, the branches' events in any order, and its suffix.
	prefix := []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
		"LambdaFunctionSucceeded", "TaskStateExited", "ParallelStateEntered", "ParallelStateStarted"}
	branch := []string{"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited"}
	tests := []struct {
		arn, status, errName, cause string
		prefix, middle, suffix      []string
	}{
		{ok, "SUCCEEDED", "", "", prefix, append(slices.Clone(branch), branch...),
			[]string{"ParallelStateSucceeded", "ParallelStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}},
		// The other branch is stopped when Reserve fails: it may have run
		// any part of itself.
		{caught, "FAILED", "OrderRejected", "the saga was compensated", prefix, nil,
			[]string{"ParallelStateFailed", "FailStateEntered", "ExecutionFailed"}},
		{uncaught, "FAILED", "States.TaskFailed", "load: no such order", []string{"ExecutionStarted", "TaskStateEntered",
			"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed", "ExecutionFailed"}, nil, nil},
	}
	for _, tt := range tests {
		d := waitDone(t, c, tt.arn)
		if string(d.Status) != tt.status || aws.ToString(d.Error) != tt.errName || aws.ToString(d.Cause) != tt.cause ||
			aws.ToString(d.StateMachineArn) != machine || d.StopDate == nil {
			t.Errorf("%s: DescribeExecution %s %q %q, want %s %q %q", tt.arn, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), tt.status, tt.errName, tt.cause)
		}
		h := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(tt.arn)}))(t)
		var types []string
		for i, e := range h.Events {
			types = append(types, string(e.Type))
			// previousEventId is the event before in the same branch (AWS
			// links a Parallel's branches apart): earlier, 0 only first.
			if e.Id != int64(i+1) || e.PreviousEventId >= e.Id || (e.PreviousEventId == 0) != (i == 0) || e.Timestamp == nil {
				t.Errorf("%s: event %d: id %d, previous %d", tt.arn, i, e.Id, e.PreviousEventId)
			}
		}
		if !historyMatches(types, tt.prefix, tt.middle, tt.suffix) {
			t.Errorf("%s: history\n got %q\nwant %q, then %q in any order (or anything, when none), then %q", tt.arn, types, tt.prefix, tt.middle, tt.suffix)
		}
	}

	// The history's details, as the SDK decodes them.
	h := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &caught, ReverseOrder: true, MaxResults: 3}))(t)
	all := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &caught}))(t)
	var failed *sfntypes.TaskFailedEventDetails
	for _, e := range all.Events {
		if e.TaskFailedEventDetails != nil {
			failed = e.TaskFailedEventDetails
		}
	}
	if len(h.Events) != 3 || h.NextToken == nil || h.Events[0].ExecutionFailedEventDetails == nil ||
		aws.ToString(h.Events[0].ExecutionFailedEventDetails.Error) != "OrderRejected" ||
		aws.ToString(h.Events[1].StateEnteredEventDetails.Name) != "Rejected" ||
		failed == nil || aws.ToString(failed.Cause) != "reserve: out of stock" || aws.ToString(failed.ResourceType) != "lambda" {
		t.Errorf("reversed history page: %+v", h.Events)
	}

	list := func(status sfntypes.ExecutionStatus) []string {
		out := must(c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &machine, StatusFilter: status}))(t)
		var names []string
		for _, e := range out.Executions {
			names = append(names, aws.ToString(e.Name))
		}
		return names
	}
	if got := list(""); !slices.Equal(got, []string{"uncaught", "caught", "ok"}) {
		t.Errorf("ListExecutions: %q, want newest first", got)
	}
	if got := list(sfntypes.ExecutionStatusFailed); !slices.Equal(got, []string{"uncaught", "caught"}) {
		t.Errorf("ListExecutions FAILED: %q", got)
	}

	// Idempotent with the same input; refused with another.
	if again := start("ok", `{"order":1}`); again != ok {
		t.Errorf("same name and input: %s", again)
	}
	_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: aws.String("ok"), Input: aws.String(`{}`)})
	var exists *sfntypes.ExecutionAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("same name, other input: %v", err)
	}
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(ok + "-missing")})
	var missing *sfntypes.ExecutionDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("missing execution: %v", err)
	}
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(machine + "x")})
	var noMachine *sfntypes.StateMachineDoesNotExist
	if !errors.As(err, &noMachine) {
		t.Errorf("executions of a missing state machine: %v", err)
	}
	if got := srv.Executions(machine); len(got) != 3 || got[0].Name != "uncaught" || got[0].Error != "States.TaskFailed" {
		t.Errorf("Executions: %+v", got)
	}
}

// historyMatches tells whether a history is prefix, then middle in any
// order (anything when middle is nil), then suffix.
func historyMatches(got, prefix, middle, suffix []string) bool {
	if len(got) < len(prefix)+len(suffix) || !slices.Equal(got[:len(prefix)], prefix) || !slices.Equal(got[len(got)-len(suffix):], suffix) {
		return false
	}
	if middle == nil {
		return true
	}
	mid := slices.Clone(got[len(prefix) : len(got)-len(suffix)])
	want := slices.Clone(middle)
	slices.Sort(mid)
	slices.Sort(want)
	return slices.Equal(mid, want)
}

// A running execution stopped with StopExecution is ABORTED with the error
// and cause given.
func TestSFNStopExecution(t *testing.T) {
	srv, c := sfnEnv(t, Delays{})
	ctx := ddbCtx(t)
	in := sagaInput()
	in.Name, in.Definition = aws.String("orders"), aws.String(orderDef)
	machine := aws.ToString(must(c.CreateStateMachine(ctx, in))(t).StateMachineArn)
	release := make(chan struct{})
	srv.SetTaskRunner(func(_, _, input string) (string, string, string) {
		<-release
		return input, "", ""
	})
	arn := aws.ToString(must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine}))(t).ExecutionArn)
	must(c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: &arn, Error: aws.String("Operator"), Cause: aws.String("stopped by hand")}))(t)
	close(release)
	d := waitDone(t, c, arn)
	if d.Status != sfntypes.ExecutionStatusAborted || aws.ToString(d.Error) != "Operator" || aws.ToString(d.Cause) != "stopped by hand" {
		t.Errorf("stopped execution: %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if got := srv.Executions(machine)[0].Events; got[len(got)-1] != "ExecutionAborted" {
		t.Errorf("history ends with %q", got)
	}
}
