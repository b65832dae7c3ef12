package manifest_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/cli/manifest"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// Printing part of a stack would mislead: without the values the children
// wait for, Children and EventBridge refuse and say what waits.
func TestRefusesWhatStillWaits(t *testing.T) {
	stack := seed.Stack(t, "shop")
	nothing := render.Observed{ARNs: map[string]string{}, URLs: map[string]string{}}
	_, err := manifest.Children(stack, nothing, manifest.Options{})
	if err == nil || !strings.Contains(err.Error(), "Function event-driven-stack.event-order-processor waits for") {
		t.Errorf("children: %v", err)
	}
	_, err = manifest.EventBridge(stack, nothing)
	if err == nil || !strings.Contains(err.Error(), "rule order-events-rule waits for") {
		t.Errorf("eventbridge: %v", err)
	}
}

// A stack without a bus makes no EventBridge call.
func TestNoBus(t *testing.T) {
	stack := seed.Stack(t, "shop")
	stack.Spec.EventBus, stack.Spec.Rules = nil, nil
	obs, err := predict.ResolveIn(stack, predict.PlaceholderAccount)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := manifest.EventBridge(stack, obs)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := manifest.WriteEventBridge(&out, calls); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["CreateEventBus"] != nil || len(got["PutRule"].([]any)) != 0 || len(got["PutTargets"].([]any)) != 0 || len(got["AddPermission"].([]any)) != 0 {
		t.Errorf("calls for a stack without a bus:\n%s", out.String())
	}
	objs, err := manifest.Children(stack, obs, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GetName() == "event-driven-stack.events--dlq" {
			t.Error("an EventBridge dead-letter queue without rules")
		}
	}
	if err := manifest.Write(&out, objs, "toml"); err == nil || !strings.Contains(err.Error(), "yaml, json") {
		t.Errorf("unknown format: %v", err)
	}
}
