package controller_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
)

// Whatever the deletion policy, nothing is remembered of a stack once it is
// deleted: one registry, forgotten on both finalize branches (the log-group
// memo used to outlive a stack deleted with Retain).
func TestNothingIsRememberedOfADeletedStack(t *testing.T) {
	for _, policy := range []v1alpha1.DeletionPolicy{v1alpha1.DeletionPolicyDelete, v1alpha1.DeletionPolicyRetain} {
		t.Run(string(policy), func(t *testing.T) {
			ctx := context.Background()
			ns := newNamespace(t)
			r := directReconciler(t)
			r.ResyncInterval = time.Minute // so that the routing and log groups are remembered
			stack, req := directStackWith(t, ns, "memo-"+strings.ToLower(string(policy))+"-", func(s *v1alpha1.EventDrivenStack) {
				s.Spec.DeletionPolicy = policy
				s.Spec.Workflows[0].Logging = &v1alpha1.WorkflowLogging{Level: "ERROR", RetentionDays: 14}
			})
			for range 3 {
				if _, err := r.Reconcile(ctx, req); err != nil {
					t.Fatal(err)
				}
			}
			had := r.Remembered(req.NamespacedName)
			for _, want := range []string{"the status written", "the routing", "log groups"} {
				if !slices.Contains(had, want) {
					t.Fatalf("remembered %q before the delete, want %q among them: the test would prove nothing", had, want)
				}
			}
			if err := k8s.Delete(ctx, stack); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5 && !stackGone(t, stack); i++ {
				if _, err := r.Reconcile(ctx, req); err != nil {
					t.Fatalf("deleting: %v", err)
				}
			}
			if !stackGone(t, stack) {
				t.Fatalf("the stack is still there: %+v", getStack(t, ns, stack.Name).Status.Conditions)
			}
			if left := r.Remembered(req.NamespacedName); left != nil {
				t.Errorf("remembered of the deleted stack: %q", left)
			}
			// The reconcile the deletion's watch event brings finds it gone.
			if _, err := r.Reconcile(ctx, req); err != nil || r.Remembered(req.NamespacedName) != nil {
				t.Errorf("after NotFound: %v, remembered %q", err, r.Remembered(req.NamespacedName))
			}
		})
	}
}

// A settled stack keeps no reported generation of its children in memory:
// its status records them (a memo per child of 1,000 stacks was 1.7 KB a
// stack), and what it records still counts once the memo is dropped.
func TestSettledStackRemembersNoReports(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	r := directReconciler(t)
	stack, req := directStackWith(t, ns, "memo-settled-", nil)
	ready := false
	for i := 0; i < 30 && !ready; i++ {
		if _, err := r.Reconcile(ctx, req); err != nil {
			t.Fatal(err)
		}
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil {
			t.Fatal(err)
		}
		ready = meta.IsStatusConditionTrue(getStack(t, ns, stack.Name).Status.Conditions, v1alpha1.ConditionReady)
	}
	if !ready {
		t.Fatalf("not Ready: %+v", getStack(t, ns, stack.Name).Status.Conditions)
	}
	if _, err := r.Reconcile(ctx, req); err != nil { // reads the status the last one wrote
		t.Fatal(err)
	}
	if had := r.Remembered(req.NamespacedName); slices.Contains(had, "children reported") {
		t.Fatalf("a settled stack remembers %q", had)
	}
	if _, err := r.Reconcile(ctx, req); err != nil {
		t.Fatal(err)
	}
	if got := getStack(t, ns, stack.Name); !meta.IsStatusConditionTrue(got.Status.Conditions, v1alpha1.ConditionReady) {
		t.Fatalf("Ready no more without the memo: %+v", got.Status.Conditions)
	}
}
