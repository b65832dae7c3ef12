package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/spf13/cobra"

	"github.com/eventstack-io/eventstack-operator/internal/cli/executions"
)

type executionsOptions struct {
	kube   kubeFlags
	aws    awsFlags
	failed bool
	limit  int
}

func newExecutionsCommand(s Streams) *cobra.Command {
	o := &executionsOptions{kube: kubeFlags{warnings: s.Err}}
	cmd := &cobra.Command{
		Use:   "executions STACK [WORKFLOW]",
		Short: "List a stack workflow's recent executions, and where the failed ones failed",
		Long: `Executions reads a stack from the cluster, finds its workflow's state machine
from the stack's status (name the workflow when the stack has several), and
lists its newest executions from Step Functions (ListExecutions): name, status,
start and duration. For an execution that failed, timed out or was aborted it
reads the history (GetExecutionHistory) and prints the state it failed in, the
event that said so (TaskFailed, LambdaFunctionFailed, ExecutionFailed, ...),
the error and the cause.

--failed lists only the executions that failed, timed out or were aborted.

AWS credentials come from the SDK's default chain (environment, ~/.aws, SSO,
IRSA, Pod Identity); they need states:ListExecutions and
states:GetExecutionHistory.`,
		Example: `  kubectl eds executions event-driven-stack
  kubectl eds executions event-driven-stack --failed --limit 5
  kubectl eds executions event-driven-stack --aws-endpoint-url http://127.0.0.1:46477`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			workflow := ""
			if len(args) == 2 {
				workflow = args[1]
			}
			return o.run(cmd.Context(), args[0], workflow, s)
		},
	}
	f := cmd.Flags()
	o.kube.bind(f)
	o.aws.bind(f, "Step Functions")
	f.BoolVar(&o.failed, "failed", false, "Only the executions that failed, timed out or were aborted")
	f.IntVar(&o.limit, "limit", 10, "How many executions, newest first (1-1000)")
	return cmd
}

func (o *executionsOptions) run(ctx context.Context, name, workflow string, s Streams) error {
	if o.limit < 1 || o.limit > 1000 {
		return fmt.Errorf("--limit %d: give 1 to 1000", o.limit)
	}
	stack, err := o.kube.getStack(ctx, name)
	if err != nil {
		return err
	}
	workflow, arn, err := executions.Workflow(stack, workflow)
	if err != nil {
		return err
	}
	cfg, err := o.aws.config(ctx, stack.Spec.Region)
	if err != nil {
		return err
	}
	list, err := executions.List(ctx, sfn.NewFromConfig(cfg), arn, o.failed, o.limit)
	if err != nil {
		return err
	}
	executions.Write(s.Out, workflow, arn, list, time.Now())
	return nil
}
