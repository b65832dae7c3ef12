package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// ackController names the ACK service controller that reconciles a kind, for
// messages that tell the user what a child waits for.
var ackController = map[string]string{
	"Queue": "sqs", "Topic": "sns", "Subscription": "sns", "Table": "dynamodb",
	"Function": "lambda", "EventSourceMapping": "lambda", "StateMachine": "sfn", "Role": "iam",
}

// computeStatus sets the stack's status from what this reconcile saw and did.
// stepErr is the error the reconcile stopped on, if any.
func (r *EventDrivenStackReconciler) computeStatus(s *scope, stepErr error) {
	st := &s.stack.Status
	if s.rendered != nil {
		st.Children = make([]v1alpha1.ChildStatus, 0, len(s.rendered.Children))
		for _, c := range s.rendered.Children {
			st.Children = append(st.Children, childStatus(c, s.existing[childKey{c.Kind, c.Name}], s.existing))
		}
		st.Outputs = s.rendered.Outputs
	}
	ready := 0
	for _, c := range st.Children {
		if c.Ready {
			ready++
		}
	}
	st.Resources = fmt.Sprintf("%d/%d", ready, len(st.Children))
	setConditions(s.stack, stepErr)
	if _, terminal := outcome.IsTerminal(stepErr); stepErr == nil || terminal {
		// The spec was fully acted on (or cannot be): the status describes it.
		st.ObservedGeneration = s.stack.Generation
	}
}

// childStatus says where one child stands. existing is the child on the API
// server (nil before it is created); all holds every child, to tell a waiting
// child what its dependency itself waits for.
func childStatus(c render.Child, existing ack.Object, all map[childKey]ack.Object) v1alpha1.ChildStatus {
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
	terminal := st.Condition(ackv1alpha1.ConditionTypeTerminal)
	synced := st.Condition(ackv1alpha1.ConditionTypeResourceSynced)
	switch {
	case terminal != nil && terminal.Status == corev1.ConditionTrue:
		out.State = v1alpha1.ChildStalled
		out.Message = "ACK reports a terminal error: " + conditionMessage(terminal)
	case len(c.Needs) > 0:
		out.State = v1alpha1.ChildInProgress
		out.Message = "its update waits for " + describeNeeds(c.Needs, all)
	case synced != nil && synced.Status == corev1.ConditionTrue && len(c.Partial) > 0:
		out.State = v1alpha1.ChildInProgress
		out.Message = "created without its access policy, which waits for " + describeNeeds(c.Partial, all)
	case synced != nil && synced.Status == corev1.ConditionTrue:
		out.State = v1alpha1.ChildReady
		out.Ready = true
	case len(st.Conditions) == 0:
		out.State = v1alpha1.ChildInProgress
		out.Message = fmt.Sprintf("waits for the ACK %s controller to create it in AWS (is it installed and running, with AWS credentials?)", ackController[c.Kind])
	default:
		out.State = v1alpha1.ChildInProgress
		if rec := st.Condition(ackv1alpha1.ConditionTypeRecoverable); rec != nil && rec.Status == corev1.ConditionTrue {
			out.Message = "ACK retries: " + conditionMessage(rec)
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
func describeNeeds(needs []render.Dependency, all map[childKey]ack.Object) string {
	parts := make([]string, 0, len(needs))
	for _, d := range needs {
		why := "which is not created yet"
		if _, exists := all[childKey{d.Kind, d.Name}]; exists {
			why = fmt.Sprintf("which the ACK %s controller has not reported yet", ackController[d.Kind])
		}
		if ackController[d.Kind] == "" {
			why = "which the operator has not created yet"
		}
		parts = append(parts, d.String()+" ("+why+")")
	}
	return strings.Join(parts, "; ")
}

// setConditions sets Ready, Reconciling and Stalled the way kstatus reads them:
// Stalled and Reconciling are present only while true.
func setConditions(stack *v1alpha1.EventDrivenStack, stepErr error) {
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
			Type: t, Status: status, Reason: reason, Message: truncate(msg, 2000), ObservedGeneration: gen,
		})
	}

	reason, terminal := outcome.IsTerminal(stepErr)
	switch {
	case terminal:
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, stepErr.Error())
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, stepErr.Error())
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionReconciling)
	case len(stalled) > 0:
		msg := strings.Join(stalled, "; ")
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue, v1alpha1.ReasonChildStalled, msg)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonChildStalled, msg)
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionReconciling)
	case stepErr != nil:
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonReconcileError, stepErr.Error())
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonReconcileError, "retrying: "+stepErr.Error())
	case len(notReady) > 0:
		reason := v1alpha1.ReasonProgressing
		if waiting {
			reason = v1alpha1.ReasonWaitingForDependencies
		}
		msg := fmt.Sprintf("%d of %d children not ready: %s", len(notReady), len(stack.Status.Children), strings.Join(notReady, "; "))
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, msg)
	default:
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionStalled)
		meta.RemoveStatusCondition(&stack.Status.Conditions, v1alpha1.ConditionReconciling)
		set(v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonSucceeded,
			fmt.Sprintf("all %d children are ready", len(stack.Status.Children)))
	}
}

func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max-3] + "..."
}

// patchStatus writes the status once, and only when it changed: writing an
// unchanged status would cost a write and, through the watch, a reconcile.
// It records an event when Ready or Stalled changes.
//
// The cache may still hold the stack as it was before the last status write
// (a child's event can bring the next reconcile first); the status last written
// for each stack is remembered so that the same status is not written twice.
func (r *EventDrivenStackReconciler) patchStatus(ctx context.Context, s *scope) error {
	if equality.Semantic.DeepEqual(s.original.Status, s.stack.Status) {
		return nil
	}
	sum, err := statusHash(&s.stack.Status)
	if err != nil {
		return err
	}
	key := client.ObjectKeyFromObject(s.stack)
	if last, ok := r.lastStatus.Load(key); ok && last == string(s.stack.UID)+"/"+sum {
		return nil
	}
	if err := r.Status().Patch(ctx, s.stack, client.MergeFrom(s.original)); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.lastStatus.Store(key, string(s.stack.UID)+"/"+sum)
	r.recordTransitions(s.original, s.stack)
	return nil
}

func statusHash(st *v1alpha1.EventDrivenStackStatus) (string, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// recordTransitions emits an event when the Ready or Stalled condition changes.
func (r *EventDrivenStackReconciler) recordTransitions(before, after *v1alpha1.EventDrivenStack) {
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
	r.Recorder.Eventf(after, nil, eventType, now.Reason, "Reconcile", "%s", truncate(now.Message, 1000))
}
