package install

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// healthKey is the argocd-cm key Argo CD reads the EventDrivenStack health check from.
const healthKey = "resource.customizations.health.stacks.eventstack.io_EventDrivenStack"

func argoCDFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "config", "argocd", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stockArgoCDConfigMap is argocd-cm as an Argo CD install ships it, with a
// setting of the user's.
func stockArgoCDConfigMap(namespace string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-cm", Namespace: namespace, Labels: map[string]string{
			"app.kubernetes.io/name": "argocd-cm", "app.kubernetes.io/part-of": "argocd",
		}},
		Data: map[string]string{"url": "https://argocd.example.com"},
	}
}

// checkPatched checks that argocd-cm got the health check and kept the rest.
func checkPatched(t *testing.T, how string, cm *corev1.ConfigMap) {
	t.Helper()
	if got, want := cm.Data[healthKey], string(argoCDFile(t, "health.lua")); got != want {
		t.Errorf("%s: %s is\n%s\nwant health.lua", how, healthKey, got)
	}
	if cm.Data["url"] != "https://argocd.example.com" || cm.Labels["app.kubernetes.io/part-of"] != "argocd" {
		t.Errorf("%s: the existing settings or labels were lost: %v %v", how, cm.Data, cm.Labels)
	}
}

// README.md's kubectl way: `kubectl -n argocd patch configmap argocd-cm
// --type merge --patch-file config/argocd/argocd-cm.yaml` (kubectl turns the
// YAML into JSON and sends a merge patch), here against a real API server.
func TestArgoCDConfigMapKubectlPatch(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "argocd-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	cm := stockArgoCDConfigMap(ns.Name)
	if err := k8s.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	patch, err := yaml.YAMLToJSON(argoCDFile(t, "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k8s.Patch(ctx, cm, client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatalf("kubectl patch --type merge: %v", err)
	}
	got := &corev1.ConfigMap{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(cm), got); err != nil {
		t.Fatal(err)
	}
	checkPatched(t, "kubectl patch", got)
}

// README.md's kustomize way: the Component in config/argocd, added to a
// kustomization that installs Argo CD into a namespace of its own choosing.
func TestArgoCDConfigMapKustomizeComponent(t *testing.T) {
	dir := t.TempDir()
	stock, err := yaml.Marshal(stockArgoCDConfigMap(""))
	if err != nil {
		t.Fatal(err)
	}
	component, err := filepath.Rel(dir, filepath.Join(localcluster.RepoRoot(), "config", "argocd"))
	if err != nil {
		t.Fatal(err)
	}
	kustomization := "namespace: gitops\nresources:\n- argocd-cm.yaml\ncomponents:\n- " + filepath.ToSlash(component) + "\n"
	for name, data := range map[string][]byte{"argocd-cm.yaml": stock, "kustomization.yaml": []byte(kustomization)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	objs := buildKustomization(t, dir)
	if len(objs) != 1 {
		t.Fatalf("%d objects, want argocd-cm only", len(objs))
	}
	cm := &corev1.ConfigMap{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(objs[0].Object, cm, true); err != nil {
		t.Fatal(err)
	}
	if cm.Namespace != "gitops" {
		t.Errorf("namespace %q, want the kustomization's", cm.Namespace)
	}
	checkPatched(t, "kustomize component", cm)
}
