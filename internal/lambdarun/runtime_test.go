package lambdarun

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// The test handler (testdata/handler), built once per test binary for the
// host.
var testHandler struct {
	once sync.Once
	zip  *lambdazip.Zip
	err  error
}

func handlerZip(t *testing.T) *lambdazip.Zip {
	t.Helper()
	testHandler.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		testHandler.zip, testHandler.err = lambdazip.Build(ctx, filepath.Join("testdata", "handler"), runtime.GOARCH, lambdazip.BuildOptions{})
	})
	if testHandler.err != nil {
		t.Fatalf("building the test handler: %v", testHandler.err)
	}
	return testHandler.zip
}

// rieOrSkip builds the RIE (or finds it), or skips when the Go module proxy
// cannot be reached outside CI.
func rieOrSkip(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), rieBuildTimeout)
	defer cancel()
	p, err := RIEPath(ctx)
	if err != nil {
		if v := strings.ToLower(os.Getenv("CI")); v == "" || v == "false" || v == "0" {
			t.Skipf("no Lambda Runtime Interface Emulator: %v", err)
		}
		t.Fatal(err)
	}
	return p
}

func newRuntime(t *testing.T) *Runtime {
	t.Helper()
	r := &Runtime{RIE: rieOrSkip(t), AWSEndpoint: "http://127.0.0.1:1", Region: "eu-west-1"}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func testFunction(t *testing.T, name string) localaws.RunnableFunction {
	z := handlerZip(t)
	return localaws.RunnableFunction{
		Name: name, ARN: "arn:aws:lambda:eu-west-1:000000000000:function:" + name,
		Runtime: "provided.al2023", Handler: "bootstrap", Architecture: "x86_64", Version: "$LATEST",
		CodeSha256: z.SHA256, Code: func() ([]byte, error) { return z.Data, nil },
		Environment: map[string]string{"GREETING": "hello", "AWS_REGION": "overridden"},
		Timeout:     3 * time.Second, MemoryMB: 256, LogGroup: "/aws/lambda/" + name,
	}
}

func invokeCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

type handlerAnswer struct {
	OK  bool              `json:"ok"`
	PID int               `json:"pid"`
	Env map[string]string `json:"env"`
}

func decodeAnswer(t *testing.T, res localaws.RuntimeResult) handlerAnswer {
	t.Helper()
	var a handlerAnswer
	if err := json.Unmarshal(res.Payload, &a); err != nil || !a.OK {
		t.Fatalf("payload %s (FunctionError %q): %v", res.Payload, res.FunctionError, err)
	}
	return a
}

func TestInvokeRunsTheHandlerWarmWithLambdasEnvironment(t *testing.T) {
	r := newRuntime(t)
	fn := testFunction(t, "fn")
	res, err := r.Invoke(invokeCtx(t), fn, []byte(`{"print":["one","two"],"env":["GREETING","AWS_REGION","AWS_LAMBDA_FUNCTION_NAME","AWS_LAMBDA_FUNCTION_MEMORY_SIZE","AWS_LAMBDA_LOG_GROUP_NAME","AWS_ENDPOINT_URL","AWS_ACCESS_KEY_ID","_HANDLER","HOME_SHOULD_NOT_LEAK"]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := decodeAnswer(t, res)
	want := map[string]string{"GREETING": "hello", "AWS_REGION": "eu-west-1", "AWS_LAMBDA_FUNCTION_NAME": "fn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
		"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ACCESS_KEY_ID": "AKIDLOCALLAMBDA", "_HANDLER": "bootstrap", "HOME_SHOULD_NOT_LEAK": ""}
	for k, v := range want {
		if a.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, a.Env[k], v)
		}
	}
	if res.FunctionError != "" || !slices.Equal(res.Logs, []string{"one", "two"}) {
		t.Fatalf("FunctionError %q, Logs %q; want none and [one two]", res.FunctionError, res.Logs)
	}
	// Warm: the same process answers the next invocation.
	res2, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if b := decodeAnswer(t, res2); b.PID != a.PID {
		t.Fatalf("second invocation ran in process %d, the first in %d: not warm", b.PID, a.PID)
	}
	if len(res2.Logs) != 0 {
		t.Fatalf("second invocation's logs %q, want none (no line of the first)", res2.Logs)
	}
	// A changed configuration starts another environment.
	fn.Environment = map[string]string{"GREETING": "bonjour"}
	res3, err := r.Invoke(invokeCtx(t), fn, []byte(`{"env":["GREETING"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c := decodeAnswer(t, res3); c.PID == a.PID || c.Env["GREETING"] != "bonjour" {
		t.Fatalf("after the change: pid %d (was %d), GREETING %q", c.PID, a.PID, c.Env["GREETING"])
	}
}

func TestInvokeHandlerErrorIsUnhandled(t *testing.T) {
	r := newRuntime(t)
	res, err := r.Invoke(invokeCtx(t), testFunction(t, "failing"), []byte(`{"print":["before"],"fail":"order o-1 is invalid"}`))
	if err != nil {
		t.Fatal(err)
	}
	var doc errorDocument
	if res.FunctionError != "Unhandled" || json.Unmarshal(res.Payload, &doc) != nil || doc.ErrorMessage != "order o-1 is invalid" || doc.ErrorType == "" {
		t.Fatalf("FunctionError %q, payload %s; want Unhandled with the handler's error", res.FunctionError, res.Payload)
	}
	if len(res.Logs) == 0 || res.Logs[0] != "before" {
		t.Fatalf("logs %q, want the handler's line first", res.Logs)
	}
}

func TestInvokeTimeoutAndCrashStartAFreshEnvironment(t *testing.T) {
	r := newRuntime(t)
	fn := testFunction(t, "slow")
	fn.Timeout = time.Second
	first, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	pid := decodeAnswer(t, first).PID
	res, err := r.Invoke(invokeCtx(t), fn, []byte(`{"print":["sleeping"],"sleepMs":60000}`))
	if err != nil {
		t.Fatal(err)
	}
	var doc errorDocument
	if res.FunctionError != "Unhandled" || json.Unmarshal(res.Payload, &doc) != nil || doc.ErrorType != "Sandbox.Timedout" ||
		!strings.HasSuffix(doc.ErrorMessage, "Error: Task timed out after 1.00 seconds") {
		t.Fatalf("timeout: FunctionError %q, payload %s", res.FunctionError, res.Payload)
	}
	if !slices.Contains(res.Logs, "sleeping") {
		t.Fatalf("timeout's logs %q, want the line written before", res.Logs)
	}
	after, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if p := decodeAnswer(t, after).PID; p == pid {
		t.Fatalf("the invocation after the timeout ran in the same process %d", p)
	}

	crash, err := r.Invoke(invokeCtx(t), fn, []byte(`{"exit":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if crash.FunctionError != "Unhandled" || json.Unmarshal(crash.Payload, &doc) != nil || doc.ErrorType != "Runtime.ExitError" {
		t.Fatalf("crash: FunctionError %q, payload %s", crash.FunctionError, crash.Payload)
	}
	if _, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`)); err != nil {
		t.Fatalf("after the crash: %v", err)
	}
}

func TestInvokeInitFailureIsRuntimeExitError(t *testing.T) {
	r := newRuntime(t)
	fn := testFunction(t, "broken")
	fn.Environment = map[string]string{"FAIL_INIT": "cannot start: ORDERS_TABLE is missing"}
	res, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var doc errorDocument
	if res.FunctionError != "Unhandled" || json.Unmarshal(res.Payload, &doc) != nil || doc.ErrorType != "Runtime.ExitError" ||
		!strings.HasSuffix(doc.ErrorMessage, "Error: Runtime exited with error: exit status 1") {
		t.Fatalf("init failure: FunctionError %q, payload %s", res.FunctionError, res.Payload)
	}
	if !slices.Contains(res.Logs, "cannot start: ORDERS_TABLE is missing") {
		t.Fatalf("init failure's logs %q, want the line the function wrote", res.Logs)
	}
}

func TestInvokeOneAtATimeWithABoundedQueue(t *testing.T) {
	r := newRuntime(t)
	r.MaxQueue = 1
	fn := testFunction(t, "queued")
	if _, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`)); err != nil { // warm
		t.Fatal(err)
	}
	env, _ := r.environment(fn)
	release, err := env.acquire(invokeCtx(t), 1) // as if an invocation ran
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`))
		done <- err
	}()
	for i := 0; env.waiting.Load() != 1; i++ {
		if i == 10000 {
			t.Fatal("the second invocation never waited")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`)); err != ErrTooManyRequests {
		t.Fatalf("third invocation: %v, want ErrTooManyRequests", err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("the waiting invocation: %v", err)
	}
}

func TestInvokeRefusesOtherRuntimesAndCloseStopsAll(t *testing.T) {
	r := newRuntime(t)
	fn := testFunction(t, "node")
	fn.Runtime = "nodejs22.x"
	if _, err := r.Invoke(invokeCtx(t), fn, nil); err == nil || !strings.Contains(err.Error(), "provided.al2023") {
		t.Fatalf("nodejs22.x: %v, want a refusal naming the runtimes that run", err)
	}
	fn = testFunction(t, "closing")
	if _, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	env, _ := r.environment(fn)
	env.mu.Lock()
	proc, dir := env.proc, env.dir
	env.mu.Unlock()
	_ = r.Close()
	if proc.alive() {
		t.Fatal("the RIE still runs after Close")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the code folder %s is still there after Close: %v", dir, err)
	}
	if _, err := r.Invoke(invokeCtx(t), fn, []byte(`{}`)); err != ErrClosed {
		t.Fatalf("Invoke after Close: %v, want ErrClosed", err)
	}
}
