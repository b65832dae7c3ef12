package controller

import (
	"time"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// The routing memo (routingMemo) spares a stack's reconciles within one
// resync interval of a read of EventBridge and Lambda from reading again.

// freshRouting returns the stack's routing memo if it is still within the
// resync interval of its read and of the same generation (a spec edit reads
// AWS again). Without a resync interval, every reconcile reads. The reconcile
// changes it in place as its calls change AWS, and then remembers or forgets
// it: no copy is needed, since controller-runtime never reconciles one stack
// in two workers at once.
func (r *EventDrivenStackReconciler) freshRouting(stack *v1alpha1.EventDrivenStack) (*routingMemo, bool) {
	m := r.routingMemo(stack)
	if r.ResyncInterval <= 0 || m == nil || m.generation != stack.Generation || time.Since(m.readAt) >= r.ResyncInterval {
		return nil, false
	}
	return m, true
}

// routingMemo is the stack's routing memo, nil when there is none.
func (r *EventDrivenStackReconciler) routingMemo(stack *v1alpha1.EventDrivenStack) *routingMemo {
	e, ok := r.memos.peek(stack)
	if !ok {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.routing
}

// rememberRouting keeps what the reconcile knows of the routing now that
// every call succeeded.
func (r *EventDrivenStackReconciler) rememberRouting(s *scope) {
	if r.ResyncInterval <= 0 || s.bus == nil {
		return
	}
	e := r.memos.of(s.stack)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.routing = &routingMemo{generation: s.stack.Generation, readAt: s.routingReadAt, bus: s.bus, scheduled: s.scheduled, policies: s.policies}
}

// forgetRouting drops the routing memo: after an error, what AWS holds is
// uncertain.
func (r *EventDrivenStackReconciler) forgetRouting(stack *v1alpha1.EventDrivenStack) {
	if e, ok := r.memos.peek(stack); ok {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.routing = nil
	}
}

// nextRoutingRead is when the stack's routing must be read again: one
// resync interval after the last read, or 0 when there is no memo.
func (r *EventDrivenStackReconciler) nextRoutingRead(stack *v1alpha1.EventDrivenStack) time.Duration {
	m := r.routingMemo(stack)
	if m == nil || r.ResyncInterval <= 0 {
		return 0
	}
	return time.Until(m.readAt.Add(r.ResyncInterval))
}
