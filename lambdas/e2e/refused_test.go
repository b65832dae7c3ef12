package e2e

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/dlq"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/orders"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// orderEvent is an Order Created event whose detail is the seed's with one
// JSON fragment replaced.
func orderEvent(id, old, replacement string) string {
	detail := `{"order_id":"ORD-BAD","customer_id":"CUST-001","items":[{"item_id":"ITEM-001","quantity":2,"price":29.99}],"total":59.98,"timestamp":"2024-01-15T10:00:00Z"}`
	if old != "" && !strings.Contains(detail, old) {
		panic("fragment not in the detail: " + old)
	}
	return eventBridge(id, "orders", "Order Created", strings.Replace(detail, old, replacement, 1))
}

// refusedCase is an input a function must refuse.
type refusedCase struct {
	name     string
	function string // orders, inventory, notifications
	payload  string
	kind     string // the refusal's kind: ErrorCode on the DLQ, the error type for a step
	reason   string // part of the reason
	step     bool   // a workflow step: refused with a typed error too
}

func refusedCases() []refusedCase {
	return []refusedCase{
		{"not JSON", "orders", `order ORD-001 please`, events.KindInvalidEvent, "neither an EventBridge event", false},
		{"JSON array", "orders", `[{"detail-type":"Order Created"}]`, events.KindInvalidEvent, "neither an EventBridge event", false},
		{"no event id", "orders", `{"source":"orders","detail-type":"Order Created","detail":{}}`, events.KindInvalidEvent, "id: is required", false},
		{"wrong source", "orders", strings.Replace(orderEvent("r-src", "", ""), `"source":"orders"`, `"source":"inventory"`, 1), events.KindUnsupportedEvent, `source "inventory"`, false},
		{"unknown detail-type", "orders", eventBridge("r-type", "orders", "Order Shipped", `{"order_id":"ORD-BAD"}`), events.KindUnsupportedEvent, `detail-type "Order Shipped"`, false},
		{"detail is a string", "orders", eventBridge("r-str", "orders", "Order Created", `"{\"order_id\":\"ORD-BAD\"}"`), events.KindInvalidEvent, "detail: must be a JSON object", false},
		{"missing order_id", "orders", orderEvent("r-id", `"order_id":"ORD-BAD",`, ``), events.KindInvalidEvent, "detail.order_id: is required", false},
		{"order_id addressing an idempotency record", "orders", orderEvent("r-hash", `"ORD-BAD"`, `"idempotency#orders#r-1"`), events.KindInvalidEvent, "detail.order_id", false},
		{"no items", "orders", orderEvent("r-items", `[{"item_id":"ITEM-001","quantity":2,"price":29.99}]`, `[]`), events.KindInvalidEvent, "at least one item", false},
		{"quantity 0", "orders", orderEvent("r-q0", `"quantity":2`, `"quantity":0`), events.KindInvalidEvent, "detail.items[0].quantity: must be greater than 0", false},
		{"quantity as a string", "orders", orderEvent("r-qs", `"quantity":2`, `"quantity":"2"`), events.KindInvalidEvent, "detail.items[0].quantity: must be a JSON number", false},
		{"negative price", "orders", orderEvent("r-neg", `"price":29.99`, `"price":-29.99`), events.KindInvalidEvent, "detail.items[0].price: must not be negative", false},
		{"price below the cent", "orders", orderEvent("r-mil", `"price":29.99`, `"price":29.995`), events.KindInvalidEvent, "more than 2 decimal places", false},
		{"total off by a cent", "orders", orderEvent("r-total", `"total":59.98`, `"total":59.97`), events.KindInvalidEvent, "detail.total: is 59.97 but quantity × price of the items adds up to 59.98", false},
		{"timestamp not RFC 3339", "orders", orderEvent("r-ts", `"2024-01-15T10:00:00Z"`, `"Jan 15 2024"`), events.KindInvalidEvent, "detail.timestamp", false},
		{"item listed twice", "orders", orderEvent("r-dup", `[{"item_id":"ITEM-001","quantity":2,"price":29.99}]`, `[{"item_id":"ITEM-001","quantity":1,"price":29.99},{"item_id":"ITEM-001","quantity":1,"price":29.99}]`), events.KindInvalidEvent, "listed already", false},
		{"invalid UTF-8", "orders", orderEvent("r-utf8", `"CUST-001"`, "\"CUST-\xff\xfe\""), events.KindInvalidEvent, "not valid UTF-8", false},
		{"completing an unknown order", "orders", eventBridge("r-unknown", "orders", "Order Completed", `{"order_id":"ORD-NOPE","timestamp":"2024-01-15T10:00:00Z"}`), events.KindOrderNotFound, "ORD-NOPE is not in the orders table", false},
		{"another order under an existing id", "orders", orderEvent("r-conflict", `"ORD-BAD"`, `"ORD-EXISTS"`), events.KindOrderConflict, "ORD-EXISTS exists already with different content", false},
		{"unsupported inventory action", "inventory", eventBridge("r-sell", "inventory", "Inventory Updated", `{"item_id":"ITEM-001","quantity":1,"action":"sell","timestamp":"2024-01-15T10:00:00Z"}`), events.KindInvalidEvent, `detail.action: "sell" is not supported`, false},
		{"negative restock", "inventory", eventBridge("r-restock", "inventory", "Inventory Updated", `{"item_id":"ITEM-001","quantity":-5,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`), events.KindInvalidEvent, "detail.quantity: must be greater than 0", false},
		{"notification without a message", "notifications", eventBridge("r-note", "notifications", "Notification Sent", `{"notification_id":"NOTIF-BAD","subject":"Hi","timestamp":"2024-01-15T10:00:00Z"}`), events.KindInvalidEvent, "detail.message: is required", false},
		{"unknown workflow step", "inventory", stepPayload("ship", "WF-BAD", "ORD-BAD", nil, ""), events.KindInvalidOrder, `step: "ship" is not a step`, true},
		{"step for another order", "inventory", stepPayload("reserve", "WF-BAD", "ORD-OTHER", []byte(`{"order_id":{"S":"ORD-EXISTS"},"customer_id":{"S":"C"},"status":{"S":"created"},"created_at":{"S":"2024-01-15T10:00:00Z"},"total":{"N":"1"},"items":{"L":[{"M":{"item_id":{"S":"ITEM-001"},"quantity":{"N":"1"},"price":{"N":"1"}}}]}}`), ""), events.KindInvalidOrder, "but the step is for order", true},
		{"reserve sent to the order processor", "orders", stepPayload("reserve", "WF-BAD", "ORD-EXISTS", []byte(`{"order_id":{"S":"ORD-EXISTS"},"customer_id":{"S":"C"},"status":{"S":"created"},"created_at":{"S":"2024-01-15T10:00:00Z"},"total":{"N":"1"},"items":{"L":[{"M":{"item_id":{"S":"ITEM-001"},"quantity":{"N":"1"},"price":{"N":"1"}}}]}}`), ""), events.KindUnsupportedEvent, `step "reserve"`, true},
	}
}

// TestRefusedInputs sends each malformed or invalid input to its function:
// each is refused with its reason, sent to the function's dead-letter queue
// with that reason, and leaves the tables as they were and the topic silent.
func TestRefusedInputs(t *testing.T) {
	s := newStack(t)
	// The state some refusals need: an existing order, an item in stock.
	mustInvoke(t, s.orders, eventBridge("setup-order", "orders", "Order Created",
		`{"order_id":"ORD-EXISTS","customer_id":"C","items":[{"item_id":"ITEM-001","quantity":1,"price":1}],"total":1,"timestamp":"2024-01-15T10:00:00Z"}`))
	mustInvoke(t, s.inventory, eventBridge("setup-item", "inventory", "Inventory Updated",
		`{"item_id":"ITEM-001","quantity":10,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`))
	ordersBefore, inventoryBefore, idemBefore := s.scan(s.ordersTable), s.scan(s.inventoryTable), s.scan(s.idempotencyTable)
	notesBefore := len(s.sink.Matching(func(emulators.Notification) bool { return true }))

	routers := map[string]*delivery.Router{"orders": s.orders, "inventory": s.inventory, "notifications": s.notifier}
	queues := map[string]string{"orders": s.orderDLQ, "inventory": s.inventoryDLQ, "notifications": s.notDLQ}
	cases := refusedCases()
	if len(cases) < 15 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(s.dlq.Messages())
			_, err := invoke(t, routers[c.function], c.payload)
			if c.step {
				ie := stepError(t, err)
				if ie.Type != c.kind || !strings.Contains(ie.Message, c.reason) {
					t.Errorf("step error = %s: %s; want %s containing %q", ie.Type, ie.Message, c.kind, c.reason)
				}
			} else if err != nil {
				t.Fatalf("invocation returned %v; a refused event must not be retried", err)
			}
			msgs := s.dlq.Messages()[before:]
			if len(msgs) != 1 {
				t.Fatalf("%d dead-letter messages, want 1: %+v", len(msgs), msgs)
			}
			m := msgs[0]
			body := m.Body
			if m.Attributes[dlq.AttrBodyEncoding] == "base64" {
				raw, err := base64.StdEncoding.DecodeString(body)
				if err != nil {
					t.Fatalf("base64 body: %v", err)
				}
				body = string(raw)
			}
			if m.QueueURL != queues[c.function] || body != c.payload {
				t.Errorf("dead-letter message to %s with body %q; want %s with the input unchanged", m.QueueURL, body, queues[c.function])
			}
			if m.Attributes[dlq.AttrErrorCode] != c.kind || !strings.Contains(m.Attributes[dlq.AttrErrorMessage], c.reason) {
				t.Errorf("dead-letter attributes %v; want ErrorCode %s and a reason containing %q", m.Attributes, c.kind, c.reason)
			}
		})
	}

	if after := s.scan(s.ordersTable); !sameRows(ordersBefore, after) {
		t.Errorf("the orders table changed: %d rows before, %d after", len(ordersBefore), len(after))
	}
	if after := s.scan(s.inventoryTable); !sameRows(inventoryBefore, after) {
		t.Errorf("the inventory table changed: %d rows before, %d after", len(inventoryBefore), len(after))
	}
	if after := s.scan(s.idempotencyTable); !sameRows(idemBefore, after) {
		t.Errorf("the idempotency table changed: %d rows before, %d after", len(idemBefore), len(after))
	}
	if after := len(s.sink.Matching(func(emulators.Notification) bool { return true })); after != notesBefore {
		t.Errorf("%d notifications were published for refused inputs", after-notesBefore)
	}
}

// TestRefusedMessagesInABatch sends the refused events as SQS messages, in
// one batch with a valid one: only the bad messages fail (so the queue's
// redrive policy moves them to order-dlq after maxReceiveCount), the valid
// one is processed, and nothing is written for the others.
func TestRefusedMessagesInABatch(t *testing.T) {
	s := newStack(t)
	mustInvoke(t, s.orders, eventBridge("setup-order", "orders", "Order Created",
		`{"order_id":"ORD-EXISTS","customer_id":"C","items":[{"item_id":"ITEM-001","quantity":1,"price":1}],"total":1,"timestamp":"2024-01-15T10:00:00Z"}`))
	before := s.scan(s.ordersTable)
	var batch [][2]string
	var wantFailed []string
	for i, c := range refusedCases() {
		if c.function != "orders" || c.step || !utf8.ValidString(c.payload) {
			continue // SQS carries only valid Unicode text
		}
		id := fmt.Sprintf("msg-bad-%02d", i)
		batch = append(batch, [2]string{id, c.payload})
		wantFailed = append(wantFailed, id)
	}
	good := orderEvent("good-in-batch", `"ORD-BAD"`, `"ORD-BATCH"`)
	batch = append(batch[:3], append([][2]string{{"msg-good", good}}, batch[3:]...)...)
	if len(batch) > 20 {
		t.Logf("a batch of %d messages (the event source mapping sends up to 10; the handler has no limit)", len(batch))
	}
	out := mustInvoke(t, s.orders, sqsBatch(batch...))
	failed := failedIDs(t, out)
	slices.Sort(failed)
	if !slices.Equal(failed, wantFailed) {
		t.Errorf("failed messages %v, want %v", failed, wantFailed)
	}
	if s.order("ORD-BATCH") == nil || len(s.notificationsFor("ORD-BATCH", "Order Created")) != 1 {
		t.Error("the valid message of the batch was not processed")
	}
	after := s.scan(s.ordersTable)
	if len(after) != len(before)+2 { // the order and its idempotency record
		t.Errorf("%d rows after the batch, want %d", len(after), len(before)+2)
	}
	if msgs := s.dlq.Messages(); len(msgs) != 0 {
		t.Errorf("the handler sent %d batch messages to the DLQ itself; the redrive policy does that", len(msgs))
	}
}

// TestTransientErrorsAreRetried makes DynamoDB unreachable: the event is
// returned as an error (Lambda retries it), the message fails in its batch,
// the step fails with TransientError, and nothing goes to the dead-letter
// queue. A dead-letter queue that fails makes the invocation fail too, so the
// refused event is retried rather than lost.
func TestTransientErrorsAreRetried(t *testing.T) {
	s := newStack(t)
	down := dynamodb.NewFromConfig(emulators.AWSConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String("http://127.0.0.1:1") // nothing listens on port 1
		o.RetryMaxAttempts = 1
	})
	r := &delivery.Router{
		Function:    "event-order-processor",
		Processor:   &orders.Processor{DB: down, Table: s.ordersTable, SNS: s.sns, TopicARN: emulators.TopicARN},
		Idempotency: &idempotency.Store{DB: down, Table: s.ordersTable, KeyAttr: "order_id", Scope: "orders"},
		DeadLetters: s.orders.DeadLetters,
		Logger:      s.orders.Logger,
	}
	event := orderEvent("t-1", `"ORD-BAD"`, `"ORD-TRANSIENT"`)
	if _, err := invoke(t, r, event); err == nil {
		t.Error("an event whose table is unreachable succeeded; it must fail so Lambda retries it")
	}
	out, err := invoke(t, r, sqsBatch([2]string{"m-transient", event}))
	if err != nil || !slices.Equal(failedIDs(t, out), []string{"m-transient"}) {
		t.Errorf("batch = %v, %v; want m-transient failed", out, err)
	}
	row := `{"order_id":{"S":"ORD-T"},"customer_id":{"S":"C"},"status":{"S":"created"},"created_at":{"S":"2024-01-15T10:00:00Z"},"total":{"N":"1"},"items":{"L":[{"M":{"item_id":{"S":"I"},"quantity":{"N":"1"},"price":{"N":"1"}}}]}}`
	_, err = invoke(t, r, stepPayload("process", "WF-T", "ORD-T", []byte(row), ""))
	if ie := stepError(t, err); ie.Type != delivery.TransientErrorType {
		t.Errorf("step error type %q, want %s", ie.Type, delivery.TransientErrorType)
	}
	if msgs := s.dlq.Messages(); len(msgs) != 0 {
		t.Errorf("transient failures went to the DLQ: %+v", msgs)
	}

	// The DLQ fails once: the refused event is returned as an error, and the
	// retry puts it on the queue.
	s.dlq.FailNext(1)
	bad := orderEvent("t-bad", `"quantity":2`, `"quantity":0`)
	if _, err := invoke(t, s.orders, bad); err == nil {
		t.Error("a refused event whose DLQ send failed succeeded; it would be lost")
	}
	mustInvoke(t, s.orders, bad)
	if msgs := s.dlq.Messages(); len(msgs) != 1 || msgs[0].Body != bad {
		t.Errorf("dead-letter messages %+v, want the refused event once", msgs)
	}
}

// sameRows reports whether two scans hold the same rows.
func sameRows(a, b []map[string]types.AttributeValue) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(row map[string]types.AttributeValue) string { return asJSON(dynamoJSON(row)) }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return reflect.DeepEqual(ka, kb)
}
