package v1alpha1_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// The example of README.md's API section is a stack the webhook accepts:
// read strictly (no field the API lacks), every reference resolving.
func TestREADMEExampleIsValid(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	_, section, ok := strings.Cut(doc, "\n## The API\n")
	if !ok {
		t.Fatal("README.md has no \"## The API\" section")
	}
	_, example, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatal("the API section has no YAML example")
	}
	example, _, _ = strings.Cut(example, "```")
	// As kubectl sends it: YAML to JSON without the Go types (a bare N is
	// false, not "N"), then read strictly.
	js, err := yaml.YAMLToJSON([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	var stack v1alpha1.EventDrivenStack
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&stack); err != nil {
		t.Fatalf("the example does not read as an EventDrivenStack: %v", err)
	}
	if errs := validation.Validate(&stack); len(errs) > 0 {
		t.Errorf("the example is refused:\n%v", errs.ToAggregate())
	}
}
