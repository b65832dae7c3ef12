package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/awsclients"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/dlq"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
	"github.com/eventstack-io/eventstack-operator/lambdas/inventory"
	"github.com/eventstack-io/eventstack-operator/lambdas/notifications"
	"github.com/eventstack-io/eventstack-operator/lambdas/orders"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

func TestMain(m *testing.M) { os.Exit(emulators.Main(m)) }

// stack is the seed's three functions wired as their main.go wires them, to
// the test servers. Each test gets its own tables; the topic and its sink are
// shared, so tests use order and item ids of their own.
type stack struct {
	t                              *testing.T
	db                             *dynamodb.Client
	sns                            *sns.Client
	sink                           *emulators.NotificationSink
	dlq                            *emulators.SQSRecorder
	ordersTable, inventoryTable    string
	idempotencyTable               string
	orders, inventory, notifier    *delivery.Router
	orderDLQ, inventoryDLQ, notDLQ string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	s := &stack{t: t, db: emulators.DynamoDB(t)}
	s.sns, s.sink = emulators.SNSClient(t)
	s.dlq = emulators.NewSQSRecorder(t)
	s.ordersTable = emulators.CreateTable(t, s.db, "event-driven-orders", "order_id")
	s.inventoryTable = emulators.CreateTable(t, s.db, "event-driven-inventory", "item_id")
	s.idempotencyTable = emulators.CreateTable(t, s.db, "notification-idempotency", "pk")
	s.orderDLQ, s.inventoryDLQ, s.notDLQ = s.dlq.QueueURL("order-dlq"), s.dlq.QueueURL("inventory-dlq"), s.dlq.QueueURL("notification-dlq")
	sqsClient := s.dlq.Client()
	logger := func(fn string) *slog.Logger { return logging.New(testWriter{t}, fn, slog.LevelDebug) }

	s.orders = &delivery.Router{
		Function:    "event-order-processor",
		Processor:   &orders.Processor{DB: s.db, Table: s.ordersTable, SNS: s.sns, TopicARN: emulators.TopicARN},
		Idempotency: &idempotency.Store{DB: s.db, Table: s.ordersTable, KeyAttr: events.AttrOrderID, Scope: "orders"},
		DeadLetters: &dlq.Sender{Client: sqsClient, QueueURL: s.orderDLQ, Function: "event-order-processor"},
		Logger:      logger("event-order-processor"),
	}
	s.inventory = &delivery.Router{
		Function:    "event-inventory-processor",
		Processor:   &inventory.Processor{DB: s.db, Table: s.inventoryTable},
		Idempotency: &idempotency.Store{DB: s.db, Table: s.inventoryTable, KeyAttr: "item_id", Scope: "inventory"},
		DeadLetters: &dlq.Sender{Client: sqsClient, QueueURL: s.inventoryDLQ, Function: "event-inventory-processor"},
		Logger:      logger("event-inventory-processor"),
	}
	key, err := awsclients.PartitionKey(context.Background(), s.db, s.idempotencyTable)
	if err != nil || key != "pk" {
		t.Fatalf("PartitionKey = %q, %v; want pk", key, err)
	}
	s.notifier = &delivery.Router{
		Function:    "event-notification-processor",
		Processor:   &notifications.Processor{SNS: s.sns, TopicARN: emulators.TopicARN},
		Idempotency: &idempotency.Store{DB: s.db, Table: s.idempotencyTable, KeyAttr: key, Scope: "notifications"},
		DeadLetters: &dlq.Sender{Client: sqsClient, QueueURL: s.notDLQ, Function: "event-notification-processor"},
		Logger:      logger("event-notification-processor"),
	}
	return s
}

// testWriter sends the functions' JSON log lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// invoke calls a function as Lambda does, with a deadline like the seed's
// 30-second timeout.
func invoke(t *testing.T, r *delivery.Router, payload string) (any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.Invoke(ctx, json.RawMessage(payload))
}

// mustInvoke invokes and fails the test on an error.
func mustInvoke(t *testing.T, r *delivery.Router, payload string) any {
	t.Helper()
	out, err := invoke(t, r, payload)
	if err != nil {
		t.Fatalf("%s: %v", r.Function, err)
	}
	return out
}

// eventBridge is an event as EventBridge delivers it to a rule's target.
func eventBridge(id, source, detailType, detail string) string {
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":%q,"source":%q,"account":"123456789012",`+
		`"time":"2024-01-15T10:00:01Z","region":"us-east-1","resources":[],"detail":%s}`, id, detailType, source, detail)
}

// sqsBatch is a batch from an event source mapping; bodies by message id.
func sqsBatch(bodies ...[2]string) string {
	var ev awsevents.SQSEvent
	for _, m := range bodies {
		ev.Records = append(ev.Records, awsevents.SQSMessage{
			MessageId: m[0], ReceiptHandle: "rh-" + m[0], Body: m[1], EventSource: "aws:sqs",
			EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:order-queue", AWSRegion: "us-east-1",
			Attributes: map[string]string{"ApproximateReceiveCount": "1"},
		})
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

// failedIDs are the message ids a batch response reports failed.
func failedIDs(t *testing.T, out any) []string {
	t.Helper()
	resp, ok := out.(awsevents.SQSEventResponse)
	if !ok {
		t.Fatalf("batch result is %T, want events.SQSEventResponse", out)
	}
	ids := []string{}
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// stepError is the error type a workflow step sees.
func stepError(t *testing.T, err error) messages.InvokeResponse_Error {
	t.Helper()
	ie, ok := err.(messages.InvokeResponse_Error)
	if !ok {
		t.Fatalf("step error is %T (%v), want messages.InvokeResponse_Error", err, err)
	}
	return ie
}

// getItem reads a row (nil when there is none).
func (s *stack) getItem(table, keyAttr, key string) map[string]types.AttributeValue {
	s.t.Helper()
	out, err := s.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: key}},
	})
	if err != nil {
		s.t.Fatalf("GetItem %s %s: %v", table, key, err)
	}
	return out.Item
}

func (s *stack) order(id string) map[string]types.AttributeValue {
	return s.getItem(s.ordersTable, "order_id", id)
}

func (s *stack) item(id string) map[string]types.AttributeValue {
	return s.getItem(s.inventoryTable, "item_id", id)
}

// stock is an item's stock; -1 when the item is not in the table.
func (s *stack) stock(id string) int64 {
	s.t.Helper()
	it := s.item(id)
	if it == nil {
		return -1
	}
	return numAttr(s.t, it, "stock")
}

// scan returns every row of a table.
func (s *stack) scan(table string) []map[string]types.AttributeValue {
	s.t.Helper()
	out, err := s.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		s.t.Fatalf("Scan %s: %v", table, err)
	}
	return out.Items
}

func strAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func numAttr(t *testing.T, item map[string]types.AttributeValue, name string) int64 {
	t.Helper()
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("attribute %s is %T, want a number", name, item[name])
	}
	var n int64
	if _, err := fmt.Sscan(v.Value, &n); err != nil {
		t.Fatalf("attribute %s = %q: %v", name, v.Value, err)
	}
	return n
}

// dynamoJSON writes an item in DynamoDB JSON, as Step Functions' GetItem
// integration hands it to the next state.
func dynamoJSON(item map[string]types.AttributeValue) json.RawMessage {
	var enc func(types.AttributeValue) any
	enc = func(v types.AttributeValue) any {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			return map[string]any{"S": v.Value}
		case *types.AttributeValueMemberN:
			return map[string]any{"N": v.Value}
		case *types.AttributeValueMemberBOOL:
			return map[string]any{"BOOL": v.Value}
		case *types.AttributeValueMemberNULL:
			return map[string]any{"NULL": true}
		case *types.AttributeValueMemberB:
			return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
		case *types.AttributeValueMemberL:
			l := make([]any, len(v.Value))
			for i, e := range v.Value {
				l[i] = enc(e)
			}
			return map[string]any{"L": l}
		case *types.AttributeValueMemberM:
			m := map[string]any{}
			for k, e := range v.Value {
				m[k] = enc(e)
			}
			return map[string]any{"M": m}
		default:
			panic(fmt.Sprintf("unexpected attribute value %T", v))
		}
	}
	out := map[string]any{}
	for k, v := range item {
		out[k] = enc(v)
	}
	b, _ := json.Marshal(out)
	return b
}

// stepPayload is a workflow task's payload as the ASL builds it.
func stepPayload(step, workflowID, orderID string, order json.RawMessage, stepErr string) string {
	p := map[string]any{"step": step, "workflow_id": workflowID, "order_id": orderID}
	if order != nil {
		p["order"] = order
	}
	if stepErr != "" {
		p["error"] = json.RawMessage(stepErr)
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// notificationsFor are the notifications delivered for an order, by type.
func (s *stack) notificationsFor(orderID, eventType string) []emulators.Notification {
	return s.sink.Matching(func(n emulators.Notification) bool {
		return n.MessageAttributes["order_id"].Value == orderID && n.MessageAttributes["event_type"].Value == eventType
	})
}
