package localaws

// Lambda's Invoke (REST-JSON: POST /2015-03-31/functions/{FunctionName}/invocations),
// as the Lambda API Reference documents it, and the background work the
// server does after answering (the goroutines of this file, of
// sqs_messages.go, lambda_mappings_poller.go, sns_publish.go and
// eventbridge_delivery.go; Close stops them all and waits for them).
//
// Invoke runs a function's code through a FunctionRuntime (SetFunctionRuntime;
// internal/lambdarun runs the real handlers under the Lambda Runtime
// Interface Emulator, tests use a Go func).
//
// The version it runs: FunctionName is a name or ARN, qualified
// (NAME:QUALIFIER, ...:function:NAME:QUALIFIER) or with the Qualifier query
// parameter. None or $LATEST runs $LATEST; a published version's number
// runs that version, with the configuration PublishVersion saved
// (environment, handler, runtime, timeout, memory, code, log group,
// dead-letter target); an alias runs its FunctionVersion or, with
// RoutingConfig.AdditionalVersionWeights {v: w}, version v with probability
// w (one draw per invocation, SetRoutingDraw makes it deterministic). The
// FunctionRuntime gets the executed version's configuration
// (RunnableFunction.Version is its number, ARN the version's ARN), and
// X-Amz-Executed-Version answers it. The same resolution serves every
// invoker: event source mappings (one draw per batch), EventBridge and SNS
// deliveries to a qualified function ARN, and Step Functions' lambda:invoke
// (which calls Invoke). A published version is always Active; $LATEST's
// state is checked as below. Resource-based policies are not checked on
// invoke (lambda.go keeps them, by name or name:qualifier).
//
//   - X-Amz-Invocation-Type RequestResponse (the default) runs the function
//     and answers 200 with its response, or with X-Amz-Function-Error:
//     Unhandled and its error document ({"errorMessage","errorType",...});
//     X-Amz-Executed-Version is the version run. With X-Amz-Log-Type: Tail,
//     X-Amz-Log-Result is base64 of the last 4 KB of the invocation's log.
//     A runtime that cannot run the code at all answers Unhandled with
//     errorType Runtime.Unknown (Sandbox.Timedout, "Task timed out after N
//     seconds", past the function's Timeout).
//   - Event resolves the version at once (an alias's draw included), queues
//     the invocation of that version (per function, at most asyncQueueLimit
//     waiting) and answers 202 with no body; a worker per function runs the
//     queue in order in the background, each event and its retries on the
//     version it resolved to (dropped if that version is deleted meanwhile).
//     A function error is retried up to the function's MaximumRetryAttempts
//     (its event invoke config's, else 2), after asyncRetryDelay and twice
//     that (Lambda waits one then two minutes), then the event goes to the
//     DeadLetterConfig target of the version run: an SQS queue (the payload
//     as the body) or an SNS topic (as the message), with the message
//     attributes Lambda sets: RequestID, ErrorCode (the response's HTTP
//     status, 200) and ErrorMessage (its first KB). An event older than
//     MaximumEventAgeInSeconds is dead-lettered without running. OnSuccess and OnFailure destinations are not played.
//   - DryRun checks the function and answers 204.
//
// Every invocation writes to the function's log group (LoggingConfig.LogGroup,
// /aws/lambda/<name> by default; created if missing, as Lambda does with its
// role's logs:CreateLogGroup) in one stream per function version, named as
// Lambda names an execution environment's (YYYY/MM/DD/[<version>]<32 hex>):
// START RequestId: <id> Version: <version> ($LATEST or the number), the
// function's lines, END and REPORT (Duration, Billed Duration, Memory Size;
// Max Memory Used is the memory size, not measured).
//
// Errors, as Lambda answers them: 404 ResourceNotFoundException "Function
// not found: <arn>" (the qualified ARN for a version or alias that does not
// exist); 409 ResourceConflictException "The operation cannot be performed
// at this time. The function is currently in the following state: Pending"
// (or Failed); 400 InvalidRequestContentException for a payload that is
// not JSON; 413 RequestTooLargeException beyond 6 MB
// (RequestResponse) or 1 MB (Event) — though the server reads no request
// body beyond 1 MiB (server.go's maxBody); 400 InvalidParameterValueException
// for an unknown invocation type. Without a runtime, RequestResponse and
// Event answer 500 ServiceException naming SetFunctionRuntime (make
// run-local sets one): the server never makes up a function's answer.
//
// Where it simplifies: one execution environment per function version, so
// a version's invocations run one at a time, synchronous ones beside the
// async worker's; event invoke configs are $LATEST's only, and apply to the
// async invocations of every version; no concurrency limits or throttling
// (reserved concurrency is not applied); ClientContext is ignored; the
// deployment package of a function created from ZipFile is not kept
// (RunnableFunction.Code answers an error: give the code through S3 and
// SetCodeSource).
//
// The handlers that wait (Invoke, SQS's long poll) release the server's
// lock while they wait, and take it again to answer. A FunctionRuntime must
// return when its context ends: Close cancels the context of every
// invocation, then waits for the background work to end.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FunctionRuntime runs a function's code as Lambda's workers do.
type FunctionRuntime interface {
	// Invoke runs one invocation to its end: the handler's response, or with
	// FunctionError "Unhandled" its error document ({"errorMessage","errorType",...}),
	// and the lines the function wrote during the invocation. An error means the
	// runtime could not run it at all (Lambda answers that invocation with
	// FunctionError Unhandled, errorType Runtime.<...>).
	Invoke(ctx context.Context, fn RunnableFunction, payload []byte) (RuntimeResult, error)
}

// RunnableFunction is what a FunctionRuntime needs of a function.
type RunnableFunction struct {
	Name, ARN, Runtime, Handler, Architecture, Version string
	CodeSha256                                         string
	Code                                               func() ([]byte, error) // the deployment package (zip), read again through the server's code source (SetCodeSource)
	Environment                                        map[string]string      // the function's variables only; the runtime adds Lambda's own
	Timeout                                            time.Duration
	MemoryMB                                           int32
	LogGroup                                           string
}

// RuntimeResult is the end of one invocation.
type RuntimeResult struct {
	Payload       []byte
	FunctionError string   // "" or "Unhandled"
	Logs          []string // lines, START/END/REPORT excluded (the server writes those)
}

// Invoke's limits and the async retries' pace.
const (
	invokeSyncMaxPayload  = 6 * 1024 * 1024
	invokeAsyncMaxPayload = 1024 * 1024 // since October 2025 (256 KB before)
	invokeLogTail         = 4096
	// invokeGrace is how long past a function's Timeout the server waits
	// for a runtime that does not stop it itself.
	invokeGrace      = 2 * time.Second
	asyncQueueLimit  = 1000
	asyncRetryDelay  = 100 * time.Millisecond
	asyncDefaultMax  = 2
	lambdaErrMsgSize = 1024
)

// deliveryState is what the server keeps for the work it does after
// answering. Its members' fields carry their file's prefix (sqsMsg, async,
// esm, snsPub, eb) so that none shadows another state's field.
type deliveryState struct {
	lambdaRuntime FunctionRuntime
	// bgCtx is cancelled by Close; bgStopped then refuses new goroutines;
	// bgWG counts those running.
	bgCtx     context.Context
	bgCancel  context.CancelFunc
	bgStopped bool
	bgWG      sync.WaitGroup

	sqsMessagesState
	asyncState
	esmState
	snsPublishState
	ebDeliveryState
}

func newDeliveryState() deliveryState {
	ctx, cancel := context.WithCancel(context.Background())
	return deliveryState{bgCtx: ctx, bgCancel: cancel, sqsMessagesState: newSQSMessagesState(),
		asyncState: asyncState{asyncQueues: map[string]*asyncQueue{}, asyncStreams: map[string]string{}}, esmState: esmState{esmPollers: map[string]*esmPoller{}}}
}

// goBackground runs f in a goroutine that Close waits for, unless the
// server is closed (call with s.mu held). f gets the context Close cancels.
func (s *Server) goBackground(f func(ctx context.Context)) bool {
	if s.bgStopped {
		return false
	}
	s.bgWG.Add(1)
	ctx := s.bgCtx
	go func() {
		defer s.bgWG.Done()
		f(ctx)
	}()
	return true
}

// stopBackground cancels the background work and waits for it (Close).
func (s *Server) stopBackground() {
	s.mu.Lock()
	s.bgStopped = true
	s.bgCancel()
	s.mu.Unlock()
	s.bgWG.Wait()
}

// unlocked runs f with s.mu released, for a handler (called with it held)
// that waits; the caller account of the request is kept.
func (s *Server) unlocked(f func()) {
	caller := s.caller
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.caller = caller
	}()
	f()
}

// asAccount runs f (with s.mu held) as if a request of account were being
// answered: how background work calls the operations' handlers.
func (s *Server) asAccount(account string, f func()) {
	saved := s.caller
	s.caller = account
	defer func() { s.caller = saved }()
	f()
}

// sleepCtx waits d unless ctx ends first; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// SetFunctionRuntime sets what runs functions' code (nil: nothing does, and
// Invoke answers ServiceException).
func (s *Server) SetFunctionRuntime(rt FunctionRuntime) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lambdaRuntime = rt
}

// rawAnswer is an answer written as it is (protocol.go's writeOK): Invoke's
// payload and headers.
type rawAnswer struct {
	header http.Header
	body   []byte
}

func (a *rawAnswer) write(w http.ResponseWriter, status int) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	if len(a.body) > 0 && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(a.body)
}

// routeInvoke is routeLambda's route of Invoke, which reads headers.
func (s *Server) routeInvoke(r *http.Request, segs []string) (string, handler, bool) {
	if r.Method != http.MethodPost || len(segs) != 4 || segs[0] != "2015-03-31" || segs[1] != "functions" || segs[3] != "invocations" {
		return "", nil, false
	}
	req := invokeRequest{name: segs[2], qualifier: r.URL.Query().Get("Qualifier"),
		kind: r.Header.Get("X-Amz-Invocation-Type"), tail: r.Header.Get("X-Amz-Log-Type") == "Tail"}
	return "Invoke", func(body []byte) (int, any, *apiError) { return s.invoke(req, body) }, true
}

type invokeRequest struct {
	name, qualifier, kind string
	tail                  bool
}

func lambdaServiceError(msg string) *apiError {
	return &apiError{http.StatusInternalServerError, "ServiceException", msg}
}

// errNoRuntime is Invoke's answer without a FunctionRuntime.
var errNoRuntime = lambdaServiceError("No function runtime: this local AWS runs functions' code only with one " +
	"(Server.SetFunctionRuntime; make run-local sets it), and does not make up answers")

// invokeTarget finds the function an Invoke names and the qualifier it
// names ("" for $LATEST, a published version's number or an alias's name),
// which must exist (s.mu held). runVersion then picks the version to run.
func (s *Server) invokeTarget(nameOrArn, qualifier string) (*lambdaFunction, string, *apiError) {
	name, q, ok := parseFunctionName(nameOrArn)
	if !ok {
		return nil, "", functionNameError(nameOrArn)
	}
	if q != "" && qualifier != "" && q != qualifier {
		return nil, "", lambdaInvalid("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if q == "" {
		q = qualifier
	}
	f := s.functions[fnKey(s.account(), name)]
	if f == nil || (q != "" && q != "$LATEST" && f.aliases[q] == nil && f.version(q) == nil) {
		return nil, "", lambdaNotFound("Function not found: " + s.functionArn(name, q))
	}
	if q == "$LATEST" {
		q = ""
	}
	return f, q, nil
}

// runVersion is the version an invocation of f's qualifier runs (s.mu
// held): nil for $LATEST, the version of a number, and for an alias its
// FunctionVersion or, with probability w, a version of its
// AdditionalVersionWeights {version: w} (one draw of s.lambdaDraw). ok is
// false when the qualifier names nothing (any more).
func (s *Server) runVersion(f *lambdaFunction, qualifier string) (v *lambdaVersion, ok bool) {
	if qualifier == "" || qualifier == "$LATEST" {
		return nil, true
	}
	number := qualifier
	if a := f.aliases[qualifier]; a != nil {
		number = a.version
		if len(a.weights) > 0 {
			draw := s.lambdaDraw
			if draw == nil {
				draw = rand.Float64
			}
			r, sum := draw(), 0.0
			for _, other := range sortedKeys(a.weights) {
				if sum += a.weights[other]; r < sum {
					number = other
					break
				}
			}
		}
		if number == "$LATEST" {
			return nil, true
		}
	}
	v = f.version(number)
	return v, v != nil
}

// SetRoutingDraw sets the draw (a number in [0, 1)) that routes an alias's
// invocations between its versions (nil: math/rand/v2's Float64), for
// tests that want the routing deterministic.
func (s *Server) SetRoutingDraw(draw func() float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lambdaDraw = draw
}

// executedVersion is the version an invocation of v runs, as
// X-Amz-Executed-Version names it.
func executedVersion(v *lambdaVersion) string {
	if v == nil {
		return "$LATEST"
	}
	return v.number
}

func (s *Server) invoke(req invokeRequest, body []byte) (int, any, *apiError) {
	if req.kind == "" {
		req.kind = "RequestResponse"
	}
	if req.kind != "RequestResponse" && req.kind != "Event" && req.kind != "DryRun" {
		return 0, nil, lambdaInvalid("1 validation error detected: Value '" + req.kind +
			"' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
	}
	f, q, err := s.invokeTarget(req.name, req.qualifier)
	if err != nil {
		return 0, nil, err
	}
	payload, err := invokePayload(body, req.kind)
	if err != nil {
		return 0, nil, err
	}
	v, ok := s.runVersion(f, q)
	if !ok {
		return 0, nil, lambdaNotFound("Function not found: " + f.arn(s.Region) + ":" + q)
	}
	inv, err := s.startInvocation(f, v, req.kind == "DryRun")
	if err != nil {
		return 0, nil, err
	}
	header := http.Header{}
	header.Set("X-Amz-Executed-Version", executedVersion(v))
	switch req.kind {
	case "DryRun":
		return http.StatusNoContent, &rawAnswer{header: header}, nil
	case "Event":
		if err := s.enqueueAsync(f, v, payload, inv.requestID); err != nil {
			return 0, nil, err
		}
		header.Set("X-Amzn-Requestid", inv.requestID)
		return http.StatusAccepted, &rawAnswer{header: header}, nil
	}
	var out invocationOutcome
	s.unlocked(func() { out = s.runInvocation(inv, payload) })
	tail := s.finishInvocation(inv, out)
	header.Set("X-Amzn-Requestid", inv.requestID)
	if out.functionError != "" {
		header.Set("X-Amz-Function-Error", out.functionError)
	}
	if req.tail {
		header.Set("X-Amz-Log-Result", tail)
	}
	return http.StatusOK, &rawAnswer{header: header, body: out.payload}, nil
}

// invokePayload checks an Invoke's payload; none is {}.
func invokePayload(body []byte, kind string) ([]byte, *apiError) {
	limit := invokeSyncMaxPayload
	if kind == "Event" {
		limit = invokeAsyncMaxPayload
	}
	if len(body) > limit {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return []byte("{}"), nil
	}
	if !json.Valid(body) {
		return nil, &apiError{http.StatusBadRequest, "InvalidRequestContentException",
			"Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value"}
	}
	return body, nil
}

// invocation is one run of a function being prepared, run and logged.
type invocation struct {
	requestID, account, stream string
	fn                         RunnableFunction
	rt                         FunctionRuntime
	ctx                        context.Context
	started                    time.Time
}

// invocationOutcome is how an invocation ended.
type invocationOutcome struct {
	payload       []byte
	functionError string
	// errorType and errorMessage are the error document's, when it failed.
	errorType, errorMessage string
	logs                    []string
	duration                time.Duration
	timedOut                bool
}

// startInvocation checks that f can run now and snapshots what its runtime
// needs of the version v (nil: $LATEST) (s.mu held); dryRun checks only the
// function. A published version is always Active, as Lambda answers it.
func (s *Server) startInvocation(f *lambdaFunction, v *lambdaVersion, dryRun bool) (*invocation, *apiError) {
	if v == nil {
		if state, _, _ := s.fnState(f, time.Now()); state != "Active" {
			return nil, lambdaConflict("The operation cannot be performed at this time. The function is currently in the following state: " + state)
		}
	}
	inv := &invocation{requestID: newID(), account: f.account, ctx: s.bgCtx}
	if dryRun {
		return inv, nil
	}
	if s.lambdaRuntime == nil {
		return nil, errNoRuntime
	}
	c, version, arn := f.cfg, "$LATEST", f.arn(s.Region)
	if v != nil {
		c, version, arn = v.cfg, v.number, arn+":"+v.number
	}
	arch := "x86_64"
	if len(c.Architectures) > 0 {
		arch = c.Architectures[0]
	}
	group := c.Logging.LogGroup
	if group == "" {
		group = "/aws/lambda/" + f.name
	}
	inv.rt = s.lambdaRuntime
	inv.fn = RunnableFunction{Name: f.name, ARN: arn, Runtime: c.Runtime, Handler: c.Handler, Architecture: arch,
		Version: version, CodeSha256: c.Code.Sha256, Code: s.codeReader(c.Code), Environment: copyStrings(c.Environment),
		Timeout: time.Duration(c.Timeout) * time.Second, MemoryMB: c.MemorySize, LogGroup: group}
	if inv.fn.Timeout <= 0 {
		inv.fn.Timeout = 3 * time.Second
	}
	inv.stream = s.functionStream(inv.fn.ARN, version)
	return inv, nil
}

// codeReader reads a function's package again through the code source.
func (s *Server) codeReader(code functionCode) func() ([]byte, error) {
	read := s.codeSource
	return func() ([]byte, error) {
		switch {
		case code.ImageURI != "":
			return nil, fmt.Errorf("the function's code is the image %s, which this local AWS does not pull", code.ImageURI)
		case code.ZipFile:
			return nil, errors.New("the function's package was given as ZipFile, which this local AWS does not keep: give it through S3 and SetCodeSource")
		case read == nil:
			return nil, fmt.Errorf("no code source (SetCodeSource) to read s3://%s/%s", code.S3Bucket, code.S3Key)
		}
		return read(code.S3Bucket, code.S3Key, code.S3ObjectVersion)
	}
}

// functionStream is the log stream of the one execution environment of a
// function's version (by its ARN, qualified for a published version), named
// as Lambda names them.
func (s *Server) functionStream(arn, version string) string {
	if name, ok := s.asyncStreams[arn]; ok {
		return name
	}
	name := time.Now().UTC().Format("2006/01/02") + "/[" + version + "]" + strings.ReplaceAll(newID(), "-", "")
	s.asyncStreams[arn] = name
	return name
}

// runInvocation runs an invocation through the runtime (without s.mu).
func (s *Server) runInvocation(inv *invocation, payload []byte) invocationOutcome {
	ctx, cancel := context.WithTimeout(inv.ctx, inv.fn.Timeout+invokeGrace)
	defer cancel()
	inv.started = time.Now()
	res, err := inv.rt.Invoke(ctx, inv.fn, payload)
	out := invocationOutcome{duration: time.Since(inv.started), logs: res.Logs}
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || out.duration > inv.fn.Timeout):
		out.timedOut = true
		out.errorType = "Sandbox.Timedout"
		out.errorMessage = fmt.Sprintf("%s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.fn.Timeout.Seconds())
	case err != nil:
		out.errorType, out.errorMessage = "Runtime.Unknown", err.Error()
	case res.FunctionError != "":
		out.payload, out.functionError = res.Payload, res.FunctionError
		var doc struct{ ErrorMessage, ErrorType string }
		_ = json.Unmarshal(res.Payload, &doc)
		out.errorType, out.errorMessage = doc.ErrorType, doc.ErrorMessage
		if out.errorMessage == "" {
			out.errorMessage = string(res.Payload)
		}
		return out
	default:
		out.payload = res.Payload
		return out
	}
	out.functionError = "Unhandled"
	out.payload, _ = json.Marshal(map[string]string{"errorMessage": out.errorMessage, "errorType": out.errorType})
	return out
}

// finishInvocation writes an invocation's log (s.mu held) and returns its
// tail as X-Amz-Log-Result carries it.
func (s *Server) finishInvocation(inv *invocation, out invocationOutcome) string {
	lines := []string{fmt.Sprintf("START RequestId: %s Version: %s\n", inv.requestID, inv.fn.Version)}
	for _, l := range out.logs {
		if !strings.HasSuffix(l, "\n") {
			l += "\n"
		}
		lines = append(lines, l)
	}
	ms := float64(out.duration.Microseconds()) / 1000
	report := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		inv.requestID, ms, int64(ms)+1, inv.fn.MemoryMB, inv.fn.MemoryMB)
	if out.timedOut {
		report += "Status: timeout"
	}
	lines = append(lines, fmt.Sprintf("END RequestId: %s\n", inv.requestID), report+"\n")
	s.appendLog(inv.fn.LogGroup, inv.stream, lines)
	all := strings.Join(lines, "")
	if len(all) > invokeLogTail {
		all = all[len(all)-invokeLogTail:]
	}
	return base64.StdEncoding.EncodeToString([]byte(all))
}

// appendLog writes lines to a log stream, making the group and the stream
// if need be (s.mu held).
func (s *Server) appendLog(group, stream string, lines []string) {
	if _, ok := s.logGroups[group]; !ok {
		s.logGroups[group] = &LogGroup{Name: group, Arn: s.logGroupArn(group), Tags: map[string]string{}}
	}
	streams := s.logStreamsOf(group)
	st := streams[stream]
	if st == nil {
		st = &logStream{name: stream, created: time.Now().UnixMilli()}
		streams[stream] = st
	}
	now := time.Now().UnixMilli()
	for _, l := range lines {
		s.logEventSeq++
		st.events = append(st.events, LogEvent{Stream: stream, Timestamp: now, Ingestion: now, Message: l,
			EventID: fmt.Sprintf("%020d%016d", now, s.logEventSeq)})
	}
}

// Asynchronous invocations.

type asyncState struct {
	asyncQueues map[string]*asyncQueue // by function ARN
	// asyncStreams are the functions' log streams, by function ARN.
	asyncStreams map[string]string
	// asyncDone counts the async events that ended (run, retried out or
	// dead-lettered), for AsyncInvocationsDone.
	asyncDone int
}

// asyncQueue is a function's queue of events and whether its worker runs.
type asyncQueue struct {
	events  []asyncEvent
	running bool
}

type asyncEvent struct {
	account, name, arn string
	// version is the version the invocation resolved to ("" for $LATEST),
	// which its retries run too.
	version   string
	payload   []byte
	requestID string
	queued    time.Time
}

// enqueueAsync queues an event for f's version v (nil: $LATEST) and starts
// its worker (s.mu held).
func (s *Server) enqueueAsync(f *lambdaFunction, v *lambdaVersion, payload []byte, requestID string) *apiError {
	if s.lambdaRuntime == nil {
		return errNoRuntime
	}
	arn := f.arn(s.Region)
	q := s.asyncQueues[arn]
	if q == nil {
		q = &asyncQueue{}
		s.asyncQueues[arn] = q
	}
	if len(q.events) >= asyncQueueLimit {
		return &apiError{http.StatusTooManyRequests, "TooManyRequestsException", "Rate exceeded"}
	}
	version := ""
	if v != nil {
		version = v.number
	}
	q.events = append(q.events, asyncEvent{account: f.account, name: f.name, arn: arn, version: version, payload: payload,
		requestID: requestID, queued: time.Now()})
	if !q.running && s.goBackground(func(ctx context.Context) { s.asyncWorker(ctx, q) }) {
		q.running = true
	}
	return nil
}

// invokeAsync is the Event invocation other services make (EventBridge, SNS),
// by function ARN (qualified or not) or name, with s.mu held.
func (s *Server) invokeAsync(account, functionArn string, payload []byte) *apiError {
	var err *apiError
	s.asAccount(account, func() {
		f, q, e := s.invokeTarget(functionArn, "")
		if err = e; err != nil {
			return
		}
		v, ok := s.runVersion(f, q)
		if !ok {
			err = lambdaNotFound("Function not found: " + f.arn(s.Region) + ":" + q)
			return
		}
		if _, err = s.startInvocation(f, v, true); err != nil {
			return
		}
		err = s.enqueueAsync(f, v, payload, newID())
	})
	return err
}

// asyncWorker runs a function's queued events, one at a time, until the
// queue is empty or the server closes.
func (s *Server) asyncWorker(ctx context.Context, q *asyncQueue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(q.events) > 0 && ctx.Err() == nil {
		ev := q.events[0]
		q.events = q.events[1:]
		s.runAsync(ctx, ev)
		s.asyncDone++
	}
	q.running = false
}

// runAsync runs one event with its retries, then dead-letters it if it
// still fails (s.mu held, released while the function runs).
func (s *Server) runAsync(ctx context.Context, ev asyncEvent) {
	var last invocationOutcome
	status := "200"
	for attempt := 0; ; attempt++ {
		f, v, ok := s.asyncTarget(ev)
		if !ok {
			return // deleted meanwhile: Lambda drops its queue
		}
		maxRetry, maxAge := int32(asyncDefaultMax), time.Duration(0)
		if ic := f.invoke; ic != nil {
			if ic.maxRetry != nil {
				maxRetry = *ic.maxRetry
			}
			if ic.maxAge != nil {
				maxAge = time.Duration(*ic.maxAge) * time.Second
			}
		}
		if maxAge > 0 && time.Since(ev.queued) > maxAge {
			last = invocationOutcome{errorType: "EventAgeExceeded", errorMessage: "Event age exceeded MaximumEventAgeInSeconds"}
			break
		}
		inv, err := s.startInvocation(f, v, false)
		if err != nil {
			last = invocationOutcome{errorType: err.Code, errorMessage: err.Message}
			status = fmt.Sprint(err.Status)
		} else {
			inv.requestID = ev.requestID
			var out invocationOutcome
			s.unlocked(func() { out = s.runInvocation(inv, ev.payload) })
			s.finishInvocation(inv, out)
			if out.functionError == "" {
				return
			}
			last = out
		}
		if int32(attempt) >= maxRetry {
			break
		}
		var waited bool
		s.unlocked(func() { waited = sleepCtx(ctx, asyncRetryDelay*time.Duration(attempt+1)) })
		if !waited {
			return
		}
	}
	f, v, ok := s.asyncTarget(ev)
	if !ok {
		return
	}
	dlq := f.cfg.DeadLetterTargetArn
	if v != nil {
		dlq = v.cfg.DeadLetterTargetArn
	}
	if dlq != "" {
		msg := last.errorMessage
		if len(msg) > lambdaErrMsgSize {
			msg = msg[:lambdaErrMsgSize]
		}
		attrs := map[string]string{"RequestID": ev.requestID, "ErrorCode": status, "ErrorMessage": msg}
		s.asAccount(ev.account, func() { _ = s.sendToTarget(dlq, string(ev.payload), attrs) })
	}
}

// asyncTarget is the function and version an async event runs (nil for
// $LATEST); ok is false once either is deleted.
func (s *Server) asyncTarget(ev asyncEvent) (f *lambdaFunction, v *lambdaVersion, ok bool) {
	if f = s.functions[fnKey(ev.account, ev.name)]; f == nil {
		return nil, nil, false
	}
	if ev.version == "" {
		return f, nil, true
	}
	v = f.version(ev.version)
	return f, v, v != nil
}

// sendToTarget sends a message to an SQS queue or SNS topic ARN with String
// message attributes (s.mu held): how Lambda and EventBridge dead-letter.
func (s *Server) sendToTarget(arn, body string, attrs map[string]string) *apiError {
	switch {
	case strings.HasPrefix(arn, "arn:aws:sqs:"):
		err := s.sqsSendInternal(arn, body, stringAttributes(attrs), "", "")
		return err
	case strings.HasPrefix(arn, "arn:aws:sns:"):
		err := s.snsPublishInternal(arn, body, "", snsStringAttributes(attrs))
		return err
	}
	return lambdaInvalid("Unsupported dead-letter target " + arn)
}

// AsyncInvocationsDone is how many asynchronous invocations have ended (run
// to success, or out of retries), for tests to wait on.
func (s *Server) AsyncInvocationsDone() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asyncDone
}
