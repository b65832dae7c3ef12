package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli/manifest"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// documents splits YAML documents into objects.
func documents(t *testing.T, text string) []*unstructured.Unstructured {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	var out []*unstructured.Unstructured
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatal(err)
		}
		if string(js) == "null" {
			continue
		}
		// As the API server decodes it: whole numbers as int64.
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
}

// isSubset reports whether every field of want has the same value in have.
func isSubset(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !isSubset(v, h[k]) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !isSubset(w[i], h[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, have)
	}
}

// (a) Every object of the render output is accepted by the API server with
// the real ACK CRDs, through server-side apply with strict field validation
// (a field a CRD lacks fails), and is stored as printed; kubectl applies it,
// server- and client-side, and a second apply changes nothing.
func TestRenderedObjectsApplyCleanly(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	objs := documents(t, mustKubectlEDS(t, "render", "-f", localcluster.SeedPath(), "-n", ns))
	if len(objs) != 38 {
		t.Fatalf("%d objects rendered, want the seed's 38 (19 with its default alarms)", len(objs))
	}
	for _, obj := range objs {
		applied := obj.DeepCopy()
		//nolint:staticcheck // Patch with client.Apply is the one SSA call that takes a field validation option.
		err := k8s.Patch(ctx, applied, client.Apply, client.FieldOwner("kubectl-eds-test"), client.FieldValidation("Strict"))
		if err != nil {
			t.Errorf("%s %s refused: %v", obj.GetKind(), obj.GetName(), err)
			continue
		}
		stored := &unstructured.Unstructured{}
		stored.SetGroupVersionKind(obj.GroupVersionKind())
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), stored); err != nil {
			t.Fatal(err)
		}
		if !isSubset(obj.Object["spec"], stored.Object["spec"]) {
			t.Errorf("%s %s: the API server did not keep the spec as printed:\nprinted %v\n stored %v", obj.GetKind(), obj.GetName(), obj.Object["spec"], stored.Object["spec"])
		}
		if !reflect.DeepEqual(obj.GetLabels(), stored.GetLabels()) || !isSubset(toAny(obj.GetAnnotations()), toAny(stored.GetAnnotations())) {
			t.Errorf("%s %s: labels or annotations not kept", obj.GetKind(), obj.GetName())
		}
	}

	if _, err := os.Stat(kubectl); err != nil {
		t.Skipf("no kubectl beside the test control plane: %v", err)
	}
	for _, mode := range []struct {
		name  string
		args  []string
		again string // what kubectl says of each object the second time
	}{
		{"server-side", []string{"apply", "--server-side", "--field-manager", "kubectl-eds-test"}, "serverside-applied"},
		{"client-side", []string{"apply"}, "unchanged"},
	} {
		t.Run("kubectl apply "+mode.name, func(t *testing.T) {
			ns := newNamespace(t)
			file := filepath.Join(t.TempDir(), "children.yaml")
			if err := os.WriteFile(file, []byte(mustKubectlEDS(t, "render", "-f", localcluster.SeedPath(), "-n", ns)), 0o600); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"--kubeconfig", kubeconfig}, mode.args...)
			args = append(args, "-f", file)
			for round := 1; round <= 2; round++ {
				out, err := exec.Command(kubectl, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("kubectl %s (round %d): %v\n%s", strings.Join(args, " "), round, err, out)
				}
				lines := strings.Split(strings.TrimSpace(string(out)), "\n")
				if len(lines) != 38 {
					t.Errorf("round %d: %d lines:\n%s", round, len(lines), out)
				}
				if round == 2 {
					for _, l := range lines {
						if !strings.HasSuffix(l, " "+mode.again) {
							t.Errorf("second apply changed something: %s", l)
						}
					}
				}
			}
		})
	}
}

func toAny(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// observedFromStatus is what the operator observed of a stack, as its status
// reports it: each child's, the bus's and each rule's ARN by component, and
// each queue's URL from the outputs (queue.<name>.url).
func observedFromStatus(stack *v1alpha1.EventDrivenStack) render.Observed {
	obs := render.Observed{ARNs: map[string]string{}, URLs: map[string]string{}}
	for _, c := range stack.Status.Children {
		if c.ARN != "" && c.Component != "" {
			obs.ARNs[c.Component] = c.ARN
		}
	}
	for k, v := range stack.Status.Outputs {
		if name, ok := strings.CutPrefix(k, "queue."); ok {
			if name, ok := strings.CutSuffix(name, ".url"); ok {
				obs.URLs[render.Key(refs.Queue, name)] = v
			}
		}
	}
	return obs
}

// operatorChildren are the ACK objects in a namespace, by Kind/name.
func operatorChildren(t *testing.T, ns string) map[string]ack.Object {
	t.Helper()
	out := map[string]ack.Object{}
	for _, k := range ack.Kinds {
		list := k.List()
		if err := k8s.List(context.Background(), list, client.InNamespace(ns)); err != nil {
			t.Fatal(err)
		}
		for _, obj := range list.Objects() {
			out[k.GVK.Kind+"/"+obj.GetName()] = obj
		}
	}
	return out
}

// sameChildren checks that rendered objects are what the operator created:
// the same Kind/name set, and for each the same spec, labels, annotations
// and owner references.
func sameChildren(t *testing.T, what string, created map[string]ack.Object, rendered []runtime.Object) {
	t.Helper()
	byName := map[string]map[string]any{}
	for _, obj := range rendered {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		o := &unstructured.Unstructured{Object: u}
		byName[o.GetKind()+"/"+o.GetName()] = u
	}
	var createdNames, renderedNames []string
	for k := range created {
		createdNames = append(createdNames, k)
	}
	for k := range byName {
		renderedNames = append(renderedNames, k)
	}
	sort.Strings(createdNames)
	sort.Strings(renderedNames)
	if !reflect.DeepEqual(createdNames, renderedNames) {
		t.Fatalf("%s: children\n%s\nbut the operator created\n%s", what, strings.Join(renderedNames, "\n"), strings.Join(createdNames, "\n"))
	}
	for name, obj := range created {
		have, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			t.Fatal(err)
		}
		want := byName[name]
		// Compared as JSON: a YAML document's threshold 0 decodes as an
		// integer, the typed child's float64 as a float, both written 0.
		wantJSON, _ := json.Marshal(want["spec"])
		haveJSON, _ := json.Marshal(have["spec"])
		if string(wantJSON) != string(haveJSON) {
			t.Errorf("%s: %s spec differs from the operator's:\nrendered %v\noperator %v", what, name, want["spec"], have["spec"])
		}
		wm, hm := want["metadata"].(map[string]any), have["metadata"].(map[string]any)
		for _, key := range []string{"labels", "annotations", "ownerReferences"} {
			if !reflect.DeepEqual(wm[key], hm[key]) {
				t.Errorf("%s: %s %s differ:\nrendered %v\noperator %v", what, name, key, wm[key], hm[key])
			}
		}
	}
}

// The seed stack, created in the cluster and made Ready by the operator while
// the test plays ACK; then kubectl eds is pointed at it.
func TestSeedStack(t *testing.T) {
	ns := newNamespace(t)
	createStack(t, seed.Stack(t, ns))
	stack := playACKUntilReady(t, ns, "event-driven-stack")
	created := operatorChildren(t, ns)
	if len(created) != 38 {
		t.Fatalf("the operator created %d children, want 38 (19 and the seed's 19 default alarms)", len(created))
	}

	// (b) What render builds, from what ACK and EventBridge reported, is
	// what the operator created; and offline, from predicted ARNs, too.
	t.Run("render is what the operator created", func(t *testing.T) {
		objs, err := manifest.Children(stack, observedFromStatus(stack), manifest.Options{OwnerUID: stack.UID})
		if err != nil {
			t.Fatal(err)
		}
		var rendered []runtime.Object
		for _, o := range objs {
			rendered = append(rendered, o)
		}
		sameChildren(t, "rendered from the reported ARNs", created, rendered)

		// Offline: the test plays ACK in account localack.AccountID, and the
		// fake EventBridge is in that account too.
		out := mustKubectlEDS(t, "render", "-f", localcluster.SeedPath(), "-n", ns,
			"--account-id", localack.AccountID, "--owner-uid", string(stack.UID))
		rendered = nil
		for _, u := range documents(t, out) {
			rendered = append(rendered, u)
		}
		sameChildren(t, "rendered offline", created, rendered)
	})

	// The stack file, read offline, is the stack the API server stored: the
	// same defaults filled in.
	t.Run("offline defaults are the API server's", func(t *testing.T) {
		f, err := os.Open(localcluster.SeedPath())
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		offline, err := stackfile.Read(f, "seed", ns)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, offline.Spec, stack.Spec) {
			t.Errorf("offline spec differs from the stored one:\noffline %s\n stored %s", mustJSON(t, offline.Spec), mustJSON(t, stack.Spec))
		}
	})

	// (c) status names every child with a ready mark and its ARN.
	t.Run("status", func(t *testing.T) {
		out := mustKubectlEDS(t, "status", "event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig)
		t.Logf("kubectl eds status:\n%s", out)
		lines := strings.Split(out, "\n")
		for _, c := range stack.Status.Children {
			found := false
			for _, l := range lines {
				if strings.Contains(l, "✓ "+c.Name+" ") && strings.Contains(l, " "+c.ARN) {
					found = true
				}
			}
			if !found || c.ARN == "" {
				t.Errorf("no ready line with the ARN for %s %s (%s)", c.Kind, c.Name, c.ARN)
			}
		}
		for _, want := range []string{
			"EventDrivenStack " + ns + "/event-driven-stack\n",
			"Ready:       True Succeeded:",
			"Resources:   43/43 ready",
			"├── MetricAlarm (19/19 ready)",
			"├── Role (5/5 ready)",
			"└── Rule (4/4 ready)",
			"EventBusName",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Error("colour when the output is not a terminal")
		}
		// The namespace of the kubeconfig's context, without -n.
		if again := mustKubectlEDS(t, "status", "event-driven-stack", "--kubeconfig", kubeconfigWithNamespace(t, ns)); again != out {
			t.Errorf("with the context's namespace:\n%s\nwith -n:\n%s", again, out)
		}
		code, _, errOut := kubectlEDS(t, "status", "no-such-stack", "-n", ns, "--kubeconfig", kubeconfig)
		if code == 0 || !strings.Contains(errOut, `"no-such-stack" not found in namespace "`+ns+`"`) {
			t.Errorf("a missing stack: exit %d, %s", code, errOut)
		}
	})

	// (d) put-events sends the seed's three events to the stack's bus, then
	// a custom one with --detail @file.
	t.Run("put-events", func(t *testing.T) {
		before := len(fake.Events())
		out := mustKubectlEDS(t, "put-events", "event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL())
		sent := fake.Events()[before:]
		if len(sent) != 3 {
			t.Fatalf("%d events sent, want 3:\n%s", len(sent), out)
		}
		for i, e := range sent {
			want := putevents.SeedEvents[i]
			if e.EventBusName != "custom-event-bus" || e.Source != want.Source || e.DetailType != want.DetailType || e.Detail != want.Detail {
				t.Errorf("event %d: %+v, want %+v on custom-event-bus", i, e, want)
			}
			if !strings.Contains(out, "EventId "+e.EventID+"\n") {
				t.Errorf("event id %s not printed:\n%s", e.EventID, out)
			}
		}
		if !strings.Contains(out, "3 of 3 events accepted by bus custom-event-bus (us-east-1)") {
			t.Errorf("summary:\n%s", out)
		}

		detail := filepath.Join(t.TempDir(), "order.json")
		text := "{\n  \"order_id\": \"ORD-002\",\n  \"total\": 12.5\n}"
		if err := os.WriteFile(detail, []byte(text+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		before = len(fake.Events())
		mustKubectlEDS(t, "put-events", "event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL(),
			"--source", "orders", "--detail-type", "Order Completed", "--detail", "@"+detail)
		sent = fake.Events()[before:]
		if len(sent) != 1 || sent[0].EventBusName != "custom-event-bus" || sent[0].Source != "orders" ||
			sent[0].DetailType != "Order Completed" || sent[0].Detail != text {
			t.Errorf("custom event: %+v", sent)
		}

		code, _, errOut := kubectlEDS(t, "put-events", "event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig,
			"--aws-endpoint-url", fake.URL(), "--source", "orders")
		if code == 0 || !strings.Contains(errOut, "--detail-type, --detail missing") {
			t.Errorf("an incomplete custom event: exit %d, %s", code, errOut)
		}
	})
}

// put-events exits non-zero, and says why, when EventBridge refuses events:
// here the status names a bus that does not exist.
func TestPutEventsFailsWhenEventsAreRefused(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seed.Stack(t, ns)
	stack.Labels = map[string]string{directShardLabel: "direct"} // the operator leaves it alone
	createStack(t, stack)
	stack.Status.Outputs = map[string]string{"eventBus.custom-event-bus.name": "no-such-bus"}
	if err := k8s.Status().Update(ctx, stack); err != nil {
		t.Fatal(err)
	}
	before := len(fake.Events())
	code, out, errOut := kubectlEDS(t, "put-events", "event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL())
	if code == 0 {
		t.Fatalf("exit 0:\n%s", out)
	}
	if n := strings.Count(out, "refused: ResourceNotFoundException"); n != 3 {
		t.Errorf("%d refusals printed:\n%s", n, out)
	}
	if !strings.Contains(errOut, "3 of 3 events refused") {
		t.Errorf("error output: %s", errOut)
	}
	if len(fake.Events()) != before {
		t.Error("refused events were recorded")
	}
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	var x, y any
	if err := yaml.Unmarshal([]byte(mustJSON(t, a)), &x); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(mustJSON(t, b)), &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(b)
	return buf.String()
}
