// Package controllers holds the EventDrivenStack reconciler.
package controller

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/alarmwatch"
	"github.com/eventstack-io/eventstack-operator/internal/metrics"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// +kubebuilder:rbac:groups=stacks.eventstack.io,resources=eventdrivenstacks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=stacks.eventstack.io,resources=eventdrivenstacks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=stacks.eventstack.io,resources=eventdrivenstacks/finalizers,verbs=update
// +kubebuilder:rbac:groups=sqs.services.k8s.aws,resources=queues,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=sns.services.k8s.aws,resources=topics;subscriptions,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=dynamodb.services.k8s.aws,resources=tables,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=lambda.services.k8s.aws,resources=functions;eventsourcemappings;versions;aliases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=sfn.services.k8s.aws,resources=statemachines,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=iam.services.k8s.aws,resources=roles,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=cloudwatch.services.k8s.aws,resources=metricalarms,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,resourceNames=ack-role-account-map,verbs=get

// Reconcile brings one stack's children in line with its spec and reports
// where they stand: get, the finalizer, then the steps in order (those of a
// stack being deleted, or of a live one), each returning its result and an
// error typed by what should happen next (see package outcome); the status is
// computed and written once, in finish.
func (r *EventDrivenStackReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, retErr error) {
	start := time.Now()
	stack := &v1alpha1.EventDrivenStack{}
	if err := r.Get(ctx, req.NamespacedName, stack); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
			metrics.ForgetStack(req.String())
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	deleting := !stack.DeletionTimestamp.IsZero()
	if deleting && !controllerutil.ContainsFinalizer(stack, Finalizer) {
		return ctrl.Result{}, nil
	}
	if !deleting {
		if err := r.patchFinalizers(ctx, stack, controllerutil.AddFinalizer); err != nil {
			// Before anything is created, so that nothing is ever lost track of.
			return ctrl.Result{}, err
		}
	}
	s := &scope{stack: stack, original: stack.DeepCopy()}
	var stepErr error
	defer func() { res, retErr = r.finish(ctx, s, start, res, stepErr) }()
	steps := []step{
		{run: r.reconcileValidation},
		{run: r.reconcileObserve},
		{run: r.reconcileObserveRouting},
		{run: r.reconcileLogGroups},
		{run: r.reconcileRender},
		{run: r.reconcileRollouts},
		{run: r.reconcileProbe},
		{run: r.reconcileChildren},
		{run: r.reconcileRouting},
		{run: r.reconcilePrune, onlyAfterSuccess: true},
	}
	if deleting {
		steps = []step{{run: r.reconcileDelete}}
	}
	res, stepErr = runSteps(ctx, s, steps)
	return res, stepErr
}

// step is one part of a reconcile: what it observes or does goes to the
// scope; what should happen next is its result and its error.
type step struct {
	run func(context.Context, *scope) (ctrl.Result, error)
	// onlyAfterSuccess: it runs only when every step before it succeeded,
	// deferred errors included (prune removes nothing while anything failed).
	onlyAfterSuccess bool
}

// runSteps runs the steps in order and aggregates their results (the soonest
// requeue) and errors. An error stops the steps after it unless it is
// outcome.Deferred: the routing read and the log groups defer theirs, so that
// the children are applied without AWS access too.
func runSteps(ctx context.Context, s *scope, steps []step) (ctrl.Result, error) {
	var res ctrl.Result
	var errs []error
	for _, st := range steps {
		if st.onlyAfterSuccess && len(errs) > 0 {
			break
		}
		r, err := st.run(ctx, s)
		res = soonest(res, r)
		if err == nil {
			continue
		}
		errs = append(errs, err)
		if !outcome.IsDeferred(err) {
			break
		}
	}
	return res, outcome.Aggregate(errs)
}

// finish is the one status writer: it computes the stack's status from the
// scope and the steps' error (a stack being deleted: where its deletion
// stands; none once it let go), writes it when it changed, and turns the
// steps' result and error into the reconcile's: a terminal error stalls the
// stack (no error, the next try at the resync interval), a stack whose steps
// asked nothing is resynced.
func (r *EventDrivenStackReconciler) finish(ctx context.Context, s *scope, start time.Time, res ctrl.Result, stepErr error) (ctrl.Result, error) {
	deleting := !s.stack.DeletionTimestamp.IsZero()
	if deleting && !controllerutil.ContainsFinalizer(s.stack, Finalizer) {
		return ctrl.Result{}, stepErr // it let go: nothing is left to report on
	}
	if deleting {
		setDeletingStatus(s.stack, stepErr)
	} else {
		computeStatus(s, stepErr, r.AWS != nil)
		r.rememberReported(s)
	}
	due, writeErr := r.patchStatus(ctx, s, stepErr)
	reason, terminal := outcome.IsTerminal(stepErr)
	switch {
	case terminal:
		// A spec change (or an IAM fix) is needed: no hot retry; a spec
		// change or the next resync brings the next reconcile.
		log.FromContext(ctx).Info("stalled", "reason", reason, "error", stepErr.Error())
		res, stepErr = r.resync(s.stack), nil
		if deleting {
			res = requeue(r.stalledRetry())
		}
	case stepErr != nil:
		res = ctrl.Result{}
	case res.IsZero():
		res = r.resync(s.stack)
	}
	if due > 0 && (res.RequeueAfter == 0 || due < res.RequeueAfter) {
		// Progress not written yet: it is, when its interval ends.
		res.RequeueAfter = due
	}
	err := kerrors.NewAggregate([]error{stepErr, writeErr})
	if !deleting {
		recordMetrics(start, client.ObjectKeyFromObject(s.stack).String(), s.stack, err)
	}
	return res, err
}

// watchAlarms makes the alarm watcher: it reads the alarms in ALARM every
// status interval (alarmsAgain without one) and every alarm at each resync,
// and wakes the stacks whose alarms changed state.
func (r *EventDrivenStackReconciler) watchAlarms(mgr ctrl.Manager) error {
	interval := r.ProgressInterval
	if interval <= 0 {
		interval = alarmsAgain
	}
	full := r.ResyncInterval
	if full <= 0 {
		full = 5 * time.Minute
	}
	r.wake = make(chan event.TypedGenericEvent[*v1alpha1.EventDrivenStack], 1024)
	r.Alarms = &alarmwatch.Watcher{Interval: interval, FullEvery: full, Wake: func(ctx context.Context, key types.NamespacedName) {
		stack := &v1alpha1.EventDrivenStack{}
		stack.Namespace, stack.Name = key.Namespace, key.Name
		select {
		case r.wake <- event.TypedGenericEvent[*v1alpha1.EventDrivenStack]{Object: stack}:
		case <-ctx.Done():
		}
	}}
	return mgr.Add(r.Alarms)
}

// alarmsAgain is how often alarm states are read when the reconciler has no
// status interval.
const alarmsAgain = 10 * time.Second

// rateLimiter is controller-runtime's default (per-stack exponential backoff
// from 5 ms, and an overall token bucket) with the backoff capped at the
// resync interval instead of 1000 s: after an AWS outage a stack is retried
// at least as often as it is resynced, so it recovers within one interval.
func (r *EventDrivenStackReconciler) rateLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	maxDelay := 5 * time.Minute
	if r.ResyncInterval > 0 {
		maxDelay = r.ResyncInterval
	}
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, maxDelay),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}

// stalledRetry is when a stack that only a change can help (Stalled) is tried
// again: the resync interval.
func (r *EventDrivenStackReconciler) stalledRetry() time.Duration {
	if r.ResyncInterval > 0 {
		return wait.Jitter(r.ResyncInterval, 0.1)
	}
	return wait.Jitter(5*time.Minute, 0.1)
}

// resync asks for the next reconcile of a stack with a bus or event source
// mappings after the resync interval, jittered so that many stacks do not resync at once.
func (r *EventDrivenStackReconciler) resync(stack *v1alpha1.EventDrivenStack) ctrl.Result {
	if (stack.Spec.EventBus == nil && len(inventory(stack, kindEventBus)) == 0 && !consumesQueues(stack)) || r.AWS == nil || r.ResyncInterval <= 0 {
		return ctrl.Result{}
	}
	after := wait.Jitter(r.ResyncInterval, 0.1)
	if next := r.nextRoutingRead(stack); next > 0 && next < after {
		// This reconcile used what an earlier one read: the next read is
		// due one interval after that one.
		after = next
	}
	return ctrl.Result{RequeueAfter: after}
}

// consumesQueues says whether a function of the stack consumes a queue: its
// event source mappings are read back at each resync (reconcileProbe).
func consumesQueues(stack *v1alpha1.EventDrivenStack) bool {
	for _, f := range stack.Spec.Functions {
		if len(f.Consumes) > 0 {
			return true
		}
	}
	return false
}

// recordMetrics records the reconcile's duration and the stack's state.
func recordMetrics(start time.Time, key string, stack *v1alpha1.EventDrivenStack, err error) {
	state := metrics.StateProgressing
	switch {
	case meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionStalled):
		state = metrics.StateStalled
	case meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionReady):
		state = metrics.StateReady
	}
	metrics.RecordStack(key, state)
	result := "success"
	if err != nil {
		result = "error"
	} else if state == metrics.StateStalled {
		result = "stalled"
	}
	metrics.ObserveReconcile(start, result)
}

// reconcileRender builds the children from the spec and what ACK reported.
func (r *EventDrivenStackReconciler) reconcileRender(_ context.Context, s *scope) (ctrl.Result, error) {
	res, err := render.Render(s.stack, s.observed)
	if err != nil {
		return ctrl.Result{}, outcome.Terminal(v1alpha1.ReasonInvalidSpec, err)
	}
	s.rendered = res
	return ctrl.Result{}, nil
}

// SetupWithManager watches the stacks and every ACK kind the operator creates.
func (r *EventDrivenStackReconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		// A spec change, or a kubectl eds rollout command (an annotation).
		For(&v1alpha1.EventDrivenStack{}, builder.WithPredicates(predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, rolloutCommands))).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles),
			RateLimiter:             r.rateLimiter(),
		}).
		Named("eventdrivenstack")
	for _, k := range ack.Kinds {
		if err := indexByOwner(mgr, k); err != nil {
			return fmt.Errorf("indexing %s by owner: %w", k.GVK.Kind, err)
		}
		// Status changes of children matter (ARNs, readiness), so no
		// generation predicate here.
		b = b.Owns(k.New())
	}
	r.ownerIndexed = true
	if r.Alarms == nil && r.AWS != nil {
		if err := r.watchAlarms(mgr); err != nil {
			return err
		}
	}
	if r.wake != nil {
		b = b.WatchesRawSource(source.Channel(r.wake, &handler.TypedEnqueueRequestForObject[*v1alpha1.EventDrivenStack]{}))
	}
	if err := b.Complete(r); err != nil {
		return fmt.Errorf("setting up the EventDrivenStack controller: %w", err)
	}
	return nil
}
