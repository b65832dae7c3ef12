package localaws

// EventBridge's delivery of events to rule targets, as the EventBridge User
// Guide describes it ("Targets", "Transforming inputs", "Event retry policy
// and using dead-letter queues"):
//
//   - Every event PutEvents accepts, and every event a replay puts again
//     (eventbridge_archives.go), goes to each target of each ENABLED rule it
//     matched (Event.Rules), in the background: one worker takes the
//     deliveries in order, so that a slow or failing target never slows the
//     call that put the event.
//   - The input is, as the target says: the event (version, id, detail-type,
//     source, account, time, region, resources, detail, and replay-name for a
//     replayed event); Input; InputPath's part of it (a JSONPath of $, .field
//     and [index]); or InputTransformer: InputPathsMap's paths, and the
//     predefined aws.events.rule-arn, aws.events.rule-name,
//     aws.events.event.ingestion-time, aws.events.event (the event without
//     its detail) and aws.events.event.json (the whole event), replace <name>
//     in InputTemplate. In a template
//     that is JSON (starts with {, [ or "), a placeholder inside a string
//     becomes the value's text (a string's characters, escaped), outside one
//     the value's JSON; in any other template the value's text. A path the
//     event lacks gives null (an empty text inside a string).
//   - Then by the target ARN's service: lambda → an asynchronous Invoke
//     (lambda_invoke.go); sqs → SendMessage (a FIFO queue's MessageGroupId
//     from the target's SqsParameters, the event id deduplicating); sns →
//     Publish; states → StartExecution of the state machine with the input;
//     events (another bus) → PutEvents of the event on that bus, at most
//     ebMaxHops buses deep. Other targets fail (not delivered).
//   - A failure is retried after ebRetryDelay, doubling, up to the target's
//     RetryPolicy.MaximumRetryAttempts but never more than ebMaxRetries times
//     (EventBridge retries up to 185 times over 24 hours). Throttling,
//     service errors and a function still Pending are retried; what does not
//     pass (a target that does not exist, a validation error, no
//     FunctionRuntime) is not. RetryPolicy.MaximumEventAgeInSeconds is not
//     applied (the retries are short). Then the event goes to the target's DeadLetterConfig queue
//     with EventBridge's message attributes ERROR_CODE, ERROR_MESSAGE,
//     RULE_ARN and TARGET_ARN (the codes are approximations:
//     RESOURCE_NOT_FOUND, THROTTLING, INTERNAL_ERROR, SDK_CLIENT_ERROR).
//   - Each delivery is recorded (Deliveries; the last ebMaxRecords): event,
//     rule, target, input, outcome (delivered, failed or dead-lettered),
//     attempts and error. Roles (RoleArn) and resource policies are not
//     checked.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/inputtransform"
)

const (
	ebMaxRetries  = 3
	ebRetryDelay  = 50 * time.Millisecond
	ebMaxHops     = 5
	ebMaxRecords  = 10000
	ebMaxJobs     = 10000
	ebDefaultTrys = 185
)

type ebDeliveryState struct {
	ebJobs       []ebJob
	ebWorking    bool
	ebDeliveries []Delivery
	// ebHops is how many buses deep the event being put was forwarded.
	ebHops int
}

// ebJob is one event to deliver to one target.
type ebJob struct {
	event   Event
	account string
	rule    string
	target  Target
	hops    int
	// ingested is when the event was put (aws.events.event.ingestion-time).
	ingested time.Time
}

// Delivery is one event's delivery to one rule target.
type Delivery struct {
	EventID, EventBusName, Rule, TargetID, TargetArn string
	// Input is what the target was given.
	Input string
	// Outcome is delivered, failed or dead-lettered (sent to the target's
	// dead-letter queue after failing).
	Outcome  string
	Attempts int
	Error    string
	Time     time.Time
}

// deliverEvent queues the deliveries of an event just recorded (s.mu held).
func (s *Server) deliverEvent(e Event) {
	b := s.buses[e.EventBusName]
	if b == nil {
		return
	}
	for _, name := range e.Rules {
		r := b.rules[name]
		if r == nil || r.rule.State == "DISABLED" {
			continue
		}
		for _, id := range sortedKeys(r.targets) {
			j := ebJob{event: e, account: s.account(), rule: name, target: r.targets[id], hops: s.ebHops, ingested: time.Now()}
			if len(s.ebJobs) >= ebMaxJobs {
				s.ebRecord(j, "", "failed", 0, "too many deliveries waiting")
				continue
			}
			s.ebJobs = append(s.ebJobs, j)
		}
	}
	if len(s.ebJobs) > 0 && !s.ebWorking && s.goBackground(s.ebWorker) {
		s.ebWorking = true
	}
}

// ebWorker delivers the queued events until none is left.
func (s *Server) ebWorker(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.ebJobs) > 0 && ctx.Err() == nil {
		j := s.ebJobs[0]
		s.ebJobs = s.ebJobs[1:]
		s.ebDeliver(ctx, j)
	}
	s.ebWorking = false
}

func (s *Server) ebRecord(j ebJob, input, outcome string, attempts int, why string) {
	s.ebDeliveries = append(s.ebDeliveries, Delivery{EventID: j.event.EventID, EventBusName: j.event.EventBusName, Rule: j.rule,
		TargetID: j.target.ID, TargetArn: j.target.Arn, Input: input, Outcome: outcome, Attempts: attempts, Error: why, Time: time.Now()})
	if n := len(s.ebDeliveries); n > ebMaxRecords {
		s.ebDeliveries = append([]Delivery(nil), s.ebDeliveries[n-ebMaxRecords:]...)
	}
}

// ebDeliver makes one delivery with its retries, then dead-letters it
// (s.mu held, released while waiting to retry).
func (s *Server) ebDeliver(ctx context.Context, j ebJob) {
	event := s.ebEventJSON(j.event, j.account)
	input, err := s.ebInput(j, event)
	if err != nil {
		s.ebDeadLetter(j, event, input, 0, &apiError{http.StatusBadRequest, "ValidationException", err.Error()})
		return
	}
	tries := ebDefaultTrys
	if p := j.target.RetryPolicy; p != nil && p.MaximumRetryAttempts != nil {
		tries = int(*p.MaximumRetryAttempts)
	}
	tries = 1 + min(tries, ebMaxRetries)
	var last *apiError
	attempts := 0
	for attempts < tries {
		attempts++
		var retry bool
		if last, retry = s.ebSend(j, input); last == nil {
			s.ebRecord(j, input, "delivered", attempts, "")
			return
		}
		if !retry || attempts == tries {
			break
		}
		var waited bool
		s.unlocked(func() { waited = sleepCtx(ctx, ebRetryDelay<<(attempts-1)) })
		if !waited {
			break
		}
	}
	s.ebDeadLetter(j, event, input, attempts, last)
}

// ebDeadLetter sends a failed event to the target's dead-letter queue, if
// it has one, and records the delivery.
func (s *Server) ebDeadLetter(j ebJob, event []byte, input string, attempts int, why *apiError) {
	dlq := ""
	if j.target.DeadLetterConfig != nil {
		dlq = j.target.DeadLetterConfig.Arn
	}
	if dlq == "" {
		s.ebRecord(j, input, "failed", attempts, why.Error())
		return
	}
	attrs := map[string]string{"ERROR_CODE": ebErrorCode(why), "ERROR_MESSAGE": why.Message,
		"RULE_ARN": s.ruleArn(j.event.EventBusName, j.rule), "TARGET_ARN": j.target.Arn}
	var err *apiError
	s.asAccount(j.account, func() { err = s.sqsSendInternal(dlq, string(event), stringAttributes(attrs), "", "") })
	if err != nil {
		s.ebRecord(j, input, "failed", attempts, why.Error()+"; the dead-letter queue refused it: "+err.Error())
		return
	}
	s.ebRecord(j, input, "dead-lettered", attempts, why.Error())
}

func ebErrorCode(e *apiError) string {
	switch {
	case strings.Contains(e.Code, "NotFound") || strings.Contains(e.Code, "NonExistent") || strings.Contains(e.Code, "DoesNotExist") || e.Code == "QueueDoesNotExist":
		return "RESOURCE_NOT_FOUND"
	case strings.Contains(e.Code, "Throttl") || strings.Contains(e.Code, "TooManyRequests"):
		return "THROTTLING"
	case e.Status >= 500:
		return "INTERNAL_ERROR"
	}
	return "SDK_CLIENT_ERROR"
}

// ebSend gives input to a target once; retry says whether EventBridge
// would try again after the error.
func (s *Server) ebSend(j ebJob, input string) (err *apiError, retry bool) {
	arn := j.target.Arn
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return &apiError{http.StatusBadRequest, "ValidationException", "Invalid target ARN " + arn}, false
	}
	account := parts[4]
	if account == "" {
		account = j.account
	}
	s.asAccount(account, func() {
		switch parts[2] {
		case "lambda":
			err = s.invokeAsync(account, arn, []byte(input))
		case "sqs":
			var p struct {
				SqsParameters struct{ MessageGroupId string }
			}
			_ = json.Unmarshal(j.target.raw, &p)
			err = s.sqsSendInternal(arn, input, nil, p.SqsParameters.MessageGroupId, j.event.EventID)
		case "sns":
			err = s.snsPublishInternal(arn, input, "", nil)
		case "states":
			body, _ := json.Marshal(map[string]string{"stateMachineArn": arn, "input": input})
			_, err = s.sfnStartExecution(body)
		case "events":
			err = s.ebForward(j, arn)
		default:
			err = &apiError{http.StatusBadRequest, "ValidationException", "Targets of service " + parts[2] + " are not delivered by this local AWS"}
		}
	})
	if err == nil {
		return nil, false
	}
	// Retried: what passes (throttling, a service error, a function still
	// Pending); not: what stays (a missing target, a validation error, no
	// runtime).
	return err, err != errNoRuntime && (err.Status >= 500 || err.Status == http.StatusTooManyRequests ||
		strings.Contains(err.Code, "Throttl") || err.Code == "ResourceConflictException")
}

// ebForward puts the event on another bus.
func (s *Server) ebForward(j ebJob, busArn string) *apiError {
	if j.hops+1 > ebMaxHops {
		return &apiError{http.StatusBadRequest, "ValidationException", fmt.Sprintf("The event went through more than %d buses", ebMaxHops)}
	}
	e := j.event
	body, _ := json.Marshal(map[string]any{"Entries": []any{map[string]any{"Source": e.Source, "DetailType": e.DetailType,
		"Detail": e.Detail, "Resources": e.Resources, "EventBusName": busArn, "Time": float64(e.Time.UnixNano()) / 1e9}}})
	saved := s.ebHops
	s.ebHops = j.hops + 1
	out, err := s.putEvents(body)
	s.ebHops = saved
	if err != nil {
		return err
	}
	var res struct{ Entries []putEventsResult }
	b, _ := json.Marshal(out)
	_ = json.Unmarshal(b, &res)
	if len(res.Entries) == 1 && res.Entries[0].ErrorCode != "" {
		return &apiError{http.StatusBadRequest, res.Entries[0].ErrorCode, res.Entries[0].ErrorMessage}
	}
	return nil
}

// ebEventJSON is an event as EventBridge gives it to targets.
func (s *Server) ebEventJSON(e Event, account string) []byte {
	doc := struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
		ReplayName string          `json:"replay-name,omitempty"`
	}{"0", e.EventID, e.DetailType, e.Source, account, e.Time.UTC().Format(time.RFC3339), s.Region,
		append([]string{}, e.Resources...), json.RawMessage(e.Detail), e.ReplayName}
	b, err := json.Marshal(doc)
	if err != nil {
		return []byte("{}")
	}
	return b
}

// ebInput is what a target is given for an event (internal/inputtransform).
func (s *Server) ebInput(j ebJob, event []byte) (string, error) {
	t := j.target
	in := inputtransform.Target{Input: t.Input, InputPath: t.InputPath, Transformer: t.InputTransformer != nil}
	if it := t.InputTransformer; it != nil {
		in.InputPathsMap, in.InputTemplate = it.InputPathsMap, it.InputTemplate
	}
	return inputtransform.Input(in, event, inputtransform.Delivery{RuleARN: s.ruleArn(j.event.EventBusName, j.rule), RuleName: j.rule, Ingested: j.ingested})
}

// Deliveries returns the deliveries of events to rule targets made so far,
// oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Delivery(nil), s.ebDeliveries...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// DeliveriesPending is how many deliveries wait to be made (tests wait for
// 0).
func (s *Server) DeliveriesPending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.ebJobs)
	if s.ebWorking && n == 0 {
		n = 1
	}
	return n
}
