package localaws

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Server is the fake. Create it with New, start it with Start and stop it
// with Close.
type Server struct {
	// Region and AccountID are used in every ARN the server returns. Change
	// them, if at all, before Start.
	Region    string
	AccountID string
	// Delays are how long AWS takes for what it does after answering
	// (set them before Start).
	Delays Delays

	mu      sync.Mutex
	httpSrv *http.Server
	url     string

	calls map[string]int
	// callsByClient counts the requests by client ("ack" for the ACK
	// controllers, by their User-Agent; "other" for the rest).
	callsByClient map[string]map[string]int

	fault      Fault
	faultCalls int            // calls since SetFault, for ThrottleEvery
	opCalls    map[string]int // calls per operation since SetFault, for Fail
	fired      []bool         // Fault.Fail entries already used
	failCalls  []int          // requests each Fault.Fail entry matched
	// afterApplying: the fault just injected answers after the request is carried out.
	afterApplying bool

	// caller is the account of the request being answered; callsByAccount
	// counts the requests by account; assumedRoles and deniedRoles are STS's.
	caller         string
	callsByAccount map[string]map[string]int
	assumedRoles   []string
	deniedRoles    map[string]bool

	eventBridgeState
	lambdaState
	logsState
	iamState
	snsState
	sqsState
	dynamoState
	sfnState
	cloudWatchState
	// deliveryState is what the server does after answering: messages,
	// invocations, deliveries and the goroutines that carry them
	// (lambda_invoke.go).
	deliveryState
}

// New returns a server with only the default event bus, not yet listening.
func New() *Server {
	return &Server{
		Region:           "us-east-1",
		AccountID:        "123456789012",
		Delays:           DefaultDelays,
		calls:            map[string]int{},
		callsByAccount:   map[string]map[string]int{},
		callsByClient:    map[string]map[string]int{},
		deniedRoles:      map[string]bool{},
		opCalls:          map[string]int{},
		eventBridgeState: newEventBridgeState(),
		lambdaState:      newLambdaState(),
		logsState:        newLogsState(),
		iamState:         newIAMState(),
		snsState:         newSNSState(),
		sqsState:         newSQSState(),
		dynamoState:      newDynamoState(),
		sfnState:         newSFNState(),
		deliveryState:    newDeliveryState(),
	}
}

// Delays are how long AWS takes, in this model, to finish what it does after
// it answered: a resource reads as in progress until then, as AWS documents
// each one.
type Delays struct {
	// FunctionCreate: a new function's State is Pending, then Active.
	FunctionCreate time.Duration
	// FunctionUpdate: after UpdateFunctionCode or UpdateFunctionConfiguration
	// LastUpdateStatus is InProgress, then Successful (or Failed); another
	// update meanwhile answers ResourceConflictException.
	FunctionUpdate time.Duration
	// TableCreate: a new table is CREATING, then ACTIVE; TableUpdate: an
	// updated table is UPDATING, then ACTIVE.
	TableCreate, TableUpdate time.Duration
	// RolePropagation: IAM is eventually consistent; Lambda refuses a role
	// ("cannot be assumed by Lambda") until this long after CreateRole.
	RolePropagation time.Duration
	// MappingCreate: a new event source mapping is Creating, then Enabled
	// (or Disabled); MappingUpdate: Updating (Enabling, Disabling), then
	// Enabled or Disabled.
	MappingCreate, MappingUpdate time.Duration
	// ArchiveCreate: a new EventBridge archive is CREATING, then ENABLED;
	// ReplayStart and ReplayRun: a replay is STARTING, then RUNNING, then
	// COMPLETED (eventbridge_archives.go).
	ArchiveCreate, ReplayStart, ReplayRun time.Duration
}

// DefaultDelays are AWS's usual times, as seen in its consoles for small
// resources: a function a few seconds, a table about ten.
var DefaultDelays = Delays{
	FunctionCreate: 3 * time.Second, FunctionUpdate: 2 * time.Second,
	TableCreate: 8 * time.Second, TableUpdate: 3 * time.Second, RolePropagation: 2 * time.Second,
	MappingCreate: 2 * time.Second, MappingUpdate: 2 * time.Second,
	ArchiveCreate: time.Second, ReplayStart: 2 * time.Second, ReplayRun: 5 * time.Second,
}

// SetDelays changes the delays of a running server; what is in progress
// ends by the new ones.
func (s *Server) SetDelays(d Delays) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Delays = d
}

// Scaled returns d with every delay multiplied by f.
func (d Delays) Scaled(f float64) Delays {
	scale := func(v time.Duration) time.Duration { return time.Duration(float64(v) * f) }
	return Delays{FunctionCreate: scale(d.FunctionCreate), FunctionUpdate: scale(d.FunctionUpdate), TableCreate: scale(d.TableCreate),
		TableUpdate: scale(d.TableUpdate), RolePropagation: scale(d.RolePropagation), MappingCreate: scale(d.MappingCreate), MappingUpdate: scale(d.MappingUpdate),
		ArchiveCreate: scale(d.ArchiveCreate), ReplayStart: scale(d.ReplayStart), ReplayRun: scale(d.ReplayRun)}
}

// Start listens on 127.0.0.1 on a free port and serves in the background. It
// returns the base URL (http://127.0.0.1:PORT) to use as BaseEndpoint.
func (s *Server) Start() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpSrv != nil {
		return "", errors.New("localaws: server already started")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("localaws: listen: %w", err)
	}
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + l.Addr().String()
	go func(srv *http.Server) { _ = srv.Serve(l) }(s.httpSrv)
	return s.url, nil
}

// URL is the base URL given by Start, or "" before it.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops listening and closes open connections, and stops what runs in
// the background (pollers, invocations, deliveries) and waits for it. It may
// be called more than once.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.httpSrv
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
	s.stopBackground()
}

// Calls returns how many requests each operation received from clients other
// than the ACK controllers (the code under test: the operator, the tests;
// CallsByClient has the controllers' too), keyed "events:PutRule",
// "lambda:AddPermission" and so on. Requests answered by an injected fault
// count too.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	maps.Copy(out, s.calls)
	return out
}

// MutatingCalls is the number of requests to operations other than
// Describe*, List* and Get*.
func (s *Server) MutatingCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.calls {
		op := k[strings.Index(k, ":")+1:]
		if !strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "List") && !strings.HasPrefix(op, "Get") {
			n += v
		}
	}
	return n
}

// ResetCalls sets every call count to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.callsByAccount = map[string]map[string]int{}
	s.callsByClient = map[string]map[string]int{}
}

// Fault describes the failures to inject. The zero Fault injects nothing.
type Fault struct {
	// ThrottleEvery, when N > 0, answers every Nth request (counted over both
	// services from SetFault) with EventBridge's ThrottlingException (HTTP 400)
	// or Lambda's TooManyRequestsException (HTTP 429).
	ThrottleEvery int
	// Fail lists one-shot failures of given operations.
	Fail []OpFailure
	// Outage answers every request with HTTP 503 ServiceUnavailable until the
	// fault is cleared.
	Outage bool
	// Latency delays every answer, faulted or not.
	Latency time.Duration
	// IncludeACK applies ThrottleEvery, Outage and Latency to the ACK
	// controllers' requests too (Fail entries always apply to every client):
	// without it they hit the code under test alone.
	IncludeACK bool
}

// OpFailure fails the Nth request of one operation, once, or every request
// of it (Nth 0).
type OpFailure struct {
	Op      string // "events:PutRule", "lambda:AddPermission", ...
	Nth     int    // 1 for the first request of Op after SetFault; 0 for every request
	Code    string // error code, e.g. "ConcurrentModificationException"
	Status  int    // HTTP status; 0 for the code's usual status
	Message string // "" for a generic message
	// Naming, when set, limits the failure to requests whose path or body
	// holds it (a resource's name): Nth counts those only.
	Naming string
	// AfterApplying carries the request out before answering the error: an
	// answer lost after AWS acted (a timeout, a dropped connection).
	AfterApplying bool
}

// FailNth is a shorthand for OpFailure{Op: op, Nth: nth, Code: code}.
func FailNth(op string, nth int, code string) OpFailure {
	return OpFailure{Op: op, Nth: nth, Code: code}
}

// SetFault replaces the injected faults and restarts their counters.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Fail = append([]OpFailure(nil), f.Fail...)
	s.fault = f
	s.faultCalls = 0
	s.opCalls = map[string]int{}
	s.fired = make([]bool, len(f.Fail))
	s.failCalls = make([]int, len(f.Fail))
}

// ClearFault removes every injected fault.
func (s *Server) ClearFault() { s.SetFault(Fault{}) }

// apiError is an error answer: HTTP status, error code and message.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// injectLocked counts a request of op and returns the fault to answer it
// with, if any.
func (s *Server) injectLocked(service, op string, r *http.Request, body []byte) *apiError {
	f := s.fault
	whole := clientOf(r) != "ack" || f.IncludeACK
	if whole {
		s.faultCalls++
	}
	s.opCalls[op]++
	if f.Outage && whole {
		return &apiError{http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable. Please try again later."}
	}
	matches := make([]bool, len(f.Fail))
	for i, of := range f.Fail {
		matches[i] = of.Op == op && (of.Naming == "" || strings.Contains(r.URL.Path, of.Naming) || strings.Contains(string(body), of.Naming))
		if matches[i] {
			s.failCalls[i]++
		}
	}
	for i, of := range f.Fail {
		if matches[i] && (of.Nth == 0 || (!s.fired[i] && of.Nth == s.failCalls[i])) {
			s.fired[i] = true
			e := &apiError{of.Status, of.Code, of.Message}
			s.afterApplying = of.AfterApplying
			if e.Status == 0 {
				e.Status = defaultStatus(service, e.Code)
			}
			if e.Message == "" {
				e.Message = "Injected failure " + of.Code
			}
			return e
		}
	}
	if f.ThrottleEvery > 0 && whole && s.faultCalls%f.ThrottleEvery == 0 {
		if service == "lambda" {
			return &apiError{http.StatusTooManyRequests, "TooManyRequestsException", "Rate exceeded"}
		}
		return &apiError{http.StatusBadRequest, "ThrottlingException", "Rate exceeded"}
	}
	return nil
}

func defaultStatus(service, code string) int {
	if service == "lambda" {
		if st, ok := lambdaErrorStatus[code]; ok {
			return st
		}
		return http.StatusBadRequest
	}
	if code == "InternalException" {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// maxBody bounds a request body (PutEvents allows 256 KiB).
const maxBody = 1 << 20

// ServeHTTP routes a request to its service, counts it, applies the faults
// and answers it in the service's wire protocol (protocol.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	service := serviceOf(r)
	if err != nil {
		writeError(w, service, &apiError{http.StatusBadRequest, "SerializationException", "Could not read the request body: " + err.Error()})
		return
	}
	service, op, handle := s.route(service, r, body)
	name := service + ":" + op
	caller := s.callerAccount(r)

	client := clientOf(r)
	s.mu.Lock()
	if client != "ack" {
		s.calls[name]++
		if s.callsByAccount[caller] == nil {
			s.callsByAccount[caller] = map[string]int{}
		}
		s.callsByAccount[caller][name]++
	}
	if s.callsByClient[client] == nil {
		s.callsByClient[client] = map[string]int{}
	}
	s.callsByClient[client][name]++
	s.afterApplying = false
	fault := s.injectLocked(service, name, r, body)
	afterApplying := s.afterApplying
	latency := s.fault.Latency
	if client == "ack" && !s.fault.IncludeACK {
		latency = 0
	}
	s.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if fault != nil && !afterApplying {
		writeError(w, service, fault)
		return
	}

	s.mu.Lock()
	s.caller = caller
	status, out, apiErr := handle(body)
	s.caller = ""
	s.mu.Unlock()
	if fault != nil {
		apiErr = fault
	}
	if apiErr != nil {
		writeError(w, service, apiErr)
		return
	}
	writeOK(w, service, op, status, out)
}

// lambdaErrorStatus is the HTTP status of the Lambda error codes the server
// uses; other codes are 400.
var lambdaErrorStatus = map[string]int{
	"ResourceNotFoundException":   http.StatusNotFound,
	"UnknownOperationException":   http.StatusNotFound,
	"ResourceConflictException":   http.StatusConflict,
	"PreconditionFailedException": http.StatusPreconditionFailed,
	"TooManyRequestsException":    http.StatusTooManyRequests,
	"ServiceException":            http.StatusInternalServerError,
	"ServiceUnavailable":          http.StatusServiceUnavailable,
}

// lambdaCapitalMessage lists the Lambda errors whose model spells the message
// member "Message" (the others use "message").
var lambdaCapitalMessage = map[string]bool{
	"ResourceNotFoundException": true,
	"ServiceException":          true,
	"ResourceInUseException":    true,
}

// decode unmarshals a JSON request body; an empty body is an empty object.
func decode(body []byte, v any) *apiError {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{http.StatusBadRequest, "SerializationException", "Could not parse the request body: " + err.Error()}
	}
	return nil
}

// newID returns a random UUID (version 4), as AWS uses for request, event and
// revision IDs.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// copyStrings returns a copy of m, never nil: what the snapshots of the test
// controls (Function, Queue, Topic, Table, ...) and the answers hold, so
// that changing them does not change the server's state.
func copyStrings(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	maps.Copy(out, m)
	return out
}

// Resources lists, sorted, the ARN of every resource the server holds that
// ACK's controllers create for a stack: roles, functions, event source
// mappings, queues, topics, subscriptions, tables and state machines. A
// deleted stack whose children's deletion policy is delete leaves none.
func (s *Server) Resources() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, list := range [][]string{s.iamResources(), s.lambdaResources(), s.sqsResources(), s.snsResources(),
		s.dynamoResources(), s.sfnResources()} {
		out = append(out, list...)
	}
	sort.Strings(out)
	return out
}

// CallsByClient returns the requests received since the last ResetCalls, by
// client ("ack": the ACK controllers; "other": the operator, the tests), then
// by service:operation.
func (s *Server) CallsByClient() map[string]map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCounts(s.callsByClient)
}

// copyCounts returns a deep copy of call counts kept by some key (client,
// account) then by service:operation, for a caller to keep.
func copyCounts(counts map[string]map[string]int) map[string]map[string]int {
	out := make(map[string]map[string]int, len(counts))
	for key, calls := range counts {
		out[key] = maps.Clone(calls)
	}
	return out
}
