package localaws

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Without a TaskRunner, Tasks call the services through the server's own
// endpoint: states:startExecution starts the child execution; what is not
// simulated fails with States.Runtime saying so.
func TestSFNExecutionIntegrations(t *testing.T) {
	env := newSFNRunEnv(t)
	ctx := ddbCtx(t)
	child := sagaInput()
	child.Name, child.Definition, child.Type = aws.String("child"), aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), sfntypes.StateMachineTypeStandard
	childArn := aws.ToString(must(env.c.CreateStateMachine(ctx, child))(t).StateMachineArn)

	d, events := env.run(`{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
	 "Parameters":{"StateMachineArn":"`+childArn+`","Name.$":"States.Format('for-{}', $.id)","Input":{"from.$":"$$.Execution.Id","id.$":"$.id"}},
	 "ResultSelector":{"arn.$":"$.ExecutionArn","requestId.$":"$.SdkResponseMetadata.RequestId","date.$":"$.StartDate"},"End":true}}}`, `{"id":"7"}`)
	var out map[string]any
	_ = json.Unmarshal([]byte(aws.ToString(d.Output)), &out)
	wantArn := "arn:aws:states:us-east-1:123456789012:execution:child:for-7"
	if d.Status != "SUCCEEDED" || out["arn"] != wantArn || out["date"] == nil {
		t.Fatalf("startExecution: %s %s %q %q", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if !strings.Contains(strings.Join(events, " "), "TaskScheduled TaskStarted TaskSucceeded") {
		t.Errorf("history: %q", events)
	}
	c := waitDone(t, env.c, wantArn)
	if c.Status != "SUCCEEDED" || !strings.Contains(aws.ToString(c.Input), `"id":"7"`) || !strings.Contains(aws.ToString(c.Input), `"from":"arn:aws:states:`) {
		t.Errorf("child: %s %s", c.Status, aws.ToString(c.Input))
	}
	// The same name with other input: StepFunctions.ExecutionAlreadyExistsException.
	d, _ = env.run(`{"StartAt":"Start","States":{"Start":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
	 "Parameters":{"StateMachineArn":"`+childArn+`","Name":"for-7","Input":{"other":1}},"End":true}}}`, `{}`)
	if d.Status != "FAILED" || aws.ToString(d.Error) != "StepFunctions.ExecutionAlreadyExistsException" {
		t.Errorf("startExecution again: %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}

	for _, resource := range []string{"arn:aws:states:::aws-sdk:s3:getObject", "arn:aws:states:::lambda:invoke.waitForTaskToken",
		"arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::glue:startJobRun"} {
		d, _ := env.run(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+resource+`","Parameters":{},
		 "Catch":[{"ErrorEquals":["States.ALL"],"Next":"E"}],"End":true},"E":{"Type":"Succeed"}}}`, `{}`)
		if d.Status != "FAILED" || aws.ToString(d.Error) != "States.Runtime" || !strings.Contains(aws.ToString(d.Cause), "not simulate") {
			t.Errorf("%s: %s %q %q", resource, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	}
}

// lambda:invoke on the wire, against a server playing Lambda's Invoke
// route: the result's shape, a function error named by its errorType, an
// API error as Lambda.<Code>Exception.
func TestSFNLambdaInvokeWire(t *testing.T) {
	var got struct {
		path, invocationType, qualifier, body string
	}
	lambdaAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.path, got.invocationType, got.qualifier, got.body = r.URL.Path, r.Header.Get("X-Amz-Invocation-Type"), r.URL.Query().Get("Qualifier"), string(b)
		w.Header().Set("X-Amzn-Requestid", "req-1")
		switch {
		case strings.Contains(r.URL.Path, "/missing/"):
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"Type":"User","Message":"Function not found: missing"}`)
		case strings.Contains(r.URL.Path, "/broken/"):
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Header().Set("X-Amz-Executed-Version", "$LATEST")
			_, _ = io.WriteString(w, `{"errorType":"OutOfStock","errorMessage":"no stock"}`)
		default:
			w.Header().Set("X-Amz-Executed-Version", "3")
			_, _ = io.WriteString(w, `{"ok":true,"n":1}`)
		}
	}))
	defer lambdaAPI.Close()
	srv := New()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(lambdaAPI.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}
	ctx := ddbCtx(t)

	out, f := srv.sfnInvoke(ctx, cfg, map[string]any{"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:proc",
		"Payload": map[string]any{"step": "process"}, "Qualifier": "live"})
	res, _ := out.(map[string]any)
	if f != nil || !sameJSON(t, res["Payload"], `{"ok":true,"n":1}`) || res["ExecutedVersion"] != "3" || res["StatusCode"] != 200 ||
		res["SdkResponseMetadata"].(map[string]any)["RequestId"] != "req-1" || res["SdkHttpMetadata"].(map[string]any)["HttpStatusCode"] != 200 {
		t.Errorf("invoke: %s %v", sfnJSON(out), f)
	}
	if !strings.HasSuffix(got.path, "/functions/arn:aws:lambda:us-east-1:123456789012:function:proc/invocations") ||
		got.qualifier != "live" || got.body != `{"step":"process"}` {
		t.Errorf("the request: %+v", got)
	}
	if _, f := srv.sfnInvoke(ctx, cfg, map[string]any{"FunctionName": "broken", "InvocationType": "RequestResponse"}); f == nil ||
		f.errorName != "OutOfStock" || f.cause != `{"errorType":"OutOfStock","errorMessage":"no stock"}` {
		t.Errorf("function error: %v", f)
	}
	if _, f := srv.sfnInvoke(ctx, cfg, map[string]any{"FunctionName": "missing"}); f == nil || f.errorName != "Lambda.ResourceNotFoundException" ||
		!strings.Contains(f.cause, "Function not found: missing (Service: Lambda, Status Code: 404, Error Code: ResourceNotFoundException)") {
		t.Errorf("missing function: %v", f)
	}
	if got.body != "{}" {
		t.Errorf("no Payload sends %q, want {}", got.body)
	}
}

// DynamoDB's JSON round-trips through the SDK's attribute values.
func TestSFNDynamoDBAttributes(t *testing.T) {
	item := `{"s":{"S":"x"},"n":{"N":"12.50"},"b":{"B":"AAE="},"t":{"BOOL":true},"z":{"NULL":true},
	 "m":{"M":{"inner":{"L":[{"S":"a"},{"N":"1"}]}}},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},"bs":{"BS":["AAE="]}}`
	v := sfnValue(t, item).(map[string]any)
	attrs, err := sfnAttributeMap(v)
	if err != nil {
		t.Fatal(err)
	}
	if back := sfnAttributesJSON(attrs); !sameJSON(t, back, item) {
		t.Errorf("round trip: %s", sfnJSON(back))
	}
	for _, bad := range []string{`{"k":{"S":1}}`, `{"k":{"X":"1"}}`, `{"k":"plain"}`, `{"k":{"S":"a","N":"1"}}`, `{"k":{"SS":[1]}}`} {
		if _, err := sfnAttributeMap(sfnValue(t, bad).(map[string]any)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// The integrations against the server's own services, end to end: Lambda's
// Invoke (a function run by an in-process runtime) through lambda:invoke
// and a function ARN, SNS Publish, SQS SendMessage, EventBridge PutEvents;
// a function error caught by its errorType, a missing function as
// Lambda.ResourceNotFoundException.
func TestSFNExecutionIntegrationsEndToEnd(t *testing.T) {
	e := newDeliveryEnv(t)
	e.srv.SetFunctionRuntime(echoRuntime())
	fnArn := e.function(t, "proc", nil)
	cx := ctx(t)
	topic := aws.ToString(must(e.sns.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("done")}))(t).TopicArn)
	queueURL, _ := e.queue(t, "work", nil)
	def := `{"StartAt":"Invoke","States":{
	 "Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"proc","Payload":{"order.$":"$.order"}},
	   "ResultSelector":{"body.$":"$.Payload","code.$":"$.StatusCode","version.$":"$.ExecutedVersion"},"ResultPath":"$.invoked","Next":"Legacy"},
	 "Legacy":{"Type":"Task","Resource":"` + fnArn + `","Parameters":{"legacy.$":"$.order"},"ResultPath":"$.legacy","Next":"Publish"},
	 "Publish":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"` + topic + `","Message.$":"States.JsonToString($.invoked.body)",
	   "MessageAttributes":{"kind":{"DataType":"String","StringValue":"done"}}},"ResultSelector":{"id.$":"$.MessageId"},"ResultPath":"$.published","Next":"Send"},
	 "Send":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"` + queueURL + `","MessageBody.$":"$.invoked.body"},
	   "ResultSelector":{"id.$":"$.MessageId","md5.$":"$.MD5OfMessageBody"},"ResultPath":"$.sent","Next":"Put"},
	 "Put":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"Detail.$":"$.invoked.body","DetailType":"Order Done","Source":"saga"}]},
	   "ResultSelector":{"failed.$":"$.FailedEntryCount"},"ResultPath":"$.put","Next":"Fails"},
	 "Fails":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"proc","Payload":{"fail":true}},
	   "Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.caught","Next":"Missing"}],"Next":"Missing"},
	 "Missing":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"nobody"},
	   "Catch":[{"ErrorEquals":["Lambda.ResourceNotFoundException"],"ResultPath":"$.missing","Next":"Done"}],"Next":"Done"},
	 "Done":{"Type":"Succeed"}}}`
	in := sagaInput()
	in.Name, in.Definition, in.Type = aws.String("integrations"), aws.String(def), sfntypes.StateMachineTypeStandard
	machine := aws.ToString(must(e.sfn.CreateStateMachine(cx, in))(t).StateMachineArn)
	arn := aws.ToString(must(e.sfn.StartExecution(cx, &sfn.StartExecutionInput{StateMachineArn: &machine, Input: aws.String(`{"order":"o-1"}`)}))(t).ExecutionArn)
	d := waitDone(t, e.sfn, arn)
	var out struct {
		Invoked   map[string]any `json:"invoked"`
		Legacy    map[string]any `json:"legacy"`
		Published map[string]any `json:"published"`
		Sent      map[string]any `json:"sent"`
		Put       map[string]any `json:"put"`
		Caught    map[string]any `json:"caught"`
		Missing   map[string]any `json:"missing"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil || d.Status != "SUCCEEDED" {
		t.Fatalf("execution: %s %s %q %q", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if !sameJSON(t, out.Invoked, `{"body":{"order":"o-1"},"code":200,"version":"$LATEST"}`) || !sameJSON(t, out.Legacy, `{"legacy":"o-1"}`) ||
		out.Published["id"] == "" || out.Sent["md5"] == "" || out.Put["failed"] != 0.0 {
		t.Errorf("results: %s", aws.ToString(d.Output))
	}
	if out.Caught["Error"] != "Boom" || !strings.Contains(out.Caught["Cause"].(string), "it failed") || out.Missing["Error"] != "Lambda.ResourceNotFoundException" {
		t.Errorf("caught errors: %v %v", out.Caught, out.Missing)
	}
	if p := e.srv.Published(topic); len(p) != 1 || p[0].Message != `{"order":"o-1"}` || p[0].MessageAttributes["kind"] != "done" {
		t.Errorf("published: %+v", p)
	}
	msgs := must(e.sqs.ReceiveMessage(cx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL)}))(t)
	if len(msgs.Messages) != 1 || aws.ToString(msgs.Messages[0].Body) != `{"order":"o-1"}` {
		t.Errorf("sent: %+v", msgs.Messages)
	}
}

// Close stops a running execution (ABORTED) and waits for it.
func TestSFNExecutionStoppedByClose(t *testing.T) {
	srv, c := sfnEnv(t, Delays{})
	srv.SetSFNTiming(1, time.Hour)
	ctx := ddbCtx(t)
	in := sagaInput()
	in.Name, in.Definition = aws.String("slow"), aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	machine := aws.ToString(must(c.CreateStateMachine(ctx, in))(t).StateMachineArn)
	must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine}))(t)
	srv.Close()
	if got := srv.Executions(machine); len(got) != 1 || got[0].Status != "ABORTED" || got[0].Events[len(got[0].Events)-1] != "ExecutionAborted" {
		t.Errorf("after Close: %+v", got)
	}
}
