// Package install checks what a user installs: the manifests of config/default
// against a real API server, the Argo CD health check patch, and the manager
// binary as the Dockerfile builds it.
package install

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

var (
	// k8s talks to a bare API server: no CRD installed, as in a cluster that
	// has never seen the operator.
	k8s client.Client
	// warnings collects the API server's warnings (deprecations, Pod Security).
	warnings = &warningLog{}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	assets, err := localcluster.BinaryAssets()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test control plane:", err)
		return 1
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets}
	cfg, err := localcluster.Start(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the test control plane:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = warnings
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// warningLog keeps every warning the API server sent.
type warningLog struct {
	mu   sync.Mutex
	seen []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (w *warningLog) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

// since returns the warnings received after the first n.
func (w *warningLog) since(n int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen[n:]...)
}

func (w *warningLog) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}
