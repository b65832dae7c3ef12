package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/alarmwatch"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// reconcileRollouts decides, for each function with a rollout, where its
// live alias sends the traffic now (rollout.Decide: from the version
// published for the rendered revision, the watched alarms, the check the
// phase waits for, a kubectl eds rollout command and the time), writes the
// decisions into the status, renders the aliases again from it, records an
// event for each transition and asks to be woken when the next step is due.
// Everything it decides from is in the status or observed: a restarted
// operator decides the same.
func (r *EventDrivenStackReconciler) reconcileRollouts(ctx context.Context, s *scope) (ctrl.Result, error) {
	var res ctrl.Result
	var errs []error
	var out []v1alpha1.RolloutStatus
	commands := rollout.ParseCommands(s.stack.Annotations[rollout.AnnotationCommands])
	for _, f := range s.stack.Spec.Functions {
		if f.Rollout == nil {
			continue
		}
		in := rollout.Input{Spec: *f.Rollout, Status: render.RolloutOf(s.stack, f.Name), Published: published(s, f.Name),
			Now: r.clock().Now(), Alarms: r.rolloutAlarms(s, f.Name)}
		in.Command = rollout.CommandFor(commands[f.Name], in.Status)
		in.Previous = rollout.PreviousOf(render.PublishedVersions(s.observed, f.Name), in.Status.Live, int(ptr.Deref(f.Rollout.KeepVersions, rollout.DefaultKeepVersions)))
		d := rollout.Decide(in)
		// A check runs once its phase was written and the alias routes as
		// it says: a post-traffic check tests the trial taking all traffic.
		if d.RunCheck != "" && d.Status.Phase == in.Status.Phase && r.aliasRoutes(s, f.Name) {
			check, err := r.runCheck(ctx, s, f.Name, d.RunCheck, in.Status)
			if err != nil {
				errs = append(errs, err)
				out = appendRollout(out, d.Status)
				continue
			}
			in.Check = &check
			d = rollout.Decide(in)
		}
		if d.RunCheck != "" {
			res = soonest(res, requeue(checkAgain))
		}
		if d.After > 0 {
			res = soonest(res, requeue(r.clock().Wait(d.After)))
		}
		if !equality.Semantic.DeepEqual(d.Status, in.Status) {
			// A transition: an event (a decision that changes nothing says
			// it once, not at every reconcile).
			r.rolloutEvent(s, f.Name, d)
		}
		out = appendRollout(out, d.Status)
	}
	s.stack.Status.Rollouts = out
	r.renderAliases(s)
	if waitsForDeployment(s) {
		// The status this reconcile writes may say that Lambda runs the
		// revision (reconcileProbe asks it); nothing else would wake the
		// stack to publish its version then.
		res = soonest(res, requeue(checkAgain))
	}
	return res, outcome.Deferred(outcome.Aggregate(errs))
}

// waitsForDeployment says whether a Version child waits for Lambda to run
// its revision.
func waitsForDeployment(s *scope) bool {
	for _, c := range s.rendered.Children {
		if c.Kind == "Version" && c.Object == nil {
			return true
		}
	}
	return false
}

// appendRollout adds a function's rollout status, once it has one (a
// version was published).
func appendRollout(out []v1alpha1.RolloutStatus, st v1alpha1.RolloutStatus) []v1alpha1.RolloutStatus {
	if st.Phase == "" {
		return out
	}
	return append(out, st)
}

// checkAgain is when a check waits for its phase to be written and the alias
// to route as it says.
const checkAgain = 2 * time.Second

// clock is the time rollouts are decided at.
func (r *EventDrivenStackReconciler) clock() rollout.Clock {
	if r.RolloutClock != nil {
		return r.RolloutClock
	}
	return rollout.Real{}
}

// published is the version Lambda published for the function's rendered
// revision: its Version child's number, once ACK reported it and Lambda
// settled it; none while it is not.
func published(s *scope, function string) rollout.Published {
	var rev string
	for _, c := range s.rendered.Children {
		if c.Component == render.Key(refs.Function, function) && c.Object != nil {
			rev = c.Object.GetAnnotations()[render.AnnotationRevision]
		}
	}
	v, ok := s.observed.Children[render.VersionKey(function, rev)].(*ack.Version)
	if rev == "" || !ok || v == nil || v.Status.Version == nil || ack.KindOf(v).Assess(v).InProgress != "" {
		return rollout.Published{}
	}
	return rollout.Published{Version: *v.Status.Version, Revision: rev}
}

// rolloutAlarms are the states of the alarms a function's trial watches, as
// the alarm watcher last read them (no AWS call; it wakes the stack when one
// changes).
func (r *EventDrivenStackReconciler) rolloutAlarms(s *scope, function string) []rollout.Alarm {
	names := render.RolloutAlarms(s.stack, function)
	if r.Alarms == nil || len(names) == 0 {
		return nil
	}
	states := r.Alarms.States(alarmwatch.Account{Region: s.stack.Spec.Region, RoleARN: s.account.RoleARN}, names)
	var out []rollout.Alarm
	for _, n := range names {
		st, ok := states[n]
		if !ok {
			continue
		}
		a := rollout.Alarm{Name: n, State: st.State, Reason: st.Reason}
		if st.Since != nil {
			a.Since = *st.Since
		}
		out = append(out, a)
	}
	return out
}

// aliasRoutes says whether the function's Alias child, as ACK last reported
// it, routes what the rollout's status says: applied as rendered now, and
// reported on since.
func (r *EventDrivenStackReconciler) aliasRoutes(s *scope, function string) bool {
	want := render.AliasChild(s.stack, s.observed, function)
	if want.Object == nil {
		return false
	}
	have, ok := s.observed.Children[render.Key(render.AliasKind, function)].(*ack.Alias)
	if !ok || have == nil || have.Annotations[render.AnnotationSpecHash] != want.Object.GetAnnotations()[render.AnnotationSpecHash] {
		return false
	}
	return s.reported[status.ChildKey{Kind: "Alias", Name: have.Name}] == have.Generation
}

// runCheck invokes the check function of a phase with the trial's version;
// an error of the call decides nothing and is retried (reconcileRollouts
// defers it, so that the children are applied all the same).
func (r *EventDrivenStackReconciler) runCheck(ctx context.Context, s *scope, function, check string, st v1alpha1.RolloutStatus) (rollout.Check, error) {
	if r.AWS == nil {
		return rollout.Check{}, fmt.Errorf("rollout of %s: check %s: no AWS access", function, check)
	}
	clients, err := r.clients(ctx, s)
	if err != nil {
		return rollout.Check{}, err
	}
	fnARN := s.observed.ARNs[render.Key(refs.Function, function)]
	checkARN := s.observed.ARNs[render.Key(refs.Function, check)]
	if fnARN == "" || checkARN == "" {
		return rollout.Check{}, fmt.Errorf("rollout of %s: check %s: waits for the ARNs of both functions", function, check)
	}
	stage := "preTraffic"
	if st.Phase == v1alpha1.RolloutVerifying {
		stage = "postTraffic"
	}
	res, err := rollout.RunCheck(ctx, clients.Lambda, checkARN, rollout.CheckEvent{Function: fnARN, Version: fnARN + ":" + st.Trial, Stage: stage})
	if err != nil {
		return rollout.Check{}, fmt.Errorf("rollout of %s: %w", function, err)
	}
	return res, nil
}

// rolloutEvent records a decision's transition on the stack.
func (r *EventDrivenStackReconciler) rolloutEvent(s *scope, function string, d rollout.Decision) {
	if d.Event == "" || r.Recorder == nil {
		return
	}
	kind, reason := corev1.EventTypeNormal, "RolloutStep"
	switch d.Status.Phase {
	case v1alpha1.RolloutRolledBack:
		kind, reason = corev1.EventTypeWarning, "RolledBack"
	case v1alpha1.RolloutPromoted:
		reason = "Promoted"
	}
	r.Recorder.Eventf(s.stack, nil, kind, reason, "Rollout", "%s: %s", function, d.Event)
}

// renderAliases renders each live alias again from the status just decided.
func (r *EventDrivenStackReconciler) renderAliases(s *scope) {
	for i, c := range s.rendered.Children {
		if c.Kind != "Alias" {
			continue
		}
		function := c.Component[len(render.AliasKind)+1:]
		s.rendered.Children[i] = render.AliasChild(s.stack, s.observed, function)
	}
}

// deployedRevisions are, by function component, the revision Lambda runs for
// each function with a rollout: its Function child's, once the stack's
// status last written reports that child Ready at its generation (render
// makes the revision's Version child then). The status, not ACK's own: after
// an update lambda-controller reports the function synced with Lambda's
// LastUpdateStatus still InProgress until its next resync, and the status
// holds what the operator asked Lambda itself (reconcileProbe).
func deployedRevisions(s *scope) map[string]string {
	ready := map[string]int64{}
	for _, c := range s.original.Status.Children {
		if c.Kind == "Function" && c.State == v1alpha1.ChildReady {
			ready[c.Name] = c.ObservedGeneration
		}
	}
	out := map[string]string{}
	for _, f := range s.stack.Spec.Functions {
		if f.Rollout == nil {
			continue
		}
		fn, ok := s.observed.Children[render.Key(refs.Function, f.Name)].(*ack.Function)
		if !ok || fn == nil || fn.Annotations[render.AnnotationRevision] == "" || ptr.Deref(fn.Status.CodeSHA256, "") == "" {
			continue
		}
		if gen, ok := ready[fn.Name]; ok && gen == fn.Generation {
			out[render.Key(refs.Function, f.Name)] = fn.Annotations[render.AnnotationRevision]
		}
	}
	return out
}

// rolloutCommands lets a change of the stack's rollout commands (kubectl eds
// rollout promote|abort, an annotation) through the stack's generation
// predicate.
var rolloutCommands = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		return e.ObjectOld != nil && e.ObjectNew != nil &&
			e.ObjectOld.GetAnnotations()[rollout.AnnotationCommands] != e.ObjectNew.GetAnnotations()[rollout.AnnotationCommands]
	},
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

// clearAliasWeights empties an Alias child's weights with a JSON merge patch
// when it goes back to one version, before the apply says so: a server-side
// apply that takes a map from some keys to none leaves it null, not {}
// (kubernetes/kubernetes#104694 and #117447, seen with the test control
// plane's kube-apiserver), which the lambda CRD refuses ("must be of type
// object"), and lambda-controller needs the {} to clear Lambda's weights
// (docs/ack-behaviour.md row 32). The merge patch removes the keys and keeps
// the map; the apply that follows owns an empty map.
func (r *EventDrivenStackReconciler) clearAliasWeights(ctx context.Context, obj, existing ack.Object) error {
	want, ok := obj.(*ack.Alias)
	have, _ := existing.(*ack.Alias)
	if !ok || have == nil || want.Spec.RoutingConfig == nil || len(want.Spec.RoutingConfig.AdditionalVersionWeights) > 0 ||
		have.Spec.RoutingConfig == nil || len(have.Spec.RoutingConfig.AdditionalVersionWeights) == 0 {
		return nil
	}
	cleared := have.DeepCopy()
	cleared.Spec.RoutingConfig.AdditionalVersionWeights = map[string]*float64{}
	return r.Patch(ctx, cleared, client.MergeFrom(have))
}
