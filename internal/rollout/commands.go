package rollout

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// AnnotationCommands is the stack annotation kubectl eds rollout promote,
// abort and undo write: "fn=promote@2026-12-07T10:00:00Z,other=undo@…". A
// command counts for the status it was given to (its time is at or after
// the trial's start, or the time the status entered its phase when no trial
// runs: CommandFor), so an old command never decides a later trial nor
// undoes twice, and the operator never has to clear it (no write of its
// own).
const AnnotationCommands = "stacks.eventstack.io/rollout-commands"

// Given is a command and when it was given.
type Given struct {
	Command Command
	At      time.Time
}

// ParseCommands reads the annotation's commands, by function; what it
// cannot read is left out (a hand-edited annotation decides nothing).
func ParseCommands(value string) map[string]Given {
	out := map[string]Given{}
	for _, item := range strings.Split(value, ",") {
		fn, rest, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			continue
		}
		cmd, at, ok := strings.Cut(rest, "@")
		when, err := time.Parse(time.RFC3339, at)
		if !ok || err != nil || !known(Command(cmd)) {
			continue
		}
		out[fn] = Given{Command: Command(cmd), At: when}
	}
	return out
}

func known(c Command) bool {
	return c == Promote || c == Abort || c == Undo
}

// WithCommand is the annotation's value with fn's command replaced by cmd,
// given at now.
func WithCommand(value, fn string, cmd Command, now time.Time) string {
	all := ParseCommands(value)
	all[fn] = Given{Command: cmd, At: now.UTC().Truncate(time.Second)}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	items := make([]string, len(names))
	for i, name := range names {
		items[i] = fmt.Sprintf("%s=%s@%s", name, all[name].Command, all[name].At.Format(time.RFC3339))
	}
	return strings.Join(items, ",")
}

// For is the command that counts for a trial started at started: one given
// since then; "" for none.
func (g Given) For(started time.Time) Command {
	if g.Command == "" || g.At.Before(started) {
		return ""
	}
	return g.Command
}

// CommandFor is the command that counts for a rollout's status: one given
// since its trial started while a trial runs, since the status entered its
// phase otherwise (an undo of a promoted version: once it is done, the
// status is RolledBack since then, and a later promotion — a revert of the
// spec — starts again after it); "" for none.
func CommandFor(g Given, st v1alpha1.RolloutStatus) Command {
	since := st.StepSince
	if trialRunning(st) {
		since = st.Started
	}
	if since == nil {
		return ""
	}
	return g.For(since.Time)
}
