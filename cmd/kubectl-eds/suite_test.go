package main_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/test/harness"
)

// The suite runs a real API server (envtest) with our CRD and the real ACK
// CRDs, and the operator (controller and webhook) started as the controllers'
// suite starts it, against the fake EventBridge and Lambda server. The tests
// run kubectl eds as a user does, through a kubeconfig file.
var (
	k8s client.Client // a direct client: the tests' own view
	// fake is the EventBridge and Lambda that the operator and put-events talk to.
	fake *localaws.Server
	// kubeconfig is a kubeconfig file for the test API server.
	kubeconfig string
	// kubectl is the kubectl binary of the test control plane.
	kubectl string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubectl-eds-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// put-events takes its credentials from the SDK's default chain, as a
	// user's does: the environment here, and nothing from ~/.aws.
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "no-aws-credentials"), "AWS_EC2_METADATA_DISABLED": "true",
	} {
		os.Setenv(k, v)
	}
	return harness.Run(func() int {
		if err := os.WriteFile(kubeconfig, testKubeconfig, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}, nil, func(h *harness.Harness) {
		k8s, fake = h.Client, h.Fake
		kubeconfig = filepath.Join(dir, "kubeconfig")
		testKubeconfig = h.Env.KubeConfig
		kubectl = filepath.Join(h.Env.BinaryAssetsDirectory, "kubectl")
	})
}

// testKubeconfig is the test API server's kubeconfig, written to kubeconfig.
var testKubeconfig []byte

// directShardLabel marks a stack the suite's operator leaves alone, so that a
// test can write its status itself.
const directShardLabel = harness.DirectShardLabel

// kubectlEDS runs kubectl eds and returns its exit code, output and error
// output.
func kubectlEDS(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

func mustKubectlEDS(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := kubectlEDS(t, args...)
	if code != 0 {
		t.Fatalf("kubectl eds %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "eds-cli-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

const waitFor = 60 * time.Second

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, waitFor, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createStack creates a stack and, when the test ends, deletes it and waits
// until the operator let it go (its finalizer removes the bus from the fake).
func createStack(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Create(ctx, stack); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(stack)
	t.Cleanup(func() {
		s := &v1alpha1.EventDrivenStack{}
		if err := k8s.Get(ctx, key, s); err != nil {
			return
		}
		if err := k8s.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		if s.Labels[directShardLabel] == "direct" && len(s.Finalizers) == 0 {
			return
		}
		eventually(t, "stack "+key.String()+" deleted", func() error {
			if err := k8s.Get(ctx, key, s); err == nil {
				return fmt.Errorf("still there")
			}
			return nil
		})
	})
}

// playACKUntilReady plays every ACK controller until the stack is Ready and
// its status describes its spec.
func playACKUntilReady(t *testing.T, ns, name string) *v1alpha1.EventDrivenStack {
	t.Helper()
	stack := &v1alpha1.EventDrivenStack{}
	eventually(t, "stack Ready", func() error {
		if _, err := localack.PlayACK(context.Background(), k8s, fake, ns, nil); err != nil {
			return err
		}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, stack); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(stack.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("not Ready: %+v", meta.FindStatusCondition(stack.Status.Conditions, v1alpha1.ConditionReady))
		}
		if stack.Status.ObservedGeneration != stack.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", stack.Status.ObservedGeneration, stack.Generation)
		}
		return nil
	})
	return stack
}

// kubeconfigWithNamespace writes a copy of the suite's kubeconfig whose
// current context is in namespace ns.
func kubeconfigWithNamespace(t *testing.T, ns string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Contexts[cfg.CurrentContext].Namespace = ns
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
