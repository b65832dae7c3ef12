package stacktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/match"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
)

// API is every AWS call a run makes, each service through the SDK client's
// own interface shape.
type API struct {
	Events   putevents.API
	DynamoDB ItemReader
	SFN      ExecutionReader
	// SQS and SNS follow notifications: a temporary queue subscribed to
	// the topics while the test runs. Nil when no expectation needs them.
	SQS QueueAPI
	SNS SubscriptionAPI
}

// Options bound a run.
type Options struct {
	// Timeout bounds each event: its checks wait at most this long after it
	// is sent (a run takes at most the events' count times it).
	Timeout time.Duration
	// Poll is how often a check that has not passed yet reads again.
	Poll time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Check is the outcome of one expectation, or of sending an event.
type Check struct {
	Event  int
	What   string
	OK     bool
	Detail string
	At     time.Duration
}

// Report is what a run found.
type Report struct {
	Correlation string
	Checks      []Check
	Elapsed     time.Duration
}

// Failed are the checks that did not pass.
func (r *Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// ErrFailed is the error of a run whose checks did not all pass.
var ErrFailed = errors.New("the stack did not do what the test expects")

// runner is one run: its clock, its timeline and what it found.
type runner struct {
	api      API
	opts     Options
	out      io.Writer
	start    time.Time
	deadline time.Time
	report   *Report
	listener *listener
}

// Run sends the scenario's events (already correlated) to the stack's bus
// one at a time, and after each waits for its expectations, writing a
// timeline to out. It returns the report; ErrFailed when a check failed.
func Run(ctx context.Context, api API, stack *v1alpha1.EventDrivenStack, s *Scenario, t *Targets, correlation string, out io.Writer, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	r := &runner{api: api, opts: opts, out: out, start: opts.Now(), report: &Report{Correlation: correlation}}
	fmt.Fprintf(out, "Testing %s/%s: %d events on bus %s, correlation id %s, %s per event\n",
		stack.Namespace, stack.Name, len(s.Events), t.Bus, correlation, opts.Timeout)
	if len(t.Topics) > 0 {
		l, err := listen(ctx, api, t.Topics, correlation)
		if err != nil {
			return nil, err
		}
		defer l.close(out)
		r.listener = l
	}
	verdicts, err := predict(stack, s)
	if err != nil {
		return nil, err
	}
	for i, e := range s.Events {
		if err := r.event(ctx, i, e, verdicts[i], t); err != nil {
			return r.report, err
		}
	}
	r.report.Elapsed = opts.Now().Sub(r.start)
	failed := r.report.Failed()
	if len(failed) > 0 {
		fmt.Fprintf(out, "FAIL  %d of %d checks failed in %.1fs\n", len(failed), len(r.report.Checks), r.report.Elapsed.Seconds())
		return r.report, ErrFailed
	}
	fmt.Fprintf(out, "PASS  %d events, %d checks in %.1fs\n", len(s.Events), len(r.report.Checks), r.report.Elapsed.Seconds())
	return r.report, nil
}

// predict judges each event against the stack's rules, as EventBridge will.
func predict(stack *v1alpha1.EventDrivenStack, s *Scenario) ([]match.Verdict, error) {
	env := match.EnvelopeFor(stack, time.Now())
	events := make([]match.Event, len(s.Events))
	for i, e := range s.Events {
		ev, err := match.FromPutEvents(putEvent(e), env)
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		events[i] = ev
	}
	return match.Judge(stack, events)
}

func putEvent(e Event) putevents.Event {
	return putevents.Event{Source: e.Source, DetailType: e.DetailType, Detail: string(e.Detail)}
}

// event sends one event and follows it to each of its expectations.
func (r *runner) event(ctx context.Context, i int, e Event, v match.Verdict, t *Targets) error {
	r.deadline = r.opts.Now().Add(r.opts.Timeout)
	results, err := putevents.Send(ctx, r.api.Events, t.Bus, []putevents.Event{putEvent(e)})
	if err != nil {
		return err
	}
	res := results[0]
	label := e.Source + " / " + e.DetailType
	if res.Failed() {
		r.record(Check{Event: i, What: "sent " + label, Detail: fmt.Sprintf("EventBridge refused it: %s %s", res.ErrorCode, res.ErrorMessage)})
		return nil
	}
	r.record(Check{Event: i, What: "sent " + label, OK: true, Detail: "event " + res.EventID + "; " + routing(v)})
	unrouted := ""
	if !v.Delivered() {
		unrouted = " (no rule of the stack delivers the event)"
	}
	for _, x := range e.Expect {
		c := r.follow(ctx, x, res.EventID, t)
		c.Event = i
		if !c.OK {
			c.Detail += unrouted
		}
		r.record(c)
	}
	return nil
}

// routing says where the stack's rules send the event, or, when none does,
// why the closest rule (the fewest fields failing) does not.
func routing(v match.Verdict) string {
	var parts []string
	var closest *match.RuleVerdict
	for i, rv := range v.Rules {
		if rv.Delivers() {
			_, to := match.Describe(rv)
			parts = append(parts, rv.Rule+" → "+to)
		}
		if rv.Err == nil && (closest == nil || len(rv.Result.Mismatches) < len(closest.Result.Mismatches)) {
			closest = &v.Rules[i]
		}
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, "; ")
	case closest != nil:
		result, why := match.Describe(*closest)
		return "no rule delivers it; the closest, " + closest.Rule + ": " + result + ", " + why
	case len(v.Rules) > 0:
		return "no rule delivers it: " + v.Rules[0].Rule + ": " + v.Rules[0].Err.Error()
	}
	return "the stack has no rules"
}

// follow waits for one expectation until it holds or the run's time is up,
// reading at least once.
func (r *runner) follow(ctx context.Context, x Expectation, eventID string, t *Targets) Check {
	var check func(context.Context) (Check, bool, error)
	switch {
	case x.Item != nil:
		check = r.itemCheck(*x.Item, t.Tables[x.Item.Table])
	case x.Execution != nil:
		check = r.executionCheck(*x.Execution, t.Workflows[x.Execution.Workflow], eventID)
	default:
		check = r.notificationCheck(*x.Notification, t.Topics[x.Notification.Topic])
	}
	for {
		c, done, err := check(ctx)
		if err != nil {
			c.OK, c.Detail = false, err.Error()
			return c
		}
		if c.OK || done {
			return c
		}
		if !r.opts.Now().Add(r.opts.Poll).Before(r.deadline) {
			c.Detail += fmt.Sprintf(" %.0fs after the event", r.opts.Timeout.Seconds())
			return c
		}
		select {
		case <-ctx.Done():
			c.Detail += ": " + ctx.Err().Error()
			return c
		case <-time.After(r.opts.Poll):
		}
	}
}

// record adds a check to the report and writes it on the timeline.
func (r *runner) record(c Check) {
	c.At = r.opts.Now().Sub(r.start)
	r.report.Checks = append(r.report.Checks, c)
	mark := "✓"
	if !c.OK {
		mark = "✗"
	}
	detail := ""
	if c.Detail != "" {
		detail = ": " + c.Detail
	}
	fmt.Fprintf(r.out, "%7.1fs  %s %s%s\n", c.At.Seconds(), mark, c.What, detail)
}
