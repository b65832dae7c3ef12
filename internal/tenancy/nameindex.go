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
)

// NameIndex finds the stacks that take an AWS name (NameKeys): what the
// guard looks up for each name of the stack it checks.
//
// It holds a 64-bit hash of each key, not the key, and one stack per hash
// (a second stack taking the same name, which the guard refuses, goes to a
// side table): about 30 bytes per name, where an informer index (a set of
// keys per value, the value's string twice with controller-runtime's
// all-namespaces twin) took about 300. A seed stack with its alarms takes 37
// names. A hash may collide: Takers returns candidates, which the guard
// confirms against the candidate's own NameKeys.
type NameIndex struct {
	mu    sync.RWMutex
	seed  maphash.Seed
	first map[uint64]*taker
	more  map[uint64][]*taker // the second stack taking a name, and after
	takes map[types.NamespacedName]*taker
}

// taker is a stack in the index, with the hashes of the names it takes.
type taker struct {
	who    types.NamespacedName
	hashes []uint64
}

// NewNameIndex returns an empty index.
func NewNameIndex() *NameIndex {
	return &NameIndex{seed: maphash.MakeSeed(), first: map[uint64]*taker{},
		more: map[uint64][]*taker{}, takes: map[types.NamespacedName]*taker{}}
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
		if _, taken := x.first[h]; !taken {
			x.first[h] = t
		} else {
			x.more[h] = append(x.more[h], t)
		}
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
		others := slices.DeleteFunc(x.more[h], func(o *taker) bool { return o == t })
		switch {
		case x.first[h] != t:
		case len(others) > 0:
			x.first[h], others = others[0], others[1:]
		default:
			delete(x.first, h)
		}
		if len(others) == 0 {
			delete(x.more, h)
		} else {
			x.more[h] = others
		}
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
	first, ok := x.first[h]
	if !ok {
		return nil
	}
	out := []types.NamespacedName{first.who}
	for _, t := range x.more[h] {
		out = append(out, t.who)
	}
	return out
}

func (x *NameIndex) hash(key string) uint64 { return maphash.String(x.seed, key) }
