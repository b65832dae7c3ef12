package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/drift"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// reconcileObserve reads the stack's children (from the cache) and what ACK
// reported of them: ARNs, and queue URLs.
func (r *EventDrivenStackReconciler) reconcileObserve(ctx context.Context, s *scope) (ctrl.Result, error) {
	return ctrl.Result{}, r.observe(ctx, s)
}

// observe reads the stack's children and what ACK reported of them into s.
func (r *EventDrivenStackReconciler) observe(ctx context.Context, s *scope) error {
	s.existing = map[status.ChildKey]ack.Object{}
	s.reported = map[status.ChildKey]int64{}
	memo := r.memos.children(s.stack)
	recorded := map[status.ChildKey]int64{}
	for _, c := range s.original.Status.Children {
		recorded[status.ChildKey{Kind: c.Kind, Name: c.Name}] = c.ObservedGeneration
	}
	s.observed = render.Observed{ARNs: map[string]string{}, URLs: map[string]string{}, Children: map[string]ack.Object{}}
	for _, k := range ack.Kinds {
		objs, err := r.listChildren(ctx, k, s.stack)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			key := status.ChildKey{Kind: k.GVK.Kind, Name: obj.GetName()}
			s.observe(key, obj)
			// Before this reconcile applies anything (see ReportedGeneration);
			// what the status records, or a reconcile saw that it does not
			// show yet.
			s.reported[key] = status.ReportedGeneration(obj, max(recorded[key], memo.reportedAt(obj.GetUID())))
			memo.forgetShown(obj.GetUID(), recorded[key])
		}
	}
	s.observed.Reclaim = r.reclaimed(s)
	s.deferred = map[status.ChildKey]string{}
	s.refused = map[status.ChildKey]string{}
	s.observed.Account = r.account(ctx, s)
	// Render decides which roles' ARNs are withheld (render.Inputs.Withheld).
	s.observed = render.Inputs{Observed: s.observed, UnsyncedRoles: unsyncedRoles(s.observed, s.reported)}.Effective(s.stack)
	s.observed.Deployed = deployedRevisions(s)
	return nil
}

// observe records a child of the stack and what ACK reported of it.
func (s *scope) observe(key status.ChildKey, obj ack.Object) {
	s.existing[key] = obj
	component := obj.GetAnnotations()[render.AnnotationComponent]
	if component == "" {
		return
	}
	s.observed.Children[component] = obj
	if arn := obj.ACKStatus().ARN(); arn != "" {
		s.observed.ARNs[component] = arn
	}
	if q, ok := obj.(*ack.Queue); ok && q.Status.QueueURL != nil {
		s.observed.URLs[component] = *q.Status.QueueURL
	}
}

// account is the AWS account the stack's resources are in, from which the
// ARNs that AWS does not check are derived (render's dependencies.go): the
// account the stack adopts in, else the one ACK reports its children in,
// else the operator's own (STS, asked once per region). "" while unknown:
// those ARNs are then waited for.
func (r *EventDrivenStackReconciler) account(ctx context.Context, s *scope) string {
	if a := s.stack.Spec.Adoption; a != nil && a.AccountID != "" {
		return a.AccountID
	}
	reported := ""
	for key, obj := range s.existing { // the first child by kind and name: the same each time
		if m := obj.ACKStatus().ACKResourceMetadata; m != nil && m.OwnerAccountID != nil && *m.OwnerAccountID != "" &&
			(reported == "" || key.Kind+"/"+key.Name < reported) {
			reported = key.Kind + "/" + key.Name
		}
	}
	if reported != "" {
		k, n, _ := strings.Cut(reported, "/")
		return string(*s.existing[status.ChildKey{Kind: k, Name: n}].ACKStatus().ACKResourceMetadata.OwnerAccountID)
	}
	if s.account.ID != "" {
		return s.account.ID // the namespace's, as ACK's
	}
	if r.AWS == nil {
		return ""
	}
	acct, err := r.AWS.Account(ctx, s.stack.Spec.Region, s.account.RoleARN)
	if err != nil {
		// Without credentials the routing says so; the children wait.
		return ""
	}
	return acct
}

// unsyncedRoles are the role components whose ARN ACK reported but that ACK
// has not reported synced with the operator's last change
// (status.RoleUsable): render withholds their ARN from what uses them
// (render.Inputs.UnsyncedRoles says why).
func unsyncedRoles(obs render.Observed, reported map[status.ChildKey]int64) map[string]bool {
	out := map[string]bool{}
	for component, obj := range obs.Children {
		if role, ok := obj.(*ack.Role); ok && !status.RoleUsable(role, reported[status.ChildKey{Kind: "Role", Name: role.Name}]) {
			out[component] = true
		}
	}
	return out
}

// OwnerIndex indexes the cached children by the UID of the stack that
// controls them, so that a reconcile reads its own children without scanning
// every child in the namespace: one stack's reconcile costs the same among
// 10 or 10,000 stacks.
const OwnerIndex = ".metadata.controller.eventdrivenstack"

// indexByOwner adds OwnerIndex to a kind's informer, keyed as
// controller-runtime's field indexes are for a List in a namespace
// ("<namespace>/<stack UID>", read by MatchingFields with InNamespace), but
// without the all-namespaces twin that IndexField adds to every object: each
// index value is a set per stack and kind, and the twin doubled them (about
// 11 MiB at 1,000 seed stacks); the operator never lists children across
// namespaces.
func indexByOwner(mgr ctrl.Manager, k ack.Kind) error {
	informer, err := mgr.GetCache().GetInformer(context.Background(), k.New())
	if err != nil {
		return err
	}
	return informer.AddIndexers(toolscache.Indexers{"field:" + OwnerIndex: func(raw any) ([]string, error) {
		obj, ok := raw.(client.Object)
		if !ok {
			return nil, fmt.Errorf("object of type %T is not an Object", raw)
		}
		uid := indexOwner(obj)
		if uid == "" {
			return nil, nil
		}
		return []string{obj.GetNamespace() + "/" + uid}, nil
	}})
}

// indexOwner is the UID of the stack that controls a child, or "".
func indexOwner(obj client.Object) string {
	ref := metav1.GetControllerOf(obj)
	if ref == nil || ref.Kind != "EventDrivenStack" || ref.APIVersion != v1alpha1.GroupVersion.String() {
		return ""
	}
	return string(ref.UID)
}

// listChildren lists one kind of what the stack controls (another stack's
// child with the same label is neither read nor pruned): from the cache by
// OwnerIndex once SetupWithManager registered it, else (a reconciler on a
// plain client, as some tests drive it) by the stack's label and owner.
func (r *EventDrivenStackReconciler) listChildren(ctx context.Context, k ack.Kind, stack *v1alpha1.EventDrivenStack) ([]ack.Object, error) {
	list := k.List()
	if r.ownerIndexed {
		if err := r.List(ctx, list, client.InNamespace(stack.Namespace), client.MatchingFields{OwnerIndex: string(stack.UID)}); err != nil {
			return nil, fmt.Errorf("listing %s children: %w", k.GVK.Kind, err)
		}
		return list.Objects(), nil
	}
	if err := r.List(ctx, list, client.InNamespace(stack.Namespace), client.MatchingLabels{render.LabelStack: stack.Name}); err != nil {
		return nil, fmt.Errorf("listing %s children: %w", k.GVK.Kind, err)
	}
	return slices.DeleteFunc(list.Objects(), func(obj ack.Object) bool { return !metav1.IsControlledBy(obj, stack) }), nil
}

// reconcileChildren applies every child that can be built and differs from
// what the API server has. An unchanged child costs no write; a child whose
// change is put off asks for the reconcile that applies it.
func (r *EventDrivenStackReconciler) reconcileChildren(ctx context.Context, s *scope) (ctrl.Result, error) {
	var errs []error
	var res ctrl.Result
	now := time.Now()
	r.sweepApplied(s)
	for _, c := range s.rendered.Children {
		if c.Object == nil {
			continue // waiting for another child's ARN or URL
		}
		key := status.ChildKey{Kind: c.Kind, Name: c.Name}
		existing := s.existing[key]
		if !drift.NeedsApply(c.Object, existing) {
			continue
		}
		obj, wait := r.toApply(s, key, c.Object, existing, now)
		if obj == nil {
			res = soonest(res, requeue(wait))
			continue
		}
		if err := r.clearAliasWeights(ctx, obj, existing); err != nil {
			errs = append(errs, fmt.Errorf("applying %s %s: %w", c.Kind, c.Name, err))
			continue
		}
		applied, err := r.apply(ctx, obj)
		if err != nil {
			errs = append(errs, fmt.Errorf("applying %s %s: %w", c.Kind, c.Name, err))
			continue
		}
		if existing != nil && applied.GetGeneration() == existing.GetGeneration() && s.reported[key] == applied.GetGeneration() {
			// Annotations alone: ACK will not report on it, and only the
			// status records that the child stays reported. Written now,
			// not coalesced, so that a restart does not lose it.
			s.annotationsOnly = true
		}
		// What AWS said was of the child before this change.
		delete(s.live, key)
		delete(s.idle, key)
		s.existing[key] = applied
		r.recordApplied(s, key, applied)
	}
	return res, kerrors.NewAggregate(errs)
}

// toApply returns what to apply of a child that differs from what the API
// server has; or nil when its change is put off (s.deferred says why; wait is
// when to try again, 0 for no sooner than the next watch event) or refused
// (s.refused).
func (r *EventDrivenStackReconciler) toApply(s *scope, key status.ChildKey, desired, existing ack.Object, now time.Time) (ack.Object, time.Duration) {
	if _, put := s.deferred[key]; put {
		return nil, 0
	}
	if why := undeployableCode(existing, desired); why != "" {
		// Without the webhook, the one place that saw the old spec.
		s.refused[key] = why
		return nil, 0
	}
	obj, why := functionStage(s, key, desired, existing)
	if obj == nil {
		s.deferred[key] = why
		return nil, probeAgain
	}
	if wait := r.appliedNotShown(s, key, obj, existing); wait > 0 {
		// Applied by an earlier reconcile; the cache has not shown it yet.
		s.deferred[key] = "applied; waits for the operator's cache to show it"
		return nil, wait
	}
	if existing != nil {
		if wait := status.ApplyDelay(existing, now); wait > 0 {
			// ACK wrote its status this very second: apply in the
			// next, so that its next status write tells it acted.
			s.deferred[key] = "a change is about to be applied (in the second after ACK's last status write)"
			return nil, wait
		}
	}
	return obj, 0
}

// undeployableCode says why a function's new zip location is not applied: it
// moved without a new sha256, which ACK would never deploy (validation.Update
// refuses it at admission).
func undeployableCode(existing, desired ack.Object) string {
	was, ok := existing.(*ack.Function)
	now, _ := desired.(*ack.Function)
	if !ok || now == nil || was.Spec.Code == nil || now.Spec.Code == nil {
		return ""
	}
	code := func(c *ack.FunctionCode) v1alpha1.FunctionCode {
		return v1alpha1.FunctionCode{S3Bucket: ptr.Deref(c.S3Bucket, ""), S3Key: ptr.Deref(c.S3Key, ""),
			S3ObjectVersion: ptr.Deref(c.S3ObjectVersion, ""), SHA256: ptr.Deref(c.SHA256, ""), ImageURI: ptr.Deref(c.ImageURI, "")}
	}
	before, after := code(was.Spec.Code), code(now.Spec.Code)
	if before.ImageURI != "" || after.ImageURI != "" || !validation.MovedWithoutNewHash(before, after) {
		return ""
	}
	return "the new code location is not applied: " + validation.UndeployedCodeReason(ptr.Deref(now.Spec.Name, ""))
}

// apply writes a child with server-side apply under the operator's field
// manager. Strict field validation turns a field the installed ACK CRD does not
// know into an error instead of silently dropping it.
// It returns the child as the API server has it after the write, status included.
func (r *EventDrivenStackReconciler) apply(ctx context.Context, obj ack.Object) (ack.Object, error) {
	desired := obj.DeepCopyObject().(ack.Object)
	//nolint:staticcheck // client.Client.Apply takes no field validation option; Patch with client.Apply does.
	err := r.Patch(ctx, desired, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
		client.FieldValidation("Strict"))
	if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) ||
		// Server-side apply answers 500 when the installed CRD's schema lacks
		// a field or type the operator sets: retrying cannot help.
		(apierrors.IsInternalError(err) && strings.Contains(err.Error(), "failed to create typed patch object")) {
		// The installed ACK CRD refuses the child: an ACK version this
		// operator does not know, or a value AWS would refuse too.
		return nil, outcome.Terminal(v1alpha1.ReasonChildRejected, err)
	}
	return desired, err
}

// reconcilePrune deletes the children that no component of the spec produces
// any more. It runs only after every apply succeeded, so a failed apply never
// leaves the stack with fewer children than it had.
func (r *EventDrivenStackReconciler) reconcilePrune(ctx context.Context, s *scope) (ctrl.Result, error) {
	wanted := make(map[status.ChildKey]bool, len(s.rendered.Children))
	for _, c := range s.rendered.Children {
		wanted[status.ChildKey{Kind: c.Kind, Name: c.Name}] = true
	}
	var errs []error
	for key, obj := range s.existing {
		if wanted[key] {
			continue
		}
		if err := r.Delete(ctx, obj, client.PropagationPolicy("Background")); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting %s %s: %w", key.Kind, key.Name, err))
			continue
		}
		delete(s.existing, key)
	}
	return ctrl.Result{}, kerrors.NewAggregate(errs)
}

// deleteChildren deletes every child of a stack being deleted. ACK deletes
// the AWS resources, or leaves them where the child carries its retain
// annotation (deletionPolicy Retain).
func (r *EventDrivenStackReconciler) deleteChildren(ctx context.Context, stack *v1alpha1.EventDrivenStack) error {
	return r.eachLiveChild(ctx, stack, func(k ack.Kind, obj ack.Object) error {
		if err := r.Delete(ctx, obj, client.PropagationPolicy("Background")); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting %s %s: %w", k.GVK.Kind, obj.GetName(), err)
		}
		return nil
	})
}

// eachLiveChild calls fn for every child of the stack that is not being
// deleted already, and returns every error it returned.
func (r *EventDrivenStackReconciler) eachLiveChild(ctx context.Context, stack *v1alpha1.EventDrivenStack, fn func(ack.Kind, ack.Object) error) error {
	var errs []error
	for _, k := range ack.Kinds {
		objs, err := r.listChildren(ctx, k, stack)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if obj.GetDeletionTimestamp().IsZero() {
				errs = append(errs, fn(k, obj))
			}
		}
	}
	return kerrors.NewAggregate(errs)
}
