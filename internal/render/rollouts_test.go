package render

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

const processor = "event-order-processor"

// rolloutSeed is the seed with a canary rollout of the order processor: a
// rule's target, an SQS consumer and a state of the workflow.
func rolloutSeed(t *testing.T) *v1alpha1.EventDrivenStack {
	stack := withoutAlarms(loadSeed(t))
	for i := range stack.Spec.Functions {
		if stack.Spec.Functions[i].Name == processor {
			stack.Spec.Functions[i].Rollout = &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: 10,
				Interval: &metav1.Duration{Duration: 5 * time.Minute}, KeepVersions: ptr.To[int32](1)}
		}
	}
	return stack
}

// deployed makes the observed Function child of the processor the rendered
// one, run by Lambda with the given code hash.
func deployed(t *testing.T, stack *v1alpha1.EventDrivenStack, obs *Observed, sha string) string {
	t.Helper()
	fn := object[*ack.Function](t, mustRender(t, stack, *obs), "Function", child(processor)).DeepCopy()
	fn.Status.CodeSHA256 = ptr.To(sha)
	rev := fn.Annotations[AnnotationRevision]
	if rev == "" || rev != Revision(fn) {
		t.Fatalf("the Function child carries revision %q, its spec is revision %s", rev, Revision(fn))
	}
	if obs.Children == nil {
		obs.Children = map[string]ack.Object{}
	}
	obs.Children[Key(refs.Function, processor)] = fn
	obs.Deployed = map[string]string{Key(refs.Function, processor): rev}
	return rev
}

// A function with a rollout: its Version child waits until Lambda runs the
// revision, then publishes that code; its alias waits for a first version;
// every caller (the queue's mapping, the rule's target, the workflow's
// states) waits for the alias and then invokes it, never $LATEST; the rule's
// permission is in the alias's spec, not granted by the routing.
func TestRolloutChildrenAndCallers(t *testing.T) {
	stack := rolloutSeed(t)
	obs := seedObserved()
	obs.Account = account
	res := mustRender(t, stack, obs)
	fn := object[*ack.Function](t, res, "Function", child(processor))
	rev := fn.Annotations[AnnotationRevision]
	if v := find(t, res, "Version", child(processor+"."+rev)); v.Object != nil ||
		!slices.Equal(v.Needs, []Dependency{dep("Function", child(processor), "revision "+rev+" deployed")}) {
		t.Errorf("the Version before Lambda runs the revision: %+v", v)
	}
	if a := find(t, res, "Alias", child(processor+".live")); a.Object != nil || len(a.Needs) != 1 || a.Needs[0].What != "version number" {
		t.Errorf("the alias before a version: %+v", a)
	}
	aliasKey := Key(AliasKind, processor)
	if m := find(t, res, "EventSourceMapping", esm(processor, "order-queue")); m.Object != nil || !slices.Equal(m.Needs, []Dependency{dep("Alias", child(processor+".live"), "ARN")}) {
		t.Errorf("the mapping waits for the alias: %+v", m)
	}
	if find(t, res, "EventSourceMapping", esm("event-inventory-processor", "inventory-queue")).Object == nil {
		t.Error("a function without a rollout is invoked as before")
	}
	plan, err := BuildRouting(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	if r := plan.Rules[0]; r.PutTargets != nil || !slices.Contains(r.Needs, dep("Alias", child(processor+".live"), "ARN")) {
		t.Errorf("the rule waits for the alias: %+v", r.Needs)
	}

	deployed(t, stack, &obs, "NEWsha=")
	v := object[*ack.Version](t, mustRender(t, stack, obs), "Version", child(processor+"."+rev))
	if ptr.Deref(v.Spec.CodeSHA256, "") != "NEWsha=" || ptr.Deref(v.Spec.FunctionName, "") != processor ||
		v.Annotations[AnnotationRevision] != rev || v.Annotations[AnnotationComponent] != VersionKey(processor, rev) {
		t.Errorf("the Version publishes what Lambda runs: %+v %v", v.Spec, v.Annotations)
	}

	// Version 1 live, version 2 on trial at 10%.
	stack.Status.Rollouts = []v1alpha1.RolloutStatus{{Function: processor, Phase: v1alpha1.RolloutShifting, Live: "1", Trial: "2", TrialWeight: 10, Step: 1, Steps: 2}}
	aliasARN := functionARN(processor) + ":live"
	obs.ARNs[aliasKey] = aliasARN
	res = mustRender(t, stack, obs)
	a := object[*ack.Alias](t, res, "Alias", child(processor+".live"))
	if ptr.Deref(a.Spec.Name, "") != "live" || ptr.Deref(a.Spec.FunctionVersion, "") != "1" || len(a.Spec.RoutingConfig.AdditionalVersionWeights) != 1 ||
		*a.Spec.RoutingConfig.AdditionalVersionWeights["2"] != 0.1 {
		t.Errorf("the alias routes 10%% to version 2: %+v", a.Spec)
	}
	if len(a.Spec.Permissions) != 1 {
		t.Fatalf("the alias's permissions: %+v, want the one of the rule that targets it", a.Spec.Permissions)
	}
	for _, p := range a.Spec.Permissions {
		if *p.Principal != "events.amazonaws.com" || !strings.HasPrefix(*p.SourceARN, "arn:aws:events:us-east-1:"+account+":rule/custom-event-bus/") ||
			!strings.HasPrefix(*p.StatementID, PermissionPrefix) {
			t.Errorf("permission %+v", p)
		}
	}
	if m := object[*ack.EventSourceMapping](t, res, "EventSourceMapping", esm(processor, "order-queue")); *m.Spec.FunctionName != aliasARN {
		t.Errorf("the mapping invokes %s, want the alias", *m.Spec.FunctionName)
	}
	sm := object[*ack.StateMachine](t, res, "StateMachine", child("event-driven-workflow"))
	if !strings.Contains(*sm.Spec.Definition, `"`+aliasARN+`"`) || strings.Contains(*sm.Spec.Definition, `"`+functionARN(processor)+`"`) {
		t.Errorf("the workflow invokes the processor's function, not its alias: %s", *sm.Spec.Definition)
	}
	plan, err = BuildRouting(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	var perms []string
	for _, r := range plan.Rules {
		for _, target := range r.PutTargets.Targets {
			if strings.Contains(*target.Arn, ":function:"+processor) && *target.Arn != aliasARN {
				t.Errorf("rule %s targets %s, want the alias", r.Name, *target.Arn)
			}
		}
		for _, p := range r.Permissions {
			perms = append(perms, *p.FunctionName)
		}
	}
	if slices.Contains(perms, aliasARN) || slices.Contains(perms, functionARN(processor)) {
		t.Errorf("the routing grants %v: a function with a rollout has its permissions in its alias", perms)
	}

	// Back on one version: the weights are cleared by an explicit {}
	// (ack-behaviour row 32) while the child still routes; once
	// lambda-controller wrote back that it routes nothing, none (row 34).
	obs.Children[aliasKey] = a
	stack.Status.Rollouts = []v1alpha1.RolloutStatus{{Function: processor, Phase: v1alpha1.RolloutPromoted, Live: "2"}}
	a = object[*ack.Alias](t, mustRender(t, stack, obs), "Alias", child(processor+".live"))
	if *a.Spec.FunctionVersion != "2" || a.Spec.RoutingConfig == nil || a.Spec.RoutingConfig.AdditionalVersionWeights == nil || len(a.Spec.RoutingConfig.AdditionalVersionWeights) != 0 {
		t.Errorf("promoted, the weights to clear: %+v", a.Spec)
	}
	cleared := a.DeepCopy()
	cleared.Spec.RoutingConfig = nil
	obs.Children[aliasKey] = cleared
	if a = object[*ack.Alias](t, mustRender(t, stack, obs), "Alias", child(processor+".live")); a.Spec.RoutingConfig != nil {
		t.Errorf("promoted, the weights cleared: %+v", a.Spec.RoutingConfig)
	}
}

// The Version children kept are the live version's, the trial's and
// keepVersions before the live one, as they are (never edited); the others
// are left out, so pruned: an unpublished one of an earlier revision too
// (without status.version lambda-controller finds nothing to delete).
func TestRolloutKeepsVersions(t *testing.T) {
	stack := rolloutSeed(t)
	obs := seedObserved()
	obs.Account = account
	rev := deployed(t, stack, &obs, "NEWsha=")
	old := func(number, sha string) *ack.Version {
		v := &ack.Version{Spec: ack.VersionSpec{FunctionName: ptr.To(processor), CodeSHA256: ptr.To(sha), Description: ptr.To("revision r" + number)}}
		if number != "" {
			v.Status.Version = ptr.To(number)
		}
		return v
	}
	for _, n := range []string{"1", "2", "3", "4"} {
		obs.Children[VersionKey(processor, "r"+n)] = old(n, "sha"+n)
	}
	obs.Children[VersionKey(processor, "r-unpublished")] = old("", "sha5")
	stack.Status.Rollouts = []v1alpha1.RolloutStatus{{Function: processor, Phase: v1alpha1.RolloutShifting, Live: "3", Trial: "4", TrialWeight: 10}}
	var kept []string
	for _, c := range mustRender(t, stack, obs).Children {
		if c.Kind != "Version" {
			continue
		}
		kept = append(kept, strings.TrimPrefix(c.Component, VersionKey(processor, "")))
		if v, ok := c.Object.(*ack.Version); ok && c.Component == VersionKey(processor, "r2") && *v.Spec.CodeSHA256 != "sha2" {
			t.Errorf("a kept Version is rendered as it is: %+v", v.Spec)
		}
	}
	sort.Strings(kept)
	// keepVersions 1: version 2 before live 3; the trial 4; the revision
	// being published.
	if want := []string{"r2", "r3", "r4", rev}; !slices.Equal(kept, sortedCopy(want)) {
		t.Errorf("Version children %v, want %v", kept, sortedCopy(want))
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}
