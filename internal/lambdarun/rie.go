package lambdarun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The Lambda Runtime Interface Emulator (RIE), as AWS publishes it: the
// module and the version this package runs, and its command.
const (
	RIEModule  = "github.com/aws/aws-lambda-runtime-interface-emulator"
	RIEVersion = "v0.0.0-20261030222936-bef5c4ba774d"
	riePackage = RIEModule + "/cmd/aws-lambda-rie"
	rieBinary  = "aws-lambda-rie"
)

// RIEEnv names a path to an aws-lambda-rie binary to use instead of building
// one.
const RIEEnv = "AWS_LAMBDA_RIE"

// rieBuildTimeout bounds the build (about 15 s with a warm module cache).
const rieBuildTimeout = 5 * time.Minute

// rieBuild is the process's one look-up or build of the RIE.
var rieBuild struct {
	mu   sync.Mutex
	path string  // once found or built
	run  *rieRun // the build under way
}

// rieRun is a build; done is closed when path or err is set.
type rieRun struct {
	done chan struct{}
	path string
	err  error
}

// RIEPath returns the path of the aws-lambda-rie binary: $AWS_LAMBDA_RIE if
// set, else the one built into the user cache directory
// (eventstack-operator/rie/<version>/aws-lambda-rie), which it builds with
// `go install` from the Go module proxy the first time. The build runs once
// per process, on its own (at most rieBuildTimeout), whatever ctx says: ctx
// only bounds the wait, so that invocations with short timeouts, which wait
// for it in turn, do not cancel it. A failed build is tried again on the
// next call. Call it early (Runtime.Prepare) to have the binary ready.
func RIEPath(ctx context.Context) (string, error) {
	if p := os.Getenv(RIEEnv); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("%s=%s is not a file: %v", RIEEnv, p, err)
		}
		return p, nil
	}
	rieBuild.mu.Lock()
	if rieBuild.path != "" {
		defer rieBuild.mu.Unlock()
		return rieBuild.path, nil
	}
	run := rieBuild.run
	if run == nil {
		run = &rieRun{done: make(chan struct{})}
		rieBuild.run = run
		go func() {
			path, err := locateRIE()
			rieBuild.mu.Lock()
			run.path, run.err = path, err
			if err == nil {
				rieBuild.path = path
			}
			rieBuild.run = nil
			rieBuild.mu.Unlock()
			close(run.done)
		}()
	}
	rieBuild.mu.Unlock()
	select {
	case <-run.done:
		return run.path, run.err
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for the Lambda Runtime Interface Emulator's build: %w", ctx.Err())
	}
}

// locateRIE finds the RIE in the user cache directory, or builds it there.
func locateRIE() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory for the Lambda Runtime Interface Emulator (set %s): %w", RIEEnv, err)
	}
	dir := filepath.Join(cache, "eventstack-operator", "rie", RIEVersion)
	path := filepath.Join(dir, rieBinary)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), rieBuildTimeout)
	defer cancel()
	if err := installRIE(ctx, dir); err != nil {
		return "", err
	}
	return path, nil
}

// installRIE builds the RIE into a temporary folder beside dir and renames
// the binary into dir, so that another process building at the same time
// never sees half a file.
func installRIE(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "install", riePackage+"@"+RIEVersion)
	// Outside any module or workspace, with the host's settings but none
	// that would change how a pinned module version builds.
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the Lambda Runtime Interface Emulator (go install %s@%s; or set %s to a binary): %w\n%s",
			riePackage, RIEVersion, RIEEnv, err, strings.TrimSpace(out.String()))
	}
	if err := os.Rename(filepath.Join(tmp, rieBinary), filepath.Join(dir, rieBinary)); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, rieBinary)); statErr == nil {
			return nil // another process got there first
		}
		return errors.Join(errors.New("installing the Lambda Runtime Interface Emulator"), err)
	}
	return nil
}
