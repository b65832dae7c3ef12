package outcome

import (
	"errors"
	"fmt"
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

func TestAggregate(t *testing.T) {
	denied := Terminal("AWSCredentials", errors.New("no AWS credentials"))
	invalid := Terminal("InvalidSpec", errors.New("spec.rules[0]: invalid"))
	throttled := errors.New("throttled")
	tests := []struct {
		name         string
		errs         []error
		wantMsg      string // "" for no error
		wantTerminal bool
		wantReason   string
	}{
		{name: "none", errs: []error{nil, nil}},
		{name: "one stays itself", errs: []error{nil, throttled}, wantMsg: "throttled"},
		{name: "one terminal, deferred: still terminal", errs: []error{Deferred(denied)}, wantMsg: "no AWS credentials", wantTerminal: true, wantReason: "AWSCredentials"},
		{name: "the same cause from two steps is said once", errs: []error{Deferred(denied), Deferred(Terminal("AWSCredentials", errors.New("no AWS credentials")))},
			wantMsg: "no AWS credentials", wantTerminal: true, wantReason: "AWSCredentials"},
		{name: "terminal only when every one is", errs: []error{Deferred(denied), throttled}, wantMsg: "no AWS credentials; throttled"},
		{name: "all terminal: the first reason", errs: []error{denied, invalid}, wantMsg: "no AWS credentials; spec.rules[0]: invalid", wantTerminal: true, wantReason: "AWSCredentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Aggregate(tt.errs)
			if got := fmt.Sprint(err); (err == nil) != (tt.wantMsg == "") || (err != nil && got != tt.wantMsg) {
				t.Errorf("got %v, want %q", err, tt.wantMsg)
			}
			reason, terminal := IsTerminal(err)
			if terminal != tt.wantTerminal || reason != tt.wantReason {
				t.Errorf("terminal: got %v %q, want %v %q", terminal, reason, tt.wantTerminal, tt.wantReason)
			}
		})
	}
}

func TestDeferred(t *testing.T) {
	if Deferred(nil) != nil {
		t.Error("Deferred(nil) is not nil")
	}
	base := errors.New("throttled")
	err := fmt.Errorf("reading the bus: %w", Deferred(base))
	if !IsDeferred(err) || !errors.Is(err, base) || IsDeferred(base) {
		t.Errorf("IsDeferred(%v) = %v, errors.Is = %v", err, IsDeferred(err), errors.Is(err, base))
	}
}

func TestFirstAndChildState(t *testing.T) {
	terminal := Terminal("Forbidden", errors.New("denied"))
	transient := errors.New("throttled")
	if got := First([]error{nil, terminal, transient}); got != transient {
		t.Errorf("First: got %v, want the transient error", got)
	}
	if got := First([]error{nil, terminal}); got != terminal {
		t.Errorf("First: got %v, want the terminal error", got)
	}
	if First(nil) != nil {
		t.Error("First(nil) is not nil")
	}
	if ChildState(terminal) != v1alpha1.ChildStalled || ChildState(transient) != v1alpha1.ChildInProgress {
		t.Error("ChildState: a terminal error is Stalled, any other InProgress")
	}
}
