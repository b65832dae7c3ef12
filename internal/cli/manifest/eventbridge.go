package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// EventBridgeCalls are the AWS API calls the operator makes to create a
// stack's routing, as their SDK input structs, in the order it makes them.
type EventBridgeCalls struct {
	// CreateEventBus is nil for a stack without a bus.
	CreateEventBus *eventbridge.CreateEventBusInput
	// PutRule, one per rule, in spec order.
	PutRule []eventbridge.PutRuleInput
	// PutTargets, one per rule (the operator splits a call at 10 targets;
	// a rule has at most 5).
	PutTargets []eventbridge.PutTargetsInput
	// AddPermission, one per function target of a rule.
	AddPermission []lambda.AddPermissionInput
	// CreateArchive is the bus's archive (spec.eventBus.archive); nil for
	// none. Its EventSourceArn is the bus's, once the account is known.
	CreateArchive *eventbridge.CreateArchiveInput
}

// EventBridge builds the stack's routing with the operator's builder from
// obs. It fails when a rule's targets still wait for a value obs lacks.
func EventBridge(stack *v1alpha1.EventDrivenStack, obs render.Observed) (*EventBridgeCalls, error) {
	routing, err := render.BuildRouting(stack, obs)
	if err != nil {
		return nil, err
	}
	out := &EventBridgeCalls{CreateEventBus: routing.Bus}
	if a := render.BuildArchive(stack); a != nil {
		out.CreateArchive = &eventbridge.CreateArchiveInput{ArchiveName: &a.Name, RetentionDays: &a.RetentionDays,
			Description: ptr.To("Archive of the event bus " + stack.Spec.NamePrefix + stack.Spec.EventBus.Name)}
		if arn := obs.ARNs[render.Key(refs.EventBus, stack.Spec.EventBus.Name)]; arn != "" {
			out.CreateArchive.EventSourceArn = &arn
		}
		if a.EventPattern != "" {
			out.CreateArchive.EventPattern = &a.EventPattern
		}
	}
	var waiting []string
	for _, r := range routing.Rules {
		out.PutRule = append(out.PutRule, r.PutRule)
		if len(r.Needs) > 0 || r.PutTargets == nil {
			waiting = append(waiting, fmt.Sprintf("rule %s waits for %v", r.Name, r.Needs))
			continue
		}
		out.PutTargets = append(out.PutTargets, *r.PutTargets)
		out.AddPermission = append(out.AddPermission, r.Permissions...)
	}
	if len(waiting) > 0 {
		return nil, fmt.Errorf("not every rule can be built: %s", strings.Join(waiting, "; "))
	}
	return out, nil
}

// WriteEventBridge prints the calls as one JSON object:
// {"CreateEventBus": {...}, "PutRule": [...], "PutTargets": [...], "AddPermission": [...]},
// and "CreateArchive": {...} for a bus that keeps an archive.
// Each input is the SDK's struct marshalled as is, so its members carry the
// API's names; unset members (null, "") are left out, so that each input
// reads as the request AWS receives and can be given to the AWS CLI's
// --cli-input-json.
func WriteEventBridge(w io.Writer, calls *EventBridgeCalls) error {
	sections := []struct {
		name  string
		value any
	}{
		{"CreateEventBus", calls.CreateEventBus},
		{"PutRule", orEmpty(calls.PutRule)},
		{"PutTargets", orEmpty(calls.PutTargets)},
		{"AddPermission", orEmpty(calls.AddPermission)},
	}
	if calls.CreateArchive != nil {
		sections = append(sections, struct {
			name  string
			value any
		}{"CreateArchive", calls.CreateArchive})
	}
	var buf bytes.Buffer
	buf.WriteString("{")
	for i, s := range sections {
		v, err := withoutUnset(s.value)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, "\n  %q: %s", s.name, b)
	}
	buf.WriteString("\n}\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// orEmpty makes a nil list print as [] rather than null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// withoutUnset marshals v and drops every null, empty string, and object left
// empty, at any depth. Numbers keep their text.
func withoutUnset(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	out, _ := prune(generic)
	return out, nil
}

// prune returns x without its unset members, and whether x itself is unset.
func prune(x any) (any, bool) {
	switch t := x.(type) {
	case nil:
		return nil, true
	case string:
		return t, t == ""
	case map[string]any:
		for k, v := range t {
			if pv, unset := prune(v); unset {
				delete(t, k)
			} else {
				t[k] = pv
			}
		}
		return t, len(t) == 0
	case []any:
		for i, v := range t {
			t[i], _ = prune(v)
		}
		return t, false
	default:
		return t, false
	}
}
