// Package idempotency makes a handler's effect happen once per event under
// at-least-once delivery, with the pattern of AWS Lambda Powertools'
// idempotency utility built from single-item conditional writes (the test
// DynamoDB, dynalite, has no transactions, and none are needed):
//
//  1. Claim: a conditional PutItem creates the record "idempotency#<scope>#<key>"
//     with status IN_PROGRESS, unless a record exists that is neither expired
//     nor an IN_PROGRESS claim older than the invocation's deadline (a claim
//     whose function died is taken over once the function's timeout has passed).
//  2. Run the handler's effect.
//  3. Success: the record becomes COMPLETED with the effect's result, kept
//     until Expiry (set the table's TTL on "expiration" to reclaim it). A
//     duplicate then returns the stored result without running anything.
//     Failure: the record is deleted, so the retry runs again, and a refused
//     event leaves nothing behind.
//
// A duplicate that arrives while the first delivery is still running gets
// ErrInProgress, a transient error: it is retried later and then finds the
// record COMPLETED. The record also keeps a hash of the payload: the same key
// with another payload is refused (IdempotencyConflict) instead of being
// skipped silently.
//
// Records live in the function's own table, beside its data, under a key
// prefix: the seed gives each function one table and its role access to that
// table alone. Event ids cannot collide with the prefix: events.IDPattern
// leaves out '#', and the records' key always has it.
//
// The claim does not make a multi-write effect atomic: if the function dies
// between its writes, the retry after the claim expires runs the effect
// again. The handlers' effects are therefore written to be re-entrant
// (conditional writes that recognise their own earlier result).
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
)

// The DynamoDB calls the store makes, one interface each.
type (
	ItemPutter interface {
		PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	}
	ItemGetter interface {
		GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	}
	ItemUpdater interface {
		UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	}
	ItemDeleter interface {
		DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	}
)

// Client is what the store needs of DynamoDB.
type Client interface {
	ItemPutter
	ItemGetter
	ItemUpdater
	ItemDeleter
}

// Record statuses and attributes.
const (
	StatusInProgress = "IN_PROGRESS"
	StatusCompleted  = "COMPLETED"

	KeyPrefix = "idempotency#"

	attrStatus     = "status"
	attrExpiration = "expiration"             // epoch seconds: the table's TTL attribute
	attrInProgress = "in_progress_expiration" // epoch milliseconds: when a claim may be taken over
	attrHash       = "payload_hash"
	attrResult     = "result"
	attrClaim      = "claim"
	attrRecordType = "record_type"
	recordType     = "idempotency"
)

// Defaults.
const (
	// DefaultExpiry outlives every redelivery the stack can make: Lambda
	// retries asynchronous events for up to 6 hours, SQS redelivers a message
	// within its visibility timeouts (3 receives of 30 s before the DLQ), and
	// the workflow's retries last minutes.
	DefaultExpiry = 24 * time.Hour
	// DefaultInProgressTimeout is how long a claim holds when the context has
	// no deadline: the seed's function timeout.
	DefaultInProgressTimeout = 30 * time.Second
	// claimAttempts bounds the claim loop (a record deleted between the
	// failed claim and the read is claimed again).
	claimAttempts = 3
)

// ErrInProgress means another delivery of the same event is being handled
// right now. It is transient: retry later.
var ErrInProgress = errors.New("another delivery of this event is in progress")

// Store keeps idempotency records in a table.
type Store struct {
	DB      Client
	Table   string
	KeyAttr string // the table's partition key, a string
	Scope   string // the handler's name, so handlers sharing a table do not collide
	Expiry  time.Duration
	Now     func() time.Time
}

// Outcome is what Run did.
type Outcome struct {
	Result json.RawMessage // the effect's result, or the stored one on a replay
	Replay bool            // the event was handled before; nothing ran
}

// Run runs effect once for key: it claims the key, runs effect, and records
// its JSON result. payload is hashed to detect a key reused for another event.
func (s *Store) Run(ctx context.Context, key string, payload []byte, effect func(context.Context) (any, error)) (Outcome, error) {
	sum := sha256.Sum256(payload)
	hash := hex.EncodeToString(sum[:])
	claim, prior, err := s.claim(ctx, key, hash)
	if err != nil {
		return Outcome{}, err
	}
	if prior != nil {
		return Outcome{Result: prior, Replay: true}, nil
	}
	result, err := effect(ctx)
	if err != nil {
		if derr := s.release(ctx, key, claim); derr != nil {
			logging.From(ctx).Warn("could not delete the idempotency claim after a failure; it expires with the invocation's deadline",
				"idempotency_key", key, "error", derr.Error())
		}
		return Outcome{}, err
	}
	encoded, err := json.Marshal(result)
	if err != nil {
		return Outcome{}, fmt.Errorf("encoding the result of %s: %w", key, err)
	}
	if err := s.complete(ctx, key, claim, encoded); err != nil {
		// The effect happened: report success. A redelivery before the claim
		// expires gets ErrInProgress, one after it re-enters the effect,
		// which the handlers make harmless.
		logging.From(ctx).Error("could not mark the idempotency record completed", "idempotency_key", key, "error", err.Error())
	}
	return Outcome{Result: encoded}, nil
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) expiry() time.Duration {
	if s.Expiry > 0 {
		return s.Expiry
	}
	return DefaultExpiry
}

// RecordKey is the table key of key's record.
func (s *Store) RecordKey(key string) string { return KeyPrefix + s.Scope + "#" + key }

func (s *Store) keyOf(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{s.KeyAttr: &types.AttributeValueMemberS{Value: s.RecordKey(key)}}
}

// claim creates the IN_PROGRESS record, or returns the stored result of a
// completed one.
func (s *Store) claim(ctx context.Context, key, hash string) (claimID string, prior json.RawMessage, err error) {
	claimID = rand.Text()
	for range claimAttempts {
		now := s.now()
		holdUntil := now.Add(DefaultInProgressTimeout)
		if d, ok := ctx.Deadline(); ok {
			holdUntil = d
		}
		item := s.keyOf(key)
		item[attrRecordType] = &types.AttributeValueMemberS{Value: recordType}
		item[attrStatus] = &types.AttributeValueMemberS{Value: StatusInProgress}
		item[attrExpiration] = number(now.Add(s.expiry()).Unix())
		item[attrInProgress] = number(holdUntil.UnixMilli())
		item[attrHash] = &types.AttributeValueMemberS{Value: hash}
		item[attrClaim] = &types.AttributeValueMemberS{Value: claimID}
		_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:           aws.String(s.Table),
			Item:                item,
			ConditionExpression: aws.String("attribute_not_exists(#k) OR #exp < :now OR (#st = :inprogress AND #hold < :nowms)"),
			ExpressionAttributeNames: map[string]string{
				"#k": s.KeyAttr, "#exp": attrExpiration, "#st": attrStatus, "#hold": attrInProgress,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now":        number(now.Unix()),
				":nowms":      number(now.UnixMilli()),
				":inprogress": &types.AttributeValueMemberS{Value: StatusInProgress},
			},
		})
		if err == nil {
			return claimID, nil, nil
		}
		if !IsConditionFailed(err) {
			return "", nil, fmt.Errorf("claiming idempotency record %s: %w", s.RecordKey(key), err)
		}
		got, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: s.keyOf(key), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return "", nil, fmt.Errorf("reading idempotency record %s: %w", s.RecordKey(key), err)
		}
		if got.Item == nil {
			continue // deleted since: claim again
		}
		if h := stringAttr(got.Item, attrHash); h != hash {
			return "", nil, events.Refuse(events.KindIdempotencyConflict,
				"event %q was handled before with a different payload; refusing to treat it as a duplicate", key)
		}
		switch stringAttr(got.Item, attrStatus) {
		case StatusCompleted:
			result := json.RawMessage(stringAttr(got.Item, attrResult))
			if len(result) == 0 {
				result = json.RawMessage("null")
			}
			return "", result, nil
		case StatusInProgress:
			return "", nil, ErrInProgress
		default:
			return "", nil, fmt.Errorf("idempotency record %s has status %q", s.RecordKey(key), stringAttr(got.Item, attrStatus))
		}
	}
	return "", nil, fmt.Errorf("claiming idempotency record %s: gave up after %d attempts", s.RecordKey(key), claimAttempts)
}

// complete marks our claim COMPLETED with the result.
func (s *Store) complete(ctx context.Context, key, claimID string, result json.RawMessage) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.Table),
		Key:                 s.keyOf(key),
		UpdateExpression:    aws.String("SET #st = :completed, #res = :result, #exp = :exp REMOVE #hold"),
		ConditionExpression: aws.String("#claim = :claim"),
		ExpressionAttributeNames: map[string]string{
			"#st": attrStatus, "#res": attrResult, "#exp": attrExpiration, "#hold": attrInProgress, "#claim": attrClaim,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":completed": &types.AttributeValueMemberS{Value: StatusCompleted},
			":result":    &types.AttributeValueMemberS{Value: string(result)},
			":exp":       number(s.now().Add(s.expiry()).Unix()),
			":claim":     &types.AttributeValueMemberS{Value: claimID},
		},
	})
	if IsConditionFailed(err) {
		return fmt.Errorf("the claim on %s was taken over by another delivery", s.RecordKey(key))
	}
	return err
}

// release deletes our claim so that a retry runs the effect again.
func (s *Store) release(ctx context.Context, key, claimID string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.Table),
		Key:                       s.keyOf(key),
		ConditionExpression:       aws.String("#claim = :claim"),
		ExpressionAttributeNames:  map[string]string{"#claim": attrClaim},
		ExpressionAttributeValues: map[string]types.AttributeValue{":claim": &types.AttributeValueMemberS{Value: claimID}},
	})
	if IsConditionFailed(err) {
		return nil // taken over: not ours to delete
	}
	return err
}

// IsConditionFailed reports whether err is DynamoDB's refusal of a
// conditional write.
func IsConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func number(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
