package render

import (
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// tableKeys is the key schema of a table or an index: its partition key,
// then its sort key.
func tableKeys(partition *v1alpha1.Key, sort *v1alpha1.Key) []*ack.KeySchemaElement {
	var schema []*ack.KeySchemaElement
	for _, k := range []struct {
		key  *v1alpha1.Key
		role string
	}{{partition, "HASH"}, {sort, "RANGE"}} {
		if k.key != nil {
			schema = append(schema, &ack.KeySchemaElement{AttributeName: ptr.To(k.key.Name), KeyType: ptr.To(k.role)})
		}
	}
	return schema
}

// keyType is a key's declared type, S when the spec left it out (the CRD's
// default, for specs that did not pass through the API server).
func keyType(k v1alpha1.Key) string {
	if k.Type == "" {
		return "S"
	}
	return string(k.Type)
}

// attributeDefinitions declares every attribute that is a key of the table
// or of one of its indexes, once each: CreateTable refuses a key attribute
// without a definition, and a definition no key uses.
func attributeDefinitions(t v1alpha1.Table) []*ack.AttributeDefinition {
	keys := []*v1alpha1.Key{&t.PartitionKey, t.SortKey}
	for i := range t.GlobalSecondaryIndexes {
		keys = append(keys, &t.GlobalSecondaryIndexes[i].PartitionKey, t.GlobalSecondaryIndexes[i].SortKey)
	}
	for i := range t.LocalSecondaryIndexes {
		keys = append(keys, &t.LocalSecondaryIndexes[i].SortKey)
	}
	var defs []*ack.AttributeDefinition
	seen := map[string]bool{}
	for _, k := range keys {
		if k == nil || seen[k.Name] {
			continue
		}
		seen[k.Name] = true
		defs = append(defs, &ack.AttributeDefinition{AttributeName: ptr.To(k.Name), AttributeType: ptr.To(keyType(*k))})
	}
	return defs
}

func projection(p *v1alpha1.Projection) *ack.Projection {
	if p == nil || p.Type == "" {
		return &ack.Projection{ProjectionType: ptr.To(string(v1alpha1.ProjectionAll))}
	}
	out := &ack.Projection{ProjectionType: ptr.To(string(p.Type))}
	for _, a := range p.NonKeyAttributes {
		out.NonKeyAttributes = append(out.NonKeyAttributes, ptr.To(a))
	}
	return out
}

// tableSettings sets what a table has beyond its keys and billing. Each is
// written only when the spec sets it, so a table without them renders as it
// did before they existed; where ACK's dynamodb-controller cannot take an
// unset field back to AWS's default, the removal is written explicitly
// (docs/ack-behaviour.md, section 8).
func (b *builder) tableSettings(obj *ack.Table, t v1alpha1.Table) {
	s := &obj.Spec
	for _, g := range t.GlobalSecondaryIndexes {
		index := &ack.GlobalSecondaryIndex{IndexName: ptr.To(g.Name), KeySchema: tableKeys(&g.PartitionKey, g.SortKey), Projection: projection(g.Projection)}
		if p := t.ProvisionedThroughput; p != nil {
			// CreateTable and UpdateTable's Create action require a
			// provisioned table's global index to have its own capacity.
			index.ProvisionedThroughput = &ack.ProvisionedThroughput{ReadCapacityUnits: ptr.To(p.ReadCapacityUnits), WriteCapacityUnits: ptr.To(p.WriteCapacityUnits)}
		}
		s.GlobalSecondaryIndexes = append(s.GlobalSecondaryIndexes, index)
	}
	for _, l := range t.LocalSecondaryIndexes {
		s.LocalSecondaryIndexes = append(s.LocalSecondaryIndexes, &ack.LocalSecondaryIndex{
			IndexName: ptr.To(l.Name), KeySchema: tableKeys(&t.PartitionKey, &l.SortKey), Projection: projection(l.Projection)})
	}
	if ttl := t.TimeToLive; ttl != nil {
		// Removed: the controller's compare takes an unset timeToLive as
		// disabled and calls UpdateTimeToLive with the old attribute.
		s.TimeToLive = &ack.TimeToLiveSpecification{AttributeName: ptr.To(ttl.AttributeName), Enabled: ptr.To(true)}
	}
	if t.PointInTimeRecovery {
		// Unset compares as false once AWS reports it on: removal works.
		s.ContinuousBackups = &ack.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: ptr.To(true)}
	}
	if t.DeletionProtection {
		// Unset compares as false: removal works.
		s.DeletionProtectionEnabled = ptr.To(true)
	}
	if t.TableClass != "" {
		// Unset compares as STANDARD: removal works.
		s.TableClass = ptr.To(string(t.TableClass))
	}
	prior, _ := b.prior(Key(refs.Table, t.Name)).(*ack.Table)
	switch {
	case t.KMSKeyARN != "":
		s.SSESpecification = &ack.SSESpecification{Enabled: ptr.To(true), SSEType: ptr.To("KMS"), KMSMasterKeyID: ptr.To(t.KMSKeyARN)}
	case prior != nil && prior.Spec.SSESpecification != nil:
		// Removed: an unset sseSpecification makes the controller call
		// UpdateTable with nothing to change, which DynamoDB refuses;
		// enabled false goes back to the AWS owned key, and compares equal
		// to the table DynamoDB then describes (no SSEDescription).
		s.SSESpecification = &ack.SSESpecification{Enabled: ptr.To(false)}
	}
	if st := t.Stream; st != nil {
		s.StreamSpecification = &ack.StreamSpecification{StreamEnabled: ptr.To(true), StreamViewType: ptr.To(string(st.ViewType))}
	}
}
