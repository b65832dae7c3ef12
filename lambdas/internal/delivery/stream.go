package delivery

import (
	"context"
	"encoding/json"
	"log/slog"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
)

// StreamProcessor is the logic of a function that consumes a DynamoDB
// stream. PrepareRecord validates a record and returns its effect without
// calling anything; a nil effect and no error means the record asks for
// nothing (a REMOVE, a change the function does not care about). key is the
// record's idempotency key, "stream:<eventID>".
type StreamProcessor interface {
	PrepareRecord(rec awsevents.DynamoDBEventRecord, key string) (Effect, error)
}

// StreamRouter is the Lambda handler of a DynamoDB stream consumer. Its
// event source mapping reports batch item failures (FunctionResponseTypes
// ReportBatchItemFailures, which the operator always sets on a stream
// mapping), so a failure means:
//
//   - transient (throttling, 5xx, a duplicate in progress): the record is
//     reported in batchItemFailures by its sequence number and the records
//     after it are not handled, so that the shard's order holds: Lambda
//     retries from that record (and, when its retries or the record's age run
//     out, sends the batch's description to the mapping's on-failure
//     destination);
//   - refused (a malformed record, or one the function can never apply): it
//     is logged with its reason, sent to the function's dead-letter queue if
//     it has one, and skipped; retrying it would hold up the shard until the
//     record expires from the stream (24 hours) under Lambda's default of
//     unbounded retries.
//
// Records already handled are skipped on a retried batch through their
// idempotency record (key "stream:<eventID>").
type StreamRouter struct {
	Function    string
	Processor   StreamProcessor
	Idempotency Idempotency // nil: effects are not deduplicated
	DeadLetters DeadLetters // nil or disabled: refused records are logged in full
	Logger      *slog.Logger
}

// ShapeDynamoDBStream names the shape in the logs.
const ShapeDynamoDBStream = "dynamodb-stream"

// Invoke handles one batch of stream records.
func (r *StreamRouter) Invoke(ctx context.Context, raw json.RawMessage) (awsevents.DynamoDBEventResponse, error) {
	log := r.Logger.With(logging.KeyShape, ShapeDynamoDBStream)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With(logging.KeyRequestID, lc.AwsRequestID)
	}
	resp := awsevents.DynamoDBEventResponse{BatchItemFailures: []awsevents.DynamoDBBatchItemFailure{}}
	records, err := events.DecodeDynamoDBStream(raw)
	if err != nil {
		// Not a batch Lambda would send: nothing can be named to retry.
		refusal, _ := events.AsRefusal(err)
		return resp, r.deadLetter(ctx, log, raw, "", refusal)
	}
	for i, recRaw := range records {
		rec, err := events.DecodeStreamRecord(recRaw)
		key := "stream:" + rec.EventID
		rlog := log.With(logging.KeyEventID, rec.EventID, "sequence_number", rec.Change.SequenceNumber, "event_name", rec.EventName, "record", i)
		if ctx.Err() != nil {
			rlog.Warn("not handled before the invocation's deadline; Lambda retries from this record")
			return r.failAt(resp, rec), nil
		}
		var effect Effect
		if err == nil {
			effect, err = r.Processor.PrepareRecord(rec, key)
		}
		var out idempotency.Outcome
		if err == nil && effect != nil {
			out, err = r.once(logging.With(ctx, rlog), key, []byte(rec.EventName+"\x00"+rec.Change.SequenceNumber), effect)
		}
		if refusal, ok := events.AsRefusal(err); ok {
			if derr := r.deadLetter(ctx, rlog, recRaw, rec.EventID, refusal); derr != nil {
				return r.failAt(resp, rec), nil
			}
			continue
		}
		if err != nil {
			rlog.Error("record failed; Lambda retries the batch from this record", "error", err.Error())
			return r.failAt(resp, rec), nil
		}
		switch {
		case effect == nil:
			rlog.Debug("record asks for nothing; skipped")
		case out.Replay:
			rlog.Info("duplicate delivery: handled before, nothing done")
		default:
			rlog.Info("record handled")
		}
	}
	return resp, nil
}

// failAt reports rec, and through it the rest of the batch, as failed. A
// record without a sequence number cannot be named: the whole batch fails
// (an empty identifier is Lambda's way of saying so).
func (r *StreamRouter) failAt(resp awsevents.DynamoDBEventResponse, rec awsevents.DynamoDBEventRecord) awsevents.DynamoDBEventResponse {
	resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
	return resp
}

func (r *StreamRouter) once(ctx context.Context, key string, payload []byte, effect Effect) (idempotency.Outcome, error) {
	inner := Router{Idempotency: r.Idempotency}
	return inner.once(ctx, key, payload, effect)
}

func (r *StreamRouter) deadLetter(ctx context.Context, log *slog.Logger, raw []byte, eventID string, refusal *events.Refusal) error {
	inner := Router{DeadLetters: r.DeadLetters}
	return inner.deadLetter(ctx, log, raw, eventID, refusal)
}
