package controller_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
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
