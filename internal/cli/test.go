package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/spf13/cobra"

	"github.com/eventstack-io/eventstack-operator/internal/cli/stacktest"
)

type testOptions struct {
	kube          kubeFlags
	aws           awsFlags
	file          string
	timeout       time.Duration
	notifications bool
	correlation   string
}

func newTestCommand(s Streams) *cobra.Command {
	o := &testOptions{kube: kubeFlags{warnings: s.Err}}
	cmd := &cobra.Command{
		Use:   "test STACK",
		Short: "Send a stack its test events and follow each to where it must land",
		Long: `Test sends events to the stack's bus with a fresh correlation id and follows
each, before sending the next, to what it must cause: an item in a table (read
consistently until it holds the expected attributes), an execution of a workflow
(found by the event's id in its input, followed to its end; a failed one is
shown with the state it failed in, its error and cause), a notification on a
topic (seen by a temporary SQS queue subscribed to the topic while the test
runs, then deleted). It prints a timeline and a verdict, PASS or FAIL, and
exits 1 when a check failed. When an expectation fails it also says where the
stack's rules route the event, or why none does (as kubectl eds match).

Without -f it runs the seed's test: Order Created, Inventory Updated and
Workflow Triggered; the order stored and published, the stock restocked, the
saga run to SUCCEEDED with the stock reserved and the completion published.
-f FILE runs your events (YAML or JSON; {{id}} is the correlation id, {{now}}
the time):

  events:
    - source: orders
      detailType: Order Created
      detail: {order_id: "ORD-{{id}}", ...}
      expect:
        - item: {table: event-driven-orders, key: {order_id: "ORD-{{id}}"}, attributes: {status: created}}
        - notification: {topic: event-notifications, contains: "ORD-{{id}}"}
        - execution: {workflow: event-driven-workflow, status: SUCCEEDED}

Names are the components' names in the stack's spec. It runs against AWS, or
with --aws-endpoint-url against make run-local's simulated AWS, where the
functions run the real handlers of lambdas/ and the workflow its states.
AWS credentials come from the SDK's default chain; they need events:PutEvents,
dynamodb:GetItem, states:ListExecutions, states:DescribeExecution,
states:GetExecutionHistory, and for notifications sqs:CreateQueue,
sqs:GetQueueAttributes, sqs:ReceiveMessage, sqs:DeleteQueue, sns:Subscribe
and sns:Unsubscribe (--notifications=false skips those checks).`,
		Example: `  kubectl eds test event-driven-stack
  kubectl eds test event-driven-stack --aws-endpoint-url http://127.0.0.1:46477
  kubectl eds test event-driven-stack -f my-events.yaml --timeout 5m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), args[0], s)
		},
	}
	f := cmd.Flags()
	o.kube.bind(f)
	o.aws.bind(f, "AWS")
	f.StringVarP(&o.file, "file", "f", "", "Events and expectations (YAML or JSON); default: the seed's test")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "How long each event's checks may wait after it is sent")
	f.BoolVar(&o.notifications, "notifications", true, "Follow notifications (a temporary SQS queue subscribed to the topics); false skips those checks")
	f.StringVar(&o.correlation, "correlation-id", "", "The run's correlation id ({{id}}); default: a new one")
	return cmd
}

func (o *testOptions) scenario() (*stacktest.Scenario, error) {
	if o.file == "" {
		return stacktest.Seed()
	}
	data, err := os.ReadFile(o.file)
	if err != nil {
		return nil, err
	}
	return stacktest.Parse(data, o.file)
}

func (o *testOptions) run(ctx context.Context, name string, s Streams) error {
	if o.timeout <= 0 {
		return fmt.Errorf("--timeout %s: give a positive duration", o.timeout)
	}
	scenario, err := o.scenario()
	if err != nil {
		return err
	}
	if !o.notifications {
		scenario = scenario.WithoutNotifications()
	}
	now := time.Now()
	id := o.correlation
	if id == "" {
		id = stacktest.NewCorrelationID(now, randomSuffix)
	}
	if scenario, err = scenario.Correlate(id, now); err != nil {
		return err
	}
	stack, err := o.kube.getStack(ctx, name)
	if err != nil {
		return err
	}
	targets, err := stacktest.Resolve(stack, scenario)
	if err != nil {
		return err
	}
	cfg, err := o.aws.config(ctx, stack.Spec.Region)
	if err != nil {
		return err
	}
	api := stacktest.API{Events: eventbridge.NewFromConfig(cfg), DynamoDB: dynamodb.NewFromConfig(cfg), SFN: sfn.NewFromConfig(cfg),
		SQS: sqs.NewFromConfig(cfg), SNS: sns.NewFromConfig(cfg)}
	_, err = stacktest.Run(ctx, api, stack, scenario, targets, id, s.Out, stacktest.Options{Timeout: o.timeout})
	return err
}

// randomSuffix is four random hex digits.
func randomSuffix() string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
