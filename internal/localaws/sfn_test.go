package localaws

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// sfnEnv starts a server with these delays and returns it with a Step
// Functions client that does not retry.
func sfnEnv(t *testing.T, delays Delays) (*Server, *sfn.Client) {
	t.Helper()
	srv, url, cfg := startWithDelays(t, delays)
	return srv, sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(url) })
}

const (
	sagaRole     = "arn:aws:iam::123456789012:role/saga-sfn"
	sagaLogGroup = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/saga:*"
	sagaDef      = `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge","Next":"Done"},"Done":{"Type":"Succeed"}}}`
	sagaDef2     = `{"Comment":"v2","StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}`
)

// sagaInput creates the state machine saga.
func sagaInput() *sfn.CreateStateMachineInput {
	return &sfn.CreateStateMachineInput{
		Name: aws.String("saga"), Definition: aws.String(sagaDef), RoleArn: aws.String(sagaRole),
		Type: sfntypes.StateMachineTypeExpress,
		LoggingConfiguration: &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevelAll, IncludeExecutionData: true,
			Destinations: []sfntypes.LogDestination{{CloudWatchLogsLogGroup: &sfntypes.CloudWatchLogsLogGroup{LogGroupArn: aws.String(sagaLogGroup)}}}},
		TracingConfiguration: &sfntypes.TracingConfiguration{Enabled: true},
		Tags:                 []sfntypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	}
}

// A state machine is created (idempotently), described, updated and
// deleted: DELETING for TableUpdate, then gone.
func TestSFNStateMachineLifecycle(t *testing.T) {
	srv, c := sfnEnv(t, Delays{TableUpdate: 300 * time.Millisecond})
	ctx := ddbCtx(t)
	const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:saga"

	start := time.Now()
	created, err := c.CreateStateMachine(ctx, sagaInput())
	if err != nil || aws.ToString(created.StateMachineArn) != arn || created.CreationDate == nil || created.CreationDate.Before(start.Add(-time.Second)) {
		t.Fatalf("CreateStateMachine: %+v, %v", created, err)
	}
	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Name) != "saga" || aws.ToString(d.StateMachineArn) != arn || d.Status != sfntypes.StateMachineStatusActive ||
		aws.ToString(d.Definition) != sagaDef || aws.ToString(d.RoleArn) != sagaRole || d.Type != sfntypes.StateMachineTypeExpress ||
		!d.CreationDate.Equal(*created.CreationDate) || aws.ToString(d.RevisionId) == "" {
		t.Fatalf("DescribeStateMachine = %+v", d)
	}
	if l := d.LoggingConfiguration; l == nil || l.Level != sfntypes.LogLevelAll || !l.IncludeExecutionData || len(l.Destinations) != 1 ||
		aws.ToString(l.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn) != sagaLogGroup {
		t.Fatalf("LoggingConfiguration = %+v", d.LoggingConfiguration)
	}
	if d.TracingConfiguration == nil || !d.TracingConfiguration.Enabled {
		t.Fatalf("TracingConfiguration = %+v", d.TracingConfiguration)
	}

	// Idempotent: the same definition, type and configurations return the
	// existing state machine; a different role is ignored, as AWS documents.
	again := sagaInput()
	again.RoleArn = aws.String("arn:aws:iam::123456789012:role/other")
	again.Tags = nil
	same, err := c.CreateStateMachine(ctx, again)
	if err != nil || aws.ToString(same.StateMachineArn) != arn || !same.CreationDate.Equal(*created.CreationDate) {
		t.Fatalf("idempotent CreateStateMachine: %+v, %v", same, err)
	}
	if m, _ := srv.StateMachine("saga"); m.RoleArn != sagaRole || m.Tags["team"] != "a" {
		t.Fatalf("an idempotent create changed the state machine: %+v", m)
	}
	different := sagaInput()
	different.Definition = aws.String(sagaDef2)
	_, err = c.CreateStateMachine(ctx, different)
	var exists *sfntypes.StateMachineAlreadyExists
	if !errors.As(err, &exists) || exists.ErrorMessage() != "State Machine Already Exists: '"+arn+"'" {
		t.Fatalf("CreateStateMachine with another definition: %v", err)
	}
	different = sagaInput()
	different.Type = sfntypes.StateMachineTypeStandard
	if _, err = c.CreateStateMachine(ctx, different); !errors.As(err, &exists) {
		t.Fatalf("CreateStateMachine with another type: %v", err)
	}

	// UpdateStateMachine: a new revision when the definition changes.
	up, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(sagaDef2),
		LoggingConfiguration: &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevelOff}, TracingConfiguration: &sfntypes.TracingConfiguration{Enabled: false}})
	if err != nil || up.UpdateDate == nil || up.UpdateDate.Before(*created.CreationDate) || aws.ToString(up.RevisionId) == aws.ToString(d.RevisionId) {
		t.Fatalf("UpdateStateMachine: %+v, %v", up, err)
	}
	d = must(c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}))(t)
	if aws.ToString(d.Definition) != sagaDef2 || d.LoggingConfiguration.Level != sfntypes.LogLevelOff || len(d.LoggingConfiguration.Destinations) != 0 ||
		d.TracingConfiguration.Enabled || d.Type != sfntypes.StateMachineTypeExpress || aws.ToString(d.RevisionId) != aws.ToString(up.RevisionId) {
		t.Fatalf("after UpdateStateMachine: %+v", d)
	}
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn)})
	var missingParam *sfntypes.MissingRequiredParameter
	if !errors.As(err, &missingParam) {
		t.Fatalf("UpdateStateMachine without changes: %v", err)
	}
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), RoleArn: aws.String("arn:aws:iam::123456789012:user/bob")})
	var invalidArn *sfntypes.InvalidArn
	if !errors.As(err, &invalidArn) {
		t.Fatalf("UpdateStateMachine with a user ARN as role: %v", err)
	}
	m, ok := srv.StateMachine(arn)
	if !ok || m.Updates != 1 || m.Definition != sagaDef2 || m.Logging.Level != "OFF" || m.TracingEnabled || m.Updated.IsZero() || m.Status != "ACTIVE" {
		t.Fatalf("StateMachine(arn) = %+v, %v", m, ok)
	}
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn + "x"), Definition: aws.String(sagaDef)})
	var notExist *sfntypes.StateMachineDoesNotExist
	if !errors.As(err, &notExist) {
		t.Fatalf("UpdateStateMachine of a missing state machine: %v", err)
	}

	// DeleteStateMachine: DELETING, then gone.
	must(c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}))(t)
	deleted := time.Now()
	d = must(c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}))(t)
	if d.Status != sfntypes.StateMachineStatusDeleting {
		t.Fatalf("status after DeleteStateMachine: %s", d.Status)
	}
	var deleting *sfntypes.StateMachineDeleting
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(sagaDef)})
	if !errors.As(err, &deleting) {
		t.Fatalf("UpdateStateMachine while DELETING: %v", err)
	}
	if _, err = c.CreateStateMachine(ctx, sagaInput()); !errors.As(err, &deleting) {
		t.Fatalf("CreateStateMachine while DELETING: %v", err)
	}
	must(c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}))(t)
	if res := srv.Resources(); !slices.Contains(res, arn) {
		t.Fatalf("Resources while DELETING = %v", res)
	}
	for {
		_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
		if err != nil {
			break
		}
		if time.Since(deleted) > 5*time.Second {
			t.Fatal("state machine still there 5s after DeleteStateMachine")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !errors.As(err, &notExist) || notExist.ErrorMessage() != "State Machine Does Not Exist: '"+arn+"'" {
		t.Fatalf("DescribeStateMachine after deletion: %v", err)
	}
	if time.Since(deleted) < 300*time.Millisecond {
		t.Fatalf("gone after %v, before the delay", time.Since(deleted))
	}
	if res := srv.Resources(); slices.Contains(res, arn) {
		t.Fatalf("Resources after deletion = %v", res)
	}
	if _, ok := srv.StateMachine("saga"); ok {
		t.Fatal("StateMachine(saga) after deletion")
	}
	// Deleting what is not there succeeds, as in AWS; the name is free again.
	must(c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}))(t)
	must(c.CreateStateMachine(ctx, sagaInput()))(t)

	calls := srv.Calls()
	if calls["states:CreateStateMachine"] != 6 || calls["states:DeleteStateMachine"] != 3 || calls["states:DescribeStateMachine"] < 3 {
		t.Fatalf("calls = %v", calls)
	}
}

func TestSFNValidation(t *testing.T) {
	_, c := sfnEnv(t, Delays{})
	ctx := ddbCtx(t)
	var (
		invalidName    *sfntypes.InvalidName
		invalidArn     *sfntypes.InvalidArn
		invalidDef     *sfntypes.InvalidDefinition
		invalidLogging *sfntypes.InvalidLoggingConfiguration
		validation     *sfntypes.ValidationException
	)
	cases := []struct {
		name   string
		modify func(*sfn.CreateStateMachineInput)
		target any
		msg    string
	}{
		{"space in name", func(in *sfn.CreateStateMachineInput) { in.Name = aws.String("my saga") }, &invalidName, "Invalid Name: 'my saga'"},
		{"slash in name", func(in *sfn.CreateStateMachineInput) { in.Name = aws.String("a/b") }, &invalidName, "Invalid Name"},
		{"long name", func(in *sfn.CreateStateMachineInput) { in.Name = aws.String(strings.Repeat("n", 81)) }, &validation, "have length less than or equal to 80"},
		{"role not an ARN", func(in *sfn.CreateStateMachineInput) { in.RoleArn = aws.String("saga-sfn") }, &invalidArn, "Invalid Arn: 'Invalid ARN prefix: saga-sfn'"},
		{"role not a role", func(in *sfn.CreateStateMachineInput) {
			in.RoleArn = aws.String("arn:aws:lambda:us-east-1:123456789012:function:f")
		}, &invalidArn, "Invalid Arn: 'Resource type not valid in this context"},
		{"definition not JSON", func(in *sfn.CreateStateMachineInput) { in.Definition = aws.String(`{"StartAt":`) }, &invalidDef,
			"Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "},
		{"StartAt names no state", func(in *sfn.CreateStateMachineInput) {
			in.Definition = aws.String(`{"StartAt":"Nope","States":{"Done":{"Type":"Succeed"}}}`)
		}, &invalidDef, "MISSING_TRANSITION_TARGET: names no state of this state machine: \"Nope\" at /StartAt"},
		{"no StartAt", func(in *sfn.CreateStateMachineInput) {
			in.Definition = aws.String(`{"States":{"Done":{"Type":"Succeed"}}}`)
		}, &invalidDef, "SCHEMA_VALIDATION_FAILED: needs StartAt"},
		{"Next names no state", func(in *sfn.CreateStateMachineInput) {
			in.Definition = aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`)
		}, &invalidDef, "at /States/A/Next"},
		{"type", func(in *sfn.CreateStateMachineInput) { in.Type = "BATCH" }, &validation, "Member must satisfy enum value set: [STANDARD, EXPRESS]"},
		{"logging without destination", func(in *sfn.CreateStateMachineInput) {
			in.LoggingConfiguration.Destinations = nil
		}, &invalidLogging, "Must specify exactly one Log Destination if logging level is not OFF."},
		{"log group ARN without :*", func(in *sfn.CreateStateMachineInput) {
			in.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn = aws.String(strings.TrimSuffix(sagaLogGroup, ":*"))
		}, &invalidLogging, "Invalid Logging Configuration"},
		{"logging level", func(in *sfn.CreateStateMachineInput) { in.LoggingConfiguration.Level = "DEBUG" }, &validation, "[ALL, ERROR, FATAL, OFF]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := sagaInput()
			tc.modify(in)
			_, err := c.CreateStateMachine(ctx, in)
			if !errors.As(err, tc.target) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("want %T with %q, got %v", tc.target, tc.msg, err)
			}
		})
	}
	if _, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(
		"arn:aws:states:us-east-1:123456789012:stateMachine:saga")}); err == nil {
		t.Fatal("a refused CreateStateMachine created the state machine")
	}

	// Without logging or tracing given, AWS shows them off; OFF needs no
	// destination; STANDARD is the default type.
	in := &sfn.CreateStateMachineInput{Name: aws.String("plain"), Definition: aws.String(sagaDef), RoleArn: aws.String(sagaRole)}
	arn := aws.ToString(must(c.CreateStateMachine(ctx, in))(t).StateMachineArn)
	d := must(c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}))(t)
	if d.Type != sfntypes.StateMachineTypeStandard || d.LoggingConfiguration == nil || d.LoggingConfiguration.Level != sfntypes.LogLevelOff ||
		d.TracingConfiguration == nil || d.TracingConfiguration.Enabled {
		t.Fatalf("defaults: %+v %+v %+v", d.Type, d.LoggingConfiguration, d.TracingConfiguration)
	}
	must(c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn),
		LoggingConfiguration: &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevelOff}}))(t)

	_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:f")})
	if !errors.As(err, &invalidArn) {
		t.Fatalf("DescribeStateMachine of a function ARN: %v", err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:nope")})
	var notExist *sfntypes.StateMachineDoesNotExist
	if !errors.As(err, &notExist) {
		t.Fatalf("DescribeStateMachine(nope): %v", err)
	}
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(`{"StartAt":"X","States":{}}`)})
	if !errors.As(err, &invalidDef) {
		t.Fatalf("UpdateStateMachine with an invalid definition: %v", err)
	}
	_, err = c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	ddbWantErr(t, err, "UnknownOperationException", "ListStateMachines")
}

func TestSFNTags(t *testing.T) {
	srv, c := sfnEnv(t, Delays{})
	ctx := ddbCtx(t)
	arn := aws.ToString(must(c.CreateStateMachine(ctx, sagaInput()))(t).StateMachineArn)
	list := func() string {
		out := must(c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))(t)
		var got []string
		for _, tag := range out.Tags {
			got = append(got, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
		return strings.Join(got, ",")
	}
	if got := list(); got != "team=a" {
		t.Fatalf("tags at creation: %s", got)
	}
	must(c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: []sfntypes.Tag{{Key: aws.String("team"), Value: aws.String("b")}, {Key: aws.String("app"), Value: aws.String("shop")}}}))(t)
	if got := list(); got != "app=shop,team=b" {
		t.Fatalf("tags after TagResource: %s", got)
	}
	must(c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team", "absent"}}))(t)
	if got := list(); got != "app=shop" {
		t.Fatalf("tags after UntagResource: %s", got)
	}
	if m, _ := srv.StateMachine("saga"); len(m.Tags) != 1 || m.Tags["app"] != "shop" {
		t.Fatalf("StateMachine tags %v", m.Tags)
	}
	var many []sfntypes.Tag
	for i := range 50 {
		many = append(many, sfntypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	_, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: many})
	var tooMany *sfntypes.TooManyTags
	if !errors.As(err, &tooMany) {
		t.Fatalf("51 tags: %v", err)
	}
	missing := "arn:aws:states:us-east-1:123456789012:stateMachine:nope"
	_, err = c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(missing)})
	var notFound *sfntypes.ResourceNotFound
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Resource not found: '"+missing+"'" {
		t.Fatalf("ListTagsForResource(missing): %v", err)
	}
	_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(missing), Tags: many[:1]})
	if !errors.As(err, &notFound) {
		t.Fatalf("TagResource(missing): %v", err)
	}
	_, err = c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String("nope"), TagKeys: []string{"k"}})
	var invalidArn *sfntypes.InvalidArn
	if !errors.As(err, &invalidArn) {
		t.Fatalf("UntagResource(nope): %v", err)
	}
}
