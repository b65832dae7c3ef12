package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// The ACK controllers' behaviours the operator accounts for
// (docs/ack-behaviour.md), played by the tests where the real controllers
// would show them.

// childStatus finds a child's line in the stack's status.
func childStatus(s *v1alpha1.EventDrivenStack, kind, name string) v1alpha1.ChildStatus {
	for _, c := range s.Status.Children {
		if c.Kind == kind && c.Name == name {
			return c
		}
	}
	return v1alpha1.ChildStatus{}
}

// ACK's status has no observedGeneration and its ResourceSynced=True from
// before an edit still stands after it: the stack is not Ready until ACK
// reported on the changed child, then Ready.
func TestNotReadyBeforeACKActedOnAChange(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "acted-")
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	// The operator puts off an apply in the second of ACK's last status
	// write (status.ApplyDelay) and says so; that message is progress, kept
	// until the status interval ends. Let that second pass, so that what
	// the status says below is about ACK not having acted yet.
	time.Sleep(1500 * time.Millisecond)

	s := getStack(t, ns, stack.Name)
	s.Spec.Queues[0].VisibilityTimeoutSeconds = ptr.To[int32](60)
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	const queue = "Queue/event-driven-stack.order-queue"
	eventually(t, waitFor, "the edit applied", func() error {
		if v := ptr.Deref(children(t, ns)[queue].(*ack.Queue).Spec.VisibilityTimeout, ""); v != "60" {
			return fmt.Errorf("visibility %s", v)
		}
		return nil
	})
	// ACK has not acted: its old ResourceSynced=True still stands.
	consistently(t, 3*time.Second, "not Ready while ACK has not reported on the edit", func() error {
		got := getStack(t, ns, stack.Name)
		if got.Status.ObservedGeneration == got.Generation && meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("Ready before ACK reported on the changed queue")
		}
		if c := childStatus(got, "Queue", "event-driven-stack.order-queue"); got.Status.ObservedGeneration == got.Generation &&
			(c.Ready || !strings.Contains(c.Message, "waits for the ACK sqs controller to act on the change")) {
			return fmt.Errorf("queue status %+v", c)
		}
		return nil
	})
	if c := children(t, ns)[queue].ACKStatus().Condition(ackv1alpha1.ConditionTypeResourceSynced); c == nil || c.Status != corev1.ConditionTrue {
		t.Fatalf("the test means ACK's old ResourceSynced=True to stand: %+v", c)
	}
	playACKUntilReady(t, ns, stack.Name)
}

// Readiness per kind, as ACK reports it: a Function Lambda marks Failed is
// never synced nor terminal in ACK, and a failed code update is synced: both
// stall the stack with Lambda's reason; an ARCHIVED table is synced in ACK
// and stalls the stack; a subscription awaiting confirmation is synced and
// says so.
func TestReadinessPerKind(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "kinds-")
	stack.Spec.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "email", Endpoint: "ops@example.com"}}
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	setStatus := func(key string, change func(ack.Object)) {
		t.Helper()
		obj := children(t, ns)[key]
		change(obj)
		localack.Stamp(obj)
		if err := k8s.Status().Update(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	stalledWith := func(what string) {
		t.Helper()
		eventually(t, waitFor, "stalled: "+what, func() error {
			s := getStack(t, ns, stack.Name)
			st := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled)
			if st == nil || st.Status != metav1.ConditionTrue || !strings.Contains(st.Message, what) {
				return fmt.Errorf("Stalled %+v", st)
			}
			return nil
		})
	}

	// Pending confirmation: synced, Ready, said so.
	var sub string
	for key := range children(t, ns) {
		if strings.HasPrefix(key, "Subscription/") {
			sub = key
		}
	}
	setStatus(sub, func(o ack.Object) { o.(*ack.Subscription).Status.PendingConfirmation = ptr.To("true") })
	eventually(t, waitFor, "pending confirmation said", func() error {
		s := getStack(t, ns, stack.Name)
		c := childStatus(s, "Subscription", strings.TrimPrefix(sub, "Subscription/"))
		if !c.Ready || !strings.Contains(c.Message, "pending confirmation") || !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("subscription %+v", c)
		}
		return nil
	})

	const fn = "Function/event-driven-stack.event-order-processor"
	setStatus(fn, func(o ack.Object) {
		f := o.(*ack.Function)
		f.Status.LastUpdateStatus = ptr.To("Failed")
		f.Status.LastUpdateStatusReason = ptr.To("Unzipped size must be smaller than 262144000 bytes")
	})
	stalledWith("last update of the function failed: Unzipped size must be smaller")

	setStatus(fn, func(o ack.Object) {
		f := o.(*ack.Function)
		f.Status.State, f.Status.StateReason = ptr.To("Failed"), ptr.To("The role defined for the function cannot be assumed by Lambda.")
		f.Status.LastUpdateStatus = ptr.To("Successful")
		localack.SetCondition(f, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionFalse, "function is in Failed state")
	})
	stalledWith("Lambda reports the function Failed: The role defined for the function cannot be assumed by Lambda.")

	setStatus(fn, func(o ack.Object) {
		f := o.(*ack.Function)
		f.Status.State = ptr.To("Active")
		localack.SetCondition(f, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully")
	})
	setStatus("Table/event-driven-stack.event-driven-orders", func(o ack.Object) { o.(*ack.Table).Status.TableStatus = ptr.To("ARCHIVED") })
	stalledWith("DynamoDB reports the table ARCHIVED")

	setStatus("Table/event-driven-stack.event-driven-orders", func(o ack.Object) { o.(*ack.Table).Status.TableStatus = ptr.To("ACTIVE") })
	playACKUntilReady(t, ns, stack.Name)
}

// A name taken in AWS: ACK's iam controller finds the role by its name and
// stops with a bare "Resource already exists"; the stack stalls saying whose
// name it is and what to do.
func TestNameTakenInAWS(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "taken-")
	createStack(t, stack)
	const role = "Role/event-driven-stack.event-order-processor"
	eventually(t, waitFor, "the role created", func() error {
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, func(o ack.Object) bool { _, isRole := o.(*ack.Role); return !isRole }); err != nil {
			return err
		}
		if children(t, ns)[role] == nil {
			return fmt.Errorf("no role yet")
		}
		return nil
	})
	obj := children(t, ns)[role]
	localack.SetCondition(obj, ackv1alpha1.ConditionTypeTerminal, corev1.ConditionTrue, "Resource already exists")
	localack.SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionFalse, "Resource not synced")
	if err := k8s.Status().Update(ctx, obj); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stalled on the taken name", func() error {
		s := getStack(t, ns, stack.Name)
		st := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled)
		want := `name already taken in AWS: Role "taken-event-order-processor-role" exists and is not managed by this stack`
		if st == nil || !strings.Contains(st.Message, want) || !strings.Contains(st.Message, "change spec.namePrefix") {
			return fmt.Errorf("Stalled %+v", st)
		}
		return nil
	})
}

// A stack that adopts adopts an existing event source mapping by the UUID it
// finds in Lambda (ACK adopts mappings by UUID only), and creates the one
// that does not exist.
func TestAdoptingFindsExistingMappings(t *testing.T) {
	ns := newNamespace(t)
	stack := prefixed(t, ns, "adoptesm-")
	stack.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: localack.AccountID}
	uuid := fake.AddEventSourceMapping("arn:aws:lambda:us-east-1:"+localack.AccountID+":function:adoptesm-event-order-processor",
		"arn:aws:sqs:us-east-1:"+localack.AccountID+":adoptesm-order-queue")
	before := fake.Calls()["lambda:ListEventSourceMappings"]
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	got := children(t, ns)
	adopted := got["EventSourceMapping/event-driven-stack.event-order-processor.order-queue"].GetAnnotations()
	if adopted[ackv1alpha1.AnnotationAdoptionPolicy] != "adopt-or-create" || adopted[ackv1alpha1.AnnotationAdoptionFields] != `{"uuid":"`+uuid+`"}` {
		t.Errorf("the existing mapping is not adopted by its UUID %s: %v", uuid, adopted)
	}
	created := got["EventSourceMapping/event-driven-stack.event-inventory-processor.inventory-queue"].GetAnnotations()
	if _, adopts := created[ackv1alpha1.AnnotationAdoptionPolicy]; adopts {
		t.Errorf("a mapping that does not exist carries adoption annotations: %v", created)
	}
	// Looked up until created, then never again.
	looked := fake.Calls()["lambda:ListEventSourceMappings"] - before
	playACKUntilReady(t, ns, stack.Name)
	if looked < 2 || fake.Calls()["lambda:ListEventSourceMappings"]-before != looked {
		t.Errorf("look-ups: %d to create the mappings, %d after", looked, fake.Calls()["lambda:ListEventSourceMappings"]-before-looked)
	}
}

// A workflow that logs gets a log group of the stack, created (with its
// retention and the stack's tags) before the state machine, which logs to it;
// without logging a state machine's logging is OFF explicitly. The log group
// goes when the workflow stops logging, and with the stack.
func TestWorkflowLogsToItsLogGroup(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "logs-")
	stack.Spec.Workflows[0].Logging = &v1alpha1.WorkflowLogging{Level: "ERROR", RetentionDays: 14}
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	const name = "/aws/vendedlogs/states/logs-event-driven-workflow"
	lg, ok := fake.LogGroups()[name]
	if !ok || lg.RetentionDays != 14 || lg.Tags["eventstack.io/stack"] != ns+"/"+stack.Name {
		t.Fatalf("log group %+v (exists %v)", lg, ok)
	}
	sm := children(t, ns)["StateMachine/event-driven-stack.event-driven-workflow"].(*ack.StateMachine)
	l := sm.Spec.LoggingConfiguration
	if ptr.Deref(l.Level, "") != "ERROR" || len(l.Destinations) != 1 || ptr.Deref(l.Destinations[0].CloudWatchLogsLogGroup.LogGroupARN, "") != lg.Arn {
		t.Errorf("state machine logging %+v, want ERROR to %s", l, lg.Arn)
	}
	s := getStack(t, ns, stack.Name)
	if inv := inventory(s, "LogGroup"); len(inv) != 1 || inv[0].ARN != lg.Arn {
		t.Errorf("inventory %+v", s.Status.Inventory)
	}
	if c := childStatus(s, "LogGroup", name); !c.Ready {
		t.Errorf("log group status %+v", c)
	}

	// Logging off: level OFF again, the log group deleted.
	s.Spec.Workflows[0].Logging = nil
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	playACKUntilReady(t, ns, stack.Name)
	sm = children(t, ns)["StateMachine/event-driven-stack.event-driven-workflow"].(*ack.StateMachine)
	if l := sm.Spec.LoggingConfiguration; ptr.Deref(l.Level, "") != "OFF" || len(l.Destinations) != 0 {
		t.Errorf("state machine logging after logging was turned off: %+v", l)
	}
	if _, ok := fake.LogGroups()[name]; ok {
		t.Error("the log group of a workflow that stopped logging is still there")
	}

	// With the stack: logging on again, then the stack deleted.
	s = getStack(t, ns, stack.Name)
	s.Spec.Workflows[0].Logging = &v1alpha1.WorkflowLogging{Level: "ALL", IncludeExecutionData: true}
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	playACKUntilReady(t, ns, stack.Name)
	if fake.LogGroups()[name].RetentionDays != 30 {
		t.Errorf("default retention: %+v", fake.LogGroups()[name])
	}
	if err := k8s.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the log group deleted with the stack", func() error {
		if _, ok := fake.LogGroups()[name]; ok {
			return fmt.Errorf("still there")
		}
		return nil
	})
	checkPolicyAllows(t, "logs:CreateLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy", "logs:DeleteLogGroup")
}

func inventory(s *v1alpha1.EventDrivenStack, kind string) []v1alpha1.AWSResource {
	var out []v1alpha1.AWSResource
	for _, e := range s.Status.Inventory {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// checkPolicyAllows fails unless the operator's IAM policy allows each action.
func checkPolicyAllows(t *testing.T, actions ...string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "config", "iam", "operator-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		found := false
		for _, st := range doc.Statement {
			found = found || slices.Contains(st.Action, a)
		}
		if !found {
			t.Errorf("config/iam/operator-policy.json does not allow %s, which the operator called", a)
		}
	}
}

// New code rolls out through code.sha256, which ACK's lambda controller
// compares with what Lambda runs: a new hash costs exactly one child write,
// and the function (and the stack) is Ready only once Lambda runs the code
// of that hash; a failed update stalls the stack with Lambda's reason.
func TestCodeRollsOutBySHA256(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	const (
		shaA = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
		shaB = "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="
		shaC = "LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564="
		fn   = "Function/event-driven-stack.event-order-processor"
	)
	stack := prefixed(t, ns, "code-")
	stack.Spec.Functions[0].Code.SHA256 = shaA
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	if got := ptr.Deref(children(t, ns)[fn].(*ack.Function).Spec.Code.SHA256, ""); got != shaA {
		t.Fatalf("the function's code.sha256 is %q, want the declared %s", got, shaA)
	}

	publish := func(key, sha string) {
		t.Helper()
		// The operator writes the stack's status meanwhile: retried on a
		// conflict, as kubectl's edit would be.
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			s := getStack(t, ns, stack.Name)
			s.Spec.Functions[0].Code.S3Key, s.Spec.Functions[0].Code.SHA256 = key, sha
			return k8s.Update(ctx, s)
		}); err != nil {
			t.Fatal(err)
		}
		eventually(t, waitFor, "the new code applied", func() error {
			if got := ptr.Deref(children(t, ns)[fn].(*ack.Function).Spec.Code.SHA256, ""); got != sha {
				return fmt.Errorf("sha256 %s", got)
			}
			return nil
		})
	}
	before := len(writes.writesIn(ns))
	publish("lambdas/event-order-processor/b.zip", shaB)
	var childWrites []string
	for _, w := range writes.writesIn(ns)[before:] {
		if !strings.Contains(w, "EventDrivenStack") {
			childWrites = append(childWrites, w)
		}
	}
	if len(childWrites) != 1 || !strings.Contains(childWrites[0], "Function event-driven-stack.event-order-processor") {
		t.Errorf("a new sha256 cost child writes %v, want exactly the function", childWrites)
	}

	// ACK reconciled and reports the function synced, but Lambda still
	// reports the old code.
	f := children(t, ns)[fn].(*ack.Function)
	f.Status.LastUpdateStatus, f.Status.CodeSHA256 = ptr.To("Successful"), ptr.To(shaA)
	localack.Stamp(f)
	if err := k8s.Status().Update(ctx, f); err != nil {
		t.Fatal(err)
	}
	consistently(t, 2*time.Second, "not Ready while Lambda runs the old code", func() error {
		s := getStack(t, ns, stack.Name)
		if meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("Ready while the function runs %s", shaA)
		}
		return nil
	})
	if c := childStatus(getStack(t, ns, stack.Name), "Function", "event-driven-stack.event-order-processor"); c.Ready ||
		!strings.Contains(c.Message, "deploying code "+shaB[:8]) {
		t.Errorf("function status while deploying: %+v", c)
	}
	// Lambda runs the new code.
	f = children(t, ns)[fn].(*ack.Function)
	f.Status.LastUpdateStatus, f.Status.CodeSHA256 = ptr.To("Successful"), ptr.To(shaB)
	if err := k8s.Status().Update(ctx, f); err != nil {
		t.Fatal(err)
	}
	playACKUntilReady(t, ns, stack.Name)

	// A failed update stalls the stack with Lambda's reason.
	publish("lambdas/event-order-processor/c.zip", shaC)
	f = children(t, ns)[fn].(*ack.Function)
	f.Status.LastUpdateStatus = ptr.To("Failed")
	f.Status.LastUpdateStatusReason = ptr.To("Unzipped size must be smaller than 262144000 bytes")
	localack.Stamp(f)
	if err := k8s.Status().Update(ctx, f); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stalled on the failed update", func() error {
		st := meta.FindStatusCondition(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionStalled)
		if st == nil || !strings.Contains(st.Message, "Unzipped size must be smaller") {
			return fmt.Errorf("Stalled %+v", st)
		}
		return nil
	})
}

// A derived ARN that turns out wrong: ACK reports another ARN for the orders
// table than the one derived from its name. The roles that named the derived
// one are rendered again with the reported one, and the table's status says
// so; the stack is Ready again once ACK reported on the changed roles.
func TestWrongDerivedARNIsReplaced(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "wrongarn-")
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	const reported = "arn:aws:dynamodb:us-east-1:210987654321:table/wrongarn-event-driven-orders"
	table := children(t, ns)["Table/event-driven-stack.event-driven-orders"]
	table.ACKStatus().ACKResourceMetadata.ARN = ptr.To(ackv1alpha1.AWSResourceName(reported))
	localack.Stamp(table)
	if err := k8s.Status().Update(ctx, table); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the roles name the reported ARN", func() error {
		role := children(t, ns)["Role/event-driven-stack.event-order-processor"].(*ack.Role)
		if p := *role.Spec.InlinePolicies["eventstack"]; !strings.Contains(p, reported) || strings.Contains(p, ":123456789012:table/wrongarn-event-driven-orders") {
			return fmt.Errorf("policy %s", p)
		}
		return nil
	})
	s := playACKUntilReady(t, ns, stack.Name)
	if c := childStatus(s, "Table", "event-driven-stack.event-driven-orders"); !strings.Contains(c.Message,
		"ACK reports the ARN "+reported+", not arn:aws:dynamodb:us-east-1:123456789012:table/wrongarn-event-driven-orders") {
		t.Errorf("table status %+v", c)
	}
}

// A function with a log retention gets its log group, /aws/lambda/<name>,
// made by the operator with that retention and the stack's tags, and
// recorded in the inventory; taken out of the spec, the retention leaves the
// group and its logs to the function (off the inventory, not deleted); set
// again, the group is the stack's again and goes with it.
func TestFunctionLogRetention(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "flogs-")
	stack.Spec.Functions[0].Logging = &v1alpha1.FunctionLogging{RetentionDays: 7}
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	name := "/aws/lambda/flogs-" + stack.Spec.Functions[0].Name
	lg, ok := fake.LogGroups()[name]
	if !ok || lg.RetentionDays != 7 || lg.Tags["eventstack.io/stack"] != ns+"/"+stack.Name {
		t.Fatalf("log group %+v (exists %v)", lg, ok)
	}
	s := getStack(t, ns, stack.Name)
	if inv := inventory(s, "LogGroup"); len(inv) != 1 || inv[0].Name != name {
		t.Errorf("inventory %+v", s.Status.Inventory)
	}

	setLogging := func(l *v1alpha1.FunctionLogging) {
		t.Helper()
		// The operator writes the stack's status meanwhile: retried on a
		// conflict, as kubectl's edit would be.
		if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			s := getStack(t, ns, stack.Name)
			s.Spec.Functions[0].Logging = l
			return k8s.Update(ctx, s)
		}); err != nil {
			t.Fatal(err)
		}
	}
	setLogging(nil)
	eventually(t, waitFor, "the group off the inventory", func() error {
		if inv := inventory(getStack(t, ns, stack.Name), "LogGroup"); len(inv) != 0 {
			return fmt.Errorf("inventory %+v", inv)
		}
		return nil
	})
	if _, ok := fake.LogGroups()[name]; !ok {
		t.Fatal("the function's log group was deleted when its retention was taken out of the spec")
	}

	setLogging(&v1alpha1.FunctionLogging{RetentionDays: 14})
	playACKUntilReady(t, ns, stack.Name)
	if got := fake.LogGroups()[name].RetentionDays; got != 14 {
		t.Errorf("retention %d, want 14", got)
	}
	if err := k8s.Delete(ctx, getStack(t, ns, stack.Name)); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the log group deleted with the stack", func() error {
		if _, ok := fake.LogGroups()[name]; ok {
			return fmt.Errorf("still there")
		}
		return nil
	})
}
