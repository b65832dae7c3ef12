// Package ackcontrollers builds the released ACK service controllers from
// their source at the pinned tags, cached by tag outside the checkout, and
// runs them out of cluster against a control plane and an AWS endpoint. The
// test tier that judges the operator against the real controllers, the
// benchmarks and make run-local --ack=real use it: the controllers'
// behaviour is the truth about ACK (docs/ack-behaviour.md), which no stand-in
// can promise.
package ackcontrollers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// Release is one pinned ACK service controller.
type Release struct {
	// Controller is the repository name, "lambda-controller".
	Controller string
	// Version is the release tag, "v1.14.1".
	Version string
}

// Service is the controller's AWS service alias, "lambda".
func (r Release) Service() string { return strings.TrimSuffix(r.Controller, "-controller") }

func (r Release) String() string { return r.Controller + " " + r.Version }

// Kinds are the kinds of r the operator creates.
func (r Release) Kinds() []string {
	var out []string
	for _, k := range ack.Kinds {
		if k.GVK.Group == r.Service()+".services.k8s.aws" {
			out = append(out, k.GVK.Kind)
		}
	}
	return out
}

// Releases are the controllers the operator creates children for, at the
// tags whose CRDs the operator is proven against, that are run here: not the
// CRD-only ones (localcluster.ACKRelease.CRDOnly), whose kinds the stand-in
// plays (PlayedByStandIn).
func Releases() []Release {
	out := make([]Release, 0, len(localcluster.ACKReleases))
	for _, r := range localcluster.ACKReleases {
		if !r.CRDOnly {
			out = append(out, Release{Controller: r.Controller, Version: r.Version})
		}
	}
	return out
}

// PlayedByStandIn says whether obj is of a kind whose controller is not run
// here (a CRD-only release): with the released controllers, the ACK
// stand-in (localack) reports it.
func PlayedByStandIn(obj ack.Object) bool {
	k := ack.KindOf(obj)
	if k == nil {
		return false
	}
	for _, r := range localcluster.ACKReleases {
		if r.Controller == k.Controller+"-controller" {
			return r.CRDOnly
		}
	}
	return false
}

// SourceDir is the folder holding <controller>-<tag>/ source trees:
// $ACK_CONTROLLERS_DIR, else ../shared/ack-controllers beside the checkout.
// It returns "" when neither holds them.
func SourceDir() string {
	dirs := []string{os.Getenv("ACK_CONTROLLERS_DIR"), filepath.Join(localcluster.RepoRoot(), "..", "shared", "ack-controllers")}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, Releases()[0].Controller+"-"+Releases()[0].Version, "cmd", "controller")); err == nil {
			abs, err := filepath.Abs(d)
			if err == nil {
				return abs
			}
		}
	}
	return ""
}

// CacheDir is where built controllers are kept, one folder per tag:
// $EVENTSTACK_CACHE (default ~/.cache/eventstack-operator)/ack-controllers.
func CacheDir() (string, error) {
	if d := os.Getenv("EVENTSTACK_CACHE"); d != "" {
		return filepath.Join(d, "ack-controllers"), nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "eventstack-operator", "ack-controllers"), nil
}

// ErrNoSource says that a controller is neither built nor buildable here:
// its source is not beside the checkout and the module proxy does not serve it.
var ErrNoSource = errors.New("the ACK controllers' source is not in $ACK_CONTROLLERS_DIR or ../shared/ack-controllers")

// Binary returns the path of the built controller of r, building it when the
// cache does not hold it: from the source tree in SourceDir (copied to a
// writable place, then `go build ./cmd/controller`), else with `go install
// github.com/aws-controllers-k8s/<controller>/cmd/controller@<tag>` where
// the module proxy serves it. Concurrent callers (test packages run in
// parallel) wait for one build. Progress goes to log.
func Binary(ctx context.Context, r Release, log io.Writer) (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, r.Controller+"-"+r.Version)
	bin := filepath.Join(dir, "controller")
	if isExecutable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	unlock, err := lock(filepath.Join(cache, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if isExecutable(bin) {
		return bin, nil
	}
	work, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	out := filepath.Join(work, "controller")
	fmt.Fprintf(log, "ack-controllers: building %s (once; 2-4 min on 2 cores with a cold build cache)\n", r)
	if src := SourceDir(); src != "" {
		tree := filepath.Join(work, "src")
		if err := run(ctx, log, "", nil, "cp", "-R", filepath.Join(src, r.Controller+"-"+r.Version), tree); err != nil {
			return "", err
		}
		// The copy keeps the read-only modes of ../shared; go build writes go.sum.
		if err := run(ctx, log, "", nil, "chmod", "-R", "u+w", tree); err != nil {
			return "", err
		}
		env := []string{"GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0"}
		if err := run(ctx, log, tree, env, "go", "build", "-trimpath", "-ldflags", versionFlags(r), "-o", out, "./cmd/controller"); err != nil {
			return "", err
		}
	} else {
		env := []string{"GOBIN=" + work, "GOWORK=off", "CGO_ENABLED=0"}
		pkg := "github.com/aws-controllers-k8s/" + r.Controller + "/cmd/controller@" + r.Version
		if err := run(ctx, log, work, env, "go", "install", "-trimpath", "-ldflags", versionFlags(r), pkg); err != nil {
			return "", fmt.Errorf("%w, and %v", ErrNoSource, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(out, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(log, "ack-controllers: %s cached in %s\n", r, bin)
	return bin, nil
}

// Binaries builds (or finds) every release's controller, keyed by release.
func Binaries(ctx context.Context, log io.Writer) (map[Release]string, error) {
	out := map[Release]string{}
	for _, r := range Releases() {
		bin, err := Binary(ctx, r, log)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r, err)
		}
		out[r] = bin
	}
	return out, nil
}

// versionFlags stamp the release into the binary as the controllers' own
// release builds do: it names the controller in the User-Agent of its AWS
// calls and in the services.k8s.aws/controller-version tag it puts on what it
// creates.
func versionFlags(r Release) string {
	return "-X github.com/aws-controllers-k8s/" + r.Controller + "/pkg/version.GitVersion=" + r.Version
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// lock takes an exclusive advisory lock on path until the returned function
// is called.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

func run(ctx context.Context, log io.Writer, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
