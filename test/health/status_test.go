package health

import (
	"context"
	"fmt"
	"testing"
	"time"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
)

const stackName = "event-driven-stack"

// getStack reads a stack as Argo CD's and kstatus's clients read it: as
// unstructured JSON, numbers as int64.
func getStack(ctx context.Context, ns string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("EventDrivenStack"))
	return u, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: stackName}, u)
}

// waitForStatus waits until the operator has observed the stack's latest
// generation and check accepts it, and returns the stack as read then.
func waitForStatus(t *testing.T, ns, what string, check func(*unstructured.Unstructured) error) *unstructured.Unstructured {
	t.Helper()
	var u *unstructured.Unstructured
	eventually(t, waitFor, what, func() error {
		var err error
		if u, err = getStack(context.Background(), ns); err != nil {
			return err
		}
		observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		if observed != u.GetGeneration() {
			return fmt.Errorf("observedGeneration %d, generation %d", observed, u.GetGeneration())
		}
		return check(u)
	})
	return u
}

// conditionTrue returns a check that a condition is True.
func conditionTrue(conditionType string) func(*unstructured.Unstructured) error {
	return func(u *unstructured.Unstructured) error {
		c, err := conditionOf(u, conditionType)
		if err != nil {
			return err
		}
		if c["status"] != "True" {
			return fmt.Errorf("%s is %v (%v)", conditionType, c["status"], c["message"])
		}
		return nil
	}
}

// playACKUntilReady plays every ACK controller until the stack is Ready.
func playACKUntilReady(t *testing.T, ns string) *unstructured.Unstructured {
	t.Helper()
	return waitForStatus(t, ns, "stack Ready", func(u *unstructured.Unstructured) error {
		if _, err := localack.PlayACK(context.Background(), k8s, fake, ns, nil); err != nil {
			return err
		}
		return conditionTrue(v1alpha1.ConditionReady)(u)
	})
}

// editSpec changes the stack's tags and returns the stack as the API server
// stored it: a new generation, and the status the operator wrote for the
// previous one, since it cannot have reconciled a spec it has not seen yet.
func editSpec(t *testing.T, ns, value string) *unstructured.Unstructured {
	t.Helper()
	var u *unstructured.Unstructured
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		if u, err = getStack(context.Background(), ns); err != nil {
			return err
		}
		if err := unstructured.SetNestedField(u.Object, value, "spec", "tags", "health-test"); err != nil {
			return err
		}
		return k8s.Update(context.Background(), u)
	})
	if err != nil {
		t.Fatal(err)
	}
	observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if observed == 0 || observed >= u.GetGeneration() {
		t.Fatalf("the edit read back has observedGeneration %d, generation %d", observed, u.GetGeneration())
	}
	return u
}

// evalKstatus computes the stack's kstatus and checks status and message.
func evalKstatus(t *testing.T, u *unstructured.Unstructured, wantStatus status.Status, wantMessage string) {
	t.Helper()
	res, err := status.Compute(u)
	if err != nil {
		t.Fatalf("kstatus: %v", err)
	}
	if res.Status != wantStatus || res.Message != wantMessage {
		t.Errorf("kstatus of %s (generation %d):\n got %s: %q\nwant %s: %q", u.GetName(), u.GetGeneration(), res.Status, res.Message, wantStatus, wantMessage)
	}
}

// waitingMessage is what health.lua says while the operator has not observed
// the latest generation.
func waitingMessage(u *unstructured.Unstructured) string {
	msg := fmt.Sprintf("waiting for the operator to observe generation %d", u.GetGeneration())
	if observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration"); observed > 0 {
		msg += fmt.Sprintf(" (the status describes generation %d)", observed)
	}
	return msg
}

// staleGenerationMessage is what kstatus says of an unobserved generation.
func staleGenerationMessage(u *unstructured.Unstructured) string {
	observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	return fmt.Sprintf("EventDrivenStack generation is %d, but latest observed generation is %d", u.GetGeneration(), observed)
}

// (a) A fresh stack whose children wait for ACK (which nobody plays here) is
// Progressing, with the Ready condition's message naming what waits; kstatus
// says InProgress, from Reconciling.
func TestFreshStackIsProgressing(t *testing.T) {
	ns := newNamespace(t)
	createStack(t, seedStack(t, ns, "fresh-"))
	u := waitForStatus(t, ns, "stack reconciled, children waiting", func(u *unstructured.Unstructured) error {
		ready, err := conditionOf(u, v1alpha1.ConditionReady)
		if err != nil {
			return err
		}
		if ready["status"] != "False" || ready["reason"] != v1alpha1.ReasonWaitingForDependencies {
			return fmt.Errorf("Ready %v %v", ready["status"], ready["reason"])
		}
		return conditionTrue(v1alpha1.ConditionReconciling)(u)
	})

	readyMsg := messageOf(u, v1alpha1.ConditionReady)
	mustContain(t, "Ready message", readyMsg, "children not ready", "(Waiting: waits for the ARN of ")
	evalLua(t, u, progressing, readyMsg)
	evalKstatus(t, u, status.InProgressStatus, messageOf(u, v1alpha1.ConditionReconciling))
}

// (b) A stack whose children ACK reports synced is Healthy, with the Ready
// message; kstatus says Current. (d) A spec edit read back before the operator
// reconciled it is Progressing, waiting for that generation, and InProgress;
// once reconciled it is Healthy again.
func TestReadyStackIsHealthy(t *testing.T) {
	ns := newNamespace(t)
	createStack(t, seedStack(t, ns, "ready-"))
	u := playACKUntilReady(t, ns)

	readyMsg := messageOf(u, v1alpha1.ConditionReady)
	mustContain(t, "Ready message", readyMsg, "all ", "children are ready")
	evalLua(t, u, healthy, readyMsg)
	evalKstatus(t, u, status.CurrentStatus, "Resource is Ready")

	edited := editSpec(t, ns, "edited")
	if _, err := conditionOf(edited, v1alpha1.ConditionReady); err != nil || conditionTrue(v1alpha1.ConditionReady)(edited) != nil {
		t.Fatalf("the edit read back should still carry the old Ready=True: %v", edited.Object["status"])
	}
	evalLua(t, edited, progressing, waitingMessage(edited))
	evalKstatus(t, edited, status.InProgressStatus, staleGenerationMessage(edited))

	again := playACKUntilReady(t, ns)
	if again.GetGeneration() != edited.GetGeneration() {
		t.Fatalf("generation %d after the edit, %d now", edited.GetGeneration(), again.GetGeneration())
	}
	evalLua(t, again, healthy, messageOf(again, v1alpha1.ConditionReady))
	evalKstatus(t, again, status.CurrentStatus, "Resource is Ready")
}

// (c) A stack with a child ACK reports terminal is Degraded, with the Stalled
// message (which names the child and ACK's error); kstatus says Failed.
// (d) A spec edit of a Stalled stack, read back before the operator reconciled
// it, is Progressing, not Degraded: the Stalled condition speaks of the old
// spec. Once reconciled (the child is still terminal) it is Degraded again.
func TestStalledStackIsDegraded(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	createStack(t, seedStack(t, ns, "stalled-"))
	playACKUntilReady(t, ns)

	fn := &ack.Function{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: stackName + ".event-notification-processor"}, fn); err != nil {
		t.Fatal(err)
	}
	localack.SetCondition(fn, ackv1alpha1.ConditionTypeTerminal, corev1.ConditionTrue, "InvalidParameterValueException: the S3 key does not exist")
	if err := k8s.Status().Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
	u := waitForStatus(t, ns, "stack Stalled", conditionTrue(v1alpha1.ConditionStalled))

	stalledMsg := messageOf(u, v1alpha1.ConditionStalled)
	mustContain(t, "Stalled message", stalledMsg, "event-driven-stack.event-notification-processor", "the S3 key does not exist")
	evalLua(t, u, degraded, stalledMsg)
	evalKstatus(t, u, status.FailedStatus, stalledMsg)

	edited := editSpec(t, ns, "fix-attempt")
	if conditionTrue(v1alpha1.ConditionStalled)(edited) != nil {
		t.Fatalf("the edit read back should still carry the old Stalled=True: %v", edited.Object["status"])
	}
	evalLua(t, edited, progressing, waitingMessage(edited))
	evalKstatus(t, edited, status.InProgressStatus, staleGenerationMessage(edited))

	// The edit (a tag) changes every child: ACK reconciles them again, and
	// reports the function terminal again.
	again := waitForStatus(t, ns, "stack Stalled at the new generation", func(u *unstructured.Unstructured) error {
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil {
			return err
		}
		return conditionTrue(v1alpha1.ConditionStalled)(u)
	})
	evalLua(t, again, degraded, messageOf(again, v1alpha1.ConditionStalled))
	evalKstatus(t, again, status.FailedStatus, messageOf(again, v1alpha1.ConditionStalled))
}

// (d) A stack the operator has not reconciled at all (here: one of the direct
// shard, which the suite's operator never selects) has no status: Argo CD sees
// it Progressing, waiting for generation 1. kstatus cannot tell such an object
// from one that has no conditions by design, and calls it Current: a kstatus
// consumer (Flux's wait, kpt, cli-utils) can take a stack for ready before the
// operator wrote its first status.
func TestUnobservedStackIsProgressing(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns, "direct-")
	stack.Labels = map[string]string{directShardLabel: "direct"}
	createStack(t, stack)

	// However long one waits, the operator writes nothing.
	time.Sleep(time.Second)
	u, err := getStack(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if _, found := u.Object["status"]; found || u.GetGeneration() != 1 || len(u.GetFinalizers()) != 0 {
		t.Fatalf("the direct shard's stack was touched by the operator: generation %d, finalizers %v, status %v",
			u.GetGeneration(), u.GetFinalizers(), u.Object["status"])
	}
	evalLua(t, u, progressing, "waiting for the operator to observe generation 1")
	evalKstatus(t, u, status.CurrentStatus, "Resource is current")
}
