package ack_test

import (
	"context"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// A table with every setting render writes (indexes with each projection,
// TTL, PITR, deletion protection, class, a KMS key, a stream), and the
// explicit SSE removal, is accepted by the real dynamodb CRD with strict
// field validation.
func TestTableSettingsSatisfyTheRealDynamoDBCRD(t *testing.T) {
	stack := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "tables", Namespace: "default", UID: "0b9d7c1e-0000-4000-8000-000000000002"},
		Spec: v1alpha1.EventDrivenStackSpec{Region: "eu-west-1", Tables: []v1alpha1.Table{{
			Name: "orders", PartitionKey: v1alpha1.Key{Name: "pk", Type: "S"}, SortKey: &v1alpha1.Key{Name: "sk", Type: "N"},
			BillingMode: v1alpha1.BillingProvisioned, ProvisionedThroughput: &v1alpha1.ProvisionedThroughput{ReadCapacityUnits: 5, WriteCapacityUnits: 5},
			GlobalSecondaryIndexes: []v1alpha1.GlobalSecondaryIndex{
				{Name: "by-customer", PartitionKey: v1alpha1.Key{Name: "customer", Type: "S"}, SortKey: &v1alpha1.Key{Name: "sk", Type: "N"},
					Projection: &v1alpha1.Projection{Type: v1alpha1.ProjectionInclude, NonKeyAttributes: []string{"total"}}},
				{Name: "by_status", PartitionKey: v1alpha1.Key{Name: "status", Type: "S"}, Projection: &v1alpha1.Projection{Type: v1alpha1.ProjectionKeysOnly}},
			},
			LocalSecondaryIndexes: []v1alpha1.LocalSecondaryIndex{{Name: "by.created", SortKey: v1alpha1.Key{Name: "created", Type: "N"}}},
			TimeToLive:            &v1alpha1.TimeToLive{AttributeName: "expiresAt"},
			PointInTimeRecovery:   true, DeletionProtection: true, TableClass: v1alpha1.TableClassStandardInfrequentAccess,
			KMSKeyARN: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			Stream:    &v1alpha1.TableStream{ViewType: "NEW_AND_OLD_IMAGES"},
		}}},
	}
	res := converge(t, stack)
	var table *ack.Table
	for _, c := range res.Children {
		if tb, ok := c.Object.(*ack.Table); ok {
			table = tb
		}
	}
	if table == nil || table.Spec.GlobalSecondaryIndexes == nil || table.Spec.StreamSpecification == nil {
		t.Fatalf("the stack's table lacks its settings: %+v", table)
	}
	removed := table.DeepCopy()
	removed.Name += "-removed"
	removed.Spec.SSESpecification = &ack.SSESpecification{Enabled: ptr.To(false)}
	for _, obj := range []client.Object{table.DeepCopy(), removed} {
		//nolint:staticcheck // Patch with client.Apply is the one SSA call that takes a field validation option.
		err := k8s.Patch(context.Background(), obj, client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
			client.FieldValidation("Strict"), client.DryRunAll)
		if err != nil {
			t.Errorf("Table %s refused by the dynamodb CRD: %v", obj.GetName(), err)
		}
	}
}

// A stream consumer's mapping (starting position, bisect, retries, an
// on-failure destination, filters) is accepted by the real lambda CRD with
// strict field validation.
func TestStreamMappingSatisfiesTheRealLambdaCRD(t *testing.T) {
	stack := &v1alpha1.EventDrivenStack{
		ObjectMeta: metav1.ObjectMeta{Name: "streams", Namespace: "default", UID: "0b9d7c1e-0000-4000-8000-000000000003"},
		Spec: v1alpha1.EventDrivenStackSpec{Region: "eu-west-1",
			Queues: []v1alpha1.Queue{{Name: "failed"}},
			Tables: []v1alpha1.Table{{Name: "orders", PartitionKey: v1alpha1.Key{Name: "pk", Type: "S"}, Stream: &v1alpha1.TableStream{ViewType: "NEW_IMAGE"}}},
			Functions: []v1alpha1.Function{{Name: "projector", Code: v1alpha1.FunctionCode{S3Bucket: "b", S3Key: "k.zip"}, Runtime: "provided.al2023",
				Streams: []v1alpha1.StreamConsumer{{Table: "orders", StartingPosition: "TRIM_HORIZON", BatchSize: ptr.To[int64](200),
					BisectBatchOnFunctionError: true, MaximumRetryAttempts: ptr.To[int64](5), OnFailure: &v1alpha1.StreamOnFailure{Queue: "failed"},
					Filters: []apiextensionsv1.JSON{{Raw: []byte(`{"eventName":["INSERT"]}`)}}}}}},
		}}
	table := &ack.Table{}
	table.Status.LatestStreamARN = ptr.To("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-12-07T00:00:00.000")
	res, err := render.Render(stack, render.Observed{Account: "123456789012",
		ARNs: map[string]string{
			render.Key(refs.Function, "projector"): "arn:aws:lambda:eu-west-1:123456789012:function:projector",
			render.Key(refs.Queue, "failed"):       "arn:aws:sqs:eu-west-1:123456789012:failed"},
		Children: map[string]ack.Object{render.Key(refs.Table, "orders"): table}})
	if err != nil {
		t.Fatal(err)
	}
	var mapping *ack.EventSourceMapping
	for _, c := range res.Children {
		if m, ok := c.Object.(*ack.EventSourceMapping); ok {
			mapping = m
		}
	}
	if mapping == nil || mapping.Spec.DestinationConfig == nil || mapping.Spec.StartingPosition == nil {
		t.Fatalf("no stream mapping with its settings: %+v", res.Children)
	}
	//nolint:staticcheck // Patch with client.Apply is the one SSA call that takes a field validation option.
	err = k8s.Patch(context.Background(), mapping.DeepCopy(), client.Apply, client.FieldOwner(render.FieldManager), client.ForceOwnership,
		client.FieldValidation("Strict"), client.DryRunAll)
	if err != nil {
		t.Errorf("the stream mapping refused by the lambda CRD: %v", err)
	}
}
