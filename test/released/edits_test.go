package released

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/test/fakes3"
	"github.com/eventstack-io/eventstack-operator/test/harness"
)

// editBound is how long an edit may take to come back to Ready: the local
// AWS's slowest delay for the edit, and the bound the issue sets after it.
var editBound = delays.FunctionUpdate + delays.TableUpdate + settle

// lambdaFunction is what the local Lambda holds of a function of the stack.
func lambdaFunction(t *testing.T, stack *v1alpha1.EventDrivenStack, fn string) localaws.Function {
	t.Helper()
	f, ok := fake.Function(stack.Spec.NamePrefix + fn)
	if !ok {
		t.Fatalf("Lambda has no function %s%s", stack.Spec.NamePrefix, fn)
	}
	return f
}

// A memory edit: lambda-controller calls UpdateFunctionConfiguration, reads
// the function back InProgress and does not look again before its resync;
// the stack is Ready once Lambda has applied it.
func TestMemoryEdit(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "mem-")
	create(t, stack)
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.Functions[0].MemoryMB = ptr.To[int32](512) })
	waitReady(t, stack, editBound)
	if f := lambdaFunction(t, stack, "event-order-processor"); f.MemorySize != 512 || f.LastUpdateStatus != "Successful" {
		t.Errorf("Lambda has memory %d, last update %s; want 512, Successful", f.MemorySize, f.LastUpdateStatus)
	}
}

// New code and a new configuration in one edit: ACK applies one per
// reconcile and never comes back for the other; the operator applies them
// one after the other, and the stack is Ready once Lambda runs both.
func TestCodeAndConfigurationInOneEdit(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "both-")
	create(t, stack)
	zip := zipOf(t, "handler of both-event-order-processor v2")
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) {
		c := &s.Spec.Functions[0].Code
		c.S3Key = "both-lambdas/event-order-processor-v2.zip"
		code.put(c.S3Bucket, c.S3Key, zip)
		c.SHA256 = zipSHA(zip)
		s.Spec.Functions[0].TimeoutSeconds = ptr.To[int32](20)
		s.Spec.Functions[0].Environment = map[string]string{"LOG_LEVEL": "debug"}
	})
	waitReady(t, stack, 2*editBound)
	f := lambdaFunction(t, stack, "event-order-processor")
	if f.CodeSha256 != zipSHA(zip) || f.Timeout != 20 || f.Environment["LOG_LEVEL"] != "debug" {
		t.Errorf("Lambda runs code %s with timeout %d and LOG_LEVEL %q; want %s, 20, debug", f.CodeSha256, f.Timeout, f.Environment["LOG_LEVEL"], zipSHA(zip))
	}
}

// A failed update is Stalled with Lambda's reason, without waiting for ACK's
// resync (ACK reports the function synced whatever its last update did).
func TestFailedUpdateStalls(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "fail-")
	create(t, stack)
	fake.FailNextFunctionUpdate("fail-event-inventory-processor", "EniLimitExceeded", "The ENI limit was reached")
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.Functions[1].MemoryMB = ptr.To[int32](1024) })
	harness.Eventually(t, editBound, "stack Stalled with Lambda's reason", func() error {
		got := get(t, stack)
		c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled)
		if c == nil || c.Status != "True" || !strings.Contains(c.Message, "The ENI limit was reached") {
			return errorf("Stalled %v; %s", c, notReady(got))
		}
		return nil
	})
	// A fix (another edit) brings it back.
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.Functions[1].MemoryMB = ptr.To[int32](512) })
	waitReady(t, stack, editBound)
}

// A workflow's timeout edit and a stack tag edit: sfn-controller updates the
// state machine (or its tags) and writes no status after either; the stack is
// Ready once Step Functions holds the change.
func TestWorkflowAndTagEdits(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "sfn-")
	create(t, stack)
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.Workflows[0].TimeoutSeconds = ptr.To[int32](600) })
	waitReady(t, stack, editBound)
	sm, ok := fake.StateMachine("sfn-event-driven-workflow")
	if !ok || !strings.Contains(sm.Definition, `"TimeoutSeconds":600`) && !strings.Contains(sm.Definition, `"TimeoutSeconds": 600`) {
		t.Errorf("Step Functions has definition %s; want TimeoutSeconds 600", sm.Definition)
	}

	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.Tags = map[string]string{"team": "orders"} })
	waitReady(t, stack, editBound)
	if sm, _ := fake.StateMachine("sfn-event-driven-workflow"); sm.Tags["team"] != "orders" {
		t.Errorf("state machine tags %v; want team=orders", sm.Tags)
	}
	if f := lambdaFunction(t, stack, "event-order-processor"); f.Tags["team"] != "orders" {
		t.Errorf("function tags %v; want team=orders", f.Tags)
	}
}

// A new s3Key without a new sha256 would deploy nothing (ACK compares
// sha256 only): the edit is refused at admission, naming the field.
func TestS3KeyOnlyEditIsRefused(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "key-")
	create(t, stack)
	err := edit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.Functions[0].Code.S3Key = "key-lambdas/other.zip" })
	if err == nil || !strings.Contains(err.Error(), "spec.functions[0].code.sha256") {
		t.Fatalf("edit answered %v; want it refused naming spec.functions[0].code.sha256", err)
	}
	if err := readyAtGeneration(get(t, stack)); err != nil {
		t.Error(err)
	}
}

// A deletionPolicy or adoption flip changes only annotations (and an
// adopted topic's explicit policy), which ACK never reconciles: the stack
// stays Ready (and the events role is not withheld).
func TestDeletionPolicyFlip(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "flip-")
	create(t, stack)
	for _, p := range []v1alpha1.DeletionPolicy{v1alpha1.DeletionPolicyRetain, v1alpha1.DeletionPolicyDelete} {
		mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.DeletionPolicy = p })
		start := time.Now()
		waitReady(t, stack, settle)
		t.Logf("deletionPolicy %s: Ready again in %s", p, time.Since(start).Round(100*time.Millisecond))
	}
	// Adoption on and off: ACK's adoption annotations alone.
	for _, a := range []*v1alpha1.Adoption{{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: fake.AccountID}, nil} {
		mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) { s.Spec.Adoption = a })
		start := time.Now()
		waitReady(t, stack, settle)
		t.Logf("adoption %v: Ready again in %s", a != nil, time.Since(start).Round(100*time.Millisecond))
	}
}

// A code edit made as the README says: kubectl eds publish builds the
// handlers, uploads their zips and writes each new s3Key and sha256 into the
// stack file; the file applied, lambda-controller deploys them, and the stack
// is Ready once Lambda runs them.
func TestCodeEditWithPublish(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the three handlers")
	}
	stack := seedStack(t, "pub-")
	create(t, stack)
	srv := fakes3.Start(t, "eventstack-artifacts")
	code.addSource(srv.Object)

	file := filepath.Join(t.TempDir(), "stack.yaml")
	cur := get(t, stack)
	doc, err := yaml.Marshal(map[string]any{"apiVersion": v1alpha1.GroupVersion.String(), "kind": "EventDrivenStack",
		"metadata": map[string]any{"name": cur.Name, "namespace": cur.Namespace}, "spec": cur.Spec})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := cli.Main(context.Background(), []string{"publish", "-f", file, "--aws-endpoint-url", srv.URL,
		"--lambdas-dir", filepath.Join(localcluster.RepoRoot(), "lambdas", "cmd")},
		cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 0 {
		t.Fatalf("kubectl eds publish: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	published := &v1alpha1.EventDrivenStack{}
	raw, _ := os.ReadFile(file)
	if err := yaml.UnmarshalStrict(raw, published); err != nil {
		t.Fatal(err)
	}
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) {
		for i := range s.Spec.Functions {
			s.Spec.Functions[i].Code = published.Spec.Functions[i].Code
		}
	})
	waitReady(t, stack, editBound)
	for _, f := range published.Spec.Functions {
		if got := lambdaFunction(t, stack, f.Name); got.CodeSha256 != f.Code.SHA256 || f.Code.SHA256 == "" {
			t.Errorf("%s: Lambda runs %s, the published stack says %s", f.Name, got.CodeSha256, f.Code.SHA256)
		}
	}
}
