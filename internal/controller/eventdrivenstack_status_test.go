package controller

import (
	"errors"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// statusStack has one queue, a bus and one rule to it, at generation 3.
func statusStack() *v1alpha1.EventDrivenStack {
	s := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders", Generation: 3}}
	s.Spec.Queues = []v1alpha1.Queue{{Name: "q"}}
	s.Spec.EventBus = &v1alpha1.EventBus{Name: "bus"}
	s.Spec.Rules = []v1alpha1.Rule{{Name: "r", EventPattern: &apiextensionsv1.JSON{Raw: []byte(`{"source":["x"]}`)},
		Targets: []v1alpha1.RuleTarget{{Queue: "q"}}}}
	// Its two default alarms are left out: eventdrivenstack_alarms_status_test.go
	// tests how alarms reach the status.
	s.Spec.Alarms = &v1alpha1.Alarms{Disable: []v1alpha1.AlarmFamily{v1alpha1.AlarmDeadLetterQueues, v1alpha1.AlarmRules}}
	return s
}

// statusScope is the scope of a reconcile of statusStack that rendered its
// children and observed none of them.
func statusScope(t *testing.T, edit func(*scope)) *scope {
	t.Helper()
	stack := statusStack()
	obs := render.Observed{ARNs: map[string]string{}, URLs: map[string]string{}, Children: map[string]ack.Object{}}
	rendered, err := render.Render(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	s := &scope{stack: stack, original: stack.DeepCopy(), observed: obs, rendered: rendered,
		existing: map[status.ChildKey]ack.Object{}, reported: map[status.ChildKey]int64{},
		deferred: map[status.ChildKey]string{}, refused: map[status.ChildKey]string{}}
	if edit != nil {
		edit(s)
	}
	return s
}

// lineOf finds a line in the status.
func lineOf(st v1alpha1.EventDrivenStackStatus, kind, name string) v1alpha1.ChildStatus {
	for _, c := range st.Children {
		if c.Kind == kind && c.Name == name {
			return c
		}
	}
	return v1alpha1.ChildStatus{}
}

func TestComputeStatus(t *testing.T) {
	refused := outcome.Terminal(v1alpha1.ReasonChildRejected, errors.New("the CRD refuses the child"))
	throttled := errors.New("throttled")
	tests := []struct {
		name    string
		edit    func(*scope)
		stepErr error
		withAWS bool
		// want: the Ready condition's reason, whether Stalled is true, the
		// observed generation, the bus's and the queue's lines (state:
		// message prefix), the count.
		wantReady     string
		wantStalled   bool
		wantObserved  int64
		wantBus       string
		wantRule      string
		wantQueue     string
		wantResources string
	}{{
		name:          "without AWS access the bus says so, and its rule waits for it",
		wantReady:     v1alpha1.ReasonWaitingForDependencies,
		wantObserved:  3,
		wantBus:       "Waiting: not created: the operator runs without AWS access",
		wantRule:      "Waiting: waits for the EventBus orders-bus",
		wantQueue:     "InProgress: not created yet",
		wantResources: "0/4",
	}, {
		name:          "a step's transient error: the routing says it was not reconciled; the generation is not acted on yet",
		stepErr:       throttled,
		withAWS:       true,
		wantReady:     v1alpha1.ReasonReconcileError,
		wantObserved:  0,
		wantBus:       "Waiting: not reconciled: throttled",
		wantRule:      "Waiting: waits for the EventBus orders-bus",
		wantQueue:     "InProgress: not created yet",
		wantResources: "0/4",
	}, {
		name:          "a terminal error stalls the stack: the spec was acted on as far as it can be",
		stepErr:       refused,
		withAWS:       true,
		wantReady:     v1alpha1.ReasonChildRejected,
		wantStalled:   true,
		wantObserved:  3,
		wantBus:       "Waiting: not reconciled: the CRD refuses the child",
		wantRule:      "Waiting: waits for the EventBus orders-bus",
		wantQueue:     "InProgress: not created yet",
		wantResources: "0/4",
	}, {
		name: "the routing's own lines stand; a refused child is stalled",
		edit: func(s *scope) {
			s.routingStatus = []v1alpha1.ChildStatus{
				{Kind: kindEventBus, Name: "orders-bus", State: v1alpha1.ChildReady, Ready: true, Message: "ready"},
				{Kind: "Rule", Name: "orders-r", State: v1alpha1.ChildWaiting, Message: "its targets wait for the queue"},
			}
			s.refused[status.ChildKey{Kind: "Queue", Name: "orders.q"}] = "refused until the spec changes"
		},
		withAWS:       true,
		wantReady:     v1alpha1.ReasonChildStalled,
		wantStalled:   true,
		wantObserved:  3,
		wantBus:       "Ready: ready",
		wantRule:      "Waiting: its targets wait for the queue",
		wantQueue:     "Stalled: refused until the spec changes",
		wantResources: "1/4",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := statusScope(t, tt.edit)
			if s.stack.Spec.NamePrefix == "" {
				s.stack.Spec.NamePrefix = "orders-"
			}
			computeStatus(s, tt.stepErr, tt.withAWS)
			st := s.stack.Status
			if ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady); ready == nil || ready.Reason != tt.wantReady {
				t.Errorf("Ready: got %+v, want reason %s", ready, tt.wantReady)
			}
			if got := meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionStalled); got != tt.wantStalled {
				t.Errorf("Stalled: got %v, want %v", got, tt.wantStalled)
			}
			if st.ObservedGeneration != tt.wantObserved {
				t.Errorf("observedGeneration: got %d, want %d", st.ObservedGeneration, tt.wantObserved)
			}
			for key, want := range map[status.ChildKey]string{{Kind: kindEventBus, Name: "orders-bus"}: tt.wantBus,
				{Kind: "Rule", Name: "orders-r"}: tt.wantRule, {Kind: "Queue", Name: "orders.q"}: tt.wantQueue} {
				l := lineOf(st, key.Kind, key.Name)
				if got := string(l.State) + ": " + l.Message; !strings.HasPrefix(got, want) {
					t.Errorf("%s: got %q, want %q…", key, got, want)
				}
			}
			if st.Resources != tt.wantResources {
				t.Errorf("resources: got %s, want %s", st.Resources, tt.wantResources)
			}
		})
	}
}

// A reconcile that stopped before render (validation) keeps the children the
// status listed, and says why in the conditions.
func TestComputeStatusBeforeRender(t *testing.T) {
	s := statusScope(t, func(s *scope) { s.rendered = nil })
	s.stack.Status.Children = []v1alpha1.ChildStatus{{Kind: "Queue", Name: "orders.q", Ready: true, State: v1alpha1.ChildReady}}
	computeStatus(s, outcome.Terminal(v1alpha1.ReasonInvalidSpec, errors.New("spec.queues[0].name: invalid")), true)
	st := s.stack.Status
	if len(st.Children) != 1 || st.Resources != "1/1" || st.ObservedGeneration != 3 ||
		!meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionStalled) {
		t.Errorf("got %+v", st)
	}
}

func TestSetDeletingStatus(t *testing.T) {
	bus := v1alpha1.ChildStatus{Kind: kindEventBus, Name: "orders-bus", Ready: true, State: v1alpha1.ChildReady}
	denied := &awsapi.Error{Err: errors.New("AccessDeniedException: not allowed"), Brief: "access denied"}
	tests := []struct {
		name        string
		policy      v1alpha1.DeletionPolicy
		err         error
		wantStalled bool
		wantMessage []string
		wantBus     v1alpha1.ChildState
	}{{
		name:        "the bus cannot be deleted yet: named, with the way to let go",
		policy:      v1alpha1.DeletionPolicyDelete,
		err:         &deletingError{kind: kindEventBus, name: "orders-bus", err: errors.New("throttled")},
		wantMessage: []string{"waits for the EventBus orders-bus (with its rules and targets) to be deleted: throttled", "set spec.deletionPolicy to Retain"},
		wantBus:     v1alpha1.ChildInProgress,
	}, {
		name:        "AWS refuses: stalled, said briefly",
		policy:      v1alpha1.DeletionPolicyDelete,
		err:         &deletingError{kind: kindEventBus, name: "orders-bus", err: outcome.Terminal(v1alpha1.ReasonDeleting, denied)},
		wantStalled: true,
		wantMessage: []string{"to be deleted: access denied"},
		wantBus:     v1alpha1.ChildStalled,
	}, {
		name:        "Retain: no advice to retain",
		policy:      v1alpha1.DeletionPolicyRetain,
		err:         errors.New("deleting Queue orders-q: conflict"),
		wantMessage: []string{"being deleted (deletionPolicy Retain): deleting Queue orders-q: conflict"},
		wantBus:     v1alpha1.ChildReady,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := statusStack()
			stack.Spec.DeletionPolicy = tt.policy
			stack.Status.Children = []v1alpha1.ChildStatus{bus}
			setDeletingStatus(stack, tt.err)
			ready := meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionReady)
			if ready == nil || ready.Reason != v1alpha1.ReasonDeleting || ready.Status != metav1.ConditionFalse {
				t.Fatalf("Ready: got %+v, want False/Deleting", ready)
			}
			for _, want := range tt.wantMessage {
				if !strings.Contains(ready.Message, want) {
					t.Errorf("message %q lacks %q", ready.Message, want)
				}
			}
			if tt.policy == v1alpha1.DeletionPolicyRetain && strings.Contains(ready.Message, "set spec.deletionPolicy") {
				t.Errorf("message %q advises Retain to a stack that retains", ready.Message)
			}
			if got := meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionStalled); got != tt.wantStalled {
				t.Errorf("Stalled: got %v, want %v", got, tt.wantStalled)
			}
			if got := stack.Status.Children[0].State; got != tt.wantBus {
				t.Errorf("the bus's line: got %s, want %s", got, tt.wantBus)
			}
			if stack.Status.ObservedGeneration != 3 {
				t.Errorf("observedGeneration %d, want 3", stack.Status.ObservedGeneration)
			}
		})
	}
}
