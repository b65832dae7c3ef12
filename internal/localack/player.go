package localack

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
)

// AccountID is the AWS account the tests' fake ARNs name.
const AccountID = "123456789012"

// FakeARN is the ARN ACK would report for a child in region, in AccountID.
func FakeARN(obj ack.Object, region string) string { return fakeARNIn(obj, region, AccountID) }

// fakeARNIn is the ARN ACK would report for a child in a region of an
// account: its kind's (ack.Kind.ARN), the child's UID standing for an id AWS
// generates; "" for a kind this operator does not create.
func fakeARNIn(obj ack.Object, region, account string) string {
	k := ack.KindOf(obj)
	if k == nil {
		return ""
	}
	return k.ARN(obj, arns.Scope{Region: region, Account: account}, string(obj.GetUID()))
}

// FakeQueueURL is the URL SQS would give a queue, in AccountID.
func FakeQueueURL(q *ack.Queue, region string) string {
	return arns.Scope{Region: region, Account: AccountID}.QueueURL(ptr.Deref(q.Spec.QueueName, ""))
}

// NamespaceAccount is the account ACK creates a namespace's resources in:
// the namespace's owner-account-id annotation (ACK's cross-account
// resource management), else AccountID.
func NamespaceAccount(ctx context.Context, c client.Client, namespace string) (string, error) {
	ns := &corev1.Namespace{}
	if err := c.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return "", err
	}
	if a := ns.Annotations[ackv1alpha1.AnnotationOwnerAccountID]; a != "" {
		return a, nil
	}
	return AccountID, nil
}

// PlayOnce sets what one ACK reconcile of obj would write in its status (a
// role in two rounds, a change reported on, see Player), in AccountID, with
// no AWS behind it, and reports whether there is anything to write: a change
// is one the operator applied after ACK's last status write.
func PlayOnce(obj ack.Object) bool { return PlayOnceIn(obj, AccountID) }

// PlayOnceIn is PlayOnce in an account.
func PlayOnceIn(obj ack.Object, account string) bool {
	return playStatus(obj, account, changedSinceReported(obj))
}

// playStatus is PlayOnceIn with what says that the child changed since ACK
// last reconciled it.
func playStatus(obj ack.Object, account string, changed bool) bool {
	st := obj.ACKStatus()
	region := obj.GetAnnotations()[ackv1alpha1.AnnotationRegion]
	synced := st.Condition(ackv1alpha1.ConditionTypeResourceSynced)
	scope := arns.Scope{Region: region, Account: account}
	m := modelOf(obj)
	switch {
	case st.ARN() == "":
		setARNIn(obj, fakeARNIn(obj, region, account), account)
		if m.created != nil && m.created(obj, scope) {
			return true // the controller requeues (a role's policies, a table CREATING)
		}
		SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully")
		return true
	case synced == nil || synced.Status != corev1.ConditionTrue:
		if st.Condition(ackv1alpha1.ConditionTypeTerminal) != nil {
			return false // ACK does not retry a terminal error until the spec changes
		}
		// A sync starts from no conditions: the retry's Recoverable goes.
		st.Conditions = slices.DeleteFunc(st.Conditions, func(c *ackv1alpha1.Condition) bool {
			return c.Type == ackv1alpha1.ConditionTypeRecoverable
		})
		SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully")
		if m.synced != nil {
			m.synced(obj)
		}
		return true
	case changed:
		if m.updated != nil {
			m.updated(obj)
		}
		Stamp(obj)
		return true
	}
	return false
}

// unknownSynced is ACK's message while it requeues to see the outcome.
const unknownSynced = "Unable to determine if desired resource state matches latest observed state"

// deployCode reports the code a function declares as the code Lambda runs:
// its sha256, or a hash of its S3 location when it declares none.
func deployCode(f *ack.Function) {
	if f.Spec.Code == nil {
		return
	}
	if f.Spec.Code.SHA256 != nil {
		f.Status.CodeSHA256 = ptr.To(*f.Spec.Code.SHA256)
		return
	}
	if f.Status.CodeSHA256 == nil {
		// ACK never updates the code of a zip without sha256: the first
		// package stays.
		sum := sha256.Sum256([]byte(ptr.Deref(f.Spec.Code.S3Bucket, "") + "/" + ptr.Deref(f.Spec.Code.S3Key, "") + ptr.Deref(f.Spec.Code.ImageURI, "")))
		f.Status.CodeSHA256 = ptr.To(base64.StdEncoding.EncodeToString(sum[:]))
	}
}

// changedSinceReported says whether a server-side apply changed the child
// after the last status write (managedFields times, in whole seconds; the
// operator never applies in the second of ACK's last status write).
func changedSinceReported(obj ack.Object) bool {
	var applied, reported metav1.Time
	for _, m := range obj.GetManagedFields() {
		switch {
		case m.Time == nil:
		case m.Subresource == "status" && reported.Before(m.Time):
			reported = *m.Time
		case m.Subresource == "" && m.Operation == metav1.ManagedFieldsOperationApply && applied.Before(m.Time):
			applied = *m.Time
		}
	}
	return reported.Before(&applied)
}

// SetSynced sets a child's ARN and ACK.ResourceSynced=True, as ACK does.
func SetSynced(obj ack.Object, arn string) {
	SetARN(obj, arn)
	SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully")
}

// SetARN sets a child's ARN, account and region, as ACK does.
func SetARN(obj ack.Object, arn string) { setARNIn(obj, arn, AccountID) }

func setARNIn(obj ack.Object, arn, account string) {
	st := obj.ACKStatus()
	region := ackv1alpha1.AWSRegion(obj.GetAnnotations()[ackv1alpha1.AnnotationRegion])
	acct := ackv1alpha1.AWSAccountID(account)
	st.ACKResourceMetadata = &ackv1alpha1.ResourceMetadata{
		ARN: ptr.To(ackv1alpha1.AWSResourceName(arn)), OwnerAccountID: &acct, Region: &region,
	}
}

// SetCondition sets one ACK condition on a child, stamped now, as ACK stamps
// its conditions at every reconcile.
func SetCondition(obj ack.Object, t ackv1alpha1.ConditionType, status corev1.ConditionStatus, msg string) {
	st := obj.ACKStatus()
	now := metav1.Now()
	for _, c := range st.Conditions {
		if c.Type == t {
			c.Status, c.Message, c.LastTransitionTime = status, ptr.To(msg), &now
			return
		}
	}
	st.Conditions = append(st.Conditions, &ackv1alpha1.Condition{Type: t, Status: status, Message: ptr.To(msg), LastTransitionTime: &now})
}

// Stamp stamps a child's conditions now, as every ACK reconcile does.
func Stamp(obj ack.Object) {
	now := metav1.Now()
	for _, c := range obj.ACKStatus().Conditions {
		c.LastTransitionTime = &now
	}
}

// ServiceOf returns the AWS service of an ARN ("sqs" of arn:aws:sqs:...).
func ServiceOf(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}
