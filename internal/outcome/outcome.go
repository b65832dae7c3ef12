// Package outcome types the errors of a reconcile by what should happen next:
//   - a terminal error needs a change of spec: the stack is marked Stalled and
//     is not retried until it changes;
//   - any other error is transient: it is returned, and the controller retries
//     it with backoff;
//   - waiting on a child is not an error at all: render reports it as a state,
//     and the watch on the child brings the next reconcile.
package outcome

import (
	"errors"

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

// IsTerminal reports whether err, or an error it wraps, is terminal, and its reason.
func IsTerminal(err error) (string, bool) {
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
