package cli_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// kubectl eds render --graph: the seed's graph as text, wave by wave, each
// node with what it waits for and what it names.
func TestRenderGraphText(t *testing.T) {
	out := mustRun(t, "render", "-f", localcluster.SeedPath(), "--graph")
	if same := mustRun(t, "render", "-f", localcluster.SeedPath(), "--graph=text"); same != out {
		t.Errorf("--graph and --graph=text differ")
	}
	for _, want := range []string{
		"EventDrivenStack default/event-driven-stack: 43 resources, made in 3 waves\n",
		"\nWave 0\n  Role event-driven-stack.event-driven-workflow  (role/event-driven-workflow, by the ACK iam controller)\n",
		"  Queue event-driven-stack.order-queue  (queue/order-queue, by the ACK sqs controller)\n" +
			"      waits for the ARN of Queue event-driven-stack.order-dlq: its redrive policy\n",
		"      names the ARN of Table event-driven-stack.event-driven-orders in its inline policy\n",
		"  Rule order-events-rule  (rule/order-events-rule, by the operator); complete in wave 2\n",
		"\nWave 2\n  EventSourceMapping event-driven-stack.event-inventory-processor.inventory-queue",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the graph lacks %q:\n%s", want, out)
		}
	}
	// Each of the seed's children once, its bus and its four rules.
	nodes := regexp.MustCompile(`(?m)^  \S+ \S+  \(`).FindAllString(out, -1)
	if len(nodes) != len(seedChildren)+5 {
		t.Errorf("%d nodes, want %d", len(nodes), len(seedChildren)+5)
	}
	for _, c := range seedChildren {
		kind, name, _ := strings.Cut(c, "/")
		if n := strings.Count(out, "\n  "+kind+" "+name+"  ("); n != 1 {
			t.Errorf("%s listed %d times", c, n)
		}
	}
}

// --graph=dot: a digraph with one cluster per wave, every edge between
// declared nodes, dashed where the node only names the other.
func TestRenderGraphDOT(t *testing.T) {
	out := mustRun(t, "render", "-f", localcluster.SeedPath(), "--graph=dot")
	if !strings.HasPrefix(out, `digraph "default/event-driven-stack" {`) || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("not a digraph:\n%s", out)
	}
	if strings.Count(out, "{") != strings.Count(out, "}") {
		t.Errorf("unbalanced braces")
	}
	for _, cluster := range []string{`subgraph "cluster_wave_0"`, `subgraph "cluster_wave_1"`, `subgraph "cluster_wave_2"`} {
		if !strings.Contains(out, cluster) {
			t.Errorf("no %s", cluster)
		}
	}
	declared := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^    ("[^"]+") \[label=`).FindAllStringSubmatch(out, -1) {
		declared[m[1]] = true
	}
	edges := regexp.MustCompile(`(?m)^  ("[^"]+") -> ("[^"]+") \[label="(ARN|URL)", tooltip="[^"]+"(, style=dashed)?\];$`).FindAllStringSubmatch(out, -1)
	if got := strings.Count(out, " -> "); got != len(edges) || got == 0 {
		t.Fatalf("%d edges, %d well formed", got, len(edges))
	}
	waits := 0
	for _, e := range edges {
		if !declared[e[1]] || !declared[e[2]] {
			t.Errorf("edge %s -> %s between undeclared nodes", e[1], e[2])
		}
		if e[4] == "" {
			waits++
		}
	}
	if waits != 19 {
		t.Errorf("%d solid edges (waits), want the seed's 19", waits)
	}
	if !strings.Contains(out, `"queue/order-queue" -> "queue/order-dlq" [label="ARN", tooltip="its redrive policy"];`) {
		t.Errorf("no solid edge from order-queue to its dead-letter queue")
	}
}

func TestRenderGraphRefusesWhatItCannotPrint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--graph=svg"}, "--graph=svg: want text or dot"},
		{[]string{"--graph", "--eventbridge"}, "--graph prints the graph only: it takes no --eventbridge"},
		{[]string{"--graph=dot", "-o", "json"}, "it takes no --output"},
		// A space is not how an optional value is given: dot is an argument.
		{[]string{"--graph", "dot"}, `unknown command "dot"`},
	} {
		code, out, errOut := run(t, append([]string{"render", "-f", localcluster.SeedPath()}, tc.args...)...)
		if code != 1 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, output %q, error %q; want 1, nothing, %q", tc.args, code, out, errOut, tc.want)
		}
	}
}
