package publish

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// TestPatchAppliesInAKustomizeOverlay: kustomize applies the printed patch,
// as its header comment says to refer to it, to the seed as a base: each
// function gets its new code (an old s3ObjectVersion goes), nothing else
// changes; and when another function is at a patched index, kustomize fails on
// the name test instead of patching the wrong function.
func TestPatchAppliesInAKustomizeOverlay(t *testing.T) {
	stack, raw := seed(t)
	results, err := Prepare(context.Background(), stack, Options{Prefix: DefaultPrefix, Sources: scriptZips(t, seedFunctions...)})
	if err != nil {
		t.Fatal(err)
	}
	patch, err := Patch(stack, results)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", patch)
	const overlay = `resources: [../base]
patches:
  - path: lambda-code.yaml
    target: {group: stacks.eventstack.io, version: v1alpha1, kind: EventDrivenStack, name: event-driven-stack}
`
	if !strings.Contains(string(patch), "target: {group: stacks.eventstack.io, version: v1alpha1, kind: EventDrivenStack, name: event-driven-stack}") {
		t.Errorf("the header does not give the overlay's target")
	}
	build := func(base []byte) (*v1alpha1.EventDrivenStack, error) {
		fs := filesys.MakeFsInMemory()
		for path, data := range map[string][]byte{
			"/base/kustomization.yaml":    []byte("resources: [stack.yaml]\n"),
			"/base/stack.yaml":            base,
			"/overlay/kustomization.yaml": []byte(overlay),
			"/overlay/lambda-code.yaml":   patch,
		} {
			if err := fs.WriteFile(path, data); err != nil {
				t.Fatal(err)
			}
		}
		res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/overlay")
		if err != nil {
			return nil, err
		}
		out, err := res.AsYaml()
		if err != nil {
			t.Fatal(err)
		}
		got := &v1alpha1.EventDrivenStack{}
		return got, yaml.UnmarshalStrict(out, got)
	}

	withVersion := strings.Replace(string(raw), "s3Key: lambdas/event-order-processor.zip}", "s3Key: lambdas/event-order-processor.zip, s3ObjectVersion: v1}", 1)
	got, err := build([]byte(withVersion))
	if err != nil {
		t.Fatal(err)
	}
	original := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict(raw, original); err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		original.Spec.Functions[r.Index].Code = r.Code
	}
	gotJSON, _ := yaml.Marshal(got.Spec)
	originalJSON, _ := yaml.Marshal(original.Spec)
	if string(gotJSON) != string(originalJSON) {
		t.Errorf("the overlay's stack is not the base with the new code (and no s3ObjectVersion):\n%s\nwant\n%s", gotJSON, originalJSON)
	}

	renamed := strings.Replace(string(raw), "- name: event-order-processor", "- name: event-order-processor-renamed", 1)
	if _, err := build([]byte(renamed)); err == nil || !strings.Contains(err.Error(), "test") {
		t.Errorf("a base with another function first: err = %v, want the test operation to fail", err)
	}
}
