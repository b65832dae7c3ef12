package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/localack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/internal/operator"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// childrenPerStack is how many ACK children the seed stack has (19 of them
// its default alarms).
const childrenPerStack = 38

// settings are the benchmarks' knobs (environment variables, see doc.go).
var settings = struct {
	stacks       []int
	memStacks    []int
	mcr          int
	rawWorkers   int
	phaseTimeout time.Duration
	managerFlags []string
	managerEnv   []string
	verbose      bool
	readyStacks  []int
	latencyScale float64
}{
	stacks:       envInts("PERF_STACKS", []int{1, 10, 100, 500}),
	memStacks:    envInts("PERF_MEM_STACKS", []int{100, 1000}),
	mcr:          envInts("PERF_MCR", []int{4})[0],
	rawWorkers:   envInts("PERF_RAW_WORKERS", []int{16})[0],
	phaseTimeout: envDuration("PERF_PHASE_TIMEOUT", 15*time.Minute),
	managerFlags: strings.Fields(os.Getenv("PERF_MANAGER_FLAGS")),
	managerEnv:   strings.Fields(os.Getenv("PERF_MANAGER_ENV")),
	verbose:      os.Getenv("PERF_VERBOSE") != "",
	readyStacks:  envInts("PERF_READY_STACKS", []int{1, 100}),
	latencyScale: envFloat("PERF_ACK_LATENCY_SCALE", 1),
}

func envFloat(name string, def float64) float64 {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		panic(fmt.Sprintf("%s=%q: want a number, 0 or more", name, v))
	}
	return f
}

func envInts(name string, def []int) []int {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			panic(fmt.Sprintf("%s=%q: want positive integers separated by commas", name, v))
		}
		out = append(out, n)
	}
	return out
}

func envDuration(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		panic(fmt.Sprintf("%s=%q: %v", name, v, err))
	}
	return d
}

// The control plane (envtest: kube-apiserver, etcd, the real ACK CRDs) and the
// fake EventBridge and Lambda, started on first use and stopped by TestMain.
var plane struct {
	once   sync.Once
	err    error
	env    *envtest.Environment
	cfg    *rest.Config // client-side throttling off, as localcluster.Start sets it
	scheme *kruntime.Scheme
	k8s    client.Client // the benchmark's own direct client
	fake   *localaws.Server
}

// stoppers run when TestMain ends, last first.
var stoppers struct {
	sync.Mutex
	fns []func()
}

func onExit(f func()) {
	stoppers.Lock()
	defer stoppers.Unlock()
	stoppers.fns = append(stoppers.fns, f)
}

func TestMain(m *testing.M) {
	w := io.Discard
	if settings.verbose {
		w = os.Stderr
	}
	logf.SetLogger(zap.New(zap.WriteTo(w), zap.Level(zapcore.ErrorLevel)))
	fmt.Fprintf(os.Stderr, "perf: %s, GOMAXPROCS %d, load average at start %s\n", runtime.Version(), runtime.GOMAXPROCS(0), loadAvg())
	code := emulators.Main(m) // stops dynalite, if a benchmark started it
	fmt.Fprintf(os.Stderr, "perf: load average at end %s\n", loadAvg())
	stoppers.Lock()
	for i := len(stoppers.fns) - 1; i >= 0; i-- {
		stoppers.fns[i]()
	}
	stoppers.Unlock()
	os.Exit(code)
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// controlPlane starts the control plane and the fake AWS once.
func controlPlane(b *testing.B) {
	b.Helper()
	plane.once.Do(func() {
		start := time.Now()
		env, err := localcluster.New()
		if err != nil {
			plane.err = err
			return
		}
		// No webhook: the stacks are created straight into the API server
		// (the operator validates them again itself).
		env.WebhookInstallOptions = envtest.WebhookInstallOptions{}
		if os.Getenv("PERF_APISERVER_PROFILE") != "" {
			env.ControlPlane.GetAPIServer().Configure().Set("profiling", "true")
		}
		cfg, err := localcluster.Start(env)
		if err != nil {
			plane.err = fmt.Errorf("starting the control plane: %w", err)
			return
		}
		onExit(func() { _ = env.Stop() })
		plane.env, plane.cfg = env, cfg
		if plane.scheme, err = operator.Scheme(); err != nil {
			plane.err = err
			return
		}
		if plane.k8s, err = client.New(cfg, client.Options{Scheme: plane.scheme}); err != nil {
			plane.err = err
			return
		}
		plane.fake = localaws.New()
		if _, err := plane.fake.Start(); err != nil {
			plane.err = err
			return
		}
		onExit(plane.fake.Close)
		fmt.Fprintf(os.Stderr, "perf: control plane up in %s\n", time.Since(start).Round(time.Millisecond))
	})
	if plane.err != nil {
		b.Fatal(plane.err)
	}
}

// awsOptions are the suite's: static credentials (the fake checks none) and
// the standard retryer with short backoffs.
func awsOptions() []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				o.MaxBackoff = 20 * time.Millisecond
			})
		}),
	}
}

// runSeq makes every run's namespaces and AWS names distinct: the fake AWS
// keeps its buses for the whole process.
var runSeq atomic.Int64

// newRun returns a fresh run number.
func newRun() int { return int(runSeq.Add(1)) }

// namespace creates a namespace.
func namespace(b *testing.B, name string) string {
	b.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := plane.k8s.Create(context.Background(), ns); err != nil {
		b.Fatal(err)
	}
	return name
}

// seedStacks returns n copies of the seed stack in a namespace, each with its
// own name and namePrefix (so that their AWS names differ); run makes the
// prefixes unique in the process. Every copy has names of the same length.
func seedStacks(b *testing.B, ns string, run, n int) []*v1alpha1.EventDrivenStack {
	b.Helper()
	base := seed.Stack(b, ns)
	out := make([]*v1alpha1.EventDrivenStack, n)
	for i := range out {
		s := base.DeepCopy()
		s.Name = fmt.Sprintf("event-driven-stack-%04d", i)
		s.Spec.NamePrefix = fmt.Sprintf("r%03d-%04d-", run%1000, i)
		out[i] = s
	}
	return out
}

// renderComplete returns every child the operator ends up applying for the
// stacks once ACK reported every ARN: the children rendered with the ARNs and
// URLs AWS would give them (internal/cli/predict), each stack given a UID as
// the API server would.
func renderComplete(b *testing.B, stacks []*v1alpha1.EventDrivenStack) []ack.Object {
	b.Helper()
	p, err := predict.New(stacks[0].Spec.Region, localack.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	var out []ack.Object
	for _, s := range stacks {
		s = s.DeepCopy()
		s.UID = uuid.NewUUID()
		res, _ := renderResolved(b, s, p)
		for _, c := range res.Children {
			if c.Object == nil || len(c.Partial) > 0 {
				b.Fatalf("%s %s does not render completely: needs %v, partial %v", c.Kind, c.Name, c.Needs, c.Partial)
			}
			out = append(out, c.Object)
		}
	}
	if len(out) != childrenPerStack*len(stacks) {
		b.Fatalf("%d children for %d stacks, want %d each", len(out), len(stacks), childrenPerStack)
	}
	return out
}

// renderResolved renders a stack's children as the operator does once ACK
// reported every ARN and URL, which p predicts.
func renderResolved(b *testing.B, s *v1alpha1.EventDrivenStack, p predict.Predictor) (*render.Result, render.Observed) {
	b.Helper()
	obs, err := predict.Resolve(s, p)
	if err != nil {
		b.Fatal(err)
	}
	res, err := render.Render(s, obs)
	if err != nil {
		b.Fatal(err)
	}
	return res, obs
}

// applyChild writes a child exactly as the operator does (controllers.apply):
// server-side apply under the operator's field manager, forced, strict.
func applyChild(ctx context.Context, c client.Client, obj ack.Object) error {
	desired := obj.DeepCopyObject().(ack.Object)
	//nolint:staticcheck // the operator's own call: Patch with client.Apply takes the field validation option.
	return c.Patch(ctx, desired, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
		client.FieldValidation("Strict"))
}

// parallel runs f on each of n items with the given number of workers and
// returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(workers, n)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// rawApply is the limit the operator is compared with: a plain client
// server-side-applies the given children with the given number of concurrent
// writers. It returns the elapsed time.
func rawApply(b *testing.B, objs []ack.Object, workers int) time.Duration {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	if err := parallel(len(objs), workers, func(i int) error { return applyChild(ctx, plane.k8s, objs[i]) }); err != nil {
		b.Fatalf("raw apply: %v", err)
	}
	return time.Since(start)
}

// createStacks creates the stacks with a few concurrent writers.
func createStacks(b *testing.B, stacks []*v1alpha1.EventDrivenStack) {
	b.Helper()
	ctx := context.Background()
	if err := parallel(len(stacks), 4, func(i int) error { return plane.k8s.Create(ctx, stacks[i].DeepCopy()) }); err != nil {
		b.Fatalf("creating stacks: %v", err)
	}
}

// clearNamespace deletes every stack (without the operator: their finalizers
// are taken off) and every ACK child in a namespace, so that the next run's
// operator caches nothing of this one.
func clearNamespace(b *testing.B, ns string) {
	b.Helper()
	ctx := context.Background()
	var stacks v1alpha1.EventDrivenStackList
	if err := plane.k8s.List(ctx, &stacks, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	err := parallel(len(stacks.Items), 4, func(i int) error {
		s := &stacks.Items[i]
		if len(s.Finalizers) > 0 {
			patch := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`))
			if err := plane.k8s.Patch(ctx, s, patch); client.IgnoreNotFound(err) != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := plane.k8s.DeleteAllOf(ctx, &v1alpha1.EventDrivenStack{}, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	for _, k := range ack.Kinds {
		if err := plane.k8s.DeleteAllOf(ctx, k.New(), client.InNamespace(ns)); err != nil {
			b.Fatal(err)
		}
	}
}

// writeCounter counts an operator's writes to the API server, by verb and
// kind, and keeps a log of them (when, what, for which stack).
type writeCounter struct {
	mu    sync.Mutex
	byKey map[string]int
	log   []writeEvent
}

// writeEvent is one write, logged when it was sent.
type writeEvent struct {
	at time.Time
	// verb and kind as counted ("apply", "status-patch"; "Queue").
	verb, kind string
	// name is the object's namespace/name; stack is the namespace/name of
	// the stack it is or belongs to (its controller), "" if none.
	name, stack string
	// note says, for a stack, what it is written with: its Ready condition
	// and ready/total count.
	note string
}

func newWriteCounter() *writeCounter { return &writeCounter{byKey: map[string]int{}} }

func kindOf(obj any) string {
	t := fmt.Sprintf("%T", obj)
	return t[strings.LastIndex(t, ".")+1:]
}

func (w *writeCounter) add(verb string, obj any) {
	ev := writeEvent{at: time.Now(), verb: verb, kind: kindOf(obj)}
	if o, ok := obj.(client.Object); ok {
		ev.name = o.GetNamespace() + "/" + o.GetName()
		if st, isStack := obj.(*v1alpha1.EventDrivenStack); isStack {
			ev.stack = ev.name
			if c := meta.FindStatusCondition(st.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				ev.note = fmt.Sprintf("Ready=%s %s, %s, inventory %d", c.Status, c.Reason, st.Status.Resources, len(st.Status.Inventory))
			}
		} else if ref := metav1.GetControllerOf(o); ref != nil && ref.Kind == "EventDrivenStack" {
			ev.stack = o.GetNamespace() + "/" + ref.Name
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.byKey[verb+" "+ev.kind]++
	w.log = append(w.log, ev)
}

// events returns the writes logged so far.
func (w *writeCounter) events() []writeEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]writeEvent(nil), w.log...)
}

// snapshot returns the counts so far.
func (w *writeCounter) snapshot() counts {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := counts{}
	for k, v := range w.byKey {
		out[k] = v
	}
	return out
}

// wrap counts every create, update, patch, apply and delete, of objects and of
// their status, before passing it on.
func (w *writeCounter) wrap(c client.WithWatch) client.WithWatch {
	return interceptor.NewClient(c, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			w.add("create", obj)
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			w.add("update", obj)
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			verb := "patch"
			if p.Type() == types.ApplyPatchType {
				verb = "apply"
			}
			w.add(verb, obj)
			return c.Patch(ctx, obj, p, opts...)
		},
		Apply: func(ctx context.Context, c client.WithWatch, obj kruntime.ApplyConfiguration, opts ...client.ApplyOption) error {
			w.add("apply", obj)
			return c.Apply(ctx, obj, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			w.add("delete", obj)
			return c.Delete(ctx, obj, opts...)
		},
		DeleteAllOf: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteAllOfOption) error {
			w.add("deleteAllOf", obj)
			return c.DeleteAllOf(ctx, obj, opts...)
		},
		SubResourceCreate: func(ctx context.Context, c client.Client, sub string, obj, subObj client.Object, opts ...client.SubResourceCreateOption) error {
			w.add(sub+"-create", obj)
			return c.SubResource(sub).Create(ctx, obj, subObj, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			w.add(sub+"-update", obj)
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			w.add(sub+"-patch", obj)
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
}

// counts are counts by key ("apply Queue", "events:PutRule").
type counts map[string]int

// sub returns c - before.
func (c counts) sub(before counts) counts {
	out := counts{}
	for k, v := range c {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func (c counts) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// childWrites counts the writes of ACK children.
func (c counts) childWrites() int {
	n := 0
	for k, v := range c {
		if !strings.HasSuffix(k, " EventDrivenStack") {
			n += v
		}
	}
	return n
}

// mutating counts the AWS calls other than Describe*, List* and Get*.
func (c counts) mutating() int {
	n := 0
	for k, v := range c {
		op := k[strings.Index(k, ":")+1:]
		if !strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "List") && !strings.HasPrefix(op, "Get") {
			n += v
		}
	}
	return n
}

// perStack formats the counts divided by n, sorted by key.
func (c counts) perStack(n int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %s", k, strconv.FormatFloat(float64(c[k])/float64(n), 'f', -1, 64)))
	}
	return strings.Join(parts, ", ")
}

// awsCalls returns the fake AWS's calls by operation.
func awsCalls() counts { return counts(plane.fake.Calls()) }

// reconcileStats are controller-runtime's reconcile and error counters of the
// stack controller and the operator's reconcile duration (process-wide: take
// differences).
type reconcileStats struct {
	reconciles, errors, seconds float64
}

func reconcileCounts() reconcileStats {
	var st reconcileStats
	mfs, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return st
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total":
				for _, l := range m.GetLabel() {
					if l.GetName() == "controller" && l.GetValue() == "eventdrivenstack" {
						if mf.GetName() == "controller_runtime_reconcile_total" {
							st.reconciles += m.GetCounter().GetValue()
						} else {
							st.errors += m.GetCounter().GetValue()
						}
					}
				}
			case "eventstack_reconcile_duration_seconds":
				st.seconds += m.GetHistogram().GetSampleSum()
			}
		}
	}
	return st
}

func (s reconcileStats) sub(before reconcileStats) reconcileStats {
	return reconcileStats{s.reconciles - before.reconciles, s.errors - before.errors, s.seconds - before.seconds}
}

// mean is the mean reconcile duration.
func (s reconcileStats) mean() time.Duration {
	if s.reconciles == 0 {
		return 0
	}
	return time.Duration(s.seconds / s.reconciles * float64(time.Second))
}

// operatorConfig is what differs between the operator runs.
type operatorConfig struct {
	mcr    int
	qps    float32 // client-side limit; <0 is off (localcluster's setting)
	burst  int
	resync time.Duration
	// progress is operator.Options.StatusProgressInterval (0 writes every
	// status change).
	progress time.Duration
}

func (o operatorConfig) String() string {
	q := "off"
	if o.qps > 0 {
		q = fmt.Sprintf("%g/%d", o.qps, o.burst)
	}
	return fmt.Sprintf("MaxConcurrentReconciles %d, client QPS/burst %s, resync %s, status progress interval %s", o.mcr, q, o.resync, o.progress)
}

// operatorRun is an operator started in this process with operator.New.
type operatorRun struct {
	writes *writeCounter
	cancel context.CancelFunc
	done   chan error
}

// startOperator starts the operator as the tests do (operator.New; metrics,
// probes and webhook off; EventBridge and Lambda the fake) with its writes
// counted, and returns once its caches are synced.
func startOperator(b *testing.B, oc operatorConfig) *operatorRun {
	b.Helper()
	resetControllerNames()
	cfg := rest.CopyConfig(plane.cfg)
	cfg.QPS, cfg.Burst = oc.qps, oc.burst
	w := newWriteCounter()
	mgr, err := operator.New(cfg, operator.Options{
		MetricsAddr: "0", ProbeAddr: "0",
		MaxConcurrentReconciles: oc.mcr,
		AWSEndpointURL:          plane.fake.URL(),
		AWSLoadOptions:          awsOptions(),
		ResyncInterval:          oc.resync,
		StatusProgressInterval:  oc.progress,
		NewClient: func(c *rest.Config, o client.Options) (client.Client, error) {
			inner, err := client.NewWithWatch(c, o)
			if err != nil {
				return nil, err
			}
			return w.wrap(inner), nil
		},
	})
	if err != nil {
		b.Fatalf("operator: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &operatorRun{writes: w, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- mgr.Start(ctx) }()
	syncCtx, cancelSync := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelSync()
	// The controller's informers: created and synced before any stack exists,
	// so that the measurement does not include the operator's start.
	for _, obj := range append([]client.Object{&v1alpha1.EventDrivenStack{}}, kindObjects()...) {
		if _, err := mgr.GetCache().GetInformer(syncCtx, obj); err != nil {
			r.stop(b)
			b.Fatalf("operator cache: %v", err)
		}
	}
	select {
	case <-mgr.Elected():
	case <-syncCtx.Done():
		r.stop(b)
		b.Fatal("the operator did not start in 2 minutes")
	}
	time.Sleep(500 * time.Millisecond) // the controller's workers start after its sources sync
	return r
}

// stop stops the operator and waits (bounded) until it returned.
func (r *operatorRun) stop(b *testing.B) {
	b.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			b.Errorf("operator: %v", err)
		}
	case <-time.After(time.Minute):
		b.Error("the operator did not stop within a minute")
	}
}

func kindObjects() []client.Object {
	out := make([]client.Object, 0, len(ack.Kinds))
	for _, k := range ack.Kinds {
		out = append(out, k.New())
	}
	return out
}

// ackPlayer does what the ACK controllers would do: it reports every child in
// a namespace as one ACK reconcile does (localack.PlayOnce: the ARN, a queue's
// URL, ACK.ResourceSynced=True; a role in two rounds, ARN then synced; a
// change of a child stamped anew), each report a status write, driven by an
// informer and with several writers, so that at 500 stacks the benchmark's
// own ACK does not list ten thousand objects in a loop.
//
// Without a latency model (startACKPlayer) a child is reported as soon as it
// appears or changes. With one (startACKPlayerWith) each child is reported on
// its own timer, once its kind's latency (ackLatency) has passed since the
// player first saw it created or changed (a new generation), or since its
// previous report (a role's second round).
//
// Its cache also counts the children and the Ready stacks, and it logs when
// it reported each child and when each stack was first Ready at its
// generation.
type ackPlayer struct {
	ns      string
	cache   cache.Cache
	queue   workqueue.TypedDelayingInterface[playKey]
	lat     *ackLatency // nil: report at once
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	marked  atomic.Int64
	retried atomic.Int64
	// count is how many children the informers hold (adds minus deletes).
	count  atomic.Int64
	failed atomic.Value // error

	mu sync.Mutex
	// pending is, by child, since when its next report waits (latency
	// model only).
	pending map[playKey]pendingPlay
	// reports logs the player's status writes; readyAt is when each stack
	// (by name) was first seen Ready=True at its generation.
	reports []playReport
	readyAt map[string]time.Time
}

type playKey struct {
	kind int
	name string
}

// pendingPlay is since when a child's next report waits, and for which of its
// generations.
type pendingPlay struct {
	since time.Time
	gen   int64
}

// playReport is one report (status write) of the player.
type playReport struct {
	at         time.Time // just before the write was sent
	kind, name string    // the child
	stack      string    // the name of the stack that controls it
}

// ackLatency is how long an ACK controller takes from the operator's creation
// or change of a child to the status write that reports it: the AWS calls of
// one ACK reconcile and what AWS does before it answers (a table becomes
// ACTIVE, a function leaves Pending). An assumption, not a measurement of
// AWS; docs/performance.md ("Waves and writes under an AWS-like ACK") gives
// it with the figures.
type ackLatency struct {
	// byKind is the latency of a creation, and of a change, by ACK kind.
	byKind map[string]time.Duration
	// A role takes two rounds, as iam-controller does: its ARN is published
	// roleARN after its creation (CreateRole), and it is synced rolePolicies
	// after that report (PutRolePolicy on its next reconcile); a change of a
	// synced role takes rolePolicies.
	roleARN, rolePolicies time.Duration
	// A table takes two rounds too, as dynamodb-controller does
	// (localack.PlayOnce): CreateTable answers at once with the ARN and
	// CREATING, reported tableARN after the creation; ACTIVE is reported on a
	// later reconcile, byKind["Table"] after the creation in all.
	tableARN time.Duration
	scale    float64
}

// defaultACKLatency is the model at the given scale (1: as assumed; 0.1: ten
// times faster): each kind's Latency in ack.Kinds (Table 10 s, Function and
// EventSourceMapping 5 s, Queue, Topic, Subscription, StateMachine and
// MetricAlarm 1 s), with a role's two rounds (ARN 1 s, synced 2 s later: 3 s
// from its creation; a change 2 s) and a table's (CREATING 1 s, ACTIVE 10 s).
func defaultACKLatency(scale float64) *ackLatency {
	d := func(s float64) time.Duration { return time.Duration(s * scale * float64(time.Second)) }
	byKind := map[string]time.Duration{}
	for _, k := range ack.Kinds {
		byKind[k.GVK.Kind] = d(k.Latency.Seconds())
	}
	byKind["Role"] = d(2) // a change of a synced role
	return &ackLatency{byKind: byKind, roleARN: d(1), rolePolicies: d(2), tableARN: d(1), scale: scale}
}

// of is how long ACK takes to report obj as it is now (before PlayOnce).
func (l *ackLatency) of(kind string, obj ack.Object) time.Duration {
	switch {
	case kind == "Role" && obj.ACKStatus().ARN() == "":
		return l.roleARN
	case kind == "Role":
		return l.rolePolicies
	case kind == "Table" && obj.ACKStatus().ARN() == "":
		return l.tableARN
	case kind == "Table":
		return l.byKind[kind] - l.tableARN
	}
	return l.byKind[kind]
}

// roleSynced is how long a role takes from its creation to synced.
func (l *ackLatency) roleSynced() time.Duration { return l.roleARN + l.rolePolicies }

func (l *ackLatency) String() string {
	r := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s" }
	return fmt.Sprintf("scale %g: Table %s (CREATING reported after %s), Role ARN %s then synced %s later (%s), Function %s, EventSourceMapping %s, Queue %s, Topic %s, Subscription %s, StateMachine %s, MetricAlarm %s",
		l.scale, r(l.byKind["Table"]), r(l.tableARN), r(l.roleARN), r(l.rolePolicies), r(l.roleSynced()), r(l.byKind["Function"]),
		r(l.byKind["EventSourceMapping"]), r(l.byKind["Queue"]), r(l.byKind["Topic"]), r(l.byKind["Subscription"]), r(l.byKind["StateMachine"]), r(l.byKind["MetricAlarm"]))
}

// startACKPlayer starts a player on a namespace with four writers, which
// reports each child at once.
func startACKPlayer(b *testing.B, ns string) *ackPlayer {
	b.Helper()
	return startACKPlayerWith(b, ns, 4, nil)
}

// startACKPlayerWith starts a player that reports each child after the
// latency lat gives it (nil: at once).
func startACKPlayerWith(b *testing.B, ns string, writers int, lat *ackLatency) *ackPlayer {
	b.Helper()
	c, err := cache.New(plane.cfg, cache.Options{
		Scheme:            plane.scheme,
		DefaultNamespaces: map[string]cache.Config{ns: {}},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &ackPlayer{ns: ns, cache: c, queue: workqueue.NewTypedDelayingQueue[playKey](), lat: lat, cancel: cancel,
		pending: map[playKey]pendingPlay{}, readyAt: map[string]time.Time{}}
	go func() { _ = c.Start(ctx) }()
	syncCtx, cancelSync := context.WithTimeout(ctx, time.Minute)
	defer cancelSync()
	stacks, err := c.GetInformer(syncCtx, &v1alpha1.EventDrivenStack{})
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	if _, err := stacks.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    p.seeStack,
		UpdateFunc: func(_, obj any) { p.seeStack(obj) },
	}); err != nil {
		cancel()
		b.Fatal(err)
	}
	for i, k := range ack.Kinds {
		inf, err := c.GetInformer(syncCtx, k.New())
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		enqueue := func(obj any) {
			if o, ok := obj.(ack.Object); ok && o.GetDeletionTimestamp().IsZero() {
				p.schedule(playKey{i, o.GetName()}, o)
			}
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { p.count.Add(1); enqueue(obj) },
			UpdateFunc: func(_, obj any) { enqueue(obj) },
			DeleteFunc: func(any) { p.count.Add(-1) },
		}); err != nil {
			cancel()
			b.Fatal(err)
		}
	}
	for w := 0; w < writers; w++ {
		p.wg.Add(1)
		go p.work(ctx)
	}
	return p
}

// seeStack records when a stack is first seen Ready at its generation.
func (p *ackPlayer) seeStack(obj any) {
	s, ok := obj.(*v1alpha1.EventDrivenStack)
	if !ok || s.Status.ObservedGeneration != s.Generation || !meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, seen := p.readyAt[s.Name]; !seen {
		p.readyAt[s.Name] = now
	}
}

// schedule queues a child that ACK has something to report on: at once, or
// when its latency has passed.
func (p *ackPlayer) schedule(key playKey, o ack.Object) {
	if !localack.PlayOnce(o.DeepCopyObject().(ack.Object)) {
		if p.lat != nil {
			p.mu.Lock()
			delete(p.pending, key)
			p.mu.Unlock()
		}
		return
	}
	if p.lat == nil {
		p.queue.Add(key)
		return
	}
	p.queue.AddAfter(key, time.Until(p.due(key, o)))
}

// due is when ACK reports the child as it is now: its latency after the
// player first saw this generation of it, or after the player's last report
// of it (a role's second round).
func (p *ackPlayer) due(key playKey, o ack.Object) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	pd, ok := p.pending[key]
	if !ok || pd.gen != o.GetGeneration() {
		pd = pendingPlay{since: time.Now(), gen: o.GetGeneration()}
		p.pending[key] = pd
	}
	return pd.since.Add(p.lat.of(ack.Kinds[key.kind].GVK.Kind, o))
}

func (p *ackPlayer) work(ctx context.Context) {
	defer p.wg.Done()
	for {
		key, shutdown := p.queue.Get()
		if shutdown {
			return
		}
		err := p.play(ctx, key)
		if apierrors.IsConflict(err) {
			// The operator applied it meanwhile: the informer brings it back.
			p.retried.Add(1)
		} else if err != nil && ctx.Err() == nil {
			p.failed.CompareAndSwap(nil, err)
		}
		p.queue.Done(key)
	}
}

// play reports one child as ACK would, when its time has come.
func (p *ackPlayer) play(ctx context.Context, key playKey) error {
	k := ack.Kinds[key.kind]
	obj := k.New()
	if err := p.cache.Get(ctx, client.ObjectKey{Namespace: p.ns, Name: key.name}, obj); err != nil {
		return client.IgnoreNotFound(err)
	}
	// As the real controllers do: a role in two rounds, a change reported on.
	report := obj.DeepCopyObject().(ack.Object)
	if !localack.PlayOnce(report) {
		return nil
	}
	if p.lat != nil {
		if wait := time.Until(p.due(key, obj)); wait > 0 {
			p.queue.AddAfter(key, wait)
			return nil
		}
	}
	at := time.Now()
	if p.lat != nil {
		// The next round (a role's) waits from this report.
		p.mu.Lock()
		p.pending[key] = pendingPlay{since: at, gen: obj.GetGeneration()}
		p.mu.Unlock()
	}
	if err := plane.k8s.Status().Update(ctx, report); err != nil {
		return client.IgnoreNotFound(err)
	}
	p.marked.Add(1)
	stack := ""
	if ref := metav1.GetControllerOf(obj); ref != nil {
		stack = ref.Name
	}
	p.mu.Lock()
	p.reports = append(p.reports, playReport{at: at, kind: k.GVK.Kind, name: key.name, stack: stack})
	p.mu.Unlock()
	return nil
}

// reported returns the player's reports so far and when each stack was first
// Ready.
func (p *ackPlayer) reported() ([]playReport, map[string]time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ready := make(map[string]time.Time, len(p.readyAt))
	for k, v := range p.readyAt {
		ready[k] = v
	}
	return append([]playReport(nil), p.reports...), ready
}

// err is the first unexpected error of a status write.
func (p *ackPlayer) err() error {
	if e, ok := p.failed.Load().(error); ok {
		return e
	}
	return nil
}

// stop stops the writers and the cache.
func (p *ackPlayer) stop() {
	p.queue.ShutDown()
	p.cancel()
	p.wg.Wait()
}

// children counts the ACK children in the namespace.
func (p *ackPlayer) children() int { return int(p.count.Load()) }

// ready counts the stacks with Ready=True and, of them, those whose status is
// of their current generation.
func (p *ackPlayer) ready(ctx context.Context) (ready, current int) {
	var list v1alpha1.EventDrivenStackList
	if err := p.cache.List(ctx, &list, client.InNamespace(p.ns), client.UnsafeDisableDeepCopy); err != nil {
		return 0, 0
	}
	for i := range list.Items {
		s := &list.Items[i]
		if meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady) {
			ready++
			if s.Status.ObservedGeneration == s.Generation {
				current++
			}
		}
	}
	return ready, current
}

// waitUntil polls cond every 25 ms until it is true; it fails the benchmark
// after the phase timeout, or when the player failed.
func waitUntil(b *testing.B, p *ackPlayer, what string, cond func() (bool, string)) {
	b.Helper()
	deadline := time.Now().Add(settings.phaseTimeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if p != nil {
			if err := p.err(); err != nil {
				b.Fatalf("playing ACK: %v", err)
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: not reached after %s (%s)", what, settings.phaseTimeout, state)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitQuiet waits until neither the operator's writes nor the AWS calls
// changed for quiet (bounded by the phase timeout).
func waitQuiet(b *testing.B, w *writeCounter, quiet time.Duration) {
	b.Helper()
	deadline := time.Now().Add(settings.phaseTimeout)
	lastW, lastA := w.snapshot().total(), awsCalls().total()
	since := time.Now()
	for time.Since(since) < quiet {
		if time.Now().After(deadline) {
			b.Fatalf("the operator kept writing or calling AWS for %s", settings.phaseTimeout)
		}
		time.Sleep(100 * time.Millisecond)
		nw, na := w.snapshot().total(), awsCalls().total()
		if nw != lastW || na != lastA {
			lastW, lastA, since = nw, na, time.Now()
		}
	}
}

// mib is bytes in MiB.
func mib(v float64) float64 { return v / (1 << 20) }
