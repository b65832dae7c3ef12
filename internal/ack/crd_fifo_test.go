package ack_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// The queue and topic fields of FIFO and encrypted queues and topics
// (fifoQueue, contentBasedDeduplication, deduplicationScope,
// fifoThroughputLimit, delaySeconds, maximumMessageSize,
// receiveMessageWaitTimeSeconds, sqsManagedSSEEnabled, kmsMasterKeyID,
// kmsDataKeyReusePeriodSeconds; fifoTopic and kmsMasterKeyID on a topic) are
// accepted by the real sqs and sns CRDs with strict field validation.
func TestFifoAndEncryptedChildrenSatisfyTheRealACKCRDs(t *testing.T) {
	stack := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "fifo", Namespace: "default", UID: "0b9d7c1e-0000-4000-8000-000000000002"},
		Spec: v1alpha1.EventDrivenStackSpec{
			Region: "eu-west-1",
			Queues: []v1alpha1.Queue{
				{Name: "orders", Fifo: true, ContentBasedDeduplication: true, DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId",
					DelaySeconds: ptr.To[int32](5), MaximumMessageSize: ptr.To[int32](2048), ReceiveMessageWaitTimeSeconds: ptr.To[int32](20),
					KMSMasterKeyID: "alias/orders", KMSDataKeyReusePeriodSeconds: ptr.To[int32](600)},
				{Name: "plain", SQSManagedSSEEnabled: ptr.To(true)},
			},
			Topics: []v1alpha1.Topic{{Name: "events", Fifo: true, ContentBasedDeduplication: true, KMSMasterKeyID: "alias/events",
				Subscriptions: []v1alpha1.Subscription{{Protocol: "sqs", Queue: "orders"}}}},
		},
	}
	res := converge(t, stack)
	seen := map[string]bool{}
	for _, c := range res.Children {
		switch o := c.Object.(type) {
		case *ack.Queue:
			seen["fifoQueue"] = seen["fifoQueue"] || o.Spec.FifoQueue != nil
			seen["sqsManagedSSEEnabled"] = seen["sqsManagedSSEEnabled"] || o.Spec.SQSManagedSSEEnabled != nil
		case *ack.Topic:
			seen["fifoTopic"] = o.Spec.FifoTopic != nil && o.Spec.KMSMasterKeyID != nil
		default:
			continue
		}
		obj := c.Object.DeepCopyObject().(client.Object)
		//nolint:staticcheck // as in TestChildrenSatisfyTheRealACKCRDs
		err := k8s.Patch(context.Background(), obj, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
			client.FieldValidation("Strict"), client.DryRunAll)
		if err != nil {
			t.Errorf("%s %s refused by its ACK CRD: %v", c.Kind, c.Name, err)
		}
	}
	for _, f := range []string{"fifoQueue", "sqsManagedSSEEnabled", "fifoTopic"} {
		if !seen[f] {
			t.Errorf("no child sets %s: the test would not prove it", f)
		}
	}
}
