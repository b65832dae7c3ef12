package released

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/harness"
)

// children lists a stack's children of one kind.
func children(t *testing.T, stack *v1alpha1.EventDrivenStack, k ack.Kind) []ack.Object {
	t.Helper()
	list := k.List()
	if err := k8s.List(context.Background(), list, client.InNamespace(stack.Namespace), client.MatchingLabels{render.LabelStack: stack.Name}); err != nil {
		t.Fatal(err)
	}
	return list.Objects()
}

func kind(name string) ack.Kind {
	for _, k := range ack.Kinds {
		if k.GVK.Kind == name {
			return k
		}
	}
	panic("no kind " + name)
}

// ownResources are the resources of the local AWS named with prefix.
func ownResources(prefix string) []string { //nolint:unparam // the prefix is the stack's namePrefix, named where the stack is made
	var out []string
	for _, arn := range fake.Resources() {
		if strings.Contains(arn, ":"+prefix) || strings.Contains(arn, "/"+prefix) {
			out = append(out, arn)
		}
	}
	return out
}

// The answer to lambda-controller's CreateFunction is lost (the function is
// created, the answer is a 500), the SDK retries, Lambda answers 409, and the
// runtime stops on "Resource already exists": the stack's own function, which
// it carries the stack's tag of. The operator has ACK adopt it.
func TestLostCreateAnswer(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "lost-")
	fake.SetFault(localaws.Fault{Fail: []localaws.OpFailure{{
		Op: "lambda:CreateFunction", Nth: 1, Naming: "lost-event-order-processor",
		Code: "ServiceException", Status: 500, Message: "the answer was lost", AfterApplying: true,
	}}})
	t.Cleanup(fake.ClearFault)
	create(t, stack)
	fn := children(t, stack, kind("Function"))
	for _, f := range fn {
		if strings.HasSuffix(f.GetName(), "event-order-processor") {
			if f.GetAnnotations()[ackv1alpha1.AnnotationAdopted] != "true" {
				t.Errorf("function %s: annotations %v; want ACK's adopted annotation", f.GetName(), f.GetAnnotations())
			}
			return
		}
	}
	t.Fatal("no event-order-processor function child")
}

// A stack whose status an earlier release wrote (no per-child generations)
// and whose children lack the deletion-policy annotation this release adds:
// the operator adds it (an apply of annotations alone, which ACK never
// reconciles) and the stack stays Ready.
func TestUpgradeFromTheEarlierRelease(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "upg-")
	create(t, stack)
	ctx := context.Background()
	// The earlier release's status: no observedGeneration per child.
	got := get(t, stack)
	for i := range got.Status.Children {
		got.Status.Children[i].ObservedGeneration = 0
	}
	if err := k8s.Status().Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	// The earlier release's children: no deletion-policy annotation.
	remove, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{ackv1alpha1.AnnotationDeletionPolicy: nil}}})
	for _, k := range ack.Kinds {
		for _, obj := range children(t, stack, k) {
			if err := k8s.Patch(ctx, obj, client.RawPatch(types.MergePatchType, remove), client.FieldOwner("earlier-release")); err != nil {
				t.Fatal(err)
			}
		}
	}
	harness.Eventually(t, settle, "every child annotated again", func() error {
		for _, k := range ack.Kinds {
			for _, obj := range children(t, stack, k) {
				if obj.GetAnnotations()[ackv1alpha1.AnnotationDeletionPolicy] == "" {
					return errorf("%s %s has no deletion-policy annotation", k.GVK.Kind, obj.GetName())
				}
			}
		}
		return nil
	})
	waitReady(t, stack, settle)
}

// A subscription of every protocol the API allows reaches Ready (email,
// email-json, http and https pending their confirmation), and the stack
// deletes although SNS keeps pending subscriptions until their topic goes.
func TestSubscriptionOfEveryProtocol(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "subs-")
	stack.Spec.Topics[0].Subscriptions = []v1alpha1.Subscription{
		{Protocol: "sqs", Queue: "order-queue", RawMessageDelivery: true,
			FilterPolicy: &apiextensionsv1.JSON{Raw: []byte(`{"kind":["order"]}`)}},
		{Protocol: "email", Endpoint: "ops@example.com"},
		{Protocol: "email-json", Endpoint: "ops-json@example.com"},
		{Protocol: "sms", Endpoint: "+15555550100"},
		{Protocol: "http", Endpoint: "http://hooks.example.com/orders"},
		{Protocol: "https", Endpoint: "https://hooks.example.com/orders", RawMessageDelivery: true},
	}
	create(t, stack)
	subs := fake.Subscriptions("arn:aws:sns:us-east-1:" + fake.AccountID + ":subs-event-notifications")
	if len(subs) != len(stack.Spec.Topics[0].Subscriptions) {
		t.Fatalf("SNS holds %d subscriptions of the topic, want %d: %+v", len(subs), len(stack.Spec.Topics[0].Subscriptions), subs)
	}
	// A new filter policy: SNS reports the scope, which ACK compares.
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) {
		s.Spec.Topics[0].Subscriptions[0].FilterPolicy = &apiextensionsv1.JSON{Raw: []byte(`{"kind":["order","refund"]}`)}
	})
	waitReady(t, stack, settle)

	deleteAndWait(t, stack)
	harness.Eventually(t, time.Minute, "no subscription child left", func() error {
		if left := children(t, stack, kind("Subscription")); len(left) > 0 {
			return errorf("%d subscriptions left, the first %v", len(left), left[0].ACKStatus().Conditions)
		}
		return nil
	})
}

// A mapping disabled outside the stack (in the console) is enabled again:
// lambda-controller never reads Enabled back.
func TestMappingDisabledOutOfBand(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "esm-")
	create(t, stack)
	var uuid string
	for _, obj := range children(t, stack, kind("EventSourceMapping")) {
		uuid = ptr.Deref(obj.(*ack.EventSourceMapping).Status.UUID, "")
		break
	}
	if uuid == "" {
		t.Fatal("no mapping with a UUID")
	}
	if !fake.SetMappingEnabledOutOfBand(uuid, false) {
		t.Fatalf("no mapping %s in Lambda", uuid)
	}
	harness.Eventually(t, delays.MappingUpdate+settle, "mapping enabled again", func() error {
		if m, _ := fake.Mapping(uuid); m.State != "Enabled" {
			return errorf("mapping %s is %s", uuid, m.State)
		}
		return nil
	})
	waitReady(t, stack, settle)
}

// Retain leaves every AWS resource of a deleted stack; a new stack that
// adopts them reaches Ready on them; deleting it (deletionPolicy Delete)
// leaves nothing.
func TestRetainAdoptAndDelete(t *testing.T) {
	t.Parallel()
	stack := seedStack(t, "keep-")
	stack.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
	create(t, stack)
	before := ownResources("keep-")
	deleteAndWait(t, stack)
	if after := ownResources("keep-"); len(after) != len(before) || len(after) == 0 {
		t.Fatalf("Retain: %d resources before the delete, %d after:\n%s", len(before), len(after), strings.Join(after, "\n"))
	}

	adopter := seedStack(t, "keep-")
	adopter.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: fake.AccountID, AdoptRoles: true}
	create(t, adopter)
	if after := ownResources("keep-"); len(after) != len(before) {
		t.Errorf("adoption: %d resources, want the %d adopted", len(after), len(before))
	}
	deleteAndWait(t, adopter)
	harness.Eventually(t, time.Minute, "nothing left in AWS", func() error {
		if left := ownResources("keep-"); len(left) > 0 {
			return errorf("left: %s", strings.Join(left, ", "))
		}
		return nil
	})
}

// deleteAndWait deletes a stack and waits until it is gone.
func deleteAndWait(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	if err := k8s.Delete(context.Background(), get(t, stack)); err != nil {
		t.Fatal(err)
	}
	harness.Eventually(t, 2*time.Minute, "stack "+stack.Name+" deleted", func() error {
		s := &v1alpha1.EventDrivenStack{}
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(stack), s); err == nil {
			return errorf("still there: %v %s", s.Status.Conditions, notReady(s))
		}
		return nil
	})
}
