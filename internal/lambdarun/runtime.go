// Package lambdarun runs Lambda functions' real code on this machine, under
// the official Lambda Runtime Interface Emulator (RIE, rie.go), for the
// simulated AWS of internal/localaws: Runtime implements
// localaws.FunctionRuntime, and HandlerSource (source.go) gives make
// run-local the deployment packages of the repository's handlers.
//
// What a function sees, as in Lambda:
//
//   - its package unzipped into a folder of its own (LAMBDA_TASK_ROOT, the
//     working directory), and its bootstrap run by the RIE, which speaks the
//     Lambda Runtime API to it: only the OS-only runtimes provided.al2023 and
//     provided.al2 run (a Go handler's runtime); others are refused;
//   - its environment variables, then Lambda's own (AWS_REGION,
//     AWS_DEFAULT_REGION, AWS_LAMBDA_FUNCTION_NAME, _MEMORY_SIZE, _VERSION,
//     AWS_LAMBDA_LOG_GROUP_NAME, _LOG_STREAM_NAME, _HANDLER, LAMBDA_TASK_ROOT,
//     TZ, LANG, PATH and static credentials), which win, plus AWS_ENDPOINT_URL
//     set to Runtime.AWSEndpoint so that the SDK clients of the handler (the
//     SDK reads it in config.LoadDefaultConfig) reach the simulated AWS. No
//     variable of this process is passed on, and no shared AWS config or
//     credentials file is read;
//   - one warm execution environment per function and version, reused while
//     the code (CodeSha256) and configuration stay the same, running one
//     invocation at a time: invocations wait in a bounded queue
//     (Runtime.MaxQueue; beyond it ErrTooManyRequests);
//   - the payload as the event; the handler's answer as the result, or its
//     error document ({"errorMessage","errorType"}) with FunctionError
//     "Unhandled"; the lines it wrote while it ran (stdout and stderr, as
//     CloudWatch Logs receives them; START, END and REPORT left out);
//   - the timeout: past it the invocation answers Lambda's error document
//     {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error:
//     Task timed out after N.NN seconds"} (Unhandled) and the environment is
//     killed; a runtime that crashes, or exits while it starts (a handler
//     missing its configuration), answers the Runtime.ExitError document
//     {"errorType":"Runtime.ExitError","errorMessage":"RequestId: <id> Error:
//     Runtime exited with error: exit status 1"} with the lines it wrote.
//     The next invocation starts a fresh environment (a cold start).
//
// The RIE runs each environment on two free loopback ports (its invocation
// endpoint and the Runtime API), with AWS_LAMBDA_FUNCTION_TIMEOUT (whole
// seconds) set so that it enforces the timeout itself; this package kills it
// if it has not answered timeoutGrace later. The first invocation needs the
// RIE binary, built once (RIEPath): Runtime.Prepare builds it ahead, and a
// build is never cancelled by an invocation's context, only waited for.
// Close kills every RIE and its runtime (their process group) and removes
// the code folders; on Linux an RIE also dies with this process.
//
// Where it simplifies: the code runs on this machine, not in Lambda's
// sandbox (no memory limit, no read-only file system, /tmp is the host's);
// its architecture must be the host's (the function's Architecture is not
// checked: HandlerSource builds for the host whatever the function says);
// a handler error is told from a result by the shape of the answer, as the
// RIE reports both the same way; there is one environment per function, so
// no concurrency beyond one; no extensions, layers, SnapStart, X-Ray or
// response streaming; credentials are static keys (not the execution role's).
package lambdarun

import (
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// Runtime runs functions under the RIE. Set its fields before the first
// Invoke; Close stops every environment.
type Runtime struct {
	// AWSEndpoint is the URL of the simulated AWS (localaws.Server.URL()),
	// given to the functions as AWS_ENDPOINT_URL; "" leaves the SDK's
	// endpoints alone.
	AWSEndpoint string
	// Region is the functions' AWS_REGION; "" means us-east-1.
	Region string
	// AccessKeyID and SecretAccessKey are the functions' credentials;
	// "" means fixed test keys.
	AccessKeyID, SecretAccessKey string
	// MaxQueue is how many invocations of one function may wait while it
	// runs one; 0 means 16.
	MaxQueue int
	// RIE is the aws-lambda-rie binary; "" means RIEPath's.
	RIE string

	mu     sync.Mutex
	envs   map[string]*environment // by function name and version
	closed bool
	// stopping is cancelled by Close, so that starting an environment
	// stops at once.
	stopping       context.Context
	cancelStopping context.CancelFunc
}

var _ localaws.FunctionRuntime = (*Runtime)(nil)

// ErrTooManyRequests is Invoke's answer when MaxQueue invocations of the
// function are already waiting: Lambda answers TooManyRequestsException.
var ErrTooManyRequests = errors.New("too many invocations waiting for the function (its one execution environment runs one at a time)")

// ErrClosed is Invoke's answer after Close.
var ErrClosed = errors.New("the function runtime is closed")

// supportedRuntimes are the runtimes whose package brings its bootstrap.
var supportedRuntimes = map[string]bool{"provided.al2023": true, "provided.al2": true}

// Invoke runs fn with payload as its event, in its warm environment (started
// if it has none, or if its code or configuration changed), waiting for the
// invocations before it. An error is the runtime's, not the function's: a
// function's error is a result with FunctionError "Unhandled".
func (r *Runtime) Invoke(ctx context.Context, fn localaws.RunnableFunction, payload []byte) (localaws.RuntimeResult, error) {
	if !supportedRuntimes[fn.Runtime] {
		return localaws.RuntimeResult{}, fmt.Errorf("function %s: runtime %q is not run locally: only provided.al2023 and provided.al2 (a package with its bootstrap, as Go handlers are) run under the Lambda Runtime Interface Emulator", fn.Name, fn.Runtime)
	}
	if fn.Code == nil {
		return localaws.RuntimeResult{}, fmt.Errorf("function %s has no code to run", fn.Name)
	}
	env, err := r.environment(fn)
	if err != nil {
		return localaws.RuntimeResult{}, err
	}
	release, err := env.acquire(ctx, r.maxQueue())
	if err != nil {
		return localaws.RuntimeResult{}, err
	}
	defer release()
	rie, err := r.riePath(ctx)
	if err != nil {
		return localaws.RuntimeResult{}, err
	}
	proc, err := r.ready(ctx, env, rie, fn)
	if err != nil {
		return localaws.RuntimeResult{}, err
	}
	res, keep := proc.invoke(ctx, newRequestID(), payload, fn.Timeout)
	if !keep {
		env.stop()
	}
	return res.result, res.err
}

// Prepare finds or builds the RIE (RIEPath) so that the first invocation
// does not wait for it: make run-local calls it in the background at start.
func (r *Runtime) Prepare(ctx context.Context) error {
	_, err := r.riePath(ctx)
	return err
}

func (r *Runtime) riePath(ctx context.Context) (string, error) {
	if r.RIE != "" {
		return r.RIE, nil
	}
	return RIEPath(ctx)
}

// ready is env.ready, stopped by Close as well as by ctx.
func (r *Runtime) ready(ctx context.Context, env *environment, rie string, fn localaws.RunnableFunction) (*process, error) {
	r.mu.Lock()
	if r.stopping == nil {
		r.stopping, r.cancelStopping = context.WithCancel(context.Background())
	}
	stopping := r.stopping
	r.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(stopping, cancel)()
	return env.ready(ctx, r, rie, fn)
}

func (r *Runtime) maxQueue() int {
	if r.MaxQueue > 0 {
		return r.MaxQueue
	}
	return 16
}

func (r *Runtime) region() string {
	if r.Region != "" {
		return r.Region
	}
	return "us-east-1"
}

// environment returns the function's environment, made on first use.
func (r *Runtime) environment(fn localaws.RunnableFunction) (*environment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if r.envs == nil {
		r.envs = map[string]*environment{}
	}
	key := fn.Name + ":" + fn.Version
	e := r.envs[key]
	if e == nil {
		e = &environment{name: fn.Name, slot: make(chan struct{}, 1)}
		r.envs[key] = e
	}
	return e, nil
}

// Close kills every environment's processes and removes their folders.
// Invocations running answer an error; later ones ErrClosed.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	if r.stopping == nil {
		r.stopping, r.cancelStopping = context.WithCancel(context.Background())
	}
	r.cancelStopping()
	envs := make([]*environment, 0, len(r.envs))
	for _, e := range r.envs {
		envs = append(envs, e)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range envs {
		wg.Go(e.close)
	}
	wg.Wait()
	return nil
}

// environment is a function's execution environment: its unzipped code and
// its RIE process, one invocation at a time.
type environment struct {
	name    string
	slot    chan struct{} // held by the invocation running
	waiting atomic.Int32

	mu          sync.Mutex
	closed      bool
	fingerprint string // of the configuration proc runs
	codeSha     string // of the code in dir
	dir         string
	proc        *process
}

// acquire waits for the environment's turn, if fewer than maxQueue
// invocations wait already.
func (e *environment) acquire(ctx context.Context, maxQueue int) (func(), error) {
	select {
	case e.slot <- struct{}{}:
		return func() { <-e.slot }, nil
	default:
	}
	if int(e.waiting.Add(1)) > maxQueue {
		e.waiting.Add(-1)
		return nil, ErrTooManyRequests
	}
	defer e.waiting.Add(-1)
	select {
	case e.slot <- struct{}{}:
		return func() { <-e.slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ready returns the environment's process for fn, starting one (and
// unzipping the code) if there is none or fn changed.
func (e *environment) ready(ctx context.Context, r *Runtime, rie string, fn localaws.RunnableFunction) (*process, error) {
	fp := fingerprint(r, fn)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	if e.proc != nil && e.fingerprint == fp && e.proc.alive() {
		return e.proc, nil
	}
	if e.proc != nil {
		e.proc.kill()
		e.proc = nil
	}
	if e.codeSha != fn.CodeSha256 || e.dir == "" {
		if err := e.unpack(fn); err != nil {
			return nil, err
		}
	}
	p, err := startProcess(ctx, rie, e.dir, functionEnv(r, fn, e.dir))
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	e.proc, e.fingerprint = p, fp
	return p, nil
}

// unpack replaces the environment's folder with fn's code (call with e.mu
// held).
func (e *environment) unpack(fn localaws.RunnableFunction) error {
	if e.dir != "" {
		_ = os.RemoveAll(e.dir)
		e.dir, e.codeSha = "", ""
	}
	data, err := fn.Code()
	if err != nil {
		return fmt.Errorf("function %s: reading its code: %w", fn.Name, err)
	}
	dir, err := os.MkdirTemp("", "lambdarun-"+safeName(fn.Name)+"-")
	if err != nil {
		return err
	}
	if err := unzip(data, dir); err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("function %s: unzipping its code: %w", fn.Name, err)
	}
	if err := checkBootstrap(dir); err != nil {
		_ = os.RemoveAll(dir)
		return fmt.Errorf("function %s: %w", fn.Name, err)
	}
	e.dir, e.codeSha = dir, fn.CodeSha256
	return nil
}

// stop kills the process; the next invocation starts another.
func (e *environment) stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.proc != nil {
		e.proc.kill()
		e.proc = nil
	}
}

// close stops the environment for good and removes its folder.
func (e *environment) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.proc != nil {
		e.proc.kill()
		e.proc = nil
	}
	if e.dir != "" {
		_ = os.RemoveAll(e.dir)
		e.dir = ""
	}
}

// checkBootstrap makes sure the package has an executable bootstrap that
// this machine can run: an ELF executable of another architecture fails
// here rather than as the RIE's "exec format error".
func checkBootstrap(dir string) error {
	path := dir + string(os.PathSeparator) + "bootstrap"
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return errors.New("the package has no bootstrap file at its root (provided runtimes run ./bootstrap)")
	}
	if st.Mode()&0o111 == 0 {
		return errors.New("the package's bootstrap is not executable (zip it with mode 0755)")
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil // a script, say: the RIE runs it or says why not
	}
	defer f.Close()
	if want, ok := elfMachines[runtime.GOARCH]; ok && f.Machine != want {
		return fmt.Errorf("the bootstrap is built for %s, and this machine runs %s code: build the handler for the host (GOARCH=%s) to run it locally", f.Machine, runtime.GOARCH, runtime.GOARCH)
	}
	return nil
}

var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// fingerprint is what the environment's process depends on: a change starts
// another.
func fingerprint(r *Runtime, fn localaws.RunnableFunction) string {
	keys := make([]string, 0, len(fn.Environment))
	for k := range fn.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%d|%s|%s", fn.ARN, fn.Runtime, fn.Handler, fn.Version, fn.CodeSha256,
		fn.Timeout, fn.MemoryMB, fn.LogGroup, r.AWSEndpoint)
	for _, k := range keys {
		fmt.Fprintf(&b, "|%q=%q", k, fn.Environment[k])
	}
	return b.String()
}

// functionEnv is the environment of the RIE and the function: fn's
// variables, then Lambda's, which win.
func functionEnv(r *Runtime, fn localaws.RunnableFunction, dir string) []string {
	vars := map[string]string{}
	for k, v := range fn.Environment {
		vars[k] = v
	}
	version := fn.Version
	if version == "" {
		version = "$LATEST"
	}
	logGroup := fn.LogGroup
	if logGroup == "" {
		logGroup = "/aws/lambda/" + fn.Name
	}
	memory := fn.MemoryMB
	if memory <= 0 {
		memory = 128
	}
	key, secret := r.AccessKeyID, r.SecretAccessKey
	if key == "" {
		key, secret = "AKIDLOCALLAMBDA", "local-lambda-secret"
	}
	lambda := map[string]string{
		"AWS_REGION":                      r.region(),
		"AWS_DEFAULT_REGION":              r.region(),
		"AWS_LAMBDA_FUNCTION_NAME":        fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(int(memory)),
		"AWS_LAMBDA_FUNCTION_VERSION":     version,
		"AWS_LAMBDA_LOG_GROUP_NAME":       logGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME":      logStreamName(version),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_ACCESS_KEY_ID":               key,
		"AWS_SECRET_ACCESS_KEY":           secret,
		"AWS_SESSION_TOKEN":               "",
		"_HANDLER":                        fn.Handler,
		"LAMBDA_TASK_ROOT":                dir,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		// The RIE's own: its timeout, in whole seconds.
		"AWS_LAMBDA_FUNCTION_TIMEOUT": strconv.Itoa(timeoutSeconds(fn.Timeout)),
		// No shared AWS files of this machine reach the function.
		"AWS_CONFIG_FILE":             dir + "/.aws-config-none",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/.aws-credentials-none",
	}
	if r.AWSEndpoint != "" {
		lambda["AWS_ENDPOINT_URL"] = r.AWSEndpoint
	}
	for k, v := range lambda {
		vars[k] = v
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// timeoutSeconds is Lambda's timeout in whole seconds (3 by default).
func timeoutSeconds(d time.Duration) int {
	if d <= 0 {
		return 3
	}
	return int(math.Ceil(d.Seconds()))
}

// logStreamName is a log stream name as Lambda makes them:
// 2006/01/02/[$LATEST]<32 hex digits>.
func logStreamName(version string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("2006/01/02") + "/[" + version + "]" + hex.EncodeToString(b[:])
}

// newRequestID is a request id (a UUID, version 4).
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// errorDocument is the error document of Lambda and the runtimes.
type errorDocument struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func errorDoc(typ, msg string) []byte {
	b, _ := json.Marshal(errorDocument{ErrorType: typ, ErrorMessage: msg})
	return b
}

// isErrorDocument tells a handler's error from its result: the runtime
// clients post errors as {"errorMessage", "errorType"[, "stackTrace"]},
// which the RIE answers as it answers a result.
func isErrorDocument(payload []byte) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(payload, &doc) != nil {
		return false
	}
	if _, ok := doc["errorMessage"]; !ok {
		return false
	}
	if _, ok := doc["errorType"]; !ok {
		return false
	}
	for k := range doc {
		switch k {
		case "errorMessage", "errorType", "stackTrace", "cause", "requestId":
		default:
			return false
		}
	}
	return true
}
