package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// A stack of FIFO and encrypted queues and topics reaches Ready with ACK
// played against the local AWS, which then holds the queues and topics
// under their .fifo names with the attributes of the spec; a message
// published to the FIFO topic with a message group ID reaches the FIFO queue
// through the subscription the stack made.
func TestFifoStackBecomesReadyAndDelivers(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	prefix := ns + "-" // the local AWS is shared by the suite's tests
	stack := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "fifo", Namespace: ns},
		Spec: v1alpha1.EventDrivenStackSpec{
			Region: fake.Region, NamePrefix: prefix,
			Queues: []v1alpha1.Queue{
				{Name: "orders", Fifo: true, ContentBasedDeduplication: true, DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId",
					KMSMasterKeyID: "alias/orders", DeadLetter: &v1alpha1.DeadLetter{Queue: "orders-dlq", MaxReceiveCount: 3}},
				{Name: "orders-dlq", Fifo: true},
				{Name: "plain", DelaySeconds: ptr.To[int32](0), MaximumMessageSize: ptr.To[int32](2048),
					ReceiveMessageWaitTimeSeconds: ptr.To[int32](20), SQSManagedSSEEnabled: ptr.To(true)},
			},
			Topics: []v1alpha1.Topic{{Name: "events", Fifo: true, KMSMasterKeyID: "alias/events",
				Subscriptions: []v1alpha1.Subscription{{Protocol: "sqs", Queue: "orders", RawMessageDelivery: true}}}},
		},
	}
	createStack(t, stack)
	playACKUntilReady(t, ns, stack.Name)

	q, ok := fake.Queue(prefix + "orders.fifo")
	if !ok {
		t.Fatalf("no queue %sorders.fifo in the local AWS", prefix)
	}
	for k, v := range map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup",
		"FifoThroughputLimit": "perMessageGroupId", "KmsMasterKeyId": "alias/orders"} {
		if q.Attributes[k] != v {
			t.Errorf("queue attribute %s = %q, want %q", k, q.Attributes[k], v)
		}
	}
	if !strings.Contains(q.Attributes["RedrivePolicy"], prefix+"orders-dlq.fifo") {
		t.Errorf("redrive policy %s", q.Attributes["RedrivePolicy"])
	}
	if p, ok := fake.Queue(prefix + "plain"); !ok || p.Attributes["MaximumMessageSize"] != "2048" || p.Attributes["ReceiveMessageWaitTimeSeconds"] != "20" {
		t.Errorf("standard queue %+v (%v)", p.Attributes, ok)
	}
	topic, ok := fake.Topic(prefix + "events.fifo")
	if !ok || topic.Attributes["FifoTopic"] != "true" || topic.Attributes["KmsMasterKeyId"] != "alias/events" {
		t.Fatalf("topic %+v (%v)", topic.Attributes, ok)
	}

	client := sns.NewFromConfig(aws.Config{Region: fake.Region, BaseEndpoint: aws.String(fake.URL()), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if _, err := client.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic.Arn), Message: aws.String(`{"order":1}`),
		MessageGroupId: aws.String("customer-1"), MessageDeduplicationId: aws.String("order-1")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, waitFor, "the message in the FIFO queue", func() error {
		for _, m := range fake.Messages(prefix + "orders.fifo") {
			if m.Body == `{"order":1}` && m.MessageGroupID == "customer-1" {
				return nil
			}
		}
		return fmt.Errorf("messages %+v", fake.Messages(prefix+"orders.fifo"))
	})
}
