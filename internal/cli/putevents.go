package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/cli/match"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
)

type putEventsOptions struct {
	kube        kubeFlags
	custom      customEventFlags
	endpointURL string
	region      string
	dryRun      bool
}

func newPutEventsCommand(s Streams) *cobra.Command {
	o := &putEventsOptions{kube: kubeFlags{warnings: s.Err}}
	cmd := &cobra.Command{
		Use:   "put-events NAME",
		Short: "Send test events to a stack's EventBridge bus",
		Long: `Put-events finds the stack's event bus from its status (the operator reports the
bus's name in AWS) and its region from its spec, and sends events to it with
EventBridge PutEvents. It prints the EventId AWS gave each event, or why AWS
refused it, and exits non-zero when any event was refused.

Without --source, --detail-type and --detail it sends the seed's three example
events (Order Created, Inventory Updated, Workflow Triggered). With them it
sends one event; --detail is a JSON object, or @FILE holding one.

With --dry-run it sends nothing and needs no AWS credentials: it prints, as
kubectl eds match does, which rules of the stack (its spec as stored in the
cluster) each event matches and which targets would get it, and for a rule
that does not match, the field that failed. It exits non-zero when an event
matches no enabled rule.

AWS credentials come from the SDK's default chain (environment, ~/.aws, SSO,
IRSA, Pod Identity).`,
		Example: `  kubectl eds put-events event-driven-stack
  kubectl eds put-events event-driven-stack --source orders --detail-type "Order Created" --detail @order.json
  kubectl eds put-events event-driven-stack --dry-run
  kubectl eds put-events event-driven-stack --aws-endpoint-url http://localhost:4566`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args[0], s.Out)
		},
	}
	f := cmd.Flags()
	o.kube.bind(f)
	o.custom.bind(f)
	f.StringVar(&o.endpointURL, "aws-endpoint-url", "", "EventBridge endpoint (an AWS-compatible emulator); default: AWS")
	f.StringVar(&o.region, "region", "", "AWS region (default: the stack's spec.region)")
	f.BoolVar(&o.dryRun, "dry-run", false, "Send nothing: print which rules each event matches and which targets would get it, as kubectl eds match")
	return cmd
}

// customEventFlags are --source, --detail-type and --detail: one event of the
// user's, as PutEvents takes it. put-events and match share them.
type customEventFlags struct {
	source, detailType, detail string
}

func (c *customEventFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&c.source, "source", "", "Source of a custom event (with --detail-type and --detail)")
	f.StringVar(&c.detailType, "detail-type", "", "DetailType of a custom event")
	f.StringVar(&c.detail, "detail", "", "Detail of a custom event: a JSON object, or @FILE")
}

// event returns the custom event of the flags, or nil when none is given.
func (c *customEventFlags) event(cmd *cobra.Command) (*putevents.Event, error) {
	values := map[string]string{"--source": c.source, "--detail-type": c.detailType, "--detail": c.detail}
	var given, missing []string
	for _, name := range []string{"--source", "--detail-type", "--detail"} {
		if cmd.Flags().Changed(strings.TrimPrefix(name, "--")) {
			given = append(given, name)
		} else {
			missing = append(missing, name)
		}
	}
	if len(given) == 0 {
		return nil, nil
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("a custom event needs --source, --detail-type and --detail: %s missing", strings.Join(missing, ", "))
	}
	for _, name := range given {
		if values[name] == "" {
			return nil, fmt.Errorf("%s is empty", name)
		}
	}
	detail, err := putevents.ReadDetail(c.detail)
	if err != nil {
		return nil, err
	}
	return &putevents.Event{Source: c.source, DetailType: c.detailType, Detail: detail}, nil
}

// events returns the custom event of the flags, or the seed's events.
func (o *putEventsOptions) events(cmd *cobra.Command) ([]putevents.Event, error) {
	custom, err := o.custom.event(cmd)
	switch {
	case err != nil:
		return nil, err
	case custom == nil:
		return putevents.SeedEvents, nil
	}
	return []putevents.Event{*custom}, nil
}

func (o *putEventsOptions) run(cmd *cobra.Command, name string, out io.Writer) error {
	ctx := cmd.Context()
	events, err := o.events(cmd)
	if err != nil {
		return err
	}
	stack, err := o.kube.getStack(ctx, name)
	if err != nil {
		return err
	}
	region := o.region
	if region == "" {
		region = stack.Spec.Region
	}
	if o.dryRun {
		env := match.EnvelopeFor(stack, time.Now())
		env.Region = region
		judged := make([]match.Event, len(events))
		for i, e := range events {
			if judged[i], err = match.FromPutEvents(e, env); err != nil {
				return fmt.Errorf("%s / %s: %w", e.Source, e.DetailType, err)
			}
		}
		fmt.Fprintln(out, "Dry run: nothing is sent to EventBridge.")
		return judgeAndWrite(out, stack, env, judged)
	}
	bus, err := putevents.BusName(stack)
	if err != nil {
		return err
	}
	clients, err := (&awsapi.Factory{EndpointURL: o.endpointURL}).For(ctx, region, "")
	if err != nil {
		return err
	}
	results, err := putevents.Send(ctx, clients.EventBridge, bus, events)
	failed := 0
	for _, r := range results {
		label := fmt.Sprintf("%s / %s", r.Event.Source, r.Event.DetailType)
		if r.Failed() {
			failed++
			fmt.Fprintf(out, "✗ %s: refused: %s: %s\n", label, r.ErrorCode, r.ErrorMessage)
		} else {
			fmt.Fprintf(out, "✓ %s: EventId %s\n", label, r.EventID)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d of %d events accepted by bus %s (%s)\n", len(results)-failed, len(results), bus, region)
	if failed > 0 {
		return fmt.Errorf("%d of %d events refused", failed, len(results))
	}
	return nil
}
