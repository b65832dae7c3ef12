package tenancy

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/multimap"
)

// NameIndex finds the stacks that take an AWS name (NameKeys): what the
// guard looks up for each name of the stack it checks.
//
// It holds a 64-bit hash of each key, not the key, and the stacks per hash
// in a multimap.Map (one, unless two stacks take the same name, which the
// guard refuses): about 30 bytes per name, where an informer index (a set of
// keys per value, the value's string twice with controller-runtime's
// all-namespaces twin) took about 300. A seed stack with its alarms takes 37
// names. A hash may collide: Takers returns candidates, which the guard
// confirms against the candidate's own NameKeys.
type NameIndex struct {
	mu     sync.RWMutex
	seed   maphash.Seed
	takers multimap.Map[uint64, *taker] // by hash
	takes  map[types.NamespacedName]*taker
}

// taker is a stack in the index, with the hashes of the names it takes.
type taker struct {
	who    types.NamespacedName
	hashes []uint64
}

// NewNameIndex returns an empty index.
func NewNameIndex() *NameIndex {
	return &NameIndex{seed: maphash.MakeSeed(), takes: map[types.NamespacedName]*taker{}}
}

// Watch keeps the index in step with the stacks an informer caches (the
// manager's): each stack is indexed as it is added or changed, and dropped
// when deleted.
func (x *NameIndex) Watch(ctx context.Context, informers cache.Informers) error {
	informer, err := informers.GetInformer(ctx, &v1alpha1.EventDrivenStack{})
	if err != nil {
		return err
	}
	_, err = informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { x.setObject(obj) },
		UpdateFunc: func(_, obj any) { x.setObject(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if s, ok := obj.(*v1alpha1.EventDrivenStack); ok {
				x.Delete(types.NamespacedName{Namespace: s.Namespace, Name: s.Name})
			}
		},
	})
	return err
}

func (x *NameIndex) setObject(obj any) {
	if s, ok := obj.(*v1alpha1.EventDrivenStack); ok {
		x.Set(s)
	}
}

// Set indexes the names a stack takes, replacing those it took before.
func (x *NameIndex) Set(stack *v1alpha1.EventDrivenStack) {
	who := types.NamespacedName{Namespace: stack.Namespace, Name: stack.Name}
	keys := NameKeys(stack)
	hashes := make([]uint64, 0, len(keys))
	for _, k := range keys {
		if h := x.hash(k); !slices.Contains(hashes, h) {
			hashes = append(hashes, h)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if t := x.takes[who]; t != nil && slices.Equal(t.hashes, hashes) {
		return // most updates are of the status: the names are the same
	}
	x.dropLocked(who)
	t := &taker{who: who, hashes: hashes}
	for _, h := range hashes {
		x.takers.Add(h, t)
	}
	x.takes[who] = t
}

// Delete drops a stack from the index.
func (x *NameIndex) Delete(who types.NamespacedName) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.dropLocked(who)
}

func (x *NameIndex) dropLocked(who types.NamespacedName) {
	t := x.takes[who]
	if t == nil {
		return
	}
	for _, h := range t.hashes {
		x.takers.Remove(h, t)
	}
	delete(x.takes, who)
}

// Takers are the stacks that may take a name key: every stack that does,
// and, should two keys' hashes collide, one that does not (the guard checks
// a candidate's NameKeys).
func (x *NameIndex) Takers(key string) []types.NamespacedName {
	h := x.hash(key)
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []types.NamespacedName
	for _, t := range x.takers.Get(h) {
		out = append(out, t.who)
	}
	return out
}

func (x *NameIndex) hash(key string) uint64 { return maphash.String(x.seed, key) }
