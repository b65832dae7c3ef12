// Package stacktest is kubectl eds test: it sends a stack events with a fresh
// correlation id and follows each to where the stack routes it — an item in a
// table, a workflow execution to its end, a notification on a topic — and
// says, on a timeline, what arrived and what did not.
//
// A Scenario is the events and what each must cause (Seed is the seed's
// test); Resolve finds the names and ARNs in AWS of the components it names
// in the stack's status; Run sends and follows, through the AWS APIs alone,
// so it runs the same against AWS and against make run-local's simulated AWS.
package stacktest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Scenario is a test of a stack: events sent in order, each followed to its
// expectations before the next is sent (the seed's workflow needs the order
// and the stock the first two events make).
type Scenario struct {
	Events []Event `json:"events"`
}

// Event is one event to send and what it must cause.
type Event struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detailType"`
	Detail     json.RawMessage `json:"detail"`
	Expect     []Expectation   `json:"expect,omitempty"`
}

// Expectation is one thing an event must cause; exactly one field is set.
type Expectation struct {
	Item         *ItemExpectation         `json:"item,omitempty"`
	Execution    *ExecutionExpectation    `json:"execution,omitempty"`
	Notification *NotificationExpectation `json:"notification,omitempty"`
}

// ItemExpectation: the table (its name in the spec) holds an item with this
// key, whose attributes have these values (strings, numbers or booleans).
type ItemExpectation struct {
	Table      string         `json:"table"`
	Key        map[string]any `json:"key"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// ExecutionExpectation: the event starts an execution of the workflow (its
// name in the spec) that ends in this status (default SUCCEEDED).
type ExecutionExpectation struct {
	Workflow string `json:"workflow"`
	Status   string `json:"status,omitempty"`
}

// NotificationExpectation: a message published to the topic (its name in
// the spec) holds this text.
type NotificationExpectation struct {
	Topic    string `json:"topic"`
	Contains string `json:"contains"`
}

//go:embed seed.yaml
var seedYAML []byte

// Seed is the seed's test: its three events and where each lands.
func Seed() (*Scenario, error) { return Parse(seedYAML, "the seed's test") }

// Parse reads a scenario (YAML or JSON) and checks it, naming the field of
// anything wrong; name says where it came from, for the errors.
func Parse(data []byte, name string) (*Scenario, error) {
	var s Scenario
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(s.Events) == 0 {
		return nil, fmt.Errorf("%s: events: give at least one event", name)
	}
	for i, e := range s.Events {
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("%s: events[%d]%w", name, i, err)
		}
	}
	return &s, nil
}

func (e Event) check() error {
	switch {
	case e.Source == "":
		return fmt.Errorf(".source: required")
	case e.DetailType == "":
		return fmt.Errorf(".detailType: required")
	case len(e.Detail) == 0 || e.Detail[0] != '{':
		return fmt.Errorf(".detail: a JSON object is required (EventBridge's Detail)")
	}
	for j, x := range e.Expect {
		if err := x.check(); err != nil {
			return fmt.Errorf(".expect[%d]%w", j, err)
		}
	}
	return nil
}

func (x Expectation) check() error {
	set := 0
	for _, is := range []bool{x.Item != nil, x.Execution != nil, x.Notification != nil} {
		if is {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf(": set exactly one of item, execution, notification (%d set)", set)
	}
	switch {
	case x.Item != nil && x.Item.Table == "":
		return fmt.Errorf(".item.table: required")
	case x.Item != nil && len(x.Item.Key) == 0:
		return fmt.Errorf(".item.key: required (the item's key attributes)")
	case x.Execution != nil && x.Execution.Workflow == "":
		return fmt.Errorf(".execution.workflow: required")
	case x.Execution != nil && !validStatus[x.Execution.StatusOrDefault()]:
		return fmt.Errorf(".execution.status: %q is not an execution's end (SUCCEEDED, FAILED, TIMED_OUT, ABORTED)", x.Execution.Status)
	case x.Notification != nil && x.Notification.Topic == "":
		return fmt.Errorf(".notification.topic: required")
	case x.Notification != nil && x.Notification.Contains == "":
		return fmt.Errorf(".notification.contains: required (text the message holds)")
	}
	return nil
}

var validStatus = map[string]bool{"SUCCEEDED": true, "FAILED": true, "TIMED_OUT": true, "ABORTED": true}

// StatusOrDefault is the status the execution must end in.
func (x ExecutionExpectation) StatusOrDefault() string {
	if x.Status == "" {
		return "SUCCEEDED"
	}
	return x.Status
}

// Correlate returns the scenario with its placeholders filled: {{id}} by
// the run's correlation id, {{now}} by the time in RFC 3339.
func (s *Scenario) Correlate(id string, now time.Time) (*Scenario, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	filled := strings.NewReplacer("{{id}}", id, "{{now}}", now.UTC().Format(time.RFC3339)).Replace(string(raw))
	var out Scenario
	if err := json.Unmarshal([]byte(filled), &out); err != nil {
		return nil, fmt.Errorf("the correlation id %q does not fit in JSON strings: %w", id, err)
	}
	return &out, nil
}

// NewCorrelationID is a run's id: the time and a random suffix, short and
// made of the characters the seed's keys allow ([A-Za-z0-9._:-]).
func NewCorrelationID(now time.Time, random func() string) string {
	return "T" + now.UTC().Format("20060102T150405") + "-" + random()
}

// WithoutNotifications is the scenario without its notification checks.
func (s *Scenario) WithoutNotifications() *Scenario {
	out := &Scenario{Events: make([]Event, len(s.Events))}
	for i, e := range s.Events {
		e.Expect = nil
		for _, x := range s.Events[i].Expect {
			if x.Notification == nil {
				e.Expect = append(e.Expect, x)
			}
		}
		out.Events[i] = e
	}
	return out
}
