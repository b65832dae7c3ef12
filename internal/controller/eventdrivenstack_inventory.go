package controller

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
)

// The stack's status holds the inventory of what the operator created in AWS
// itself (the bus, the workflows' log groups): what it lists is deleted with
// the stack, what it never listed is not waited for.

// kindEventBus is the inventory kind of the stack's EventBridge bus.
const kindEventBus = routing.KindEventBus

// stackInventory is the stack's inventory as routing.Ensure and the log
// groups record into it: an entry is written to the API server before the
// resource is created (recordIntent).
type stackInventory struct {
	r *EventDrivenStackReconciler
	s *scope
}

func (i stackInventory) Intend(ctx context.Context, kind, name string) error {
	return i.r.recordIntent(ctx, i.s, v1alpha1.AWSResource{Kind: kind, Name: name})
}

func (i stackInventory) Record(kind, name, arn string) {
	recordInventory(i.s.stack, v1alpha1.AWSResource{Kind: kind, Name: name, ARN: arn})
}

func (i stackInventory) Forget(kind, name string) { forgetInventory(i.s.stack, kind, name) }

// inventory lists the entries of a kind of the stack's inventory. A stack last
// written by an operator before the inventory existed records its bus as an
// EventBus child with an ARN: that counts too.
func inventory(stack *v1alpha1.EventDrivenStack, kind string) []v1alpha1.AWSResource {
	var out []v1alpha1.AWSResource
	for _, e := range stack.Status.Inventory {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	if stack.Status.Inventory == nil {
		for _, c := range stack.Status.Children {
			if c.Kind == kind && c.ARN != "" {
				out = append(out, v1alpha1.AWSResource{Kind: kind, Name: c.Name, ARN: c.ARN})
			}
		}
	}
	return out
}

// scheduledInInventory are the names of the scheduled rules the stack's
// inventory lists.
func scheduledInInventory(stack *v1alpha1.EventDrivenStack) []string {
	var out []string
	for _, e := range inventory(stack, routing.KindScheduledRule) {
		out = append(out, e.Name)
	}
	return out
}

// recordInventory adds an entry, or sets the ARN of the entry of that name.
func recordInventory(stack *v1alpha1.EventDrivenStack, e v1alpha1.AWSResource) {
	adoptLegacyInventory(stack)
	for i := range stack.Status.Inventory {
		if have := &stack.Status.Inventory[i]; have.Kind == e.Kind && have.Name == e.Name {
			if e.ARN != "" {
				have.ARN = e.ARN
			}
			return
		}
	}
	stack.Status.Inventory = append(stack.Status.Inventory, e)
}

// forgetInventory removes an entry: the resource is gone, or was never made.
func forgetInventory(stack *v1alpha1.EventDrivenStack, kind, name string) {
	adoptLegacyInventory(stack)
	out := stack.Status.Inventory[:0]
	for _, e := range stack.Status.Inventory {
		if e.Kind != kind || e.Name != name {
			out = append(out, e)
		}
	}
	stack.Status.Inventory = out
	if len(out) == 0 {
		// Empty, not nil: nil would read the legacy children again.
		stack.Status.Inventory = []v1alpha1.AWSResource{}
	}
}

// adoptLegacyInventory turns the legacy record (an EventBus child with an
// ARN) into inventory entries before the inventory is first changed.
func adoptLegacyInventory(stack *v1alpha1.EventDrivenStack) {
	if stack.Status.Inventory == nil {
		stack.Status.Inventory = append([]v1alpha1.AWSResource{}, inventory(stack, kindEventBus)...)
	}
}

// recordIntent writes an inventory entry to the API server before the call
// that creates the resource, so that a crash between the call and the status
// write cannot lose track of it: a stack deleted meanwhile still deletes it.
// It costs one status write in the life of a bus.
func (r *EventDrivenStackReconciler) recordIntent(ctx context.Context, s *scope, e v1alpha1.AWSResource) error {
	for _, have := range inventory(s.stack, e.Kind) {
		if have.Name == e.Name {
			return nil
		}
	}
	recordInventory(s.stack, e)
	body, err := json.Marshal(map[string]any{"status": map[string]any{"inventory": s.stack.Status.Inventory}})
	if err != nil {
		return err
	}
	// A patch of the inventory alone, into a copy: the reconcile's view of
	// the stack stays as it was read.
	target := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Namespace: s.stack.Namespace, Name: s.stack.Name}}
	if err := r.Status().Patch(ctx, target, client.RawPatch(types.MergePatchType, body)); err != nil {
		return fmt.Errorf("recording the %s %s in the stack's inventory before creating it: %w", e.Kind, e.Name, err)
	}
	s.original.Status.Inventory = append([]v1alpha1.AWSResource(nil), s.stack.Status.Inventory...)
	return nil
}

// inventoryToDelete is what the inventory lists of a kind, for a stack being
// deleted, and the AWS clients to delete it with; none listed: nothing, and
// no client made.
func (r *EventDrivenStackReconciler) inventoryToDelete(ctx context.Context, s *scope, kind string) ([]v1alpha1.AWSResource, *awsapi.Clients, error) {
	listed := inventory(s.stack, kind)
	if len(listed) == 0 {
		return nil, nil, nil
	}
	if r.AWS == nil {
		return nil, nil, errNoAWS
	}
	clients, err := r.clients(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	return listed, clients, nil
}
