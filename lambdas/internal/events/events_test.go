package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// The seed's example events (shared/seed/event-driven-stack.md, "Event Patterns").
const (
	seedOrderCreated = `{"source": "orders", "detail-type": "Order Created", "id": "evt-1", "detail": {
		"order_id": "ORD-001", "customer_id": "CUST-001",
		"items": [{"item_id": "ITEM-001", "quantity": 2, "price": 29.99}],
		"total": 59.98, "timestamp": "2024-01-15T10:00:00Z"}}`
	seedInventoryUpdated = `{"source": "inventory", "detail-type": "Inventory Updated", "id": "evt-2", "detail": {
		"item_id": "ITEM-001", "quantity": 100, "action": "restock", "timestamp": "2024-01-15T10:00:00Z"}}`
)

func TestShapeOf(t *testing.T) {
	cases := map[string]struct {
		raw  string
		want Shape
	}{
		"eventbridge":             {seedOrderCreated, ShapeEventBridge},
		"eventbridge detail only": {`{"detail": {}}`, ShapeEventBridge},
		"sqs":                     {`{"Records": [{"messageId": "m1", "eventSource": "aws:sqs", "body": "{}"}]}`, ShapeSQS},
		"records from sns":        {`{"Records": [{"EventSource": "aws:sns"}]}`, ShapeUnknown},
		"empty records":           {`{"Records": []}`, ShapeUnknown},
		"step":                    {`{"step": "reserve", "workflow_id": "WF-1"}`, ShapeStep},
		"array":                   {`[1, 2]`, ShapeUnknown},
		"null":                    {`null`, ShapeUnknown},
		"not json":                {`order`, ShapeUnknown},
		"other object":            {`{"order_id": "ORD-1"}`, ShapeUnknown},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := ShapeOf([]byte(c.raw)); got != c.want {
				t.Fatalf("ShapeOf = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSeedOrderCreated(t *testing.T) {
	ev, err := DecodeEventBridge([]byte(seedOrderCreated), true)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOrderCreated(ev.Detail)
	if err != nil {
		t.Fatal(err)
	}
	want := Order{OrderID: "ORD-001", CustomerID: "CUST-001", Items: []LineItem{{ItemID: "ITEM-001", Quantity: 2, Price: 2999}},
		Total: 5998, Timestamp: time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)}
	if o.OrderID != want.OrderID || o.CustomerID != want.CustomerID || o.Total != want.Total || !o.Timestamp.Equal(want.Timestamp) ||
		len(o.Items) != 1 || o.Items[0] != want.Items[0] {
		t.Fatalf("order = %+v, want %+v", o, want)
	}
}

func TestSeedInventoryUpdated(t *testing.T) {
	ev, err := DecodeEventBridge([]byte(seedInventoryUpdated), true)
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseInventoryUpdated(ev.Detail)
	if err != nil {
		t.Fatal(err)
	}
	if u.ItemID != "ITEM-001" || u.Quantity != 100 || u.Action != ActionRestock {
		t.Fatalf("update = %+v", u)
	}
}

// order builds an Order Created detail with one field replaced (or removed,
// with value nil).
func order(field string, value any) json.RawMessage {
	d := map[string]any{
		"order_id": "ORD-1", "customer_id": "C-1", "timestamp": "2024-01-15T10:00:00Z", "total": json.Number("59.98"),
		"items": []any{map[string]any{"item_id": "I-1", "quantity": json.Number("2"), "price": json.Number("29.99")}},
	}
	if field != "" {
		if value == nil {
			delete(d, field)
		} else {
			d[field] = value
		}
	}
	b, _ := json.Marshal(d)
	return b
}

func items(lines ...string) []any {
	var out []any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			panic(err)
		}
		out = append(out, m)
	}
	return out
}

func TestParseOrderCreatedRefuses(t *testing.T) {
	cases := map[string]struct {
		detail json.RawMessage
		field  string // the field the first problem names
		reason string // part of the reason
	}{
		"missing order_id":     {order("order_id", nil), "detail.order_id", "is required"},
		"order_id with #":      {order("order_id", "idempotency#x"), "detail.order_id", "is not an identifier"},
		"missing customer":     {order("customer_id", nil), "detail.customer_id", "is required"},
		"no items":             {order("items", []any{}), "detail.items", "at least one item"},
		"items missing":        {order("items", nil), "detail.items", "at least one item"},
		"zero quantity":        {order("items", items(`{"item_id":"I-1","quantity":0,"price":1}`)), "detail.items[0].quantity", "greater than 0"},
		"negative quantity":    {order("items", items(`{"item_id":"I-1","quantity":-1,"price":1}`)), "detail.items[0].quantity", "greater than 0"},
		"fractional quantity":  {order("items", items(`{"item_id":"I-1","quantity":1.5,"price":1}`)), "detail.items[0].quantity", "not a whole number"},
		"quantity as string":   {order("items", items(`{"item_id":"I-1","quantity":"2","price":1}`)), "detail.items[0].quantity", "must be a JSON number"},
		"negative price":       {order("items", items(`{"item_id":"I-1","quantity":1,"price":-0.01}`)), "detail.items[0].price", "must not be negative"},
		"sub-cent price":       {order("items", items(`{"item_id":"I-1","quantity":1,"price":0.001}`)), "detail.items[0].price", "more than 2 decimal places"},
		"missing price":        {order("items", items(`{"item_id":"I-1","quantity":1}`)), "detail.items[0].price", "is required"},
		"duplicate item":       {order("items", items(`{"item_id":"I-1","quantity":1,"price":1}`, `{"item_id":"I-1","quantity":1,"price":1}`)), "detail.items[1].item_id", "listed already"},
		"total off by a cent":  {order("total", json.Number("59.97")), "detail.total", "adds up to 59.98"},
		"total as string":      {order("total", "59.98"), "detail.total", "must be a JSON number"},
		"bad timestamp":        {order("timestamp", "15/01/2024"), "detail.timestamp", "RFC 3339"},
		"missing timestamp":    {order("timestamp", nil), "detail.timestamp", "is required"},
		"order_id as a number": {order("order_id", 7), "detail.order_id", "must not be a JSON number"},
		"detail is an array":   {json.RawMessage(`[1]`), "detail", "JSON object"},
		"huge exponent":        {order("total", json.Number("1e999999999")), "detail.total", "is more than"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseOrderCreated(c.detail)
			var v *ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if v.Problems[0].Field != c.field || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("err = %q (first field %q), want field %q and %q", err, v.Problems[0].Field, c.field, c.reason)
			}
			if r, ok := AsRefusal(err); !ok || r.Kind != KindInvalidEvent {
				t.Fatalf("AsRefusal = %v, %v; want an InvalidEvent refusal", r, ok)
			}
		})
	}
}

func TestTotalToTheCent(t *testing.T) {
	// 3 × 0.10 + 1 × 0.20 = 0.50 exactly, which float64 arithmetic misses.
	d := order("items", items(`{"item_id":"A","quantity":3,"price":0.1}`, `{"item_id":"B","quantity":1,"price":0.2}`))
	var m map[string]any
	_ = json.Unmarshal(d, &m)
	m["total"] = json.Number("0.5")
	b, _ := json.Marshal(m)
	o, err := ParseOrderCreated(b)
	if err != nil {
		t.Fatal(err)
	}
	if o.Total != 50 || o.Total.String() != "0.50" {
		t.Fatalf("total = %d (%s), want 50 cents", o.Total, o.Total)
	}
}

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		lit    string
		places int
		want   int64
		err    error
	}{
		{"29.99", 2, 2999, nil},
		{"59.98", 2, 5998, nil},
		{"0", 2, 0, nil},
		{"-0.0", 2, 0, nil},
		{"1e2", 0, 100, nil},
		{"2.50e1", 2, 2500, nil},
		{"1.230", 2, 123, nil},
		{"100e-2", 2, 100, nil},
		{"1.234", 2, 0, errTooPrecise},
		{"1e-3", 2, 0, errTooPrecise},
		{"1e18", 2, 0, errOutOfRange},
		{"1e9999999", 2, 0, errOutOfRange},
		{"01", 0, 0, errNotNumber},
		{"1.", 0, 0, errNotNumber},
		{".5", 2, 0, errNotNumber},
		{"+1", 0, 0, errNotNumber},
		{"1e", 0, 0, errNotNumber},
		{"1e+-2", 0, 0, errNotNumber},
		{"NaN", 0, 0, errNotNumber},
		{"", 0, 0, errNumberEmpty},
	}
	for _, c := range cases {
		got, err := parseDecimal(c.lit, c.places)
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("parseDecimal(%q, %d) = %d, %v; want %d, %v", c.lit, c.places, got, err, c.want, c.err)
		}
	}
}

func TestCentsString(t *testing.T) {
	for c, want := range map[Cents]string{0: "0.00", 5: "0.05", 50: "0.50", 2999: "29.99", 100000: "1000.00", -5: "-0.05"} {
		if got := c.String(); got != want {
			t.Errorf("Cents(%d) = %q, want %q", int64(c), got, want)
		}
	}
}

func TestParseOtherDetails(t *testing.T) {
	cases := map[string]struct {
		parse  func(json.RawMessage) error
		detail string
		want   string // "" for valid
	}{
		"completed":             {parseCompleted, `{"order_id":"ORD-1","timestamp":"2024-01-15T11:00:00Z"}`, ""},
		"completed without id":  {parseCompleted, `{"timestamp":"2024-01-15T11:00:00Z"}`, "detail.order_id: is required"},
		"restock":               {parseInventory, `{"item_id":"I-1","quantity":5,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`, ""},
		"unknown action":        {parseInventory, `{"item_id":"I-1","quantity":5,"action":"steal","timestamp":"2024-01-15T10:00:00Z"}`, `detail.action: "steal" is not supported`},
		"restock of 0":          {parseInventory, `{"item_id":"I-1","quantity":0,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`, "greater than 0"},
		"notification":          {parseNotification, `{"notification_id":"N-1","message":"Your order shipped","subject":"Shipped","channel":"email","timestamp":"2024-01-15T10:00:00Z"}`, ""},
		"notification, no text": {parseNotification, `{"notification_id":"N-1","timestamp":"2024-01-15T10:00:00Z"}`, "detail.message: is required"},
		"subject with newline":  {parseNotification, `{"notification_id":"N-1","message":"m","subject":"a\nb","timestamp":"2024-01-15T10:00:00Z"}`, "detail.subject"},
		"message with NUL":      {parseNotification, `{"notification_id":"N-1","message":"a\u0000b","timestamp":"2024-01-15T10:00:00Z"}`, "control characters"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := c.parse(json.RawMessage(c.detail))
			if c.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func parseCompleted(d json.RawMessage) error    { _, err := ParseOrderCompleted(d); return err }
func parseInventory(d json.RawMessage) error    { _, err := ParseInventoryUpdated(d); return err }
func parseNotification(d json.RawMessage) error { _, err := ParseNotificationSent(d); return err }

// orderItem is the seed order as the workflow's GetItem returns it.
const orderItem = `{"order_id":{"S":"ORD-001"},"customer_id":{"S":"CUST-001"},"status":{"S":"created"},
	"items":{"L":[{"M":{"item_id":{"S":"ITEM-001"},"quantity":{"N":"2"},"price":{"N":"29.99"}}}]},
	"total":{"N":"59.98"},"created_at":{"S":"2024-01-15T10:00:00Z"},"record_type":{"S":"order"}}`

func TestDecodeStep(t *testing.T) {
	s, err := DecodeStep([]byte(`{"step":"reserve","workflow_id":"WF-001","order_id":"ORD-001","order":` + orderItem + `}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Order == nil || s.Order.Status != StatusCreated || s.Order.Total != 5998 || s.Order.Items[0].Quantity != 2 {
		t.Fatalf("step = %+v, order %+v", s, s.Order)
	}
	f, err := DecodeStep([]byte(`{"step":"fail","workflow_id":"WF-001","order_id":"ORD-001","error":{"Error":"InsufficientStock","Cause":"short"}}`))
	if err != nil || f.Error == nil || f.Error.Error != "InsufficientStock" {
		t.Fatalf("fail step = %+v, %v", f, err)
	}
}

func TestDecodeStepRefuses(t *testing.T) {
	cases := map[string]struct{ raw, want string }{
		"unknown step":      {`{"step":"ship","workflow_id":"W","order_id":"O"}`, `step: "ship" is not a step`},
		"no order":          {`{"step":"process","workflow_id":"W","order_id":"O"}`, "order: is required"},
		"null order":        {`{"step":"reserve","workflow_id":"W","order_id":"O","order":null}`, "order: is required"},
		"plain JSON order":  {`{"step":"reserve","workflow_id":"W","order_id":"ORD-001","order":{"order_id":"ORD-001"}}`, "order.order_id: must be a DynamoDB attribute value"},
		"other order":       {`{"step":"reserve","workflow_id":"W","order_id":"ORD-002","order":` + orderItem + `}`, `order.order_id: is "ORD-001" but the step is for order "ORD-002"`},
		"no workflow":       {`{"step":"reserve","order_id":"ORD-001","order":` + orderItem + `}`, "workflow_id: is required"},
		"number as S":       {`{"step":"reserve","workflow_id":"W","order_id":"ORD-001","order":` + strings.Replace(orderItem, `"total":{"N":"59.98"}`, `"total":{"S":"59.98"}`, 1) + `}`, "order.total: must be of DynamoDB type N"},
		"error not object":  {`{"step":"fail","workflow_id":"W","order_id":"O","error":"boom"}`, "error: must be the caught error"},
		"unknown status":    {`{"step":"reserve","workflow_id":"W","order_id":"ORD-001","order":` + strings.Replace(orderItem, `"created"`, `"shipped"`, 1) + `}`, `order.status: "shipped"`},
		"step not a string": {`{"step":1}`, "step must not be a JSON number"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeStep([]byte(c.raw))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestDecodeEventBridgeEnvelope(t *testing.T) {
	cases := map[string]struct {
		raw       string
		requireID bool
		want      string
	}{
		"no id, direct":     {`{"source":"orders","detail-type":"Order Created","detail":{}}`, true, "id: is required"},
		"no id, in message": {`{"source":"orders","detail-type":"Order Created","detail":{}}`, false, ""},
		"no source":         {`{"id":"e","detail-type":"Order Created","detail":{}}`, true, "source: is required"},
		"detail string":     {`{"id":"e","source":"orders","detail-type":"Order Created","detail":"{}"}`, true, "detail: must be a JSON object"},
		"not an object":     {`"hello"`, true, "not a JSON object"},
		"truncated":         {`{"id":"e","source":"orders"`, true, "invalid JSON"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeEventBridge([]byte(c.raw), c.requireID)
			if c.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestDecodeSQS(t *testing.T) {
	if _, err := DecodeSQS([]byte(`{"Records":[{"messageId":"m1","eventSource":"aws:sqs","body":"{}"}]}`)); err != nil {
		t.Fatal(err)
	}
	_, err := DecodeSQS([]byte(`{"Records":[{"eventSource":"aws:sqs"},{"messageId":"m2","eventSource":"aws:kinesis"}]}`))
	if err == nil || !strings.Contains(err.Error(), "Records[0].messageId: is required") || !strings.Contains(err.Error(), `Records[1].eventSource: is "aws:kinesis"`) {
		t.Fatalf("err = %v", err)
	}
}
