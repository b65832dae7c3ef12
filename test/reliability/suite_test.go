// Package reliability runs the operator as it runs in production, a separate
// process (the manager binary of ./cmd), against a real API server (envtest
// with our CRD and the pinned ACK CRDs, without the webhook) and the fake
// EventBridge and Lambda server, so that it can really be killed: SIGKILL in
// the middle of a reconcile, SIGTERM with the lease released, two replicas
// electing a leader. The tests play the ACK controllers (localack.PlayACK) and
// read the outcome from the API server, the fake AWS and the processes'
// metrics endpoints. docs/reliability.md describes each test and what it
// measured.
package reliability

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/test/harness"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

var (
	// k8s is the tests' own direct client (no cache).
	k8s client.Client
	// fake is the EventBridge and Lambda every operator process talks to.
	fake *localaws.Server
	// managerBin is the operator binary, built once by TestMain.
	managerBin string
	// kubeconfig is an admin (system:masters) kubeconfig file for the processes.
	kubeconfig string
)

const (
	// waitFor bounds each wait for the operator (2 cores, processes that start).
	waitFor = 60 * time.Second
	// resyncInterval is given to every operator process.
	resyncInterval = 2 * time.Second
	// seedChildren is how many ACK children the seed stack has (19 of
	// them its default alarms).
	seedChildren = 38
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	tmp, err := os.MkdirTemp("", "eventstack-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)

	// The binary first: a compile error costs no control plane.
	managerBin = filepath.Join(tmp, "manager")
	build := exec.Command("go", "build", "-o", managerBin, "./cmd")
	build.Dir = localcluster.RepoRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "go build ./cmd:", err)
		return 1
	}

	env, err := localcluster.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test environment:", err)
		return 1
	}
	// No webhook: the processes run with --enable-webhook=false, so the API
	// server must call none (the CRD's schema and CEL rules still apply).
	env.WebhookInstallOptions = envtest.WebhookInstallOptions{}
	cfg, err := localcluster.Start(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the test control plane:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "admin user:", err)
		return 1
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "admin kubeconfig:", err)
		return 1
	}
	kubeconfig = filepath.Join(tmp, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	scheme, err := operator.Scheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fake = localaws.New()
	if _, err := fake.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "fake AWS:", err)
		return 1
	}
	defer fake.Close()

	code := m.Run()
	// Every process a test started was stopped by its cleanup, and no
	// goroutine of this package outlives its test.
	if n := stopLeftoverProcesses(); n > 0 {
		fmt.Fprintf(os.Stderr, "%d operator processes were still running after the tests\n", n)
		code = 1
	}
	if leaks := leakedGoroutines(); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "goroutines of the reliability tests still running:\n%s\n", strings.Join(leaks, "\n\n"))
		code = 1
	}
	return code
}

// leakedGoroutines returns the stacks of the goroutines, other than the one
// running TestMain, that run code of this package.
func leakedGoroutines() []string {
	var leaks []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaks = leaks[:0]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "test/reliability.") && !strings.Contains(g, "reliability.TestMain") {
				leaks = append(leaks, g)
			}
		}
		if len(leaks) == 0 || time.Now().After(deadline) {
			return leaks
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// Operator processes.

// operatorProcess is one run of the manager binary.
type operatorProcess struct {
	name        string
	metricsAddr string
	logPath     string
	cmd         *exec.Cmd
	started     time.Time
	done        chan struct{} // closed when the process has exited
	exitErr     error         // set before done is closed
}

// running holds the processes not yet exited, for TestMain's final check.
var running sync.Map

// baseFlags are the flags every process gets, as the brief of these tests
// fixes them: the admin kubeconfig, no webhook, no probes, plain-HTTP metrics
// on their own port, the fake AWS, a 2 s resync.
func baseFlags(metricsAddr string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--enable-webhook=false",
		"--health-probe-bind-address=0",
		"--metrics-bind-address=" + metricsAddr,
		"--metrics-secure=false",
		"--aws-endpoint-url=" + fake.URL(),
		"--resync-interval=" + resyncInterval.String(),
	}
}

// logDir is where a test's operator logs go: $RELIABILITY_LOG_DIR/<test>
// when set (emptied first, kept after), else a temporary folder of the test.
func logDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("RELIABILITY_LOG_DIR"); d != "" {
		dir := filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_"))
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// startOperator launches the manager binary and waits until it serves its metrics.
func startOperator(t *testing.T, dir, name string) *operatorProcess {
	t.Helper()
	p := launch(t, dir, name)
	p.waitServing(t)
	return p
}

// launch starts the manager binary with the base flags and extra ones. Its
// log is appended to <dir>/<name>.log. The test's cleanup stops it (SIGTERM,
// then SIGKILL) and, when the test failed, prints the end of its log.
func launch(t *testing.T, dir, name string, extra ...string) *operatorProcess {
	t.Helper()
	p := &operatorProcess{name: name, metricsAddr: freeAddr(t), logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	args := append(baseFlags(p.metricsAddr), extra...)
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logFile, "=== %s: manager %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(args, " "))
	cmd := exec.Command(managerBin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir, // no ~/.aws of the machine
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=us-east-1",
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	p.cmd, p.started = cmd, time.Now()
	running.Store(p, struct{}{})
	go func() {
		p.exitErr = cmd.Wait()
		logFile.Close()
		running.Delete(p)
		close(p.done)
	}()
	t.Cleanup(func() {
		p.shutdown()
		if t.Failed() {
			t.Logf("end of %s:\n%s", p.logPath, tail(p.logPath, 40))
		}
	})
	return p
}

// waitServing waits (30 s at most) until the process serves its metrics,
// which the manager does once started, leader or not.
func (p *operatorProcess) waitServing(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := p.scrape(); err == nil {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited at start (%v):\n%s", p.name, p.exitErr, tail(p.logPath, 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s serves no metrics on %s after 30s:\n%s", p.name, p.metricsAddr, tail(p.logPath, 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exited reports whether the process has exited.
func (p *operatorProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig and waits up to timeout for the process to exit; it
// returns how long the exit took after the signal.
func (p *operatorProcess) signal(t *testing.T, sig syscall.Signal, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil && !p.exited() {
		t.Fatalf("%s: sending %v: %v", p.name, sig, err)
	}
	select {
	case <-p.done:
		return time.Since(start)
	case <-time.After(timeout):
		t.Fatalf("%s still running %s after %v", p.name, timeout, sig)
		return 0
	}
}

// shutdown stops the process if it still runs: SIGTERM, and SIGKILL after
// 40 s (the manager's graceful shutdown allows 30 s).
func (p *operatorProcess) shutdown() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(40 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stopLeftoverProcesses kills the processes still running and returns how many there were.
func stopLeftoverProcesses() int {
	n := 0
	running.Range(func(k, _ any) bool {
		p := k.(*operatorProcess)
		n++
		_ = p.cmd.Process.Kill()
		<-p.done
		return true
	})
	return n
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---------------------------------------------------------------------------
// Metrics, read from a process's /metrics as Prometheus would.

// metricsClient keeps no idle connection, so no goroutine outlives a scrape.
var metricsClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// sample is one line of the text exposition format.
type sample struct {
	labels map[string]string
	value  float64
}

// metrics is a scrape: samples by metric name.
type metrics map[string][]sample

var labelRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"`)

func (p *operatorProcess) scrape() (metrics, error) {
	resp, err := metricsClient.Get("http://" + p.metricsAddr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

func parseMetrics(r io.Reader) (metrics, error) {
	out := metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var name, labels, rest string
		if i := strings.IndexByte(line, '{'); i >= 0 {
			j := strings.LastIndexByte(line, '}')
			if j < i {
				return nil, fmt.Errorf("bad metrics line %q", line)
			}
			name, labels, rest = line[:i], line[i+1:j], strings.TrimSpace(line[j+1:])
		} else {
			f := strings.Fields(line)
			if len(f) < 2 {
				return nil, fmt.Errorf("bad metrics line %q", line)
			}
			name, rest = f[0], f[1]
		}
		v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err != nil {
			return nil, fmt.Errorf("bad metrics line %q: %w", line, err)
		}
		s := sample{labels: map[string]string{}, value: v}
		for _, m := range labelRE.FindAllStringSubmatch(labels, -1) {
			s.labels[m[1]] = m[2]
		}
		out[name] = append(out[name], s)
	}
	return out, sc.Err()
}

// sum adds the samples of a metric whose labels include match; found is
// false when no sample matches (the series is absent).
func (m metrics) sum(name string, match map[string]string) (total float64, found bool) {
	for _, s := range m[name] {
		ok := true
		for k, v := range match {
			if s.labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			total += s.value
			found = true
		}
	}
	return total, found
}

// reconciles is controller_runtime_reconcile_total of the stack controller,
// every result summed; found is false when the series is absent (the
// controller never started in this process).
func (m metrics) reconciles() (float64, bool) {
	return m.sum("controller_runtime_reconcile_total", map[string]string{"controller": "eventdrivenstack"})
}

// awsCalls is eventstack_aws_api_calls_total, every operation and outcome summed.
func (m metrics) awsCalls() float64 {
	n, _ := m.sum("eventstack_aws_api_calls_total", nil)
	return n
}

// isLeader reads leader_election_master_status of our lease.
func (m metrics) isLeader() bool {
	v, _ := m.sum("leader_election_master_status", map[string]string{"name": leaseName})
	return v == 1
}

// apiWrites counts the requests to the API server other than GET (and
// WATCH, which client-go counts as GET) that succeeded (2xx).
func (m metrics) apiWrites() float64 {
	n := 0.0
	for _, s := range m["rest_client_requests_total"] {
		if s.labels["method"] != "GET" && strings.HasPrefix(s.labels["code"], "2") {
			n += s.value
		}
	}
	return n
}

// ---------------------------------------------------------------------------
// The API server's side.

// newNamespace creates a namespace for one test (envtest runs no namespace
// controller or garbage collector: it stays, with what it holds).
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "reliability-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// createSeed creates the seed stack in ns with an AWS name prefix of its
// own, after the given changes to its spec. The tests delete their stacks themselves, with an operator running;
// when a test stops before that, its cleanup removes the finalizer so that
// no stack outlives its test (the fake keeps the AWS side: the prefix keeps
// it apart).
func createSeed(t *testing.T, ns, prefix string, changes ...func(*v1alpha1.EventDrivenStack)) *v1alpha1.EventDrivenStack {
	t.Helper()
	stack := seed.Stack(t, ns)
	stack.Spec.NamePrefix = prefix
	for _, change := range changes {
		change(stack)
	}
	if err := k8s.Create(context.Background(), stack); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(stack)
	t.Cleanup(func() {
		ctx := context.Background()
		s := &v1alpha1.EventDrivenStack{}
		if err := k8s.Get(ctx, key, s); err != nil {
			return
		}
		t.Logf("cleanup: stack %s still there: removing its finalizer", key)
		s.Finalizers = nil
		if err := k8s.Update(ctx, s); client.IgnoreNotFound(err) != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := k8s.Delete(ctx, s); client.IgnoreNotFound(err) != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return stack
}

// getStack reads a stack.
func getStack(ctx context.Context, ns, name string) (*v1alpha1.EventDrivenStack, error) {
	s := &v1alpha1.EventDrivenStack{}
	return s, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s)
}

// children returns the ACK objects in a namespace, keyed Kind/name.
func children(ctx context.Context, ns string) (map[string]ack.Object, error) {
	return harness.Children(ctx, k8s, ns)
}

// countChildren is how many ACK objects a namespace holds (-1 on error).
func countChildren(ctx context.Context, ns string) int {
	kids, err := children(ctx, ns)
	if err != nil {
		return -1
	}
	return len(kids)
}

// checkChildren returns nil when the namespace holds exactly the seed's 38
// children, by Kind/name, each with one owner reference: the stack, as controller.
func checkChildren(ctx context.Context, stack *v1alpha1.EventDrivenStack) error {
	kids, err := children(ctx, stack.Namespace)
	if err != nil {
		return err
	}
	var got []string
	for k := range kids {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, seed.ChildNames) {
		var missing, extra []string
		for _, w := range seed.ChildNames {
			if kids[w] == nil {
				missing = append(missing, w)
			}
		}
		for _, g := range got {
			if !slices.Contains(seed.ChildNames, g) {
				extra = append(extra, g)
			}
		}
		return fmt.Errorf("%d children, want %d; missing %v, unexpected %v", len(got), len(seed.ChildNames), missing, extra)
	}
	for key, obj := range kids {
		refs := obj.GetOwnerReferences()
		if len(refs) != 1 || refs[0].UID != stack.UID || refs[0].Kind != "EventDrivenStack" || refs[0].Name != stack.Name ||
			refs[0].Controller == nil || !*refs[0].Controller {
			return fmt.Errorf("%s: owner references %+v, want exactly the stack %s (uid %s) as controller", key, refs, stack.Name, stack.UID)
		}
	}
	return nil
}

// playACK plays every ACK controller once on the namespace's children.
func playACK(ctx context.Context, ns string) error {
	_, err := localack.PlayACK(ctx, k8s, fake, ns, nil)
	return err
}

// isReady reports whether the stack is Ready for its current generation.
func isReady(s *v1alpha1.EventDrivenStack) error {
	for _, c := range s.Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			if c.Status != metav1.ConditionTrue {
				return fmt.Errorf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
			}
			if s.Status.ObservedGeneration != s.Generation {
				return fmt.Errorf("observedGeneration %d, generation %d", s.Status.ObservedGeneration, s.Generation)
			}
			return nil
		}
	}
	return fmt.Errorf("no Ready condition")
}

// playACKUntilReady plays ACK until the stack is Ready (bounded by waitFor)
// and returns how long it took.
func playACKUntilReady(t *testing.T, ns, name string) time.Duration {
	t.Helper()
	start := time.Now()
	eventually(t, waitFor, "stack "+ns+"/"+name+" Ready", func() error {
		ctx := context.Background()
		if err := playACK(ctx, ns); err != nil {
			return err
		}
		s, err := getStack(ctx, ns, name)
		if err != nil {
			return err
		}
		return isReady(s)
	})
	return time.Since(start)
}

// deleteStack deletes a stack and waits until the running operator let it
// go (its finalizer removes the routing).
func deleteStack(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Delete(ctx, stack); client.IgnoreNotFound(err) != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "stack "+stack.Name+" deleted", func() error {
		if _, err := getStack(ctx, stack.Namespace, stack.Name); err == nil {
			return fmt.Errorf("still there")
		} else if client.IgnoreNotFound(err) != nil {
			return err
		}
		return nil
	})
}

// leaseName and leaseNamespace are the operator's leader election lease
// (operator.New's LeaderElectionID; the tests pass --leader-election-namespace).
const (
	leaseName      = "eventstack-operator.stacks.eventstack.io"
	leaseNamespace = "default"
)

// eventually retries check until it returns nil or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	harness.Eventually(t, timeout, what, check)
}

// consistently checks that check stays nil for the whole duration.
func consistently(t *testing.T, d time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := check(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
