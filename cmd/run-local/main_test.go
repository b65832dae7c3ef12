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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/go-logr/logr"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
)

// runLocal is make run-local started as a user starts it.
type runLocal struct {
	t          *testing.T
	assets     string
	kubeconfig string
	banner     []string
	c          client.Client
	cmd        *exec.Cmd
	exited     chan error
}

// startRunLocal builds and starts run-local with flags, with no AWS
// credentials anywhere the SDK's default chain looks, and waits for its
// banner.
func startRunLocal(t *testing.T, flags ...string) *runLocal {
	t.Helper()
	assets, err := localcluster.BinaryAssets()
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
	cmd := exec.Command(bin, append([]string{"--data-dir", dataDir}, flags...)...)
	cmd.Env = append(os.Environ(), "KUBEBUILDER_ASSETS="+assets,
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(tmp, "none"), "AWS_CONFIG_FILE="+filepath.Join(tmp, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONTAINER_CREDENTIALS_FULL_URI=", "AWS_WEB_IDENTITY_TOKEN_FILE=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs, err := os.Create(filepath.Join(tmp, "run-local.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logs
	// Its own process group: a failed test kills the control plane and the
	// emulators run-local started too, not run-local alone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &runLocal{t: t, assets: assets, cmd: cmd, exited: make(chan error, 1)}
	go func() { r.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if t.Failed() {
			out, _ := os.ReadFile(logs.Name())
			t.Logf("run-local's log (last 4 KB):\n%s", out[max(0, len(out)-4096):])
		}
	})

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(2 * time.Minute)
	for done := false; !done; {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("run-local ended before printing its kubeconfig")
			}
			r.banner = append(r.banner, line)
			if strings.Contains(line, "export KUBECONFIG=") {
				r.kubeconfig = strings.TrimSpace(strings.SplitN(line, "=", 2)[1])
			}
			done = strings.HasPrefix(line, "Ctrl-C stops it")
		case err := <-r.exited:
			t.Fatalf("run-local exited: %v", err)
		case <-deadline:
			t.Fatal("run-local printed no kubeconfig in 2 minutes")
		}
	}
	if r.kubeconfig != filepath.Join(dataDir, "kubeconfig") {
		t.Errorf("kubeconfig at %s, want it in the data folder", r.kubeconfig)
	}
	restCfg, err := clientcmd.BuildConfigFromFlags("", r.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	scheme, _ := operator.Scheme()
	log.SetLogger(logr.Discard()) // the test's own client logs nothing worth reading
	if r.c, err = client.New(restCfg, client.Options{Scheme: scheme}); err != nil {
		t.Fatal(err)
	}
	return r
}

// kubectl runs the local control plane's kubectl with run-local's kubeconfig.
func (r *runLocal) kubectl(args ...string) string {
	r.t.Helper()
	var out []byte
	var err error
	for i := 0; i < 50; i++ { // the webhook may need a moment after the banner
		out, err = exec.Command(filepath.Join(r.assets, "kubectl"), append([]string{"--kubeconfig", r.kubeconfig}, args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "webhook") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// children lists the ACK children in the default namespace.
func (r *runLocal) children() map[string]ack.Object {
	r.t.Helper()
	got := map[string]ack.Object{}
	for _, k := range ack.Kinds {
		list := k.List()
		if err := r.c.List(context.Background(), list, client.InNamespace("default")); err != nil {
			r.t.Fatal(err)
		}
		for _, o := range list.Objects() {
			got[k.GVK.Kind+"/"+o.GetName()] = o
		}
	}
	return got
}

func (r *runLocal) stack() *v1alpha1.EventDrivenStack {
	r.t.Helper()
	s := &v1alpha1.EventDrivenStack{}
	if err := r.c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "event-driven-stack"}, s); err != nil {
		r.t.Fatal(err)
	}
	return s
}

// within polls check every 100 ms until it passes or d has gone.
func (r *runLocal) within(d time.Duration, what string, check func() error) {
	r.t.Helper()
	var err error
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if err = check(); err == nil {
			return
		}
	}
	r.t.Fatalf("%s: not within %s: %v", what, d, err)
}

// stop sends Ctrl-C and wants a clean exit.
func (r *runLocal) stop() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		r.t.Fatal(err)
	}
	select {
	case err := <-r.exited:
		if err != nil {
			r.t.Fatalf("run-local exited with %v after Ctrl-C", err)
		}
	case <-time.After(60 * time.Second):
		r.t.Fatal("run-local did not stop within 60 s of Ctrl-C")
	}
}

// make run-local, as a newcomer runs it: AWS simulated (said in the banner and
// in the stack's events), the seed sample goes through its waves to Ready
// with the seed's five outputs; an edit of a queue changes that one child and
// the stack is Ready again; kubectl delete leaves nothing, in the cluster or
// in the simulated EventBridge.
func TestRunLocalWholeLifecycle(t *testing.T) {
	r := startRunLocal(t)
	banner := strings.Join(r.banner, "\n")
	if !strings.Contains(banner, "AWS is simulated (make run-local): nothing is created in AWS") || !strings.Contains(banner, "--aws=real") {
		t.Errorf("banner does not say AWS is simulated:\n%s", banner)
	}
	endpoint := ""
	if i := strings.Index(banner, "(http://127.0.0.1:"); i >= 0 {
		endpoint = banner[i+1 : i+strings.Index(banner[i:], ")")]
	}
	r.kubectl("apply", "-f", localcluster.SeedPath())

	ready := func() error {
		s := r.stack()
		if !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) || s.Status.ObservedGeneration != s.Generation {
			return fmt.Errorf("%s: %+v", s.Status.Resources, meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady))
		}
		return nil
	}
	r.within(90*time.Second, "the sample Ready", ready)
	s := r.stack()
	for _, out := range []string{"EventBusName", "OrdersTableName", "InventoryTableName", "StateMachineArn", "NotificationTopicArn"} {
		if s.Status.Outputs[out] == "" {
			t.Errorf("output %s missing: %v", out, s.Status.Outputs)
		}
	}
	if got := r.kubectl("get", "eds"); !strings.Contains(got, "event-driven-stack   True    43/43") {
		t.Errorf("kubectl get eds:\n%s", got)
	}
	evs := &eventsv1.EventList{}
	if err := r.c.List(context.Background(), evs, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	simulated := false
	for _, e := range evs.Items {
		simulated = simulated || (e.Reason == "SimulatedAWS" && strings.Contains(e.Note, "nothing is created in AWS"))
	}
	if !simulated {
		t.Error("no event of the stack says AWS is simulated")
	}

	// An edit rolls through: one child changes.
	before := map[string]int64{}
	for k, o := range r.children() {
		before[k] = o.GetGeneration()
	}
	r.kubectl("patch", "eds", "event-driven-stack", "--type", "json",
		"-p", `[{"op":"replace","path":"/spec/queues/0/visibilityTimeoutSeconds","value":45}]`)
	r.within(30*time.Second, "the edit applied and Ready again", func() error {
		if q := r.children()["Queue/event-driven-stack.order-queue"].(*ack.Queue); q.Spec.VisibilityTimeout == nil || *q.Spec.VisibilityTimeout != "45" {
			return fmt.Errorf("order-queue not edited yet")
		}
		return ready()
	})
	var changed []string
	for k, o := range r.children() {
		if o.GetGeneration() != before[k] {
			changed = append(changed, k)
		}
	}
	if len(changed) != 1 || changed[0] != "Queue/event-driven-stack.order-queue" {
		t.Errorf("children changed by the edit: %v, want the order queue only", changed)
	}

	// Delete: nothing left.
	r.kubectl("delete", "eds", "event-driven-stack", "--timeout=60s")
	if left := r.children(); len(left) != 0 {
		t.Errorf("children left: %d", len(left))
	}
	if endpoint == "" {
		t.Fatal("the banner gives no endpoint of the simulated AWS")
	}
	eb := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")})
	if _, err := eb.DescribeEventBus(context.Background(), &eventbridge.DescribeEventBusInput{Name: aws.String("custom-event-bus")}); err == nil ||
		!strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("the simulated bus after the delete: %v", err)
	}
	r.stop()
}

// make run-local against real AWS endpoints (--aws=real) with no ACK
// controller and no AWS credentials: the children that need no ARN are
// created, the status names what the others wait for (the ACK controllers,
// AWS credentials, said once), kubectl delete of a stack that never reached
// AWS finishes at once, and Ctrl-C stops everything cleanly.
func TestRunLocalAgainstRealAWS(t *testing.T) {
	r := startRunLocal(t, "--aws=real")
	r.kubectl("apply", "-f", localcluster.SeedPath())
	want := []string{"Queue/event-driven-stack.order-dlq", "Table/event-driven-stack.event-driven-orders", "Topic/event-driven-stack.event-notifications"}
	r.within(30*time.Second, "children that need no ARN created, the status saying what the others wait for", func() error {
		got := r.children()
		for _, w := range want {
			if got[w] == nil {
				return fmt.Errorf("%s missing", w)
			}
		}
		s := r.stack()
		if !statusSays(s, "Queue", "event-driven-stack.order-queue", "waits for the ARN of Queue event-driven-stack.order-dlq (which the ACK sqs controller has not reported yet)") ||
			!statusSays(s, "Table", "event-driven-stack.event-driven-orders", "waits for the ACK dynamodb controller") ||
			!statusSays(s, "EventBus", "custom-event-bus", "no AWS credentials: set up EKS Pod Identity or IRSA") ||
			!statusSays(s, "Rule", "order-events-rule", "waits for the EventBus custom-event-bus") {
			return fmt.Errorf("status %+v", s.Status.Children)
		}
		return nil
	})
	if out := r.kubectl("get", "eds"); !strings.Contains(out, "event-driven-stack   False") {
		t.Errorf("kubectl get eds:\n%s", out)
	}
	r.kubectl("delete", "eds", "event-driven-stack", "--timeout=30s")
	if left := r.children(); len(left) > 0 {
		t.Errorf("%d children left after the stack was deleted", len(left))
	}
	r.stop()
}

func statusSays(s *v1alpha1.EventDrivenStack, kind, name, msg string) bool {
	for _, c := range s.Status.Children {
		if c.Kind == kind && c.Name == name {
			return strings.Contains(c.Message, msg)
		}
	}
	return false
}

// make run-local RUN_LOCAL_FLAGS=--ack=released: the released ACK
// controllers play ACK against the simulated AWS (said in the banner); the
// sample goes to Ready, and kubectl delete leaves nothing in the cluster.
func TestRunLocalWithTheReleasedControllers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the six released ACK controllers")
	}
	if _, err := os.Stat(filepath.Join(localcluster.RepoRoot(), "..", "shared", "ack-controllers")); err != nil && os.Getenv("ACK_CONTROLLERS_DIR") == "" {
		t.Skip("the released ACK controllers' source is not beside the checkout (../shared/ack-controllers)")
	}
	r := startRunLocal(t, "--ack=released")
	banner := strings.Join(r.banner, "\n")
	if !strings.Contains(banner, "the released ACK controllers (") || !strings.Contains(banner, "lambda-controller v1.14.1") {
		t.Errorf("banner does not name the released controllers:\n%s", banner)
	}
	r.kubectl("apply", "-f", localcluster.SeedPath())
	r.within(2*time.Minute, "the sample Ready", func() error {
		s := r.stack()
		if !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) || s.Status.ObservedGeneration != s.Generation {
			return fmt.Errorf("%s: %+v", s.Status.Resources, meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady))
		}
		return nil
	})
	r.kubectl("delete", "eds", "event-driven-stack", "--timeout=2m")
	r.within(time.Minute, "no child left", func() error {
		if n := len(r.children()); n > 0 {
			return fmt.Errorf("%d children left", n)
		}
		return nil
	})
	r.stop()
}

// The seed's test on make run-local, as the banner says to run it: kubectl eds
// test sends the three events, the real handlers store the order and the
// stock, the workflow runs its saga to SUCCEEDED, the notifications arrive —
// PASS. With a rule's pattern broken, it fails and says which rule refuses
// the event and why.
func TestRunLocalSeedTest(t *testing.T) {
	r := startRunLocal(t)
	banner := strings.Join(r.banner, "\n")
	i := strings.Index(banner, "kubectl eds test event-driven-stack --aws-endpoint-url ")
	if i < 0 {
		t.Fatalf("the banner does not say how to run the seed's test:\n%s", banner)
	}
	endpoint := strings.Fields(banner[i:])[5]
	r.kubectl("apply", "-f", localcluster.SeedPath())
	r.within(120*time.Second, "the sample Ready", func() error {
		s := r.stack()
		if !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) || s.Status.ObservedGeneration != s.Generation {
			return fmt.Errorf("%s: %+v", s.Status.Resources, meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady))
		}
		return nil
	})
	edsTest := func(timeout string) (string, int) {
		var out, errOut strings.Builder
		code := cli.Main(context.Background(), []string{"test", "event-driven-stack", "--kubeconfig", r.kubeconfig,
			"--aws-endpoint-url", endpoint, "--timeout", timeout}, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
		return out.String() + errOut.String(), code
	}
	out, code := edsTest("120s")
	t.Logf("kubectl eds test:\n%s", out)
	if code != 0 || !strings.Contains(out, "PASS  3 events, 10 checks") {
		t.Fatalf("the seed's test on run-local: exit %d\n%s", code, out)
	}
	for _, want := range []string{"✓ item order_id=ORD-", "✓ item item_id=ITEM-", "stock=98", "✓ execution of workflow event-driven-workflow", "SUCCEEDED", "✓ notification on topic event-notifications"} {
		if !strings.Contains(out, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}

	// A broken pattern: the order never reaches the processor.
	r.kubectl("patch", "eds", "event-driven-stack", "--type", "json",
		"-p", `[{"op":"replace","path":"/spec/rules/0/eventPattern/detail-type","value":["Order Create"]}]`)
	r.within(60*time.Second, "the broken pattern applied", func() error {
		s := r.stack()
		if s.Status.ObservedGeneration != s.Generation || !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			return fmt.Errorf("not Ready on generation %d", s.Generation)
		}
		return nil
	})
	out, code = edsTest("8s")
	t.Logf("kubectl eds test with a broken pattern:\n%s", out)
	if code != 1 || !strings.Contains(out, "FAIL") {
		t.Fatalf("a broken pattern: exit %d, want 1 and FAIL\n%s", code, out)
	}
	if !strings.Contains(out, `✗ item order_id=ORD-`) || !strings.Contains(out, `order-events-rule: no match, detail-type is "Order Created"; the pattern wants "Order Create"`) {
		t.Errorf("the failure does not say the order is missing and why:\n%s", out)
	}
	r.stop()
}
