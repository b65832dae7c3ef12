package controller_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/controller"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/test/harness"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// The suite runs one real API server (envtest) with the real ACK CRDs, and the
// operator (controller and webhook) started exactly as cmd/main.go starts it.
// Each test works in a namespace of its own.
var (
	cfg     *rest.Config
	testEnv *envtest.Environment
	// fake is the EventBridge and Lambda the operator talks to.
	fake   *localaws.Server
	k8s    client.Client // a direct client: the tests' own view, not the operator's cache
	scheme *runtime.Scheme
	writes = &writeCounter{byNamespace: map[string]int{}}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	return harness.Run(m.Run, func(o *operator.Options) {
		// Count the operator's writes.
		o.NewClient = func(c *rest.Config, opts client.Options) (client.Client, error) {
			inner, err := client.NewWithWatch(c, opts)
			if err != nil {
				return nil, err
			}
			return writes.wrap(inner), nil
		}
	}, func(h *harness.Harness) {
		cfg, testEnv, fake, k8s, scheme = h.Config, h.Env, h.Fake, h.Client, h.Scheme
	})
}

// resyncInterval is the suite operator's drift resync: short, for the tests.
const resyncInterval = harness.ResyncInterval

// testAWSOptions are the SDK options of every client the tests build.
func testAWSOptions() []func(*config.LoadOptions) error { return harness.AWSOptions() }

// createStack creates a stack, deleted when the test ends (harness.CreateStack).
func createStack(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	harness.CreateStack(t, k8s, stack, waitFor)
}

// directShardLabel marks a stack that the suite's operator leaves alone.
const directShardLabel = harness.DirectShardLabel

// writeCounter counts the operator's writes to the API server by namespace.
type writeCounter struct {
	mu          sync.Mutex
	byNamespace map[string]int
	log         map[string][]string
}

func (w *writeCounter) add(obj client.Object) { w.addPatch(obj, nil) }

// addPatch counts a write, and logs what a status patch changed (so that a
// failure message says why a write was made).
func (w *writeCounter) addPatch(obj client.Object, p client.Patch) {
	entry := fmt.Sprintf("%T %s", obj, obj.GetName())
	if p != nil {
		if data, err := p.Data(obj); err == nil {
			entry += " " + string(data)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.byNamespace[obj.GetNamespace()]++
	if w.log == nil {
		w.log = map[string][]string{}
	}
	w.log[obj.GetNamespace()] = append(w.log[obj.GetNamespace()], entry)
}

// writesIn lists the writes counted in a namespace, for failure messages.
func (w *writeCounter) writesIn(ns string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.log[ns]...)
}

func (w *writeCounter) count(ns string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byNamespace[ns]
}

// wrap returns a client that counts every create, update, patch and delete,
// of objects and of their status, before passing it on.
func (w *writeCounter) wrap(c client.WithWatch) client.WithWatch {
	return interceptor.NewClient(c, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			w.add(obj)
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			w.add(obj)
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			w.add(obj)
			return c.Patch(ctx, obj, p, opts...)
		},
		Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			w.mu.Lock()
			w.byNamespace["<apply>"]++
			w.mu.Unlock()
			return c.Apply(ctx, obj, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			w.add(obj)
			return c.Delete(ctx, obj, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			w.add(obj)
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			w.addPatch(obj, p)
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
}

// countedReconciler is a reconciler the test drives by hand, against the
// fake AWS, whose writes counter counts; layers, if any, sit between the
// counter and the API server.
func countedReconciler(t *testing.T, counter *writeCounter, layers ...func(client.WithWatch) client.WithWatch) *controller.EventDrivenStackReconciler {
	t.Helper()
	raw, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	c := raw
	for _, layer := range layers {
		c = layer(c)
	}
	return &controller.EventDrivenStackReconciler{Client: counter.wrap(c),
		AWS: &awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: testAWSOptions()}}
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string { return harness.NewNamespace(t, k8s) }

// seedStack returns the seed sample of config/samples in a namespace.
func seedStack(t *testing.T, ns string) *v1alpha1.EventDrivenStack { return seed.Stack(t, ns) }

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	harness.Eventually(t, timeout, what, check)
}

// consistently checks that check stays nil for the whole duration.
func consistently(t *testing.T, d time.Duration, what string, check func() error) {
	t.Helper()
	harness.Consistently(t, d, what, check)
}

// getStack reads a stack.
func getStack(t *testing.T, ns, name string) *v1alpha1.EventDrivenStack {
	t.Helper()
	s := &v1alpha1.EventDrivenStack{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, s); err != nil {
		t.Fatal(err)
	}
	return s
}
