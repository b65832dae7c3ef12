package events

import (
	"encoding/json"
	"errors"
	"strings"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// A DynamoDB stream's records, as Lambda's event source mapping delivers them
// (awsevents.DynamoDBEvent).
const (
	SourceDynamoDB = "aws:dynamodb"

	StreamInsert = "INSERT"
	StreamModify = "MODIFY"
	StreamRemove = "REMOVE"
)

// DecodeDynamoDBStream splits a batch of a DynamoDB stream into its records,
// left raw: each is decoded on its own by DecodeStreamRecord, so that one bad
// record fails alone.
func DecodeDynamoDBStream(raw []byte) ([]json.RawMessage, error) {
	var p problems
	if len(raw) > MaxPayloadBytes {
		p.add("", "the batch is %d bytes, more than %d", len(raw), MaxPayloadBytes)
		return nil, p.err()
	}
	var batch struct {
		Records []json.RawMessage `json:"Records"`
	}
	if !isJSONObject(raw) {
		p.add("", "the payload is not a DynamoDB stream batch: it must be a JSON object")
		return nil, p.err()
	}
	if err := json.Unmarshal(raw, &batch); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			p.add(te.Field, "must not be a JSON %s", te.Value)
		} else {
			p.add("", "the payload is not a DynamoDB stream batch: %s", jsonProblem(err))
		}
		return nil, p.err()
	}
	if len(batch.Records) == 0 {
		p.add("Records", "is empty")
	}
	return batch.Records, p.err()
}

// DecodeStreamRecord decodes one record of a DynamoDB stream batch. Its
// eventID and sequence number are filled in whenever the record has them,
// even when it is refused, so that the caller can name it. Field names in
// the problems are the record's own (eventID, dynamodb.NewImage, ...).
func DecodeStreamRecord(raw json.RawMessage) (awsevents.DynamoDBEventRecord, error) {
	var rec awsevents.DynamoDBEventRecord
	var p problems
	if !isJSONObject(raw) {
		p.add("", "the record must be a JSON object")
		return rec, p.err()
	}
	// The identifiers first, leniently: a record whose images do not decode
	// is still named by them.
	var ids struct {
		EventID  string `json:"eventID"`
		DynamoDB struct {
			SequenceNumber string `json:"SequenceNumber"`
		} `json:"dynamodb"`
	}
	_ = json.Unmarshal(raw, &ids)
	if err := json.Unmarshal(raw, &rec); err != nil {
		rec = awsevents.DynamoDBEventRecord{EventID: ids.EventID}
		rec.Change.SequenceNumber = ids.DynamoDB.SequenceNumber
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			p.add(te.Field, "must not be a JSON %s", te.Value)
		} else {
			p.add("dynamodb", "%s", jsonProblem(err))
		}
		return rec, p.err()
	}
	if rec.EventSource != SourceDynamoDB {
		p.add("eventSource", "is %q, not %s", clip(rec.EventSource), SourceDynamoDB)
	}
	if rec.EventID == "" {
		p.add("eventID", "is required")
	} else if len(rec.EventID) > maxEventIDBytes {
		p.add("eventID", "is %d bytes long, more than %d", len(rec.EventID), maxEventIDBytes)
	}
	if rec.Change.SequenceNumber == "" {
		p.add("dynamodb.SequenceNumber", "is required")
	}
	switch rec.EventName {
	case StreamInsert, StreamModify, StreamRemove:
	case "":
		p.add("eventName", "is required")
	default:
		p.add("eventName", "is %q, not INSERT, MODIFY or REMOVE", clip(rec.EventName))
	}
	if len(rec.Change.Keys) == 0 {
		p.add("dynamodb.Keys", "is required")
	}
	return rec, p.err()
}

// OrderChange is what a stream record of the orders table says about an
// order row: its key and its status before and after.
type OrderChange struct {
	OrderID    string
	RecordType string // the row's record_type ("order" for an order); "" if absent
	OldStatus  string
	NewStatus  string
}

// Attributes of the orders table's rows that the stream consumer reads.
const (
	AttrRecordType  = "record_type"
	RecordTypeOrder = "order"
)

// ParseOrderChange reads the order key of a record of the orders table's
// stream and, for a MODIFY of an order row, the status in both images,
// which the stream's view type NEW_AND_OLD_IMAGES provides. Rows that are not
// orders (the idempotency records other functions keep in the table, with a
// '#' in their key) are returned with their RecordType and key unchecked.
func ParseOrderChange(rec awsevents.DynamoDBEventRecord) (OrderChange, error) {
	var p problems
	var c OrderChange
	key, ok := rec.Change.Keys[AttrOrderID]
	switch {
	case !ok:
		p.add("dynamodb.Keys."+AttrOrderID, "is required (the orders table's partition key)")
		return c, p.err()
	case key.DataType() != awsevents.DataTypeString:
		p.add("dynamodb.Keys."+AttrOrderID, "must be a string")
		return c, p.err()
	}
	c.OrderID = key.String()
	c.RecordType = imageString(rec.Change.NewImage, AttrRecordType)
	if c.RecordType == "" {
		c.RecordType = imageString(rec.Change.OldImage, AttrRecordType)
	}
	if !c.IsOrder() {
		return c, nil
	}
	p.id("dynamodb.Keys."+AttrOrderID, c.OrderID)
	if rec.EventName != StreamModify {
		return c, p.err()
	}
	view := rec.Change.StreamViewType
	if view == "" {
		view = "unknown"
	}
	for _, img := range []struct {
		field string
		image map[string]awsevents.DynamoDBAttributeValue
		into  *string
	}{{"dynamodb.OldImage", rec.Change.OldImage, &c.OldStatus}, {"dynamodb.NewImage", rec.Change.NewImage, &c.NewStatus}} {
		if img.image == nil {
			p.add(img.field, "is required: the table's stream must have viewType NEW_AND_OLD_IMAGES (the record's is %s)", view)
			continue
		}
		status, ok := img.image[AttrStatus]
		switch {
		case !ok:
			p.add(img.field+"."+AttrStatus, "is required")
		case status.DataType() != awsevents.DataTypeString:
			p.add(img.field+"."+AttrStatus, "must be a string")
		case status.String() == "":
			p.add(img.field+"."+AttrStatus, "is required")
		default:
			*img.into = status.String()
		}
	}
	return c, p.err()
}

// IsOrder reports whether the row is an order: not one of the idempotency
// records kept in the same table (whose keys have a '#', which order ids
// cannot have) nor any other record type.
func (c OrderChange) IsOrder() bool {
	return !strings.Contains(c.OrderID, "#") && (c.RecordType == "" || c.RecordType == RecordTypeOrder)
}

func imageString(image map[string]awsevents.DynamoDBAttributeValue, name string) string {
	if v, ok := image[name]; ok && v.DataType() == awsevents.DataTypeString {
		return v.String()
	}
	return ""
}
