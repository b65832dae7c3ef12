package logtail

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// testStack has two functions, one of them named with a prefix the
// operator reported, a workflow that logs and one that does not.
func testStack() *v1alpha1.EventDrivenStack {
	return &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders"},
		Spec: v1alpha1.EventDrivenStackSpec{
			Region: "us-east-1", NamePrefix: "dev-",
			Functions: []v1alpha1.Function{{Name: "order-processor"}, {Name: "inventory-processor"}},
			Workflows: []v1alpha1.Workflow{{Name: "saga", Logging: &v1alpha1.WorkflowLogging{Level: "ERROR"}}, {Name: "quiet"}},
		},
		Status: v1alpha1.EventDrivenStackStatus{Outputs: map[string]string{"function.order-processor.name": "dev-order-processor"}},
	}
}

func TestSources(t *testing.T) {
	tests := []struct {
		component string
		want      []Source
		wantErr   string
	}{
		{"", []Source{{"order-processor", "/aws/lambda/dev-order-processor"}, {"inventory-processor", "/aws/lambda/dev-inventory-processor"}}, ""},
		{"inventory-processor", []Source{{"inventory-processor", "/aws/lambda/dev-inventory-processor"}}, ""},
		{"saga", []Source{{"saga", "/aws/vendedlogs/states/dev-saga"}}, ""},
		{"quiet", nil, "workflow quiet does not log to CloudWatch Logs: set spec.workflows[1].logging.level"},
		{"payments", nil, `stack shop/orders has no function or workflow "payments": functions: order-processor, inventory-processor; workflows: saga, quiet`},
	}
	for _, tt := range tests {
		t.Run(tt.component, func(t *testing.T) {
			got, err := Sources(testStack(), tt.component)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("Sources: %v, %v", got, err)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("source %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		value   string
		want    time.Time
		wantErr bool
	}{
		{"10m", now.Add(-10 * time.Minute), false},
		{"1h30m", now.Add(-90 * time.Minute), false},
		{"2026-12-07T07:00:00Z", now.Add(-time.Hour), false},
		{"2026-12-06", time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), false},
		{"-5m", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseSince(tt.value, now)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v (error %v)", tt.value, got, err, tt.want, tt.wantErr)
		}
	}
}

// logsEnv is a local AWS with the stack's function log groups, a stream in
// each, and a CloudWatch Logs client on it.
type logsEnv struct {
	client *cloudwatchlogs.Client
	t      *testing.T
}

func newLogsEnv(t *testing.T, groups ...string) *logsEnv {
	t.Helper()
	srv := localaws.New()
	url, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), BaseEndpoint: aws.String(url)}
	e := &logsEnv{client: cloudwatchlogs.NewFromConfig(cfg), t: t}
	for _, g := range groups {
		if _, err := e.client.CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.CreateLogStream(context.Background(), &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(g), LogStreamName: aws.String("2026/12/07/[$LATEST]abc")}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// put writes events (at these times, with these messages) to a group.
func (e *logsEnv) put(group string, at time.Time, messages ...string) {
	e.t.Helper()
	var events []logstypes.InputLogEvent
	for i, m := range messages {
		events = append(events, logstypes.InputLogEvent{Timestamp: aws.Int64(at.Add(time.Duration(i) * time.Millisecond).UnixMilli()), Message: aws.String(m + "\n")})
	}
	if _, err := e.client.PutLogEvents(context.Background(), &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group),
		LogStreamName: aws.String("2026/12/07/[$LATEST]abc"), LogEvents: events}); err != nil {
		e.t.Fatal(err)
	}
}

const (
	orderGroup     = "/aws/lambda/dev-order-processor"
	inventoryGroup = "/aws/lambda/dev-inventory-processor"
)

// The stack's functions interleaved by time and labelled; one function
// alone, without labels; --since leaves out what is older; a function that
// never ran (no log group) prints nothing.
func TestPollAndWrite(t *testing.T) {
	e := newLogsEnv(t, orderGroup, inventoryGroup)
	base := time.Now().Add(-5 * time.Minute).Truncate(time.Second).UTC()
	e.put(orderGroup, base.Add(-time.Hour), "old order line")
	e.put(orderGroup, base, "START order", "order 42 stored")
	e.put(inventoryGroup, base.Add(time.Second), "stock reserved for 42")
	e.put(orderGroup, base.Add(2*time.Second), "END order")
	stamp := func(d time.Duration) string { return base.Add(d).Format("2006-01-02T15:04:05.000Z07:00") }

	tests := []struct {
		name      string
		component string
		since     time.Time
		want      []string
	}{
		{"all functions, interleaved and labelled", "", base.Add(-10 * time.Minute), []string{
			stamp(0) + "  order-processor      START order",
			stamp(time.Millisecond) + "  order-processor      order 42 stored",
			stamp(time.Second) + "  inventory-processor  stock reserved for 42",
			stamp(2*time.Second) + "  order-processor      END order",
		}},
		{"one function, no label", "inventory-processor", base.Add(-10 * time.Minute), []string{
			stamp(time.Second) + "  stock reserved for 42",
		}},
		{"since leaves out older events", "", base.Add(time.Second), []string{
			stamp(time.Second) + "  inventory-processor  stock reserved for 42",
			stamp(2*time.Second) + "  order-processor      END order",
		}},
		{"since an hour ago", "order-processor", base.Add(-2 * time.Hour), []string{
			stamp(-time.Hour) + "  old order line",
			stamp(0) + "  START order",
			stamp(time.Millisecond) + "  order 42 stored",
			stamp(2*time.Second) + "  END order",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sources, err := Sources(testStack(), tt.component)
			if err != nil {
				t.Fatal(err)
			}
			tail := &Tail{API: e.client, Sources: sources, Since: tt.since}
			lines, err := tail.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			NewWriter(&out, sources).Write(lines)
			if got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", out.String(), strings.Join(tt.want, "\n"))
			}
		})
	}

	// A function without a log group yet has no events, and is no error.
	missing := &Tail{API: e.client, Sources: []Source{{"new", "/aws/lambda/never-ran"}}, Since: base.Add(-time.Hour)}
	if lines, err := missing.Poll(context.Background()); err != nil || len(lines) != 0 || len(missing.Missing()) != 1 || missing.Missing()[0] != "/aws/lambda/never-ran" {
		t.Errorf("a missing log group: %v, %v, missing %q", lines, err, missing.Missing())
	}
}

// syncBuffer hands each line the follower prints to the test, safely across
// goroutines.
type syncBuffer struct {
	ch chan string
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.ch <- string(p)
	return len(p), nil
}

// --follow prints what is there, then each new event exactly once, events
// in the same millisecond as the last one seen and events made searchable
// late (within Lookback) included, and stops when its context ends.
func TestFollowPrintsEachEventOnce(t *testing.T) {
	e := newLogsEnv(t, orderGroup, inventoryGroup)
	base := time.Now().Add(-time.Minute).Truncate(time.Second).UTC()
	e.put(orderGroup, base, "first")

	sources, err := Sources(testStack(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{ch: make(chan string, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	tail := &Tail{API: e.client, Sources: sources, Since: base.Add(-time.Minute), Lookback: 10 * time.Second}
	go func() {
		done <- tail.Follow(ctx, Backoff{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond}, NewWriter(out, sources))
	}()

	next := func() string {
		t.Helper()
		select {
		case line := <-out.ch:
			return line
		case <-time.After(5 * time.Second):
			t.Fatal("no line printed")
			return ""
		}
	}
	if got := next(); !strings.HasSuffix(got, "order-processor      first\n") {
		t.Fatalf("first line: %q", got)
	}
	// The same millisecond as "first", then later ones, in both groups.
	e.put(orderGroup, base, "same millisecond")
	e.put(inventoryGroup, base.Add(time.Second), "second")
	var got []string
	for range 2 {
		got = append(got, next())
	}
	e.put(orderGroup, base.Add(2*time.Second), "third")
	got = append(got, next())
	// Searchable late: older than the newest printed, within Lookback (in
	// another group and in the same), and one beyond Lookback, never printed.
	e.put(inventoryGroup, base.Add(1500*time.Millisecond), "late")
	e.put(orderGroup, base.Add(-20*time.Second), "too late")
	e.put(orderGroup, base.Add(1900*time.Millisecond), "late too")
	got = append(got, next(), next())
	// Several polls with nothing new print nothing.
	select {
	case extra := <-out.ch:
		t.Errorf("printed again: %q", extra)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Follow ended with %v", err)
	}
	want := []string{"same millisecond", "second", "third", "late", "late too"}
	for i, w := range want {
		if !strings.HasSuffix(got[i], "  "+w+"\n") {
			t.Errorf("line %d: %q, want it to end with %q", i, got[i], w)
		}
	}
}
