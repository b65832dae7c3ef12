package localack

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
