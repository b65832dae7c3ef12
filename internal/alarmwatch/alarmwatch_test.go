package alarmwatch_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"k8s.io/apimachinery/pkg/types"

	"github.com/eventstack-io/eventstack-operator/internal/alarmwatch"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// countingAlarms counts the DescribeAlarms calls made through it.
type countingAlarms struct {
	*cloudwatch.Client
	mu    sync.Mutex
	calls []string
}

func (c *countingAlarms) DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, o ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	c.mu.Lock()
	what := "by name"
	if in.StateValue != "" {
		what = "in " + string(in.StateValue)
	}
	c.calls = append(c.calls, what)
	c.mu.Unlock()
	return c.Client.DescribeAlarms(ctx, in, o...)
}

func (c *countingAlarms) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

// Two stacks' alarms in one account: the first poll reads them by name; an
// idle account then costs one call per poll (the alarms in ALARM); an alarm
// that fires wakes its stack alone, and one that leaves ALARM is read by name
// to say for what; a full round reads every alarm by name; a forgotten stack's
// alarms are no longer read.
func TestWatcher(t *testing.T) {
	ctx := context.Background()
	fake := localaws.New()
	cfg := fake.StartForTest(t)
	cw := cloudwatch.NewFromConfig(cfg)
	api := &countingAlarms{Client: cw}
	var names []string
	for i := range 150 {
		n := fmt.Sprintf("alarm-%03d", i)
		names = append(names, n)
		if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(n), Namespace: aws.String("AWS/SQS"),
			MetricName: aws.String("ApproximateNumberOfMessagesVisible"), Statistic: cwtypes.StatisticMaximum, Period: aws.Int32(60),
			EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(0), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := types.NamespacedName{Namespace: "ns", Name: "a"}, types.NamespacedName{Namespace: "ns", Name: "b"}
	var mu sync.Mutex
	var woken []string
	w := &alarmwatch.Watcher{Interval: time.Second, FullEvery: time.Hour, Wake: func(_ context.Context, s types.NamespacedName) {
		mu.Lock()
		woken = append(woken, s.Name)
		mu.Unlock()
	}}
	takeWoken := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := woken
		woken = nil
		sort.Strings(out)
		return out
	}
	acct := alarmwatch.Account{Region: "us-east-1"}
	w.Watch(a, acct, api, names[:120])
	w.Watch(b, acct, api, names[120:])
	if got := w.States(acct, names); len(got) != 0 {
		t.Fatalf("states before any poll: %v", got)
	}

	now := time.Now()
	w.Poll(ctx, now) // first: a full round, by name
	if calls := api.take(); len(calls) != 2 || calls[0] != "by name" {
		t.Errorf("first poll: %v, want 2 calls by name (150 alarms)", calls)
	}
	if got := takeWoken(); fmt.Sprint(got) != "[a b]" {
		t.Errorf("first poll woke %v", got)
	}
	if st := w.States(acct, names[:1]); st["alarm-000"].State != "INSUFFICIENT_DATA" {
		t.Errorf("state %+v", st)
	}

	w.Poll(ctx, now.Add(time.Second))
	if calls := api.take(); fmt.Sprint(calls) != "[in ALARM]" {
		t.Errorf("an idle poll made %v, want one call for the alarms in ALARM", calls)
	}
	if got := takeWoken(); len(got) != 0 {
		t.Errorf("an idle poll woke %v", got)
	}

	setState := func(name string, v cwtypes.StateValue) {
		if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(name), StateValue: v, StateReason: aws.String("test")}); err != nil {
			t.Fatal(err)
		}
	}
	setState("alarm-130", cwtypes.StateValueAlarm)
	w.Poll(ctx, now.Add(2*time.Second))
	if got := takeWoken(); fmt.Sprint(got) != "[b]" {
		t.Errorf("a firing alarm of b woke %v", got)
	}
	if st := w.States(acct, []string{"alarm-130"}); st["alarm-130"].State != "ALARM" {
		t.Errorf("state %+v", st)
	}
	api.take()

	setState("alarm-130", cwtypes.StateValueOk)
	w.Poll(ctx, now.Add(3*time.Second))
	if calls := api.take(); fmt.Sprint(calls) != "[in ALARM by name]" {
		t.Errorf("an alarm leaving ALARM: %v, want the alarms in ALARM, then it by name", calls)
	}
	if got := takeWoken(); fmt.Sprint(got) != "[b]" {
		t.Errorf("an alarm back to OK woke %v", got)
	}

	w.Poll(ctx, now.Add(2*time.Hour)) // full round
	if calls := api.take(); len(calls) != 2 || calls[0] != "by name" {
		t.Errorf("full round: %v", calls)
	}

	w.Forget(b)
	w.Forget(a)
	w.Poll(ctx, now.Add(3*time.Hour))
	if calls := api.take(); len(calls) != 0 {
		t.Errorf("forgotten stacks' alarms read: %v", calls)
	}
}

// Two stacks naming one alarm are both woken by it, and it stays watched
// while one of them does; a stack that drops an alarm from its names no
// longer has it read.
func TestWatcherSharedAndDroppedAlarms(t *testing.T) {
	ctx := context.Background()
	fake := localaws.New()
	cw := cloudwatch.NewFromConfig(fake.StartForTest(t))
	api := &countingAlarms{Client: cw}
	for _, n := range []string{"shared", "own"} {
		if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(n), Namespace: aws.String("AWS/SQS"),
			MetricName: aws.String("ApproximateNumberOfMessagesVisible"), Statistic: cwtypes.StatisticMaximum, Period: aws.Int32(60),
			EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(0), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold}); err != nil {
			t.Fatal(err)
		}
	}
	a, b := types.NamespacedName{Namespace: "ns", Name: "a"}, types.NamespacedName{Namespace: "ns", Name: "b"}
	var woken []string
	w := &alarmwatch.Watcher{Interval: time.Second, FullEvery: time.Hour, Wake: func(_ context.Context, s types.NamespacedName) {
		woken = append(woken, s.Name)
	}}
	acct := alarmwatch.Account{Region: "us-east-1"}
	w.Watch(a, acct, api, []string{"shared", "own"})
	w.Watch(b, acct, api, []string{"shared"})
	now := time.Now()
	w.Poll(ctx, now)
	if sort.Strings(woken); fmt.Sprint(woken) != "[a b]" {
		t.Fatalf("first poll woke %v", woken)
	}
	woken = nil
	w.Forget(a)
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("shared"), StateValue: cwtypes.StateValueAlarm,
		StateReason: aws.String("test")}); err != nil {
		t.Fatal(err)
	}
	w.Poll(ctx, now.Add(time.Second))
	if fmt.Sprint(woken) != "[b]" {
		t.Fatalf("the shared alarm, once a is gone, woke %v", woken)
	}
	w.Watch(b, acct, api, nil)
	api.take()
	w.Poll(ctx, now.Add(2*time.Second))
	w.Poll(ctx, now.Add(2*time.Hour))
	if calls := api.take(); len(calls) != 0 {
		t.Errorf("an account where no stack names an alarm is read: %v", calls)
	}
	if got := w.States(acct, []string{"shared", "own"}); len(got) != 0 {
		t.Errorf("states kept of alarms no stack names: %v", got)
	}
}
