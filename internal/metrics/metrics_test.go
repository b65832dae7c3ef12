package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRecordStackCountsEachStackOnce(t *testing.T) {
	RecordStack("ns/a", StateProgressing)
	RecordStack("ns/b", StateProgressing)
	RecordStack("ns/a", StateReady)
	RecordStack("ns/a", StateReady)
	if got := testutil.ToFloat64(Stacks.WithLabelValues(StateReady)); got != 1 {
		t.Errorf("ready = %v, want 1", got)
	}
	if got := testutil.ToFloat64(Stacks.WithLabelValues(StateProgressing)); got != 1 {
		t.Errorf("progressing = %v, want 1", got)
	}
	ForgetStack("ns/a")
	ForgetStack("ns/a")
	if got := testutil.ToFloat64(Stacks.WithLabelValues(StateReady)); got != 0 {
		t.Errorf("ready after delete = %v, want 0", got)
	}
}
