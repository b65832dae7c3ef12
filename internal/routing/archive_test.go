package routing

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
)

// archived is stack("a") whose bus keeps an archive.
func archived(days int32, pattern string) *v1alpha1.EventDrivenStack {
	s := stack("a")
	s.Spec.EventBus.Archive = &v1alpha1.EventArchive{RetentionDays: days}
	if pattern != "" {
		s.Spec.EventBus.Archive.EventPattern = &apiextensionsv1.JSON{Raw: []byte(pattern)}
	}
	return s
}

// withArchive is an outcome's lines with the archive's.
func withArchive(o Outcome) []string {
	out := summary(o)
	if a := o.Archive; a != nil {
		state := "ready"
		if a.Err != nil {
			state = "failed"
		}
		out = append(out, a.Kind+" "+a.Name+": "+state)
	}
	return out
}

func TestEnsureArchive(t *testing.T) {
	const orders = `{"source":["orders"]}`
	tests := []struct {
		name      string
		before    *v1alpha1.EventDrivenStack
		outOfBand func(*localaws.Server)
		stack     *v1alpha1.EventDrivenStack
		fault     localaws.Fault
		// want: the lines, the inventory's calls, the mutating calls, the
		// error; then the archive in AWS (nil: none).
		want          []string
		wantInventory []string
		wantMutating  int
		wantErr       string
		wantTerminal  bool
		wantArchive   *localaws.Archive
	}{{
		name:          "an archive added to the spec: recorded in the inventory before it is created",
		before:        stack("a"),
		stack:         archived(7, orders),
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Archive shop-bus-archive: ready"},
		wantInventory: []string{"record EventBus shop-bus", "intend Archive shop-bus-archive", "record Archive shop-bus-archive"},
		wantMutating:  1, // CreateArchive
		wantArchive:   &localaws.Archive{RetentionDays: 7, EventPattern: orders},
	}, {
		name:          "an unchanged archive costs no mutating call",
		before:        archived(7, orders),
		stack:         archived(7, orders),
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Archive shop-bus-archive: ready"},
		wantInventory: []string{"record EventBus shop-bus", "record Archive shop-bus-archive"},
		wantArchive:   &localaws.Archive{RetentionDays: 7, EventPattern: orders},
	}, {
		name:          "retention and pattern changed out of band are repaired",
		before:        archived(7, orders),
		outOfBand:     func(srv *localaws.Server) { srv.SetArchive("shop-bus-archive", ptr.To[int32](1), `{"source":["x"]}`) },
		stack:         archived(7, orders),
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Archive shop-bus-archive: ready"},
		wantInventory: []string{"record EventBus shop-bus", "record Archive shop-bus-archive"},
		wantMutating:  1, // UpdateArchive
		wantArchive:   &localaws.Archive{RetentionDays: 7, EventPattern: orders},
	}, {
		name:          "a pattern dropped from the spec: the archive keeps every event, and its events",
		before:        archived(7, orders),
		stack:         archived(0, ""),
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Archive shop-bus-archive: ready"},
		wantInventory: []string{"record EventBus shop-bus", "record Archive shop-bus-archive"},
		wantMutating:  1,
		wantArchive:   &localaws.Archive{EventPattern: everyEvent},
	}, {
		name:          "a new retention for an archive of every event: no pattern is set",
		before:        archived(7, ""),
		stack:         archived(30, ""),
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Archive shop-bus-archive: ready"},
		wantInventory: []string{"record EventBus shop-bus", "record Archive shop-bus-archive"},
		wantMutating:  1,
		wantArchive:   &localaws.Archive{RetentionDays: 30},
	}, {
		name:          "EventBridge refuses the archive: stalled, taken off the inventory; the rules still have their turn",
		before:        stack("a"),
		stack:         archived(7, ""),
		fault:         localaws.Fault{Fail: []localaws.OpFailure{{Op: "events:CreateArchive", Code: "AccessDeniedException"}}},
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Archive shop-bus-archive: failed"},
		wantInventory: []string{"record EventBus shop-bus", "intend Archive shop-bus-archive", "forget Archive shop-bus-archive"},
		wantMutating:  1,
		wantErr:       "events:CreateArchive",
		wantTerminal:  true,
	}, {
		name:          "a transient failure keeps the inventory entry: a retry finds out what was made",
		before:        stack("a"),
		stack:         archived(7, ""),
		fault:         localaws.Fault{Fail: []localaws.OpFailure{{Op: "events:CreateArchive", Code: "InternalException", AfterApplying: true}}},
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Archive shop-bus-archive: failed"},
		wantInventory: []string{"record EventBus shop-bus", "intend Archive shop-bus-archive"},
		wantMutating:  1,
		wantErr:       "InternalException",
		wantArchive:   &localaws.Archive{RetentionDays: 7},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := newAWS(t)
			if o := ensure(t, c, tt.before, observed(), &inventory{}); o.Err != nil {
				t.Fatalf("ensuring the stack before: %v", o.Err)
			}
			if tt.outOfBand != nil {
				tt.outOfBand(srv)
			}
			srv.ResetCalls()
			srv.SetFault(tt.fault)
			inv := &inventory{}
			o := ensure(t, c, tt.stack, observed(), inv)
			srv.ClearFault()
			if got := withArchive(o); !slices.Equal(got, tt.want) {
				t.Errorf("lines: got %q, want %q", got, tt.want)
			}
			if !slices.Equal(inv.calls, tt.wantInventory) {
				t.Errorf("inventory: got %q, want %q", inv.calls, tt.wantInventory)
			}
			if got := srv.MutatingCalls(); got != tt.wantMutating {
				t.Errorf("mutating calls: got %d (%v), want %d", got, srv.Calls(), tt.wantMutating)
			}
			switch {
			case tt.wantErr == "" && o.Err != nil:
				t.Errorf("error: %v", o.Err)
			case tt.wantErr != "" && (o.Err == nil || !strings.Contains(o.Err.Error(), tt.wantErr)):
				t.Errorf("error: got %v, want one with %q", o.Err, tt.wantErr)
			}
			if _, terminal := outcome.IsTerminal(o.Err); terminal != tt.wantTerminal {
				t.Errorf("terminal: got %v, want %v", terminal, tt.wantTerminal)
			}
			a, ok := srv.Archive("shop-bus-archive")
			switch {
			case ok != (tt.wantArchive != nil):
				t.Errorf("archive in AWS: %v, want %v", ok, tt.wantArchive != nil)
			case ok && (a.RetentionDays != tt.wantArchive.RetentionDays || a.EventPattern != tt.wantArchive.EventPattern ||
				a.EventSourceArn != "arn:aws:events:us-east-1:123456789012:event-bus/shop-bus"):
				t.Errorf("archive in AWS: retention %d, pattern %s, source %s; want %d, %s", a.RetentionDays, a.EventPattern,
					a.EventSourceArn, tt.wantArchive.RetentionDays, tt.wantArchive.EventPattern)
			}
		})
	}
}

// What Ensure knows of the archive is kept in the State: within the routing
// memo's interval an unchanged stack makes no call for it at all, once the
// archive is no longer CREATING.
func TestEnsureArchiveRemembered(t *testing.T) {
	srv, c := newAWS(t)
	srv.SetDelays(localaws.Delays{}) // ENABLED at once: a CREATING archive is read until it is not
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := archived(7, "")
	bus, err := Observe(ctx, c.EventBridge, "shop-bus")
	if err != nil {
		t.Fatal(err)
	}
	st := &State{Bus: bus, Policies: map[string]map[string]Statement{}}
	// The first makes it (CREATING), the second reads it ENABLED, the third
	// knows it.
	for i := range 3 {
		if i == 2 {
			srv.ResetCalls()
		}
		if o := Ensure(ctx, c, st, Input{Stack: s, Observed: observed(), Inventory: &inventory{}}); o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	for op, n := range srv.Calls() {
		if strings.Contains(op, "Archive") {
			t.Errorf("the third Ensure called %s %d times", op, n)
		}
	}
	if got := ArchiveMessage(st.Bus.Archive); got != "keeps events 7 days (ENABLED)" {
		t.Errorf("message: %q", got)
	}
}

// DeleteArchive deletes; an archive already gone is done.
func TestDeleteArchive(t *testing.T) {
	srv, c := newAWS(t)
	if o := ensure(t, c, archived(0, ""), observed(), &inventory{}); o.Err != nil {
		t.Fatal(o.Err)
	}
	for range 2 {
		if err := DeleteArchive(context.Background(), c.EventBridge, "shop-bus-archive"); err != nil {
			t.Fatal(err)
		}
	}
	if names := srv.ArchiveNames(); len(names) != 0 {
		t.Errorf("archives left: %v", names)
	}
}
