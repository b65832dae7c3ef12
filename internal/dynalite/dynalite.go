// Package dynalite runs dynalite (npm; a DynamoDB server in Node.js, in
// memory) as a process on a free loopback port: for the Lambda handlers'
// tests (test/emulators) and for make run-local, where the simulated AWS
// forwards DynamoDB's data plane to it (localaws.Server.SetDynamoDBDataPlane).
//
// dynalite is the repository's, pinned by package-lock.json and installed
// into node_modules with `npm ci` at the repository root; node must be on
// PATH (dynalite 4 needs Node.js 20 or later). Tables are ACTIVE as soon as
// they are created, updated or deleted (no CREATING delay). The process
// exits when Close kills it, and by itself when this process dies (it reads
// its standard input, which ends then), so no dynalite outlives its user.
package dynalite

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/tailbuffer"
)

// StartTimeout bounds how long dynalite may take to listen.
const StartTimeout = 30 * time.Second

// ErrUnavailable is wrapped by Start's error when node or the npm package is
// missing, which tests skip on (outside CI) rather than fail.
var ErrUnavailable = errors.New("dynalite is unavailable")

// script listens on a kernel-chosen loopback port (dynalite's CLI treats
// --port 0 as "use 4567"), prints it, and exits when standard input ends.
const script = `const s = require('dynalite')({createTableMs: 0, deleteTableMs: 0, updateTableMs: 0});
s.listen(0, '127.0.0.1', () => console.log('dynalite-port ' + s.address().port));
process.stdin.on('end', () => process.exit(0)); process.stdin.on('error', () => process.exit(0)); process.stdin.resume();`

// Server is a running dynalite.
type Server struct {
	endpoint string
	cmd      *exec.Cmd
	stdin    io.Closer
	logs     *tailbuffer.Buffer
	done     chan struct{}
	once     sync.Once
}

// Start starts dynalite from the node_modules of the repository at repoRoot
// ("" means the repository above the working directory) and waits until it
// listens.
func Start(ctx context.Context, repoRoot string) (*Server, error) {
	if repoRoot == "" {
		root, err := RepoRoot()
		if err != nil {
			return nil, err
		}
		repoRoot = root
	}
	if err := Installed(repoRoot); err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("%w: node is not installed (dynalite needs Node.js 20 or later on PATH)", ErrUnavailable)
	}
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = repoRoot
	s := &Server{cmd: cmd, logs: &tailbuffer.Buffer{Max: 16 << 10}, done: make(chan struct{})}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting dynalite: %w", err)
	}
	s.stdin = stdin
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	line, err := s.waitLine(ctx, stdout, "dynalite-port ")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("dynalite did not start: %w; its output: %s", err, s.logs)
	}
	s.endpoint = "http://127.0.0.1:" + strings.TrimPrefix(line, "dynalite-port ")
	return s, nil
}

// Installed answers nil when the repository's node_modules holds dynalite,
// else an error wrapping ErrUnavailable that says how to install it.
func Installed(repoRoot string) error {
	if _, err := os.Stat(filepath.Join(repoRoot, "node_modules", "dynalite", "package.json")); err != nil {
		return fmt.Errorf("%w: it is not installed in %s: run `npm ci` at the repository root",
			ErrUnavailable, filepath.Join(repoRoot, "node_modules"))
	}
	return nil
}

// Endpoint is dynalite's URL, http://127.0.0.1:<port>.
func (s *Server) Endpoint() string { return s.endpoint }

// PID is the process id of dynalite (for measuring its CPU).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Close stops dynalite: an interrupt, then a kill after a few seconds; it
// waits a bounded time for the process to exit. It may be called more than
// once.
func (s *Server) Close() {
	s.once.Do(func() {
		_ = s.stdin.Close()
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
			return
		case <-time.After(3 * time.Second):
		}
		_ = s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(3 * time.Second):
		}
	})
}

// waitLine waits for the first line of r that has prefix, within
// StartTimeout, and then keeps draining r into the logs so that dynalite
// never blocks on a full pipe.
func (s *Server) waitLine(ctx context.Context, r io.Reader, prefix string) (string, error) {
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found && strings.HasPrefix(line, prefix) {
				found = true
				lines <- line
				continue
			}
			fmt.Fprintln(s.logs, line)
		}
		if !found {
			close(lines)
		}
	}()
	t := time.NewTimer(StartTimeout)
	defer t.Stop()
	select {
	case line, ok := <-lines:
		if !ok {
			return "", fmt.Errorf("output ended before a line starting with %q", prefix)
		}
		return line, nil
	case <-t.C:
		return "", fmt.Errorf("no line starting with %q within %s", prefix, StartTimeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// RepoRoot is the folder of the repository's go.mod, above the working
// directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 20 {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.Contains(data, []byte("module github.com/eventstack-io/eventstack-operator\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("no go.mod of github.com/eventstack-io/eventstack-operator above the working directory")
}
