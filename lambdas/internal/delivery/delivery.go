// Package delivery is the part every function shares between the Lambda
// runtime and its logic: it tells an invocation's shape, decodes it, makes
// each event's effect idempotent, and decides what a failure means for the
// way the event came:
//
//   - EventBridge (asynchronous invocation): a refused event (malformed or
//     invalid) is logged with its reason, sent to the function's dead-letter
//     queue, and the invocation succeeds, so Lambda does not retry what can
//     never succeed. A transient error is returned, so Lambda retries (and,
//     after its retries, puts the event in the same queue itself).
//   - SQS batch: each message is handled on its own; a refused or failing
//     message is reported in the partial batch response and the others
//     succeed. The queue redelivers only the failed messages and, after its
//     maxReceiveCount, its redrive policy moves a message that keeps failing
//     to the queue's DLQ; a refusal is logged with its reason at each receive.
//   - Workflow step (synchronous task of Step Functions): a refusal is
//     returned as an error whose type is the refusal's kind (InvalidOrder,
//     InsufficientStock, ...), so the workflow's Catch runs the compensation,
//     and the input is sent to the dead-letter queue too. A transient error is
//     returned with the type TransientError.
//
// "Refused" means an events.Refusal or events.ValidationError; every other
// error (throttling, 5xx, timeouts, a missing table) is transient.
package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
)

// Effect is the work an event asks for, decided and validated beforehand. Its
// result is a workflow step's output (nil for events).
type Effect func(ctx context.Context) (any, error)

// Processor is a function's logic. Its Prepare methods validate an input and
// return its effect without calling anything, so an invalid input is refused
// before any write; a Refusal from the effect itself (a state the event
// cannot apply to, such as an unknown order) is refused the same way. key is
// the input's idempotency key (the event id, "sqs:<message id>" for a message
// without one, "step:<workflow>:<step>:<order>" for a step): an effect that
// writes it beside its change recognises its own earlier write on re-entry.
type Processor interface {
	PrepareEvent(ev events.EventBridgeEvent, key string) (Effect, error)
	PrepareStep(step events.Step, key string) (Effect, error)
}

// DeadLetters sends refused input to the dead-letter queue.
type DeadLetters interface {
	Enabled() bool
	Send(ctx context.Context, body []byte, eventID, code, reason string) error
}

// Idempotency runs an effect once per key.
type Idempotency interface {
	Run(ctx context.Context, key string, payload []byte, effect func(context.Context) (any, error)) (idempotency.Outcome, error)
}

// TransientErrorType is the error type a workflow step sees for a failure
// that may succeed when retried.
const TransientErrorType = "TransientError"

// maxLoggedPayload bounds the input logged when there is no dead-letter queue.
const maxLoggedPayload = 64 << 10

// Router is a function's Lambda handler.
type Router struct {
	Function    string
	Processor   Processor
	Idempotency Idempotency // nil: effects are not deduplicated
	DeadLetters DeadLetters // nil or disabled: refused input is logged in full
	Logger      *slog.Logger
}

// Invoke handles one invocation. Its result is nil for an EventBridge event,
// an events.SQSEventResponse for a batch, and the step's output for a step.
func (r *Router) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	log := r.Logger
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With(logging.KeyRequestID, lc.AwsRequestID)
	}
	switch events.ShapeOf(raw) {
	case events.ShapeSQS:
		return r.batch(ctx, log, raw), nil
	case events.ShapeStep:
		return r.step(ctx, log.With(logging.KeyShape, events.ShapeStep.String()), raw)
	case events.ShapeEventBridge:
		return nil, r.event(ctx, log.With(logging.KeyShape, events.ShapeEventBridge.String()), raw)
	default:
		log = log.With(logging.KeyShape, events.ShapeUnknown.String())
		refusal := events.Refuse(events.KindInvalidEvent,
			"the payload is neither an EventBridge event (detail-type, detail), an SQS batch (Records from aws:sqs) nor a workflow step (step)")
		return nil, r.deadLetter(ctx, log, raw, "", refusal)
	}
}

// event handles an event straight from EventBridge.
func (r *Router) event(ctx context.Context, log *slog.Logger, raw []byte) error {
	ev, err := events.DecodeEventBridge(raw, true)
	log = log.With(logging.KeyEventID, ev.ID, logging.KeyDetailType, ev.DetailType)
	if err == nil {
		err = r.runEvent(logging.With(ctx, log), log, ev, ev.ID)
	}
	if refusal, ok := events.AsRefusal(err); ok {
		return r.deadLetter(ctx, log, raw, ev.ID, refusal)
	}
	if err != nil {
		log.Error("event failed; returning the error so that Lambda retries it", "error", err.Error())
	}
	return err
}

// batch handles a batch of SQS messages, each an EventBridge event.
func (r *Router) batch(ctx context.Context, log *slog.Logger, raw []byte) awsevents.SQSEventResponse {
	log = log.With(logging.KeyShape, events.ShapeSQS.String())
	var resp awsevents.SQSEventResponse
	batch, err := events.DecodeSQS(raw)
	if err != nil {
		// Not even the message ids are known: fail every record that has one.
		log.Error("refusing a malformed SQS batch", logging.KeyReason, err.Error())
		for _, rec := range batch.Records {
			if rec.MessageId != "" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		return resp
	}
	for _, rec := range batch.Records {
		mlog := log.With("message_id", rec.MessageId, "receive_count", rec.Attributes["ApproximateReceiveCount"])
		if ctx.Err() != nil {
			// Out of time: leave the rest to the next receive.
			mlog.Warn("not handled before the invocation's deadline; the queue redelivers it")
			resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			continue
		}
		ev, err := events.DecodeEventBridge([]byte(rec.Body), false)
		key := ev.ID
		if key == "" {
			key = "sqs:" + rec.MessageId // the message is what is redelivered
		}
		mlog = mlog.With(logging.KeyEventID, key, logging.KeyDetailType, ev.DetailType)
		if err == nil {
			err = r.runEvent(logging.With(ctx, mlog), mlog, ev, key)
		}
		if err == nil {
			continue
		}
		if refusal, ok := events.AsRefusal(err); ok {
			mlog.Warn("refusing the message; it fails in this batch so that the queue's redrive policy moves it to the dead-letter queue",
				logging.KeyKind, refusal.Kind, logging.KeyReason, refusal.Reason)
		} else {
			mlog.Error("message failed; the queue redelivers it", "error", err.Error())
		}
		resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
	}
	return resp
}

// runEvent prepares an event's effect and runs it once for key.
func (r *Router) runEvent(ctx context.Context, log *slog.Logger, ev events.EventBridgeEvent, key string) error {
	effect, err := r.Processor.PrepareEvent(ev, key)
	if err != nil {
		return err
	}
	out, err := r.once(ctx, key, canonicalEvent(ev), effect)
	if err != nil {
		return err
	}
	if out.Replay {
		log.Info("duplicate delivery: handled before, nothing done")
	} else {
		log.Info("event handled")
	}
	return nil
}

// step handles a task of the order workflow.
func (r *Router) step(ctx context.Context, log *slog.Logger, raw []byte) (any, error) {
	step, err := events.DecodeStep(raw)
	key := "step:" + step.WorkflowID + ":" + step.Step + ":" + step.OrderID
	log = log.With(logging.KeyEventID, key, "step", step.Step, "workflow_id", step.WorkflowID, "order_id", step.OrderID)
	var out idempotency.Outcome
	if err == nil {
		var effect Effect
		effect, err = r.Processor.PrepareStep(step, key)
		if err == nil {
			out, err = r.once(logging.With(ctx, log), key, compact(raw), effect)
		}
	}
	if refusal, ok := events.AsRefusal(err); ok {
		if _, isValidation := errors.AsType[*events.ValidationError](err); isValidation {
			refusal.Kind = events.KindInvalidOrder // what the workflow's input was
		}
		if derr := r.deadLetter(ctx, log, raw, key, refusal); derr != nil {
			log.Error("could not send the refused step to the dead-letter queue; the execution's history keeps its input", "error", derr.Error())
		}
		return nil, messages.InvokeResponse_Error{Type: refusal.Kind, Message: refusal.Reason}
	}
	if err != nil {
		log.Error("step failed", "error", err.Error())
		return nil, messages.InvokeResponse_Error{Type: TransientErrorType, Message: err.Error()}
	}
	if out.Replay {
		log.Info("duplicate step: returning the result of its first run")
	} else {
		log.Info("step handled")
	}
	return out.Result, nil
}

// once runs effect through the idempotency store, if there is one.
func (r *Router) once(ctx context.Context, key string, payload []byte, effect Effect) (idempotency.Outcome, error) {
	if r.Idempotency == nil {
		result, err := effect(ctx)
		if err != nil {
			return idempotency.Outcome{}, err
		}
		encoded, err := json.Marshal(result)
		return idempotency.Outcome{Result: encoded}, err
	}
	return r.Idempotency.Run(ctx, key, payload, effect)
}

// deadLetter logs a refusal and sends the input to the dead-letter queue. It
// returns an error only when the queue could not take the input, so that the
// invocation is retried rather than the input lost.
func (r *Router) deadLetter(ctx context.Context, log *slog.Logger, raw []byte, eventID string, refusal *events.Refusal) error {
	if r.DeadLetters == nil || !r.DeadLetters.Enabled() {
		payload := string(raw)
		if len(payload) > maxLoggedPayload {
			payload = payload[:maxLoggedPayload]
		}
		log.Error("refused input; no dead-letter queue is configured, so the input is kept in this log line",
			logging.KeyKind, refusal.Kind, logging.KeyReason, refusal.Reason, "payload", payload)
		return nil
	}
	log.Warn("refused input; sending it to the dead-letter queue", logging.KeyKind, refusal.Kind, logging.KeyReason, refusal.Reason)
	if err := r.DeadLetters.Send(ctx, raw, eventID, refusal.Kind, refusal.Reason); err != nil {
		log.Error("could not send refused input to the dead-letter queue; returning the error so that Lambda retries", "error", err.Error())
		return err
	}
	return nil
}

// canonicalEvent is what identifies an event's content for the idempotency
// hash: its source, type and compacted detail (the same event is byte-for-byte
// different in an SQS body and in a direct invocation).
func canonicalEvent(ev events.EventBridgeEvent) []byte {
	return append([]byte(ev.Source+"\x00"+ev.DetailType+"\x00"), compact(ev.Detail)...)
}

func compact(raw []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}
