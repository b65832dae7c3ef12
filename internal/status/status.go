// Package status says where an EventDrivenStack and each of its children
// stand, from what the API server holds: pure functions, table-tested without
// a cluster. Conditions follow kstatus: Ready, and Reconciling and Stalled
// present only while true.
package status

import (
	"fmt"
	"strings"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// ChildKey identifies a child in the stack's namespace.
type ChildKey struct{ Kind, Name string }

// ACKController names the ACK service controller that reconciles a kind, for
// messages that tell the user what a child waits for: each kind's
// ack.Kind.Controller, by kind ("" for the operator's own: EventBus, Rule,
// LogGroup).
var ACKController = func() map[string]string {
	m := make(map[string]string, len(ack.Kinds))
	for _, k := range ack.Kinds {
		m[k.GVK.Kind] = k.Controller
	}
	return m
}()

// Child says where one child stands. existing is the child on the API
// server (nil before it is created); all holds every child, to tell a waiting
// child what its dependency itself waits for; prev is what the stack's status
// said of the child before (its zero value when it said nothing).
//
// A child is Ready only once ACK has reported on the operator's last change of
// it (Reported), ACK reports it synced, and what ACK reports for its kind says
// it works (Assess): ACK's own conditions alone do not say all of that.
//
// live, when not nil, is what AWS itself says of the child where ACK's status
// cannot tell (package probe): a function ACK last saw InProgress or Pending,
// a state machine ACK updated without writing its status. It stands over
// what ACK's status says of the child's progress.
func Child(c render.Child, existing ack.Object, all map[ChildKey]ack.Object, prev v1alpha1.ChildStatus, live *Live) v1alpha1.ChildStatus {
	out := v1alpha1.ChildStatus{Kind: c.Kind, Name: c.Name, Component: c.Component}
	if existing == nil {
		if len(c.Needs) > 0 {
			out.State = v1alpha1.ChildWaiting
			out.Message = "waits for " + describeNeeds(c.Needs, all)
		} else {
			out.State = v1alpha1.ChildInProgress
			out.Message = "not created yet"
		}
		return out
	}
	st := existing.ACKStatus()
	out.ARN = st.ARN()
	reported := Reported(existing, prev.ObservedGeneration)
	out.ObservedGeneration = prev.ObservedGeneration
	if reported {
		out.ObservedGeneration = existing.GetGeneration()
	}
	terminal := st.Condition(ackv1alpha1.ConditionTypeTerminal)
	synced := st.Condition(ackv1alpha1.ConditionTypeResourceSynced)
	isSynced := synced != nil && synced.Status == corev1.ConditionTrue
	a := Assess(c.Kind, existing)
	if live != nil {
		switch {
		case live.Failed != "":
			a = Assessment{Stalled: live.Failed}
		case live.Settled:
			// AWS holds what the child declares and is done with it: ACK
			// acted on the change, whatever its status says since.
			reported, isSynced, a = true, true, Assessment{}
			out.ObservedGeneration = existing.GetGeneration()
		case live.Working != "":
			a.InProgress = live.Working
		case live.Differs != "":
			a.InProgress = live.Differs + " (ACK has not applied it yet)"
		}
	}
	switch {
	case len(st.Conditions) == 0:
		out.State = v1alpha1.ChildInProgress
		out.Message = fmt.Sprintf("waits for the ACK %s controller to create it in AWS (is it installed and running, with AWS credentials?)", ACKController[c.Kind])
	case !reported:
		// What ACK reported is about an earlier spec, a terminal error too.
		out.State = v1alpha1.ChildInProgress
		out.Message = fmt.Sprintf("waits for the ACK %s controller to act on the change applied at %s", ACKController[c.Kind],
			appliedAt(existing).UTC().Format(time.RFC3339))
	case a.Stalled != "":
		out.State, out.Message = v1alpha1.ChildStalled, a.Stalled
	case terminal != nil && terminal.Status == corev1.ConditionTrue:
		out.State = v1alpha1.ChildStalled
		out.Message = "ACK reports a terminal error: " + conditionMessage(terminal)
	case len(c.Needs) > 0:
		out.State = v1alpha1.ChildInProgress
		out.Message = "its update waits for " + describeNeeds(c.Needs, all)
	case isSynced && len(c.Partial) > 0:
		out.State = v1alpha1.ChildInProgress
		out.Message = "created without its access policy, which waits for " + describeNeeds(c.Partial, all)
	case isSynced && a.InProgress != "":
		out.State, out.Message = v1alpha1.ChildInProgress, a.InProgress
	case isSynced:
		out.State, out.Message = v1alpha1.ChildReady, a.Note
		out.Ready = true
	default:
		out.State = v1alpha1.ChildInProgress
		if rec := st.Condition(ackv1alpha1.ConditionTypeRecoverable); rec != nil && rec.Status == corev1.ConditionTrue {
			out.Message = "ACK retries: " + conditionMessage(rec)
		} else if a.InProgress != "" {
			out.Message = a.InProgress
		} else if live != nil && live.Working != "" {
			out.Message = live.Working
		} else if synced != nil {
			out.Message = "ACK is syncing it: " + conditionMessage(synced)
		} else {
			out.Message = "ACK is syncing it"
		}
	}
	return out
}

func conditionMessage(c *ackv1alpha1.Condition) string {
	if c.Message != nil && *c.Message != "" {
		return *c.Message
	}
	if c.Reason != nil {
		return *c.Reason
	}
	return string(c.Status)
}

// describeNeeds says what a child waits for, and why each value is not known yet.
func describeNeeds(needs []render.Dependency, all map[ChildKey]ack.Object) string {
	parts := make([]string, 0, len(needs))
	for _, d := range needs {
		why := "which is not created yet"
		if obj, exists := all[ChildKey{d.Kind, d.Name}]; exists {
			why = fmt.Sprintf("which the ACK %s controller has not reported yet", ACKController[d.Kind])
			if role, ok := obj.(*ack.Role); ok && role.ACKStatus().ARN() != "" && !RoleUsable(role, 0) {
				why = "which the ACK iam controller has created, but not yet reported synced with its policies"
			}
		}
		if ACKController[d.Kind] == "" {
			why = "which the operator has not created yet"
		}
		parts = append(parts, d.String()+" ("+why+")")
	}
	return strings.Join(parts, "; ")
}

// SetConditions sets Ready, Reconciling and Stalled the way kstatus reads them:
// Stalled and Reconciling are present only while true.
func SetConditions(stack *v1alpha1.EventDrivenStack, stepErr error) {
	var notReady []string
	stalled := []string{}
	waiting := false
	for _, c := range stack.Status.Children {
		switch c.State {
		case v1alpha1.ChildStalled:
			stalled = append(stalled, c.Kind+" "+c.Name+": "+c.Message)
		case v1alpha1.ChildWaiting:
			waiting = true
		}
		if !c.Ready {
			notReady = append(notReady, c.Kind+" "+c.Name+" ("+c.State.String()+": "+c.Message+")")
		}
	}
	gen := stack.Generation
	set := func(t string, status metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&stack.Status.Conditions, metav1.Condition{
			Type: t, Status: status, Reason: reason, Message: Truncate(msg, 2000), ObservedGeneration: gen,
		})
	}

	rolling, rolledBack := rolloutLines(stack.Status.Rollouts)
	reason, terminal := outcome.IsTerminal(stepErr)
	switch {
	case terminal:
		// The cause once, briefly; its whole chain is in the event and the log.
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, awsapi.Brief(stepErr))
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, awsapi.Brief(stepErr))
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionReconciling)
	case len(stalled) > 0:
		msg := strings.Join(stalled, "; ")
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonChildStalled, msg)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonChildStalled, msg)
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionReconciling)
	case len(rolledBack) > 0:
		msg := strings.Join(rolledBack, "; ") + "; publish a fixed version (or revert the spec to the live one)"
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonRolledBack, msg)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonRolledBack, msg)
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionReconciling)
	case stepErr != nil:
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonReconcileError, awsapi.Brief(stepErr))
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonReconcileError, "retrying: "+awsapi.Brief(stepErr))
	case len(notReady) > 0:
		reason := v1alpha1.ReasonProgressing
		if waiting {
			reason = v1alpha1.ReasonWaitingForDependencies
		}
		msg := progressMessage(stack.Status.Children, notReady)
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, msg)
	case len(rolling) > 0:
		msg := strings.Join(rolling, "; ")
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonRollingOut, msg)
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonRollingOut, msg)
	default:
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionReconciling)
		set(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonSucceeded,
			fmt.Sprintf("all %d children are ready", len(stack.Status.Children)))
	}
}

// rolloutLines are the functions' rollouts that keep the stack from Ready:
// those with a trial running, and those rolled back, each as a line.
func rolloutLines(rollouts []v1alpha1.RolloutStatus) (rolling, rolledBack []string) {
	for _, r := range rollouts {
		switch r.Phase {
		case v1alpha1.RolloutChecking:
			rolling = append(rolling, fmt.Sprintf("function %s: version %s is being checked before it takes traffic (version %s live)", r.Function, r.Trial, r.Live))
		case v1alpha1.RolloutShifting:
			rolling = append(rolling, fmt.Sprintf("function %s: version %s takes %d%% of the traffic, step %d of %d (version %s live)",
				r.Function, r.Trial, r.TrialWeight, r.Step, r.Steps, r.Live))
		case v1alpha1.RolloutVerifying:
			rolling = append(rolling, fmt.Sprintf("function %s: version %s takes all the traffic and is being checked", r.Function, r.Trial))
		case v1alpha1.RolloutRolledBack:
			rolledBack = append(rolledBack, fmt.Sprintf("function %s: version %s rolled back to version %s: %s", r.Function, r.Trial, r.Live, r.Reason))
		}
	}
	return rolling, rolledBack
}

// progressMessage says briefly how far the children are: how many wait for
// another child and how many for ACK, the first one's reason, and a few names
// (every child's line is in status.children and kubectl eds status).
func progressMessage(children []v1alpha1.ChildStatus, notReady []string) string {
	counts := map[v1alpha1.ChildState]int{}
	for _, c := range children {
		if !c.Ready {
			counts[c.State]++
		}
	}
	var parts []string
	for _, st := range []struct {
		state v1alpha1.ChildState
		what  string
	}{{v1alpha1.ChildWaiting, "waiting for other children"}, {v1alpha1.ChildInProgress, "in progress"}, {v1alpha1.ChildStalled, "stalled"}} {
		if n := counts[st.state]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st.what))
		}
	}
	// The one told in full: a child that waits for another says what the
	// stack waits for; else the first.
	first := 0
	for i, c := range notReadyStates(children) {
		if c == v1alpha1.ChildWaiting {
			first = i
			break
		}
	}
	msg := fmt.Sprintf("%d of %d children not ready (%s): %s", len(notReady), len(children), strings.Join(parts, ", "), notReady[first])
	const names = 3
	var more []string
	for i, n := range notReady {
		if i != first && len(more) < names {
			more = append(more, n[:strings.Index(n, " (")])
		}
	}
	if len(more) > 0 {
		msg += "; and " + strings.Join(more, ", ")
		if len(notReady) > names+1 {
			msg += fmt.Sprintf(", … (%d more)", len(notReady)-names-1)
		}
	}
	return msg
}

// notReadyStates are the states of the children not ready, in order.
func notReadyStates(children []v1alpha1.ChildStatus) []v1alpha1.ChildState {
	var out []v1alpha1.ChildState
	for _, c := range children {
		if !c.Ready {
			out = append(out, c.State)
		}
	}
	return out
}

// Truncate cuts s to limit bytes, marking the cut with "...".
func Truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return s[:limit-3] + "..."
}
