package render

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

func mustGraph(t *testing.T, stack *v1alpha1.EventDrivenStack, in Inputs) *Graph {
	t.Helper()
	g, err := BuildGraph(stack, in)
	if err != nil {
		t.Fatalf("BuildGraph: %v", err)
	}
	return g
}

func graphNode(t *testing.T, g *Graph, component string) Node {
	t.Helper()
	for _, n := range g.Nodes {
		if n.Component == component {
			return n
		}
	}
	t.Fatalf("no node %s", component)
	return Node{}
}

// The seed from its file: three waves (dependencies.go), each node made in
// the wave its builder allows, and exactly the uses AWS checks as edges
// that wait.
func TestGraphOfTheSeed(t *testing.T) {
	g := mustGraph(t, withoutAlarms(loadSeed(t)), Inputs{Observed: Observed{Account: account}})
	if g.Waves != 3 {
		t.Errorf("waves = %d, want 3", g.Waves)
	}
	if g.Stack != namespace+"/event-driven-stack" {
		t.Errorf("stack = %q", g.Stack)
	}
	for _, tc := range []struct {
		component         string
		kind, name        string
		madeBy            string
		created, complete int
	}{
		{"table/event-driven-orders", "Table", child("event-driven-orders"), "ACK dynamodb controller", 0, 0},
		{"role/event-order-processor", "Role", child("event-order-processor"), "ACK iam controller", 0, 0},
		{"events-role/event-driven-workflow", "Role", child("event-driven-workflow--events"), "ACK iam controller", 0, 0},
		{"eventbridge/dlq", "Queue", child("events--dlq"), "ACK sqs controller", 0, 0},
		{"queue/order-dlq", "Queue", child("order-dlq"), "ACK sqs controller", 0, 0},
		{"topic/event-notifications", "Topic", child("event-notifications"), "ACK sns controller", 0, 0},
		{"eventBus/custom-event-bus", "EventBus", "custom-event-bus", Operator, 0, 0},
		{"queue/order-queue", "Queue", child("order-queue"), "ACK sqs controller", 1, 1},
		{"function/event-order-processor", "Function", child("event-order-processor"), "ACK lambda controller", 1, 1},
		{"workflow/event-driven-workflow", "StateMachine", child("event-driven-workflow"), "ACK sfn controller", 1, 1},
		{MappingKey("event-order-processor", "order-queue"), "EventSourceMapping", esm("event-order-processor", "order-queue"), "ACK lambda controller", 2, 2},
		// A rule is put at once; its targets once their ARNs are reported.
		{"rule/order-events-rule", "Rule", "order-events-rule", Operator, 0, 2},
		{"rule/workflow-events-rule", "Rule", "workflow-events-rule", Operator, 0, 2},
	} {
		n := graphNode(t, g, tc.component)
		if n.Kind != tc.kind || n.Name != tc.name || n.MadeBy != tc.madeBy || n.Created != tc.created || n.Complete != tc.complete {
			t.Errorf("%s: got %s %s by %q, waves %d/%d; want %s %s by %q, waves %d/%d", tc.component,
				n.Kind, n.Name, n.MadeBy, n.Created, n.Complete, tc.kind, tc.name, tc.madeBy, tc.created, tc.complete)
		}
	}
	if len(g.Nodes) != len(seedChildren())+5 { // the bus and four rules
		t.Errorf("%d nodes, want the %d children, the bus and four rules", len(g.Nodes), len(seedChildren()))
	}
	for i := 1; i < len(g.Nodes); i++ {
		if g.Nodes[i].Created < g.Nodes[i-1].Created {
			t.Errorf("node %s (wave %d) after %s (wave %d)", g.Nodes[i].Component, g.Nodes[i].Created, g.Nodes[i-1].Component, g.Nodes[i-1].Created)
		}
	}

	var waits []string
	for _, e := range g.Edges {
		if e.Needs {
			waits = append(waits, e.From+" -> "+e.To)
		}
		if e.Why == "" {
			t.Errorf("edge %s -> %s says no why", e.From, e.To)
		}
	}
	wantWaits := []string{
		"function/event-inventory-processor -> role/event-inventory-processor",
		"function/event-inventory-processor/consumes/inventory-queue -> function/event-inventory-processor",
		"function/event-inventory-processor/consumes/inventory-queue -> queue/inventory-queue",
		"function/event-notification-processor -> role/event-notification-processor",
		"function/event-order-processor -> role/event-order-processor",
		"function/event-order-processor/consumes/order-queue -> function/event-order-processor",
		"function/event-order-processor/consumes/order-queue -> queue/order-queue",
		"queue/inventory-queue -> queue/inventory-dlq",
		"queue/order-queue -> queue/order-dlq",
		"rule/inventory-events-rule -> eventbridge/dlq",
		"rule/inventory-events-rule -> function/event-inventory-processor",
		"rule/notification-events-rule -> eventbridge/dlq",
		"rule/notification-events-rule -> function/event-notification-processor",
		"rule/order-events-rule -> eventbridge/dlq",
		"rule/order-events-rule -> function/event-order-processor",
		"rule/workflow-events-rule -> eventbridge/dlq",
		"rule/workflow-events-rule -> events-role/event-driven-workflow",
		"rule/workflow-events-rule -> workflow/event-driven-workflow",
		"workflow/event-driven-workflow -> role/event-driven-workflow",
	}
	if !reflect.DeepEqual(waits, wantWaits) {
		t.Errorf("edges that wait:\n got %q\nwant %q", waits, wantWaits)
	}
	// What only names another: derived, so no wave waits for it.
	for _, want := range []Edge{
		{From: "role/event-order-processor", To: "table/event-driven-orders", What: "ARN", Why: "in its inline policy"},
		{From: "function/event-order-processor", To: "topic/event-notifications", What: "ARN", Why: "in its environment or dead-letter queue"},
		{From: "function/event-order-processor", To: "queue/order-dlq", What: "URL", Why: "in its environment or dead-letter queue"},
		{From: "workflow/event-driven-workflow", To: "function/event-order-processor", What: "ARN", Why: "in its definition"},
		{From: "events-role/event-driven-workflow", To: "workflow/event-driven-workflow", What: "ARN", Why: "in its inline policy"},
		{From: "eventbridge/dlq", To: "rule/order-events-rule", What: "ARN", Why: "in its access policy"},
	} {
		if !slices.Contains(g.Edges, want) {
			t.Errorf("no edge %+v", want)
		}
	}
	// Before anything exists, each node waits for what its wave-0 render lacks.
	fn := graphNode(t, g, "function/event-order-processor")
	if want := []Dependency{dep("Role", child("event-order-processor"), "ARN")}; !reflect.DeepEqual(fn.Waiting, want) {
		t.Errorf("function waits for %v, want %v", fn.Waiting, want)
	}
	if n := graphNode(t, g, "table/event-driven-orders"); len(n.Waiting) != 0 {
		t.Errorf("a table waits for %v", n.Waiting)
	}
}

// seedChildren are the components of the seed's children, from Render.
func seedChildren() []string {
	return []string{
		"table/event-driven-orders", "table/event-driven-inventory", "topic/event-notifications",
		"queue/order-queue", "queue/order-dlq", "queue/inventory-queue", "queue/inventory-dlq", "eventbridge/dlq",
		"role/event-order-processor", "role/event-inventory-processor", "role/event-notification-processor",
		"role/event-driven-workflow", "events-role/event-driven-workflow",
		"function/event-order-processor", "function/event-inventory-processor", "function/event-notification-processor",
		MappingKey("event-order-processor", "order-queue"), MappingKey("event-inventory-processor", "inventory-queue"),
		"workflow/event-driven-workflow",
	}
}

// The graph follows the inputs: the account, what exists, a role withheld,
// a stack that adopts, a workflow that logs.
func TestGraphFollowsTheInputs(t *testing.T) {
	withAccount := mustGraph(t, loadSeed(t), Inputs{Observed: Observed{Account: account}})
	for _, tc := range []struct {
		name  string
		stack func(*v1alpha1.EventDrivenStack)
		in    Inputs
		check func(t *testing.T, g *Graph)
	}{{
		name: "account unknown: what names another waits for its report, the edges are the same",
		in:   Inputs{},
		check: func(t *testing.T, g *Graph) {
			if g.Waves <= withAccount.Waves {
				t.Errorf("waves = %d without the account, %d with", g.Waves, withAccount.Waves)
			}
			if !reflect.DeepEqual(g.Edges, withAccount.Edges) {
				t.Errorf("the edges depend on the account")
			}
			if n := graphNode(t, g, "role/event-notification-processor"); n.Created != 1 {
				t.Errorf("a function's role waits for the table and topic it names: made in wave %d, want 1", n.Created)
			}
		},
	}, {
		name: "wave 0 reported: the rest is one wave sooner",
		in: Inputs{Observed: Observed{Account: account, ARNs: map[string]string{
			"queue/order-dlq": queueARN("order-dlq"), "queue/inventory-dlq": queueARN("inventory-dlq"),
			"role/event-order-processor": roleARN("event-order-processor"), "role/event-inventory-processor": roleARN("event-inventory-processor"),
			"role/event-notification-processor": roleARN("event-notification-processor"), "role/event-driven-workflow": roleARN("event-driven-workflow"),
		}}},
		check: func(t *testing.T, g *Graph) {
			if g.Waves != 2 {
				t.Errorf("waves = %d, want 2", g.Waves)
			}
			if n := graphNode(t, g, "queue/order-queue"); n.Created != 0 || len(n.Waiting) != 0 {
				t.Errorf("order-queue: wave %d, waits for %v; want wave 0, nothing", n.Created, n.Waiting)
			}
			if n := graphNode(t, g, MappingKey("event-order-processor", "order-queue")); n.Created != 1 {
				t.Errorf("mapping made in wave %d, want 1", n.Created)
			}
		},
	}, {
		name: "a role ACK has not reported synced: withheld from the function not created yet",
		in: Inputs{Observed: Observed{Account: account, ARNs: map[string]string{"role/event-order-processor": roleARN("event-order-processor")}},
			UnsyncedRoles: map[string]bool{"role/event-order-processor": true}},
		check: func(t *testing.T, g *Graph) {
			fn := graphNode(t, g, "function/event-order-processor")
			if want := []Dependency{dep("Role", child("event-order-processor"), "ARN")}; !reflect.DeepEqual(fn.Waiting, want) {
				t.Errorf("function waits for %v, want %v", fn.Waiting, want)
			}
			role := graphNode(t, g, "role/event-order-processor")
			if len(role.Notes) != 1 || !strings.Contains(role.Notes[0], "withheld") {
				t.Errorf("role notes %q, want that its ARN is withheld", role.Notes)
			}
		},
	}, {
		name: "a stack that adopts: its mappings wait for the look-up in Lambda, made in the same wave",
		stack: func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: account}
		},
		in: Inputs{Observed: Observed{Account: account}},
		check: func(t *testing.T, g *Graph) {
			m := graphNode(t, g, MappingKey("event-order-processor", "order-queue"))
			if m.Created != 2 || len(m.Notes) != 1 || !strings.Contains(m.Notes[0], LookupOfMapping) {
				t.Errorf("mapping: wave %d, notes %q; want wave 2 and the look-up", m.Created, m.Notes)
			}
			if !slices.Contains(m.Waiting, dep("EventSourceMapping", m.Name, LookupOfMapping)) {
				t.Errorf("mapping waits for %v, want the look-up among them", m.Waiting)
			}
		},
	}, {
		name: "a workflow that logs: its log group, made by the operator before the children",
		stack: func(s *v1alpha1.EventDrivenStack) {
			s.Spec.Workflows[0].Logging = &v1alpha1.WorkflowLogging{Level: "ERROR"}
		},
		in: Inputs{Observed: Observed{Account: account}},
		check: func(t *testing.T, g *Graph) {
			lg := graphNode(t, g, Key(LogGroupKind, "event-driven-workflow"))
			if lg.MadeBy != Operator || lg.Created != 0 || lg.Kind != "LogGroup" {
				t.Errorf("log group %+v", lg)
			}
			want := Edge{From: "workflow/event-driven-workflow", To: lg.Component, What: "ARN", Needs: true, Why: "its log destination"}
			if !slices.Contains(g.Edges, want) {
				t.Errorf("no edge %+v", want)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			if tc.stack != nil {
				tc.stack(stack)
			}
			tc.check(t, mustGraph(t, stack, tc.in))
		})
	}
}

// Effective applies the operator's waiting rules to what it observed.
func TestEffectiveInputs(t *testing.T) {
	roleObj := &ack.Role{}
	fnObj := &ack.Function{}
	for _, tc := range []struct {
		name     string
		prefix   string
		in       Inputs
		withheld []string
		want     map[string]string
	}{{
		name: "nothing observed",
		want: map[string]string{},
	}, {
		name: "an unsynced role whose function does not exist is withheld; a synced one is not",
		in: Inputs{Observed: Observed{ARNs: map[string]string{"role/event-order-processor": "r1", "role/event-inventory-processor": "r2"},
			Children: map[string]ack.Object{"role/event-order-processor": roleObj}},
			UnsyncedRoles: map[string]bool{"role/event-order-processor": true, "role/event-inventory-processor": false}},
		withheld: []string{"role/event-order-processor"},
		want:     map[string]string{"role/event-inventory-processor": "r2"},
	}, {
		name: "an unsynced role whose function exists is not held up",
		in: Inputs{Observed: Observed{ARNs: map[string]string{"role/event-order-processor": "r1"},
			Children: map[string]ack.Object{"function/event-order-processor": fnObj}},
			UnsyncedRoles: map[string]bool{"role/event-order-processor": true}},
		want: map[string]string{"role/event-order-processor": "r1"},
	}, {
		name: "the role EventBridge assumes is withheld while unsynced, whatever exists",
		in: Inputs{Observed: Observed{ARNs: map[string]string{"events-role/event-driven-workflow": "r3"},
			Children: map[string]ack.Object{"workflow/event-driven-workflow": &ack.StateMachine{}}},
			UnsyncedRoles: map[string]bool{"events-role/event-driven-workflow": true}},
		withheld: []string{"events-role/event-driven-workflow"},
		want:     map[string]string{},
	}, {
		name:   "the bus and the stack's rules from EventBridge, by their names in AWS",
		prefix: "dev-",
		in: Inputs{EventBridge: &SeenBus{ARN: "bus-arn", Rules: map[string]string{
			"dev-order-events-rule": "rule-arn", "order-events-rule": "not-ours", "dev-someone-elses": "x"}}},
		want: map[string]string{"eventBus/custom-event-bus": "bus-arn", "rule/order-events-rule": "rule-arn"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			stack.Spec.NamePrefix = tc.prefix
			before := maps.Clone(tc.in.ARNs)
			if got := tc.in.Withheld(); !slices.Equal(got, tc.withheld) {
				t.Errorf("withheld %q, want %q", got, tc.withheld)
			}
			if got := tc.in.Effective(stack).ARNs; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ARNs %v, want %v", got, tc.want)
			}
			if !maps.Equal(before, tc.in.ARNs) {
				t.Errorf("Effective changed its inputs: %v, was %v", tc.in.ARNs, before)
			}
		})
	}
}

// The look-ups of an adopting stack's mappings: only what can be looked up
// and is not known yet.
func TestMappingLookups(t *testing.T) {
	order := MappingKey("event-order-processor", "order-queue")
	known := map[string]string{
		Key(refs.Function, "event-order-processor"):     functionARN("event-order-processor"),
		Key(refs.Queue, "order-queue"):                  queueARN("order-queue"),
		Key(refs.Function, "event-inventory-processor"): functionARN("event-inventory-processor"),
	}
	for _, tc := range []struct {
		name  string
		adopt bool
		obs   Observed
		want  []MappingLookup
	}{
		{name: "a stack that does not adopt looks up nothing", obs: Observed{ARNs: known}},
		{name: "function and queue known", adopt: true, obs: Observed{ARNs: known},
			want: []MappingLookup{{Component: order, FunctionARN: functionARN("event-order-processor"), QueueARN: queueARN("order-queue")}}},
		{name: "looked up already", adopt: true, obs: Observed{ARNs: known, MappingUUIDs: map[string]string{order: ""}}},
		{name: "created already", adopt: true, obs: Observed{ARNs: known, Children: map[string]ack.Object{order: &ack.EventSourceMapping{}}}},
		{name: "the queue's ARN not known", adopt: true, obs: Observed{ARNs: map[string]string{Key(refs.Function, "event-inventory-processor"): "f"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			if tc.adopt {
				stack.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: account}
			}
			if got := MappingLookups(stack, tc.obs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The bus's archive is made with the bus, on its ARN.
func TestGraphShowsTheArchive(t *testing.T) {
	stack := withoutAlarms(loadSeed(t))
	stack.Spec.EventBus.Archive = &v1alpha1.EventArchive{RetentionDays: 7}
	g := mustGraph(t, stack, Inputs{Observed: Observed{Account: account}})
	name := ArchiveName(&stack.Spec)
	n := graphNode(t, g, "archive/"+name)
	if n.Kind != "Archive" || n.Name != name || n.MadeBy != Operator || n.Created != 0 || n.Complete != 0 {
		t.Errorf("archive node %+v", n)
	}
	found := false
	for _, e := range g.Edges {
		found = found || (e.From == n.Component && e.To == "eventBus/custom-event-bus" && e.What == "EventSourceArn" && e.Needs)
	}
	if !found {
		t.Errorf("no edge from the archive to the bus it archives: %+v", g.Edges)
	}
	if g.Waves != 3 {
		t.Errorf("waves = %d, want 3", g.Waves)
	}
}
