package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/test/seed"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/controller"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
	"github.com/eventstack-io/eventstack-operator/test/harness"
)

const waitFor = 30 * time.Second

// children returns the ACK objects in a namespace, keyed Kind/name.
func children(t *testing.T, ns string) map[string]ack.Object {
	t.Helper()
	out, err := harness.Children(context.Background(), k8s, ns)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// playACKUntilReady plays every ACK controller until the stack is Ready.
func playACKUntilReady(t *testing.T, ns, name string) *v1alpha1.EventDrivenStack {
	t.Helper()
	var stack *v1alpha1.EventDrivenStack
	eventually(t, waitFor, "stack Ready", func() error {
		if _, err := localack.PlayACK(context.Background(), k8s, fake, ns, nil); err != nil {
			return err
		}
		stack = getStack(t, ns, name)
		if !meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("not Ready: %+v", meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionReady))
		}
		if stack.Status.ObservedGeneration != stack.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", stack.Status.ObservedGeneration, stack.Generation)
		}
		return nil
	})
	return stack
}

// The seed stack reconciles into exactly the seed's resources, with their
// settings, and becomes Ready once every child reports synced.
func TestSeedStackBecomesTheSeedsResources(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	createStack(t, stack)
	stack = playACKUntilReady(t, ns, stack.Name)

	got := children(t, ns)
	p := "Role/event-driven-stack." // the roles, by the component they serve
	want := seed.ChildNames
	if g := keys(got); strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Fatalf("children:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
	// 19 ACK children, the bus and 4 rules.
	if stack.Status.Resources != "43/43" || len(stack.Status.Children) != 43 {
		t.Errorf("resources %q, %d children in status", stack.Status.Resources, len(stack.Status.Children))
	}

	// Queues: names, visibility, redrive to the DLQ's ARN with maxReceiveCount 3.
	for _, q := range []string{"order", "inventory"} {
		queue := got["Queue/event-driven-stack."+q+"-queue"].(*ack.Queue)
		dlq := got["Queue/event-driven-stack."+q+"-dlq"].(*ack.Queue)
		if *queue.Spec.QueueName != q+"-queue" || *queue.Spec.VisibilityTimeout != "30" || *dlq.Spec.QueueName != q+"-dlq" {
			t.Errorf("%s queue: %+v / dlq %+v", q, queue.Spec, dlq.Spec)
		}
		var redrive struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
			MaxReceiveCount     int    `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(ptr.Deref(queue.Spec.RedrivePolicy, "")), &redrive); err != nil {
			t.Fatal(err)
		}
		if redrive.DeadLetterTargetArn != dlq.ACKStatus().ARN() || redrive.MaxReceiveCount != 3 {
			t.Errorf("%s redrive policy %+v, DLQ ARN %s", q, redrive, dlq.ACKStatus().ARN())
		}
	}
	// Tables: partition keys, pay per request.
	for name, key := range map[string]string{"event-driven-orders": "order_id", "event-driven-inventory": "item_id"} {
		tbl := got["Table/event-driven-stack."+name].(*ack.Table)
		if *tbl.Spec.TableName != name || *tbl.Spec.BillingMode != "PAY_PER_REQUEST" ||
			len(tbl.Spec.KeySchema) != 1 || *tbl.Spec.KeySchema[0].AttributeName != key || *tbl.Spec.KeySchema[0].KeyType != "HASH" ||
			*tbl.Spec.AttributeDefinitions[0].AttributeType != "S" {
			t.Errorf("table %s: %+v", name, tbl.Spec)
		}
	}
	// Topic.
	if topic := got["Topic/event-driven-stack.event-notifications"].(*ack.Topic); *topic.Spec.Name != "event-notifications" {
		t.Errorf("topic %+v", topic.Spec)
	}
	// Functions: Go on provided.al2023, 256 MB, 30 s, their role's ARN.
	for _, f := range []string{"event-order-processor", "event-inventory-processor", "event-notification-processor"} {
		fn := got["Function/event-driven-stack."+f].(*ack.Function)
		role := got[p+f].(*ack.Role)
		s := fn.Spec
		if *s.Name != f || *s.Runtime != "provided.al2023" || *s.Handler != "bootstrap" || *s.MemorySize != 256 ||
			*s.Timeout != 30 || *s.Architectures[0] != "arm64" || *s.Role != role.ACKStatus().ARN() || *s.PackageType != "Zip" {
			t.Errorf("function %s: %+v", f, s)
		}
	}
	orders := got["Function/event-driven-stack.event-order-processor"].(*ack.Function)
	env := orders.Spec.Environment.Variables
	if *env["ORDERS_TABLE"] != "event-driven-orders" ||
		*env["NOTIFICATION_TOPIC_ARN"] != got["Topic/event-driven-stack.event-notifications"].ACKStatus().ARN() ||
		*env["DEAD_LETTER_QUEUE_URL"] != *got["Queue/event-driven-stack.order-dlq"].(*ack.Queue).Status.QueueURL {
		t.Errorf("order processor environment: %v", env)
	}
	// The order processor's role allows what it uses, on those resources only.
	policy := *got[p+"event-order-processor"].(*ack.Role).Spec.InlinePolicies["eventstack"]
	for _, wantIn := range []string{"dynamodb:PutItem", got["Table/event-driven-stack.event-driven-orders"].ACKStatus().ARN(),
		"sns:Publish", "sqs:ReceiveMessage", got["Queue/event-driven-stack.order-queue"].ACKStatus().ARN(), "logs:PutLogEvents"} {
		if !strings.Contains(policy, wantIn) {
			t.Errorf("order processor policy lacks %s: %s", wantIn, policy)
		}
	}
	if strings.Contains(policy, "event-driven-inventory") {
		t.Errorf("order processor policy names the inventory table: %s", policy)
	}
	// Event source mappings: the queue's ARN, the function's ARN, partial batch responses.
	esm := got["EventSourceMapping/event-driven-stack.event-order-processor.order-queue"].(*ack.EventSourceMapping)
	if *esm.Spec.EventSourceARN != got["Queue/event-driven-stack.order-queue"].ACKStatus().ARN() ||
		*esm.Spec.FunctionName != orders.ACKStatus().ARN() || *esm.Spec.FunctionResponseTypes[0] != "ReportBatchItemFailures" {
		t.Errorf("event source mapping %+v", esm.Spec)
	}
	// The workflow: 5-minute timeout, X-Ray, a Parallel state of order and
	// inventory processing, references replaced by the real ARNs and names.
	sm := got["StateMachine/event-driven-stack.event-driven-workflow"].(*ack.StateMachine)
	if *sm.Spec.Name != "event-driven-workflow" || !*sm.Spec.TracingConfiguration.Enabled || *sm.Spec.Type != "STANDARD" ||
		*sm.Spec.RoleARN != got[p+"event-driven-workflow"].ACKStatus().ARN() {
		t.Errorf("state machine %+v", sm.Spec)
	}
	var def struct {
		TimeoutSeconds int
		States         map[string]struct {
			Type     string
			Branches []struct{ StartAt string }
		}
	}
	if err := json.Unmarshal([]byte(*sm.Spec.Definition), &def); err != nil {
		t.Fatal(err)
	}
	parallel := def.States["ProcessOrderAndReserveStock"]
	if def.TimeoutSeconds != 300 || parallel.Type != "Parallel" || len(parallel.Branches) != 2 ||
		parallel.Branches[0].StartAt != "ProcessOrder" || parallel.Branches[1].StartAt != "ReserveStock" {
		t.Errorf("definition: %s", *sm.Spec.Definition)
	}
	if strings.Contains(*sm.Spec.Definition, "${") || !strings.Contains(*sm.Spec.Definition, orders.ACKStatus().ARN()) ||
		!strings.Contains(*sm.Spec.Definition, `"TableName":"event-driven-orders"`) {
		t.Errorf("definition references not resolved: %s", *sm.Spec.Definition)
	}
	wfPolicy := *got[p+"event-driven-workflow"].(*ack.Role).Spec.InlinePolicies["eventstack"]
	for _, wantIn := range []string{"lambda:InvokeFunction", "dynamodb:GetItem", "sns:Publish", "xray:PutTraceSegments"} {
		if !strings.Contains(wfPolicy, wantIn) {
			t.Errorf("workflow policy lacks %s: %s", wantIn, wfPolicy)
		}
	}
	// Every child: owned by the stack, labelled, ACK's region annotation.
	for key, obj := range got {
		refs := obj.GetOwnerReferences()
		if len(refs) != 1 || refs[0].UID != stack.UID || !ptr.Deref(refs[0].Controller, false) {
			t.Errorf("%s owner references %+v", key, refs)
		}
		if obj.GetLabels()[render.LabelStack] != stack.Name || obj.GetAnnotations()[ackv1alpha1.AnnotationRegion] != "us-east-1" {
			t.Errorf("%s labels %v annotations %v", key, obj.GetLabels(), obj.GetAnnotations())
		}
		if p := obj.GetAnnotations()[ackv1alpha1.AnnotationDeletionPolicy]; p != "delete" {
			t.Errorf("%s has deletion-policy annotation %q with deletionPolicy Delete, want an explicit delete", key, p)
		}
	}
	// The seed's stack outputs.
	wantOutputs := map[string]string{
		"EventBusName":          "custom-event-bus",
		"OrdersTableName":       "event-driven-orders",
		"InventoryTableName":    "event-driven-inventory",
		"StateMachineArn":       sm.ACKStatus().ARN(),
		"NotificationTopicArn":  got["Topic/event-driven-stack.event-notifications"].ACKStatus().ARN(),
		"queue.order-queue.url": *got["Queue/event-driven-stack.order-queue"].(*ack.Queue).Status.QueueURL,
	}
	for k, v := range wantOutputs {
		if stack.Status.Outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, stack.Status.Outputs[k], v)
		}
	}
	ready := meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionReady)
	if ready.Reason != v1alpha1.ReasonSucceeded ||
		meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionReconciling) != nil ||
		meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionStalled) != nil {
		t.Errorf("conditions %+v", stack.Status.Conditions)
	}

	// kubectl get shows Ready, Resources, Reason and Age.
	kubectl, stderr, err := testEnv.ControlPlane.KubeCtl().Run("get", "eventdrivenstacks", "-n", ns) //nolint:staticcheck // the suite runs kubectl as the control plane's admin, as KubeCtl does
	if err != nil {
		msg, _ := io.ReadAll(stderr)
		t.Fatalf("%v: %s", err, msg)
	}
	out, _ := io.ReadAll(kubectl)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "NAME READY RESOURCES REASON AGE" ||
		!strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "event-driven-stack True 43/43 Succeeded ") {
		t.Errorf("kubectl get eventdrivenstacks:\n%s", out)
	}
	if _, _, err := testEnv.ControlPlane.KubeCtl().Run("get", "eds", "-n", ns, "event-driven-stack"); err != nil { //nolint:staticcheck // the suite runs kubectl as the control plane's admin, as KubeCtl does
		t.Errorf("short name eds: %v", err)
	}

	// Events only on transitions: one Succeeded event, however often the
	// stack is reconciled once Ready.
	for i := 0; i < 3; i++ {
		tbl := got["Table/event-driven-stack.event-driven-orders"]
		tbl.SetLabels(map[string]string{render.LabelStack: stack.Name, render.LabelManagedBy: render.FieldManager, "poke": fmt.Sprint(i)})
		if err := k8s.Update(ctx, tbl); err != nil {
			t.Fatal(err)
		}
		got["Table/event-driven-stack.event-driven-orders"] = tbl
	}
	eventually(t, waitFor, "one Succeeded event", func() error {
		evs := &eventsv1.EventList{}
		if err := k8s.List(ctx, evs, client.InNamespace(ns)); err != nil {
			return err
		}
		n := 0
		for _, e := range evs.Items {
			if e.Regarding.Name == stack.Name && e.Reason == v1alpha1.ReasonSucceeded {
				n += max(1, int(e.DeprecatedCount))
				if e.Series != nil {
					n += int(e.Series.Count) - 1
				}
			}
		}
		if n != 1 {
			return fmt.Errorf("%d Succeeded events", n)
		}
		return nil
	})

	// A child that ACK reports terminal stalls the stack, with its message.
	fn := got["Function/event-driven-stack.event-notification-processor"]
	localack.SetCondition(fn, ackv1alpha1.ConditionTypeTerminal, corev1.ConditionTrue, "InvalidParameterValueException: the S3 key does not exist")
	if err := k8s.Status().Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack Stalled", func() error {
		s := getStack(t, ns, stack.Name)
		stalled := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled)
		if stalled == nil || stalled.Status != metav1.ConditionTrue || stalled.Reason != v1alpha1.ReasonChildStalled ||
			!strings.Contains(stalled.Message, "the S3 key does not exist") ||
			!strings.Contains(stalled.Message, "event-driven-stack.event-notification-processor") {
			return fmt.Errorf("stalled: %+v", stalled)
		}
		if meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("still Ready")
		}
		return nil
	})
}

// A child waits only for what AWS needs to exist before it can be created:
// a queue for its dead-letter queue, a function for its role (synced, with its
// policies), a state machine for its role, a mapping for its function and
// queue, a subscription for its topic. The ARNs AWS does not check (in IAM
// policies, environment variables, definitions) are derived from the account,
// so the seed is built in three waves of ACK reports. Waiting shows in
// status; it is not an error.
func TestDependencyOrder(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	createStack(t, stack)
	has := func(key string) bool { _, ok := children(t, ns)[key]; return ok }
	const p = "event-driven-stack."
	// Wave 1: everything that needs nothing to exist, the roles included:
	// their policies name the tables, topic and queues by derived ARNs.
	wave1 := []string{"Queue/" + p + "order-dlq", "Queue/" + p + "inventory-dlq", "Queue/" + p + "events--dlq",
		"Table/" + p + "event-driven-orders", "Table/" + p + "event-driven-inventory", "Topic/" + p + "event-notifications",
		"Role/" + p + "event-order-processor", "Role/" + p + "event-inventory-processor", "Role/" + p + "event-notification-processor",
		"Role/" + p + "event-driven-workflow", "Role/" + p + "event-driven-workflow--events"}
	// The 19 default alarms too: CloudWatch alarms on a metric whatever
	// publishes it, and the workflow's ARN in two dimensions is derived.
	for _, a := range render.Alarms(stack) {
		wave1 = append(wave1, "MetricAlarm/"+p+a.Name)
	}
	eventually(t, waitFor, "wave 1 created", func() error {
		for _, k := range wave1 {
			if !has(k) {
				return fmt.Errorf("%s missing", k)
			}
		}
		return nil
	})
	consistently(t, 2*time.Second, "nothing else before ACK reports", func() error {
		if g := keys(children(t, ns)); len(g) != len(wave1) {
			return fmt.Errorf("children %v", g)
		}
		return nil
	})
	roles := children(t, ns)
	policy := *roles["Role/"+p+"event-order-processor"].(*ack.Role).Spec.InlinePolicies["eventstack"]
	for _, derived := range []string{"arn:aws:dynamodb:us-east-1:123456789012:table/event-driven-orders",
		"arn:aws:sns:us-east-1:123456789012:event-notifications", "arn:aws:sqs:us-east-1:123456789012:order-queue"} {
		if !strings.Contains(policy, derived) {
			t.Errorf("the order processor's role, created before ACK reported anything, lacks the derived %s: %s", derived, policy)
		}
	}
	s := getStack(t, ns, stack.Name)
	ready := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Reason != v1alpha1.ReasonWaitingForDependencies ||
		!meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReconciling) ||
		meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled) != nil {
		t.Fatalf("conditions while waiting: %+v", s.Status.Conditions)
	}
	if q := childStatus(s, "Queue", p+"order-queue"); q.State != v1alpha1.ChildWaiting || !strings.Contains(q.Message, "the ARN of Queue "+p+"order-dlq") {
		t.Errorf("order-queue status %+v", q)
	}
	if d := childStatus(s, "Queue", p+"order-dlq"); d.State != v1alpha1.ChildInProgress || !strings.Contains(d.Message, "ACK sqs controller") {
		t.Errorf("order-dlq status %+v", d)
	}

	// Wave 2a: everything but the roles reported: the queues follow, but no
	// function and no state machine (their roles are not synced).
	notRoles := func(o ack.Object) bool { _, isRole := o.(*ack.Role); return !isRole }
	eventually(t, waitFor, "queues created", func() error {
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, notRoles); err != nil {
			return err
		}
		if !has("Queue/"+p+"order-queue") || !has("Queue/"+p+"inventory-queue") {
			return fmt.Errorf("queues missing")
		}
		return nil
	})
	// A role's ARN alone is not enough: ACK's iam controller reports it
	// before the role has its policies (ResourceSynced Unknown).
	if _, err := localack.PlayACK(ctx, k8s, fake, ns, func(o ack.Object) bool { _, isFn := o.(*ack.Function); return !isFn }); err != nil {
		t.Fatal(err)
	}
	consistently(t, 2*time.Second, "no function or state machine before its role is synced", func() error {
		for k := range children(t, ns) {
			if strings.HasPrefix(k, "Function/") || strings.HasPrefix(k, "StateMachine/") || strings.HasPrefix(k, "EventSourceMapping/") {
				return fmt.Errorf("%s exists before its role is synced", k)
			}
		}
		return nil
	})
	st := getStack(t, ns, stack.Name)
	for _, c := range st.Status.Children {
		if (c.Kind == "Function" || c.Kind == "StateMachine") && !strings.Contains(c.Message, "has created, but not yet reported synced with its policies") {
			t.Errorf("%s status while its role is not synced: %+v", c.Kind, c)
		}
	}
	// Wave 2b: roles synced: the functions and the state machine together
	// (the definition names the functions by derived ARNs).
	notFunctions := func(o ack.Object) bool { _, isFn := o.(*ack.Function); return !isFn }
	eventually(t, waitFor, "functions and state machine created", func() error {
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, notFunctions); err != nil {
			return err
		}
		if !has("Function/"+p+"event-order-processor") || !has("StateMachine/"+p+"event-driven-workflow") {
			return fmt.Errorf("functions or state machine missing")
		}
		return nil
	})
	consistently(t, time.Second, "no mapping before its function exists in AWS", func() error {
		for k := range children(t, ns) {
			if strings.HasPrefix(k, "EventSourceMapping/") {
				return fmt.Errorf("%s exists before its function was reported", k)
			}
		}
		return nil
	})
	// Wave 3: the mappings.
	playACKUntilReady(t, ns, stack.Name)
}

// An edited spec updates its child; a removed component's child is deleted;
// a child deleted out of band is created again.
func TestEditsRemovalsAndOutOfBandDeletes(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Spec.Queues = append(stack.Spec.Queues, v1alpha1.Queue{Name: "audit-queue"})
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	// Edit: visibility timeout of order-queue 30 -> 45.
	// The operator puts off an apply in the second of ACK's last status
	// write (status.ApplyDelay); ACK was just played: let that second pass,
	// so that the count below is the edit's alone.
	time.Sleep(1500 * time.Millisecond)
	s := getStack(t, ns, stack.Name)
	for i := range s.Spec.Queues {
		if s.Spec.Queues[i].Name == "order-queue" {
			s.Spec.Queues[i].VisibilityTimeoutSeconds = ptr.To[int32](45)
		}
	}
	before := writes.count(ns)
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "visibility timeout updated", func() error {
		q := children(t, ns)["Queue/event-driven-stack.order-queue"].(*ack.Queue)
		if *q.Spec.VisibilityTimeout != "45" {
			return fmt.Errorf("visibilityTimeout %s", *q.Spec.VisibilityTimeout)
		}
		return nil
	})
	eventually(t, waitFor, "observedGeneration", func() error {
		if s := getStack(t, ns, stack.Name); s.Status.ObservedGeneration != s.Generation {
			return fmt.Errorf("observedGeneration %d of %d", s.Status.ObservedGeneration, s.Generation)
		}
		return nil
	})
	// One child write (the queue), plus at most the status write of the new generation.
	if n := writes.count(ns) - before; n < 1 || n > 2 {
		t.Errorf("a one-field edit cost %d writes, want the child and the status: %v", n, writes.writesIn(ns)[before:])
	}

	// Removal: audit-queue leaves the spec, its child goes.
	s = getStack(t, ns, stack.Name)
	var queues []v1alpha1.Queue
	for _, q := range s.Spec.Queues {
		if q.Name != "audit-queue" {
			queues = append(queues, q)
		}
	}
	s.Spec.Queues = queues
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "audit-queue deleted", func() error {
		if _, ok := children(t, ns)["Queue/event-driven-stack.audit-queue"]; ok {
			return fmt.Errorf("still there")
		}
		return nil
	})

	// Out of band: someone deletes the orders table's child; it comes back.
	tbl := children(t, ns)["Table/event-driven-stack.event-driven-orders"]
	if err := k8s.Delete(ctx, tbl); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "table recreated", func() error {
		again, ok := children(t, ns)["Table/event-driven-stack.event-driven-orders"]
		if !ok || again.GetUID() == tbl.GetUID() {
			return fmt.Errorf("not recreated")
		}
		return nil
	})
	// Out of band: someone edits a field the operator sets; it is set back.
	q := children(t, ns)["Queue/event-driven-stack.inventory-queue"].(*ack.Queue)
	q.Spec.VisibilityTimeout = ptr.To("999")
	if err := k8s.Update(ctx, q); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "out-of-band edit repaired", func() error {
		q := children(t, ns)["Queue/event-driven-stack.inventory-queue"].(*ack.Queue)
		if *q.Spec.VisibilityTimeout != "30" {
			return fmt.Errorf("visibilityTimeout %s", *q.Spec.VisibilityTimeout)
		}
		return nil
	})
}

// A reconcile of an unchanged Ready stack writes nothing to the API server.
// The stack belongs to a shard the suite's operator ignores, and a reconciler
// is driven by hand through a client that counts writes.
func TestUnchangedStackCostsNoWrite(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Labels = map[string]string{directShardLabel: "direct"}
	if err := k8s.Create(ctx, stack); err != nil {
		t.Fatal(err)
	}
	counter := &writeCounter{byNamespace: map[string]int{}}
	r := countedReconciler(t, counter)
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stack)}
	t.Cleanup(func() {
		// The suite's operator ignores this shard: delete it by hand.
		_ = k8s.Delete(ctx, stack)
		_, _ = r.Reconcile(ctx, req)
	})
	reconciles := 0
	for ; reconciles < 20; reconciles++ {
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
		if meta.IsStatusConditionTrue(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionReady) {
			break
		}
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil {
			t.Fatal(err)
		}
	}
	created := counter.count(ns)
	t.Logf("creation: %d reconciles, %d API server writes (19 children, the finalizer and the status of each step), AWS calls %v",
		reconciles+1, created, fake.Calls())
	if !meta.IsStatusConditionTrue(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionReady) {
		t.Fatalf("not Ready after %d reconciles", reconciles)
	}

	mutatingBefore, callsBefore := fake.MutatingCalls(), fake.Calls()
	for i := 0; i < 3; i++ {
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if n := counter.count(ns) - created; n != 0 {
		t.Fatalf("3 reconciles of an unchanged Ready stack made %d writes, want 0: %v", n, counter.writesIn(ns)[created:])
	}
	if n := fake.MutatingCalls() - mutatingBefore; n != 0 {
		t.Fatalf("3 reconciles of an unchanged Ready stack made %d mutating AWS calls, want 0: before %v after %v", n, callsBefore, fake.Calls())
	}
	if reads := fake.Calls()["events:DescribeRule"] - callsBefore["events:DescribeRule"]; reads != 12 {
		t.Errorf("3 reconciles read %d rules, want 12 (4 rules each): the resync must read", reads)
	}
	// The same reconciler writes when a child differs: the count can fail.
	// The repaired child is not Ready until ACK reports on the repair: one
	// write of the child, one of the status.
	q := children(t, ns)["Queue/event-driven-stack.order-dlq"].(*ack.Queue)
	// Past the second of ACK's last report on it: an edit in that second is
	// applied only in the next (status.ApplyDelay), after a status write of
	// its own (the child no longer as applied).
	time.Sleep(status.ApplyDelay(q, time.Now()))
	q.Spec.MessageRetentionPeriod = ptr.To("60")
	if err := k8s.Update(ctx, q); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5 && ptr.Deref(children(t, ns)["Queue/event-driven-stack.order-dlq"].(*ack.Queue).Spec.MessageRetentionPeriod, "") == "60"; i++ {
		res, err := r.Reconcile(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(min(res.RequeueAfter, 2*time.Second)) // an apply put off by status.ApplyDelay
	}
	if n := counter.count(ns) - created; n != 2 {
		t.Fatalf("a reconcile after one out-of-band edit made %d writes, want 2 (the child and the status): %v", n, counter.writesIn(ns)[created:])
	}
	if meta.IsStatusConditionTrue(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionReady) {
		t.Fatal("Ready before ACK reported on the repaired child")
	}
}

// deletionPolicy Retain puts ACK's retain annotation on every child.
func TestRetainAnnotatesChildren(t *testing.T) {
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
	stack.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: localack.AccountID}
	createStack(t, stack)
	eventually(t, waitFor, "children retained and adopted", func() error {
		got := children(t, ns)
		if len(got) < 5 {
			return fmt.Errorf("%d children", len(got))
		}
		for k, obj := range got {
			a := obj.GetAnnotations()
			_, isRole := obj.(*ack.Role) // roles are adopted only with adoptRoles
			if a[ackv1alpha1.AnnotationDeletionPolicy] != "retain" || (a[ackv1alpha1.AnnotationAdoptionPolicy] == "adopt-or-create") == isRole {
				return fmt.Errorf("%s annotations %v", k, a)
			}
		}
		q := got["Queue/event-driven-stack.order-dlq"]
		if q == nil {
			return fmt.Errorf("no order-dlq yet")
		}
		if f := q.GetAnnotations()[ackv1alpha1.AnnotationAdoptionFields]; f != `{"queueURL":"https://sqs.us-east-1.amazonaws.com/123456789012/order-dlq"}` {
			return fmt.Errorf("order-dlq adoption fields %s", f)
		}
		return nil
	})
}

// Deleting the stack leaves its children to the garbage collector through
// their owner references; the stack itself goes at once.
func TestDeleteStack(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	createStack(t, stack)
	eventually(t, waitFor, "children", func() error {
		if len(children(t, ns)) == 0 {
			return fmt.Errorf("none")
		}
		return nil
	})
	if err := k8s.Delete(ctx, stack); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack gone", func() error {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(stack), &v1alpha1.EventDrivenStack{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("get: %v", err)
		}
		return nil
	})
}

// A stack applied with kubectl (or Argo CD's default client-side apply)
// carries kubectl's last-applied-configuration. The operator's cache strips
// it (it is as large as the spec), so the operator must never write the whole
// stack back: the finalizer goes on and the status is written with patches
// that leave the annotation as kubectl wrote it.
func TestKubectlLastAppliedSurvives(t *testing.T) {
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	spec, err := json.Marshal(stack)
	if err != nil {
		t.Fatal(err)
	}
	const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
	stack.Annotations = map[string]string{lastApplied: string(spec), "team": "orders"}
	createStack(t, stack)
	got := playACKUntilReady(t, ns, stack.Name)
	if !controllerutil.ContainsFinalizer(got, controller.Finalizer) {
		t.Fatalf("finalizers %v", got.Finalizers)
	}
	if got.Annotations[lastApplied] != string(spec) || got.Annotations["team"] != "orders" {
		t.Errorf("annotations after the operator's writes: %v", keys(got.Annotations))
	}
}

// A queue that carries the stack's labels but is controlled by something else
// (another stack of the same name that was deleted and created again, a
// copy) is neither read as the stack's child nor pruned: children are found
// by their controller's UID, not by label.
func TestChildOfAnotherOwnerIsLeftAlone(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	stranger := &ack.Queue{}
	stranger.SetGroupVersionKind(ack.SQSGroupVersion.WithKind("Queue"))
	stranger.SetNamespace(ns)
	stranger.SetName(stack.Name + ".stranger")
	stranger.SetLabels(map[string]string{render.LabelStack: stack.Name, render.LabelManagedBy: render.FieldManager})
	stranger.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "EventDrivenStack",
		Name: stack.Name, UID: "00000000-0000-0000-0000-000000000001", Controller: ptr.To(true)}})
	stranger.Spec.QueueName = ptr.To("stranger")
	if err := k8s.Create(ctx, stranger); err != nil {
		t.Fatal(err)
	}
	// An edit makes the operator reconcile, and prune what it owns but no
	// longer wants.
	s := getStack(t, ns, stack.Name)
	s.Spec.Tags = map[string]string{"edited": "yes"}
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	playACKUntilReady(t, ns, stack.Name)
	consistently(t, 2*time.Second, "the stranger stays, unreported", func() error {
		if _, ok := children(t, ns)["Queue/"+stranger.Name]; !ok {
			return fmt.Errorf("the queue of another owner was deleted")
		}
		for _, c := range getStack(t, ns, stack.Name).Status.Children {
			if c.Name == stranger.Name {
				return fmt.Errorf("the status reports the queue of another owner: %+v", c)
			}
		}
		return nil
	})
}
