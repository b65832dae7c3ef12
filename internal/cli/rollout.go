package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
)

func newRolloutCommand(s Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "rollout",
		Short: "Follow and steer the rollouts of a stack's functions (status, promote, abort, undo)",
		Long: `A function with spec.functions[].rollout gets a new Lambda version for each change
of its code or configuration, and its live alias shifts the traffic to it step by
step, rolled back by its alarms (docs/rollouts.md). promote and abort end a running
trial; undo, once a version is promoted, puts the version live before it back.`,
	}
	root.AddCommand(newRolloutStatusCommand(s), newRolloutSteerCommand(s, rollout.Promote,
		"Give the trial version all the traffic now, ending its rollout", ""),
		newRolloutSteerCommand(s, rollout.Abort, "Send all the traffic back to the live version, ending the trial", ""),
		newRolloutSteerCommand(s, rollout.Undo, "Send all the traffic of a promoted version back to the version live before it",
			`For when the live version is bad: the operator points the live alias at the newest
version kept before it (spec.functions[].rollout.keepVersions; with none kept it does
nothing, and says so in an event). The rollout is then RolledBack, the spec still
naming the undone code: revert the spec to the previous version's code (which
promotes it at once) or publish a fix. During a trial, use abort.`))
	return root
}

func newRolloutStatusCommand(s Streams) *cobra.Command {
	k := &kubeFlags{warnings: s.Err}
	cmd := &cobra.Command{
		Use:     "status STACK [FUNCTION]",
		Short:   "Print where each function's rollout stands: phase, live and trial versions, weight, step, why it stopped",
		Example: `  kubectl eds rollout status event-driven-stack event-order-processor`,
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			stack, err := k.getStack(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fn := ""
			if len(args) == 2 {
				fn = args[1]
			}
			return writeRollouts(s.Out, stack, fn, time.Now())
		},
	}
	k.bind(cmd.Flags())
	return cmd
}

func newRolloutSteerCommand(s Streams, c rollout.Command, short, long string) *cobra.Command {
	k := &kubeFlags{warnings: s.Err}
	cmd := &cobra.Command{
		Use:     string(c) + " STACK FUNCTION",
		Short:   short,
		Long:    long,
		Example: "  kubectl eds rollout " + string(c) + " event-driven-stack event-order-processor",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, _, err := k.client()
			if err != nil {
				return err
			}
			stack, err := k.getStack(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := steer(cmd.Context(), cl, stack, args[1], c, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(s.Out, "%s asked for function %s of %s/%s: the operator acts on it at its next reconcile (kubectl eds rollout status %s %s)\n",
				c, args[1], stack.Namespace, stack.Name, stack.Name, args[1])
			if c == rollout.Undo {
				fmt.Fprintf(s.Out, "the operator needs a version older than the live one kept (spec.functions[].rollout.keepVersions): with none, it does nothing and says so in an event (kubectl describe eventdrivenstack -n %s %s)\n", stack.Namespace, stack.Name)
			}
			return nil
		},
	}
	k.bind(cmd.Flags())
	return cmd
}

// steer writes a command for a function's rollout into the stack's
// annotation, refusing one the rollout would not take: promote and abort
// need a running trial, undo a promoted version.
func steer(ctx context.Context, c client.Client, stack *v1alpha1.EventDrivenStack, fn string, cmd rollout.Command, now time.Time) error {
	check := trialRunning
	if cmd == rollout.Undo {
		check = undoable
	}
	if err := check(stack, fn); err != nil {
		return err
	}
	original := stack.DeepCopy()
	if stack.Annotations == nil {
		stack.Annotations = map[string]string{}
	}
	stack.Annotations[rollout.AnnotationCommands] = rollout.WithCommand(stack.Annotations[rollout.AnnotationCommands], fn, cmd, now)
	if err := c.Patch(ctx, stack, client.MergeFromWithOptions(original, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("writing the %s of function %s on %s/%s: %w", cmd, fn, stack.Namespace, stack.Name, err)
	}
	return nil
}

// trialRunning says why a function's rollout has no trial a command could
// steer, or nil when it has one.
func trialRunning(stack *v1alpha1.EventDrivenStack, fn string) error {
	st, err := rolloutStatus(stack, fn)
	if err != nil {
		return err
	}
	switch st.Phase {
	case v1alpha1.RolloutChecking, v1alpha1.RolloutShifting, v1alpha1.RolloutVerifying:
		return nil
	}
	return fmt.Errorf("function %s has no trial running: its rollout is %s (live version %s)", fn, st.Phase, st.Live)
}

// undoable says why a function's live version cannot be undone, or nil when
// it is promoted and not the function's first. The status lists no kept
// versions: whether one older than the live one is kept, only the operator
// knows.
func undoable(stack *v1alpha1.EventDrivenStack, fn string) error {
	st, err := rolloutStatus(stack, fn)
	if err != nil {
		return err
	}
	switch {
	case st.Phase != v1alpha1.RolloutPromoted:
		hint := "undo takes back a promoted version"
		switch st.Phase {
		case v1alpha1.RolloutChecking, v1alpha1.RolloutShifting, v1alpha1.RolloutVerifying:
			hint = "a trial of version " + st.Trial + " is running: kubectl eds rollout abort " + stack.Name + " " + fn + " ends it"
		case v1alpha1.RolloutRolledBack:
			hint = "version " + st.Live + " already takes all the traffic; revert the spec to its code, or publish a fix"
		}
		return fmt.Errorf("function %s has no promoted version to undo: its rollout is %s (live version %s); %s", fn, st.Phase, orDash(st.Live), hint)
	case st.Live == "1":
		return fmt.Errorf("function %s has no earlier version: its live version 1 is its first", fn)
	}
	return nil
}

// rolloutStatus is a function's rollout in the stack's status, or why there
// is none.
func rolloutStatus(stack *v1alpha1.EventDrivenStack, fn string) (v1alpha1.RolloutStatus, error) {
	has := false
	for _, f := range stack.Spec.Functions {
		has = has || (f.Name == fn && f.Rollout != nil)
	}
	if !has {
		return v1alpha1.RolloutStatus{}, fmt.Errorf("function %s of %s/%s has no rollout (spec.functions[].rollout)", fn, stack.Namespace, stack.Name)
	}
	for _, st := range stack.Status.Rollouts {
		if st.Function == fn {
			return st, nil
		}
	}
	return v1alpha1.RolloutStatus{}, fmt.Errorf("function %s has no rollout in the stack's status yet", fn)
}

// writeRollouts prints the stack's rollouts (one function's when fn is set).
func writeRollouts(w io.Writer, stack *v1alpha1.EventDrivenStack, fn string, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tPHASE\tLIVE\tTRIAL\tWEIGHT\tSTEP\tSINCE\tREASON")
	n := 0
	for _, st := range stack.Status.Rollouts {
		if fn != "" && st.Function != fn {
			continue
		}
		n++
		weight, step, since := "-", "-", "-"
		if st.Trial != "" && st.Phase != v1alpha1.RolloutRolledBack && st.Phase != v1alpha1.RolloutPromoted {
			weight, step = fmt.Sprintf("%d%%", st.TrialWeight), fmt.Sprintf("%d/%d", st.Step, st.Steps)
		}
		if st.StepSince != nil {
			since = now.Sub(st.StepSince.Time).Round(time.Second).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", st.Function, st.Phase, orDash(st.Live), orDash(st.Trial), weight, step, since, orDash(st.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		what := "no function of " + stack.Namespace + "/" + stack.Name + " has a rollout in its status"
		if fn != "" {
			what = "function " + fn + " has no rollout in the status of " + stack.Namespace + "/" + stack.Name
		}
		return fmt.Errorf("%s (spec.functions[].rollout; the status gets one once a version is published)", what)
	}
	return nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
