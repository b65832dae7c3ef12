package tenancy

import (
	"fmt"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// ACK's cross-account resource management (runtime pkg/runtime/cache): a
// namespace annotated with an account has its resources managed in that
// account, by the role the ConfigMap maps the account to, in the ACK system
// namespace. The operator reads the same two: its own EventBridge, Lambda and
// CloudWatch Logs calls for a stack go to the account ACK creates the stack's
// children in.
const (
	// AnnotationOwnerAccountID is ACK's namespace annotation naming the account.
	AnnotationOwnerAccountID = ackv1alpha1.AnnotationOwnerAccountID
	// RoleAccountMap is ACK's ConfigMap of account IDs to role ARNs.
	RoleAccountMap = "ack-role-account-map"
	// DefaultACKSystemNamespace is where ACK looks for RoleAccountMap by default.
	DefaultACKSystemNamespace = "ack-system"
)

// Account is the AWS account a namespace's stacks are in, and the role the
// operator assumes in it. The zero Account is the operator's own credentials.
type Account struct {
	ID      string
	RoleARN string
}

// AccountOf returns the account a namespace is mapped to: from ACK's
// owner-account-id annotation and the role map. A namespace without the
// annotation is the operator's own account, unless the policy requires a
// mapping; an annotated account the role map lacks is an error, as it is to
// ACK.
func (p Policy) AccountOf(ns *corev1.Namespace, roleMap map[string]string, ackNamespace string) (Account, error) {
	id := ns.GetAnnotations()[AnnotationOwnerAccountID]
	if id == "" {
		if p.RequireAccount && p.applies(ns) {
			return Account{}, fmt.Errorf("namespace %s is not mapped to an AWS account: the platform requires the namespace annotation %s, "+
				"with the account's role in ConfigMap %s/%s (operator flag --require-account-mapping)", ns.GetName(), AnnotationOwnerAccountID, ackNamespace, RoleAccountMap)
		}
		return Account{}, nil
	}
	role := roleMap[id]
	if role == "" {
		return Account{ID: id}, fmt.Errorf("namespace %s is mapped to AWS account %s (%s), but ConfigMap %s/%s has no role for that account",
			ns.GetName(), id, AnnotationOwnerAccountID, ackNamespace, RoleAccountMap)
	}
	return Account{ID: id, RoleARN: role}, nil
}
