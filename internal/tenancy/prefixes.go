package tenancy

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Name prefixes keep the teams' AWS names apart only if no namespace's
// prefix is the start of another's. "{namespace}-" is not: namespace team's
// prefix team- starts team-a's, so team could take team-a-orders (and run as
// team-a's generated role team-a-orders-role) before or after team-a exists.
//
// The strict prefix is "{namespace}--". Namespace names are DNS labels
// ([a-z0-9-], no leading or trailing hyphen), so in a name that starts with
// a namespace and "--", the first "--" is where the namespace ends — unless
// the namespace's name itself holds "--", which such namespaces therefore may
// not use (the platform gives them a prefix by annotation). Every name of
// the form <label>--… thus belongs to namespace <label>, whether that
// namespace exists yet or not. "--" is the separator because it is made of
// the one character every AWS name kind the operator creates allows, as does
// the namePrefix field ([a-z0-9-]); "_" or "." are allowed by neither.
//
// Prefixes that are not prefix-free (a namespace's annotation, or a pattern
// such as the former default "{namespace}-" set with --name-prefix-pattern)
// are kept apart among the namespaces that exist: a name under two of their
// prefixes belongs to the namespace with the longest one.

// PrefixSeparator ends the namespace's name in a prefix-free name prefix.
const PrefixSeparator = "--"

// prefixFree splits a name-prefix pattern of the form
// head{namespace}--tail, which gives each namespace a prefix that no other
// namespace's starts with.
func prefixFree(pattern string) (head, tail string, ok bool) {
	head, tail, found := strings.Cut(pattern, "{namespace}")
	if !found || strings.Contains(tail, "{namespace}") || !strings.HasPrefix(tail, PrefixSeparator) {
		return "", "", false
	}
	return head, tail, true
}

// prefixOf is a namespace's name prefix: its annotation, else the policy's
// pattern where the policy applies to it ("": none).
func (p Policy) prefixOf(ns *corev1.Namespace) string {
	if v, ok := ns.GetAnnotations()[AnnotationNamePrefix]; ok {
		return v
	}
	if p.NamePrefix == "" || !p.applies(ns) {
		return ""
	}
	return strings.ReplaceAll(p.NamePrefix, "{namespace}", ns.GetName())
}

// prefixOwner is a namespace other than own whose name prefix a name falls
// under, and that prefix: a namespace the prefix-free pattern gives it to
// (existing or not), or an existing namespace whose prefix is longer than
// the own namespace's.
func (p Policy) prefixOwner(name string, own *corev1.Namespace, others []*corev1.Namespace) (owner, prefix string, found bool) {
	if head, tail, ok := prefixFree(p.NamePrefix); ok && strings.HasPrefix(name, head) {
		rest := name[len(head):]
		if i := strings.Index(rest, PrefixSeparator); i > 0 && strings.HasPrefix(rest[i:], tail) {
			if m := rest[:i]; m != own.GetName() && len(validation.IsDNS1123Label(m)) == 0 {
				return m, head + m + tail, true
			}
		}
	}
	ownLen := -1
	if mine := p.prefixOf(own); strings.HasPrefix(name, mine) {
		ownLen = len(mine)
	}
	for _, o := range others {
		if o.GetName() == own.GetName() {
			continue
		}
		if theirs := p.prefixOf(o); theirs != "" && len(theirs) > ownLen && strings.HasPrefix(name, theirs) && len(theirs) > len(prefix) {
			owner, prefix, found = o.GetName(), theirs, true
		}
	}
	return owner, prefix, found
}

// underPrefix says why a name may not be taken: it falls under another
// namespace's prefix.
func underPrefix(what, name, owner, prefix string) string {
	return fmt.Sprintf("%s %s falls under the name prefix %q of namespace %s: names under another namespace's prefix are that namespace's, "+
		"whether it has stacks yet or not (docs/multi-tenancy.md)", what, name, prefix, owner)
}

// stem is the part of an AWS name the prefix starts: a log group's last
// path segment, else the name.
func stem(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}
