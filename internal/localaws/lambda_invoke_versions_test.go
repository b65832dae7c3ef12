package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// versionCall is what a versionRuntime saw of one invocation.
type versionCall struct {
	Version, ARN, CodeSha256, Stage string
	Payload                         string
	Failed                          bool
	At                              time.Time
}

// versionRuntime answers "<version>:<STAGE>" and fails when the version's
// environment has BROKEN=1; it records every call.
type versionRuntime struct {
	mu    sync.Mutex
	calls []versionCall
}

func (r *versionRuntime) Invoke(_ context.Context, fn RunnableFunction, payload []byte) (RuntimeResult, error) {
	c := versionCall{Version: fn.Version, ARN: fn.ARN, CodeSha256: fn.CodeSha256, Stage: fn.Environment["STAGE"],
		Payload: string(payload), Failed: fn.Environment["BROKEN"] == "1", At: time.Now()}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	if c.Failed {
		return RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"broken","errorType":"Broken"}`)}, nil
	}
	out, _ := json.Marshal(fn.Version + ":" + c.Stage)
	return RuntimeResult{Payload: out, Logs: []string{"running " + fn.Version}}, nil
}

func (r *versionRuntime) Calls() []versionCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]versionCall(nil), r.calls...)
}

// cycleDraw draws 0.1, 0.35, 0.6, 0.85 over and over: with a weight of
// 0.25, the first draw of every four routes to the weighted version.
type cycleDraw struct {
	mu sync.Mutex
	n  int
}

func (d *cycleDraw) draw() float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := 0.1 + 0.25*float64(d.n%4)
	d.n++
	return v
}

func (d *cycleDraw) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

// versionedFunction makes "orders" with version 1 (STAGE one), version 2
// (STAGE two, its own code; BROKEN=1 when broken2) and $LATEST changed
// after (STAGE latest); it returns the function's ARN and the versions'
// CodeSha256.
func versionedFunction(t *testing.T, e *dlvEnv, broken2 bool) (arn, sha1, sha2 string) {
	t.Helper()
	cx := ctx(t)
	arn = e.function(t, "orders", func(in *lambda.CreateFunctionInput) {
		in.Environment = &lambdatypes.Environment{Variables: map[string]string{"STAGE": "one"}}
	})
	v1 := must(e.lm.PublishVersion(cx, &lambda.PublishVersionInput{FunctionName: aws.String("orders")}))(t)
	must(e.lm.UpdateFunctionCode(cx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("orders"),
		S3Bucket: aws.String("code"), S3Key: aws.String("orders-2.zip")}))(t)
	env2 := map[string]string{"STAGE": "two"}
	if broken2 {
		env2["BROKEN"] = "1"
	}
	must(e.lm.UpdateFunctionConfiguration(cx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("orders"),
		Environment: &lambdatypes.Environment{Variables: env2}}))(t)
	v2 := must(e.lm.PublishVersion(cx, &lambda.PublishVersionInput{FunctionName: aws.String("orders")}))(t)
	must(e.lm.UpdateFunctionConfiguration(cx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("orders"),
		Environment: &lambdatypes.Environment{Variables: map[string]string{"STAGE": "latest"}}}))(t)
	if aws.ToString(v1.Version) != "1" || aws.ToString(v2.Version) != "2" || aws.ToString(v1.CodeSha256) == aws.ToString(v2.CodeSha256) {
		t.Fatalf("published %s (%s) and %s (%s)", aws.ToString(v1.Version), aws.ToString(v1.CodeSha256),
			aws.ToString(v2.Version), aws.ToString(v2.CodeSha256))
	}
	return arn, aws.ToString(v1.CodeSha256), aws.ToString(v2.CodeSha256)
}

// liveAlias makes the alias "live" of orders at version 1 with {2: 0.25}.
func liveAlias(t *testing.T, e *dlvEnv) string {
	t.Helper()
	out := must(e.lm.CreateAlias(ctx(t), &lambda.CreateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("live"),
		FunctionVersion: aws.String("1"), RoutingConfig: &lambdatypes.AliasRoutingConfiguration{
			AdditionalVersionWeights: map[string]float64{"2": 0.25}}}))(t)
	return aws.ToString(out.AliasArn)
}

// Invoke runs the version a qualifier names with that version's
// configuration, and answers 404 for a version or alias that is not there.
func TestLambdaInvokeVersions(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &versionRuntime{}
	e.srv.SetFunctionRuntime(rt)
	arn, sha1, sha2 := versionedFunction(t, e, false)
	must(e.lm.CreateAlias(ctx(t), &lambda.CreateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("stable"),
		FunctionVersion: aws.String("2")}))(t)
	must(e.lm.CreateAlias(ctx(t), &lambda.CreateAliasInput{FunctionName: aws.String("orders"), Name: aws.String("edge"),
		FunctionVersion: aws.String("$LATEST")}))(t)
	for _, tc := range []struct {
		name, fn, qualifier string
		version, body, sha  string // the version run, its answer and CodeSha256
		code, message       string
	}{
		{name: "unqualified", fn: "orders", version: "$LATEST", body: `"$LATEST:latest"`, sha: sha2},
		{name: "$LATEST", fn: "orders", qualifier: "$LATEST", version: "$LATEST", body: `"$LATEST:latest"`, sha: sha2},
		{name: "version 1 by Qualifier", fn: "orders", qualifier: "1", version: "1", body: `"1:one"`, sha: sha1},
		{name: "version 1 by ARN", fn: arn + ":1", version: "1", body: `"1:one"`, sha: sha1},
		{name: "version 2 by partial name", fn: "orders:2", version: "2", body: `"2:two"`, sha: sha2},
		{name: "version 1 by ARN and Qualifier", fn: arn + ":1", qualifier: "1", version: "1", body: `"1:one"`, sha: sha1},
		{name: "alias", fn: "orders", qualifier: "stable", version: "2", body: `"2:two"`, sha: sha2},
		{name: "alias by ARN", fn: arn + ":stable", version: "2", body: `"2:two"`, sha: sha2},
		{name: "alias at $LATEST", fn: "orders:edge", version: "$LATEST", body: `"$LATEST:latest"`, sha: sha2},
		{name: "unknown version", fn: "orders", qualifier: "9", code: "ResourceNotFoundException", message: "Function not found: " + arn + ":9"},
		{name: "unknown alias", fn: arn + ":nope", code: "ResourceNotFoundException", message: "Function not found: " + arn + ":nope"},
		{name: "qualifiers differ", fn: arn + ":1", qualifier: "2", code: "InvalidParameterValueException",
			message: "The derived qualifier from the function name does not match the specified qualifier."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &lambda.InvokeInput{FunctionName: aws.String(tc.fn), Payload: []byte(`{}`)}
			if tc.qualifier != "" {
				in.Qualifier = aws.String(tc.qualifier)
			}
			before := len(rt.Calls())
			out, err := e.lm.Invoke(ctx(t), in)
			if tc.code != "" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.message {
					t.Fatalf("want %s %q, got %v", tc.code, tc.message, err)
				}
				if len(rt.Calls()) != before {
					t.Fatal("the runtime ran")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(out.Payload) != tc.body || aws.ToString(out.ExecutedVersion) != tc.version || out.FunctionError != nil {
				t.Fatalf("Invoke = %s, version %q, error %q", out.Payload, aws.ToString(out.ExecutedVersion), aws.ToString(out.FunctionError))
			}
			calls := rt.Calls()
			c := calls[len(calls)-1]
			wantArn := arn
			if tc.version != "$LATEST" {
				wantArn += ":" + tc.version
			}
			if c.Version != tc.version || c.ARN != wantArn || c.CodeSha256 != tc.sha {
				t.Fatalf("the runtime got version %q, ARN %s, code %s; want %q, %s, %s", c.Version, c.ARN, c.CodeSha256, tc.version, wantArn, tc.sha)
			}
		})
	}

	// DryRun answers the version too; the log names it, in its own stream.
	dry := must(e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("orders:stable"), InvocationType: lambdatypes.InvocationTypeDryRun}))(t)
	if dry.StatusCode != http.StatusNoContent || aws.ToString(dry.ExecutedVersion) != "2" {
		t.Fatalf("DryRun = %d, version %q", dry.StatusCode, aws.ToString(dry.ExecutedVersion))
	}
	var starts1, startsLatest int
	streams := map[string]bool{}
	for _, ev := range e.srv.LogEvents("/aws/lambda/orders") {
		if strings.HasPrefix(ev.Message, "START RequestId: ") {
			switch {
			case strings.HasSuffix(ev.Message, " Version: 1\n") && strings.Contains(ev.Stream, "/[1]"):
				starts1++
			case strings.HasSuffix(ev.Message, " Version: $LATEST\n") && strings.Contains(ev.Stream, "/[$LATEST]"):
				startsLatest++
			}
		}
		streams[ev.Stream] = true
	}
	if starts1 != 3 || startsLatest != 3 || len(streams) != 3 {
		t.Fatalf("START lines: %d of version 1, %d of $LATEST, in %d streams", starts1, startsLatest, len(streams))
	}
}

// An alias with AdditionalVersionWeights routes each invocation by one
// draw: with {2: 0.25} and draws cycling through quarters, one in four
// runs version 2; an async event keeps the version it was routed to
// through its retries.
func TestLambdaInvokeAliasWeights(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &versionRuntime{}
	e.srv.SetFunctionRuntime(rt)
	versionedFunction(t, e, true)
	aliasArn := liveAlias(t, e)
	draws := &cycleDraw{}
	e.srv.SetRoutingDraw(draws.draw)

	var executed []string
	for i := range 8 {
		out, err := e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String(aliasArn), Payload: []byte(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		v := aws.ToString(out.ExecutedVersion)
		executed = append(executed, v)
		broken := v == "2"
		if (out.FunctionError != nil) != broken || (!broken && string(out.Payload) != `"1:one"`) {
			t.Fatalf("invocation %d on version %s: %s (%q)", i, v, out.Payload, aws.ToString(out.FunctionError))
		}
	}
	if got := strings.Join(executed, ","); got != "2,1,1,1,2,1,1,1" {
		t.Fatalf("executed versions %s, want one in four on version 2", got)
	}

	// Event: the draw happens once, at Invoke; the retries run the same
	// version (the draws that would follow route to version 1).
	before, drawn := len(rt.Calls()), draws.count() // the next draw is 0.1: version 2
	out := must(e.lm.Invoke(ctx(t), &lambda.InvokeInput{FunctionName: aws.String("orders"), Qualifier: aws.String("live"),
		InvocationType: lambdatypes.InvocationTypeEvent, Payload: []byte(`{"async":true}`)}))(t)
	if out.StatusCode != http.StatusAccepted || aws.ToString(out.ExecutedVersion) != "2" {
		t.Fatalf("Event = %d, version %q", out.StatusCode, aws.ToString(out.ExecutedVersion))
	}
	eventually(t, "the async event retried out", func() error {
		if e.srv.AsyncInvocationsDone() != 1 {
			return fmt.Errorf("%d calls", len(rt.Calls())-before)
		}
		return nil
	})
	async := rt.Calls()[before:]
	if len(async) != 1+asyncDefaultMax || draws.count() != drawn+1 {
		t.Fatalf("%d async calls, %d draws", len(async), draws.count()-drawn)
	}
	for _, c := range async {
		if c.Version != "2" || !c.Failed {
			t.Fatalf("async call %+v, want version 2 each time", c)
		}
	}
}

// An SQS mapping on an alias ARN routes each batch by one draw; the batch
// a failing version gets stays in the queue, comes back after the
// visibility timeout and is routed again, and what keeps failing goes to
// the queue's dead-letter queue per its redrive policy.
func TestMappingPollerInvokesAliasVersions(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &versionRuntime{}
	e.srv.SetFunctionRuntime(rt)
	arn, _, _ := versionedFunction(t, e, true)
	aliasArn := liveAlias(t, e)
	draws := &cycleDraw{}
	e.srv.SetRoutingDraw(draws.draw)
	cx := ctx(t)
	_, dlqArn := e.queue(t, "work-dlq", nil)
	url, queueArn := e.queue(t, "work", map[string]string{"VisibilityTimeout": "1",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":2}`, dlqArn)})

	// The mapping keeps the qualified ARN it is given; a qualifier that
	// names nothing is refused.
	for _, tc := range []struct{ fn, code string }{
		{fn: arn + ":nope", code: "InvalidParameterValueException"},
		{fn: arn + ":7", code: "InvalidParameterValueException"},
	} {
		_, err := e.lm.CreateEventSourceMapping(cx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String(tc.fn),
			EventSourceArn: aws.String(queueArn)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != "Function does not exist" {
			t.Fatalf("mapping of %s: %v", tc.fn, err)
		}
	}
	created := must(e.lm.CreateEventSourceMapping(cx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String(arn + ":1"),
		EventSourceArn: aws.String(queueArn), BatchSize: aws.Int32(10), Enabled: aws.Bool(false)}))(t)
	if aws.ToString(created.FunctionArn) != arn+":1" {
		t.Fatalf("FunctionArn = %s", aws.ToString(created.FunctionArn))
	}
	updated := must(e.lm.UpdateEventSourceMapping(cx, &lambda.UpdateEventSourceMappingInput{UUID: created.UUID,
		FunctionName: aws.String(aliasArn), Enabled: aws.Bool(true)}))(t)
	if aws.ToString(updated.FunctionArn) != aliasArn {
		t.Fatalf("FunctionArn = %s", aws.ToString(updated.FunctionArn))
	}
	listed := must(e.lm.ListEventSourceMappings(cx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String("orders:live")}))(t)
	if len(listed.EventSourceMappings) != 1 {
		t.Fatalf("mappings of the alias: %d", len(listed.EventSourceMappings))
	}

	// One batch of eight: the first draw routes it to version 2, which
	// fails; after the visibility timeout the next draw routes it to
	// version 1.
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i := range 8 {
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(fmt.Sprintf("m%d", i))})
	}
	must(e.sqs.SendMessageBatch(cx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries}))(t)
	eventually(t, "the batch consumed", func() error {
		if msgs := e.srv.Messages("work"); len(msgs) != 0 {
			return fmt.Errorf("%d messages left", len(msgs))
		}
		return nil
	})
	calls := rt.Calls()
	if len(calls) != 2 || calls[0].Version != "2" || !calls[0].Failed || calls[1].Version != "1" || calls[1].Failed ||
		batchSize(t, calls[0]) != 8 || batchSize(t, calls[1]) != 8 || calls[1].At.Sub(calls[0].At) < 900*time.Millisecond {
		t.Fatalf("calls: %+v", calls)
	}
	if msgs := e.srv.Messages("work-dlq"); len(msgs) != 0 {
		t.Fatalf("dead-lettered: %+v", msgs)
	}

	// Every draw to version 2 now: the message fails maxReceiveCount times,
	// a visibility timeout apart, then goes to the dead-letter queue.
	e.srv.SetRoutingDraw(func() float64 { return 0.1 })
	must(e.sqs.SendMessage(cx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("doomed")}))(t)
	eventually(t, "the message dead-lettered", func() error {
		if msgs := e.srv.Messages("work-dlq"); len(msgs) != 1 || msgs[0].Body != "doomed" {
			return fmt.Errorf("dead-letter queue: %+v", msgs)
		}
		return nil
	})
	calls = rt.Calls()[2:]
	if len(calls) != 2 || calls[0].Version != "2" || calls[1].Version != "2" || !calls[0].Failed || !calls[1].Failed ||
		calls[1].At.Sub(calls[0].At) < 900*time.Millisecond {
		t.Fatalf("calls of the doomed message: %+v", calls)
	}
}

// batchSize counts the records of an SQS event.
func batchSize(t *testing.T, c versionCall) int {
	t.Helper()
	var ev sqsEvent
	if err := json.Unmarshal([]byte(c.Payload), &ev); err != nil {
		t.Fatalf("payload %s: %v", c.Payload, err)
	}
	return len(ev.Records)
}

// EventBridge delivers to a rule's target on a version or alias ARN
// through the same resolution.
func TestEventBridgeDeliversToAliasVersion(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &versionRuntime{}
	e.srv.SetFunctionRuntime(rt)
	arn, _, _ := versionedFunction(t, e, false)
	aliasArn := liveAlias(t, e)
	e.srv.SetRoutingDraw(func() float64 { return 0.9 }) // version 1
	cx := ctx(t)
	must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("orders"), EventPattern: aws.String(`{"source":["shop"]}`)}))(t)
	must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String("orders"), Targets: []ebtypes.Target{
		{Id: aws.String("live"), Arn: aws.String(aliasArn)},
		{Id: aws.String("v2"), Arn: aws.String(arn + ":2")},
	}}))(t)
	must(e.eb.PutEvents(cx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("shop"), DetailType: aws.String("order"), Detail: aws.String(`{}`)}}}))(t)
	eventually(t, "both targets invoked", func() error {
		if n := len(rt.Calls()); n != 2 {
			return fmt.Errorf("%d calls", n)
		}
		return nil
	})
	versions := map[string]string{}
	for _, c := range rt.Calls() {
		versions[c.Version] = c.Stage
	}
	if versions["1"] != "one" || versions["2"] != "two" {
		t.Fatalf("versions run: %v", versions)
	}
}

// Step Functions' lambda:invoke (FunctionName qualified, or Qualifier) and a
// Task whose Resource is a version's ARN run the version named, and
// ExecutedVersion says which.
func TestSFNInvokesVersions(t *testing.T) {
	e := newDeliveryEnv(t)
	rt := &versionRuntime{}
	e.srv.SetFunctionRuntime(rt)
	arn, _, _ := versionedFunction(t, e, false)
	aliasArn := liveAlias(t, e)
	e.srv.SetRoutingDraw(func() float64 { return 0.1 }) // version 2
	cx := ctx(t)
	def := `{"StartAt":"Alias","States":{
	 "Alias":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + aliasArn + `"},
	   "ResultSelector":{"body.$":"$.Payload","version.$":"$.ExecutedVersion"},"ResultPath":"$.alias","Next":"Qualifier"},
	 "Qualifier":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"orders","Qualifier":"1"},
	   "ResultSelector":{"body.$":"$.Payload","version.$":"$.ExecutedVersion"},"ResultPath":"$.qualifier","Next":"Legacy"},
	 "Legacy":{"Type":"Task","Resource":"` + arn + `:1","ResultPath":"$.legacy","End":true}}}`
	in := sagaInput()
	in.Name, in.Definition, in.Type = aws.String("versions"), aws.String(def), sfntypes.StateMachineTypeStandard
	machine := aws.ToString(must(e.sfn.CreateStateMachine(cx, in))(t).StateMachineArn)
	exec := aws.ToString(must(e.sfn.StartExecution(cx, &sfn.StartExecutionInput{StateMachineArn: &machine, Input: aws.String(`{}`)}))(t).ExecutionArn)
	d := waitDone(t, e.sfn, exec)
	if d.Status != "SUCCEEDED" {
		t.Fatalf("execution: %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(d.Output)), &out); err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, out["alias"], `{"body":"2:two","version":"2"}`) || !sameJSON(t, out["qualifier"], `{"body":"1:one","version":"1"}`) ||
		out["legacy"] != "1:one" {
		t.Fatalf("output: %s", aws.ToString(d.Output))
	}
}
