package controller_test

import (
	"context"
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// What DynamoDB, or ACK's dynamodb-controller, cannot change on an existing
// table is refused by the CRD's CEL rules on update, naming the field: local
// indexes (made with the table only), a global index's keys or projection
// (UpdateTable updates only its throughput), the stream once set (the
// controller cannot disable it). What they can change goes through: a global
// index added or removed, a stream added.
func TestTableChangesDynamoDBCannotMakeAreRefusedOnUpdate(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Labels = map[string]string{directShardLabel: "direct"} // no reconcile needed
	stack.Spec.Tables = append(stack.Spec.Tables, v1alpha1.Table{
		Name: "ledger", PartitionKey: v1alpha1.Key{Name: "pk", Type: "S"}, SortKey: &v1alpha1.Key{Name: "sk", Type: "S"},
		GlobalSecondaryIndexes: []v1alpha1.GlobalSecondaryIndex{{Name: "by-customer", PartitionKey: v1alpha1.Key{Name: "customer", Type: "S"}}},
		LocalSecondaryIndexes:  []v1alpha1.LocalSecondaryIndex{{Name: "by-created", SortKey: v1alpha1.Key{Name: "created", Type: "N"}}},
		Stream:                 &v1alpha1.TableStream{ViewType: "NEW_IMAGE"},
	})
	if err := k8s.Create(ctx, stack); err != nil {
		t.Fatal(err)
	}
	ledger := func(s *v1alpha1.EventDrivenStackSpec) *v1alpha1.Table { return &s.Tables[len(s.Tables)-1] }
	refused := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		want   []string
	}{
		{"a local index removed", func(s *v1alpha1.EventDrivenStackSpec) { ledger(s).LocalSecondaryIndexes = nil },
			[]string{"spec.tables[2].localSecondaryIndexes", "localSecondaryIndexes are immutable"}},
		{"a local index's projection changed", func(s *v1alpha1.EventDrivenStackSpec) {
			ledger(s).LocalSecondaryIndexes[0].Projection = &v1alpha1.Projection{Type: v1alpha1.ProjectionKeysOnly}
		}, []string{"spec.tables[2].localSecondaryIndexes", "localSecondaryIndexes are immutable"}},
		{"a local index added to a table without", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Tables[0].SortKey = nil
			s.Tables[0].LocalSecondaryIndexes = []v1alpha1.LocalSecondaryIndex{{Name: "late", SortKey: v1alpha1.Key{Name: "x", Type: "S"}}}
		}, []string{"spec.tables[0].localSecondaryIndexes", "localSecondaryIndexes are immutable"}},
		{"a global index's projection changed", func(s *v1alpha1.EventDrivenStackSpec) {
			ledger(s).GlobalSecondaryIndexes[0].Projection = &v1alpha1.Projection{Type: v1alpha1.ProjectionKeysOnly}
		}, []string{"spec.tables[2].globalSecondaryIndexes", "cannot change its keys or projection"}},
		{"a global index's key changed", func(s *v1alpha1.EventDrivenStackSpec) {
			ledger(s).GlobalSecondaryIndexes[0].PartitionKey.Name = "account"
		}, []string{"spec.tables[2].globalSecondaryIndexes", "cannot change its keys or projection"}},
		{"the stream removed", func(s *v1alpha1.EventDrivenStackSpec) { ledger(s).Stream = nil },
			[]string{"spec.tables[2].stream", "stream cannot change nor be removed"}},
		{"the stream's view type changed", func(s *v1alpha1.EventDrivenStackSpec) { ledger(s).Stream.ViewType = "KEYS_ONLY" },
			[]string{"spec.tables[2].stream", "stream cannot change nor be removed"}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			s := getStack(t, ns, stack.Name)
			tc.mutate(&s.Spec)
			err := k8s.Update(ctx, s)
			refusedAsInvalid(t, err, tc.want...)
		})
	}
	s := getStack(t, ns, stack.Name)
	ledger(&s.Spec).GlobalSecondaryIndexes = []v1alpha1.GlobalSecondaryIndex{{Name: "by-status", PartitionKey: v1alpha1.Key{Name: "status", Type: "S"}}}
	s.Spec.Tables[0].Stream = &v1alpha1.TableStream{ViewType: "KEYS_ONLY"}
	s.Spec.Tables[0].TimeToLive = &v1alpha1.TimeToLive{AttributeName: "expiresAt"}
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatalf("a global index replaced, a stream and a TTL added: refused: %v", err)
	}
}
