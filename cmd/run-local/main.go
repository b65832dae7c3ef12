// Command run-local runs the operator against a local control plane — the
// same kube-apiserver and etcd the tests use, with the real ACK CRDs — so
// that a newcomer can `kubectl apply` a stack and watch it go through its
// whole lifecycle, with no cluster and no AWS account. Ctrl-C stops everything.
//
// By default AWS is simulated: a stand-in plays the ACK controllers
// (internal/localack: each child reported after its kind's latency, as the
// real controllers report it) and an in-memory server on 127.0.0.1 plays
// EventBridge, Lambda, CloudWatch Logs and STS (internal/localaws), so that a stack
// goes through its waves to Ready, an edit rolls through and a delete cleans
// up — and nothing is created in AWS, as the banner and each stack's events
// say. --aws=real makes the operator call AWS with the default credential
// chain (or --aws-endpoint-url), without ACK controllers: the ACK children are
// created and wait for controllers you run yourself. --ack=released plays ACK
// with the six released ACK controllers instead of the stand-in, against the
// simulated AWS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/internal/ackcontrollers"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "run-local:", err)
		os.Exit(1)
	}
}

func run() error {
	var o operator.Options
	dataDir := flag.String("data-dir", filepath.Join(localcluster.RepoRoot(), ".run-local"), "Folder of the control plane's data (etcd) and kubeconfig; kept between runs.")
	awsMode := flag.String("aws", "simulated", "simulated: a stand-in plays the ACK controllers and an in-memory server AWS, nothing is created in AWS; "+
		"real: the operator calls AWS (default credential chain, or --aws-endpoint-url) and the ACK children wait for ACK controllers you run.")
	ackMode := flag.String("ack", "stand-in", "With --aws=simulated, who plays the ACK controllers: stand-in (internal/localack, each kind after its latency) or "+
		"released, or real (the six released ACK controllers, built from ../shared/ack-controllers once and cached, run as processes against the simulated AWS).")
	latencyScale := flag.Float64("ack-latency-scale", 0.3, "With --aws=simulated: how fast the stand-in ACK reports children (1 is AWS's pace: a table in 10 s, a function in 5 s).")
	flag.StringVar(&o.AWSEndpointURL, "aws-endpoint-url", "", "With --aws=real: the endpoint of the operator's AWS calls (an AWS-compatible emulator); default: AWS.")
	flag.BoolVar(&o.DisableAWS, "disable-aws", false, "With --aws=real: make no AWS call at all.")
	flag.DurationVar(&o.ResyncInterval, "resync-interval", time.Minute, "How often the routing is read back from AWS.")
	flag.DurationVar(&o.StatusProgressInterval, "status-progress-interval", 2*time.Second, "Least time between two status writes of a stack that report progress only.")
	zapOpts := zap.Options{Development: true, TimeEncoder: zapcore.ISO8601TimeEncoder, Level: zapcore.InfoLevel}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	simulated := *awsMode == "simulated"
	if !simulated && *awsMode != "real" {
		return fmt.Errorf("--aws=%q: want simulated or real", *awsMode)
	}
	released := *ackMode == "released" || *ackMode == "real"
	if !released && *ackMode != "stand-in" {
		return fmt.Errorf("--ack=%q: want stand-in or released (or real)", *ackMode)
	}
	if released && !simulated {
		return errors.New("--ack=released runs the released ACK controllers against the simulated AWS: use it with --aws=simulated")
	}

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

	env, err := localcluster.New()
	if err != nil {
		return err
	}
	env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(dir, "etcd")}
	fmt.Fprintln(os.Stderr, "run-local: starting kube-apiserver and etcd, installing the EventDrivenStack and ACK CRDs ...")
	cfg, err := localcluster.Start(env)
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
	notice := "AWS: real (" + awsTarget(o) + "); the ACK children wait for the ACK controllers you run."
	testHint, work := "", ""
	var sim *localaws.Server
	if simulated {
		aws := localaws.New()
		aws.Delays = localaws.DefaultDelays.Scaled(*latencyScale)
		sim = aws
		if _, err := aws.Start(); err != nil {
			return fmt.Errorf("starting the simulated AWS: %w", err)
		}
		defer aws.Close()
		o.AWSEndpointURL, o.DisableAWS = aws.URL(), false
		o.AWSLoadOptions = []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("simulated", "simulated", "")),
		}
		stopWork, simulatedWork := simulateWork(context.Background(), aws)
		defer stopWork()
		work = simulatedWork
		notice = localack.Notice + " (" + aws.URL() + "). " + work + ". Run with RUN_LOCAL_FLAGS=--aws=real to use AWS."
		testHint = "  kubectl eds test event-driven-stack --aws-endpoint-url " + aws.URL() + "   # the seed's test, end to end\n"
	}
	mgr, err := operator.New(cfg, o)
	if err != nil {
		return err
	}
	switch {
	case released:
		bins, err := ackcontrollers.Binaries(context.Background(), os.Stderr)
		if err != nil {
			return fmt.Errorf("--ack=released: %w", err)
		}
		ctrls, err := ackcontrollers.Start(bins, ackcontrollers.Options{Kubeconfig: kubeconfigPath, EndpointURL: sim.URL(),
			Region: "us-east-1", LogDir: dir})
		if err != nil {
			return err
		}
		defer ctrls.Stop()
		// The kinds whose controller's source is not given (CRD-only
		// releases: CloudWatch alarms) are played by the stand-in.
		if err := mgr.Add(&localack.Controllers{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Scale: *latencyScale, AWS: sim,
			Only: ackcontrollers.PlayedByStandIn}); err != nil {
			return err
		}
		notice = "AWS is simulated (make run-local): nothing is created in AWS; the released ACK controllers (" + ctrls.Versions() +
			") play ACK against an in-memory server on 127.0.0.1 (" + sim.URL() + "), the stand-in the kinds of CRD-only releases (CloudWatch alarms); their logs are " + filepath.Join(dir, "*-controller.log") + ". " + work + "."
	case simulated:
		stand := &localack.Controllers{Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Scale: *latencyScale, AWS: sim,
			Recorder: mgr.GetEventRecorder("make-run-local")}
		if err := mgr.Add(stand); err != nil {
			return err
		}
	}
	ctx := ctrl.SetupSignalHandler()
	fmt.Printf(`
eventstack-operator is running against a local control plane.
%s

  export KUBECONFIG=%s
  alias kubectl=%s   # or any kubectl you have
  kubectl apply -f %s
  kubectl get eds -w
  kubectl eds status event-driven-stack       # make install-plugin first
%s
Ctrl-C stops it. Data is kept in %s (delete it to start afresh).
`, notice, kubeconfigPath, filepath.Join(env.BinaryAssetsDirectory, "kubectl"), localcluster.SeedPath(), testHint, dir)
	if err := mgr.Start(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintln(os.Stderr, "run-local: stopping")
	return nil
}

// awsTarget says where the operator's AWS calls go.
func awsTarget(o operator.Options) string {
	switch {
	case o.DisableAWS:
		return "no AWS call at all (--disable-aws)"
	case o.AWSEndpointURL != "":
		return o.AWSEndpointURL
	}
	return "the default credential chain"
}
