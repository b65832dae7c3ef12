// Package controllers holds the EventDrivenStack reconciler.
package controllers

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// EventDrivenStackReconciler reconciles an EventDrivenStack into its ACK children.
type EventDrivenStackReconciler struct {
	client.Client
	Recorder events.EventRecorder
	// MaxConcurrentReconciles is how many stacks are reconciled at once.
	MaxConcurrentReconciles int

	// lastStatus holds, by stack namespace/name, the UID and the hash of the
	// status last written.
	lastStatus sync.Map
}

// scope carries what one reconcile of one stack fetched and decided.
type scope struct {
	stack *v1alpha1.EventDrivenStack
	// original is the stack as read, to patch its status against.
	original *v1alpha1.EventDrivenStack
	// existing are the stack's children on the API server, by kind and name.
	existing map[status.ChildKey]ack.Object
	observed render.Observed
	rendered *render.Result
	// applied counts the children written in this reconcile.
	applied int
}

// +kubebuilder:rbac:groups=stacks.eventstack.io,resources=eventdrivenstacks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=stacks.eventstack.io,resources=eventdrivenstacks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=stacks.eventstack.io,resources=eventdrivenstacks/finalizers,verbs=update
// +kubebuilder:rbac:groups=sqs.services.k8s.aws,resources=queues,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=sns.services.k8s.aws,resources=topics;subscriptions,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=dynamodb.services.k8s.aws,resources=tables,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=lambda.services.k8s.aws,resources=functions;eventsourcemappings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=sfn.services.k8s.aws,resources=statemachines,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=iam.services.k8s.aws,resources=roles,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one stack's children in line with its spec and reports
// where they stand. Its steps run in order; each returns an error typed by
// what should happen next (see package outcome).
func (r *EventDrivenStackReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	stack := &v1alpha1.EventDrivenStack{}
	if err := r.Get(ctx, req.NamespacedName, stack); err != nil {
		if apierrors.IsNotFound(err) {
			r.lastStatus.Delete(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !stack.DeletionTimestamp.IsZero() {
		// The children carry owner references: the garbage collector deletes
		// them, and ACK deletes or retains the AWS resources by their policy.
		return ctrl.Result{}, nil
	}

	s := &scope{stack: stack, original: stack.DeepCopy()}
	var stepErr error
	defer func() {
		r.computeStatus(s, stepErr)
		retErr = kerrors.NewAggregate([]error{retErr, r.patchStatus(ctx, s)})
	}()

	for _, step := range []func(context.Context, *scope) error{
		r.reconcileValidation,
		r.reconcileObserve,
		r.reconcileRender,
		r.reconcileChildren,
		r.reconcilePrune,
	} {
		if stepErr = step(ctx, s); stepErr != nil {
			if _, terminal := outcome.IsTerminal(stepErr); terminal {
				// A spec change is needed: no hot retry; the next spec
				// change brings the next reconcile.
				return ctrl.Result{}, nil
			}
			return ctrl.Result{}, stepErr
		}
	}
	return ctrl.Result{}, nil
}

// reconcileValidation runs the webhook's checks again, so that a stack that
// reached the API server without the webhook is stalled, not half-built.
func (r *EventDrivenStackReconciler) reconcileValidation(_ context.Context, s *scope) error {
	if errs := validation.Validate(s.stack); len(errs) > 0 {
		return outcome.Terminal(v1alpha1.ReasonInvalidSpec, errs.ToAggregate())
	}
	return nil
}

// reconcileRender builds the children from the spec and what ACK reported.
func (r *EventDrivenStackReconciler) reconcileRender(_ context.Context, s *scope) error {
	res, err := render.Render(s.stack, s.observed)
	if err != nil {
		return outcome.Terminal(v1alpha1.ReasonInvalidSpec, err)
	}
	s.rendered = res
	return nil
}

// SetupWithManager watches the stacks and every ACK kind the operator creates.
func (r *EventDrivenStackReconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.EventDrivenStack{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("eventdrivenstack")
	for _, k := range ack.Kinds {
		// Status changes of children matter (ARNs, readiness), so no
		// generation predicate here.
		b = b.Owns(k.New())
	}
	if err := b.Complete(r); err != nil {
		return fmt.Errorf("setting up the EventDrivenStack controller: %w", err)
	}
	return nil
}
