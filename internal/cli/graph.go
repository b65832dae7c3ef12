package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// GraphFormats are the values of kubectl eds render --graph.
var GraphFormats = []string{"text", "dot"}

// writeGraph prints a stack's graph in one of GraphFormats.
func writeGraph(w io.Writer, g *render.Graph, format string) error {
	switch format {
	case "text":
		return writeGraphText(w, g)
	case "dot":
		return writeGraphDOT(w, g)
	}
	return fmt.Errorf("--graph=%s: want %s", format, strings.Join(GraphFormats, " or "))
}

// writeGraphText prints the nodes wave by wave, each with what it waits for
// and what it names, and why.
func writeGraphText(w io.Writer, g *render.Graph) error {
	nodes := map[string]render.Node{}
	for _, n := range g.Nodes {
		nodes[n.Component] = n
	}
	uses := map[string][]render.Edge{}
	for _, e := range g.Edges {
		uses[e.From] = append(uses[e.From], e)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "EventDrivenStack %s: %d resources, made in %d waves\n", g.Stack, len(g.Nodes), g.Waves)
	b.WriteString("  waits for: AWS checks the value; made once it is reported\n")
	b.WriteString("  names:     derived from the name once the account is known; nothing waits\n")
	wave := -2
	for _, n := range g.Nodes {
		if n.Created != wave {
			wave = n.Created
			if wave == render.Never {
				b.WriteString("\nNever made: each waits, directly or not, for itself\n")
			} else {
				fmt.Fprintf(&b, "\nWave %d\n", wave)
			}
		}
		fmt.Fprintf(&b, "  %s %s  (%s, by the %s)", n.Kind, n.Name, n.Component, n.MadeBy)
		if n.Complete != n.Created {
			if n.Complete == render.Never {
				b.WriteString("; never complete")
			} else {
				fmt.Fprintf(&b, "; complete in wave %d", n.Complete)
			}
		}
		b.WriteString("\n")
		for _, needs := range []bool{true, false} {
			for _, e := range uses[n.Component] {
				if e.Needs != needs {
					continue
				}
				to := nodes[e.To]
				if e.Needs {
					fmt.Fprintf(&b, "      waits for the %s of %s %s: %s\n", e.What, to.Kind, to.Name, e.Why)
				} else {
					fmt.Fprintf(&b, "      names the %s of %s %s %s\n", e.What, to.Kind, to.Name, e.Why)
				}
			}
		}
		for _, note := range n.Notes {
			fmt.Fprintf(&b, "      note: %s\n", note)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGraphDOT prints the graph for Graphviz (dot -Tsvg): one cluster per
// wave, an edge from each node to what it uses, solid where it waits,
// dashed where it only names it; what the operator makes itself rounded.
func writeGraphDOT(w io.Writer, g *render.Graph) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotID(g.Stack))
	b.WriteString("  rankdir=RL;\n  compound=true;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n")
	wave := -2
	for _, n := range g.Nodes {
		if n.Created != wave {
			if wave != -2 {
				b.WriteString("  }\n")
			}
			wave = n.Created
			label := fmt.Sprintf("wave %d", wave)
			if wave == render.Never {
				label = "never made"
			}
			cluster := fmt.Sprintf("cluster_wave_%d", wave)
			if wave == render.Never {
				cluster = "cluster_never"
			}
			fmt.Fprintf(&b, "  subgraph %s {\n    label=%s;\n", dotID(cluster), dotID(label))
		}
		attrs := ""
		if n.MadeBy == render.Operator {
			attrs = ", style=rounded"
		}
		label := n.Kind + "\n" + n.Name
		if n.Complete != n.Created && n.Complete != render.Never {
			label += fmt.Sprintf("\n(complete in wave %d)", n.Complete)
		}
		fmt.Fprintf(&b, "    %s [label=%s, tooltip=%s%s];\n", dotID(n.Component), dotID(label), dotID(n.MadeBy), attrs)
	}
	if wave != -2 {
		b.WriteString("  }\n")
	}
	for _, e := range g.Edges {
		style := ""
		if !e.Needs {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s, tooltip=%s%s];\n", dotID(e.From), dotID(e.To), dotID(e.What), dotID(e.Why), style)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotID quotes a DOT identifier: \n stays a line break in a label.
func dotID(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
