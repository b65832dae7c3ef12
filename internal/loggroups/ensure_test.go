package loggroups

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
)

// newLogs starts a local AWS with a client that does not retry, so that an
// injected fault reaches the code under test.
func newLogs(t *testing.T) (*localaws.Server, *cloudwatchlogs.Client) {
	t.Helper()
	srv := localaws.New()
	return srv, cloudwatchlogs.NewFromConfig(srv.StartForTest(t))
}

// inventory records the calls made to it, in order.
type inventory struct {
	calls     []string
	intendErr error
}

func (i *inventory) Intend(_ context.Context, kind, name string) error {
	i.calls = append(i.calls, "intend "+kind+" "+name)
	return i.intendErr
}
func (i *inventory) Record(kind, name, _ string) { i.calls = append(i.calls, "record "+kind+" "+name) }
func (i *inventory) Forget(kind, name string)    { i.calls = append(i.calls, "forget "+kind+" "+name) }

// memo is a Memo that trusts what it holds.
type memo map[string]LogGroup

func (m memo) Known(name string) (LogGroup, bool) { lg, ok := m[name]; return lg, ok }
func (m memo) Remember(lg LogGroup)               { m[lg.Name] = lg }
func (m memo) Forget(name string)                 { delete(m, name) }

func want(name string, days int32) Want {
	return Want{Component: "logGroup/" + name, Name: "/aws/vendedlogs/states/" + name, RetentionDays: days}
}

// lines is an outcome as "name: state" lines.
func lines(o Outcome) []string {
	var out []string
	for _, l := range o.Lines {
		state := "ready"
		switch {
		case l.Err != nil && l.Stale:
			state = "not deleted"
		case l.Err != nil:
			state = "failed"
		}
		out = append(out, strings.TrimPrefix(l.Name, "/aws/vendedlogs/states/")+": "+state)
	}
	return out
}

func TestEnsure(t *testing.T) {
	tests := []struct {
		name string
		// before are the groups made first; remembered whether the memo
		// keeps what was made then.
		before     []Want
		remembered bool
		wanted     []Want
		stale      []string
		fault      localaws.Fault
		want       []string
		// wantInventory are the inventory's calls, wantMutating the
		// mutating calls, wantGroups the groups in AWS afterwards.
		wantInventory []string
		wantMutating  int
		wantErr       string
		wantTerminal  bool
		wantGroups    []string
		wantMemo      []string
	}{{
		name:          "new groups: recorded before they are made, with their retention",
		wanted:        []Want{want("a", 7), want("b", 30)},
		want:          []string{"a: ready", "b: ready"},
		wantInventory: []string{"intend LogGroup /aws/vendedlogs/states/a", "record LogGroup /aws/vendedlogs/states/a", "intend LogGroup /aws/vendedlogs/states/b", "record LogGroup /aws/vendedlogs/states/b"},
		wantMutating:  4, // CreateLogGroup and PutRetentionPolicy each
		wantGroups:    []string{"a", "b"},
		wantMemo:      []string{"a", "b"},
	}, {
		name:          "unchanged groups, read again: no mutating call",
		before:        []Want{want("a", 7)},
		wanted:        []Want{want("a", 7)},
		want:          []string{"a: ready"},
		wantInventory: []string{"record LogGroup /aws/vendedlogs/states/a"},
		wantGroups:    []string{"a"},
		wantMemo:      []string{"a"},
	}, {
		name:         "unchanged groups, remembered: no call at all",
		before:       []Want{want("a", 7)},
		remembered:   true,
		wanted:       []Want{want("a", 7)},
		want:         []string{"a: ready"},
		wantGroups:   []string{"a"},
		wantMemo:     []string{"a"},
		wantMutating: 0,
	}, {
		name:          "a new retention is put",
		before:        []Want{want("a", 7)},
		remembered:    true,
		wanted:        []Want{want("a", 14)},
		want:          []string{"a: ready"},
		wantInventory: []string{"record LogGroup /aws/vendedlogs/states/a"},
		wantMutating:  1,
		wantGroups:    []string{"a"},
		wantMemo:      []string{"a"},
	}, {
		name:          "a group no workflow logs to is deleted and taken off the inventory",
		before:        []Want{want("a", 7), want("b", 7)},
		remembered:    true,
		wanted:        []Want{want("a", 7)},
		stale:         []string{"b"},
		want:          []string{"a: ready"},
		wantInventory: []string{"forget LogGroup /aws/vendedlogs/states/b"},
		wantMutating:  1,
		wantGroups:    []string{"a"},
		wantMemo:      []string{"a"},
	}, {
		name:          "CloudWatch Logs refuses to create: stalled, taken off the inventory; the other group has its turn",
		wanted:        []Want{want("a", 7), want("b", 7)},
		fault:         localaws.Fault{Fail: []localaws.OpFailure{{Op: "logs:CreateLogGroup", Code: "AccessDeniedException", Naming: "states/a"}}},
		want:          []string{"a: failed", "b: ready"},
		wantInventory: []string{"intend LogGroup /aws/vendedlogs/states/a", "forget LogGroup /aws/vendedlogs/states/a", "intend LogGroup /aws/vendedlogs/states/b", "record LogGroup /aws/vendedlogs/states/b"},
		wantMutating:  3,
		wantErr:       "AccessDenied",
		wantTerminal:  true,
		wantGroups:    []string{"b"},
		wantMemo:      []string{"b"},
	}, {
		name:         "a stale group not deleted keeps its line and its inventory entry; a retry may fix it",
		before:       []Want{want("a", 7)},
		stale:        []string{"a"},
		fault:        localaws.Fault{Fail: []localaws.OpFailure{{Op: "logs:DeleteLogGroup", Code: "ServiceUnavailableException"}}},
		want:         []string{"a: not deleted"},
		wantMutating: 1,
		wantErr:      "ServiceUnavailable",
		wantGroups:   []string{"a"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, logs := newLogs(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			m := memo{}
			if o := Ensure(ctx, logs, tt.before, nil, nil, &inventory{}, m); o.Err != nil {
				t.Fatalf("making the groups before: %v", o.Err)
			}
			if !tt.remembered {
				clear(m)
			}
			var stale []v1alpha1.AWSResource
			for _, s := range tt.stale {
				stale = append(stale, v1alpha1.AWSResource{Kind: Kind, Name: want(s, 0).Name})
			}
			srv.ResetCalls()
			srv.SetFault(tt.fault)
			inv := &inventory{}
			o := Ensure(ctx, logs, tt.wanted, stale, map[string]string{"eventstack.io/stack": "shop/orders"}, inv, m)
			srv.ClearFault()
			if got := lines(o); !slices.Equal(got, tt.want) {
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
			for _, l := range o.Lines {
				if l.Err == nil && (l.ARN == "" || !strings.HasSuffix(l.ARN, ":*")) {
					t.Errorf("%s: ARN %q, want Step Functions' form ending in :*", l.Name, l.ARN)
				}
			}
			var groups []string
			for _, w := range []string{"a", "b"} {
				lg, err := Describe(ctx, logs, want(w, 0).Name)
				if err != nil {
					t.Fatal(err)
				}
				if lg.Exists {
					groups = append(groups, w)
				}
				if d := tt.wanted; lg.Exists && len(d) > 0 && d[0].Name == lg.Name && lg.RetentionDays != d[0].RetentionDays {
					t.Errorf("%s: retention %d, want %d", w, lg.RetentionDays, d[0].RetentionDays)
				}
			}
			if !slices.Equal(groups, tt.wantGroups) {
				t.Errorf("groups in AWS: got %q, want %q", groups, tt.wantGroups)
			}
			var remembered []string
			for _, w := range []string{"a", "b"} {
				if _, ok := m.Known(want(w, 0).Name); ok {
					remembered = append(remembered, w)
				}
			}
			if !slices.Equal(remembered, tt.wantMemo) {
				t.Errorf("remembered: got %q, want %q", remembered, tt.wantMemo)
			}
		})
	}
}

// A stack being deleted: every group goes, off the inventory; what is gone
// is done; the first that cannot go is named.
func TestDeleteAll(t *testing.T) {
	srv, logs := newLogs(t)
	ctx := context.Background()
	if o := Ensure(ctx, logs, []Want{want("a", 7)}, nil, nil, &inventory{}, memo{}); o.Err != nil {
		t.Fatal(o.Err)
	}
	groups := []v1alpha1.AWSResource{{Kind: Kind, Name: want("a", 0).Name}, {Kind: Kind, Name: want("gone", 0).Name}}
	srv.SetFault(localaws.Fault{Fail: []localaws.OpFailure{localaws.FailNth("logs:DeleteLogGroup", 1, "ServiceUnavailableException")}})
	inv := &inventory{}
	if name, err := DeleteAll(ctx, logs, groups, inv); err == nil || name != groups[0].Name || len(inv.calls) != 0 {
		t.Fatalf("got %q, %v, %q; want the first group named, its error, nothing forgotten", name, err, inv.calls)
	}
	if name, err := DeleteAll(ctx, logs, groups, inv); err != nil {
		t.Fatalf("DeleteAll: %s: %v", name, err)
	}
	if want := []string{"forget LogGroup " + groups[0].Name, "forget LogGroup " + groups[1].Name}; !slices.Equal(inv.calls, want) {
		t.Errorf("inventory: got %q, want %q", inv.calls, want)
	}
	if lg, _ := Describe(ctx, logs, groups[0].Name); lg.Exists {
		t.Error("the group is still there")
	}
}
