package perf

import (
	"cmp"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// The seed's three functions, as in lambdas/cmd.
var lambdaFunctions = []string{"event-order-processor", "event-inventory-processor", "event-notification-processor"}

// buildDir holds the bootstraps the benchmarks build; removed at exit.
var buildDir struct {
	once sync.Once
	dir  string
	err  error
	mu   sync.Mutex
	done map[string]string // "<arch>/<function>" -> bootstrap path
}

// bootstrap builds a function's bootstrap for linux/arch exactly as `make
// lambdas` does (-tags lambda.norpc -trimpath -ldflags "-s -w", no cgo) and
// returns its path.
func bootstrap(b *testing.B, arch, fn string) string {
	b.Helper()
	buildDir.once.Do(func() {
		buildDir.dir, buildDir.err = os.MkdirTemp("", "perf-lambdas-")
		buildDir.done = map[string]string{}
		if buildDir.err == nil {
			onExit(func() { _ = os.RemoveAll(buildDir.dir) })
		}
	})
	if buildDir.err != nil {
		b.Fatal(buildDir.err)
	}
	buildDir.mu.Lock()
	defer buildDir.mu.Unlock()
	key := arch + "/" + fn
	if p, ok := buildDir.done[key]; ok {
		return p
	}
	out := filepath.Join(buildDir.dir, arch, fn, "bootstrap")
	cmd := exec.Command("go", lambdazip.BuildArgs(out, "./lambdas/cmd/"+fn)...) // as make lambdas builds
	cmd.Dir = localcluster.RepoRoot()
	cmd.Env = append(os.Environ(), lambdazip.BuildEnv(arch)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building %s for %s: %v\n%s", fn, arch, err, msg)
	}
	buildDir.done[key] = out
	return out
}

// startDynalite starts one dynalite for the process (test/emulators,
// as the handlers' tests use it) and returns its endpoint and process id.
func startDynalite(b *testing.B) (endpoint string, pid int) {
	b.Helper()
	endpoint = emulators.Dynalite(b)
	return endpoint, emulators.DynalitePID()
}

// createTable creates a pay-per-request table with a string partition key
// (internal/emulators.CreateTable: ACTIVE at return, deleted at the end).
func createTable(b *testing.B, endpoint, base, key string) string {
	b.Helper()
	db := dynamodb.NewFromConfig(emulators.AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	return emulators.CreateTable(b, db, base, key)
}

// awsStub answers SNS Publish (query protocol, XML) and SQS SendMessage (JSON
// 1.0, with the body's MD5 the SDK checks) at once, and counts them: the
// handlers' notifications and dead-letter messages cost them nothing here, so
// the figures are the handler's and DynamoDB's (dynalite's).
type awsStub struct {
	url              string
	publish, sqsSend atomic.Int64
}

func startAWSStub(b *testing.B) *awsStub {
	b.Helper()
	s := &awsStub{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := fmt.Sprintf("%08d-0000-4000-8000-000000000000", s.publish.Load()+s.sqsSend.Load())
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.") {
			s.sqsSend.Add(1)
			var in struct{ MessageBody string }
			_ = json.Unmarshal(body, &in)
			sum := md5.Sum([]byte(in.MessageBody))
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": id, "MD5OfMessageBody": hex.EncodeToString(sum[:])})
			return
		}
		s.publish.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>%s</MessageId></PublishResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></PublishResponse>`, id, id)
	})}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	s.url = "http://" + l.Addr().String()
	return s
}

// runtimeAPI is a minimal Lambda Runtime API (2018-06-01) on a loopback port:
// GET /runtime/invocation/next hands out the queued events one at a time, and
// POST .../response or .../error records when each was answered.
type runtimeAPI struct {
	addr   string
	events chan string
	mu     sync.Mutex
	served map[string]time.Time // request id -> when handed out
	// firstNext is when the function first asked for an event (its init done).
	firstNext time.Time
	results   chan invocationResult
}

type invocationResult struct {
	id        string
	ok        bool
	body      string
	latency   time.Duration // handed out -> answered
	answered  time.Time
	initError bool
}

func startRuntimeAPI(b *testing.B, queued int) *runtimeAPI {
	b.Helper()
	rt := &runtimeAPI{events: make(chan string, queued), served: map[string]time.Time{}, results: make(chan invocationResult, queued+1)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		if rt.firstNext.IsZero() {
			rt.firstNext = time.Now()
		}
		rt.mu.Unlock()
		select {
		case ev := <-rt.events:
			id := fmt.Sprintf("req-%06d", seq.Add(1))
			rt.mu.Lock()
			rt.served[id] = time.Now()
			rt.mu.Unlock()
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:perf")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
			h.Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, ev)
		case <-r.Context().Done():
		}
	})
	answer := func(ok bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			now := time.Now()
			body, _ := io.ReadAll(r.Body)
			id := r.PathValue("id")
			rt.mu.Lock()
			served := rt.served[id]
			delete(rt.served, id)
			rt.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
			rt.results <- invocationResult{id: id, ok: ok, body: string(body), latency: now.Sub(served), answered: now}
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", answer(true))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", answer(false))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		rt.results <- invocationResult{initError: true, body: string(body), answered: time.Now()}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	rt.addr = l.Addr().String()
	return rt
}

// result waits (bounded) for the next answer.
func (rt *runtimeAPI) result(b *testing.B, within time.Duration) invocationResult {
	b.Helper()
	select {
	case r := <-rt.results:
		if r.initError {
			b.Fatalf("the function failed to start: %s", r.body)
		}
		return r
	case <-time.After(within):
		b.Fatalf("no answer from the function within %s", within)
		return invocationResult{}
	}
}

func (rt *runtimeAPI) initDone() time.Time {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.firstNext
}

// functionEnv is the environment Lambda and the operator give a function,
// with the AWS endpoints pointed at dynalite and the stub.
func functionEnv(fn, rtAddr, ddb string, stub *awsStub, tables map[string]string) []string {
	env := []string{
		"PATH=/usr/bin:/bin",
		"AWS_LAMBDA_RUNTIME_API=" + rtAddr,
		"AWS_LAMBDA_FUNCTION_NAME=" + fn,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"_HANDLER=bootstrap",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_SESSION_TOKEN=test",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_DYNAMODB=" + ddb,
		"AWS_ENDPOINT_URL_SNS=" + stub.url,
		"AWS_ENDPOINT_URL_SQS=" + stub.url,
		"NOTIFICATION_TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:event-notifications",
	}
	switch fn {
	case "event-order-processor":
		env = append(env, "ORDERS_TABLE="+tables["orders"], "DEAD_LETTER_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/order-dlq")
	case "event-inventory-processor":
		env = append(env, "INVENTORY_TABLE="+tables["inventory"], "DEAD_LETTER_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/inventory-dlq")
	}
	return env
}

// seedEvent is the seed's example event for a function, as EventBridge
// delivers it, made distinct by i (event id and order, item or notification id).
func seedEvent(fn string, run, i int) string {
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", run, i)
	var source, detailType, detail string
	switch fn {
	case "event-order-processor":
		source, detailType = "orders", "Order Created"
		detail = fmt.Sprintf(`{"order_id":"ORD-%d-%06d","customer_id":"CUST-001","items":[{"item_id":"ITEM-001","quantity":2,"price":29.99}],"total":59.98,"timestamp":"2024-01-15T10:00:00Z"}`, run, i)
	case "event-inventory-processor":
		source, detailType = "inventory", "Inventory Updated"
		detail = fmt.Sprintf(`{"item_id":"ITEM-%d-%06d","quantity":100,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`, run, i)
	default:
		source, detailType = "notifications", "Notification Sent"
		detail = fmt.Sprintf(`{"notification_id":"NOTIF-%d-%06d","order_id":"ORD-001","channel":"email","subject":"Order shipped","message":"Your order ORD-001 has shipped.","timestamp":"2024-01-15T10:06:00Z"}`, run, i)
	}
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":%q,"source":%q,"account":"123456789012",`+
		`"time":"2024-01-15T10:00:01Z","region":"us-east-1","resources":[],"detail":%s}`, id, detailType, source, detail)
}

// startFunction starts a bootstrap; it is killed when the benchmark ends.
func startFunction(b *testing.B, path string, env []string) *exec.Cmd {
	b.Helper()
	cmd := exec.Command(path)
	cmd.Env = env
	cmd.Dir = filepath.Dir(path)
	cmd.Stdout = io.Discard // the JSON logs Lambda would send to CloudWatch
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stopProcess(cmd) })
	return cmd
}

func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// BenchmarkLambdaOrderProcessor drives one instance of the order processor's
// bootstrap (host architecture) through a local Runtime API with the seed's
// Order Created event (distinct event and order ids), against dynalite:
// events per second one instance handles in sequence, as Lambda gives it
// events, with the latency of each and the CPU per event of the handler and
// of dynalite. PERF_LAMBDA_EVENTS sets how many (default 2000, after 50 to
// warm up).
func BenchmarkLambdaOrderProcessor(b *testing.B) {
	fn := "event-order-processor"
	path := bootstrap(b, runtime.GOARCH, fn)
	ddb, ddbPID := startDynalite(b)
	events := 2000
	if v := envInts("PERF_LAMBDA_EVENTS", nil); len(v) > 0 {
		events = v[0]
	}
	const warmup = 50
	for i := 0; i < b.N; i++ {
		run := newRun()
		stub := startAWSStub(b)
		tables := map[string]string{"orders": createTable(b, ddb, "perf-orders", "order_id")}
		rt := startRuntimeAPI(b, warmup+events)
		for e := 0; e < warmup+events; e++ {
			rt.events <- seedEvent(fn, run, e)
		}
		cmd := startFunction(b, path, functionEnv(fn, rt.addr, ddb, stub, tables))
		for e := 0; e < warmup; e++ {
			if r := rt.result(b, time.Minute); !r.ok {
				b.Fatalf("event %d failed: %s", e, r.body)
			}
		}
		fnCPU, ddbCPU := pidCPU(cmd.Process.Pid), pidCPU(ddbPID)
		all := sampleCPU()
		start := time.Now()
		latencies := make([]time.Duration, 0, events)
		for e := 0; e < events; e++ {
			r := rt.result(b, time.Minute)
			if !r.ok {
				b.Fatalf("event %d failed: %s", warmup+e, r.body)
			}
			latencies = append(latencies, r.latency)
		}
		elapsed := time.Since(start)
		fnCPU, ddbCPU = pidCPU(cmd.Process.Pid)-fnCPU, pidCPU(ddbPID)-ddbCPU
		others := sampleCPU().since(all).others()
		stopProcess(cmd)
		if got := stub.publish.Load(); got != int64(warmup+events) {
			b.Errorf("%d notifications published, want %d (one per order)", got, warmup+events)
		}
		if got := stub.sqsSend.Load(); got != 0 {
			b.Errorf("%d dead-letter messages, want none", got)
		}
		b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
		b.ReportMetric(float64(percentile(latencies, 0.5).Microseconds())/1e3, "p50-ms")
		b.ReportMetric(float64(percentile(latencies, 0.99).Microseconds())/1e3, "p99-ms")
		b.ReportMetric(float64(fnCPU.Microseconds())/float64(events), "handler-cpu-µs/event")
		b.ReportMetric(float64(ddbCPU.Microseconds())/float64(events), "dynalite-cpu-µs/event")
		b.Logf("%s (%s/%s), one instance, %d Order Created events after %d to warm up: %s = %.0f events/s; latency p50 %s p99 %s max %s; CPU handler %s, dynalite %s, other processes %s; load %s",
			fn, runtime.GOOS, runtime.GOARCH, events, warmup, elapsed.Round(time.Millisecond), float64(events)/elapsed.Seconds(),
			percentile(latencies, 0.5).Round(10*time.Microsecond), percentile(latencies, 0.99).Round(10*time.Microsecond),
			percentile(latencies, 1).Round(10*time.Microsecond), fnCPU, ddbCPU, others.Round(10*time.Millisecond), loadAvg())
	}
}

// BenchmarkLambdaColdStart starts each function's bootstrap (host
// architecture) with its seed event already queued at a local Runtime API and
// measures, over PERF_COLD_STARTS starts (default 10): process start → first
// GET /next (init: configuration, SDK clients) and → the first event's
// response (handled against dynalite).
func BenchmarkLambdaColdStart(b *testing.B) {
	starts := 10
	if v := envInts("PERF_COLD_STARTS", nil); len(v) > 0 {
		starts = v[0]
	}
	for _, fn := range lambdaFunctions {
		b.Run("fn="+fn, func(b *testing.B) {
			path := bootstrap(b, runtime.GOARCH, fn)
			ddb, _ := startDynalite(b)
			stub := startAWSStub(b)
			tables := map[string]string{
				"orders":    createTable(b, ddb, "perf-orders", "order_id"),
				"inventory": createTable(b, ddb, "perf-inventory", "item_id"),
			}
			for i := 0; i < b.N; i++ {
				run := newRun()
				var inits, firsts []time.Duration
				for s := 0; s < starts; s++ {
					rt := startRuntimeAPI(b, 1)
					rt.events <- seedEvent(fn, run, s)
					env := functionEnv(fn, rt.addr, ddb, stub, tables)
					t0 := time.Now()
					cmd := startFunction(b, path, env)
					r := rt.result(b, 30*time.Second)
					if !r.ok {
						b.Fatalf("%s: first event failed: %s", fn, r.body)
					}
					inits = append(inits, rt.initDone().Sub(t0))
					firsts = append(firsts, r.answered.Sub(t0))
					stopProcess(cmd)
				}
				b.ReportMetric(float64(percentile(firsts, 0.5).Microseconds())/1e3, "ms-to-first-event")
				b.ReportMetric(float64(percentile(inits, 0.5).Microseconds())/1e3, "ms-init")
				b.Logf("%s (%s/%s), %d cold starts: init (start → first /next) median %s [%s–%s]; first event handled median %s [%s–%s]; load %s",
					fn, runtime.GOOS, runtime.GOARCH, starts,
					percentile(inits, 0.5).Round(10*time.Microsecond), percentile(inits, 0).Round(10*time.Microsecond), percentile(inits, 1).Round(10*time.Microsecond),
					percentile(firsts, 0.5).Round(10*time.Microsecond), percentile(firsts, 0).Round(10*time.Microsecond), percentile(firsts, 1).Round(10*time.Microsecond),
					loadAvg())
			}
		})
	}
}

// BenchmarkLambdaSize builds each bootstrap for arm64 (the seed's
// architecture; LAMBDA_ARCH as in the Makefile, Lambda's or Go's name) with
// `make lambdas`' flags, packs it with internal/lambdazip, and reports both
// sizes.
func BenchmarkLambdaSize(b *testing.B) {
	arch, err := lambdazip.GOARCH(cmp.Or(os.Getenv("LAMBDA_ARCH"), lambdazip.ARM64))
	if err != nil {
		b.Fatal(err)
	}
	for _, fn := range lambdaFunctions {
		b.Run("fn="+fn, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				path := bootstrap(b, arch, fn)
				data, err := os.ReadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				zipped, err := lambdazip.Pack(data)
				if err != nil {
					b.Fatal(err)
				}
				zip := filepath.Join(filepath.Dir(path), fn+".zip")
				if err := os.WriteFile(zip, zipped, 0o644); err != nil {
					b.Fatal(err)
				}
				bin, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				z, err := os.Stat(zip)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(bin.Size()), "bootstrap-bytes")
				b.ReportMetric(float64(z.Size()), "zip-bytes")
				b.Logf("%s linux/%s: bootstrap %.2f MiB, zip %.2f MiB", fn, arch, mib(float64(bin.Size())), mib(float64(z.Size())))
			}
		})
	}
}
