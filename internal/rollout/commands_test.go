package rollout

import (
	"testing"
	"time"
)

// Commands round-trip through the annotation, one per function, and count
// only for a trial running when they were given.
func TestCommands(t *testing.T) {
	v := WithCommand("", "orders", Promote, t0)
	v = WithCommand(v, "billing", Abort, t0.Add(time.Second))
	v = WithCommand(v, "orders", Abort, t0.Add(time.Minute))
	if want := "billing=abort@2026-12-07T10:00:01Z,orders=abort@2026-12-07T10:01:00Z"; v != want {
		t.Fatalf("annotation %q, want %q", v, want)
	}
	got := ParseCommands(v + ",broken,x=explode@2026-12-07T10:00:00Z,y=promote@yesterday")
	if len(got) != 2 || got["orders"].Command != Abort || !got["orders"].At.Equal(t0.Add(time.Minute)) {
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
