package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
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

// TableSpec is the part of ACK's dynamodb Table spec this operator sets.
type TableSpec struct {
	TableName             *string                `json:"tableName,omitempty"`
	AttributeDefinitions  []*AttributeDefinition `json:"attributeDefinitions,omitempty"`
	KeySchema             []*KeySchemaElement    `json:"keySchema,omitempty"`
	BillingMode           *string                `json:"billingMode,omitempty"`
	ProvisionedThroughput *ProvisionedThroughput `json:"provisionedThroughput,omitempty"`
	Tags                  []*Tag                 `json:"tags,omitempty"`
}

// TableStatus is ACK's dynamodb Table status.
type TableStatus struct {
	Status      `json:",inline"`
	TableStatus *string `json:"tableStatus,omitempty"`
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
