package e2e

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/inventory"
	"github.com/eventstack-io/eventstack-operator/lambdas/orders"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// The seed's example events (shared/seed/event-driven-stack.md, "Event
// Patterns"), as EventBridge delivers them.
var (
	seedOrderCreated = eventBridge("6a7e8feb-b491-4cf7-a9f1-bf3703467718", "orders", "Order Created",
		`{"order_id":"ORD-001","customer_id":"CUST-001","items":[{"item_id":"ITEM-001","quantity":2,"price":29.99}],"total":59.98,"timestamp":"2024-01-15T10:00:00Z"}`)
	seedInventoryUpdated = eventBridge("3e2c1d9f-0e0c-4a55-9d2b-9f7d5b3e6a11", "inventory", "Inventory Updated",
		`{"item_id":"ITEM-001","quantity":100,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`)
	// Workflow Triggered goes to the state machine, not to a function; the
	// test runs the ASL's states itself (runWorkflow).
	seedWorkflowDetail = `{"workflow_id":"WF-001","order_id":"ORD-001","timestamp":"2024-01-15T10:00:00Z"}`
)

// TestSeedEventsEndToEnd processes each of the seed's example events: the
// order row, the inventory row, the workflow's reservation, and the
// notifications goaws delivered to the subscribed endpoint.
func TestSeedEventsEndToEnd(t *testing.T) {
	s := newStack(t)

	// Order Created → the order row and an "Order Created" notification.
	mustInvoke(t, s.orders, seedOrderCreated)
	row := s.order("ORD-001")
	if row == nil {
		t.Fatal("no row for ORD-001 in the orders table")
	}
	for attr, want := range map[string]string{"customer_id": "CUST-001", "status": "created", "created_at": "2024-01-15T10:00:00Z", "record_type": "order"} {
		if got := strAttr(row, attr); got != want {
			t.Errorf("order %s = %q, want %q", attr, got, want)
		}
	}
	if got := dynamoJSON(map[string]types.AttributeValue{"total": row["total"], "items": row["items"]}); string(got) !=
		`{"items":{"L":[{"M":{"item_id":{"S":"ITEM-001"},"price":{"N":"29.99"},"quantity":{"N":"2"}}}]},"total":{"N":"59.98"}}` {
		t.Errorf("order items and total = %s", got)
	}
	created := s.notificationsFor("ORD-001", "Order Created")
	if len(created) != 1 {
		t.Fatalf("%d Order Created notifications delivered for ORD-001, want 1", len(created))
	}
	var msg map[string]any
	if err := json.Unmarshal([]byte(created[0].Message), &msg); err != nil {
		t.Fatalf("notification message is not JSON: %v: %s", err, created[0].Message)
	}
	if msg["order_id"] != "ORD-001" || msg["total"] != 59.98 || msg["status"] != "created" || created[0].TopicArn != emulators.TopicARN {
		t.Errorf("notification = %+v, message %v", created[0], msg)
	}

	// Inventory Updated → the item is created with the restocked stock.
	mustInvoke(t, s.inventory, seedInventoryUpdated)
	if got := s.stock("ITEM-001"); got != 100 {
		t.Fatalf("ITEM-001 stock = %d, want 100", got)
	}

	// Workflow Triggered → the workflow reserves the stock and records itself
	// on the order, then publishes "Workflow Completed".
	results, err := runWorkflow(t, s, seedWorkflowDetail)
	if err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if got := s.stock("ITEM-001"); got != 98 {
		t.Errorf("ITEM-001 stock after the workflow = %d, want 98", got)
	}
	if got := strAttr(s.order("ORD-001"), "workflow_id"); got != "WF-001" {
		t.Errorf("order workflow_id = %q, want WF-001", got)
	}
	var processed orders.StepResult
	var reserved inventory.StepResult
	if err := json.Unmarshal(results[0], &processed); err != nil || processed.Status != "created" || processed.Total != "59.98" {
		t.Errorf("ProcessOrder output = %s (%v)", results[0], err)
	}
	if err := json.Unmarshal(results[1], &reserved); err != nil || len(reserved.Items) != 1 || reserved.Items[0] != (inventory.Line{ItemID: "ITEM-001", Quantity: 2}) {
		t.Errorf("ReserveStock output = %s (%v)", results[1], err)
	}
	if n := s.sink.Matching(emulators.WithAttribute("event_type", "Workflow Completed")); !containsMessage(n, `"workflow_id":"WF-001"`) {
		t.Errorf("no Workflow Completed notification for WF-001 among %+v", n)
	}

	// Order Completed → the status moves and a notification goes out.
	mustInvoke(t, s.orders, eventBridge("c0a8e3c2-1", "orders", "Order Completed", `{"order_id":"ORD-001","timestamp":"2024-01-15T10:05:00Z"}`))
	if got := strAttr(s.order("ORD-001"), "status"); got != "completed" {
		t.Errorf("order status = %q, want completed", got)
	}
	if n := s.notificationsFor("ORD-001", "Order Completed"); len(n) != 1 {
		t.Errorf("%d Order Completed notifications, want 1", len(n))
	}

	// Notification Sent → published to the topic as it is.
	mustInvoke(t, s.notifier, eventBridge("n-1", "notifications", "Notification Sent",
		`{"notification_id":"NOTIF-001","order_id":"ORD-001","channel":"email","subject":"Order shipped","message":"Your order ORD-001 has shipped.","timestamp":"2024-01-15T10:06:00Z"}`))
	sent := s.sink.Matching(emulators.WithAttribute("notification_id", "NOTIF-001"))
	if len(sent) != 1 || sent[0].Message != "Your order ORD-001 has shipped." || sent[0].Subject != "Order shipped" ||
		sent[0].MessageAttributes["channel"].Value != "email" || sent[0].MessageAttributes["event_type"].Value != "Notification Sent" {
		t.Errorf("Notification Sent deliveries = %+v", sent)
	}
	if msgs := s.dlq.Messages(); len(msgs) != 0 {
		t.Errorf("dead-letter messages for valid events: %+v", msgs)
	}
}

// runWorkflow runs the seed workflow's states for a Workflow Triggered detail
// the way Step Functions does: LoadOrder (GetItem, the item in DynamoDB JSON),
// ProcessOrder and ReserveStock in parallel, then NotifyCompleted, or on any
// error Compensate (ReleaseStock and MarkOrderFailed in parallel). It returns
// the parallel branches' outputs, or the error that sent it to compensation.
func runWorkflow(t *testing.T, s *stack, detail string) ([]json.RawMessage, error) {
	t.Helper()
	var d struct {
		WorkflowID string `json:"workflow_id"`
		OrderID    string `json:"order_id"`
	}
	if err := json.Unmarshal([]byte(detail), &d); err != nil {
		t.Fatal(err)
	}
	row := s.order(d.OrderID)
	if row == nil {
		t.Fatalf("LoadOrder: no order %s", d.OrderID)
	}
	item := dynamoJSON(row)
	payloads := []struct {
		r       *delivery.Router
		payload string
	}{
		{s.orders, stepPayload("process", d.WorkflowID, d.OrderID, item, "")},
		{s.inventory, stepPayload("reserve", d.WorkflowID, d.OrderID, item, "")},
	}
	results := make([]json.RawMessage, len(payloads))
	errs := make([]error, len(payloads))
	var wg sync.WaitGroup
	for i, p := range payloads {
		wg.Go(func() {
			out, err := invoke(t, p.r, p.payload)
			errs[i] = err
			if err == nil {
				results[i], _ = json.Marshal(out)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil {
			continue
		}
		ie := stepError(t, err)
		caught, _ := json.Marshal(map[string]string{"Error": ie.Type, "Cause": ie.Message})
		var cwg sync.WaitGroup
		cerrs := make([]error, 2)
		cwg.Go(func() {
			_, cerrs[0] = invoke(t, s.inventory, stepPayload("release", d.WorkflowID, d.OrderID, item, ""))
		})
		cwg.Go(func() {
			_, cerrs[1] = invoke(t, s.orders, stepPayload("fail", d.WorkflowID, d.OrderID, nil, string(caught)))
		})
		cwg.Wait()
		for _, cerr := range cerrs {
			if cerr != nil {
				t.Fatalf("compensation failed: %v", cerr)
			}
		}
		return nil, err
	}
	_, err := s.sns.Publish(t.Context(), &sns.PublishInput{
		TopicArn: aws.String(emulators.TopicARN),
		Message:  aws.String(detail),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"event_type": {DataType: aws.String("String"), StringValue: aws.String("Workflow Completed")},
		},
	})
	if err != nil {
		t.Fatalf("NotifyCompleted: %v", err)
	}
	return results, nil
}

func containsMessage(ns []emulators.Notification, part string) bool {
	for _, n := range ns {
		if strings.Contains(strings.ReplaceAll(n.Message, " ", ""), part) {
			return true
		}
	}
	return false
}
