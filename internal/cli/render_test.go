package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/test/seed"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// run runs kubectl-eds and returns its exit code, output and error output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runWithInput(t, "", args...)
}

func runWithInput(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// mustRun runs kubectl-eds and fails the test unless it succeeds.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("kubectl eds %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// seedChildren are the seed's ACK children (test/seed).
var seedChildren = seed.ChildNames

// decodeDocuments decodes YAML documents into typed ACK objects, strictly:
// a field the structs lack fails.
func decodeDocuments(t *testing.T, text string) []ack.Object {
	t.Helper()
	if !strings.HasPrefix(text, "---\n") {
		t.Errorf("output does not start with a document separator: %.40q", text)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	var out []ack.Object
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(doc), []byte("---")))) == 0 {
			continue
		}
		out = append(out, decodeObject(t, doc))
	}
}

func decodeObject(t *testing.T, doc []byte) ack.Object {
	t.Helper()
	var head struct{ APIVersion, Kind string }
	if err := yaml.Unmarshal(doc, &head); err != nil {
		t.Fatal(err)
	}
	var obj ack.Object
	for _, k := range ack.Kinds {
		if k.GVK.GroupVersion().String() == head.APIVersion && k.GVK.Kind == head.Kind {
			obj = k.New()
		}
	}
	if obj == nil {
		t.Fatalf("a document of an unknown kind: %s %s", head.APIVersion, head.Kind)
	}
	var generic map[string]any
	if err := yaml.Unmarshal(doc, &generic); err != nil {
		t.Fatal(err)
	}
	if _, has := generic["status"]; has {
		t.Errorf("%s: printed with a status", head.Kind)
	}
	if meta, _ := generic["metadata"].(map[string]any); meta == nil || meta["creationTimestamp"] != nil || meta["name"] == nil {
		t.Errorf("%s: metadata %v", head.Kind, meta)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		t.Fatalf("%s: %v", head.Kind, err)
	}
	return obj
}

func kindName(obj ack.Object) string {
	return obj.GetObjectKind().GroupVersionKind().Kind + "/" + obj.GetName()
}

func sortedKindNames(objs []ack.Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, kindName(o))
	}
	sort.Strings(out)
	return out
}

// rendered is what render.Render builds for the seed with the predicted
// Observed: the children the controller would apply once ACK reported.
func rendered(t *testing.T, namespace, account string, uid types.UID) map[string]ack.Object {
	t.Helper()
	f, err := os.Open(localcluster.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stack, err := stackfile.Read(f, "seed", namespace)
	if err != nil {
		t.Fatal(err)
	}
	stack.UID = uid
	p, err := predict.New(stack.Spec.Region, account)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := predict.Resolve(stack, p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := render.Render(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ack.Object{}
	for _, c := range res.Children {
		if c.Object == nil || len(c.Partial) > 0 {
			t.Fatalf("%s %s waits: %v %v", c.Kind, c.Name, c.Needs, c.Partial)
		}
		out[c.Kind+"/"+c.Name] = c.Object
	}
	return out
}

// The seed renders into exactly the controller's children, each one the
// object render.Render builds with the predicted ARNs, as valid YAML
// documents; without --owner-uid, only the owner reference (and the hash
// annotation, which covers it) differ.
func TestRenderSeedPrintsTheControllersChildren(t *testing.T) {
	out := mustRun(t, "render", "-f", localcluster.SeedPath())
	objs := decodeDocuments(t, out)
	if got := sortedKindNames(objs); strings.Join(got, "\n") != strings.Join(seedChildren, "\n") {
		t.Fatalf("children:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(seedChildren, "\n"))
	}
	want := rendered(t, "default", predict.PlaceholderAccount, "")
	for _, got := range objs {
		w := want[kindName(got)].DeepCopyObject().(ack.Object)
		if len(got.GetOwnerReferences()) != 0 {
			t.Errorf("%s printed with owner references %v", kindName(got), got.GetOwnerReferences())
		}
		if h := got.GetAnnotations()[render.AnnotationSpecHash]; h == "" || h != render.SpecHash(got) {
			t.Errorf("%s: hash annotation %q is not the hash of what is printed (%s)", kindName(got), h, render.SpecHash(got))
		}
		w.SetOwnerReferences(nil)
		w.GetAnnotations()[render.AnnotationSpecHash] = got.GetAnnotations()[render.AnnotationSpecHash]
		if !equality.Semantic.DeepEqual(got, w) {
			t.Errorf("%s differs from render.Render's:\n got %s\nwant %s", kindName(got), toJSON(t, got), toJSON(t, w))
		}
		if got.GetNamespace() != "default" {
			t.Errorf("%s in namespace %q", kindName(got), got.GetNamespace())
		}
	}

	// What the predicted ARNs resolved: spot checks of children that wait
	// for another's ARN.
	byName := map[string]ack.Object{}
	for _, o := range objs {
		byName[kindName(o)] = o
	}
	fn := byName["Function/event-driven-stack.event-order-processor"].(*ack.Function)
	if got := ptr.Deref(fn.Spec.Role, ""); got != "arn:aws:iam::000000000000:role/event-order-processor-role" {
		t.Errorf("function role %q", got)
	}
	if got := ptr.Deref(fn.Spec.Environment.Variables[render.EnvDeadLetterQueueURL], ""); got != "https://sqs.us-east-1.amazonaws.com/000000000000/order-dlq" {
		t.Errorf("function DLQ URL %q", got)
	}
	q := byName["Queue/event-driven-stack.order-queue"].(*ack.Queue)
	if !strings.Contains(ptr.Deref(q.Spec.RedrivePolicy, ""), `"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:order-dlq"`) {
		t.Errorf("redrive policy %v", ptr.Deref(q.Spec.RedrivePolicy, ""))
	}
	dlq := byName["Queue/event-driven-stack.events--dlq"].(*ack.Queue)
	for _, rule := range []string{"order-events-rule", "inventory-events-rule", "notification-events-rule", "workflow-events-rule"} {
		if !strings.Contains(ptr.Deref(dlq.Spec.Policy, ""), "arn:aws:events:us-east-1:000000000000:rule/custom-event-bus/"+rule) {
			t.Errorf("the EventBridge DLQ's policy does not let rule %s send: %s", rule, ptr.Deref(dlq.Spec.Policy, ""))
		}
	}
	sm := byName["StateMachine/event-driven-stack.event-driven-workflow"].(*ack.StateMachine)
	if def := ptr.Deref(sm.Spec.Definition, ""); strings.Contains(def, "${") || !strings.Contains(def, "arn:aws:lambda:us-east-1:000000000000:function:event-order-processor") {
		t.Errorf("the workflow's references are not resolved: %.300s", def)
	}
	// The CRD's defaults are rendered: order-dlq sets no visibility timeout.
	if got := ptr.Deref(byName["Queue/event-driven-stack.order-dlq"].(*ack.Queue).Spec.VisibilityTimeout, ""); got != "30" {
		t.Errorf("order-dlq visibility timeout %q, want the CRD default 30", got)
	}
}

// With --owner-uid every child is exactly render.Render's, owner reference
// and hash annotation included; -n places the stack.
func TestRenderWithOwnerUIDIsExactlyTheOperatorsObject(t *testing.T) {
	const uid = "6f2c1a9e-8d4b-4c3a-9f1e-0a1b2c3d4e5f"
	out := mustRun(t, "render", "-f", localcluster.SeedPath(), "--owner-uid", uid, "-n", "shop", "--account-id", "123456789012")
	objs := decodeDocuments(t, out)
	want := rendered(t, "shop", "123456789012", uid)
	if len(objs) != len(want) {
		t.Fatalf("%d objects, want %d", len(objs), len(want))
	}
	for _, got := range objs {
		w := want[kindName(got)]
		if w == nil {
			t.Errorf("unexpected %s", kindName(got))
			continue
		}
		if !equality.Semantic.DeepEqual(got, w) {
			t.Errorf("%s differs:\n got %s\nwant %s", kindName(got), toJSON(t, got), toJSON(t, w))
		}
		refs := got.GetOwnerReferences()
		if len(refs) != 1 || refs[0].UID != uid || refs[0].Kind != "EventDrivenStack" || refs[0].Name != "event-driven-stack" || !ptr.Deref(refs[0].Controller, false) {
			t.Errorf("%s owner references %+v", kindName(got), refs)
		}
	}
}

// -o json prints the same objects as a v1 List.
func TestRenderJSONIsAList(t *testing.T) {
	yamlObjs := decodeDocuments(t, mustRun(t, "render", "-f", localcluster.SeedPath()))
	out := mustRun(t, "render", "-f", localcluster.SeedPath(), "-o", "json")
	var list struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != len(yamlObjs) {
		t.Fatalf("%s %s with %d items, want v1 List with %d", list.APIVersion, list.Kind, len(list.Items), len(yamlObjs))
	}
	for i, item := range list.Items {
		got := decodeObject(t, item)
		if !equality.Semantic.DeepEqual(got, yamlObjs[i]) {
			t.Errorf("item %d (%s) differs from the YAML document", i, kindName(got))
		}
	}
	// -f - reads standard input.
	seedText, err := os.ReadFile(localcluster.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	if code, fromStdin, errOut := runWithInput(t, string(seedText), "render", "-f", "-", "-o", "json"); code != 0 || fromStdin != out {
		t.Errorf("-f -: exit %d, %s; output differs from -f FILE: %v", code, errOut, fromStdin != out)
	}
	if code, _, errOut := run(t, "render", "-f", localcluster.SeedPath(), "-o", "wide"); code == 0 || !strings.Contains(errOut, `"wide"`) {
		t.Errorf("-o wide: exit %d, %s", code, errOut)
	}
}

// eventBridgeOutput is the --eventbridge JSON, decoded into the SDK's input
// structs, refusing a member they lack.
type eventBridgeOutput struct {
	CreateEventBus *eventbridge.CreateEventBusInput
	PutRule        []eventbridge.PutRuleInput
	PutTargets     []eventbridge.PutTargetsInput
	AddPermission  []lambda.AddPermissionInput
}

// --eventbridge prints the seed's bus, its 4 rules with the seed's patterns,
// their targets with a retry policy and the dead-letter queue, and the 3
// Lambda permissions, each from its rule's ARN, as AWS API inputs.
func TestRenderEventBridge(t *testing.T) {
	out := mustRun(t, "render", "-f", localcluster.SeedPath(), "--eventbridge")
	var got eventBridgeOutput
	strictErrs, err := sigsjson.UnmarshalStrict([]byte(out), &got, sigsjson.DisallowUnknownFields)
	if err != nil || len(strictErrs) > 0 {
		t.Fatalf("not the SDK's input members: %v %v\n%s", err, strictErrs, out)
	}
	if strings.Contains(out, "null") {
		t.Errorf("unset members printed:\n%s", out)
	}
	if got.CreateEventBus == nil || ptr.Deref(got.CreateEventBus.Name, "") != "custom-event-bus" {
		t.Fatalf("bus %+v", got.CreateEventBus)
	}
	const acct, region = predict.PlaceholderAccount, "us-east-1"
	wantPatterns := map[string]string{
		"order-events-rule":        `{"source":["orders"],"detail-type":["Order Created","Order Completed"]}`,
		"inventory-events-rule":    `{"source":["inventory"],"detail-type":["Inventory Updated"]}`,
		"notification-events-rule": `{"source":["notifications"],"detail-type":["Notification Sent"]}`,
		"workflow-events-rule":     `{"source":["workflow"],"detail-type":["Workflow Triggered"]}`,
	}
	if len(got.PutRule) != 4 {
		t.Fatalf("%d PutRule, want 4", len(got.PutRule))
	}
	for _, r := range got.PutRule {
		name := ptr.Deref(r.Name, "")
		if !sameJSON(t, ptr.Deref(r.EventPattern, ""), wantPatterns[name]) {
			t.Errorf("rule %s pattern %s, want %s", name, ptr.Deref(r.EventPattern, ""), wantPatterns[name])
		}
		if ptr.Deref(r.EventBusName, "") != "custom-event-bus" || r.State != "ENABLED" {
			t.Errorf("rule %s: bus %v state %s", name, ptr.Deref(r.EventBusName, ""), r.State)
		}
	}
	eventsDLQ := "arn:aws:sqs:" + region + ":" + acct + ":event-driven-stack-events-dlq"
	wantTarget := map[string]string{
		"order-events-rule":        "arn:aws:lambda:" + region + ":" + acct + ":function:event-order-processor",
		"inventory-events-rule":    "arn:aws:lambda:" + region + ":" + acct + ":function:event-inventory-processor",
		"notification-events-rule": "arn:aws:lambda:" + region + ":" + acct + ":function:event-notification-processor",
		"workflow-events-rule":     "arn:aws:states:" + region + ":" + acct + ":stateMachine:event-driven-workflow",
	}
	if len(got.PutTargets) != 4 {
		t.Fatalf("%d PutTargets, want 4", len(got.PutTargets))
	}
	for _, pt := range got.PutTargets {
		rule := ptr.Deref(pt.Rule, "")
		if len(pt.Targets) != 1 {
			t.Errorf("rule %s: %d targets", rule, len(pt.Targets))
			continue
		}
		target := pt.Targets[0]
		if ptr.Deref(target.Arn, "") != wantTarget[rule] {
			t.Errorf("rule %s targets %s, want %s", rule, ptr.Deref(target.Arn, ""), wantTarget[rule])
		}
		if rp := target.RetryPolicy; rp == nil || ptr.Deref(rp.MaximumRetryAttempts, 0) != 185 || ptr.Deref(rp.MaximumEventAgeInSeconds, 0) != 86400 {
			t.Errorf("rule %s retry policy %+v", rule, rp)
		}
		if dl := target.DeadLetterConfig; dl == nil || ptr.Deref(dl.Arn, "") != eventsDLQ {
			t.Errorf("rule %s dead-letter config %+v, want %s", rule, dl, eventsDLQ)
		}
		if rule == "workflow-events-rule" && ptr.Deref(target.RoleArn, "") != "arn:aws:iam::"+acct+":role/event-driven-workflow-events-role" {
			t.Errorf("the workflow target's role %q", ptr.Deref(target.RoleArn, ""))
		}
	}
	if len(got.AddPermission) != 3 {
		t.Fatalf("%d AddPermission, want 3", len(got.AddPermission))
	}
	for _, p := range got.AddPermission {
		fn := ptr.Deref(p.FunctionName, "")
		var rule string
		for r, arn := range wantTarget {
			if arn == fn {
				rule = r
			}
		}
		wantSource := "arn:aws:events:" + region + ":" + acct + ":rule/custom-event-bus/" + rule
		if rule == "" || ptr.Deref(p.SourceArn, "") != wantSource || ptr.Deref(p.Principal, "") != "events.amazonaws.com" ||
			ptr.Deref(p.Action, "") != "lambda:InvokeFunction" || ptr.Deref(p.StatementId, "") != "eventstack-custom-event-bus-"+rule {
			t.Errorf("permission %s: %+v, want source %s", fn, p, wantSource)
		}
	}
}

// A bad stack fails, naming the field, and prints nothing.
func TestRenderRefusesABadStack(t *testing.T) {
	seedText, err := os.ReadFile(localcluster.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	text := strings.Replace(string(seedText), "timeoutSeconds: 30", "timeoutSeconds: 3000", 1)
	if err := os.WriteFile(bad, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"render", "-f", bad}, {"render", "-f", bad, "--eventbridge"}} {
		code, out, errOut := run(t, args...)
		if code == 0 || out != "" || !strings.Contains(errOut, "spec.functions[0].timeoutSeconds") || !strings.Contains(errOut, bad) {
			t.Errorf("%v: exit %d, output %q, error %q", args, code, out, errOut)
		}
	}
	if code, _, errOut := run(t, "render", "-f", filepath.Join(t.TempDir(), "missing.yaml")); code == 0 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
	if code, _, errOut := run(t, "render"); code == 0 || !strings.Contains(errOut, `"filename"`) {
		t.Errorf("no -f: exit %d, %s", code, errOut)
	}
}

// The account is --account-id, else the one the stack adopts from, else the
// placeholder; the partition follows the region.
func TestRenderAccountAndPartition(t *testing.T) {
	seedText, err := os.ReadFile(localcluster.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	china := write("cn.yaml", strings.Replace(string(seedText), "region: us-east-1", "region: cn-north-1", 1))
	adopting := write("adopt.yaml", strings.Replace(string(seedText), "deletionPolicy: Delete",
		"deletionPolicy: Delete\n  adoption: {policy: AdoptOrCreate, accountID: \"210987654321\"}", 1))
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"-f", china, "--account-id", "111122223333"}, []string{
			"arn:aws-cn:iam::111122223333:role/event-order-processor-role",
			"https://sqs.cn-north-1.amazonaws.com.cn/111122223333/order-dlq"}},
		{[]string{"-f", adopting}, []string{"arn:aws:iam::210987654321:role/event-order-processor-role"}},
		{[]string{"-f", adopting, "--account-id", "111122223333"}, []string{"arn:aws:iam::111122223333:role/event-order-processor-role"}},
	}
	for _, tc := range cases {
		out := mustRun(t, append([]string{"render"}, tc.args...)...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("render %v: no %s", tc.args, w)
			}
		}
		if strings.Contains(out, predict.PlaceholderAccount) {
			t.Errorf("render %v: the placeholder account is printed", tc.args)
		}
	}
	if code, _, errOut := run(t, "render", "-f", localcluster.SeedPath(), "--account-id", "42"); code == 0 || !strings.Contains(errOut, "--account-id") {
		t.Errorf("bad account: exit %d, %s", code, errOut)
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func toJSON(t *testing.T, obj runtime.Object) string {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
