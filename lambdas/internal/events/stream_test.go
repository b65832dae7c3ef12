package events

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeDynamoDBStreamNamesTheField(t *testing.T) {
	cases := map[string]string{
		`[]`:                    "must be a JSON object",
		`{"Records":[]}`:        "Records: is empty",
		`{}`:                    "Records: is empty",
		`{"Records":"x"}`:       "Records: must not be a JSON string",
		`{"Records":[1,2`:       "not a DynamoDB stream batch",
		`{"Records":[{"a":1}]}`: "",
	}
	for payload, want := range cases {
		_, err := DecodeDynamoDBStream([]byte(payload))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", payload, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want %q", payload, err, want)
		}
	}
}

const goodRecord = `{"eventID":"e1","eventName":"MODIFY","eventSource":"aws:dynamodb","eventVersion":"1.1","awsRegion":"us-east-1",` +
	`"dynamodb":{"ApproximateCreationDateTime":1705312800,"Keys":{"order_id":{"S":"ORD-1"}},` +
	`"OldImage":{"order_id":{"S":"ORD-1"},"status":{"S":"created"},"record_type":{"S":"order"},"total":{"N":"10.50"}},` +
	`"NewImage":{"order_id":{"S":"ORD-1"},"status":{"S":"completed"},"record_type":{"S":"order"},"total":{"N":"10.50"}},` +
	`"SequenceNumber":"111","SizeBytes":90,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`

func TestDecodeStreamRecord(t *testing.T) {
	rec, err := DecodeStreamRecord(json.RawMessage(goodRecord))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseOrderChange(rec)
	if err != nil {
		t.Fatal(err)
	}
	if c != (OrderChange{OrderID: "ORD-1", RecordType: "order", OldStatus: "created", NewStatus: "completed"}) || !c.IsOrder() {
		t.Fatalf("change %+v", c)
	}

	cases := map[string]struct{ from, to, want string }{
		"source":     {`"eventSource":"aws:dynamodb"`, `"eventSource":"aws:kinesis"`, `eventSource: is "aws:kinesis", not aws:dynamodb`},
		"no id":      {`"eventID":"e1",`, ``, "eventID: is required"},
		"event name": {`"MODIFY"`, `"UPSERT"`, `eventName: is "UPSERT", not INSERT, MODIFY or REMOVE`},
		"no seq":     {`"SequenceNumber":"111",`, ``, "dynamodb.SequenceNumber: is required"},
		"no keys":    {`"Keys":{"order_id":{"S":"ORD-1"}},`, ``, "dynamodb.Keys: is required"},
		"bad image":  {`"total":{"N":"10.50"}}`, `"total":{"Q":"10.50"}}`, "dynamodb: "},
		"not a map":  {`"dynamodb":{`, `"dynamodb":7,"x":{`, "dynamodb: must not be a JSON number"},
	}
	for name, c := range cases {
		raw := strings.Replace(goodRecord, c.from, c.to, 1)
		rec, err := DecodeStreamRecord(json.RawMessage(raw))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
		if name == "bad image" && (rec.EventID != "e1" || rec.Change.SequenceNumber != "111") {
			t.Errorf("a record that does not decode is still named: %+v", rec)
		}
	}
}

func TestParseOrderChangeNamesTheField(t *testing.T) {
	cases := map[string]struct{ from, to, want string }{
		"key missing":   {`"Keys":{"order_id":{"S":"ORD-1"}}`, `"Keys":{"id":{"S":"ORD-1"}}`, "dynamodb.Keys.order_id: is required"},
		"key number":    {`"Keys":{"order_id":{"S":"ORD-1"}}`, `"Keys":{"order_id":{"N":"1"}}`, "dynamodb.Keys.order_id: must be a string"},
		"key pattern":   {`"Keys":{"order_id":{"S":"ORD-1"}}`, `"Keys":{"order_id":{"S":"-x y"}}`, "dynamodb.Keys.order_id: \"-x y\" is not an identifier"},
		"keys only":     {`"OldImage":{"order_id":{"S":"ORD-1"},"status":{"S":"created"},"record_type":{"S":"order"},"total":{"N":"10.50"}},`, ``, "dynamodb.OldImage: is required: the table's stream must have viewType NEW_AND_OLD_IMAGES (the record's is NEW_AND_OLD_IMAGES)"},
		"status number": {`"status":{"S":"completed"}`, `"status":{"N":"2"}`, "dynamodb.NewImage.status: must be a string"},
		"no status":     {`"status":{"S":"created"},`, ``, "dynamodb.OldImage.status: is required"},
	}
	for name, c := range cases {
		raw := strings.Replace(goodRecord, c.from, c.to, 1)
		rec, err := DecodeStreamRecord(json.RawMessage(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = ParseOrderChange(rec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
		if _, ok := AsRefusal(err); !ok {
			t.Errorf("%s: %v is not a refusal", name, err)
		}
	}

	// Another function's idempotency record in the table is not an order,
	// and its images are not read.
	raw := strings.NewReplacer(`{"S":"ORD-1"}`, `{"S":"idempotency#orders#e9"}`, `"status":{"S":"created"},`, ``).Replace(goodRecord)
	rec, err := DecodeStreamRecord(json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ParseOrderChange(rec); err != nil || c.IsOrder() {
		t.Fatalf("idempotency record: %+v, %v", c, err)
	}
}

// FuzzDecodeStream: no batch or record panics the decoders, and what they
// accept holds what the stream consumer relies on.
func FuzzDecodeStream(f *testing.F) {
	f.Add([]byte(`{"Records":[` + goodRecord + `]}`))
	f.Add([]byte(`{"Records":[` + strings.Replace(goodRecord, `"N":"10.50"`, `"L":[{"M":{"a":{"NULL":true}}}]`, 1) + `]}`))
	f.Add([]byte(`{"Records":[{"eventID":"x","dynamodb":{"Keys":{"order_id":{"B":"AAA="}}}}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		records, err := DecodeDynamoDBStream(raw)
		if err != nil {
			return
		}
		for _, r := range records {
			rec, err := DecodeStreamRecord(r)
			if err != nil {
				if _, ok := AsRefusal(err); !ok {
					t.Fatalf("a decoding error that is not a refusal: %v", err)
				}
				continue
			}
			if rec.EventID == "" || rec.Change.SequenceNumber == "" || len(rec.Change.Keys) == 0 {
				t.Fatalf("accepted %+v", rec)
			}
			c, err := ParseOrderChange(rec)
			if err != nil || !c.IsOrder() || rec.EventName != StreamModify {
				continue
			}
			if !IDPattern.MatchString(c.OrderID) || c.OldStatus == "" || c.NewStatus == "" {
				t.Fatalf("accepted change %+v", c)
			}
		}
	})
}
