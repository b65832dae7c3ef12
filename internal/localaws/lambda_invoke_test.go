package localaws

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
)

// echoRuntime answers each payload back, or fails when it holds "fail".
func echoRuntime() *fakeRuntime {
	return &fakeRuntime{handle: func(fn RunnableFunction, payload []byte) (RuntimeResult, error) {
		if strings.Contains(string(payload), "fail") {
			return RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"it failed","errorType":"Boom"}`),
				Logs: []string{"about to fail"}}, nil
		}
		if strings.Contains(string(payload), "crash") {
			return RuntimeResult{}, errors.New("exit status 2")
		}
		return RuntimeResult{Payload: payload, Logs: []string{"got " + string(payload), "env " + fn.Environment["STAGE"]}}, nil
	}}
}

func TestLambdaInvoke(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := echoRuntime()
	e.srv.SetFunctionRuntime(rt)
	arn := e.function(t, "echo", func(in *lambda.CreateFunctionInput) {
		in.Environment = &lambdatypes.Environment{Variables: map[string]string{"STAGE": "dev"}}
	})
	cx := ctx(t)
	for _, tc := range []struct {
		name, fn, payload string
		kind              lambdatypes.InvocationType
		qualifier         string
		status            int32
		fnError, body     string
		code              string
	}{
		{name: "request-response", fn: "echo", payload: `{"a":1}`, status: 200, body: `{"a":1}`},
		{name: "by ARN", fn: arn, payload: `{"b":2}`, status: 200, body: `{"b":2}`},
		{name: "qualifier $LATEST", fn: "echo", qualifier: "$LATEST", payload: `{}`, status: 200, body: `{}`},
		{name: "function error", fn: "echo", payload: `{"fail":true}`, status: 200, fnError: "Unhandled", body: `{"errorMessage":"it failed","errorType":"Boom"}`},
		{name: "runtime error", fn: "echo", payload: `{"crash":true}`, status: 200, fnError: "Unhandled", body: `{"errorMessage":"exit status 2","errorType":"Runtime.Unknown"}`},
		{name: "dry run", fn: "echo", kind: lambdatypes.InvocationTypeDryRun, status: 204},
		{name: "event", fn: "echo", kind: lambdatypes.InvocationTypeEvent, payload: `{"async":1}`, status: 202},
		{name: "missing", fn: "nobody", code: "ResourceNotFoundException"},
		{name: "version", fn: "echo", qualifier: "1", code: "ResourceNotFoundException"},
		{name: "not JSON", fn: "echo", payload: `{not json`, code: "InvalidRequestContentException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &lambda.InvokeInput{FunctionName: aws.String(tc.fn), InvocationType: tc.kind, Payload: []byte(tc.payload)}
			if tc.qualifier != "" {
				in.Qualifier = aws.String(tc.qualifier)
			}
			out, err := e.lm.Invoke(cx, in)
			if tc.code != "" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
					t.Fatalf("want %s, got %v", tc.code, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.StatusCode != tc.status || aws.ToString(out.FunctionError) != tc.fnError || string(out.Payload) != tc.body {
				t.Fatalf("Invoke = %d %q %s", out.StatusCode, aws.ToString(out.FunctionError), out.Payload)
			}
			if tc.status == 200 && aws.ToString(out.ExecutedVersion) != "$LATEST" {
				t.Fatalf("ExecutedVersion = %q", aws.ToString(out.ExecutedVersion))
			}
		})
	}
	eventually(t, "the async invocation", func() error {
		for _, c := range rt.Calls() {
			if c.Payload == `{"async":1}` {
				return nil
			}
		}
		return fmt.Errorf("calls: %+v", rt.Calls())
	})
}

func TestLambdaInvokeLogs(t *testing.T) {
	e := newDeliveryEnv(t)
	e.srv.SetFunctionRuntime(echoRuntime())
	e.function(t, "logged", nil)
	out := must(e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("logged"), Payload: []byte(`"hi"`),
		LogType: lambdatypes.LogTypeTail}))(t)
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil || !strings.Contains(string(tail), "START RequestId: ") || !strings.Contains(string(tail), `got "hi"`) ||
		!strings.Contains(string(tail), "END RequestId: ") || !strings.Contains(string(tail), "REPORT RequestId: ") {
		t.Fatalf("LogResult = %q (%v)", tail, err)
	}
	events := e.srv.LogEvents("/aws/lambda/logged")
	if len(events) != 5 || !strings.HasPrefix(events[0].Message, "START RequestId:") || !strings.Contains(events[0].Stream, "/[$LATEST]") {
		t.Fatalf("log events = %+v", events)
	}
	if _, ok := e.srv.LogGroups()["/aws/lambda/logged"]; !ok {
		t.Fatal("the log group was not made")
	}
}

func TestLambdaInvokeRefusals(t *testing.T) {
	e := newDeliveryEnv(t)
	e.function(t, "plain", nil)
	_, err := e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("plain")})
	var se *lambdatypes.ServiceException
	if !errors.As(err, &se) || !strings.Contains(se.ErrorMessage(), "SetFunctionRuntime") {
		t.Fatalf("without a runtime: %v", err)
	}
	// A Pending function cannot be invoked.
	e.srv.SetDelays(Delays{FunctionCreate: time.Hour})
	e.srv.SetFunctionRuntime(echoRuntime())
	e.function(t, "slow", nil)
	_, err = e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("slow")})
	var rc *lambdatypes.ResourceConflictException
	if !errors.As(err, &rc) || !strings.Contains(rc.ErrorMessage(), "Pending") {
		t.Fatalf("a Pending function: %v", err)
	}
}

func TestLambdaAsyncRetriesThenDeadLetters(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := echoRuntime()
	e.srv.SetFunctionRuntime(rt)
	_, dlq := e.queue(t, "fn-dlq", nil)
	e.function(t, "flaky", func(in *lambda.CreateFunctionInput) {
		in.DeadLetterConfig = &lambdatypes.DeadLetterConfig{TargetArn: aws.String(dlq)}
	})
	out := must(e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("flaky"), InvocationType: lambdatypes.InvocationTypeEvent,
		Payload: []byte(`{"fail":"always"}`)}))(t)
	if out.StatusCode != 202 {
		t.Fatalf("status %d", out.StatusCode)
	}
	eventually(t, "the dead-lettered event", func() error {
		if msgs := e.srv.Messages("fn-dlq"); len(msgs) != 1 {
			return fmt.Errorf("dead-letter queue: %+v", msgs)
		}
		return nil
	})
	if n := len(rt.Calls()); n != 3 {
		t.Fatalf("invoked %d times, want 1 + 2 retries", n)
	}
	m := e.srv.Messages("fn-dlq")[0]
	if m.Body != `{"fail":"always"}` || m.MessageAttributes["ErrorCode"] != "200" || m.MessageAttributes["ErrorMessage"] != "it failed" ||
		m.MessageAttributes["RequestID"] == "" {
		t.Fatalf("dead letter = %+v", m)
	}
	// With MaximumRetryAttempts 0 there is one try only.
	must(e.lm.PutFunctionEventInvokeConfig(ctx(t), &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("flaky"),
		MaximumRetryAttempts: aws.Int32(0)}))(t)
	must(e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("flaky"), InvocationType: lambdatypes.InvocationTypeEvent,
		Payload: []byte(`{"fail":"once"}`)}))(t)
	eventually(t, "the second dead letter", func() error {
		if msgs := e.srv.Messages("fn-dlq"); len(msgs) != 2 {
			return fmt.Errorf("dead-letter queue: %d messages", len(msgs))
		}
		return nil
	})
	if n := len(rt.Calls()); n != 4 {
		t.Fatalf("invoked %d times in all, want 4", n)
	}
}

// ctxRuntime blocks each invocation until its context ends.
type ctxRuntime struct{ started chan struct{} }

func (r ctxRuntime) Invoke(ctx context.Context, _ RunnableFunction, _ []byte) (RuntimeResult, error) {
	r.started <- struct{}{}
	<-ctx.Done()
	return RuntimeResult{}, ctx.Err()
}

func TestCloseStopsBackgroundWork(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := ctxRuntime{started: make(chan struct{}, 10)}
	e.srv.SetFunctionRuntime(rt)
	url, _ := pollerSetup(t, e, nil)
	e.function(t, "async", nil)
	must(e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("async"), InvocationType: lambdatypes.InvocationTypeEvent}))(t)
	must(e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("m")}))(t)
	for range 2 { // the async worker and the poller are both in the runtime
		select {
		case <-rt.started:
		case <-time.After(10 * time.Second):
			t.Fatal("the invocations did not start")
		}
	}
	closed := make(chan struct{})
	go func() { e.srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop the background work")
	}
	e.srv.mu.Lock()
	defer e.srv.mu.Unlock()
	if !e.srv.bgStopped || e.srv.goBackground(func(context.Context) {}) {
		t.Fatal("the server still starts background work after Close")
	}
}
