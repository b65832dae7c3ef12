package harness

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// Eventually retries check every 50 ms until it returns nil, and fails the
// test when the timeout passes first.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Consistently fails the test if check returns an error within d.
func Consistently(t testing.TB, d time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := check(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NewNamespace creates a namespace for one test.
func NewNamespace(t testing.TB, c client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "eds-test-"}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// CreateStack creates a stack and, when the test ends, deletes it and waits
// up to timeout until the operator let it go (its finalizer deletes the
// children and the AWS routing), so that no test's stacks resync into
// another's AWS call counts.
func CreateStack(t testing.TB, c client.Client, stack *v1alpha1.EventDrivenStack, timeout time.Duration) {
	t.Helper()
	if err := c.Create(context.Background(), stack); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(stack)
	t.Cleanup(func() {
		ctx := context.Background()
		s := &v1alpha1.EventDrivenStack{}
		if err := c.Get(ctx, key, s); err != nil {
			return
		}
		if err := c.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) {
			if err := c.Get(ctx, key, s); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Errorf("cleanup: stack %s still there after %s", key, timeout)
	})
}
