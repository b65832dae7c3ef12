package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// SeedPath is the seed stack sample: every name and setting of the seed.
func SeedPath() string {
	return filepath.Join(RepoRoot(), "config", "samples", "stacks_v1alpha1_eventdrivenstack.yaml")
}

// Seed reads the seed stack, refusing any field the API types do not know,
// and places it in a namespace.
func Seed(t testing.TB, namespace string) *v1alpha1.EventDrivenStack {
	t.Helper()
	data, err := os.ReadFile(SeedPath())
	if err != nil {
		t.Fatalf("reading the seed sample: %v", err)
	}
	stack := &v1alpha1.EventDrivenStack{}
	if err := yaml.UnmarshalStrict(data, stack); err != nil {
		t.Fatalf("decoding the seed sample strictly: %v", err)
	}
	stack.Namespace = namespace
	return stack
}
