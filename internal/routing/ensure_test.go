package routing

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:orders-fn"

// newAWS starts a local AWS with clients that do not retry, so that an
// injected fault reaches the code under test.
func newAWS(t *testing.T) (*localaws.Server, *awsapi.Clients) {
	t.Helper()
	srv := localaws.New()
	cfg := srv.StartForTest(t)
	return srv, &awsapi.Clients{EventBridge: eventbridge.NewFromConfig(cfg), Lambda: lambda.NewFromConfig(cfg)}
}

// stack has a bus and the given rules, each sending to the function fn.
func stack(rules ...string) *v1alpha1.EventDrivenStack {
	s := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders"}}
	s.Spec.NamePrefix = "shop-"
	s.Spec.EventBus = &v1alpha1.EventBus{Name: "bus"}
	s.Spec.Functions = []v1alpha1.Function{{Name: "fn"}}
	for _, r := range rules {
		s.Spec.Rules = append(s.Spec.Rules, v1alpha1.Rule{Name: r,
			EventPattern: &apiextensionsv1.JSON{Raw: []byte(`{"source":["` + r + `"]}`)},
			Targets:      []v1alpha1.RuleTarget{{Function: "fn"}}})
	}
	return s
}

// observed holds what ACK would have reported: the function's and the
// EventBridge dead-letter queue's ARNs.
// transformed gives each target of a stack's first rule an input transformer.
func transformed(s *v1alpha1.EventDrivenStack) *v1alpha1.EventDrivenStack {
	for i := range s.Spec.Rules[0].Targets {
		s.Spec.Rules[0].Targets[i].InputTransformer = &v1alpha1.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.orderId"}, InputTemplate: `{"order": <id>}`}
	}
	return s
}

func observed() render.Observed {
	return render.Observed{ARNs: map[string]string{
		render.Key(refs.Function, "fn"): fnARN,
		"eventbridge/dlq":               "arn:aws:sqs:us-east-1:123456789012:shop-events-dlq",
	}, URLs: map[string]string{}}
}

// inventory records the calls Ensure makes, in order, and the entries they
// leave.
type inventory struct {
	calls     []string
	intendErr error
	entries   map[string]bool // kind/name
}

func (i *inventory) Intend(_ context.Context, kind, name string) error {
	i.calls = append(i.calls, "intend "+kind+" "+name)
	if i.intendErr == nil {
		i.set(kind, name, true)
	}
	return i.intendErr
}

func (i *inventory) Record(kind, name, _ string) {
	i.calls = append(i.calls, "record "+kind+" "+name)
	i.set(kind, name, true)
}

func (i *inventory) Forget(kind, name string) {
	i.calls = append(i.calls, "forget "+kind+" "+name)
	i.set(kind, name, false)
}

func (i *inventory) set(kind, name string, on bool) {
	if i.entries == nil {
		i.entries = map[string]bool{}
	}
	if on {
		i.entries[kind+"/"+name] = true
	} else {
		delete(i.entries, kind+"/"+name)
	}
}

// listed are the names of a kind's entries, sorted.
func (i *inventory) listed(kind string) []string {
	var out []string
	for k := range i.entries {
		if name, ok := strings.CutPrefix(k, kind+"/"); ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ensure reads the routing as the controller does, then ensures it.
func ensure(t *testing.T, c *awsapi.Clients, s *v1alpha1.EventDrivenStack, obs render.Observed, inv *inventory, reported ...string) Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bus, err := Observe(ctx, c.EventBridge, s.Spec.NamePrefix+s.Spec.EventBus.Name)
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	listed := inv.listed(KindScheduledRule)
	scheduled, err := ObserveScheduled(ctx, c.EventBridge, append(render.ScheduledRules(s), listed...))
	if err != nil {
		t.Fatalf("ObserveScheduled: %v", err)
	}
	// As the controller does, in place: the caller reads obs.ARNs after.
	maps.Copy(obs.ARNs, render.Inputs{Observed: obs, EventBridge: Seen(bus, scheduled)}.Effective(s).ARNs)
	rep := map[string]bool{}
	for _, r := range reported {
		rep[r] = true
	}
	return Ensure(ctx, c, &State{Bus: bus, Scheduled: scheduled, Policies: map[string]map[string]Statement{}},
		Input{Stack: s, Observed: obs, Reported: rep, Scheduled: listed, Inventory: inv})
}

// summary is an outcome as "kind name: state" lines.
func summary(o Outcome) []string {
	var out []string
	line := func(l Line) {
		state := "ready"
		switch {
		case l.Err != nil:
			state = "failed"
		case len(l.Waits) > 0:
			state = "waiting"
		}
		out = append(out, l.Kind+" "+l.Name+": "+state)
	}
	if o.Bus != nil {
		line(*o.Bus)
	}
	for _, l := range o.Rules {
		line(l)
	}
	return out
}

func TestEnsure(t *testing.T) {
	tests := []struct {
		name string
		// before is the stack ensured first (nil: nothing); reported the
		// rules its status lists.
		before   *v1alpha1.EventDrivenStack
		stack    *v1alpha1.EventDrivenStack
		reported []string
		obs      func() render.Observed
		fault    localaws.Fault
		// want: the outcome's lines, the inventory's calls, whether a rule
		// got its first ARN, how many mutating calls, and the error.
		want          []string
		wantInventory []string
		wantLearned   bool
		wantMutating  int
		wantErr       string
		wantTerminal  bool
		// wantRules are the rules the bus holds afterwards, wantPermissions
		// the operator's statements on the function.
		wantRules       []string
		wantPermissions int
	}{{
		name:          "a new stack: the bus recorded before it is created, rules, targets, one permission each",
		stack:         stack("a", "b"),
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Rule shop-b: ready"},
		wantInventory: []string{"intend EventBus shop-bus", "record EventBus shop-bus"},
		wantLearned:   true,
		// CreateEventBus, 2 PutRule, 2 PutTargets, 2 AddPermission.
		wantMutating:    7,
		wantRules:       []string{"shop-a", "shop-b"},
		wantPermissions: 2,
	}, {
		name:            "an unchanged stack costs no mutating call",
		before:          stack("a", "b"),
		stack:           stack("a", "b"),
		want:            []string{"EventBus shop-bus: ready", "Rule shop-a: ready", "Rule shop-b: ready"},
		wantInventory:   []string{"record EventBus shop-bus"},
		wantRules:       []string{"shop-a", "shop-b"},
		wantPermissions: 2,
	}, {
		name:          "a rule removed from the spec is deleted with its target and permission",
		before:        stack("a", "b"),
		stack:         stack("a"),
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: ready"},
		wantInventory: []string{"record EventBus shop-bus"},
		// RemoveTargets, DeleteRule, RemovePermission.
		wantMutating:    3,
		wantRules:       []string{"shop-a"},
		wantPermissions: 1,
	}, {
		name:          "a target whose ARN is not known yet waits; the rule is put",
		stack:         stack("a"),
		obs:           func() render.Observed { o := observed(); delete(o.ARNs, "function/fn"); return o },
		want:          []string{"EventBus shop-bus: ready", "Rule shop-a: waiting"},
		wantInventory: []string{"intend EventBus shop-bus", "record EventBus shop-bus"},
		wantLearned:   true,
		wantMutating:  2,
		wantRules:     []string{"shop-a"},
	}, {
		name:   "one rule's PutRule fails: the other still has its turn, nothing is pruned",
		before: stack("a", "b", "c"),
		stack: func() *v1alpha1.EventDrivenStack {
			s := stack("a", "b")
			s.Spec.Rules[0].Description = "changed"
			return s
		}(),
		fault:           localaws.Fault{Fail: []localaws.OpFailure{{Op: "events:PutRule", Code: "InternalException", Naming: "shop-a"}}},
		want:            []string{"EventBus shop-bus: ready", "Rule shop-a: failed", "Rule shop-b: ready"},
		wantInventory:   []string{"record EventBus shop-bus"},
		wantMutating:    1, // the failed PutRule
		wantErr:         "InternalException",
		wantRules:       []string{"shop-a", "shop-b", "shop-c"},
		wantPermissions: 3,
	}, {
		name:   "a target's input transformer added: one PutTargets",
		before: stack("a"),
		stack:  transformed(stack("a")),
		want:   []string{"EventBus shop-bus: ready", "Rule shop-a: ready"},
		// PutTargets.
		wantInventory:   []string{"record EventBus shop-bus"},
		wantMutating:    1,
		wantRules:       []string{"shop-a"},
		wantPermissions: 1,
	}, {
		name:            "an unchanged input transformer costs no mutating call",
		before:          transformed(stack("a")),
		stack:           transformed(stack("a")),
		want:            []string{"EventBus shop-bus: ready", "Rule shop-a: ready"},
		wantInventory:   []string{"record EventBus shop-bus"},
		wantRules:       []string{"shop-a"},
		wantPermissions: 1,
	}, {
		name:          "AWS refuses the bus: stalled, taken off the inventory, the rules not reached",
		stack:         stack("a"),
		fault:         localaws.Fault{Fail: []localaws.OpFailure{{Op: "events:CreateEventBus", Code: "AccessDeniedException"}}},
		want:          []string{"EventBus shop-bus: failed"},
		wantInventory: []string{"intend EventBus shop-bus", "forget EventBus shop-bus"},
		wantMutating:  1,
		wantErr:       "AccessDenied",
		wantTerminal:  true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := newAWS(t)
			if tt.before != nil {
				if o := ensure(t, c, tt.before, observed(), &inventory{}); o.Err != nil {
					t.Fatalf("ensuring the stack before: %v", o.Err)
				}
			}
			srv.ResetCalls()
			srv.SetFault(tt.fault)
			obs := observed()
			if tt.obs != nil {
				obs = tt.obs()
			}
			inv := &inventory{}
			o := ensure(t, c, tt.stack, obs, inv, tt.reported...)
			if got := summary(o); !slices.Equal(got, tt.want) {
				t.Errorf("lines: got %q, want %q", got, tt.want)
			}
			if !slices.Equal(inv.calls, tt.wantInventory) {
				t.Errorf("inventory: got %q, want %q", inv.calls, tt.wantInventory)
			}
			if o.Learned != tt.wantLearned {
				t.Errorf("learned: got %v, want %v", o.Learned, tt.wantLearned)
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
			srv.ClearFault()
			bus, err := Observe(context.Background(), c.EventBridge, "shop-bus")
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for name := range bus.Rules {
				rules = append(rules, name)
			}
			slices.Sort(rules)
			if !slices.Equal(rules, tt.wantRules) {
				t.Errorf("rules in AWS: got %q, want %q", rules, tt.wantRules)
			}
			have, err := Permissions(context.Background(), c.Lambda, fnARN)
			if err != nil {
				t.Fatal(err)
			}
			if len(have) != tt.wantPermissions {
				t.Errorf("the operator's permissions on the function: got %d, want %d", len(have), tt.wantPermissions)
			}
		})
	}
}

// An adopted bus holds rules of others: only the stack's own (reported
// before, or tagged with the stack) are pruned.
func TestEnsurePrunesOnlyTheStacksOwnRulesOnAnAdoptedBus(t *testing.T) {
	srv, c := newAWS(t)
	ctx := context.Background()
	s := stack("a", "mine", "reported")
	if o := ensure(t, c, s, observed(), &inventory{}); o.Err != nil {
		t.Fatal(o.Err)
	}
	if _, err := c.EventBridge.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("theirs"), EventBusName: aws.String("shop-bus"),
		EventPattern: aws.String(`{"source":["x"]}`)}); err != nil {
		t.Fatal(err)
	}
	adopting := stack("a")
	adopting.Spec.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate}
	srv.ResetCalls()
	o := ensure(t, c, adopting, observed(), &inventory{}, "shop-reported")
	if o.Err != nil {
		t.Fatal(o.Err)
	}
	bus, err := Observe(ctx, c.EventBridge, "shop-bus")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"shop-a": true, "shop-mine": false, "shop-reported": false, "theirs": true} {
		if _, have := bus.Rules[name]; have != want {
			t.Errorf("rule %s: in AWS %v, want %v", name, have, want)
		}
	}
	if n := srv.Calls()["events:ListTagsForResource"]; n != 2 {
		t.Errorf("tags read of %d rules, want 2 (the unreported ones)", n)
	}
}

// Delete removes the operator's permissions, the rules with their targets,
// then the bus; deleting what is gone is done.
func TestDelete(t *testing.T) {
	_, c := newAWS(t)
	ctx := context.Background()
	if o := ensure(t, c, stack("a", "b"), observed(), &inventory{}); o.Err != nil {
		t.Fatal(o.Err)
	}
	for range 2 {
		if err := Delete(ctx, c, "shop-bus", []string{fnARN}); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	bus, err := Observe(ctx, c.EventBridge, "shop-bus")
	if err != nil {
		t.Fatal(err)
	}
	if bus.Exists {
		t.Error("the bus is still there")
	}
	have, err := Permissions(ctx, c.Lambda, fnARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != 0 {
		t.Errorf("permissions left on the function: %v", have)
	}
}

// An inventory that cannot record the bus stops Ensure before anything is
// created, with no line: the status says the routing was not reconciled.
func TestEnsureCreatesNothingItCannotRecord(t *testing.T) {
	srv, c := newAWS(t)
	o := ensure(t, c, stack("a"), observed(), &inventory{intendErr: errors.New("status write refused")})
	if o.Err == nil || o.Bus != nil || srv.MutatingCalls() != 0 {
		t.Errorf("got %+v and %d mutating calls, want the error, no line, no call", o, srv.MutatingCalls())
	}
}
