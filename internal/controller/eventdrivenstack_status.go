package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// computeStatus sets the stack's status from what this reconcile observed and
// did (the scope) and the error its steps returned, if any; withAWS says
// whether the operator has AWS access at all. It writes nothing and calls
// nothing: a pure function of its inputs.
func computeStatus(s *scope, stepErr error, withAWS bool) {
	st := &s.stack.Status
	if s.rendered != nil {
		prev := make(map[status.ChildKey]v1alpha1.ChildStatus, len(s.original.Status.Children))
		for _, c := range s.original.Status.Children {
			prev[status.ChildKey{Kind: c.Kind, Name: c.Name}] = c
		}
		mismatched := map[string]render.Mismatch{}
		for _, m := range render.Mismatches(s.stack, s.observed) {
			mismatched[m.Component] = m
		}
		st.Children = make([]v1alpha1.ChildStatus, 0, len(s.rendered.Children))
		for _, c := range s.rendered.Children {
			key := status.ChildKey{Kind: c.Kind, Name: c.Name}
			before := prev[key]
			if gen, ok := s.reported[key]; ok {
				before.ObservedGeneration = gen
			}
			child := status.Child(c, s.existing[key], s.existing, before, s.live[key])
			if m, ok := mismatched[c.Component]; ok {
				// Never kept silently: what named it was rendered again.
				child.Message = strings.TrimPrefix(child.Message+"; ", "; ") + "ACK reports the ARN " + m.Reported +
					", not " + m.Derived + " as derived from its name: what names it uses the reported one"
			}
			if why, ok := s.deferred[key]; ok {
				child.Ready, child.State, child.Message = false, v1alpha1.ChildInProgress, why
			}
			if why, ok := s.refused[key]; ok {
				child.Ready, child.State, child.Message = false, v1alpha1.ChildStalled, why
			}
			st.Children = append(st.Children, child)
		}
		st.Outputs = s.rendered.Outputs
		st.Children = append(st.Children, s.logGroupStatus...)
		st.Children = append(st.Children, routingStatus(s, stepErr, withAWS)...)
	}
	ready := 0
	for _, c := range st.Children {
		if c.Ready {
			ready++
		}
	}
	st.Resources = fmt.Sprintf("%d/%d", ready, len(st.Children))
	status.SetConditions(s.stack, stepErr)
	setAlarms(s.stack, s.alarms, s.alarms != nil)
	if _, terminal := outcome.IsTerminal(stepErr); stepErr == nil || terminal {
		// The spec was fully acted on (or cannot be): the status describes it.
		st.ObservedGeneration = s.stack.Generation
	}
}

// routingStatus is where the bus and the rules stand; when the routing was not
// reached in this reconcile, each says why, so that the stack is never Ready
// while a rule is missing.
func routingStatus(s *scope, stepErr error, withAWS bool) []v1alpha1.ChildStatus {
	bus := s.stack.Spec.EventBus
	if bus == nil || len(s.routingStatus) > 0 {
		return s.routingStatus
	}
	why := "waits for the ACK children to be applied"
	switch {
	case !withAWS:
		why = "not created: the operator runs without AWS access (--disable-aws)"
	case stepErr != nil:
		why = "not reconciled: " + awsapi.Brief(stepErr)
	}
	busName := s.stack.Spec.NamePrefix + bus.Name
	out := []v1alpha1.ChildStatus{{Kind: kindEventBus, Name: busName, Component: "eventBus/" + bus.Name,
		State: v1alpha1.ChildWaiting, Message: why}}
	return append(out, rulesWaitingForBus(s, busName)...)
}

// rulesWaitingForBus are the rules' lines while their bus is not there: the
// bus's line says why, once.
func rulesWaitingForBus(s *scope, busName string) []v1alpha1.ChildStatus {
	var out []v1alpha1.ChildStatus
	for _, rule := range s.stack.Spec.Rules {
		out = append(out, v1alpha1.ChildStatus{Kind: routing.RuleKind(rule), Name: s.stack.Spec.NamePrefix + rule.Name, Component: "rule/" + rule.Name,
			ARN: s.observed.ARNs[render.RuleKey(rule.Name)], State: v1alpha1.ChildWaiting, Message: "waits for the EventBus " + busName})
	}
	return out
}

// setDeletingStatus says that the stack is being deleted, what it still waits
// for and why, and how to let it go without deleting its AWS resources.
func setDeletingStatus(stack *v1alpha1.EventDrivenStack, err error) {
	var de *deletingError
	detail := awsapi.Brief(err)
	if errors.As(err, &de) {
		detail = de.brief()
	}
	msg := "being deleted (deletionPolicy " + string(stack.Spec.DeletionPolicy) + "): " + detail
	if stack.Spec.DeletionPolicy != v1alpha1.DeletionPolicyRetain {
		msg += "; to let the stack go and keep its AWS resources, set spec.deletionPolicy to Retain"
	}
	set := func(t string, st metav1.ConditionStatus, reason string) {
		meta.SetStatusCondition(&stack.Status.Conditions, metav1.Condition{Type: t, Status: st, Reason: reason,
			Message: status.Truncate(msg, 2000), ObservedGeneration: stack.Generation})
	}
	set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeleting)
	set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonDeleting)
	if reason, terminal := outcome.IsTerminal(err); terminal {
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue, reason)
	} else {
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
	}
	for i, c := range stack.Status.Children {
		if de != nil && c.Kind == de.kind && c.Name == de.name {
			stack.Status.Children[i].Ready, stack.Status.Children[i].State = false, outcome.ChildState(err)
			stack.Status.Children[i].Message = "being deleted: " + awsapi.Brief(de.err)
		}
	}
	stack.Status.ObservedGeneration = stack.Generation
}

// rememberReported records, for each child whose new status says ACK
// reported on a generation the cached status does not record, that
// generation (see stackMemo.reported).
func (r *EventDrivenStackReconciler) rememberReported(s *scope) {
	recorded := make(map[status.ChildKey]int64, len(s.original.Status.Children))
	for _, c := range s.original.Status.Children {
		recorded[status.ChildKey{Kind: c.Kind, Name: c.Name}] = c.ObservedGeneration
	}
	for _, c := range s.stack.Status.Children {
		key := status.ChildKey{Kind: c.Kind, Name: c.Name}
		if obj := s.existing[key]; obj != nil && c.ObservedGeneration > recorded[key] {
			r.memos.children(s.stack).report(obj.GetUID(), c.ObservedGeneration)
		}
	}
}

// patchStatus writes the status once, and only when it changed: writing an
// unchanged status would cost a write and, through the watch, a reconcile.
// It records an event when Ready or Stalled changes.
//
// What changed decides when it is written:
//   - at once: a new observedGeneration, a change of a condition's status or
//     reason (Ready, Stalled, Reconciling: what kstatus, Argo CD and
//     `kubectl wait` read), and the inventory;
//   - coalesced: progress alone (children's states and messages, the
//     ready/total count, outputs, condition messages) is written at most once
//     per ProgressInterval; it returns when the interval ends, for the
//     reconcile to be requeued then, so the last progress is written then if
//     nothing else came first.
//
// So a stack is written a handful of times from creation to Ready, however
// ACK spreads its reports of the children, and `kubectl get eds -w` still
// shows its progress every interval.
//
// The cache may still hold the stack as it was before the last status write
// (a child's event can bring the next reconcile first); the status last written
// for each stack is remembered so that the same status is not written twice.
func (r *EventDrivenStackReconciler) patchStatus(ctx context.Context, s *scope, stepErr error) (time.Duration, error) {
	if equality.Semantic.DeepEqual(s.original.Status, s.stack.Status) {
		return 0, nil
	}
	sum, err := statusHash(&s.stack.Status)
	if err != nil {
		return 0, err
	}
	memo := r.memos.of(s.stack)
	memo.mu.Lock()
	last := memo.written
	memo.mu.Unlock()
	if last != nil && last.hash == sum {
		return 0, nil
	}
	// Significant against what was last written, not against the cached
	// stack, which may predate that write.
	sig := significance(&s.stack.Status)
	if last != nil && r.ProgressInterval > 0 && sig == last.significance && !s.annotationsOnly {
		if due := time.Until(last.at.Add(r.ProgressInterval)); due > 0 {
			return due, nil
		}
	}
	if err := r.Status().Patch(ctx, s.stack, client.MergeFrom(s.original)); err != nil {
		return 0, client.IgnoreNotFound(err)
	}
	memo.mu.Lock()
	memo.written = &writtenStatus{hash: sum, significance: sig, at: time.Now()}
	memo.mu.Unlock()
	r.recordTransitions(s.original, s.stack, stepErr)
	return 0, nil
}

// significance is what of a status is written at once when it changes
// rather than coalesced (see patchStatus): the observed generation, the
// inventory, and the status and reason of Ready, Stalled and Reconciling.
func significance(st *v1alpha1.EventDrivenStackStatus) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", st.ObservedGeneration)
	for _, e := range st.Inventory {
		fmt.Fprintf(&b, "|%s/%s/%s", e.Kind, e.Name, e.ARN)
	}
	if st.Inventory != nil {
		b.WriteString("|inventory")
	}
	for _, t := range []string{v1alpha1.ConditionReady, v1alpha1.ConditionStalled, v1alpha1.ConditionReconciling} {
		if c := meta.FindStatusCondition(st.Conditions, t); c != nil {
			fmt.Fprintf(&b, "|%s=%s/%s", t, c.Status, c.Reason)
		}
	}
	return b.String()
}

// statusHash identifies a status by what it says: the conditions' transition
// times are left out, since a reconcile that read the stack from before the
// last status write (the cache lags) sees the transition again and stamps it
// a second later, saying nothing new.
func statusHash(st *v1alpha1.EventDrivenStackStatus) (string, error) {
	said := *st
	said.Conditions = make([]metav1.Condition, len(st.Conditions))
	for i, c := range st.Conditions {
		c.LastTransitionTime = metav1.Time{}
		said.Conditions[i] = c
	}
	b, err := json.Marshal(&said)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// recordTransitions emits an event when the Ready or Stalled condition changes.
// Its note is the error's whole chain, where the status holds its brief form.
func (r *EventDrivenStackReconciler) recordTransitions(before, after *v1alpha1.EventDrivenStack, stepErr error) {
	if r.Recorder == nil {
		return
	}
	was := meta.FindStatusCondition(before.Status.Conditions, v1alpha1.ConditionReady)
	now := meta.FindStatusCondition(after.Status.Conditions, v1alpha1.ConditionReady)
	if now == nil || (was != nil && was.Status == now.Status && was.Reason == now.Reason) {
		return
	}
	eventType := corev1.EventTypeNormal
	if meta.IsStatusConditionTrue(after.Status.Conditions, v1alpha1.ConditionStalled) {
		eventType = corev1.EventTypeWarning
	}
	note := now.Message
	if stepErr != nil {
		note = stepErr.Error()
	}
	// The API server refuses an event note over 1024 characters.
	r.Recorder.Eventf(after, nil, eventType, now.Reason, "Reconcile", "%s", status.Truncate(note, 1024))
}
