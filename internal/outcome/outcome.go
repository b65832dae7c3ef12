// Package outcome types the errors of a reconcile by what should happen next:
//   - a terminal error needs a change of spec: the stack is marked Stalled and
//     is not retried until it changes;
//   - any other error is transient: it is returned, and the controller retries
//     it with backoff;
//   - waiting on a child is not an error at all: render reports it as a state,
//     and the watch on the child brings the next reconcile.
package outcome

import "errors"

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
