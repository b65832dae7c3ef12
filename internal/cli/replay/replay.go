// Package replay replays a window of a stack's archived events onto its bus
// (EventBridge StartReplay), to all its rules or to those named, and follows
// the replay to its end: kubectl eds replay. It refuses, before any replay is
// started, a window the archive cannot cover: events from before the archive
// was created, or older than its retention, or a window that ends in the
// future.
package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// API is the EventBridge calls this package makes.
type API interface {
	DescribeArchive(context.Context, *eventbridge.DescribeArchiveInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeArchiveOutput, error)
	StartReplay(context.Context, *eventbridge.StartReplayInput, ...func(*eventbridge.Options)) (*eventbridge.StartReplayOutput, error)
	DescribeReplay(context.Context, *eventbridge.DescribeReplayInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeReplayOutput, error)
}

// Target is what a stack replays: its archive, and the ARNs of the rules to
// replay to (none: every rule of the bus), by the names the spec gives them.
type Target struct {
	Archive string
	// Rules are rule ARNs by the rules' names in the spec, in the order asked.
	Rules     []string
	RuleNames []string
}

// TargetOf finds a stack's archive and the ARNs of the rules named (spec
// names), as the operator reported them in the stack's status.
func TargetOf(stack *v1alpha1.EventDrivenStack, rules []string) (Target, error) {
	if stack.Spec.EventBus == nil || stack.Spec.EventBus.Archive == nil {
		return Target{}, fmt.Errorf("stack %s/%s keeps no archive of its events (spec.eventBus.archive): nothing to replay",
			stack.Namespace, stack.Name)
	}
	t := Target{Archive: render.ArchiveName(&stack.Spec)}
	var known []string
	for _, r := range stack.Spec.Rules {
		known = append(known, r.Name)
	}
	for _, name := range rules {
		found := false
		for _, r := range known {
			found = found || r == name
		}
		if !found {
			return Target{}, fmt.Errorf("--rule %s: the stack has no such rule (its rules: %s)", name, strings.Join(known, ", "))
		}
		arn := stack.Status.Outputs["rule."+name+".arn"]
		if arn == "" {
			return Target{}, fmt.Errorf("--rule %s: the operator has not reported the rule's ARN yet (status.outputs has no rule.%s.arn)", name, name)
		}
		t.Rules, t.RuleNames = append(t.Rules, arn), append(t.RuleNames, name)
	}
	return t, nil
}

// Archive is what the window is checked against.
type Archive struct {
	Name, ARN, BusARN, State string
	Created                  time.Time
	// RetentionDays 0 keeps events indefinitely.
	RetentionDays int32
}

// DescribeArchive reads an archive.
func DescribeArchive(ctx context.Context, api API, name string) (Archive, error) {
	out, err := api.DescribeArchive(ctx, &eventbridge.DescribeArchiveInput{ArchiveName: &name})
	if err != nil {
		return Archive{}, fmt.Errorf("DescribeArchive %s: %w", name, err)
	}
	return Archive{Name: name, ARN: ptr.Deref(out.ArchiveArn, ""), BusARN: ptr.Deref(out.EventSourceArn, ""),
		State: string(out.State), Created: ptr.Deref(out.CreationTime, time.Time{}), RetentionDays: ptr.Deref(out.RetentionDays, 0)}, nil
}

// CheckWindow says why the archive cannot replay the window [from, to) at
// now, or nil when it can. Its limits are taken to the second, as the flags
// and the times it suggests are written.
func CheckWindow(a Archive, from, to, now time.Time) error {
	const layout = time.RFC3339
	switch {
	case !from.Before(to):
		return fmt.Errorf("--from %s is not before --to %s", from.Format(layout), to.Format(layout))
	case to.After(now):
		return fmt.Errorf("--to %s is in the future: only events already archived can be replayed (now is %s)",
			to.Format(layout), now.Format(layout))
	case a.State != string(ebtypes.ArchiveStateEnabled) && a.State != string(ebtypes.ArchiveStateCreating):
		return fmt.Errorf("the archive %s is %s: it cannot be replayed", a.Name, a.State)
	case from.Before(a.Created.Truncate(time.Second)):
		return fmt.Errorf("the archive %s was created at %s and holds no event from before: use --from %s or later",
			a.Name, a.Created.Format(layout), a.Created.Truncate(time.Second).Format(layout))
	}
	if a.RetentionDays > 0 {
		kept := now.Add(-time.Duration(a.RetentionDays) * 24 * time.Hour)
		if from.Before(kept.Truncate(time.Second)) {
			days := fmt.Sprintf("%d days", a.RetentionDays)
			if a.RetentionDays == 1 {
				days = "1 day"
			}
			// The limit moves on with the clock: the --from suggested is
			// the next whole minute, still within retention when it is used.
			suggest := kept.Truncate(time.Minute).Add(time.Minute)
			return fmt.Errorf("the archive %s keeps events %s: events from before %s are gone: use --from %s or later",
				a.Name, days, kept.Truncate(time.Second).Format(layout), suggest.Format(layout))
		}
	}
	return nil
}

// Request is one replay to start and follow.
type Request struct {
	// Name is the replay's name (NameFor makes one).
	Name     string
	Archive  Archive
	From, To time.Time
	Target   Target
	// Poll is how often the replay is read while it runs.
	Poll time.Duration
	// Rewrite: the progress line is rewritten in place (a terminal), else
	// a line is printed at each change.
	Rewrite bool
}

// NameFor is a replay name for an archive at a time: the archive's name
// without -archive, and the time, within EventBridge's 64 characters.
func NameFor(archive string, at time.Time) string {
	base := strings.TrimSuffix(archive, "-archive")
	stamp := at.UTC().Format("20060102-150405")
	if len(base) > 64-len(stamp)-len("-replay-") {
		base = base[:64-len(stamp)-len("-replay-")]
	}
	return base + "-replay-" + stamp
}

// Result is where a followed replay ended.
type Result struct {
	State, Reason string
	LastReplayed  time.Time
	Took          time.Duration
}

// ErrNotCompleted is the error of a replay that ended otherwise than
// COMPLETED (FAILED, CANCELLED).
var ErrNotCompleted = errors.New("the replay did not complete")

// Run starts the replay and follows it to its end, writing a progress line
// (state, and how far into the window it has replayed) to out. It returns an
// error wrapping ErrNotCompleted when the replay failed or was cancelled.
// When ctx ends first, the replay goes on in EventBridge.
func Run(ctx context.Context, api API, req Request, out io.Writer) (Result, error) {
	in := &eventbridge.StartReplayInput{ReplayName: &req.Name, EventSourceArn: &req.Archive.ARN,
		EventStartTime: ptr.To(req.From), EventEndTime: ptr.To(req.To),
		Destination: &ebtypes.ReplayDestination{Arn: &req.Archive.BusARN, FilterArns: req.Target.Rules},
		Description: ptr.To("kubectl eds replay")}
	started := time.Now()
	if _, err := api.StartReplay(ctx, in); err != nil {
		return Result{}, fmt.Errorf("StartReplay %s: %w", req.Name, err)
	}
	to := "every rule of the bus"
	if len(req.Target.RuleNames) > 0 {
		to = "rules " + strings.Join(req.Target.RuleNames, ", ")
	}
	fmt.Fprintf(out, "replay %s: events of %s from %s to %s, to %s\n", req.Name, req.Archive.Name,
		req.From.Format(time.RFC3339), req.To.Format(time.RFC3339), to)
	poll := req.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	last := ""
	for {
		d, err := api.DescribeReplay(ctx, &eventbridge.DescribeReplayInput{ReplayName: &req.Name})
		if err != nil {
			return Result{}, fmt.Errorf("DescribeReplay %s: %w (the replay goes on in EventBridge)", req.Name, err)
		}
		res := Result{State: string(d.State), Reason: ptr.Deref(d.StateReason, ""),
			LastReplayed: ptr.Deref(d.EventLastReplayedTime, time.Time{}), Took: time.Since(started)}
		if line := progress(req, res); line != last {
			if req.Rewrite {
				fmt.Fprintf(out, "\r\033[K%s", line)
			} else {
				fmt.Fprintln(out, line)
			}
			last = line
		}
		switch d.State {
		case ebtypes.ReplayStateCompleted:
			finish(out, req)
			fmt.Fprintf(out, "replay %s completed in %s\n", req.Name, res.Took.Round(time.Second))
			return res, nil
		case ebtypes.ReplayStateFailed, ebtypes.ReplayStateCancelled:
			finish(out, req)
			return res, fmt.Errorf("replay %s %s: %s: %w", req.Name, d.State, orUnknown(res.Reason), ErrNotCompleted)
		}
		select {
		case <-ctx.Done():
			finish(out, req)
			return res, fmt.Errorf("stopped following replay %s (%s), which goes on in EventBridge: %w", req.Name, d.State, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// progress is the progress line of a replay as last read.
func progress(req Request, res Result) string {
	line := fmt.Sprintf("%-9s", res.State)
	if !res.LastReplayed.IsZero() {
		window := req.To.Sub(req.From)
		done := res.LastReplayed.Sub(req.From)
		pct := 100
		if window > 0 && done < window {
			pct = int(100 * done / window)
		}
		line += fmt.Sprintf(" replayed up to %s of --to %s (%d%%)", res.LastReplayed.Format(time.RFC3339), req.To.Format(time.RFC3339), pct)
	}
	if res.Reason != "" {
		line += ": " + res.Reason
	}
	return line
}

// finish ends a progress line rewritten in place.
func finish(out io.Writer, req Request) {
	if req.Rewrite {
		fmt.Fprintln(out)
	}
}

func orUnknown(reason string) string {
	if reason == "" {
		return "EventBridge gave no reason"
	}
	return reason
}

// ParseTime reads a --from or --to value: RFC 3339 (2026-12-07T09:00:00Z),
// "now", or a duration before now (90m, 2h, 3d for days).
func ParseTime(flag, value string, now time.Time) (time.Time, error) {
	if value == "now" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, value); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(value, "d"); ok {
		value = days + "h"
		if d, err := time.ParseDuration(value); err == nil {
			return now.Add(-24 * d), nil
		}
	} else if d, err := time.ParseDuration(value); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want a time (RFC 3339, 2026-12-07T09:00:00Z), now, or how long ago (90m, 2h, 3d)", flag, value)
}
