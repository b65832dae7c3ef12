package localaws

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/eventstack-io/eventstack-operator/internal/dynalite"
)

// seedDefinition is the seed's saga as the operator renders it: the
// sample's definition with its ${kind:name} references replaced by ARNs
// (a table by its name).
func seedDefinition(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../config/samples/stacks_v1alpha1_eventdrivenstack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stack struct {
		Spec struct {
			Workflows []struct {
				Definition string `json:"definition"`
			} `json:"workflows"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &stack); err != nil || len(stack.Spec.Workflows) == 0 {
		t.Fatalf("the sample's workflow: %v", err)
	}
	return regexp.MustCompile(`\$\{(\w+):([\w-]+)\}`).ReplaceAllStringFunc(stack.Spec.Workflows[0].Definition, func(ref string) string {
		m := regexp.MustCompile(`\$\{(\w+):([\w-]+)\}`).FindStringSubmatch(ref)
		switch m[1] {
		case "function":
			return "arn:aws:lambda:us-east-1:123456789012:function:" + m[2]
		case "topic":
			return "arn:aws:sns:us-east-1:123456789012:" + m[2]
		}
		return m[2]
	})
}

// sagaWorld plays the saga's three functions, its orders table and its
// topic through the TaskRunner, recording what each was asked.
type sagaWorld struct {
	mu        sync.Mutex
	calls     []string // "<function>:<step>", "getItem", "publish"
	payloads  map[string]map[string]any
	published []string
	// failReserve makes ReserveStock fail; transient ProcessOrder's first
	// attempts fail with TransientError, which its Retry names.
	failReserve bool
	transient   int
}

func (w *sagaWorld) run(t *testing.T) TaskRunner {
	return func(resource, parameters, input string) (string, string, string) {
		var p map[string]any
		if err := json.Unmarshal([]byte(parameters), &p); err != nil {
			t.Errorf("%s: parameters %q: %v", resource, parameters, err)
			return "", "States.TaskFailed", "bad parameters"
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		switch resource {
		case "arn:aws:states:::dynamodb:getItem":
			w.calls = append(w.calls, "getItem")
			if p["TableName"] != "event-driven-orders" {
				t.Errorf("getItem on %v", p["TableName"])
			}
			key := p["Key"].(map[string]any)["order_id"].(map[string]any)["S"]
			return `{"Item":{"order_id":{"S":"` + key.(string) + `"},"quantity":{"N":"2"}}}`, "", ""
		case "arn:aws:states:::sns:publish":
			w.calls = append(w.calls, "publish")
			w.published = append(w.published, p["Message"].(string))
			return `{"MessageId":"m-1"}`, "", ""
		case "arn:aws:states:::lambda:invoke":
			fn := strings.TrimPrefix(p["FunctionName"].(string), "arn:aws:lambda:us-east-1:123456789012:function:")
			payload := p["Payload"].(map[string]any)
			step := payload["step"].(string)
			w.calls = append(w.calls, fn+":"+step)
			w.payloads[step] = payload
			switch {
			case step == "process" && w.transient > 0:
				w.transient--
				return "", "TransientError", `{"errorType":"TransientError","errorMessage":"try again"}`
			case step == "reserve" && w.failReserve:
				return "", "OutOfStock", `{"errorType":"OutOfStock","errorMessage":"no stock for o-1"}`
			}
			out, _ := json.Marshal(map[string]any{"ExecutedVersion": "$LATEST", "StatusCode": 200,
				"Payload": map[string]any{"step": step, "order_id": payload["order_id"], "ok": true}})
			return string(out), "", ""
		}
		t.Errorf("unexpected resource %s", resource)
		return "", "States.TaskFailed", "unexpected"
	}
}

const sagaEvent = `{"version":"0","id":"e-1","detail-type":"Order Created","source":"com.example.orders",
 "detail":{"order_id":"o-1","workflow_id":"w-1","total":12.5}}`

// The seed's whole saga: the order loaded from DynamoDB, processed (after
// two TransientErrors its Retry plays) and its stock reserved in parallel,
// the notification published with States.JsonToString; then a reservation
// that fails: compensated (stock released, order marked failed with the
// caught error) and the execution FAILED with OrderFailed, its history
// naming ReserveStock and its error.
func TestSFNSeedSaga(t *testing.T) {
	srv, c := sfnEnv(t, Delays{})
	ctx := ddbCtx(t)
	in := sagaInput()
	in.Name, in.Definition, in.Type = aws.String("event-driven-workflow"), aws.String(seedDefinition(t)), sfntypes.StateMachineTypeStandard
	machine := aws.ToString(must(c.CreateStateMachine(ctx, in))(t).StateMachineArn)

	world := &sagaWorld{payloads: map[string]map[string]any{}, transient: 2}
	srv.SetTaskRunner(world.run(t))
	arn := aws.ToString(must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: aws.String("ok"), Input: aws.String(sagaEvent)}))(t).ExecutionArn)
	d := waitDone(t, c, arn)
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("saga: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	var got, want any
	_ = json.Unmarshal([]byte(aws.ToString(d.Output)), &got)
	_ = json.Unmarshal([]byte(`{"version":"0","id":"e-1","detail-type":"Order Created","source":"com.example.orders",
	 "detail":{"order_id":"o-1","workflow_id":"w-1","total":12.5},
	 "order":{"item":{"order_id":{"S":"o-1"},"quantity":{"N":"2"}}},
	 "results":[{"step":"process","order_id":"o-1","ok":true},{"step":"reserve","order_id":"o-1","ok":true}]}`), &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("saga output (-want +got):\n%s", diff)
	}
	// Objects are written with their members in key order (AWS keeps the
	// input's order).
	if want := `{"order_id":"o-1","total":12.5,"workflow_id":"w-1"}`; len(world.published) != 1 || world.published[0] != want {
		t.Errorf("published %q, want %q", world.published, want)
	}
	wantPayload := map[string]any{"step": "reserve", "workflow_id": "w-1", "order_id": "o-1",
		"order": map[string]any{"order_id": map[string]any{"S": "o-1"}, "quantity": map[string]any{"N": "2"}}}
	if diff := cmp.Diff(wantPayload, world.payloads["reserve"]); diff != "" {
		t.Errorf("ReserveStock's payload (-want +got):\n%s", diff)
	}
	if n := strings.Count(strings.Join(world.calls, " "), "event-order-processor:process"); n != 3 {
		t.Errorf("ProcessOrder ran %d times, want 3 (two TransientErrors retried): %q", n, world.calls)
	}

	// A reservation that fails: compensated, then OrderFailed.
	world = &sagaWorld{payloads: map[string]map[string]any{}, failReserve: true}
	srv.SetTaskRunner(world.run(t))
	arn = aws.ToString(must(c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: aws.String("no-stock"), Input: aws.String(sagaEvent)}))(t).ExecutionArn)
	d = waitDone(t, c, arn)
	if d.Status != sfntypes.ExecutionStatusFailed || aws.ToString(d.Error) != "OrderFailed" ||
		!strings.Contains(aws.ToString(d.Cause), "the stock was released") {
		t.Fatalf("failed saga: %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	calls := strings.Join(world.calls, " ")
	for _, step := range []string{"event-inventory-processor:release", "event-order-processor:fail"} {
		if !strings.Contains(calls, step) {
			t.Errorf("compensation did not run %s: %q", step, calls)
		}
	}
	if strings.Contains(calls, "publish") {
		t.Errorf("a failed saga published: %q", calls)
	}
	caught, _ := world.payloads["fail"]["error"].(map[string]any)
	if caught["Error"] != "OutOfStock" || !strings.Contains(caught["Cause"].(string), "no stock for o-1") {
		t.Errorf("MarkOrderFailed's error: %v", world.payloads["fail"])
	}

	// The history names the state that failed, with its error and cause, as
	// kubectl eds executions reads it: following previousEventId back from
	// the TaskFailed (each branch's events are linked, as AWS links them,
	// though the branches' events interleave) reaches ReserveStock's
	// TaskStateEntered.
	h := must(c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn, MaxResults: 1000}))(t)
	byID := map[int64]sfntypes.HistoryEvent{}
	for _, e := range h.Events {
		byID[e.Id] = e
	}
	var failedState, failedError string
	for _, e := range h.Events {
		if e.Type != sfntypes.HistoryEventTypeTaskFailed {
			continue
		}
		failedError = aws.ToString(e.TaskFailedEventDetails.Error)
		for id := e.PreviousEventId; id > 0 && failedState == ""; id = byID[id].PreviousEventId {
			if byID[id].Type == sfntypes.HistoryEventTypeTaskStateEntered {
				failedState = aws.ToString(byID[id].StateEnteredEventDetails.Name)
			}
		}
	}
	if failedState != "ReserveStock" || failedError != "OutOfStock" {
		t.Errorf("history: failed state %q with %q, want ReserveStock with OutOfStock", failedState, failedError)
	}
	types := map[sfntypes.HistoryEventType]bool{}
	for _, e := range h.Events {
		types[e.Type] = true
	}
	for _, want := range []sfntypes.HistoryEventType{"ParallelStateFailed", "FailStateEntered", "ExecutionFailed", "ParallelStateSucceeded"} {
		if !types[want] {
			t.Errorf("history has no %s", want)
		}
	}
}

// The seed's saga end to end without a TaskRunner: the order read from
// DynamoDB (items in a dynalite), the three functions invoked through
// Lambda's Invoke (an in-process runtime plays the handlers), the
// notification published to the SNS topic; then a failed reservation
// compensated into OrderFailed. Skipped outside CI when dynalite is not
// installed (npm ci).
func TestSFNSeedSagaEndToEnd(t *testing.T) {
	cx := ctx(t)
	dl, err := dynalite.Start(cx, "")
	if errors.Is(err, dynalite.ErrUnavailable) {
		if v := strings.ToLower(os.Getenv("CI")); v == "" || v == "false" || v == "0" {
			t.Skip(err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dl.Close)
	e := newDeliveryEnv(t)
	e.srv.SetDynamoDBDataPlane(dl.Endpoint())
	ddb := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")})
	must(ddb.CreateTable(cx, &dynamodb.CreateTableInput{TableName: aws.String("event-driven-orders"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("order_id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("order_id"), KeyType: ddbtypes.KeyTypeHash}}}))(t)
	for _, id := range []string{"o-1", "o-2"} {
		must(ddb.PutItem(cx, &dynamodb.PutItemInput{TableName: aws.String("event-driven-orders"), Item: map[string]ddbtypes.AttributeValue{
			"order_id": &ddbtypes.AttributeValueMemberS{Value: id}, "quantity": &ddbtypes.AttributeValueMemberN{Value: "2"}}}))(t)
	}
	topic := aws.ToString(must(e.sns.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("event-notifications")}))(t).TopicArn)
	rt := &fakeRuntime{handle: func(fn RunnableFunction, payload []byte) (RuntimeResult, error) {
		var p map[string]any
		_ = json.Unmarshal(payload, &p)
		if fn.Name == "event-inventory-processor" && p["step"] == "reserve" && p["order_id"] == "o-2" {
			return RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"OutOfStock","errorMessage":"no stock for o-2"}`)}, nil
		}
		return RuntimeResult{Payload: []byte(sfnJSON(map[string]any{"step": p["step"], "order_id": p["order_id"], "by": fn.Name}))}, nil
	}}
	e.srv.SetFunctionRuntime(rt)
	e.function(t, "event-order-processor", nil)
	e.function(t, "event-inventory-processor", nil)

	in := sagaInput()
	in.Name, in.Definition, in.Type = aws.String("event-driven-workflow"), aws.String(seedDefinition(t)), sfntypes.StateMachineTypeStandard
	machine := aws.ToString(must(e.sfn.CreateStateMachine(cx, in))(t).StateMachineArn)
	start := func(name, order string) *sfn.DescribeExecutionOutput {
		input := strings.ReplaceAll(sagaEvent, "o-1", order)
		arn := aws.ToString(must(e.sfn.StartExecution(cx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: aws.String(name), Input: aws.String(input)}))(t).ExecutionArn)
		return waitDone(t, e.sfn, arn)
	}
	d := start("ok", "o-1")
	var out struct {
		Order   map[string]any   `json:"order"`
		Results []map[string]any `json:"results"`
	}
	_ = json.Unmarshal([]byte(aws.ToString(d.Output)), &out)
	if d.Status != "SUCCEEDED" || !sameJSON(t, out.Order, `{"item":{"order_id":{"S":"o-1"},"quantity":{"N":"2"}}}`) || len(out.Results) != 2 ||
		out.Results[1]["by"] != "event-inventory-processor" {
		t.Fatalf("saga: %s %s %q %q", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	if p := e.srv.Published(topic); len(p) != 1 || p[0].Message != `{"order_id":"o-1","total":12.5,"workflow_id":"w-1"}` ||
		p[0].MessageAttributes["event_type"] != "Workflow Completed" {
		t.Errorf("published: %+v", p)
	}
	d = start("no-stock", "o-2")
	if d.Status != "FAILED" || aws.ToString(d.Error) != "OrderFailed" {
		t.Errorf("failed saga: %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	steps := map[string]bool{}
	for _, c := range rt.Calls() {
		var p map[string]any
		_ = json.Unmarshal([]byte(c.Payload), &p)
		if p["order_id"] == "o-2" {
			steps[c.Function+":"+fmt.Sprint(p["step"])] = true
		}
	}
	if !steps["event-inventory-processor:release"] || !steps["event-order-processor:fail"] {
		t.Errorf("compensation: %v", steps)
	}
}
