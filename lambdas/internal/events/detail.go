package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Detail types and sources of the seed's events.
const (
	SourceOrders        = "orders"
	SourceInventory     = "inventory"
	SourceNotifications = "notifications"

	TypeOrderCreated     = "Order Created"
	TypeOrderCompleted   = "Order Completed"
	TypeInventoryUpdated = "Inventory Updated"
	TypeNotificationSent = "Notification Sent"

	// ActionRestock is the one inventory action of the seed: it adds stock.
	ActionRestock = "restock"
)

// Order is a valid order: the detail of "Order Created", or the order a
// workflow step carries. Its total is the sum of quantity × price, exactly.
type Order struct {
	OrderID    string
	CustomerID string
	Items      []LineItem
	Total      Cents
	Timestamp  time.Time
}

// LineItem is one line of an order.
type LineItem struct {
	ItemID   string
	Quantity int64
	Price    Cents
}

// OrderCompleted is the detail of "Order Completed": the order moves from
// created to completed.
type OrderCompleted struct {
	OrderID   string
	Timestamp time.Time
}

// InventoryUpdate is the detail of "Inventory Updated". The seed has one
// action, restock, which adds Quantity to the item's stock (creating the item
// on its first restock).
type InventoryUpdate struct {
	ItemID    string
	Quantity  int64
	Action    string
	Timestamp time.Time
}

// Notification is the detail of "Notification Sent", published to the topic.
// The seed gives no schema for it; this one carries what an SNS message needs
// (a message and an optional subject) and what routes or correlates it.
type Notification struct {
	NotificationID string
	Message        string
	Subject        string // optional; SNS limits it to 100 printable ASCII characters
	Channel        string // optional, e.g. email or sms: a message attribute for filter policies
	Recipient      string // optional
	OrderID        string // optional
	Timestamp      time.Time
}

// Size limits of free-form fields.
const (
	maxCustomerIDBytes = 256
	maxMessageBytes    = 200 << 10 // SNS takes 256 KiB with its attributes
	maxSubjectChars    = 100
	maxRecipientBytes  = 256
)

// orderWire is an order as JSON carries it. Numbers stay literals until
// parseDecimal reads them.
type orderWire struct {
	OrderID    string          `json:"order_id"`
	CustomerID string          `json:"customer_id"`
	Items      []itemWire      `json:"items"`
	Total      json.RawMessage `json:"total"`
	Timestamp  string          `json:"timestamp"`
}

type itemWire struct {
	ItemID   string          `json:"item_id"`
	Quantity json.RawMessage `json:"quantity"`
	Price    json.RawMessage `json:"price"`
}

// decodeDetail decodes detail into v, reporting a type mismatch with its
// field. It returns false when decoding failed (and a problem was added).
func decodeDetail(p *problems, detail json.RawMessage, v any) bool {
	if !isJSONObject(detail) {
		p.add("detail", "must be a JSON object")
		return false
	}
	if err := json.Unmarshal(detail, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			p.add("detail."+te.Field, "must not be a JSON %s", te.Value)
		} else {
			p.add("detail", "%s", jsonProblem(err))
		}
		return false
	}
	return true
}

// numberLiteral returns a JSON number's literal; strings, null and other
// values are refused.
func numberLiteral(p *problems, field string, raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		p.add(field, "is required")
		return "", false
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		p.add(field, "must be a JSON number")
		return "", false
	}
	return string(raw), true
}

// ParseOrderCreated validates the detail of an "Order Created" event.
func ParseOrderCreated(detail json.RawMessage) (Order, error) {
	var p problems
	var w orderWire
	if !decodeDetail(&p, detail, &w) {
		return Order{}, p.err()
	}
	items := make([]rawItem, len(w.Items))
	for i, it := range w.Items {
		f := fmt.Sprintf("detail.items[%d]", i)
		items[i] = rawItem{ItemID: it.ItemID}
		items[i].Quantity, items[i].hasQuantity = numberLiteral(&p, f+".quantity", it.Quantity)
		items[i].Price, items[i].hasPrice = numberLiteral(&p, f+".price", it.Price)
	}
	r := rawOrder{OrderID: w.OrderID, CustomerID: w.CustomerID, Items: items, hasItems: w.Items != nil, Timestamp: w.Timestamp}
	r.Total, r.hasTotal = numberLiteral(&p, "detail.total", w.Total)
	return validateOrder(&p, "detail.", r)
}

// rawOrder is an order from either JSON or DynamoDB, with numbers as literals.
type rawOrder struct {
	OrderID, CustomerID string
	Items               []rawItem
	hasItems            bool
	itemCount           int // the items the input lists, when more than Items holds
	Total               string
	hasTotal            bool
	Timestamp           string
}

type rawItem struct {
	ItemID                string
	Quantity, Price       string
	hasQuantity, hasPrice bool
}

// validateOrder checks an order: ids present, at least one item, each with a
// quantity above 0 and a price of at least 0 in whole cents, no item twice,
// the total equal to the sum of quantity × price to the cent, an RFC 3339
// timestamp. prefix names the order's place in the input ("detail." or
// "order.").
func validateOrder(p *problems, prefix string, r rawOrder) (Order, error) {
	o := Order{OrderID: r.OrderID, CustomerID: r.CustomerID}
	p.id(prefix+"order_id", r.OrderID)
	p.text(prefix+"customer_id", r.CustomerID, maxCustomerIDBytes, true)
	count := max(len(r.Items), r.itemCount)
	switch {
	case !r.hasItems || count == 0:
		p.add(prefix+"items", "must list at least one item")
	case count > maxItems:
		p.add(prefix+"items", "lists %d items, more than %d", count, maxItems)
	}
	var sum int64
	sumKnown := count > 0 && count <= maxItems
	seen := map[string]int{}
	for i, it := range r.Items {
		if i >= maxItems {
			break
		}
		f := fmt.Sprintf("%sitems[%d]", prefix, i)
		p.id(f+".item_id", it.ItemID)
		if j, dup := seen[it.ItemID]; dup && it.ItemID != "" {
			p.add(f+".item_id", "%q is listed already at items[%d]; list each item once with its whole quantity", clip(it.ItemID), j)
		}
		seen[it.ItemID] = i
		q, okQ := quantity(p, f+".quantity", it.Quantity, it.hasQuantity)
		price, okP := money(p, f+".price", it.Price, it.hasPrice, maxPriceCents)
		if okQ && okP {
			sum += q * int64(price)
			o.Items = append(o.Items, LineItem{ItemID: it.ItemID, Quantity: q, Price: price})
		} else {
			sumKnown = false
		}
	}
	total, okT := money(p, prefix+"total", r.Total, r.hasTotal, maxTotalCents)
	if okT && sumKnown && int64(total) != sum {
		p.add(prefix+"total", "is %s but quantity × price of the items adds up to %s", total, Cents(sum))
	}
	o.Total = total
	o.Timestamp = p.timestamp(prefix+"timestamp", r.Timestamp)
	if err := p.err(); err != nil {
		return Order{}, err
	}
	return o, nil
}

// quantity parses a whole number of units, 1 to maxQuantity.
func quantity(p *problems, field, lit string, present bool) (int64, bool) {
	if !present {
		return 0, false
	}
	v, err := parseDecimal(lit, 0)
	switch {
	case errors.Is(err, errTooPrecise):
		p.add(field, "%s is not a whole number", clip(lit))
	case errors.Is(err, errOutOfRange) || (err == nil && v > maxQuantity):
		p.add(field, "%s is more than %d", clip(lit), maxQuantity)
	case err != nil:
		p.add(field, "%s %v", clip(lit), err)
	case v <= 0:
		p.add(field, "must be greater than 0, not %s", clip(lit))
	default:
		return v, true
	}
	return 0, false
}

// money parses an amount of at least 0 in whole cents, at most limit cents.
func money(p *problems, field, lit string, present bool, limit int64) (Cents, bool) {
	if !present {
		return 0, false
	}
	v, err := parseDecimal(lit, 2)
	switch {
	case errors.Is(err, errTooPrecise):
		p.add(field, "%s has more than 2 decimal places", clip(lit))
	case errors.Is(err, errOutOfRange) || (err == nil && v > limit):
		p.add(field, "%s is more than %s", clip(lit), Cents(limit))
	case err != nil:
		p.add(field, "%s %v", clip(lit), err)
	case v < 0:
		p.add(field, "must not be negative, not %s", clip(lit))
	default:
		return Cents(v), true
	}
	return 0, false
}

// ParseOrderCompleted validates the detail of an "Order Completed" event.
func ParseOrderCompleted(detail json.RawMessage) (OrderCompleted, error) {
	var p problems
	var w struct {
		OrderID   string `json:"order_id"`
		Timestamp string `json:"timestamp"`
	}
	if !decodeDetail(&p, detail, &w) {
		return OrderCompleted{}, p.err()
	}
	p.id("detail.order_id", w.OrderID)
	ts := p.timestamp("detail.timestamp", w.Timestamp)
	if err := p.err(); err != nil {
		return OrderCompleted{}, err
	}
	return OrderCompleted{OrderID: w.OrderID, Timestamp: ts}, nil
}

// ParseInventoryUpdated validates the detail of an "Inventory Updated" event.
func ParseInventoryUpdated(detail json.RawMessage) (InventoryUpdate, error) {
	var p problems
	var w struct {
		ItemID    string          `json:"item_id"`
		Quantity  json.RawMessage `json:"quantity"`
		Action    string          `json:"action"`
		Timestamp string          `json:"timestamp"`
	}
	if !decodeDetail(&p, detail, &w) {
		return InventoryUpdate{}, p.err()
	}
	u := InventoryUpdate{ItemID: w.ItemID, Action: w.Action}
	p.id("detail.item_id", w.ItemID)
	lit, ok := numberLiteral(&p, "detail.quantity", w.Quantity)
	u.Quantity, _ = quantity(&p, "detail.quantity", lit, ok)
	switch w.Action {
	case ActionRestock:
	case "":
		p.add("detail.action", "is required")
	default:
		p.add("detail.action", "%q is not supported (the one action is %q)", clip(w.Action), ActionRestock)
	}
	u.Timestamp = p.timestamp("detail.timestamp", w.Timestamp)
	if err := p.err(); err != nil {
		return InventoryUpdate{}, err
	}
	return u, nil
}

// ParseNotificationSent validates the detail of a "Notification Sent" event.
func ParseNotificationSent(detail json.RawMessage) (Notification, error) {
	var p problems
	var w struct {
		NotificationID string `json:"notification_id"`
		Message        string `json:"message"`
		Subject        string `json:"subject"`
		Channel        string `json:"channel"`
		Recipient      string `json:"recipient"`
		OrderID        string `json:"order_id"`
		Timestamp      string `json:"timestamp"`
	}
	if !decodeDetail(&p, detail, &w) {
		return Notification{}, p.err()
	}
	p.id("detail.notification_id", w.NotificationID)
	p.text("detail.message", w.Message, maxMessageBytes, true)
	if w.Subject != "" && !validSubject(w.Subject) {
		p.add("detail.subject", "must be 1-%d printable ASCII characters without line breaks (an SNS subject)", maxSubjectChars)
	}
	if w.Channel != "" && !IDPattern.MatchString(w.Channel) {
		p.add("detail.channel", "%q is not a channel name (like email or sms)", clip(w.Channel))
	}
	p.text("detail.recipient", w.Recipient, maxRecipientBytes, false)
	if w.OrderID != "" {
		p.id("detail.order_id", w.OrderID)
	}
	ts := p.timestamp("detail.timestamp", w.Timestamp)
	if err := p.err(); err != nil {
		return Notification{}, err
	}
	return Notification{
		NotificationID: w.NotificationID, Message: w.Message, Subject: w.Subject, Channel: w.Channel,
		Recipient: w.Recipient, OrderID: w.OrderID, Timestamp: ts,
	}, nil
}

// validSubject is SNS's rule for a subject: printable ASCII, no line breaks,
// at most 100 characters, starting with a letter, digit or punctuation.
func validSubject(s string) bool {
	if len(s) > maxSubjectChars || s[0] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
