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

var rieBuild struct {
	mu   sync.Mutex
	path string
}

// RIEPath returns the path of the aws-lambda-rie binary: $AWS_LAMBDA_RIE if
// set, else the one built into the user cache directory
// (eventstack-operator/rie/<version>/aws-lambda-rie), which it builds with
// `go install` from the Go module proxy the first time (once per process; a
// failed build is tried again on the next call).
func RIEPath(ctx context.Context) (string, error) {
	if p := os.Getenv(RIEEnv); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("%s=%s is not a file: %v", RIEEnv, p, err)
		}
		return p, nil
	}
	rieBuild.mu.Lock()
	defer rieBuild.mu.Unlock()
	if rieBuild.path != "" {
		return rieBuild.path, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory for the Lambda Runtime Interface Emulator (set %s): %w", RIEEnv, err)
	}
	dir := filepath.Join(cache, "eventstack-operator", "rie", RIEVersion)
	path := filepath.Join(dir, rieBinary)
	if _, err := os.Stat(path); err == nil {
		rieBuild.path = path
		return path, nil
	}
	if err := installRIE(ctx, dir); err != nil {
		return "", err
	}
	rieBuild.path = path
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
	ctx, cancel := context.WithTimeout(ctx, rieBuildTimeout)
	defer cancel()
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
