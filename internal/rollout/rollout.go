// Package rollout decides, for one function with a rollout, where its live
// alias sends the traffic: a pure function of the rollout's spec, its status,
// the version published for the spec's code and configuration, the watched
// alarms' states, the result of a check, a user's command and the time.
// Every timer is computed from the times the status records, so a decision
// made after an operator restart is the one the operator would have made.
//
// The life of a change (CodeDeploy's, for Lambda aliases):
//
//	published → Checking (pre-traffic check, if any)
//	          → Shifting, step by step (Canary: percent, then all; Linear:
//	            percent more every interval)
//	          → Verifying (all traffic; post-traffic check, if any)
//	          → Promoted: the new version is live.
//
// A watched alarm in ALARM, a failed check or an abort sends all the traffic
// back to the live version (RolledBack) until another revision is published;
// a revision published during a rollout supersedes the trial. An undo, once
// promoted, sends all the traffic back to the version live before (RolledBack
// too: the spec still names the undone code until it is reverted).
package rollout

import (
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// Published is the version Lambda published for the spec's current code and
// configuration.
type Published struct {
	// Version is Lambda's version number; "" while it is not published yet.
	Version string
	// Revision identifies the code and configuration it was published from.
	Revision string
}

// Alarm is the state of one watched alarm, and since when it is in it.
type Alarm struct {
	Name, State, Reason string
	Since               time.Time
}

// Check is the outcome of a pre- or post-traffic check: Err is "" when the
// check function returned without error.
type Check struct {
	Err string
}

// Command is what a user asked with kubectl eds rollout.
type Command string

const (
	// Promote ends the rollout with the trial live, now.
	Promote Command = "promote"
	// Abort sends all the traffic back to the live version.
	Abort Command = "abort"
	// Undo, once a version is promoted, sends all the traffic back to the
	// version live before it (Input.Previous); during a trial it aborts.
	Undo Command = "undo"
)

// Input is what a decision is made from.
type Input struct {
	Spec      v1alpha1.FunctionRollout
	Status    v1alpha1.RolloutStatus
	Published Published
	Now       time.Time
	// Alarms are the watched alarms' states (the function's default
	// alarms and the spec's named ones).
	Alarms []Alarm
	// Check is the result of the check the phase waits for; nil when it
	// has not run.
	Check   *Check
	Command Command
	// Previous is the newest kept version older than the live one, which
	// an undo puts back live ("" when none is kept: PreviousOf).
	Previous string
}

// Routing is what the live alias routes: all to Version but Weight percent
// to Additional.
type Routing struct {
	Version    string
	Additional string
	Weight     int32
}

// Decision is what to do now.
type Decision struct {
	Status v1alpha1.RolloutStatus
	// Routing is what the alias must route.
	Routing Routing
	// RunCheck names the check function to invoke with the trial version
	// before deciding again ("" for none).
	RunCheck string
	// After is when to decide again, 0 when only a change will tell.
	After time.Duration
	// Event describes the transition made, "" when there was none.
	Event string
}

// DefaultKeepVersions is how many versions before the live one are kept.
const DefaultKeepVersions = 3

// RoutingOf is what the live alias routes for a rollout's status: all to the
// live version, but the trial's weight to the trial while it shifts, and
// all to the trial while it is verified. The decision's Routing is always
// the routing of its status, so that the alias can be rendered from the
// status alone (after a restart too).
func RoutingOf(st v1alpha1.RolloutStatus) Routing {
	switch st.Phase {
	case v1alpha1.RolloutShifting:
		return Routing{Version: st.Live, Additional: st.Trial, Weight: st.TrialWeight}
	case v1alpha1.RolloutVerifying:
		return Routing{Version: st.Trial}
	}
	return Routing{Version: st.Live}
}

// Steps are the trial's weights, in percent, step by step: the last is 100.
func Steps(spec v1alpha1.FunctionRollout) []int32 {
	switch spec.Strategy {
	case v1alpha1.RolloutCanary:
		return []int32{spec.Percent, 100}
	case v1alpha1.RolloutLinear:
		var out []int32
		for w := spec.Percent; w < 100; w += spec.Percent {
			out = append(out, w)
		}
		return append(out, 100)
	}
	return []int32{100}
}

// Decide decides where the alias sends the traffic now, and what comes next.
func Decide(in Input) Decision {
	d := decide(in)
	d.Routing = RoutingOf(d.Status)
	return d
}

func decide(in Input) Decision {
	st := in.Status
	switch {
	case in.Command == Undo && st.Phase == v1alpha1.RolloutPromoted && !newRevision(in):
		// Before the hold of an unpublished revision: the live version is
		// bad whatever the spec publishes next.
		return undo(in)
	case in.Published.Version == "":
		return hold(st, "")
	case st.Live == "":
		// The first version: nothing to shift traffic from.
		return promoted(in, v1alpha1.RolloutStatus{Function: st.Function, Live: in.Published.Version, Revision: in.Published.Revision},
			"version "+in.Published.Version+" is live (the function's first)")
	case in.Published.Revision != st.Revision && in.Published.Version == st.Live:
		// The spec is back on the live version's code and configuration
		// (a revert of a failed trial): nothing to shift.
		return promoted(in, v1alpha1.RolloutStatus{Function: st.Function, Live: st.Live, Revision: in.Published.Revision},
			"version "+st.Live+" is live: the spec is back on its code")
	case in.Published.Revision != st.Revision:
		event := "version " + in.Published.Version + " published: rollout started"
		if trialRunning(st) {
			event = fmt.Sprintf("version %s published: it supersedes version %s, whose traffic went back to version %s", in.Published.Version, st.Trial, st.Live)
		}
		return start(in, event)
	case !trialRunning(st):
		return hold(st, "")
	}
	switch in.Command {
	case Abort:
		return rolledBack(in, "aborted (kubectl eds rollout abort)")
	case Undo:
		return rolledBack(in, "aborted (kubectl eds rollout undo during a trial)")
	case Promote:
		return promote(in, "promoted (kubectl eds rollout promote)")
	}
	if a, ok := firing(in.Alarms); ok {
		why := fmt.Sprintf("alarm %s is in ALARM: %s", a.Name, a.Reason)
		if st.Started != nil && a.Since.Before(st.Started.Time) {
			why += " (it was in ALARM before the rollout started; kubectl eds rollout promote lets a fix through)"
		}
		return rolledBack(in, why)
	}
	switch st.Phase {
	case v1alpha1.RolloutChecking:
		return afterCheck(in, in.Spec.PreTraffic, "pre-traffic", func() Decision { return step(in, 0, "pre-traffic check passed") })
	case v1alpha1.RolloutVerifying:
		return afterCheck(in, in.Spec.PostTraffic, "post-traffic", func() Decision { return promote(in, "post-traffic check passed") })
	}
	return shift(in)
}

// newRevision reports whether a version was published for another revision
// than the status's (a trial to start, or a revert to promote).
func newRevision(in Input) bool {
	return in.Published.Version != "" && in.Published.Revision != in.Status.Revision
}

// undo sends all the traffic of a promoted rollout back to the previous
// version. The status keeps the undone version's revision, which the spec
// still names: the same revision published holds the status (no new trial
// of the undone code), and a revert of the spec to the previous version's
// code promotes it at once (its version is the live one).
func undo(in Input) Decision {
	st := in.Status
	if in.Previous == "" {
		return hold(st, fmt.Sprintf("undo of version %s: nothing done, no version older than it is kept (spec.functions[].rollout.keepVersions)", st.Live))
	}
	why := fmt.Sprintf("undone (kubectl eds rollout undo): version %s back live; revert the spec to its code", in.Previous)
	return Decision{Status: v1alpha1.RolloutStatus{Function: st.Function, Phase: v1alpha1.RolloutRolledBack, Live: in.Previous, Trial: st.Live,
		Revision: st.Revision, StepSince: since(in.Now), Reason: why},
		Event: fmt.Sprintf("version %s undone, all traffic to version %s: %s", st.Live, in.Previous, why)}
}

// trialRunning reports whether a trial takes (or is about to take) traffic.
func trialRunning(st v1alpha1.RolloutStatus) bool {
	switch st.Phase {
	case v1alpha1.RolloutChecking, v1alpha1.RolloutShifting, v1alpha1.RolloutVerifying:
		return st.Trial != ""
	}
	return false
}

// hold keeps the status: all the traffic to the live version.
func hold(st v1alpha1.RolloutStatus, event string) Decision {
	return Decision{Status: st, Event: event}
}

// start begins the trial of the published version, from the live one.
func start(in Input, event string) Decision {
	st := v1alpha1.RolloutStatus{Function: in.Status.Function, Live: in.Status.Live, Trial: in.Published.Version,
		Revision: in.Published.Revision, Steps: int32(len(Steps(in.Spec))), Started: since(in.Now), StepSince: since(in.Now)}
	if in.Spec.PreTraffic != "" {
		st.Phase = v1alpha1.RolloutChecking
		return Decision{Status: st, RunCheck: in.Spec.PreTraffic, Event: event}
	}
	next := in
	next.Status = st
	d := step(next, 0, "")
	d.Event = event
	return d
}

// step puts the trial at step i (0-based) of its weights.
func step(in Input, i int, event string) Decision {
	steps := Steps(in.Spec)
	st := in.Status
	st.Phase, st.Step, st.Steps, st.TrialWeight, st.StepSince = v1alpha1.RolloutShifting, int32(i+1), int32(len(steps)), steps[i], since(in.Now)
	if event == "" {
		event = fmt.Sprintf("version %s takes %d%% of the traffic (step %d of %d)", st.Trial, st.TrialWeight, st.Step, st.Steps)
	}
	if steps[i] == 100 {
		return verify(in, st, event)
	}
	return Decision{Status: st,
		After: interval(in.Spec), Event: event}
}

// verify gives the trial all the traffic, and runs the post-traffic check or
// promotes it.
func verify(in Input, st v1alpha1.RolloutStatus, event string) Decision {
	if in.Spec.PostTraffic == "" {
		next := in
		next.Status = st
		return promote(next, event)
	}
	st.Phase, st.TrialWeight = v1alpha1.RolloutVerifying, 100
	return Decision{Status: st, RunCheck: in.Spec.PostTraffic, Event: event}
}

// shift moves to the next step once the current one has lasted its interval.
func shift(in Input) Decision {
	st := in.Status
	elapsed := in.Now.Sub(st.StepSince.Time)
	if left := interval(in.Spec) - elapsed; left > 0 {
		return Decision{Status: st, After: left}
	}
	return step(in, int(st.Step), "")
}

// afterCheck acts on a check's result: runs it when it has not run, rolls
// back on an error, and otherwise carries on with next.
func afterCheck(in Input, fn, what string, next func() Decision) Decision {
	switch {
	case in.Check == nil:
		return Decision{Status: in.Status, RunCheck: fn}
	case in.Check.Err != "":
		return rolledBack(in, fmt.Sprintf("%s check %s failed: %s", what, fn, in.Check.Err))
	}
	return next()
}

// promote makes the trial the live version.
func promote(in Input, why string) Decision {
	st := in.Status
	return promoted(in, v1alpha1.RolloutStatus{Function: st.Function, Live: st.Trial, Revision: st.Revision},
		fmt.Sprintf("version %s is live: %s", st.Trial, why))
}

func promoted(in Input, st v1alpha1.RolloutStatus, event string) Decision {
	st.Phase, st.StepSince = v1alpha1.RolloutPromoted, since(in.Now)
	return Decision{Status: st, Event: event}
}

// rolledBack sends all the traffic back to the live version, and says why.
func rolledBack(in Input, why string) Decision {
	st := in.Status
	st.Phase, st.TrialWeight, st.StepSince, st.Reason = v1alpha1.RolloutRolledBack, 0, since(in.Now), why
	return Decision{Status: st,
		Event: fmt.Sprintf("version %s rolled back, all traffic to version %s: %s", st.Trial, st.Live, why)}
}

// firing is the first watched alarm in ALARM.
func firing(alarms []Alarm) (Alarm, bool) {
	for _, a := range alarms {
		if a.State == "ALARM" {
			return a, true
		}
	}
	return Alarm{}, false
}

// interval is how long a step lasts.
func interval(spec v1alpha1.FunctionRollout) time.Duration {
	if spec.Interval == nil {
		return 0
	}
	return spec.Interval.Duration
}

func since(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}

// PreviousOf is the version an undo puts back live: the newest of versions
// older than the live one, "" when there is none or none is kept (keep, the
// spec's keepVersions, is 0). Versions are Lambda's numbers, as for Prune.
func PreviousOf(versions []string, live string, keep int) string {
	l, ok := versionNumber(live)
	if !ok || keep <= 0 {
		return ""
	}
	best := 0
	for _, v := range versions {
		if n, ok := versionNumber(v); ok && n < l && n > best {
			best = n
		}
	}
	if best == 0 {
		return ""
	}
	return fmt.Sprint(best)
}

// versionNumber reads a Lambda version number ($LATEST is none).
func versionNumber(v string) (int, bool) {
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// Prune lists the versions to delete: all but the live one, the trial and
// the keep newest before the live one (versions are Lambda's numbers, in any
// order).
func Prune(versions []string, live, trial string, keep int) []string {
	var older []int
	for _, v := range versions {
		if v == live || v == trial {
			continue
		}
		n, ok := versionNumber(v)
		if !ok {
			continue // $LATEST, or not a version number
		}
		older = append(older, n)
	}
	slices.SortFunc(older, func(a, b int) int { return b - a })
	var out []string
	for i, n := range older {
		if i >= keep {
			out = append(out, fmt.Sprint(n))
		}
	}
	return out
}
