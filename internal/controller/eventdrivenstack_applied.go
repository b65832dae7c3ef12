package controller

import (
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/drift"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// The next reconcile of a stack often comes before the watch has brought the
// operator's own applies into the cache: a child just created looks missing,
// a child just changed looks unchanged, and the reconcile would apply the
// same object again. So the operator remembers what it applied (UID,
// generation, spec hash) until the cache shows it, and does not apply the
// same spec again meanwhile.

// appliedTTL bounds how long an apply is trusted over what the cache shows:
// the watch brings a child within milliseconds; should the child be deleted
// before the cache ever showed it, the reconcile after this time sees that
// and creates it again.
const appliedTTL = 5 * time.Second

// recordApplied remembers a child the operator just applied, as the API
// server answered.
func (r *EventDrivenStackReconciler) recordApplied(s *scope, key status.ChildKey, obj ack.Object) {
	m := &r.memos.of(s.stack).applied
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.children == nil {
		m.children = map[status.ChildKey]appliedChild{}
	}
	m.children[key] = appliedChild{uid: obj.GetUID(), generation: obj.GetGeneration(),
		specHash: drift.SpecHash(obj), at: time.Now()}
}

// sweepApplied forgets the applies the cache shows now (at the applied
// generation or later, or with another UID), and those older than
// appliedTTL.
func (r *EventDrivenStackReconciler) sweepApplied(s *scope) {
	e, ok := r.memos.peek(s.stack)
	if !ok {
		return
	}
	m := &e.applied
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for k, a := range m.children {
		if shown(a, s.existing[k]) || now.Sub(a.at) >= appliedTTL {
			delete(m.children, k)
		}
	}
	if len(m.children) == 0 {
		// A Go map keeps the room it grew to: an idle stack keeps none.
		m.children = nil
	}
}

// appliedNotShown reports, for a child that differs from what the cache
// shows, how long the operator trusts its own earlier apply of the same spec
// that the cache does not show yet; 0 when there is none, and the child is
// to be applied.
func (r *EventDrivenStackReconciler) appliedNotShown(s *scope, key status.ChildKey, desired, cached ack.Object) time.Duration {
	e, ok := r.memos.peek(s.stack)
	if !ok {
		return 0
	}
	m := &e.applied
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.children[key]
	if !ok || shown(a, cached) || a.specHash != desired.GetAnnotations()[render.AnnotationSpecHash] {
		return 0
	}
	return max(appliedTTL-time.Since(a.at), 0)
}

// shown reports whether the cache shows an apply.
func shown(a appliedChild, cached ack.Object) bool {
	return cached != nil && (cached.GetUID() != a.uid || cached.GetGeneration() >= a.generation)
}
