package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestRedeliveryAfterACrash plays a function killed between its writes: the
// business write is done but the idempotency record is gone (it expired, or
// the claim was taken over). The redelivery recognises its own write by the
// event's key stored with it and finishes the work without doing it twice.
func TestRedeliveryAfterACrash(t *testing.T) {
	s := newStack(t)
	// Order Created: the row was put by event "crash-1", the notification
	// never went out.
	event := eventBridge("crash-1", "orders", "Order Created",
		`{"order_id":"ORD-CRASH","customer_id":"C-1","items":[{"item_id":"I-1","quantity":1,"price":5}],"total":5,"timestamp":"2024-01-15T10:00:00Z"}`)
	mustInvoke(t, s.orders, event)
	s.deleteIdempotencyRecords(s.ordersTable, "order_id")
	before := len(s.notificationsFor("ORD-CRASH", "Order Created"))
	mustInvoke(t, s.orders, event)
	if got := len(s.notificationsFor("ORD-CRASH", "Order Created")); got != before+1 {
		t.Errorf("the redelivery published %d notifications, want 1 (the one the crash lost)", got-before)
	}
	// The same order from another event id: no second notification.
	mustInvoke(t, s.orders, eventBridge("crash-2", "orders", "Order Created",
		`{"order_id":"ORD-CRASH","customer_id":"C-1","items":[{"item_id":"I-1","quantity":1,"price":5}],"total":5,"timestamp":"2024-01-15T10:00:00Z"}`))
	if got := len(s.notificationsFor("ORD-CRASH", "Order Created")); got != before+1 {
		t.Errorf("the same order from another event published again (%d)", got-before)
	}

	// Restock: the stock was added, the record lost. No second add.
	restock := eventBridge("crash-restock", "inventory", "Inventory Updated", `{"item_id":"I-CRASH","quantity":4,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`)
	mustInvoke(t, s.inventory, restock)
	s.deleteIdempotencyRecords(s.inventoryTable, "item_id")
	mustInvoke(t, s.inventory, restock)
	if got := s.stock("I-CRASH"); got != 4 {
		t.Errorf("stock after a redelivered restock = %d, want 4", got)
	}
}

// deleteIdempotencyRecords removes every idempotency record of a table.
func (s *stack) deleteIdempotencyRecords(table, key string) {
	s.t.Helper()
	n := 0
	for _, row := range s.scan(table) {
		if strAttr(row, "record_type") != "idempotency" {
			continue
		}
		_, err := s.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
			TableName: aws.String(table),
			Key:       map[string]types.AttributeValue{key: row[key]},
		})
		if err != nil {
			s.t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		s.t.Fatalf("no idempotency records in %s", table)
	}
}
