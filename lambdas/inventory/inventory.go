// Package inventory is the logic of event-inventory-processor: it restocks
// items ("Inventory Updated", from EventBridge or inventory-queue) and
// reserves and releases an order's stock (the workflow's reserve and release
// steps). Stock never goes below zero: every decrement is one conditional
// UpdateItem with "stock >= :quantity".
//
// Exactly once without transactions. The test DynamoDB (dynalite) has no
// TransactWriteItems, and a reservation kept in an item of its own could not
// change together with the stock. So the per-(order, item) reservation record
// lives inside the item's row, in the map "reservations" keyed by order id,
// and one UpdateItem changes the stock and the record together:
//
//	reserve: SET stock = stock - :q, reservations.<order> = {q, s: reserved, t, w}
//	         IF stock >= :q AND attribute_not_exists(reservations.<order>)
//	release: SET stock = stock + :q, reservations.<order>.s = released
//	         IF reservations.<order>.s = reserved AND reservations.<order>.q = :q
//
// A duplicate reserve or release therefore changes nothing, even after a
// crash between writes. A release that finds no reservation leaves a
// "released" tombstone, so a reserve that arrives late (the workflow's
// parallel branch was still running when compensation started) cannot take
// stock that nothing would give back: it is refused with ReservationReleased.
// Restocks are made exactly-once the same way, with the event's key in the map
// "restocks".
//
// A multi-item order is reserved item by item, in item id order; when one
// item is short, the items reserved for the order are given back (the entries
// removed, not tombstoned, so the order can be reserved again after a
// restock) and the step is refused with InsufficientStock, which sends the
// workflow to its compensation.
//
// Entries older than Retention are pruned from a row whenever the row is
// written, so a row grows with the orders of the last Retention only (each
// entry is about 60 bytes; DynamoDB's 400 KB item limit leaves room for
// thousands of reservations per item per Retention). Retention must outlast
// every redelivery: the workflow's five-minute timeout and Lambda's six hours
// of asynchronous retries.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
)

// Table is what the processor needs of DynamoDB: one interface per call.
type Table interface {
	idempotency.ItemGetter
	idempotency.ItemUpdater
}

// Processor is the inventory processor's logic.
type Processor struct {
	DB        Table
	Table     string // INVENTORY_TABLE
	Now       func() time.Time
	Retention time.Duration // default DefaultRetention
}

// DefaultRetention is how long reservation and restock entries stay in a row.
const DefaultRetention = 24 * time.Hour

// Row attributes.
const (
	attrItemID       = "item_id"
	attrStock        = "stock"
	attrReservations = "reservations"
	attrRestocks     = "restocks"
	attrUpdatedAt    = "updated_at"
	attrRecordType   = "record_type"
	recordTypeItem   = "item"

	// Fields of a reservation entry.
	entryQuantity = "q"
	entryState    = "s"
	entryTime     = "t" // epoch seconds of the last change
	entryWorkflow = "w"

	stateReserved = "reserved"
	stateReleased = "released"

	// attempts bounds every read-and-retry loop.
	attempts = 5
	// maxPrunePerWrite bounds the entries one prune removes.
	maxPrunePerWrite = 25
)

// PrepareEvent validates an inventory event and returns its effect.
func (p *Processor) PrepareEvent(ev events.EventBridgeEvent, key string) (delivery.Effect, error) {
	if ev.Source != events.SourceInventory {
		return nil, events.Refuse(events.KindUnsupportedEvent, "source %q: the inventory processor handles source %q", ev.Source, events.SourceInventory)
	}
	if ev.DetailType != events.TypeInventoryUpdated {
		return nil, events.Refuse(events.KindUnsupportedEvent, "detail-type %q: the inventory processor handles %q", ev.DetailType, events.TypeInventoryUpdated)
	}
	u, err := events.ParseInventoryUpdated(ev.Detail)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (any, error) { return p.restock(ctx, key, u) }, nil
}

// Line is one item of a step's result.
type Line struct {
	ItemID   string `json:"item_id"`
	Quantity int64  `json:"quantity"`
}

// StepResult is the output of the reserve and release steps.
type StepResult struct {
	Step       string `json:"step"`
	WorkflowID string `json:"workflow_id"`
	OrderID    string `json:"order_id"`
	Items      []Line `json:"items"`
}

// RestockResult is the outcome of a restock (logged, not returned to anyone).
type RestockResult struct {
	ItemID string `json:"item_id"`
	Stock  int64  `json:"stock"`
	Added  bool   `json:"added"`
}

// PrepareStep validates a reserve or release step and returns its effect.
func (p *Processor) PrepareStep(step events.Step, key string) (delivery.Effect, error) {
	lines := make([]Line, len(step.Order.Items))
	for i, it := range step.Order.Items {
		lines[i] = Line{ItemID: it.ItemID, Quantity: it.Quantity}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].ItemID < lines[j].ItemID })
	result := StepResult{Step: step.Step, WorkflowID: step.WorkflowID, OrderID: step.OrderID, Items: lines}
	switch step.Step {
	case events.StepReserve:
		return func(ctx context.Context) (any, error) {
			return result, p.reserve(ctx, step.WorkflowID, step.OrderID, lines)
		}, nil
	case events.StepRelease:
		return func(ctx context.Context) (any, error) { return result, p.release(ctx, step.OrderID, lines) }, nil
	default:
		return nil, events.Refuse(events.KindUnsupportedEvent, "step %q: the inventory processor runs %q and %q", step.Step, events.StepReserve, events.StepRelease)
	}
}

func (p *Processor) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Processor) retention() time.Duration {
	if p.Retention > 0 {
		return p.Retention
	}
	return DefaultRetention
}

// restock adds the quantity to the item's stock, creating the item on its
// first restock, once per event key.
func (p *Processor) restock(ctx context.Context, key string, u events.InventoryUpdate) (RestockResult, error) {
	now := p.now()
	in := &dynamodb.UpdateItemInput{
		TableName:           aws.String(p.Table),
		Key:                 itemKey(u.ItemID),
		UpdateExpression:    aws.String("SET #rs.#ev = :t, #updated = :now, #type = :item ADD #stock :q"),
		ConditionExpression: aws.String("attribute_not_exists(#rs.#ev)"),
		ExpressionAttributeNames: map[string]string{
			"#rs": attrRestocks, "#ev": key, "#updated": attrUpdatedAt, "#type": attrRecordType, "#stock": attrStock,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": num(now.Unix()), ":now": str(now.Format(time.RFC3339Nano)), ":item": str(recordTypeItem), ":q": num(u.Quantity),
		},
		ReturnValues: types.ReturnValueAllNew,
	}
	out, err := p.update(ctx, u.ItemID, true, in)
	if idempotency.IsConditionFailed(err) {
		logging.From(ctx).Info("restock applied before (its key is in the row); nothing to do", "item_id", u.ItemID)
		return RestockResult{ItemID: u.ItemID, Added: false}, nil
	}
	if err != nil {
		return RestockResult{}, fmt.Errorf("restocking item %s: %w", u.ItemID, err)
	}
	p.prune(ctx, u.ItemID, out.Attributes)
	stock, _ := nAttr(out.Attributes, attrStock)
	return RestockResult{ItemID: u.ItemID, Stock: stock, Added: true}, nil
}

// reserve takes each line's quantity from stock for the order, all or none.
func (p *Processor) reserve(ctx context.Context, workflowID, orderID string, lines []Line) error {
	for _, l := range lines {
		err := p.reserveOne(ctx, workflowID, orderID, l)
		if err == nil {
			continue
		}
		if _, refused := events.AsRefusal(err); refused {
			// Give back what this order holds, so the order can be reserved
			// again after a restock, and let the workflow compensate.
			for _, r := range lines {
				if rerr := p.undoReservation(ctx, orderID, r); rerr != nil {
					// The workflow's release step gives it back.
					logging.From(ctx).Warn("could not give back a reservation; the release step will", "item_id", r.ItemID, "error", rerr.Error())
				}
			}
		}
		return err
	}
	return nil
}

func (p *Processor) reserveOne(ctx context.Context, workflowID, orderID string, l Line) error {
	log := logging.From(ctx)
	for range attempts {
		now := p.now()
		entry := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			entryQuantity: num(l.Quantity), entryState: str(stateReserved), entryTime: num(now.Unix()), entryWorkflow: str(workflowID),
		}}
		out, err := p.update(ctx, l.ItemID, false, &dynamodb.UpdateItemInput{
			TableName:           aws.String(p.Table),
			Key:                 itemKey(l.ItemID),
			UpdateExpression:    aws.String("SET #stock = #stock - :q, #res.#o = :entry, #updated = :now"),
			ConditionExpression: aws.String("#stock >= :q AND attribute_not_exists(#res.#o)"),
			ExpressionAttributeNames: map[string]string{
				"#stock": attrStock, "#res": attrReservations, "#o": orderID, "#updated": attrUpdatedAt,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":q": num(l.Quantity), ":entry": entry, ":now": str(now.Format(time.RFC3339Nano)),
			},
			ReturnValues: types.ReturnValueAllNew,
		})
		if err == nil {
			p.prune(ctx, l.ItemID, out.Attributes)
			return nil
		}
		if errors.Is(err, errNoItem) {
			return events.Refuse(events.KindInsufficientStock, "item %s is not in the inventory; order %s needs %d", l.ItemID, orderID, l.Quantity)
		}
		if !idempotency.IsConditionFailed(err) {
			return fmt.Errorf("reserving %d of item %s for order %s: %w", l.Quantity, l.ItemID, orderID, err)
		}
		row, err := p.get(ctx, l.ItemID)
		if err != nil {
			return err
		}
		if row == nil {
			return events.Refuse(events.KindInsufficientStock, "item %s is not in the inventory; order %s needs %d", l.ItemID, orderID, l.Quantity)
		}
		if e, ok := reservation(row, orderID); ok {
			switch {
			case e.state == stateReleased:
				return events.Refuse(events.KindReservationReleased, "the reservation of item %s for order %s was released already", l.ItemID, orderID)
			case e.quantity != l.Quantity:
				return events.Refuse(events.KindInvalidOrder, "item %s holds %d for order %s, but the order asks for %d", l.ItemID, e.quantity, orderID, l.Quantity)
			default:
				log.Info("item reserved for the order before; nothing to do", "item_id", l.ItemID)
				return nil
			}
		}
		if stock, _ := nAttr(row, attrStock); stock < l.Quantity {
			return events.Refuse(events.KindInsufficientStock, "item %s has %d in stock; order %s needs %d", l.ItemID, stock, orderID, l.Quantity)
		}
		// The stock changed between the write and the read: try again.
	}
	return fmt.Errorf("reserving item %s for order %s: the row kept changing; gave up after %d attempts", l.ItemID, orderID, attempts)
}

// undoReservation removes the order's reservation of a line and gives its
// quantity back, if the order holds it.
func (p *Processor) undoReservation(ctx context.Context, orderID string, l Line) error {
	_, err := p.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(p.Table),
		Key:                 itemKey(l.ItemID),
		UpdateExpression:    aws.String("SET #stock = #stock + :q, #updated = :now REMOVE #res.#o"),
		ConditionExpression: aws.String("#res.#o.#s = :reserved AND #res.#o.#q = :q"),
		ExpressionAttributeNames: map[string]string{
			"#stock": attrStock, "#res": attrReservations, "#o": orderID, "#s": entryState, "#q": entryQuantity, "#updated": attrUpdatedAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":q": num(l.Quantity), ":reserved": str(stateReserved), ":now": str(p.now().Format(time.RFC3339Nano)),
		},
	})
	if idempotency.IsConditionFailed(err) || isMissingPath(err) {
		return nil // not held by the order
	}
	return err
}

// release gives back each line the order holds and tombstones the lines it
// does not, so a late reserve cannot take them.
func (p *Processor) release(ctx context.Context, orderID string, lines []Line) error {
	for _, l := range lines {
		if err := p.releaseOne(ctx, orderID, l); err != nil {
			return err
		}
	}
	return nil
}

func (p *Processor) releaseOne(ctx context.Context, orderID string, l Line) error {
	log := logging.From(ctx)
	quantity := l.Quantity
	for range attempts {
		now := p.now()
		out, err := p.update(ctx, l.ItemID, false, &dynamodb.UpdateItemInput{
			TableName:           aws.String(p.Table),
			Key:                 itemKey(l.ItemID),
			UpdateExpression:    aws.String("SET #stock = #stock + :q, #res.#o.#s = :released, #res.#o.#t = :t, #updated = :now"),
			ConditionExpression: aws.String("#res.#o.#s = :reserved AND #res.#o.#q = :q"),
			ExpressionAttributeNames: map[string]string{
				"#stock": attrStock, "#res": attrReservations, "#o": orderID, "#s": entryState, "#q": entryQuantity,
				"#t": entryTime, "#updated": attrUpdatedAt,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":q": num(quantity), ":released": str(stateReleased), ":reserved": str(stateReserved),
				":t": num(now.Unix()), ":now": str(now.Format(time.RFC3339Nano)),
			},
			ReturnValues: types.ReturnValueAllNew,
		})
		if err == nil {
			p.prune(ctx, l.ItemID, out.Attributes)
			return nil
		}
		if errors.Is(err, errNoItem) {
			log.Info("item is not in the inventory; nothing to release", "item_id", l.ItemID)
			return nil
		}
		if !idempotency.IsConditionFailed(err) {
			return fmt.Errorf("releasing item %s for order %s: %w", l.ItemID, orderID, err)
		}
		row, err := p.get(ctx, l.ItemID)
		if err != nil {
			return err
		}
		if row == nil {
			return nil
		}
		e, held := reservation(row, orderID)
		switch {
		case held && e.state == stateReleased:
			log.Info("released before; nothing to do", "item_id", l.ItemID)
			return nil
		case held:
			quantity = e.quantity // give back what is held, whatever the order says now
			continue
		}
		tomb := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			entryQuantity: num(0), entryState: str(stateReleased), entryTime: num(now.Unix()),
		}}
		_, err = p.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(p.Table),
			Key:                       itemKey(l.ItemID),
			UpdateExpression:          aws.String("SET #res.#o = :tomb"),
			ConditionExpression:       aws.String("attribute_exists(#id) AND attribute_not_exists(#res.#o)"),
			ExpressionAttributeNames:  map[string]string{"#res": attrReservations, "#o": orderID, "#id": attrItemID},
			ExpressionAttributeValues: map[string]types.AttributeValue{":tomb": tomb},
		})
		if err == nil {
			log.Info("nothing was reserved; left a released tombstone so a late reserve cannot take stock", "item_id", l.ItemID)
			return nil
		}
		if !idempotency.IsConditionFailed(err) {
			return fmt.Errorf("tombstoning the reservation of item %s for order %s: %w", l.ItemID, orderID, err)
		}
		// A reserve landed in between: release it on the next round.
	}
	return fmt.Errorf("releasing item %s for order %s: the row kept changing; gave up after %d attempts", l.ItemID, orderID, attempts)
}

// errNoItem means a write that must not create the item found none.
var errNoItem = errors.New("the item is not in the inventory")

// update runs an UpdateItem whose expression writes into the row's maps.
// DynamoDB refuses a path into a map the row does not have yet; then the maps
// are created (and the row, when create is set: the first restock of an
// item) and the update is tried once more.
func (p *Processor) update(ctx context.Context, itemID string, create bool, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
	out, err := p.DB.UpdateItem(ctx, in)
	if !isMissingPath(err) {
		return out, err
	}
	init := &dynamodb.UpdateItemInput{
		TableName: aws.String(p.Table),
		Key:       itemKey(itemID),
		UpdateExpression: aws.String("SET #stock = if_not_exists(#stock, :zero), #res = if_not_exists(#res, :empty), " +
			"#rs = if_not_exists(#rs, :empty), #type = if_not_exists(#type, :item)"),
		ExpressionAttributeNames: map[string]string{
			"#stock": attrStock, "#res": attrReservations, "#rs": attrRestocks, "#type": attrRecordType,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": num(0), ":empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}, ":item": str(recordTypeItem),
		},
	}
	if !create {
		init.ConditionExpression = aws.String("attribute_exists(#id)")
		init.ExpressionAttributeNames["#id"] = attrItemID
	}
	if _, err := p.DB.UpdateItem(ctx, init); err != nil {
		if idempotency.IsConditionFailed(err) {
			return nil, errNoItem
		}
		return nil, fmt.Errorf("initialising item %s: %w", itemID, err)
	}
	return p.DB.UpdateItem(ctx, in)
}

// prune removes, best effort, the entries of a row older than Retention. Each
// removal is conditional on the entry's time, so an entry rewritten meanwhile
// stays.
func (p *Processor) prune(ctx context.Context, itemID string, row map[string]types.AttributeValue) {
	cutoff := p.now().Add(-p.retention()).Unix()
	names := map[string]string{"#res": attrReservations, "#rs": attrRestocks, "#t": entryTime}
	values := map[string]types.AttributeValue{}
	var removes, conds []string
	add := func(mapAlias, key string, t int64, nested bool) {
		i := strconv.Itoa(len(removes))
		names["#p"+i] = key
		values[":t"+i] = num(t)
		path := mapAlias + ".#p" + i
		removes = append(removes, path)
		if nested {
			conds = append(conds, path+".#t = :t"+i)
		} else {
			conds = append(conds, path+" = :t"+i)
		}
	}
	if m, ok := row[attrReservations].(*types.AttributeValueMemberM); ok {
		for order, v := range m.Value {
			if e, ok := v.(*types.AttributeValueMemberM); ok && len(removes) < maxPrunePerWrite {
				if t, ok := nAttr(e.Value, entryTime); ok && t < cutoff {
					add("#res", order, t, true)
				}
			}
		}
	}
	if m, ok := row[attrRestocks].(*types.AttributeValueMemberM); ok {
		for key, v := range m.Value {
			if n, ok := v.(*types.AttributeValueMemberN); ok && len(removes) < maxPrunePerWrite {
				if t, err := strconv.ParseInt(n.Value, 10, 64); err == nil && t < cutoff {
					add("#rs", key, t, false)
				}
			}
		}
	}
	if len(removes) == 0 {
		return
	}
	// Only the aliases in use may be declared.
	if !anyPrefix(removes, "#res") {
		delete(names, "#res")
	}
	if !anyPrefix(removes, "#rs") {
		delete(names, "#rs")
	}
	if !anyNested(conds) {
		delete(names, "#t")
	}
	_, err := p.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(p.Table),
		Key:                       itemKey(itemID),
		UpdateExpression:          aws.String("REMOVE " + join(removes, ", ")),
		ConditionExpression:       aws.String(join(conds, " AND ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if err != nil && !idempotency.IsConditionFailed(err) {
		logging.From(ctx).Warn("could not prune old entries; the next write tries again", "item_id", itemID, "error", err.Error())
		return
	}
	if err == nil {
		logging.From(ctx).Debug("pruned old entries", "item_id", itemID, "entries", len(removes))
	}
}

func (p *Processor) get(ctx context.Context, itemID string) (map[string]types.AttributeValue, error) {
	out, err := p.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(p.Table), Key: itemKey(itemID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading item %s: %w", itemID, err)
	}
	return out.Item, nil
}

type entry struct {
	quantity int64
	state    string
}

// reservation returns the order's entry in a row.
func reservation(row map[string]types.AttributeValue, orderID string) (entry, bool) {
	m, ok := row[attrReservations].(*types.AttributeValueMemberM)
	if !ok {
		return entry{}, false
	}
	e, ok := m.Value[orderID].(*types.AttributeValueMemberM)
	if !ok {
		return entry{}, false
	}
	q, _ := nAttr(e.Value, entryQuantity)
	s, _ := e.Value[entryState].(*types.AttributeValueMemberS)
	if s == nil {
		return entry{quantity: q}, true
	}
	return entry{quantity: q, state: s.Value}, true
}

// isMissingPath reports DynamoDB's refusal of an update path into a map the
// row does not have.
func isMissingPath(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ValidationException" &&
		containsFold(api.ErrorMessage(), "document path provided in the update expression is invalid")
}

func itemKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrItemID: str(id)}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func nAttr(item map[string]types.AttributeValue, name string) (int64, bool) {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	return v, err == nil
}

func join(parts []string, sep string) string { return strings.Join(parts, sep) }

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func anyPrefix(paths []string, prefix string) bool {
	for _, p := range paths {
		if strings.HasPrefix(p, prefix+".") {
			return true
		}
	}
	return false
}

func anyNested(conds []string) bool {
	for _, c := range conds {
		if strings.Contains(c, ".#t =") {
			return true
		}
	}
	return false
}
