package install

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// fieldOwner is the field manager of the test's server-side applies.
const fieldOwner = client.FieldOwner("eventstack-install-test")

// installNamespace is where config/default puts every namespaced object.
const installNamespace = "eventstack-system"

// buildKustomization renders a kustomization folder as `kustomize build`
// (make build-installer) does, with the kustomize API the CLI is built on, in
// the CLI's default order: Namespaces first, webhook configurations last.
func buildKustomization(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	resources, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var out []*unstructured.Unstructured
	for _, r := range resources.Resources() {
		// Through JSON, so that numbers are int64 as the API machinery expects.
		b, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// installManifests is config/default rendered: what `make deploy` applies.
func installManifests(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	return buildKustomization(t, filepath.Join(localcluster.RepoRoot(), "config", "default"))
}

// only returns the one object of a kind (and name, when given) and decodes it
// into out, refusing any field out's type does not know.
func only(t *testing.T, objs []*unstructured.Unstructured, kind, name string, out any) {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, u := range objs {
		if u.GetKind() == kind && (name == "" || u.GetName() == name) {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s named %q in config/default, want 1", len(found), kind, name)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(found[0].Object, out, true); err != nil {
		t.Fatalf("%s %s: %v", kind, found[0].GetName(), err)
	}
}

// apply applies an object server-side, as `kubectl apply --server-side`
// (make deploy) does, with the given options (a dry run, or none).
func apply(ctx context.Context, u *unstructured.Unstructured, opts ...client.ApplyOption) error {
	return k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), append(opts, fieldOwner)...)
}

// ensureNamespace creates the install namespace (and its service account,
// which a Pod needs to be admitted) for real: a dry run creates nothing, and
// every namespaced object needs its namespace to exist.
func ensureNamespace(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, kind := range []string{"Namespace", "ServiceAccount"} {
		for _, u := range objs {
			if u.GetKind() != kind {
				continue
			}
			if err := apply(context.Background(), u); err != nil {
				t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
			}
		}
	}
}

// Every object of config/default is accepted by a real API server, with a
// server-side dry run of a server-side apply (schema, strict field checks,
// admission), and without a warning. cert-manager's Issuer and Certificate are
// left out: cert-manager's CRDs are not installed here, so the API server
// has no schema to check them against (TestCertManagerWiring checks them).
func TestDefaultManifestsAreAccepted(t *testing.T) {
	ctx := context.Background()
	objs := installManifests(t)

	var ns *unstructured.Unstructured
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			ns = u
		}
	}
	if ns == nil || ns.GetName() != installNamespace {
		t.Fatalf("config/default has no Namespace %s", installNamespace)
	}
	before := warnings.count()
	if err := apply(ctx, ns, client.DryRunAll); err != nil {
		t.Fatalf("Namespace %s: %v", ns.GetName(), err)
	}
	ensureNamespace(t, objs)

	var kinds, skipped []string
	for _, u := range objs {
		id := u.GetKind() + " " + u.GetName()
		if u.GroupVersionKind().Group == "cert-manager.io" {
			skipped = append(skipped, u.GetKind())
			continue
		}
		kinds = append(kinds, u.GetKind())
		if u.GetKind() != "Namespace" && u.GetKind() != "CustomResourceDefinition" && u.GetNamespace() != "" && u.GetNamespace() != installNamespace {
			t.Errorf("%s is in namespace %s, not %s", id, u.GetNamespace(), installNamespace)
		}
		if err := apply(ctx, u, client.DryRunAll); err != nil {
			t.Errorf("%s refused: %v", id, err)
		}
	}
	if w := warnings.since(before); len(w) > 0 {
		t.Errorf("the API server warned: %v", w)
	}
	slices.Sort(skipped)
	if !slices.Equal(skipped, []string{"Certificate", "Issuer"}) {
		t.Errorf("left out %v, want only cert-manager's Certificate and Issuer", skipped)
	}
	for _, want := range []string{"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
		"Role", "RoleBinding", "Service", "Deployment", "ValidatingWebhookConfiguration"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("config/default has no %s (kinds: %v)", want, kinds)
		}
	}
	t.Logf("%d objects accepted by a server-side dry run; %v left out (no cert-manager CRDs here)", len(kinds), skipped)
}

// The manager runs locked down: the restricted Pod Security Standard, which
// the install namespace enforces (a Pod of the Deployment's template is
// admitted there, one allowed to escalate privileges is not), resources,
// probes on the port the manager serves them on, leader election and HTTPS
// metrics.
func TestDeploymentIsLockedDown(t *testing.T) {
	ctx := context.Background()
	objs := installManifests(t)
	ensureNamespace(t, objs)
	dep := &appsv1.Deployment{}
	only(t, objs, "Deployment", "eventstack-controller-manager", dep)
	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 || pod.Containers[0].Name != "manager" {
		t.Fatalf("containers %v, want one, manager", pod.Containers)
	}
	c := pod.Containers[0]
	psc, csc := pod.SecurityContext, c.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if csc == nil {
		t.Fatal("the manager container has no securityContext")
	}
	// A container's setting wins over the pod's.
	runAsNonRoot := csc.RunAsNonRoot
	if runAsNonRoot == nil {
		runAsNonRoot = psc.RunAsNonRoot
	}
	seccomp := csc.SeccompProfile
	if seccomp == nil {
		seccomp = psc.SeccompProfile
	}
	if runAsNonRoot == nil || !*runAsNonRoot {
		t.Error("runAsNonRoot is not true")
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccompProfile %v, want RuntimeDefault", seccomp)
	}
	if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if csc.Capabilities == nil || !slices.Equal(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(csc.Capabilities.Add) > 0 {
		t.Errorf("capabilities %+v, want drop [ALL] and nothing added", csc.Capabilities)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s: request %s, limit %s; want both, request <= limit", r, req.String(), lim.String())
		}
	}

	args := c.Args
	for _, want := range []string{"--leader-elect", "--metrics-bind-address=:8443"} {
		if !slices.Contains(args, want) {
			t.Errorf("args %v lack %s", args, want)
		}
	}
	probePort := 8081 // the manager's default --health-probe-bind-address
	for _, a := range args {
		if addr, ok := strings.CutPrefix(a, "--health-probe-bind-address="); ok {
			port := intstr.Parse(strings.TrimPrefix(addr, ":"))
			probePort = port.IntValue()
		}
	}
	for name, p := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port.IntValue() != probePort {
			t.Errorf("probe %s: %+v, want an HTTP GET of %s on port %d", name, p, name, probePort)
		}
	}

	// The restricted Pod Security Standard: admitted in the namespace that
	// enforces it, and the check is live (a worse Pod is refused).
	if got := objsNamespaceLabel(t, objs, "pod-security.kubernetes.io/enforce"); got != "restricted" {
		t.Errorf("namespace %s enforces %q, want restricted", installNamespace, got)
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "manager-", Namespace: installNamespace, Labels: dep.Spec.Template.Labels}, Spec: *pod.DeepCopy()}
	if err := k8s.Create(ctx, p, client.DryRunAll); err != nil {
		t.Errorf("a Pod of the Deployment's template is refused: %v", err)
	}
	worse := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "manager-", Namespace: installNamespace}, Spec: *pod.DeepCopy()}
	worse.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
	if err := k8s.Create(ctx, worse, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "restricted") {
		t.Errorf("a Pod allowed to escalate privileges was not refused by Pod Security: %v", err)
	}
}

func objsNamespaceLabel(t *testing.T, objs []*unstructured.Unstructured, label string) string {
	t.Helper()
	ns := &corev1.Namespace{}
	only(t, objs, "Namespace", installNamespace, ns)
	return ns.Labels[label]
}

// No ClusterRole or Role grants "*" in verbs, resources or API groups.
func TestRBACHasNoWildcards(t *testing.T) {
	objs := installManifests(t)
	roles := 0
	for _, u := range objs {
		if u.GetKind() != "ClusterRole" && u.GetKind() != "Role" {
			continue
		}
		roles++
		var rules []rbacv1.PolicyRule
		if u.GetKind() == "ClusterRole" {
			r := &rbacv1.ClusterRole{}
			only(t, objs, "ClusterRole", u.GetName(), r)
			rules = r.Rules
		} else {
			r := &rbacv1.Role{}
			only(t, objs, "Role", u.GetName(), r)
			rules = r.Rules
		}
		if len(rules) == 0 {
			t.Errorf("%s %s has no rules", u.GetKind(), u.GetName())
		}
		for i, rule := range rules {
			for field, values := range map[string][]string{"verbs": rule.Verbs, "resources": rule.Resources, "apiGroups": rule.APIGroups} {
				for _, v := range values {
					if strings.Contains(v, "*") {
						t.Errorf("%s %s rule %d: %q in %s", u.GetKind(), u.GetName(), i, v, field)
					}
				}
			}
		}
	}
	if roles < 4 {
		t.Errorf("%d roles in config/default, want the manager's, leader election's and the metrics ones", roles)
	}
}

// The metrics Service serves HTTPS on 8443, to the manager's https port, and
// the Services select the manager's Pods.
func TestServicesReachTheManager(t *testing.T) {
	objs := installManifests(t)
	dep := &appsv1.Deployment{}
	only(t, objs, "Deployment", "eventstack-controller-manager", dep)
	ports := map[int32]string{}
	for _, p := range dep.Spec.Template.Spec.Containers[0].Ports {
		ports[p.ContainerPort] = p.Name
	}

	metrics := &corev1.Service{}
	only(t, objs, "Service", "eventstack-controller-manager-metrics-service", metrics)
	if len(metrics.Spec.Ports) != 1 {
		t.Fatalf("metrics ports %+v, want one", metrics.Spec.Ports)
	}
	mp := metrics.Spec.Ports[0]
	if mp.Name != "https" || mp.Port != 8443 || mp.TargetPort.IntValue() != 8443 || mp.Protocol != corev1.ProtocolTCP || ports[8443] != "https" {
		t.Errorf("metrics port %+v, container ports %v; want https 8443 to the container's https 8443", mp, ports)
	}
	webhook := &corev1.Service{}
	only(t, objs, "Service", "eventstack-webhook-service", webhook)
	if len(webhook.Spec.Ports) != 1 || ports[int32(webhook.Spec.Ports[0].TargetPort.IntValue())] != "webhook-server" {
		t.Errorf("webhook ports %+v, container ports %v", webhook.Spec.Ports, ports)
	}
	for _, svc := range []*corev1.Service{metrics, webhook} {
		for k, v := range svc.Spec.Selector {
			if dep.Spec.Template.Labels[k] != v {
				t.Errorf("Service %s selects %s=%s, which the manager's Pods lack", svc.Name, k, v)
			}
		}
	}
}

// What config/default's replacements wire for cert-manager (whose kinds the
// API server here cannot check): the certificate names the webhook Service's
// final DNS names, the webhook configuration asks for that certificate's CA,
// and the manager mounts the secret the certificate is written to.
func TestCertManagerWiring(t *testing.T) {
	objs := installManifests(t)
	var cert *unstructured.Unstructured
	for _, u := range objs {
		if u.GetKind() == "Certificate" {
			cert = u
		}
	}
	if cert == nil {
		t.Fatal("config/default has no Certificate")
	}
	dnsNames, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
	svc := "eventstack-webhook-service." + installNamespace + ".svc"
	if !slices.Equal(dnsNames, []string{svc, svc + ".cluster.local"}) {
		t.Errorf("certificate dnsNames %v, want %s and %s.cluster.local", dnsNames, svc, svc)
	}
	vwc := &unstructured.Unstructured{}
	for _, u := range objs {
		if u.GetKind() == "ValidatingWebhookConfiguration" {
			vwc = u
		}
	}
	if got, want := vwc.GetAnnotations()["cert-manager.io/inject-ca-from"], installNamespace+"/"+cert.GetName(); got != want {
		t.Errorf("webhook configuration inject-ca-from %q, want %q", got, want)
	}
	secretName, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
	dep := &appsv1.Deployment{}
	only(t, objs, "Deployment", "eventstack-controller-manager", dep)
	mounted := false
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == secretName {
			mounted = true
		}
	}
	if secretName == "" || !mounted {
		t.Errorf("the manager does not mount the certificate's secret %q", secretName)
	}
}
