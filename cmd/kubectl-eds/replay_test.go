package main_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// The seed stack with an archive, made by the operator; the seed's events
// sent with kubectl eds put-events are archived, and kubectl eds replay puts
// them on the bus again, to the rule named only, following the replay to
// COMPLETED. A window before the archive existed is refused, and a replay
// that fails exits non-zero.
func TestReplay(t *testing.T) {
	ns := newNamespace(t)
	stack := seed.Stack(t, ns)
	stack.Spec.NamePrefix = ns + "-"
	stack.Spec.EventBus.Archive = &v1alpha1.EventArchive{RetentionDays: 1}
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)
	archiveName := ns + "-custom-event-bus-archive"
	eventually(t, "the archive made", func() error {
		if _, ok := fake.Archive(archiveName); !ok {
			return fmt.Errorf("no archive %s", archiveName)
		}
		return nil
	})
	archive, _ := fake.Archive(archiveName)
	from := archive.CreationTime.UTC().Format(time.RFC3339)

	mustKubectlEDS(t, "put-events", stack.Name, "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL())
	if a, _ := fake.Archive(archiveName); len(a.Events) != 3 {
		t.Fatalf("the archive holds %d events, want the seed's 3", len(a.Events))
	}

	code, out, errOut := kubectlEDS(t, "replay", stack.Name, "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL(),
		"--from", "2h", "--to", "now")
	if code == 0 || !strings.Contains(errOut, "refused: the archive "+archiveName+" was created at") {
		t.Errorf("a window before the archive: exit %d\n%s%s", code, out, errOut)
	}

	out = mustKubectlEDS(t, "replay", stack.Name, "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL(),
		"--from", from, "--to", "now", "--rule", "order-events-rule", "--name", ns+"-replay", "--poll-interval", "100ms")
	for _, want := range []string{"to rules order-events-rule", "STARTING", "RUNNING", "COMPLETED", "replay " + ns + "-replay completed in"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var replayed []string
	for _, e := range fake.Events() {
		if e.ReplayName == ns+"-replay" {
			replayed = append(replayed, e.DetailType+" → "+strings.Join(e.Rules, ","))
		}
	}
	want := []string{"Order Created → " + ns + "-order-events-rule", "Inventory Updated → ", "Workflow Triggered → "}
	if strings.Join(replayed, "; ") != strings.Join(want, "; ") {
		t.Errorf("replayed %q, want %q", replayed, want)
	}

	go func() {
		for range 300 {
			if fake.FailReplay(ns+"-failed", "the destination bus refused the events") {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	code, out, errOut = kubectlEDS(t, "replay", stack.Name, "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL(),
		"--from", from, "--to", "now", "--name", ns+"-failed", "--poll-interval", "100ms")
	if code == 0 || !strings.Contains(errOut, "FAILED: the destination bus refused the events") {
		t.Errorf("a failed replay: exit %d\n%s%s", code, out, errOut)
	}
}
