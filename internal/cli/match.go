package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/match"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
)

type matchOptions struct {
	kube     kubeFlags
	file     string
	event    string
	examples []string
	custom   customEventFlags
}

func newMatchCommand(s Streams) *cobra.Command {
	o := &matchOptions{kube: kubeFlags{warnings: s.Err}}
	cmd := &cobra.Command{
		Use:   "match (NAME | -f FILE) (--event FILE | --example NAME | --source S --detail-type T --detail JSON)",
		Short: "Say which rules of a stack an event matches, and which targets would get it",
		Long: `Match judges an event against every rule of a stack as EventBridge would, offline.
For each rule it prints MATCH and the rule's targets, or "no match" and the first field
of the pattern that failed, with the event's value and what the pattern wants:
  detail-type is "Order Created"; the pattern wants "Inventory Updated"
A DISABLED rule is shown as such: EventBridge delivers nothing through it. Last comes
where EventBridge delivers the event. Nothing is sent anywhere.

The stack is a file (-f FILE, - for standard input; judged as render judges it, no
cluster needed) or a stack in the cluster (NAME, -n; its spec as stored).

The event is one of:
  --event FILE      an EventBridge event {"source", "detail-type", "detail", ...}, or a
                    PutEvents entry {"Source", "DetailType", "Detail": "<JSON text>"}, or
                    an array of either (as aws events put-events --entries takes them);
                    - reads standard input
  --example NAME    order-created, inventory-updated or workflow-triggered (the seed's
                    examples), notification-sent (ours), or all; a list is comma-separated
  --source, --detail-type, --detail
                    one event, as put-events takes it (--detail: a JSON object or @FILE)
What EventBridge adds to an event is filled in where the event lacks it: version, id,
time (now), resources ([]), and the bus's account and region (the account from the bus's
ARN in the stack's status, else spec.adoption.accountID, else 000000000000).

Patterns are matched with EventBridge's semantics: every field of the pattern must match,
and a field's array when any of its values or matchers does; a value that is an array in
the event matches when any element does; exact values (numbers by their text), prefix,
suffix, anything-but, numeric, exists, equals-ignore-case, wildcard, cidr and $or.

Exit code: 0 when every event matches at least one enabled rule; 1 when an event matches
none, or on an error (the message says which).`,
		Example: `  kubectl eds match -f stack.yaml --example order-created
  kubectl eds match -f stack.yaml --example all
  kubectl eds match event-driven-stack -n shop --event event.json
  kubectl eds match -f stack.yaml --source orders --detail-type "Order Created" --detail @detail.json
  kubectl eds match -f stack.yaml --event - < event.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args, s)
		},
	}
	f := cmd.Flags()
	o.kube.bind(f)
	f.StringVarP(&o.file, "filename", "f", "", "The EventDrivenStack file (YAML or JSON), judged offline; - reads standard input")
	f.StringVar(&o.event, "event", "", "The event: a JSON file holding an EventBridge event, a PutEvents entry, or an array of them; - reads standard input")
	f.StringSliceVar(&o.examples, "example", nil, "Example events: "+strings.Join(putevents.ExampleNames(), ", ")+", or all")
	o.custom.bind(f)
	return cmd
}

func (o *matchOptions) run(cmd *cobra.Command, args []string, s Streams) error {
	// The arguments are judged before any file or cluster is read.
	if (o.file == "") == (len(args) == 0) {
		return fmt.Errorf("give the stack: its NAME in the cluster, or -f FILE (one of them)")
	}
	custom, err := o.custom.event(cmd)
	if err != nil {
		return err
	}
	given := 0
	for _, g := range []bool{o.event != "", len(o.examples) > 0, custom != nil} {
		if g {
			given++
		}
	}
	if given != 1 {
		return fmt.Errorf("give the event: --event FILE, --example NAME, or --source, --detail-type and --detail (one of them)")
	}
	if o.event == "-" && o.file == "-" {
		return fmt.Errorf("-f - and --event - both read standard input: give one of them a file")
	}
	// The events given as PutEvents entries: examples, or the custom one.
	var entries []putevents.Event
	if custom != nil {
		entries = append(entries, *custom)
	}
	for _, name := range o.examples {
		if name == "all" {
			for _, e := range putevents.Examples {
				entries = append(entries, e.Event)
			}
			continue
		}
		e, ok := putevents.FindExample(name)
		if !ok {
			return fmt.Errorf("--example %q: no such example; the examples are %s, or all", name, strings.Join(putevents.ExampleNames(), ", "))
		}
		entries = append(entries, e)
	}

	var stack *v1alpha1.EventDrivenStack
	if o.file != "" {
		stack, err = (&renderOptions{file: o.file, namespace: o.kube.overrides.Context.Namespace}).read(s.In)
	} else {
		stack, err = o.kube.getStack(cmd.Context(), args[0])
	}
	if err != nil {
		return err
	}
	env := match.EnvelopeFor(stack, time.Now())

	var events []match.Event
	if o.event != "" {
		if events, err = o.readEvents(s.In, env); err != nil {
			return err
		}
	}
	for _, e := range entries {
		ev, err := match.FromPutEvents(e, env)
		if err != nil {
			return fmt.Errorf("%s / %s: %w", e.Source, e.DetailType, err)
		}
		events = append(events, ev)
	}
	return judgeAndWrite(s.Out, stack, env, events)
}

func (o *matchOptions) readEvents(stdin io.Reader, env match.Envelope) ([]match.Event, error) {
	if o.event == "-" {
		return match.Read(stdin, "<stdin>", env)
	}
	f, err := os.Open(o.event)
	if err != nil {
		return nil, fmt.Errorf("--event: %w", err)
	}
	defer f.Close()
	return match.Read(f, o.event, env)
}

// judgeAndWrite prints which rules of the stack each event matches, and
// fails when an event matches no enabled rule: the exit code of match and of
// put-events --dry-run.
func judgeAndWrite(out io.Writer, stack *v1alpha1.EventDrivenStack, env match.Envelope, events []match.Event) error {
	verdicts, err := match.Judge(stack, events)
	if err != nil {
		return err
	}
	if err := match.Write(out, stack, env, verdicts); err != nil {
		return err
	}
	undelivered := slices.DeleteFunc(slices.Clone(verdicts), match.Verdict.Delivered)
	switch {
	case len(undelivered) == 0:
		return nil
	case len(verdicts) == 1:
		return fmt.Errorf("the event matches no enabled rule of stack %s/%s", stack.Namespace, stack.Name)
	case len(undelivered) == 1:
		return fmt.Errorf("1 of %d events matches no enabled rule of stack %s/%s", len(verdicts), stack.Namespace, stack.Name)
	}
	return fmt.Errorf("%d of %d events match no enabled rule of stack %s/%s", len(undelivered), len(verdicts), stack.Namespace, stack.Name)
}
