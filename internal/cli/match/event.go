package match

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/cli/putevents"
)

// Event is one event as the rules see it: the whole EventBridge event.
type Event struct {
	// Label names the event for people: "orders / Order Created".
	Label string
	// JSON is the event: version, id, detail-type, source, account, time,
	// region, resources and detail, and any other field it was given.
	JSON []byte
}

// Envelope is what EventBridge adds to what a sender gives PutEvents: the
// event's id, its time (when the entry has none), the account and region of
// the bus, and resources (empty when the entry has none).
type Envelope struct {
	Account string
	Region  string
	Time    time.Time
	// NewID returns a new event id; nil for a random UUID, as EventBridge's.
	NewID func() string
}

// EnvelopeFor is the envelope of events put on the stack's bus at now: its
// region, and its account as the operator reported it in the bus's ARN,
// else spec.adoption.accountID, else predict.PlaceholderAccount.
func EnvelopeFor(stack *v1alpha1.EventDrivenStack, now time.Time) Envelope {
	account := predict.PlaceholderAccount
	if a := stack.Spec.Adoption; a != nil && a.AccountID != "" {
		account = a.AccountID
	}
	if bus := stack.Spec.EventBus; bus != nil {
		if a := arns.Account(stack.Status.Outputs["eventBus."+bus.Name+".arn"]); accountRE.MatchString(a) {
			account = a
		}
	}
	return Envelope{Account: account, Region: stack.Spec.Region, Time: now}
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

func (env Envelope) id() string {
	if env.NewID != nil {
		return env.NewID()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// FromPutEvents is the event EventBridge makes of a PutEvents entry.
func FromPutEvents(e putevents.Event, env Envelope) (Event, error) {
	return complete(map[string]json.RawMessage{
		"source":      mustJSON(e.Source),
		"detail-type": mustJSON(e.DetailType),
		"detail":      json.RawMessage(e.Detail),
	}, env)
}

// Read reads events from r (name names it in errors): one event or an array
// of them, each either an EventBridge event ({"source", "detail-type",
// "detail", ...}) or a PutEvents entry ({"Source", "DetailType", "Detail":
// "<JSON text>", ...}, as aws events put-events --entries takes them; a
// {"Entries": [...]} object too). What EventBridge adds is taken from env
// where the event lacks it.
func Read(r io.Reader, name string, env Envelope) ([]Event, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var doc json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no event in it", name)
		}
		return nil, fmt.Errorf("%s: not JSON: %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: more than one JSON value: give one event, or an array of events", name)
	}
	var items []json.RawMessage
	if doc[0] == '[' {
		if err := json.Unmarshal(doc, &items); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	} else {
		var wrapper struct {
			Entries []json.RawMessage `json:"Entries"`
		}
		if err := json.Unmarshal(doc, &wrapper); err == nil && wrapper.Entries != nil {
			items = wrapper.Entries
		} else {
			items = []json.RawMessage{doc}
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no event in it", name)
	}
	events := make([]Event, 0, len(items))
	for i, item := range items {
		e, err := parseOne(item, env)
		if err != nil {
			if len(items) > 1 {
				return nil, fmt.Errorf("%s: event %d: %w", name, i+1, err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		events = append(events, e)
	}
	return events, nil
}

// parseOne reads an EventBridge event or a PutEvents entry.
func parseOne(item json.RawMessage, env Envelope) (Event, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
		return Event{}, fmt.Errorf("an event must be a JSON object, got %s", firstLine(string(item)))
	}
	_, hasSource := fields["Source"]
	_, hasType := fields["DetailType"]
	_, hasDetail := fields["Detail"]
	if !hasSource && !hasType && !hasDetail {
		return complete(fields, env)
	}
	// A PutEvents entry: Detail is JSON text in a string.
	event := map[string]json.RawMessage{}
	for from, to := range map[string]string{"Source": "source", "DetailType": "detail-type", "Resources": "resources", "Time": "time"} {
		if v, ok := fields[from]; ok {
			event[to] = v
		}
	}
	if raw, ok := fields["Detail"]; ok {
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return Event{}, errors.New(`"Detail" must be a string holding a JSON object, as PutEvents takes it`)
		}
		event["detail"] = json.RawMessage(text)
	}
	return complete(event, env)
}

// complete checks what PutEvents requires (source, detail-type, a detail
// object) and fills in what EventBridge adds.
func complete(fields map[string]json.RawMessage, env Envelope) (Event, error) {
	var source, detailType string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"source", &source}, {"detail-type", &detailType}} {
		raw, ok := fields[f.name]
		if !ok {
			return Event{}, fmt.Errorf("the event has no %q (an event needs source, detail-type and detail)", f.name)
		}
		if err := json.Unmarshal(raw, f.dst); err != nil || *f.dst == "" {
			return Event{}, fmt.Errorf("%q must be a non-empty string, got %s", f.name, firstLine(string(raw)))
		}
	}
	detail, ok := fields["detail"]
	if !ok {
		return Event{}, errors.New(`the event has no "detail" (an event needs source, detail-type and detail)`)
	}
	if trimmed := bytes.TrimSpace(detail); len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return Event{}, fmt.Errorf("the detail must be a JSON object, got %s", firstLine(string(detail)))
	}
	defaults := map[string]json.RawMessage{
		"version":   mustJSON("0"),
		"account":   mustJSON(env.Account),
		"region":    mustJSON(env.Region),
		"time":      mustJSON(env.Time.UTC().Format(time.RFC3339)),
		"resources": json.RawMessage(`[]`),
	}
	for k, v := range defaults {
		if _, ok := fields[k]; !ok {
			fields[k] = v
		}
	}
	if _, ok := fields["id"]; !ok {
		fields["id"] = mustJSON(env.id())
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return Event{}, err
	}
	return Event{Label: source + " / " + detailType, JSON: data}, nil
}

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if len(s) > 80 {
		cut := 80
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + " …"
	}
	return s
}
