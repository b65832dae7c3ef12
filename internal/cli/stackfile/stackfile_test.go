package stackfile_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	samples "github.com/eventstack-io/eventstack-operator/test/seed"
)

func seedText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(localcluster.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The embedded CRD is the generated one: defaults and rules are judged as the
// installed CRD judges them.
func TestEmbeddedCRDIsTheGeneratedOne(t *testing.T) {
	generated, err := os.ReadFile(filepath.Join(localcluster.OwnCRDDir(), "stacks.eventstack.io_eventdrivenstacks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(generated, stackfile.CRD) {
		t.Fatal("internal/cli/stackfile/eventdrivenstacks.crd.yaml differs from config/crd/bases: run go generate ./internal/cli/stackfile")
	}
}

// The building blocks sample is a stack the API server and the webhook
// accept: its schema, CEL rules and validation.Validate pass, as kubectl eds
// render judges it.
func TestBuildingBlocksSampleIsAccepted(t *testing.T) {
	f, err := os.Open(samples.BuildingBlocksPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := stackfile.Read(f, filepath.Base(samples.BuildingBlocksPath()), ""); err != nil {
		t.Fatal(err)
	}
}

// The CRD's defaults are filled in, as the API server fills them in: the
// operator renders the stored, defaulted stack.
func TestReadFillsInTheCRDDefaults(t *testing.T) {
	stack, err := stackfile.Read(strings.NewReader(seedText(t)), "seed.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	s := stack.Spec
	dlq := s.Queues[1] // order-dlq: only its retention is given
	if dlq.Name != "order-dlq" || ptr.Deref(dlq.VisibilityTimeoutSeconds, -1) != 30 || ptr.Deref(dlq.MessageRetentionSeconds, -1) != 1209600 {
		t.Errorf("order-dlq: %+v", dlq)
	}
	if q := s.Queues[0]; ptr.Deref(q.MessageRetentionSeconds, -1) != 345600 {
		t.Errorf("order-queue retention not defaulted: %+v", q)
	}
	if f := s.Functions[0]; f.Tracing != "PassThrough" || ptr.Deref(f.MemoryMB, -1) != 256 {
		t.Errorf("function defaults: tracing %q memory %v", f.Tracing, f.MemoryMB)
	}
	if r := s.Rules[0]; r.State != "ENABLED" {
		t.Errorf("rule state %q", r.State)
	}
	if s.Adoption != nil {
		t.Errorf("adoption appeared: %+v", s.Adoption)
	}
	if stack.Namespace != stackfile.DefaultNamespace {
		t.Errorf("namespace %q", stack.Namespace)
	}
}

func TestNamespace(t *testing.T) {
	seed := seedText(t)
	withNS := strings.Replace(seed, "name: event-driven-stack\n", "name: event-driven-stack\n  namespace: shop\n", 1)
	for _, tc := range []struct{ text, flag, want string }{
		{seed, "", "default"},
		{withNS, "", "shop"},
		{withNS, "other", "other"},
		{seed, "other", "other"},
	} {
		stack, err := stackfile.Read(strings.NewReader(tc.text), "s.yaml", tc.flag)
		if err != nil {
			t.Fatal(err)
		}
		if stack.Namespace != tc.want {
			t.Errorf("flag %q: namespace %q, want %q", tc.flag, stack.Namespace, tc.want)
		}
	}
}

// A bad stack is refused with every problem named by its field, whichever
// check finds it: strict decoding, the schema, the list keys, the CEL rules or
// the webhook's Go checks.
func TestReadRefusesBadStacksNamingTheField(t *testing.T) {
	seed := seedText(t)
	edit := func(old, replacement string) string {
		if !strings.Contains(seed, old) {
			t.Fatalf("the seed no longer holds %q", old)
		}
		return strings.Replace(seed, old, replacement, 1)
	}
	cases := map[string]struct {
		text string
		want []string
	}{
		"unknown field": {edit("visibilityTimeoutSeconds: 30", "visibilityTimeout: 30"),
			[]string{`unknown field "spec.queues[0].visibilityTimeout"`}},
		"duplicate field": {edit("region: us-east-1", "region: us-east-1\n  region: eu-west-1"),
			[]string{`"region" already set`}},
		"out of range": {edit("memoryMB: 256", "memoryMB: 100"),
			[]string{"spec.functions[0].memoryMB", "greater than or equal to 128"}},
		"bad enum": {edit("billingMode: PAY_PER_REQUEST", "billingMode: ON_DEMAND"),
			[]string{"spec.tables[0].billingMode", "ON_DEMAND"}},
		"duplicate list key": {edit("name: order-dlq\n", "name: order-queue\n"),
			[]string{"spec.queues[1]", "Duplicate value"}},
		"CEL rule": {edit("- function: event-order-processor", "- function: no-such-function"),
			[]string{"spec.rules", "must name a function, workflow, queue or topic of this stack"}},
		"webhook check": {edit("${table:event-driven-orders}", "${table:no-such-table}"),
			[]string{"spec.workflows[0].definition", `no table named "no-such-table"`}},
		"malformed pattern": {edit("source: [orders]", "source: orders"),
			[]string{"spec.rules[0].eventPattern"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := stackfile.Read(strings.NewReader(tc.text), "bad.yaml", "")
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "bad.yaml: ") {
				t.Errorf("error does not name the file: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
	// Several problems are all reported, each on a line.
	text := strings.ReplaceAll(seed, "memoryMB: 256", "memoryMB: 100")
	_, err := stackfile.Read(strings.NewReader(text), "bad.yaml", "")
	var invalid *stackfile.Error
	if !errors.As(err, &invalid) || len(invalid.Problems) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
}

func TestReadRefusesWhatIsNotOneStack(t *testing.T) {
	seed := seedText(t)
	cases := map[string]struct{ text, want string }{
		"empty":           {"# nothing\n", "no EventDrivenStack"},
		"two documents":   {seed + "\n---\n" + seed, "2 documents"},
		"another kind":    {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", `kind "ConfigMap"`},
		"another version": {strings.Replace(seed, "stacks.eventstack.io/v1alpha1", "stacks.eventstack.io/v2", 1), `"stacks.eventstack.io/v2"`},
		"not YAML":        {"spec: [\n", "bad.yaml"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := stackfile.Read(strings.NewReader(tc.text), "bad.yaml", "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error with %q, got %v", tc.want, err)
			}
		})
	}
	// Comments and separators around the one document are fine.
	if _, err := stackfile.Read(strings.NewReader("---\n# the stack\n"+seed+"\n---\n"), "ok.yaml", ""); err != nil {
		t.Fatal(err)
	}
	// JSON reads as YAML does.
	js, err := yaml.YAMLToJSON([]byte(seed))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := stackfile.Read(bytes.NewReader(js), "seed.json", "")
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := stackfile.Read(strings.NewReader(seed), "seed.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(fromJSON, fromYAML) {
		t.Error("the seed as JSON reads differently from the seed as YAML")
	}
}
