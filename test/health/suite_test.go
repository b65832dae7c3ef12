// Package health checks what GitOps tools read from an EventDrivenStack's
// status: Argo CD, through config/argocd/health.lua run the way Argo CD runs
// it, and kstatus (Flux, kpt, cli-utils). Every object evaluated is one the
// operator produced: envtest with the real ACK CRDs, the operator and its
// webhook started as the controllers suite starts them, against the fake AWS.
package health

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/testenv"
	"github.com/eventstack-io/eventstack-operator/test/fakeaws"
	"github.com/eventstack-io/eventstack-operator/test/harness"
)

var (
	// k8s is a direct client: the tests' own view, not the operator's cache.
	k8s client.Client
	// fake is the EventBridge and Lambda the operator talks to.
	fake *fakeaws.Server
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
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "health-test-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// seedStack returns the seed sample in a namespace, with a name prefix so
// that its AWS names in the shared fake are its own.
func seedStack(t *testing.T, ns, prefix string) *v1alpha1.EventDrivenStack {
	t.Helper()
	s := testenv.Seed(t, ns)
	s.Spec.NamePrefix = prefix
	return s
}

// createStack creates a stack and, when the test ends, deletes it and waits
// until the operator let it go (its finalizer removes the AWS routing).
func createStack(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	if err := k8s.Create(context.Background(), stack); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(stack)
	t.Cleanup(func() {
		ctx := context.Background()
		s := &v1alpha1.EventDrivenStack{}
		if err := k8s.Get(ctx, key, s); err != nil {
			return
		}
		if err := k8s.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		eventually(t, waitFor, "stack "+key.String()+" deleted", func() error {
			if err := k8s.Get(ctx, key, s); err == nil {
				return fmt.Errorf("still there")
			}
			return nil
		})
	})
}

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
