package tenancy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Guard applies a Policy with what it reads from the cluster: namespaces,
// ACK's role map, and the stacks that take the AWS names of the stack it
// checks (Names).
type Guard struct {
	Policy Policy
	// Reader reads namespaces and stacks (the manager's cache).
	Reader client.Reader
	// LiveReader reads the API server itself (the manager's APIReader; nil:
	// Reader): ACK's role map, one GET kept for roleMapTTL, and a namespace
	// the cache has not shown yet (one created a moment before its stack, as
	// Argo CD's CreateNamespace=true does).
	LiveReader client.Reader
	// Names finds the stacks that take a name (the operator's, fed by the
	// manager's stack informer: NameIndex.Watch).
	Names *NameIndex
	// ACKNamespace is where ACK's role map is (DefaultACKSystemNamespace).
	ACKNamespace string

	mu      sync.Mutex
	roles   map[string]string
	rolesAt time.Time
}

// roleMapTTL is how long a read of ACK's role map is used.
const roleMapTTL = 30 * time.Second

// Verdict is what the guard found about a stack.
type Verdict struct {
	// Forbidden are the guardrails it breaks, at their fields.
	Forbidden field.ErrorList
	// Account is where its AWS resources are; AccountErr why it has none.
	Account    Account
	AccountErr error
	// Conflicts are the names other stacks own.
	Conflicts []Conflict
}

// Check judges a stack.
func (g *Guard) Check(ctx context.Context, stack *v1alpha1.EventDrivenStack) (Verdict, error) {
	ns, err := g.namespace(ctx, stack.Namespace)
	if err != nil {
		return Verdict{}, err
	}
	var v Verdict
	var others []*corev1.Namespace
	if g.Policy.applies(ns) {
		list := &corev1.NamespaceList{}
		if err := g.Reader.List(ctx, list); err != nil {
			return v, fmt.Errorf("listing the namespaces, whose name prefixes the stack's names may not fall under: %w", err)
		}
		for i := range list.Items {
			others = append(others, &list.Items[i])
		}
	}
	v.Forbidden = g.Policy.Check(stack, ns, others...)
	roleMap, err := g.roleMapFor(ctx, ns)
	if err != nil {
		return v, err
	}
	v.Account, v.AccountErr = g.Policy.AccountOf(ns, roleMap, g.ackNamespace())
	accounts := map[string]string{stack.Namespace: v.Account.ID}
	generated, err := g.generatedRoles(ctx, stack, ns, accounts)
	if err != nil {
		return v, err
	}
	v.Forbidden = append(v.Forbidden, generated...)
	claimers, err := g.claimers(ctx, stack, v.Account.ID, accounts)
	if err != nil {
		return v, err
	}
	v.Conflicts = Conflicts(stack, claimers)
	return v, nil
}

// claimers lists, for each name key of the stack, the other stacks in its
// account that take it.
func (g *Guard) claimers(ctx context.Context, stack *v1alpha1.EventDrivenStack, account string,
	accounts map[string]string) (map[string][]*v1alpha1.EventDrivenStack, error) {
	claimers := map[string][]*v1alpha1.EventDrivenStack{}
	read := stacksRead{}
	for _, key := range NameKeys(stack) {
		takers, err := g.takers(ctx, key, read)
		if err != nil {
			return nil, err
		}
		for _, other := range takers {
			if other.UID == stack.UID || other.Namespace == stack.Namespace && other.Name == stack.Name {
				continue
			}
			if g.accountOf(ctx, other.Namespace, accounts) == account { // names are unique per account
				claimers[key] = append(claimers[key], other)
			}
		}
	}
	return claimers, nil
}

// stacksRead are the stacks one check read, with their name keys (nil: gone).
type stacksRead map[types.NamespacedName]*nameTaker

type nameTaker struct {
	stack *v1alpha1.EventDrivenStack
	keys  []string
}

// takers are the stacks that take a name key: Names' candidates, each read
// from Reader once per check and confirmed by its own NameKeys.
func (g *Guard) takers(ctx context.Context, key string, read stacksRead) ([]*v1alpha1.EventDrivenStack, error) {
	if g.Names == nil {
		return nil, errors.New("the tenancy guard has no index of the AWS names stacks take")
	}
	var out []*v1alpha1.EventDrivenStack
	for _, who := range g.Names.Takers(key) {
		t, seen := read[who]
		if !seen {
			other := &v1alpha1.EventDrivenStack{}
			switch err := g.Reader.Get(ctx, who, other); {
			case apierrors.IsNotFound(err): // deleted since it was indexed
			case err != nil:
				return nil, fmt.Errorf("reading stack %s, which takes %s: %w", who, key, err)
			default:
				t = &nameTaker{stack: other, keys: NameKeys(other)}
			}
			read[who] = t
		}
		if t != nil && slices.Contains(t.keys, key) {
			out = append(out, t.stack)
		}
	}
	return out, nil
}

// generatedRoles refuses the roles a stack names (roleARN, a task's
// Credentials) that the operator generates for a stack of another
// namespace, where the platform restricts roles: whatever the allowlists
// and prefixes say, a team does not run as another team's least-privilege
// roles. A role whose owner's account is not known is refused too.
func (g *Guard) generatedRoles(ctx context.Context, stack *v1alpha1.EventDrivenStack, ns *corev1.Namespace,
	accounts map[string]string) (field.ErrorList, error) {
	if !g.Policy.applies(ns) || !g.Policy.RoleARNs.Restricted {
		return nil, nil
	}
	var errs field.ErrorList
	read := stacksRead{}
	for _, r := range roleRefs(stack) {
		role, ok := ParseRoleARN(r.arn.Text)
		if r.arn.RunTime || !ok {
			continue // Check refuses them
		}
		key := NameKey("", render.AWSName{Kind: "Role", Name: role.Name, Global: true})
		takers, err := g.takers(ctx, key, read)
		if err != nil {
			return nil, err
		}
		for _, other := range takers {
			if other.Namespace == stack.Namespace {
				continue
			}
			if acct := g.accountOf(ctx, other.Namespace, accounts); acct != "" && acct != role.Account {
				continue
			}
			msg := fmt.Sprintf("role %s is the role the operator generates for stack %s/%s: a stack may not run as another namespace's roles",
				r.arn.Text, other.Namespace, other.Name)
			if r.where != "" {
				msg = r.where + ": " + msg
			}
			errs = append(errs, field.Forbidden(r.at, msg))
			break
		}
	}
	return errs, nil
}

// accountOf is a namespace's account ID, remembered in accounts.
func (g *Guard) accountOf(ctx context.Context, namespace string, accounts map[string]string) string {
	acct, ok := accounts[namespace]
	if !ok {
		acct = g.accountID(ctx, namespace)
		accounts[namespace] = acct
	}
	return acct
}

// Account returns the account of a namespace's stacks.
func (g *Guard) Account(ctx context.Context, namespace string) (Account, error) {
	ns, err := g.namespace(ctx, namespace)
	if err != nil {
		return Account{}, err
	}
	roleMap, err := g.roleMapFor(ctx, ns)
	if err != nil {
		return Account{}, err
	}
	return g.Policy.AccountOf(ns, roleMap, g.ackNamespace())
}

func (g *Guard) accountID(ctx context.Context, namespace string) string {
	ns, err := g.namespace(ctx, namespace)
	if err != nil {
		return ""
	}
	return ns.GetAnnotations()[AnnotationOwnerAccountID]
}

// namespace reads a namespace from the cache, or from the API server when the
// cache has not shown it yet.
func (g *Guard) namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{}
	err := g.Reader.Get(ctx, client.ObjectKey{Name: name}, ns)
	if apierrors.IsNotFound(err) && g.LiveReader != nil {
		err = g.LiveReader.Get(ctx, client.ObjectKey{Name: name}, ns)
	}
	if err != nil {
		return nil, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	return ns, nil
}

// roleMapFor reads ACK's role map for a namespace: what was read within
// roleMapTTL, unless it lacks the namespace's account (a mapping just
// added is seen at once).
func (g *Guard) roleMapFor(ctx context.Context, ns *corev1.Namespace) (map[string]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	acct := ns.GetAnnotations()[AnnotationOwnerAccountID]
	if g.roles != nil && time.Since(g.rolesAt) < roleMapTTL && (acct == "" || g.roles[acct] != "") {
		return g.roles, nil
	}
	reader := g.LiveReader
	if reader == nil {
		reader = g.Reader
	}
	cm := &corev1.ConfigMap{}
	err := reader.Get(ctx, client.ObjectKey{Namespace: g.ackNamespace(), Name: RoleAccountMap}, cm)
	switch {
	case apierrors.IsNotFound(err):
		cm.Data = map[string]string{}
	case err != nil:
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", g.ackNamespace(), RoleAccountMap, err)
	case cm.Data == nil:
		cm.Data = map[string]string{}
	}
	g.roles, g.rolesAt = cm.Data, time.Now()
	return g.roles, nil
}

func (g *Guard) ackNamespace() string {
	if g.ACKNamespace == "" {
		return DefaultACKSystemNamespace
	}
	return g.ACKNamespace
}
