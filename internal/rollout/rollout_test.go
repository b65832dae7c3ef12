package rollout

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func canary(percent int32, every time.Duration) v1alpha1.FunctionRollout {
	return v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: percent, Interval: &metav1.Duration{Duration: every}}
}

func linear(percent int32, every time.Duration) v1alpha1.FunctionRollout {
	return v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutLinear, Percent: percent, Interval: &metav1.Duration{Duration: every}}
}

func TestSteps(t *testing.T) {
	for _, tc := range []struct {
		spec v1alpha1.FunctionRollout
		want []int32
	}{
		{v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce}, []int32{100}},
		{canary(10, time.Minute), []int32{10, 100}},
		{linear(10, time.Minute), []int32{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}},
		{linear(30, time.Minute), []int32{30, 60, 90, 100}},
		{linear(99, time.Minute), []int32{99, 100}},
		{canary(25, time.Hour), []int32{25, 100}},
		{linear(50, 2*time.Minute), []int32{50, 100}},
	} {
		if got := Steps(tc.spec); !slices.Equal(got, tc.want) {
			t.Errorf("%s %d%%: %v, want %v", tc.spec.Strategy, tc.spec.Percent, got, tc.want)
		}
	}
}

// run plays a rollout from a promoted version 1 to the published version 2,
// deciding at each time Decide asks to be woken, the JSON of the status
// carried from one decision to the next as the API server would (an operator
// restart between any two decisions reads the same). alarmAt, when set, is
// when an alarm goes to ALARM, and a decision is made then (the alarm watcher
// wakes the stack when an alarm changes); check answers the checks. It
// returns the decisions.
func run(t *testing.T, spec v1alpha1.FunctionRollout, alarmAt time.Duration, check func(fn string) Check) []Decision {
	t.Helper()
	st := v1alpha1.RolloutStatus{Function: "fn", Phase: v1alpha1.RolloutPromoted, Live: "1", Revision: "r1"}
	now := t0
	var out []Decision
	var pending *Check
	for range 100 {
		in := Input{Spec: spec, Status: st, Published: Published{Version: "2", Revision: "r2"}, Now: now, Check: pending}
		if alarmAt > 0 && !now.Before(t0.Add(alarmAt)) {
			in.Alarms = []Alarm{{Name: "fn-errors", State: "ALARM", Reason: "Threshold Crossed", Since: t0.Add(alarmAt)}}
		}
		d := Decide(in)
		if d.Routing != RoutingOf(roundTrip(t, d.Status)) {
			t.Fatalf("the decision routes %+v, its status read back %+v", d.Routing, RoutingOf(roundTrip(t, d.Status)))
		}
		out = append(out, d)
		st = roundTrip(t, d.Status)
		pending = nil
		switch {
		case d.RunCheck != "":
			c := check(d.RunCheck)
			pending = &c
		case d.After > 0:
			next := now.Add(d.After)
			if alarm := t0.Add(alarmAt); alarmAt > 0 && now.Before(alarm) && alarm.Before(next) {
				next = alarm
			}
			now = next
		default:
			return out
		}
	}
	t.Fatal("the rollout did not settle in 100 decisions")
	return nil
}

func roundTrip(t *testing.T, st v1alpha1.RolloutStatus) v1alpha1.RolloutStatus {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out v1alpha1.RolloutStatus
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// routes are the decisions' routings as "live/trial:weight" lines.
func routes(ds []Decision) []string {
	var out []string
	for _, d := range ds {
		r := d.Routing.Version
		if d.Routing.Additional != "" {
			r += "+" + d.Routing.Additional + ":" + itoa(d.Routing.Weight)
		}
		out = append(out, string(d.Status.Phase)+" "+r)
	}
	return out
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func pass(string) Check { return Check{} }

func TestRollouts(t *testing.T) {
	checks := v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce, PreTraffic: "smoke", PostTraffic: "verify"}
	for _, tc := range []struct {
		name     string
		spec     v1alpha1.FunctionRollout
		alarmAt  time.Duration
		check    func(string) Check
		want     []string
		final    v1alpha1.RolloutPhase
		live     string
		reason   string
		duration time.Duration
	}{{
		name: "a canary promoted after its interval", spec: canary(10, 5*time.Minute), check: pass,
		want:  []string{"Shifting 1+2:10", "Promoted 2"},
		final: v1alpha1.RolloutPromoted, live: "2", duration: 5 * time.Minute,
	}, {
		name: "a linear rollout in ten steps", spec: linear(10, time.Minute), check: pass,
		want: []string{"Shifting 1+2:10", "Shifting 1+2:20", "Shifting 1+2:30", "Shifting 1+2:40", "Shifting 1+2:50",
			"Shifting 1+2:60", "Shifting 1+2:70", "Shifting 1+2:80", "Shifting 1+2:90", "Promoted 2"},
		final: v1alpha1.RolloutPromoted, live: "2", duration: 9 * time.Minute,
	}, {
		name: "a canary an alarm rolls back", spec: canary(10, 5*time.Minute), check: pass, alarmAt: 2 * time.Minute,
		want:  []string{"Shifting 1+2:10", "RolledBack 1"},
		final: v1alpha1.RolloutRolledBack, live: "1", reason: "alarm fn-errors is in ALARM: Threshold Crossed", duration: 2 * time.Minute,
	}, {
		name: "all at once through both checks", spec: checks, check: pass,
		want:  []string{"Checking 1", "Verifying 2", "Promoted 2"},
		final: v1alpha1.RolloutPromoted, live: "2",
	}, {
		name: "a failed pre-traffic check: the trial never takes traffic", spec: checks,
		check: func(fn string) Check { return Check{Err: fn + ": 500"} },
		want:  []string{"Checking 1", "RolledBack 1"},
		final: v1alpha1.RolloutRolledBack, live: "1", reason: "pre-traffic check smoke failed: smoke: 500",
	}, {
		name: "a failed post-traffic check: all the traffic back",
		spec: checks,
		check: func(fn string) Check {
			if fn == "verify" {
				return Check{Err: "order not found"}
			}
			return Check{}
		},
		want:  []string{"Checking 1", "Verifying 2", "RolledBack 1"},
		final: v1alpha1.RolloutRolledBack, live: "1", reason: "post-traffic check verify failed: order not found",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ds := run(t, tc.spec, tc.alarmAt, tc.check)
			if got := routes(ds); !slices.Equal(got, tc.want) {
				t.Errorf("routings %q, want %q", got, tc.want)
			}
			last := ds[len(ds)-1].Status
			if last.Phase != tc.final || last.Live != tc.live || !strings.Contains(last.Reason, tc.reason) {
				t.Errorf("final status %+v, want phase %s, live %s, reason %q", last, tc.final, tc.live, tc.reason)
			}
			if tc.duration > 0 && last.StepSince.Sub(t0) != tc.duration {
				t.Errorf("settled after %s, want %s", last.StepSince.Sub(t0), tc.duration)
			}
			for _, d := range ds {
				if d.Event == "" && d.RunCheck == "" {
					t.Errorf("a transition without an event: %+v", d)
				}
			}
		})
	}
}

// Once rolled back, the failed revision stays out of traffic until another
// is published; a new revision during a rollout supersedes the trial.
func TestRolledBackAndSuperseded(t *testing.T) {
	spec := canary(10, 5*time.Minute)
	back := v1alpha1.RolloutStatus{Function: "fn", Phase: v1alpha1.RolloutRolledBack, Live: "1", Trial: "2", Revision: "r2", Reason: "alarm"}
	d := Decide(Input{Spec: spec, Status: back, Published: Published{Version: "2", Revision: "r2"}, Now: t0})
	if d.Status.Phase != v1alpha1.RolloutRolledBack || d.Routing != (Routing{Version: "1"}) || d.Event != "" || d.After != 0 {
		t.Errorf("rolled back, same revision: %+v", d)
	}
	d = Decide(Input{Spec: spec, Status: back, Published: Published{Version: "3", Revision: "r3"}, Now: t0})
	if d.Status.Phase != v1alpha1.RolloutShifting || d.Routing != (Routing{Version: "1", Additional: "3", Weight: 10}) {
		t.Errorf("rolled back, a fix published: %+v", d)
	}

	// A revert: the spec is back on the live version's code, whose Version
	// child was kept; nothing to shift.
	d = Decide(Input{Spec: spec, Status: back, Published: Published{Version: "1", Revision: "r1"}, Now: t0})
	if d.Status.Phase != v1alpha1.RolloutPromoted || d.Routing != (Routing{Version: "1"}) || d.Status.Revision != "r1" || d.Status.Trial != "" {
		t.Errorf("rolled back, reverted: %+v", d)
	}

	shifting := v1alpha1.RolloutStatus{Function: "fn", Phase: v1alpha1.RolloutShifting, Live: "1", Trial: "2", Revision: "r2",
		TrialWeight: 10, Step: 1, Steps: 2, Started: since(t0), StepSince: since(t0)}
	d = Decide(Input{Spec: spec, Status: shifting, Published: Published{Version: "3", Revision: "r3"}, Now: t0.Add(time.Minute)})
	if d.Status.Trial != "3" || d.Routing != (Routing{Version: "1", Additional: "3", Weight: 10}) ||
		!strings.Contains(d.Event, "supersedes version 2") || d.After != 5*time.Minute {
		t.Errorf("superseded: %+v", d)
	}
	// Within the step, the decision only says when to look again.
	d = Decide(Input{Spec: spec, Status: shifting, Published: Published{Version: "2", Revision: "r2"}, Now: t0.Add(2 * time.Minute)})
	if d.Status.Step != 1 || d.After != 3*time.Minute || d.Event != "" {
		t.Errorf("mid-step: %+v", d)
	}
}

// kubectl eds rollout promote and abort end a trial at once; an alarm that
// was in ALARM before the trial still rolls it back, saying so.
func TestCommandsAndOldAlarms(t *testing.T) {
	spec := canary(10, 5*time.Minute)
	shifting := v1alpha1.RolloutStatus{Function: "fn", Phase: v1alpha1.RolloutShifting, Live: "1", Trial: "2", Revision: "r2",
		TrialWeight: 10, Step: 1, Steps: 2, Started: since(t0), StepSince: since(t0)}
	pub := Published{Version: "2", Revision: "r2"}
	if d := Decide(Input{Spec: spec, Status: shifting, Published: pub, Now: t0, Command: Promote}); d.Status.Phase != v1alpha1.RolloutPromoted || d.Status.Live != "2" {
		t.Errorf("promote: %+v", d)
	}
	if d := Decide(Input{Spec: spec, Status: shifting, Published: pub, Now: t0, Command: Abort}); d.Status.Phase != v1alpha1.RolloutRolledBack || d.Routing.Version != "1" || !strings.Contains(d.Status.Reason, "aborted") {
		t.Errorf("abort: %+v", d)
	}
	old := []Alarm{{Name: "fn-errors", State: "ALARM", Since: t0.Add(-time.Hour)}}
	if d := Decide(Input{Spec: spec, Status: shifting, Published: pub, Now: t0.Add(time.Minute), Alarms: old}); d.Status.Phase != v1alpha1.RolloutRolledBack ||
		!strings.Contains(d.Status.Reason, "before the rollout started") {
		t.Errorf("an alarm already firing: %+v", d)
	}
	ok := []Alarm{{Name: "fn-errors", State: "OK"}, {Name: "fn-throttles", State: "INSUFFICIENT_DATA"}}
	if d := Decide(Input{Spec: spec, Status: shifting, Published: pub, Now: t0.Add(time.Minute), Alarms: ok}); d.Status.Phase != v1alpha1.RolloutShifting {
		t.Errorf("alarms OK: %+v", d)
	}
}

// The function's first version goes live at once; nothing is decided before
// a version is published.
func TestFirstVersion(t *testing.T) {
	spec := canary(10, 5*time.Minute)
	if d := Decide(Input{Spec: spec, Status: v1alpha1.RolloutStatus{Function: "fn"}, Now: t0}); d.Status.Phase != "" || d.Routing.Version != "" {
		t.Errorf("nothing published: %+v", d)
	}
	d := Decide(Input{Spec: spec, Status: v1alpha1.RolloutStatus{Function: "fn"}, Published: Published{Version: "1", Revision: "r1"}, Now: t0})
	if d.Status.Phase != v1alpha1.RolloutPromoted || d.Routing != (Routing{Version: "1"}) || d.Status.Revision != "r1" {
		t.Errorf("first version: %+v", d)
	}
}

func TestPrune(t *testing.T) {
	got := Prune([]string{"$LATEST", "1", "2", "3", "4", "5", "6", "7", "8"}, "7", "8", 3)
	if want := []string{"3", "2", "1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("prune %v, want %v", got, want)
	}
	if got := Prune([]string{"1", "2"}, "2", "", 3); len(got) != 0 {
		t.Errorf("nothing to prune: %v", got)
	}
}

// BenchmarkRolloutTimings plays each strategy on a scaled clock (every
// interval passes at once) and reports, in the strategy's own time, how long
// it takes to promote a good version and to roll back a bad one whose alarm
// fires a minute into the trial.
func BenchmarkRolloutTimings(b *testing.B) {
	t := &testing.T{}
	for _, s := range []struct {
		name string
		spec v1alpha1.FunctionRollout
	}{
		{"Canary10Percent5Minutes", canary(10, 5*time.Minute)},
		{"Linear10PercentEvery1Minute", linear(10, time.Minute)},
		{"AllAtOnce", v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce}},
	} {
		b.Run(s.name, func(b *testing.B) {
			var good, bad []Decision
			for range b.N {
				good = run(t, s.spec, 0, pass)
				bad = run(t, s.spec, time.Minute, pass)
			}
			b.ReportMetric(good[len(good)-1].Status.StepSince.Sub(t0).Minutes(), "min-to-promote")
			b.ReportMetric(float64(len(good)), "decisions")
			last := bad[len(bad)-1].Status
			if last.Phase == v1alpha1.RolloutRolledBack {
				b.ReportMetric(last.StepSince.Sub(t0).Minutes(), "min-to-rollback")
			}
		})
	}
}

// kubectl eds rollout undo: a promoted version goes out of traffic for the
// previous kept one, once; the status holds until the spec is reverted,
// which promotes the previous version at once; during a trial undo aborts;
// with no previous version it does nothing and says so.
func TestUndo(t *testing.T) {
	spec := canary(10, 5*time.Minute)
	promotedAt := t0.Add(-time.Hour)
	promoted := v1alpha1.RolloutStatus{Function: "fn", Phase: v1alpha1.RolloutPromoted, Live: "3", Revision: "r3", StepSince: since(promotedAt)}
	pub3 := Published{Version: "3", Revision: "r3"}
	undoAt := t0
	given := Given{Command: Undo, At: undoAt}
	reason := "undone (kubectl eds rollout undo): version 2 back live; revert the spec to its code"

	// decideAt decides at now with the command the controller would pass.
	decideAt := func(st v1alpha1.RolloutStatus, pub Published, now time.Time, previous string) Decision {
		return Decide(Input{Spec: spec, Status: st, Published: pub, Now: now, Command: CommandFor(given, st), Previous: previous})
	}

	undone := decideAt(promoted, pub3, undoAt.Add(time.Second), "2")
	want := v1alpha1.RolloutStatus{Function: "fn", Phase: v1alpha1.RolloutRolledBack, Live: "2", Trial: "3", Revision: "r3",
		StepSince: since(undoAt.Add(time.Second)), Reason: reason}
	if !reflect.DeepEqual(undone.Status, want) || undone.Routing != (Routing{Version: "2"}) || undone.After != 0 || undone.RunCheck != "" ||
		undone.Event != "version 3 undone, all traffic to version 2: "+reason {
		t.Fatalf("undo of a promoted version:\n got %+v\nwant %+v", undone, want)
	}

	// Read back after a restart, with the same spec and the same command,
	// the status holds: no event, no new trial of the undone code.
	back := roundTrip(t, undone.Status)
	for _, at := range []time.Time{undoAt.Add(time.Second), undoAt.Add(time.Hour)} {
		d := decideAt(back, pub3, at, "1")
		if !reflect.DeepEqual(d.Status, back) || d.Routing != (Routing{Version: "2"}) || d.Event != "" || d.After != 0 {
			t.Errorf("undone, decided again at %s: %+v", at, d)
		}
	}
	// An undo given in the second the undo was decided still counts for
	// the RolledBack status, and changes nothing.
	same := roundTrip(t, decideAt(promoted, pub3, undoAt, "2").Status)
	if d := decideAt(same, pub3, undoAt, "1"); !reflect.DeepEqual(d.Status, same) || d.Event != "" {
		t.Errorf("undone in the second of the undo, decided again: %+v", d)
	}

	// The spec reverted to version 2's code: promoted at once; the old
	// undo does not take version 2 out in turn.
	reverted := decideAt(back, Published{Version: "2", Revision: "r2"}, undoAt.Add(time.Minute), "1")
	if reverted.Status.Phase != v1alpha1.RolloutPromoted || reverted.Status.Live != "2" || reverted.Status.Trial != "" ||
		reverted.Status.Revision != "r2" || reverted.Routing != (Routing{Version: "2"}) || reverted.Event == "" {
		t.Fatalf("reverted: %+v", reverted)
	}
	again := roundTrip(t, reverted.Status)
	if d := decideAt(again, Published{Version: "2", Revision: "r2"}, undoAt.Add(2*time.Minute), "1"); !reflect.DeepEqual(d.Status, again) || d.Event != "" {
		t.Errorf("reverted, the old undo re-applied: %+v", d)
	}
	// A new undo, given after the revert's promotion, counts.
	later := Given{Command: Undo, At: undoAt.Add(3 * time.Minute)}
	d := Decide(Input{Spec: spec, Status: again, Published: Published{Version: "2", Revision: "r2"}, Now: undoAt.Add(3 * time.Minute),
		Command: CommandFor(later, again), Previous: "1"})
	if d.Status.Phase != v1alpha1.RolloutRolledBack || d.Status.Live != "1" || d.Status.Trial != "2" {
		t.Errorf("a second undo: %+v", d)
	}

	// An undo given before the version was promoted does not count.
	old := Given{Command: Undo, At: promotedAt.Add(-time.Minute)}
	if c := CommandFor(old, promoted); c != "" {
		t.Errorf("an undo older than the promotion counts: %q", c)
	}

	// Undo while the spec's new code waits to be published: the live
	// version is taken out all the same; once published, the trial starts
	// from the previous version.
	d = decideAt(promoted, Published{}, undoAt, "2")
	if d.Status.Phase != v1alpha1.RolloutRolledBack || d.Status.Live != "2" {
		t.Errorf("undo, nothing published: %+v", d)
	}
	d = decideAt(roundTrip(t, d.Status), Published{Version: "4", Revision: "r4"}, undoAt.Add(time.Minute), "2")
	if d.Status.Phase != v1alpha1.RolloutShifting || d.Routing != (Routing{Version: "2", Additional: "4", Weight: 10}) {
		t.Errorf("undone, a fix published: %+v", d)
	}
	// A new revision published with the undo: the trial starts from the
	// live version (the undo is for a promoted status).
	d = decideAt(promoted, Published{Version: "4", Revision: "r4"}, undoAt.Add(time.Second), "2")
	if d.Status.Phase != v1alpha1.RolloutShifting || d.Status.Live != "3" || d.Status.Trial != "4" {
		t.Errorf("undo with a new revision published: %+v", d)
	}

	// No previous version kept: nothing done, an event says why.
	d = decideAt(promoted, pub3, undoAt, "")
	if !reflect.DeepEqual(d.Status, promoted) || d.Routing != (Routing{Version: "3"}) ||
		!strings.Contains(d.Event, "undo of version 3: nothing done, no version older than it is kept") {
		t.Errorf("undo without a previous version: %+v", d)
	}

	// During a trial, undo aborts it.
	shifting := v1alpha1.RolloutStatus{Function: "fn", Phase: v1alpha1.RolloutShifting, Live: "3", Trial: "4", Revision: "r4",
		TrialWeight: 10, Step: 1, Steps: 2, Started: since(undoAt.Add(-time.Minute)), StepSince: since(undoAt.Add(-time.Minute))}
	d = decideAt(shifting, Published{Version: "4", Revision: "r4"}, undoAt, "2")
	if d.Status.Phase != v1alpha1.RolloutRolledBack || d.Status.Live != "3" || d.Status.Trial != "4" || d.Routing != (Routing{Version: "3"}) ||
		!strings.Contains(d.Status.Reason, "aborted") {
		t.Errorf("undo during a trial: %+v", d)
	}
	// ... and the aborted trial's status holds with it.
	ab := roundTrip(t, d.Status)
	if d := decideAt(ab, Published{Version: "4", Revision: "r4"}, undoAt.Add(time.Minute), "2"); !reflect.DeepEqual(d.Status, ab) || d.Event != "" {
		t.Errorf("aborted by an undo, decided again: %+v", d)
	}
	// An undo older than the trial does not abort it.
	if c := CommandFor(Given{Command: Undo, At: undoAt.Add(-2 * time.Minute)}, shifting); c != "" {
		t.Errorf("an undo older than the trial counts: %q", c)
	}
}

func TestPreviousOf(t *testing.T) {
	for _, tc := range []struct {
		versions []string
		live     string
		keep     int
		want     string
	}{
		{[]string{"$LATEST", "1", "2", "3", "4"}, "3", 3, "2"},
		{[]string{"4", "1", "3"}, "3", 3, "1"},
		{[]string{"3", "4"}, "3", 3, ""},
		{[]string{"1", "2", "3"}, "3", 0, ""},
		{[]string{"1", "2", "3"}, "", 3, ""},
		{nil, "3", 3, ""},
	} {
		if got := PreviousOf(tc.versions, tc.live, tc.keep); got != tc.want {
			t.Errorf("PreviousOf(%v, %q, %d) = %q, want %q", tc.versions, tc.live, tc.keep, got, tc.want)
		}
	}
}
