// Package putevents sends test events to a stack's EventBridge bus: the
// seed's three example events, or one of the user's own.
package putevents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// Event is one event to send.
type Event struct {
	Source     string
	DetailType string
	// Detail is a JSON object, as text.
	Detail string
}

// SeedEvents are the example events of the seed's "Send Test Events", byte
// for byte: an order created, a restock and a workflow trigger, one for each
// of the seed's order, inventory and workflow rules.
var SeedEvents = []Event{
	{Source: "orders", DetailType: "Order Created",
		Detail: `{"order_id":"ORD-001","customer_id":"CUST-001","items":[{"item_id":"ITEM-001","quantity":2,"price":29.99}],"total":59.98,"timestamp":"2024-01-15T10:00:00Z"}`},
	{Source: "inventory", DetailType: "Inventory Updated",
		Detail: `{"item_id":"ITEM-001","quantity":100,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`},
	{Source: "workflow", DetailType: "Workflow Triggered",
		Detail: `{"workflow_id":"WF-001","order_id":"ORD-001","timestamp":"2024-01-15T10:00:00Z"}`},
}

// ReadDetail returns an event detail given as JSON text or as @file, checked
// to be a JSON object (EventBridge refuses anything else). The text is sent
// as written.
func ReadDetail(arg string) (string, error) {
	text := arg
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("--detail: %w", err)
		}
		text = string(b)
	}
	text = strings.TrimSpace(text)
	var obj map[string]any
	if err := json.Unmarshal([]byte(text), &obj); err != nil || obj == nil {
		return "", fmt.Errorf("--detail must be a JSON object (or @file holding one): %s", firstLine(text))
	}
	return text, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// BusName returns the name in AWS of the stack's bus, as the operator
// reported it: the output eventBus.<name>.name, else the EventBus child.
func BusName(stack *v1alpha1.EventDrivenStack) (string, error) {
	if stack.Spec.EventBus == nil {
		return "", fmt.Errorf("stack %s/%s has no event bus (spec.eventBus)", stack.Namespace, stack.Name)
	}
	if name := stack.Status.Outputs["eventBus."+stack.Spec.EventBus.Name+".name"]; name != "" {
		return name, nil
	}
	for _, c := range stack.Status.Children {
		if c.Kind == "EventBus" && c.Name != "" {
			return c.Name, nil
		}
	}
	return "", fmt.Errorf("stack %s/%s has not reported its event bus yet (status.outputs has no eventBus.%s.name): is the operator running?",
		stack.Namespace, stack.Name, stack.Spec.EventBus.Name)
}

// API is the EventBridge call this package makes.
type API interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Result is what EventBridge answered for one event: an id, or an error.
type Result struct {
	Event        Event
	EventID      string
	ErrorCode    string
	ErrorMessage string
}

// Failed reports whether EventBridge refused the event.
func (r Result) Failed() bool { return r.EventID == "" || r.ErrorCode != "" }

// maxEntries is the most entries PutEvents takes in one call.
const maxEntries = 10

// Send puts events on a bus, at most 10 per call, and returns one result per
// event, in order. An error means a call failed as a whole (credentials,
// network, an unknown bus in some emulators); refused entries are results.
func Send(ctx context.Context, api API, bus string, events []Event) ([]Result, error) {
	var out []Result
	for start := 0; start < len(events); start += maxEntries {
		batch := events[start:min(start+maxEntries, len(events))]
		in := &eventbridge.PutEventsInput{}
		for _, e := range batch {
			in.Entries = append(in.Entries, ebtypes.PutEventsRequestEntry{
				EventBusName: ptr.To(bus), Source: ptr.To(e.Source), DetailType: ptr.To(e.DetailType), Detail: ptr.To(e.Detail),
			})
		}
		resp, err := api.PutEvents(ctx, in)
		if err != nil {
			return out, fmt.Errorf("PutEvents on %s: %w", bus, err)
		}
		if len(resp.Entries) != len(batch) {
			return out, errors.New("PutEvents answered a different number of entries than it was sent")
		}
		for i, e := range batch {
			r := resp.Entries[i]
			out = append(out, Result{Event: e, EventID: ptr.Deref(r.EventId, ""),
				ErrorCode: ptr.Deref(r.ErrorCode, ""), ErrorMessage: ptr.Deref(r.ErrorMessage, "")})
		}
	}
	return out, nil
}
