package testenv

import (
	"context"
	"fmt"
	"strings"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// AccountID is the AWS account the tests' fake ARNs name.
const AccountID = "123456789012"

// FakeARN is the ARN ACK would report for a child in region.
func FakeARN(obj ack.Object, region string) string {
	p := "arn:aws:"
	switch o := obj.(type) {
	case *ack.Queue:
		return fmt.Sprintf("%ssqs:%s:%s:%s", p, region, AccountID, ptr.Deref(o.Spec.QueueName, ""))
	case *ack.Topic:
		return fmt.Sprintf("%ssns:%s:%s:%s", p, region, AccountID, ptr.Deref(o.Spec.Name, ""))
	case *ack.Subscription:
		return fmt.Sprintf("%s:%s", ptr.Deref(o.Spec.TopicARN, ""), o.UID)
	case *ack.Table:
		return fmt.Sprintf("%sdynamodb:%s:%s:table/%s", p, region, AccountID, ptr.Deref(o.Spec.TableName, ""))
	case *ack.Function:
		return fmt.Sprintf("%slambda:%s:%s:function:%s", p, region, AccountID, ptr.Deref(o.Spec.Name, ""))
	case *ack.EventSourceMapping:
		return fmt.Sprintf("%slambda:%s:%s:event-source-mapping:%s", p, region, AccountID, o.UID)
	case *ack.StateMachine:
		return fmt.Sprintf("%sstates:%s:%s:stateMachine:%s", p, region, AccountID, ptr.Deref(o.Spec.Name, ""))
	case *ack.Role:
		return fmt.Sprintf("%siam::%s:role/%s", p, AccountID, ptr.Deref(o.Spec.Name, ""))
	}
	return ""
}

// FakeQueueURL is the URL SQS would give a queue.
func FakeQueueURL(q *ack.Queue, region string) string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, AccountID, ptr.Deref(q.Spec.QueueName, ""))
}

// PlayACK does what the ACK controllers would do for the children in a
// namespace that have no status yet and that pass filter (nil: all): it writes
// their ARN (and a queue's URL) and marks them ACK.ResourceSynced. It returns
// how many it marked.
func PlayACK(ctx context.Context, c client.Client, namespace string, filter func(ack.Object) bool) (int, error) {
	marked := 0
	for _, k := range ack.Kinds {
		list := k.List()
		if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return marked, err
		}
		for _, obj := range list.Objects() {
			if obj.ACKStatus().ARN() != "" || (filter != nil && !filter(obj)) {
				continue
			}
			region := obj.GetAnnotations()[ackv1alpha1.AnnotationRegion]
			SetSynced(obj, FakeARN(obj, region))
			if q, ok := obj.(*ack.Queue); ok {
				q.Status.QueueURL = ptr.To(FakeQueueURL(q, region))
				q.Status.QueueARN = ptr.To(FakeARN(q, region))
			}
			if err := c.Status().Update(ctx, obj); err != nil {
				return marked, fmt.Errorf("playing ACK on %s %s: %w", k.GVK.Kind, obj.GetName(), err)
			}
			marked++
		}
	}
	return marked, nil
}

// SetSynced sets a child's ARN and ACK.ResourceSynced=True, as ACK does.
func SetSynced(obj ack.Object, arn string) {
	st := obj.ACKStatus()
	region := ackv1alpha1.AWSRegion(obj.GetAnnotations()[ackv1alpha1.AnnotationRegion])
	acct := ackv1alpha1.AWSAccountID(AccountID)
	st.ACKResourceMetadata = &ackv1alpha1.ResourceMetadata{
		ARN: ptr.To(ackv1alpha1.AWSResourceName(arn)), OwnerAccountID: &acct, Region: &region,
	}
	SetCondition(obj, ackv1alpha1.ConditionTypeResourceSynced, corev1.ConditionTrue, "Resource synced successfully")
}

// SetCondition sets one ACK condition on a child.
func SetCondition(obj ack.Object, t ackv1alpha1.ConditionType, status corev1.ConditionStatus, msg string) {
	st := obj.ACKStatus()
	for _, c := range st.Conditions {
		if c.Type == t {
			c.Status, c.Message = status, ptr.To(msg)
			return
		}
	}
	st.Conditions = append(st.Conditions, &ackv1alpha1.Condition{Type: t, Status: status, Message: ptr.To(msg)})
}

// ServiceOf returns the AWS service of an ARN ("sqs" of arn:aws:sqs:...).
func ServiceOf(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}
