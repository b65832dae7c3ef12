package localack

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// A table with indexes, a stream, a KMS key, a class and deletion
// protection is made in the local AWS with all of them, as
// dynamodb-controller's CreateTable sends them, and its stream's ARN is
// reported in status.latestStreamARN, where a stream consumer's mapping
// finds it.
func TestTableSettingsAreMadeInTheLocalAWS(t *testing.T) {
	ctx := context.Background()
	srv := localaws.New()
	srv.Delays = localaws.Delays{}
	cfg := srv.StartForTest(t)
	p := NewPlayer(srv)

	key := "arn:aws:kms:us-east-1:" + AccountID + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	s := func(v string) *string { return ptr.To(v) }
	keySchema := func(hash, rng string) []*ack.KeySchemaElement {
		out := []*ack.KeySchemaElement{{AttributeName: s(hash), KeyType: s("HASH")}}
		if rng != "" {
			out = append(out, &ack.KeySchemaElement{AttributeName: s(rng), KeyType: s("RANGE")})
		}
		return out
	}
	table := &ack.Table{ObjectMeta: meta("ledger"), Spec: ack.TableSpec{TableName: s("ledger"), BillingMode: s("PAY_PER_REQUEST"),
		AttributeDefinitions: []*ack.AttributeDefinition{{AttributeName: s("pk"), AttributeType: s("S")}, {AttributeName: s("sk"), AttributeType: s("N")},
			{AttributeName: s("customer"), AttributeType: s("S")}, {AttributeName: s("created"), AttributeType: s("N")}},
		KeySchema: keySchema("pk", "sk"),
		GlobalSecondaryIndexes: []*ack.GlobalSecondaryIndex{{IndexName: s("by-customer"), KeySchema: keySchema("customer", ""),
			Projection: &ack.Projection{ProjectionType: s("INCLUDE"), NonKeyAttributes: []*string{s("total")}}}},
		LocalSecondaryIndexes: []*ack.LocalSecondaryIndex{{IndexName: s("by-created"), KeySchema: keySchema("pk", "created"),
			Projection: &ack.Projection{ProjectionType: s("KEYS_ONLY")}}},
		StreamSpecification:       &ack.StreamSpecification{StreamEnabled: ptr.To(true), StreamViewType: s("NEW_AND_OLD_IMAGES")},
		SSESpecification:          &ack.SSESpecification{Enabled: ptr.To(true), SSEType: s("KMS"), KMSMasterKeyID: s(key)},
		TableClass:                s("STANDARD_INFREQUENT_ACCESS"),
		DeletionProtectionEnabled: ptr.To(true),
	}}
	reconcileOK(t, p, table)
	out, err := dynamodb.NewFromConfig(cfg).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ledger")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Table
	if len(d.GlobalSecondaryIndexes) != 1 || *d.GlobalSecondaryIndexes[0].IndexName != "by-customer" ||
		d.GlobalSecondaryIndexes[0].Projection.NonKeyAttributes[0] != "total" {
		t.Errorf("global indexes %+v", d.GlobalSecondaryIndexes)
	}
	if len(d.LocalSecondaryIndexes) != 1 || string(d.LocalSecondaryIndexes[0].Projection.ProjectionType) != "KEYS_ONLY" {
		t.Errorf("local indexes %+v", d.LocalSecondaryIndexes)
	}
	if d.StreamSpecification == nil || string(d.StreamSpecification.StreamViewType) != "NEW_AND_OLD_IMAGES" {
		t.Errorf("stream %+v", d.StreamSpecification)
	}
	if d.SSEDescription == nil || ptr.Deref(d.SSEDescription.KMSMasterKeyArn, "") != key {
		t.Errorf("SSE %+v", d.SSEDescription)
	}
	if d.TableClassSummary == nil || string(d.TableClassSummary.TableClass) != "STANDARD_INFREQUENT_ACCESS" || !ptr.Deref(d.DeletionProtectionEnabled, false) {
		t.Errorf("class %+v, deletion protection %v", d.TableClassSummary, d.DeletionProtectionEnabled)
	}
	got := ptr.Deref(table.Status.LatestStreamARN, "")
	if got == "" || got != ptr.Deref(d.LatestStreamArn, "") || !strings.HasPrefix(got, table.ACKStatus().ARN()+"/stream/") {
		t.Errorf("status.latestStreamARN = %q, DynamoDB's %q", got, ptr.Deref(d.LatestStreamArn, ""))
	}
}

// A stream consumer's mapping is made in the local Lambda on the table's
// stream with its starting position, bisect, retries and on-failure
// destination, which an update sends again.
func TestStreamMappingIsMadeInTheLocalAWS(t *testing.T) {
	ctx := context.Background()
	srv := localaws.New()
	srv.Delays = localaws.Delays{}
	cfg := srv.StartForTest(t)
	p := NewPlayer(srv)

	failed := &ack.Queue{ObjectMeta: meta("failed"), Spec: ack.QueueSpec{QueueName: ptr.To("failed")}}
	reconcileOK(t, p, failed)
	table := &ack.Table{ObjectMeta: meta("orders"), Spec: ack.TableSpec{TableName: ptr.To("orders"), BillingMode: ptr.To("PAY_PER_REQUEST"),
		AttributeDefinitions: []*ack.AttributeDefinition{{AttributeName: ptr.To("id"), AttributeType: ptr.To("S")}},
		KeySchema:            []*ack.KeySchemaElement{{AttributeName: ptr.To("id"), KeyType: ptr.To("HASH")}},
		StreamSpecification:  &ack.StreamSpecification{StreamEnabled: ptr.To(true), StreamViewType: ptr.To("NEW_IMAGE")}}}
	reconcileOK(t, p, table)
	reconcileOK(t, p, table)
	role := &ack.Role{ObjectMeta: meta("r"), Spec: ack.RoleSpec{Name: ptr.To("r"),
		AssumeRolePolicyDocument: ptr.To(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}}
	if _, err := p.reconcile(ctx, role, AccountID); err != nil || role.ACKStatus().ARN() == "" {
		t.Fatalf("role %v %+v", err, role.Status)
	}
	fn := &ack.Function{ObjectMeta: meta("f"), Spec: ack.FunctionSpec{Name: ptr.To("f"), Role: ptr.To(role.ACKStatus().ARN()),
		Runtime: ptr.To("provided.al2023"), Handler: ptr.To("bootstrap"), Code: &ack.FunctionCode{S3Bucket: ptr.To("b"), S3Key: ptr.To("k"), SHA256: ptr.To("c2hh")}}}
	reconcileOK(t, p, fn)
	esm := &ack.EventSourceMapping{ObjectMeta: meta("m"), Spec: ack.EventSourceMappingSpec{FunctionName: ptr.To(FakeARN(fn, "us-east-1")),
		EventSourceARN: table.Status.LatestStreamARN, BatchSize: ptr.To[int64](100), MaximumBatchingWindowInSeconds: ptr.To[int64](0),
		StartingPosition: ptr.To("TRIM_HORIZON"), BisectBatchOnFunctionError: ptr.To(true), MaximumRetryAttempts: ptr.To[int64](3),
		DestinationConfig:     &ack.DestinationConfig{OnFailure: &ack.OnFailure{Destination: ptr.To(failed.ACKStatus().ARN())}},
		FunctionResponseTypes: []*string{ptr.To("ReportBatchItemFailures")}, Enabled: ptr.To(true)}}
	reconcileOK(t, p, esm)
	get := func() *lambda.GetEventSourceMappingOutput {
		t.Helper()
		out, err := lambda.NewFromConfig(cfg).GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: esm.Status.UUID})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	m := get()
	if ptr.Deref(m.EventSourceArn, "") != ptr.Deref(table.Status.LatestStreamARN, "") || m.StartingPosition != "TRIM_HORIZON" ||
		!ptr.Deref(m.BisectBatchOnFunctionError, false) || ptr.Deref(m.MaximumRetryAttempts, 0) != 3 ||
		m.DestinationConfig == nil || ptr.Deref(m.DestinationConfig.OnFailure.Destination, "") != failed.ACKStatus().ARN() {
		t.Fatalf("Lambda has %+v", m)
	}
	p.reconciled[esm.UID], esm.Generation = 1, 2
	esm.Spec.MaximumRetryAttempts, esm.Spec.BisectBatchOnFunctionError = ptr.To[int64](-1), ptr.To(false)
	reconcileOK(t, p, esm)
	if m := get(); ptr.Deref(m.MaximumRetryAttempts, 0) != -1 || ptr.Deref(m.BisectBatchOnFunctionError, true) {
		t.Errorf("after the update Lambda has retries %v, bisect %v", ptr.Deref(m.MaximumRetryAttempts, 0), ptr.Deref(m.BisectBatchOnFunctionError, true))
	}
}
