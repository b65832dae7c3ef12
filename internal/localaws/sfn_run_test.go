package localaws

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// sfnRunEnv creates state machines and runs executions to their end.
type sfnRunEnv struct {
	t   *testing.T
	srv *Server
	c   *sfn.Client
	n   int
}

func newSFNRunEnv(t *testing.T) *sfnRunEnv {
	srv, c := sfnEnv(t, Delays{})
	// Waits of a second take a millisecond, none more than 50 ms.
	srv.SetSFNTiming(0.001, 50*time.Millisecond)
	return &sfnRunEnv{t: t, srv: srv, c: c}
}

// run creates a state machine of def, runs it on input and answers the
// execution as described, with its history's event types.
func (env *sfnRunEnv) run(def, input string) (*sfn.DescribeExecutionOutput, []string) {
	t := env.t
	t.Helper()
	ctx := ddbCtx(t)
	env.n++
	in := sagaInput()
	in.Name, in.Definition, in.Type = aws.String(fmt.Sprintf("m%d", env.n)), aws.String(def), sfntypes.StateMachineTypeStandard
	machine := aws.ToString(must(env.c.CreateStateMachine(ctx, in))(t).StateMachineArn)
	arn := aws.ToString(must(env.c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Input: aws.String(input)}))(t).ExecutionArn)
	d := waitDone(t, env.c, arn)
	h := must(env.c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn, MaxResults: 1000}))(t)
	var types []string
	for _, e := range h.Events {
		types = append(types, string(e.Type))
	}
	return d, types
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// Retry: the first retrier naming the error decides; MaxAttempts 0 means no
// retry; attempts are counted per retrier; States.ALL matches the rest.
func TestSFNExecutionRetry(t *testing.T) {
	env := newSFNRunEnv(t)
	var calls atomic.Int32
	failures := int32(2)
	env.srv.SetTaskRunner(func(_, _, input string) (string, string, string) {
		if calls.Add(1) <= failures {
			return "", "Boom", "boom #" + input
		}
		return `{"done":true}`, "", ""
	})
	def := func(retry string) string {
		return `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Retry":` + retry + `,"End":true}}}`
	}
	tests := []struct {
		retry    string
		failures int32
		status   sfntypes.ExecutionStatus
		calls    int32
	}{
		{`[{"ErrorEquals":["Other"],"MaxAttempts":5},{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":2}]`, 2, "SUCCEEDED", 3},
		{`[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}]`, 2, "FAILED", 2},
		{`[{"ErrorEquals":["Boom"],"MaxAttempts":0},{"ErrorEquals":["States.ALL"],"MaxAttempts":3}]`, 2, "FAILED", 1},
		{`[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":2,"MaxAttempts":3,"MaxDelaySeconds":3,"JitterStrategy":"FULL"}]`, 3, "SUCCEEDED", 4},
	}
	for _, tt := range tests {
		calls.Store(0)
		failures = tt.failures
		d, events := env.run(def(tt.retry), `{}`)
		if d.Status != tt.status || calls.Load() != tt.calls || count(events, "LambdaFunctionFailed") != int(min(tt.failures, tt.calls)) {
			t.Errorf("Retry %s: %s after %d calls, want %s after %d; history %q", tt.retry, d.Status, calls.Load(), tt.status, tt.calls, events)
		}
		if tt.status == "FAILED" && (aws.ToString(d.Error) != "Boom" || aws.ToString(d.Cause) != "boom #{}") {
			t.Errorf("Retry %s: error %q %q", tt.retry, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	}
}

// Catch merges {"Error","Cause"} into the input at its ResultPath and goes
// to its Next; Choice, Pass (Parameters with intrinsics, Result,
// ResultPath) and Wait run with their paths.
func TestSFNExecutionStates(t *testing.T) {
	env := newSFNRunEnv(t)
	env.srv.SetTaskRunner(func(resource, params, input string) (string, string, string) {
		if strings.HasSuffix(resource, ":charge") {
			return "", "PaymentDeclined", "card expired"
		}
		return input, "", ""
	})
	def := `{"StartAt":"Charge","States":{
	 "Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge",
	   "Catch":[{"ErrorEquals":["Other"],"Next":"Route"},{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Route"}],"Next":"Route"},
	 "Route":{"Type":"Choice","Choices":[
	   {"And":[{"Variable":"$.error","IsPresent":true},{"Variable":"$.error.Error","StringEquals":"PaymentDeclined"}],"Next":"Declined"},
	   {"Variable":"$.amount","NumericGreaterThan":100,"Next":"Big"}],"Default":"Small"},
	 "Declined":{"Type":"Pass","Parameters":{"order.$":"$.order","reason.$":"States.Format('declined: {}', $.error.Cause)","exec.$":"$$.Execution.Name"},
	   "ResultPath":"$.outcome","Next":"Pause"},
	 "Pause":{"Type":"Wait","SecondsPath":"$.pause","OutputPath":"$.outcome","Next":"Stamp"},
	 "Stamp":{"Type":"Wait","Timestamp":"2001-01-01T00:00:00Z","Next":"Done"},
	 "Big":{"Type":"Pass","Result":{"size":"big"},"End":true},
	 "Small":{"Type":"Fail","Error":"TooSmall","Cause":"small orders are not taken"},
	 "Done":{"Type":"Succeed"}}}`
	d, events := env.run(def, `{"order":"o-1","amount":5,"pause":3600}`)
	var out map[string]any
	_ = json.Unmarshal([]byte(aws.ToString(d.Output)), &out)
	if d.Status != "SUCCEEDED" || out["order"] != "o-1" || out["reason"] != "declined: card expired" || out["exec"] == "" {
		t.Errorf("caught and routed: %s %s %q", d.Status, aws.ToString(d.Output), aws.ToString(d.Error))
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed",
		"ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited", "WaitStateEntered", "WaitStateExited",
		"WaitStateEntered", "WaitStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
	if !slices.Equal(events, want) {
		t.Errorf("history\n got %q\nwant %q", events, want)
	}

	// No Catch matches past the Choice: Default leads to a Fail state.
	env.srv.SetTaskRunner(func(_, _, input string) (string, string, string) { return input, "", "" })
	if d, _ := env.run(def, `{"amount":5}`); d.Status != "FAILED" || aws.ToString(d.Error) != "TooSmall" {
		t.Errorf("Default: %s %q", d.Status, aws.ToString(d.Error))
	}
	if d, _ := env.run(def, `{"amount":500}`); d.Status != "SUCCEEDED" || aws.ToString(d.Output) != `{"size":"big"}` {
		t.Errorf("Big: %s %s", d.Status, aws.ToString(d.Output))
	}
	// A Choice without a match nor Default; a path selecting nothing.
	noMatch := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"E"}]},"E":{"Type":"Succeed"}}}`
	if d, events := env.run(noMatch, `{"x":2}`); d.Status != "FAILED" || aws.ToString(d.Error) != "States.NoChoiceMatched" || !slices.Contains(events, "ChoiceStateEntered") {
		t.Errorf("no match: %s %q %q", d.Status, aws.ToString(d.Error), events)
	}
	if d, _ := env.run(noMatch, `{}`); d.Status != "FAILED" || aws.ToString(d.Error) != "States.Runtime" {
		t.Errorf("missing Variable: %s %q", d.Status, aws.ToString(d.Error))
	}
	// States.Runtime is not caught by States.ALL.
	runtime := `{"StartAt":"P","States":{"P":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Parameters":{"x.$":"$.missing"},
	 "Catch":[{"ErrorEquals":["States.ALL"],"Next":"E"}],"End":true},"E":{"Type":"Succeed"}}}`
	if d, _ := env.run(runtime, `{}`); d.Status != "FAILED" || aws.ToString(d.Error) != "States.Runtime" ||
		!strings.Contains(aws.ToString(d.Cause), "Invalid path '$.missing'") {
		t.Errorf("States.Runtime caught: %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// Map runs its items at most MaxConcurrency at once, with ItemSelector's
// $$.Map.Item; Parallel runs its branches at once and fails with the first
// branch's error.
func TestSFNExecutionMapParallel(t *testing.T) {
	env := newSFNRunEnv(t)
	var running, most atomic.Int32
	var mu sync.Mutex
	env.srv.SetTaskRunner(func(resource, _, input string) (string, string, string) {
		n := running.Add(1)
		defer running.Add(-1)
		mu.Lock()
		if n > most.Load() {
			most.Store(n)
		}
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		var in map[string]any
		_ = json.Unmarshal([]byte(input), &in)
		if in["value"] == "bad" {
			return "", "BadItem", "item " + sfnJSON(in["index"])
		}
		return sfnJSON(map[string]any{"v": in["value"], "i": in["index"], "tag": in["tag"]}), "", ""
	})
	def := `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
	 "ItemSelector":{"value.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index","tag.$":"$.tag"},
	 "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
	 "ResultPath":"$.results","End":true}}}`
	d, events := env.run(def, `{"tag":"t","items":["a","b","c","d","e","f"]}`)
	var out struct {
		Results []map[string]any `json:"results"`
	}
	_ = json.Unmarshal([]byte(aws.ToString(d.Output)), &out)
	if d.Status != "SUCCEEDED" || len(out.Results) != 6 || out.Results[3]["v"] != "d" || out.Results[3]["i"] != 3.0 || out.Results[3]["tag"] != "t" {
		t.Errorf("Map: %s %s %q", d.Status, aws.ToString(d.Output), aws.ToString(d.Cause))
	}
	if most.Load() > 2 || most.Load() < 1 {
		t.Errorf("Map ran %d iterations at once, MaxConcurrency 2", most.Load())
	}
	if count(events, "MapIterationStarted") != 6 || count(events, "MapIterationSucceeded") != 6 || !slices.Contains(events, "MapStateStarted") ||
		!slices.Contains(events, "MapStateSucceeded") || events[len(events)-2] != "MapStateExited" {
		t.Errorf("Map history: %q", events)
	}
	d, events = env.run(def, `{"tag":"t","items":["a","bad","c"]}`)
	if d.Status != "FAILED" || aws.ToString(d.Error) != "BadItem" || !slices.Contains(events, "MapIterationFailed") || !slices.Contains(events, "MapStateFailed") {
		t.Errorf("failed Map: %s %q %q", d.Status, aws.ToString(d.Error), events)
	}

	parallel := `{"StartAt":"Both","States":{"Both":{"Type":"Parallel","Branches":[
	 {"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"$.x"},"End":true}}},
	 {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}],
	 "ResultSelector":{"first.$":"$[0].a","second.$":"$[1]"},"End":true}}}`
	if d, _ := env.run(parallel, `{"x":1}`); d.Status != "SUCCEEDED" || aws.ToString(d.Output) != `{"first":1,"second":"b"}` {
		t.Errorf("Parallel: %s %s", d.Status, aws.ToString(d.Output))
	}
	failing := `{"StartAt":"Both","States":{"Both":{"Type":"Parallel","Branches":[
	 {"StartAt":"A","States":{"A":{"Type":"Fail","Error":"BranchA","Cause":"a failed"}}},
	 {"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":10,"End":true}}}],"End":true}}}`
	if d, events := env.run(failing, `{}`); d.Status != "FAILED" || aws.ToString(d.Error) != "BranchA" || !slices.Contains(events, "ParallelStateFailed") {
		t.Errorf("failed Parallel: %s %q %q", d.Status, aws.ToString(d.Error), events)
	}
}

// The state machine's TimeoutSeconds times the execution out
// (TIMED_OUT, ExecutionTimedOut), counting waits on the execution's clock; a
// Task's TimeoutSeconds fails it with States.Timeout, which Catch can
// catch.
func TestSFNExecutionTimeouts(t *testing.T) {
	env := newSFNRunEnv(t)
	d, events := env.run(`{"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, `{}`)
	if d.Status != sfntypes.ExecutionStatusTimedOut || aws.ToString(d.Error) != "States.Timeout" || events[len(events)-1] != "ExecutionTimedOut" {
		t.Errorf("machine timeout: %s %q %q", d.Status, aws.ToString(d.Error), events)
	}

	release := make(chan struct{})
	defer close(release)
	env.srv.SetTaskRunner(func(_, _, input string) (string, string, string) {
		<-release
		return input, "", ""
	})
	d, events = env.run(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":1,
	 "Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.timeout","Next":"E"}],"End":true},"E":{"Type":"Pass","End":true}}}`, `{}`)
	if d.Status != "SUCCEEDED" || !strings.Contains(aws.ToString(d.Output), `"Error":"States.Timeout"`) || !slices.Contains(events, "TaskTimedOut") {
		t.Errorf("task timeout: %s %s %q", d.Status, aws.ToString(d.Output), events)
	}
}
