package localack

import (
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// Every model is of a kind the operator creates: a row for a kind renamed or
// gone would silently model nothing.
func TestModelsAreOfKinds(t *testing.T) {
	for kind, m := range models {
		if ack.KindNamed(kind) == nil {
			t.Errorf("model %s: no such kind in ack.Kinds", kind)
		}
		if m.created == nil && m.synced == nil && m.updated == nil && m.aws == nil {
			t.Errorf("model %s says nothing: drop it", kind)
		}
	}
}
