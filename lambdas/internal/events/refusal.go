package events

import (
	"errors"
	"fmt"
)

// Kinds of refusal. A Step Functions task sees the kind as the error's type,
// so the workflow can Catch or route on it.
const (
	KindInvalidEvent        = "InvalidEvent"        // malformed or invalid input
	KindUnsupportedEvent    = "UnsupportedEvent"    // valid JSON this function does not handle
	KindInvalidOrder        = "InvalidOrder"        // a workflow step's order is missing or invalid
	KindOrderNotFound       = "OrderNotFound"       // the event names an order the table does not hold
	KindOrderConflict       = "OrderConflict"       // another order with the same id, different content
	KindInvalidTransition   = "InvalidTransition"   // the order's status cannot move that way
	KindInsufficientStock   = "InsufficientStock"   // a reservation would take the stock below zero
	KindReservationReleased = "ReservationReleased" // the order's reservation was released already
	KindIdempotencyConflict = "IdempotencyConflict" // an event id seen before with another payload
)

// Refusal is a terminal outcome: the input can never succeed as it is, so it
// must not be retried. The handlers log it with its reason and route the input
// to the dead-letter path; any other error is taken as transient and retried.
type Refusal struct {
	Kind   string
	Reason string
}

// Refuse returns a Refusal of the kind with a formatted reason.
func Refuse(kind, format string, args ...any) *Refusal {
	return &Refusal{Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

func (r *Refusal) Error() string { return r.Kind + ": " + r.Reason }

// AsRefusal reports whether err is terminal, and how: a Refusal, or a
// ValidationError (which is an InvalidEvent).
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r, true
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return &Refusal{Kind: KindInvalidEvent, Reason: v.Error()}, true
	}
	return nil, false
}
