// Package operator assembles the manager: scheme, cache, controller, webhook
// and health checks. cmd/main.go, run-local and the tests all start the
// operator through New, so they run the same thing.
package operator

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/controller"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
	"github.com/eventstack-io/eventstack-operator/internal/webhook"
)

// Options are the operator's settings (its command-line flags).
type Options struct {
	// MetricsAddr is where metrics are served ("0" turns them off).
	MetricsAddr string
	// SecureMetrics serves metrics over HTTPS behind authentication and authorisation.
	SecureMetrics bool
	// ProbeAddr is where /healthz and /readyz are served ("0" turns them off).
	ProbeAddr string
	// PprofAddr is where Go's /debug/pprof is served ("" or "0" turns it
	// off): heap and CPU profiles of a running operator.
	PprofAddr string
	// LeaderElection makes only one replica reconcile at a time.
	LeaderElection          bool
	LeaderElectionNamespace string
	// Webhook serves the validating webhook on WebhookHost:WebhookPort with
	// the certificate in WebhookCertDir.
	Webhook        bool
	WebhookHost    string
	WebhookPort    int
	WebhookCertDir string
	// MaxConcurrentReconciles is how many stacks are reconciled at once.
	MaxConcurrentReconciles int
	// WatchLabelSelector, when set, limits the operator to the stacks it
	// selects, so that several operators can share a cluster's stacks
	// (sharding, as Flux's --watch-label-selector).
	WatchLabelSelector string
	// AWSEndpointURL, when set, points the EventBridge and Lambda clients at
	// an AWS-compatible endpoint (a local emulator, the tests' server).
	AWSEndpointURL string
	// AWSLoadOptions are added to the AWS SDK's default chain (tests give
	// static credentials here).
	AWSLoadOptions []func(*config.LoadOptions) error
	// DisableAWS leaves EventBridge and Lambda alone: no routing is made.
	DisableAWS bool
	// ResyncInterval is how often each stack's routing is read back from
	// AWS to repair drift.
	ResyncInterval time.Duration
	// StatusProgressInterval is the least time between two status writes of
	// a stack that report progress only; 0 writes every change at once.
	StatusProgressInterval time.Duration
	// Tenancy is what the platform allows the stacks (docs/multi-tenancy.md);
	// its zero value is tenancy.Open's.
	Tenancy tenancy.Policy
	// ACKSystemNamespace is where ACK's role map (ack-role-account-map) is.
	ACKSystemNamespace string
	// NewClient, when set, builds the manager's client (tests count writes with it).
	NewClient client.NewClientFunc
	// RolloutClock is the time rollouts are decided at; nil is the wall
	// clock (the tests of whole rollouts run a scaled one).
	RolloutClock rollout.Clock
}

// Scheme returns a scheme with the Kubernetes types, the EventDrivenStack API
// and the ACK kinds the operator creates.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, v1alpha1.AddToScheme, ack.AddToScheme} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// New returns a manager running the EventDrivenStack controller (and webhook).
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	scheme, err := Scheme()
	if err != nil {
		return nil, err
	}
	cacheOpts, err := cacheOptions(o)
	if err != nil {
		return nil, err
	}
	// HTTP/2 is off for the metrics and webhook servers (CVE-2023-44487 and
	// CVE-2023-39325), as in the kubebuilder scaffold.
	noHTTP2 := []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}
	metrics := metricsserver.Options{BindAddress: o.MetricsAddr, SecureServing: o.SecureMetrics, TLSOpts: noHTTP2}
	if o.SecureMetrics {
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	mopts := ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metrics,
		HealthProbeBindAddress:  o.ProbeAddr,
		PprofBindAddress:        o.PprofAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "eventstack-operator.stacks.eventstack.io",
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		// Stop reconciling as soon as leadership is lost, and release it on
		// a clean shutdown so that another replica takes over at once.
		LeaderElectionReleaseOnCancel: true,
		Cache:                         cacheOpts,
		NewClient:                     o.NewClient,
	}
	if o.Webhook {
		mopts.WebhookServer = ctrlwebhook.NewServer(ctrlwebhook.Options{
			Host: o.WebhookHost, Port: o.WebhookPort, CertDir: o.WebhookCertDir, TLSOpts: noHTTP2,
		})
	}
	mgr, err := ctrl.NewManager(cfg, mopts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	r := &controller.EventDrivenStackReconciler{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder("eventstack-operator"),
		MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		ResyncInterval:          o.ResyncInterval,
		ProgressInterval:        o.StatusProgressInterval,
		RolloutClock:            o.RolloutClock,
	}
	if !o.DisableAWS {
		r.AWS = &awsapi.Factory{EndpointURL: o.AWSEndpointURL, LoadOptions: o.AWSLoadOptions}
	}
	names := tenancy.NewNameIndex()
	if err := names.Watch(context.Background(), mgr.GetCache()); err != nil {
		return nil, fmt.Errorf("indexing the stacks by AWS name: %w", err)
	}
	// ACK's role map is read with a GET of that one ConfigMap (RBAC allows no
	// other), not cached by a watch of every ConfigMap.
	r.Tenancy = &tenancy.Guard{Policy: o.Tenancy, Reader: mgr.GetClient(), LiveReader: mgr.GetAPIReader(), Names: names,
		ACKNamespace: ackNamespace(o)}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, err
	}
	if o.Webhook {
		if err := webhook.Setup(mgr, r.Tenancy); err != nil {
			return nil, fmt.Errorf("setting up the webhook: %w", err)
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	ready := healthz.Ping
	if o.Webhook {
		ready = mgr.GetWebhookServer().StartedChecker()
	}
	if err := mgr.AddReadyzCheck("readyz", ready); err != nil {
		return nil, err
	}
	return mgr, nil
}

// cacheOptions caches only what the operator reads: the stacks it selects
// (WatchLabelSelector) and the ACK objects it manages (other ACK resources in
// the cluster cost no memory here), the children compacted (compactChild:
// digests of the long strings the operator only compares, at most two
// managedFields entries without field sets, what children repeat held once),
// and stacks without managedFields and kubectl's last-applied-configuration.
func cacheOptions(o Options) (cache.Options, error) {
	ours := labels.SelectorFromSet(labels.Set{render.LabelManagedBy: render.FieldManager})
	byObject := map[client.Object]cache.ByObject{}
	for _, k := range ack.Kinds {
		byObject[k.New()] = cache.ByObject{Label: ours, Transform: compactChild}
	}
	// One entry for the stacks: the map's keys are pointers, so a second
	// &EventDrivenStack{} would be a second entry for the same kind, and which
	// one the cache took would depend on map order.
	stacks := cache.ByObject{Transform: stripStack}
	if o.WatchLabelSelector != "" {
		sel, err := labels.Parse(o.WatchLabelSelector)
		if err != nil {
			return cache.Options{}, fmt.Errorf("--watch-label-selector: %w", err)
		}
		stacks.Label = sel
	}
	byObject[&v1alpha1.EventDrivenStack{}] = stacks
	return cache.Options{DefaultTransform: trimManagedFields, ByObject: byObject}, nil
}

func ackNamespace(o Options) string {
	if o.ACKSystemNamespace != "" {
		return o.ACKSystemNamespace
	}
	return tenancy.DefaultACKSystemNamespace
}

// trimManagedFields keeps of each managedFields entry who wrote, how and
// when, without the field sets (most of the entry's size): the times tell
// whether ACK has reported on the operator's last change of a child
// (status.Reported).
func trimManagedFields(in any) (any, error) {
	if obj, ok := in.(metav1.Object); ok {
		fields := obj.GetManagedFields()
		for i := range fields {
			fields[i].FieldsV1 = nil
		}
	}
	return in, nil
}

// lastApplied is kubectl's copy of what it applied (client-side apply, and
// Argo CD's default sync): as large as the stack's spec, and never read here.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// stripStack is the cache's transform of stacks: no managedFields and no
// last-applied-configuration, which together are most of a stack applied
// with kubectl, and the strings stacks repeat held once (internStackStatus). The controller writes stacks with patches only, so
// what is stripped here is never written back.
func stripStack(in any) (any, error) {
	if s, ok := in.(*v1alpha1.EventDrivenStack); ok {
		s.SetManagedFields(nil)
		delete(s.Annotations, lastApplied)
		compactDefinitions(s)
		internStackStatus(s)
	}
	return in, nil
}

// compactDefinitions holds a stack's workflow definitions without the space
// between their JSON tokens (json.Compact: the same document, keys in their
// order, strings untouched), as render writes them anyway: a quarter of the
// seed's definition is indentation. One that is not JSON stays as written,
// for its error to point where the user wrote it.
func compactDefinitions(s *v1alpha1.EventDrivenStack) {
	for i := range s.Spec.Workflows {
		w := &s.Spec.Workflows[i]
		var b bytes.Buffer
		if json.Compact(&b, []byte(w.Definition)) == nil && b.Len() < len(w.Definition) {
			w.Definition = b.String()
		}
	}
}
