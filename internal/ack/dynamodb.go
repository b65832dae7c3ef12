package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// DynamoDBGroupVersion is the group and version of ACK's DynamoDB resources.
var DynamoDBGroupVersion = schema.GroupVersion{Group: "dynamodb.services.k8s.aws", Version: "v1alpha1"}

// AttributeDefinition is a DynamoDB attribute's name and scalar type.
type AttributeDefinition struct {
	AttributeName *string `json:"attributeName,omitempty"`
	AttributeType *string `json:"attributeType,omitempty"`
}

// KeySchemaElement is one key of a table: HASH or RANGE.
type KeySchemaElement struct {
	AttributeName *string `json:"attributeName,omitempty"`
	KeyType       *string `json:"keyType,omitempty"`
}

// ProvisionedThroughput is a table's provisioned capacity.
type ProvisionedThroughput struct {
	ReadCapacityUnits  *int64 `json:"readCapacityUnits,omitempty"`
	WriteCapacityUnits *int64 `json:"writeCapacityUnits,omitempty"`
}

// Projection is the attributes a secondary index holds.
type Projection struct {
	ProjectionType   *string   `json:"projectionType,omitempty"`
	NonKeyAttributes []*string `json:"nonKeyAttributes,omitempty"`
}

// GlobalSecondaryIndex is one of a table's global secondary indexes.
type GlobalSecondaryIndex struct {
	IndexName             *string                `json:"indexName,omitempty"`
	KeySchema             []*KeySchemaElement    `json:"keySchema,omitempty"`
	Projection            *Projection            `json:"projection,omitempty"`
	ProvisionedThroughput *ProvisionedThroughput `json:"provisionedThroughput,omitempty"`
}

// LocalSecondaryIndex is one of a table's local secondary indexes.
type LocalSecondaryIndex struct {
	IndexName  *string             `json:"indexName,omitempty"`
	KeySchema  []*KeySchemaElement `json:"keySchema,omitempty"`
	Projection *Projection         `json:"projection,omitempty"`
}

// TimeToLiveSpecification is a table's TTL attribute.
type TimeToLiveSpecification struct {
	AttributeName *string `json:"attributeName,omitempty"`
	Enabled       *bool   `json:"enabled,omitempty"`
}

// PointInTimeRecoverySpecification is a table's continuous backups.
type PointInTimeRecoverySpecification struct {
	PointInTimeRecoveryEnabled *bool `json:"pointInTimeRecoveryEnabled,omitempty"`
}

// SSESpecification is a table's encryption at rest.
type SSESpecification struct {
	Enabled        *bool   `json:"enabled,omitempty"`
	SSEType        *string `json:"sseType,omitempty"`
	KMSMasterKeyID *string `json:"kmsMasterKeyID,omitempty"`
}

// StreamSpecification is a table's DynamoDB stream.
type StreamSpecification struct {
	StreamEnabled  *bool   `json:"streamEnabled,omitempty"`
	StreamViewType *string `json:"streamViewType,omitempty"`
}

// TableSpec is the part of ACK's dynamodb Table spec this operator sets.
type TableSpec struct {
	TableName                 *string                           `json:"tableName,omitempty"`
	AttributeDefinitions      []*AttributeDefinition            `json:"attributeDefinitions,omitempty"`
	KeySchema                 []*KeySchemaElement               `json:"keySchema,omitempty"`
	BillingMode               *string                           `json:"billingMode,omitempty"`
	ProvisionedThroughput     *ProvisionedThroughput            `json:"provisionedThroughput,omitempty"`
	GlobalSecondaryIndexes    []*GlobalSecondaryIndex           `json:"globalSecondaryIndexes,omitempty"`
	LocalSecondaryIndexes     []*LocalSecondaryIndex            `json:"localSecondaryIndexes,omitempty"`
	TimeToLive                *TimeToLiveSpecification          `json:"timeToLive,omitempty"`
	ContinuousBackups         *PointInTimeRecoverySpecification `json:"continuousBackups,omitempty"`
	DeletionProtectionEnabled *bool                             `json:"deletionProtectionEnabled,omitempty"`
	TableClass                *string                           `json:"tableClass,omitempty"`
	SSESpecification          *SSESpecification                 `json:"sseSpecification,omitempty"`
	StreamSpecification       *StreamSpecification              `json:"streamSpecification,omitempty"`
	Tags                      []*Tag                            `json:"tags,omitempty"`
}

// TableStatus is ACK's dynamodb Table status.
type TableStatus struct {
	Status      `json:",inline"`
	TableStatus *string `json:"tableStatus,omitempty"`
	// LatestStreamARN is the ARN of the table's stream, which a function
	// consuming the stream reads from.
	LatestStreamARN *string `json:"latestStreamARN,omitempty"`
}

// Table is ACK's dynamodb.services.k8s.aws/v1alpha1 Table.
// +kubebuilder:object:root=true
type Table struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              TableSpec   `json:"spec,omitempty"`
	Status            TableStatus `json:"status,omitempty"`
}

// TableList is a list of Table.
// +kubebuilder:object:root=true
type TableList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Table `json:"items"`
}

// ACKStatus implements Object.
func (t *Table) ACKStatus() *Status { return &t.Status.Status }

// Objects implements ObjectList.
func (l *TableList) Objects() []Object { return items(l.Items) }

func compactTable(o *Table, c Compactor) {
	o.Spec.Tags = c.TagList(o.Spec.Tags)
	for _, a := range o.Spec.AttributeDefinitions {
		if a != nil {
			a.AttributeName, a.AttributeType = c.Intern(a.AttributeName), c.Intern(a.AttributeType)
		}
	}
	for _, k := range o.Spec.KeySchema {
		if k != nil {
			k.AttributeName, k.KeyType = c.Intern(k.AttributeName), c.Intern(k.KeyType)
		}
	}
	o.Spec.BillingMode = c.Intern(o.Spec.BillingMode)
	o.Status.TableStatus = c.Intern(o.Status.TableStatus)
}

func assessTable(o *Table) Assessment {
	switch s := ptr.Deref(o.Status.TableStatus, ""); s {
	case "ARCHIVED", "ARCHIVING", "INACCESSIBLE_ENCRYPTION_CREDENTIALS":
		// ACK reports an ARCHIVED table synced.
		return Assessment{Stalled: "DynamoDB reports the table " + s +
			": its KMS key is not accessible (restore the key's access, then restore the table)"}
	case "CREATING", "UPDATING":
		return Assessment{InProgress: "DynamoDB reports the table " + s}
	}
	return Assessment{}
}
