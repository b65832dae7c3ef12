package routing

import (
	"context"
	"errors"
	"sort"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Inventory kinds and status-line kinds of what this package makes in AWS.
const (
	KindEventBus = "EventBus"
	KindRule     = "Rule"
	// KindScheduledRule is a scheduled rule, on the account's default bus:
	// recorded in the inventory before it is created, since the default bus
	// is not the stack's to list and prune.
	KindScheduledRule = "ScheduledRule"
)

// Inventory is where the operator records what it creates in AWS (the
// stack's status), so that it never loses track of it: Intend durably before
// the call that creates, Record once it exists, Forget once it is gone or
// AWS refused to create it.
type Inventory interface {
	Intend(ctx context.Context, kind, name string) error
	Record(kind, name, arn string)
	Forget(kind, name string)
}

// State is what is known of a stack's routing in AWS: its bus, rules and
// targets (Observe), and the operator's statements in each function's policy
// by function ARN (read when first needed). Ensure keeps it true as its
// calls change AWS, so that it can be remembered until the next read.
type State struct {
	Bus *Bus
	// Scheduled is the default bus, as far as the stack's scheduled rules
	// go (ObserveScheduled).
	Scheduled *Bus
	Policies  map[string]map[string]Statement
}

// busOf is the bus a rule is on.
func (st *State) busOf(route render.RuleRoute) *Bus {
	if route.Bus == render.DefaultBus {
		return st.Scheduled
	}
	return st.Bus
}

// Input is what Ensure brings AWS in line with.
type Input struct {
	Stack *v1alpha1.EventDrivenStack
	// Observed is what render builds the routing from; Ensure adds the rule
	// ARNs it learns to Observed.ARNs.
	Observed render.Observed
	// Reported are the rules the stack's status listed before this
	// reconcile: on an adopted bus, the rules pruned without asking AWS
	// whose they are.
	Reported map[string]bool
	// Scheduled are the scheduled rules the inventory lists (their AWS
	// names): those the spec no longer has are deleted.
	Scheduled []string
	Inventory Inventory
}

// Line is where one thing of the routing stands after Ensure: failed (Err),
// waiting (Waits), or in line with the spec.
type Line struct {
	Kind, Name, Component, ARN string
	Err                        error
	Waits                      []render.Dependency
	// Targets and Permissions a ready rule has.
	Targets, Permissions int
	// Schedule of a scheduled rule, on the default bus.
	Schedule string
}

// RuleKind is the status kind of a rule: ScheduledRule for one on the
// default bus.
func RuleKind(r v1alpha1.Rule) string {
	if r.Schedule != "" {
		return KindScheduledRule
	}
	return KindRule
}

// Outcome is what Ensure did: a line for the bus (nil when it was not
// reached), one per rule once the bus is there, whether a rule got its first
// ARN (what the children's policies name), and the error to return: a
// transient one if any (a retry may fix it), else the first terminal one.
type Outcome struct {
	Bus *Line
	// Archive is the bus's archive's line, nil when the spec asks for none.
	Archive *Line
	Rules   []Line
	Learned bool
	Err     error
}

// Ensure creates or repairs the stack's bus (recorded in the inventory before
// it is created), each rule, its targets and the Lambda permissions they
// need, then, when all of it succeeded, removes the rules and the operator's
// permissions the spec no longer has. Every rule has its turn whatever
// another's fails with. Only what differs from st is written.
func Ensure(ctx context.Context, clients *awsapi.Clients, st *State, in Input) Outcome {
	plan, err := render.BuildRouting(in.Stack, in.Observed)
	if err != nil {
		return Outcome{Err: outcome.Terminal(v1alpha1.ReasonInvalidSpec, err)}
	}
	if !st.Bus.Exists {
		if err := in.Inventory.Intend(ctx, KindEventBus, st.Bus.Name); err != nil {
			return Outcome{Err: err}
		}
	}
	line := Line{Kind: KindEventBus, Name: st.Bus.Name, Component: string(refs.EventBus) + "/" + in.Stack.Spec.EventBus.Name}
	if err := EnsureBus(ctx, clients.EventBridge, st.Bus, plan.Bus); err != nil {
		if _, refused := outcome.IsTerminal(err); refused {
			// AWS refused the call (access denied, invalid, no
			// credentials): nothing was created.
			in.Inventory.Forget(KindEventBus, st.Bus.Name)
		}
		line.Err = err
		return Outcome{Bus: &line, Err: err}
	}
	in.Inventory.Record(KindEventBus, st.Bus.Name, st.Bus.ARN)
	line.ARN = st.Bus.ARN
	out := Outcome{Bus: &line, Archive: ensureArchive(ctx, clients.EventBridge, st.Bus, in)}
	// The rules first: their ARNs are what targets' permissions name. The
	// plan is built again only when a rule's ARN is not the one it named.
	ruleErrs, learned, changed := ensureRules(ctx, clients.EventBridge, st, plan, in)
	if changed {
		if plan, err = render.BuildRouting(in.Stack, in.Observed); err != nil {
			return Outcome{Bus: &line, Err: outcome.Terminal(v1alpha1.ReasonInvalidSpec, err)}
		}
	}
	out.Learned = learned
	errs := append([]error(nil), ruleErrs...)
	if out.Archive != nil {
		errs = append(errs, out.Archive.Err)
	}
	wanted := map[string]map[string]bool{} // statement ids by function ARN
	for _, route := range plan.Rules {
		l := Line{Kind: KindRule, Name: route.Name, Component: route.Component, ARN: in.Observed.ARNs[route.Component],
			Schedule: ptr.Deref(route.PutRule.ScheduleExpression, "")}
		if l.Schedule != "" {
			l.Kind = KindScheduledRule
		}
		switch {
		case ruleError(ruleErrs, route.Name) != nil:
			l.Err = ruleError(ruleErrs, route.Name)
		case len(route.Needs) > 0:
			l.Waits = route.Needs
		default:
			l.Err = ensureRoute(ctx, clients, st, route, wanted)
			l.Targets, l.Permissions = len(route.PutTargets.Targets), len(route.Permissions)
			errs = append(errs, l.Err)
		}
		out.Rules = append(out.Rules, l)
	}
	if outcome.First(errs) == nil {
		errs = append(errs, prune(ctx, clients, st, plan, in, wanted))
	}
	out.Err = outcome.First(errs)
	return out
}

// ensureRules puts every rule and records its ARN in obs; learned says a rule
// had no ARN before, changed that some rule's ARN is not the one the plan was
// built with. A scheduled rule is recorded in the inventory before it is
// created.
func ensureRules(ctx context.Context, eb awsapi.EventBridge, st *State, plan *render.Routing, in Input) (errs []error, learned, changed bool) {
	obs := in.Observed
	for _, route := range plan.Rules {
		had, known := obs.ARNs[route.Component]
		bus := st.busOf(route)
		scheduled := bus == st.Scheduled
		if scheduled && bus.Rules[route.Name] == nil {
			if err := in.Inventory.Intend(ctx, KindScheduledRule, route.Name); err != nil {
				errs = append(errs, &RuleError{Rule: route.Name, Err: err})
				continue
			}
		}
		arn, err := EnsureRule(ctx, eb, bus, route)
		if err != nil {
			if _, refused := outcome.IsTerminal(err); refused && scheduled && bus.Rules[route.Name] == nil {
				in.Inventory.Forget(KindScheduledRule, route.Name)
			}
			errs = append(errs, err)
			continue
		}
		if scheduled {
			in.Inventory.Record(KindScheduledRule, route.Name, arn)
		}
		obs.ARNs[route.Component] = arn
		learned = learned || !known
		changed = changed || arn != had
	}
	return errs, learned, changed
}

// ensureRoute puts a rule's targets, then grants the permissions they need,
// reading a function's policy when it is first needed.
func ensureRoute(ctx context.Context, clients *awsapi.Clients, st *State, route render.RuleRoute, wanted map[string]map[string]bool) error {
	if err := EnsureTargets(ctx, clients.EventBridge, st.busOf(route), route); err != nil {
		return err
	}
	for _, perm := range route.Permissions {
		fn := ptr.Deref(perm.FunctionName, "")
		if wanted[fn] == nil {
			wanted[fn] = map[string]bool{}
		}
		wanted[fn][ptr.Deref(perm.StatementId, "")] = true
		have, err := st.policy(ctx, clients.Lambda, fn)
		if err != nil {
			return err
		}
		if err := EnsurePermission(ctx, clients.Lambda, have, perm); err != nil {
			return err
		}
	}
	return nil
}

// policy returns the operator's statements on a function, read when first needed.
func (st *State) policy(ctx context.Context, lc awsapi.Lambda, fn string) (map[string]Statement, error) {
	if have := st.Policies[fn]; have != nil {
		return have, nil
	}
	have, err := Permissions(ctx, lc, fn)
	if err != nil {
		return nil, err
	}
	st.Policies[fn] = have
	return have, nil
}

// prune deletes the rules on the stack's bus that the spec does not name (the
// bus belongs to the stack; with adoption, only rules the stack reported
// before or tagged as its own), and the operator's Lambda permissions no rule
// wants.
func prune(ctx context.Context, clients *awsapi.Clients, st *State, plan *render.Routing, in Input, wanted map[string]map[string]bool) error {
	names, err := strayRules(ctx, clients.EventBridge, st.Bus, plan, in)
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := DeleteRule(ctx, clients.EventBridge, st.Bus, name); err != nil {
			return err
		}
	}
	if err := pruneScheduled(ctx, clients.EventBridge, st.Scheduled, plan, in); err != nil {
		return err
	}
	for _, fn := range functionARNs(in.Stack, in.Observed) {
		have, err := st.policy(ctx, clients.Lambda, fn)
		if err != nil {
			return err
		}
		for sid := range have {
			if wanted[fn][sid] {
				continue
			}
			if err := RemovePermission(ctx, clients.Lambda, fn, sid); err != nil {
				return err
			}
			delete(have, sid)
		}
	}
	return nil
}

// strayRules are the rules of the bus the plan does not have and that are the
// stack's to delete, sorted.
func strayRules(ctx context.Context, eb awsapi.EventBridge, bus *Bus, plan *render.Routing, in Input) ([]string, error) {
	keep := map[string]bool{}
	for _, route := range plan.Rules {
		keep[route.Name] = route.Bus == bus.Name
	}
	var names []string
	for name, rule := range bus.Rules {
		if keep[name] {
			continue
		}
		if Adopts(in.Stack) && !in.Reported[name] {
			// An adopted bus may hold rules of others: only the stack's
			// own, reported or tagged at creation, are removed (the tag
			// covers a rule created by a reconcile that died before it
			// wrote the status).
			ours, err := HasTag(ctx, eb, rule.ARN, render.TagStack, in.Stack.Namespace+"/"+in.Stack.Name)
			if err != nil {
				return nil, err
			}
			if !ours {
				continue
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// pruneScheduled deletes the scheduled rules the inventory lists that the
// spec no longer has, with their targets, and takes each off the inventory
// once it is gone (or was never there).
func pruneScheduled(ctx context.Context, eb awsapi.EventBridge, scheduled *Bus, plan *render.Routing, in Input) error {
	if len(in.Scheduled) == 0 {
		return nil
	}
	keep := map[string]bool{}
	for _, route := range plan.Rules {
		keep[route.Name] = route.Bus == render.DefaultBus
	}
	for _, name := range in.Scheduled {
		if keep[name] {
			continue
		}
		if err := DeleteRule(ctx, eb, scheduled, name); err != nil {
			return err
		}
		in.Inventory.Forget(KindScheduledRule, name)
	}
	return nil
}

// DeleteScheduled deletes scheduled rules of the default bus, with their
// targets: a stack's, being deleted or left without rules. Not found is done;
// forget is told each rule once it is gone.
func DeleteScheduled(ctx context.Context, eb awsapi.EventBridge, names []string, forget func(name string)) error {
	scheduled, err := ObserveScheduled(ctx, eb, names)
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := DeleteRule(ctx, eb, scheduled, name); err != nil {
			return err
		}
		forget(name)
	}
	return nil
}

// Adopts reports whether a stack adopts existing AWS resources.
func Adopts(stack *v1alpha1.EventDrivenStack) bool {
	return stack.Spec.Adoption != nil && stack.Spec.Adoption.Policy == v1alpha1.AdoptionAdoptOrCreate
}

// functionARNs lists the ARNs of the stack's functions that ACK reported.
func functionARNs(stack *v1alpha1.EventDrivenStack, obs render.Observed) []string {
	var out []string
	for _, f := range stack.Spec.Functions {
		if arn := obs.ARNs[render.Key(refs.Function, f.Name)]; arn != "" {
			out = append(out, arn)
		}
	}
	return out
}

// ruleError finds the error of a rule's PutRule among errs.
func ruleError(errs []error, rule string) error {
	for _, err := range errs {
		var re *RuleError
		if errors.As(err, &re) && re.Rule == rule {
			return err
		}
	}
	return nil
}

// Seen is what was read, as render takes it (render.Inputs.EventBridge): the
// bus's ARN and its rules' ARNs by name, and those of the stack's scheduled
// rules on the default bus (scheduled may be nil); nil for no bus.
func Seen(bus, scheduled *Bus) *render.SeenBus {
	if bus == nil {
		return nil
	}
	seen := &render.SeenBus{ARN: bus.ARN, Rules: arnsOf(bus)}
	if scheduled != nil {
		seen.Scheduled = arnsOf(scheduled)
	}
	return seen
}

// arnsOf are the ARNs of a bus's rules, by name.
func arnsOf(b *Bus) map[string]string {
	out := make(map[string]string, len(b.Rules))
	for name, rule := range b.Rules {
		if rule != nil && rule.ARN != "" {
			out[name] = rule.ARN
		}
	}
	return out
}

// Delete removes the operator's permissions on the given functions, then the
// bus's targets and rules, then the bus: a bus no longer in the spec, or of a
// stack being deleted. Not found is done.
func Delete(ctx context.Context, clients *awsapi.Clients, busName string, functions []string) error {
	for _, fn := range functions {
		have, err := Permissions(ctx, clients.Lambda, fn)
		if err != nil {
			return err
		}
		for sid := range have {
			if err := RemovePermission(ctx, clients.Lambda, fn, sid); err != nil {
				return err
			}
		}
	}
	bus, err := Observe(ctx, clients.EventBridge, busName)
	if err != nil {
		return err
	}
	return DeleteBus(ctx, clients.EventBridge, bus)
}

// LookUpMappings finds, for a stack that adopts, the event source mappings
// that exist in Lambda for those render waits to look up
// (render.MappingLookups): ACK adopts a mapping by UUID only. It returns nil
// for a stack that does not adopt, and what it found before an error.
func LookUpMappings(ctx context.Context, lc awsapi.Lambda, stack *v1alpha1.EventDrivenStack, obs render.Observed) (map[string]string, error) {
	if !Adopts(stack) {
		return nil, nil
	}
	uuids := map[string]string{}
	for _, l := range render.MappingLookups(stack, obs) {
		uuid, err := FindMapping(ctx, lc, l.FunctionARN, l.QueueARN)
		if err != nil {
			return uuids, err
		}
		uuids[l.Component] = uuid
	}
	return uuids, nil
}
