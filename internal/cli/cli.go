// Package cli is the kubectl plugin of eventstack-operator, kubectl-eds:
//
//	kubectl eds render -f stack.yaml      what the operator would create, offline
//	kubectl eds render -f stack.yaml --graph   what waits for what, and why (--graph=dot: Graphviz)
//	kubectl eds status NAME               where a stack stands, as a tree
//	kubectl eds put-events NAME           send test events to a stack's bus
//	kubectl eds match -f stack.yaml       which rules an event matches, offline
//	kubectl eds publish -f stack.yaml     build, upload and pin the stack's Lambda code
//	kubectl eds replay NAME --from --to   replay archived events to the stack's rules
//	kubectl eds logs NAME [COMPONENT]     CloudWatch Logs of its functions or workflow
//	kubectl eds executions NAME           its workflow's executions, and why they failed
//
// The commands only parse flags and wire clients; the work is done in the
// packages beside this one, which the tests use directly: stackfile (read and
// judge a stack file), predict (ARNs offline), manifest (print children and
// EventBridge calls, with the operator's own builders), statustree and
// putevents, publish.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Streams are the command's standard input, output and error.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Main runs kubectl-eds with args (without the program name) and returns the
// exit code: 0 on success, 1 on any error (a refused event included).
func Main(ctx context.Context, args []string, s Streams) int {
	cmd := NewCommand(s)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(s.Err, "error:", err)
		return 1
	}
	return 0
}

// NewCommand returns the kubectl-eds command and its subcommands.
func NewCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-eds",
		Short: "Render, inspect and exercise EventDrivenStacks",
		Long: `kubectl eds works with EventDrivenStacks (stacks.eventstack.io/v1alpha1):

  render      prints, offline, every ACK object the operator would create for a
              stack file, or the EventBridge API calls it would make, or (--graph)
              what waits for what, wave by wave, as text or DOT
  status      prints where a stack in the cluster stands, child by child
  put-events  sends test events to a stack's EventBridge bus (--dry-run: sends
              nothing, prints what match prints)
  match       says which rules of a stack (a file, or in the cluster) an event
              matches and which targets would get it, and for the others the
              field that failed; exits 1 when no enabled rule matches
  replay      replays a window of the stack's archived events (spec.eventBus.archive)
              to its rules, or those named, and follows the replay to its end
  publish     builds a stack file's Lambda handlers into reproducible zips, uploads
              them to S3 under keys made of their SHA-256 (only what is not there
              yet), and writes code.s3Key and code.sha256 into the file: commit it
              and the functions run the new code
  logs        prints the CloudWatch Logs of a stack's functions (interleaved and
              labelled) or of one function or workflow; --follow, --since
  executions  lists a stack workflow's recent executions, and for a failed one
              the state it failed in with the error and cause
  test        sends a stack its test events (the seed's, or a file's) with a fresh
              correlation id and follows each to where it must land: a table's
              item, a workflow execution's end, a topic's notification`,
		Annotations: map[string]string{
			// As a kubectl plugin, usage lines read "kubectl eds ...".
			cobra.CommandDisplayNameAnnotation: "kubectl eds",
		},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.AddCommand(newRenderCommand(s), newStatusCommand(s), newPutEventsCommand(s), newMatchCommand(s), newPublishCommand(s))
	root.AddCommand(newReplayCommand(s))
	root.AddCommand(newLogsCommand(s), newExecutionsCommand(s), newTestCommand(s))
	root.AddCommand(newRolloutCommand(s))
	return root
}

// isTerminal reports whether w is a terminal that takes colour: not when
// NO_COLOR is set (https://no-color.org), nor for TERM=dumb.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
