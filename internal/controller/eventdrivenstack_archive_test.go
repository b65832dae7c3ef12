package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
)

// archiveLine is the stack's Archive status line, nil when it has none.
func archiveLine(stack *v1alpha1.EventDrivenStack) *v1alpha1.ChildStatus {
	for i, c := range stack.Status.Children {
		if c.Kind == "Archive" {
			return &stack.Status.Children[i]
		}
	}
	return nil
}

func inInventory(stack *v1alpha1.EventDrivenStack, kind, name string) bool {
	for _, e := range stack.Status.Inventory {
		if e.Kind == kind && e.Name == name {
			return true
		}
	}
	return false
}

// The bus's archive: created (in the inventory first) with its retention and
// pattern and reported in the status; repaired within one resync when changed
// out of band, with no mutating call for it once unchanged; deleted when
// taken out of the spec, and with the stack. Every call it made is one the
// operator's IAM policy allows.
func TestArchiveLifecycle(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	const name = "arch-custom-event-bus-archive"
	stack := prefixed(t, ns, "arch-")
	stack.Spec.EventBus.Archive = &v1alpha1.EventArchive{RetentionDays: 7,
		EventPattern: &apiextensionsv1.JSON{Raw: []byte(`{"source":["orders"]}`)}}
	fake.ResetCalls()
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	eventually(t, waitFor, "archive made and reported", func() error {
		a, ok := fake.Archive(name)
		if !ok || a.RetentionDays != 7 || a.EventPattern != `{"source":["orders"]}` ||
			a.EventSourceArn != "arn:aws:events:us-east-1:123456789012:event-bus/arch-custom-event-bus" {
			return fmt.Errorf("archive in AWS: %v %+v", ok, a)
		}
		s := getStack(t, ns, stack.Name)
		l := archiveLine(s)
		if l == nil || !l.Ready || l.ARN != a.Arn || !strings.HasPrefix(l.Message, "keeps events 7 days that match its pattern") {
			return fmt.Errorf("status line %+v", l)
		}
		if !inInventory(s, "Archive", name) {
			return fmt.Errorf("inventory %+v", s.Status.Inventory)
		}
		return nil
	})

	// Drift: repaired within one resync.
	fake.SetArchive(name, ptr.To[int32](1), `{"source":["other"]}`)
	eventually(t, 3*resyncInterval, "archive repaired", func() error {
		if a, _ := fake.Archive(name); a.RetentionDays != 7 || a.EventPattern != `{"source":["orders"]}` {
			return fmt.Errorf("archive %+v", a)
		}
		return nil
	})
	// Unchanged: reads only.
	time.Sleep(resyncInterval / 2)
	calls := fake.Calls()
	before := calls["events:CreateArchive"] + calls["events:UpdateArchive"] + calls["events:DeleteArchive"]
	time.Sleep(2*resyncInterval + resyncInterval/2)
	calls = fake.Calls()
	if after := calls["events:CreateArchive"] + calls["events:UpdateArchive"] + calls["events:DeleteArchive"]; after != before {
		t.Errorf("mutating archive calls on an unchanged stack: %d, then %d (%v)", before, after, calls)
	}
	if calls["events:DescribeArchive"] == 0 {
		t.Errorf("the archive was never read back: %v", calls)
	}

	// Taken out of the spec: deleted, off the inventory and the status.
	s := getStack(t, ns, stack.Name)
	s.Spec.EventBus.Archive = nil
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "archive deleted", func() error {
		if _, ok := fake.Archive(name); ok {
			return fmt.Errorf("archive still there")
		}
		s := getStack(t, ns, stack.Name)
		if archiveLine(s) != nil || inInventory(s, "Archive", name) {
			return fmt.Errorf("status still has it: %+v", s.Status.Inventory)
		}
		return nil
	})

	// Back in the spec, then the stack deleted: the archive goes with it.
	s = getStack(t, ns, stack.Name)
	s.Spec.EventBus.Archive = &v1alpha1.EventArchive{}
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "archive made again", func() error {
		if _, ok := fake.Archive(name); !ok {
			return fmt.Errorf("no archive")
		}
		return nil
	})
	if err := k8s.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack deleted with its archive", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(s), &v1alpha1.EventDrivenStack{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("stack still there: %v", err)
		}
		if _, ok := fake.Archive(name); ok {
			return fmt.Errorf("archive still there")
		}
		return nil
	})

	b, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "config", "iam", "operator-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Statement []struct{ Action []string } }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			allowed[a] = true
		}
	}
	for op, n := range fake.Calls() {
		if strings.Contains(op, "Archive") && !allowed[op] {
			t.Errorf("%s called %d times; the operator's IAM policy does not allow it", op, n)
		}
	}
	for _, op := range []string{"events:CreateArchive", "events:UpdateArchive", "events:DeleteArchive", "events:DescribeArchive"} {
		if fake.Calls()[op] == 0 {
			t.Errorf("%s was never called", op)
		}
	}
}

// A retained stack leaves its archive in AWS.
func TestRetainLeavesTheArchive(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := prefixed(t, ns, "archkeep-")
	stack.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain
	stack.Spec.EventBus.Archive = &v1alpha1.EventArchive{RetentionDays: 1}
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	eventually(t, waitFor, "archive made", func() error {
		if _, ok := fake.Archive("archkeep-custom-event-bus-archive"); !ok {
			return fmt.Errorf("no archive")
		}
		return nil
	})
	if err := k8s.Delete(ctx, stack); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack deleted", func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(stack), &v1alpha1.EventDrivenStack{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there: %v", err)
		}
		return nil
	})
	if _, ok := fake.Archive("archkeep-custom-event-bus-archive"); !ok {
		t.Error("the retained stack's archive went")
	}
	// Leave the fake as we found it.
	clients, err := (&awsapi.Factory{EndpointURL: fake.URL(), LoadOptions: testAWSOptions()}).For(ctx, "us-east-1", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := routing.Delete(ctx, clients, "archkeep-custom-event-bus", nil); err != nil {
		t.Fatal(err)
	}
	if err := routing.DeleteArchive(ctx, clients.EventBridge, "archkeep-custom-event-bus-archive"); err != nil {
		t.Fatal(err)
	}
}
