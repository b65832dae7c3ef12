package tenancy

import (
	"fmt"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// NameKey is the index key of a name: unique per kind in a region (in the
// account, for IAM).
func NameKey(region string, n render.AWSName) string {
	if n.Global {
		return n.Kind + "//" + n.Name
	}
	return n.Kind + "/" + region + "/" + n.Name
}

// NameKeys are a stack's name keys (NameIndex).
func NameKeys(stack *v1alpha1.EventDrivenStack) []string {
	names := render.AWSNames(stack)
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, NameKey(stack.Spec.Region, n))
	}
	return out
}

// Conflict is a name the stack takes that another stack owns.
type Conflict struct {
	Name  render.AWSName
	Owner *v1alpha1.EventDrivenStack
}

func (c Conflict) Error() string {
	return fmt.Sprintf("%s %s is managed by stack %s/%s (%s)", c.Name.Kind, c.Name.Name, c.Owner.Namespace, c.Owner.Name, c.Name.Field)
}

// Owns reports whether stack a owns a name that stack b takes too: the stack
// that claimed it first, by creation time, then by namespace and name. A
// stack not created yet (at admission) owns nothing against an existing one.
func Owns(a, b *v1alpha1.EventDrivenStack) bool {
	ta, tb := a.CreationTimestamp, b.CreationTimestamp
	switch {
	case ta.IsZero() != tb.IsZero():
		return !ta.IsZero()
	case !ta.Equal(&tb):
		return ta.Before(&tb)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// Conflicts returns the names of stack that another stack owns: claimers
// lists, for each of stack's index keys, the other stacks in the same
// account that take it.
func Conflicts(stack *v1alpha1.EventDrivenStack, claimers map[string][]*v1alpha1.EventDrivenStack) []Conflict {
	var out []Conflict
	for _, n := range render.AWSNames(stack) {
		for _, other := range claimers[NameKey(stack.Spec.Region, n)] {
			if other.UID != stack.UID && Owns(other, stack) {
				out = append(out, Conflict{Name: n, Owner: other})
				break
			}
		}
	}
	return out
}
