// Package statustree prints where an EventDrivenStack stands, from its
// status alone, as a tree: the stack (Ready and why, how many children are
// ready, whether the status describes the latest spec), its children grouped
// by kind, each with a mark, its name, ARN and message, then the outputs.
//
// The output depends on the status only (no ages, no clock), so the same
// status always prints the same text; colour is for terminals only.
package statustree

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// Options say how the tree is printed.
type Options struct {
	// Color marks states in colour (ANSI): for a terminal only.
	Color bool
}

// Marks show a child's state at a glance.
var Marks = map[v1alpha1.ChildState]string{
	v1alpha1.ChildReady:      "✓",
	v1alpha1.ChildInProgress: "…",
	v1alpha1.ChildWaiting:    "○",
	v1alpha1.ChildStalled:    "✗",
}

const (
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	red    = "\x1b[31m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// Write prints the tree of stack to w.
func Write(w io.Writer, stack *v1alpha1.EventDrivenStack, o Options) error {
	p := &printer{o: o}
	st := &stack.Status

	fmt.Fprintf(&p.b, "%s %s/%s\n", p.style(bold, "EventDrivenStack"), stack.Namespace, stack.Name)
	tw := tabwriter.NewWriter(&p.b, 0, 0, 2, ' ', 0)
	ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
	switch ready {
	case nil:
		fmt.Fprintf(tw, "  Ready:\t%s\n", p.style(yellow, "Unknown")+" (the operator has not reported on this stack yet)")
	default:
		color := yellow
		if ready.Status == "True" {
			color = green
		} else if meta.IsStatusConditionTrue(st.Conditions, v1alpha1.ConditionStalled) {
			color = red
		}
		fmt.Fprintf(tw, "  Ready:\t%s %s: %s\n", p.style(color, string(ready.Status)), ready.Reason, ready.Message)
	}
	for _, t := range []string{v1alpha1.ConditionStalled, v1alpha1.ConditionReconciling} {
		if c := meta.FindStatusCondition(st.Conditions, t); c != nil && c.Status == "True" {
			fmt.Fprintf(tw, "  %s:\t%s: %s\n", t, c.Reason, c.Message)
		}
	}
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionAlarming); c != nil && c.Status == "True" {
		// Beside Ready, never instead of it: the stack stands, its work fails.
		fmt.Fprintf(tw, "  Alarming:\t%s %s: %s\n", p.style(red, "True"), c.Reason, c.Message)
	}
	if st.Resources != "" {
		fmt.Fprintf(tw, "  Resources:\t%s ready\n", st.Resources)
	}
	gen := fmt.Sprintf("%d, observed %d", stack.Generation, st.ObservedGeneration)
	if st.ObservedGeneration != stack.Generation {
		gen += p.style(yellow, " (the status does not describe the latest spec yet)")
	}
	fmt.Fprintf(tw, "  Generation:\t%s\n", gen)
	if ts := stack.DeletionTimestamp; ts != nil {
		policy := string(stack.Spec.DeletionPolicy)
		if policy == "" {
			policy = string(v1alpha1.DeletionPolicyDelete)
		}
		fmt.Fprintf(tw, "  Deleting:\t%s since %s (deletionPolicy %s)\n", p.style(yellow, "yes"), ts.UTC().Format(time.RFC3339), policy)
	}
	for _, e := range st.Inventory {
		fmt.Fprintf(tw, "  In AWS:\t%s %s%s\n", e.Kind, e.Name, orWhen(e.ARN == "", " (being created)"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if err := p.children(st.Children); err != nil {
		return err
	}
	if err := p.alarms(st.Alarms); err != nil {
		return err
	}
	if err := p.rollouts(st.Rollouts); err != nil {
		return err
	}
	if err := p.outputs(stack); err != nil {
		return err
	}
	_, err := w.Write([]byte(p.b.String()))
	return err
}

func orWhen(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

type printer struct {
	o Options
	b strings.Builder
}

func (p *printer) style(code, s string) string {
	if !p.o.Color || s == "" {
		return s
	}
	return code + s + reset
}

// group is the children of one kind.
type group struct {
	kind     string
	children []v1alpha1.ChildStatus
}

// children prints the children by kind, kinds in the status's order (what
// others depend on first, then the bus and the rules), names sorted.
func (p *printer) children(all []v1alpha1.ChildStatus) error {
	fmt.Fprintf(&p.b, "%s\n", p.style(bold, "Children"))
	if len(all) == 0 {
		p.b.WriteString("  (none reported yet)\n")
		return nil
	}
	var groups []*group
	byKind := map[string]*group{}
	for _, c := range all {
		g := byKind[c.Kind]
		if g == nil {
			g = &group{kind: c.Kind}
			byKind[c.Kind] = g
			groups = append(groups, g)
		}
		g.children = append(g.children, c)
	}
	for gi, g := range groups {
		sort.SliceStable(g.children, func(i, j int) bool { return g.children[i].Name < g.children[j].Name })
		lastGroup := gi == len(groups)-1
		branch, indent := "├── ", "│   "
		if lastGroup {
			branch, indent = "└── ", "    "
		}
		ready := 0
		for _, c := range g.children {
			if c.Ready {
				ready++
			}
		}
		fmt.Fprintf(&p.b, "%s%s (%d/%d ready)\n", branch, g.kind, ready, len(g.children))
		tw := tabwriter.NewWriter(&p.b, 0, 0, 2, ' ', 0)
		for ci, c := range g.children {
			leaf := "├── "
			if ci == len(g.children)-1 {
				leaf = "└── "
			}
			arn := c.ARN
			if arn == "" {
				arn = "-"
			}
			line := fmt.Sprintf("%s%s%s %s\t%s", indent, leaf, p.mark(c), c.Name, arn)
			if msg := describe(c); msg != "" {
				line += "\t" + msg
			}
			fmt.Fprintln(tw, line)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func (p *printer) mark(c v1alpha1.ChildStatus) string {
	m, ok := Marks[c.State]
	if !ok {
		m = "?"
	}
	switch c.State {
	case v1alpha1.ChildReady:
		return p.style(green, m)
	case v1alpha1.ChildStalled:
		return p.style(red, m)
	default:
		return p.style(yellow, m)
	}
}

// alarmMarks show an alarm's state at a glance.
var alarmMarks = map[string]string{"OK": "✓", "ALARM": "✗", "INSUFFICIENT_DATA": "○", "": "?"}

// alarms prints each alarm with its state, what it watches and since when,
// those in ALARM first.
func (p *printer) alarms(all []v1alpha1.AlarmState) error {
	if len(all) == 0 {
		return nil
	}
	sorted := append([]v1alpha1.AlarmState(nil), all...)
	firing := 0
	for _, a := range sorted {
		if a.State == "ALARM" {
			firing++
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].State == "ALARM" && sorted[j].State != "ALARM" })
	fmt.Fprintf(&p.b, "%s (%d in ALARM of %d)\n", p.style(bold, "Alarms"), firing, len(sorted))
	tw := tabwriter.NewWriter(&p.b, 0, 0, 2, ' ', 0)
	for _, a := range sorted {
		color := yellow
		switch a.State {
		case "OK":
			color = green
		case "ALARM":
			color = red
		}
		state := a.State
		if state == "" {
			state = "not read yet"
		}
		if a.Since != nil {
			state += " since " + a.Since.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", p.style(color, alarmMarks[a.State]), a.Name, a.Component, state)
	}
	return tw.Flush()
}

// rollouts prints each function's rollout: its phase, the live version, the
// trial and its share of the traffic, or why it was rolled back.
func (p *printer) rollouts(all []v1alpha1.RolloutStatus) error {
	if len(all) == 0 {
		return nil
	}
	fmt.Fprintf(&p.b, "%s\n", p.style(bold, "Rollouts"))
	tw := tabwriter.NewWriter(&p.b, 0, 0, 2, ' ', 0)
	for _, r := range all {
		var mark, line string
		switch r.Phase {
		case v1alpha1.RolloutPromoted:
			mark, line = p.style(green, "✓"), "version "+r.Live+" live"
		case v1alpha1.RolloutRolledBack:
			mark, line = p.style(red, "✗"), fmt.Sprintf("version %s rolled back, version %s live: %s", r.Trial, r.Live, r.Reason)
		default:
			mark, line = p.style(yellow, "…"), fmt.Sprintf("%s: version %s takes %d%% (step %d of %d), version %s live", r.Phase, r.Trial, r.TrialWeight, r.Step, r.Steps, r.Live)
		}
		fmt.Fprintf(tw, "  %s %s\t%s\n", mark, r.Function, line)
	}
	return tw.Flush()
}

// describe is a child's state, when not plainly ready, and its message.
func describe(c v1alpha1.ChildStatus) string {
	msg := strings.Join(strings.Fields(c.Message), " ")
	if c.State == v1alpha1.ChildReady {
		return msg
	}
	if msg == "" {
		return string(c.State)
	}
	return string(c.State) + ": " + msg
}

// outputs prints the declared outputs first, then every component's values.
func (p *printer) outputs(stack *v1alpha1.EventDrivenStack) error {
	out := stack.Status.Outputs
	if len(out) == 0 {
		return nil
	}
	var declared, rest []string
	for k := range out {
		if _, ok := stack.Spec.Outputs[k]; ok {
			declared = append(declared, k)
		} else {
			rest = append(rest, k)
		}
	}
	sort.Strings(declared)
	sort.Strings(rest)
	fmt.Fprintf(&p.b, "%s\n", p.style(bold, "Outputs"))
	tw := tabwriter.NewWriter(&p.b, 0, 0, 2, ' ', 0)
	for _, k := range append(declared, rest...) {
		fmt.Fprintf(tw, "  %s\t%s\n", k, out[k])
	}
	return tw.Flush()
}
