package localaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

var lmUUIDRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// mappingState reads a mapping's State.
func (e *lmEnv) mappingState(t *testing.T, uuid string) string {
	t.Helper()
	return aws.ToString(must(e.lm.GetEventSourceMapping(ctx(t), &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)}))(t).State)
}

// waitMapping waits until a mapping is in state.
func (e *lmEnv) waitMapping(t *testing.T, uuid, state string) {
	t.Helper()
	lmEventually(t, "mapping "+state, func() error {
		if got := e.mappingState(t, uuid); got != state {
			return fmt.Errorf("State %s", got)
		}
		return nil
	})
}

// A mapping of a queue: Creating, then Enabled; updates go through
// Updating, Disabling and Enabling; deletion through Deleting; changes
// meanwhile are refused as Lambda refuses them.
func TestLambdaMappingLifecycle(t *testing.T) {
	e := newLambdaEnv(t, lmDelays)
	c := ctx(t)
	role := e.role(t, "role")
	queue := e.queue(t, "orders")
	e.create(t, "fn", role)
	fnArn := "arn:aws:lambda:us-east-1:123456789012:function:fn"

	created := must(e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{
		FunctionName: aws.String(fnArn), EventSourceArn: aws.String(queue),
		FunctionResponseTypes: []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures},
		Tags:                  map[string]string{"team": "orders"},
	}))(t)
	uuid := aws.ToString(created.UUID)
	if !lmUUIDRe.MatchString(uuid) || aws.ToString(created.State) != "Creating" || aws.ToInt32(created.BatchSize) != 10 ||
		aws.ToInt32(created.MaximumBatchingWindowInSeconds) != 0 || aws.ToString(created.FunctionArn) != fnArn ||
		aws.ToString(created.EventSourceArn) != queue || aws.ToString(created.StateTransitionReason) != "USER_INITIATED" ||
		aws.ToString(created.EventSourceMappingArn) != "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:"+uuid ||
		len(created.FunctionResponseTypes) != 1 || created.LastModified == nil || created.StartingPosition != "" ||
		created.MaximumRetryAttempts != nil || created.DestinationConfig != nil {
		t.Fatalf("CreateEventSourceMapping = %+v", created)
	}
	if time.Since(*created.LastModified) > time.Minute || time.Since(*created.LastModified) < -time.Minute {
		t.Fatalf("LastModified = %v", created.LastModified)
	}
	_, err := e.lm.UpdateEventSourceMapping(c, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), BatchSize: aws.Int32(5)})
	lmWant(t, err, "ResourceInUseException", 400, "")
	_, err = e.lm.DeleteEventSourceMapping(c, &lambda.DeleteEventSourceMappingInput{UUID: aws.String(uuid)})
	lmWant(t, err, "ResourceInUseException", 400, "")
	e.waitMapping(t, uuid, "Enabled")

	// One mapping per function and queue.
	_, err = e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue)})
	lmWant(t, err, "ResourceConflictException", 409, `An event source mapping with SQS arn (" `+queue+` ") and function (" fn ") already exists. `+
		"Please update or delete the existing mapping with UUID "+uuid)

	// Tags.
	tags := must(e.lm.ListTags(c, &lambda.ListTagsInput{Resource: created.EventSourceMappingArn}))(t).Tags
	if len(tags) != 1 || tags["team"] != "orders" {
		t.Fatalf("ListTags of the mapping = %v", tags)
	}
	must(e.lm.TagResource(c, &lambda.TagResourceInput{Resource: created.EventSourceMappingArn, Tags: map[string]string{"env": "dev"}}))(t)
	must(e.lm.UntagResource(c, &lambda.UntagResourceInput{Resource: created.EventSourceMappingArn, TagKeys: []string{"team"}}))(t)
	if m, _ := e.srv.Mapping(uuid); len(m.Tags) != 1 || m.Tags["env"] != "dev" {
		t.Fatalf("Mapping().Tags = %v", m.Tags)
	}

	// An update of settings: Updating, then Enabled.
	upd := must(e.lm.UpdateEventSourceMapping(c, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid),
		FunctionName: aws.String(fnArn), Enabled: aws.Bool(true), BatchSize: aws.Int32(100), MaximumBatchingWindowInSeconds: aws.Int32(5),
		ScalingConfig: &lambdatypes.ScalingConfig{MaximumConcurrency: aws.Int32(5)}}))(t)
	if aws.ToString(upd.State) != "Updating" || aws.ToInt32(upd.BatchSize) != 100 || upd.ScalingConfig == nil ||
		aws.ToInt32(upd.ScalingConfig.MaximumConcurrency) != 5 {
		t.Fatalf("UpdateEventSourceMapping = %+v", upd)
	}
	e.waitMapping(t, uuid, "Enabled")
	// Disabling, then Disabled; Enabling, then Enabled.
	if got := must(e.lm.UpdateEventSourceMapping(c, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(false)}))(t); aws.ToString(got.State) != "Disabling" {
		t.Fatalf("disabling: %s", aws.ToString(got.State))
	}
	e.waitMapping(t, uuid, "Disabled")
	if got := must(e.lm.UpdateEventSourceMapping(c, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(true)}))(t); aws.ToString(got.State) != "Enabling" {
		t.Fatalf("enabling: %s", aws.ToString(got.State))
	}
	e.waitMapping(t, uuid, "Enabled")
	got := must(e.lm.GetEventSourceMapping(c, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)}))(t)
	if aws.ToInt32(got.BatchSize) != 100 || aws.ToInt32(got.MaximumBatchingWindowInSeconds) != 5 || aws.ToInt32(got.ScalingConfig.MaximumConcurrency) != 5 {
		t.Fatalf("GetEventSourceMapping = %+v", got)
	}

	// Someone disables it in the console.
	if !e.srv.SetMappingEnabledOutOfBand(uuid, false) || e.srv.SetMappingEnabledOutOfBand("nope", false) {
		t.Fatal("SetMappingEnabledOutOfBand")
	}
	if s := e.mappingState(t, uuid); s != "Disabling" {
		t.Fatalf("disabled out of band: %s", s)
	}
	e.waitMapping(t, uuid, "Disabled")
	if m, ok := e.srv.Mapping(uuid); !ok || m.Enabled || m.State != "Disabled" || m.BatchSize != 100 {
		t.Fatalf("Mapping() = %+v %v", m, ok)
	}

	// Deleted: Deleting, then gone; it outlives nothing.
	del := must(e.lm.DeleteEventSourceMapping(c, &lambda.DeleteEventSourceMappingInput{UUID: aws.String(uuid)}))(t)
	if aws.ToString(del.State) != "Deleting" || aws.ToString(del.UUID) != uuid {
		t.Fatalf("DeleteEventSourceMapping = %+v", del)
	}
	if s := e.mappingState(t, uuid); s != "Deleting" {
		t.Fatalf("after DeleteEventSourceMapping: %s", s)
	}
	_, err = e.lm.UpdateEventSourceMapping(c, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(true)})
	lmWant(t, err, "ResourceInUseException", 400, "")
	lmEventually(t, "the mapping goes", func() error {
		_, err := e.lm.GetEventSourceMapping(c, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)})
		if err == nil {
			return fmt.Errorf("still there")
		}
		lmWant(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
		return nil
	})
	if _, ok := e.srv.Mapping(uuid); ok {
		t.Fatal("Mapping() finds a deleted mapping")
	}
	for _, r := range e.srv.Resources() {
		if r == aws.ToString(created.EventSourceMappingArn) {
			t.Fatal("Resources() lists a deleted mapping")
		}
	}
	_, err = e.lm.ListTags(c, &lambda.ListTagsInput{Resource: created.EventSourceMappingArn})
	lmWant(t, err, "ResourceNotFoundException", 404, "Event source mapping not found: "+aws.ToString(created.EventSourceMappingArn))

	// A new mapping of the pair can be created now, disabled: it is
	// Disabled at once, as in Lambda.
	disabled := must(e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
		EventSourceArn: aws.String(queue), Enabled: aws.Bool(false)}))(t)
	if aws.ToString(disabled.State) != "Disabled" {
		t.Fatalf("created disabled: %s", aws.ToString(disabled.State))
	}
	if calls := e.srv.Calls(); calls["lambda:CreateEventSourceMapping"] != 3 || calls["lambda:DeleteEventSourceMapping"] != 2 {
		t.Fatalf("Calls() = %v", calls)
	}
}

// CreateEventSourceMapping and UpdateEventSourceMapping check requests as
// Lambda does.
func TestLambdaMappingValidation(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "role")
	queue := e.queue(t, "q")
	e.create(t, "fn", role)
	missingQueue := "arn:aws:sqs:us-east-1:123456789012:missing"
	for _, tc := range []struct {
		name    string
		in      lambda.CreateEventSourceMappingInput
		code    string
		message string
	}{
		{"no source", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn")},
			"InvalidParameterValueException", "Unrecognized event source."},
		{"a function that does not exist", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("nofn"), EventSourceArn: aws.String(queue)},
			"InvalidParameterValueException", "Function does not exist"},
		{"a queue that does not exist", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(missingQueue)},
			"InvalidParameterValueException", "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist."},
		{"a destination for a queue", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("nofn"), EventSourceArn: aws.String(queue),
			DestinationConfig: &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(queue)}}},
			"InvalidParameterValueException", "Unsupported DestinationConfig parameter for given event source mapping type."},
		{"a starting position for a queue", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue),
			StartingPosition: lambdatypes.EventSourcePositionLatest},
			"InvalidParameterValueException", "StartingPosition is not valid for SQS event sources."},
		{"a large batch without a window", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue),
			BatchSize: aws.Int32(11)},
			"InvalidParameterValueException", "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"},
		{"batch size 0", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue), BatchSize: aws.Int32(0)},
			"ValidationException", "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"window 301", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue),
			MaximumBatchingWindowInSeconds: aws.Int32(301)}, "ValidationException", ""},
		{"an invalid filter", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue),
			FilterCriteria: &lambdatypes.FilterCriteria{Filters: []lambdatypes.Filter{{Pattern: aws.String("not json")}}}},
			"InvalidParameterValueException", "Invalid filter pattern definition."},
		{"a stream without a starting position", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
			EventSourceArn: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/s")},
			"InvalidParameterValueException", "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."},
		{"scaling below 2", lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"), EventSourceArn: aws.String(queue),
			ScalingConfig: &lambdatypes.ScalingConfig{MaximumConcurrency: aws.Int32(1)}}, "ValidationException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.lm.CreateEventSourceMapping(c, &tc.in)
			lmWant(t, err, tc.code, 400, tc.message)
		})
	}
	if res := e.srv.Resources(); len(res) != 3 { // the role, the queue, the function
		t.Fatalf("refused creates made resources: %v", res)
	}

	// A filter round-trips; an empty list removes it.
	pattern := `{"body":{"kind":["order"]}}`
	m := must(e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
		EventSourceArn: aws.String(queue), BatchSize: aws.Int32(50), MaximumBatchingWindowInSeconds: aws.Int32(1),
		FilterCriteria: &lambdatypes.FilterCriteria{Filters: []lambdatypes.Filter{{Pattern: aws.String(pattern)}}}}))(t)
	if m.FilterCriteria == nil || len(m.FilterCriteria.Filters) != 1 || aws.ToString(m.FilterCriteria.Filters[0].Pattern) != pattern {
		t.Fatalf("FilterCriteria = %+v", m.FilterCriteria)
	}
	if snap, _ := e.srv.Mapping(aws.ToString(m.UUID)); snap.Members["FilterCriteria"] == "" {
		t.Fatalf("Mapping().Members = %v", snap.Members)
	}
	// Unsupported settings and a window of 0 with a batch of 50.
	for _, in := range []*lambda.UpdateEventSourceMappingInput{
		{UUID: m.UUID, MaximumBatchingWindowInSeconds: aws.Int32(0)},
		{UUID: m.UUID, MaximumRetryAttempts: aws.Int32(2)},
		{UUID: m.UUID, FunctionName: aws.String("nofn")},
	} {
		_, err := e.lm.UpdateEventSourceMapping(c, in)
		wantCode(t, err, "InvalidParameterValueException", 400)
	}
	up := must(e.lm.UpdateEventSourceMapping(c, &lambda.UpdateEventSourceMappingInput{UUID: m.UUID,
		FilterCriteria: &lambdatypes.FilterCriteria{Filters: []lambdatypes.Filter{}}}))(t)
	if up.FilterCriteria != nil {
		t.Fatalf("an empty filter list kept FilterCriteria %+v", up.FilterCriteria)
	}
	for _, op := range []func() error{
		func() error {
			_, err := e.lm.GetEventSourceMapping(c, &lambda.GetEventSourceMappingInput{UUID: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		},
		func() error {
			_, err := e.lm.UpdateEventSourceMapping(c, &lambda.UpdateEventSourceMappingInput{UUID: aws.String("x"), Enabled: aws.Bool(false)})
			return err
		},
		func() error {
			_, err := e.lm.DeleteEventSourceMapping(c, &lambda.DeleteEventSourceMappingInput{UUID: aws.String("x")})
			return err
		},
	} {
		lmWant(t, op(), "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	}
}

// A stream mapping carries Lambda's stream defaults.
func TestLambdaStreamMapping(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	e.create(t, "fn", e.role(t, "role"))
	stream := "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2025-01-01T00:00:00.000"
	m := must(e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
		EventSourceArn: aws.String(stream), StartingPosition: lambdatypes.EventSourcePositionTrimHorizon}))(t)
	if aws.ToInt32(m.BatchSize) != 100 || aws.ToInt32(m.ParallelizationFactor) != 1 || aws.ToInt32(m.MaximumRetryAttempts) != -1 ||
		aws.ToInt32(m.MaximumRecordAgeInSeconds) != -1 || m.StartingPosition != lambdatypes.EventSourcePositionTrimHorizon ||
		aws.ToString(m.StateTransitionReason) != "User action" || m.DestinationConfig == nil || m.BisectBatchOnFunctionError == nil {
		t.Fatalf("stream mapping = %+v", m)
	}
	_, err := e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
		EventSourceArn: aws.String(stream), StartingPosition: lambdatypes.EventSourcePositionLatest})
	lmWant(t, err, "ResourceConflictException", 409, `The event source arn (" `+stream+` ") and function (" fn ") provided mapping already exists. `+
		"Please update or delete the existing mapping with UUID "+aws.ToString(m.UUID))
	_, err = e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
		EventSourceArn: aws.String(stream + "x"), StartingPosition: lambdatypes.EventSourcePositionAtTimestamp})
	lmWant(t, err, "InvalidParameterValueException", 400, "Unsupported starting position for arn type: "+stream+"x")
}

// ListEventSourceMappings filters by function and source and pages; the
// mappings AddEventSourceMapping makes are there, and mappings outlive
// their function.
func TestLambdaListMappings(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "role")
	e.create(t, "a", role)
	e.create(t, "b", role)
	var queues []string
	for i := range 3 {
		queues = append(queues, e.queue(t, fmt.Sprint("q", i)))
	}
	var uuids []string
	for _, q := range queues {
		uuids = append(uuids, aws.ToString(must(e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{
			FunctionName: aws.String("a"), EventSourceArn: aws.String(q)}))(t).UUID))
	}
	must(e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("b"), EventSourceArn: aws.String(queues[0])}))(t)
	outside := e.srv.AddEventSourceMapping("arn:aws:lambda:us-east-1:123456789012:function:c", "arn:aws:sqs:us-east-1:123456789012:other")
	if m, ok := e.srv.Mapping(outside); !ok || m.State != "Enabled" {
		t.Fatalf("AddEventSourceMapping: %+v", m)
	}

	list := func(in *lambda.ListEventSourceMappingsInput) *lambda.ListEventSourceMappingsOutput {
		return must(e.lm.ListEventSourceMappings(c, in))(t)
	}
	if n := len(list(&lambda.ListEventSourceMappingsInput{}).EventSourceMappings); n != 5 {
		t.Fatalf("all mappings: %d", n)
	}
	byA := list(&lambda.ListEventSourceMappingsInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:a")})
	if len(byA.EventSourceMappings) != 3 || aws.ToString(byA.EventSourceMappings[0].UUID) != uuids[0] {
		t.Fatalf("mappings of a: %d", len(byA.EventSourceMappings))
	}
	pair := list(&lambda.ListEventSourceMappingsInput{FunctionName: aws.String("b"), EventSourceArn: aws.String(queues[0])})
	if len(pair.EventSourceMappings) != 1 || aws.ToString(pair.EventSourceMappings[0].FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:b" {
		t.Fatalf("mapping of b and q0: %+v", pair.EventSourceMappings)
	}
	if got := list(&lambda.ListEventSourceMappingsInput{FunctionName: aws.String("c")}); len(got.EventSourceMappings) != 1 ||
		aws.ToString(got.EventSourceMappings[0].UUID) != outside {
		t.Fatalf("the added mapping: %+v", got.EventSourceMappings)
	}
	// Pages of 2.
	var seen []string
	var marker *string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		out := list(&lambda.ListEventSourceMappingsInput{FunctionName: aws.String("a"), MaxItems: aws.Int32(2), Marker: marker})
		for _, m := range out.EventSourceMappings {
			seen = append(seen, aws.ToString(m.UUID))
		}
		if out.NextMarker == nil {
			break
		}
		marker = out.NextMarker
	}
	if fmt.Sprint(seen) != fmt.Sprint(uuids) {
		t.Fatalf("paged %v, want %v", seen, uuids)
	}
	_, err := e.lm.ListEventSourceMappings(c, &lambda.ListEventSourceMappingsInput{MaxItems: aws.Int32(0)})
	wantCode(t, err, "ValidationException", 400)

	// The function goes; its mappings stay.
	must(e.lm.DeleteFunction(c, &lambda.DeleteFunctionInput{FunctionName: aws.String("a")}))(t)
	if n := len(list(&lambda.ListEventSourceMappingsInput{FunctionName: aws.String("a")}).EventSourceMappings); n != 3 {
		t.Fatalf("mappings of a deleted function: %d", n)
	}
}

// The JSON members of a mapping on the wire: LastModified is epoch seconds.
func TestLambdaMappingWire(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	uuid := e.srv.AddEventSourceMapping("arn:aws:lambda:us-east-1:123456789012:function:f", "arn:aws:sqs:us-east-1:123456789012:q")
	resp := lmGet(t, e.srv.URL()+"/2015-03-31/event-source-mappings/"+uuid)
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, ok := m["LastModified"].(float64); !ok {
		t.Fatalf("LastModified = %#v", m["LastModified"])
	}
	if fr, ok := m["FunctionResponseTypes"].([]any); !ok || len(fr) != 0 {
		t.Fatalf("FunctionResponseTypes = %#v", m["FunctionResponseTypes"])
	}
	for _, absent := range []string{"StartingPosition", "MaximumRetryAttempts", "DestinationConfig", "ParallelizationFactor"} {
		if _, ok := m[absent]; ok {
			t.Fatalf("an SQS mapping answers %s", absent)
		}
	}
}

func lmGet(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
