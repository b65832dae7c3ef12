package localaws

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// lmEnv is a server with short Delays and the clients the Lambda tests use.
type lmEnv struct {
	srv *Server
	lm  *lambda.Client
	iam *iam.Client
	sqs *sqs.Client
}

// lmDelays are short delays for the tests that watch states change.
var lmDelays = Delays{FunctionCreate: 200 * time.Millisecond, FunctionUpdate: 200 * time.Millisecond,
	MappingCreate: 200 * time.Millisecond, MappingUpdate: 200 * time.Millisecond}

func newLambdaEnv(t *testing.T, d Delays) *lmEnv {
	t.Helper()
	srv, url, cfg := startWithDelays(t, d)
	return &lmEnv{
		srv: srv,
		lm:  lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(url) }),
		iam: iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(url) }),
		sqs: sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(url) }),
	}
}

const lmTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// role creates an IAM role in the fake IAM and returns its ARN.
func (e *lmEnv) role(t *testing.T, name string) string {
	t.Helper()
	out, err := e.iam.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(lmTrust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return aws.ToString(out.Role.Arn)
}

// queue creates an SQS queue and returns its ARN.
func (e *lmEnv) queue(t *testing.T, name string) string {
	t.Helper()
	out, err := e.sqs.CreateQueue(ctx(t), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	attrs, err := e.sqs.GetQueueAttributes(ctx(t), &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("GetQueueAttributes %s: %v", name, err)
	}
	return attrs.Attributes["QueueArn"]
}

// zipInput is a CreateFunction request of a zip in S3.
func zipInput(name, role string) *lambda.CreateFunctionInput {
	return &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String(role), Runtime: lambdatypes.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"),
		Code:    &lambdatypes.FunctionCode{S3Bucket: aws.String("code"), S3Key: aws.String(name + ".zip")},
	}
}

// create creates a function of a zip in S3 and returns CreateFunction's answer.
func (e *lmEnv) create(t *testing.T, name, role string) *lambda.CreateFunctionOutput {
	t.Helper()
	return must(e.lm.CreateFunction(ctx(t), zipInput(name, role)))(t)
}

// lmEventually polls check (every 20ms, for at most 5s) until it succeeds.
func lmEventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lmWant checks an API error's code, HTTP status and message.
func lmWant(t *testing.T, err error, code string, status int, message string) {
	t.Helper()
	wantCode(t, err, code, status)
	var ae smithy.APIError
	errors.As(err, &ae)
	if message != "" && ae.ErrorMessage() != message {
		t.Fatalf("%s message = %q, want %q", code, ae.ErrorMessage(), message)
	}
}

func (e *lmEnv) config(t *testing.T, name string) *lambda.GetFunctionOutput {
	t.Helper()
	return must(e.lm.GetFunction(ctx(t), &lambda.GetFunctionInput{FunctionName: aws.String(name)}))(t)
}

// waitActive waits until a function is Active with its last update
// Successful, and returns GetFunction's answer.
func (e *lmEnv) waitSettled(t *testing.T, name string) *lambda.GetFunctionOutput {
	t.Helper()
	var out *lambda.GetFunctionOutput
	lmEventually(t, name+" settles", func() error {
		out = e.config(t, name)
		c := out.Configuration
		if c.State != lambdatypes.StateActive || c.LastUpdateStatus != lambdatypes.LastUpdateStatusSuccessful {
			return fmt.Errorf("State %s, LastUpdateStatus %s", c.State, c.LastUpdateStatus)
		}
		return nil
	})
	return out
}

func sha256b64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func makeZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, body := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte(body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A function is Pending, then Active; an update is InProgress, then
// Successful; changes meanwhile are refused; the RevisionId changes with
// every change, as Lambda does.
func TestLambdaFunctionLifecycle(t *testing.T) {
	e := newLambdaEnv(t, lmDelays)
	c := ctx(t)
	role := e.role(t, "orders-role")
	const name = "orders"
	fnArn := "arn:aws:lambda:us-east-1:123456789012:function:orders"

	created := e.create(t, name, role)
	if aws.ToString(created.FunctionArn) != fnArn || aws.ToString(created.FunctionName) != name || aws.ToString(created.Role) != role {
		t.Fatalf("CreateFunction = %s %s %s", aws.ToString(created.FunctionArn), aws.ToString(created.FunctionName), aws.ToString(created.Role))
	}
	if created.State != lambdatypes.StatePending || created.StateReasonCode != lambdatypes.StateReasonCodeCreating ||
		aws.ToString(created.StateReason) != "The function is being created." || created.LastUpdateStatus != "" {
		t.Fatalf("new function: State %s %s %q, LastUpdateStatus %q", created.State, created.StateReasonCode,
			aws.ToString(created.StateReason), created.LastUpdateStatus)
	}
	// Lambda's defaults.
	if aws.ToInt32(created.Timeout) != 3 || aws.ToInt32(created.MemorySize) != 128 || created.Description == nil ||
		*created.Description != "" || aws.ToString(created.Version) != "$LATEST" || created.PackageType != lambdatypes.PackageTypeZip ||
		len(created.Architectures) != 1 || created.Architectures[0] != lambdatypes.ArchitectureX8664 ||
		aws.ToInt32(created.EphemeralStorage.Size) != 512 || created.TracingConfig.Mode != lambdatypes.TracingModePassThrough ||
		created.LoggingConfig.LogFormat != lambdatypes.LogFormatText || aws.ToString(created.LoggingConfig.LogGroup) != "/aws/lambda/orders" ||
		created.SnapStart.ApplyOn != lambdatypes.SnapStartApplyOnNone || created.Environment != nil ||
		created.Runtime != lambdatypes.RuntimeProvidedal2023 || aws.ToString(created.Handler) != "bootstrap" {
		t.Fatalf("defaults: %+v", created)
	}
	if want := sha256b64([]byte("code/orders.zip@")); aws.ToString(created.CodeSha256) != want {
		t.Fatalf("CodeSha256 = %s, want %s", aws.ToString(created.CodeSha256), want)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", aws.ToString(created.LastModified)); err != nil ||
		!strings.HasSuffix(aws.ToString(created.LastModified), "+0000") {
		t.Fatalf("LastModified %q: %v", aws.ToString(created.LastModified), err)
	}

	// A function of that name exists.
	_, err := e.lm.CreateFunction(c, zipInput(name, role))
	lmWant(t, err, "ResourceConflictException", 409, "Function already exist: orders")
	var conflict *lambdatypes.ResourceConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("want *ResourceConflictException, got %T", err)
	}

	// Pending: read as such, and an update is refused.
	if got := e.config(t, name).Configuration; got.State != lambdatypes.StatePending || got.LastUpdateStatus != "" {
		t.Fatalf("GetFunction while creating: %s %s", got.State, got.LastUpdateStatus)
	}
	inProgress := "The operation cannot be performed at this time. An update is in progress for resource: " + fnArn
	_, err = e.lm.UpdateFunctionConfiguration(c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name), MemorySize: aws.Int32(256)})
	lmWant(t, err, "ResourceConflictException", 409, inProgress)

	settled := e.waitSettled(t, name)
	if aws.ToString(settled.Configuration.RevisionId) == aws.ToString(created.RevisionId) {
		t.Fatal("RevisionId did not change when the function became Active")
	}
	if settled.Code == nil || aws.ToString(settled.Code.RepositoryType) != "S3" || aws.ToString(settled.Code.Location) == "" ||
		settled.Tags != nil || settled.Concurrency != nil {
		t.Fatalf("GetFunction Code %+v Tags %v Concurrency %v", settled.Code, settled.Tags, settled.Concurrency)
	}

	// A stale RevisionId.
	_, err = e.lm.UpdateFunctionConfiguration(c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name),
		Description: aws.String("x"), RevisionId: created.RevisionId})
	lmWant(t, err, "PreconditionFailedException", 412, "")

	// An update: InProgress, then Successful with the new configuration.
	updated := must(e.lm.UpdateFunctionConfiguration(c, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(fnArn), MemorySize: aws.Int32(512), Timeout: aws.Int32(30), Description: aws.String("orders"),
		Environment: &lambdatypes.Environment{Variables: map[string]string{"TABLE": "orders"}},
		RevisionId:  settled.Configuration.RevisionId,
	}))(t)
	if updated.LastUpdateStatus != lambdatypes.LastUpdateStatusInProgress || updated.LastUpdateStatusReasonCode != "Creating" ||
		updated.State != lambdatypes.StateActive || aws.ToInt32(updated.MemorySize) != 512 {
		t.Fatalf("UpdateFunctionConfiguration: %s %s %s %d", updated.LastUpdateStatus, updated.LastUpdateStatusReasonCode,
			updated.State, aws.ToInt32(updated.MemorySize))
	}
	_, err = e.lm.UpdateFunctionCode(c, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(name),
		S3Bucket: aws.String("code"), S3Key: aws.String("v2.zip")})
	lmWant(t, err, "ResourceConflictException", 409, inProgress)
	after := e.waitSettled(t, name).Configuration
	if aws.ToInt32(after.Timeout) != 30 || aws.ToString(after.Description) != "orders" || after.Environment.Variables["TABLE"] != "orders" ||
		aws.ToString(after.RevisionId) == aws.ToString(updated.RevisionId) {
		t.Fatalf("after the update: %+v", after)
	}

	// New code, and architecture.
	code := must(e.lm.UpdateFunctionCode(c, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(name),
		S3Bucket: aws.String("code"), S3Key: aws.String("v2.zip"), S3ObjectVersion: aws.String("3"),
		Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureArm64}}))(t)
	if aws.ToString(code.CodeSha256) != sha256b64([]byte("code/v2.zip@3")) || code.LastUpdateStatus != lambdatypes.LastUpdateStatusInProgress ||
		code.Architectures[0] != lambdatypes.ArchitectureArm64 {
		t.Fatalf("UpdateFunctionCode: %s %s %v", aws.ToString(code.CodeSha256), code.LastUpdateStatus, code.Architectures)
	}
	e.waitSettled(t, name)
	// GetFunctionConfiguration answers the same configuration.
	fc := must(e.lm.GetFunctionConfiguration(c, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)}))(t)
	if aws.ToString(fc.CodeSha256) != aws.ToString(code.CodeSha256) || fc.LastUpdateStatus != lambdatypes.LastUpdateStatusSuccessful {
		t.Fatalf("GetFunctionConfiguration: %+v", fc)
	}

	// Qualifiers: $LATEST is the function; no other version exists.
	must(e.lm.GetFunction(c, &lambda.GetFunctionInput{FunctionName: aws.String(name), Qualifier: aws.String("$LATEST")}))(t)
	_, err = e.lm.GetFunction(c, &lambda.GetFunctionInput{FunctionName: aws.String(name + ":1")})
	lmWant(t, err, "ResourceNotFoundException", 404, "Function not found: "+fnArn+":1")

	// Deleted.
	_, err = e.lm.DeleteFunction(c, &lambda.DeleteFunctionInput{FunctionName: aws.String(name), Qualifier: aws.String("$LATEST")})
	lmWant(t, err, "InvalidParameterValueException", 400, "$LATEST version cannot be deleted without deleting the function.")
	must(e.lm.DeleteFunction(c, &lambda.DeleteFunctionInput{FunctionName: aws.String(name)}))(t)
	var notFound *lambdatypes.ResourceNotFoundException
	_, err = e.lm.GetFunction(c, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if !errors.As(err, &notFound) {
		t.Fatalf("GetFunction after DeleteFunction: %v", err)
	}
	lmWant(t, err, "ResourceNotFoundException", 404, "Function not found: "+fnArn)
	_, err = e.lm.DeleteFunction(c, &lambda.DeleteFunctionInput{FunctionName: aws.String(name)})
	lmWant(t, err, "ResourceNotFoundException", 404, "Function not found: "+fnArn)
	_, err = e.lm.UpdateFunctionConfiguration(c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name), Timeout: aws.Int32(5)})
	lmWant(t, err, "ResourceNotFoundException", 404, "Function not found: "+fnArn)
	if _, ok := e.srv.Function(name); ok {
		t.Fatal("Function() finds a deleted function")
	}

	// The name can be used again.
	again := e.create(t, name, role)
	if again.State != lambdatypes.StatePending {
		t.Fatalf("re-created: %s", again.State)
	}
	if calls := e.srv.Calls(); calls["lambda:CreateFunction"] != 3 || calls["lambda:UpdateFunctionCode"] != 2 ||
		calls["lambda:GetFunction"] < 5 || calls["lambda:DeleteFunction"] != 3 {
		t.Fatalf("Calls() = %v", calls)
	}
}

// CreateFunction and UpdateFunctionConfiguration check requests as Lambda
// does.
func TestLambdaFunctionValidation(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "fn-role")
	long := strings.Repeat("a", 65)
	bigEnv := map[string]string{"BIG": strings.Repeat("x", 4100)}
	for _, tc := range []struct {
		name    string
		edit    func(in *lambda.CreateFunctionInput)
		code    string
		status  int
		message string
	}{
		{"not a role ARN", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("r1") }, "ValidationException", 400,
			"1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: " + roleArnPattern},
		{"a role that does not exist", func(in *lambda.CreateFunctionInput) {
			in.Role = aws.String("arn:aws:iam::123456789012:role/missing")
		}, "InvalidParameterValueException", 400, "The role defined for the function cannot be assumed by Lambda."},
		{"long name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String(long) }, "InvalidParameterValueException", 400,
			"1 validation error detected: Value '" + long + "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"bad name", func(in *lambda.CreateFunctionInput) { in.FunctionName = aws.String("a b") }, "ValidationException", 400, ""},
		{"memory too small", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) }, "ValidationException", 400,
			"1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
		{"memory too large", func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(10241) }, "ValidationException", 400,
			"1 validation error detected: Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"timeout 0", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(0) }, "ValidationException", 400, ""},
		{"timeout 901", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) }, "ValidationException", 400,
			"1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"unknown runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "python2.7" }, "InvalidParameterValueException", 400, ""},
		{"deprecated runtime", func(in *lambda.CreateFunctionInput) { in.Runtime = "go1.x" }, "InvalidParameterValueException", 400,
			"The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."},
		{"no handler", func(in *lambda.CreateFunctionInput) { in.Handler = nil }, "InvalidParameterValueException", 400,
			"Runtime and Handler are mandatory parameters for functions created with deployment packages."},
		{"handler with a space", func(in *lambda.CreateFunctionInput) { in.Handler = aws.String("a b") }, "ValidationException", 400, ""},
		{"two architectures", func(in *lambda.CreateFunctionInput) {
			in.Architectures = []lambdatypes.Architecture{"x86_64", "arm64"}
		}, "ValidationException", 400,
			"1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"},
		{"unknown architecture", func(in *lambda.CreateFunctionInput) { in.Architectures = []lambdatypes.Architecture{"X86_64"} },
			"ValidationException", 400, ""},
		{"reserved variable", func(in *lambda.CreateFunctionInput) {
			in.Environment = &lambdatypes.Environment{Variables: map[string]string{"AWS_REGION": "x"}}
		}, "InvalidParameterValueException", 400, ""},
		{"variable name", func(in *lambda.CreateFunctionInput) {
			in.Environment = &lambdatypes.Environment{Variables: map[string]string{"1X": "x"}}
		}, "ValidationException", 400, ""},
		{"4 KB of variables", func(in *lambda.CreateFunctionInput) { in.Environment = &lambdatypes.Environment{Variables: bigEnv} },
			"InvalidParameterValueException", 400, ""},
		{"ephemeral storage", func(in *lambda.CreateFunctionInput) {
			in.EphemeralStorage = &lambdatypes.EphemeralStorage{Size: aws.Int32(100)}
		}, "ValidationException", 400, ""},
		{"a layer", func(in *lambda.CreateFunctionInput) {
			in.Layers = []string{"arn:aws:lambda:us-east-1:123456789012:layer:l:1"}
		}, "InvalidParameterValueException", 400, "Layer version arn:aws:lambda:us-east-1:123456789012:layer:l:1 does not exist."},
		{"no code", func(in *lambda.CreateFunctionInput) { in.Code = &lambdatypes.FunctionCode{} }, "InvalidParameterValueException", 400, ""},
		{"an image URI for a zip", func(in *lambda.CreateFunctionInput) {
			in.Code = &lambdatypes.FunctionCode{ImageUri: aws.String("123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:1")}
		}, "InvalidParameterValueException", 400, ""},
		{"an image that is not in ECR", func(in *lambda.CreateFunctionInput) {
			in.PackageType, in.Runtime, in.Handler = lambdatypes.PackageTypeImage, "", nil
			in.Code = &lambdatypes.FunctionCode{ImageUri: aws.String("docker.io/library/fn:1")}
		}, "InvalidParameterValueException", 400, "Source image docker.io/library/fn:1 is not valid. Provide a valid source image."},
		{"a code signing config", func(in *lambda.CreateFunctionInput) {
			in.CodeSigningConfigArn = aws.String("arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg")
		}, "CodeSigningConfigNotFoundException", 404, ""},
		{"text logs with a level", func(in *lambda.CreateFunctionInput) {
			in.LoggingConfig = &lambdatypes.LoggingConfig{ApplicationLogLevel: lambdatypes.ApplicationLogLevelDebug}
		}, "InvalidParameterValueException", 400, ""},
		{"51 tags", func(in *lambda.CreateFunctionInput) {
			in.Tags = map[string]string{}
			for i := range 51 {
				in.Tags[fmt.Sprint("k", i)] = "v"
			}
		}, "InvalidParameterValueException", 400, "Number of tags exceeds resource tag limit."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := zipInput("fn", role)
			tc.edit(in)
			_, err := e.lm.CreateFunction(c, in)
			lmWant(t, err, tc.code, tc.status, tc.message)
		})
	}
	if fns := e.srv.Functions(); len(fns) != 0 {
		t.Fatalf("refused creates made functions: %v", fns)
	}

	// The same checks on update, and the role must exist there too.
	e.create(t, "fn", role)
	for _, in := range []*lambda.UpdateFunctionConfigurationInput{
		{FunctionName: aws.String("fn"), MemorySize: aws.Int32(0)},
		{FunctionName: aws.String("fn"), Timeout: aws.Int32(1000)},
		{FunctionName: aws.String("fn"), Role: aws.String("arn:aws:iam::123456789012:role/missing")},
		{FunctionName: aws.String("fn"), Runtime: "nodejs12.x"},
	} {
		if _, err := e.lm.UpdateFunctionConfiguration(c, in); err == nil {
			t.Fatalf("UpdateFunctionConfiguration(%+v) succeeded", in)
		}
	}
	if f, _ := e.srv.Function("fn"); f.MemorySize != 128 || f.Timeout != 3 || f.Role != role {
		t.Fatalf("refused updates changed the function: %+v", f)
	}
}

// An image function: its code is the image; GetFunction answers its ECR
// location.
func TestLambdaImageFunction(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "img-role")
	digest := strings.Repeat("ab", 32)
	uri := "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn@sha256:" + digest
	out := must(e.lm.CreateFunction(c, &lambda.CreateFunctionInput{FunctionName: aws.String("img"), Role: aws.String(role),
		PackageType: lambdatypes.PackageTypeImage, Code: &lambdatypes.FunctionCode{ImageUri: aws.String(uri)},
		ImageConfig: &lambdatypes.ImageConfig{Command: []string{"serve"}}}))(t)
	if aws.ToString(out.CodeSha256) != digest || out.Runtime != "" || out.Handler != nil ||
		out.ImageConfigResponse == nil || out.ImageConfigResponse.ImageConfig.Command[0] != "serve" {
		t.Fatalf("CreateFunction of an image: %+v", out)
	}
	got := must(e.lm.GetFunction(c, &lambda.GetFunctionInput{FunctionName: aws.String("img")}))(t)
	if aws.ToString(got.Code.RepositoryType) != "ECR" || aws.ToString(got.Code.ImageUri) != uri ||
		aws.ToString(got.Code.ResolvedImageUri) != "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn@sha256:"+digest {
		t.Fatalf("GetFunction Code = %+v", got.Code)
	}
	_, err := e.lm.UpdateFunctionCode(c, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("img"), S3Bucket: aws.String("b"), S3Key: aws.String("k")})
	lmWant(t, err, "InvalidParameterValueException", 400, "Please provide ImageUri when updating a function with packageType Image.")
}

// With a CodeSource, the zip is read from it: its digest and size are the
// function's, and what S3 does not have is refused as Lambda refuses it.
func TestLambdaCodeSource(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "code-role")
	v1 := makeZip(t, map[string]string{"bootstrap": "v1"})
	v2 := makeZip(t, map[string]string{"bootstrap": "v2"})
	objects := map[string][]byte{"code/fn.zip": v1, "code/fn.zip@2": v2, "code/notazip": []byte("hello")}
	var reads []string
	e.srv.SetCodeSource(func(bucket, key, version string) ([]byte, error) {
		reads = append(reads, bucket+"/"+key+"@"+version)
		if bucket != "code" {
			return nil, fmt.Errorf("get %s: %w", bucket, ErrNoSuchBucket)
		}
		k := bucket + "/" + key
		if version != "" {
			k += "@" + version
		}
		if b, ok := objects[k]; ok {
			return b, nil
		}
		if key == "elsewhere.zip" {
			return nil, fmt.Errorf("not held here: %w", ErrPackageNotHeld)
		}
		return nil, errors.New("NoSuchKey")
	})

	out := e.create(t, "fn", role)
	if aws.ToString(out.CodeSha256) != sha256b64(v1) || out.CodeSize != int64(len(v1)) {
		t.Fatalf("CodeSha256 %s CodeSize %d, want %s %d", aws.ToString(out.CodeSha256), out.CodeSize, sha256b64(v1), len(v1))
	}
	up := must(e.lm.UpdateFunctionCode(c, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"),
		S3Bucket: aws.String("code"), S3Key: aws.String("fn.zip"), S3ObjectVersion: aws.String("2")}))(t)
	if aws.ToString(up.CodeSha256) != sha256b64(v2) || up.CodeSize != int64(len(v2)) {
		t.Fatalf("UpdateFunctionCode: %s %d", aws.ToString(up.CodeSha256), up.CodeSize)
	}
	if f, _ := e.srv.Function("fn"); f.CodeSha256 != sha256b64(v2) || f.S3ObjectVersion != "2" || f.S3Key != "fn.zip" {
		t.Fatalf("Function() = %+v", f)
	}
	if len(reads) != 2 || reads[1] != "code/fn.zip@2" {
		t.Fatalf("reads = %v", reads)
	}

	for _, tc := range []struct{ bucket, key, message string }{
		{"code", "missing.zip", "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist."},
		{"nobucket", "fn.zip", "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist"},
		{"code", "notazip", "Could not unzip uploaded file. Please check your file, then try to upload again."},
	} {
		in := zipInput("other", role)
		in.Code = &lambdatypes.FunctionCode{S3Bucket: aws.String(tc.bucket), S3Key: aws.String(tc.key)}
		_, err := e.lm.CreateFunction(c, in)
		lmWant(t, err, "InvalidParameterValueException", 400, tc.message)
		_, err = e.lm.UpdateFunctionCode(c, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"),
			S3Bucket: aws.String(tc.bucket), S3Key: aws.String(tc.key)})
		lmWant(t, err, "InvalidParameterValueException", 400, tc.message)
	}

	// A package the source does not hold, at a location that may be right:
	// the function is made (its sha256 that of the location), and its
	// invocations would answer the source's error.
	held := zipInput("elsewhere", role)
	held.Code = &lambdatypes.FunctionCode{S3Bucket: aws.String("code"), S3Key: aws.String("elsewhere.zip")}
	if out, err := e.lm.CreateFunction(c, held); err != nil || aws.ToString(out.CodeSha256) == "" {
		t.Fatalf("a package the source does not hold: %v", err)
	}

	// A zip uploaded in the request.
	in := zipInput("inline", role)
	in.Code = &lambdatypes.FunctionCode{ZipFile: v1}
	if out := must(e.lm.CreateFunction(c, in))(t); aws.ToString(out.CodeSha256) != sha256b64(v1) {
		t.Fatalf("ZipFile: CodeSha256 %s", aws.ToString(out.CodeSha256))
	}
	in = zipInput("badzip", role)
	in.Code = &lambdatypes.FunctionCode{ZipFile: []byte("not a zip")}
	_, err := e.lm.CreateFunction(c, in)
	lmWant(t, err, "InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again.")
}

// FailNextFunctionUpdate makes the next update end Failed after its delay;
// FailNextFunctionCreate the next create.
func TestLambdaFailedUpdateAndCreate(t *testing.T) {
	e := newLambdaEnv(t, lmDelays)
	c := ctx(t)
	role := e.role(t, "role")
	e.create(t, "fn", role)
	e.waitSettled(t, "fn")

	e.srv.FailNextFunctionUpdate("fn", "InvalidConfiguration", "The handler does not exist.")
	out := must(e.lm.UpdateFunctionConfiguration(c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"),
		Handler: aws.String("main")}))(t)
	if out.LastUpdateStatus != lambdatypes.LastUpdateStatusInProgress {
		t.Fatalf("a failing update starts InProgress, got %s", out.LastUpdateStatus)
	}
	lmEventually(t, "the update fails", func() error {
		got := e.config(t, "fn").Configuration
		if got.LastUpdateStatus != lambdatypes.LastUpdateStatusFailed || got.LastUpdateStatusReasonCode != "InvalidConfiguration" ||
			aws.ToString(got.LastUpdateStatusReason) != "The handler does not exist." || got.State != lambdatypes.StateActive {
			return fmt.Errorf("%s %s %q %s", got.LastUpdateStatus, got.LastUpdateStatusReasonCode, aws.ToString(got.LastUpdateStatusReason), got.State)
		}
		return nil
	})
	if f, _ := e.srv.Function("fn"); f.LastUpdateStatus != "Failed" || f.LastUpdateStatusReasonCode != "InvalidConfiguration" {
		t.Fatalf("Function() = %+v", f)
	}
	// Only the next update fails.
	must(e.lm.UpdateFunctionConfiguration(c, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"),
		Handler: aws.String("bootstrap")}))(t)
	e.waitSettled(t, "fn")

	e.srv.FailNextFunctionCreate("broken", "InvalidConfiguration", "The role defined for the function cannot be assumed by Lambda.")
	e.create(t, "broken", role)
	lmEventually(t, "the create fails", func() error {
		got := e.config(t, "broken").Configuration
		if got.State != lambdatypes.StateFailed || got.StateReasonCode != "InvalidConfiguration" ||
			aws.ToString(got.StateReason) != "The role defined for the function cannot be assumed by Lambda." {
			return fmt.Errorf("%s %s %q", got.State, got.StateReasonCode, aws.ToString(got.StateReason))
		}
		return nil
	})
}

// Reserved concurrency and code signing, as lambda-controller reads and
// writes them.
func TestLambdaConcurrencyAndCodeSigning(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "role")
	e.create(t, "fn", role)
	e.create(t, "other", role)

	got := must(e.lm.GetFunctionConcurrency(c, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("fn")}))(t)
	if got.ReservedConcurrentExecutions != nil {
		t.Fatalf("no reservation: %v", *got.ReservedConcurrentExecutions)
	}
	put := must(e.lm.PutFunctionConcurrency(c, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"),
		ReservedConcurrentExecutions: aws.Int32(5)}))(t)
	if aws.ToInt32(put.ReservedConcurrentExecutions) != 5 {
		t.Fatalf("PutFunctionConcurrency = %v", put.ReservedConcurrentExecutions)
	}
	if got := must(e.lm.GetFunctionConcurrency(c, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("fn")}))(t); aws.ToInt32(got.ReservedConcurrentExecutions) != 5 {
		t.Fatalf("GetFunctionConcurrency = %v", got.ReservedConcurrentExecutions)
	}
	if fn := e.config(t, "fn"); fn.Concurrency == nil || aws.ToInt32(fn.Concurrency.ReservedConcurrentExecutions) != 5 {
		t.Fatalf("GetFunction Concurrency = %+v", fn.Concurrency)
	}
	_, err := e.lm.PutFunctionConcurrency(c, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn:live"),
		ReservedConcurrentExecutions: aws.Int32(1)})
	lmWant(t, err, "InvalidParameterValueException", 400, "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.")
	// 5 + 896 leaves 99 of 1000 unreserved.
	_, err = e.lm.PutFunctionConcurrency(c, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("other"),
		ReservedConcurrentExecutions: aws.Int32(896)})
	lmWant(t, err, "InvalidParameterValueException", 400, "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].")
	must(e.lm.PutFunctionConcurrency(c, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("other"),
		ReservedConcurrentExecutions: aws.Int32(895)}))(t)
	_, err = e.lm.PutFunctionConcurrency(c, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("missing"),
		ReservedConcurrentExecutions: aws.Int32(1)})
	lmWant(t, err, "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing:$LATEST")
	must(e.lm.DeleteFunctionConcurrency(c, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("fn")}))(t)
	if got := must(e.lm.GetFunctionConcurrency(c, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("fn")}))(t); got.ReservedConcurrentExecutions != nil {
		t.Fatal("DeleteFunctionConcurrency left a reservation")
	}
	if f, _ := e.srv.Function("other"); f.ReservedConcurrentExecutions == nil || *f.ReservedConcurrentExecutions != 895 {
		t.Fatalf("Function().ReservedConcurrentExecutions = %v", f.ReservedConcurrentExecutions)
	}

	csc := must(e.lm.GetFunctionCodeSigningConfig(c, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("fn")}))(t)
	if csc.CodeSigningConfigArn != nil {
		t.Fatalf("GetFunctionCodeSigningConfig = %v", *csc.CodeSigningConfigArn)
	}
	_, err = e.lm.PutFunctionCodeSigningConfig(c, &lambda.PutFunctionCodeSigningConfigInput{FunctionName: aws.String("fn"),
		CodeSigningConfigArn: aws.String("arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg")})
	var cscNotFound *lambdatypes.CodeSigningConfigNotFoundException
	if !errors.As(err, &cscNotFound) {
		t.Fatalf("PutFunctionCodeSigningConfig: %v", err)
	}
	lmWant(t, err, "CodeSigningConfigNotFoundException", 404, "")
	must(e.lm.DeleteFunctionCodeSigningConfig(c, &lambda.DeleteFunctionCodeSigningConfigInput{FunctionName: aws.String("fn")}))(t)
	_, err = e.lm.GetFunctionCodeSigningConfig(c, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("missing")})
	lmWant(t, err, "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing")
}

// Asynchronous invocation settings: Put replaces, Update merges, and the
// answer carries what Lambda's does.
func TestLambdaEventInvokeConfig(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "role")
	e.create(t, "fn", role)
	e.create(t, "target", role)
	fnArn := "arn:aws:lambda:us-east-1:123456789012:function:fn"
	missing := "The function " + fnArn + ":$LATEST doesn't have an EventInvokeConfig"

	_, err := e.lm.GetFunctionEventInvokeConfig(c, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")})
	lmWant(t, err, "ResourceNotFoundException", 404, missing)

	put := must(e.lm.PutFunctionEventInvokeConfig(c, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"),
		MaximumRetryAttempts: aws.Int32(0)}))(t)
	if aws.ToString(put.FunctionArn) != fnArn+":$LATEST" || aws.ToInt32(put.MaximumRetryAttempts) != 0 || put.MaximumRetryAttempts == nil ||
		put.MaximumEventAgeInSeconds != nil || put.DestinationConfig == nil || put.DestinationConfig.OnFailure == nil ||
		put.DestinationConfig.OnSuccess == nil || put.LastModified == nil {
		t.Fatalf("PutFunctionEventInvokeConfig = %+v", put)
	}
	// Put replaces.
	put = must(e.lm.PutFunctionEventInvokeConfig(c, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"),
		MaximumEventAgeInSeconds: aws.Int32(60)}))(t)
	if put.MaximumRetryAttempts != nil || aws.ToInt32(put.MaximumEventAgeInSeconds) != 60 {
		t.Fatalf("Put does not replace: %+v", put)
	}
	// Update merges.
	queue := "arn:aws:sqs:us-east-1:123456789012:failures"
	must(e.lm.UpdateFunctionEventInvokeConfig(c, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"),
		MaximumRetryAttempts: aws.Int32(1), DestinationConfig: &lambdatypes.DestinationConfig{
			OnFailure: &lambdatypes.OnFailure{Destination: aws.String(queue)}}}))(t)
	got := must(e.lm.GetFunctionEventInvokeConfig(c, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")}))(t)
	if aws.ToInt32(got.MaximumRetryAttempts) != 1 || aws.ToInt32(got.MaximumEventAgeInSeconds) != 60 ||
		aws.ToString(got.DestinationConfig.OnFailure.Destination) != queue || got.DestinationConfig.OnSuccess.Destination != nil {
		t.Fatalf("GetFunctionEventInvokeConfig = %+v", got)
	}

	for _, tc := range []struct {
		in      *lambda.PutFunctionEventInvokeConfigInput
		code    string
		message string
	}{
		{&lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")}, "InvalidParameterValueException",
			"You must specify at least one of error handling or destination setting."},
		{&lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"), MaximumRetryAttempts: aws.Int32(3)}, "ValidationException", ""},
		{&lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"), MaximumEventAgeInSeconds: aws.Int32(59)}, "ValidationException", ""},
		{&lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"), DestinationConfig: &lambdatypes.DestinationConfig{
			OnSuccess: &lambdatypes.OnSuccess{Destination: aws.String(fnArn)}}}, "InvalidParameterValueException",
			"You can't specify the function as a destination for itself."},
		{&lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"), DestinationConfig: &lambdatypes.DestinationConfig{
			OnSuccess: &lambdatypes.OnSuccess{Destination: aws.String("arn:aws:lambda:us-east-1:123456789012:function:doesnotexist")}}},
			"InvalidParameterValueException", "The destination ARN arn:aws:lambda:us-east-1:123456789012:function:doesnotexist is invalid."},
	} {
		_, err := e.lm.PutFunctionEventInvokeConfig(c, tc.in)
		lmWant(t, err, tc.code, 400, tc.message)
	}
	must(e.lm.PutFunctionEventInvokeConfig(c, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"),
		DestinationConfig: &lambdatypes.DestinationConfig{OnSuccess: &lambdatypes.OnSuccess{
			Destination: aws.String("arn:aws:lambda:us-east-1:123456789012:function:target")}}}))(t)
	_, err = e.lm.PutFunctionEventInvokeConfig(c, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("missing"),
		MaximumRetryAttempts: aws.Int32(1)})
	lmWant(t, err, "ResourceNotFoundException", 404, "The function doesn't exist.")

	must(e.lm.DeleteFunctionEventInvokeConfig(c, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")}))(t)
	_, err = e.lm.GetFunctionEventInvokeConfig(c, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")})
	lmWant(t, err, "ResourceNotFoundException", 404, missing)
	_, err = e.lm.DeleteFunctionEventInvokeConfig(c, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")})
	lmWant(t, err, "ResourceNotFoundException", 404, missing)
}

// Tags of functions: at create, by TagResource and UntagResource, in
// GetFunction; a change of tags is a new RevisionId.
func TestLambdaFunctionTags(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "role")
	in := zipInput("fn", role)
	in.Tags = map[string]string{"team": "orders", "env": "dev"}
	must(e.lm.CreateFunction(c, in))(t)
	fnArn := "arn:aws:lambda:us-east-1:123456789012:function:fn"
	list := func() map[string]string {
		return must(e.lm.ListTags(c, &lambda.ListTagsInput{Resource: aws.String(fnArn)}))(t).Tags
	}
	if tags := list(); len(tags) != 2 || tags["team"] != "orders" {
		t.Fatalf("ListTags = %v", tags)
	}
	before := e.config(t, "fn")
	if before.Tags["env"] != "dev" {
		t.Fatalf("GetFunction Tags = %v", before.Tags)
	}
	must(e.lm.TagResource(c, &lambda.TagResourceInput{Resource: aws.String(fnArn), Tags: map[string]string{"env": "prod", "x": "y"}}))(t)
	after := e.config(t, "fn")
	if after.Tags["env"] != "prod" || after.Tags["x"] != "y" || len(after.Tags) != 3 {
		t.Fatalf("after TagResource: %v", after.Tags)
	}
	if aws.ToString(after.Configuration.RevisionId) == aws.ToString(before.Configuration.RevisionId) {
		t.Fatal("TagResource kept the RevisionId")
	}
	must(e.lm.UntagResource(c, &lambda.UntagResourceInput{Resource: aws.String(fnArn), TagKeys: []string{"x", "team", "absent"}}))(t)
	if tags := list(); len(tags) != 1 || tags["env"] != "prod" {
		t.Fatalf("after UntagResource: %v", tags)
	}
	must(e.lm.UntagResource(c, &lambda.UntagResourceInput{Resource: aws.String(fnArn), TagKeys: []string{"env"}}))(t)
	if tags := list(); tags == nil || len(tags) != 0 {
		t.Fatalf("ListTags without tags = %#v", tags)
	}
	if got := e.config(t, "fn"); got.Tags != nil {
		t.Fatalf("GetFunction without tags carries Tags %v", got.Tags)
	}

	_, err := e.lm.TagResource(c, &lambda.TagResourceInput{Resource: aws.String(fnArn), Tags: map[string]string{}})
	lmWant(t, err, "InvalidParameterValueException", 400, "An error occurred and the request cannot be processed.")
	_, err = e.lm.TagResource(c, &lambda.TagResourceInput{Resource: aws.String(fnArn + ":live"), Tags: map[string]string{"a": "b"}})
	lmWant(t, err, "InvalidParameterValueException", 400, "Tags on function aliases and versions are not supported. Please specify a function ARN.")
	_, err = e.lm.ListTags(c, &lambda.ListTagsInput{Resource: aws.String(strings.Replace(fnArn, ":fn", ":missing", 1))})
	lmWant(t, err, "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing")
	_, err = e.lm.ListTags(c, &lambda.ListTagsInput{Resource: aws.String("arn:aws:lambda:us-east-1:123456789012:foobar:x")})
	lmWant(t, err, "ValidationException", 400, "")
	many := map[string]string{}
	for i := range 51 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = e.lm.TagResource(c, &lambda.TagResourceInput{Resource: aws.String(fnArn), Tags: many})
	lmWant(t, err, "InvalidParameterValueException", 400, "Number of tags exceeds resource tag limit.")
}

// The permission operations: lax by default (every name exists); with
// RequireFunctions, only functions that were created, with Lambda's answers
// for the others. Deleting a function drops its policy.
func TestLambdaPermissionsOfFunctions(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	add := func(fn string) error {
		_, err := e.lm.AddPermission(c, &lambda.AddPermissionInput{FunctionName: aws.String(fn), StatementId: aws.String("s"),
			Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("events.amazonaws.com")})
		return err
	}
	if err := add("never-created"); err != nil {
		t.Fatalf("lax AddPermission: %v", err)
	}

	e.srv.RequireFunctions(true)
	arn := "arn:aws:lambda:us-east-1:123456789012:function:ghost"
	lmWant(t, add("ghost"), "ResourceNotFoundException", 404, "Function not found: "+arn)
	_, err := e.lm.GetPolicy(c, &lambda.GetPolicyInput{FunctionName: aws.String("ghost")})
	lmWant(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	_, err = e.lm.RemovePermission(c, &lambda.RemovePermissionInput{FunctionName: aws.String("ghost"), StatementId: aws.String("s")})
	lmWant(t, err, "ResourceNotFoundException", 404, "No policy found for: "+arn)

	role := e.role(t, "role")
	e.create(t, "real", role)
	if err := add("real"); err != nil {
		t.Fatalf("AddPermission of a created function: %v", err)
	}
	_, err = e.lm.RemovePermission(c, &lambda.RemovePermissionInput{FunctionName: aws.String("real"), StatementId: aws.String("other")})
	lmWant(t, err, "ResourceNotFoundException", 404, "Statement other is not found in resource policy.")
	must(e.lm.DeleteFunction(c, &lambda.DeleteFunctionInput{FunctionName: aws.String("real")}))(t)
	if p := e.srv.Policy("real"); len(p) != 0 {
		t.Fatalf("a deleted function keeps its policy: %+v", p)
	}
	lmWant(t, add("real"), "ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:real")

	// Lax again: a deleted function stays deleted, a re-created one exists.
	e.srv.RequireFunctions(false)
	lmWant(t, add("real"), "ResourceNotFoundException", 404, "")
	e.create(t, "real", role)
	if err := add("real"); err != nil {
		t.Fatalf("AddPermission after re-creating: %v", err)
	}
	// The test control deletes a created function too.
	e.srv.DeleteFunction("real")
	if _, ok := e.srv.Function("real"); ok {
		t.Fatal("DeleteFunction() left the function")
	}
	_, err = e.lm.GetFunction(c, &lambda.GetFunctionInput{FunctionName: aws.String("real")})
	lmWant(t, err, "ResourceNotFoundException", 404, "")
}

// Resources lists functions and mappings; Function snapshots one.
func TestLambdaResourcesAndSnapshot(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	c := ctx(t)
	role := e.role(t, "role")
	queue := e.queue(t, "jobs")
	in := zipInput("fn", role)
	in.Environment = &lambdatypes.Environment{Variables: map[string]string{"A1": "b"}}
	in.Tags = map[string]string{"k": "v"}
	in.DeadLetterConfig = &lambdatypes.DeadLetterConfig{TargetArn: aws.String(queue)}
	must(e.lm.CreateFunction(c, in))(t)
	m := must(e.lm.CreateEventSourceMapping(c, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fn"),
		EventSourceArn: aws.String(queue)}))(t)

	res := e.srv.Resources()
	want := []string{"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:" + aws.ToString(m.UUID),
		"arn:aws:lambda:us-east-1:123456789012:function:fn"}
	for _, w := range want {
		found := false
		for _, r := range res {
			found = found || r == w
		}
		if !found {
			t.Fatalf("Resources() = %v, want %s in it", res, w)
		}
	}
	f, ok := e.srv.Function("arn:aws:lambda:us-east-1:123456789012:function:fn")
	if !ok || f.Name != "fn" || f.Runtime != "provided.al2023" || f.Environment["A1"] != "b" || f.Tags["k"] != "v" ||
		f.DeadLetterTargetArn != queue || f.State != "Active" || f.LastUpdateStatus != "Successful" || f.RevisionID == "" ||
		f.S3Bucket != "code" || f.Role != role {
		t.Fatalf("Function() = %+v, %v", f, ok)
	}
	if _, ok := e.srv.Function("nope"); ok {
		t.Fatal("Function(nope) found one")
	}
}

// The wire format of what the SDK does not check: status codes, the error
// header and body.
func TestLambdaFunctionWire(t *testing.T) {
	e := newLambdaEnv(t, Delays{})
	url := e.srv.URL()
	do := func(method, path, body string) *http.Response {
		resp, _ := rawCall(t, method, url+path, http.Header{"Content-Type": {"application/json"}}, body)
		return resp
	}
	role := e.role(t, "role")
	resp := do("POST", "/2015-03-31/functions", `{"FunctionName":"fn","Role":"`+role+`","Runtime":"python3.12","Handler":"h.h","Code":{"S3Bucket":"b","S3Key":"k"}}`)
	if resp.StatusCode != 201 {
		t.Fatalf("CreateFunction: %d", resp.StatusCode)
	}
	if resp := do("DELETE", "/2017-10-31/functions/fn/concurrency", ""); resp.StatusCode != 204 {
		t.Fatalf("DeleteFunctionConcurrency: %d", resp.StatusCode)
	}
	resp = do("GET", "/2015-03-31/functions/missing", "")
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-Errortype") != "ResourceNotFoundException" {
		t.Fatalf("GetFunction of a missing function: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := do("GET", "/2015-03-31/functions/fn/nothing", ""); resp.StatusCode != 404 || resp.Header.Get("X-Amzn-Errortype") != "UnknownOperationException" {
		t.Fatalf("unknown route: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := do("GET", "/2016-01-01/functions/fn", ""); resp.StatusCode != 404 || resp.Header.Get("X-Amzn-Errortype") != "UnknownOperationException" {
		t.Fatalf("unknown API version: %d", resp.StatusCode)
	}
}
