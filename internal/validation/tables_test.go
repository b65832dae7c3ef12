package validation_test

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

const tableKeyARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// tableBase is a valid stack with a table that has every setting: two
// global indexes (one sharing the table's sort key), a local index, TTL,
// PITR, deletion protection, a class, a KMS key and a stream. Each case
// below changes one thing.
func tableBase() *v1alpha1.EventDrivenStack {
	return &v1alpha1.EventDrivenStack{Spec: v1alpha1.EventDrivenStackSpec{
		Region: "eu-west-1",
		Tables: []v1alpha1.Table{{
			Name: "orders", PartitionKey: v1alpha1.Key{Name: "pk", Type: "S"}, SortKey: &v1alpha1.Key{Name: "sk", Type: "N"},
			BillingMode: v1alpha1.BillingPayPerRequest,
			GlobalSecondaryIndexes: []v1alpha1.GlobalSecondaryIndex{
				{Name: "by-customer", PartitionKey: v1alpha1.Key{Name: "customer", Type: "S"}, SortKey: &v1alpha1.Key{Name: "sk", Type: "N"},
					Projection: &v1alpha1.Projection{Type: v1alpha1.ProjectionInclude, NonKeyAttributes: []string{"total"}}},
				{Name: "by_status", PartitionKey: v1alpha1.Key{Name: "status", Type: "S"}, Projection: &v1alpha1.Projection{Type: v1alpha1.ProjectionKeysOnly}},
			},
			LocalSecondaryIndexes: []v1alpha1.LocalSecondaryIndex{{Name: "by.created", SortKey: v1alpha1.Key{Name: "created", Type: "N"}}},
			TimeToLive:            &v1alpha1.TimeToLive{AttributeName: "expiresAt"},
			PointInTimeRecovery:   true, DeletionProtection: true, TableClass: v1alpha1.TableClassStandardInfrequentAccess,
			KMSKeyARN: tableKeyARN,
			Stream:    &v1alpha1.TableStream{ViewType: "NEW_AND_OLD_IMAGES"},
		}},
	}}
}

func TestTableBaseIsValid(t *testing.T) {
	if errs := validation.Validate(tableBase()); len(errs) > 0 {
		t.Fatalf("the base stack is refused:\n%v", errs.ToAggregate())
	}
}

func globalIndexes(n, attrs int) []v1alpha1.GlobalSecondaryIndex {
	var out []v1alpha1.GlobalSecondaryIndex
	for i := 0; i < n; i++ {
		g := v1alpha1.GlobalSecondaryIndex{Name: fmt.Sprintf("gsi-%d", i), PartitionKey: v1alpha1.Key{Name: fmt.Sprintf("g%d", i), Type: "S"}}
		if attrs > 0 {
			g.Projection = &v1alpha1.Projection{Type: v1alpha1.ProjectionInclude}
			for j := 0; j < attrs; j++ {
				g.Projection.NonKeyAttributes = append(g.Projection.NonKeyAttributes, fmt.Sprintf("a%d", j))
			}
		}
		out = append(out, g)
	}
	return out
}

// Each change makes Validate report exactly the listed errors, at the field
// that is wrong.
func TestTableRules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(t *v1alpha1.Table)
		want   []wantErr
	}{
		{"a global index's key of another type than the table's", func(t *v1alpha1.Table) {
			t.GlobalSecondaryIndexes[0].SortKey.Type = "S"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].globalSecondaryIndexes[0].sortKey.type", "attribute sk is a key of type N"}}},
		{"two indexes typing one attribute differently", func(t *v1alpha1.Table) {
			t.LocalSecondaryIndexes[0].SortKey = v1alpha1.Key{Name: "status", Type: "B"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].localSecondaryIndexes[0].sortKey.type", "attribute status is a key of type S"}}},
		{"a global and a local index of one name", func(t *v1alpha1.Table) {
			t.LocalSecondaryIndexes[0].Name = "by_status"
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.tables[0].localSecondaryIndexes[0].name", "spec.tables[0].globalSecondaryIndexes[1].name"}}},
		{"an index name DynamoDB refuses", func(t *v1alpha1.Table) {
			t.GlobalSecondaryIndexes[1].Name = "by status"
			t.LocalSecondaryIndexes[0].Name = "ab"
		}, []wantErr{
			{field.ErrorTypeInvalid, "spec.tables[0].globalSecondaryIndexes[1].name", "3 to 255"},
			{field.ErrorTypeInvalid, "spec.tables[0].localSecondaryIndexes[0].name", "3 to 255"},
		}},
		{"an index whose sort key is its partition key", func(t *v1alpha1.Table) {
			t.GlobalSecondaryIndexes[1].SortKey = &v1alpha1.Key{Name: "status", Type: "S"}
			t.LocalSecondaryIndexes[0].SortKey = v1alpha1.Key{Name: "pk", Type: "S"}
		}, []wantErr{
			{field.ErrorTypeInvalid, "spec.tables[0].globalSecondaryIndexes[1].sortKey.name", "another attribute"},
			{field.ErrorTypeInvalid, "spec.tables[0].localSecondaryIndexes[0].sortKey.name", "another attribute"},
		}},
		{"a local index on a table without a sort key", func(t *v1alpha1.Table) {
			t.SortKey = nil
			t.GlobalSecondaryIndexes[0].SortKey = nil
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].localSecondaryIndexes", "need the table to have a sort key"}}},
		{"INCLUDE without attributes, KEYS_ONLY with some", func(t *v1alpha1.Table) {
			t.GlobalSecondaryIndexes[0].Projection.NonKeyAttributes = nil
			t.GlobalSecondaryIndexes[1].Projection.NonKeyAttributes = []string{"total"}
		}, []wantErr{
			{field.ErrorTypeRequired, "spec.tables[0].globalSecondaryIndexes[0].projection.nonKeyAttributes", "INCLUDE"},
			{field.ErrorTypeForbidden, "spec.tables[0].globalSecondaryIndexes[1].projection.nonKeyAttributes", "only type INCLUDE"},
		}},
		{"21 global indexes", func(t *v1alpha1.Table) {
			t.GlobalSecondaryIndexes = globalIndexes(21, 0)
		}, []wantErr{{field.ErrorTypeTooMany, "spec.tables[0].globalSecondaryIndexes", "20"}}},
		{"6 local indexes", func(t *v1alpha1.Table) {
			for i := 1; i < 6; i++ {
				t.LocalSecondaryIndexes = append(t.LocalSecondaryIndexes, v1alpha1.LocalSecondaryIndex{Name: fmt.Sprintf("lsi-%d", i), SortKey: v1alpha1.Key{Name: fmt.Sprintf("l%d", i), Type: "S"}})
			}
		}, []wantErr{{field.ErrorTypeTooMany, "spec.tables[0].localSecondaryIndexes", "5"}}},
		{"101 projected attributes across the indexes", func(t *v1alpha1.Table) {
			t.GlobalSecondaryIndexes = globalIndexes(2, 50)
			t.LocalSecondaryIndexes[0].Projection = &v1alpha1.Projection{Type: v1alpha1.ProjectionInclude, NonKeyAttributes: []string{"a0"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0]", "project 101 non-key attributes"}}},
		{"a key ID, an alias", func(t *v1alpha1.Table) {
			t.KMSKeyARN = "1234abcd-12ab-34cd-56ef-1234567890ab"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].kmsKeyARN", "the form DynamoDB reports it in"}}},
		{"an alias ARN", func(t *v1alpha1.Table) {
			t.KMSKeyARN = "arn:aws:kms:eu-west-1:123456789012:alias/orders"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].kmsKeyARN", "the form DynamoDB reports it in"}}},
		{"a key of another region", func(t *v1alpha1.Table) {
			t.KMSKeyARN = strings.Replace(tableKeyARN, "eu-west-1", "us-east-1", 1)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].kmsKeyARN", "region us-east-1"}}},
		{"a key of another partition", func(t *v1alpha1.Table) {
			t.KMSKeyARN = "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].kmsKeyARN", "partition aws-cn"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stack := tableBase()
			c.mutate(&stack.Spec.Tables[0])
			expectErrors(t, validation.Validate(stack), c.want)
		})
	}
}

// At DynamoDB's limits nothing is refused: 20 global and 5 local indexes,
// 100 projected attributes, index names of 3 and 255 characters.
func TestTableLimitsAccepted(t *testing.T) {
	stack := tableBase()
	tb := &stack.Spec.Tables[0]
	tb.GlobalSecondaryIndexes = globalIndexes(20, 5)
	tb.GlobalSecondaryIndexes[0].Name = "abc"
	tb.GlobalSecondaryIndexes[1].Name = strings.Repeat("x", 255)
	for i := 1; i < 5; i++ {
		tb.LocalSecondaryIndexes = append(tb.LocalSecondaryIndexes, v1alpha1.LocalSecondaryIndex{Name: fmt.Sprintf("lsi-%d", i), SortKey: v1alpha1.Key{Name: fmt.Sprintf("l%d", i), Type: "S"}})
	}
	if errs := validation.Validate(stack); len(errs) > 0 {
		t.Fatalf("refused at the limits:\n%v", errs.ToAggregate())
	}
}
