package controller

import (
	"sigs.k8s.io/controller-runtime/pkg/event"

	"context"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/alarmwatch"

	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
	"github.com/eventstack-io/eventstack-operator/internal/status"
	"github.com/eventstack-io/eventstack-operator/internal/tenancy"
)

// The reconciler, what one reconcile of a stack observed (scope), and what
// its steps share: the stack's AWS clients and their results.

// EventDrivenStackReconciler reconciles an EventDrivenStack into its ACK children.
type EventDrivenStackReconciler struct {
	client.Client
	Recorder events.EventRecorder
	// MaxConcurrentReconciles is how many stacks are reconciled at once.
	MaxConcurrentReconciles int
	// Tenancy applies the platform's guardrails, finds the account of a
	// namespace's stacks and the owner of each AWS name; nil checks nothing
	// (a reconciler on a plain client, as some tests drive it).
	Tenancy *tenancy.Guard
	// AWS gives the EventBridge and Lambda clients; nil leaves the routing
	// (bus, rules, targets, permissions) alone.
	AWS *awsapi.Factory
	// ResyncInterval is how often a stack with a bus is read back from AWS
	// to repair drift (jittered by up to 10%).
	ResyncInterval time.Duration

	// ownerIndexed is set once SetupWithManager indexed the cached children
	// by OwnerIndex.
	ownerIndexed bool

	// ProgressInterval is the least time between two status writes of a
	// stack that report progress only (see patchStatus); 0 writes each.
	ProgressInterval time.Duration

	// Alarms follows the stacks' alarm states and wakes a stack whose
	// alarms changed (SetupWithManager makes it); nil: no alarm state is
	// read (a reconciler driven by hand in tests).
	Alarms *alarmwatch.Watcher
	// wake carries the stacks the alarm watcher wakes to the controller.
	wake chan event.TypedGenericEvent[*v1alpha1.EventDrivenStack]

	// RolloutClock is the time rollouts are decided at; nil is the wall
	// clock (tests of whole rollouts give a scaled one).
	RolloutClock rollout.Clock

	// memos is everything remembered of stacks between reconciles.
	memos memoRegistry
}

// scope carries what one reconcile of one stack observed, and what its steps
// did that the status reports; what should happen next is each step's result
// and error.
type scope struct {
	stack *v1alpha1.EventDrivenStack
	// original is the stack as read, to patch its status against.
	original *v1alpha1.EventDrivenStack
	// existing are the stack's children on the API server, by kind and name.
	existing map[status.ChildKey]ack.Object
	// reported is, by child, the generation ACK has reported on, as judged
	// before this reconcile applied anything (status.ReportedGeneration).
	reported map[status.ChildKey]int64
	observed render.Observed
	rendered *render.Result

	// account is where the stack's AWS resources are (its namespace's, as
	// ACK's); accountKnown once it was looked up.
	account      tenancy.Account
	accountKnown bool
	// clients and bus are the AWS clients and what exists in EventBridge.
	clients *awsapi.Clients
	bus     *routing.Bus
	// scheduled is the default bus as far as the stack's scheduled rules
	// go; nil when it has none, in the spec or the inventory.
	scheduled *routing.Bus
	// routingStatus is where the bus and each rule stand.
	routingStatus []v1alpha1.ChildStatus
	// deferred are the children whose change was put off, and why.
	deferred map[status.ChildKey]string
	// refused are the children whose change is not applied until the spec
	// changes, and why.
	refused map[status.ChildKey]string
	// live is what AWS itself said of children where ACK's status cannot
	// tell (reconcileProbe), and idle whether AWS takes a change of them now.
	live map[status.ChildKey]*status.Live
	idle map[status.ChildKey]bool
	// annotationsOnly: a child's apply changed its annotations alone, so
	// that only the status records that it stays reported (written now, not
	// coalesced).
	annotationsOnly bool
	// logGroupStatus is where the workflows' log groups stand.
	logGroupStatus []v1alpha1.ChildStatus
	// policies are the operator's statements in each function's policy, by
	// function ARN, as read (or remembered) and then changed.
	policies map[string]map[string]routing.Statement
	// routingReadAt is when bus and policies were read from AWS.
	routingReadAt time.Time
	// alarms are the alarm states read from CloudWatch in this reconcile;
	// nil when not read (the last ones written stay).
	alarms []v1alpha1.AlarmState
}

// clients returns the AWS clients of the stack's account: the operator's
// own credentials, or the role its namespace is mapped to.
func (r *EventDrivenStackReconciler) clients(ctx context.Context, s *scope) (*awsapi.Clients, error) {
	if !s.accountKnown && r.Tenancy != nil {
		acct, err := r.Tenancy.Account(ctx, s.stack.Namespace)
		if err != nil {
			return nil, outcome.Terminal(v1alpha1.ReasonAccountNotMapped, err)
		}
		s.account, s.accountKnown = acct, true
	}
	c, err := r.AWS.For(ctx, s.stack.Spec.Region, s.account.RoleARN)
	if err != nil {
		return nil, outcome.Terminal(awsapi.ReasonAWSCredentials, err)
	}
	return c, nil
}

// soonest is the result that requeues soonest of a and b.
func soonest(a, b ctrl.Result) ctrl.Result {
	if a.RequeueAfter == 0 || (b.RequeueAfter > 0 && b.RequeueAfter < a.RequeueAfter) {
		return b
	}
	return a
}

// requeue is a result that asks for the next reconcile after d.
func requeue(d time.Duration) ctrl.Result { return ctrl.Result{RequeueAfter: d} }
