// Command run-local runs the operator against a local control plane — the
// same kube-apiserver and etcd the tests use, with the real ACK CRDs — so
// that a newcomer can `kubectl apply` a stack and watch it, with no cluster
// and no AWS account. Ctrl-C stops everything.
//
// Without ACK controllers the operator still creates every ACK child that
// waits for no other child's ARN, and its status says what the others wait
// for; without AWS credentials (or with --disable-aws) the bus and rules say
// so too. --aws-endpoint-url points the EventBridge and Lambda calls at any
// AWS-compatible endpoint you run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "run-local:", err)
		os.Exit(1)
	}
}

func run() error {
	var o operator.Options
	dataDir := flag.String("data-dir", filepath.Join(testenv.RepoRoot(), ".run-local"), "Folder of the control plane's data (etcd) and kubeconfig; kept between runs.")
	flag.StringVar(&o.AWSEndpointURL, "aws-endpoint-url", "", "Endpoint of the EventBridge and Lambda calls (an AWS-compatible emulator); default: AWS with the default credential chain.")
	flag.BoolVar(&o.DisableAWS, "disable-aws", false, "Make no EventBridge or Lambda call.")
	flag.DurationVar(&o.ResyncInterval, "resync-interval", time.Minute, "How often the routing is read back from AWS.")
	flag.DurationVar(&o.StatusProgressInterval, "status-progress-interval", 5*time.Second, "Least time between two status writes of a stack that report progress only.")
	zapOpts := zap.Options{Development: true, TimeEncoder: zapcore.ISO8601TimeEncoder}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	// A laptop has no EC2 instance metadata: do not let the SDK's default
	// chain probe for it.
	if os.Getenv("AWS_EC2_METADATA_DISABLED") == "" {
		_ = os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	}
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "etcd"), 0o700); err != nil {
		return err
	}

	env, err := testenv.New()
	if err != nil {
		return err
	}
	env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(dir, "etcd")}
	fmt.Fprintln(os.Stderr, "run-local: starting kube-apiserver and etcd, installing the EventDrivenStack and ACK CRDs ...")
	cfg, err := testenv.Start(env)
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "run-local: stopping the control plane:", err)
		}
	}()
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		return err
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		return err
	}

	w := env.WebhookInstallOptions
	o.Webhook, o.WebhookHost, o.WebhookPort, o.WebhookCertDir = true, w.LocalServingHost, w.LocalServingPort, w.LocalServingCertDir
	o.MetricsAddr, o.ProbeAddr, o.MaxConcurrentReconciles = "0", "0", 4
	mgr, err := operator.New(cfg, o)
	if err != nil {
		return err
	}
	ctx := ctrl.SetupSignalHandler()
	fmt.Printf(`
eventstack-operator is running against a local control plane.

  export KUBECONFIG=%s
  alias kubectl=%s   # or any kubectl you have
  kubectl apply -f %s
  kubectl get eds -w

Ctrl-C stops it. Data is kept in %s (delete it to start afresh).
`, kubeconfigPath, filepath.Join(env.BinaryAssetsDirectory, "kubectl"), testenv.SeedPath(), dir)
	if err := mgr.Start(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintln(os.Stderr, "run-local: stopping")
	return nil
}
