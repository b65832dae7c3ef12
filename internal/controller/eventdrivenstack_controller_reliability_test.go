package controller_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/controller"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// 3. A stack deleted while half-created leaves nothing behind, on the API
// server and on the EventBridge test server.
func TestDeleteWhileHalfCreated(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "half-")
	createStack(t, stack)
	// Half: the children that need nothing, a round of ACK, and the bus.
	eventually(t, waitFor, "half created", func() error {
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, func(o ack.Object) bool { _, role := o.(*ack.Role); return !role }); err != nil {
			return err
		}
		if n := len(children(t, ns)); n < 9 {
			return fmt.Errorf("%d children", n)
		}
		if _, ok := fake.Bus("half-custom-event-bus"); !ok {
			return fmt.Errorf("no bus yet")
		}
		return nil
	})
	if err := k8s.Delete(ctx, stack); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "nothing left", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(stack), &v1alpha1.EventDrivenStack{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("stack: %v", err)
		}
		if left := keys(children(t, ns)); len(left) > 0 {
			return fmt.Errorf("children left: %v", left)
		}
		if _, ok := fake.Bus("half-custom-event-bus"); ok {
			return fmt.Errorf("bus left")
		}
		return nil
	})
}

// 4. Conflicts on status and child writes are retried without losing an
// update: every third write of the operator's client fails with a conflict
// while the spec is edited twice, and the stack still ends with the last edit
// applied and its status describing that generation.
func TestConflictsAreRetriedWithoutLosingAnUpdate(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Spec.NamePrefix = "conflict-"
	stack.Labels = map[string]string{directShardLabel: "direct"}
	if err := k8s.Create(ctx, stack); err != nil {
		t.Fatal(err)
	}
	raw, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	var writesSeen, conflicts atomic.Int64
	conflict := func(obj client.Object) error {
		if writesSeen.Add(1)%3 == 0 {
			conflicts.Add(1)
			return apierrors.NewConflict(schema.GroupResource{Resource: fmt.Sprintf("%T", obj)}, obj.GetName(), fmt.Errorf("injected"))
		}
		return nil
	}
	c := interceptor.NewClient(raw, interceptor.Funcs{
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			if err := conflict(obj); err != nil {
				return err
			}
			return c.Patch(ctx, obj, p, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if err := conflict(obj); err != nil {
				return err
			}
			return c.Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			if err := conflict(obj); err != nil {
				return err
			}
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
	r := &controller.EventDrivenStackReconciler{Client: c, AWS: &awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: testAWSOptions()}}
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(stack)}
	t.Cleanup(func() {
		_ = k8s.Delete(ctx, stack)
		for i := 0; i < 20; i++ { // conflicts may fail some attempts
			if _, err := r.Reconcile(ctx, req); err == nil {
				break
			}
		}
	})
	edit := func(visibility int32) {
		s := getStack(t, ns, stack.Name)
		s.Spec.Queues[0].VisibilityTimeoutSeconds = ptr.To(visibility)
		if err := k8s.Update(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	done := false
	for i := 0; i < 200 && !done; i++ { // each reconcile an error or a step forward
		switch i {
		case 3:
			edit(45)
		case 6:
			edit(60)
		}
		_, _ = r.Reconcile(ctx, req)
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil {
			t.Fatal(err)
		}
		s := getStack(t, ns, stack.Name)
		q, ok := children(t, ns)["Queue/event-driven-stack.order-queue"].(*ack.Queue)
		done = i > 6 && ok && ptr.Deref(q.Spec.VisibilityTimeout, "") == "60" &&
			s.Status.ObservedGeneration == s.Generation && meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady)
	}
	if !done {
		t.Fatalf("the stack did not converge on the last edit through %d injected conflicts", conflicts.Load())
	}
	if conflicts.Load() < 5 {
		t.Fatalf("only %d conflicts injected: the test proves nothing", conflicts.Load())
	}
	t.Logf("converged on the last edit through %d injected conflicts out of %d writes", conflicts.Load(), writesSeen.Load())
}

// 6. An outage of every AWS call for a while, then recovery: the stack never
// says Ready while a rule or permission is missing, converges after, and the
// calls during the outage stay bounded (the SDK's 5 attempts per call, then
// the controller's exponential backoff).
func TestAWSOutageThenRecovery(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	fake.SetFault(localaws.Fault{Outage: true})
	defer fake.ClearFault()
	before := totalCalls()
	createStack(t, prefixed(t, ns, "outage-"))
	const outage = 5 * time.Second
	start := time.Now()
	for time.Since(start) < outage {
		if _, err := localack.PlayACK(ctx, k8s, fake, ns, nil); err != nil {
			t.Fatal(err)
		}
		s := getStack(t, ns, "event-driven-stack")
		if meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			t.Fatalf("Ready during the outage: %+v", s.Status.Conditions)
		}
		time.Sleep(100 * time.Millisecond)
	}
	during := totalCalls() - before
	s := getStack(t, ns, "event-driven-stack")
	notReady := 0
	for _, c := range s.Status.Children {
		if (c.Kind == "Rule" || c.Kind == "EventBus") && !c.Ready {
			notReady++
		}
	}
	if notReady != 5 {
		t.Errorf("%d of the bus and rules reported not ready during the outage, want 5: %+v", notReady, s.Status.Children)
	}
	fake.ClearFault()
	playACKUntilReady(t, ns, "event-driven-stack")
	eventually(t, waitFor, "routing after the outage", func() error { return checkRouting(t, ns, "outage-") })
	t.Logf("%d AWS calls during a %s outage (bound 200), Ready %s after recovery", during, outage, time.Since(start)-outage)
	if during > 200 {
		t.Errorf("%d calls during a %s outage: the backoff does not bound them", during, outage)
	}
	if msg := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady).Message; !strings.Contains(msg, "Rule") && !strings.Contains(msg, "EventBus") {
		t.Errorf("the Ready message during the outage does not name the bus or rules: %s", msg)
	}
}
