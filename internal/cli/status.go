package cli

import (
	"github.com/spf13/cobra"

	"github.com/eventstack-io/eventstack-operator/internal/cli/statustree"
)

func newStatusCommand(s Streams) *cobra.Command {
	k := &kubeFlags{warnings: s.Err}
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Print where a stack stands: the stack, each child by kind, the outputs",
		Long: `Status reads an EventDrivenStack from the cluster and prints, from its status:
the stack (Ready and why, children ready out of all, generation against the one
the status describes), then every child grouped by kind, with a mark
(✓ ready, … in progress, ○ waiting, ✗ stalled), its name, its ARN and what it
waits for or what ACK reported, then the outputs.

Colour is used on a terminal only, and never with NO_COLOR set.`,
		Example: `  kubectl eds status event-driven-stack -n shop`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			stack, err := k.getStack(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return statustree.Write(s.Out, stack, statustree.Options{Color: isTerminal(s.Out)})
		},
	}
	k.bind(cmd.Flags())
	return cmd
}
