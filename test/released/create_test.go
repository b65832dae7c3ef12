package released

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/harness"
)

// The seed goes to Ready through the real controllers; then, idle for 60 s,
// neither the operator nor any controller makes a mutating AWS call, and
// nothing writes to the stack or its children. It runs before the parallel
// scenarios, alone, so that every call counted is its own.
func TestSeedIsReadyThenIdleCostsNothing(t *testing.T) {
	stack := seedStack(t, "idle-")
	start := time.Now()
	create(t, stack)
	t.Logf("seed stack Ready in %s with the released controllers", time.Since(start).Round(100*time.Millisecond))

	// The controllers' own follow-ups end first: lambda-controller looks
	// again at a function it created Pending after 30 s.
	start = time.Now()
	waitACKSynced(t, stack, time.Minute)
	t.Logf("ACK reports every child synced %s later", time.Since(start).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second)
	versions := resourceVersions(t, stack)
	fake.ResetCalls()
	time.Sleep(60 * time.Second)

	calls := fake.CallsByClient()
	for caller, ops := range calls {
		for op, n := range ops {
			if !readOnly(op) {
				t.Errorf("idle: %s made %d %s calls", caller, n, op)
			}
		}
	}
	t.Logf("idle 60 s: calls by client %v", calls)
	after := resourceVersions(t, stack)
	for k, v := range versions {
		if after[k] != v {
			t.Errorf("idle: %s was written (resourceVersion %s → %s)", k, v, after[k])
		}
	}
}

// readOnly says whether an AWS operation ("lambda:GetFunction") only reads.
func readOnly(op string) bool {
	_, name, _ := strings.Cut(op, ":")
	return strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Describe")
}

// waitACKSynced waits until ACK reports every child of a stack synced
// (ACK.ResourceSynced=True), whatever the operator makes of it.
func waitACKSynced(t testing.TB, stack *v1alpha1.EventDrivenStack, timeout time.Duration) {
	t.Helper()
	harness.Eventually(t, timeout, "ACK reports every child synced", func() error {
		for _, k := range ack.Kinds {
			list := k.List()
			if err := k8s.List(context.Background(), list, client.InNamespace(stack.Namespace),
				client.MatchingLabels{render.LabelStack: stack.Name}); err != nil {
				return err
			}
			for _, obj := range list.Objects() {
				c := obj.ACKStatus().Condition(ackv1alpha1.ConditionTypeResourceSynced)
				if c == nil || c.Status != corev1.ConditionTrue {
					return fmt.Errorf("%s %s: ACK.ResourceSynced %v", k.GVK.Kind, obj.GetName(), c)
				}
			}
		}
		return nil
	})
}

// resourceVersions are the resourceVersions of a stack and its children.
func resourceVersions(t *testing.T, stack *v1alpha1.EventDrivenStack) map[string]string {
	t.Helper()
	out := map[string]string{}
	s := get(t, stack)
	out["EventDrivenStack/"+s.Name] = s.ResourceVersion
	for _, k := range ack.Kinds {
		list := k.List()
		if err := k8s.List(context.Background(), list, client.InNamespace(stack.GetNamespace()),
			client.MatchingLabels{render.LabelStack: stack.GetName()}); err != nil {
			t.Fatal(err)
		}
		for _, obj := range list.Objects() {
			out[fmt.Sprintf("%s/%s", k.GVK.Kind, obj.GetName())] = obj.GetResourceVersion()
		}
	}
	return out
}
