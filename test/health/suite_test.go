// Package health checks what GitOps tools read from an EventDrivenStack's
// status: Argo CD, through config/argocd/health.lua run the way Argo CD runs
// it, and kstatus (Flux, kpt, cli-utils). Every object evaluated is one the
// operator produced: envtest with the real ACK CRDs, the operator and its
// webhook started as the controllers suite starts them, against the fake AWS.
package health

import (
	"os"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/test/harness"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

var (
	// k8s is a direct client: the tests' own view, not the operator's cache.
	k8s client.Client
	// fake is the EventBridge and Lambda the operator talks to.
	fake *localaws.Server
)

// waitFor bounds every wait for the operator.
const waitFor = 60 * time.Second

// directShardLabel marks a stack that the suite's operator never reconciles.
const directShardLabel = harness.DirectShardLabel

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	return harness.Run(m.Run, nil, func(h *harness.Harness) { k8s, fake = h.Client, h.Fake })
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string { return harness.NewNamespace(t, k8s) }

// seedStack returns the seed sample in a namespace, with a name prefix so
// that its AWS names in the shared fake are its own.
func seedStack(t *testing.T, ns, prefix string) *v1alpha1.EventDrivenStack {
	t.Helper()
	s := seed.Stack(t, ns)
	s.Spec.NamePrefix = prefix
	return s
}

// createStack creates a stack, deleted when the test ends (harness.CreateStack).
func createStack(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	harness.CreateStack(t, k8s, stack, waitFor)
}

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	harness.Eventually(t, timeout, what, check)
}
