package render

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// aslValidator runs the asl-validator npm package (pinned by package-lock.json)
// on a definition and returns its output and whether it accepted it. It skips
// the test where node_modules is missing, unless in CI, where that fails.
func aslValidator(t *testing.T, definition string) (string, bool) {
	t.Helper()
	cli := filepath.Join(localcluster.RepoRoot(), "node_modules", "asl-validator", "dist", "bin", "asl-validator.js")
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("asl-validator is not installed (run npm ci): %v", err)
		}
		t.Skip("asl-validator is not installed: run npm ci")
	}
	path := filepath.Join(t.TempDir(), "definition.json")
	if err := os.WriteFile(path, []byte(definition), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", cli, "--json-path", path).CombinedOutput()
	return string(out), err == nil
}

// The seed's workflow validates with asl-validator, as the operator hands it
// to ACK (references replaced by ARNs and names), and every ${...} reference
// of it names a component of the stack.
func TestSeedWorkflowIsValidASL(t *testing.T) {
	stack := loadSeed(t)
	res := mustRender(t, stack, seedObserved())
	sm := object[*ack.StateMachine](t, res, "StateMachine", child("event-driven-workflow"))
	if out, ok := aslValidator(t, *sm.Spec.Definition); !ok {
		t.Fatalf("asl-validator refused the seed's workflow:\n%s", out)
	}

	components := map[string]bool{}
	for _, c := range refs.Components(&stack.Spec) {
		components[string(c.Kind)+"/"+c.Name] = true
	}
	found, err := refs.Find(stack.Spec.Workflows[0].Definition)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 6 {
		t.Errorf("%d references in the seed's definition, want 6: %v", len(found), found)
	}
	for _, r := range found {
		if !components[string(r.Kind)+"/"+r.Name] {
			t.Errorf("%s names no component of the stack", r)
		}
	}
}

// The validator can fail: a definition whose Next names no state is refused.
func TestASLValidatorRefusesABrokenWorkflow(t *testing.T) {
	w := v1alpha1.Workflow{Name: "broken", Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`}
	// Our own parse checks the JSON shape only, so it accepts this;
	// asl-validator checks the state graph.
	if _, err := ParseDefinition(w); err != nil {
		t.Fatal(err)
	}
	out, ok := aslValidator(t, w.Definition)
	if ok || !strings.Contains(out, "Nowhere") {
		t.Fatalf("asl-validator accepted a Next to no state:\n%s", out)
	}
}
