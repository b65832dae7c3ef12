package controller

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/loggroups"
	"github.com/eventstack-io/eventstack-operator/internal/routing"
	"github.com/eventstack-io/eventstack-operator/internal/status"
)

// memoRegistry is everything the reconciler remembers of stacks between
// reconciles, by stack namespace/name: one entry per stack (stackMemos),
// made on first use, made anew when a stack of another UID takes the name,
// and dropped whole by Forget — when the stack is gone (NotFound) and when it
// is finalized, with either deletion policy. Nothing else drops an entry, so
// nothing of a stack outlives it.
type memoRegistry struct {
	entries sync.Map // types.NamespacedName → *stackMemos
}

// stackMemos is what the reconciles of one stack remember.
type stackMemos struct {
	uid types.UID
	// mu guards written, routing and logGroups; applied and children guard
	// themselves.
	mu sync.Mutex
	// written is the status last written (patchStatus), when known.
	written *writtenStatus
	// routing is what the last reconcile knew of the routing in AWS.
	routing *routingMemo
	// logGroups are the log groups as last read or made, by name.
	logGroups map[string]logGroupMemo
	applied   appliedMemo
	children  stackMemo
}

// of returns the stack's entry, made on first use or when the name now
// belongs to a stack of another UID.
func (m *memoRegistry) of(stack *v1alpha1.EventDrivenStack) *stackMemos {
	key := client.ObjectKeyFromObject(stack)
	if v, ok := m.entries.Load(key); ok && v.(*stackMemos).uid == stack.UID {
		return v.(*stackMemos)
	}
	e := &stackMemos{uid: stack.UID, logGroups: map[string]logGroupMemo{},
		applied:  appliedMemo{},
		children: stackMemo{}}
	m.entries.Store(key, e)
	return e
}

// peek returns the stack's entry if there is one, without making it.
func (m *memoRegistry) peek(stack *v1alpha1.EventDrivenStack) (*stackMemos, bool) {
	v, ok := m.entries.Load(client.ObjectKeyFromObject(stack))
	if !ok || v.(*stackMemos).uid != stack.UID {
		return nil, false
	}
	return v.(*stackMemos), true
}

// children returns what the stack's reconciles learned of its children.
func (m *memoRegistry) children(stack *v1alpha1.EventDrivenStack) *stackMemo {
	return &m.of(stack).children
}

// Forget drops everything remembered of a stack.
func (m *memoRegistry) Forget(key types.NamespacedName) { m.entries.Delete(key) }

// forget drops everything remembered of a stack, its watched alarms too.
func (r *EventDrivenStackReconciler) forget(key types.NamespacedName) {
	r.memos.Forget(key)
	if r.Alarms != nil {
		r.Alarms.Forget(key)
	}
}

// writtenStatus is the status last written for a stack: its hash, its
// significance (see patchStatus), and when.
type writtenStatus struct {
	hash         string
	significance string
	at           time.Time
}

// routingMemo is what a stack's last reconcile knew of its routing in AWS:
// the bus, its rules and targets, and the functions' permissions, as read
// at readAt and then changed by the operator's own calls. The operator is
// the only writer of that routing, so within one resync interval of the read
// it is still true, unless someone changed AWS out of band: that is drift,
// which the next read (at most one interval after this one) finds and
// repairs. A stack whose children progress through several reconciles in a
// minute thus reads EventBridge and Lambda once, not at every reconcile.
type routingMemo struct {
	generation int64
	readAt     time.Time
	bus        *routing.Bus
	scheduled  *routing.Bus
	policies   map[string]map[string]routing.Statement
}

// logGroupMemo is a log group as the operator last read or made it.
type logGroupMemo struct {
	group  loggroups.LogGroup
	readAt time.Time
}

// appliedMemo holds what a stack's reconciles applied that the cache may not
// show yet (see eventdrivenstack_applied.go).
type appliedMemo struct {
	mu       sync.Mutex
	children map[status.ChildKey]appliedChild
}

type appliedChild struct {
	uid        types.UID
	generation int64
	specHash   string
	at         time.Time
}

// stackMemo is what the reconciles of one stack learned of its children that
// must outlive a reconcile and that its status may not show yet (a coalesced
// status write is pending, or the cache has not brought the last one). Its
// maps are made on first use:
//   - reported: by child UID, the generation ACK (or AWS, asked) was last
//     seen to have acted on, while the cached status does not record it yet
//     (forgetShown drops it once it does: a settled stack keeps none). An
//     apply of annotations alone moves the operator's managedFields time
//     past ACK's last report without a new generation, so after it only this
//     record, or the status, says the child is reported;
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
		if m.reported == nil {
			m.reported = map[types.UID]int64{}
		}
		m.reported[uid] = gen
	}
}

// forgetShown forgets a child's reported generation once the cached status
// records it (or a later one).
func (m *stackMemo) forgetShown(uid types.UID, recorded int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen, ok := m.reported[uid]; ok && gen <= recorded {
		delete(m.reported, uid)
		if len(m.reported) == 0 {
			m.reported = nil // a Go map keeps the room it grew to
		}
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
	if m.settled == nil {
		m.settled = map[types.UID]string{}
	}
	m.settled[obj.GetUID()] = obj.GetResourceVersion()
}
