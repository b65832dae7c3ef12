package render

import (
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
		return b.scope.QueueURL(awsName(b.stack, name)), true
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
		return awsName(b.stack, r.Name), true
	case refs.URL:
		return b.url(n, r.Name)
	default:
		return b.named(n, r.Kind, r.Name)
	}
}

// Derived is the ARN AWS gives a component's resource, from its name, the
// region and the account; "" while the account is unknown.
func (b *builder) Derived(kind refs.Kind, name string) string {
	s := b.scope
	if s == nil {
		return ""
	}
	switch kind {
	case refs.Table:
		return s.Table(awsName(b.stack, name))
	case refs.Topic:
		return s.Topic(awsName(b.stack, name))
	case refs.Queue:
		return s.Queue(awsName(b.stack, name))
	case refs.Function:
		return s.Function(awsName(b.stack, name))
	case refs.Workflow:
		return s.StateMachine(awsName(b.stack, name))
	case refs.EventBus:
		return s.EventBus(awsName(b.stack, name))
	case roleKind:
		return s.Role(roleAWSName(b.stack, name))
	case eventsRoleKind:
		return s.Role(eventsRoleAWSName(b.stack, name))
	case ruleKind:
		if bus := b.stack.Spec.EventBus; bus != nil {
			return s.Rule(awsName(b.stack, bus.Name), awsName(b.stack, name))
		}
	case eventsDLQKind:
		return s.Queue(eventsDLQAWSName(b.stack))
	case LogGroupKind:
		return s.LogGroup(LogGroupName(b.stack, name))
	}
	return ""
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
