package perf

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// managerBinary builds the manager as `make build` does (no cgo, -trimpath,
// -ldflags "-s -w") into a temporary folder, once.
var managerBinary struct {
	once       sync.Once
	path       string
	kubeconfig string
	err        error
}

func manager(b *testing.B) (bin, kubeconfig string) {
	b.Helper()
	managerBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "perf-manager-")
		if err != nil {
			managerBinary.err = err
			return
		}
		onExit(func() { _ = os.RemoveAll(dir) })
		bin := filepath.Join(dir, "manager")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd")
		cmd.Dir = localcluster.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			managerBinary.err = fmt.Errorf("building the manager: %v\n%s", err, msg)
			return
		}
		// A user of its own (system:masters) and its kubeconfig.
		user, err := plane.env.AddUser(envtest.User{Name: "perf-manager", Groups: []string{"system:masters"}}, nil)
		if err != nil {
			managerBinary.err = err
			return
		}
		kc, err := user.KubeConfig()
		if err != nil {
			managerBinary.err = err
			return
		}
		kubeconfig := filepath.Join(dir, "kubeconfig")
		if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
			managerBinary.err = err
			return
		}
		managerBinary.path, managerBinary.kubeconfig = bin, kubeconfig
	})
	if managerBinary.err != nil {
		b.Fatal(managerBinary.err)
	}
	return managerBinary.path, managerBinary.kubeconfig
}

func freePort(b *testing.B) int {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// scrape reads the manager's metrics endpoint: the samples without labels.
func scrape(url string) (map[string]float64, string, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		f := strings.Fields(line)
		if len(f) == 2 {
			if v, err := strconv.ParseFloat(f[1], 64); err == nil {
				out[f[0]] = v
			}
		}
	}
	return out, string(body), nil
}

// sumSamples sums the samples of a metric whose labels contain every one of
// the given "name=\"value\"" pairs.
func sumSamples(body, metric string, labels ...string) float64 {
	total := 0.0
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, metric+"{") && !strings.HasPrefix(line, metric+" ") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		f := strings.Fields(line)
		if v, err := strconv.ParseFloat(f[len(f)-1], 64); ok && err == nil {
			total += v
		}
	}
	return total
}

// procStatus reads VmRSS and VmHWM (peak RSS) of a process, in bytes.
func procStatus(pid int) (rss, hwm float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb * 1024
		case "VmHWM:":
			hwm = kb * 1024
		}
	}
	return rss, hwm
}

// memSample is the manager's memory at one moment.
type memSample struct {
	rss, hwm, heapInuse, heapAlloc, sys, goroutines float64
}

func sampleManager(b *testing.B, pid int, url string) memSample {
	b.Helper()
	m, _, err := scrape(url)
	if err != nil {
		b.Fatalf("scraping the manager: %v", err)
	}
	rss, hwm := procStatus(pid)
	return memSample{rss: rss, hwm: hwm, heapInuse: m["go_memstats_heap_inuse_bytes"], heapAlloc: m["go_memstats_heap_alloc_bytes"],
		sys: m["go_memstats_sys_bytes"], goroutines: m["go_goroutines"]}
}

func (s memSample) String() string {
	return fmt.Sprintf("RSS %.1f MiB (peak %.1f), heap in use %.1f MiB (allocated %.1f), Go sys %.1f MiB, %.0f goroutines",
		mib(s.rss), mib(s.hwm), mib(s.heapInuse), mib(s.heapAlloc), mib(s.sys), s.goroutines)
}

// median of the samples, field by field (peak: the last).
func medianSample(s []memSample) memSample {
	pick := func(f func(memSample) float64) float64 {
		v := make([]float64, len(s))
		for i := range s {
			v[i] = f(s[i])
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	return memSample{
		rss: pick(func(m memSample) float64 { return m.rss }), hwm: s[len(s)-1].hwm,
		heapInuse: pick(func(m memSample) float64 { return m.heapInuse }), heapAlloc: pick(func(m memSample) float64 { return m.heapAlloc }),
		sys: pick(func(m memSample) float64 { return m.sys }), goroutines: pick(func(m memSample) float64 { return m.goroutines }),
	}
}

// BenchmarkManagerMemory runs the manager binary (go build ./cmd) as its own
// process against the control plane (--enable-webhook=false, metrics over
// HTTP on a loopback port, EventBridge and Lambda the fake; PERF_MANAGER_FLAGS
// adds flags), creates N seed stacks (PERF_MEM_STACKS, default 100 and 1000)
// while the ACK player marks every child, waits until every stack is Ready
// and 15 s more, and reads the manager's RSS (/proc/<pid>/status) and heap
// (go_memstats_heap_inuse_bytes from its metrics): the median of 5 samples a
// second apart; then its live heap, after a full GC (liveHeap).
func BenchmarkManagerMemory(b *testing.B) {
	controlPlane(b)
	bin, kubeconfig := manager(b)
	for _, n := range settings.memStacks {
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchMemory(b, bin, kubeconfig, n)
			}
		})
	}
}

func benchMemory(b *testing.B, bin, kubeconfig string, n int) {
	ctx := context.Background()
	run := newRun()
	ns := namespace(b, fmt.Sprintf("perf-%03d-mem", run))
	port, pprofPort := freePort(b), freePort(b)
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	args := append([]string{
		fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", pprofPort),
		"--kubeconfig=" + kubeconfig,
		"--enable-webhook=false",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", port),
		"--metrics-secure=false",
		"--health-probe-bind-address=0",
		"--aws-endpoint-url=" + plane.fake.URL(),
	}, settings.managerFlags...)
	logPath := filepath.Join(filepath.Dir(bin), fmt.Sprintf("manager-%d.log", run))
	logFile, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true", "KUBECONFIG="+kubeconfig)
	cmd.Env = append(cmd.Env, settings.managerEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	defer stop()
	pid := cmd.Process.Pid

	// Started: the controller's metrics are served.
	waitUntil(b, nil, "the manager serves its metrics", func() (bool, string) {
		_, body, err := scrape(url)
		if err != nil {
			return false, err.Error()
		}
		return strings.Contains(body, `controller="eventdrivenstack"`), "no eventdrivenstack controller metrics yet"
	})
	time.Sleep(2 * time.Second)
	idle := sampleManager(b, pid, url)

	player := startACKPlayer(b, ns)
	defer player.stop()
	cpu0 := pidCPU(pid)
	all0 := sampleCPU()
	start := time.Now()
	createStacks(b, seedStacks(b, ns, run, n))
	want := childrenPerStack * n
	waitUntil(b, player, "every child exists", func() (bool, string) {
		have := player.children()
		return have >= want, fmt.Sprintf("%d of %d children", have, want)
	})
	childrenD := time.Since(start)
	waitUntil(b, player, "every stack Ready", func() (bool, string) {
		ready, _ := player.ready(ctx)
		return ready >= n, fmt.Sprintf("%d of %d Ready", ready, n)
	})
	readyD := time.Since(start)
	busyCPU := pidCPU(pid) - cpu0
	allCPU := sampleCPU().since(all0)
	_, body, err := scrape(url)
	if err != nil {
		b.Fatal(err)
	}
	var requests []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		requests = append(requests, fmt.Sprintf("%s %.0f", m, sumSamples(body, "rest_client_requests_total", `method="`+m+`"`)))
	}
	reconciles := sumSamples(body, "controller_runtime_reconcile_total", `controller="eventdrivenstack"`)
	time.Sleep(15 * time.Second)
	var samples []memSample
	for s := 0; s < 5; s++ {
		samples = append(samples, sampleManager(b, pid, url))
		time.Sleep(time.Second)
	}
	settled := medianSample(samples)
	// After the samples: the GC it forces would show in them.
	live := liveHeap(b, pprofPort)
	saveHeapProfile(b, pprofPort, fmt.Sprintf("manager-heap-%d", n))
	cacheJSON := cachedJSONBytes(ctx, b, player)
	stop()
	logs, _ := os.ReadFile(logPath)
	errorLines := strings.Count(string(logs), `"level":"error"`) + strings.Count(string(logs), "\tERROR\t")
	player.stop()
	clearNamespace(b, ns)

	b.ReportMetric(mib(settled.rss), "rss-MiB")
	b.ReportMetric(mib(settled.heapInuse), "heap-inuse-MiB")
	b.ReportMetric(mib(live), "live-heap-MiB")
	b.ReportMetric(mib(settled.hwm), "peak-rss-MiB")
	b.ReportMetric(mib(idle.rss), "idle-rss-MiB")
	b.ReportMetric(readyD.Seconds(), "s-to-ready")
	b.ReportMetric(float64(want)/childrenD.Seconds(), "children/s")
	b.ReportMetric(allCPU.othersShare(readyD), "others-%")
	b.Logf("manager %s %s; %d stacks, %d children; load %s", strings.Join(settings.managerEnv, " "), strings.Join(args[1:], " "), n, want, loadAvg())
	b.Logf("idle (no stack): %s", idle)
	b.Logf("every child in %s, every stack Ready in %s (manager CPU %.1fs); %d error lines in its log (%s); CPU %s",
		childrenD.Round(time.Millisecond), readyD.Round(time.Millisecond), busyCPU.Seconds(), errorLines, logPath, allCPU)
	b.Logf("until Ready: %.0f reconciles; API requests by the manager %s (events included)", reconciles, strings.Join(requests, ", "))
	b.Logf("settled (Ready + 15 s, median of 5): %s; live heap after a full GC %.1f MiB", settled, mib(live))
	b.Logf("what the cache holds, as JSON without managedFields: %.1f MiB (%.0f bytes per stack with its status, %.0f per child)",
		mib(cacheJSON.total()), cacheJSON.stack, cacheJSON.child)
}

type cacheSize struct{ stacks, children, stack, child float64 }

func (c cacheSize) total() float64 { return c.stacks + c.children }

// cachedJSONBytes measures the objects the operator caches (the stacks and
// their children, as the player's cache holds them: managedFields stripped)
// as JSON.
func cachedJSONBytes(ctx context.Context, b *testing.B, p *ackPlayer) cacheSize {
	b.Helper()
	var out cacheSize
	var stacks v1alpha1.EventDrivenStackList
	if err := p.cache.List(ctx, &stacks, client.InNamespace(p.ns)); err != nil {
		b.Fatal(err)
	}
	for i := range stacks.Items {
		j, _ := json.Marshal(&stacks.Items[i])
		out.stacks += float64(len(j))
	}
	nChildren := 0
	for _, k := range ack.Kinds {
		list := k.List()
		if err := p.cache.List(ctx, list, client.InNamespace(p.ns)); err != nil {
			b.Fatal(err)
		}
		for _, o := range list.Objects() {
			j, _ := json.Marshal(o)
			out.children += float64(len(j))
			nChildren++
		}
	}
	if len(stacks.Items) > 0 {
		out.stack = out.stacks / float64(len(stacks.Items))
	}
	if nChildren > 0 {
		out.child = out.children / float64(nChildren)
	}
	return out
}

// liveHeap is the manager's live heap: its heap once a full GC has run (the
// pprof endpoint's gc=1 runs one), what the cache and the rest hold, without
// the garbage the settled samples include. The GC sets its next goal from it
// (GOGC=100: twice it, or GOMEMLIMIT if lower).
func liveHeap(b *testing.B, port int) float64 {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/heap?gc=1&debug=1", port))
	if err != nil {
		b.Logf("manager live heap: %v", err)
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "# HeapAlloc = "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	b.Logf("manager live heap: no HeapAlloc in its heap profile")
	return 0
}

// saveHeapProfile, when PERF_MANAGER_PROFILE names a folder, saves the
// manager's heap profile there as <name>.pprof (read it with
// `go tool pprof -sample_index=inuse_space -top <file>`), taken after the
// full GC of liveHeap: what it shows in use is what is live.
func saveHeapProfile(b *testing.B, port int, name string) {
	dir := os.Getenv("PERF_MANAGER_PROFILE")
	if dir == "" {
		return
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/heap", port))
	if err != nil {
		b.Logf("manager heap profile: %v", err)
		return
	}
	defer resp.Body.Close()
	path := filepath.Join(dir, name+".pprof")
	f, err := os.Create(path)
	if err != nil {
		b.Logf("manager heap profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		b.Logf("manager heap profile: %v", err)
		return
	}
	b.Logf("manager heap profile: %s", path)
}
