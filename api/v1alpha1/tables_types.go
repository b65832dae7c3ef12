package v1alpha1

import apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

// The DynamoDB table settings beyond the key schema: secondary indexes, TTL,
// point-in-time recovery, deletion protection, table class, a KMS key and a
// stream. Each is what CreateTable/UpdateTable take, as ACK's dynamodb
// controller v1.9.2 applies it (docs/ack-behaviour.md, section 8).

// TableClass is a DynamoDB table class.
// +kubebuilder:validation:Enum=STANDARD;STANDARD_INFREQUENT_ACCESS
type TableClass string

const (
	TableClassStandard                 TableClass = "STANDARD"
	TableClassStandardInfrequentAccess TableClass = "STANDARD_INFREQUENT_ACCESS"
)

// ProjectionType is which attributes DynamoDB copies into an index.
// +kubebuilder:validation:Enum=ALL;KEYS_ONLY;INCLUDE
type ProjectionType string

const (
	ProjectionAll      ProjectionType = "ALL"
	ProjectionKeysOnly ProjectionType = "KEYS_ONLY"
	ProjectionInclude  ProjectionType = "INCLUDE"
)

// Projection is the attributes an index holds besides its keys and the
// table's keys.
// +kubebuilder:validation:XValidation:rule="(self.type == 'INCLUDE') == (has(self.nonKeyAttributes) && size(self.nonKeyAttributes) > 0)",message="nonKeyAttributes are required with type INCLUDE and not allowed otherwise (DynamoDB's Projection)",fieldPath=".nonKeyAttributes"
type Projection struct {
	// Type is ALL (default), KEYS_ONLY or INCLUDE.
	// +kubebuilder:default=ALL
	// +optional
	Type ProjectionType `json:"type,omitempty"`

	// NonKeyAttributes are the attributes projected with INCLUDE; at most 100
	// across all the table's indexes (DynamoDB's limit).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	NonKeyAttributes []string `json:"nonKeyAttributes,omitempty"`
}

// GlobalSecondaryIndex is an index with its own partition key (and optional
// sort key). DynamoDB adds and deletes global indexes on an existing table,
// one at a time; it cannot change one's keys or projection.
// +kubebuilder:validation:XValidation:rule="!has(self.sortKey) || self.sortKey.name != self.partitionKey.name",message="an index's sort key must be another attribute than its partition key",fieldPath=".sortKey.name"
type GlobalSecondaryIndex struct {
	// Name of the index: 3 to 255 of a-z, A-Z, 0-9, _, - and . (DynamoDB's
	// IndexName).
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9_.-]+$`
	Name string `json:"name"`

	// PartitionKey is the index's hash key.
	PartitionKey Key `json:"partitionKey"`

	// SortKey is the index's optional range key.
	// +optional
	SortKey *Key `json:"sortKey,omitempty"`

	// Projection is what the index holds; ALL when unset.
	// +optional
	Projection *Projection `json:"projection,omitempty"`
}

// LocalSecondaryIndex is an index with the table's partition key and another
// sort key. DynamoDB creates local indexes with the table only: they cannot
// be added, changed or removed later.
type LocalSecondaryIndex struct {
	// Name of the index: 3 to 255 of a-z, A-Z, 0-9, _, - and . (DynamoDB's
	// IndexName).
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9_.-]+$`
	Name string `json:"name"`

	// SortKey is the index's range key; the table must have a sort key too.
	SortKey Key `json:"sortKey"`

	// Projection is what the index holds; ALL when unset.
	// +optional
	Projection *Projection `json:"projection,omitempty"`
}

// TimeToLive names the attribute whose epoch-seconds number says when
// DynamoDB may delete an item.
type TimeToLive struct {
	// AttributeName is the TTL attribute (1 to 255 characters).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	AttributeName string `json:"attributeName"`
}

// StreamViewType is what a DynamoDB stream record holds of the item.
// +kubebuilder:validation:Enum=NEW_IMAGE;OLD_IMAGE;NEW_AND_OLD_IMAGES;KEYS_ONLY
type StreamViewType string

// TableStream turns on the table's DynamoDB stream.
type TableStream struct {
	// ViewType is what each record holds: NEW_IMAGE, OLD_IMAGE,
	// NEW_AND_OLD_IMAGES or KEYS_ONLY.
	ViewType StreamViewType `json:"viewType"`
}

// StartingPosition is where a new stream consumer starts reading.
// +kubebuilder:validation:Enum=TRIM_HORIZON;LATEST
type StartingPosition string

// StreamConsumer makes a function consume a table's DynamoDB stream (an
// event source mapping on the stream's ARN). The table must have a stream.
// +kubebuilder:validation:XValidation:rule="!has(self.onFailure) || (has(self.onFailure.queue) != has(self.onFailure.topic))",message="onFailure names exactly one of queue or topic",fieldPath=".onFailure"
type StreamConsumer struct {
	// Table is the stack's table whose stream invokes the function.
	// +kubebuilder:validation:MinLength=1
	Table string `json:"table"`

	// StartingPosition is TRIM_HORIZON (the oldest record of the last 24
	// hours) or LATEST (default: records written from now on). Lambda takes
	// it at creation only.
	// +kubebuilder:default=LATEST
	// +optional
	StartingPosition StartingPosition `json:"startingPosition,omitempty"`

	// BatchSize is the most records per invocation: 1 to 10000 (Lambda's
	// default for DynamoDB streams is 100).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +optional
	BatchSize *int64 `json:"batchSize,omitempty"`

	// BisectBatchOnFunctionError splits a failed batch in two and retries
	// each half.
	// +optional
	BisectBatchOnFunctionError bool `json:"bisectBatchOnFunctionError,omitempty"`

	// MaximumRetryAttempts is how often Lambda retries a failed batch: -1
	// (default: until the record expires) to 10000.
	// +kubebuilder:validation:Minimum=-1
	// +kubebuilder:validation:Maximum=10000
	// +optional
	MaximumRetryAttempts *int64 `json:"maximumRetryAttempts,omitempty"`

	// OnFailure is a queue or topic of the stack that gets a record of each
	// batch Lambda gives up on (Lambda's DestinationConfig, for stream
	// sources).
	// +optional
	OnFailure *StreamOnFailure `json:"onFailure,omitempty"`

	// Filters are Lambda event filtering patterns on the stream record
	// (eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb,
	// userIdentity); at most 5.
	// +optional
	// +kubebuilder:validation:MaxItems=5
	Filters []apiextensionsv1.JSON `json:"filters,omitempty"`
}

// StreamOnFailure is where a stream consumer's discarded batches go.
type StreamOnFailure struct {
	// Queue is a queue of the stack.
	// +optional
	Queue string `json:"queue,omitempty"`
	// Topic is a topic of the stack.
	// +optional
	Topic string `json:"topic,omitempty"`
}
