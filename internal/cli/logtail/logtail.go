// Package logtail is kubectl eds logs: which CloudWatch Logs log groups a
// stack's functions and workflows write to, their events read with
// FilterLogEvents and interleaved by time, and a follow loop that polls with
// a bounded backoff and never prints an event twice.
package logtail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// API is the CloudWatch Logs call this package makes.
type API interface {
	FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// Source is one log group and the label its lines carry: the function's or
// workflow's name in the spec.
type Source struct {
	Label, Group string
}

// Sources returns the log groups of a stack's component: a function's
// /aws/lambda/<AWS name>, a workflow's log group as the operator names it
// (render.LogGroupName); with component "", every function's. An unknown
// component, or a workflow that does not log, is an error that lists what
// the stack has.
func Sources(stack *v1alpha1.EventDrivenStack, component string) ([]Source, error) {
	s := stack.Spec
	var functions, workflows []string
	for _, f := range s.Functions {
		functions = append(functions, f.Name)
	}
	for _, w := range s.Workflows {
		workflows = append(workflows, w.Name)
	}
	if component == "" {
		if len(functions) == 0 {
			return nil, fmt.Errorf("stack %s/%s has no functions; name a workflow (%s)", stack.Namespace, stack.Name, listOrNone(workflows))
		}
		out := make([]Source, 0, len(functions))
		for _, f := range functions {
			out = append(out, functionSource(stack, f))
		}
		return out, nil
	}
	for _, f := range functions {
		if f == component {
			return []Source{functionSource(stack, f)}, nil
		}
	}
	for i, w := range s.Workflows {
		if w.Name != component {
			continue
		}
		if w.Logging == nil || w.Logging.Level == "" || w.Logging.Level == "OFF" {
			return nil, fmt.Errorf("workflow %s does not log to CloudWatch Logs: set spec.workflows[%d].logging.level (ALL, ERROR or FATAL)", w.Name, i)
		}
		return []Source{{Label: w.Name, Group: render.LogGroupName(stack, w.Name)}}, nil
	}
	return nil, fmt.Errorf("stack %s/%s has no function or workflow %q: functions: %s; workflows: %s",
		stack.Namespace, stack.Name, component, listOrNone(functions), listOrNone(workflows))
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// functionSource is a function's log group, from the AWS name the operator
// reports (status.outputs function.<name>.name), else the name it gives.
func functionSource(stack *v1alpha1.EventDrivenStack, function string) Source {
	name := stack.Status.Outputs["function."+function+".name"]
	if name == "" {
		name = stack.Spec.NamePrefix + function
	}
	return Source{Label: function, Group: "/aws/lambda/" + name}
}

// Line is one log event, labelled with its source.
type Line struct {
	Label, Stream, EventID string
	Time                   time.Time
	Message                string
}

// Tail reads the events of its sources from Since on; each Poll returns
// only the events no earlier Poll returned.
type Tail struct {
	API     API
	Sources []Source
	Since   time.Time
	// Lookback is how far before the newest event seen a poll looks again:
	// CloudWatch Logs may make an event searchable after later ones (another
	// stream, a delayed ingestion), and such an event is printed, once, when
	// its timestamp is within Lookback of the newest. Zero: only events at or
	// after the newest one's millisecond.
	Lookback time.Duration

	// cursor is, per group, the timestamp (ms) of the newest event seen; seen
	// holds the IDs, with their timestamps, of the events a next poll reads
	// again (from cursor - Lookback on, inclusive).
	cursor map[string]int64
	seen   map[string]map[string]int64
	// missing are the groups the last poll found not to exist.
	missing []string
}

// Missing returns the log groups the last Poll found not to exist (a
// function that never ran has none yet).
func (t *Tail) Missing() []string { return t.missing }

// DefaultLookback is --follow's Lookback.
const DefaultLookback = 30 * time.Second

// Poll returns the new events of every source, oldest first (ties by
// label). A log group that does not exist (a function that never ran) has
// no events.
func (t *Tail) Poll(ctx context.Context) ([]Line, error) {
	if t.cursor == nil {
		t.cursor, t.seen = map[string]int64{}, map[string]map[string]int64{}
	}
	since, lookback := t.Since.UnixMilli(), t.Lookback.Milliseconds()
	t.missing = nil
	var lines []Line
	for _, src := range t.Sources {
		newest, polled := t.cursor[src.Group]
		start := since
		if polled {
			start = max(since, newest-lookback)
		}
		seen := t.seen[src.Group]
		if seen == nil {
			seen = map[string]int64{}
		}
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(src.Group), StartTime: aws.Int64(start)}
		for {
			out, err := t.API.FilterLogEvents(ctx, in)
			var notFound *types.ResourceNotFoundException
			if errors.As(err, &notFound) {
				t.missing = append(t.missing, src.Group)
				break
			}
			if err != nil {
				return nil, fmt.Errorf("reading %s (%s): %w", src.Group, src.Label, err)
			}
			for _, e := range out.Events {
				id := aws.ToString(e.EventId)
				if _, ok := seen[id]; ok {
					continue
				}
				ts := aws.ToInt64(e.Timestamp)
				seen[id] = ts
				lines = append(lines, Line{Label: src.Label, Stream: aws.ToString(e.LogStreamName), EventID: id,
					Time: time.UnixMilli(ts).UTC(), Message: strings.TrimRight(aws.ToString(e.Message), "\n")})
				newest = max(newest, ts)
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		// Forget the IDs a next poll, which starts at newest - Lookback,
		// cannot read again.
		for id, ts := range seen {
			if ts < newest-lookback {
				delete(seen, id)
			}
		}
		t.cursor[src.Group], t.seen[src.Group] = newest, seen
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if !lines[i].Time.Equal(lines[j].Time) {
			return lines[i].Time.Before(lines[j].Time)
		}
		return lines[i].Label < lines[j].Label
	})
	return lines, nil
}

// Backoff bounds the wait between polls while following: it starts at Min
// after a poll that found events and doubles after each that found none, up
// to Max.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff polls every second while events come, every 10 s at most
// while none do.
var DefaultBackoff = Backoff{Min: time.Second, Max: 10 * time.Second}

// Follow writes the events as they arrive until ctx is done (Ctrl-C), which
// ends it without an error.
func (t *Tail) Follow(ctx context.Context, b Backoff, w *Writer) error {
	wait := b.Min
	for {
		lines, err := t.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		w.Write(lines)
		if len(lines) > 0 {
			wait = b.Min
		} else {
			wait = min(b.Max, wait*2)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// Writer prints lines: the time (UTC, milliseconds), then, with Labels, the
// source's name padded to the widest, then the message.
type Writer struct {
	Out    io.Writer
	Labels bool
	Width  int
}

// NewWriter returns a writer for the sources: labelled when there are
// several.
func NewWriter(out io.Writer, sources []Source) *Writer {
	w := &Writer{Out: out, Labels: len(sources) > 1}
	for _, s := range sources {
		w.Width = max(w.Width, len(s.Label))
	}
	return w
}

// Write prints the lines.
func (w *Writer) Write(lines []Line) {
	for _, l := range lines {
		stamp := l.Time.Format("2006-01-02T15:04:05.000Z07:00")
		if w.Labels {
			fmt.Fprintf(w.Out, "%s  %-*s  %s\n", stamp, w.Width, l.Label, l.Message)
		} else {
			fmt.Fprintf(w.Out, "%s  %s\n", stamp, l.Message)
		}
	}
}

// ParseSince reads --since: a duration before now (10m, 1h30m) or a time
// (RFC 3339, or a date).
func ParseSince(value string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(value); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %s: a duration before now must be positive", value)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, value); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration (10m, 2h) or a time (2026-12-07T08:00:00Z)", value)
}
