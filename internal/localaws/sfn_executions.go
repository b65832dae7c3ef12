package localaws

// Step Functions executions, as kubectl eds executions reads them:
// StartExecution, StopExecution, DescribeExecution, ListExecutions and
// GetExecutionHistory, with AWS's shapes.
//
//   - StartExecution starts an execution of an ACTIVE state machine
//     (StateMachineDoesNotExist otherwise) named `name` or a new UUID; its
//     ARN is arn:aws:states:<region>:<account>:execution:<machine>:<name>. A
//     name used before answers ExecutionAlreadyExists, unless the input is
//     the same (AWS's idempotency for STANDARD workflows). input must be
//     JSON (InvalidExecutionInput). The execution is RUNNING when the call
//     answers and runs in the background.
//   - ListExecutions lists a state machine's executions, newest first,
//     filtered by statusFilter, in pages of maxResults (default 100, at most
//     1000) with an opaque nextToken.
//   - GetExecutionHistory answers the events oldest first (reverseOrder:
//     newest first), each with its id, previousEventId, timestamp, type and
//     its type's details member, in pages like ListExecutions.
//   - StopExecution aborts a RUNNING execution (ExecutionAborted, with the
//     error and cause given).
//
// How an execution runs (in a goroutine per execution, and one per
// Parallel branch and running Map iteration): the states of the definition
// are walked from StartAt, as "Amazon States Language" says.
//
//   - Input and output processing as sfn_paths.go says: InputPath,
//     Parameters (ItemSelector for Map), ResultSelector, ResultPath (null,
//     $, or a reference path merged into the state's raw input) and
//     OutputPath, payload templates with .$ paths, the Context object ($$:
//     Execution.Id/Name/Input/StartTime/RoleArn, State.Name/EnteredTime/
//     RetryCount, StateMachine.Id/Name, Map.Item.Index/Value in a Map's
//     ItemSelector) and intrinsic functions (sfn_intrinsics.go).
//   - Pass (Result), Succeed, Fail (Error, Cause, ErrorPath, CausePath),
//     Choice (sfn_choice.go), Wait (Seconds, SecondsPath, Timestamp,
//     TimestampPath), Task, Parallel (the branches at once, each on the
//     effective input; the first to fail stops the others and fails the
//     state with its error) and Map (inline: ItemsPath, ItemSelector or
//     Parameters, ItemProcessor or Iterator, at most MaxConcurrency
//     iterations at once, 40 when it is 0; the first to fail stops the
//     others).
//   - Retry is played on Task, Parallel and Map: the first retrier whose
//     ErrorEquals names the error decides (States.ALL any error but
//     States.Runtime and States.DataLimitExceeded, States.TaskFailed any
//     of those but States.Timeout); it retries while its own attempts are
//     fewer than MaxAttempts (default 3, 0 never) after IntervalSeconds
//     (default 1) × BackoffRate (default 2) ^ attempt, at most
//     MaxDelaySeconds, a random part of it with JitterStrategy FULL. Then
//     Catch: the first catcher naming the error goes to its Next with
//     {"Error","Cause"} placed in the state's input at its ResultPath
//     (default $).
//   - Time: waits (Retry intervals, Wait states) really elapse, scaled by
//     Server.SFNTimeScale and capped by SFNMaxWait (SetSFNTiming; by default
//     a hundredth, at most a second), and the execution keeps its own clock
//     (wall clock plus the time the scaling saved), on which Timestamp waits
//     and the state machine's TimeoutSeconds are measured: past it the
//     execution is TIMED_OUT (ExecutionTimedOut, States.Timeout, not
//     catchable). A Task's TimeoutSeconds (or TimeoutSecondsPath) is real
//     time: past it the task fails with States.Timeout (TaskTimedOut or
//     LambdaFunctionTimedOut), which Retry and Catch see.
//   - A Task runs through the TaskRunner when one is set (SetTaskRunner:
//     tests use it), else through the service integrations of
//     sfn_integrations.go, which call this server's own endpoint with the
//     AWS SDK.
//   - The history records the events AWS records: ExecutionStarted;
//     <Type>StateEntered and <Type>StateExited with the state's name and
//     input or output (a state whose error was caught, or a Fail state, has
//     no Exited); TaskScheduled, TaskStarted, TaskSucceeded, TaskFailed,
//     TaskTimedOut for arn:aws:states:::service:action, LambdaFunction*
//     for a function ARN; ParallelStateStarted/Succeeded/Failed;
//     MapStateStarted (with the length), MapIterationStarted/Succeeded/
//     Failed/Aborted (name and index), MapStateSucceeded/Failed;
//     ExecutionSucceeded, ExecutionFailed, ExecutionTimedOut or
//     ExecutionAborted (StopExecution, which also stops the running states).
//
// Where it simplifies: JSONata (QueryLanguage), workflow variables (Assign,
// $name), distributed Map (ItemReader, ItemBatcher, ResultWriter, tolerated
// failures), activities, HeartbeatSeconds, redrive and EXPRESS semantics
// (an EXPRESS machine runs like a STANDARD one) are not simulated; a
// state machine runs at most 10,000 states per execution (States.Runtime
// past that); Parallel branches' events interleave as they happen. Close
// stops running executions (they end ABORTED) and waits for them: an
// execution is the server's background work.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TaskRunner runs a Task state of an execution in place of the service
// integrations: resource is the state's Resource, parameters its resolved
// Parameters (JSON, after .$ paths and intrinsics; empty without
// Parameters) and input its effective input (after InputPath). It returns
// the task's result as JSON (as the integration would answer it: for
// lambda:invoke an object with the function's Payload; a text that is not
// JSON is taken as a string) before ResultSelector and ResultPath, or an
// error name and cause when the task failed. It is called without the
// server's lock held, concurrently for Parallel branches and Map
// iterations.
type TaskRunner func(resource, parameters, input string) (output, errorName, cause string)

// sfnExecutionsState holds the executions of every state machine.
type sfnExecutionsState struct {
	executions map[string]*sfnExecution // by execution ARN
	taskRunner TaskRunner
	// SFNTimeScale and SFNMaxWait are how the waits of executions elapse
	// (Retry intervals, Wait states): each takes its time times
	// SFNTimeScale, at most SFNMaxWait, in real time. Zero means the
	// defaults, SFNDefaultTimeScale (0.01: the seed's retries of 2, 4 and 8
	// seconds take 20, 40 and 80 ms) and SFNDefaultMaxWait (1 s). Set them
	// before Start, or with SetSFNTiming.
	SFNTimeScale float64
	SFNMaxWait   time.Duration
}

// sfnExecution is an execution as the server holds it.
type sfnExecution struct {
	arn, machineArn, name string
	status                string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	input, output         string
	errorName, cause      string
	started, stopped      time.Time
	history               []map[string]any
	// cancel stops the running execution (StopExecution, its end).
	cancel context.CancelFunc
}

// SetTaskRunner makes the Task states of executions run through run
// instead of the service integrations (sfn_integrations.go); nil restores
// the integrations.
func (s *Server) SetTaskRunner(run TaskRunner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.taskRunner = run
}

func sfnEpoch(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func (s *Server) sfnFindExecution(arn string) (*sfnExecution, *apiError) {
	if arn == "" {
		return nil, sfnConstraint(nil, "executionArn", "not be null")
	}
	if !strings.Contains(arn, ":execution:") {
		return nil, sfnError("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: "+arn+"'")
	}
	e := s.executions[arn]
	if e == nil {
		return nil, sfnError("ExecutionDoesNotExist", "Execution Does Not Exist: '"+arn+"'")
	}
	return e, nil
}

// record appends an event to an execution's history (call with s.mu held).
func (e *sfnExecution) record(typ, detailsMember string, details map[string]any) {
	e.recordAfter(len(e.history), typ, detailsMember, details)
}

// recordAfter appends an event whose previousEventId is prev: the event
// before it in its own branch or Map iteration, as AWS links them (call
// with s.mu held).
func (e *sfnExecution) recordAfter(prev int, typ, detailsMember string, details map[string]any) {
	ev := map[string]any{"id": len(e.history) + 1, "previousEventId": prev, "timestamp": sfnEpoch(time.Now()), "type": typ}
	if detailsMember != "" {
		ev[detailsMember] = details
	}
	e.history = append(e.history, ev)
}

func (s *Server) sfnStartExecution(body []byte) (any, *apiError) {
	var in struct {
		StateMachineArn string  `json:"stateMachineArn"`
		Name            string  `json:"name"`
		Input           *string `json:"input"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := s.sfnFind(in.StateMachineArn, "stateMachineArn")
	if err != nil {
		return nil, err
	}
	if m == nil || m.status() != "ACTIVE" {
		return nil, sfnNotFound(in.StateMachineArn)
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	if !json.Valid([]byte(input)) {
		return nil, sfnError("InvalidExecutionInput", "Invalid State Machine Execution Input: 'not valid JSON'")
	}
	name := in.Name
	if name == "" {
		name = newID()
	} else if err := sfnCheckName(name); err != nil {
		return nil, err
	}
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", s.Region, s.account(), m.name, name)
	if s.executions == nil {
		s.executions = map[string]*sfnExecution{}
	}
	if old := s.executions[arn]; old != nil {
		if old.input != input {
			return nil, sfnError("ExecutionAlreadyExists", "Execution Already Exists: '"+arn+"'")
		}
		return map[string]any{"executionArn": arn, "startDate": sfnEpoch(old.started)}, nil
	}
	e := &sfnExecution{arn: arn, machineArn: m.arn, name: name, status: "RUNNING", input: input, started: time.Now()}
	e.record("ExecutionStarted", "executionStartedEventDetails", map[string]any{"input": input, "roleArn": m.roleArn,
		"inputDetails": map[string]any{"truncated": false}})
	s.executions[arn] = e
	// The execution runs as the server's background work, which Close
	// cancels and waits for.
	ctx, cancel := context.WithCancel(s.bgCtx)
	e.cancel = cancel
	// The run reads a copy of the machine: UpdateStateMachine does not
	// change a running execution, as in AWS.
	machine := *m
	if !s.goBackground(func(context.Context) { s.sfnRun(ctx, e, &machine, input) }) {
		cancel()
		e.finish("ABORTED", "", "States.Runtime", "the server is closed")
		e.record("ExecutionAborted", "executionAbortedEventDetails", map[string]any{"error": "States.Runtime", "cause": "the server is closed"})
	}
	return map[string]any{"executionArn": arn, "startDate": sfnEpoch(e.started)}, nil
}

func (s *Server) sfnStopExecution(body []byte) (any, *apiError) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		Error        string `json:"error"`
		Cause        string `json:"cause"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	e, err := s.sfnFindExecution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if e.status == "RUNNING" {
		e.cancel()
		e.finish("ABORTED", "", in.Error, in.Cause)
		e.record("ExecutionAborted", "executionAbortedEventDetails", map[string]any{"error": in.Error, "cause": in.Cause})
	}
	return map[string]any{"stopDate": sfnEpoch(e.stopped)}, nil
}

func (e *sfnExecution) finish(status, output, errorName, cause string) {
	e.status, e.output, e.errorName, e.cause, e.stopped = status, output, errorName, cause, time.Now()
}

func (e *sfnExecution) summary() map[string]any {
	out := map[string]any{"executionArn": e.arn, "stateMachineArn": e.machineArn, "name": e.name, "status": e.status,
		"startDate": sfnEpoch(e.started)}
	if !e.stopped.IsZero() {
		out["stopDate"] = sfnEpoch(e.stopped)
	}
	return out
}

func (s *Server) sfnDescribeExecution(body []byte) (any, *apiError) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	e, err := s.sfnFindExecution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := e.summary()
	out["input"] = e.input
	if e.status == "SUCCEEDED" {
		out["output"] = e.output
	}
	if e.errorName != "" {
		out["error"] = e.errorName
	}
	if e.cause != "" {
		out["cause"] = e.cause
	}
	return out, nil
}

// sfnPage reads maxResults (default 100, at most 1000) and nextToken.
func sfnPage(maxResults int32, token string) (size, from int, apiErr *apiError) {
	if maxResults < 0 || maxResults > 1000 {
		return 0, 0, sfnConstraint(maxResults, "maxResults", "have value less than or equal to 1000")
	}
	size = int(maxResults)
	if size == 0 {
		size = 100
	}
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "p/"))
		if err != nil || !strings.HasPrefix(token, "p/") || n < 0 {
			return 0, 0, sfnError("InvalidToken", "Invalid Token: '"+token+"'")
		}
		from = n
	}
	return size, from, nil
}

func (s *Server) sfnListExecutions(body []byte) (any, *apiError) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		StatusFilter    string `json:"statusFilter"`
		MaxResults      int32  `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.StatusFilter != "" {
		if err := sfnEnum(in.StatusFilter, "statusFilter", []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}); err != nil {
			return nil, err
		}
	}
	size, from, apiErr := sfnPage(in.MaxResults, in.NextToken)
	if apiErr != nil {
		return nil, apiErr
	}
	m, err := s.sfnFind(in.StateMachineArn, "stateMachineArn")
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, sfnNotFound(in.StateMachineArn)
	}
	var list []*sfnExecution
	for _, e := range s.executions {
		if e.machineArn == m.arn && (in.StatusFilter == "" || e.status == in.StatusFilter) {
			list = append(list, e)
		}
	}
	sortExecutions(list)
	from = min(from, len(list))
	to := min(len(list), from+size)
	page := []map[string]any{}
	for _, e := range list[from:to] {
		page = append(page, e.summary())
	}
	out := map[string]any{"executions": page}
	if to < len(list) {
		out["nextToken"] = "p/" + strconv.Itoa(to)
	}
	return out, nil
}

// sortExecutions orders executions newest first, as ListExecutions does.
func sortExecutions(list []*sfnExecution) {
	sort.Slice(list, func(i, j int) bool {
		if !list[i].started.Equal(list[j].started) {
			return list[i].started.After(list[j].started)
		}
		return list[i].arn > list[j].arn
	})
}

func (s *Server) sfnGetExecutionHistory(body []byte) (any, *apiError) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		MaxResults   int32  `json:"maxResults"`
		NextToken    string `json:"nextToken"`
		ReverseOrder bool   `json:"reverseOrder"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	size, from, apiErr := sfnPage(in.MaxResults, in.NextToken)
	if apiErr != nil {
		return nil, apiErr
	}
	e, err := s.sfnFindExecution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	events := append([]map[string]any(nil), e.history...)
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	from = min(from, len(events))
	to := min(len(events), from+size)
	out := map[string]any{"events": events[from:to]}
	if to < len(events) {
		out["nextToken"] = "p/" + strconv.Itoa(to)
	}
	return out, nil
}

// Running an execution.

// aslState is what the runner reads of a state.
type aslState struct {
	Type           string          `json:"Type"`
	QueryLanguage  string          `json:"QueryLanguage"`
	Next           string          `json:"Next"`
	End            bool            `json:"End"`
	Resource       string          `json:"Resource"`
	InputPath      json.RawMessage `json:"InputPath"`
	OutputPath     json.RawMessage `json:"OutputPath"`
	ResultPath     json.RawMessage `json:"ResultPath"`
	Parameters     json.RawMessage `json:"Parameters"`
	ItemSelector   json.RawMessage `json:"ItemSelector"`
	ResultSelector json.RawMessage `json:"ResultSelector"`
	Result         json.RawMessage `json:"Result"`
	Error          string          `json:"Error"`
	Cause          string          `json:"Cause"`
	ErrorPath      string          `json:"ErrorPath"`
	CausePath      string          `json:"CausePath"`
	// Choice
	Choices []sfnChoiceRule `json:"Choices"`
	Default string          `json:"Default"`
	// Wait
	Seconds       *float64 `json:"Seconds"`
	SecondsPath   string   `json:"SecondsPath"`
	Timestamp     string   `json:"Timestamp"`
	TimestampPath string   `json:"TimestampPath"`
	// Task
	TimeoutSeconds     *float64 `json:"TimeoutSeconds"`
	TimeoutSecondsPath string   `json:"TimeoutSecondsPath"`
	// Parallel and Map
	Branches           []aslMachine    `json:"Branches"`
	Iterator           *aslMachine     `json:"Iterator"`
	ItemProcessor      *aslMachine     `json:"ItemProcessor"`
	ItemsPath          string          `json:"ItemsPath"`
	ItemReader         json.RawMessage `json:"ItemReader"`
	MaxConcurrency     int             `json:"MaxConcurrency"`
	MaxConcurrencyPath string          `json:"MaxConcurrencyPath"`
	Retry              []aslRetrier    `json:"Retry"`
	Catch              []aslCatcher    `json:"Catch"`
}

// aslRetrier is one entry of Retry.
type aslRetrier struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds *float64 `json:"IntervalSeconds"`
	MaxAttempts     *int     `json:"MaxAttempts"`
	BackoffRate     *float64 `json:"BackoffRate"`
	MaxDelaySeconds *float64 `json:"MaxDelaySeconds"`
	JitterStrategy  string   `json:"JitterStrategy"`
}

// aslCatcher is one entry of Catch.
type aslCatcher struct {
	ErrorEquals []string        `json:"ErrorEquals"`
	Next        string          `json:"Next"`
	ResultPath  json.RawMessage `json:"ResultPath"`
}

type aslMachine struct {
	QueryLanguage  string              `json:"QueryLanguage"`
	StartAt        string              `json:"StartAt"`
	States         map[string]aslState `json:"States"`
	TimeoutSeconds *float64            `json:"TimeoutSeconds"`
}

// sfnFailure is how a state or branch failed.
type sfnFailure struct{ errorName, cause string }

// The failures that end an execution whatever its Catch says: stopped by
// StopExecution (or a Parallel's branch stopped because another failed),
// and the state machine's TimeoutSeconds passed.
var (
	errStopped   = &sfnFailure{"States.Aborted", "the execution was stopped"}
	errCancelled = &sfnFailure{"States.Aborted", "the branch was stopped because another branch failed"}
	errTimedOut  = &sfnFailure{"States.Timeout", "The execution timed out (the state machine's TimeoutSeconds)"}
)

func terminal(f *sfnFailure) bool { return f == errStopped || f == errCancelled || f == errTimedOut }

// Timing of executions.
const (
	// SFNDefaultTimeScale: the seed's retries (2 s, then 4 s, 8 s) take 20,
	// 40 and 80 ms.
	SFNDefaultTimeScale = 0.01
	// SFNDefaultMaxWait caps any one wait, so a Wait of an hour takes a
	// second.
	SFNDefaultMaxWait = time.Second
	// sfnMaxSteps bounds the states one execution runs (Map iterations and
	// branches included), as AWS's 25,000 history events bound it.
	sfnMaxSteps = 10000
	// sfnMapConcurrency is how many Map iterations run at once when
	// MaxConcurrency is 0 (unbounded in AWS; 40 is inline Map's real
	// parallelism).
	sfnMapConcurrency = 40
)

// SetSFNTiming sets how waits of executions elapse (Retry intervals, Wait
// states): each takes its time times scale, at most maxWait (zero: the
// defaults, SFNDefaultTimeScale and SFNDefaultMaxWait; scale 1 and a large
// maxWait play them in real time). The state machine's and Tasks'
// TimeoutSeconds are real time.
func (s *Server) SetSFNTiming(scale float64, maxWait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.SFNTimeScale, s.SFNMaxWait = scale, maxWait
}

func (s *Server) sfnTiming() (float64, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	scale, maxWait := s.SFNTimeScale, s.SFNMaxWait
	if scale <= 0 {
		scale = SFNDefaultTimeScale
	}
	if maxWait <= 0 {
		maxWait = SFNDefaultMaxWait
	}
	return scale, maxWait
}

// sfnRunner runs one execution.
type sfnRunner struct {
	s     *Server
	e     *sfnExecution
	exec  context.Context // the execution's: cancelled by StopExecution
	input any
	// skipped is the simulated time the scaled waits saved (ns): the
	// execution's clock is the wall clock plus skipped.
	skipped atomic.Int64
	steps   atomic.Int64
	// deadline is the state machine's TimeoutSeconds on the execution's
	// clock (zero: none).
	deadline    time.Time
	machineName string
	roleArn     string
}

func (r *sfnRunner) now() time.Time { return time.Now().Add(time.Duration(r.skipped.Load())) }

// sfnRun runs an execution to its end, recording its history (s.mu is taken
// for each event, not held while a state runs).
func (s *Server) sfnRun(ctx context.Context, e *sfnExecution, m *sfnMachine, input string) {
	var def aslMachine
	if err := json.Unmarshal([]byte(m.definition), &def); err != nil {
		s.sfnEnd(e, "", sfnRuntime("the definition is not JSON: %v", err))
		return
	}
	in, err := sfnParse(input)
	if err != nil {
		s.sfnEnd(e, "", sfnRuntime("the input is not JSON: %v", err))
		return
	}
	if jsonata(def) {
		s.sfnEnd(e, "", sfnRuntime("localaws does not simulate JSONata (QueryLanguage JSONata): only JSONPath states run"))
		return
	}
	r := &sfnRunner{s: s, e: e, exec: ctx, input: in, machineName: m.name, roleArn: m.roleArn}
	if def.TimeoutSeconds != nil {
		d := time.Duration(*def.TimeoutSeconds * float64(time.Second))
		r.deadline = e.started.Add(d)
		var cancel context.CancelFunc
		r.exec, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	output, failure := r.runMachine(context.WithValue(r.exec, sfnThreadKey{}, &sfnThread{last: 1}), def, in)
	s.sfnEnd(e, sfnJSON(output), failure)
}

// jsonata tells whether a machine or one of its states (branches and item
// processors included) is written in JSONata.
func jsonata(m aslMachine) bool {
	if m.QueryLanguage == "JSONata" {
		return true
	}
	for _, st := range m.States {
		if st.QueryLanguage == "JSONata" {
			return true
		}
		for _, b := range st.Branches {
			if jsonata(b) {
				return true
			}
		}
		for _, p := range []*aslMachine{st.Iterator, st.ItemProcessor} {
			if p != nil && jsonata(*p) {
				return true
			}
		}
	}
	return false
}

func (s *Server) sfnEnd(e *sfnExecution, output string, failure *sfnFailure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.cancel != nil {
		e.cancel()
	}
	if e.status != "RUNNING" {
		return // stopped meanwhile
	}
	switch {
	case failure == errStopped: // the server was closed
		e.finish("ABORTED", "", "", "")
		e.record("ExecutionAborted", "executionAbortedEventDetails", map[string]any{})
	case failure == errTimedOut:
		e.finish("TIMED_OUT", "", failure.errorName, failure.cause)
		e.record("ExecutionTimedOut", "executionTimedOutEventDetails", map[string]any{"error": failure.errorName, "cause": failure.cause})
	case failure != nil:
		e.finish("FAILED", "", failure.errorName, failure.cause)
		e.record("ExecutionFailed", "executionFailedEventDetails", map[string]any{"error": failure.errorName, "cause": failure.cause})
	default:
		e.finish("SUCCEEDED", output, "", "")
		e.record("ExecutionSucceeded", "executionSucceededEventDetails", map[string]any{"output": output,
			"outputDetails": map[string]any{"truncated": false}})
	}
}

// event records one event of a running execution; false when the
// execution was stopped meanwhile.
func (s *Server) event(e *sfnExecution, th *sfnThread, typ, member string, details map[string]any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.status != "RUNNING" {
		return false
	}
	prev := len(e.history)
	if th != nil && !th.join {
		prev = th.last
	}
	e.recordAfter(prev, typ, member, details)
	if th != nil {
		th.last, th.join = len(e.history), false
	}
	return true
}

// sfnThread is a line of events: the execution's, a Parallel branch's or a
// Map iteration's. Each event's previousEventId is the last event of its
// thread; the event after a Parallel's or Map's branches (join) follows
// the last event recorded.
type sfnThread struct {
	last int
	join bool
}

type sfnThreadKey struct{}

// thread is ctx's line of events.
func thread(ctx context.Context) *sfnThread {
	th, _ := ctx.Value(sfnThreadKey{}).(*sfnThread)
	return th
}

// fork starts a line of events after the last of ctx's.
func fork(ctx context.Context) context.Context {
	last := 0
	if th := thread(ctx); th != nil {
		last = th.last
	}
	return context.WithValue(ctx, sfnThreadKey{}, &sfnThread{last: last})
}

// event records an event in ctx's thread, or answers why the execution
// cannot go on.
func (r *sfnRunner) event(ctx context.Context, typ, member string, details map[string]any) *sfnFailure {
	if !r.s.event(r.e, thread(ctx), typ, member, details) {
		return errStopped
	}
	return nil
}

// joined makes the next event of ctx's thread follow the last event
// recorded (after branches or iterations ran).
func (r *sfnRunner) joined(ctx context.Context) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if th := thread(ctx); th != nil {
		th.join = true
	}
}

// halted answers the failure that ends the work under ctx: the execution
// stopped or timed out, or (ctx a Parallel's or Map's) a sibling failed.
func (r *sfnRunner) halted(ctx context.Context) *sfnFailure {
	switch {
	case r.exec.Err() == context.DeadlineExceeded:
		return errTimedOut
	case r.exec.Err() != nil:
		return errStopped
	case ctx.Err() != nil:
		return errCancelled
	}
	return nil
}

// wait lets d pass on the execution's clock: d times the time scale, at
// most the maximum wait, in real time.
func (r *sfnRunner) wait(ctx context.Context, d time.Duration) *sfnFailure {
	if d <= 0 {
		return r.halted(ctx)
	}
	scale, maxWait := r.s.sfnTiming()
	timedOut := !r.deadline.IsZero() && r.now().Add(d).After(r.deadline)
	if timedOut {
		d = max(0, r.deadline.Sub(r.now()))
	}
	elapsed := min(time.Duration(float64(d)*scale), maxWait)
	t := time.NewTimer(elapsed)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return r.halted(ctx)
	case <-t.C:
	}
	r.skipped.Add(int64(d - elapsed))
	if timedOut {
		return errTimedOut
	}
	return nil
}

// contextObject is the Context object ($$) of a state.
func (r *sfnRunner) contextObject(state string, entered time.Time, retries int) map[string]any {
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	return map[string]any{
		"Execution": map[string]any{"Id": r.e.arn, "Input": r.input, "Name": r.e.name, "RoleArn": r.roleArn,
			"StartTime": stamp(r.e.started)},
		"State":        map[string]any{"EnteredTime": stamp(entered), "Name": state, "RetryCount": retries},
		"StateMachine": map[string]any{"Id": r.e.machineArn, "Name": r.machineName},
		"Task":         map[string]any{},
	}
}

// runMachine walks a machine (the definition, a branch or a Map's item
// processor) from StartAt.
func (r *sfnRunner) runMachine(ctx context.Context, m aslMachine, input any) (any, *sfnFailure) {
	name := m.StartAt
	for {
		if f := r.halted(ctx); f != nil {
			return nil, f
		}
		if r.steps.Add(1) > sfnMaxSteps {
			return nil, sfnRuntime("the execution ran more than %d states", sfnMaxSteps)
		}
		st, ok := m.States[name]
		if !ok {
			return nil, sfnRuntime("the state %q does not exist", name)
		}
		output, next, failure := r.runState(ctx, name, st, input)
		if failure != nil {
			return nil, failure
		}
		if next == "" {
			return output, nil
		}
		name, input = next, output
	}
}

// runState runs one state and records its events: it answers the state's
// output and the next state ("" at the end), or a failure that no Catch
// caught.
func (r *sfnRunner) runState(ctx context.Context, name string, st aslState, input any) (any, string, *sfnFailure) {
	entered := r.now()
	cx := r.contextObject(name, entered, 0)
	if f := r.event(ctx, st.Type+"StateEntered", "stateEnteredEventDetails", map[string]any{"name": name, "input": sfnJSON(input),
		"inputDetails": map[string]any{"truncated": false}}); f != nil {
		return nil, "", f
	}
	output, next, failure := r.stateBody(ctx, name, st, input, cx)
	if failure != nil {
		if terminal(failure) || st.Type == "Fail" {
			return nil, "", failure
		}
		for _, c := range st.Catch {
			if sfnErrorMatches(c.ErrorEquals, failure.errorName) {
				out, f := sfnApplyResultPath(c.ResultPath, input, map[string]any{"Error": failure.errorName, "Cause": failure.cause})
				if f != nil {
					return nil, "", f
				}
				return out, c.Next, nil
			}
		}
		return nil, "", failure
	}
	if f := r.event(ctx, st.Type+"StateExited", "stateExitedEventDetails", map[string]any{"name": name, "output": sfnJSON(output),
		"outputDetails": map[string]any{"truncated": false}}); f != nil {
		return nil, "", f
	}
	return output, next, nil
}

// sfnErrorMatches tells whether an ErrorEquals names an error: by name,
// States.ALL (any error but States.Runtime and States.DataLimitExceeded,
// which are never retried or caught) or States.TaskFailed (any of those
// but States.Timeout).
func sfnErrorMatches(names []string, errorName string) bool {
	for _, want := range names {
		switch {
		case want == errorName:
			return true
		case errorName == "States.Runtime" || errorName == "States.DataLimitExceeded":
		case want == "States.ALL":
			return true
		case want == "States.TaskFailed" && errorName != "States.Timeout":
			return true
		}
	}
	return false
}

// stateBody runs what a state's type does, with its paths.
func (r *sfnRunner) stateBody(ctx context.Context, name string, st aslState, input any, cx map[string]any) (any, string, *sfnFailure) {
	next := st.Next
	if st.End {
		next = ""
	}
	effective, f := sfnApplyPath(st.InputPath, input, cx)
	if f != nil {
		return nil, "", f
	}
	var result any
	switch st.Type {
	case "Succeed":
		out, f := sfnApplyPath(st.OutputPath, effective, cx)
		return out, "", f
	case "Fail":
		return nil, "", r.failState(st, input, cx)
	case "Choice":
		if next, f = sfnChoose(name, st.Choices, st.Default, effective, cx); f != nil {
			return nil, "", f
		}
		out, f := sfnApplyPath(st.OutputPath, effective, cx)
		return out, next, f
	case "Wait":
		if f := r.waitState(ctx, st, effective); f != nil {
			return nil, "", f
		}
		out, f := sfnApplyPath(st.OutputPath, effective, cx)
		return out, next, f
	case "Pass":
		if effective, f = r.parameters(st.Parameters, effective, cx); f != nil {
			return nil, "", f
		}
		result = effective
		if len(st.Result) > 0 {
			if result, f = sfnParseRaw(st.Result); f != nil {
				return nil, "", f
			}
		}
	case "Task", "Parallel", "Map":
		var params any
		if st.Type != "Map" && len(st.Parameters) > 0 {
			if params, f = r.parameters(st.Parameters, effective, cx); f != nil {
				return nil, "", f
			}
			if st.Type == "Parallel" {
				effective = params
			}
		}
		if result, f = r.retried(ctx, name, st, effective, params, cx); f != nil {
			return nil, "", f
		}
		if len(st.ResultSelector) > 0 {
			if result, f = r.parameters(st.ResultSelector, result, cx); f != nil {
				return nil, "", f
			}
		}
	default:
		return nil, "", sfnRuntime("localaws does not run %s states (%s)", st.Type, name)
	}
	out, f := sfnApplyResultPath(st.ResultPath, input, result)
	if f != nil {
		return nil, "", f
	}
	out, f = sfnApplyPath(st.OutputPath, out, cx)
	return out, next, f
}

func sfnParseRaw(raw json.RawMessage) (any, *sfnFailure) {
	v, err := sfnParse(string(raw))
	if err != nil {
		return nil, sfnRuntime("not JSON: %v", err)
	}
	return v, nil
}

// parameters resolves a payload template (none: the input as it is).
func (r *sfnRunner) parameters(raw json.RawMessage, input any, cx map[string]any) (any, *sfnFailure) {
	if len(raw) == 0 {
		return input, nil
	}
	tmpl, f := sfnParseRaw(raw)
	if f != nil {
		return nil, f
	}
	return sfnTemplate(tmpl, input, cx)
}

// failState is a Fail state's error and cause (ErrorPath and CausePath
// read them from the input).
func (r *sfnRunner) failState(st aslState, input any, cx map[string]any) *sfnFailure {
	failure := &sfnFailure{st.Error, st.Cause}
	for _, field := range []struct {
		path string
		to   *string
	}{{st.ErrorPath, &failure.errorName}, {st.CausePath, &failure.cause}} {
		if field.path == "" {
			continue
		}
		v, f := sfnEvaluate(field.path, input, cx)
		if f != nil {
			return f
		}
		s, ok := v.(string)
		if !ok {
			return sfnRuntime("the Fail state's %s selects %s, not a string", field.path, sfnJSON(v))
		}
		*field.to = s
	}
	return failure
}

// waitState waits for Seconds, SecondsPath, Timestamp or TimestampPath.
func (r *sfnRunner) waitState(ctx context.Context, st aslState, input any) *sfnFailure {
	var d time.Duration
	switch {
	case st.Seconds != nil:
		d = time.Duration(*st.Seconds * float64(time.Second))
	case st.SecondsPath != "":
		v, f := sfnSelect(st.SecondsPath, input, nil)
		if f != nil {
			return f
		}
		n, ok := sfnNumber(v)
		if !ok || n < 0 {
			return sfnRuntime("The SecondsPath parameter does not reference a valid positive integer: %s", sfnJSON(v))
		}
		d = time.Duration(n * float64(time.Second))
	case st.Timestamp != "" || st.TimestampPath != "":
		v := any(st.Timestamp)
		if st.TimestampPath != "" {
			var f *sfnFailure
			if v, f = sfnSelect(st.TimestampPath, input, nil); f != nil {
				return f
			}
		}
		t, ok := sfnTimestamp(v)
		if !ok {
			return sfnRuntime("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s", sfnJSON(v))
		}
		d = t.Sub(r.now())
	}
	return r.wait(ctx, d)
}

// retried runs the work of a Task, Parallel or Map state, played again as
// its Retry says.
func (r *sfnRunner) retried(ctx context.Context, name string, st aslState, input, params any, cx map[string]any) (any, *sfnFailure) {
	attempts := make([]int, len(st.Retry))
	for retries := 0; ; retries++ {
		cx["State"].(map[string]any)["RetryCount"] = retries
		var result any
		var f *sfnFailure
		switch st.Type {
		case "Task":
			result, f = r.task(ctx, st, input, params, cx)
		case "Parallel":
			result, f = r.parallel(ctx, st, input)
		case "Map":
			result, f = r.mapState(ctx, name, st, input, cx)
		}
		if f == nil || terminal(f) {
			return result, f
		}
		delay, again := sfnRetryDelay(st.Retry, attempts, f.errorName)
		if !again {
			return nil, f
		}
		if f := r.wait(ctx, delay); f != nil {
			return nil, f
		}
	}
}

// sfnRetryDelay finds the first retrier naming the error: the wait before
// the next attempt (IntervalSeconds × BackoffRate^attempt, at most
// MaxDelaySeconds, FULL jitter a random part of it), or false when none
// matches or its MaxAttempts are spent.
func sfnRetryDelay(retriers []aslRetrier, attempts []int, errorName string) (time.Duration, bool) {
	for i, rt := range retriers {
		if !sfnErrorMatches(rt.ErrorEquals, errorName) {
			continue
		}
		maxAttempts := 3
		if rt.MaxAttempts != nil {
			maxAttempts = *rt.MaxAttempts
		}
		if attempts[i] >= maxAttempts {
			return 0, false
		}
		interval, backoff := 1.0, 2.0
		if rt.IntervalSeconds != nil {
			interval = *rt.IntervalSeconds
		}
		if rt.BackoffRate != nil {
			backoff = *rt.BackoffRate
		}
		secs := interval * math.Pow(backoff, float64(attempts[i]))
		if rt.MaxDelaySeconds != nil && secs > *rt.MaxDelaySeconds {
			secs = *rt.MaxDelaySeconds
		}
		if rt.JitterStrategy == "FULL" {
			secs *= rand.Float64()
		}
		attempts[i]++
		return time.Duration(secs * float64(time.Second)), true
	}
	return 0, false
}

// task runs a Task's resource once, with its effective input (after
// InputPath) and its resolved Parameters (nil without): through the
// TaskRunner when one is set, else the service integration
// (sfn_integrations.go); its events are
// Task* for arn:aws:states:::service:action, LambdaFunction* for a function
// ARN, as AWS records them.
func (r *sfnRunner) task(ctx context.Context, st aslState, input, params any, cx map[string]any) (any, *sfnFailure) {
	timeout := time.Duration(0)
	if st.TimeoutSeconds != nil {
		timeout = time.Duration(*st.TimeoutSeconds * float64(time.Second))
	} else if st.TimeoutSecondsPath != "" {
		v, f := sfnSelect(st.TimeoutSecondsPath, input, cx)
		if f != nil {
			return nil, f
		}
		n, ok := sfnNumber(v)
		if !ok || n <= 0 {
			return nil, sfnRuntime("TimeoutSecondsPath selects %s, not a positive integer", sfnJSON(v))
		}
		timeout = time.Duration(n * float64(time.Second))
	}
	service, action, integration := strings.Cut(strings.TrimPrefix(st.Resource, "arn:aws:states:::"), ":")
	integration = integration && strings.HasPrefix(st.Resource, "arn:aws:states:::")
	kind := "LambdaFunction"
	payload := input // what a function ARN is invoked with
	if params != nil {
		payload = params
	}
	details := map[string]any{"resource": st.Resource, "input": sfnJSON(payload)}
	if integration {
		kind = "Task"
		details = map[string]any{"resourceType": service, "resource": action}
		scheduled := map[string]any{"resourceType": service, "resource": action, "region": r.s.Region, "parameters": sfnJSON(params)}
		if params == nil {
			scheduled["parameters"] = "{}"
		}
		if f := r.event(ctx, "TaskScheduled", "taskScheduledEventDetails", scheduled); f != nil {
			return nil, f
		}
		if f := r.event(ctx, "TaskStarted", "taskStartedEventDetails", details); f != nil {
			return nil, f
		}
	} else {
		if f := r.event(ctx, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details); f != nil {
			return nil, f
		}
		if f := r.event(ctx, "LambdaFunctionStarted", "", nil); f != nil {
			return nil, f
		}
	}
	output, failure := r.call(ctx, timeout, st.Resource, params, input)
	if failure != nil && terminal(failure) {
		return nil, failure
	}
	member := strings.ToLower(kind[:1]) + kind[1:]
	end := map[string]any{}
	if integration {
		end = map[string]any{"resourceType": service, "resource": action}
	}
	switch {
	case failure != nil && failure.errorName == "States.Timeout":
		end["error"], end["cause"] = failure.errorName, failure.cause
		if f := r.event(ctx, kind+"TimedOut", member+"TimedOutEventDetails", end); f != nil {
			return nil, f
		}
		return nil, failure
	case failure != nil:
		end["error"], end["cause"] = failure.errorName, failure.cause
		if f := r.event(ctx, kind+"Failed", member+"FailedEventDetails", end); f != nil {
			return nil, f
		}
		return nil, failure
	}
	end["output"] = sfnJSON(output)
	if f := r.event(ctx, kind+"Succeeded", member+"SucceededEventDetails", end); f != nil {
		return nil, f
	}
	return output, nil
}

// call runs a task's resource, within its TimeoutSeconds (States.Timeout).
func (r *sfnRunner) call(ctx context.Context, timeout time.Duration, resource string, params, input any) (any, *sfnFailure) {
	r.s.mu.Lock()
	run := r.s.taskRunner
	r.s.mu.Unlock()
	callCtx, cancel := context.WithCancel(ctx)
	if timeout > 0 {
		callCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	type answer struct {
		out any
		f   *sfnFailure
	}
	done := make(chan answer, 1)
	go func() {
		if run == nil {
			out, f := r.s.sfnIntegrate(callCtx, resource, params, input)
			done <- answer{out, f}
			return
		}
		paramsJSON := ""
		if params != nil {
			paramsJSON = sfnJSON(params)
		}
		out, errorName, cause := run(resource, paramsJSON, sfnJSON(input))
		if errorName != "" {
			done <- answer{nil, &sfnFailure{errorName, cause}}
			return
		}
		v, err := sfnParse(out)
		if err != nil {
			v = out // a task may answer a bare string
		}
		done <- answer{v, nil}
	}()
	select {
	case a := <-done:
		return a.out, a.f
	case <-callCtx.Done():
		if f := r.halted(ctx); f != nil {
			return nil, f
		}
		return nil, &sfnFailure{"States.Timeout", fmt.Sprintf("The task did not finish within its TimeoutSeconds (%s)", timeout)}
	}
}

// parallel runs the branches at once, each on the input; the result is
// their outputs in order. The first branch to fail stops the others and
// fails the state.
func (r *sfnRunner) parallel(ctx context.Context, st aslState, input any) (any, *sfnFailure) {
	if f := r.event(ctx, "ParallelStateStarted", "", nil); f != nil {
		return nil, f
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]any, len(st.Branches))
	var (
		mu    sync.Mutex
		first *sfnFailure
		wg    sync.WaitGroup
	)
	for i, b := range st.Branches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, f := r.runMachine(fork(bctx), b, sfnDeepCopy(input))
			if f != nil {
				mu.Lock()
				if first == nil || first == errCancelled {
					first = f
				}
				mu.Unlock()
				cancel()
				return
			}
			results[i] = out
		}()
	}
	wg.Wait()
	r.joined(ctx)
	if first != nil {
		if !terminal(first) || first == errCancelled {
			if f := r.event(ctx, "ParallelStateFailed", "", nil); f != nil {
				return nil, f
			}
		}
		return nil, first
	}
	if f := r.event(ctx, "ParallelStateSucceeded", "", nil); f != nil {
		return nil, f
	}
	return results, nil
}

// mapState runs the item processor on each item of ItemsPath, at most
// MaxConcurrency at once; the result is their outputs in order. The first
// iteration to fail stops the others and fails the state.
func (r *sfnRunner) mapState(ctx context.Context, name string, st aslState, input any, cx map[string]any) (any, *sfnFailure) {
	if len(st.ItemReader) > 0 {
		return nil, sfnRuntime("localaws does not simulate distributed Map (ItemReader) in state '%s'", name)
	}
	processor := st.ItemProcessor
	if processor == nil {
		processor = st.Iterator
	}
	if processor == nil {
		return nil, sfnRuntime("the Map state '%s' has no ItemProcessor", name)
	}
	itemsPath := st.ItemsPath
	if itemsPath == "" {
		itemsPath = "$"
	}
	v, f := sfnSelect(itemsPath, input, cx)
	if f != nil {
		return nil, f
	}
	items, ok := v.([]any)
	if !ok {
		return nil, sfnRuntime("Invalid path '%s': the Map state's ItemsPath must select an array, not %s", itemsPath, sfnJSON(v))
	}
	limit := st.MaxConcurrency
	if st.MaxConcurrencyPath != "" {
		v, f := sfnSelect(st.MaxConcurrencyPath, input, cx)
		if f != nil {
			return nil, f
		}
		n, _ := sfnNumber(v)
		limit = int(n)
	}
	if limit <= 0 || limit > sfnMapConcurrency {
		limit = sfnMapConcurrency
	}
	selector := st.ItemSelector
	if len(selector) == 0 {
		selector = st.Parameters
	}
	if f := r.event(ctx, "MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": len(items)}); f != nil {
		return nil, f
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]any, len(items))
	var (
		mu    sync.Mutex
		first *sfnFailure
		wg    sync.WaitGroup
	)
	fail := func(f *sfnFailure) {
		mu.Lock()
		if first == nil || first == errCancelled {
			first = f
		}
		mu.Unlock()
		cancel()
	}
	sem := make(chan struct{}, limit)
	for i, item := range items {
		select {
		case sem <- struct{}{}:
		case <-mctx.Done():
		}
		if mctx.Err() != nil {
			break
		}
		itemCx := maps.Clone(cx)
		itemCx["Map"] = map[string]any{"Item": map[string]any{"Index": i, "Value": item}}
		itemInput, f := sfnDeepCopy(item), (*sfnFailure)(nil)
		if len(selector) > 0 {
			itemInput, f = r.parameters(selector, input, itemCx)
		}
		if f != nil {
			<-sem
			fail(f)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ictx := fork(mctx)
			iteration := map[string]any{"name": name, "index": i}
			if f := r.event(ictx, "MapIterationStarted", "mapIterationStartedEventDetails", iteration); f != nil {
				fail(f)
				return
			}
			out, f := r.runMachine(ictx, *processor, itemInput)
			switch {
			case f == errCancelled:
				r.event(ictx, "MapIterationAborted", "mapIterationAbortedEventDetails", iteration)
				fail(f)
			case f != nil:
				r.event(ictx, "MapIterationFailed", "mapIterationFailedEventDetails", iteration)
				fail(f)
			default:
				results[i] = out
				if f := r.event(ictx, "MapIterationSucceeded", "mapIterationSucceededEventDetails", iteration); f != nil {
					fail(f)
				}
			}
		}()
	}
	wg.Wait()
	r.joined(ctx)
	if first != nil {
		if !terminal(first) || first == errCancelled {
			if f := r.event(ctx, "MapStateFailed", "", nil); f != nil {
				return nil, f
			}
		}
		return nil, first
	}
	if f := r.event(ctx, "MapStateSucceeded", "", nil); f != nil {
		return nil, f
	}
	return results, nil
}

// Execution is a snapshot of an execution, as Server.Executions returns it.
type Execution struct {
	Arn, StateMachineArn, Name, Status string
	Error, Cause                       string
	// Events are the history's event types, in order.
	Events []string
}

// Executions returns the executions of a state machine (by ARN), newest
// first.
func (s *Server) Executions(machineArn string) []Execution {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*sfnExecution
	for _, e := range s.executions {
		if e.machineArn == machineArn {
			list = append(list, e)
		}
	}
	sortExecutions(list)
	out := make([]Execution, 0, len(list))
	for _, e := range list {
		x := Execution{Arn: e.arn, StateMachineArn: e.machineArn, Name: e.name, Status: e.status, Error: e.errorName, Cause: e.cause}
		for _, ev := range e.history {
			x.Events = append(x.Events, ev["type"].(string))
		}
		out = append(out, x)
	}
	return out
}
