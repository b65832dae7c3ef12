package localack

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// A FIFO queue and topic with every attribute the operator sets reach the
// local AWS as sqs-controller and sns-controller send them: the queue's
// attributes at create and again on a new generation (FifoQueue with them),
// the topic's FifoTopic at create only (SetTopicAttributes does not take
// it), its key and deduplication on a new generation, a key of "" removed.
func TestFifoAndEncryptedQueueAndTopicAreMadeInTheLocalAWS(t *testing.T) {
	ctx := context.Background()
	srv := localaws.New()
	srv.Delays = localaws.Delays{}
	cfg := srv.StartForTest(t)
	p := NewPlayer(srv)

	q := &ack.Queue{ObjectMeta: meta("q"), Spec: ack.QueueSpec{QueueName: ptr.To("orders.fifo"),
		FifoQueue: ptr.To("true"), ContentBasedDeduplication: ptr.To("true"), DeduplicationScope: ptr.To("messageGroup"),
		FifoThroughputLimit: ptr.To("perMessageGroupId"), DelaySeconds: ptr.To("5"), MaximumMessageSize: ptr.To("2048"),
		ReceiveMessageWaitTimeSeconds: ptr.To("20"), KMSMasterKeyID: ptr.To("alias/orders"), KMSDataKeyReusePeriodSeconds: ptr.To("600")}}
	reconcileOK(t, p, q)
	sq := sqs.NewFromConfig(cfg)
	attrs := func() map[string]string {
		t.Helper()
		out, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.Status.QueueURL, AttributeNames: []sqstypes.QueueAttributeName{"All"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	want := map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup",
		"FifoThroughputLimit": "perMessageGroupId", "DelaySeconds": "5", "MaximumMessageSize": "2048",
		"ReceiveMessageWaitTimeSeconds": "20", "KmsMasterKeyId": "alias/orders", "KmsDataKeyReusePeriodSeconds": "600"}
	got := attrs()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("queue attribute %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	p.reconciled[q.UID], q.Generation = 1, 2
	q.Spec.ContentBasedDeduplication, q.Spec.KMSMasterKeyID, q.Spec.KMSDataKeyReusePeriodSeconds = ptr.To("false"), ptr.To(""), nil
	reconcileOK(t, p, q)
	if got := attrs(); got["ContentBasedDeduplication"] != "false" || got["KmsMasterKeyId"] != "" {
		t.Errorf("after the update: %v", got)
	}

	topic := &ack.Topic{ObjectMeta: meta("t"), Spec: ack.TopicSpec{Name: ptr.To("orders.fifo"), FifoTopic: ptr.To("true"),
		ContentBasedDeduplication: ptr.To("false"), KMSMasterKeyID: ptr.To("alias/orders")}}
	reconcileOK(t, p, topic)
	sn := sns.NewFromConfig(cfg)
	topicAttrs := func() map[string]string {
		t.Helper()
		out, err := sn.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic.ACKStatus().ARN())})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes
	}
	if got := topicAttrs(); got["FifoTopic"] != "true" || got["ContentBasedDeduplication"] != "false" || got["KmsMasterKeyId"] != "alias/orders" {
		t.Errorf("topic attributes %v", got)
	}
	p.reconciled[topic.UID], topic.Generation = 1, 2
	topic.Spec.ContentBasedDeduplication, topic.Spec.KMSMasterKeyID = ptr.To("true"), ptr.To("")
	reconcileOK(t, p, topic)
	if got := topicAttrs(); got["ContentBasedDeduplication"] != "true" || got["KmsMasterKeyId"] != "" {
		t.Errorf("topic after the update: %v", got)
	}
}
