package localack

import (
	"context"
	"strings"
	"testing"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/probe"
)

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Generation: 1,
		Annotations: map[string]string{ackv1alpha1.AnnotationRegion: "us-east-1"}}
}

// reconcileOK plays one reconcile and fails on an error or a Recoverable.
func reconcileOK(t *testing.T, p *Player, obj ack.Object) {
	t.Helper()
	if _, err := p.reconcile(context.Background(), obj, AccountID); err != nil {
		t.Fatalf("%s: %v", obj.GetName(), err)
	}
	if c := obj.ACKStatus().Condition(ackv1alpha1.ConditionTypeRecoverable); c != nil {
		t.Fatalf("%s: Recoverable %s", obj.GetName(), ptr.Deref(c.Message, ""))
	}
}

// With a local AWS the stand-in makes queues, topics, subscriptions, tables
// and event source mappings there, reports the identifiers AWS gave (the
// same as without one, but a subscription's ARN and a mapping's UUID), and
// makes a mapping once per child.
func TestDataPlaneIsMadeInTheLocalAWS(t *testing.T) {
	ctx := context.Background()
	srv := localaws.New()
	srv.Delays = localaws.Delays{}
	cfg := srv.StartForTest(t)
	p := NewPlayer(srv)

	dlq := &ack.Queue{ObjectMeta: meta("dlq"), Spec: ack.QueueSpec{QueueName: ptr.To("dlq")}}
	reconcileOK(t, p, dlq)
	q := &ack.Queue{ObjectMeta: meta("q"), Spec: ack.QueueSpec{QueueName: ptr.To("q"), VisibilityTimeout: ptr.To("45"),
		RedrivePolicy: ptr.To(`{"deadLetterTargetArn":"` + dlq.ACKStatus().ARN() + `","maxReceiveCount":3}`),
		Tags:          map[string]*string{"team": ptr.To("a")}}}
	reconcileOK(t, p, q)
	sq := sqs.NewFromConfig(cfg)
	url, err := sq.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(q.Status.QueueURL, ""); got != *url.QueueUrl || got != FakeQueueURL(q, "us-east-1") {
		t.Errorf("queue URL %s, SQS's %s", got, *url.QueueUrl)
	}
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["VisibilityTimeout"] != "45" || attrs.Attributes["QueueArn"] != q.ACKStatus().ARN() ||
		!strings.Contains(attrs.Attributes["RedrivePolicy"], "dlq") {
		t.Errorf("queue attributes %v, reported ARN %s", attrs.Attributes, q.ACKStatus().ARN())
	}
	// A new generation sets the attributes.
	p.reconciled[q.UID], q.Generation, q.Spec.VisibilityTimeout = 1, 2, ptr.To("60")
	reconcileOK(t, p, q)
	attrs, _ = sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"VisibilityTimeout"}})
	if attrs.Attributes["VisibilityTimeout"] != "60" {
		t.Errorf("after the update %v", attrs.Attributes)
	}

	topic := &ack.Topic{ObjectMeta: meta("t"), Spec: ack.TopicSpec{Name: ptr.To("t"), DisplayName: ptr.To("Orders")}}
	reconcileOK(t, p, topic)
	sn := sns.NewFromConfig(cfg)
	ta, err := sn.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic.ACKStatus().ARN())})
	if err != nil || ta.Attributes["DisplayName"] != "Orders" {
		t.Fatalf("topic %v %v", ta, err)
	}
	if want := FakeARN(topic, "us-east-1"); topic.ACKStatus().ARN() != want {
		t.Errorf("topic ARN %s, want %s", topic.ACKStatus().ARN(), want)
	}
	sub := &ack.Subscription{ObjectMeta: meta("s"), Spec: ack.SubscriptionSpec{TopicARN: ptr.To(topic.ACKStatus().ARN()),
		Protocol: ptr.To("sqs"), Endpoint: ptr.To(q.ACKStatus().ARN()), RawMessageDelivery: ptr.To("true")}}
	reconcileOK(t, p, sub)
	sa, err := sn.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub.ACKStatus().ARN())})
	if err != nil || sa.Attributes["RawMessageDelivery"] != "true" {
		t.Fatalf("subscription %v %v", sa, err)
	}

	table := &ack.Table{ObjectMeta: meta("orders"), Spec: ack.TableSpec{TableName: ptr.To("orders"), BillingMode: ptr.To("PAY_PER_REQUEST"),
		AttributeDefinitions: []*ack.AttributeDefinition{{AttributeName: ptr.To("id"), AttributeType: ptr.To("S")}},
		KeySchema:            []*ack.KeySchemaElement{{AttributeName: ptr.To("id"), KeyType: ptr.To("HASH")}}}}
	reconcileOK(t, p, table)
	if ptr.Deref(table.Status.TableStatus, "") != "CREATING" || table.ACKStatus().ARN() != FakeARN(table, "us-east-1") {
		t.Errorf("table reported %s %s", ptr.Deref(table.Status.TableStatus, ""), table.ACKStatus().ARN())
	}
	if _, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	reconcileOK(t, p, table)
	if ptr.Deref(table.Status.TableStatus, "") != "ACTIVE" {
		t.Errorf("table then %s", ptr.Deref(table.Status.TableStatus, ""))
	}

	role := &ack.Role{ObjectMeta: meta("r"), Spec: ack.RoleSpec{Name: ptr.To("r"),
		AssumeRolePolicyDocument: ptr.To(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}}
	if _, err := p.reconcile(ctx, role, AccountID); err != nil || role.ACKStatus().ARN() == "" {
		t.Fatalf("role %v %+v", err, role.Status)
	}
	fn := &ack.Function{ObjectMeta: meta("f"), Spec: ack.FunctionSpec{Name: ptr.To("f"), Role: ptr.To(role.ACKStatus().ARN()),
		Runtime: ptr.To("provided.al2023"), Handler: ptr.To("bootstrap"), Code: &ack.FunctionCode{S3Bucket: ptr.To("b"), S3Key: ptr.To("k"), SHA256: ptr.To("c2hh")}}}
	reconcileOK(t, p, fn)
	esm := &ack.EventSourceMapping{ObjectMeta: meta("m"), Spec: ack.EventSourceMappingSpec{FunctionName: ptr.To(FakeARN(fn, "us-east-1")),
		EventSourceARN: ptr.To(q.ACKStatus().ARN()), BatchSize: ptr.To[int64](5),
		FunctionResponseTypes: []*string{ptr.To("ReportBatchItemFailures")}}}
	lost := esm.DeepCopy()
	reconcileOK(t, p, esm)
	uuid := ptr.Deref(esm.Status.UUID, "")
	m, ok := srv.Mapping(uuid)
	if uuid == string(esm.UID) || !ok || m.BatchSize != 5 || esm.ACKStatus().ARN() != m.Arn {
		t.Fatalf("mapping reported %s %s, Lambda has %+v (%v)", uuid, esm.ACKStatus().ARN(), m, ok)
	}
	// A reconcile whose status write was lost, and a player that forgot:
	// the same mapping, not a second.
	reconcileOK(t, p, lost)
	reconcileOK(t, NewPlayer(srv), lost.DeepCopy())
	list, err := lambda.NewFromConfig(cfg).ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{})
	if err != nil || len(list.EventSourceMappings) != 1 || ptr.Deref(lost.Status.UUID, "") != uuid {
		t.Fatalf("mappings %+v %v, the retry reported %s", list, err, ptr.Deref(lost.Status.UUID, ""))
	}
	p.reconciled[esm.UID], esm.Generation, esm.Spec.BatchSize = 1, 2, ptr.To[int64](7)
	reconcileOK(t, p, esm)
	if m, _ := srv.Mapping(uuid); m.BatchSize != 7 {
		t.Errorf("after the update %+v", m)
	}
	// The operator's probe reads the mapping by the UUID reported.
	if v, err := probe.Mapping(ctx, lambda.NewFromConfig(cfg), esm, ptr.Deref(esm.Status.UUID, "")); err != nil || !v.Settled {
		t.Errorf("probe: %+v %v", v, err)
	}
}

// An AWS error ends the reconcile Recoverable with AWS's message; the retry
// that goes through clears it.
func TestDataPlaneErrorIsRecoverable(t *testing.T) {
	srv := localaws.New()
	srv.StartForTest(t)
	p := NewPlayer(srv)
	q := &ack.Queue{ObjectMeta: meta("q"), Spec: ack.QueueSpec{QueueName: ptr.To("q"), VisibilityTimeout: ptr.To("99999")}}
	if _, err := p.reconcile(context.Background(), q, AccountID); err != nil {
		t.Fatal(err)
	}
	c := q.Status.Condition(ackv1alpha1.ConditionTypeRecoverable)
	if c == nil || c.Status != corev1.ConditionTrue || !strings.HasPrefix(ptr.Deref(c.Message, ""), "InvalidAttributeValue") || q.Status.ACKResourceMetadata != nil {
		t.Fatalf("status %+v %s", q.Status, ptr.Deref(c.Message, ""))
	}
	q.Spec.VisibilityTimeout = ptr.To("30")
	reconcileOK(t, p, q)
	if !synced(q) {
		t.Errorf("conditions %+v", q.Status.Conditions)
	}
}
