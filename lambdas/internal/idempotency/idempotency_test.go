package idempotency_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

func TestMain(m *testing.M) { os.Exit(emulators.Main(m)) }

// clock is a settable time.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

func newStore(t *testing.T) (*idempotency.Store, *clock, *dynamodb.Client) {
	t.Helper()
	db := emulators.DynamoDB(t)
	c := &clock{}
	c.now.Store(time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC).UnixNano())
	s := &idempotency.Store{DB: db, Table: emulators.CreateTable(t, db, "idem", "order_id"), KeyAttr: "order_id", Scope: "orders", Now: c.Now, Expiry: time.Hour}
	return s, c, db
}

// counter is an effect that counts its runs.
func counter(n *atomic.Int32, result any, err error) func(context.Context) (any, error) {
	return func(context.Context) (any, error) { n.Add(1); return result, err }
}

func record(t *testing.T, s *idempotency.Store, db *dynamodb.Client, key string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(s.Table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"order_id": &types.AttributeValueMemberS{Value: s.RecordKey(key)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func TestRunOnceAndReplay(t *testing.T) {
	s, c, db := newStore(t)
	ctx := context.Background()
	var runs atomic.Int32
	out, err := s.Run(ctx, "evt-1", []byte("payload"), counter(&runs, map[string]int{"stock": 7}, nil))
	if err != nil || out.Replay || string(out.Result) != `{"stock":7}` {
		t.Fatalf("first run = %+v, %v", out, err)
	}
	out, err = s.Run(ctx, "evt-1", []byte("payload"), counter(&runs, map[string]int{"stock": 99}, nil))
	if err != nil || !out.Replay || string(out.Result) != `{"stock":7}` {
		t.Fatalf("duplicate = %+v, %v; want the first result replayed", out, err)
	}
	if runs.Load() != 1 {
		t.Fatalf("the effect ran %d times", runs.Load())
	}
	rec := record(t, s, db, "evt-1")
	if v := rec["status"].(*types.AttributeValueMemberS).Value; v != idempotency.StatusCompleted {
		t.Errorf("status = %s", v)
	}
	if v := rec["expiration"].(*types.AttributeValueMemberN).Value; v != "1705316400" { // 11:00, an hour on
		t.Errorf("expiration = %s, want 1705316400", v)
	}
	// After the expiry the key is new again.
	c.Advance(time.Hour + time.Second)
	if out, err := s.Run(ctx, "evt-1", []byte("payload"), counter(&runs, nil, nil)); err != nil || out.Replay || runs.Load() != 2 {
		t.Fatalf("after expiry = %+v, %v, %d runs", out, err, runs.Load())
	}
}

func TestSameKeyOtherPayloadIsRefused(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	var runs atomic.Int32
	if _, err := s.Run(ctx, "evt-2", []byte("a"), counter(&runs, nil, nil)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Run(ctx, "evt-2", []byte("b"), counter(&runs, nil, nil))
	if r, ok := events.AsRefusal(err); !ok || r.Kind != events.KindIdempotencyConflict {
		t.Fatalf("err = %v, want an IdempotencyConflict refusal", err)
	}
	if runs.Load() != 1 {
		t.Fatalf("the effect ran %d times", runs.Load())
	}
}

func TestFailureReleasesTheClaim(t *testing.T) {
	s, _, db := newStore(t)
	ctx := context.Background()
	var runs atomic.Int32
	boom := errors.New("throttled")
	if _, err := s.Run(ctx, "evt-3", []byte("p"), counter(&runs, nil, boom)); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the effect's", err)
	}
	if rec := record(t, s, db, "evt-3"); rec != nil {
		t.Fatalf("a failed run left a record: %v", rec)
	}
	if out, err := s.Run(ctx, "evt-3", []byte("p"), counter(&runs, "ok", nil)); err != nil || out.Replay || runs.Load() != 2 {
		t.Fatalf("retry = %+v, %v, %d runs", out, err, runs.Load())
	}
}

func TestInProgressAndTakeover(t *testing.T) {
	s, c, _ := newStore(t)
	deadline := c.Now().Add(30 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	// The first delivery claims the key and, inside its effect, a second
	// delivery arrives: it must not run, and must be told to retry.
	var runs atomic.Int32
	var inner error
	_, err := s.Run(ctx, "evt-4", []byte("p"), func(ctx context.Context) (any, error) {
		runs.Add(1)
		_, inner = s.Run(ctx, "evt-4", []byte("p"), counter(&runs, nil, nil))
		return nil, nil
	})
	if err != nil || !errors.Is(inner, idempotency.ErrInProgress) || runs.Load() != 1 {
		t.Fatalf("outer %v, inner %v, %d runs; want the inner delivery refused with ErrInProgress", err, inner, runs.Load())
	}

	// A delivery that was killed holding its claim: the claim is taken over
	// once its deadline has passed, not before.
	claimAndAbandon(t, s, "evt-6", deadline)
	if _, err := s.Run(context.Background(), "evt-6", []byte("p"), counter(&runs, nil, nil)); !errors.Is(err, idempotency.ErrInProgress) {
		t.Fatalf("before the deadline: err = %v, want ErrInProgress", err)
	}
	c.Advance(31 * time.Second)
	before := runs.Load()
	if out, err := s.Run(context.Background(), "evt-6", []byte("p"), counter(&runs, "taken over", nil)); err != nil || out.Replay || runs.Load() != before+1 {
		t.Fatalf("after the deadline = %+v, %v; want the claim taken over and the effect run", out, err)
	}
}

// claimAndAbandon leaves an IN_PROGRESS claim held until deadline, as a
// function killed during its effect does.
func claimAndAbandon(t *testing.T, s *idempotency.Store, key string, deadline time.Time) {
	t.Helper()
	_, err := s.DB.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(s.Table),
		Item: map[string]types.AttributeValue{
			"order_id":               &types.AttributeValueMemberS{Value: s.RecordKey(key)},
			"status":                 &types.AttributeValueMemberS{Value: idempotency.StatusInProgress},
			"expiration":             &types.AttributeValueMemberN{Value: "9999999999"},
			"in_progress_expiration": &types.AttributeValueMemberN{Value: strconv.FormatInt(deadline.UnixMilli(), 10)},
			"payload_hash":           &types.AttributeValueMemberS{Value: "148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940"}, // sha256("p")
			"claim":                  &types.AttributeValueMemberS{Value: "dead"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}
