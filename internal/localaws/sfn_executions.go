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
// How an execution runs: the states of the definition are walked from
// StartAt. Pass, Succeed, Fail, Wait (without waiting) and Parallel (each
// branch in turn, the output their array) run as their types say; a Task
// calls the server's TaskRunner (SetTaskRunner), which without one succeeds
// with the state's input as output. A Task or Parallel that fails goes to
// the first Catch whose ErrorEquals names its error (or States.ALL), else
// the execution fails with that error and cause; Retry is not played.
// Tasks on arn:aws:states:::<service>:<action> record TaskScheduled,
// TaskStarted and TaskSucceeded or TaskFailed, and a Task whose Resource is
// a function ARN the LambdaFunction* events, as AWS records them. Where it
// simplifies: paths (InputPath, Parameters, ResultSelector, ResultPath,
// OutputPath) are not applied (a state's output is its input or its task's
// output), a Choice state fails the execution with States.Runtime (it is not
// evaluated), and timeouts are not enforced.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TaskRunner runs a Task state of an execution: resource is the state's
// Resource, parameters its Parameters (JSON, or empty) and input its input.
// It returns the task's output, or an error name and cause when the task
// failed. It is called without the server's lock held.
type TaskRunner func(resource, parameters, input string) (output, errorName, cause string)

// sfnExecutionsState holds the executions of every state machine.
type sfnExecutionsState struct {
	executions map[string]*sfnExecution // by execution ARN
	taskRunner TaskRunner
}

// sfnExecution is an execution as the server holds it.
type sfnExecution struct {
	arn, machineArn, name string
	status                string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	input, output         string
	errorName, cause      string
	started, stopped      time.Time
	history               []map[string]any
}

// SetTaskRunner sets how the Task states of executions run (nil: they
// succeed with their input).
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
	ev := map[string]any{"id": len(e.history) + 1, "previousEventId": len(e.history), "timestamp": sfnEpoch(time.Now()), "type": typ}
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
	go s.sfnRun(e, m.definition, input)
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
	Type       string          `json:"Type"`
	Next       string          `json:"Next"`
	End        bool            `json:"End"`
	Resource   string          `json:"Resource"`
	Parameters json.RawMessage `json:"Parameters"`
	Result     json.RawMessage `json:"Result"`
	Error      string          `json:"Error"`
	Cause      string          `json:"Cause"`
	Branches   []aslMachine    `json:"Branches"`
	Catch      []struct {
		ErrorEquals []string `json:"ErrorEquals"`
		Next        string   `json:"Next"`
	} `json:"Catch"`
}

type aslMachine struct {
	StartAt string              `json:"StartAt"`
	States  map[string]aslState `json:"States"`
}

// sfnFailure is how a state or branch failed.
type sfnFailure struct{ errorName, cause string }

// sfnRun runs an execution to its end, recording its history (s.mu is taken
// for each event, not held while a task runs).
func (s *Server) sfnRun(e *sfnExecution, definition, input string) {
	var def aslMachine
	if err := json.Unmarshal([]byte(definition), &def); err != nil {
		s.sfnEnd(e, "", &sfnFailure{"States.Runtime", "the definition is not JSON: " + err.Error()})
		return
	}
	output, failure := s.sfnRunMachine(e, def, input)
	s.sfnEnd(e, output, failure)
}

func (s *Server) sfnEnd(e *sfnExecution, output string, failure *sfnFailure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.status != "RUNNING" {
		return // stopped meanwhile
	}
	if failure != nil {
		e.finish("FAILED", "", failure.errorName, failure.cause)
		e.record("ExecutionFailed", "executionFailedEventDetails", map[string]any{"error": failure.errorName, "cause": failure.cause})
		return
	}
	e.finish("SUCCEEDED", output, "", "")
	e.record("ExecutionSucceeded", "executionSucceededEventDetails", map[string]any{"output": output,
		"outputDetails": map[string]any{"truncated": false}})
}

// event records one event of a running execution; false when the
// execution was stopped meanwhile.
func (s *Server) event(e *sfnExecution, typ, member string, details map[string]any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.status != "RUNNING" {
		return false
	}
	e.record(typ, member, details)
	return true
}

var errStopped = &sfnFailure{"States.Aborted", "the execution was stopped"}

// sfnRunMachine walks a machine (the definition or a branch) from StartAt.
func (s *Server) sfnRunMachine(e *sfnExecution, m aslMachine, input string) (string, *sfnFailure) {
	name := m.StartAt
	for steps := 0; steps < 10000; steps++ {
		st, ok := m.States[name]
		if !ok {
			return "", &sfnFailure{"States.Runtime", fmt.Sprintf("the state %q does not exist", name)}
		}
		output, failure := s.sfnRunState(e, name, st, input)
		if failure == errStopped {
			return "", failure
		}
		if failure != nil {
			next := catchOf(st, failure.errorName)
			if next == "" {
				return "", failure
			}
			// The caught error is the next state's input, as ResultPath
			// defaults to $ for a Catch.
			b, _ := json.Marshal(map[string]string{"Error": failure.errorName, "Cause": failure.cause})
			name, input = next, string(b)
			continue
		}
		if st.Type == "Succeed" || st.Type == "Fail" || st.End || st.Next == "" {
			return output, nil
		}
		name, input = st.Next, output
	}
	return "", &sfnFailure{"States.Runtime", "the execution ran more than 10000 states"}
}

func catchOf(st aslState, errorName string) string {
	for _, c := range st.Catch {
		for _, want := range c.ErrorEquals {
			if want == errorName || (want == "States.ALL" && errorName != "States.Runtime") {
				return c.Next
			}
		}
	}
	return ""
}

// sfnRunState runs one state and records its events.
func (s *Server) sfnRunState(e *sfnExecution, name string, st aslState, input string) (string, *sfnFailure) {
	entered := map[string]any{"name": name, "input": input, "inputDetails": map[string]any{"truncated": false}}
	if st.Type == "Choice" {
		if !s.event(e, "ChoiceStateEntered", "stateEnteredEventDetails", entered) {
			return "", errStopped
		}
		return "", &sfnFailure{"States.Runtime", "localaws does not evaluate Choice states (" + name + ")"}
	}
	if !s.event(e, st.Type+"StateEntered", "stateEnteredEventDetails", entered) {
		return "", errStopped
	}
	output := input
	switch st.Type {
	case "Pass":
		if len(st.Result) > 0 {
			output = string(st.Result)
		}
	case "Wait", "Succeed":
	case "Fail":
		return "", &sfnFailure{st.Error, st.Cause}
	case "Task":
		var failure *sfnFailure
		if output, failure = s.sfnRunTask(e, st, input); failure != nil {
			return "", failure
		}
	case "Parallel":
		if !s.event(e, "ParallelStateStarted", "", nil) {
			return "", errStopped
		}
		results := make([]json.RawMessage, 0, len(st.Branches))
		for _, b := range st.Branches {
			out, failure := s.sfnRunMachine(e, b, input)
			if failure == errStopped {
				return "", failure
			}
			if failure != nil {
				s.event(e, "ParallelStateFailed", "", nil)
				return "", failure
			}
			results = append(results, json.RawMessage(out))
		}
		if !s.event(e, "ParallelStateSucceeded", "", nil) {
			return "", errStopped
		}
		b, _ := json.Marshal(results)
		output = string(b)
	default:
		return "", &sfnFailure{"States.Runtime", fmt.Sprintf("localaws does not run %s states (%s)", st.Type, name)}
	}
	if !s.event(e, st.Type+"StateExited", "stateExitedEventDetails", map[string]any{"name": name, "output": output,
		"outputDetails": map[string]any{"truncated": false}}) {
		return "", errStopped
	}
	return output, nil
}

// sfnRunTask runs a Task through the TaskRunner and records its events:
// Task* for an integration (arn:aws:states:::service:action), LambdaFunction*
// for a function ARN.
func (s *Server) sfnRunTask(e *sfnExecution, st aslState, input string) (string, *sfnFailure) {
	s.mu.Lock()
	run := s.taskRunner
	s.mu.Unlock()
	output, errorName, cause := input, "", ""
	if run != nil {
		output, errorName, cause = run(st.Resource, string(st.Parameters), input)
	}
	service, action, integration := strings.Cut(strings.TrimPrefix(st.Resource, "arn:aws:states:::"), ":")
	integration = integration && strings.HasPrefix(st.Resource, "arn:aws:states:::")
	var steps []struct {
		typ, member string
		details     map[string]any
	}
	add := func(typ, member string, details map[string]any) {
		steps = append(steps, struct {
			typ, member string
			details     map[string]any
		}{typ, member, details})
	}
	if integration {
		params := string(st.Parameters)
		if params == "" {
			params = "{}"
		}
		add("TaskScheduled", "taskScheduledEventDetails", map[string]any{"resourceType": service, "resource": action, "region": s.Region, "parameters": params})
		add("TaskStarted", "taskStartedEventDetails", map[string]any{"resourceType": service, "resource": action})
		if errorName != "" {
			add("TaskFailed", "taskFailedEventDetails", map[string]any{"resourceType": service, "resource": action, "error": errorName, "cause": cause})
		} else {
			add("TaskSucceeded", "taskSucceededEventDetails", map[string]any{"resourceType": service, "resource": action, "output": output})
		}
	} else {
		add("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", map[string]any{"resource": st.Resource, "input": input})
		add("LambdaFunctionStarted", "", nil)
		if errorName != "" {
			add("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails", map[string]any{"error": errorName, "cause": cause})
		} else {
			add("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", map[string]any{"output": output})
		}
	}
	for _, step := range steps {
		if !s.event(e, step.typ, step.member, step.details) {
			return "", errStopped
		}
	}
	if errorName != "" {
		return "", &sfnFailure{errorName, cause}
	}
	return output, nil
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
