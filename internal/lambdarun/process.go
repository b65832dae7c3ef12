package lambdarun

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/tailbuffer"

	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// Bounds of a process and of what is kept of its output.
const (
	startTimeout = 15 * time.Second // until the RIE listens
	startTries   = 3                // free ports can be taken before the RIE binds them
	// timeoutGrace is how long past the function's timeout the RIE may take
	// to answer its own timeout before the process is killed.
	timeoutGrace = 3 * time.Second
	// endWait bounds the wait for the END line (or the end of the output)
	// after the answer, which the RIE prints before answering but the reader
	// may not have read yet.
	endWait     = 2 * time.Second
	maxLine     = 256 << 10 // CloudWatch Logs' largest event
	maxLines    = 10000     // per invocation
	stderrBytes = 16 << 10
)

// process is a running RIE with a function's bootstrap.
type process struct {
	cmd    *exec.Cmd
	url    string
	done   chan struct{}      // closed when the process has exited
	eof    chan struct{}      // closed when its output has been read to the end
	stderr *tailbuffer.Buffer // the RIE's own log, for error messages

	mu  sync.Mutex
	cur *collector // the invocation running
}

// collector gathers the lines of one invocation.
type collector struct {
	id      string
	lines   []string
	dropped int
	end     chan struct{} // closed at the END line
	ended   bool
}

// startProcess starts the RIE in dir with env, on free loopback ports, and
// waits until it listens.
func startProcess(ctx context.Context, rie, dir string, env []string) (*process, error) {
	var lastErr error
	for range startTries {
		p, err := tryStart(ctx, rie, dir, env)
		if err == nil {
			return p, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func tryStart(ctx context.Context, rie, dir string, env []string) (*process, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", ports[1]),
		"--log-level", "warn",
		filepath.Join(dir, "bootstrap"))
	cmd.Dir, cmd.Env = dir, env
	setProcessGroup(cmd)
	p := &process{cmd: cmd, url: "http://" + addr + "/2015-03-31/functions/function/invocations",
		done: make(chan struct{}), eof: make(chan struct{}), stderr: &tailbuffer.Buffer{Max: stderrBytes}}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the Lambda Runtime Interface Emulator %s: %w", rie, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	go p.read(stdout)
	if err := p.waitListening(ctx, addr); err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// waitListening dials addr until it answers, the process exits or
// startTimeout passes.
func (p *process) waitListening(ctx context.Context, addr string) error {
	deadline := time.Now().Add(startTimeout)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the Lambda Runtime Interface Emulator did not listen on %s within %s; its log: %s", addr, startTimeout, p.stderr)
		}
		select {
		case <-p.done:
			return fmt.Errorf("the Lambda Runtime Interface Emulator exited (%v) before it listened; its log: %s", p.cmd.ProcessState, p.stderr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// alive reports whether the process still runs.
func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill ends the process and its runtime (its process group), by its own
// handle, and waits a bounded time for it.
func (p *process) kill() {
	killGroup(p.cmd)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
	}
}

// read sorts the process's output: the lines between an invocation's start
// and its END line are the invocation's (START, END and REPORT left out);
// other lines are dropped. Overlong lines are cut at maxLine.
func (p *process) read(r io.Reader) {
	defer close(p.eof)
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := readLine(br)
		if line != "" || err == nil {
			p.line(line)
		}
		if err != nil {
			return
		}
	}
}

// readLine reads a line of at most maxLine bytes, discarding the rest.
func readLine(br *bufio.Reader) (string, error) {
	var buf []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(buf) < maxLine {
			buf = append(buf, chunk[:min(len(chunk), maxLine-len(buf))]...)
		}
		if err != nil {
			return string(buf), err
		}
		if !isPrefix {
			return string(buf), nil
		}
	}
}

func (p *process) line(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.cur
	if c == nil || c.ended {
		return
	}
	switch {
	case strings.HasPrefix(line, "END RequestId: "+c.id):
		c.ended = true
		close(c.end)
	case strings.HasPrefix(line, "START RequestId: "), strings.HasPrefix(line, "END RequestId: "),
		strings.HasPrefix(line, "REPORT RequestId: "):
	case len(c.lines) >= maxLines:
		c.dropped++
	default:
		c.lines = append(c.lines, line)
	}
}

// outcome is an invocation's result, or the runtime's error.
type outcome struct {
	result localaws.RuntimeResult
	err    error
}

// invoke runs one invocation; keep is false when the process must not run
// another (it timed out, crashed or stopped answering).
func (p *process) invoke(ctx context.Context, id string, payload []byte, timeout time.Duration) (outcome, bool) {
	c := &collector{id: id, end: make(chan struct{})}
	p.mu.Lock()
	p.cur = c
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.cur = nil
		p.mu.Unlock()
	}()

	limit := time.Duration(timeoutSeconds(timeout)) * time.Second
	callCtx, cancel := context.WithTimeout(ctx, limit+timeoutGrace)
	defer cancel()
	status, body, err := p.post(callCtx, id, payload)
	timedOut := errors.Is(callCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	switch {
	case timedOut || (err == nil && status == http.StatusOK && bytes.HasPrefix(body, []byte("Task timed out after"))):
		p.kill()
		return p.finish(c, errorDoc("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", id, limit.Seconds())), "Unhandled", nil), false
	case ctx.Err() != nil:
		p.kill()
		return outcome{err: ctx.Err()}, false
	case err != nil:
		p.kill()
		return outcome{err: fmt.Errorf("invoking the function under the Lambda Runtime Interface Emulator: %w; its log: %s", err, p.stderr)}, false
	case status == http.StatusOK:
		fnErr := ""
		if isErrorDocument(body) {
			fnErr = "Unhandled"
		}
		return p.finish(c, body, fnErr, nil), true
	case status == http.StatusBadGateway:
		// The runtime crashed (RIE's Runtime.ExitError document) or exited
		// while it started (no document: Lambda's is made from the RIE's log).
		p.kill()
		if !isErrorDocument(body) {
			body = errorDoc("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: %s", id, p.exitReason()))
		}
		return p.finish(c, body, "Unhandled", nil), false
	default:
		p.kill()
		return outcome{err: fmt.Errorf("the Lambda Runtime Interface Emulator answered HTTP %d: %s; its log: %s", status, bytes.TrimSpace(body), p.stderr)}, false
	}
}

// exitReasonRe finds, in the RIE's log, why the runtime exited.
var exitReasonRe = regexp.MustCompile(`Runtime exited with error: [^\n]*?(?:\s+InvokeID=|\n|$)`)

// exitReason is the RIE's words for the runtime's exit, as Lambda's
// Runtime.ExitError message has them.
func (p *process) exitReason() string {
	m := exitReasonRe.FindString(p.stderr.String())
	if m == "" {
		return "Runtime exited without providing a reason"
	}
	m = strings.TrimSpace(m)
	m, _, _ = strings.Cut(m, " InvokeID=")
	return strings.TrimSpace(m)
}

// post sends the invocation to the RIE.
func (p *process) post(ctx context.Context, id string, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Amzn-RequestId", id)
	req.Header.Set("Content-Type", "application/json")
	resp, err := rieClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	// Lambda's synchronous response payload is at most 6 MB.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 6<<20+1))
	return resp.StatusCode, body, err
}

// rieClient talks to the RIE processes: no proxy, no overall timeout (each
// call has its context's).
var rieClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1, IdleConnTimeout: 30 * time.Second}}

// finish waits (a bounded time) for the invocation's END line or the end of
// the output, and returns the result with its lines.
func (p *process) finish(c *collector, payload []byte, fnErr string, err error) outcome {
	select {
	case <-c.end:
	case <-p.eof:
	case <-time.After(endWait):
	}
	p.mu.Lock()
	lines := append([]string(nil), c.lines...)
	if c.dropped > 0 {
		lines = append(lines, fmt.Sprintf("(%d more lines not kept: at most %d per invocation)", c.dropped, maxLines))
	}
	p.mu.Unlock()
	return outcome{result: localaws.RuntimeResult{Payload: payload, FunctionError: fnErr, Logs: lines}, err: err}
}

// freePorts asks the kernel for n free loopback ports. They are released
// before the RIE binds them, so a start is tried again if it fails.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// maxUnzipped is Lambda's limit on a function's unzipped code.
const maxUnzipped = 250 << 20

// unzip extracts a deployment package into dir: regular files and folders
// only, none outside dir, at most maxUnzipped bytes, modes kept.
func unzip(data []byte, dir string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var total int64
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("entry %q is outside the package's folder", f.Name)
		}
		path := filepath.Join(dir, name)
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
			continue
		case !mode.IsRegular():
			return fmt.Errorf("entry %q is not a regular file", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		n, err := extract(f, path, mode.Perm(), maxUnzipped-total)
		if err != nil {
			return err
		}
		total += n
	}
	return nil
}

func extract(f *zip.File, path string, perm os.FileMode, room int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm|0o400)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, room+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > room {
		err = fmt.Errorf("the unzipped package is larger than %d bytes", int64(maxUnzipped))
	}
	return n, err
}
