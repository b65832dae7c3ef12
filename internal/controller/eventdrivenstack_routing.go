package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
)

// reconcileObserveRouting reads the stack's bus, rules and targets from
// EventBridge, so that the children render with the rules' ARNs (queue and
// topic policies, the EventBridge dead-letter queue's policy name them).
// Its error is deferred: it does not stop the ACK children from being applied
// (without AWS credentials, say); reconcileRouting, finding no bus read, does
// nothing.
func (r *EventDrivenStackReconciler) reconcileObserveRouting(ctx context.Context, s *scope) (ctrl.Result, error) {
	return ctrl.Result{}, outcome.Deferred(r.observeRouting(ctx, s))
}

func (r *EventDrivenStackReconciler) observeRouting(ctx context.Context, s *scope) error {
	bus := s.stack.Spec.EventBus
	if r.AWS == nil {
		return nil
	}
	if err := r.reconcileRemovedArchives(ctx, s); err != nil {
		return err
	}
	if err := r.reconcileRemovedBuses(ctx, s); err != nil {
		return err
	}
	if err := r.reconcileRemovedSchedules(ctx, s); err != nil {
		return err
	}
	if bus == nil && !routing.Adopts(s.stack) {
		return nil
	}
	clients, err := r.clients(ctx, s)
	if err != nil {
		return err
	}
	if s.observed.MappingUUIDs, err = routing.LookUpMappings(ctx, clients.Lambda, s.stack, s.observed); err != nil {
		return err
	}
	if bus == nil {
		return nil
	}
	s.clients = clients
	if m, ok := r.freshRouting(s.stack); ok {
		s.bus, s.scheduled, s.policies, s.routingReadAt = m.bus, m.scheduled, m.policies, m.readAt
		s.observed = render.Inputs{Observed: s.observed, EventBridge: routing.Seen(s.bus, s.scheduled)}.Effective(s.stack)
		return nil
	}
	s.routingReadAt = time.Now()
	s.bus, err = routing.Observe(ctx, clients.EventBridge, s.stack.Spec.NamePrefix+bus.Name)
	if err == nil {
		s.scheduled, err = observeScheduled(ctx, clients.EventBridge, s.stack)
	}
	if err != nil {
		r.forgetRouting(s.stack)
		return err
	}
	s.policies = map[string]map[string]routing.Statement{}
	s.observed = render.Inputs{Observed: s.observed, EventBridge: routing.Seen(s.bus, s.scheduled)}.Effective(s.stack)
	return nil
}

// observeScheduled reads the stack's scheduled rules on the default bus:
// those the spec names and those the inventory lists. Nil when there are none.
func observeScheduled(ctx context.Context, eb awsapi.EventBridge, stack *v1alpha1.EventDrivenStack) (*routing.Bus, error) {
	names := append(render.ScheduledRules(stack), scheduledInInventory(stack)...)
	if len(names) == 0 {
		return nil, nil
	}
	return routing.ObserveScheduled(ctx, eb, names)
}

// reconcileRemovedSchedules deletes the scheduled rules the inventory lists
// when the stack has no bus (and so no rules) left: with a bus,
// routing.Ensure prunes those the spec no longer has.
func (r *EventDrivenStackReconciler) reconcileRemovedSchedules(ctx context.Context, s *scope) error {
	names := scheduledInInventory(s.stack)
	if s.stack.Spec.EventBus != nil || len(names) == 0 {
		return nil
	}
	clients, err := r.clients(ctx, s)
	if err != nil {
		return err
	}
	return routing.DeleteScheduled(ctx, clients.EventBridge, names, func(name string) {
		forgetInventory(s.stack, routing.KindScheduledRule, name)
	})
}

// reconcileRouting creates or repairs the bus, each rule, its targets and the
// Lambda permissions they need, then removes rules and permissions the spec no
// longer has (routing.Ensure). Each rule's outcome is a line of the status; an
// error that a retry can fix is returned after every rule had its turn.
func (r *EventDrivenStackReconciler) reconcileRouting(ctx context.Context, s *scope) (ctrl.Result, error) {
	if s.bus == nil || s.clients == nil {
		return ctrl.Result{}, nil
	}
	reported := map[string]bool{}
	for _, c := range s.original.Status.Children {
		if c.Kind == routing.KindRule {
			reported[c.Name] = true
		}
	}
	st := &routing.State{Bus: s.bus, Scheduled: s.scheduled, Policies: s.policies}
	out := routing.Ensure(ctx, s.clients, st, routing.Input{Stack: s.stack, Observed: s.observed, Reported: reported,
		Scheduled: scheduledInInventory(s.stack), Inventory: stackInventory{r: r, s: s}})
	// What AWS holds is known after success only.
	if out.Err != nil {
		r.forgetRouting(s.stack)
	} else {
		r.rememberRouting(s)
	}
	s.routingStatus = append(s.routingStatus, routingLines(s, out)...)
	if out.Learned {
		// Rules got their ARNs: render the policies that name them now.
		return requeue(time.Second), out.Err
	}
	return ctrl.Result{}, out.Err
}

// routingLines are the status lines of routing.Ensure's outcome: the bus's,
// then the rules' (each waiting for the bus when it failed).
func routingLines(s *scope, out routing.Outcome) []v1alpha1.ChildStatus {
	if out.Bus == nil {
		return nil
	}
	lines := []v1alpha1.ChildStatus{statusLine(*out.Bus, "")}
	if out.Archive != nil {
		lines = append(lines, archiveLine(s, *out.Archive))
	}
	if out.Bus.Err != nil {
		return append(lines, rulesWaitingForBus(s, out.Bus.Name)...)
	}
	for _, l := range out.Rules {
		ready := fmt.Sprintf("%d targets, %d Lambda permissions", l.Targets, l.Permissions)
		if l.Schedule != "" {
			ready = l.Schedule + " on the default event bus: " + ready
		}
		lines = append(lines, statusLine(l, ready))
	}
	return lines
}

// statusLine is a line of routing.Ensure's outcome as a status line; ready
// is its message when it is in line with the spec.
func statusLine(l routing.Line, ready string) v1alpha1.ChildStatus {
	st := v1alpha1.ChildStatus{Kind: l.Kind, Name: l.Name, Component: l.Component, ARN: l.ARN}
	switch {
	case l.Err != nil:
		st.State, st.Message = outcome.ChildState(l.Err), awsapi.Brief(l.Err)
	case len(l.Waits) > 0:
		st.State, st.Message = v1alpha1.ChildWaiting, "its targets wait for "+describe(l.Waits)
	default:
		st.State, st.Ready, st.Message = v1alpha1.ChildReady, true, ready
	}
	return st
}

// functionARNs lists the ARNs of the stack's functions that ACK reported.
func (s *scope) functionARNs() []string {
	var out []string
	for _, f := range s.stack.Spec.Functions {
		if arn := s.observed.ARNs[render.Key(refs.Function, f.Name)]; arn != "" {
			out = append(out, arn)
		}
	}
	return out
}

// reconcileRemovedBuses deletes the buses the inventory lists that the spec
// no longer has (removed from the spec), with their rules, targets and the
// permissions they needed, and takes each off the inventory once it is gone:
// the status is the inventory that keeps the operator from losing track of them.
func (r *EventDrivenStackReconciler) reconcileRemovedBuses(ctx context.Context, s *scope) error {
	want := ""
	if s.stack.Spec.EventBus != nil {
		want = s.stack.Spec.NamePrefix + s.stack.Spec.EventBus.Name
	}
	for _, old := range inventory(s.stack, kindEventBus) {
		if old.Name == want {
			continue
		}
		if err := r.deleteBus(ctx, s, old.Name, s.knownFunctionARNs()); err != nil {
			// Keep reporting it until it is gone.
			s.routingStatus = append(s.routingStatus, v1alpha1.ChildStatus{Kind: kindEventBus, Name: old.Name, ARN: old.ARN,
				Component: "eventBus/" + strings.TrimPrefix(old.Name, s.stack.Spec.NamePrefix),
				State:     outcome.ChildState(err), Message: "being deleted (no longer in the spec): " + awsapi.Brief(err)})
			return err
		}
		forgetInventory(s.stack, kindEventBus, old.Name)
	}
	return nil
}

// knownFunctionARNs are the ARNs of the stack's functions: from the ACK
// children (what ACK reported) and from the status, so that a function whose
// ARN a crashed reconcile never wrote into the status is not forgotten.
func (s *scope) knownFunctionARNs() []string {
	seen := map[string]bool{}
	var out []string
	add := func(arn string) {
		if arn != "" && !seen[arn] {
			seen[arn] = true
			out = append(out, arn)
		}
	}
	for _, arn := range s.functionARNs() {
		add(arn)
	}
	for _, c := range s.original.Status.Children {
		if c.Kind == "Function" {
			add(c.ARN)
		}
	}
	sort.Strings(out)
	return out
}

// liveFunctionARNs are the ARNs ACK reported on the stack's Function children,
// and those its status lists.
func (r *EventDrivenStackReconciler) liveFunctionARNs(ctx context.Context, stack *v1alpha1.EventDrivenStack) ([]string, error) {
	s := &scope{stack: stack, original: stack}
	if err := r.observe(ctx, s); err != nil {
		return nil, err
	}
	return s.knownFunctionARNs(), nil
}

// deleteBus deletes a bus with its rules and targets, and the operator's
// permissions on the given functions (routing.Delete).
func (r *EventDrivenStackReconciler) deleteBus(ctx context.Context, s *scope, busName string, functions []string) error {
	clients, err := r.clients(ctx, s)
	if err != nil {
		return err
	}
	return routing.Delete(ctx, clients, busName, functions)
}

// describe is what a rule's targets wait for, in a status line.
func describe(needs []render.Dependency) string {
	out := ""
	for i, d := range needs {
		if i > 0 {
			out += "; "
		}
		out += d.String()
	}
	return out
}
