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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/testenv"
	"github.com/eventstack-io/eventstack-operator/test/fakeaws"
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
const directShardLabel = "test.eventstack.io/shard"

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
	cfg, err := testenv.Start(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the test control plane:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	scheme, err := operator.Scheme()
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
	mgr, err := operator.New(cfg, operatorOptions(env))
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

// operatorOptions are the controllers suite's: the webhook served where
// envtest registered it, metrics and probes off, the fake AWS with static
// credentials and fast retries, a short resync, and the direct shard left alone.
func operatorOptions(env *envtest.Environment) operator.Options {
	w := env.WebhookInstallOptions
	return operator.Options{
		MetricsAddr: "0", ProbeAddr: "0",
		Webhook: true, WebhookHost: w.LocalServingHost, WebhookPort: w.LocalServingPort, WebhookCertDir: w.LocalServingCertDir,
		MaxConcurrentReconciles: 4,
		AWSEndpointURL:          fake.URL(),
		AWSLoadOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
			config.WithRetryer(func() aws.Retryer {
				return retry.NewStandard(func(o *retry.StandardOptions) {
					o.MaxAttempts = 5
					o.MaxBackoff = 20 * time.Millisecond
				})
			}),
		},
		ResyncInterval:     2 * time.Second,
		WatchLabelSelector: directShardLabel + " notin (direct)",
	}
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
