package controllers

import (
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
)

// routingMemo is what a stack's last reconcile knew of its routing in AWS:
// the bus, its rules and targets, and the functions' permissions, as read
// at readAt and then changed by the operator's own calls. The operator is
// the only writer of that routing, so within one resync interval of the read
// it is still true, unless someone changed AWS out of band: that is drift,
// which the next read (at most one interval after this one) finds and
// repairs. A stack whose children progress through several reconciles in a
// minute thus reads EventBridge and Lambda once, not at every reconcile.
type routingMemo struct {
	uid        types.UID
	generation int64
	readAt     time.Time
	bus        *routing.Bus
	policies   map[string]map[string]routing.Statement
}

// freshRouting returns the stack's routing memo if it is still within the
// resync interval of its read and of the same stack and generation (a spec
// edit reads AWS again). Without a resync interval, every reconcile reads.
// The reconcile changes it in place as its calls change AWS, and then
// remembers or forgets it: no copy is needed, since controller-runtime never
// reconciles one stack in two workers at once.
func (r *EventDrivenStackReconciler) freshRouting(stack *v1alpha1.EventDrivenStack) (*routingMemo, bool) {
	if r.ResyncInterval <= 0 {
		return nil, false
	}
	v, ok := r.routing.Load(types.NamespacedName{Namespace: stack.Namespace, Name: stack.Name})
	if !ok {
		return nil, false
	}
	m := v.(*routingMemo)
	if m.uid != stack.UID || m.generation != stack.Generation || time.Since(m.readAt) >= r.ResyncInterval {
		return nil, false
	}
	return m, true
}

// rememberRouting keeps what the reconcile knows of the routing now that
// every call succeeded.
func (r *EventDrivenStackReconciler) rememberRouting(s *scope) {
	if r.ResyncInterval <= 0 || s.bus == nil {
		return
	}
	m := &routingMemo{uid: s.stack.UID, generation: s.stack.Generation, readAt: s.routingReadAt, bus: s.bus, policies: s.policies}
	r.routing.Store(types.NamespacedName{Namespace: s.stack.Namespace, Name: s.stack.Name}, m)
}

// forgetRouting drops the memo: after an error, what AWS holds is uncertain.
func (r *EventDrivenStackReconciler) forgetRouting(key types.NamespacedName) { r.routing.Delete(key) }

// nextRoutingRead is when the stack's routing must be read again: one
// resync interval after the last read, or 0 when there is no memo.
func (r *EventDrivenStackReconciler) nextRoutingRead(stack *v1alpha1.EventDrivenStack) time.Duration {
	v, ok := r.routing.Load(types.NamespacedName{Namespace: stack.Namespace, Name: stack.Name})
	if !ok || r.ResyncInterval <= 0 {
		return 0
	}
	return time.Until(v.(*routingMemo).readAt.Add(r.ResyncInterval))
}
