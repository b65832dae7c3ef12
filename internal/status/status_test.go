package status

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

func queue(conds ...*ackv1alpha1.Condition) *ack.Queue {
	q := &ack.Queue{}
	q.Status.Conditions = conds
	return q
}

func cond(t ackv1alpha1.ConditionType, s corev1.ConditionStatus, msg string) *ackv1alpha1.Condition {
	return &ackv1alpha1.Condition{Type: t, Status: s, Message: ptr.To(msg)}
}

func TestChild(t *testing.T) {
	arn := ackv1alpha1.AWSResourceName("arn:aws:sqs:us-east-1:123456789012:q")
	synced := queue(cond(ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "ok"))
	synced.Status.ACKResourceMetadata = &ackv1alpha1.ResourceMetadata{ARN: &arn}
	dlqNeed := []render.Dependency{{Kind: "Queue", Name: "s-dlq", What: "ARN"}}
	all := map[ChildKey]ack.Object{{Kind: "Queue", Name: "s-dlq"}: queue()}
	cases := []struct {
		name      string
		child     render.Child
		existing  ack.Object
		state     v1alpha1.ChildState
		ready     bool
		arn       string
		inMessage string
	}{
		{"waits for a dependency that ACK has not reported", render.Child{Kind: "Queue", Name: "s-q", Needs: dlqNeed}, nil,
			v1alpha1.ChildWaiting, false, "", "the ARN of Queue s-dlq (which the ACK sqs controller has not reported yet)"},
		{"waits for a dependency not created yet", render.Child{Kind: "Function", Name: "s-f", Needs: []render.Dependency{{Kind: "Role", Name: "s-f", What: "ARN"}}}, nil,
			v1alpha1.ChildWaiting, false, "", "the ARN of Role s-f (which is not created yet)"},
		{"created, no ACK status: says the ACK controller is needed", render.Child{Kind: "Table", Name: "s-t"}, &ack.Table{},
			v1alpha1.ChildInProgress, false, "", "ACK dynamodb controller"},
		{"synced", render.Child{Kind: "Queue", Name: "s-q"}, synced, v1alpha1.ChildReady, true, string(arn), ""},
		{"terminal wins over synced", render.Child{Kind: "Queue", Name: "s-q"},
			queue(cond(ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, ""), cond(ackv1alpha1.ConditionTypeTerminal, corev1.ConditionTrue, "InvalidAttributeValue")),
			v1alpha1.ChildStalled, false, "", "InvalidAttributeValue"},
		{"recoverable error is shown", render.Child{Kind: "Queue", Name: "s-q"},
			queue(cond(ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionFalse, ""), cond(ackv1alpha1.ConditionTypeRecoverable, corev1.ConditionTrue, "AccessDenied: sqs:CreateQueue")),
			v1alpha1.ChildInProgress, false, "", "ACK retries: AccessDenied: sqs:CreateQueue"},
		{"synced but its policy still waits", render.Child{Kind: "Queue", Name: "s-q", Partial: []render.Dependency{{Kind: "Topic", Name: "s-t", What: "ARN"}}}, synced,
			v1alpha1.ChildInProgress, false, string(arn), "without its access policy"},
		{"exists but its update waits", render.Child{Kind: "Queue", Name: "s-q", Needs: dlqNeed}, synced,
			v1alpha1.ChildInProgress, false, string(arn), "its update waits for the ARN of Queue s-dlq"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Child(tc.child, tc.existing, all, v1alpha1.ChildStatus{}, nil)
			if got.State != tc.state || got.Ready != tc.ready || got.ARN != tc.arn || !strings.Contains(got.Message, tc.inMessage) {
				t.Errorf("got %+v, want state %s ready %v arn %q message containing %q", got, tc.state, tc.ready, tc.arn, tc.inMessage)
			}
		})
	}
}

func TestSetConditions(t *testing.T) {
	ready := v1alpha1.ChildStatus{Kind: "Queue", Name: "a", Ready: true, State: v1alpha1.ChildReady}
	waiting := v1alpha1.ChildStatus{Kind: "Queue", Name: "b", State: v1alpha1.ChildWaiting, Message: "waits for x"}
	progress := v1alpha1.ChildStatus{Kind: "Queue", Name: "c", State: v1alpha1.ChildInProgress, Message: "ACK is syncing it"}
	stalled := v1alpha1.ChildStatus{Kind: "Function", Name: "d", State: v1alpha1.ChildStalled, Message: "bad code"}
	type want struct {
		ready                  metav1.ConditionStatus
		reason                 string
		reconciling, isStalled bool
		inMessage              string
	}
	shifting := []v1alpha1.RolloutStatus{{Function: "orders", Phase: v1alpha1.RolloutShifting, Live: "3", Trial: "4", TrialWeight: 10, Step: 1, Steps: 2},
		{Function: "billing", Phase: v1alpha1.RolloutPromoted, Live: "7"}}
	rolledBack := []v1alpha1.RolloutStatus{{Function: "orders", Phase: v1alpha1.RolloutRolledBack, Live: "3", Trial: "4", Reason: "alarm orders-errors is in ALARM"}}
	cases := []struct {
		name     string
		children []v1alpha1.ChildStatus
		rollouts []v1alpha1.RolloutStatus
		err      error
		want     want
	}{
		{"all ready", []v1alpha1.ChildStatus{ready}, nil, nil, want{metav1.ConditionTrue, v1alpha1.ReasonSucceeded, false, false, "all 1 children are ready"}},
		{"waiting", []v1alpha1.ChildStatus{ready, waiting}, nil, nil, want{metav1.ConditionFalse, v1alpha1.ReasonWaitingForDependencies, true, false, "Queue b (Waiting: waits for x)"}},
		{"in progress", []v1alpha1.ChildStatus{ready, progress}, nil, nil, want{metav1.ConditionFalse, v1alpha1.ReasonProgressing, true, false, "1 of 2 children not ready"}},
		{"a stalled child", []v1alpha1.ChildStatus{ready, stalled, waiting}, nil, nil, want{metav1.ConditionFalse, v1alpha1.ReasonChildStalled, false, true, "Function d: bad code"}},
		{"invalid spec", []v1alpha1.ChildStatus{ready}, nil, outcome.Terminal(v1alpha1.ReasonInvalidSpec, errors.New("spec.x: bad")), want{metav1.ConditionFalse, v1alpha1.ReasonInvalidSpec, false, true, "spec.x: bad"}},
		{"transient error", []v1alpha1.ChildStatus{ready}, nil, errors.New("connection refused"), want{metav1.ConditionFalse, v1alpha1.ReasonReconcileError, true, false, "connection refused"}},
		{"a rollout shifting", []v1alpha1.ChildStatus{ready}, shifting, nil, want{metav1.ConditionFalse, v1alpha1.ReasonRollingOut, true, false, "function orders: version 4 takes 10% of the traffic, step 1 of 2 (version 3 live)"}},
		{"a rollout rolled back", []v1alpha1.ChildStatus{ready}, rolledBack, nil, want{metav1.ConditionFalse, v1alpha1.ReasonRolledBack, false, true, "function orders: version 4 rolled back to version 3: alarm orders-errors is in ALARM; publish a fixed version"}},
		{"children progress during a rollout", []v1alpha1.ChildStatus{ready, progress}, shifting, nil, want{metav1.ConditionFalse, v1alpha1.ReasonProgressing, true, false, "1 of 2 children not ready"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Generation: 4}}
			// Start from the opposite state, to see stale conditions removed.
			stack.Status.Conditions = []metav1.Condition{
				{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "Old"},
				{Type: v1alpha1.ConditionReconciling, Status: metav1.ConditionTrue, Reason: "Old"},
			}
			stack.Status.Children, stack.Status.Rollouts = tc.children, tc.rollouts
			SetConditions(stack, tc.err)
			r := meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionReady)
			if r == nil || r.Status != tc.want.ready || r.Reason != tc.want.reason || !strings.Contains(r.Message, tc.want.inMessage) || r.ObservedGeneration != 4 {
				t.Errorf("Ready %+v, want %+v", r, tc.want)
			}
			if got := meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionReconciling); got != tc.want.reconciling {
				t.Errorf("Reconciling %v, want %v", got, tc.want.reconciling)
			}
			if got := meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionStalled); got != tc.want.isStalled {
				t.Errorf("Stalled %v, want %v", got, tc.want.isStalled)
			}
			for _, c := range stack.Status.Conditions {
				if c.Status != metav1.ConditionTrue && c.Type != v1alpha1.ConditionReady {
					t.Errorf("%s is present while not true: kstatus wants it removed", c.Type)
				}
			}
		})
	}
}

// The progress message is brief however many children wait: counts, the one
// that waits for another in full, a few names.
func TestProgressMessageIsBrief(t *testing.T) {
	var children []v1alpha1.ChildStatus
	for i := 0; i < 20; i++ {
		children = append(children, v1alpha1.ChildStatus{Kind: "Queue", Name: fmt.Sprintf("s.q%d", i), State: v1alpha1.ChildInProgress,
			Message: "waits for the ACK sqs controller to create it in AWS (is it installed and running, with AWS credentials?)"})
	}
	children = append(children, v1alpha1.ChildStatus{Kind: "Function", Name: "s.f", State: v1alpha1.ChildWaiting, Message: "waits for the ARN of Role s.f"})
	stack := &v1alpha1.EventDrivenStack{Status: v1alpha1.EventDrivenStackStatus{Children: children}}
	SetConditions(stack, nil)
	msg := meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionReady).Message
	want := "21 of 21 children not ready (1 waiting for other children, 20 in progress): Function s.f (Waiting: waits for the ARN of Role s.f); and Queue s.q0, Queue s.q1, Queue s.q2, … (17 more)"
	if msg != want {
		t.Errorf("message\n%s\nwant\n%s", msg, want)
	}
}
