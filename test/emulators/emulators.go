// Package emulators starts the real servers the Lambda handlers' tests run
// against, on loopback ports, and stops them when the tests end:
//
//   - DynamoDB: dynalite (npm, pinned by the repository's package-lock.json),
//     in memory, one server per test binary, started by internal/dynalite;
//     each test makes its own tables.
//   - SNS: goaws v0.4.5 (it speaks SNS's query protocol, which the AWS SDK's
//     SNS client still uses), built once from the Go module proxy into the user
//     cache directory, with the seed's topic subscribed over HTTP to a sink of
//     the test, so a notification counts only once goaws has delivered it.
//   - SQS (dead-letter queues): goaws's SQS does not speak the JSON protocol of
//     the current SDK's SQS client, so SQSRecorder is a small SQS-compatible
//     endpoint that answers SendMessage as SQS does (JSON 1.0, X-Amz-Target
//     AmazonSQS.SendMessage, the body's MD5 that the SDK checks) and records
//     every message; the handlers reach it through the real SDK client.
//
// A test package uses them through its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(Main(m)) }
//
// When dynalite is not installed (no node_modules) the tests that need it are
// skipped with the command that installs it, unless CI is set: in CI a server
// that cannot start fails the test.
package emulators

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	dynaliteproc "github.com/eventstack-io/eventstack-operator/internal/dynalite"
)

// startTimeout bounds how long a server may take to listen.
const startTimeout = 30 * time.Second

var (
	mu       sync.Mutex
	stoppers []func()
)

// Main runs the tests and then stops every server they started.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	for i := len(stoppers) - 1; i >= 0; i-- {
		stoppers[i]()
	}
	stoppers = nil
	return code
}

func onStop(f func()) {
	mu.Lock()
	defer mu.Unlock()
	stoppers = append(stoppers, f)
}

// inCI reports whether the tests run in CI, where every server must start.
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

// unavailable skips the test, or fails it in CI.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("%s (CI is set, so a missing test server is a failure)", msg)
	}
	t.Skip(msg)
}

// RepoRoot is the folder of the repository's go.mod.
func RepoRoot() (string, error) { return dynaliteproc.RepoRoot() }

// process is a server started by a test binary.
type process struct {
	name string
	cmd  *exec.Cmd
	logs *tailBuffer
	done chan struct{}
}

// startProcess starts cmd, keeps the end of its output for error messages,
// and registers its stop.
func startProcess(name string, cmd *exec.Cmd) (*process, io.Reader, error) {
	p := &process{name: name, cmd: cmd, logs: &tailBuffer{max: 16 << 10}, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	onStop(p.stop)
	return p, stdout, nil
}

// stop ends the process it started (by its own handle, never by name) and
// waits for it, at most a few seconds.
func (p *process) stop() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
		return
	case <-time.After(3 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = b.buf[len(b.buf)-b.max:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// freePort asks the kernel for a free loopback port. The port is released
// before the server binds it, so callers retry on a bind failure.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
