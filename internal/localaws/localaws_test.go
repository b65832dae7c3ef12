package localaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	region  = "us-east-1"
	account = "123456789012"
)

type env struct {
	srv *Server
	url string
	eb  *eventbridge.Client
	lm  *lambda.Client
	cfg aws.Config
}

// standardRetryer is the SDK's standard retryer (3 attempts) without the
// backoff sleeps, so that retried tests stay fast.
func standardRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// startServer starts srv, set up as the test wants it (Delays, ...), closes
// it when the test ends and returns its base URL.
func startServer(t *testing.T, srv *Server) string {
	t.Helper()
	url, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return url
}

// clientConfig is the SDK configuration of the tests' clients: the server's
// region, static credentials of its account, and this retryer.
func clientConfig(retryer func() aws.Retryer) aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:     retryer,
	}
}

// startWithDelays starts a server with these delays and returns it, its URL
// and the configuration of clients that do not retry, so that a test sees
// every answer: how the tests of one service (DynamoDB, Step Functions,
// Lambda) start.
func startWithDelays(t *testing.T, delays Delays) (*Server, string, aws.Config) {
	t.Helper()
	srv := New()
	srv.Delays = delays
	url := startServer(t, srv)
	return srv, url, clientConfig(func() aws.Retryer { return aws.NopRetryer{} })
}

// rawCall sends a request as is, for the tests of what the SDK does not
// show (status codes, headers, bodies), and returns the answer with its
// body read.
func rawCall(t *testing.T, method, url string, header http.Header, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(req.Header, header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func newEnvWith(t *testing.T, retryer func() aws.Retryer) *env {
	t.Helper()
	srv := New()
	url := startServer(t, srv)
	if srv.URL() != url || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("URL() = %q, Start() = %q", srv.URL(), url)
	}
	cfg := clientConfig(retryer)
	return &env{
		srv: srv,
		url: url,
		eb:  eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(url) }),
		lm:  lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(url) }),
		cfg: cfg,
	}
}

func newEnv(t *testing.T) *env { return newEnvWith(t, standardRetryer) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// must(v, err)(t) fails the test on err and returns v.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// wantCode checks that err is an API error with this code and HTTP status.
func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want code %s, got %s (%v)", code, ae.ErrorCode(), err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
}

func (e *env) putRule(t *testing.T, bus, name, pattern string) string {
	t.Helper()
	out := must(e.eb.PutRule(ctx(t), &eventbridge.PutRuleInput{
		Name: aws.String(name), EventBusName: aws.String(bus), EventPattern: aws.String(pattern),
	}))(t)
	return aws.ToString(out.RuleArn)
}

func target(id string) ebtypes.Target {
	return ebtypes.Target{Id: aws.String(id), Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:" + id)}
}

const pattern = `{"source":["orders"],"detail-type":["OrderPlaced"]}`

func TestEventBusLifecycle(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)

	created := must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("orders"), Description: aws.String("order events")}))(t)
	if got, want := aws.ToString(created.EventBusArn), "arn:aws:events:us-east-1:123456789012:event-bus/orders"; got != want {
		t.Fatalf("EventBusArn = %s, want %s", got, want)
	}
	_, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("orders")})
	var exists *ebtypes.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("second CreateEventBus: want ResourceAlreadyExistsException, got %v", err)
	}
	_, err = e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("bad name!")})
	wantCode(t, err, "ValidationException", 400)

	d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String(aws.ToString(created.EventBusArn))}))(t)
	if aws.ToString(d.Name) != "orders" || aws.ToString(d.Arn) != aws.ToString(created.EventBusArn) ||
		aws.ToString(d.Description) != "order events" || d.CreationTime == nil || time.Since(*d.CreationTime) > time.Minute {
		t.Fatalf("DescribeEventBus = %+v", d)
	}
	def := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{}))(t)
	if aws.ToString(def.Name) != "default" || aws.ToString(def.Arn) != "arn:aws:events:us-east-1:123456789012:event-bus/default" {
		t.Fatalf("default bus = %s %s", aws.ToString(def.Name), aws.ToString(def.Arn))
	}
	_, err = e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("missing")})
	var notFound *ebtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) || !strings.Contains(notFound.ErrorMessage(), "missing does not exist") {
		t.Fatalf("DescribeEventBus(missing): want ResourceNotFoundException, got %v", err)
	}
	wantCode(t, err, "ResourceNotFoundException", 400)

	list := must(e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{}))(t)
	if len(list.EventBuses) != 2 || aws.ToString(list.EventBuses[0].Name) != "default" || aws.ToString(list.EventBuses[1].Name) != "orders" {
		t.Fatalf("ListEventBuses = %+v", list.EventBuses)
	}
	list = must(e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{NamePrefix: aws.String("ord")}))(t)
	if len(list.EventBuses) != 1 || list.NextToken != nil {
		t.Fatalf("ListEventBuses(ord) = %+v", list.EventBuses)
	}

	// A bus with rules cannot be deleted; nor can the default bus.
	e.putRule(t, "orders", "r1", pattern)
	_, err = e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")})
	wantCode(t, err, "ValidationException", 400)
	_, err = e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("default")})
	wantCode(t, err, "ValidationException", 400)
	must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("r1"), EventBusName: aws.String("orders")}))(t)
	must(e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")}))(t)
	if _, ok := e.srv.Bus("orders"); ok {
		t.Fatal("bus still there after DeleteEventBus")
	}
	// Deleting a bus that does not exist succeeds, as in AWS.
	must(e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")}))(t)
	if b, ok := e.srv.Bus("default"); !ok || b.Arn != aws.ToString(def.Arn) {
		t.Fatalf("Bus(default) = %+v, %v", b, ok)
	}
}

func TestRules(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}))(t)

	if got, want := e.putRule(t, "orders", "placed", pattern), "arn:aws:events:us-east-1:123456789012:rule/orders/placed"; got != want {
		t.Fatalf("RuleArn = %s, want %s", got, want)
	}
	if got, want := e.putRule(t, "", "placed", pattern), "arn:aws:events:us-east-1:123456789012:rule/placed"; got != want {
		t.Fatalf("default-bus RuleArn = %s, want %s", got, want)
	}

	must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("shipped"), EventBusName: aws.String("orders"),
		EventPattern: aws.String(pattern), State: ebtypes.RuleStateDisabled, Description: aws.String("shipping")}))(t)
	d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("shipped"), EventBusName: aws.String("orders")}))(t)
	if aws.ToString(d.Name) != "shipped" || aws.ToString(d.Arn) != "arn:aws:events:us-east-1:123456789012:rule/orders/shipped" ||
		aws.ToString(d.EventPattern) != pattern || d.State != ebtypes.RuleStateDisabled ||
		aws.ToString(d.Description) != "shipping" || aws.ToString(d.EventBusName) != "orders" || aws.ToString(d.CreatedBy) != account {
		t.Fatalf("DescribeRule = %+v", d)
	}

	// PutRule on an existing rule replaces every setting: State defaults to
	// ENABLED and an omitted Description is cleared.
	e.putRule(t, "orders", "shipped", `{"source":["shipping"]}`)
	d = must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("shipped"), EventBusName: aws.String("orders")}))(t)
	if d.State != ebtypes.RuleStateEnabled || d.Description != nil || aws.ToString(d.EventPattern) != `{"source":["shipping"]}` {
		t.Fatalf("after update: %+v", d)
	}

	must(e.eb.DisableRule(c, &eventbridge.DisableRuleInput{Name: aws.String("shipped"), EventBusName: aws.String("orders")}))(t)
	if r := e.srv.Rules("orders"); len(r) != 2 || r[1].Name != "shipped" || r[1].State != "DISABLED" {
		t.Fatalf("Rules after DisableRule = %+v", r)
	}
	must(e.eb.EnableRule(c, &eventbridge.EnableRuleInput{Name: aws.String("shipped"), EventBusName: aws.String("orders")}))(t)
	if r := e.srv.Rules("orders"); r[1].State != "ENABLED" {
		t.Fatalf("Rules after EnableRule = %+v", r)
	}

	// Missing rules and buses.
	var notFound *ebtypes.ResourceNotFoundException
	_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("nope"), EventBusName: aws.String("orders")})
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Rule nope does not exist on EventBus orders." {
		t.Fatalf("DescribeRule(nope): %v", err)
	}
	_, err = e.eb.EnableRule(c, &eventbridge.EnableRuleInput{Name: aws.String("nope")})
	if !errors.As(err, &notFound) {
		t.Fatalf("EnableRule(nope): %v", err)
	}
	_, err = e.eb.DisableRule(c, &eventbridge.DisableRuleInput{Name: aws.String("nope")})
	if !errors.As(err, &notFound) {
		t.Fatalf("DisableRule(nope): %v", err)
	}
	_, err = e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("nobus"), EventPattern: aws.String(pattern)})
	if !errors.As(err, &notFound) {
		t.Fatalf("PutRule on a missing bus: %v", err)
	}
	_, err = e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: aws.String("nobus")})
	if !errors.As(err, &notFound) {
		t.Fatalf("ListRules on a missing bus: %v", err)
	}
	_, err = e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("r"), EventBusName: aws.String("nobus")})
	if !errors.As(err, &notFound) {
		t.Fatalf("DeleteRule on a missing bus: %v", err)
	}
	// Deleting a missing rule on an existing bus succeeds, as in AWS.
	must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("nope"), EventBusName: aws.String("orders")}))(t)

	// Invalid event patterns.
	for _, p := range []string{`"orders"`, `[1,2]`, `{"source":"orders"}`, `{}`, `{"detail":{}}`, `{"source":[`, `{"$or":["a","b"]}`, `{"a":["x"]} {}`} {
		_, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("bad"), EventPattern: aws.String(p)})
		var invalid *ebtypes.InvalidEventPatternException
		if !errors.As(err, &invalid) || !strings.HasPrefix(invalid.ErrorMessage(), "Event pattern is not valid. Reason: ") {
			t.Errorf("pattern %s: want InvalidEventPatternException, got %v", p, err)
		}
	}
	if _, ok := e.srv.Bus("default"); !ok || len(e.srv.Rules("")) != 1 {
		t.Fatalf("an invalid PutRule created a rule: %+v", e.srv.Rules(""))
	}
	// Valid patterns with operators and $or.
	e.putRule(t, "", "ops", `{"detail":{"amount":[{"numeric":[">",0]}],"id":[{"prefix":"o-"}]},"$or":[{"source":["a"]},{"source":["b"]}]}`)

	// Request validation.
	_, err = e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("none")})
	wantCode(t, err, "ValidationException", 400)
	_, err = e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("bad name"), EventPattern: aws.String(pattern)})
	wantCode(t, err, "ValidationException", 400)
	_, err = e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("st"), EventPattern: aws.String(pattern), State: "PAUSED"})
	wantCode(t, err, "ValidationException", 400)
	_, err = e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("cron"), EventBusName: aws.String("orders"), ScheduleExpression: aws.String("rate(5 minutes)")})
	wantCode(t, err, "ValidationException", 400)
	must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("cron"), ScheduleExpression: aws.String("rate(5 minutes)")}))(t)
}

func TestListRulesPagination(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}))(t)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("stack-rule-%d", i)
		want = append(want, name)
		e.putRule(t, "orders", name, pattern)
	}
	e.putRule(t, "orders", "other", pattern)

	var got []string
	var pages []int
	var token *string
	for range 10 { // at most 10 pages
		out := must(e.eb.ListRules(c, &eventbridge.ListRulesInput{
			EventBusName: aws.String("orders"), NamePrefix: aws.String("stack-"), Limit: aws.Int32(3), NextToken: token,
		}))(t)
		pages = append(pages, len(out.Rules))
		for _, r := range out.Rules {
			got = append(got, aws.ToString(r.Name))
			if aws.ToString(r.EventBusName) != "orders" || aws.ToString(r.EventPattern) != pattern || r.State != ebtypes.RuleStateEnabled ||
				aws.ToString(r.Arn) != "arn:aws:events:us-east-1:123456789012:rule/orders/"+aws.ToString(r.Name) {
				t.Fatalf("ListRules entry = %+v", r)
			}
		}
		token = out.NextToken
		if token == nil {
			break
		}
	}
	if fmt.Sprint(pages) != "[3 3 1]" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages %v, rules %v; want [3 3 1], %v", pages, got, want)
	}

	all := must(e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: aws.String("orders")}))(t)
	if len(all.Rules) != 8 || all.NextToken != nil {
		t.Fatalf("ListRules without a limit: %d rules, token %v", len(all.Rules), all.NextToken)
	}
	if def := must(e.eb.ListRules(c, &eventbridge.ListRulesInput{}))(t); len(def.Rules) != 0 {
		t.Fatalf("default bus has rules: %+v", def.Rules)
	}
	_, err := e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: aws.String("orders"), NextToken: aws.String("garbage")})
	wantCode(t, err, "ValidationException", 400)
	_, err = e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: aws.String("orders"), Limit: aws.Int32(0)})
	wantCode(t, err, "ValidationException", 400)
}

func TestTargets(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}))(t)
	e.putRule(t, "orders", "placed", pattern)
	rule := func() (*string, *string) { return aws.String("placed"), aws.String("orders") }
	r, b := rule()

	full := ebtypes.Target{
		Id:               aws.String("fn"),
		Arn:              aws.String("arn:aws:lambda:us-east-1:123456789012:function:fn"),
		RoleArn:          aws.String("arn:aws:iam::123456789012:role/invoke"),
		Input:            aws.String(`{"k":"v"}`),
		RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(4), MaximumEventAgeInSeconds: aws.Int32(3600)},
		DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:dlq")},
	}
	queue := ebtypes.Target{Id: aws.String("queue"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:q.fifo"),
		SqsParameters: &ebtypes.SqsParameters{MessageGroupId: aws.String("g1")}}
	out := must(e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: r, EventBusName: b, Targets: []ebtypes.Target{full, queue}}))(t)
	if out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
		t.Fatalf("PutTargets failed entries: %+v", out)
	}

	list := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: r, EventBusName: b}))(t)
	if len(list.Targets) != 2 {
		t.Fatalf("ListTargetsByRule = %+v", list.Targets)
	}
	got := list.Targets[0]
	if aws.ToString(got.Id) != "fn" || aws.ToString(got.Arn) != aws.ToString(full.Arn) || aws.ToString(got.RoleArn) != aws.ToString(full.RoleArn) ||
		aws.ToString(got.Input) != `{"k":"v"}` || got.RetryPolicy == nil || aws.ToInt32(got.RetryPolicy.MaximumRetryAttempts) != 4 ||
		aws.ToInt32(got.RetryPolicy.MaximumEventAgeInSeconds) != 3600 || got.DeadLetterConfig == nil ||
		aws.ToString(got.DeadLetterConfig.Arn) != "arn:aws:sqs:us-east-1:123456789012:dlq" {
		t.Fatalf("target fn = %+v", got)
	}
	if q := list.Targets[1]; q.SqsParameters == nil || aws.ToString(q.SqsParameters.MessageGroupId) != "g1" {
		t.Fatalf("target queue lost its SqsParameters: %+v", q)
	}
	st := e.srv.Targets("orders", "placed")
	if len(st) != 2 || st[0].ID != "fn" || st[0].RetryPolicy == nil || *st[0].RetryPolicy.MaximumRetryAttempts != 4 ||
		st[0].DeadLetterConfig.Arn != "arn:aws:sqs:us-east-1:123456789012:dlq" || st[0].Input != `{"k":"v"}` {
		t.Fatalf("Targets() = %+v", st)
	}

	// Paginated listing.
	page := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: r, EventBusName: b, Limit: aws.Int32(1)}))(t)
	if len(page.Targets) != 1 || page.NextToken == nil {
		t.Fatalf("first page: %+v", page)
	}
	page = must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: r, EventBusName: b, Limit: aws.Int32(1), NextToken: page.NextToken}))(t)
	if len(page.Targets) != 1 || aws.ToString(page.Targets[0].Id) != "queue" || page.NextToken != nil {
		t.Fatalf("second page: %+v", page)
	}

	// A rule with targets cannot be deleted.
	_, err := e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: r, EventBusName: b})
	wantCode(t, err, "ValidationException", 400)
	var ae smithy.APIError
	if errors.As(err, &ae); ae.ErrorMessage() != "Rule can't be deleted since it has targets." {
		t.Fatalf("DeleteRule message = %q", ae.ErrorMessage())
	}

	// Updating a target in place does not count against the limit of 5.
	updated := target("fn")
	must(e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: r, EventBusName: b, Targets: []ebtypes.Target{updated, target("t3"), target("t4"), target("t5")}}))(t)
	if st := e.srv.Targets("orders", "placed"); len(st) != 5 || st[0].RetryPolicy != nil || st[0].Input != "" {
		t.Fatalf("after update: %+v", st)
	}
	_, err = e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: r, EventBusName: b, Targets: []ebtypes.Target{target("t6")}})
	var limit *ebtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("6th target: want LimitExceededException, got %v", err)
	}
	if len(e.srv.Targets("orders", "placed")) != 5 {
		t.Fatal("the refused PutTargets changed the targets")
	}

	// At most 10 targets per call.
	var eleven []ebtypes.Target
	for i := range 11 {
		eleven = append(eleven, target(fmt.Sprintf("x%d", i)))
	}
	e.putRule(t, "orders", "wide", pattern)
	_, err = e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("wide"), EventBusName: b, Targets: eleven})
	wantCode(t, err, "ValidationException", 400)
	_, err = e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("wide"), EventBusName: b, Targets: eleven[:10]})
	if !errors.As(err, &limit) {
		t.Fatalf("10 targets on one rule: want LimitExceededException, got %v", err)
	}

	// Target validation.
	both := target("both")
	both.Input, both.InputPath = aws.String("{}"), aws.String("$.detail")
	_, err = e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("wide"), EventBusName: b, Targets: []ebtypes.Target{both}})
	wantCode(t, err, "ValidationException", 400)
	retries := target("retries")
	retries.RetryPolicy = &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(186)}
	_, err = e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("wide"), EventBusName: b, Targets: []ebtypes.Target{retries}})
	wantCode(t, err, "ValidationException", 400)

	// Missing rule.
	var notFound *ebtypes.ResourceNotFoundException
	_, err = e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("nope"), EventBusName: b, Targets: []ebtypes.Target{target("a")}})
	if !errors.As(err, &notFound) {
		t.Fatalf("PutTargets on a missing rule: %v", err)
	}
	_, err = e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("nope"), EventBusName: b})
	if !errors.As(err, &notFound) {
		t.Fatalf("ListTargetsByRule on a missing rule: %v", err)
	}
	_, err = e.eb.RemoveTargets(c, &eventbridge.RemoveTargetsInput{Rule: aws.String("nope"), EventBusName: b, Ids: []string{"a"}})
	if !errors.As(err, &notFound) {
		t.Fatalf("RemoveTargets on a missing rule: %v", err)
	}

	// Remove every target, then the rule can go.
	rm := must(e.eb.RemoveTargets(c, &eventbridge.RemoveTargetsInput{Rule: r, EventBusName: b, Ids: []string{"fn", "queue", "t3", "t4", "t5", "never-there"}}))(t)
	if rm.FailedEntryCount != 0 || len(rm.FailedEntries) != 0 {
		t.Fatalf("RemoveTargets = %+v", rm)
	}
	if len(e.srv.Targets("orders", "placed")) != 0 {
		t.Fatal("targets left after RemoveTargets")
	}
	must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: r, EventBusName: b}))(t)
	if len(e.srv.Rules("orders")) != 1 {
		t.Fatalf("Rules = %+v", e.srv.Rules("orders"))
	}
}

func TestPutEvents(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}))(t)
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := must(e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"id":1}`), EventBusName: aws.String("orders"), Time: &when},
		{Source: aws.String("shop"), DetailType: aws.String("Ping"), Detail: aws.String(`{}`), Resources: []string{"arn:x"}},
		{Source: aws.String("shop"), DetailType: aws.String("Lost"), Detail: aws.String(`{}`), EventBusName: aws.String("nobus")},
		{Source: aws.String("shop"), DetailType: aws.String("Bad"), Detail: aws.String(`not json`)},
		{Source: aws.String("shop"), Detail: aws.String(`{}`)},
	}}))(t)
	if out.FailedEntryCount != 3 || len(out.Entries) != 5 {
		t.Fatalf("PutEvents = %+v", out)
	}
	for i, want := range []string{"", "", "ResourceNotFoundException", "MalformedDetail", "InvalidArgument"} {
		en := out.Entries[i]
		if aws.ToString(en.ErrorCode) != want || (want == "") != (aws.ToString(en.EventId) != "") {
			t.Errorf("entry %d = %+v, want error code %q", i, en, want)
		}
	}
	ev := e.srv.Events()
	if len(ev) != 2 || ev[0].EventBusName != "orders" || ev[0].Source != "shop" || ev[0].DetailType != "OrderPlaced" ||
		ev[0].Detail != `{"id":1}` || !ev[0].Time.Equal(when) || ev[0].EventID != aws.ToString(out.Entries[0].EventId) ||
		ev[1].EventBusName != "default" || fmt.Sprint(ev[1].Resources) != "[arn:x]" {
		t.Fatalf("Events() = %+v", ev)
	}

	var eleven []ebtypes.PutEventsRequestEntry
	for range 11 {
		eleven = append(eleven, ebtypes.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String("{}")})
	}
	_, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: eleven})
	wantCode(t, err, "ValidationException", 400)
}

func TestLambdaPermissions(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	ruleArn := "arn:aws:events:us-east-1:123456789012:rule/orders/placed"
	fnArn := "arn:aws:lambda:us-east-1:123456789012:function:handler"

	add := must(e.lm.AddPermission(c, &lambda.AddPermissionInput{
		FunctionName: aws.String("handler"), StatementId: aws.String("events-placed"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com"), SourceArn: aws.String(ruleArn),
	}))(t)
	var stmt map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(add.Statement)), &stmt); err != nil {
		t.Fatalf("Statement is not JSON: %v", err)
	}
	if stmt["Sid"] != "events-placed" || stmt["Resource"] != fnArn || stmt["Effect"] != "Allow" {
		t.Fatalf("Statement = %v", stmt)
	}

	_, err := e.lm.AddPermission(c, &lambda.AddPermissionInput{
		FunctionName: aws.String(fnArn), StatementId: aws.String("events-placed"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com"),
	})
	var conflict *lambdatypes.ResourceConflictException
	if !errors.As(err, &conflict) || !strings.Contains(conflict.ErrorMessage(), "(events-placed) provided already exists") {
		t.Fatalf("duplicate statement id: want ResourceConflictException, got %v", err)
	}
	wantCode(t, err, "ResourceConflictException", 409)

	// A second statement through a partial ARN.
	must(e.lm.AddPermission(c, &lambda.AddPermissionInput{
		FunctionName: aws.String("123456789012:function:handler"), StatementId: aws.String("account"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("210987654321"),
	}))(t)

	pol := must(e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String(fnArn)}))(t)
	var doc struct {
		Version   string
		Id        string
		Statement []struct {
			Sid       string
			Effect    string
			Principal map[string]string
			Action    string
			Resource  string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
		t.Fatalf("Policy is not JSON: %v", err)
	}
	if doc.Version != "2012-10-17" || doc.Id != "default" || len(doc.Statement) != 2 || aws.ToString(pol.RevisionId) == "" {
		t.Fatalf("policy = %+v", doc)
	}
	s0, s1 := doc.Statement[0], doc.Statement[1]
	if s0.Sid != "events-placed" || s0.Effect != "Allow" || s0.Principal["Service"] != "events.amazonaws.com" ||
		s0.Action != "lambda:InvokeFunction" || s0.Resource != fnArn || s0.Condition["ArnLike"]["AWS:SourceArn"] != ruleArn {
		t.Fatalf("statement 0 = %+v", s0)
	}
	if s1.Principal["AWS"] != "arn:aws:iam::210987654321:root" || s1.Condition != nil {
		t.Fatalf("statement 1 = %+v", s1)
	}
	if p := e.srv.Policy(fnArn); len(p) != 2 || p[0].SourceArn != ruleArn || p[0].Principal != "events.amazonaws.com" {
		t.Fatalf("Policy() = %+v", p)
	}

	// RevisionId is checked when given.
	_, err = e.lm.RemovePermission(c, &lambda.RemovePermissionInput{FunctionName: aws.String("handler"), StatementId: aws.String("account"), RevisionId: aws.String("stale")})
	var precondition *lambdatypes.PreconditionFailedException
	if !errors.As(err, &precondition) {
		t.Fatalf("stale RevisionId: want PreconditionFailedException, got %v", err)
	}
	must(e.lm.RemovePermission(c, &lambda.RemovePermissionInput{FunctionName: aws.String("handler"), StatementId: aws.String("account"), RevisionId: pol.RevisionId}))(t)

	var notFound *lambdatypes.ResourceNotFoundException
	_, err = e.lm.RemovePermission(c, &lambda.RemovePermissionInput{FunctionName: aws.String("handler"), StatementId: aws.String("account")})
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Statement account is not found in resource policy." {
		t.Fatalf("RemovePermission(unknown sid): want ResourceNotFoundException, got %v", err)
	}
	wantCode(t, err, "ResourceNotFoundException", 404)

	// Removing the last statement removes the policy.
	must(e.lm.RemovePermission(c, &lambda.RemovePermissionInput{FunctionName: aws.String(fnArn), StatementId: aws.String("events-placed")}))(t)
	_, err = e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("handler")})
	if !errors.As(err, &notFound) {
		t.Fatalf("GetPolicy without a policy: want ResourceNotFoundException, got %v", err)
	}

	// A qualifier has a policy of its own.
	must(e.lm.AddPermission(c, &lambda.AddPermissionInput{
		FunctionName: aws.String("handler"), Qualifier: aws.String("live"), StatementId: aws.String("s"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com"),
	}))(t)
	if p := e.srv.Policy("handler:live"); len(p) != 1 || p[0].Resource != fnArn+":live" || len(e.srv.Policy("handler")) != 0 {
		t.Fatalf("qualified policy = %+v", p)
	}

	// Request validation.
	_, err = e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String("handler"), StatementId: aws.String("bad id"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")})
	wantCode(t, err, "ValidationException", 400)

	// A deleted function.
	e.srv.DeleteFunction("handler")
	_, err = e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String("handler"), StatementId: aws.String("x"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")})
	if !errors.As(err, &notFound) || notFound.ErrorMessage() != "Function not found: "+fnArn {
		t.Fatalf("AddPermission on a deleted function: %v", err)
	}
	_, err = e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String(fnArn + ":live")})
	if !errors.As(err, &notFound) {
		t.Fatalf("GetPolicy on a deleted function: %v", err)
	}
	_, err = e.lm.RemovePermission(c, &lambda.RemovePermissionInput{FunctionName: aws.String("handler"), StatementId: aws.String("s")})
	if !errors.As(err, &notFound) {
		t.Fatalf("RemovePermission on a deleted function: %v", err)
	}
}

func TestCallCounting(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	e.putRule(t, "", "r", pattern)
	must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r")}))(t)
	must(e.eb.ListRules(c, &eventbridge.ListRulesInput{}))(t)
	_, _ = e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	must(e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("s"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")}))(t)

	want := map[string]int{"events:PutRule": 1, "events:DescribeRule": 1, "events:ListRules": 1, "lambda:GetPolicy": 1, "lambda:AddPermission": 1}
	if got := e.srv.Calls(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Calls() = %v, want %v", got, want)
	}
	if got := e.srv.MutatingCalls(); got != 2 {
		t.Fatalf("MutatingCalls() = %d, want 2", got)
	}
	e.srv.ResetCalls()
	if len(e.srv.Calls()) != 0 || e.srv.MutatingCalls() != 0 {
		t.Fatalf("after ResetCalls: %v", e.srv.Calls())
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	must(e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("s"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")}))(t)
	e.srv.ResetCalls()
	e.srv.SetFault(Fault{ThrottleEvery: 2})

	// Calls 2, 4 and 6 are throttled; each is retried once and succeeds.
	for range 4 {
		must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{}))(t)
	}
	if got := e.srv.Calls()["events:DescribeEventBus"]; got != 7 {
		t.Fatalf("DescribeEventBus calls = %d, want 7 (4 + 3 retries)", got)
	}
	e.srv.SetFault(Fault{ThrottleEvery: 2})
	for range 2 {
		must(e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("fn")}))(t)
	}
	if got := e.srv.Calls()["lambda:GetPolicy"]; got != 3 {
		t.Fatalf("GetPolicy calls = %d, want 3 (2 + 1 retry)", got)
	}

	// Without retries the throttling errors surface as modeled errors.
	one := newEnvWith(t, func() aws.Retryer { return aws.NopRetryer{} })
	one.srv.SetFault(Fault{ThrottleEvery: 1})
	_, err := one.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{})
	var throttled *ebtypes.ThrottlingException
	if !errors.As(err, &throttled) {
		t.Fatalf("want ThrottlingException, got %v", err)
	}
	wantCode(t, err, "ThrottlingException", 400)
	_, err = one.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	var tooMany *lambdatypes.TooManyRequestsException
	if !errors.As(err, &tooMany) || tooMany.Reason != lambdatypes.ThrottleReasonCallerRateLimitExceeded {
		t.Fatalf("want TooManyRequestsException, got %v", err)
	}
	wantCode(t, err, "TooManyRequestsException", 429)
}

func TestFailNthCall(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	e.srv.SetFault(Fault{Fail: []OpFailure{
		FailNth("events:PutRule", 1, "InvalidEventPatternException"),
		FailNth("events:PutRule", 3, "ConcurrentModificationException"),
		FailNth("lambda:AddPermission", 1, "ServiceException"),
		{Op: "events:DescribeRule", Nth: 1, Code: "InternalException", Status: 502, Message: "bad gateway"},
	}})
	in := &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(pattern)}
	_, err := e.eb.PutRule(c, in)
	var invalid *ebtypes.InvalidEventPatternException
	if !errors.As(err, &invalid) {
		t.Fatalf("1st PutRule: want InvalidEventPatternException, got %v", err)
	}
	must(e.eb.PutRule(c, in))(t)
	_, err = e.eb.PutRule(c, in)
	var conflict *ebtypes.ConcurrentModificationException
	if !errors.As(err, &conflict) {
		t.Fatalf("3rd PutRule: want ConcurrentModificationException, got %v", err)
	}
	must(e.eb.PutRule(c, in))(t)
	if got := e.srv.Calls()["events:PutRule"]; got != 4 {
		t.Fatalf("PutRule calls = %d, want 4 (not retried)", got)
	}

	// 5xx failures are retried by the SDK.
	must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r")}))(t)
	must(e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("s"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")}))(t)
	if calls := e.srv.Calls(); calls["events:DescribeRule"] != 2 || calls["lambda:AddPermission"] != 2 {
		t.Fatalf("calls = %v, want 2 DescribeRule and 2 AddPermission", calls)
	}

	// The status is the code's usual one unless given.
	one := newEnvWith(t, func() aws.Retryer { return aws.NopRetryer{} })
	one.srv.SetFault(Fault{Fail: []OpFailure{
		FailNth("lambda:GetPolicy", 1, "ServiceException"),
		{Op: "events:ListRules", Nth: 1, Code: "InternalException", Status: 502, Message: "bad gateway"},
	}})
	_, err = one.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	var svc *lambdatypes.ServiceException
	if !errors.As(err, &svc) {
		t.Fatalf("want ServiceException, got %v", err)
	}
	wantCode(t, err, "ServiceException", 500)
	_, err = one.eb.ListRules(c, &eventbridge.ListRulesInput{})
	var internal *ebtypes.InternalException
	if !errors.As(err, &internal) || internal.ErrorMessage() != "bad gateway" {
		t.Fatalf("want InternalException, got %v", err)
	}
	wantCode(t, err, "InternalException", 502)
}

// Nth 0 fails every request of the operation; AfterApplying carries the
// request out before it answers the error (an answer lost after AWS acted).
func TestFailEveryAndAfterApplying(t *testing.T) {
	e := newEnvWith(t, func() aws.Retryer { return aws.NopRetryer{} })
	c := ctx(t)
	e.srv.SetFault(Fault{Fail: []OpFailure{
		{Op: "events:DeleteEventBus", Code: "AccessDeniedException"},
		{Op: "events:CreateEventBus", Nth: 1, Code: "InternalException", AfterApplying: true},
	}})
	_, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("lost")})
	wantCode(t, err, "InternalException", 500)
	if _, ok := e.srv.Bus("lost"); !ok {
		t.Fatal("the bus of a create whose answer was lost does not exist")
	}
	for i := 0; i < 3; i++ {
		_, err := e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("lost")})
		wantCode(t, err, "AccessDeniedException", 400)
	}
	if _, ok := e.srv.Bus("lost"); !ok {
		t.Fatal("a refused delete deleted the bus")
	}
}

// Log groups: created with tags, found by prefix with their ARN (":*") and
// retention, deleted; the errors are CloudWatch Logs' own.
func TestLogGroups(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	logs := cloudwatchlogs.NewFromConfig(e.cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(e.url) })
	name := "/aws/vendedlogs/states/saga"
	must(logs.CreateLogGroup(c, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &name, Tags: map[string]string{"team": "a"}}))(t)
	_, err := logs.CreateLogGroup(c, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &name})
	var exists *logstypes.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("second create: %v", err)
	}
	must(logs.PutRetentionPolicy(c, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &name, RetentionInDays: aws.Int32(30)}))(t)
	out, err := logs.DescribeLogGroups(c, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/vendedlogs/")})
	if err != nil || len(out.LogGroups) != 1 || aws.ToString(out.LogGroups[0].Arn) != "arn:aws:logs:us-east-1:123456789012:log-group:"+name+":*" ||
		aws.ToInt32(out.LogGroups[0].RetentionInDays) != 30 {
		t.Fatalf("describe: %+v, %v", out, err)
	}
	if g := e.srv.LogGroups()[name]; g.Tags["team"] != "a" {
		t.Errorf("tags %v", g.Tags)
	}
	_, err = logs.PutRetentionPolicy(c, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &name, RetentionInDays: aws.Int32(2)})
	var invalid *logstypes.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("retention 2: %v", err)
	}
	must(logs.DeleteLogGroup(c, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &name}))(t)
	_, err = logs.DeleteLogGroup(c, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &name})
	var notFound *logstypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("second delete: %v", err)
	}
}

// STS answers GetCallerIdentity with the server's account, in the query
// protocol the SDK speaks; its errors are STS's XML.
func TestGetCallerIdentity(t *testing.T) {
	e := newEnvWith(t, func() aws.Retryer { return aws.NopRetryer{} })
	c := ctx(t)
	client := sts.NewFromConfig(e.cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(e.url) })
	out, err := client.GetCallerIdentity(c, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Account) != account || !strings.HasPrefix(aws.ToString(out.Arn), "arn:aws:iam::"+account+":") {
		t.Fatalf("GetCallerIdentity: %+v, %v", out, err)
	}
	e.srv.SetFault(Fault{Fail: []OpFailure{{Op: "sts:GetCallerIdentity", Code: "InvalidClientTokenId", Status: 403}}})
	_, err = client.GetCallerIdentity(c, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId", 403)
}

// AssumeRole gives credentials of the role's account: calls made with them
// are counted in that account, and GetCallerIdentity answers it; a role the
// test denies is refused.
func TestAssumeRole(t *testing.T) {
	e := newEnvWith(t, func() aws.Retryer { return aws.NopRetryer{} })
	c := ctx(t)
	base := sts.NewFromConfig(e.cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(e.url) })
	const role = "arn:aws:iam::111111111111:role/eventstack-team-a"
	cfg := e.cfg.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(base, role))
	assumed := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(e.url) })
	out, err := assumed.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("team-a-bus")})
	if err != nil || aws.ToString(out.EventBusArn) != "arn:aws:events:us-east-1:111111111111:event-bus/team-a-bus" {
		t.Fatalf("CreateEventBus with the role's credentials: %v, %v", out, err)
	}
	id, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(e.url) }).GetCallerIdentity(c, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "111111111111" {
		t.Fatalf("GetCallerIdentity as the role: %v, %v", id, err)
	}
	if got := e.srv.CallsByAccount()["111111111111"]["events:CreateEventBus"]; got != 1 {
		t.Errorf("calls by account: %v", e.srv.CallsByAccount())
	}
	if got := e.srv.AssumedRoles(); len(got) != 1 || got[0] != role {
		t.Errorf("assumed roles %v", got)
	}
	e.srv.DenyAssumeRole("arn:aws:iam::222222222222:role/x")
	_, err = base.AssumeRole(c, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/x"), RoleSessionName: aws.String("s")})
	wantCode(t, err, "AccessDenied", 403)
}

func TestOutage(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	e.srv.SetFault(Fault{Outage: true})
	_, err := e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{})
	wantCode(t, err, "ServiceUnavailable", 503)
	_, err = e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	wantCode(t, err, "ServiceUnavailable", 503)
	if calls := e.srv.Calls(); calls["events:DescribeEventBus"] != 3 || calls["lambda:GetPolicy"] != 3 {
		t.Fatalf("calls = %v, want 3 attempts each", calls)
	}
	e.srv.ClearFault()
	must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{}))(t)
}

func TestLatency(t *testing.T) {
	e := newEnvWith(t, func() aws.Retryer { return aws.NopRetryer{} })
	const latency = 50 * time.Millisecond
	e.srv.SetFault(Fault{Latency: latency})
	start := time.Now()
	must(e.eb.DescribeEventBus(ctx(t), &eventbridge.DescribeEventBusInput{}))(t)
	if d := time.Since(start); d < latency {
		t.Fatalf("call took %v, want at least %v", d, latency)
	}
	short, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := e.eb.DescribeEventBus(short, &eventbridge.DescribeEventBusInput{}); err == nil {
		t.Fatal("a call shorter than the latency succeeded")
	}
}

func TestOutOfBandChanges(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}))(t)
	e.putRule(t, "orders", "r", pattern)
	must(e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("r"), EventBusName: aws.String("orders"), Targets: []ebtypes.Target{target("a"), target("b")}}))(t)
	describe := func() *eventbridge.DescribeRuleOutput {
		return must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")}))(t)
	}

	if !e.srv.SetRulePattern("orders", "r", `{"source":["drifted"]}`) || aws.ToString(describe().EventPattern) != `{"source":["drifted"]}` {
		t.Fatal("SetRulePattern not visible")
	}
	if !e.srv.SetRuleState("orders", "r", "DISABLED") || describe().State != ebtypes.RuleStateDisabled {
		t.Fatal("SetRuleState not visible")
	}
	if !e.srv.RemoveTargetOutOfBand("orders", "r", "a") || e.srv.RemoveTargetOutOfBand("orders", "r", "a") {
		t.Fatal("RemoveTargetOutOfBand")
	}
	list := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r"), EventBusName: aws.String("orders")}))(t)
	if len(list.Targets) != 1 || aws.ToString(list.Targets[0].Id) != "b" {
		t.Fatalf("targets = %+v", list.Targets)
	}
	if !e.srv.DeleteRuleOutOfBand("orders", "r") || e.srv.DeleteRuleOutOfBand("orders", "r") {
		t.Fatal("DeleteRuleOutOfBand")
	}
	_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("orders")})
	var notFound *ebtypes.ResourceNotFoundException
	if !errors.As(err, &notFound) || e.srv.Targets("orders", "r") != nil {
		t.Fatalf("after DeleteRuleOutOfBand: %v", err)
	}
	if e.srv.SetRulePattern("orders", "r", "{}") || e.srv.SetRuleState("nobus", "r", "ENABLED") {
		t.Fatal("mutators of a missing rule reported success")
	}

	must(e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String("s"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")}))(t)
	if !e.srv.RemovePermissionOutOfBand("fn", "s") || e.srv.RemovePermissionOutOfBand("fn", "s") {
		t.Fatal("RemovePermissionOutOfBand")
	}
	_, err = e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("fn")})
	var lnf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &lnf) {
		t.Fatalf("GetPolicy after RemovePermissionOutOfBand: %v", err)
	}
}

func TestConcurrentClients(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String(fmt.Sprintf("w%d-r%d", w, i)), EventPattern: aws.String(pattern)})
				errs <- err
				_, _ = e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String("fn"), StatementId: aws.String(fmt.Sprintf("w%d-s%d", w, i)),
					Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.srv.Rules("")); n != workers*each {
		t.Fatalf("%d rules, want %d", n, workers*each)
	}
	if n := len(e.srv.Policy("fn")); n != workers*each {
		t.Fatalf("%d statements, want %d", n, workers*each)
	}
	if n := e.srv.MutatingCalls(); n != 2*workers*each {
		t.Fatalf("MutatingCalls = %d, want %d", n, 2*workers*each)
	}
}

// TestWireFormat checks the raw HTTP answers against the protocols.
func TestWireFormat(t *testing.T) {
	e := newEnv(t)
	do := func(method, path, target, body string) (*http.Response, map[string]any) {
		t.Helper()
		header := http.Header{}
		if target != "" {
			header.Set("X-Amz-Target", target)
			header.Set("Content-Type", "application/x-amz-json-1.1")
		}
		resp, raw := rawCall(t, method, e.url+path, header, body)
		var m map[string]any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("body %q: %v", raw, err)
			}
		}
		return resp, m
	}

	resp, m := do("POST", "/", "AWSEvents.DescribeRule", `{"Name":"nope"}`)
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
		m["__type"] != "ResourceNotFoundException" || m["message"] != "Rule nope does not exist on EventBus default." {
		t.Fatalf("EventBridge error: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	resp, m = do("POST", "/", "AWSEvents.TagResource", `{}`)
	if resp.StatusCode != 400 || m["__type"] != "UnknownOperationException" {
		t.Fatalf("unknown operation: %d %v", resp.StatusCode, m)
	}
	resp, m = do("POST", "/", "AWSEvents.PutRule", `{not json`)
	if resp.StatusCode != 400 || m["__type"] != "SerializationException" {
		t.Fatalf("bad JSON: %d %v", resp.StatusCode, m)
	}
	resp, m = do("GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afn/policy", "", "")
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException" || m["Type"] != "User" || m["Message"] == nil {
		t.Fatalf("Lambda error: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	resp, m = do("POST", "/2015-03-31/functions/fn/policy", "", `{"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"events.amazonaws.com"}`)
	if resp.StatusCode != 201 || m["Statement"] == nil {
		t.Fatalf("AddPermission: %d %v", resp.StatusCode, m)
	}
	resp, m = do("POST", "/2015-03-31/functions/fn/policy", "", `{"StatementId":"s","Action":"lambda:InvokeFunction","Principal":"events.amazonaws.com"}`)
	if resp.StatusCode != 409 || resp.Header.Get("X-Amzn-ErrorType") != "ResourceConflictException" || m["message"] == nil {
		t.Fatalf("duplicate: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	resp, _ = do("DELETE", "/2015-03-31/functions/fn/policy/s", "", "")
	if resp.StatusCode != 204 {
		t.Fatalf("RemovePermission: %d", resp.StatusCode)
	}
	resp, m = do("GET", "/2015-03-31/functions/fn", "", "")
	if resp.StatusCode != 404 || m["Type"] != "User" {
		t.Fatalf("unknown route: %d %v", resp.StatusCode, m)
	}
	e.srv.SetFault(Fault{ThrottleEvery: 1})
	resp, m = do("GET", "/2015-03-31/functions/fn/policy", "", "")
	if resp.StatusCode != 429 || m["Reason"] != "CallerRateLimitExceeded" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("Lambda throttle: %d %v", resp.StatusCode, m)
	}
}

func TestStartAndClose(t *testing.T) {
	s := New()
	if s.URL() != "" {
		t.Fatal("URL before Start")
	}
	s.Region, s.AccountID = "eu-west-1", "210987654321"
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(); err == nil {
		t.Fatal("second Start succeeded")
	}
	if b, _ := s.Bus("default"); b.Arn != "arn:aws:events:eu-west-1:210987654321:event-bus/default" {
		t.Fatalf("Arn with custom region/account = %s", b.Arn)
	}
	s.Close()
	s.Close()
	if _, err := http.Get(url); err == nil {
		t.Fatal("server still answers after Close")
	}
}
