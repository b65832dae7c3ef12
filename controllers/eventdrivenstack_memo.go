package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// stackMemo is what the reconciles of one stack learned that must outlive a
// reconcile and that its status may not show yet (a coalesced status write
// is pending, or the cache has not brought the last one):
//   - reported: by child UID, the generation ACK (or AWS, asked) was last
//     seen to have acted on. An apply of annotations alone moves the
//     operator's managedFields time past ACK's last report without a new
//     generation, so after it only this record says the child is reported;
//   - settled: by child UID, the version of the child (its resourceVersion)
//     when AWS itself was seen to hold it (reconcileProbe), so that AWS is
//     not asked again until someone writes the child (ACK reporting anew,
//     the operator applying a change);
//   - mappingsAt: when the stack's event source mappings were last read;
//   - reclaim: components whose own AWS resource the next render asks ACK
//     to adopt (reclaimLostCreate).
type stackMemo struct {
	mu         sync.Mutex
	reported   map[types.UID]int64
	settled    map[types.UID]string
	mappingsAt time.Time
	reclaim    map[string]bool
}

// memo returns the stack's memo, made on first use; the reconcile of a
// stack that is gone forgets it.
func (r *EventDrivenStackReconciler) memo(s *scope) *stackMemo {
	v, _ := r.memos.LoadOrStore(client.ObjectKeyFromObject(s.stack), &stackMemo{
		reported: map[types.UID]int64{}, settled: map[types.UID]string{}, reclaim: map[string]bool{}})
	return v.(*stackMemo)
}

// reportedAt is the generation of a child last seen reported, 0 when none.
func (m *stackMemo) reportedAt(uid types.UID) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reported[uid]
}

// report records that a child was seen reported at a generation.
func (m *stackMemo) report(uid types.UID, gen int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen > m.reported[uid] {
		m.reported[uid] = gen
	}
}

// isSettled says whether AWS was seen to hold the child as it is now: no
// write of it since.
func (m *stackMemo) isSettled(obj ack.Object) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	rv, ok := m.settled[obj.GetUID()]
	return ok && rv == obj.GetResourceVersion()
}

func (m *stackMemo) settle(obj ack.Object) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settled[obj.GetUID()] = obj.GetResourceVersion()
}
