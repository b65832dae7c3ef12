package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/cli/replay"
)

type replayOptions struct {
	kube        kubeFlags
	from, to    string
	rules       []string
	name        string
	endpointURL string
	region      string
	poll        time.Duration
}

func newReplayCommand(s Streams) *cobra.Command {
	o := &replayOptions{kube: kubeFlags{warnings: s.Err}}
	cmd := &cobra.Command{
		Use:   "replay NAME --from T --to T [--rule RULE]...",
		Short: "Replay a window of the stack's archived events to its rules",
		Long: `Replay puts the events the stack's archive (spec.eventBus.archive) kept between
--from and --to on its bus again (EventBridge StartReplay), to every rule of the
bus or only to the rules named with --rule, then follows the replay to its end
with a progress line: its state (STARTING, RUNNING, COMPLETED) and how far into
the window it has replayed. It exits non-zero when the replay FAILED or was
cancelled.

It refuses, before starting anything, a window the archive cannot cover: one
that begins before the archive was created or beyond its retention, or that
ends in the future. A replayed event carries the replay's name in its
replay-name field; a rule whose pattern has "replay-name": [{"exists": false}]
does not get it. EventBridge may take a few minutes to archive an event: replay
windows that ended at least 10 minutes ago to get every event.

--from and --to take a time (RFC 3339), "now", or how long ago (90m, 2h, 3d).
AWS credentials come from the SDK's default chain; they need
events:DescribeArchive, events:StartReplay and events:DescribeReplay.`,
		Example: `  kubectl eds replay event-driven-stack --from 2026-12-07T08:00:00Z --to 2026-12-07T09:00:00Z
  kubectl eds replay event-driven-stack --from 3h --to 1h --rule order-events-rule
  kubectl eds replay event-driven-stack --from 1d --to now --aws-endpoint-url http://127.0.0.1:46477`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			stack, err := o.kube.getStack(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			region := o.region
			if region == "" {
				region = stack.Spec.Region
			}
			clients, err := (&awsapi.Factory{EndpointURL: o.endpointURL}).For(cmd.Context(), region, "")
			if err != nil {
				return err
			}
			return o.run(cmd, stack, clients.EventBridge, s.Out, isTerminal(s.Out))
		},
	}
	f := cmd.Flags()
	o.kube.bind(f)
	f.StringVar(&o.from, "from", "", "Start of the window: a time (RFC 3339), now, or how long ago (90m, 2h, 3d)")
	f.StringVar(&o.to, "to", "", "End of the window (not included), as --from")
	f.StringSliceVar(&o.rules, "rule", nil, "Replay only to this rule of the stack (its name in the spec); repeat for more")
	f.StringVar(&o.name, "name", "", "Name of the replay (default: the bus's name and the time)")
	f.StringVar(&o.endpointURL, "aws-endpoint-url", "", "EventBridge endpoint (an AWS-compatible emulator); default: AWS")
	f.StringVar(&o.region, "region", "", "AWS region (default: the stack's spec.region)")
	f.DurationVar(&o.poll, "poll-interval", 2*time.Second, "How often the replay is read while it runs")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

// run checks the window against the stack's archive, then starts the replay
// and follows it.
func (o *replayOptions) run(cmd *cobra.Command, stack *v1alpha1.EventDrivenStack, api replay.API, out io.Writer, rewrite bool) error {
	ctx := cmd.Context()
	now := time.Now()
	from, err := replay.ParseTime("--from", o.from, now)
	if err != nil {
		return err
	}
	to, err := replay.ParseTime("--to", o.to, now)
	if err != nil {
		return err
	}
	target, err := replay.TargetOf(stack, o.rules)
	if err != nil {
		return err
	}
	archive, err := replay.DescribeArchive(ctx, api, target.Archive)
	if err != nil {
		return err
	}
	if err := replay.CheckWindow(archive, from, to, now); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	name := o.name
	if name == "" {
		name = replay.NameFor(archive.Name, now)
	}
	_, err = replay.Run(ctx, api, replay.Request{Name: name, Archive: archive, From: from, To: to, Target: target,
		Poll: o.poll, Rewrite: rewrite}, out)
	return err
}
