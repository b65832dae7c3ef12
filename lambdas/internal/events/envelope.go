package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// Shape is the kind of payload a function was invoked with.
type Shape int

const (
	// ShapeUnknown is anything else, including input that is not a JSON object.
	ShapeUnknown Shape = iota
	// ShapeEventBridge is an event delivered by an EventBridge rule: it has
	// "detail-type" and "detail".
	ShapeEventBridge
	// ShapeSQS is a batch from an SQS event source mapping: "Records" whose
	// eventSource is "aws:sqs".
	ShapeSQS
	// ShapeStep is a task input of the order workflow: it has "step".
	ShapeStep
)

func (s Shape) String() string {
	switch s {
	case ShapeEventBridge:
		return "eventbridge"
	case ShapeSQS:
		return "sqs"
	case ShapeStep:
		return "workflow-step"
	default:
		return "unknown"
	}
}

// MaxPayloadBytes bounds what is decoded: Lambda's largest event payload.
const MaxPayloadBytes = 1 << 20

// ShapeOf tells the payload's shape from its top-level keys alone; decoding
// it is the next step. A payload with "Records" is an SQS batch only when its
// first record says eventSource "aws:sqs".
func ShapeOf(raw []byte) Shape {
	var top map[string]json.RawMessage
	if len(raw) > MaxPayloadBytes || json.Unmarshal(raw, &top) != nil || top == nil {
		return ShapeUnknown
	}
	if records, ok := top["Records"]; ok {
		var first []struct {
			EventSource string `json:"eventSource"`
		}
		if json.Unmarshal(records, &first) == nil && len(first) > 0 && first[0].EventSource == "aws:sqs" {
			return ShapeSQS
		}
		return ShapeUnknown
	}
	if _, ok := top["step"]; ok {
		return ShapeStep
	}
	_, hasType := top["detail-type"]
	_, hasDetail := top["detail"]
	if hasType || hasDetail {
		return ShapeEventBridge
	}
	return ShapeUnknown
}

// EventBridgeEvent is an event as EventBridge delivers it to a target.
type EventBridgeEvent struct {
	Version    string          `json:"version,omitempty"`
	ID         string          `json:"id,omitempty"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account,omitempty"`
	Time       string          `json:"time,omitempty"`
	Region     string          `json:"region,omitempty"`
	Resources  []string        `json:"resources,omitempty"`
	Detail     json.RawMessage `json:"detail"`
}

// maxEventIDBytes bounds an event id: it becomes part of a table key.
const maxEventIDBytes = 256

// DecodeEventBridge decodes an EventBridge event and checks its envelope:
// source and detail-type present, detail a JSON object. When requireID is set
// (an event straight from EventBridge, which always has one) the id must be
// present too; in an SQS message the message id stands in for a missing one.
func DecodeEventBridge(raw []byte, requireID bool) (EventBridgeEvent, error) {
	var ev EventBridgeEvent
	var p problems
	if len(raw) > MaxPayloadBytes {
		p.add("", "the event is %d bytes, more than %d", len(raw), MaxPayloadBytes)
		return ev, p.err()
	}
	if !utf8.Valid(raw) {
		// encoding/json would turn the bad bytes into U+FFFD and go on.
		p.add("", "the event is not valid UTF-8, which JSON text must be")
		return ev, p.err()
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		p.add("", "the event is not a JSON object of the EventBridge shape: %s", jsonProblem(err))
		return ev, p.err()
	}
	if requireID {
		p.text("id", ev.ID, maxEventIDBytes, true)
	} else {
		p.text("id", ev.ID, maxEventIDBytes, false)
	}
	p.text("source", ev.Source, 256, true)
	p.text("detail-type", ev.DetailType, 128, true)
	if !isJSONObject(ev.Detail) {
		p.add("detail", "must be a JSON object")
	}
	return ev, p.err()
}

// DecodeSQS decodes a batch of SQS messages. Each record must come from SQS
// and have a message id (the batch response names failed messages by it); the
// bodies are decoded one by one by the caller, so one bad body fails only its
// own message.
func DecodeSQS(raw []byte) (awsevents.SQSEvent, error) {
	var ev awsevents.SQSEvent
	var p problems
	if len(raw) > MaxPayloadBytes {
		p.add("", "the batch is %d bytes, more than %d", len(raw), MaxPayloadBytes)
		return ev, p.err()
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		p.add("", "the payload is not an SQS batch: %s", jsonProblem(err))
		return ev, p.err()
	}
	if len(ev.Records) == 0 {
		p.add("Records", "is empty")
	}
	for i, r := range ev.Records {
		if r.EventSource != "aws:sqs" {
			p.add(fmt.Sprintf("Records[%d].eventSource", i), "is %q, not aws:sqs", clip(r.EventSource))
		}
		if r.MessageId == "" {
			p.add(fmt.Sprintf("Records[%d].messageId", i), "is required")
		}
	}
	return ev, p.err()
}

// isJSONObject reports whether raw is a JSON object (after whitespace).
func isJSONObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// jsonProblem describes a decoding error without Go type names.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Error())
	case *json.UnmarshalTypeError:
		field := e.Field
		if field == "" {
			field = "the value"
		}
		return fmt.Sprintf("%s must not be a JSON %s", field, e.Value)
	default:
		return err.Error()
	}
}
