package localaws

// EventBridge's scheduled rules (EventBridge User Guide, "Creating a rule
// that runs on a schedule"): a rule of the default bus with a
// ScheduleExpression runs its targets at each time the expression names —
// a rate an interval after the rule was created (or its schedule changed),
// then every interval; a cron expression at each minute its fields match, in
// UTC — with a "Scheduled Event": source aws.events, detail-type Scheduled
// Event, the rule's ARN in resources, an empty detail. RunSchedules runs
// what is due; a run missed (the server was not asked for a while) is not
// made up, as EventBridge does not.

import (
	"context"
	"time"
)

// RunSchedules runs the ENABLED scheduled rules that are due at now, once
// each, and returns their names: their targets get a Scheduled Event, as
// eventbridge_delivery.go delivers events.
func (s *Server) RunSchedules(now time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buses["default"]
	if b == nil {
		return nil
	}
	var ran []string
	for _, name := range sortedKeys(b.rules) {
		r := b.rules[name]
		if r.rule.ScheduleExpression == "" || r.due.IsZero() || now.Before(r.due) {
			continue
		}
		at := r.due
		r.due, _ = r.schedule.Next(r.since, now)
		if r.rule.State == "DISABLED" {
			continue
		}
		e := Event{EventID: newID(), EventBusName: b.name, Source: "aws.events", DetailType: "Scheduled Event",
			Detail: "{}", Resources: []string{s.ruleArn(b.name, name)}, Time: at.UTC().Truncate(time.Second), Rules: []string{name}}
		s.events = append(s.events, e)
		s.deliverEvent(e)
		ran = append(ran, name)
	}
	return ran
}

// RunSchedulesEvery runs the scheduled rules every interval until ctx ends
// (make run-local): a rule runs at most interval after it is due.
func (s *Server) RunSchedulesEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.RunSchedules(now)
		}
	}
}
