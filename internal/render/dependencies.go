package render

import (
	"maps"
	"sort"
	"strings"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// What waits for what. A child uses another resource in one of two ways:
//
//   - it needs the resource to exist (exists): AWS refuses the call that
//     creates the child otherwise. A queue's redrive policy needs its
//     dead-letter queue; a function its role, with its policies (the
//     controller gives a role's ARN only once ACK reports it synced); an
//     event source mapping its function and queue; a state machine its role
//     and, when it logs, its log group; a subscription its topic; a rule's
//     targets (and the Lambda permissions) their function, state machine,
//     queue or topic, the role EventBridge assumes and the EventBridge
//     dead-letter queue. These wait for what ACK (or the operator) reports.
//   - it only names the resource (named): an ARN inside an IAM policy, an
//     environment variable, a workflow definition, a queue or topic access
//     policy. AWS does not check those, so once the account is known the
//     ARN is derived from the resource's name (package arns) and nothing
//     waits. What ACK reports replaces the derived value as soon as it is
//     known; a reported ARN that differs from the derived one re-renders
//     whatever named it (its spec hash changes), and the status says so
//     (Mismatches).
//
// The seed thus needs three waves of ACK reports, where waiting for every
// ARN took eight: the tables, topic, dead-letter queues and roles at once;
// then the queues, functions and state machine; then the event source
// mappings and the rules' targets.

// exists returns the reported ARN of a resource the child needs to exist, or
// records that the child waits for it.
func (b *builder) exists(n *needs, kind refs.Kind, name string) (string, bool) {
	if v := b.obs.ARNs[Key(kind, name)]; v != "" {
		return v, true
	}
	k, c := b.componentChild(kind, name)
	*n = append(*n, Dependency{Kind: k, Name: c, What: "ARN"})
	return "", false
}

// named returns the ARN of a resource the child only names: the reported
// one, else the one derived from its name once the account is known, else it
// records that the child waits for it.
func (b *builder) named(n *needs, kind refs.Kind, name string) (string, bool) {
	if v := b.obs.ARNs[Key(kind, name)]; v != "" {
		return v, true
	}
	if v := b.Derived(kind, name); v != "" {
		return v, true
	}
	return b.exists(n, kind, name)
}

// url returns a queue's URL, reported or derived, or records that the child
// waits for it. A URL in an environment variable is named, not needed.
func (b *builder) url(n *needs, name string) (string, bool) {
	if v := b.obs.URLs[Key(refs.Queue, name)]; v != "" {
		return v, true
	}
	if b.scope != nil {
		return b.scope.QueueURL(queueAWSName(b.stack, name)), true
	}
	k, c := b.componentChild(refs.Queue, name)
	*n = append(*n, Dependency{Kind: k, Name: c, What: "URL"})
	return "", false
}

// resolve returns the value of a ${kind:name.attr} reference in a definition
// or an output: text, so named.
func (b *builder) resolve(n *needs, r refs.Ref) (string, bool) {
	switch r.Attr {
	case refs.Name:
		return componentAWSName(b.stack, r.Kind, r.Name), true
	case refs.URL:
		return b.url(n, r.Name)
	case refs.ARN:
		if r.Kind == refs.Function {
			return b.invokedName(n, r.Name) // the live alias with a rollout
		}
		return b.named(n, r.Kind, r.Name)
	default:
		return b.named(n, r.Kind, r.Name)
	}
}

// Mismatch is a reported ARN that differs from the one derived from the
// resource's name: what named it was rendered with the reported one.
type Mismatch struct {
	Component, Derived, Reported string
}

// Mismatches lists the components whose reported ARN is not the derived one.
func Mismatches(stack *v1alpha1.EventDrivenStack, obs Observed) []Mismatch {
	b := newBuilder(stack, obs)
	var out []Mismatch
	for key, reported := range obs.ARNs {
		kind, name, _ := strings.Cut(key, "/")
		if strings.Contains(name, "/") {
			continue // a part of a resource (an event source mapping): its ARN is AWS's UUID
		}
		if derived := b.Derived(refs.Kind(kind), name); derived != "" && derived != reported {
			out = append(out, Mismatch{Component: key, Derived: derived, Reported: reported})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Component < out[j].Component })
	return out
}

// Inputs are everything render takes of a stack's state: what ACK reported of
// its children (Observed), and what the operator observes itself that decides
// what a child may use yet. Render decides from them what is withheld and what
// waits (Effective, MappingLookups, Stale), so that the controller only
// observes, and the graph (BuildGraph) follows the same rules.
type Inputs struct {
	Observed
	// UnsyncedRoles are the components of roles ("role/<function or
	// workflow>", "events-role/<workflow>") whose ARN ACK reported but which
	// ACK has not reported synced with the operator's last change
	// (status.RoleUsable). ACK's iam controller reports a role's ARN right
	// after CreateRole and puts its inline policies on its next reconcile: a
	// function or state machine created in between could not assume the
	// role, or would lack its permissions, and would churn in ACK. Effective
	// withholds their ARN, unless what uses the role exists already (an update
	// of the role does not hold it up).
	UnsyncedRoles map[string]bool
	// EventBridge is the stack's bus as the operator read it from EventBridge;
	// nil when it was not read (no bus, no credentials). Its rules' ARNs are
	// what the queues' and the EventBridge dead-letter queue's access policies
	// and the Lambda permissions name.
	EventBridge *SeenBus
}

// SeenBus is a bus as read from EventBridge.
type SeenBus struct {
	// ARN of the bus; "" while it does not exist.
	ARN string
	// Rules are the ARNs of the rules on the bus, by their name in AWS (the
	// stack's and, on an adopted bus, others').
	Rules map[string]string
	// Scheduled are the ARNs of the stack's scheduled rules, on the default
	// bus, by their name in AWS.
	Scheduled map[string]string
}

// Effective is what the children are rendered with: Observed, without the ARNs
// of the roles withheld (Withheld), with the bus's and the stack's rules' ARNs
// as read from EventBridge. ARNs is a copy: in is left as it is.
func (in Inputs) Effective(stack *v1alpha1.EventDrivenStack) Observed {
	obs := in.Observed
	obs.ARNs = maps.Clone(in.ARNs)
	if obs.ARNs == nil {
		obs.ARNs = map[string]string{}
	}
	for _, component := range in.Withheld() {
		delete(obs.ARNs, component)
	}
	if bus, spec := in.EventBridge, stack.Spec.EventBus; bus != nil && spec != nil {
		if bus.ARN != "" {
			obs.ARNs[EventBusKey(spec.Name)] = bus.ARN
		}
		for _, r := range stack.Spec.Rules {
			rules := bus.Rules
			if r.Schedule != "" {
				rules = bus.Scheduled
			}
			if arn := rules[awsName(stack, r.Name)]; arn != "" {
				obs.ARNs[RuleKey(r.Name)] = arn
			}
		}
	}
	return obs
}

// Withheld lists, sorted, the roles whose reported ARN is kept from their
// users: unsynced (UnsyncedRoles), and used by a function or state machine
// that does not exist yet. A role EventBridge assumes is always withheld
// while unsynced: a rule's target is put at once.
func (in Inputs) Withheld() []string {
	var out []string
	for component, unsynced := range in.UnsyncedRoles {
		if !unsynced || in.ARNs[component] == "" {
			continue
		}
		kind, name, _ := strings.Cut(component, "/")
		if refs.Kind(kind) == roleKind && (in.Children[Key(refs.Function, name)] != nil || in.Children[Key(refs.Workflow, name)] != nil) {
			continue
		}
		out = append(out, component)
	}
	sort.Strings(out)
	return out
}

// MappingLookup is an event source mapping the operator looks up in Lambda
// before render builds it: a stack that adopts takes over an existing mapping
// of the function and the queue, and ACK adopts a mapping by UUID only.
type MappingLookup struct {
	// Component is the mapping's key in Observed.MappingUUIDs.
	Component string
	// FunctionARN and QueueARN are what the mapping connects, as reported.
	FunctionARN, QueueARN string
}

// MappingLookups lists the look-ups a render with obs waits for: for a stack
// that adopts, each mapping not created yet and not looked up yet whose
// function's and queue's ARNs are known. The operator records each answer
// in Observed.MappingUUIDs ("" when Lambda has none); until then the mapping
// waits (LookupOfMapping).
func MappingLookups(stack *v1alpha1.EventDrivenStack, obs Observed) []MappingLookup {
	if a := stack.Spec.Adoption; a == nil || a.Policy != v1alpha1.AdoptionAdoptOrCreate {
		return nil
	}
	var out []MappingLookup
	for _, f := range stack.Spec.Functions {
		for _, c := range f.Consumes {
			key := MappingKey(f.Name, c.Queue)
			if _, looked := obs.MappingUUIDs[key]; looked || obs.Children[key] != nil {
				continue
			}
			fn, queue := obs.ARNs[Key(refs.Function, f.Name)], obs.ARNs[Key(refs.Queue, c.Queue)]
			if fn == "" || queue == "" {
				continue
			}
			out = append(out, MappingLookup{Component: key, FunctionARN: fn, QueueARN: queue})
		}
	}
	return out
}
