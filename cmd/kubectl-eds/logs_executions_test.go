package main_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/eventstack-io/eventstack-operator/internal/cli"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// awsConfig is the SDK configuration of the test's own clients of the fake.
func awsConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), BaseEndpoint: aws.String(fake.URL())}
}

// directSeedStack creates the seed stack in ns, left alone by the operator,
// with a name prefix of its namespace (its AWS names are the test's own in
// the shared fake), and writes outputs into its status as the operator
// would. It returns the prefix.
func directSeedStack(t *testing.T, ns string, outputs map[string]string) string {
	t.Helper()
	stack := seed.Stack(t, ns)
	stack.Labels = map[string]string{directShardLabel: "direct"}
	stack.Spec.NamePrefix = ns + "-"
	createStack(t, stack)
	stack.Status.Outputs = outputs
	if err := k8s.Status().Update(context.Background(), stack); err != nil {
		t.Fatal(err)
	}
	return stack.Spec.NamePrefix
}

// lineWriter hands each write to the test: what kubectl eds logs --follow
// prints, as it prints it.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	w <- string(p)
	return len(p), nil
}

// kubectl eds logs against the local AWS: the stack's functions interleaved
// by time and labelled, one function alone, --since, an unknown component
// refused with the stack's functions and workflows, and --follow printing
// each new event once until Ctrl-C.
func TestLogs(t *testing.T) {
	ns := newNamespace(t)
	prefix := directSeedStack(t, ns, nil)
	ctx := context.Background()
	logs := cloudwatchlogs.NewFromConfig(awsConfig())
	stream := aws.String("2026/12/07/[$LATEST]0123456789abcdef")
	put := func(function string, at time.Time, message string) {
		t.Helper()
		group := aws.String("/aws/lambda/" + prefix + function)
		if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: group}); err == nil {
			if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: group, LogStreamName: stream}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: stream,
			LogEvents: []logstypes.InputLogEvent{{Timestamp: aws.Int64(at.UnixMilli()), Message: aws.String(message + "\n")}}}); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Now().Add(-3 * time.Minute).Truncate(time.Second).UTC()
	stamp := func(d time.Duration) string { return base.Add(d).Format("2006-01-02T15:04:05.000Z07:00") }
	put("event-order-processor", base.Add(-time.Hour), `{"level":"INFO","msg":"an hour ago"}`)
	put("event-order-processor", base, `{"level":"INFO","msg":"order stored","order_id":"42"}`)
	put("event-inventory-processor", base.Add(time.Second), `{"level":"INFO","msg":"stock reserved","order_id":"42"}`)
	put("event-order-processor", base.Add(2*time.Second), `{"level":"ERROR","msg":"notification failed","order_id":"42"}`)
	args := []string{"event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL()}
	// Labels are padded to the longest function name, so that columns stay
	// put while following.
	label := func(function string) string { return fmt.Sprintf("%-28s", function) }

	tests := []struct {
		name  string
		extra []string
		want  string
	}{
		{"all functions, interleaved and labelled", nil, "" +
			stamp(0) + "  " + label("event-order-processor") + `  {"level":"INFO","msg":"order stored","order_id":"42"}` + "\n" +
			stamp(time.Second) + "  " + label("event-inventory-processor") + `  {"level":"INFO","msg":"stock reserved","order_id":"42"}` + "\n" +
			stamp(2*time.Second) + "  " + label("event-order-processor") + `  {"level":"ERROR","msg":"notification failed","order_id":"42"}` + "\n"},
		{"one function", []string{"event-inventory-processor"},
			stamp(time.Second) + `  {"level":"INFO","msg":"stock reserved","order_id":"42"}` + "\n"},
		{"since two hours", []string{"event-order-processor", "--since", "2h"}, "" +
			stamp(-time.Hour) + `  {"level":"INFO","msg":"an hour ago"}` + "\n" +
			stamp(0) + `  {"level":"INFO","msg":"order stored","order_id":"42"}` + "\n" +
			stamp(2*time.Second) + `  {"level":"ERROR","msg":"notification failed","order_id":"42"}` + "\n"},
		{"since a time", []string{"--since", base.Add(time.Second).Format(time.RFC3339)}, "" +
			stamp(time.Second) + "  " + label("event-inventory-processor") + `  {"level":"INFO","msg":"stock reserved","order_id":"42"}` + "\n" +
			stamp(2*time.Second) + "  " + label("event-order-processor") + `  {"level":"ERROR","msg":"notification failed","order_id":"42"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := append([]string{"logs"}, args[:1]...)
			cmd = append(append(cmd, tt.extra...), args[1:]...)
			if out := mustKubectlEDS(t, cmd...); out != tt.want {
				t.Errorf("got\n%s\nwant\n%s", out, tt.want)
			}
		})
	}

	t.Run("a function that never ran", func(t *testing.T) {
		code, out, errOut := kubectlEDS(t, append([]string{"logs", "event-driven-stack", "event-notification-processor"}, args[1:]...)...)
		if want := "no log group /aws/lambda/" + prefix + "event-notification-processor yet"; code != 0 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, output %q, error %q; want %q", code, out, errOut, want)
		}
	})

	t.Run("unknown component", func(t *testing.T) {
		code, out, errOut := kubectlEDS(t, append([]string{"logs", "event-driven-stack", "payment-processor"}, args[1:]...)...)
		want := `stack ` + ns + `/event-driven-stack has no function or workflow "payment-processor": functions: event-order-processor, ` +
			`event-inventory-processor, event-notification-processor; workflows: event-driven-workflow`
		if code != 1 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, output %q, error %q; want %q", code, out, errOut, want)
		}
	})

	t.Run("follow", func(t *testing.T) {
		printed := make(lineWriter, 100)
		followCtx, stop := context.WithCancel(ctx)
		exit := make(chan int, 1)
		go func() {
			exit <- cli.Main(followCtx, append([]string{"logs", "--follow"}, args...), cli.Streams{In: strings.NewReader(""), Out: printed, Err: printed})
		}()
		next := func() string {
			t.Helper()
			select {
			case line := <-printed:
				return line
			case <-time.After(20 * time.Second):
				t.Fatal("nothing printed")
				return ""
			}
		}
		for range 3 { // what is there already
			next()
		}
		put("event-notification-processor", base.Add(3*time.Second), `{"level":"INFO","msg":"notified"}`)
		if got := next(); got != stamp(3*time.Second)+`  event-notification-processor  {"level":"INFO","msg":"notified"}`+"\n" {
			t.Errorf("new event: %q", got)
		}
		put("event-order-processor", base.Add(3*time.Second), `{"level":"INFO","msg":"same millisecond"}`)
		if got := next(); !strings.HasSuffix(got, `{"level":"INFO","msg":"same millisecond"}`+"\n") {
			t.Errorf("event in the same millisecond: %q", got)
		}
		select {
		case again := <-printed:
			t.Errorf("printed again: %q", again)
		case <-time.After(2500 * time.Millisecond): // two polls at least
		}
		stop()
		if code := <-exit; code != 0 {
			t.Errorf("Ctrl-C: exit %d", code)
		}
	})
}

// sagaDefinition: a Lambda task, then a Parallel of two lambda:invoke
// tasks whose failure is caught into a Fail state.
const sagaDefinition = `{"StartAt":"LoadOrder","States":{
 "LoadOrder":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Parameters":{"TableName":"orders"},"Next":"ProcessOrderAndReserveStock"},
 "ProcessOrderAndReserveStock":{"Type":"Parallel","Branches":[
   {"StartAt":"ProcessOrder","States":{"ProcessOrder":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"process"},"End":true}}},
   {"StartAt":"ReserveStock","States":{"ReserveStock":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"reserve"},"End":true}}}],
  "Catch":[{"ErrorEquals":["OrderInvalid"],"Next":"MarkOrderFailed"}],"Next":"Done"},
 "MarkOrderFailed":{"Type":"Fail","Error":"OrderFailed","Cause":"the order was compensated"},
 "Done":{"Type":"Succeed"}}}`

// kubectl eds executions against the local AWS: executions started through
// Step Functions' API, newest first; for the failed ones the state, the
// event, the error and the cause; --failed and --limit.
func TestExecutions(t *testing.T) {
	ctx := context.Background()
	states := sfn.NewFromConfig(awsConfig())
	ns := newNamespace(t)
	name := ns + "-event-driven-workflow"
	created, err := states.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(sagaDefinition),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/" + name + "-role")})
	if err != nil {
		t.Fatal(err)
	}
	machine := aws.ToString(created.StateMachineArn)
	// The Lambda tasks fail as the input asks.
	fake.SetTaskRunner(func(_, parameters, input string) (string, string, string) {
		switch {
		case strings.Contains(input, `"fail":"reserve"`) && strings.Contains(parameters, "reserve"):
			return "", "Lambda.Unknown", "ReserveStock: the inventory table is throttled"
		case strings.Contains(input, `"fail":"process"`) && strings.Contains(parameters, "process"):
			return "", "OrderInvalid", "order 42 has no items"
		}
		return input, "", ""
	})
	t.Cleanup(func() { fake.SetTaskRunner(nil) })
	for _, e := range [][2]string{{"order-41", `{"order":41}`}, {"order-42", `{"fail":"reserve"}`}, {"order-43", `{"fail":"process"}`}} {
		out, err := states.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: aws.String(e[0]), Input: aws.String(e[1])})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, e[0]+" ended", func() error {
			d, err := states.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
			if err == nil && d.Status == sfntypes.ExecutionStatusRunning {
				return errors.New("RUNNING")
			}
			return err
		})
		time.Sleep(5 * time.Millisecond) // distinct start times
	}
	directSeedStack(t, ns, map[string]string{"workflow.event-driven-workflow.arn": machine})
	args := []string{"event-driven-stack", "-n", ns, "--kubeconfig", kubeconfig, "--aws-endpoint-url", fake.URL()}

	out := mustKubectlEDS(t, append([]string{"executions"}, args...)...)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		"Workflow event-driven-workflow (" + machine + ")",
		"  NAME      STATUS     STARTED",
		"  order-43  FAILED",
		"    ✗ failed in state MarkOrderFailed (ExecutionFailed): OrderFailed: the order was compensated",
		"      after ProcessOrder failed (TaskFailed): OrderInvalid: order 42 has no items",
		"  order-42  FAILED",
		"    ✗ failed in state ReserveStock (TaskFailed): Lambda.Unknown: ReserveStock: the inventory table is throttled",
		"  order-41  SUCCEEDED",
	}
	if len(lines) != len(want) {
		t.Fatalf("got\n%s", out)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d: %q, want it to begin with %q", i, lines[i], want[i])
		}
	}

	out = mustKubectlEDS(t, append([]string{"executions", "--failed", "--limit", "1"}, args...)...)
	if !strings.Contains(out, "order-43  FAILED") || strings.Contains(out, "order-42") || strings.Contains(out, "order-41") {
		t.Errorf("--failed --limit 1:\n%s", out)
	}
	code, _, errOut := kubectlEDS(t, append([]string{"executions", "event-driven-stack", "refunds"}, args[1:]...)...)
	if code != 1 || !strings.Contains(errOut, `has no workflow "refunds": workflows: event-driven-workflow`) {
		t.Errorf("unknown workflow: exit %d, %s", code, errOut)
	}
}
