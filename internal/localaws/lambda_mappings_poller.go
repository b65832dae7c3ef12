package localaws

// The pollers of event source mappings with an SQS source
// (lambda_mappings.go holds the mappings), as the Lambda Developer Guide's
// "Using Lambda with Amazon SQS" describes them:
//
//   - Every mapping whose State is Enabled has one poller, started within
//     esmReconcileEvery of it becoming Enabled and stopped as soon after it
//     is disabled or deleted, and on Close. (The pollers' supervisor starts
//     with the first message sent to any queue.)
//   - A poller receives up to BatchSize messages with the queue's
//     VisibilityTimeout, long-polling; with MaximumBatchingWindowInSeconds it
//     waits for more, at most esmMaxWindow (Lambda waits up to 300 s). It
//     then invokes the function synchronously with SQS's event:
//     {"Records":[{messageId, receiptHandle, body, attributes,
//     messageAttributes, md5OfBody, md5OfMessageAttributes, eventSource
//     "aws:sqs", eventSourceARN, awsRegion}]}.
//   - A success deletes the batch; with FunctionResponseTypes
//     ReportBatchItemFailures, all but the messages the response's
//     batchItemFailures name ({"batchItemFailures":[{"itemIdentifier":id}]};
//     an identifier not in the batch fails the whole batch, as Lambda does). A
//     function error deletes nothing: the messages come back after the
//     visibility timeout, and the queue's redrive policy moves them to its
//     dead-letter queue after maxReceiveCount receives. After a failure the
//     poller waits esmBackoff.
//   - FilterCriteria: a message that matches none of the filters' patterns
//     (internal/eventpattern, against the record with its body decoded when
//     it is JSON) is deleted without invoking, as Lambda does.
//
// A mapping whose FunctionArn names a version or an alias invokes that
// version, or the version the alias routes the batch to (lambda_invoke.go's
// resolution: one draw per batch between an alias's weighted versions), with
// that version's configuration; a batch that fails is received again after
// the visibility timeout and routed again.
//
// Where it simplifies: only SQS sources are polled (Kinesis and DynamoDB
// stream mappings are kept, not run); one poller per mapping (Lambda scales to many, up to
// ScalingConfig.MaximumConcurrency), so a function's batches run one at a
// time; while no FunctionRuntime is set, or the function (or the version or
// alias the mapping names) does not exist, or an unqualified mapping's
// function is not Active, the poller does not receive (Lambda would, and
// fail the batches), so that a local AWS without a runtime does not send
// messages to dead-letter queues.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
)

const (
	esmReconcileEvery = 100 * time.Millisecond
	esmMaxWindow      = time.Second
	esmPollWait       = time.Second
	esmBackoff        = 100 * time.Millisecond
)

type esmState struct {
	esmPollers     map[string]*esmPoller // by mapping UUID
	esmSupervising bool
	// esmInvocations counts the batches the pollers invoked, for tests.
	esmInvocations int
}

type esmPoller struct {
	mapping *lambdaMapping
	cancel  context.CancelFunc
}

// esmEnsureSupervisor starts the pollers' supervisor (s.mu held).
func (s *Server) esmEnsureSupervisor() {
	if !s.esmSupervising && s.goBackground(s.esmSupervise) {
		s.esmSupervising = true
	}
}

// esmSupervise keeps one poller per Enabled SQS mapping until Close.
func (s *Server) esmSupervise(ctx context.Context) {
	t := time.NewTicker(esmReconcileEvery)
	defer t.Stop()
	for {
		s.mu.Lock()
		s.esmReconcile(ctx)
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// esmReconcile starts and stops pollers as the mappings' states say.
func (s *Server) esmReconcile(ctx context.Context) {
	now := time.Now()
	want := map[string]*lambdaMapping{}
	for id, m := range s.mappings {
		if m.kind == "sqs" && m.state(now) == "Enabled" {
			want[id] = m
		}
	}
	for id, p := range s.esmPollers {
		if want[id] != p.mapping {
			p.cancel()
			delete(s.esmPollers, id)
		}
	}
	for _, id := range sortedKeys(want) {
		if s.esmPollers[id] != nil {
			continue
		}
		m := want[id]
		pctx, cancel := context.WithCancel(ctx)
		if !s.goBackground(func(context.Context) { s.esmPoll(pctx, m) }) {
			cancel()
			return
		}
		s.esmPollers[id] = &esmPoller{mapping: m, cancel: cancel}
	}
}

// esmPoll is one mapping's poller: receive, invoke, delete, until ctx ends.
func (s *Server) esmPoll(ctx context.Context, m *lambdaMapping) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ctx.Err() == nil {
		q := s.queues[m.sourceArn]
		var f *lambdaFunction
		var qualifier string
		s.asAccount(m.account, func() { f, qualifier, _ = s.invokeTarget(m.functionArn, "") })
		if q == nil || f == nil || s.lambdaRuntime == nil {
			s.sqsWait(ctx, time.Now().Add(esmPollWait))
			continue
		}
		if state, _, _ := s.fnState(f, time.Now()); state != "Active" && qualifier == "" { // a version is Active
			s.sqsWait(ctx, time.Now().Add(esmPollWait))
			continue
		}
		msgs := s.esmReceive(ctx, q, m)
		if len(msgs) == 0 {
			continue
		}
		if !s.esmInvoke(ctx, q, m, f, qualifier, msgs) {
			s.unlocked(func() { sleepCtx(ctx, esmBackoff) })
		}
	}
}

// esmReceive receives one batch for m: up to BatchSize messages, waiting
// up to the batching window (bounded) for more once one is there.
func (s *Server) esmReceive(ctx context.Context, q *sqsQueue, m *lambdaMapping) []*sqsMessage {
	vis := time.Duration(sqsAttrInt(q, "VisibilityTimeout", 30)) * time.Second
	size := int(max(m.batchSize, 1))
	msgs, _ := s.sqsReceiveWait(ctx, q, size, vis, esmPollWait)
	if len(msgs) == 0 || len(msgs) >= size || m.window <= 0 {
		return msgs
	}
	deadline := time.Now().Add(min(time.Duration(m.window)*time.Second, esmMaxWindow))
	for len(msgs) < size && time.Now().Before(deadline) && ctx.Err() == nil {
		more, err := s.sqsReceiveWait(ctx, q, size-len(msgs), vis, time.Until(deadline))
		if err != nil {
			break
		}
		msgs = append(msgs, more...)
	}
	return msgs
}

// esmRecord is a message as SQS's event to Lambda shows it.
func (s *Server) esmRecord(q *sqsQueue, m *sqsMessage) map[string]any {
	attrs := map[string]any{}
	for name, a := range m.attrs {
		v := map[string]any{"dataType": a.DataType, "stringListValues": []string{}, "binaryListValues": []string{}}
		if a.StringValue != nil {
			v["stringValue"] = *a.StringValue
		}
		if len(a.BinaryValue) > 0 {
			v["binaryValue"] = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		attrs[name] = v
	}
	rec := map[string]any{"messageId": m.id, "receiptHandle": m.receipt, "body": m.body,
		"attributes": s.sqsSystemAttributes(q, m), "messageAttributes": attrs, "md5OfBody": m.md5Body,
		"eventSource": "aws:sqs", "eventSourceARN": q.arn(), "awsRegion": s.Region}
	if md := sqsAttributesMD5(m.attrs); md != "" {
		rec["md5OfMessageAttributes"] = md
	}
	return rec
}

// esmFiltered tells whether a record passes the mapping's FilterCriteria
// (every record does without them).
func esmFiltered(m *lambdaMapping, rec map[string]any) bool {
	raw := m.extra["FilterCriteria"]
	var fc struct{ Filters []struct{ Pattern string } }
	if len(raw) == 0 || json.Unmarshal(raw, &fc) != nil || len(fc.Filters) == 0 {
		return true
	}
	shown := map[string]any{}
	for k, v := range rec {
		shown[k] = v
	}
	var body map[string]any
	if json.Unmarshal([]byte(rec["body"].(string)), &body) == nil && body != nil {
		shown["body"] = body
	}
	doc, err := json.Marshal(shown)
	if err != nil {
		return true
	}
	for _, f := range fc.Filters {
		if res, err := eventpattern.Match([]byte(f.Pattern), doc); err == nil && res.Matched {
			return true
		}
	}
	return false
}

// esmInvoke invokes f's qualifier (the version it resolves to now: one
// draw per batch for a weighted alias) with a batch and deletes what
// succeeded; it reports whether the invocation succeeded (s.mu held,
// released while f runs).
func (s *Server) esmInvoke(ctx context.Context, q *sqsQueue, m *lambdaMapping, f *lambdaFunction, qualifier string, msgs []*sqsMessage) bool {
	mq := s.sqsMsgsOf(q, time.Now())
	var records []any
	var batch []*sqsMessage
	for _, msg := range msgs {
		rec := s.esmRecord(q, msg)
		if !esmFiltered(m, rec) {
			s.sqsRemove(mq, msg)
			continue
		}
		records, batch = append(records, rec), append(batch, msg)
	}
	if len(batch) == 0 {
		return true
	}
	payload, _ := json.Marshal(map[string]any{"Records": records})
	v, ok := s.runVersion(f, qualifier)
	if !ok {
		return false // the version or alias went while the poller received
	}
	inv, err := s.startInvocation(f, v, false)
	if err != nil {
		return false
	}
	var out invocationOutcome
	s.unlocked(func() { out = s.runInvocation(inv, payload) })
	s.finishInvocation(inv, out)
	s.esmInvocations++
	if out.functionError != "" || ctx.Err() != nil {
		return false
	}
	failed, ok := esmBatchFailures(m, out.payload, batch)
	if !ok {
		return false
	}
	mq = s.sqsMsgsOf(q, time.Now())
	for _, msg := range batch {
		if !failed[msg.id] {
			s.sqsRemove(mq, msg)
		}
	}
	return len(failed) == 0
}

// esmBatchFailures reads a response's batchItemFailures when the mapping
// reports them; ok is false when the whole batch failed.
func esmBatchFailures(m *lambdaMapping, payload []byte, batch []*sqsMessage) (map[string]bool, bool) {
	reports := false
	for _, t := range m.responseTypes {
		reports = reports || t == "ReportBatchItemFailures"
	}
	failed := map[string]bool{}
	if !reports {
		return failed, true
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if json.Unmarshal(payload, &resp) != nil {
		return failed, true // not a report: a success
	}
	ids := map[string]bool{}
	for _, msg := range batch {
		ids[msg.id] = true
	}
	for _, f := range resp.BatchItemFailures {
		if !ids[f.ItemIdentifier] {
			return nil, false
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, true
}

// MappingInvocations counts the batches event source mappings' pollers
// have invoked functions with.
func (s *Server) MappingInvocations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.esmInvocations
}
