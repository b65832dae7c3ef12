package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// TestDuplicateDeliveriesHaveOneEffect delivers every kind of input twice —
// the same EventBridge event, the same SQS message, the same workflow step —
// and checks that the second delivery changes nothing: no row written again,
// no stock moved again, no second notification.
func TestDuplicateDeliveriesHaveOneEffect(t *testing.T) {
	s := newStack(t)
	created := eventBridge("dup-created", "orders", "Order Created",
		`{"order_id":"ORD-DUP","customer_id":"C-1","items":[{"item_id":"ITEM-DUP","quantity":3,"price":10}],"total":30,"timestamp":"2024-01-15T10:00:00Z"}`)
	restock := eventBridge("dup-restock", "inventory", "Inventory Updated",
		`{"item_id":"ITEM-DUP","quantity":10,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`)

	t.Run("EventBridge event", func(t *testing.T) {
		mustInvoke(t, s.orders, created)
		first := s.order("ORD-DUP")
		mustInvoke(t, s.orders, created)
		if second := s.order("ORD-DUP"); !reflect.DeepEqual(first, second) {
			t.Errorf("the duplicate changed the row:\n%v\n%v", first, second)
		}
		if n := s.notificationsFor("ORD-DUP", "Order Created"); len(n) != 1 {
			t.Errorf("%d Order Created notifications, want 1", len(n))
		}
		mustInvoke(t, s.inventory, restock)
		mustInvoke(t, s.inventory, restock)
		if got := s.stock("ITEM-DUP"); got != 10 {
			t.Errorf("stock after the same restock twice = %d, want 10", got)
		}
	})

	t.Run("same event through SQS and EventBridge", func(t *testing.T) {
		// EventBridge → SQS targets deliver the whole event; its id makes it
		// the same event as the direct delivery.
		out := mustInvoke(t, s.inventory, sqsBatch([2]string{"m-restock", restock}))
		if ids := failedIDs(t, out); len(ids) != 0 {
			t.Fatalf("failed messages %v", ids)
		}
		if got := s.stock("ITEM-DUP"); got != 10 {
			t.Errorf("stock = %d, want 10", got)
		}
	})

	t.Run("SQS message", func(t *testing.T) {
		// A message without an event id: the message id is the key.
		body := `{"source":"inventory","detail-type":"Inventory Updated","detail":{"item_id":"ITEM-DUP","quantity":5,"action":"restock","timestamp":"2024-01-15T10:01:00Z"}}`
		for range 2 {
			out := mustInvoke(t, s.inventory, sqsBatch([2]string{"m-plain", body}))
			if ids := failedIDs(t, out); len(ids) != 0 {
				t.Fatalf("failed messages %v", ids)
			}
		}
		if got := s.stock("ITEM-DUP"); got != 15 {
			t.Errorf("stock after the same message twice = %d, want 15", got)
		}
	})

	t.Run("workflow steps", func(t *testing.T) {
		item := dynamoJSON(s.order("ORD-DUP"))
		reserve := stepPayload("reserve", "WF-DUP", "ORD-DUP", item, "")
		first := mustInvoke(t, s.inventory, reserve)
		second := mustInvoke(t, s.inventory, reserve)
		if got := s.stock("ITEM-DUP"); got != 12 {
			t.Errorf("stock after the same reserve twice = %d, want 12", got)
		}
		if a, b := asJSON(first), asJSON(second); a != b {
			t.Errorf("the duplicate step returned %s, the first %s", b, a)
		}
		// Another execution for the same order (a new workflow id) is a new
		// step but the same reservation: still one.
		mustInvoke(t, s.inventory, stepPayload("reserve", "WF-DUP-2", "ORD-DUP", item, ""))
		if got := s.stock("ITEM-DUP"); got != 12 {
			t.Errorf("stock after a second workflow's reserve = %d, want 12", got)
		}
		release := stepPayload("release", "WF-DUP", "ORD-DUP", item, "")
		mustInvoke(t, s.inventory, release)
		mustInvoke(t, s.inventory, release)
		mustInvoke(t, s.inventory, stepPayload("release", "WF-DUP-2", "ORD-DUP", item, ""))
		if got := s.stock("ITEM-DUP"); got != 15 {
			t.Errorf("stock after the same release three times = %d, want 15", got)
		}
		fail := stepPayload("fail", "WF-DUP", "ORD-DUP", nil, `{"Error":"InsufficientStock","Cause":"test"}`)
		mustInvoke(t, s.orders, fail)
		mustInvoke(t, s.orders, fail)
		if n := s.notificationsFor("ORD-DUP", "Order Failed"); len(n) != 1 {
			t.Errorf("%d Order Failed notifications, want 1", len(n))
		}
		if got := strAttr(s.order("ORD-DUP"), "failure_error"); got != "InsufficientStock" {
			t.Errorf("failure_error = %q", got)
		}
	})

	t.Run("Notification Sent", func(t *testing.T) {
		ev := eventBridge("dup-notification", "notifications", "Notification Sent",
			`{"notification_id":"NOTIF-DUP","message":"once","timestamp":"2024-01-15T10:00:00Z"}`)
		mustInvoke(t, s.notifier, ev)
		mustInvoke(t, s.notifier, ev)
		if n := s.sink.Matching(func(n emulators.Notification) bool {
			return n.MessageAttributes["notification_id"].Value == "NOTIF-DUP"
		}); len(n) != 1 {
			t.Errorf("%d deliveries of NOTIF-DUP, want 1", len(n))
		}
	})

	t.Run("concurrent duplicates", func(t *testing.T) {
		// Eight deliveries of one event at once: one runs; the others see it
		// completed, or in progress (a transient error, retried by Lambda).
		ev := eventBridge("dup-concurrent", "inventory", "Inventory Updated",
			`{"item_id":"ITEM-CONC","quantity":7,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`)
		var wg sync.WaitGroup
		var failed atomic.Int32
		for range 8 {
			wg.Go(func() {
				if _, err := invoke(t, s.inventory, ev); err != nil {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		// Lambda retries the ones that found it in progress.
		for range int(failed.Load()) {
			mustInvoke(t, s.inventory, ev)
		}
		if got := s.stock("ITEM-CONC"); got != 7 {
			t.Errorf("stock after 8 concurrent deliveries of one restock = %d, want 7", got)
		}
	})
}

// TestConcurrentReservations runs 50 reservations of one unit each, for 50
// orders at once, against 10 units in stock: exactly 10 succeed, the others
// are refused with InsufficientStock, and the stock, sampled all along, ends
// at 0 and is never below it.
func TestConcurrentReservations(t *testing.T) {
	s := newStack(t)
	mustInvoke(t, s.inventory, eventBridge("restock-10", "inventory", "Inventory Updated",
		`{"item_id":"ITEM-HOT","quantity":10,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`))

	const orders = 50
	payloads := make([]string, orders)
	for i := range payloads {
		id := fmt.Sprintf("ORD-HOT-%02d", i)
		item := fmt.Sprintf(`{"order_id":{"S":%q},"customer_id":{"S":"C"},"status":{"S":"created"},"created_at":{"S":"2024-01-15T10:00:00Z"},`+
			`"total":{"N":"5"},"items":{"L":[{"M":{"item_id":{"S":"ITEM-HOT"},"quantity":{"N":"1"},"price":{"N":"5"}}}]}}`, id)
		payloads[i] = stepPayload("reserve", "WF-"+id, id, json.RawMessage(item), "")
	}

	// Sample the stock while the reservations run: it must never be negative.
	ctx, stop := context.WithCancel(context.Background())
	var minSeen atomic.Int64
	minSeen.Store(10)
	var samples atomic.Int64
	sampler := make(chan struct{})
	go func() {
		defer close(sampler)
		for i := 0; i < 10_000 && ctx.Err() == nil; i++ { // bounded
			if v := s.stock("ITEM-HOT"); v < minSeen.Load() {
				minSeen.Store(v)
			}
			samples.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}()

	var ok, short atomic.Int32
	var other sync.Map
	var wg sync.WaitGroup
	for i, p := range payloads {
		wg.Go(func() {
			_, err := invoke(t, s.inventory, p)
			switch {
			case err == nil:
				ok.Add(1)
			case stepError(t, err).Type == events.KindInsufficientStock:
				short.Add(1)
			default:
				other.Store(i, err)
			}
		})
	}
	wg.Wait()
	stop()
	<-sampler

	other.Range(func(k, v any) bool { t.Errorf("reservation %v: unexpected error %v", k, v); return true })
	if ok.Load() != 10 || short.Load() != 40 {
		t.Errorf("%d reservations succeeded and %d were refused, want 10 and 40", ok.Load(), short.Load())
	}
	if got := s.stock("ITEM-HOT"); got != 0 {
		t.Errorf("stock = %d, want 0", got)
	}
	if minSeen.Load() < 0 {
		t.Errorf("the stock was seen at %d", minSeen.Load())
	}
	held := s.item("ITEM-HOT")["reservations"].(*types.AttributeValueMemberM).Value
	if len(held) != 10 {
		t.Errorf("%d reservations recorded in the row, want 10", len(held))
	}
	t.Logf("%d stock samples during the run, lowest %d", samples.Load(), minSeen.Load())
}

// TestWorkflowCompensation runs the workflow for an order the stock cannot
// cover: the reservation is refused, the workflow compensates (release and
// mark failed), the stock is whole again, and a reserve that arrives after
// the release cannot take the stock.
func TestWorkflowCompensation(t *testing.T) {
	s := newStack(t)
	mustInvoke(t, s.inventory, eventBridge("restock-a", "inventory", "Inventory Updated", `{"item_id":"ITEM-A","quantity":5,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`))
	mustInvoke(t, s.inventory, eventBridge("restock-b", "inventory", "Inventory Updated", `{"item_id":"ITEM-B","quantity":1,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`))
	mustInvoke(t, s.orders, eventBridge("created-short", "orders", "Order Created",
		`{"order_id":"ORD-SHORT","customer_id":"C-1","items":[{"item_id":"ITEM-A","quantity":2,"price":1.5},{"item_id":"ITEM-B","quantity":3,"price":2}],"total":9,"timestamp":"2024-01-15T10:00:00Z"}`))

	_, err := runWorkflow(t, s, `{"workflow_id":"WF-SHORT","order_id":"ORD-SHORT","timestamp":"2024-01-15T10:00:00Z"}`)
	if err == nil {
		t.Fatal("the workflow succeeded; ITEM-B has 1 in stock and the order needs 3")
	}
	if ie := stepError(t, err); ie.Type != events.KindInsufficientStock {
		t.Fatalf("ReserveStock error type = %q (%s), want InsufficientStock", ie.Type, ie.Message)
	}
	if a, b := s.stock("ITEM-A"), s.stock("ITEM-B"); a != 5 || b != 1 {
		t.Errorf("stock after compensation = %d and %d, want 5 and 1", a, b)
	}
	row := s.order("ORD-SHORT")
	if strAttr(row, "status") != "failed" || strAttr(row, "failure_error") != events.KindInsufficientStock {
		t.Errorf("order after compensation: status %q, failure_error %q", strAttr(row, "status"), strAttr(row, "failure_error"))
	}
	if n := s.notificationsFor("ORD-SHORT", "Order Failed"); len(n) != 1 {
		t.Errorf("%d Order Failed notifications, want 1", len(n))
	}

	// A restock, then the reserve of this execution arriving late: the
	// release left tombstones, so it takes nothing.
	mustInvoke(t, s.inventory, eventBridge("restock-b2", "inventory", "Inventory Updated", `{"item_id":"ITEM-B","quantity":10,"action":"restock","timestamp":"2024-01-15T10:02:00Z"}`))
	_, err = invoke(t, s.inventory, stepPayload("reserve", "WF-SHORT-LATE", "ORD-SHORT", dynamoJSON(row), ""))
	if ie := stepError(t, err); ie.Type != events.KindReservationReleased {
		t.Errorf("late reserve error = %q (%s), want ReservationReleased", ie.Type, ie.Message)
	}
	if a, b := s.stock("ITEM-A"), s.stock("ITEM-B"); a != 5 || b != 11 {
		t.Errorf("stock after the late reserve = %d and %d, want 5 and 11", a, b)
	}

	// A failed order cannot complete.
	mustInvoke(t, s.orders, eventBridge("complete-failed", "orders", "Order Completed", `{"order_id":"ORD-SHORT","timestamp":"2024-01-15T10:03:00Z"}`))
	if got := strAttr(s.order("ORD-SHORT"), "status"); got != "failed" {
		t.Errorf("status = %q, want failed", got)
	}
	msgs := s.dlq.Messages()
	if len(msgs) == 0 || msgs[len(msgs)-1].Attributes["ErrorCode"] != events.KindInvalidTransition {
		t.Errorf("Order Completed of a failed order: dead-letter messages %+v, want the last an InvalidTransition", msgs)
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
