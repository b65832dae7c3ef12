package lambdarun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// buildTimeout bounds one handler's build.
const buildTimeout = 5 * time.Minute

// Handlers builds the repository's Lambda handlers (lambdas/cmd/<name>) into
// deployment packages for make run-local, where S3 is not there to hold
// them: an S3 key whose base name is <name>.zip (the seed's
// lambdas/event-order-processor.zip, in any bucket, any version) is the
// handler <name>, built with internal/lambdazip for linux and the HOST's
// architecture (runtime.GOARCH), not the function's, since Runtime runs it
// here under the RIE. Each handler is built once per process (a few seconds)
// and kept in memory; a failed build is kept too (restart to build again),
// except one a canceled Prebuild stopped.
type Handlers struct {
	root string

	mu     sync.Mutex
	builds map[string]*handlerBuild
}

type handlerBuild struct {
	mu   sync.Mutex // held while building
	done bool
	data []byte
	err  error
}

// NewHandlers returns the builder of the handlers of the repository at
// repoRoot (the folder of its go.mod).
func NewHandlers(repoRoot string) *Handlers {
	return &Handlers{root: repoRoot, builds: map[string]*handlerBuild{}}
}

// HandlerSource is NewHandlers(repoRoot).Source, for
// localaws.Server.SetCodeSource.
func HandlerSource(repoRoot string) func(bucket, key, version string) ([]byte, error) {
	return NewHandlers(repoRoot).Source
}

// Names lists the handlers of the repository: the folders of lambdas/cmd.
func (h *Handlers) Names() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(h.root, "lambdas", "cmd"))
	if err != nil {
		return nil, fmt.Errorf("listing the Lambda handlers: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// Source answers the package at bucket/key (version ignored), for
// localaws.Server.SetCodeSource: the handler the key names, built on first
// use. Another key answers localaws.ErrPackageNotHeld (the function is
// made, and its invocations say there is no such handler), a key without a
// bucket an error that wraps localaws.ErrNoSuchBucket. The server
// calls it with its lock held: Prebuild first, so that it does not wait
// for a build.
func (h *Handlers) Source(bucket, key, _ string) ([]byte, error) {
	if bucket == "" {
		return nil, fmt.Errorf("bucket %q: %w", bucket, localaws.ErrNoSuchBucket)
	}
	name, ok := strings.CutSuffix(path.Base(key), ".zip")
	if !ok || !h.exists(name) {
		return nil, fmt.Errorf("s3://%s/%s is not a handler of the repository (make run-local runs lambdas/cmd/<name> for any key named <name>.zip): %w", bucket, key, localaws.ErrPackageNotHeld)
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	return h.build(ctx, name)
}

// Prebuild builds every handler, one after the other (the machine's cores
// go to one go build at a time), and answers the first error.
func (h *Handlers) Prebuild(ctx context.Context) error {
	names, err := h.Names()
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		if _, err := h.build(ctx, name); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

func (h *Handlers) exists(name string) bool {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return false
	}
	st, err := os.Stat(filepath.Join(h.root, "lambdas", "cmd", name))
	return err == nil && st.IsDir()
}

// build returns the handler's package, building it the first time; callers
// at the same time wait for the one build.
func (h *Handlers) build(ctx context.Context, name string) ([]byte, error) {
	h.mu.Lock()
	b := h.builds[name]
	if b == nil {
		b = &handlerBuild{}
		h.builds[name] = b
	}
	h.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return b.data, b.err
	}
	z, err := lambdazip.Build(ctx, filepath.Join(h.root, "lambdas", "cmd", name), runtime.GOARCH, lambdazip.BuildOptions{})
	if err != nil {
		err = fmt.Errorf("building the handler %s for linux/%s: %w", name, runtime.GOARCH, err)
		if ctx.Err() == nil {
			b.done, b.err = true, err
		}
		return nil, err
	}
	b.done, b.data = true, z.Data
	return z.Data, nil
}
