package events

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Steps of the order workflow (the ASL's task payloads): the order processor
// runs process and fail, the inventory processor reserve and release.
const (
	StepProcess = "process"
	StepReserve = "reserve"
	StepRelease = "release"
	StepFail    = "fail"
)

// Attributes of an order row in the orders table. The workflow's LoadOrder
// state reads the row with GetItem and hands it to the steps as "order", in
// DynamoDB JSON; the order processor writes it with these names.
const (
	AttrOrderID    = "order_id"
	AttrCustomerID = "customer_id"
	AttrItems      = "items"
	AttrItemID     = "item_id"
	AttrQuantity   = "quantity"
	AttrPrice      = "price"
	AttrTotal      = "total"
	AttrCreatedAt  = "created_at"
	AttrStatus     = "status"
)

// Order statuses. An order moves only created → completed or created → failed.
const (
	StatusCreated   = "created"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)

// Step is a task input of the workflow:
//
//	{"step": "process"|"reserve"|"release"|"fail", "workflow_id", "order_id",
//	 "order": <the order row, DynamoDB JSON>, "error": <the caught error>}
type Step struct {
	Step       string
	WorkflowID string
	OrderID    string
	// Order is the order row (process, reserve, release).
	Order *StoredOrder
	// Error is the error the workflow caught (fail): {"Error", "Cause"}.
	Error *WorkflowError
}

// StoredOrder is an order row: a valid order and its status.
type StoredOrder struct {
	Order
	Status string
}

// WorkflowError is the error a Step Functions Catch hands on.
type WorkflowError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// DecodeStep decodes and validates a workflow step's input.
func DecodeStep(raw []byte) (Step, error) {
	var p problems
	var w struct {
		Step       string          `json:"step"`
		WorkflowID string          `json:"workflow_id"`
		OrderID    string          `json:"order_id"`
		Order      json.RawMessage `json:"order"`
		Error      json.RawMessage `json:"error"`
	}
	if len(raw) > MaxPayloadBytes {
		p.add("", "the step input is %d bytes, more than %d", len(raw), MaxPayloadBytes)
		return Step{}, p.err()
	}
	if !utf8.Valid(raw) {
		p.add("", "the step input is not valid UTF-8, which JSON text must be")
		return Step{}, p.err()
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		p.add("", "the step input is not a JSON object of the workflow's shape: %s", jsonProblem(err))
		return Step{}, p.err()
	}
	s := Step{Step: w.Step, WorkflowID: w.WorkflowID, OrderID: w.OrderID}
	p.id("workflow_id", w.WorkflowID)
	p.id("order_id", w.OrderID)
	switch w.Step {
	case StepProcess, StepReserve, StepRelease:
		if len(w.Order) == 0 || string(w.Order) == "null" {
			p.add("order", "is required: the order row as the workflow loaded it")
			break
		}
		o, err := OrderFromItem(w.Order)
		if err != nil {
			p.list = append(p.list, err.(*ValidationError).Problems...)
			break
		}
		if w.OrderID != "" && o.OrderID != w.OrderID {
			p.add("order.order_id", "is %q but the step is for order %q", clip(o.OrderID), clip(w.OrderID))
		}
		s.Order = &o
	case StepFail:
		if len(w.Error) > 0 && string(w.Error) != "null" {
			var we WorkflowError
			if !isJSONObject(w.Error) || json.Unmarshal(w.Error, &we) != nil {
				p.add("error", "must be the caught error, an object with Error and Cause")
			} else {
				s.Error = &we
			}
		}
	case "":
		p.add("step", "is required")
	default:
		p.add("step", "%q is not a step of the workflow (process, reserve, release, fail)", clip(w.Step))
	}
	if err := p.err(); err != nil {
		return Step{}, err
	}
	return s, nil
}

// OrderFromItem decodes and validates an order row in DynamoDB JSON
// ({"order_id": {"S": "ORD-001"}, "total": {"N": "59.98"}, ...}), as the
// workflow's GetItem returns it. Fields are named "order.<attribute>".
func OrderFromItem(item json.RawMessage) (StoredOrder, error) {
	var p problems
	var attrs map[string]json.RawMessage
	if !isJSONObject(item) || json.Unmarshal(item, &attrs) != nil {
		p.add("order", "must be an item in DynamoDB JSON (an object of attribute values)")
		return StoredOrder{}, p.err()
	}
	r := rawOrder{}
	r.OrderID = ddbString(&p, "order.order_id", attrs[AttrOrderID])
	r.CustomerID = ddbString(&p, "order.customer_id", attrs[AttrCustomerID])
	r.Timestamp = ddbString(&p, "order.created_at", attrs[AttrCreatedAt])
	r.Total, r.hasTotal = ddbNumber(&p, "order.total", attrs[AttrTotal])
	status := ddbString(&p, "order.status", attrs[AttrStatus])
	if list, ok := ddbValue(&p, "order.items", attrs[AttrItems], "L"); ok {
		var elems []json.RawMessage
		if json.Unmarshal(list, &elems) != nil {
			p.add("order.items", "L must be a list of attribute values")
		}
		r.hasItems, r.itemCount = elems != nil, len(elems)
		for i, e := range elems {
			if i >= maxItems {
				break // validateOrder refuses the count
			}
			f := fmt.Sprintf("order.items[%d]", i)
			var it rawItem
			if m, ok := ddbValue(&p, f, e, "M"); ok {
				var fields map[string]json.RawMessage
				if json.Unmarshal(m, &fields) != nil {
					p.add(f, "M must be an object of attribute values")
				}
				it.ItemID = ddbString(&p, f+".item_id", fields[AttrItemID])
				it.Quantity, it.hasQuantity = ddbNumber(&p, f+".quantity", fields[AttrQuantity])
				it.Price, it.hasPrice = ddbNumber(&p, f+".price", fields[AttrPrice])
			}
			r.Items = append(r.Items, it)
		}
	}
	switch status {
	case StatusCreated, StatusCompleted, StatusFailed, "":
	default:
		p.add("order.status", "%q is not an order status", clip(status))
	}
	o, err := validateOrder(&p, "order.", r)
	if err != nil {
		return StoredOrder{}, err
	}
	return StoredOrder{Order: o, Status: status}, nil
}

// ddbValue returns the value of a DynamoDB attribute value of type typ
// ({"S": ...}); a missing attribute is reported as required.
func ddbValue(p *problems, field string, raw json.RawMessage, typ string) (json.RawMessage, bool) {
	if len(raw) == 0 {
		p.add(field, "is required")
		return nil, false
	}
	var av map[string]json.RawMessage
	if !isJSONObject(raw) || json.Unmarshal(raw, &av) != nil || len(av) != 1 {
		p.add(field, "must be a DynamoDB attribute value ({%q: ...})", typ)
		return nil, false
	}
	v, ok := av[typ]
	if !ok {
		p.add(field, "must be of DynamoDB type %s", typ)
		return nil, false
	}
	return v, true
}

func ddbString(p *problems, field string, raw json.RawMessage) string {
	v, ok := ddbValue(p, field, raw, "S")
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		p.add(field, "S must be a string")
	}
	return s
}

func ddbNumber(p *problems, field string, raw json.RawMessage) (string, bool) {
	v, ok := ddbValue(p, field, raw, "N")
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		p.add(field, "N must be a number in a string")
		return "", false
	}
	return s, true
}
