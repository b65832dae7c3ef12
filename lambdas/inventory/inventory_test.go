package inventory

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

func TestMain(m *testing.M) { os.Exit(emulators.Main(m)) }

type fixture struct {
	t   *testing.T
	p   *Processor
	db  *dynamodb.Client
	now time.Time
}

func newFixture(t *testing.T) *fixture {
	db := emulators.DynamoDB(t)
	f := &fixture{t: t, db: db, now: time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)}
	f.p = &Processor{DB: db, Table: emulators.CreateTable(t, db, "inventory", "item_id"), Now: func() time.Time { return f.now }}
	return f
}

func (f *fixture) restock(key, item string, q int64) {
	f.t.Helper()
	detail, _ := json.Marshal(map[string]any{"item_id": item, "quantity": q, "action": "restock", "timestamp": "2024-01-15T10:00:00Z"})
	effect, err := f.p.PrepareEvent(events.EventBridgeEvent{Source: "inventory", DetailType: "Inventory Updated", Detail: detail}, key)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := effect(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) step(step, order string, lines ...Line) error {
	f.t.Helper()
	s := events.Step{Step: step, WorkflowID: "WF-" + order, OrderID: order, Order: &events.StoredOrder{Order: events.Order{OrderID: order}}}
	for _, l := range lines {
		s.Order.Items = append(s.Order.Items, events.LineItem{ItemID: l.ItemID, Quantity: l.Quantity})
	}
	effect, err := f.p.PrepareStep(s, "k")
	if err != nil {
		return err
	}
	_, err = effect(context.Background())
	return err
}

func (f *fixture) row(item string) map[string]types.AttributeValue {
	f.t.Helper()
	out, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.p.Table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"item_id": &types.AttributeValueMemberS{Value: item}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Item
}

func (f *fixture) stock(item string) int64 {
	f.t.Helper()
	v, _ := nAttr(f.row(item), attrStock)
	return v
}

func mapKeys(row map[string]types.AttributeValue, attr string) map[string]bool {
	out := map[string]bool{}
	if m, ok := row[attr].(*types.AttributeValueMemberM); ok {
		for k := range m.Value {
			out[k] = true
		}
	}
	return out
}

// TestOldEntriesArePruned: entries older than Retention leave the row on its
// next write; newer ones stay.
func TestOldEntriesArePruned(t *testing.T) {
	f := newFixture(t)
	f.restock("evt-old", "I-1", 10)
	if err := f.step("reserve", "ORD-OLD", Line{"I-1", 2}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(DefaultRetention + time.Minute)
	if err := f.step("reserve", "ORD-NEW", Line{"I-1", 3}); err != nil {
		t.Fatal(err)
	}
	row := f.row("I-1")
	if got := mapKeys(row, attrReservations); got["ORD-OLD"] || !got["ORD-NEW"] {
		t.Errorf("reservations after pruning: %v, want ORD-NEW only", got)
	}
	if got := mapKeys(row, attrRestocks); got["evt-old"] {
		t.Errorf("restocks after pruning: %v, want none", got)
	}
	if got := f.stock("I-1"); got != 5 {
		t.Errorf("stock = %d, want 5: pruning must not move stock", got)
	}
}

// TestRowWithoutLedgers: an item written by something else (stock only, no
// maps) can be reserved and released; an unknown item cannot be reserved and
// is not created by a release.
func TestRowWithoutLedgers(t *testing.T) {
	f := newFixture(t)
	_, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.p.Table), Item: map[string]types.AttributeValue{
		"item_id": &types.AttributeValueMemberS{Value: "I-LEGACY"}, "stock": &types.AttributeValueMemberN{Value: "4"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.step("reserve", "ORD-1", Line{"I-LEGACY", 4}); err != nil {
		t.Fatalf("reserve: %v", err)
	}
	if err := f.step("release", "ORD-1", Line{"I-LEGACY", 4}); err != nil {
		t.Fatalf("release: %v", err)
	}
	if got := f.stock("I-LEGACY"); got != 4 {
		t.Errorf("stock = %d, want 4", got)
	}
	err = f.step("reserve", "ORD-2", Line{"I-NONE", 1})
	if r, ok := events.AsRefusal(err); !ok || r.Kind != events.KindInsufficientStock {
		t.Errorf("reserve of an unknown item: %v, want InsufficientStock", err)
	}
	if err := f.step("release", "ORD-2", Line{"I-NONE", 1}); err != nil {
		t.Errorf("release of an unknown item: %v", err)
	}
	if row := f.row("I-NONE"); row != nil {
		t.Errorf("a release created item I-NONE: %v", row)
	}
}

// TestPartialReservationIsGivenBack: a two-item order whose second item is
// short takes nothing, and can be reserved after a restock.
func TestPartialReservationIsGivenBack(t *testing.T) {
	f := newFixture(t)
	f.restock("r-a", "I-A", 5)
	f.restock("r-b", "I-B", 1)
	err := f.step("reserve", "ORD-P", Line{"I-A", 2}, Line{"I-B", 2})
	if r, ok := events.AsRefusal(err); !ok || r.Kind != events.KindInsufficientStock {
		t.Fatalf("err = %v, want InsufficientStock", err)
	}
	if a, b := f.stock("I-A"), f.stock("I-B"); a != 5 || b != 1 {
		t.Errorf("stock = %d, %d; want 5, 1", a, b)
	}
	f.restock("r-b2", "I-B", 1)
	if err := f.step("reserve", "ORD-P", Line{"I-A", 2}, Line{"I-B", 2}); err != nil {
		t.Fatalf("reserve after the restock: %v", err)
	}
	if a, b := f.stock("I-A"), f.stock("I-B"); a != 3 || b != 0 {
		t.Errorf("stock = %d, %d; want 3, 0", a, b)
	}
}
