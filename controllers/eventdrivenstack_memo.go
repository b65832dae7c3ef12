package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// stackMemo is what the reconciles of one stack learned that must outlive a
// reconcile and that its status may not show yet (a coalesced status write
// is pending, or the cache has not brought the last one):
//   - reported: by child UID, the generation ACK (or AWS, asked) was last
//     seen to have acted on. An apply of annotations alone moves the
//     operator's managedFields time past ACK's last report without a new
//     generation, so after it only this record says the child is reported;
//   - settled: by child UID, the generation AWS itself was seen to hold
//     (reconcileProbe), and when, so that it is not asked again until the
//     generation changes or ACK reports anew;
//   - mappingsAt: when the stack's event source mappings were last read;
//   - reclaim: components whose own AWS resource the next render asks ACK
//     to adopt (reclaimLostCreate).
type stackMemo struct {
	mu         sync.Mutex
	reported   map[types.UID]int64
	settled    map[types.UID]settledAt
	mappingsAt time.Time
	reclaim    map[string]bool
}

// memo returns the stack's memo, made on first use; the reconcile of a
// stack that is gone forgets it.
func (r *EventDrivenStackReconciler) memo(s *scope) *stackMemo {
	v, _ := r.memos.LoadOrStore(client.ObjectKeyFromObject(s.stack), &stackMemo{
		reported: map[types.UID]int64{}, settled: map[types.UID]settledAt{}, reclaim: map[string]bool{}})
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

// settledAt is a child's generation when AWS was seen to hold it, and when.
type settledAt struct {
	generation int64
	at         time.Time
}

// isSettled says whether AWS was seen to hold the child as it is now: at its
// generation, and with no status write by ACK since (the API server's times
// are whole seconds: a write in the second of the look is taken as after it).
func (m *stackMemo) isSettled(obj ack.Object) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.settled[obj.GetUID()]
	return ok && s.generation == obj.GetGeneration() && status.ReportedAt(obj).Time.Before(s.at.Truncate(time.Second))
}

func (m *stackMemo) settle(obj ack.Object) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settled[obj.GetUID()] = settledAt{obj.GetGeneration(), time.Now()}
}
