package ack

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// LambdaGroupVersion is the group and version of ACK's Lambda resources.
var LambdaGroupVersion = schema.GroupVersion{Group: "lambda.services.k8s.aws", Version: "v1alpha1"}

// FunctionCode is where a function's package is: a zip in S3 or an image.
type FunctionCode struct {
	S3Bucket        *string `json:"s3Bucket,omitempty"`
	S3Key           *string `json:"s3Key,omitempty"`
	S3ObjectVersion *string `json:"s3ObjectVersion,omitempty"`
	// SHA256 is what lambda-controller compares with status.codeSHA256 to
	// decide to update a zip function's code.
	SHA256   *string `json:"sha256,omitempty"`
	ImageURI *string `json:"imageURI,omitempty"`
}

// Environment holds a function's environment variables.
type Environment struct {
	Variables map[string]*string `json:"variables,omitempty"`
}

// TracingConfig is a function's X-Ray mode.
type TracingConfig struct {
	Mode *string `json:"mode,omitempty"`
}

// DeadLetterConfig sends events of failed asynchronous invocations to a queue or topic.
type DeadLetterConfig struct {
	TargetARN *string `json:"targetARN,omitempty"`
}

// EphemeralStorage is the size of a function's /tmp in MB.
type EphemeralStorage struct {
	Size *int64 `json:"size,omitempty"`
}

// SnapStart is a function's SnapStart setting (ApplyOn None or
// PublishedVersions).
type SnapStart struct {
	ApplyOn *string `json:"applyOn,omitempty"`
}

// LoggingConfig is where and how a function logs.
type LoggingConfig struct {
	LogFormat           *string `json:"logFormat,omitempty"`
	LogGroup            *string `json:"logGroup,omitempty"`
	ApplicationLogLevel *string `json:"applicationLogLevel,omitempty"`
	SystemLogLevel      *string `json:"systemLogLevel,omitempty"`
}

// FunctionSpec is the part of ACK's lambda Function spec this operator sets.
// ReservedConcurrentExecutions is not in CreateFunction: lambda-controller
// reads it back (GetFunctionConcurrency) and puts it with
// PutFunctionConcurrency at its next reconcile, or deletes it when unset.
type FunctionSpec struct {
	ReservedConcurrentExecutions *int64             `json:"reservedConcurrentExecutions,omitempty"`
	Name                         *string            `json:"name,omitempty"`
	Code                         *FunctionCode      `json:"code,omitempty"`
	PackageType                  *string            `json:"packageType,omitempty"`
	Runtime                      *string            `json:"runtime,omitempty"`
	Handler                      *string            `json:"handler,omitempty"`
	Architectures                []*string          `json:"architectures,omitempty"`
	MemorySize                   *int64             `json:"memorySize,omitempty"`
	Timeout                      *int64             `json:"timeout,omitempty"`
	EphemeralStorage             *EphemeralStorage  `json:"ephemeralStorage,omitempty"`
	SnapStart                    *SnapStart         `json:"snapStart,omitempty"`
	LoggingConfig                *LoggingConfig     `json:"loggingConfig,omitempty"`
	Environment                  *Environment       `json:"environment,omitempty"`
	TracingConfig                *TracingConfig     `json:"tracingConfig,omitempty"`
	DeadLetterConfig             *DeadLetterConfig  `json:"deadLetterConfig,omitempty"`
	Role                         *string            `json:"role,omitempty"`
	Tags                         map[string]*string `json:"tags,omitempty"`
}

// FunctionStatus is ACK's lambda Function status.
type FunctionStatus struct {
	Status `json:",inline"`
	// State is Pending, Active, Inactive or Failed; ACK reports the function
	// synced only when Active or Inactive, and retries Failed for ever.
	State       *string `json:"state,omitempty"`
	StateReason *string `json:"stateReason,omitempty"`
	// LastUpdateStatus is InProgress, Successful or Failed: ACK reports the
	// function synced whatever it is.
	LastUpdateStatus       *string `json:"lastUpdateStatus,omitempty"`
	LastUpdateStatusReason *string `json:"lastUpdateStatusReason,omitempty"`
	// CodeSHA256 is the base64 SHA-256 of the code the function runs.
	CodeSHA256 *string `json:"codeSHA256,omitempty"`
}

// Function is ACK's lambda.services.k8s.aws/v1alpha1 Function.
// +kubebuilder:object:root=true
type Function struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              FunctionSpec   `json:"spec,omitempty"`
	Status            FunctionStatus `json:"status,omitempty"`
}

// FunctionList is a list of Function.
// +kubebuilder:object:root=true
type FunctionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Function `json:"items"`
}

// ACKStatus implements Object.
func (f *Function) ACKStatus() *Status { return &f.Status.Status }

// EventSourceMappingSpec is the part of ACK's lambda EventSourceMapping spec
// this operator sets.
type EventSourceMappingSpec struct {
	FunctionName                   *string         `json:"functionName,omitempty"`
	EventSourceARN                 *string         `json:"eventSourceARN,omitempty"`
	BatchSize                      *int64          `json:"batchSize,omitempty"`
	MaximumBatchingWindowInSeconds *int64          `json:"maximumBatchingWindowInSeconds,omitempty"`
	FunctionResponseTypes          []*string       `json:"functionResponseTypes,omitempty"`
	Enabled                        *bool           `json:"enabled,omitempty"`
	FilterCriteria                 *FilterCriteria `json:"filterCriteria,omitempty"`
	// The settings of a stream source (a DynamoDB stream consumer).
	StartingPosition           *string            `json:"startingPosition,omitempty"`
	BisectBatchOnFunctionError *bool              `json:"bisectBatchOnFunctionError,omitempty"`
	MaximumRetryAttempts       *int64             `json:"maximumRetryAttempts,omitempty"`
	DestinationConfig          *DestinationConfig `json:"destinationConfig,omitempty"`
}

// DestinationConfig is where a stream source's discarded batches go.
type DestinationConfig struct {
	OnFailure *OnFailure `json:"onFailure,omitempty"`
}

// OnFailure is a destination's ARN: an SQS queue or SNS topic.
type OnFailure struct {
	Destination *string `json:"destination,omitempty"`
}

// FilterCriteria are a mapping's event filtering patterns. Taken out of the
// spec, lambda-controller sends an empty list, which removes them in Lambda
// (its filterCriteriasDeleted).
type FilterCriteria struct {
	Filters []*Filter `json:"filters,omitempty"`
}

// Filter is one event filtering pattern, as JSON text.
type Filter struct {
	Pattern *string `json:"pattern,omitempty"`
}

// EventSourceMappingStatus is ACK's lambda EventSourceMapping status.
type EventSourceMappingStatus struct {
	Status `json:",inline"`
	UUID   *string `json:"uuid,omitempty"`
	State  *string `json:"state,omitempty"`
}

// EventSourceMapping is ACK's lambda.services.k8s.aws/v1alpha1 EventSourceMapping.
// +kubebuilder:object:root=true
type EventSourceMapping struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              EventSourceMappingSpec   `json:"spec,omitempty"`
	Status            EventSourceMappingStatus `json:"status,omitempty"`
}

// EventSourceMappingList is a list of EventSourceMapping.
// +kubebuilder:object:root=true
type EventSourceMappingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EventSourceMapping `json:"items"`
}

// ACKStatus implements Object.
func (e *EventSourceMapping) ACKStatus() *Status { return &e.Status.Status }

// Objects implements ObjectList.
func (l *FunctionList) Objects() []Object { return items(l.Items) }

// Objects implements ObjectList.
func (l *EventSourceMappingList) Objects() []Object { return items(l.Items) }

// lambdaRefusals: lambda-controller has no terminal codes at the pinned release.
var lambdaRefusals = []string{"InvalidParameterValueException:", "CodeStorageExceededException:", "CodeVerificationFailedException:",
	"InvalidCodeSignatureException:", "RequestTooLargeException:"}

func digestFunction(o *Function, digest func(*string)) {
	if o.Spec.Environment != nil {
		for _, v := range o.Spec.Environment.Variables {
			digest(v)
		}
	}
}

func compactFunction(o *Function, c Compactor) {
	o.Spec.Tags = c.TagMap(o.Spec.Tags)
	o.Spec.PackageType, o.Spec.Runtime, o.Spec.Handler = c.Intern(o.Spec.PackageType), c.Intern(o.Spec.Runtime), c.Intern(o.Spec.Handler)
	for i, a := range o.Spec.Architectures {
		o.Spec.Architectures[i] = c.Intern(a)
	}
	if code := o.Spec.Code; code != nil {
		code.S3Bucket = c.Intern(code.S3Bucket)
	}
	if t := o.Spec.TracingConfig; t != nil {
		t.Mode = c.Intern(t.Mode)
	}
	if e := o.Spec.Environment; e != nil && len(e.Variables) > 0 {
		vars := make(map[string]*string, len(e.Variables))
		for k, v := range e.Variables {
			vars[c.Key(k)] = v
		}
		e.Variables = vars
	}
	s := &o.Status
	s.State, s.LastUpdateStatus = c.Intern(s.State), c.Intern(s.LastUpdateStatus)
}

func assessFunction(o *Function) Assessment {
	st := o.Status
	switch {
	case ptr.Deref(st.State, "") == "Failed":
		// ACK never marks it synced, nor terminal: it would retry for ever.
		return Assessment{Stalled: "Lambda reports the function Failed: " + orUnknown(st.StateReason)}
	case ptr.Deref(st.LastUpdateStatus, "") == "Failed":
		// ACK reports it synced whatever its last update did.
		return Assessment{Stalled: "Lambda's last update of the function failed: " + orUnknown(st.LastUpdateStatusReason)}
	case deploying(o):
		// ACK reports it synced on the old code until Lambda reports
		// the new code's hash.
		return Assessment{InProgress: "deploying code " + shortSHA(*o.Spec.Code.SHA256) + " (Lambda runs " + shortSHA(ptr.Deref(st.CodeSHA256, "")) + ")"}
	case ptr.Deref(st.LastUpdateStatus, "") == "InProgress":
		return Assessment{InProgress: "Lambda is applying the last update of the function"}
	case ptr.Deref(st.State, "") == "Pending":
		return Assessment{InProgress: "Lambda is creating the function (Pending): " + orUnknown(st.StateReason)}
	}
	return Assessment{}
}

// deploying reports whether a zip function declares code (its sha256) that
// Lambda does not run yet.
func deploying(f *Function) bool {
	if ptr.Deref(f.Spec.PackageType, "Zip") != "Zip" || f.Spec.Code == nil || f.Spec.Code.SHA256 == nil {
		return false
	}
	return ptr.Deref(f.Status.CodeSHA256, "") != *f.Spec.Code.SHA256
}

// shortSHA is the first 8 characters of a code hash, for messages.
func shortSHA(sha string) string {
	if sha == "" {
		return "nothing yet"
	}
	return sha[:min(8, len(sha))]
}

func orUnknown(s *string) string {
	if v := ptr.Deref(s, ""); v != "" {
		return v
	}
	return "no reason given"
}

func compactEventSourceMapping(o *EventSourceMapping, c Compactor) {
	for i, t := range o.Spec.FunctionResponseTypes {
		o.Spec.FunctionResponseTypes[i] = c.Intern(t)
	}
	o.Status.State = c.Intern(o.Status.State)
}

func assessEventSourceMapping(o *EventSourceMapping) Assessment {
	if s := ptr.Deref(o.Status.State, ""); s != "" && s != "Enabled" {
		// ACK reports a mapping synced whatever its state, and reads the
		// state again only at its resync.
		return Assessment{Note: "Lambda's state of the mapping when ACK last read it: " + s}
	}
	return Assessment{}
}
