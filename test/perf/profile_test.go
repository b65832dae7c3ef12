package perf

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// profileAPIServer, when PERF_APISERVER_PROFILE names a folder, takes a CPU
// profile of the kube-apiserver for d (from its /debug/pprof, as the admin
// user) into <folder>/<name>.pprof, in the background. Read it with
// `go tool pprof -top <file>`. The returned function waits for it.
func profileAPIServer(b *testing.B, name string, d time.Duration) (wait func()) {
	dir := os.Getenv("PERF_APISERVER_PROFILE")
	if dir == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hc, err := rest.HTTPClientFor(plane.cfg)
		if err != nil {
			b.Logf("apiserver profile: %v", err)
			return
		}
		hc.Timeout = d + time.Minute
		url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimSuffix(plane.cfg.Host, "/"), int(d.Seconds()))
		resp, err := hc.Get(url)
		if err != nil {
			b.Logf("apiserver profile: %v", err)
			return
		}
		defer resp.Body.Close()
		path := filepath.Join(dir, name+".pprof")
		f, err := os.Create(path)
		if err != nil {
			b.Logf("apiserver profile: %v", err)
			return
		}
		defer f.Close()
		if _, err := io.Copy(f, resp.Body); err != nil {
			b.Logf("apiserver profile: %v", err)
			return
		}
		b.Logf("apiserver CPU profile (%s): %s", d, path)
	}()
	return func() { <-done }
}
