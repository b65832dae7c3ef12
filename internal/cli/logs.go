package cli

import (
	"net"
	"net/url"

	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/eventstack-io/eventstack-operator/internal/cli/logtail"
)

// awsFlags are --aws-endpoint-url and --region, as put-events has them.
type awsFlags struct {
	endpointURL, region string
}

func (a *awsFlags) bind(f *pflag.FlagSet, service string) {
	f.StringVar(&a.endpointURL, "aws-endpoint-url", "", service+" endpoint (an AWS-compatible emulator, make run-local's); default: AWS")
	f.StringVar(&a.region, "region", "", "AWS region (default: the stack's spec.region)")
}

// config loads the SDK's default chain for the region (the flag's, else
// the stack's).
func (a *awsFlags) config(ctx context.Context, stackRegion string) (aws.Config, error) {
	region := a.region
	if region == "" {
		region = stackRegion
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if loopback(a.endpointURL) {
		// No instance metadata to ask for credentials on this machine's
		// emulator; asking would only print a warning.
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if a.endpointURL != "" {
		cfg.BaseEndpoint = aws.String(a.endpointURL)
		if loopback(a.endpointURL) {
			// make run-local's simulated AWS checks no signature: without
			// credentials of the user's, sign with placeholders.
			if cfg.Credentials == nil || func() error { _, err := cfg.Credentials.Retrieve(ctx); return err }() != nil {
				cfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
			}
		}
	}
	return cfg, nil
}

// loopback reports whether an endpoint is on this machine.
func loopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

type logsOptions struct {
	kube   kubeFlags
	aws    awsFlags
	follow bool
	since  string
	// backoff is how often --follow polls (tests shorten it).
	backoff logtail.Backoff
}

func newLogsCommand(s Streams) *cobra.Command {
	o := &logsOptions{kube: kubeFlags{warnings: s.Err}, backoff: logtail.DefaultBackoff}
	cmd := &cobra.Command{
		Use:   "logs STACK [FUNCTION|WORKFLOW]",
		Short: "Print the CloudWatch Logs of a stack's functions or workflow",
		Long: `Logs reads a stack from the cluster and prints the CloudWatch Logs events of
one of its functions (/aws/lambda/<its AWS name>) or workflows (the log group
the operator made for it, /aws/vendedlogs/states/<its AWS name>), or, with none
named, of all its functions interleaved by time, each line labelled with the
function's name.

--since (default 10m) is a duration before now or a time (RFC 3339). With
--follow it keeps polling for new events (every second while they come, backing
off to every 10 s while none do) until Ctrl-C, and prints each event once, an
event CloudWatch Logs makes searchable late (up to 30 s older than the newest
printed) included.

AWS credentials come from the SDK's default chain (environment, ~/.aws, SSO,
IRSA, Pod Identity); they need logs:FilterLogEvents.`,
		Example: `  kubectl eds logs event-driven-stack
  kubectl eds logs event-driven-stack event-order-processor --follow
  kubectl eds logs event-driven-stack event-driven-workflow --since 2h
  kubectl eds logs event-driven-stack --aws-endpoint-url http://127.0.0.1:46477`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			component := ""
			if len(args) == 2 {
				component = args[1]
			}
			return o.run(cmd.Context(), args[0], component, s)
		},
	}
	f := cmd.Flags()
	o.kube.bind(f)
	o.aws.bind(f, "CloudWatch Logs")
	f.BoolVarP(&o.follow, "follow", "f", false, "Keep printing new events until Ctrl-C")
	f.StringVar(&o.since, "since", "10m", "Print events from this long ago (10m, 2h) or this time (2026-12-07T08:00:00Z)")
	return cmd
}

func (o *logsOptions) run(ctx context.Context, name, component string, s Streams) error {
	since, err := logtail.ParseSince(o.since, time.Now())
	if err != nil {
		return err
	}
	stack, err := o.kube.getStack(ctx, name)
	if err != nil {
		return err
	}
	sources, err := logtail.Sources(stack, component)
	if err != nil {
		return err
	}
	cfg, err := o.aws.config(ctx, stack.Spec.Region)
	if err != nil {
		return err
	}
	tail := &logtail.Tail{API: cloudwatchlogs.NewFromConfig(cfg), Sources: sources, Since: since, Lookback: logtail.DefaultLookback}
	w := logtail.NewWriter(s.Out, sources)
	if o.follow {
		return tail.Follow(ctx, o.backoff, w)
	}
	lines, err := tail.Poll(ctx)
	if err != nil {
		return err
	}
	w.Write(lines)
	if missing := tail.Missing(); len(missing) > 0 {
		fmt.Fprintf(s.Err, "no log group %s yet (a function's appears when it first runs)\n", strings.Join(missing, ", "))
	}
	return nil
}
