package controller_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/controller"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
)

// directReconciler is a reconciler the test drives by hand, for stacks the
// suite's operator leaves alone (directShardLabel), against the fake AWS with
// the given extra SDK options.
func directReconciler(t *testing.T, opts ...func(*config.LoadOptions) error) *controller.EventDrivenStackReconciler {
	t.Helper()
	raw, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return &controller.EventDrivenStackReconciler{Client: raw,
		AWS: &awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: append(testAWSOptions(), opts...)}}
}

// directStack creates the seed stack, with prefix, for a direct reconciler.
func directStack(t *testing.T, ns, prefix string) (*v1alpha1.EventDrivenStack, ctrl.Request) {
	t.Helper()
	return directStackWith(t, ns, prefix, nil)
}

// directStackWith creates the seed stack, with prefix and edited, for a
// direct reconciler.
func directStackWith(t *testing.T, ns, prefix string, edit func(*v1alpha1.EventDrivenStack)) (*v1alpha1.EventDrivenStack, ctrl.Request) {
	t.Helper()
	stack := prefixed(t, ns, prefix)
	stack.Labels = map[string]string{directShardLabel: "direct"}
	if edit != nil {
		edit(stack)
	}
	if err := k8s.Create(context.Background(), stack); err != nil {
		t.Fatal(err)
	}
	return stack, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stack)}
}

func stackGone(t *testing.T, stack *v1alpha1.EventDrivenStack) bool {
	t.Helper()
	err := k8s.Get(context.Background(), client.ObjectKeyFromObject(stack), &v1alpha1.EventDrivenStack{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return apierrors.IsNotFound(err)
}

// A stack whose operator never reached AWS (no credentials) records nothing
// in its inventory, and is deleted at once, without a single AWS call.
func TestDeleteAStackThatNeverReachedAWS(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	noCredentials := config.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no EC2 IMDS role found")
	}))
	r := directReconciler(t, noCredentials)
	stack, req := directStack(t, ns, "nocred-")
	for i := 0; i < 2; i++ {
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	got := getStack(t, ns, stack.Name)
	ready := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionReady)
	if ready == nil || ready.Reason != awsapi.ReasonAWSCredentials {
		t.Fatalf("Ready without credentials: %+v", ready)
	}
	// The cause said once, briefly, with the hint; the rules wait for the bus.
	const brief = "no AWS credentials: set up EKS Pod Identity or IRSA"
	if !strings.HasPrefix(ready.Message, brief) || len(ready.Message) > 300 || strings.Contains(ready.Message, "operation error") {
		t.Errorf("Ready message %q, want the brief cause", ready.Message)
	}
	for _, c := range got.Status.Children {
		switch {
		case c.Kind == "EventBus" && !strings.Contains(c.Message, brief):
			t.Errorf("bus status %+v", c)
		case c.Kind == "Rule" && c.Message != "waits for the EventBus nocred-custom-event-bus":
			t.Errorf("rule status %+v, want it to wait for the bus", c)
		}
	}
	if len(got.Status.Inventory) != 0 || len(children(t, ns)) == 0 {
		t.Fatalf("inventory %v, %d children: want nothing in AWS and the ACK children created", got.Status.Inventory, len(children(t, ns)))
	}

	before := fake.Calls()
	if err := k8s.Delete(ctx, stack); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatalf("deleting: %v", err)
	}
	if !stackGone(t, stack) {
		t.Fatalf("the stack is still there: %+v", getStack(t, ns, stack.Name).Status.Conditions)
	}
	if left := keys(children(t, ns)); len(left) > 0 {
		t.Errorf("children left: %v", left)
	}
	if after := fake.Calls(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("deleting a stack that never reached AWS called AWS: %v, then %v", before, after)
	}
}

// The bus is recorded in the stack's inventory before the call that creates
// it: a create whose answer is lost (AWS created the bus, the operator never
// learnt it) is still deleted with the stack. A create AWS refuses records
// nothing.
func TestInventoryIsRecordedBeforeTheBusIsCreated(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	r := directReconciler(t, config.WithRetryMaxAttempts(1))

	// Refused: nothing in AWS, nothing in the inventory.
	refused, req := directStack(t, ns, "refused-")
	fake.SetFault(localaws.Fault{Fail: []localaws.OpFailure{{Op: "events:CreateEventBus", Code: "AccessDeniedException"}}})
	t.Cleanup(fake.ClearFault)
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := getStack(t, ns, refused.Name); len(got.Status.Inventory) != 0 ||
		!meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.ConditionStalled) {
		t.Fatalf("after a refused create: inventory %v, conditions %+v", got.Status.Inventory, got.Status.Conditions)
	}
	if err := k8s.Delete(ctx, refused); err != nil {
		t.Fatal(err)
	}
	mutating := fake.MutatingCalls()
	if _, err := r.Reconcile(ctx, req); err != nil || !stackGone(t, refused) {
		t.Fatalf("deleting after a refused create: %v", err)
	}
	if n := fake.MutatingCalls() - mutating; n != 0 {
		t.Errorf("deleting a stack whose bus AWS refused made %d mutating calls", n)
	}

	// Lost: AWS created the bus but the answer never came back.
	lost, req := directStack(t, ns, "lost-")
	fake.SetFault(localaws.Fault{Fail: []localaws.OpFailure{{Op: "events:CreateEventBus", Code: "InternalException", AfterApplying: true}}})
	if _, err := r.Reconcile(ctx, req); err == nil {
		t.Fatal("a lost create answer is not an error")
	}
	if _, ok := fake.Bus("lost-custom-event-bus"); !ok {
		t.Fatal("the fake did not create the bus")
	}
	got := getStack(t, ns, lost.Name)
	if len(got.Status.Inventory) != 1 || got.Status.Inventory[0] != (v1alpha1.AWSResource{Kind: "EventBus", Name: "lost-custom-event-bus"}) {
		t.Fatalf("inventory after a lost create answer: %+v, want the bus without an ARN", got.Status.Inventory)
	}
	fake.ClearFault()
	if err := k8s.Delete(ctx, lost); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reconcile(ctx, req); err != nil || !stackGone(t, lost) {
		t.Fatalf("deleting after a lost create answer: %v", err)
	}
	if _, ok := fake.Bus("lost-custom-event-bus"); ok {
		t.Error("the bus whose create answer was lost outlived its stack")
	}
}

// While AWS refuses to delete the routing, the stack says it is being
// deleted, what it waits for, AWS's error and the way to let go; setting
// deletionPolicy Retain on the terminating stack lets it go without another
// AWS call, and its children keep their AWS resources (ACK's retain
// annotation, put on before they are deleted).
func TestDeletionWaitsForAWSAndRetainLetsGo(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "stuck-")
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	// A finalizer of the test's own plays ACK's: the child stays, terminating,
	// so that its annotations can be read once it is deleted.
	table := children(t, ns)["Table/event-driven-stack.event-driven-orders"]
	const ackFinalizer = "test.eventstack.io/ack"
	controllerutil.AddFinalizer(table, ackFinalizer)
	if err := k8s.Update(ctx, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		patch := []byte(`{"metadata":{"finalizers":null}}`)
		_ = k8s.Patch(ctx, table, client.RawPatch(types.MergePatchType, patch))
	})

	fake.SetFault(localaws.Fault{Fail: []localaws.OpFailure{
		{Op: "events:DeleteRule", Code: "AccessDeniedException"}, {Op: "events:DeleteEventBus", Code: "AccessDeniedException"}}})
	t.Cleanup(fake.ClearFault)
	if err := k8s.Delete(ctx, stack); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the stack says it is being deleted and why it waits", func() error {
		s := getStack(t, ns, stack.Name)
		ready := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady)
		stalled := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionStalled)
		if ready == nil || ready.Reason != v1alpha1.ReasonDeleting || stalled == nil || stalled.Reason != awsapi.ReasonAWSAccessDenied {
			return fmt.Errorf("conditions %+v", s.Status.Conditions)
		}
		for _, want := range []string{"waits for the EventBus stuck-custom-event-bus", "AWS denied events:Delete", "set spec.deletionPolicy to Retain"} {
			if !strings.Contains(ready.Message, want) {
				return fmt.Errorf("Ready message lacks %q: %s", want, ready.Message)
			}
		}
		return nil
	})
	out, stderr, err := testEnv.ControlPlane.KubeCtl().Run("get", "eds", "-n", ns) //nolint:staticcheck // the suite runs kubectl as the control plane's admin, as KubeCtl does
	if err != nil {
		msg, _ := io.ReadAll(stderr)
		t.Fatalf("%v: %s", err, msg)
	}
	if text, _ := io.ReadAll(out); !strings.Contains(string(text), "Deleting") {
		t.Errorf("kubectl get eds while deleting:\n%s", text)
	}
	if _, ok := children(t, ns)["Table/event-driven-stack.event-driven-orders"]; !ok {
		t.Fatal("children deleted before the routing")
	}

	// Let go: Retain.
	mutating := fake.MutatingCalls()
	patch := []byte(`{"spec":{"deletionPolicy":"Retain"}}`)
	if err := k8s.Patch(ctx, getStack(t, ns, stack.Name), client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack gone", func() error {
		if !stackGone(t, stack) {
			return fmt.Errorf("still there")
		}
		return nil
	})
	if n := fake.MutatingCalls() - mutating; n != 0 {
		t.Errorf("letting go with Retain made %d mutating AWS calls", n)
	}
	if _, ok := fake.Bus("stuck-custom-event-bus"); !ok {
		t.Error("the bus was deleted although the stack let go with Retain")
	}
	left := children(t, ns)
	kept := left["Table/event-driven-stack.event-driven-orders"]
	if kept == nil || kept.GetDeletionTimestamp() == nil || kept.GetAnnotations()[ackv1alpha1.AnnotationDeletionPolicy] != "retain" {
		t.Fatalf("the table child, deleted with the stack: %v", kept)
	}
	if len(left) != 1 {
		t.Errorf("children left besides the one ACK holds: %v", keys(left))
	}
	// The bus is left in the test's fake: remove it for the next tests.
	fake.ClearFault()
	clients, err := (&awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: testAWSOptions()}).For(ctx, "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	bus, err := routing.Observe(ctx, clients.EventBridge, "stuck-custom-event-bus")
	if err == nil {
		err = routing.DeleteBus(ctx, clients.EventBridge, bus)
	}
	if err != nil {
		t.Fatal(err)
	}
}
