// Package harness starts what the operator's envtest suites share: the test
// control plane (internal/localcluster: kube-apiserver, etcd, our CRD and the real
// ACK CRDs), the fake EventBridge and Lambda server (internal/localaws), and the
// operator itself, in-process, with its webhook, exactly as cmd/main.go
// assembles it (internal/operator).
package harness

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
)

// DirectShardLabel marks a stack that the harness's operator never
// reconciles: tests that drive a reconciler by hand use it.
const DirectShardLabel = "test.eventstack.io/shard"

// TenantLabel marks a test namespace as a tenant's: the operator applies the
// strict guardrails there (docs/multi-tenancy.md).
const TenantLabel = "test.eventstack.io/tenant"

// ResyncInterval is the operator's drift resync in the tests: short.
const ResyncInterval = 2 * time.Second

// Harness is a running test control plane, fake AWS and operator.
type Harness struct {
	Env    *envtest.Environment
	Config *rest.Config
	Scheme *runtime.Scheme
	// Client is a direct client: the tests' own view, not the operator's cache.
	Client client.Client
	Fake   *localaws.Server
	stop   []func()
}

// Start starts the control plane, the fake AWS and the operator. configure,
// when not nil, has the last word on the operator's options.
func Start(configure func(*operator.Options)) (*Harness, error) { return StartWith(nil, configure) }

// StartWith is Start with a local AWS the caller made and started (with its
// own delays or code source); nil makes one.
func StartWith(fake *localaws.Server, configure func(*operator.Options)) (*Harness, error) {
	level := zapcore.ErrorLevel
	if os.Getenv("TEST_VERBOSE_OPERATOR") != "" {
		level = zapcore.DebugLevel
	}
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(level)))
	h := &Harness{}
	ok := false
	defer func() {
		if !ok {
			h.Stop()
		}
	}()
	env, err := localcluster.New()
	if err != nil {
		return nil, fmt.Errorf("test environment: %w", err)
	}
	h.Env = env
	if h.Config, err = localcluster.Start(env); err != nil {
		return nil, fmt.Errorf("starting the test control plane: %w", err)
	}
	h.stop = append(h.stop, func() { _ = env.Stop() })
	if h.Scheme, err = operator.Scheme(); err != nil {
		return nil, err
	}
	if h.Client, err = client.New(h.Config, client.Options{Scheme: h.Scheme}); err != nil {
		return nil, err
	}
	if h.Fake = fake; h.Fake == nil {
		h.Fake = localaws.New()
		// What AWS does after answering (a function Pending, an update
		// InProgress) at a tenth of AWS's pace: every state is seen, briefly.
		h.Fake.Delays = localaws.DefaultDelays.Scaled(0.1)
		if _, err := h.Fake.Start(); err != nil {
			return nil, fmt.Errorf("fake AWS: %w", err)
		}
	}
	h.stop = append(h.stop, h.Fake.Close)
	w := env.WebhookInstallOptions
	opts := operator.Options{
		MetricsAddr: "0", ProbeAddr: "0",
		Webhook: true, WebhookHost: w.LocalServingHost, WebhookPort: w.LocalServingPort, WebhookCertDir: w.LocalServingCertDir,
		MaxConcurrentReconciles: 4,
		AWSEndpointURL:          h.Fake.URL(),
		AWSLoadOptions:          AWSOptions(),
		ResyncInterval:          ResyncInterval,
		WatchLabelSelector:      DirectShardLabel + " notin (direct)",
		// The strict guardrails, in the namespaces a test marks as a
		// tenant's (TenantLabel); the others are the platform's, open.
		Tenancy: func() tenancy.Policy {
			p := tenancy.Strict()
			p.Namespaces = labels.SelectorFromSet(labels.Set{TenantLabel: "true"})
			return p
		}(),
	}
	if configure != nil {
		configure(&opts)
	}
	mgr, err := operator.New(h.Config, opts)
	if err != nil {
		return nil, fmt.Errorf("operator: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	h.stop = append(h.stop, func() { cancel(); <-done }) //nolint:errcheck // waits for the manager to stop; its error after cancel is the shutdown's, not the test's
	ok = true
	return h, nil
}

// Stop stops the operator, the fake AWS and the control plane, in that order.
func (h *Harness) Stop() {
	for i := len(h.stop) - 1; i >= 0; i-- {
		h.stop[i]()
	}
	h.stop = nil
}

// AWSOptions give the SDK static credentials (the fake checks none) and the
// standard retryer with the operator's attempts but backoff delays of at most
// 20 ms instead of 20 s, so that retried calls cost the tests no time.
func AWSOptions() []func(*config.LoadOptions) error {
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

// Run starts a harness, runs the tests and stops it: a TestMain body.
func Run(run func() int, configure func(*operator.Options), started func(*Harness)) int {
	h, err := Start(configure)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer h.Stop()
	started(h)
	return run()
}
