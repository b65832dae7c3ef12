// Command manager runs the eventstack operator: it reconciles EventDrivenStack
// resources into ACK resources and validates them at admission.
package main

import (
	"errors"
	"flag"
	"os"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
)

func main() {
	var o operator.Options
	var qps float64
	var burst int
	flag.StringVar(&o.MetricsAddr, "metrics-bind-address", "0", "Address of the metrics endpoint (:8443 for HTTPS, :8080 for HTTP); 0 turns it off.")
	flag.BoolVar(&o.SecureMetrics, "metrics-secure", true, "Serve metrics over HTTPS, behind authentication and authorisation.")
	flag.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	flag.StringVar(&o.PprofAddr, "pprof-bind-address", "0", "Address of Go's /debug/pprof profiles (127.0.0.1:6060, say); 0 turns it off.")
	flag.BoolVar(&o.LeaderElection, "leader-elect", false, "Elect a leader, so that only one replica reconciles at a time.")
	flag.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election lease (default: the pod's).")
	flag.BoolVar(&o.Webhook, "enable-webhook", true, "Serve the validating admission webhook.")
	flag.IntVar(&o.WebhookPort, "webhook-port", 9443, "Port of the webhook server.")
	flag.StringVar(&o.WebhookCertDir, "webhook-cert-dir", "", "Folder with tls.crt and tls.key for the webhook (default: the controller-runtime default).")
	flag.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "How many stacks are reconciled at once.")
	flag.StringVar(&o.WatchLabelSelector, "watch-label-selector", "", "Reconcile only the stacks this label selector selects (sharding).")
	flag.StringVar(&o.AWSEndpointURL, "aws-endpoint-url", "", "Endpoint of every EventBridge and Lambda call (an AWS-compatible emulator); default: AWS.")
	flag.BoolVar(&o.DisableAWS, "disable-aws", false, "Make no EventBridge or Lambda call (ACK children only).")
	flag.DurationVar(&o.ResyncInterval, "resync-interval", 5*time.Minute, "How often each stack's EventBridge routing is read back to repair drift (jittered by 10%).")
	var tenancyFlags tenancy.Flags
	tenancyFlags.Bind(flag.CommandLine)
	flag.StringVar(&o.ACKSystemNamespace, "ack-system-namespace", tenancy.DefaultACKSystemNamespace, "Namespace of ACK's role map (ConfigMap ack-role-account-map), as the ACK controllers' ACK_SYSTEM_NAMESPACE.")
	flag.DurationVar(&o.StatusProgressInterval, "status-progress-interval", 10*time.Second, "Least time between two status writes of a stack that report progress only (transitions and new generations are written at once); 0 writes every change.")
	flag.Float64Var(&qps, "kube-api-qps", 50, "Client-side queries per second to the API server.")
	flag.IntVar(&burst, "kube-api-burst", 100, "Client-side burst of queries to the API server.")
	zapOpts := zap.Options{Development: false, TimeEncoder: zapcore.ISO8601TimeEncoder}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	policy, err := tenancyFlags.Policy()
	if err != nil {
		log.Error(err, "bad tenancy flags")
		os.Exit(2)
	}
	o.Tenancy = policy

	// A soft memory limit at 55% of the container's (unless GOMEMLIMIT is
	// set): the Go GC works harder near it instead of letting the heap
	// double past the container's limit, and RSS stays 20% or more under
	// that limit, room for a burst of events (docs/performance.md, section 4).
	if limit, err := memlimit.SetGoMemLimitWithOpts(memlimit.WithRatio(0.55), memlimit.WithProvider(memlimit.FromCgroup)); err == nil {
		log.Info("Go memory limit set from the container's", "GOMEMLIMIT", limit)
	} else if !errors.Is(err, memlimit.ErrNoLimit) && !errors.Is(err, memlimit.ErrNoCgroup) {
		log.Info("no Go memory limit from the container", "reason", err.Error())
	}

	cfg, err := ctrl.GetConfig()
	if err != nil {
		log.Error(err, "loading the kubeconfig")
		os.Exit(1)
	}
	cfg.QPS, cfg.Burst = float32(qps), burst
	mgr, err := operator.New(cfg, o)
	if err != nil {
		log.Error(err, "setting up the operator")
		os.Exit(1)
	}
	log.Info("starting the operator")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "running the operator")
		os.Exit(1)
	}
}
