package localaws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// dlvEnv is a server without Delays and the clients of the delivery tests
// (SQS messages, Invoke, pollers, Publish, EventBridge targets).
type dlvEnv struct {
	srv  *Server
	sqs  *sqs.Client
	sns  *sns.Client
	lm   *lambda.Client
	iam  *iam.Client
	eb   *eventbridge.Client
	logs *cloudwatchlogs.Client
	sfn  *sfn.Client
}

func newDeliveryEnv(t *testing.T) *dlvEnv {
	t.Helper()
	srv, url, cfg := startWithDelays(t, Delays{})
	return &dlvEnv{srv: srv,
		sqs:  sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(url) }),
		sns:  sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(url) }),
		lm:   lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(url) }),
		iam:  iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(url) }),
		eb:   eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) }),
		logs: cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(url) }),
		sfn:  sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(url) }),
	}
}

// queue creates a queue with attributes and returns its URL and ARN.
func (e *dlvEnv) queue(t *testing.T, name string, attrs map[string]string) (string, string) {
	t.Helper()
	out := must(e.sqs.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs}))(t)
	q, _ := e.srv.Queue(name)
	return aws.ToString(out.QueueUrl), q.Arn
}

// function creates a function (Active at once: no Delays) and returns its ARN.
func (e *dlvEnv) function(t *testing.T, name string, edit func(*lambda.CreateFunctionInput)) string {
	t.Helper()
	if _, err := e.iam.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("fn-role")}); err != nil {
		must(e.iam.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(lmTrust)}))(t)
	}
	in := zipInput(name, "arn:aws:iam::123456789012:role/fn-role")
	if edit != nil {
		edit(in)
	}
	return aws.ToString(must(e.lm.CreateFunction(ctx(t), in))(t).FunctionArn)
}

// eventually polls check every 10ms for at most 10s.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeRuntime is an in-process FunctionRuntime: handle runs each
// invocation; it records them.
type fakeRuntime struct {
	mu     sync.Mutex
	calls  []fakeCall
	handle func(fn RunnableFunction, payload []byte) (RuntimeResult, error)
}

type fakeCall struct {
	Function string
	Payload  string
}

func (r *fakeRuntime) Invoke(_ context.Context, fn RunnableFunction, payload []byte) (RuntimeResult, error) {
	r.mu.Lock()
	r.calls = append(r.calls, fakeCall{fn.Name, string(payload)})
	h := r.handle
	r.mu.Unlock()
	if h == nil {
		return RuntimeResult{Payload: []byte(`"ok"`), Logs: []string{"handled"}}, nil
	}
	return h(fn, payload)
}

func (r *fakeRuntime) Calls() []fakeCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]fakeCall(nil), r.calls...)
}

func TestSQSSendReceiveDelete(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	url, _ := e.queue(t, "work", map[string]string{"VisibilityTimeout": "60"})

	sent := must(e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("hello"),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"kind":  {DataType: aws.String("String"), StringValue: aws.String("order")},
			"count": {DataType: aws.String("Number"), StringValue: aws.String("3")},
			"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
		}}))(t)
	if aws.ToString(sent.MD5OfMessageBody) != "5d41402abc4b2a76b9719d911017c592" {
		t.Fatalf("MD5OfMessageBody = %s", aws.ToString(sent.MD5OfMessageBody))
	}
	if aws.ToString(sent.MD5OfMessageAttributes) == "" {
		t.Fatal("no MD5OfMessageAttributes")
	}
	if q, _ := e.srv.Queue("work"); q.Attributes["ApproximateNumberOfMessages"] != "1" {
		t.Fatalf("ApproximateNumberOfMessages = %s", q.Attributes["ApproximateNumberOfMessages"])
	}

	got := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"}}))(t)
	if len(got.Messages) != 1 {
		t.Fatalf("received %d messages", len(got.Messages))
	}
	m := got.Messages[0]
	if aws.ToString(m.Body) != "hello" || aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) ||
		m.Attributes["ApproximateReceiveCount"] != "1" || m.Attributes["SentTimestamp"] == "" ||
		m.Attributes["ApproximateFirstReceiveTimestamp"] == "" || aws.ToString(m.MessageAttributes["kind"].StringValue) != "order" ||
		string(m.MessageAttributes["blob"].BinaryValue) != "\x01\x02\x03" ||
		aws.ToString(m.MD5OfMessageAttributes) != aws.ToString(sent.MD5OfMessageAttributes) {
		t.Fatalf("message = %+v", m)
	}
	q, _ := e.srv.Queue("work")
	if q.Attributes["ApproximateNumberOfMessages"] != "0" || q.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Fatalf("counts = %v", q.Attributes)
	}
	again := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}))(t)
	if len(again.Messages) != 0 {
		t.Fatal("a message in flight was received again")
	}
	must(e.sqs.DeleteMessage(cx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}))(t)
	if msgs := e.srv.Messages("work"); len(msgs) != 0 {
		t.Fatalf("Messages after delete = %+v", msgs)
	}
	// Deleting again succeeds, as in SQS; a made-up handle does not.
	must(e.sqs.DeleteMessage(cx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}))(t)
	_, err := e.sqs.DeleteMessage(cx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("nope")})
	wantSQSCode(t, err, "ReceiptHandleIsInvalid")
}

func TestSQSMessageValidation(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	url, _ := e.queue(t, "v", map[string]string{"MaximumMessageSize": "1024"})
	fifo, _ := e.queue(t, "v.fifo", map[string]string{"FifoQueue": "true"})
	for _, tc := range []struct {
		name string
		in   *sqs.SendMessageInput
		code string
	}{
		{"empty body", &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("")}, "MissingParameter"},
		{"too big", &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(strings.Repeat("x", 1025))}, "InvalidParameterValue"},
		{"bad characters", &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("a\x01b")}, "InvalidMessageContents"},
		{"delay too long", &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), DelaySeconds: 901}, "InvalidParameterValue"},
		{"bad number", &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("x")}}}, "InvalidParameterValue"},
		{"fifo without group", &sqs.SendMessageInput{QueueUrl: aws.String(fifo), MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")}, "MissingParameter"},
		{"fifo without dedup", &sqs.SendMessageInput{QueueUrl: aws.String(fifo), MessageBody: aws.String("x"), MessageGroupId: aws.String("g")}, "InvalidParameterValue"},
		{"missing queue", &sqs.SendMessageInput{QueueUrl: aws.String(strings.Replace(url, "/v", "/none", 1)), MessageBody: aws.String("x")}, "AWS.SimpleQueueService.NonExistentQueue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.sqs.SendMessage(cx, tc.in)
			wantSQSCode(t, err, tc.code)
		})
	}
	for _, tc := range []struct {
		name string
		in   *sqs.ReceiveMessageInput
	}{
		{"max 11", &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 11}},
		{"wait 21", &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 21}},
		{"visibility -1", &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.sqs.ReceiveMessage(cx, tc.in)
			wantSQSCode(t, err, "InvalidParameterValue")
		})
	}
	_, err := e.sqs.SendMessageBatch(cx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.SendMessageBatchRequestEntry{}})
	wantSQSCode(t, err, "AWS.SimpleQueueService.EmptyBatchRequest")
	_, err = e.sqs.SendMessageBatch(cx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("1")}, {Id: aws.String("a"), MessageBody: aws.String("2")}}})
	wantSQSCode(t, err, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
	_, err = e.sqs.ChangeMessageVisibility(cx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("x")})
	wantSQSCode(t, err, "ReceiptHandleIsInvalid")
}

func TestSQSBatchesVisibilityAndPurge(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	url, _ := e.queue(t, "b", nil)
	out := must(e.sqs.SendMessageBatch(cx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("one"), MessageBody: aws.String("1")},
		{Id: aws.String("two"), MessageBody: aws.String("2")},
		{Id: aws.String("bad"), MessageBody: aws.String("")},
		{Id: aws.String("late"), MessageBody: aws.String("4"), DelaySeconds: 600},
	}}))(t)
	if len(out.Successful) != 3 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "bad" || !out.Failed[0].SenderFault {
		t.Fatalf("SendMessageBatch = %+v", out)
	}
	q, _ := e.srv.Queue("b")
	if q.Attributes["ApproximateNumberOfMessages"] != "2" || q.Attributes["ApproximateNumberOfMessagesDelayed"] != "1" {
		t.Fatalf("counts = %v", q.Attributes)
	}
	got := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}))(t)
	if len(got.Messages) != 2 {
		t.Fatalf("received %d, want the 2 not delayed", len(got.Messages))
	}
	// Visibility 0 makes a message receivable again at once.
	vis := must(e.sqs.ChangeMessageVisibilityBatch(cx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url),
		Entries: []sqstypes.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: got.Messages[0].ReceiptHandle}}}))(t)
	if len(vis.Successful) != 1 {
		t.Fatalf("ChangeMessageVisibilityBatch = %+v", vis)
	}
	_, err := e.sqs.ChangeMessageVisibility(cx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
		ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 10})
	wantSQSCode(t, err, "AWS.SimpleQueueService.MessageNotInflight")
	again := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount}}))(t)
	if len(again.Messages) != 1 || aws.ToString(again.Messages[0].MessageId) != aws.ToString(got.Messages[0].MessageId) ||
		again.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("received again = %+v", again.Messages)
	}
	del := must(e.sqs.DeleteMessageBatch(cx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.DeleteMessageBatchRequestEntry{
		{Id: aws.String("x"), ReceiptHandle: again.Messages[0].ReceiptHandle}, {Id: aws.String("y"), ReceiptHandle: aws.String("garbage")}}}))(t)
	if len(del.Successful) != 1 || len(del.Failed) != 1 || aws.ToString(del.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Fatalf("DeleteMessageBatch = %+v", del)
	}
	must(e.sqs.PurgeQueue(cx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)}))(t)
	if msgs := e.srv.Messages("b"); len(msgs) != 0 {
		t.Fatalf("after purge: %+v", msgs)
	}
	_, err = e.sqs.PurgeQueue(cx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
	wantSQSCode(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress")
}

func TestSQSLongPollAnswersWhenAMessageArrives(t *testing.T) {
	e := newDeliveryEnv(t)
	url, _ := e.queue(t, "lp", nil)
	type result struct {
		out *sqs.ReceiveMessageOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		done <- result{out, err}
	}()
	// The poll holds no lock: other calls are answered meanwhile.
	time.Sleep(50 * time.Millisecond)
	must(e.sqs.SendMessage(ctx(t), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("late")}))(t)
	select {
	case r := <-done:
		if r.err != nil || len(r.out.Messages) != 1 || aws.ToString(r.out.Messages[0].Body) != "late" {
			t.Fatalf("long poll = %+v, %v", r.out, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the long poll did not answer when the message came")
	}
}

func TestSQSRedriveToDeadLetterQueue(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	_, dlqArn := e.queue(t, "dlq", nil)
	url, srcArn := e.queue(t, "src", map[string]string{"VisibilityTimeout": "0",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":3}`, dlqArn)})
	sent := must(e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("poison")}))(t)
	for i := 1; i <= 3; i++ {
		got := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}))(t)
		if len(got.Messages) != 1 {
			t.Fatalf("receive %d: %d messages", i, len(got.Messages))
		}
	}
	if msgs := e.srv.Messages("src"); len(msgs) != 1 || msgs[0].ReceiveCount != 3 {
		t.Fatalf("source after 3 receives = %+v", msgs)
	}
	// The fourth receive finds it gone to the dead-letter queue.
	got := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}))(t)
	if len(got.Messages) != 0 {
		t.Fatalf("received a 4th time: %+v", got.Messages)
	}
	dead := e.srv.Messages("dlq")
	if len(dead) != 1 || dead[0].MessageID != aws.ToString(sent.MessageId) || dead[0].Body != "poison" || dead[0].DeadLetterQueueSourceArn != srcArn {
		t.Fatalf("dead-letter queue = %+v", dead)
	}
	if len(e.srv.Messages("src")) != 0 {
		t.Fatal("the message stayed in the source queue")
	}
}

func TestSQSFIFODeduplicationAndGroups(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	url, _ := e.queue(t, "f.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	first := must(e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("a"), MessageGroupId: aws.String("g")}))(t)
	dup := must(e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("a"), MessageGroupId: aws.String("g")}))(t)
	if aws.ToString(dup.MessageId) != aws.ToString(first.MessageId) || aws.ToString(first.SequenceNumber) == "" {
		t.Fatalf("duplicate = %+v, first %+v", dup, first)
	}
	must(e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("b"), MessageGroupId: aws.String("g")}))(t)
	got := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}))(t)
	if len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "a" {
		t.Fatalf("first receive = %+v", got.Messages)
	}
	// b waits while a of its group is in flight.
	if next := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}))(t); len(next.Messages) != 0 {
		t.Fatalf("received %q while its group had a message in flight", aws.ToString(next.Messages[0].Body))
	}
}

func TestSQSDeleteQueueDropsMessages(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	url, _ := e.queue(t, "gone", nil)
	must(e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")}))(t)
	must(e.sqs.DeleteQueue(cx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}))(t)
	e.srv.SetQueueRecreateDelay(0)
	e.queue(t, "gone", nil)
	if msgs := e.srv.Messages("gone"); len(msgs) != 0 {
		t.Fatalf("a new queue of the name has %+v", msgs)
	}
	var nf *sqstypes.QueueDoesNotExist
	_, err := e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(strings.Replace(url, "gone", "never", 1)), MessageBody: aws.String("x")})
	if !errors.As(err, &nf) {
		t.Fatalf("send to a missing queue: %v", err)
	}
}
