package render

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// Graph is a stack's dependency graph: its ACK children and what the operator
// makes itself in AWS (the bus, the rules with their targets, the workflows'
// log groups), what each uses of the others, and in which reconcile each can
// be made. It is computed by the builders that make the children (Render,
// BuildRouting), under the rules of Inputs: nothing in it is written twice.
type Graph struct {
	// Stack is namespace/name.
	Stack string
	// Nodes in the order they can be made: by wave, then as children are
	// listed (roles first), the operator's own last.
	Nodes []Node
	// Edges, sorted by From, then To.
	Edges []Edge
	// Waves is how many reconciles it takes until every node is complete,
	// each after ACK (or the operator) reported what the previous one made;
	// the seed takes three. Nodes that never complete (a cycle) are not
	// counted.
	Waves int
}

// Never is the wave of a node that is never made (or never complete): it
// waits, directly or not, for itself.
const Never = -1

// Node is a child, or a resource the operator makes itself.
type Node struct {
	// Component is the spec entry the node implements (queue/order-queue,
	// rule/order-events-rule, role/event-order-processor).
	Component string
	// Kind and Name: the ACK kind and child name; for what the operator
	// makes itself, EventBus, Rule or LogGroup and the name in AWS.
	Kind, Name string
	// MadeBy is what makes it and reports its ARN: "ACK sqs controller", or
	// "operator".
	MadeBy string
	// Created is the wave in which it is made (0: the first reconcile), and
	// Complete the wave in which it has every part: a queue its access
	// policy, a rule its targets and Lambda permissions. Never for a node in
	// a cycle.
	Created, Complete int
	// Waiting is what it waits for with the inputs given (for a stack file,
	// before anything exists), as the stack's status says it.
	Waiting []Dependency
	// Notes say what else holds it: a mapping's look-up in Lambda, a role's
	// ARN withheld until ACK reports the role synced.
	Notes []string
}

// Operator is the MadeBy of what the operator makes itself.
const Operator = "operator"

// Edge is a value one node uses of another.
type Edge struct {
	// From uses the value of To (component keys).
	From, To string
	// What is the value: ARN or URL.
	What string
	// Needs is true when AWS checks the value (From is refused until To
	// exists): From waits until To's value is reported. False when From only
	// names it (a policy, an environment variable, a definition): the value
	// is derived from To's name once the account is known, and nothing waits
	// (while the account is unknown, From waits for the report, or for an
	// access policy is made without the part that names it).
	Needs bool
	// Why says where From uses the value.
	Why string
}

// BuildGraph computes the graph of a stack from the inputs given: for a
// stack file, Inputs{Observed: Observed{Account: ...}} (nothing exists yet);
// for a stack in a cluster, what the controller observed.
//
// The waves are found as the controller meets them: each reconcile renders
// with what is known, makes what renders (the log groups first, the rules
// after the children), and what it made is reported before the next one
// (ARNs as AWS gives them, from their names; an adopting stack finds no
// mapping in Lambda). The edges are found by knocking out each known value in
// turn from the complete state, with the account known (what still waits,
// Needs) and unknown (what only names it).
func BuildGraph(stack *v1alpha1.EventDrivenStack, in Inputs) (*Graph, error) {
	account := in.Account
	if account == "" {
		account = placeholderAccount
	}
	g := &graphBuilder{
		stack:    stack,
		reporter: newBuilder(stack, Observed{Account: account}),
		nodes:    map[string]*Node{},
		edges:    map[edgeKey]*Edge{},
	}
	if err := g.now(in); err != nil {
		return nil, err
	}
	full, err := g.waves(in)
	if err != nil {
		return nil, err
	}
	for _, acct := range []string{account, ""} {
		if err := g.knockouts(full, acct); err != nil {
			return nil, err
		}
	}
	for _, component := range in.Withheld() {
		if n := g.nodes[component]; n != nil {
			n.Notes = append(n.Notes, "ACK reported its ARN but not yet the role synced with its inline policies: withheld from what uses it until then")
		}
	}
	return g.graph(), nil
}

// archiveKind keys the bus's archive among the graph's nodes.
const archiveKind refs.Kind = "archive"

// placeholderAccount derives the ARNs reported in the simulated waves while
// the account is unknown: their form matters, not their account.
const placeholderAccount = "000000000000"

type edgeKey struct{ from, to, what string }

type graphBuilder struct {
	stack *v1alpha1.EventDrivenStack
	// reporter derives the ARNs and URLs that AWS gives what is made.
	reporter *builder
	nodes    map[string]*Node
	edges    map[edgeKey]*Edge
	waveN    int
}

// node returns the node of a component, made on first sight.
func (g *graphBuilder) node(component, kind, name, madeBy string) *Node {
	n := g.nodes[component]
	if n == nil {
		n = &Node{Component: component, Kind: kind, Name: name, MadeBy: madeBy, Created: Never, Complete: Never}
		g.nodes[component] = n
	}
	return n
}

// childNode returns the node of a child.
func (g *graphBuilder) childNode(c Child) *Node {
	return g.node(c.Component, c.Kind, c.Name, "ACK "+ackController[c.Kind]+" controller")
}

// ackController names the ACK controller of each kind: the first label of
// its API group (sqs.services.k8s.aws).
var ackController = func() map[string]string {
	m := map[string]string{}
	for _, k := range ack.Kinds {
		m[k.GVK.Kind], _, _ = strings.Cut(k.GVK.Group, ".")
	}
	return m
}()

// operatorNode returns the node of what the operator makes itself.
func (g *graphBuilder) operatorNode(kind refs.Kind, name string) *Node {
	k, n := g.reporter.componentChild(kind, name)
	return g.node(Key(kind, name), k, n, Operator)
}

// reached records that a node is made, or complete, in a wave.
func reached(at *int, wave int) {
	if *at == Never {
		*at = wave
	}
}

// now records what each node waits for with the inputs given.
func (g *graphBuilder) now(in Inputs) error {
	obs := in.Effective(g.stack)
	res, err := Render(g.stack, obs)
	if err != nil {
		return err
	}
	for _, c := range res.Children {
		g.childNode(c).Waiting = slices.Concat(c.Needs, c.Partial)
	}
	rt, err := BuildRouting(g.stack, obs)
	if err != nil {
		return err
	}
	if rt.Bus != nil {
		g.operatorNode(refs.EventBus, g.stack.Spec.EventBus.Name)
	}
	if a := BuildArchive(g.stack); a != nil {
		g.node(Key(archiveKind, a.Name), "Archive", a.Name, Operator)
	}
	for _, r := range rt.Rules {
		_, name, _ := strings.Cut(r.Component, "/")
		g.operatorNode(ruleKind, name).Waiting = r.Needs
	}
	for _, lg := range LogGroups(g.stack) {
		g.operatorNode(lg.Kind, lg.Of)
	}
	return nil
}

// waves plays the reconciles from the inputs given until nothing more is
// made, and returns what is then known.
func (g *graphBuilder) waves(in Inputs) (Observed, error) {
	obs := in.Effective(g.stack)
	obs.URLs = cloneOrNew(obs.URLs)
	obs.Children = cloneOrNew(obs.Children)
	obs.MappingUUIDs = cloneOrNew(obs.MappingUUIDs)
	for wave := 0; ; wave++ {
		learned := false
		// Before the children: the log groups, and the mappings' look-ups.
		for _, lg := range LogGroups(g.stack) {
			n := g.operatorNode(lg.Kind, lg.Of)
			reached(&n.Created, wave)
			reached(&n.Complete, wave)
			learned = g.report(obs, n.Component) || learned
		}
		for _, l := range MappingLookups(g.stack, obs) {
			obs.MappingUUIDs[l.Component] = ""
			learned = true
		}
		res, err := Render(g.stack, obs)
		if err != nil {
			return obs, err
		}
		rt, err := BuildRouting(g.stack, obs)
		if err != nil {
			return obs, err
		}
		var made []string
		for _, c := range res.Children {
			n := g.childNode(c)
			g.gates(n, c.Needs)
			if c.Object == nil {
				continue
			}
			reached(&n.Created, wave)
			if len(c.Partial) == 0 {
				reached(&n.Complete, wave)
			}
			if obs.Children[c.Component] == nil {
				learned = true
			}
			obs.Children[c.Component] = c.Object
			made = append(made, c.Component)
		}
		// After the children: the bus, the rules, and the targets of the
		// rules whose targets are known.
		if rt.Bus != nil {
			n := g.operatorNode(refs.EventBus, g.stack.Spec.EventBus.Name)
			reached(&n.Created, wave)
			reached(&n.Complete, wave)
			made = append(made, n.Component)
			// The bus's archive right after it (routing.Ensure), on its ARN.
			if a := BuildArchive(g.stack); a != nil {
				an := g.nodes[Key(archiveKind, a.Name)]
				reached(&an.Created, wave)
				reached(&an.Complete, wave)
				g.edge(an.Component, n.Component, "EventSourceArn", true)
			}
		}
		for _, r := range rt.Rules {
			n := g.nodes[r.Component]
			reached(&n.Created, wave)
			if len(r.Needs) == 0 {
				reached(&n.Complete, wave)
			}
			made = append(made, r.Component)
		}
		// Reported before the next reconcile.
		for _, component := range made {
			learned = g.report(obs, component) || learned
		}
		complete := true
		for _, n := range g.nodes {
			complete = complete && n.Complete != Never
		}
		if complete {
			g.waveN = wave + 1
			return obs, nil
		}
		if !learned {
			for _, n := range g.nodes {
				if n.Complete != Never {
					g.waveN = max(g.waveN, n.Complete+1)
				}
			}
			return obs, nil
		}
	}
}

// report records the ARN (and a queue's URL) AWS gives a component, derived
// from its name, unless known; it says whether it learned one.
func (g *graphBuilder) report(obs Observed, component string) bool {
	kind, name, _ := strings.Cut(component, "/")
	if strings.Contains(name, "/") {
		return false // a mapping or a subscription: nothing uses its ARN
	}
	learned := false
	if obs.ARNs[component] == "" {
		if arn := g.reporter.Derived(refs.Kind(kind), name); arn != "" {
			obs.ARNs[component] = arn
			learned = true
		}
	}
	if refs.Kind(kind) == refs.Queue && obs.URLs[component] == "" {
		obs.URLs[component] = g.reporter.scope.QueueURL(awsName(g.stack, name))
		learned = true
	}
	return learned
}

// gates notes what a child waits for that no other node reports.
func (g *graphBuilder) gates(n *Node, needs []Dependency) {
	for _, d := range needs {
		if d.What == LookupOfMapping {
			note := "the stack adopts: waits for the operator's " + LookupOfMapping +
				" of an existing mapping of its function and queue (ACK adopts a mapping by UUID only)"
			if !slices.Contains(n.Notes, note) {
				n.Notes = append(n.Notes, note)
			}
		}
	}
}

// knockouts renders the complete state without each known value in turn:
// whatever then waits for it, or lacks it for a part, uses it. With the
// account known that is what AWS checks (Needs); without, also what only
// names it.
func (g *graphBuilder) knockouts(full Observed, account string) error {
	needs := account != ""
	for _, attr := range []struct {
		what   string
		values map[string]string
	}{{"ARN", full.ARNs}, {"URL", full.URLs}} {
		for _, key := range slices.Sorted(maps.Keys(attr.values)) {
			kind, name, _ := strings.Cut(key, "/")
			k, n := g.reporter.componentChild(refs.Kind(kind), name)
			want := Dependency{Kind: k, Name: n, What: attr.what}
			obs := full
			obs.Account = account
			obs.ARNs, obs.URLs = maps.Clone(full.ARNs), maps.Clone(full.URLs)
			if attr.what == "ARN" {
				delete(obs.ARNs, key)
			} else {
				delete(obs.URLs, key)
			}
			res, err := Render(g.stack, obs)
			if err != nil {
				return err
			}
			for _, c := range res.Children {
				if slices.Contains(c.Needs, want) || slices.Contains(c.Partial, want) {
					g.edge(c.Component, key, attr.what, needs)
				}
			}
			rt, err := BuildRouting(g.stack, obs)
			if err != nil {
				return err
			}
			for _, r := range rt.Rules {
				if slices.Contains(r.Needs, want) {
					g.edge(r.Component, key, attr.what, needs)
				}
			}
		}
	}
	return nil
}

// edge records that from uses what of to; a use found waiting stays one.
func (g *graphBuilder) edge(from, to, what string, needs bool) {
	if from == to {
		// A queue's access policy names its own ARN, a rule's permissions
		// its own: known as soon as it is made.
		return
	}
	k := edgeKey{from, to, what}
	if e := g.edges[k]; e != nil {
		e.Needs = e.Needs || needs
		return
	}
	g.edges[k] = &Edge{From: from, To: to, What: what, Needs: needs}
}

// graph returns the nodes and edges in order, each edge with its reason.
func (g *graphBuilder) graph() *Graph {
	out := &Graph{Stack: g.stack.Namespace + "/" + g.stack.Name, Waves: g.waveN}
	for _, n := range g.nodes {
		out.Nodes = append(out.Nodes, *n)
	}
	sort.SliceStable(out.Nodes, func(i, j int) bool {
		a, b := out.Nodes[i], out.Nodes[j]
		if a.Created != b.Created {
			return a.Created != Never && (b.Created == Never || a.Created < b.Created)
		}
		if (a.MadeBy == Operator) != (b.MadeBy == Operator) {
			return b.MadeBy == Operator
		}
		if a.Kind != b.Kind {
			if a.MadeBy == Operator {
				return a.Kind < b.Kind
			}
			return kindOrder[a.Kind] < kindOrder[b.Kind]
		}
		return a.Name < b.Name
	})
	for _, e := range g.edges {
		e.Why = why(g.nodes[e.From], g.nodes[e.To], *e)
		out.Edges = append(out.Edges, *e)
	}
	slices.SortFunc(out.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.What, b.What))
	})
	return out
}

// why says where a node uses another's value: from the kinds of both, as
// the builders use them.
func why(from, to *Node, e Edge) string {
	toKind, _, _ := strings.Cut(to.Component, "/")
	if !e.Needs {
		switch from.Kind {
		case "Role":
			return "in its inline policy"
		case "Function":
			return "in its environment or dead-letter queue"
		case "StateMachine":
			return "in its definition"
		case "Queue", "Topic":
			return "in its access policy"
		case "Subscription":
			return "as its endpoint"
		}
		return "in its spec"
	}
	switch {
	case from.Kind == "Rule" && toKind == string(eventsDLQKind):
		return "its targets' dead-letter queue"
	case from.Kind == "Rule" && (toKind == string(eventsRoleKind) || toKind == string(busRoleKind)):
		return "the role EventBridge assumes for its target"
	case from.Kind == "Rule":
		return "its target"
	case toKind == string(roleKind):
		return "the role it runs as, given once ACK reports the role synced with its inline policies"
	case from.Kind == "Queue":
		return "its redrive policy"
	case from.Kind == "EventSourceMapping" && to.Kind == "Function":
		return "the function it invokes"
	case from.Kind == "EventSourceMapping":
		return "the queue it reads"
	case from.Kind == "Subscription":
		return "the topic it subscribes to"
	case to.Kind == "LogGroup":
		return "its log destination"
	}
	return "AWS checks it"
}

func cloneOrNew[M ~map[K]V, K comparable, V any](m M) M {
	if m == nil {
		return M{}
	}
	return maps.Clone(m)
}
