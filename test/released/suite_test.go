// Package released judges the operator against the released ACK service
// controllers, not a stand-in: the six controllers the operator is proven
// against, built from their source at the pinned tags
// (internal/ackcontrollers), run out of cluster against the test control
// plane and a local AWS (internal/localaws) that answers what they call, as
// AWS documents it, including what AWS does asynchronously (a function
// Pending, then Active; an update InProgress, then Successful; a table
// CREATING, then ACTIVE). Every scenario ends at Ready without waiting for an
// ACK resync (10 hours), or Stalled with AWS's reason.
package released

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/ackcontrollers"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/rollout"
	"github.com/eventstack-io/eventstack-operator/test/harness"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

var (
	h *harness.Harness
	// k8s is a direct client: the tests' own view.
	k8s client.Client
	// fake is the AWS both the operator and the ACK controllers talk to.
	fake *localaws.Server
	// controllers are the released ACK controllers, run as processes.
	controllers *ackcontrollers.Controllers
	ctrlOpts    ackcontrollers.Options
	bins        map[ackcontrollers.Release]string
	// code holds the zips the local Lambda deploys, by bucket/key.
	code = &codeStore{objects: map[string][]byte{}}
)

// delays is how long the local AWS takes for what it does after answering:
// half of AWS's usual times (a function Pending for 1.5 s, a table CREATING
// for 4 s), so that the scenarios show every asynchronous state in little time.
var delays = func() localaws.Delays {
	d := localaws.DefaultDelays.Scaled(0.5)
	// IAM's propagation (Lambda refusing a younger role) is played by
	// BenchmarkSeedTimeToReady; here it would add retries whose number
	// depends on timing, not on ACK's rules (TestStandInAgrees... compares
	// those).
	d.RolePropagation = 0
	return d
}()

// settle is how long a scenario may take to come back to Ready after the
// local AWS settled (the bound), on top of the slowest delay.
const settle = 10 * time.Second

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	// kubectl eds publish takes its credentials from the SDK's default chain,
	// as a user's does: the environment here (the controllers get theirs).
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true"} {
		os.Setenv(k, v)
	}
	var err error
	bins, err = ackcontrollers.Binaries(ctx, os.Stderr)
	if errors.Is(err, ackcontrollers.ErrNoSource) {
		fmt.Println("SKIP test/released:", err)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fake = localaws.New()
	fake.Delays = delays
	fake.RequireFunctions(true)
	fake.SetCodeSource(code.get)
	if _, err := fake.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	h, err = harness.StartWith(fake, func(o *operator.Options) {
		// Rollouts on a scaled clock (rollout_test.go): timings are the
		// benchmark's, not these tests'.
		o.RolloutClock = rollout.Scaled{Start: time.Now(), Factor: rolloutTimeScale}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer h.Stop()
	k8s = h.Client

	dir, err := os.MkdirTemp("", "released-ack-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, h.Env.KubeConfig, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctrlOpts = ackcontrollers.Options{Kubeconfig: kubeconfig, EndpointURL: fake.URL(), Region: "us-east-1", LogDir: dir,
		// The stacks the stand-in plays are not theirs (standin_test.go).
		Args: []string{"--watch-selectors", render.LabelStack + "!=" + standInStack}}
	if os.Getenv("RELEASED_ACK_LOGS") == "debug" {
		ctrlOpts.Args = append(ctrlOpts.Args, "--enable-development-logging", "--log-level", "debug")
	}
	controllers, err = ackcontrollers.Start(bins, ctrlOpts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer controllers.Stop()
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := controllers.WaitStarted(waitCtx, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		printLogs(dir)
		return 1
	}
	fmt.Println("released ACK controllers:", controllers.Versions())
	// The kinds whose controller's source is not given (CRD-only releases:
	// CloudWatch alarms) are played by the stand-in, beside the released
	// controllers; the stand-in's own stacks are played by standin_test.go.
	standCtx, stopStand := context.WithCancel(ctx)
	defer stopStand()
	stand := &localack.Controllers{Client: k8s, AWS: fake, Only: func(obj ack.Object) bool {
		return ackcontrollers.PlayedByStandIn(obj) && obj.GetLabels()[render.LabelStack] != standInStack
	}}
	go func() { _ = stand.Start(standCtx) }()
	code := m.Run()
	if code != 0 || os.Getenv("RELEASED_ACK_LOGS") != "" {
		printLogs(dir)
	}
	return code
}

// printLogs prints the end of each controller's log, for a failed run.
func printLogs(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.Split(string(b), "\n")
		if len(lines) > 4000 {
			lines = lines[len(lines)-4000:]
		}
		fmt.Fprintf(os.Stderr, "==== %s (last %d lines)\n%s\n", filepath.Base(f), len(lines), strings.Join(lines, "\n"))
	}
}

// codeStore is the S3 the local Lambda reads zips from.
type codeStore struct {
	mu      sync.Mutex
	objects map[string][]byte
	// more are other sources (a fake S3 that kubectl eds publish wrote to).
	more []func(bucket, key string) ([]byte, bool)
}

func (c *codeStore) put(bucket, key string, archive []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objects[bucket+"/"+key] = archive
}

// addSource adds a place zips are read from.
func (c *codeStore) addSource(src func(bucket, key string) ([]byte, bool)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.more = append(c.more, src)
}

func (c *codeStore) get(bucket, key, _ string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.objects[bucket+"/"+key]; ok {
		return b, nil
	}
	for _, src := range c.more {
		if b, ok := src(bucket, key); ok {
			return b, nil
		}
	}
	return nil, fmt.Errorf("NoSuchKey")
}

// zipOf is a zip holding a bootstrap file with content.
func zipOf(t testing.TB, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create("bootstrap")
	if err == nil {
		_, err = f.Write([]byte(content))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipSHA is Lambda's CodeSha256 of a zip.
func zipSHA(archive []byte) string {
	sum := sha256.Sum256(archive)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// seedStack is the seed stack in a new namespace, its AWS names prefixed (the
// scenarios share one local AWS account), each function's code a zip in the
// local S3 with its sha256 declared, as kubectl eds publish leaves it.
func seedStack(t testing.TB, prefix string) *v1alpha1.EventDrivenStack {
	t.Helper()
	return withCode(t, seed.Stack(t, harness.NewNamespace(t, k8s)), prefix)
}

// withCode prefixes a stack's AWS names and puts each function's code, a zip
// in the local S3 with its sha256 declared, as kubectl eds publish leaves it.
func withCode(t testing.TB, stack *v1alpha1.EventDrivenStack, prefix string) *v1alpha1.EventDrivenStack {
	t.Helper()
	stack.Spec.NamePrefix = prefix
	for i := range stack.Spec.Functions {
		c := &stack.Spec.Functions[i].Code
		c.S3Key = prefix + c.S3Key
		archive := zipOf(t, "handler of "+prefix+stack.Spec.Functions[i].Name+" v1")
		code.put(c.S3Bucket, c.S3Key, archive)
		c.SHA256 = zipSHA(archive)
	}
	return stack
}

// create creates a stack (deleted when the test ends) and waits until it is Ready.
func create(t testing.TB, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	harness.CreateStack(t, k8s, stack, 2*time.Minute)
	waitReady(t, stack, time.Minute+settle)
}

// get reads a stack.
func get(t testing.TB, stack *v1alpha1.EventDrivenStack) *v1alpha1.EventDrivenStack {
	t.Helper()
	got := &v1alpha1.EventDrivenStack{}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(stack), got); err != nil {
		t.Fatal(err)
	}
	return got
}

// waitReady waits until the stack is Ready at its current generation.
func waitReady(t testing.TB, stack *v1alpha1.EventDrivenStack, timeout time.Duration) {
	t.Helper()
	harness.Eventually(t, timeout, "stack "+stack.Name+" Ready", func() error {
		return readyAtGeneration(get(t, stack))
	})
}

func readyAtGeneration(s *v1alpha1.EventDrivenStack) error {
	c := meta.FindStatusCondition(s.Status.Conditions, v1alpha1.ConditionReady)
	if c == nil || c.Status != "True" || s.Status.ObservedGeneration != s.Generation || c.ObservedGeneration != s.Generation {
		return fmt.Errorf("generation %d, observed %d, Ready %v; %s", s.Generation, s.Status.ObservedGeneration, c, notReady(s))
	}
	return nil
}

// notReady lists the children not ready, for failure messages.
func notReady(s *v1alpha1.EventDrivenStack) string {
	var b bytes.Buffer
	for _, c := range s.Status.Children {
		if !c.Ready {
			fmt.Fprintf(&b, "\n  %s %s: %s: %s", c.Kind, c.Name, c.State, c.Message)
		}
	}
	return b.String()
}

// edit changes a stack's spec with a merge patch built by change.
func edit(t *testing.T, stack *v1alpha1.EventDrivenStack, change func(*v1alpha1.EventDrivenStack)) error {
	t.Helper()
	cur := get(t, stack)
	before := cur.DeepCopy()
	change(cur)
	return k8s.Patch(context.Background(), cur, client.MergeFrom(before))
}

// mustEdit is edit that must be accepted; it returns the new generation.
func mustEdit(t *testing.T, stack *v1alpha1.EventDrivenStack, change func(*v1alpha1.EventDrivenStack)) {
	t.Helper()
	if err := edit(t, stack, change); err != nil {
		t.Fatal(err)
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
