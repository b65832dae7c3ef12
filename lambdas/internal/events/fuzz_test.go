package events

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"testing"
	"time"
)

// checkOrder asserts what a valid order guarantees.
func checkOrder(t *testing.T, o Order) {
	t.Helper()
	if !IDPattern.MatchString(o.OrderID) {
		t.Fatalf("accepted order id %q", o.OrderID)
	}
	if len(o.Items) == 0 || len(o.Items) > maxItems {
		t.Fatalf("accepted %d items", len(o.Items))
	}
	var sum int64
	seen := map[string]bool{}
	for _, it := range o.Items {
		if !IDPattern.MatchString(it.ItemID) || seen[it.ItemID] {
			t.Fatalf("accepted item id %q (seen before: %v)", it.ItemID, seen[it.ItemID])
		}
		seen[it.ItemID] = true
		if it.Quantity <= 0 || it.Quantity > maxQuantity || it.Price < 0 || it.Price > maxPriceCents {
			t.Fatalf("accepted line %+v", it)
		}
		sum += it.Quantity * int64(it.Price)
	}
	if int64(o.Total) != sum {
		t.Fatalf("accepted total %s for items adding up to %s", o.Total, Cents(sum))
	}
	if o.Timestamp.Location() != time.UTC {
		t.Fatalf("accepted timestamp %v is not normalised to UTC", o.Timestamp)
	}
}

// detailOf writes an order back as an Order Created detail.
func detailOf(o Order) []byte {
	lines := make([]map[string]any, len(o.Items))
	for i, it := range o.Items {
		lines[i] = map[string]any{"item_id": it.ItemID, "quantity": it.Quantity, "price": json.Number(it.Price.String())}
	}
	b, _ := json.Marshal(map[string]any{
		"order_id": o.OrderID, "customer_id": o.CustomerID, "items": lines,
		"total": json.Number(o.Total.String()), "timestamp": o.Timestamp.Format(time.RFC3339Nano),
	})
	return b
}

// FuzzDecode feeds arbitrary payloads to every decoder: none may panic,
// whatever is accepted satisfies the validation rules, and an accepted order
// written back and decoded again is the same order.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		seedOrderCreated, seedInventoryUpdated,
		`{"Records":[{"messageId":"m1","eventSource":"aws:sqs","body":` + strconv.Quote(seedOrderCreated) + `}]}`,
		`{"step":"reserve","workflow_id":"WF-001","order_id":"ORD-001","order":` + orderItem + `}`,
		`{"step":"fail","workflow_id":"WF-001","order_id":"ORD-001","error":{"Error":"E","Cause":"C"}}`,
		`{"source":"notifications","detail-type":"Notification Sent","id":"n","detail":{"notification_id":"N-1","message":"hi","timestamp":"2024-01-15T10:00:00Z"}}`,
		`{"source":"orders","detail-type":"Order Completed","id":"c","detail":{"order_id":"ORD-001","timestamp":"2024-01-15T11:00:00Z"}}`,
		`{"detail":{"items":[{"quantity":1e400,"price":-0}],"total":1E-7}}`,
		`{"detail":[]}`, `[]`, `null`, ``, `{"step":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		_ = ShapeOf(raw)
		if batch, err := DecodeSQS(raw); err == nil {
			for _, r := range batch.Records {
				_, _ = DecodeEventBridge([]byte(r.Body), false)
			}
		}
		if step, err := DecodeStep(raw); err == nil && step.Order != nil {
			checkOrder(t, step.Order.Order)
		}
		ev, err := DecodeEventBridge(raw, false)
		if err != nil {
			ev.Detail = raw // the decoders must also survive a detail of any bytes
		}
		if o, err := ParseOrderCreated(ev.Detail); err == nil {
			checkOrder(t, o)
			again, err := ParseOrderCreated(detailOf(o))
			if err != nil {
				t.Fatalf("an accepted order, written back, is refused: %v", err)
			}
			if fmt.Sprint(again) != fmt.Sprint(o) {
				t.Fatalf("round trip changed the order: %+v became %+v", o, again)
			}
		}
		if u, err := ParseInventoryUpdated(ev.Detail); err == nil && (u.Quantity <= 0 || u.Action != ActionRestock || !IDPattern.MatchString(u.ItemID)) {
			t.Fatalf("accepted inventory update %+v", u)
		}
		if c, err := ParseOrderCompleted(ev.Detail); err == nil && !IDPattern.MatchString(c.OrderID) {
			t.Fatalf("accepted completion %+v", c)
		}
		if n, err := ParseNotificationSent(ev.Detail); err == nil && (n.Message == "" || (n.Subject != "" && !validSubject(n.Subject))) {
			t.Fatalf("accepted notification %+v", n)
		}
		_, _ = OrderFromItem(raw)
	})
}

// FuzzValidate builds one-line orders from fuzzed numbers and checks that the
// validator accepts exactly the valid ones, against an oracle written from the
// rules: quantity 1..1e6, price 0..1e8 in whole cents, total equal to
// quantity × price, an identifier without '#', an RFC 3339 timestamp.
func FuzzValidate(f *testing.F) {
	f.Add("ORD-001", int64(2), int64(2999), int64(5998), "2024-01-15T10:00:00Z", uint8(0))
	f.Add("ORD-001", int64(0), int64(100), int64(0), "2024-01-15T10:00:00Z", uint8(0))
	f.Add("ORD#1", int64(1), int64(1), int64(1), "2024-01-15T10:00:00+02:00", uint8(1))
	f.Add("O", int64(1000000), int64(10000000000), int64(10000000000000000), "2024-01-15T10:00:00.123Z", uint8(2))
	f.Add("O", int64(-3), int64(-1), int64(3), "yesterday", uint8(3))
	f.Fuzz(func(t *testing.T, id string, qty, priceCents, totalCents int64, ts string, style uint8) {
		priceLit := literal(priceCents, style)
		totalLit := literal(totalCents, style>>2)
		detail := fmt.Sprintf(`{"order_id":%s,"customer_id":"C-1","items":[{"item_id":"I-1","quantity":%d,"price":%s}],"total":%s,"timestamp":%s}`,
			strconv.Quote(id), qty, priceLit, totalLit, strconv.Quote(ts))
		o, err := ParseOrderCreated(json.RawMessage(detail))
		_, tsErr := time.Parse(time.RFC3339Nano, ts)
		valid := IDPattern.MatchString(id) && qty > 0 && qty <= maxQuantity &&
			priceCents >= 0 && priceCents <= maxPriceCents && totalCents >= 0 && totalCents <= maxTotalCents &&
			qty*priceCents == totalCents && tsErr == nil
		if valid != (err == nil) {
			t.Fatalf("detail %s: valid by the rules = %v, but ParseOrderCreated returned %v", detail, valid, err)
		}
		if err == nil {
			checkOrder(t, o)
			if int64(o.Items[0].Price) != priceCents || int64(o.Total) != totalCents {
				t.Fatalf("detail %s decoded to %+v", detail, o)
			}
		}
	})
}

// literal writes cents as a JSON number in one of several equivalent forms.
func literal(cents int64, style uint8) string {
	r := new(big.Rat).SetFrac64(cents, 100)
	switch style % 4 {
	case 0:
		return r.FloatString(2) // 29.99
	case 1:
		return r.FloatString(4) // 29.9900
	case 2:
		return strconv.FormatInt(cents, 10) + "e-2" // 2999e-2
	default:
		if cents%100 == 0 {
			return strconv.FormatInt(cents/100, 10) // 30
		}
		return r.FloatString(2)
	}
}

// FuzzDecimal compares parseDecimal with exact rational arithmetic.
func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"29.99", "0", "-0.5", "1e2", "1.234", "1e-3", "100e-2", "01", "1.", "9223372036854775807", "1E+5"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, lit string, places uint8) {
		p := int(places % 4)
		got, err := parseDecimal(lit, p)
		if len(lit) > 40 || !json.Valid([]byte(lit)) || (lit != "" && (lit[0] == '"' || lit[0] == '[' || lit[0] == '{' || lit[0] == 't' || lit[0] == 'f' || lit[0] == 'n' || lit[0] == ' ')) {
			if err == nil && !json.Valid([]byte(lit)) {
				t.Fatalf("parseDecimal accepted %q, which is not a JSON number", lit)
			}
			return
		}
		r, ok := new(big.Rat).SetString(lit)
		if !ok {
			return // a JSON number whose exponent big.Rat cannot hold: no oracle
		}
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)))
		if !scaled.IsInt() {
			if err == nil {
				t.Fatalf("parseDecimal(%q, %d) = %d, but the value has more decimals", lit, p, got)
			}
			return
		}
		want := scaled.Num()
		if want.CmpAbs(big.NewInt(999_999_999_999_999_999)) > 0 {
			if err == nil {
				t.Fatalf("parseDecimal(%q, %d) = %d, want out of range", lit, p, got)
			}
			return
		}
		if err != nil || got != want.Int64() {
			t.Fatalf("parseDecimal(%q, %d) = %d, %v; want %s", lit, p, got, err, want)
		}
	})
}
