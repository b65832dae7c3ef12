// Package outcome types the errors of a reconcile by what should happen next:
//   - a terminal error needs a change of spec: the stack is marked Stalled and
//     is not retried until it changes;
//   - any other error is transient: it is returned, and the controller retries
//     it with backoff;
//   - waiting on a child is not an error at all: render reports it as a state,
//     and the watch on the child brings the next reconcile;
//   - a deferred error (of either kind) does not hold up the steps after it:
//     it is returned with theirs, once they had their turn.
package outcome

import (
	"errors"
	"strings"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// terminalError marks an error that retrying cannot fix.
type terminalError struct {
	reason string
	err    error
}

func (e *terminalError) Error() string { return e.err.Error() }
func (e *terminalError) Unwrap() error { return e.err }

// Terminal marks err as needing a spec change; reason is the CamelCase reason
// the Stalled condition gets.
func Terminal(reason string, err error) error {
	if err == nil {
		return nil
	}
	return &terminalError{reason: reason, err: err}
}

// IsTerminal reports whether err, or an error it wraps, is terminal, and its
// reason. An aggregate (Aggregate) is terminal when every error it holds is.
func IsTerminal(err error) (string, bool) {
	var agg *aggregate
	if errors.As(err, &agg) {
		reason := ""
		for _, e := range agg.errs {
			r, terminal := IsTerminal(e)
			if !terminal {
				return "", false
			}
			if reason == "" {
				reason = r
			}
		}
		return reason, true
	}
	var t *terminalError
	if errors.As(err, &t) {
		return t.reason, true
	}
	return "", false
}

// ChildState is the state of a status line whose last attempt failed with
// err: Stalled when retrying cannot fix it, InProgress otherwise.
func ChildState(err error) v1alpha1.ChildState {
	if _, terminal := IsTerminal(err); terminal {
		return v1alpha1.ChildStalled
	}
	return v1alpha1.ChildInProgress
}

// First returns a transient error of errs if there is one (a retry may fix
// it), else the first terminal one, else nil: what a family of AWS calls that
// each had their turn returns.
func First(errs []error) error {
	var terminal error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if _, t := IsTerminal(err); !t {
			return err
		}
		if terminal == nil {
			terminal = err
		}
	}
	return terminal
}

// deferredError marks an error that does not hold up the steps after it.
type deferredError struct{ err error }

func (e *deferredError) Error() string { return e.err.Error() }
func (e *deferredError) Unwrap() error { return e.err }

// Deferred marks err as not holding up the steps after the one it stopped:
// the operator's own AWS calls ahead of the children (the routing read, the
// log groups), so that the children are applied without AWS access too.
func Deferred(err error) error {
	if err == nil {
		return nil
	}
	return &deferredError{err: err}
}

// IsDeferred reports whether err was marked Deferred.
func IsDeferred(err error) bool {
	var d *deferredError
	return errors.As(err, &d)
}

// aggregate is the errors of several steps.
type aggregate struct{ errs []error }

func (a *aggregate) Error() string {
	msgs := make([]string, len(a.errs))
	for i, e := range a.errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (a *aggregate) Unwrap() []error { return a.errs }

// Aggregate is the error of a reconcile whose steps failed with errs: nil
// when none did, the error itself when one did (or all failed with the same
// message: the cause is said once), else all of them, terminal only when
// every one is.
func Aggregate(errs []error) error {
	var out []error
	seen := map[string]bool{}
	for _, e := range errs {
		if e == nil || seen[e.Error()] {
			continue
		}
		seen[e.Error()] = true
		out = append(out, e)
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return &aggregate{errs: out}
}
