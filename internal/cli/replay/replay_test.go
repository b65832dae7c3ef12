package replay

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

func TestCheckWindow(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	archive := Archive{Name: "shop-archive", State: "ENABLED", Created: now.Add(-72 * time.Hour), RetentionDays: 2}
	tests := []struct {
		name     string
		from, to time.Time
		archive  func(*Archive)
		want     string // "" for a window the archive covers
	}{
		{name: "within retention", from: now.Add(-47 * time.Hour), to: now.Add(-time.Hour)},
		{name: "up to now", from: now.Add(-time.Hour), to: now},
		{name: "--from after --to", from: now.Add(-time.Hour), to: now.Add(-2 * time.Hour), want: "is not before --to"},
		{name: "--to in the future", from: now.Add(-time.Hour), to: now.Add(time.Minute), want: "--to 2026-12-07T12:01:00Z is in the future"},
		{name: "beyond retention", from: now.Add(-49 * time.Hour), to: now.Add(-time.Hour),
			want: "keeps events 2 days: events from before 2026-12-05T12:00:00Z are gone: use --from 2026-12-05T12:01:00Z or later"},
		{name: "at retention's limit, to the second", from: now.Add(-48 * time.Hour), to: now.Add(-time.Hour),
			archive: func(a *Archive) { a.Created = now.Add(-100 * time.Hour) }},
		{name: "from the archive's creation, to the second", from: now.Add(-72 * time.Hour), to: now.Add(-time.Hour),
			archive: func(a *Archive) { a.Created, a.RetentionDays = now.Add(-72*time.Hour+300*time.Millisecond), 0 }},
		{name: "before the archive was created", from: now.Add(-80 * time.Hour), to: now.Add(-time.Hour),
			archive: func(a *Archive) { a.RetentionDays = 0 },
			want:    "was created at 2026-12-04T12:00:00Z and holds no event from before"},
		{name: "kept indefinitely", from: now.Add(-70 * time.Hour), to: now.Add(-time.Hour),
			archive: func(a *Archive) { a.RetentionDays = 0 }},
		{name: "an archive that failed", from: now.Add(-time.Hour), to: now,
			archive: func(a *Archive) { a.State = "CREATE_FAILED" }, want: "is CREATE_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := archive
			if tt.archive != nil {
				tt.archive(&a)
			}
			err := CheckWindow(a, tt.from, tt.to, now)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"now":                  now,
		"2026-12-07T09:30:00Z": time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC),
		"90m":                  now.Add(-90 * time.Minute),
		"3d":                   now.Add(-72 * time.Hour),
	} {
		if got, err := ParseTime("--from", in, now); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseTime("--from", "yesterday", now); err == nil || !strings.Contains(err.Error(), `--from "yesterday"`) {
		t.Errorf("ParseTime(yesterday): %v", err)
	}
}

func stack() *v1alpha1.EventDrivenStack {
	s := &v1alpha1.EventDrivenStack{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "orders"}}
	s.Spec.NamePrefix = "dev-"
	s.Spec.EventBus = &v1alpha1.EventBus{Name: "bus", Archive: &v1alpha1.EventArchive{}}
	s.Spec.Rules = []v1alpha1.Rule{{Name: "orders-rule"}, {Name: "stock-rule"}}
	s.Status.Outputs = map[string]string{"rule.orders-rule.arn": "arn:aws:events:us-east-1:123456789012:rule/dev-bus/dev-orders-rule"}
	return s
}

func TestTargetOf(t *testing.T) {
	got, err := TargetOf(stack(), []string{"orders-rule"})
	if err != nil || got.Archive != "dev-bus-archive" || !slices.Equal(got.Rules, []string{"arn:aws:events:us-east-1:123456789012:rule/dev-bus/dev-orders-rule"}) {
		t.Errorf("TargetOf = %+v, %v", got, err)
	}
	for rules, want := range map[string]string{
		"missing-rule": "the stack has no such rule (its rules: orders-rule, stock-rule)",
		"stock-rule":   "has not reported the rule's ARN yet",
	} {
		if _, err := TargetOf(stack(), []string{rules}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("TargetOf(%s): %v, want %q", rules, err, want)
		}
	}
	none := stack()
	none.Spec.EventBus.Archive = nil
	if _, err := TargetOf(none, nil); err == nil || !strings.Contains(err.Error(), "spec.eventBus.archive") {
		t.Errorf("TargetOf without an archive: %v", err)
	}
}

func TestNameFor(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 5, 0, 0, time.UTC)
	if got := NameFor("dev-bus-archive", at); got != "dev-bus-replay-20261207-090500" {
		t.Errorf("NameFor = %s", got)
	}
	if got := NameFor(strings.Repeat("b", 48), at); len(got) > 64 {
		t.Errorf("NameFor of a long name: %d characters", len(got))
	}
}

// newBus starts a local AWS whose bus dev-bus has two rules and an archive
// of orders events, three events archived an hour ago.
func newBus(t *testing.T, delays localaws.Delays) (*localaws.Server, *eventbridge.Client, time.Time) {
	t.Helper()
	srv := localaws.New()
	srv.Delays = delays
	url, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	eb := eventbridge.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) })
	ctx := context.Background()
	steps := []func() error{
		func() error {
			_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("dev-bus")})
			return err
		},
		func() error {
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("dev-orders-rule"), EventBusName: aws.String("dev-bus"),
				EventPattern: aws.String(`{"source":["orders"]}`)})
			return err
		},
		func() error {
			_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("dev-stock-rule"), EventBusName: aws.String("dev-bus"),
				EventPattern: aws.String(`{"source":["orders","inventory"]}`)})
			return err
		},
		func() error {
			_, err := eb.CreateArchive(ctx, &eventbridge.CreateArchiveInput{ArchiveName: aws.String("dev-bus-archive"),
				EventSourceArn: aws.String("arn:aws:events:us-east-1:123456789012:event-bus/dev-bus")})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	srv.BackdateArchive("dev-bus-archive", 2*time.Hour)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i, source := range []string{"orders", "inventory", "orders"} {
		if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{EventBusName: aws.String("dev-bus"),
			Source: aws.String(source), DetailType: aws.String("D"), Detail: aws.String(`{}`), Time: aws.Time(t0.Add(time.Duration(i) * time.Minute))}}}); err != nil {
			t.Fatal(err)
		}
	}
	return srv, eb, t0
}

func request(t *testing.T, eb *eventbridge.Client, name string, from, to time.Time, rules ...string) Request {
	t.Helper()
	a, err := DescribeArchive(context.Background(), eb, "dev-bus-archive")
	if err != nil {
		t.Fatal(err)
	}
	target := Target{Archive: a.Name}
	for _, r := range rules {
		target.Rules = append(target.Rules, "arn:aws:events:us-east-1:123456789012:rule/dev-bus/"+r)
		target.RuleNames = append(target.RuleNames, r)
	}
	return Request{Name: name, Archive: a, From: from, To: to, Target: target, Poll: 20 * time.Millisecond}
}

// Run starts the replay, follows it with a line per state, and the archived
// events reach the rule named again.
func TestRunRedeliversToTheRulesNamed(t *testing.T) {
	srv, eb, t0 := newBus(t, localaws.Delays{ReplayStart: 100 * time.Millisecond, ReplayRun: 300 * time.Millisecond})
	var out bytes.Buffer
	res, err := Run(context.Background(), eb, request(t, eb, "r1", t0, t0.Add(10*time.Minute), "dev-orders-rule"), &out)
	if err != nil || res.State != "COMPLETED" {
		t.Fatalf("Run = %+v, %v\n%s", res, err, out.String())
	}
	text := out.String()
	for _, want := range []string{"replay r1: events of dev-bus-archive from", "to rules dev-orders-rule", "STARTING", "RUNNING   replayed up to",
		"COMPLETED replayed up to " + t0.Add(10*time.Minute).Format(time.RFC3339) + " of --to", "(100%)", "replay r1 completed in"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	var replayed []string
	for _, e := range srv.Events() {
		if e.ReplayName == "r1" {
			replayed = append(replayed, e.Source+"→"+strings.Join(e.Rules, ","))
		}
	}
	if want := []string{"orders→dev-orders-rule", "inventory→", "orders→dev-orders-rule"}; !slices.Equal(replayed, want) {
		t.Errorf("replayed %q, want %q", replayed, want)
	}
}

// A replay that fails is an error naming EventBridge's reason.
func TestRunFailed(t *testing.T) {
	srv, eb, t0 := newBus(t, localaws.Delays{ReplayStart: time.Hour})
	go func() {
		for range 200 {
			if srv.FailReplay("r2", "the destination refused the events") {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	var out bytes.Buffer
	res, err := Run(context.Background(), eb, request(t, eb, "r2", t0, t0.Add(10*time.Minute)), &out)
	if !errors.Is(err, ErrNotCompleted) || res.State != "FAILED" || !strings.Contains(err.Error(), "the destination refused the events") {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if !strings.Contains(out.String(), "to every rule of the bus") || !strings.Contains(out.String(), "FAILED") {
		t.Errorf("output:\n%s", out.String())
	}
}
