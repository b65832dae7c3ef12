package controller

import "k8s.io/apimachinery/pkg/types"

// Remembered lists what the reconciler remembers of a stack (memoRegistry),
// for tests: nil when it remembers nothing.
func (r *EventDrivenStackReconciler) Remembered(key types.NamespacedName) []string {
	v, ok := r.memos.entries.Load(key)
	if !ok {
		return nil
	}
	e := v.(*stackMemos)
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []string{"an entry"}
	if e.written != nil {
		out = append(out, "the status written")
	}
	if e.routing != nil {
		out = append(out, "the routing")
	}
	if len(e.logGroups) > 0 {
		out = append(out, "log groups")
	}
	if len(e.applied.children) > 0 {
		out = append(out, "applied children")
	}
	if len(e.children.reported) > 0 {
		out = append(out, "children reported")
	}
	if len(e.children.settled) > 0 {
		out = append(out, "children settled")
	}
	return out
}
