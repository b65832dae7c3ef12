package localaws

// Lambda (REST-JSON: the operation is the method and the path, errors carry
// their code in X-Amzn-ErrorType) plays what ACK's lambda-controller v1.14.1
// calls for its Function and EventSourceMapping kinds, as the Lambda API
// Reference documents it and as Lambda answers (the members it returns,
// their defaults and its error messages follow recorded Lambda answers):
//
//   - functions (lambda_functions.go): CreateFunction (201), GetFunction,
//     GetFunctionConfiguration, UpdateFunctionCode, UpdateFunctionConfiguration,
//     DeleteFunction (204); GetFunctionConcurrency, PutFunctionConcurrency,
//     DeleteFunctionConcurrency; GetFunctionCodeSigningConfig,
//     PutFunctionCodeSigningConfig, DeleteFunctionCodeSigningConfig;
//     Get/Put/Update/DeleteFunctionEventInvokeConfig; ListTags, TagResource
//     and UntagResource (of functions and event source mappings);
//   - event source mappings (lambda_mappings.go): CreateEventSourceMapping,
//     GetEventSourceMapping, UpdateEventSourceMapping, DeleteEventSourceMapping
//     (202 for the three that change one) and ListEventSourceMappings;
//   - resource-based policies (lambda.go): AddPermission, GetPolicy,
//     RemovePermission;
//   - versions and aliases (lambda_versions.go, for issue 22's Version and
//     Alias kinds): PublishVersion, ListVersionsByFunction, GetFunction and
//     GetFunctionConfiguration of a version or alias, DeleteFunction of a
//     version, CreateAlias, GetAlias, UpdateAlias, DeleteAlias.
//
// Any other route answers 404 UnknownOperationException.
//
// Functions. CreateFunction checks the request as Lambda does: FunctionName
// (a name of 1-64 of [a-zA-Z0-9-_], or an ARN), Role (an IAM role ARN that
// must exist in the fake IAM, else 400 InvalidParameterValueException "The
// role defined for the function cannot be assumed by Lambda."), Code,
// PackageType (Zip or Image), Runtime (Lambda's current runtimes; a
// deprecated one answers "The runtime parameter of X is no longer
// supported..."), Handler (Runtime and Handler are required for Zip),
// MemorySize 128-10240, Timeout 1-900, EphemeralStorage 512-10240, one
// Architecture (x86_64 or arm64), Environment (keys [a-zA-Z][a-zA-Z0-9_]+,
// no reserved keys such as AWS_REGION, at most 4 KB as JSON), TracingConfig,
// SnapStart, LoggingConfig, VpcConfig ids and at most 50 Tags. A function of
// the same name answers 409 ResourceConflictException "Function already
// exist: <name>"; any call on a function that does not exist answers 404
// ResourceNotFoundException "Function not found: <arn>". The answer carries
// Lambda's defaults: Description "", Timeout 3, MemorySize 128, Architectures
// [x86_64], EphemeralStorage 512, TracingConfig PassThrough, LoggingConfig
// Text to /aws/lambda/<name>, SnapStart None/Off, PackageType Zip, Version
// $LATEST, a RuntimeVersionConfig, LastModified as
// 2006-01-02T15:04:05.000+0000 and a RevisionId that every change replaces.
//
// The code: a zip (ZipFile, or S3Bucket, S3Key and S3ObjectVersion) or, for
// PackageType Image, an ECR ImageUri. The server has no S3: SetCodeSource
// gives it a reader. With one, CreateFunction and UpdateFunctionCode read the
// zip through it (an error answers "Error occurred while GetObject. S3 Error
// Code: NoSuchKey. S3 Error Message: The specified key does not exist.", or
// NoSuchBucket for an error wrapping ErrNoSuchBucket or with that code),
// check that it unzips (else "Could not unzip uploaded file...") and
// CodeSha256 is base64(sha256(zip)), CodeSize its length, as for ZipFile.
// Without one, CodeSha256 is base64(sha256(bucket+"/"+key+"@"+version)) and
// CodeSize 0. An image's CodeSha256 is the hex digest its URI names
// (...@sha256:<hex>), else the hex sha256 of the URI.
//
// States, modelled from timestamps when read (Server.Delays): a new function
// is State Pending (StateReasonCode Creating, "The function is being
// created.") until FunctionCreate has passed, then Active with
// LastUpdateStatus Successful. UpdateFunctionCode and
// UpdateFunctionConfiguration make LastUpdateStatus InProgress
// (LastUpdateStatusReasonCode Creating, as Lambda answers) until
// FunctionUpdate has passed, then Successful. While Pending or InProgress,
// another UpdateFunctionCode or UpdateFunctionConfiguration answers 409
// ResourceConflictException "The operation cannot be performed at this time.
// An update is in progress for resource: <arn>". As in Lambda the RevisionId
// changes again when a create or update completes. FailNextFunctionUpdate
// makes the next update end Failed (LastUpdateStatus Failed with the given
// reason code and reason), FailNextFunctionCreate the next create (State
// Failed).
//
// Concurrency: PutFunctionConcurrency refuses a qualified name and a value
// that leaves the account (1000 concurrent executions) fewer than 100
// unreserved; GetFunctionConcurrency answers {} without a reservation.
// Event invoke configs (of $LATEST): MaximumRetryAttempts 0-2,
// MaximumEventAgeInSeconds 60-21600, at least one setting; Put replaces,
// Update merges; the answer always carries DestinationConfig {OnSuccess,
// OnFailure}, the two maxima only when set (as Lambda answers); a missing one
// answers 404 "The function <arn>:$LATEST doesn't have an EventInvokeConfig".
// Tags: TagResource of no tags, beyond 50 tags or on a qualified function
// ARN answers 400; tags change a function's RevisionId; GetFunction carries
// them (and Concurrency) when there are any.
//
// Event source mappings (lambda_mappings.go): SQS queues fully, Kinesis and
// DynamoDB streams with Lambda's stream defaults (BatchSize 100,
// ParallelizationFactor 1, MaximumRecordAgeInSeconds and MaximumRetryAttempts
// -1, StartingPosition required); any other EventSourceArn, or none, answers
// "Unrecognized event source.". An SQS mapping defaults to BatchSize 10
// (1-10000, 1-10 for a FIFO queue) and MaximumBatchingWindowInSeconds 0
// (0-300, and above 0 when BatchSize is above 10), answers
// FunctionResponseTypes [] when none, and refuses StartingPosition,
// DestinationConfig and the stream settings. The function must exist, and
// the version or alias a qualified FunctionName names (400
// InvalidParameterValueException "Function does not exist", as Lambda
// answers; FunctionArn keeps the qualifier), then the queue in the fake SQS
// ("Error occurred while ReceiveMessage. SQS Error Code:
// AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified
// queue does not exist."). A second mapping
// of the same function and queue answers 409 ResourceConflictException "An
// event source mapping with SQS arn (" <arn> ") and function (" <name> ")
// already exists. Please update or delete the existing mapping with UUID
// <uuid>". FilterCriteria patterns must be JSON objects ("Invalid filter
// pattern definition."); FilterCriteria, ScalingConfig (MaximumConcurrency
// 2-1000), MetricsConfig, LoggingConfig, KMSKeyArn and
// ProvisionedPollerConfig round-trip as given, and an empty filter list
// removes FilterCriteria. A mapping is Creating until Delays.MappingCreate has
// passed, then Enabled (one created with Enabled false answers Disabled at
// once, as Lambda does); UpdateEventSourceMapping makes it Enabling or
// Disabling (when it changes Enabled), else Updating, until
// Delays.MappingUpdate has passed; DeleteEventSourceMapping answers it
// Deleting, and it reads so for Delays.MappingUpdate before it is gone.
// Meanwhile an update or delete answers 400 ResourceInUseException. A
// mapping outlives its function, as in Lambda. LastModified is epoch seconds,
// StateTransitionReason USER_INITIATED (streams: "User action"); an unknown
// UUID answers 404 "The resource you requested does not exist.". The
// mappings' ARN is arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>.
//
// Resource-based policies keep their lax model: every function name exists
// for AddPermission, GetPolicy and RemovePermission until DeleteFunction
// removes it; RequireFunctions(true) makes them answer as Lambda does for a
// function never created (AddPermission 404 "Function not found: <arn>",
// GetPolicy 404 "The resource you requested does not exist.",
// RemovePermission 404 "No policy found for: <arn>"). DeleteFunction drops
// the function's policies.
//
// Where the model simplifies:
//
//   - One region (Server.Region); functions and mappings live in the account
//     of the request (see AccountID and AssumeRole), whatever account an ARN
//     names. Resource-based policies are kept by function name.
//   - There are no layers, code signing configs, function URLs or
//     provisioned concurrency: any layer answers "Layer version <arn> does
//     not exist." and any code signing config 404
//     CodeSigningConfigNotFoundException. CreateFunction's and
//     UpdateFunctionCode's Publish is ignored (PublishVersion publishes).
//     The permission operations keep their lax model: a Qualifier selects a
//     separate policy unchecked, and no policy is checked on invoke.
//   - ECR images, VPC subnets and security groups, EFS access points, KMS
//     keys, dead-letter and destination ARNs (except functions) are checked
//     for form only; the role only for existence, not its trust policy.
//     Invoke runs code only through a FunctionRuntime (lambda_invoke.go).
//   - Event source mappings: the execution role's permissions on the queue
//     and the queue's visibility timeout against the function's timeout are
//     not checked; Kafka, MQ and DocumentDB sources are not modelled, nor is
//     the existence of streams.
//   - Messages follow Lambda's wording where it is known (recorded answers)
//     but are not guaranteed to match it byte for byte; a request with
//     several invalid members names one.
//
// Test controls: Function, Functions and Mapping return snapshots; SetCodeSource,
// FailNextFunctionUpdate, FailNextFunctionCreate, RequireFunctions,
// DeleteFunction, SetMappingEnabledOutOfBand, AddEventSourceMapping, Policy
// and RemovePermissionOutOfBand shape or change the state as someone outside
// the code under test would.

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// ErrNoSuchBucket, wrapped in an error of the CodeSource, makes Lambda
// answer that the bucket does not exist (any other error: the key).
var ErrNoSuchBucket = errors.New("the specified bucket does not exist")

// ErrPackageNotHeld, wrapped in an error of the CodeSource, says that the
// source holds no package at that location, which may still be right (make
// run-local's source holds only the repository's handlers): the function is
// created as without a code source, and its invocations answer the error.
var ErrPackageNotHeld = errors.New("the code source holds no package at that location")

// lambdaTimeFormat is how Lambda writes a function's LastModified.
const lambdaTimeFormat = "2006-01-02T15:04:05.000+0000"

// Lambda's limits.
const (
	lambdaMaxTags            = 50
	lambdaMaxEnvBytes        = 4096
	lambdaMaxZipped          = 52428800
	lambdaMaxUnzipped        = 262144000
	lambdaAccountConcurrency = 1000
	lambdaMinUnreserved      = 100
)

func lambdaInvalid(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParameterValueException", msg}
}

func lambdaNotFound(msg string) *apiError {
	return &apiError{http.StatusNotFound, "ResourceNotFoundException", msg}
}

func lambdaConflict(msg string) *apiError {
	return &apiError{http.StatusConflict, "ResourceConflictException", msg}
}

// functionFailure is how an armed create or update ends.
type functionFailure struct{ code, reason string }

// lambdaFunction is a function ($LATEST) as the server holds it.
type lambdaFunction struct {
	account, name string
	cfg           functionConfig
	tags          map[string]string
	reserved      *int32
	invoke        *invokeConfig
	// created is when CreateFunction made it, and createFail how the
	// create ends if it fails.
	created    time.Time
	createFail *functionFailure
	// updated is when the last UpdateFunctionCode or
	// UpdateFunctionConfiguration started (zero: none), updateFail how it
	// ends if it fails.
	updated    time.Time
	updateFail *functionFailure
	// rev is the RevisionId until settleAt (the end of the create or update
	// in progress), settledRev after it.
	rev, settledRev string
	settleAt        time.Time
	lastModified    time.Time
	// versions are the published versions in order, published the last
	// number given; aliases are by name (lambda_versions.go).
	versions  []*lambdaVersion
	published int
	aliases   map[string]*lambdaAlias
}

// fnKey keys a function by its account and name.
func fnKey(account, name string) string { return account + "/" + name }

func (f *lambdaFunction) arn(region string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, f.account, f.name)
}

// functionConfig is a function's configuration.
type functionConfig struct {
	PackageType                  string
	Runtime, Handler, Role, Desc string
	MemorySize, Timeout, Storage int32
	Architectures                []string
	Environment                  map[string]string // nil: none
	DeadLetterTargetArn          string
	KMSKeyArn                    string
	TracingMode                  string
	Vpc                          *vpcConfig
	FileSystems                  []fileSystemConfig
	Image                        *imageConfig
	Logging                      loggingConfig
	SnapStart                    string
	TenancyMode                  string
	Durable                      *durableConfig
	Code                         functionCode
}

// functionCode is where a function's code came from, and its digest.
type functionCode struct {
	S3Bucket, S3Key, S3ObjectVersion, ImageURI string
	ZipFile                                    bool
	Sha256                                     string
	Size                                       int64
}

type vpcConfig struct {
	SubnetIds               []string `json:"SubnetIds"`
	SecurityGroupIds        []string `json:"SecurityGroupIds"`
	Ipv6AllowedForDualStack *bool    `json:"Ipv6AllowedForDualStack,omitempty"`
}

type fileSystemConfig struct {
	Arn            string `json:"Arn"`
	LocalMountPath string `json:"LocalMountPath"`
}

type imageConfig struct {
	EntryPoint       []string `json:"EntryPoint,omitempty"`
	Command          []string `json:"Command,omitempty"`
	WorkingDirectory string   `json:"WorkingDirectory,omitempty"`
}

type loggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

type durableConfig struct {
	ExecutionTimeout      *int32 `json:"ExecutionTimeout,omitempty"`
	RetentionPeriodInDays *int32 `json:"RetentionPeriodInDays,omitempty"`
}

// functionCodeIn is the code members of CreateFunction (Code) and
// UpdateFunctionCode.
type functionCodeIn struct {
	ZipFile                                              []byte
	S3Bucket, S3Key, S3ObjectVersion, ImageUri           *string
	SourceKMSKeyArn                                      *string
	hasZip, hasS3Bucket, hasS3Key, hasImage, hasAnything bool
}

func (c *functionCodeIn) classify() {
	c.hasZip = len(c.ZipFile) > 0
	c.hasS3Bucket = c.S3Bucket != nil && *c.S3Bucket != ""
	c.hasS3Key = c.S3Key != nil && *c.S3Key != ""
	c.hasImage = c.ImageUri != nil && *c.ImageUri != ""
	c.hasAnything = c.hasZip || c.hasS3Bucket || c.hasS3Key || c.hasImage
}

// functionSettings are the configuration members CreateFunction and
// UpdateFunctionConfiguration share (nil: not in the request).
type functionSettings struct {
	Runtime           *string
	Role              *string
	Handler           *string
	Description       *string
	Timeout           *int32
	MemorySize        *int32
	VpcConfig         *vpcConfig
	DeadLetterConfig  *struct{ TargetArn *string }
	Environment       *struct{ Variables map[string]string }
	KMSKeyArn         *string
	TracingConfig     *struct{ Mode string }
	Layers            *[]string
	FileSystemConfigs *[]fileSystemConfig
	ImageConfig       *imageConfig
	EphemeralStorage  *struct{ Size *int32 }
	SnapStart         *struct{ ApplyOn string }
	LoggingConfig     *loggingConfig
	DurableConfig     *durableConfig
}

// Patterns and enums of the Lambda model.
var (
	roleArnRe   = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	handlerRe   = regexp.MustCompile(`^[^\s]+$`)
	envKeyRe    = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
	subnetRe    = regexp.MustCompile(`^subnet-[0-9a-z]*$`)
	groupRe     = regexp.MustCompile(`^sg-[0-9a-zA-Z]*$`)
	ecrImageRe  = regexp.MustCompile(`^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+([:@][A-Za-z0-9._:-]+)?$`)
	digestRe    = regexp.MustCompile(`@sha256:([0-9a-f]{64})$`)
	cscArnRe    = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}$`)
	destArnRe   = regexp.MustCompile(`^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)$`)
	tagResource = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)$`)
)

const roleArnPattern = `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`

// lambdaRuntimes are the runtimes Lambda accepts, in the order of its
// message; deprecatedRuntimes those it refuses as no longer supported.
var (
	lambdaRuntimes = []string{"nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x",
		"nodejs22.x", "java25", "python3.10", "python3.11", "java21", "ruby3.3", "ruby3.4", "ruby3.2", "python3.8",
		"python3.9", "java17", "nodejs16.x", "dotnet10", "dotnet8", "java11", "dotnet6", "nodejs18.x", "provided.al2",
		"java8.al2"}
	deprecatedRuntimes = map[string]bool{"java8": true, "go1.x": true, "provided": true, "ruby2.7": true,
		"nodejs14.x": true, "python3.7": true, "dotnetcore3.1": true, "nodejs12.x": true}
	snapStartRuntimes = map[string]bool{"java11": true, "java17": true, "java21": true, "java25": true,
		"python3.12": true, "python3.13": true, "dotnet8": true, "dotnet10": true}
	reservedEnvKeys = map[string]bool{"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true,
		"AWS_REGION": true, "AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true, "AWS_LAMBDA_FUNCTION_VERSION": true,
		"AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true,
		"AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
		"AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true}
)

func checkRuntime(runtime string) *apiError {
	for _, r := range lambdaRuntimes {
		if r == runtime {
			return nil
		}
	}
	if deprecatedRuntimes[runtime] {
		return lambdaInvalid(fmt.Sprintf("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. "+
			"We recommend you use a supported runtime while creating or updating functions.", runtime))
	}
	return lambdaInvalid(fmt.Sprintf("Value %s at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [%s] or be a valid ARN",
		runtime, strings.Join(lambdaRuntimes, ", ")))
}

func checkRange(v int32, member string, lo, hi int32) *apiError {
	if v < lo {
		return constraint(v, member, fmt.Sprintf("have value greater than or equal to %d", lo))
	}
	if v > hi {
		return constraint(v, member, fmt.Sprintf("have value less than or equal to %d", hi))
	}
	return nil
}

func checkArchitectures(archs []string) *apiError {
	list := "[" + strings.Join(archs, ", ") + "]"
	if len(archs) != 1 {
		return validation("1 validation error detected: Value '" + list + "' at 'architectures' failed to satisfy constraint: " +
			"Member must have length less than or equal to 1")
	}
	if archs[0] != "x86_64" && archs[0] != "arm64" {
		return validation("1 validation error detected: Value '" + list + "' at 'architectures' failed to satisfy constraint: " +
			"Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
	}
	return nil
}

func checkEnvironment(vars map[string]string) *apiError {
	var reserved []string
	for _, k := range sortedKeys(vars) {
		if !envKeyRe.MatchString(k) {
			return validation("1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: " +
				"Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]")
		}
		if reservedEnvKeys[k] {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		return lambdaInvalid("Lambda was unable to configure your environment variables because the environment variables you have provided " +
			"contains reserved keys that are currently not supported for modification. Reserved keys used in this request: " +
			strings.Join(reserved, ", "))
	}
	if b, _ := json.Marshal(vars); len(b) > lambdaMaxEnvBytes {
		return lambdaInvalid("Lambda was unable to configure your environment variables because the environment variables you have provided " +
			"exceeded the 4KB limit. String measured: " + string(b))
	}
	return nil
}

func checkTags(tags map[string]string) *apiError {
	if len(tags) > lambdaMaxTags {
		return lambdaInvalid("Number of tags exceeds resource tag limit.")
	}
	for k, v := range tags {
		if len(k) < 1 || len(k) > 128 || len(v) > 256 {
			return validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: " +
				"Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
		}
	}
	return nil
}

// checkSettings checks the configuration members a request carries, as
// CreateFunction and UpdateFunctionConfiguration do. runtime is the
// function's runtime after the request.
func (s *Server) checkSettings(in *functionSettings, runtime string) *apiError {
	if r := in.Role; r != nil && !roleArnRe.MatchString(*r) {
		return constraint(*r, "role", "satisfy regular expression pattern: "+roleArnPattern)
	}
	if h := in.Handler; h != nil {
		if len(*h) > 128 {
			return constraint(*h, "handler", "have length less than or equal to 128")
		}
		if !handlerRe.MatchString(*h) {
			return constraint(*h, "handler", `satisfy regular expression pattern: [^\s]+`)
		}
	}
	if d := in.Description; d != nil && len(*d) > 256 {
		return constraint(*d, "description", "have length less than or equal to 256")
	}
	if v := in.MemorySize; v != nil {
		if err := checkRange(*v, "memorySize", 128, 10240); err != nil {
			return err
		}
	}
	if v := in.Timeout; v != nil {
		if err := checkRange(*v, "timeout", 1, 900); err != nil {
			return err
		}
	}
	if e := in.EphemeralStorage; e != nil {
		if e.Size == nil {
			return constraint(nil, "ephemeralStorage.size", "not be null")
		}
		if err := checkRange(*e.Size, "ephemeralStorage.size", 512, 10240); err != nil {
			return err
		}
	}
	if t := in.TracingConfig; t != nil && t.Mode != "" && t.Mode != "Active" && t.Mode != "PassThrough" {
		return constraint(t.Mode, "tracingConfig.mode", "satisfy enum value set: [Active, PassThrough]")
	}
	if e := in.Environment; e != nil {
		if err := checkEnvironment(e.Variables); err != nil {
			return err
		}
	}
	if l := in.Layers; l != nil && len(*l) > 0 {
		if len(*l) > 5 {
			return lambdaInvalid("Cannot reference more than 5 layers.")
		}
		return lambdaInvalid("Layer version " + (*l)[0] + " does not exist.")
	}
	if v := in.VpcConfig; v != nil {
		if len(v.SubnetIds) > 16 {
			return constraint(fmt.Sprint(v.SubnetIds), "vpcConfig.subnetIds", "have length less than or equal to 16")
		}
		if len(v.SecurityGroupIds) > 5 {
			return constraint(fmt.Sprint(v.SecurityGroupIds), "vpcConfig.securityGroupIds", "have length less than or equal to 5")
		}
		for _, id := range v.SubnetIds {
			if !subnetRe.MatchString(id) {
				return constraint("["+id+"]", "vpcConfig.subnetIds", "satisfy constraint: [Member must satisfy regular expression pattern: ^subnet-[0-9a-z]*$]")
			}
		}
		for _, id := range v.SecurityGroupIds {
			if !groupRe.MatchString(id) {
				return constraint("["+id+"]", "vpcConfig.securityGroupIds", "satisfy constraint: [Member must satisfy regular expression pattern: ^sg-[0-9a-zA-Z]*$]")
			}
		}
	}
	if ss := in.SnapStart; ss != nil {
		if ss.ApplyOn != "PublishedVersions" && ss.ApplyOn != "None" {
			return constraint(ss.ApplyOn, "snapStart.applyOn", "satisfy enum value set: [PublishedVersions, None]")
		}
		if ss.ApplyOn == "PublishedVersions" && !snapStartRuntimes[runtime] {
			return lambdaInvalid(runtime + " is not supported for SnapStart enabled functions.")
		}
	}
	if lc := in.LoggingConfig; lc != nil {
		if lc.LogFormat != "" && lc.LogFormat != "JSON" && lc.LogFormat != "Text" {
			return constraint(lc.LogFormat, "loggingConfig.logFormat", "satisfy enum value set: [JSON, Text]")
		}
		for member, level := range map[string]string{"applicationLogLevel": lc.ApplicationLogLevel, "systemLogLevel": lc.SystemLogLevel} {
			switch level {
			case "", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL":
			default:
				return constraint(level, "loggingConfig."+member, "satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]")
			}
		}
	}
	if r := in.Role; r != nil && !s.iamRoleExists(*r) {
		return lambdaInvalid("The role defined for the function cannot be assumed by Lambda.")
	}
	return nil
}

// applySettings sets the configuration members a request carries.
func (c *functionConfig) applySettings(in *functionSettings, name string) *apiError {
	setIfGiven(&c.Runtime, in.Runtime)
	setIfGiven(&c.Role, in.Role)
	setIfGiven(&c.Handler, in.Handler)
	setIfGiven(&c.Desc, in.Description)
	setIfGiven(&c.Timeout, in.Timeout)
	setIfGiven(&c.MemorySize, in.MemorySize)
	if in.VpcConfig != nil {
		v := *in.VpcConfig
		if v.SubnetIds == nil {
			v.SubnetIds = []string{}
		}
		if v.SecurityGroupIds == nil {
			v.SecurityGroupIds = []string{}
		}
		c.Vpc = &v
	}
	if d := in.DeadLetterConfig; d != nil {
		c.DeadLetterTargetArn = ""
		if d.TargetArn != nil {
			c.DeadLetterTargetArn = *d.TargetArn
		}
	}
	if e := in.Environment; e != nil {
		c.Environment = nil
		if e.Variables != nil {
			c.Environment = copyStrings(e.Variables)
		}
	}
	setIfGiven(&c.KMSKeyArn, in.KMSKeyArn)
	if t := in.TracingConfig; t != nil && t.Mode != "" {
		c.TracingMode = t.Mode
	}
	if in.FileSystemConfigs != nil {
		c.FileSystems = append([]fileSystemConfig(nil), (*in.FileSystemConfigs)...)
	}
	if in.ImageConfig != nil {
		ic := *in.ImageConfig
		c.Image = &ic
	}
	if e := in.EphemeralStorage; e != nil && e.Size != nil {
		c.Storage = *e.Size
	}
	if ss := in.SnapStart; ss != nil {
		c.SnapStart = ss.ApplyOn
	}
	if lc := in.LoggingConfig; lc != nil {
		next := c.Logging
		if lc.LogFormat != "" {
			next.LogFormat = lc.LogFormat
		}
		if lc.LogGroup != "" {
			next.LogGroup = lc.LogGroup
		}
		if lc.ApplicationLogLevel != "" {
			next.ApplicationLogLevel = lc.ApplicationLogLevel
		}
		if lc.SystemLogLevel != "" {
			next.SystemLogLevel = lc.SystemLogLevel
		}
		switch next.LogFormat {
		case "JSON":
			if next.ApplicationLogLevel == "" {
				next.ApplicationLogLevel = "INFO"
			}
			if next.SystemLogLevel == "" {
				next.SystemLogLevel = "INFO"
			}
		default:
			if lc.ApplicationLogLevel != "" || lc.SystemLogLevel != "" {
				return lambdaInvalid(`LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "JSON" and try again.`)
			}
			next.ApplicationLogLevel, next.SystemLogLevel = "", ""
		}
		if next.LogGroup == "" {
			next.LogGroup = "/aws/lambda/" + name
		}
		c.Logging = next
	}
	if in.DurableConfig != nil {
		d := *in.DurableConfig
		c.Durable = &d
	}
	return nil
}

// readCode reads a deployment package as Lambda does when it takes it, for a
// function of packageType; verb is "creating" or "updating".
func (s *Server) readCode(packageType string, in functionCodeIn, verb string) (functionCode, *apiError) {
	in.classify()
	if packageType == "Image" {
		if in.hasZip || in.hasS3Bucket || in.hasS3Key {
			return functionCode{}, lambdaInvalid("Please provide ImageUri when " + verb + " a function with packageType Image.")
		}
		if !in.hasImage {
			return functionCode{}, lambdaInvalid("Please provide ImageUri when " + verb + " a function with packageType Image.")
		}
		uri := *in.ImageUri
		if !ecrImageRe.MatchString(uri) {
			return functionCode{}, lambdaInvalid("Source image " + uri + " is not valid. Provide a valid source image.")
		}
		digest := ""
		if m := digestRe.FindStringSubmatch(uri); m != nil {
			digest = m[1]
		} else {
			sum := sha256.Sum256([]byte(uri))
			digest = hex.EncodeToString(sum[:])
		}
		return functionCode{ImageURI: uri, Sha256: digest}, nil
	}
	if in.hasImage {
		return functionCode{}, lambdaInvalid("Please don't provide ImageUri when " + verb + " a function with packageType Zip.")
	}
	var zipped []byte
	code := functionCode{}
	switch {
	case in.hasZip:
		if len(in.ZipFile) > lambdaMaxZipped {
			return functionCode{}, &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
				fmt.Sprintf("Zipped size must be smaller than %d bytes", lambdaMaxZipped)}
		}
		zipped, code.ZipFile = in.ZipFile, true
	case in.hasS3Bucket || in.hasS3Key:
		code.S3Bucket, code.S3Key = deref(in.S3Bucket), deref(in.S3Key)
		code.S3ObjectVersion = deref(in.S3ObjectVersion)
		loc := code.S3Bucket + "/" + code.S3Key + "@" + code.S3ObjectVersion
		if sha, ok := s.codeHashes[loc]; ok {
			code.Sha256 = sha
			return code, nil
		}
		if s.codeSource == nil {
			sum := sha256.Sum256([]byte(loc))
			code.Sha256 = base64.StdEncoding.EncodeToString(sum[:])
			return code, nil
		}
		b, err := s.codeSource(code.S3Bucket, code.S3Key, code.S3ObjectVersion)
		if errors.Is(err, ErrPackageNotHeld) && code.S3Bucket != "" && code.S3Key != "" {
			sum := sha256.Sum256([]byte(loc))
			code.Sha256 = base64.StdEncoding.EncodeToString(sum[:])
			return code, nil
		}
		if err != nil || code.S3Bucket == "" || code.S3Key == "" {
			return functionCode{}, s3CodeError(err)
		}
		zipped = b
	default:
		return functionCode{}, lambdaInvalid("Please provide a source for function code.")
	}
	r, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		return functionCode{}, lambdaInvalid("Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	var unzipped uint64
	for _, f := range r.File {
		unzipped += f.UncompressedSize64
	}
	if unzipped > lambdaMaxUnzipped {
		return functionCode{}, lambdaInvalid(fmt.Sprintf("Unzipped size must be smaller than %d bytes", lambdaMaxUnzipped))
	}
	sum := sha256.Sum256(zipped)
	code.Sha256, code.Size = base64.StdEncoding.EncodeToString(sum[:]), int64(len(zipped))
	return code, nil
}

// s3CodeError is Lambda's answer when it cannot read a package from S3.
func s3CodeError(err error) *apiError {
	var coded interface{ ErrorCode() string }
	if errors.Is(err, ErrNoSuchBucket) || (errors.As(err, &coded) && coded.ErrorCode() == "NoSuchBucket") {
		return lambdaInvalid("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
	}
	return lambdaInvalid("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// setIfGiven sets *dst to *given when a request carried the member (given
// is not nil): how an update applies the optional members of a request.
func setIfGiven[T any](dst, given *T) {
	if given != nil {
		*dst = *given
	}
}

// Function states, as read at a time.

// pending tells whether a function is still being created.
func (s *Server) fnPending(f *lambdaFunction, now time.Time) bool {
	return now.Before(f.created.Add(s.Delays.FunctionCreate))
}

// fnUpdating tells whether an update of a function is in progress.
func (s *Server) fnUpdating(f *lambdaFunction, now time.Time) bool {
	return !f.updated.IsZero() && now.Before(f.updated.Add(s.Delays.FunctionUpdate))
}

func (s *Server) fnBusy(f *lambdaFunction, now time.Time) bool {
	return s.fnPending(f, now) || s.fnUpdating(f, now)
}

// fnState is a function's State, StateReasonCode and StateReason.
func (s *Server) fnState(f *lambdaFunction, now time.Time) (state, code, reason string) {
	switch {
	case s.fnPending(f, now):
		return "Pending", "Creating", "The function is being created."
	case f.createFail != nil:
		return "Failed", f.createFail.code, f.createFail.reason
	}
	return "Active", "", ""
}

// fnLastUpdate is a function's LastUpdateStatus, its reason code and reason
// ("" while it is being created).
func (s *Server) fnLastUpdate(f *lambdaFunction, now time.Time) (status, code, reason string) {
	switch {
	case s.fnPending(f, now):
		return "", "", ""
	case f.updated.IsZero() && f.createFail != nil:
		return "Failed", f.createFail.code, f.createFail.reason
	case f.updated.IsZero():
		return "Successful", "", ""
	case s.fnUpdating(f, now):
		return "InProgress", "Creating", "The function is being created."
	case f.updateFail != nil:
		return "Failed", f.updateFail.code, f.updateFail.reason
	}
	return "Successful", "", ""
}

func (f *lambdaFunction) revision(now time.Time) string {
	if now.Before(f.settleAt) {
		return f.rev
	}
	return f.settledRev
}

// changed gives a function new RevisionIds after a change that completes at
// once (tags); start after one that completes at settle.
func (f *lambdaFunction) changed() { f.rev, f.settledRev = newID(), newID() }

func (f *lambdaFunction) start(now, settle time.Time) {
	f.changed()
	f.settleAt, f.lastModified = settle, now
}

// functionOut is a FunctionConfiguration as Lambda answers it.
type functionOut struct {
	FunctionName               string             `json:"FunctionName"`
	FunctionArn                string             `json:"FunctionArn"`
	Runtime                    string             `json:"Runtime,omitempty"`
	Role                       string             `json:"Role"`
	Handler                    string             `json:"Handler,omitempty"`
	CodeSize                   int64              `json:"CodeSize"`
	Description                string             `json:"Description"`
	Timeout                    int32              `json:"Timeout"`
	MemorySize                 int32              `json:"MemorySize"`
	LastModified               string             `json:"LastModified"`
	CodeSha256                 string             `json:"CodeSha256"`
	Version                    string             `json:"Version"`
	VpcConfig                  *vpcConfigOut      `json:"VpcConfig,omitempty"`
	DeadLetterConfig           *deadLetterOut     `json:"DeadLetterConfig,omitempty"`
	Environment                *environmentOut    `json:"Environment,omitempty"`
	KMSKeyArn                  string             `json:"KMSKeyArn,omitempty"`
	TracingConfig              tracingOut         `json:"TracingConfig"`
	RevisionId                 string             `json:"RevisionId"`
	State                      string             `json:"State"`
	StateReason                string             `json:"StateReason,omitempty"`
	StateReasonCode            string             `json:"StateReasonCode,omitempty"`
	LastUpdateStatus           string             `json:"LastUpdateStatus,omitempty"`
	LastUpdateStatusReason     string             `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string             `json:"LastUpdateStatusReasonCode,omitempty"`
	FileSystemConfigs          []fileSystemConfig `json:"FileSystemConfigs,omitempty"`
	PackageType                string             `json:"PackageType"`
	ImageConfigResponse        *imageConfigOut    `json:"ImageConfigResponse,omitempty"`
	Architectures              []string           `json:"Architectures"`
	EphemeralStorage           storageOut         `json:"EphemeralStorage"`
	SnapStart                  snapStartOut       `json:"SnapStart"`
	RuntimeVersionConfig       *runtimeVersionOut `json:"RuntimeVersionConfig,omitempty"`
	LoggingConfig              loggingConfig      `json:"LoggingConfig"`
	TenancyConfig              *tenancyOut        `json:"TenancyConfig,omitempty"`
	DurableConfig              *durableConfig     `json:"DurableConfig,omitempty"`
}

type vpcConfigOut struct {
	vpcConfig
	VpcId string `json:"VpcId"`
}

type deadLetterOut struct {
	TargetArn string `json:"TargetArn"`
}

type environmentOut struct {
	Variables map[string]string `json:"Variables"`
}

type tracingOut struct {
	Mode string `json:"Mode"`
}

type imageConfigOut struct {
	ImageConfig *imageConfig `json:"ImageConfig,omitempty"`
}

type storageOut struct {
	Size int32 `json:"Size"`
}

type snapStartOut struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

type runtimeVersionOut struct {
	RuntimeVersionArn string `json:"RuntimeVersionArn"`
}

type tenancyOut struct {
	TenantIsolationMode string `json:"TenantIsolationMode"`
}

// view is a function's configuration as Lambda answers it at now.
func (s *Server) view(f *lambdaFunction, now time.Time) functionOut {
	c := f.cfg
	out := functionOut{
		FunctionName: f.name, FunctionArn: f.arn(s.Region), Runtime: c.Runtime, Role: c.Role, Handler: c.Handler,
		CodeSize: c.Code.Size, Description: c.Desc, Timeout: c.Timeout, MemorySize: c.MemorySize,
		LastModified: f.lastModified.UTC().Format(lambdaTimeFormat), CodeSha256: c.Code.Sha256, Version: "$LATEST",
		KMSKeyArn: c.KMSKeyArn, TracingConfig: tracingOut{c.TracingMode}, RevisionId: f.revision(now),
		FileSystemConfigs: c.FileSystems, PackageType: c.PackageType, Architectures: append([]string(nil), c.Architectures...),
		EphemeralStorage: storageOut{c.Storage}, SnapStart: snapStartOut{c.SnapStart, "Off"}, LoggingConfig: c.Logging,
		DurableConfig: c.Durable,
	}
	out.State, out.StateReasonCode, out.StateReason = s.fnState(f, now)
	out.LastUpdateStatus, out.LastUpdateStatusReasonCode, out.LastUpdateStatusReason = s.fnLastUpdate(f, now)
	if c.Vpc != nil {
		v := vpcConfigOut{vpcConfig: *c.Vpc}
		if len(c.Vpc.SubnetIds) > 0 {
			sum := sha256.Sum256([]byte(strings.Join(c.Vpc.SubnetIds, ",")))
			v.VpcId = "vpc-" + hex.EncodeToString(sum[:])[:17]
		}
		out.VpcConfig = &v
	}
	if c.DeadLetterTargetArn != "" {
		out.DeadLetterConfig = &deadLetterOut{c.DeadLetterTargetArn}
	}
	if c.Environment != nil {
		out.Environment = &environmentOut{c.Environment}
	}
	if c.Image != nil && c.PackageType == "Image" {
		out.ImageConfigResponse = &imageConfigOut{c.Image}
	}
	if c.PackageType == "Zip" {
		sum := sha256.Sum256([]byte(c.Runtime))
		out.RuntimeVersionConfig = &runtimeVersionOut{fmt.Sprintf("arn:aws:lambda:%s::runtime:%x", s.Region, sum)}
	}
	if c.TenancyMode != "" {
		out.TenancyConfig = &tenancyOut{c.TenancyMode}
	}
	return out
}

// lookupFunction finds a function of the caller's account by the
// FunctionName of a request; the qualifier may only be $LATEST. arnSuffix is
// appended to the ARN in the not-found message.
func (s *Server) lookupFunction(nameOrArn, arnSuffix string) (*lambdaFunction, *apiError) {
	name, q, ok := parseFunctionName(nameOrArn)
	if !ok {
		return nil, functionNameError(nameOrArn)
	}
	f := s.functions[fnKey(s.account(), name)]
	if q != "" && q != "$LATEST" {
		return nil, lambdaNotFound("Function not found: " + s.functionArn(name, q))
	}
	if f == nil {
		return nil, lambdaNotFound("Function not found: " + s.functionArn(name, "") + arnSuffix)
	}
	return f, nil
}

// createFunctionIn is CreateFunction's request.
type createFunctionIn struct {
	functionSettings
	FunctionName         string
	Code                 *functionCodeIn
	Publish              bool
	PackageType          string
	Tags                 map[string]string
	CodeSigningConfigArn *string
	Architectures        []string
	TenancyConfig        *struct{ TenantIsolationMode string }
}

func (s *Server) createFunction(_ lambdaParams, body []byte) (int, any, *apiError) {
	var in createFunctionIn
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	if in.FunctionName == "" {
		return 0, nil, constraint(nil, "functionName", "not be null")
	}
	name, q, ok := parseFunctionName(in.FunctionName)
	if !strings.Contains(in.FunctionName, ":") && len(in.FunctionName) > 64 {
		return 0, nil, lambdaInvalid(fmt.Sprintf("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: "+
			"Member must have length less than or equal to 64", in.FunctionName))
	}
	if !ok || q != "" {
		return 0, nil, functionNameError(in.FunctionName)
	}
	if in.Role == nil || *in.Role == "" {
		return 0, nil, constraint(nil, "role", "not be null")
	}
	if in.Code == nil {
		return 0, nil, constraint(nil, "code", "not be null")
	}
	if in.PackageType == "" {
		in.PackageType = "Zip"
	}
	if in.PackageType != "Zip" && in.PackageType != "Image" {
		return 0, nil, constraint(in.PackageType, "packageType", "satisfy enum value set: [Zip, Image]")
	}
	if in.Architectures == nil {
		in.Architectures = []string{"x86_64"}
	}
	if err := checkArchitectures(in.Architectures); err != nil {
		return 0, nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return 0, nil, err
	}
	runtime := deref(in.Runtime)
	if err := s.checkSettings(&in.functionSettings, runtime); err != nil {
		return 0, nil, err
	}
	if in.PackageType == "Zip" {
		if runtime == "" || deref(in.Handler) == "" {
			return 0, nil, lambdaInvalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
		}
		if err := checkRuntime(runtime); err != nil {
			return 0, nil, err
		}
	}
	if arn := deref(in.CodeSigningConfigArn); arn != "" {
		if err := codeSigningConfigNotFound(arn); err != nil {
			return 0, nil, err
		}
	}
	key := fnKey(s.account(), name)
	if s.functions[key] != nil {
		return 0, nil, lambdaConflict("Function already exist: " + name)
	}
	code, err := s.readCode(in.PackageType, *in.Code, "creating")
	if err != nil {
		return 0, nil, err
	}
	cfg := functionConfig{PackageType: in.PackageType, Architectures: in.Architectures, Timeout: 3, MemorySize: 128,
		Storage: 512, TracingMode: "PassThrough", SnapStart: "None", Code: code,
		Logging: loggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/" + name}}
	if err := cfg.applySettings(&in.functionSettings, name); err != nil {
		return 0, nil, err
	}
	if t := in.TenancyConfig; t != nil {
		cfg.TenancyMode = t.TenantIsolationMode
	}
	now := time.Now()
	f := &lambdaFunction{account: s.account(), name: name, cfg: cfg, tags: map[string]string{}, created: now}
	maps.Copy(f.tags, in.Tags)
	if fail, armed := s.failNextCreate[key]; armed {
		delete(s.failNextCreate, key)
		f.createFail = &fail
	}
	f.start(now, now.Add(s.Delays.FunctionCreate))
	s.functions[key] = f
	delete(s.deletedFunctions, name)
	return http.StatusCreated, s.view(f, now), nil
}

// codeSigningConfigNotFound answers a code signing config: none exists.
func codeSigningConfigNotFound(arn string) *apiError {
	if !cscArnRe.MatchString(arn) {
		return constraint(arn, "codeSigningConfigArn", "satisfy regular expression pattern: "+
			`arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:code-signing-config:csc-[a-z0-9]{17}`)
	}
	return &apiError{http.StatusNotFound, "CodeSigningConfigNotFoundException",
		"The code signing configuration cannot be found. Check that the provided configuration is not deleted: " + arn + "."}
}

// getFunctionOut is GetFunction's answer.
type getFunctionOut struct {
	Configuration functionOut       `json:"Configuration"`
	Code          map[string]string `json:"Code"`
	Tags          map[string]string `json:"Tags,omitempty"`
	Concurrency   *concurrencyOut   `json:"Concurrency,omitempty"`
}

type concurrencyOut struct {
	ReservedConcurrentExecutions *int32 `json:"ReservedConcurrentExecutions,omitempty"`
}

func (s *Server) getFunction(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, cfg, err := s.qualifiedView(p)
	if err != nil {
		return 0, nil, err
	}
	out := getFunctionOut{Configuration: cfg, Tags: f.tags}
	if c := f.cfg.Code; c.ImageURI != "" {
		repo, _, _ := strings.Cut(c.ImageURI, "@")
		if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
			repo = repo[:i]
		}
		out.Code = map[string]string{"RepositoryType": "ECR", "ImageUri": c.ImageURI, "ResolvedImageUri": repo + "@sha256:" + c.Sha256}
	} else {
		out.Code = map[string]string{"RepositoryType": "S3", "Location": fmt.Sprintf(
			"https://awslambda-%s-tasks.s3.%s.amazonaws.com/snapshots/%s/%s-%s", s.Region, s.Region, f.account, f.name, f.settledRev)}
	}
	if f.reserved != nil {
		out.Concurrency = &concurrencyOut{f.reserved}
	}
	return http.StatusOK, out, nil
}

func (s *Server) getFunctionConfiguration(p lambdaParams, _ []byte) (int, any, *apiError) {
	_, cfg, err := s.qualifiedView(p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cfg, nil
}

// updateConflict is Lambda's answer to a change while one is in progress.
func (s *Server) updateConflict(f *lambdaFunction) *apiError {
	return lambdaConflict("The operation cannot be performed at this time. An update is in progress for resource: " + f.arn(s.Region))
}

func (s *Server) checkFunctionRevision(f *lambdaFunction, given *string, now time.Time) *apiError {
	if given != nil && *given != "" && *given != f.revision(now) {
		return &apiError{http.StatusPreconditionFailed, "PreconditionFailedException",
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"}
	}
	return nil
}

// checkUpdatable refuses an update of a function (UpdateFunctionCode,
// UpdateFunctionConfiguration) while another change is in progress, or when
// the request's RevisionId is not the function's.
func (s *Server) checkUpdatable(f *lambdaFunction, revisionID *string, now time.Time) *apiError {
	if s.fnBusy(f, now) {
		return s.updateConflict(f)
	}
	return s.checkFunctionRevision(f, revisionID, now)
}

// startUpdate marks an update of a function as started now.
func (s *Server) startUpdate(f *lambdaFunction, now time.Time) {
	f.updated, f.updateFail = now, nil
	if fail, armed := s.failNextUpdate[fnKey(f.account, f.name)]; armed {
		delete(s.failNextUpdate, fnKey(f.account, f.name))
		f.updateFail = &fail
	}
	f.start(now, now.Add(s.Delays.FunctionUpdate))
}

func (s *Server) updateFunctionConfiguration(p lambdaParams, body []byte) (int, any, *apiError) {
	var in struct {
		functionSettings
		RevisionId *string
	}
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	f, err := s.lookupFunction(p.name, "")
	if err != nil {
		return 0, nil, err
	}
	runtime := f.cfg.Runtime
	if in.Runtime != nil && *in.Runtime != "" {
		runtime = *in.Runtime
		if err := checkRuntime(runtime); err != nil {
			return 0, nil, err
		}
	}
	if err := s.checkSettings(&in.functionSettings, runtime); err != nil {
		return 0, nil, err
	}
	now := time.Now()
	if err := s.checkUpdatable(f, in.RevisionId, now); err != nil {
		return 0, nil, err
	}
	if in.Runtime != nil && *in.Runtime == "" {
		in.Runtime = nil
	}
	cfg := f.cfg
	if err := cfg.applySettings(&in.functionSettings, f.name); err != nil {
		return 0, nil, err
	}
	f.cfg = cfg
	s.startUpdate(f, now)
	return http.StatusOK, s.view(f, now), nil
}

func (s *Server) updateFunctionCode(p lambdaParams, body []byte) (int, any, *apiError) {
	var in struct {
		functionCodeIn
		Architectures []string
		RevisionId    *string
		Publish       bool
		DryRun        bool
	}
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	f, err := s.lookupFunction(p.name, "")
	if err != nil {
		return 0, nil, err
	}
	if in.Architectures != nil {
		if err := checkArchitectures(in.Architectures); err != nil {
			return 0, nil, err
		}
	}
	now := time.Now()
	if err := s.checkUpdatable(f, in.RevisionId, now); err != nil {
		return 0, nil, err
	}
	code, err := s.readCode(f.cfg.PackageType, in.functionCodeIn, "updating")
	if err != nil {
		return 0, nil, err
	}
	if in.DryRun {
		return http.StatusOK, s.view(f, now), nil
	}
	f.cfg.Code = code
	if in.Architectures != nil {
		f.cfg.Architectures = in.Architectures
	}
	s.startUpdate(f, now)
	return http.StatusOK, s.view(f, now), nil
}

func (s *Server) deleteFunction(p lambdaParams, _ []byte) (int, any, *apiError) {
	name, q, ok := parseFunctionName(p.name)
	if !ok {
		return 0, nil, functionNameError(p.name)
	}
	if qq := p.query.Get("Qualifier"); qq != "" {
		if q != "" && q != qq {
			return 0, nil, lambdaInvalid("The derived qualifier from the function name does not match the specified qualifier.")
		}
		q = qq
	}
	if q == "$LATEST" {
		return 0, nil, lambdaInvalid("$LATEST version cannot be deleted without deleting the function.")
	}
	key := fnKey(s.account(), name)
	if s.functions[key] != nil && q != "" && isNumber(q) {
		return s.deleteVersion(s.functions[key], q)
	}
	if s.functions[key] == nil || q != "" {
		return 0, nil, lambdaNotFound("Function not found: " + s.functionArn(name, q))
	}
	delete(s.functions, key)
	s.deletedFunctions[name] = true
	s.dropPolicies(name)
	return http.StatusNoContent, nil, nil
}

// Concurrency.

func (s *Server) getFunctionConcurrency(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, err := s.lookupFunction(p.name, "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, concurrencyOut{f.reserved}, nil
}

// unqualified finds the function of an operation that refuses versions and
// aliases.
func (s *Server) unqualified(nameOrArn string) (*lambdaFunction, *apiError) {
	if _, q, ok := parseFunctionName(nameOrArn); ok && q != "" {
		return nil, lambdaInvalid("This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. " +
			"Please specify either a function name or an unqualified function ARN.")
	}
	return s.lookupFunction(nameOrArn, ":$LATEST")
}

func (s *Server) putFunctionConcurrency(p lambdaParams, body []byte) (int, any, *apiError) {
	var in struct{ ReservedConcurrentExecutions *int32 }
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	f, err := s.unqualified(p.name)
	if err != nil {
		return 0, nil, err
	}
	if in.ReservedConcurrentExecutions == nil {
		return 0, nil, constraint(nil, "reservedConcurrentExecutions", "not be null")
	}
	n := *in.ReservedConcurrentExecutions
	if n < 0 {
		return 0, nil, constraint(n, "reservedConcurrentExecutions", "have value greater than or equal to 0")
	}
	reserved := n
	for _, other := range s.functions {
		if other != f && other.account == f.account && other.reserved != nil {
			reserved += *other.reserved
		}
	}
	if lambdaAccountConcurrency-reserved < lambdaMinUnreserved {
		return 0, nil, lambdaInvalid(fmt.Sprintf("Specified ReservedConcurrentExecutions for function decreases account's "+
			"UnreservedConcurrentExecution below its minimum value of [%d].", lambdaMinUnreserved))
	}
	f.reserved = &n
	return http.StatusOK, concurrencyOut{&n}, nil
}

func (s *Server) deleteFunctionConcurrency(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, err := s.unqualified(p.name)
	if err != nil {
		return 0, nil, err
	}
	f.reserved = nil
	return http.StatusNoContent, nil, nil
}

// Code signing configs: none exists.

func (s *Server) getFunctionCodeSigningConfig(p lambdaParams, _ []byte) (int, any, *apiError) {
	if _, err := s.lookupFunction(p.name, ""); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (s *Server) putFunctionCodeSigningConfig(p lambdaParams, body []byte) (int, any, *apiError) {
	var in struct{ CodeSigningConfigArn string }
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	if in.CodeSigningConfigArn == "" {
		return 0, nil, constraint(nil, "codeSigningConfigArn", "not be null")
	}
	if _, err := s.lookupFunction(p.name, ""); err != nil {
		return 0, nil, err
	}
	return 0, nil, codeSigningConfigNotFound(in.CodeSigningConfigArn)
}

func (s *Server) deleteFunctionCodeSigningConfig(p lambdaParams, _ []byte) (int, any, *apiError) {
	if _, err := s.lookupFunction(p.name, ""); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// Event invoke configs.

// invokeConfig is a function's asynchronous invocation configuration.
type invokeConfig struct {
	maxRetry, maxAge     *int32
	onSuccess, onFailure string
	lastModified         time.Time
}

type destinationOut struct {
	Destination string `json:"Destination,omitempty"`
}

type invokeConfigOut struct {
	FunctionArn              string  `json:"FunctionArn"`
	LastModified             float64 `json:"LastModified"`
	MaximumRetryAttempts     *int32  `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int32  `json:"MaximumEventAgeInSeconds,omitempty"`
	DestinationConfig        struct {
		OnSuccess destinationOut `json:"OnSuccess"`
		OnFailure destinationOut `json:"OnFailure"`
	} `json:"DestinationConfig"`
}

func (s *Server) invokeConfigOut(f *lambdaFunction) invokeConfigOut {
	c := f.invoke
	out := invokeConfigOut{FunctionArn: f.arn(s.Region) + ":$LATEST", LastModified: epoch(c.lastModified),
		MaximumRetryAttempts: c.maxRetry, MaximumEventAgeInSeconds: c.maxAge}
	out.DestinationConfig.OnSuccess.Destination = c.onSuccess
	out.DestinationConfig.OnFailure.Destination = c.onFailure
	return out
}

// invokeConfigTarget finds the function of an event invoke config operation
// (only $LATEST has one); missing is the message when it does not exist.
func (s *Server) invokeConfigTarget(p lambdaParams, missing string) (*lambdaFunction, *apiError) {
	name, q, ok := parseFunctionName(p.name)
	if !ok {
		return nil, functionNameError(p.name)
	}
	if qq := p.query.Get("Qualifier"); qq != "" {
		q = qq
	}
	if q == "" {
		q = "$LATEST"
	}
	f := s.functions[fnKey(s.account(), name)]
	if f == nil || q != "$LATEST" {
		if missing == "" {
			missing = "The function " + s.functionArn(name, q) + " doesn't have an EventInvokeConfig"
		}
		return nil, lambdaNotFound(missing)
	}
	return f, nil
}

// invokeConfigOf finds the function of an operation on its existing event
// invoke config (Get, Delete): one without a config answers as one that
// does not exist.
func (s *Server) invokeConfigOf(p lambdaParams) (*lambdaFunction, *apiError) {
	f, err := s.invokeConfigTarget(p, "")
	if err != nil {
		return nil, err
	}
	if f.invoke == nil {
		return nil, lambdaNotFound("The function " + f.arn(s.Region) + ":$LATEST doesn't have an EventInvokeConfig")
	}
	return f, nil
}

func (s *Server) getFunctionEventInvokeConfig(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, err := s.invokeConfigOf(p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.invokeConfigOut(f), nil
}

type invokeConfigIn struct {
	MaximumRetryAttempts     *int32
	MaximumEventAgeInSeconds *int32
	DestinationConfig        *struct {
		OnSuccess, OnFailure *struct{ Destination *string }
	}
}

func (s *Server) putFunctionEventInvokeConfig(p lambdaParams, body []byte) (int, any, *apiError) {
	return s.writeInvokeConfig(p, body, false)
}

func (s *Server) updateFunctionEventInvokeConfig(p lambdaParams, body []byte) (int, any, *apiError) {
	return s.writeInvokeConfig(p, body, true)
}

// writeInvokeConfig puts (replaces) or, merge, updates an event invoke config.
func (s *Server) writeInvokeConfig(p lambdaParams, body []byte, merge bool) (int, any, *apiError) {
	var in invokeConfigIn
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	if v := in.MaximumRetryAttempts; v != nil {
		if err := checkRange(*v, "maximumRetryAttempts", 0, 2); err != nil {
			return 0, nil, err
		}
	}
	if v := in.MaximumEventAgeInSeconds; v != nil {
		if err := checkRange(*v, "maximumEventAgeInSeconds", 60, 21600); err != nil {
			return 0, nil, err
		}
	}
	f, err := s.invokeConfigTarget(p, "The function doesn't exist.")
	if err != nil {
		return 0, nil, err
	}
	next := invokeConfig{}
	if merge && f.invoke != nil {
		next = *f.invoke
	}
	if in.MaximumRetryAttempts != nil {
		next.maxRetry = in.MaximumRetryAttempts
	}
	if in.MaximumEventAgeInSeconds != nil {
		next.maxAge = in.MaximumEventAgeInSeconds
	}
	if d := in.DestinationConfig; d != nil {
		for _, dest := range []struct {
			in  *struct{ Destination *string }
			out *string
		}{{d.OnSuccess, &next.onSuccess}, {d.OnFailure, &next.onFailure}} {
			if dest.in == nil {
				continue
			}
			arn := deref(dest.in.Destination)
			if err := s.checkDestination(f, arn); err != nil {
				return 0, nil, err
			}
			*dest.out = arn
		}
	}
	if next.maxRetry == nil && next.maxAge == nil && next.onSuccess == "" && next.onFailure == "" {
		return 0, nil, lambdaInvalid("You must specify at least one of error handling or destination setting.")
	}
	next.lastModified = time.Now()
	f.invoke = &next
	return http.StatusOK, s.invokeConfigOut(f), nil
}

// checkDestination checks an asynchronous invocation destination: an ARN of
// SQS, SNS, Lambda (a function that exists, not f), EventBridge or S3.
func (s *Server) checkDestination(f *lambdaFunction, arn string) *apiError {
	if arn == "" {
		return nil
	}
	m := destArnRe.FindStringSubmatch(arn)
	if m == nil {
		return constraint(arn, "destinationConfig.onFailure.destination", "satisfy regular expression pattern: "+
			`$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`)
	}
	switch service := strings.Split(arn, ":")[2]; service {
	case "sqs", "sns", "events", "s3":
		return nil
	case "lambda":
		name, _, ok := parseFunctionName(arn)
		if ok && name == f.name {
			return lambdaInvalid("You can't specify the function as a destination for itself.")
		}
		if !ok || s.functions[fnKey(s.account(), name)] == nil {
			return lambdaInvalid("The destination ARN " + arn + " is invalid.")
		}
		return nil
	}
	return lambdaInvalid("The provided destination config is invalid.")
}

func (s *Server) deleteFunctionEventInvokeConfig(p lambdaParams, _ []byte) (int, any, *apiError) {
	f, err := s.invokeConfigOf(p)
	if err != nil {
		return 0, nil, err
	}
	f.invoke = nil
	return http.StatusNoContent, nil, nil
}

// Tags (of functions and event source mappings).

// taggable finds the tags of the resource a tagging operation names, and
// what to do when they change.
func (s *Server) taggable(resource string) (map[string]string, func(), *apiError) {
	if !tagResource.MatchString(resource) {
		return nil, nil, constraint(resource, "resource", "satisfy regular expression pattern: "+strings.Trim(tagResource.String(), "^$"))
	}
	parts := strings.SplitN(resource, ":", 7)
	switch parts[5] {
	case "function":
		name, q, _ := strings.Cut(parts[6], ":")
		if q != "" {
			return nil, nil, lambdaInvalid("Tags on function aliases and versions are not supported. Please specify a function ARN.")
		}
		f := s.functions[fnKey(s.account(), name)]
		if f == nil {
			return nil, nil, lambdaNotFound("Function not found: " + s.functionArn(name, ""))
		}
		return f.tags, f.changed, nil
	case "event-source-mapping":
		m := s.mappingOf(parts[6])
		if m == nil {
			return nil, nil, lambdaNotFound(fmt.Sprintf("Event source mapping not found: arn:aws:lambda:%s:%s:event-source-mapping:%s",
				s.Region, s.account(), parts[6]))
		}
		return m.tags, func() {}, nil
	case "code-signing-config":
		return nil, nil, lambdaNotFound("The Lambda code signing configuration " + resource + " can not be found.")
	}
	return nil, nil, lambdaNotFound(resourceNotFoundMessage)
}

func (s *Server) listTags(p lambdaParams, _ []byte) (int, any, *apiError) {
	tags, _, err := s.taggable(p.label)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]map[string]string{"Tags": copyStrings(tags)}, nil
}

func (s *Server) tagResource(p lambdaParams, body []byte) (int, any, *apiError) {
	var in struct{ Tags map[string]string }
	if err := decode(body, &in); err != nil {
		return 0, nil, err
	}
	tags, changed, err := s.taggable(p.label)
	if err != nil {
		return 0, nil, err
	}
	if len(in.Tags) == 0 {
		return 0, nil, lambdaInvalid("An error occurred and the request cannot be processed.")
	}
	merged := copyStrings(tags)
	maps.Copy(merged, in.Tags)
	if err := checkTags(merged); err != nil {
		return 0, nil, err
	}
	maps.Copy(tags, in.Tags)
	changed()
	return http.StatusNoContent, nil, nil
}

func (s *Server) untagResource(p lambdaParams, _ []byte) (int, any, *apiError) {
	keys := p.query["tagKeys"]
	if len(keys) == 0 {
		return 0, nil, constraint(nil, "tagKeys", "not be null")
	}
	tags, changed, err := s.taggable(p.label)
	if err != nil {
		return 0, nil, err
	}
	for _, k := range keys {
		delete(tags, k)
	}
	changed()
	return http.StatusNoContent, nil, nil
}

// Test controls.

// Function is a snapshot of a function ($LATEST) the fake Lambda holds, as
// GetFunction would show it now.
type Function struct {
	Name, Arn, Account        string
	Runtime, Handler, Role    string
	Description               string
	PackageType               string
	MemorySize, Timeout       int32
	EphemeralStorage          int32
	Architectures             []string
	Environment               map[string]string
	DeadLetterTargetArn       string
	TracingMode               string
	KMSKeyArn                 string
	SubnetIds, SecurityGroups []string
	LogFormat, LogGroup       string

	// State is Pending, Active or Failed; LastUpdateStatus "" (while
	// Pending), InProgress, Successful or Failed.
	State, StateReasonCode, StateReason                                  string
	LastUpdateStatus, LastUpdateStatusReasonCode, LastUpdateStatusReason string

	CodeSha256                                     string
	CodeSize                                       int64
	S3Bucket, S3Key, S3ObjectVersion               string
	ImageURI                                       string
	RevisionID                                     string
	LastModified                                   time.Time
	Tags                                           map[string]string
	ReservedConcurrentExecutions                   *int32
	MaximumRetryAttempts, MaximumEventAgeInSeconds *int32 // of the event invoke config, if any
	OnSuccess, OnFailure                           string // its destinations
	HasEventInvokeConfig                           bool
}

// Function returns a snapshot of a function (a name, of AccountID, or an
// ARN) and whether it exists.
func (s *Server) Function(name string) (Function, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	account, fn := s.helperFunctionKey(name)
	f := s.functions[fnKey(account, fn)]
	if f == nil {
		return Function{}, false
	}
	now := time.Now()
	c := f.cfg
	out := Function{Name: f.name, Arn: f.arn(s.Region), Account: f.account, Runtime: c.Runtime, Handler: c.Handler,
		Role: c.Role, Description: c.Desc, PackageType: c.PackageType, MemorySize: c.MemorySize, Timeout: c.Timeout,
		EphemeralStorage: c.Storage, Architectures: append([]string(nil), c.Architectures...),
		DeadLetterTargetArn: c.DeadLetterTargetArn, TracingMode: c.TracingMode, KMSKeyArn: c.KMSKeyArn,
		LogFormat: c.Logging.LogFormat, LogGroup: c.Logging.LogGroup, CodeSha256: c.Code.Sha256, CodeSize: c.Code.Size,
		S3Bucket: c.Code.S3Bucket, S3Key: c.Code.S3Key, S3ObjectVersion: c.Code.S3ObjectVersion, ImageURI: c.Code.ImageURI,
		RevisionID: f.revision(now), LastModified: f.lastModified, Tags: copyStrings(f.tags)}
	out.State, out.StateReasonCode, out.StateReason = s.fnState(f, now)
	out.LastUpdateStatus, out.LastUpdateStatusReasonCode, out.LastUpdateStatusReason = s.fnLastUpdate(f, now)
	if c.Environment != nil {
		out.Environment = copyStrings(c.Environment)
	}
	if c.Vpc != nil {
		out.SubnetIds, out.SecurityGroups = append([]string(nil), c.Vpc.SubnetIds...), append([]string(nil), c.Vpc.SecurityGroupIds...)
	}
	if f.reserved != nil {
		n := *f.reserved
		out.ReservedConcurrentExecutions = &n
	}
	if ic := f.invoke; ic != nil {
		out.HasEventInvokeConfig = true
		out.MaximumRetryAttempts, out.MaximumEventAgeInSeconds = ic.maxRetry, ic.maxAge
		out.OnSuccess, out.OnFailure = ic.onSuccess, ic.onFailure
	}
	return out, true
}

// Functions lists the ARNs of the functions that exist, sorted.
func (s *Server) Functions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, f := range s.functions {
		out = append(out, f.arn(s.Region))
	}
	sort.Strings(out)
	return out
}

// SetCodeSource makes CreateFunction and UpdateFunctionCode read a package
// given by S3Bucket, S3Key and S3ObjectVersion through read, as Lambda reads
// it from S3 (nil: do not read; see the package comment). An error of read
// answers as NoSuchKey, or NoSuchBucket when it wraps ErrNoSuchBucket or has
// that ErrorCode (as the S3 client's errors do). read is called with the
// server's lock held: it must not call the server.
func (s *Server) SetCodeSource(read func(bucket, key, version string) ([]byte, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codeSource = read
}

// SetCodeHash says that S3 holds at bucket/key (version: "" for none) a
// package whose SHA-256 (base64, as Lambda's CodeSha256) is sha, without its
// bytes: a function made or updated from there runs code of that hash. The
// ACK stand-in (internal/localack) deploys the hash a child declares this way.
func (s *Server) SetCodeHash(bucket, key, version, sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codeHashes == nil {
		s.codeHashes = map[string]string{}
	}
	s.codeHashes[bucket+"/"+key+"@"+version] = sha
}

// FailNextFunctionUpdate makes the next UpdateFunctionCode or
// UpdateFunctionConfiguration of a function (a name, of AccountID, or an
// ARN) end, after Delays.FunctionUpdate, with LastUpdateStatus Failed and
// this LastUpdateStatusReasonCode (such as InvalidConfiguration or
// ImageAccessDenied) and reason.
func (s *Server) FailNextFunctionUpdate(name, reasonCode, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	account, fn := s.helperFunctionKey(name)
	s.failNextUpdate[fnKey(account, fn)] = functionFailure{reasonCode, reason}
}

// FailNextFunctionCreate makes the next CreateFunction of a function end,
// after Delays.FunctionCreate, with State Failed and this StateReasonCode
// (such as InvalidConfiguration) and StateReason.
func (s *Server) FailNextFunctionCreate(name, reasonCode, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	account, fn := s.helperFunctionKey(name)
	s.failNextCreate[fnKey(account, fn)] = functionFailure{reasonCode, reason}
}
