package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
)

var rolloutNow = time.Date(2026, 12, 7, 10, 5, 0, 0, time.UTC)

func rollingStack() *v1alpha1.EventDrivenStack {
	started := metav1.NewTime(rolloutNow.Add(-2 * time.Minute))
	s := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders"}}
	s.Spec.Functions = []v1alpha1.Function{{Name: "orders", Rollout: &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutCanary, Percent: 10,
		Interval: &metav1.Duration{Duration: 5 * time.Minute}}}, {Name: "billing", Rollout: &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce}}, {Name: "plain"},
		{Name: "payments", Rollout: &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce}},
		{Name: "fresh", Rollout: &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce}},
		{Name: "pending", Rollout: &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce}}}
	s.Status.Rollouts = []v1alpha1.RolloutStatus{
		{Function: "orders", Phase: v1alpha1.RolloutShifting, Live: "3", Trial: "4", TrialWeight: 10, Step: 1, Steps: 2, Started: &started, StepSince: &started},
		{Function: "billing", Phase: v1alpha1.RolloutRolledBack, Live: "7", Trial: "8", StepSince: &started, Reason: "alarm billing-errors is in ALARM"},
		{Function: "payments", Phase: v1alpha1.RolloutPromoted, Live: "5", StepSince: &started},
		{Function: "fresh", Phase: v1alpha1.RolloutPromoted, Live: "1", StepSince: &started},
	}
	return s
}

func TestWriteRollouts(t *testing.T) {
	var out bytes.Buffer
	if err := writeRollouts(&out, rollingStack(), "", rolloutNow); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"FUNCTION  PHASE       LIVE  TRIAL  WEIGHT  STEP  SINCE     REASON",
		"orders    Shifting    3     4      10%     1/2   2m0s ago  -",
		"billing   RolledBack  7     8      -       -     2m0s ago  alarm billing-errors is in ALARM",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
	if err := writeRollouts(&out, rollingStack(), "plain", rolloutNow); err == nil || !strings.Contains(err.Error(), "function plain has no rollout") {
		t.Errorf("a function without a rollout: %v", err)
	}
}

// promote and abort write the annotation for a running trial only.
func TestSteer(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	stack := rollingStack()
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(stack).Build()
	ctx := context.Background()
	if err := steer(ctx, c, stack, "orders", rollout.Promote, rolloutNow); err != nil {
		t.Fatal(err)
	}
	got := &v1alpha1.EventDrivenStack{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(stack), got); err != nil {
		t.Fatal(err)
	}
	if v := got.Annotations[rollout.AnnotationCommands]; v != "orders=promote@2026-12-07T10:05:00Z" {
		t.Errorf("annotation %q", v)
	}
	for fn, want := range map[string]string{
		"billing": "no trial running: its rollout is RolledBack (live version 7)",
		"plain":   "has no rollout (spec.functions[].rollout)",
	} {
		if err := steer(ctx, c, got.DeepCopy(), fn, rollout.Abort, rolloutNow); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", fn, err, want)
		}
	}
}

// undo writes the annotation for a promoted version only, after the
// function's other commands; it refuses a trial (abort ends it), a rolled
// back rollout, a first version.
func TestUndo(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	stack := rollingStack()
	stack.Annotations = map[string]string{rollout.AnnotationCommands: "orders=promote@2026-12-07T10:04:00Z"}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(stack).Build()
	ctx := context.Background()
	if err := steer(ctx, c, stack.DeepCopy(), "payments", rollout.Undo, rolloutNow); err != nil {
		t.Fatal(err)
	}
	got := &v1alpha1.EventDrivenStack{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(stack), got); err != nil {
		t.Fatal(err)
	}
	if v := got.Annotations[rollout.AnnotationCommands]; v != "orders=promote@2026-12-07T10:04:00Z,payments=undo@2026-12-07T10:05:00Z" {
		t.Errorf("annotation %q", v)
	}
	// Written from a stale read of the stack: the optimistic lock refuses.
	if err := steer(ctx, c, stack.DeepCopy(), "payments", rollout.Undo, rolloutNow); err == nil || !strings.Contains(err.Error(), "writing the undo of function payments") {
		t.Errorf("a stale stack: %v", err)
	}
	for fn, want := range map[string]string{
		"orders":  "its rollout is Shifting (live version 3); a trial of version 4 is running: kubectl eds rollout abort orders orders ends it",
		"billing": "its rollout is RolledBack (live version 7); version 7 already takes all the traffic",
		"fresh":   "no earlier version: its live version 1 is its first",
		"pending": "has no rollout in the stack's status yet",
		"plain":   "has no rollout (spec.functions[].rollout)",
	} {
		if err := steer(ctx, c, got.DeepCopy(), fn, rollout.Undo, rolloutNow); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", fn, err, want)
		}
	}
}

// The undo command says what the operator needs to act on it.
func TestUndoCommand(t *testing.T) {
	var out bytes.Buffer
	cmd := newRolloutCommand(Streams{Out: &out, Err: &out})
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"undo", "--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"undo STACK FUNCTION", "version kept before it", "with none kept it does\nnothing", "revert the spec"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}
