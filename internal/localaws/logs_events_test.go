package localaws

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// Streams and events: put in order, read back by stream (GetLogEvents) and
// across streams by time (FilterLogEvents) with windows, stream names,
// terms and pages; the errors are CloudWatch Logs' own.
func TestLogEvents(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	logs := cloudwatchlogs.NewFromConfig(e.cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(e.url) })
	group := "/aws/lambda/orders"
	_, err := logs.CreateLogStream(c, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: &group, LogStreamName: aws.String("a")})
	var notFound *logstypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("stream of a missing group: %v", err)
	}
	must(logs.CreateLogGroup(c, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &group}))(t)
	for _, s := range []string{"a", "b"} {
		must(logs.CreateLogStream(c, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: &group, LogStreamName: aws.String(s)}))(t)
	}
	_, err = logs.CreateLogStream(c, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: &group, LogStreamName: aws.String("a")})
	var exists *logstypes.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("second stream a: %v", err)
	}
	put := func(stream string, events ...logstypes.InputLogEvent) error {
		_, err := logs.PutLogEvents(c, &cloudwatchlogs.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream, LogEvents: events})
		return err
	}
	ev := func(ts int64, msg string) logstypes.InputLogEvent {
		return logstypes.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(msg)}
	}
	must(0, put("a", ev(1000, "START a1"), ev(3000, "order 42 ERROR"), ev(5000, "END a3")))(t)
	must(0, put("b", ev(2000, "START b1"), ev(4000, "order 43 ok")))(t)
	var invalid *logstypes.InvalidParameterException
	if err := put("a", ev(7000, "x"), ev(6000, "y")); !errors.As(err, &invalid) {
		t.Fatalf("events out of order: %v", err)
	}
	if err := put("c", ev(7000, "x")); !errors.As(err, &notFound) {
		t.Fatalf("missing stream: %v", err)
	}

	filter := func(in cloudwatchlogs.FilterLogEventsInput) []string {
		t.Helper()
		in.LogGroupName = &group
		out, err := logs.FilterLogEvents(c, &in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range out.Events {
			if aws.ToString(e.EventId) == "" || aws.ToInt64(e.IngestionTime) == 0 {
				t.Errorf("event without an id or ingestion time: %+v", e)
			}
			got = append(got, aws.ToString(e.LogStreamName)+":"+aws.ToString(e.Message))
		}
		return got
	}
	tests := []struct {
		name string
		in   cloudwatchlogs.FilterLogEventsInput
		want []string
	}{
		{"all, by time across streams", cloudwatchlogs.FilterLogEventsInput{},
			[]string{"a:START a1", "b:START b1", "a:order 42 ERROR", "b:order 43 ok", "a:END a3"}},
		{"window [start, end)", cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(2000), EndTime: aws.Int64(4000)},
			[]string{"b:START b1", "a:order 42 ERROR"}},
		{"one stream", cloudwatchlogs.FilterLogEventsInput{LogStreamNames: []string{"b"}}, []string{"b:START b1", "b:order 43 ok"}},
		{"terms", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`order ERROR`)}, []string{"a:order 42 ERROR"}},
		{"phrase", cloudwatchlogs.FilterLogEventsInput{FilterPattern: aws.String(`"43 ok"`)}, []string{"b:order 43 ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filter(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	// Pages: two events a page, the token carries on.
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: &group, Limit: aws.Int32(2)}
	var pages [][]string
	for {
		out := must(logs.FilterLogEvents(c, in))(t)
		var page []string
		for _, e := range out.Events {
			page = append(page, aws.ToString(e.Message))
		}
		pages = append(pages, page)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(pages) != 3 || len(pages[2]) != 1 || pages[2][0] != "END a3" {
		t.Errorf("pages: %q", pages)
	}

	// GetLogEvents: one stream, from the head or the last events.
	got := must(logs.GetLogEvents(c, &cloudwatchlogs.GetLogEventsInput{LogGroupName: &group, LogStreamName: aws.String("a"),
		StartFromHead: aws.Bool(true), Limit: aws.Int32(2)}))(t)
	if len(got.Events) != 2 || aws.ToString(got.Events[0].Message) != "START a1" || aws.ToString(got.NextForwardToken) == "" {
		t.Errorf("GetLogEvents from the head: %+v", got)
	}
	next := must(logs.GetLogEvents(c, &cloudwatchlogs.GetLogEventsInput{LogGroupName: &group, LogStreamName: aws.String("a"),
		NextToken: got.NextForwardToken}))(t)
	if len(next.Events) != 1 || aws.ToString(next.Events[0].Message) != "END a3" {
		t.Errorf("GetLogEvents' next page: %+v", next)
	}
	tail := must(logs.GetLogEvents(c, &cloudwatchlogs.GetLogEventsInput{LogGroupName: &group, LogStreamName: aws.String("a"), Limit: aws.Int32(1)}))(t)
	if len(tail.Events) != 1 || aws.ToString(tail.Events[0].Message) != "END a3" {
		t.Errorf("GetLogEvents' last event: %+v", tail)
	}

	if n := len(e.srv.LogEvents(group)); n != 5 {
		t.Errorf("LogEvents: %d events, want 5", n)
	}
	must(logs.DeleteLogGroup(c, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &group}))(t)
	if n := len(e.srv.LogEvents(group)); n != 0 {
		t.Errorf("a deleted group keeps %d events", n)
	}
}
