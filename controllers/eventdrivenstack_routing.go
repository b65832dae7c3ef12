package controllers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
// Its error does not stop the ACK children from being applied (without AWS
// credentials, say): it is kept for reconcileRouting to return.
func (r *EventDrivenStackReconciler) reconcileObserveRouting(ctx context.Context, s *scope) error {
	s.routingErr = r.observeRouting(ctx, s)
	return nil
}

func (r *EventDrivenStackReconciler) observeRouting(ctx context.Context, s *scope) error {
	bus := s.stack.Spec.EventBus
	if r.AWS == nil {
		return nil
	}
	if err := r.reconcileRemovedBuses(ctx, s); err != nil {
		return err
	}
	if bus == nil && !adopts(s.stack) {
		return nil
	}
	clients, err := r.clients(ctx, s)
	if err != nil {
		return err
	}
	if err := s.lookUpMappings(ctx, clients.Lambda); err != nil {
		return err
	}
	if bus == nil {
		return nil
	}
	s.clients = clients
	if m, ok := r.freshRouting(s.stack); ok {
		s.bus, s.policies, s.routingReadAt = m.bus, m.policies, m.readAt
		s.recordRoutingARNs()
		return nil
	}
	s.routingReadAt = time.Now()
	s.bus, err = routing.Observe(ctx, clients.EventBridge, s.stack.Spec.NamePrefix+bus.Name)
	if err != nil {
		r.forgetRouting(client.ObjectKeyFromObject(s.stack))
		return err
	}
	s.policies = map[string]map[string]routing.Statement{}
	s.recordRoutingARNs()
	return nil
}

// adopts reports whether a stack adopts existing AWS resources.
func adopts(stack *v1alpha1.EventDrivenStack) bool {
	return stack.Spec.Adoption != nil && stack.Spec.Adoption.Policy == v1alpha1.AdoptionAdoptOrCreate
}

// lookUpMappings finds, for a stack that adopts, the event source mappings
// that exist in Lambda for the mappings it has not created yet, once the
// function's and the queue's ARNs are known: ACK adopts a mapping by UUID
// only. The mapping waits for this (render.LookupOfMapping); a failed look-up
// is the reconcile's error.
func (s *scope) lookUpMappings(ctx context.Context, lc awsapi.Lambda) error {
	if !adopts(s.stack) {
		return nil
	}
	s.observed.MappingUUIDs = map[string]string{}
	for _, f := range s.stack.Spec.Functions {
		for _, c := range f.Consumes {
			key := render.MappingKey(f.Name, c.Queue)
			fn, queue := s.observed.ARNs[render.Key(refs.Function, f.Name)], s.observed.ARNs[render.Key(refs.Queue, c.Queue)]
			if s.observed.Children[key] != nil || fn == "" || queue == "" {
				continue
			}
			uuid, err := routing.FindMapping(ctx, lc, fn, queue)
			if err != nil {
				return err
			}
			s.observed.MappingUUIDs[key] = uuid
		}
	}
	return nil
}

// recordRoutingARNs adds the bus's and the rules' ARNs to what is observed.
func (s *scope) recordRoutingARNs() {
	if s.bus == nil {
		return
	}
	if s.bus.ARN != "" {
		s.observed.ARNs[render.EventBusKey(s.stack.Spec.EventBus.Name)] = s.bus.ARN
	}
	for _, rule := range s.stack.Spec.Rules {
		if have := s.bus.Rules[s.stack.Spec.NamePrefix+rule.Name]; have != nil && have.ARN != "" {
			s.observed.ARNs[render.RuleKey(rule.Name)] = have.ARN
		}
	}
}

// reconcileRouting creates or repairs the bus, each rule, its targets and the
// Lambda permissions they need, then removes rules and permissions the spec no
// longer has. Each rule's outcome is a line of the status; an error that a
// retry can fix is returned after every rule had its turn.
func (r *EventDrivenStackReconciler) reconcileRouting(ctx context.Context, s *scope) (retErr error) {
	if s.routingErr != nil {
		return s.routingErr
	}
	if s.bus == nil || s.clients == nil {
		return nil
	}
	defer func() {
		// What AWS holds is known after success only.
		if retErr != nil {
			r.forgetRouting(client.ObjectKeyFromObject(s.stack))
		} else {
			r.rememberRouting(s)
		}
	}()
	eb, lc := s.clients.EventBridge, s.clients.Lambda
	plan, err := render.BuildRouting(s.stack, s.observed)
	if err != nil {
		return outcome.Terminal(v1alpha1.ReasonInvalidSpec, err)
	}
	busStatus := v1alpha1.ChildStatus{Kind: kindEventBus, Name: s.bus.Name, Component: string(refs.EventBus) + "/" + s.stack.Spec.EventBus.Name}
	if !s.bus.Exists {
		if err := r.recordIntent(ctx, s, v1alpha1.AWSResource{Kind: kindEventBus, Name: s.bus.Name}); err != nil {
			return err
		}
	}
	if err := routing.EnsureBus(ctx, eb, s.bus, plan.Bus); err != nil {
		if _, refused := outcome.IsTerminal(err); refused {
			// AWS refused the call (access denied, invalid, no
			// credentials): nothing was created.
			forgetInventory(s.stack, kindEventBus, s.bus.Name)
		}
		busStatus.State, busStatus.Message = failedState(err), awsapi.Brief(err)
		s.routingStatus = append(append(s.routingStatus, busStatus), rulesWaitingForBus(s, s.bus.Name)...)
		return err
	}
	recordInventory(s.stack, v1alpha1.AWSResource{Kind: kindEventBus, Name: s.bus.Name, ARN: s.bus.ARN})
	busStatus.State, busStatus.Ready, busStatus.ARN = v1alpha1.ChildReady, true, s.bus.ARN
	s.routingStatus = append(s.routingStatus, busStatus)

	// The rules first: their ARNs are what targets' permissions name.
	var errs []error
	learned := false
	for _, route := range plan.Rules {
		_, had := s.observed.ARNs[route.Component]
		arn, err := routing.EnsureRule(ctx, eb, s.bus, route)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.observed.ARNs[route.Component] = arn
		learned = learned || !had
	}
	plan, err = render.BuildRouting(s.stack, s.observed)
	if err != nil {
		return outcome.Terminal(v1alpha1.ReasonInvalidSpec, err)
	}
	policies := s.policies
	wantedPerms := map[string]map[string]bool{}
	for _, route := range plan.Rules {
		st := v1alpha1.ChildStatus{Kind: "Rule", Name: route.Name, Component: route.Component, ARN: s.observed.ARNs[route.Component]}
		if err := ruleError(errs, route.Name); err != nil {
			st.State, st.Message = failedState(err), awsapi.Brief(err)
			s.routingStatus = append(s.routingStatus, st)
			continue
		}
		if len(route.Needs) > 0 {
			st.State = v1alpha1.ChildWaiting
			st.Message = "its targets wait for " + describe(route.Needs)
			s.routingStatus = append(s.routingStatus, st)
			continue
		}
		err := routing.EnsureTargets(ctx, eb, s.bus, route)
		for _, perm := range route.Permissions {
			if err != nil {
				break
			}
			fn := ptr.Deref(perm.FunctionName, "")
			if wantedPerms[fn] == nil {
				wantedPerms[fn] = map[string]bool{}
			}
			wantedPerms[fn][ptr.Deref(perm.StatementId, "")] = true
			if policies[fn] == nil {
				if policies[fn], err = routing.Permissions(ctx, lc, fn); err != nil {
					break
				}
			}
			err = routing.EnsurePermission(ctx, lc, policies[fn], perm)
		}
		if err != nil {
			errs = append(errs, err)
			st.State, st.Message = failedState(err), awsapi.Brief(err)
		} else {
			st.State, st.Ready = v1alpha1.ChildReady, true
			st.Message = fmt.Sprintf("%d targets, %d Lambda permissions", len(route.PutTargets.Targets), len(route.Permissions))
		}
		s.routingStatus = append(s.routingStatus, st)
	}
	if len(errs) == 0 {
		errs = append(errs, r.pruneRouting(ctx, s, plan, policies, wantedPerms))
	}
	s.requeueSoon = learned
	return firstByKind(errs)
}

// pruneRouting deletes the rules on the stack's bus that the spec does not
// name (the bus belongs to the stack; with adoption, only rules the stack
// reported before), and the operator's Lambda permissions no rule wants.
func (r *EventDrivenStackReconciler) pruneRouting(ctx context.Context, s *scope, plan *render.Routing,
	policies map[string]map[string]routing.Statement, wanted map[string]map[string]bool) error {
	keep := map[string]bool{}
	for _, route := range plan.Rules {
		keep[route.Name] = true
	}
	adopting := s.stack.Spec.Adoption != nil && s.stack.Spec.Adoption.Policy == v1alpha1.AdoptionAdoptOrCreate
	reported := map[string]bool{}
	for _, c := range s.original.Status.Children {
		if c.Kind == "Rule" {
			reported[c.Name] = true
		}
	}
	var names []string
	for name, rule := range s.bus.Rules {
		if keep[name] {
			continue
		}
		if adopting && !reported[name] {
			// An adopted bus may hold rules of others: only the stack's
			// own, reported or tagged at creation, are removed (the tag
			// covers a rule created by a reconcile that died before it
			// wrote the status).
			ours, err := routing.HasTag(ctx, s.clients.EventBridge, rule.ARN, render.TagStack, s.stack.Namespace+"/"+s.stack.Name)
			if err != nil {
				return err
			}
			if !ours {
				continue
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := routing.DeleteRule(ctx, s.clients.EventBridge, s.bus, name); err != nil {
			return err
		}
	}
	for _, fn := range s.functionARNs() {
		have := policies[fn]
		if have == nil {
			var err error
			if have, err = routing.Permissions(ctx, s.clients.Lambda, fn); err != nil {
				return err
			}
			policies[fn] = have
		}
		for sid := range have {
			if !wanted[fn][sid] {
				if err := routing.RemovePermission(ctx, s.clients.Lambda, fn, sid); err != nil {
					return err
				}
				delete(have, sid)
			}
		}
	}
	return nil
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
				State:     failedState(err), Message: "being deleted (no longer in the spec): " + awsapi.Brief(err)})
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
	if err := r.reconcileObserve(ctx, s); err != nil {
		return nil, err
	}
	return s.knownFunctionARNs(), nil
}

// deleteBus removes the operator's permissions on the given functions, then
// the bus's targets and rules, then the bus.
func (r *EventDrivenStackReconciler) deleteBus(ctx context.Context, s *scope, busName string, functions []string) error {
	clients, err := r.clients(ctx, s)
	if err != nil {
		return err
	}
	for _, fn := range functions {
		have, err := routing.Permissions(ctx, clients.Lambda, fn)
		if err != nil {
			return err
		}
		for sid := range have {
			if err := routing.RemovePermission(ctx, clients.Lambda, fn, sid); err != nil {
				return err
			}
		}
	}
	bus, err := routing.Observe(ctx, clients.EventBridge, busName)
	if err != nil {
		return err
	}
	return routing.DeleteBus(ctx, clients.EventBridge, bus)
}

// ruleError finds the error of a rule's PutRule among errs.
func ruleError(errs []error, rule string) error {
	for _, err := range errs {
		var re *routing.RuleError
		if errors.As(err, &re) && re.Rule == rule {
			return err
		}
	}
	return nil
}

// failedState is Stalled for an error retrying cannot fix, InProgress otherwise.
func failedState(err error) v1alpha1.ChildState {
	if _, terminal := outcome.IsTerminal(err); terminal {
		return v1alpha1.ChildStalled
	}
	return v1alpha1.ChildInProgress
}

// firstByKind returns a transient error if there is one (a retry may fix it),
// else the first terminal one, else nil.
func firstByKind(errs []error) error {
	var terminal error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if _, t := outcome.IsTerminal(err); !t {
			return err
		}
		if terminal == nil {
			terminal = err
		}
	}
	return terminal
}

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
