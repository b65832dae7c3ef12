package tenancy

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Guard applies a Policy with what it reads from the cluster: namespaces,
// ACK's role map, and the stacks indexed by AWS name (IndexAWSNames, which
// RegisterIndex adds to the manager's cache).
type Guard struct {
	Policy Policy
	// Reader reads namespaces and stacks (the manager's cache).
	Reader client.Reader
	// LiveReader reads the API server itself (the manager's APIReader; nil:
	// Reader): ACK's role map, one GET kept for roleMapTTL, and a namespace
	// the cache has not shown yet (one created a moment before its stack, as
	// Argo CD's CreateNamespace=true does).
	LiveReader client.Reader
	// ACKNamespace is where ACK's role map is (DefaultACKSystemNamespace).
	ACKNamespace string

	mu      sync.Mutex
	roles   map[string]string
	rolesAt time.Time
}

// roleMapTTL is how long a read of ACK's role map is used.
const roleMapTTL = 30 * time.Second

// RegisterIndex indexes the cached stacks by the AWS names they take.
func RegisterIndex(ctx context.Context, indexer client.FieldIndexer) error {
	return indexer.IndexField(ctx, &v1alpha1.EventDrivenStack{}, IndexAWSNames, func(obj client.Object) []string {
		return NameKeys(obj.(*v1alpha1.EventDrivenStack))
	})
}

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
	claimers := map[string][]*v1alpha1.EventDrivenStack{}
	for _, key := range NameKeys(stack) {
		list := &v1alpha1.EventDrivenStackList{}
		if err := g.Reader.List(ctx, list, client.MatchingFields{IndexAWSNames: key}); err != nil {
			return v, fmt.Errorf("listing the stacks that take %s: %w", key, err)
		}
		for i := range list.Items {
			other := &list.Items[i]
			if other.UID == stack.UID {
				continue
			}
			if g.accountOf(ctx, other.Namespace, accounts) == v.Account.ID { // names are unique per account
				claimers[key] = append(claimers[key], other)
			}
		}
	}
	v.Conflicts = Conflicts(stack, claimers)
	return v, nil
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
	for _, r := range roleRefs(stack) {
		role, ok := ParseRoleARN(r.arn.Text)
		if r.arn.RunTime || !ok {
			continue // Check refuses them
		}
		key := NameKey("", render.AWSName{Kind: "Role", Name: role.Name, Global: true})
		list := &v1alpha1.EventDrivenStackList{}
		if err := g.Reader.List(ctx, list, client.MatchingFields{IndexAWSNames: key}); err != nil {
			return nil, fmt.Errorf("listing the stacks that take %s: %w", key, err)
		}
		for i := range list.Items {
			other := &list.Items[i]
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
