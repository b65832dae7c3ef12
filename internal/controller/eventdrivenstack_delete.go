package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/loggroups"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
)

// Finalizer keeps a stack until its children are deleted (ACK then deletes or
// retains their AWS resources) and what the operator created itself in AWS
// (bus, rules, targets, permissions) is deleted. Deleting the children here
// rather than leaving them to the garbage collector means a stack is gone only
// once nothing of it is left, even where no garbage collector runs.
const Finalizer = "stacks.eventstack.io/routing"

// patchFinalizers adds or removes the finalizer with a patch of the
// finalizers alone (guarded by the resourceVersion), never an update of the
// whole stack: the cached stack lacks what the cache strips (kubectl's
// last-applied-configuration), which an update would erase.
func (r *EventDrivenStackReconciler) patchFinalizers(ctx context.Context, stack *v1alpha1.EventDrivenStack,
	change func(client.Object, string) bool) error {
	before := stack.DeepCopy()
	if !change(stack, Finalizer) {
		return nil
	}
	return r.Patch(ctx, stack, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
}

// errNoAWS is why a stack whose inventory lists AWS resources cannot delete
// them: the operator runs with --disable-aws.
var errNoAWS = outcome.Terminal(v1alpha1.ReasonDeleting, errors.New("the operator runs without AWS access (--disable-aws)"))

// reconcileDelete lets a stack go once what it holds is released:
//   - deletionPolicy Retain: every child gets ACK's retain annotation (also
//     when the policy was changed to Retain after the deletion began), then
//     the children are deleted; no AWS call at all;
//   - deletionPolicy Delete: what the inventory lists in AWS (the bus, its
//     rules and targets, and the Lambda permissions they needed) is deleted
//     first, then the children, whose AWS resources ACK deletes.
//
// The status is the inventory: what it never recorded is not waited for, so a
// stack that never reached AWS (no credentials, say) goes at once. While the
// stack cannot go, its status says so (reason Deleting, what it waits for, the
// AWS error and the way to let go: setDeletingStatus, written by finish), and
// it is retried with backoff, or at the resync interval when only a change
// can help.
func (r *EventDrivenStackReconciler) reconcileDelete(ctx context.Context, s *scope) (ctrl.Result, error) {
	if err := r.finalize(ctx, s); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, client.IgnoreNotFound(r.patchFinalizers(ctx, s.stack, controllerutil.RemoveFinalizer))
}

// finalize releases what the stack holds, by its deletion policy; once it
// did, with either policy, nothing is remembered of the stack any more.
func (r *EventDrivenStackReconciler) finalize(ctx context.Context, s *scope) error {
	if s.stack.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain {
		if err := r.retainChildren(ctx, s.stack); err != nil {
			return err
		}
		if err := r.deleteChildren(ctx, s.stack); err != nil {
			return err
		}
		r.forget(client.ObjectKeyFromObject(s.stack))
		return nil
	}
	// The routing first: the permissions are found on the functions the
	// children report; the bus's archive before the bus.
	if err := r.deleteArchives(ctx, s); err != nil {
		return err
	}
	if err := r.deleteRouting(ctx, s); err != nil {
		return err
	}
	if err := r.deleteLogGroups(ctx, s); err != nil {
		return err
	}
	if err := r.deleteChildren(ctx, s.stack); err != nil {
		return err
	}
	r.forget(client.ObjectKeyFromObject(s.stack))
	return nil
}

// deleteRouting deletes every bus the inventory lists (with its rules, their
// targets, and the operator's permissions on the stack's functions), and takes
// each off the inventory once it is gone.
func (r *EventDrivenStackReconciler) deleteRouting(ctx context.Context, s *scope) error {
	buses := inventory(s.stack, kindEventBus)
	scheduled := scheduledInInventory(s.stack)
	if len(buses) == 0 && len(scheduled) == 0 {
		return nil
	}
	if r.AWS == nil {
		return errNoAWS
	}
	if len(scheduled) > 0 {
		clients, err := r.clients(ctx, s)
		if err != nil {
			return err
		}
		forget := func(name string) { forgetInventory(s.stack, routing.KindScheduledRule, name) }
		if err := routing.DeleteScheduled(ctx, clients.EventBridge, scheduled, forget); err != nil {
			return &deletingError{kind: routing.KindScheduledRule, name: strings.Join(scheduled, ", "), err: err}
		}
	}
	functions, err := r.liveFunctionARNs(ctx, s.stack)
	if err != nil {
		return err
	}
	for _, bus := range buses {
		if err := r.deleteBus(ctx, s, bus.Name, functions); err != nil {
			return &deletingError{kind: kindEventBus, name: bus.Name, err: err}
		}
		forgetInventory(s.stack, kindEventBus, bus.Name)
	}
	return nil
}

// deleteLogGroups deletes the log groups the inventory lists, for a stack
// being deleted.
func (r *EventDrivenStackReconciler) deleteLogGroups(ctx context.Context, s *scope) error {
	groups, clients, err := r.inventoryToDelete(ctx, s, kindLogGroup)
	if err != nil || len(groups) == 0 {
		return err
	}
	if name, err := loggroups.DeleteAll(ctx, clients.Logs, groups, stackInventory{r: r, s: s}); err != nil {
		return &deletingError{kind: kindLogGroup, name: name, err: err}
	}
	return nil
}

// deletingError names what a stack being deleted still waits for.
type deletingError struct {
	kind, name string
	err        error
}

func (e *deletingError) Error() string {
	what := e.kind + " " + e.name
	if e.kind == kindEventBus {
		what += " (with its rules and targets)"
	}
	return fmt.Sprintf("waits for the %s to be deleted: %v", what, e.err)
}
func (e *deletingError) Unwrap() error { return e.err }

// brief is the error in a status line.
func (e *deletingError) brief() string {
	what := e.kind + " " + e.name
	if e.kind == kindEventBus {
		what += " (with its rules and targets)"
	}
	return "waits for the " + what + " to be deleted: " + awsapi.Brief(e.err)
}

// retainChildren puts ACK's retain annotation on every child that lacks it,
// with a patch of that annotation alone, before the children are deleted: ACK
// reads the policy from the object it deletes, so the AWS resources stay.
func (r *EventDrivenStackReconciler) retainChildren(ctx context.Context, stack *v1alpha1.EventDrivenStack) error {
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, ackv1alpha1.AnnotationDeletionPolicy, ackv1alpha1.DeletionPolicyRetain)
	return r.eachLiveChild(ctx, stack, func(k ack.Kind, obj ack.Object) error {
		if obj.GetAnnotations()[ackv1alpha1.AnnotationDeletionPolicy] == string(ackv1alpha1.DeletionPolicyRetain) {
			return nil
		}
		err := r.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(patch)), client.FieldOwner(render.FieldManager))
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("retaining %s %s: %w", k.GVK.Kind, obj.GetName(), err)
		}
		return nil
	})
}
