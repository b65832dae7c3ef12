package executions

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

const machineARN = "arn:aws:states:us-east-1:123456789012:stateMachine:dev-saga"

func TestWorkflow(t *testing.T) {
	stack := func(workflows []string, outputs map[string]string, children ...v1alpha1.ChildStatus) *v1alpha1.EventDrivenStack {
		s := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders"}}
		for _, w := range workflows {
			s.Spec.Workflows = append(s.Spec.Workflows, v1alpha1.Workflow{Name: w})
		}
		s.Status.Outputs, s.Status.Children = outputs, children
		return s
	}
	tests := []struct {
		name, arg string
		stack     *v1alpha1.EventDrivenStack
		want      string
		wantErr   string
	}{
		{"the only workflow, from the outputs", "", stack([]string{"saga"}, map[string]string{"workflow.saga.arn": machineARN}), machineARN, ""},
		{"from the StateMachine child", "saga", stack([]string{"saga"}, nil, v1alpha1.ChildStatus{Kind: "StateMachine", Component: "workflow/saga", ARN: machineARN}), machineARN, ""},
		{"not reported yet", "", stack([]string{"saga"}, nil), "", "has not reported the ARN of workflow saga yet"},
		{"several: name one", "", stack([]string{"saga", "refunds"}, nil), "", "has 2 workflows: name one (saga, refunds)"},
		{"unknown", "payments", stack([]string{"saga"}, nil), "", `has no workflow "payments": workflows: saga`},
		{"none", "", stack(nil, nil), "", "has no workflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, arn, err := Workflow(tt.stack, tt.arg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || arn != tt.want {
				t.Fatalf("Workflow: %q, %v", arn, err)
			}
		})
	}
}

// sagaDef: a Lambda task, then a Parallel of two lambda:invoke tasks, whose
// failure is caught into a Fail state.
const sagaDef = `{"StartAt":"LoadOrder","States":{
 "LoadOrder":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:dev-load","Next":"ProcessAndReserve"},
 "ProcessAndReserve":{"Type":"Parallel","Branches":[
   {"StartAt":"ProcessOrder","States":{"ProcessOrder":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"process"},"End":true}}},
   {"StartAt":"ReserveStock","States":{"ReserveStock":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"reserve"},"End":true}}}],
  "Catch":[{"ErrorEquals":["OrderInvalid"],"Next":"MarkFailed"}],"Next":"Done"},
 "MarkFailed":{"Type":"Fail","Error":"OrderFailed","Cause":"order 42 was compensated"},
 "Done":{"Type":"Succeed"}}}`

// sfnEnv makes the saga's state machine in a local AWS whose tasks fail as
// the input says, and starts executions named and with these inputs, one
// after the other, each to its end.
func sfnEnv(t *testing.T, executions ...[2]string) *sfn.Client {
	t.Helper()
	srv := localaws.New()
	url, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.SetTaskRunner(func(resource, parameters, input string) (string, string, string) {
		switch {
		case strings.Contains(input, `"fail":"reserve"`) && strings.Contains(parameters, "reserve"):
			return "", "Lambda.Unknown", "ReserveStock: table inventory throttled"
		case strings.Contains(input, `"fail":"process"`) && strings.Contains(parameters, "process"):
			return "", "OrderInvalid", "order 42 has no items"
		case strings.Contains(input, `"fail":"load"`) && strings.HasSuffix(resource, ":dev-load"):
			return "", "States.TaskFailed", "no order 42"
		}
		return input, "", ""
	})
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), BaseEndpoint: aws.String(url)}
	c := sfn.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("dev-saga"), Definition: aws.String(sagaDef),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/dev-saga-role")}); err != nil {
		t.Fatal(err)
	}
	for _, e := range executions {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machineARN), Name: aws.String(e[0]), Input: aws.String(e[1])})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != sfntypes.ExecutionStatusRunning {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still RUNNING", e[0])
			}
		}
	}
	return c
}

func TestList(t *testing.T) {
	c := sfnEnv(t,
		[2]string{"order-41", `{"order":41}`},
		[2]string{"order-42-reserve", `{"fail":"reserve"}`},
		[2]string{"order-42-process", `{"fail":"process"}`},
		[2]string{"order-43", `{"order":43}`},
		[2]string{"order-44-load", `{"fail":"load"}`},
	)
	type row struct{ name, status string }
	tests := []struct {
		name     string
		failed   bool
		limit    int
		want     []row
		failures map[string]Failure
	}{
		{"newest first", false, 10, []row{{"order-44-load", "FAILED"}, {"order-43", "SUCCEEDED"}, {"order-42-process", "FAILED"},
			{"order-42-reserve", "FAILED"}, {"order-41", "SUCCEEDED"}}, map[string]Failure{
			"order-44-load": {State: "LoadOrder", Event: "LambdaFunctionFailed", Error: "States.TaskFailed", Cause: "no order 42"},
			"order-42-process": {State: "MarkFailed", Event: "ExecutionFailed", Error: "OrderFailed", Cause: "order 42 was compensated",
				After: &Failure{State: "ProcessOrder", Event: "TaskFailed", Error: "OrderInvalid", Cause: "order 42 has no items"}},
			"order-42-reserve": {State: "ReserveStock", Event: "TaskFailed", Error: "Lambda.Unknown", Cause: "ReserveStock: table inventory throttled"},
		}},
		{"limit", false, 2, []row{{"order-44-load", "FAILED"}, {"order-43", "SUCCEEDED"}}, nil},
		{"failed only", true, 10, []row{{"order-44-load", "FAILED"}, {"order-42-process", "FAILED"}, {"order-42-reserve", "FAILED"}}, nil},
		{"failed, limited", true, 1, []row{{"order-44-load", "FAILED"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := List(context.Background(), c, machineARN, tt.failed, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, e := range list {
				got = append(got, row{e.Name, e.Status})
				if (e.Status == "FAILED") != (e.Failure != nil) {
					t.Errorf("%s: %s with failure %+v", e.Name, e.Status, e.Failure)
				}
				if want, ok := tt.failures[e.Name]; ok && !sameFailure(e.Failure, &want) {
					t.Errorf("%s failed: %+v, want %+v", e.Name, *e.Failure, want)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d: %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func sameFailure(a, b *Failure) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.State == b.State && a.Event == b.Event && a.Error == b.Error && a.Cause == b.Cause && sameFailure(a.After, b.After)
}

func TestWrite(t *testing.T) {
	start := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	list := []Execution{
		{Name: "order-44", Status: "FAILED", Start: start.Add(time.Minute), Stop: start.Add(time.Minute + 1200*time.Millisecond),
			Failure: &Failure{State: "MarkFailed", Event: "ExecutionFailed", Error: "OrderFailed", Cause: "compensated",
				After: &Failure{State: "ReserveStock", Event: "TaskFailed", Error: "Lambda.Unknown", Cause: "table inventory throttled"}}},
		{Name: "order-43-long-name", Status: "RUNNING", Start: start},
		{Name: "order-42", Status: "ABORTED", Start: start.Add(-time.Minute), Stop: start,
			Failure: &Failure{Event: "ExecutionAborted"}},
	}
	var out bytes.Buffer
	Write(&out, "saga", machineARN, list, start.Add(2*time.Minute))
	want := `Workflow saga (arn:aws:states:us-east-1:123456789012:stateMachine:dev-saga)
  NAME                STATUS   STARTED               DURATION
  order-44            FAILED   2026-12-07T08:01:00Z  1.2s
    ✗ failed in state MarkFailed (ExecutionFailed): OrderFailed: compensated
      after ReserveStock failed (TaskFailed): Lambda.Unknown: table inventory throttled
  order-43-long-name  RUNNING  2026-12-07T08:00:00Z  2m0s
  order-42            ABORTED  2026-12-07T07:59:00Z  1m0s
    ✗ aborted before entering a state (ExecutionAborted)
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// historyAPI answers GetExecutionHistory with a fixed history, in pages of
// two, for the histories localaws does not make (timeouts).
type historyAPI struct {
	API
	events []sfntypes.HistoryEvent
}

func (h historyAPI) GetExecutionHistory(_ context.Context, in *sfn.GetExecutionHistoryInput, _ ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error) {
	from := 0
	if in.NextToken != nil {
		from = int((*in.NextToken)[0] - '0')
	}
	to := min(len(h.events), from+2)
	out := &sfn.GetExecutionHistoryOutput{Events: h.events[from:to]}
	if to < len(h.events) {
		out.NextToken = aws.String(string(rune('0' + to)))
	}
	return out, nil
}

// A timed-out execution: the state it was in when the execution's timeout
// struck, over pages; a Lambda that timed out in a state that then failed
// the execution of its error.
func TestFailureOfTimeouts(t *testing.T) {
	entered := func(name string) sfntypes.HistoryEvent {
		return sfntypes.HistoryEvent{Type: sfntypes.HistoryEventTypeTaskStateEntered, StateEnteredEventDetails: &sfntypes.StateEnteredEventDetails{Name: aws.String(name)}}
	}
	exited := func(name string) sfntypes.HistoryEvent {
		return sfntypes.HistoryEvent{Type: sfntypes.HistoryEventTypeTaskStateExited, StateExitedEventDetails: &sfntypes.StateExitedEventDetails{Name: aws.String(name)}}
	}
	tests := []struct {
		name   string
		events []sfntypes.HistoryEvent
		want   Failure
	}{
		{"execution timed out", []sfntypes.HistoryEvent{
			{Type: sfntypes.HistoryEventTypeExecutionStarted}, entered("LoadOrder"), exited("LoadOrder"), entered("WaitForPayment"),
			{Type: sfntypes.HistoryEventTypeExecutionTimedOut, ExecutionTimedOutEventDetails: &sfntypes.ExecutionTimedOutEventDetails{}},
		}, Failure{State: "WaitForPayment", Event: "ExecutionTimedOut", Error: "States.Timeout"}},
		{"a Lambda timed out", []sfntypes.HistoryEvent{
			{Type: sfntypes.HistoryEventTypeExecutionStarted}, entered("ProcessOrder"),
			{Type: sfntypes.HistoryEventTypeLambdaFunctionTimedOut, LambdaFunctionTimedOutEventDetails: &sfntypes.LambdaFunctionTimedOutEventDetails{}},
			{Type: sfntypes.HistoryEventTypeExecutionFailed, ExecutionFailedEventDetails: &sfntypes.ExecutionFailedEventDetails{Error: aws.String("States.Timeout")}},
		}, Failure{State: "ProcessOrder", Event: "LambdaFunctionTimedOut", Error: "States.Timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FailureOf(context.Background(), historyAPI{events: tt.events}, "arn:aws:states:us-east-1:123456789012:execution:dev-saga:x")
			if err != nil || !sameFailure(got, &tt.want) {
				t.Errorf("FailureOf: %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// A Parallel's branches interleave in the history: the state a failure
// happened in is the one its previousEventId chain leads back to, not the
// branch state entered last.
func TestFailureOfInterleavedBranches(t *testing.T) {
	ev := func(id, prev int64, typ sfntypes.HistoryEventType) sfntypes.HistoryEvent {
		return sfntypes.HistoryEvent{Id: id, PreviousEventId: prev, Type: typ}
	}
	entered := func(id, prev int64, name string) sfntypes.HistoryEvent {
		e := ev(id, prev, sfntypes.HistoryEventTypeTaskStateEntered)
		e.StateEnteredEventDetails = &sfntypes.StateEnteredEventDetails{Name: aws.String(name)}
		return e
	}
	failed := ev(8, 6, sfntypes.HistoryEventTypeTaskFailed)
	failed.TaskFailedEventDetails = &sfntypes.TaskFailedEventDetails{Error: aws.String("InsufficientStock"), Cause: aws.String("ITEM-1 holds 0")}
	end := ev(10, 9, sfntypes.HistoryEventTypeExecutionFailed)
	end.ExecutionFailedEventDetails = &sfntypes.ExecutionFailedEventDetails{Error: aws.String("InsufficientStock"), Cause: aws.String("ITEM-1 holds 0")}
	parallel := ev(2, 1, sfntypes.HistoryEventTypeParallelStateEntered)
	parallel.StateEnteredEventDetails = &sfntypes.StateEnteredEventDetails{Name: aws.String("ProcessOrderAndReserveStock")}
	events := []sfntypes.HistoryEvent{
		ev(1, 0, sfntypes.HistoryEventTypeExecutionStarted), parallel, ev(3, 2, sfntypes.HistoryEventTypeParallelStateStarted),
		entered(4, 3, "ReserveStock"), entered(5, 3, "ProcessOrder"),
		ev(6, 4, sfntypes.HistoryEventTypeTaskScheduled), ev(7, 5, sfntypes.HistoryEventTypeTaskScheduled),
		failed, ev(9, 8, sfntypes.HistoryEventTypeParallelStateFailed), end,
	}
	got, err := FailureOf(context.Background(), historyAPI{events: events}, "arn:aws:states:us-east-1:123456789012:execution:dev-saga:x")
	want := &Failure{State: "ReserveStock", Event: "TaskFailed", Error: "InsufficientStock", Cause: "ITEM-1 holds 0"}
	if err != nil || !sameFailure(got, want) {
		t.Errorf("FailureOf: %+v, %v; want %+v", got, err, want)
	}
}
