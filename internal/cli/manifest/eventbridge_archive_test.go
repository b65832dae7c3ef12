package manifest_test

import (
	"bytes"
	"encoding/json"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/manifest"
	"github.com/eventstack-io/eventstack-operator/internal/cli/predict"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// A bus that keeps an archive prints its CreateArchive call, with the bus's
// ARN; the seed, which keeps none, prints no such section.
func TestEventBridgeArchive(t *testing.T) {
	for _, tt := range []struct {
		name    string
		archive *v1alpha1.EventArchive
		want    map[string]any
	}{
		{name: "no archive"},
		{name: "an archive", archive: &v1alpha1.EventArchive{RetentionDays: 14, EventPattern: &apiextensionsv1.JSON{Raw: []byte(`{"source": ["orders"]}`)}},
			want: map[string]any{"ArchiveName": "custom-event-bus-archive", "RetentionDays": 14.0, "EventPattern": `{"source":["orders"]}`,
				"EventSourceArn": "arn:aws:events:us-east-1:" + predict.PlaceholderAccount + ":event-bus/custom-event-bus",
				"Description":    "Archive of the event bus custom-event-bus"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := seed.Stack(t, "shop")
			stack.Spec.EventBus.Archive = tt.archive
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
			archive, ok := got["CreateArchive"].(map[string]any)
			if tt.want == nil {
				if ok {
					t.Errorf("CreateArchive printed for a bus without an archive:\n%s", out.String())
				}
				return
			}
			for k, v := range tt.want {
				if archive[k] != v {
					t.Errorf("CreateArchive.%s = %v, want %v\n%s", k, archive[k], v, out.String())
				}
			}
		})
	}
}
