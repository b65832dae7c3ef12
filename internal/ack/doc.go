// Package ack holds typed Go structs for exactly the fields of the AWS
// Controllers for Kubernetes (ACK) resources that this operator writes and
// reads, with their real group, version and kind.
//
// ACK's service-controller Go modules are not available to this project, so
// these structs stand in for them; the runtime module's core types are used
// for status (ResourceMetadata, Condition). Every struct is proven against the
// real CRDs of the pinned ACK releases in tests, which write each child with
// strict field validation: a field or a type that the CRD lacks fails them.
//
// Kinds holds one row per kind (kinds.go): its controller and CRD, its AWS
// name and ARN, what the operator's cache keeps and digests of it, what ready
// means for it and its latency in the ACK stand-in. The packages that treat
// children by kind read the row instead of switching on the Go type, so a new
// kind is its typed struct here, its row, its builder in render and a test.
//
// Pinned releases: sqs-controller v1.6.1, sns-controller v1.6.0,
// dynamodb-controller v1.9.2, lambda-controller v1.14.1, sfn-controller v1.4.2,
// iam-controller v1.8.1, cloudwatch-controller v1.8.1.
//
// +kubebuilder:object:generate=true
package ack
