package localaws

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// sqsEvent is SQS's event to Lambda, as far as the tests read it.
type sqsEvent struct {
	Records []struct {
		MessageID      string            `json:"messageId"`
		ReceiptHandle  string            `json:"receiptHandle"`
		Body           string            `json:"body"`
		Attributes     map[string]string `json:"attributes"`
		EventSource    string            `json:"eventSource"`
		EventSourceARN string            `json:"eventSourceARN"`
		AWSRegion      string            `json:"awsRegion"`
		MD5OfBody      string            `json:"md5OfBody"`
	} `json:"Records"`
}

// batchBodies lists the bodies of each batch a runtime was invoked with.
func batchBodies(t *testing.T, calls []fakeCall) [][]string {
	t.Helper()
	var out [][]string
	for _, c := range calls {
		var ev sqsEvent
		if err := json.Unmarshal([]byte(c.Payload), &ev); err != nil {
			t.Fatalf("payload %s: %v", c.Payload, err)
		}
		var bodies []string
		for _, r := range ev.Records {
			bodies = append(bodies, r.Body)
		}
		out = append(out, bodies)
	}
	return out
}

// pollerSetup makes a queue (visibility 0, redrive after 2 receives), its
// DLQ, a function and an enabled mapping of them.
func pollerSetup(t *testing.T, e *dlvEnv, responseTypes []lambdatypes.FunctionResponseType) (string, string) {
	t.Helper()
	_, dlqArn := e.queue(t, "work-dlq", nil)
	url, arn := e.queue(t, "work", map[string]string{"VisibilityTimeout": "0",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":2}`, dlqArn)})
	e.function(t, "consumer", nil)
	must(e.lm.CreateEventSourceMapping(ctx(t), &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("consumer"),
		EventSourceArn: aws.String(arn), BatchSize: aws.Int32(10), FunctionResponseTypes: responseTypes}))(t)
	return url, arn
}

func TestMappingPollerReportsBatchItemFailures(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &fakeRuntime{}
	rt.handle = func(fn RunnableFunction, payload []byte) (RuntimeResult, error) {
		var ev sqsEvent
		_ = json.Unmarshal(payload, &ev)
		var failures []map[string]string
		for _, r := range ev.Records {
			if r.Body == "bad" {
				failures = append(failures, map[string]string{"itemIdentifier": r.MessageID})
			}
		}
		out, _ := json.Marshal(map[string]any{"batchItemFailures": failures})
		return RuntimeResult{Payload: out}, nil
	}
	e.srv.SetFunctionRuntime(rt)
	url, arn := pollerSetup(t, e, []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures})
	must(e.sqs.SendMessageBatch(ctx(t), &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("good-1")},
		{Id: aws.String("b"), MessageBody: aws.String("bad")},
		{Id: aws.String("c"), MessageBody: aws.String("good-2")},
	}}))(t)
	eventually(t, "the failed message in the dead-letter queue", func() error {
		if msgs := e.srv.Messages("work-dlq"); len(msgs) != 1 || msgs[0].Body != "bad" {
			return fmt.Errorf("dead-letter queue: %+v", msgs)
		}
		return nil
	})
	batches := batchBodies(t, rt.Calls())
	if len(batches) != 2 || strings.Join(batches[0], ",") != "good-1,bad,good-2" || strings.Join(batches[1], ",") != "bad" {
		t.Fatalf("batches = %v, want the three, then the failed one alone", batches)
	}
	if msgs := e.srv.Messages("work"); len(msgs) != 0 {
		t.Fatalf("left in the queue: %+v", msgs)
	}
	var ev sqsEvent
	_ = json.Unmarshal([]byte(rt.Calls()[0].Payload), &ev)
	r := ev.Records[0]
	if r.EventSource != "aws:sqs" || r.EventSourceARN != arn || r.AWSRegion != "us-east-1" || r.ReceiptHandle == "" ||
		r.Attributes["ApproximateReceiveCount"] != "1" || r.Attributes["SentTimestamp"] == "" || r.MD5OfBody == "" {
		t.Fatalf("record = %+v", r)
	}
}

func TestMappingPollerFunctionErrorLeavesTheBatch(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &fakeRuntime{handle: func(RunnableFunction, []byte) (RuntimeResult, error) {
		return RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"no","errorType":"Err"}`)}, nil
	}}
	e.srv.SetFunctionRuntime(rt)
	url, _ := pollerSetup(t, e, nil)
	must(e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("m")}))(t)
	eventually(t, "the message in the dead-letter queue", func() error {
		if msgs := e.srv.Messages("work-dlq"); len(msgs) != 1 {
			return fmt.Errorf("dead-letter queue: %+v", msgs)
		}
		return nil
	})
	if n := len(rt.Calls()); n != 2 {
		t.Fatalf("invoked %d times, want maxReceiveCount (2)", n)
	}
	if e.srv.MappingInvocations() != 2 {
		t.Fatalf("MappingInvocations = %d", e.srv.MappingInvocations())
	}
}

func TestMappingPollerStopsWhenDisabled(t *testing.T) {
	e := newDeliveryEnv(t)
	e.srv.SetFunctionRuntime(&fakeRuntime{})
	url, _ := pollerSetup(t, e, nil)
	must(e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("m")}))(t)
	eventually(t, "the message consumed", func() error {
		if msgs := e.srv.Messages("work"); len(msgs) != 0 {
			return fmt.Errorf("queue: %+v", msgs)
		}
		return nil
	})
	list := must(e.lm.ListEventSourceMappings(ctx(t), &lambda.ListEventSourceMappingsInput{}))(t)
	must(e.lm.UpdateEventSourceMapping(ctx(t), &lambda.UpdateEventSourceMappingInput{UUID: list.EventSourceMappings[0].UUID,
		Enabled: aws.Bool(false)}))(t)
	eventually(t, "the poller stopped", func() error {
		e.srv.mu.Lock()
		defer e.srv.mu.Unlock()
		if n := len(e.srv.esmPollers); n != 0 {
			return fmt.Errorf("%d pollers", n)
		}
		return nil
	})
}
