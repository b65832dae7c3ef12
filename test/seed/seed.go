// Package seed loads the seed stack (config/samples), every name and setting
// of ../shared/seed/event-driven-stack.md, for tests and benchmarks.
package seed

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// Stack reads the seed stack, refusing any field the API types do not know,
// and places it in a namespace.
func Stack(t testing.TB, namespace string) *v1alpha1.EventDrivenStack {
	t.Helper()
	data, err := os.ReadFile(localcluster.SeedPath())
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
