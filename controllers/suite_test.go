package controllers_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/eventstack-io/eventstack-operator/test/fakeaws"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/testenv"
)

// The suite runs one real API server (envtest) with the real ACK CRDs, and the
// operator (controller and webhook) started exactly as cmd/main.go starts it.
// Each test works in a namespace of its own.
var (
	cfg     *rest.Config
	testEnv *envtest.Environment
	// fake is the EventBridge and Lambda the operator talks to.
	fake   *fakeaws.Server
	k8s    client.Client // a direct client: the tests' own view, not the operator's cache
	scheme *runtime.Scheme
	writes = &writeCounter{byNamespace: map[string]int{}}
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	level := zapcore.ErrorLevel
	if os.Getenv("TEST_VERBOSE_OPERATOR") != "" {
		level = zapcore.DebugLevel
	}
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(level)))
	env, err := testenv.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test environment:", err)
		return 1
	}
	cfg, err = testenv.Start(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the test control plane:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	testEnv = env

	scheme, err = operator.Scheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fake = fakeaws.New()
	if _, err := fake.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "fake AWS:", err)
		return 1
	}
	defer fake.Close()
	mgr, err := operator.New(cfg, testOperatorOptions(env))
	if err != nil {
		fmt.Fprintln(os.Stderr, "operator:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() { cancel(); <-done }()
	return m.Run()
}

// testOperatorOptions runs the operator with its webhook served where envtest
// registered it, metrics and probes off, and its writes counted.
func testOperatorOptions(env *envtest.Environment) operator.Options {
	w := env.WebhookInstallOptions
	return operator.Options{
		MetricsAddr: "0", ProbeAddr: "0",
		Webhook: true, WebhookHost: w.LocalServingHost, WebhookPort: w.LocalServingPort, WebhookCertDir: w.LocalServingCertDir,
		MaxConcurrentReconciles: 4,
		AWSEndpointURL:          fake.URL(),
		AWSLoadOptions:          testAWSOptions(),
		ResyncInterval:          resyncInterval,
		// Stacks labelled for the direct shard are left to tests that drive
		// a reconciler by hand.
		WatchLabelSelector: directShardLabel + " notin (direct)",
		NewClient: func(c *rest.Config, o client.Options) (client.Client, error) {
			inner, err := client.NewWithWatch(c, o)
			if err != nil {
				return nil, err
			}
			return writes.wrap(inner), nil
		},
	}
}

// resyncInterval is the suite operator's drift resync: short, for the tests.
const resyncInterval = 2 * time.Second

// testAWSOptions give the SDK static credentials (the fake checks none) and
// the standard retryer with the operator's attempts but backoff delays of at
// most 20 ms instead of 20 s, so that retried calls cost the tests no time.
func testAWSOptions() []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				o.MaxBackoff = 20 * time.Millisecond
			})
		}),
	}
}

// createStack creates a stack and, when the test ends, deletes it and waits
// until the operator let it go (its finalizer removes the AWS routing), so
// that no test's stacks resync into another's AWS call counts.
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
		deadline := time.Now().Add(waitFor)
		for time.Now().Before(deadline) {
			if err := k8s.Get(ctx, key, s); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Errorf("cleanup: stack %s still there after %s", key, waitFor)
	})
}

// directShardLabel marks a stack that the suite's operator leaves alone.
const directShardLabel = "test.eventstack.io/shard"

// writeCounter counts the operator's writes to the API server by namespace.
type writeCounter struct {
	mu          sync.Mutex
	byNamespace map[string]int
	log         map[string][]string
}

func (w *writeCounter) add(obj client.Object) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.byNamespace[obj.GetNamespace()]++
	if w.log == nil {
		w.log = map[string][]string{}
	}
	w.log[obj.GetNamespace()] = append(w.log[obj.GetNamespace()], fmt.Sprintf("%T %s", obj, obj.GetName()))
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
			w.add(obj)
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "eds-test-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// seedStack returns the seed sample of config/samples in a namespace.
func seedStack(t *testing.T, ns string) *v1alpha1.EventDrivenStack { return testenv.Seed(t, ns) }

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = check(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// consistently checks that check stays nil for the whole duration.
func consistently(t *testing.T, d time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := check(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
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
