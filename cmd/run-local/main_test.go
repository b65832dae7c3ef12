package main_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/testenv"
)

// make run-local works end to end, with no ACK controller and no AWS
// credentials: the seed sample applies, the children that need no ARN are
// created, the status names what the others wait for (the ACK controllers,
// AWS credentials), and Ctrl-C stops everything cleanly.
func TestRunLocal(t *testing.T) {
	assets, err := testenv.BinaryAssets()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "run-local")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("building run-local: %v", err)
	}
	dataDir := filepath.Join(tmp, "data")
	cmd := exec.Command(bin, "--data-dir", dataDir)
	// No AWS credentials anywhere the SDK's default chain looks.
	cmd.Env = append(os.Environ(), "KUBEBUILDER_ASSETS="+assets,
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(tmp, "none"), "AWS_CONFIG_FILE="+filepath.Join(tmp, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONTAINER_CREDENTIALS_FULL_URI=", "AWS_WEB_IDENTITY_TOKEN_FILE=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// It says where the kubeconfig is.
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	kubeconfigPath := ""
	deadline := time.After(2 * time.Minute)
	for kubeconfigPath == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("run-local ended before printing its kubeconfig")
			}
			if strings.Contains(line, "export KUBECONFIG=") {
				kubeconfigPath = strings.TrimSpace(strings.SplitN(line, "=", 2)[1])
			}
		case err := <-exited:
			t.Fatalf("run-local exited: %v", err)
		case <-deadline:
			t.Fatal("run-local printed no kubeconfig in 2 minutes")
		}
	}
	if kubeconfigPath != filepath.Join(dataDir, "kubeconfig") {
		t.Errorf("kubeconfig at %s, want it in the data folder", kubeconfigPath)
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", kubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	scheme, _ := operator.Scheme()
	c, err := client.New(restCfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stack := testenv.Seed(t, "default")
	var createErr error
	for i := 0; i < 100; i++ { // the webhook may need a moment after the print
		if createErr = c.Create(ctx, stack); createErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if createErr != nil {
		t.Fatal(createErr)
	}

	want := []string{"Queue/event-driven-stack.order-dlq", "Queue/event-driven-stack.inventory-dlq", "Queue/event-driven-stack.events--dlq",
		"Table/event-driven-stack.event-driven-orders", "Table/event-driven-stack.event-driven-inventory", "Topic/event-driven-stack.event-notifications"}
	var last string
	ok := false
	for i := 0; i < 300 && !ok; i++ { // 30 s
		time.Sleep(100 * time.Millisecond)
		got := map[string]bool{}
		for _, k := range ack.Kinds {
			list := k.List()
			if err := c.List(ctx, list, client.InNamespace("default")); err != nil {
				t.Fatal(err)
			}
			for _, o := range list.Objects() {
				got[k.GVK.Kind+"/"+o.GetName()] = true
			}
		}
		s := &v1alpha1.EventDrivenStack{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(stack), s); err != nil {
			t.Fatal(err)
		}
		last = fmt.Sprintf("children %v, status %+v", got, s.Status)
		ok = len(got) == len(want)
		for _, w := range want {
			ok = ok && got[w]
		}
		ok = ok && statusSays(s, "Queue", "event-driven-stack.order-queue", "waits for the ARN of Queue event-driven-stack.order-dlq (which the ACK sqs controller has not reported yet)") &&
			statusSays(s, "Table", "event-driven-stack.event-driven-orders", "waits for the ACK dynamodb controller") &&
			statusSays(s, "EventBus", "custom-event-bus", "no AWS credentials")
	}
	if !ok {
		t.Fatalf("run-local did not create the children that need no ARN, or its status does not say what the others wait for: %s", last)
	}
	kubectl := exec.Command(filepath.Join(assets, "kubectl"), "--kubeconfig", kubeconfigPath, "get", "eds")
	out, err := kubectl.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "event-driven-stack   False") || !strings.Contains(string(out), "/24") {
		t.Errorf("kubectl get eds: %v\n%s", err, out)
	}
	t.Logf("kubectl get eds:\n%s", out)

	// kubectl delete finishes: the stack never reached AWS (no credentials),
	// so nothing is waited for in AWS, and its children go with it.
	del := exec.Command(filepath.Join(assets, "kubectl"), "--kubeconfig", kubeconfigPath, "delete", "eds", "event-driven-stack", "--timeout=30s")
	if out, err := del.CombinedOutput(); err != nil {
		t.Fatalf("kubectl delete eds: %v\n%s", err, out)
	}
	for _, k := range ack.Kinds {
		list := k.List()
		if err := c.List(ctx, list, client.InNamespace("default")); err != nil {
			t.Fatal(err)
		}
		if n := len(list.Objects()); n > 0 {
			t.Errorf("%d %s children left after the stack was deleted", n, k.GVK.Kind)
		}
	}

	// Ctrl-C stops everything cleanly.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("run-local exited with %v after Ctrl-C", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run-local did not stop within 60 s of Ctrl-C")
	}
}

func statusSays(s *v1alpha1.EventDrivenStack, kind, name, msg string) bool {
	for _, c := range s.Status.Children {
		if c.Kind == kind && c.Name == name {
			return strings.Contains(c.Message, msg)
		}
	}
	return false
}
