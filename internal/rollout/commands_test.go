package rollout

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// Commands round-trip through the annotation, one per function, and count
// only for a trial running when they were given.
func TestCommands(t *testing.T) {
	v := WithCommand("", "orders", Promote, t0)
	v = WithCommand(v, "billing", Abort, t0.Add(time.Second))
	v = WithCommand(v, "orders", Abort, t0.Add(time.Minute))
	v = WithCommand(v, "payments", Undo, t0.Add(2*time.Minute))
	if want := "billing=abort@2026-12-07T10:00:01Z,orders=abort@2026-12-07T10:01:00Z,payments=undo@2026-12-07T10:02:00Z"; v != want {
		t.Fatalf("annotation %q, want %q", v, want)
	}
	got := ParseCommands(v + ",broken,x=explode@2026-12-07T10:00:00Z,y=promote@yesterday")
	if len(got) != 3 || got["payments"].Command != Undo || got["orders"].Command != Abort || !got["orders"].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("parsed %+v", got)
	}
	if c := got["orders"].For(t0); c != Abort {
		t.Errorf("a command given during the trial: %q", c)
	}
	if c := got["orders"].For(t0.Add(time.Hour)); c != "" {
		t.Errorf("a command given before the trial started counts: %q", c)
	}
	if c := (Given{}).For(t0); c != "" {
		t.Errorf("no command: %q", c)
	}
}

// CommandFor ties a command to the trial's start while one runs, and to the
// time the status entered its phase otherwise.
func TestCommandFor(t *testing.T) {
	g := Given{Command: Undo, At: t0}
	at := func(d time.Duration) *metav1.Time { return since(t0.Add(d)) }
	for _, tc := range []struct {
		name string
		st   v1alpha1.RolloutStatus
		want Command
	}{
		{"a trial started before", v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutShifting, Trial: "2", Started: at(-time.Hour), StepSince: at(time.Second)}, Undo},
		{"a trial started after", v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutVerifying, Trial: "2", Started: at(time.Second), StepSince: at(time.Second)}, ""},
		{"promoted before", v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutPromoted, Live: "2", StepSince: at(-time.Hour)}, Undo},
		{"promoted in the same second", v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutPromoted, Live: "2", StepSince: at(0)}, Undo},
		{"promoted after", v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutPromoted, Live: "2", StepSince: at(time.Second)}, ""},
		{"rolled back after", v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutRolledBack, Live: "1", Trial: "2", Started: at(-time.Hour), StepSince: at(time.Minute)}, ""},
		{"no time recorded", v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutPromoted, Live: "2"}, ""},
	} {
		if got := CommandFor(g, tc.st); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
