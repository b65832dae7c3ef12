package main_test

import (
	"context"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// match NAME judges the stack's spec as the API server stored it, with the
// account the operator reported; put-events --dry-run prints the same and
// sends nothing. The stack is left alone by the operator (no AWS needed):
// the test writes the status the operator would.
func TestMatchAndDryRunAgainstTheCluster(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seed.Stack(t, ns)
	stack.Labels = map[string]string{directShardLabel: "direct"}
	createStack(t, stack)
	// The bus's ARN only: the dry run must not need the bus's name.
	stack.Status.Outputs = map[string]string{"eventBus.custom-event-bus.arn": "arn:aws:events:us-east-1:444455556666:event-bus/custom-event-bus"}
	if err := k8s.Status().Update(ctx, stack); err != nil {
		t.Fatal(err)
	}
	args := []string{"event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig}

	out := mustKubectlEDS(t, append([]string{"match", "--example", "all"}, args...)...)
	for _, want := range []string{
		"Stack " + ns + "/event-driven-stack, bus custom-event-bus, 4 rules. Events as EventBridge completes them: account 444455556666, region us-east-1.",
		"  → EventBridge delivers it to function event-order-processor\n",
		"  → EventBridge delivers it to function event-inventory-processor\n",
		"  → EventBridge delivers it to function event-notification-processor\n",
		"  → EventBridge delivers it to workflow event-driven-workflow\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("match: no %q in:\n%s", want, out)
		}
	}

	before := len(fake.Events())
	dry := mustKubectlEDS(t, append([]string{"put-events", "--dry-run", "--aws-endpoint-url", fake.URL()}, args...)...)
	if !strings.HasPrefix(dry, "Dry run: nothing is sent to EventBridge.\n") || strings.Count(dry, "  → EventBridge delivers it to ") != 3 {
		t.Errorf("put-events --dry-run:\n%s", dry)
	}

	// Disable the workflow rule in the cluster: Workflow Triggered now
	// reaches no rule, and both commands exit 1.
	stack.Spec.Rules[3].State = "DISABLED"
	if err := k8s.Update(ctx, stack); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := kubectlEDS(t, append([]string{"match", "--example", "workflow-triggered"}, args...)...)
	if code != 1 || !strings.Contains(errOut, "the event matches no enabled rule of stack "+ns+"/event-driven-stack") ||
		!strings.Contains(out, "workflow-events-rule       DISABLED   the pattern matches, but the rule is DISABLED") {
		t.Errorf("match after disabling: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = kubectlEDS(t, append([]string{"put-events", "--dry-run", "--aws-endpoint-url", fake.URL()}, args...)...)
	if code != 1 || !strings.Contains(errOut, "1 of 3 events matches no enabled rule") {
		t.Errorf("put-events --dry-run after disabling: exit %d, %s", code, errOut)
	}
	if len(fake.Events()) != before {
		t.Error("a dry run sent events")
	}

	code, _, errOut = kubectlEDS(t, "match", "no-such-stack", "-n", ns, "--kubeconfig", kubeconfig, "--example", "all")
	if code != 1 || !strings.Contains(errOut, `"no-such-stack" not found in namespace "`+ns+`"`) {
		t.Errorf("a missing stack: exit %d, %s", code, errOut)
	}
}
