package localaws

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// deliveriesDone waits until n deliveries are recorded and none waits.
func deliveriesDone(t *testing.T, srv *Server, n int) []Delivery {
	t.Helper()
	var out []Delivery
	eventually(t, "the deliveries", func() error {
		out = srv.Deliveries()
		if len(out) < n || srv.DeliveriesPending() != 0 {
			return fmt.Errorf("%d deliveries, %d pending: %+v", len(out), srv.DeliveriesPending(), out)
		}
		return nil
	})
	return out
}

func TestEventBridgeDeliversToTargets(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	rt := &fakeRuntime{}
	e.srv.SetFunctionRuntime(rt)
	fnArn := e.function(t, "on-order", nil)
	_, wholeArn := e.queue(t, "whole", nil)
	_, shapedArn := e.queue(t, "shaped", nil)
	_, pathArn := e.queue(t, "path", nil)
	_, textArn := e.queue(t, "text", nil)
	_, dlqArn := e.queue(t, "rule-dlq", nil)
	topic := e.topic(t, "fanout", nil)
	_, fanArn := e.queue(t, "fan", nil)
	e.subscribe(t, topic, "sqs", fanArn, map[string]string{"RawMessageDelivery": "true"})
	in := sagaInput()
	in.Definition = aws.String(sagaDef2)
	machine := aws.ToString(must(e.sfn.CreateStateMachine(cx, in))(t).StateMachineArn)

	must(e.eb.CreateEventBus(cx, &eventbridge.CreateEventBusInput{Name: aws.String("app")}))(t)
	must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("orders"), EventBusName: aws.String("app"),
		EventPattern: aws.String(`{"source":["shop"],"detail-type":["OrderPlaced"]}`)}))(t)
	missing := "arn:aws:sqs:us-east-1:123456789012:does-not-exist"
	must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String("orders"), EventBusName: aws.String("app"), Targets: []ebtypes.Target{
		{Id: aws.String("fn"), Arn: aws.String(fnArn)},
		{Id: aws.String("whole"), Arn: aws.String(wholeArn)},
		{Id: aws.String("path"), Arn: aws.String(pathArn), InputPath: aws.String("$.detail.items[0]")},
		{Id: aws.String("shaped"), Arn: aws.String(shapedArn), InputTransformer: &ebtypes.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.id", "total": "$.detail.total", "src": "$.source", "none": "$.detail.nothing"},
			InputTemplate: aws.String(`{"order": <id>, "text": "order <id> of <total> from <src>", "total": <total>, "none": <none>, "rule": "<aws.events.rule-name>"}`)}},
	}}))(t)
	must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("orders-more"), EventBusName: aws.String("app"),
		EventPattern: aws.String(`{"source":["shop"]}`)}))(t)
	must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String("orders-more"), EventBusName: aws.String("app"), Targets: []ebtypes.Target{
		{Id: aws.String("text"), Arn: aws.String(textArn), InputTransformer: &ebtypes.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.id"}, InputTemplate: aws.String(`Order <id> placed`)}},
		{Id: aws.String("topic"), Arn: aws.String(topic), Input: aws.String(`{"fixed":true}`)},
		{Id: aws.String("workflow"), Arn: aws.String(machine)},
		{Id: aws.String("gone"), Arn: aws.String(missing), DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}},
		{Id: aws.String("nofn"), Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:never")},
	}}))(t)

	put := must(e.eb.PutEvents(cx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String("app"), Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"),
		Detail: aws.String(`{"id":"o-1","total":42.5,"items":[{"sku":"a"}]}`)}}}))(t)
	eventID := aws.ToString(put.Entries[0].EventId)
	got := deliveriesDone(t, e.srv, 9)
	outcome := map[string]string{}
	for _, d := range got {
		if d.EventID != eventID || !strings.HasPrefix(d.Rule, "orders") {
			t.Fatalf("delivery %+v", d)
		}
		outcome[d.TargetID] = d.Outcome
	}
	want := map[string]string{"fn": "delivered", "whole": "delivered", "path": "delivered", "shaped": "delivered", "text": "delivered",
		"topic": "delivered", "workflow": "delivered", "gone": "dead-lettered", "nofn": "failed"}
	if fmt.Sprint(outcome) != fmt.Sprint(want) {
		t.Fatalf("outcomes = %v, want %v", outcome, want)
	}

	var event map[string]any
	whole := e.srv.Messages("whole")
	if len(whole) != 1 || json.Unmarshal([]byte(whole[0].Body), &event) != nil || event["id"] != eventID ||
		event["source"] != "shop" || event["detail-type"] != "OrderPlaced" || event["account"] != "123456789012" ||
		fmt.Sprint(event["detail"]) != "map[id:o-1 items:[map[sku:a]] total:42.5]" {
		t.Fatalf("whole event: %+v", whole)
	}
	if p := e.srv.Messages("path"); len(p) != 1 || p[0].Body != `{"sku":"a"}` {
		t.Fatalf("InputPath: %+v", p)
	}
	wantShaped := `{"order": "o-1", "text": "order o-1 of 42.5 from shop", "total": 42.5, "none": null, "rule": "orders"}`
	if s := e.srv.Messages("shaped"); len(s) != 1 || s[0].Body != wantShaped {
		t.Fatalf("InputTransformer: %+v\nwant %s", s, wantShaped)
	}
	if s := e.srv.Messages("text"); len(s) != 1 || s[0].Body != "Order o-1 placed" {
		t.Fatalf("text template: %+v", s)
	}
	if f := e.srv.Messages("fan"); len(f) != 1 || f[0].Body != `{"fixed":true}` {
		t.Fatalf("SNS target: %+v", f)
	}
	dead := e.srv.Messages("rule-dlq")
	if len(dead) != 1 || dead[0].MessageAttributes["ERROR_CODE"] != "RESOURCE_NOT_FOUND" || dead[0].MessageAttributes["TARGET_ARN"] != missing ||
		!strings.HasSuffix(dead[0].MessageAttributes["RULE_ARN"], ":rule/app/orders-more") || dead[0].MessageAttributes["ERROR_MESSAGE"] == "" ||
		!strings.Contains(dead[0].Body, eventID) {
		t.Fatalf("dead letter: %+v", dead)
	}
	eventually(t, "the Lambda target", func() error {
		calls := rt.Calls()
		if len(calls) != 1 || !strings.Contains(calls[0].Payload, eventID) {
			return fmt.Errorf("calls: %+v", calls)
		}
		return nil
	})
	if ex := e.srv.Executions(machine); len(ex) != 1 {
		t.Fatalf("executions: %+v", ex)
	}

	// Events the rule does not match, and disabled rules, deliver nothing.
	must(e.eb.PutEvents(cx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String("app"), Source: aws.String("other"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{}`)}}}))(t)
	if n := len(deliveriesDone(t, e.srv, 9)); n != 9 {
		t.Fatalf("%d deliveries after an unmatched event", n)
	}
}

func TestEventBridgeRetriesAndForwardsToBuses(t *testing.T) {
	e := newDeliveryEnv(t)
	cx := ctx(t)
	_, sink := e.queue(t, "sink", nil)
	must(e.eb.CreateEventBus(cx, &eventbridge.CreateEventBusInput{Name: aws.String("second")}))(t)
	second := "arn:aws:events:us-east-1:123456789012:event-bus/second"
	must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("forward"), EventPattern: aws.String(`{"source":["s"]}`)}))(t)
	must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String("forward"), Targets: []ebtypes.Target{
		{Id: aws.String("bus"), Arn: aws.String(second)},
	}}))(t)
	must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("sink"), EventBusName: aws.String("second"), EventPattern: aws.String(`{"source":["s"]}`)}))(t)
	must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String("sink"), EventBusName: aws.String("second"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(sink)}}}))(t)
	must(e.eb.PutEvents(cx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("s"), DetailType: aws.String("t"), Detail: aws.String(`{"n":1}`)}}}))(t)
	deliveriesDone(t, e.srv, 2)
	msgs := e.srv.Messages("sink")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, `"detail":{"n":1}`) {
		t.Fatalf("forwarded: %+v", msgs)
	}

	// Without a runtime Lambda answers ServiceException: a setup problem,
	// not retried.
	must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("retry"), EventPattern: aws.String(`{"source":["r"]}`)}))(t)
	must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String("retry"), Targets: []ebtypes.Target{
		{Id: aws.String("nofn"), Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:f"),
			RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(1)}}}}))(t)
	e.function(t, "f", nil)
	must(e.eb.PutEvents(cx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("r"), DetailType: aws.String("t"), Detail: aws.String(`{}`)}}}))(t)
	got := deliveriesDone(t, e.srv, 3)
	last := got[len(got)-1]
	if last.TargetID != "nofn" || last.Outcome != "failed" || last.Attempts != 1 || !strings.Contains(last.Error, "SetFunctionRuntime") {
		t.Fatalf("delivery without a runtime: %+v", last)
	}
	e.srv.SetFunctionRuntime(&fakeRuntime{})
	must(e.eb.PutEvents(cx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("r"), DetailType: aws.String("t"), Detail: aws.String(`{}`)}}}))(t)
	got = deliveriesDone(t, e.srv, 4)
	if last := got[len(got)-1]; last.Outcome != "delivered" || last.Attempts != 1 {
		t.Fatalf("delivery with a runtime: %+v", last)
	}

	// A Pending function is retried, up to the RetryPolicy, then fails.
	e.srv.SetDelays(Delays{FunctionCreate: time.Hour})
	must(e.eb.PutRule(cx, &eventbridge.PutRuleInput{Name: aws.String("pending"), EventPattern: aws.String(`{"source":["p"]}`)}))(t)
	must(e.eb.PutTargets(cx, &eventbridge.PutTargetsInput{Rule: aws.String("pending"), Targets: []ebtypes.Target{
		{Id: aws.String("default"), Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:f")},
		{Id: aws.String("once"), Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:f"),
			RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(1)}}}}))(t)
	must(e.eb.PutEvents(cx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("p"), DetailType: aws.String("t"), Detail: aws.String(`{}`)}}}))(t)
	got = deliveriesDone(t, e.srv, 6)
	attempts := map[string]int{}
	for _, d := range got[4:] {
		attempts[d.TargetID+" "+d.Outcome] = d.Attempts
	}
	if attempts["default failed"] != 1+ebMaxRetries || attempts["once failed"] != 2 {
		t.Fatalf("attempts = %v", attempts)
	}
}
