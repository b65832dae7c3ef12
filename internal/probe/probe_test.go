package probe

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/internal/outcome"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// env is a local AWS with the clients the tests create resources through
// and probe with.
type env struct {
	srv *localaws.Server
	lm  *lambda.Client
	sf  *sfn.Client
	iam *iam.Client
	sqs *sqs.Client
}

// newEnv starts a local AWS with these delays (roles propagate at once) and
// clients that do not retry, so that an injected fault reaches the probe.
func newEnv(t *testing.T, d localaws.Delays) *env {
	t.Helper()
	srv := localaws.New()
	d.RolePropagation = 0
	srv.Delays = d
	srv.RequireFunctions(true)
	cfg := srv.StartForTest(t)
	return &env{srv: srv, lm: lambda.NewFromConfig(cfg), sf: sfn.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), sqs: sqs.NewFromConfig(cfg)}
}

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// role creates an IAM role Lambda may assume and returns its ARN.
func (e *env) role(t *testing.T, name string) string {
	t.Helper()
	out, err := e.iam.CreateRole(testCtx(t), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return aws.ToString(out.Role.Arn)
}

// queue creates an SQS queue and returns its ARN.
func (e *env) queue(t *testing.T, name string) string {
	t.Helper()
	out, err := e.sqs.CreateQueue(testCtx(t), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	attrs, err := e.sqs.GetQueueAttributes(testCtx(t), &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("GetQueueAttributes %s: %v", name, err)
	}
	return attrs.Attributes["QueueArn"]
}

// codeSHA is a CodeSha256 as Lambda spells it (base64 of a SHA-256).
func codeSHA(content string) string {
	sum := sha256.Sum256([]byte(content))
	return base64.StdEncoding.EncodeToString(sum[:])
}

const (
	stackOwner = "shop/orders"
	codeBucket = "code"
	codeKeyV1  = "orders/v1.zip"
	codeKeyV2  = "orders/v2.zip"
)

var (
	shaV1 = codeSHA("v1")
	shaV2 = codeSHA("v2")
)

// createFunction creates a zip function whose package in S3 has hash shaV1,
// with settings that differ from Lambda's defaults, and returns its ARN.
func (e *env) createFunction(t *testing.T, name, role string, tags map[string]string) string {
	t.Helper()
	e.srv.SetCodeHash(codeBucket, codeKeyV1, "", shaV1)
	e.srv.SetCodeHash(codeBucket, codeKeyV2, "", shaV2)
	out, err := e.lm.CreateFunction(testCtx(t), &lambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Role:          aws.String(role),
		Runtime:       lambdatypes.RuntimePython312,
		Handler:       aws.String("app.handler"),
		Architectures: []lambdatypes.Architecture{lambdatypes.ArchitectureArm64},
		MemorySize:    aws.Int32(256),
		Timeout:       aws.Int32(30),
		Environment:   &lambdatypes.Environment{Variables: map[string]string{"TABLE": "orders", "MODE": "live"}},
		TracingConfig: &lambdatypes.TracingConfig{Mode: lambdatypes.TracingModeActive},
		Code:          &lambdatypes.FunctionCode{S3Bucket: aws.String(codeBucket), S3Key: aws.String(codeKeyV1)},
		Tags:          tags,
	})
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	if got := aws.ToString(out.CodeSha256); got != shaV1 {
		t.Fatalf("CreateFunction %s deployed code %s, want %s (SetCodeHash)", name, got, shaV1)
	}
	return aws.ToString(out.FunctionArn)
}

func stackTags() map[string]string {
	return map[string]string{render.TagStack: stackOwner, "team": "payments"}
}

// desiredFunction is the child that declares what createFunction made.
func desiredFunction(name, role string) *ack.Function {
	return &ack.Function{Spec: ack.FunctionSpec{
		Name:          ptr.To(name),
		Code:          &ack.FunctionCode{S3Bucket: ptr.To(codeBucket), S3Key: ptr.To(codeKeyV1), SHA256: ptr.To(shaV1)},
		PackageType:   ptr.To("Zip"),
		Runtime:       ptr.To("python3.12"),
		Handler:       ptr.To("app.handler"),
		Architectures: []*string{ptr.To("arm64")},
		MemorySize:    ptr.To[int64](256),
		Timeout:       ptr.To[int64](30),
		Environment:   &ack.Environment{Variables: map[string]*string{"TABLE": ptr.To("orders"), "MODE": ptr.To("live")}},
		TracingConfig: &ack.TracingConfig{Mode: ptr.To("Active")},
		Role:          ptr.To(role),
		Tags:          map[string]*string{render.TagStack: ptr.To(stackOwner), "team": ptr.To("payments")},
	}}
}

// Polling bounds: every wait loop stops after maxPolls probes or maxWait,
// whichever comes first.
const (
	pollEvery = 20 * time.Millisecond
	maxPolls  = 250
	maxWait   = 5 * time.Second
)

// eventually probes until done holds of the verdict, at most maxPolls times
// and for at most maxWait, and returns the last verdict; it fails the test
// if done never held.
func eventually(t *testing.T, what string, probe func() (Verdict, error), done func(Verdict) bool) Verdict {
	t.Helper()
	deadline := time.Now().Add(maxWait)
	var v Verdict
	for i := 0; i < maxPolls; i++ {
		var err error
		v, err = probe()
		if err != nil {
			t.Fatalf("%s: probe failed: %v", what, err)
		}
		if done(v) {
			return v
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(pollEvery)
	}
	t.Fatalf("%s: not reached after %d polls or %v; last verdict %+v", what, maxPolls, maxWait, v)
	return v
}

func settled(v Verdict) bool { return v.Settled }

func probeFunction(t *testing.T, e *env, want *ack.Function) func() (Verdict, error) {
	return func() (Verdict, error) { return Function(testCtx(t), e.lm, want) }
}

func mustFunction(t *testing.T, e *env, want *ack.Function) Verdict {
	t.Helper()
	v, err := Function(testCtx(t), e.lm, want)
	if err != nil {
		t.Fatalf("Function(%s): %v", ptr.Deref(want.Spec.Name, ""), err)
	}
	return v
}

// checkVerdict compares a whole verdict.
func checkVerdict(t *testing.T, what string, got, want Verdict) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// A function that holds what the child declares, and that Lambda has
// finished creating, is Settled and Idle; Owner is its stack tag in Lambda,
// whatever the child declares, and empty for a function without one.
func TestFunctionSettled(t *testing.T) {
	e := newEnv(t, localaws.Delays{FunctionCreate: 50 * time.Millisecond})
	role := e.role(t, "orders-fn-role")
	e.createFunction(t, "orders-fn", role, stackTags())
	want := desiredFunction("orders-fn", role)

	v := eventually(t, "orders-fn settles", probeFunction(t, e, want), settled)
	checkVerdict(t, "matching function", v, Verdict{Settled: true, Idle: true, Owner: stackOwner})

	// A child that declares only the name: nothing it declares differs.
	v = mustFunction(t, e, &ack.Function{Spec: ack.FunctionSpec{Name: ptr.To("orders-fn")}})
	checkVerdict(t, "child declaring only the name", v, Verdict{Settled: true, Idle: true, Owner: stackOwner})

	// Owner comes from Lambda, not from the child: another stack's function
	// reads as that stack's, and one without the tag as nobody's.
	e.createFunction(t, "other-fn", role, map[string]string{render.TagStack: "shop/billing"})
	e.createFunction(t, "untagged-fn", role, nil)
	for name, owner := range map[string]string{"other-fn": "shop/billing", "untagged-fn": ""} {
		w := desiredFunction(name, role)
		w.Spec.Tags = nil
		v := eventually(t, name+" settles", probeFunction(t, e, w), settled)
		checkVerdict(t, name, v, Verdict{Settled: true, Idle: true, Owner: owner})
	}
}

// Each field the function in Lambda holds otherwise than the child declares
// makes it Differ, named; it stays Idle (Lambda takes a change) and keeps
// its Owner.
func TestFunctionDiffers(t *testing.T) {
	e := newEnv(t, localaws.Delays{})
	role := e.role(t, "orders-fn-role")
	otherRole := e.role(t, "other-role")
	e.createFunction(t, "orders-fn", role, stackTags())
	eventually(t, "orders-fn settles", probeFunction(t, e, desiredFunction("orders-fn", role)), settled)

	const dlq = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
	cases := []struct {
		name   string
		change func(*ack.Function)
		want   string
	}{
		{"memory", func(f *ack.Function) { f.Spec.MemorySize = ptr.To[int64](512) },
			"Lambda has memorySize 256, the child declares 512"},
		{"timeout", func(f *ack.Function) { f.Spec.Timeout = ptr.To[int64](60) },
			"Lambda has timeout 30, the child declares 60"},
		{"handler", func(f *ack.Function) { f.Spec.Handler = ptr.To("main.handler") },
			"Lambda has handler app.handler, the child declares main.handler"},
		{"runtime", func(f *ack.Function) { f.Spec.Runtime = ptr.To("python3.13") },
			"Lambda has runtime python3.12, the child declares python3.13"},
		{"role", func(f *ack.Function) { f.Spec.Role = ptr.To(otherRole) },
			"Lambda has role " + role + ", the child declares " + otherRole},
		{"architecture", func(f *ack.Function) { f.Spec.Architectures = []*string{ptr.To("x86_64")} },
			"Lambda has architectures [arm64], the child declares x86_64"},
		{"environment value", func(f *ack.Function) { f.Spec.Environment.Variables["TABLE"] = ptr.To("orders-v2") },
			"Lambda has another value of environment variable TABLE"},
		{"environment variable added", func(f *ack.Function) { f.Spec.Environment.Variables["DEBUG"] = ptr.To("1") },
			"Lambda has other environment variables than the child declares"},
		{"environment variable removed", func(f *ack.Function) { delete(f.Spec.Environment.Variables, "MODE") },
			"Lambda has other environment variables than the child declares"},
		{"environment emptied", func(f *ack.Function) { f.Spec.Environment = &ack.Environment{} },
			"Lambda has other environment variables than the child declares"},
		{"tracing", func(f *ack.Function) { f.Spec.TracingConfig.Mode = ptr.To("PassThrough") },
			"Lambda has another tracing mode than PassThrough"},
		{"dead-letter target", func(f *ack.Function) { f.Spec.DeadLetterConfig = &ack.DeadLetterConfig{TargetARN: ptr.To(dlq)} },
			"Lambda has another dead-letter target than " + dlq},
		{"tag value", func(f *ack.Function) { f.Spec.Tags["team"] = ptr.To("checkout") },
			"Lambda has another value of tag team"},
		{"tag missing in Lambda", func(f *ack.Function) { f.Spec.Tags["cost-center"] = ptr.To("42") },
			"Lambda has another value of tag cost-center"},
		{"stack tag", func(f *ack.Function) { f.Spec.Tags[render.TagStack] = ptr.To("shop/billing") },
			"Lambda has another value of tag " + render.TagStack},
		{"code hash", func(f *ack.Function) { f.Spec.Code.SHA256 = ptr.To(shaV2) },
			fmt.Sprintf("deploying code %s (Lambda runs %s)", shaV2[:8], shaV1[:8])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := desiredFunction("orders-fn", role)
			c.change(want)
			v := mustFunction(t, e, want)
			checkVerdict(t, c.name, v, Verdict{Idle: true, Differs: c.want, Owner: stackOwner})
		})
	}
}

// While Lambda creates a function (Pending) the probe says it is Working,
// not Idle, and already names its Owner (the stack's own function after a
// create whose answer was lost); it settles once Lambda is done.
func TestFunctionPending(t *testing.T) {
	const create = 400 * time.Millisecond
	e := newEnv(t, localaws.Delays{FunctionCreate: create})
	role := e.role(t, "orders-fn-role")
	want := desiredFunction("orders-fn", role)

	start := time.Now()
	e.createFunction(t, "orders-fn", role, stackTags())
	v := mustFunction(t, e, want)
	if time.Since(start) >= create {
		t.Fatalf("the probe came %v after CreateFunction, later than Delays.FunctionCreate %v: the test cannot see Pending", time.Since(start), create)
	}
	checkVerdict(t, "pending function", v, Verdict{Working: "Lambda is creating the function (Pending)", Owner: stackOwner})

	v = eventually(t, "orders-fn settles", probeFunction(t, e, want), settled)
	if took := time.Since(start); took < create {
		t.Errorf("settled %v after CreateFunction, before Delays.FunctionCreate %v", took, create)
	}
	checkVerdict(t, "created function", v, Verdict{Settled: true, Idle: true, Owner: stackOwner})
}

// After an update of its configuration or code, Lambda applies it
// (InProgress): Working, not Idle, even though the function already reads
// as the child declares; then Settled once Delays.FunctionUpdate passed.
func TestFunctionUpdateInProgress(t *testing.T) {
	const update = 400 * time.Millisecond
	cases := []struct {
		name   string
		update func(t *testing.T, e *env) error
		change func(*ack.Function)
	}{
		{"configuration", func(t *testing.T, e *env) error {
			_, err := e.lm.UpdateFunctionConfiguration(testCtx(t), &lambda.UpdateFunctionConfigurationInput{
				FunctionName: aws.String("orders-fn"), MemorySize: aws.Int32(512)})
			return err
		}, func(f *ack.Function) { f.Spec.MemorySize = ptr.To[int64](512) }},
		{"code", func(t *testing.T, e *env) error {
			_, err := e.lm.UpdateFunctionCode(testCtx(t), &lambda.UpdateFunctionCodeInput{
				FunctionName: aws.String("orders-fn"), S3Bucket: aws.String(codeBucket), S3Key: aws.String(codeKeyV2)})
			return err
		}, func(f *ack.Function) {
			f.Spec.Code = &ack.FunctionCode{S3Bucket: ptr.To(codeBucket), S3Key: ptr.To(codeKeyV2), SHA256: ptr.To(shaV2)}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, localaws.Delays{FunctionUpdate: update})
			role := e.role(t, "orders-fn-role")
			e.createFunction(t, "orders-fn", role, stackTags())
			before := desiredFunction("orders-fn", role)
			checkVerdict(t, "before the update", mustFunction(t, e, before), Verdict{Settled: true, Idle: true, Owner: stackOwner})

			want := desiredFunction("orders-fn", role)
			c.change(want)
			start := time.Now()
			if err := c.update(t, e); err != nil {
				t.Fatalf("update: %v", err)
			}
			v := mustFunction(t, e, want)
			if time.Since(start) >= update {
				t.Fatalf("the probe came %v after the update, later than Delays.FunctionUpdate %v: the test cannot see InProgress", time.Since(start), update)
			}
			checkVerdict(t, "update in progress", v, Verdict{Working: "Lambda is applying the last update of the function (InProgress)", Owner: stackOwner})

			v = eventually(t, "update completes", probeFunction(t, e, want), settled)
			if took := time.Since(start); took < update {
				t.Errorf("settled %v after the update, before Delays.FunctionUpdate %v", took, update)
			}
			checkVerdict(t, "updated function", v, Verdict{Settled: true, Idle: true, Owner: stackOwner})

			// The child of before the update no longer matches.
			v = mustFunction(t, e, before)
			if v.Settled || !v.Idle || v.Differs == "" || v.Working != "" || v.Failed != "" {
				t.Errorf("child of before the update: %+v, want Idle and Differs", v)
			}
		})
	}
	t.Run("code hash message", func(t *testing.T) {
		e := newEnv(t, localaws.Delays{})
		role := e.role(t, "orders-fn-role")
		e.createFunction(t, "orders-fn", role, stackTags())
		if _, err := e.lm.UpdateFunctionCode(testCtx(t), &lambda.UpdateFunctionCodeInput{
			FunctionName: aws.String("orders-fn"), S3Bucket: aws.String(codeBucket), S3Key: aws.String(codeKeyV2)}); err != nil {
			t.Fatal(err)
		}
		v := mustFunction(t, e, desiredFunction("orders-fn", role))
		checkVerdict(t, "child of the old code", v, Verdict{Idle: true, Owner: stackOwner,
			Differs: fmt.Sprintf("deploying code %s (Lambda runs %s)", shaV1[:8], shaV2[:8])})
	})
}

// An update that Lambda fails is Failed with Lambda's reason code and
// reason, Idle (Lambda takes the next update); a create that fails is Failed
// with the function's state reason.
func TestFunctionFailed(t *testing.T) {
	t.Run("update", func(t *testing.T) {
		e := newEnv(t, localaws.Delays{FunctionUpdate: 200 * time.Millisecond})
		role := e.role(t, "orders-fn-role")
		e.createFunction(t, "orders-fn", role, stackTags())
		want := desiredFunction("orders-fn", role)
		want.Spec.Timeout = ptr.To[int64](60)

		e.srv.FailNextFunctionUpdate("orders-fn", "InvalidConfiguration", "The configuration is not valid.")
		if _, err := e.lm.UpdateFunctionConfiguration(testCtx(t), &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String("orders-fn"), Timeout: aws.Int32(60)}); err != nil {
			t.Fatal(err)
		}
		v := eventually(t, "update ends", probeFunction(t, e, want), func(v Verdict) bool { return v.Working == "" })
		checkVerdict(t, "failed update", v, Verdict{Idle: true, Owner: stackOwner,
			Failed: "Lambda's last update of the function failed: InvalidConfiguration: The configuration is not valid."})

		// The next update that succeeds clears the failure.
		if _, err := e.lm.UpdateFunctionConfiguration(testCtx(t), &lambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String("orders-fn"), Timeout: aws.Int32(60)}); err != nil {
			t.Fatal(err)
		}
		v = eventually(t, "second update settles", probeFunction(t, e, want), settled)
		checkVerdict(t, "after a successful update", v, Verdict{Settled: true, Idle: true, Owner: stackOwner})
	})
	t.Run("create", func(t *testing.T) {
		e := newEnv(t, localaws.Delays{FunctionCreate: 100 * time.Millisecond})
		role := e.role(t, "orders-fn-role")
		e.srv.FailNextFunctionCreate("orders-fn", "InvalidImage", "The image cannot be used.")
		e.createFunction(t, "orders-fn", role, stackTags())
		v := eventually(t, "create ends", probeFunction(t, e, desiredFunction("orders-fn", role)), func(v Verdict) bool { return v.Working == "" })
		checkVerdict(t, "failed create", v, Verdict{Owner: stackOwner,
			Failed: "Lambda reports the function Failed: InvalidImage: The image cannot be used."})
	})
}

// A function Lambda does not have is Missing, without an error; so is one
// deleted.
func TestFunctionMissing(t *testing.T) {
	e := newEnv(t, localaws.Delays{})
	role := e.role(t, "orders-fn-role")
	v := mustFunction(t, e, desiredFunction("ghost-fn", role))
	checkVerdict(t, "never created", v, Verdict{Missing: true, Differs: "Lambda has no function ghost-fn"})

	e.createFunction(t, "orders-fn", role, stackTags())
	checkVerdict(t, "created", mustFunction(t, e, desiredFunction("orders-fn", role)), Verdict{Settled: true, Idle: true, Owner: stackOwner})
	if _, err := e.lm.DeleteFunction(testCtx(t), &lambda.DeleteFunctionInput{FunctionName: aws.String("orders-fn")}); err != nil {
		t.Fatal(err)
	}
	checkVerdict(t, "deleted", mustFunction(t, e, desiredFunction("orders-fn", role)), Verdict{Missing: true, Differs: "Lambda has no function orders-fn"})
}

// An image function: the child's image URI is compared with the one Lambda
// runs.
func TestFunctionImage(t *testing.T) {
	e := newEnv(t, localaws.Delays{})
	role := e.role(t, "orders-fn-role")
	const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:v1"
	if _, err := e.lm.CreateFunction(testCtx(t), &lambda.CreateFunctionInput{
		FunctionName: aws.String("orders-img"), Role: aws.String(role), PackageType: lambdatypes.PackageTypeImage,
		Code: &lambdatypes.FunctionCode{ImageUri: aws.String(image)}, Tags: stackTags(),
	}); err != nil {
		t.Fatal(err)
	}
	want := &ack.Function{Spec: ack.FunctionSpec{Name: ptr.To("orders-img"), PackageType: ptr.To("Image"),
		Code: &ack.FunctionCode{ImageURI: ptr.To(image)}, Role: ptr.To(role)}}
	checkVerdict(t, "same image", mustFunction(t, e, want), Verdict{Settled: true, Idle: true, Owner: stackOwner})

	want.Spec.Code.ImageURI = ptr.To(strings.TrimSuffix(image, ":v1") + ":v2")
	checkVerdict(t, "another image", mustFunction(t, e, want), Verdict{Idle: true, Owner: stackOwner,
		Differs: "Lambda runs another image than " + *want.Spec.Code.ImageURI})
}

// An error other than not-found is returned, classified with the IAM
// action, and the verdict is empty.
func TestProbeErrors(t *testing.T) {
	e := newEnv(t, localaws.Delays{})
	role := e.role(t, "orders-fn-role")
	e.createFunction(t, "orders-fn", role, stackTags())

	cases := []struct {
		op, code string
		status   int
		call     func() (Verdict, error)
		terminal bool
	}{
		{"lambda:GetFunction", "AccessDeniedException", 403, func() (Verdict, error) {
			return Function(testCtx(t), e.lm, desiredFunction("orders-fn", role))
		}, true},
		{"lambda:GetFunction", "ServiceException", 500, func() (Verdict, error) {
			return Function(testCtx(t), e.lm, desiredFunction("orders-fn", role))
		}, false},
		{"lambda:GetEventSourceMapping", "TooManyRequestsException", 429, func() (Verdict, error) {
			return Mapping(testCtx(t), e.lm, &ack.EventSourceMapping{}, "d3f1b6a2-0000-4000-8000-000000000000")
		}, false},
		{"states:DescribeStateMachine", "AccessDeniedException", 400, func() (Verdict, error) {
			return StateMachine(testCtx(t), e.sf, &ack.StateMachine{}, "arn:aws:states:us-east-1:123456789012:stateMachine:saga")
		}, true},
	}
	for _, c := range cases {
		t.Run(c.op+" "+c.code, func(t *testing.T) {
			e.srv.SetFault(localaws.Fault{Fail: []localaws.OpFailure{{Op: c.op, Code: c.code, Status: c.status}}})
			defer e.srv.ClearFault()
			v, err := c.call()
			if err == nil {
				t.Fatalf("no error; verdict %+v", v)
			}
			checkVerdict(t, "verdict with an error", v, Verdict{})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != c.code {
				t.Errorf("error %v does not wrap the API error %s", err, c.code)
			}
			if !strings.Contains(err.Error(), c.op) {
				t.Errorf("error %q does not name the action %s", err, c.op)
			}
			if _, terminal := outcome.IsTerminal(err); terminal != c.terminal {
				t.Errorf("terminal = %v, want %v: %v", terminal, c.terminal, err)
			}
		})
	}
	t.Run("MappingState and EnableMapping", func(t *testing.T) {
		e.srv.SetFault(localaws.Fault{Outage: true})
		defer e.srv.ClearFault()
		if state, err := MappingState(testCtx(t), e.lm, "d3f1b6a2-0000-4000-8000-000000000000"); err == nil || state != "" {
			t.Errorf("MappingState during an outage = %q, %v; want an error", state, err)
		}
		if err := EnableMapping(testCtx(t), e.lm, "d3f1b6a2-0000-4000-8000-000000000000"); err == nil ||
			!strings.Contains(err.Error(), "lambda:UpdateEventSourceMapping") {
			t.Errorf("EnableMapping during an outage = %v; want an error naming lambda:UpdateEventSourceMapping", err)
		}
	})
}

// State machines.

const (
	smName     = "orders-saga"
	smArn      = "arn:aws:states:us-east-1:123456789012:stateMachine:" + smName
	smRole     = "arn:aws:iam::123456789012:role/orders-saga-sfn"
	smRole2    = "arn:aws:iam::123456789012:role/orders-saga-sfn-2"
	smLogGroup = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/orders-saga:*"
	smDef      = `{"StartAt":"Charge","States":{"Charge":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:charge","Next":"Done"},"Done":{"Type":"Succeed"}}}`
	// smDefPretty is smDef with other white space and key order.
	smDefPretty = `{
  "States": {
    "Done": { "Type": "Succeed" },
    "Charge": {
      "Next": "Done",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
      "Type": "Task"
    }
  },
  "StartAt": "Charge"
}`
	smDefOther = `{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}`
)

func (e *env) createStateMachine(t *testing.T) {
	t.Helper()
	_, err := e.sf.CreateStateMachine(testCtx(t), &sfn.CreateStateMachineInput{
		Name: aws.String(smName), Definition: aws.String(smDef), RoleArn: aws.String(smRole),
		Type: sfntypes.StateMachineTypeStandard,
		LoggingConfiguration: &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevelError, IncludeExecutionData: false,
			Destinations: []sfntypes.LogDestination{{CloudWatchLogsLogGroup: &sfntypes.CloudWatchLogsLogGroup{LogGroupArn: aws.String(smLogGroup)}}}},
		TracingConfiguration: &sfntypes.TracingConfiguration{Enabled: true},
		Tags: []sfntypes.Tag{{Key: aws.String(render.TagStack), Value: aws.String(stackOwner)},
			{Key: aws.String("team"), Value: aws.String("payments")}},
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
}

// desiredStateMachine declares what createStateMachine made, its definition
// written otherwise.
func desiredStateMachine() *ack.StateMachine {
	return &ack.StateMachine{Spec: ack.StateMachineSpec{
		Name: ptr.To(smName), Definition: ptr.To(smDefPretty), RoleARN: ptr.To(smRole), Type: ptr.To("STANDARD"),
		TracingConfiguration: &ack.TracingConfiguration{Enabled: ptr.To(true)},
		LoggingConfiguration: &ack.LoggingConfiguration{Level: ptr.To("ERROR"), IncludeExecutionData: ptr.To(false),
			Destinations: []*ack.LogDestination{{CloudWatchLogsLogGroup: &ack.CloudWatchLogsLogGroup{LogGroupARN: ptr.To(smLogGroup)}}}},
		Tags: []*ack.Tag{{Key: ptr.To(render.TagStack), Value: ptr.To(stackOwner)}, {Key: ptr.To("team"), Value: ptr.To("payments")}},
	}}
}

func mustStateMachine(t *testing.T, e *env, want *ack.StateMachine, arn string) Verdict {
	t.Helper()
	v, err := StateMachine(testCtx(t), e.sf, want, arn)
	if err != nil {
		t.Fatalf("StateMachine(%s): %v", arn, err)
	}
	return v
}

// A state machine that holds what the child declares is Settled, its
// definition compared as JSON; Owner is its stack tag.
func TestStateMachineSettled(t *testing.T) {
	e := newEnv(t, localaws.Delays{})
	e.createStateMachine(t)
	checkVerdict(t, "matching state machine", mustStateMachine(t, e, desiredStateMachine(), smArn),
		Verdict{Settled: true, Idle: true, Owner: stackOwner})

	// The same definition byte for byte, too.
	want := desiredStateMachine()
	want.Spec.Definition = ptr.To(smDef)
	checkVerdict(t, "same definition text", mustStateMachine(t, e, want, smArn), Verdict{Settled: true, Idle: true, Owner: stackOwner})

	// A state machine created without logging reads as level OFF.
	if _, err := e.sf.CreateStateMachine(testCtx(t), &sfn.CreateStateMachineInput{
		Name: aws.String("plain"), Definition: aws.String(smDef), RoleArn: aws.String(smRole)}); err != nil {
		t.Fatal(err)
	}
	plain := &ack.StateMachine{Spec: ack.StateMachineSpec{Name: ptr.To("plain"), Definition: ptr.To(smDefPretty),
		RoleARN: ptr.To(smRole), LoggingConfiguration: &ack.LoggingConfiguration{Level: ptr.To("OFF")}}}
	checkVerdict(t, "logging OFF", mustStateMachine(t, e, plain, strings.Replace(smArn, smName, "plain", 1)), Verdict{Settled: true, Idle: true})
}

// Each field Step Functions holds otherwise than the child declares makes
// the state machine Differ, named.
func TestStateMachineDiffers(t *testing.T) {
	e := newEnv(t, localaws.Delays{})
	e.createStateMachine(t)
	const otherGroup = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/other:*"
	cases := []struct {
		name   string
		change func(*ack.StateMachine)
		want   string
	}{
		{"definition", func(m *ack.StateMachine) { m.Spec.Definition = ptr.To(smDefOther) }, "Step Functions has another definition"},
		{"definition value", func(m *ack.StateMachine) {
			m.Spec.Definition = ptr.To(strings.Replace(smDefPretty, "function:charge", "function:refund", 1))
		}, "Step Functions has another definition"},
		{"role", func(m *ack.StateMachine) { m.Spec.RoleARN = ptr.To(smRole2) },
			"Step Functions has role " + smRole + ", the child declares " + smRole2},
		{"type", func(m *ack.StateMachine) { m.Spec.Type = ptr.To("EXPRESS") }, "Step Functions has type STANDARD"},
		{"tracing", func(m *ack.StateMachine) { m.Spec.TracingConfiguration.Enabled = ptr.To(false) }, "Step Functions has tracing enabled true"},
		{"logging level", func(m *ack.StateMachine) { m.Spec.LoggingConfiguration.Level = ptr.To("ALL") },
			"Step Functions logs at level ERROR, the child declares ALL"},
		{"execution data", func(m *ack.StateMachine) { m.Spec.LoggingConfiguration.IncludeExecutionData = ptr.To(true) },
			"Step Functions has includeExecutionData false"},
		{"log group", func(m *ack.StateMachine) {
			m.Spec.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupARN = ptr.To(otherGroup)
		}, "Step Functions logs to " + smLogGroup},
		{"tag value", func(m *ack.StateMachine) { m.Spec.Tags[1].Value = ptr.To("checkout") }, "Step Functions has another value of tag team"},
		{"tag missing in Step Functions", func(m *ack.StateMachine) {
			m.Spec.Tags = append(m.Spec.Tags, &ack.Tag{Key: ptr.To("cost-center"), Value: ptr.To("42")})
		}, "Step Functions has another value of tag cost-center"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := desiredStateMachine()
			c.change(want)
			v := mustStateMachine(t, e, want, smArn)
			if v.Differs != c.want || v.Settled || !v.Idle || v.Working != "" || v.Failed != "" || v.Missing {
				t.Errorf("got %+v, want Idle and Differs %q", v, c.want)
			}
			if strings.HasPrefix(c.name, "tag") && v.Owner != stackOwner {
				t.Errorf("Owner = %q, want %q", v.Owner, stackOwner)
			}
		})
	}

	// A change made in Step Functions, outside the child, differs too.
	if _, err := e.sf.UpdateStateMachine(testCtx(t), &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smArn),
		Definition: aws.String(smDefOther)}); err != nil {
		t.Fatal(err)
	}
	if v := mustStateMachine(t, e, desiredStateMachine(), smArn); v.Differs != "Step Functions has another definition" || v.Settled {
		t.Errorf("after UpdateStateMachine: %+v", v)
	}
}

// A state machine Step Functions does not have is Missing; one being
// deleted is Working until it is gone.
func TestStateMachineMissingAndDeleting(t *testing.T) {
	const deleting = 300 * time.Millisecond
	e := newEnv(t, localaws.Delays{TableUpdate: deleting})
	const ghost = "arn:aws:states:us-east-1:123456789012:stateMachine:ghost"
	checkVerdict(t, "never created", mustStateMachine(t, e, desiredStateMachine(), ghost),
		Verdict{Missing: true, Differs: "Step Functions has no state machine " + ghost})

	e.createStateMachine(t)
	if _, err := e.sf.DeleteStateMachine(testCtx(t), &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(smArn)}); err != nil {
		t.Fatal(err)
	}
	v := mustStateMachine(t, e, desiredStateMachine(), smArn)
	if v.Working != "Step Functions is deleting the state machine" || v.Settled || v.Missing || v.Differs != "" {
		t.Errorf("deleting: %+v", v)
	}
	v = eventually(t, "deletion completes", func() (Verdict, error) {
		return StateMachine(testCtx(t), e.sf, desiredStateMachine(), smArn)
	}, func(v Verdict) bool { return v.Missing })
	checkVerdict(t, "deleted", v, Verdict{Missing: true, Differs: "Step Functions has no state machine " + smArn})
}

// Event source mappings.

type mappingFixture struct {
	e               *env
	fnArn, queueArn string
	uuid            string
}

const (
	mappingCreate = 300 * time.Millisecond
	mappingUpdate = 300 * time.Millisecond
)

// newMapping creates a function, a queue and a mapping between them (batch
// size 5, ReportBatchItemFailures), and returns at once: the mapping is
// Creating.
func newMapping(t *testing.T) *mappingFixture {
	t.Helper()
	e := newEnv(t, localaws.Delays{MappingCreate: mappingCreate, MappingUpdate: mappingUpdate})
	role := e.role(t, "orders-fn-role")
	f := &mappingFixture{e: e, fnArn: e.createFunction(t, "orders-fn", role, stackTags()), queueArn: e.queue(t, "orders")}
	out, err := e.lm.CreateEventSourceMapping(testCtx(t), &lambda.CreateEventSourceMappingInput{
		FunctionName: aws.String(f.fnArn), EventSourceArn: aws.String(f.queueArn), BatchSize: aws.Int32(5),
		FunctionResponseTypes: []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures},
	})
	if err != nil {
		t.Fatalf("CreateEventSourceMapping: %v", err)
	}
	f.uuid = aws.ToString(out.UUID)
	return f
}

// desired is the rendered child of the mapping.
func (f *mappingFixture) desired() *ack.EventSourceMapping {
	return &ack.EventSourceMapping{Spec: ack.EventSourceMappingSpec{
		FunctionName: ptr.To(f.fnArn), EventSourceARN: ptr.To(f.queueArn),
		BatchSize: ptr.To[int64](5), MaximumBatchingWindowInSeconds: ptr.To[int64](0),
		FunctionResponseTypes: []*string{ptr.To("ReportBatchItemFailures")}, Enabled: ptr.To(true),
	}}
}

func (f *mappingFixture) probe(t *testing.T, want *ack.EventSourceMapping) func() (Verdict, error) {
	return func() (Verdict, error) { return Mapping(testCtx(t), f.e.lm, want, f.uuid) }
}

func (f *mappingFixture) must(t *testing.T, want *ack.EventSourceMapping) Verdict {
	t.Helper()
	v, err := Mapping(testCtx(t), f.e.lm, want, f.uuid)
	if err != nil {
		t.Fatalf("Mapping(%s): %v", f.uuid, err)
	}
	return v
}

func (f *mappingFixture) state(t *testing.T) string {
	t.Helper()
	s, err := MappingState(testCtx(t), f.e.lm, f.uuid)
	if err != nil {
		t.Fatalf("MappingState(%s): %v", f.uuid, err)
	}
	return s
}

// A new mapping is Creating (Working, not Idle), then Enabled and, as the
// child declares it, Settled.
func TestMappingCreatingThenSettled(t *testing.T) {
	start := time.Now()
	f := newMapping(t)
	v := f.must(t, f.desired())
	if time.Since(start) >= mappingCreate {
		t.Fatalf("the probe came %v after CreateEventSourceMapping, later than Delays.MappingCreate %v", time.Since(start), mappingCreate)
	}
	checkVerdict(t, "creating", v, Verdict{Working: "Lambda reports the mapping Creating"})
	if s := f.state(t); s != "Creating" {
		t.Errorf("MappingState = %q, want Creating", s)
	}

	v = eventually(t, "mapping settles", f.probe(t, f.desired()), settled)
	checkVerdict(t, "created", v, Verdict{Settled: true, Idle: true})
	if s := f.state(t); s != "Enabled" {
		t.Errorf("MappingState = %q, want Enabled", s)
	}
}

// Each setting Lambda holds otherwise than the child declares makes the
// mapping Differ, named.
func TestMappingDiffers(t *testing.T) {
	f := newMapping(t)
	eventually(t, "mapping settles", f.probe(t, f.desired()), settled)
	const otherQueue = "arn:aws:sqs:us-east-1:123456789012:other"
	const otherFn = "arn:aws:lambda:us-east-1:123456789012:function:other-fn"
	cases := []struct {
		name   string
		change func(*ack.EventSourceMapping)
		want   string
	}{
		{"batch size", func(m *ack.EventSourceMapping) { m.Spec.BatchSize = ptr.To[int64](7) }, "Lambda has batch size 5"},
		{"batching window", func(m *ack.EventSourceMapping) { m.Spec.MaximumBatchingWindowInSeconds = ptr.To[int64](3) },
			"Lambda has a batching window of 0 s"},
		{"event source", func(m *ack.EventSourceMapping) { m.Spec.EventSourceARN = ptr.To(otherQueue) },
			"Lambda's mapping reads " + f.queueArn},
		{"function", func(m *ack.EventSourceMapping) { m.Spec.FunctionName = ptr.To(otherFn) },
			"Lambda's mapping invokes " + f.fnArn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := f.desired()
			c.change(want)
			checkVerdict(t, c.name, f.must(t, want), Verdict{Idle: true, Differs: c.want})
		})
	}

	t.Run("function response types", func(t *testing.T) {
		// A second mapping, of another queue, without response types.
		q2 := f.e.queue(t, "orders-2")
		out, err := f.e.lm.CreateEventSourceMapping(testCtx(t), &lambda.CreateEventSourceMappingInput{
			FunctionName: aws.String(f.fnArn), EventSourceArn: aws.String(q2)})
		if err != nil {
			t.Fatal(err)
		}
		g := &mappingFixture{e: f.e, fnArn: f.fnArn, queueArn: q2, uuid: aws.ToString(out.UUID)}
		want := g.desired()
		want.Spec.BatchSize = ptr.To[int64](10)
		v := eventually(t, "second mapping is created", g.probe(t, want), func(v Verdict) bool { return v.Working == "" })
		checkVerdict(t, "no response types", v, Verdict{Idle: true, Differs: "Lambda's mapping has function response types "})
		want.Spec.FunctionResponseTypes = nil
		checkVerdict(t, "response types not declared", g.must(t, want), Verdict{Settled: true, Idle: true})
	})
}

// A mapping disabled outside the stack: Working while Disabling, then
// Differs with MappingState Disabled; EnableMapping enables it again
// (Enabling, then Enabled and Settled after Delays.MappingUpdate).
func TestMappingDisabledOutOfBand(t *testing.T) {
	f := newMapping(t)
	eventually(t, "mapping settles", f.probe(t, f.desired()), settled)

	if !f.e.srv.SetMappingEnabledOutOfBand(f.uuid, false) {
		t.Fatal("SetMappingEnabledOutOfBand: no such mapping")
	}
	v := f.must(t, f.desired())
	if v.Working != "Lambda reports the mapping Disabling" || v.Idle || v.Settled {
		t.Errorf("disabling: %+v", v)
	}
	v = eventually(t, "mapping is disabled", f.probe(t, f.desired()), func(v Verdict) bool { return v.Working == "" })
	checkVerdict(t, "disabled", v, Verdict{Idle: true, Differs: "Lambda reports the mapping Disabled"})
	if s := f.state(t); s != "Disabled" {
		t.Fatalf("MappingState = %q, want Disabled", s)
	}

	// A child that declares the mapping disabled is satisfied.
	off := f.desired()
	off.Spec.Enabled = ptr.To(false)
	checkVerdict(t, "child declaring it disabled", f.must(t, off), Verdict{Settled: true, Idle: true})

	start := time.Now()
	if err := EnableMapping(testCtx(t), f.e.lm, f.uuid); err != nil {
		t.Fatalf("EnableMapping: %v", err)
	}
	if s := f.state(t); s != "Enabling" {
		t.Errorf("MappingState right after EnableMapping = %q, want Enabling", s)
	}
	if m, ok := f.e.srv.Mapping(f.uuid); !ok || !m.Enabled {
		t.Errorf("after EnableMapping the server holds %+v (exists %v), want Enabled", m, ok)
	}
	v = eventually(t, "mapping is enabled again", f.probe(t, f.desired()), settled)
	if took := time.Since(start); took < mappingUpdate {
		t.Errorf("settled %v after EnableMapping, before Delays.MappingUpdate %v", took, mappingUpdate)
	}
	checkVerdict(t, "enabled again", v, Verdict{Settled: true, Idle: true})
	if s := f.state(t); s != "Enabled" {
		t.Errorf("MappingState = %q, want Enabled", s)
	}
}

// EnableMapping while Lambda is still busy with the mapping fails (Lambda's
// ResourceInUseException), as does one of a mapping that does not exist.
func TestEnableMappingErrors(t *testing.T) {
	f := newMapping(t)
	err := EnableMapping(testCtx(t), f.e.lm, f.uuid)
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) || ae.ErrorCode() != "ResourceInUseException" {
		t.Errorf("EnableMapping while Creating = %v, want ResourceInUseException", err)
	}

	const ghost = "d3f1b6a2-0000-4000-8000-000000000000"
	if err := EnableMapping(testCtx(t), f.e.lm, ghost); err == nil {
		t.Error("EnableMapping of a missing mapping succeeded")
	}
}

// A mapping Lambda does not have is Missing, and its MappingState "".
func TestMappingMissing(t *testing.T) {
	f := newMapping(t)
	const ghost = "d3f1b6a2-0000-4000-8000-000000000000"
	v, err := Mapping(testCtx(t), f.e.lm, f.desired(), ghost)
	if err != nil {
		t.Fatal(err)
	}
	checkVerdict(t, "missing mapping", v, Verdict{Missing: true, Differs: "Lambda has no event source mapping " + ghost})
	if s, err := MappingState(testCtx(t), f.e.lm, ghost); err != nil || s != "" {
		t.Errorf("MappingState of a missing mapping = %q, %v; want \"\", nil", s, err)
	}

	// Deleted: Deleting (Working) for Delays.MappingUpdate, then Missing.
	eventually(t, "mapping settles", f.probe(t, f.desired()), settled)
	if _, err := f.e.lm.DeleteEventSourceMapping(testCtx(t), &lambda.DeleteEventSourceMappingInput{UUID: aws.String(f.uuid)}); err != nil {
		t.Fatal(err)
	}
	checkVerdict(t, "deleting", f.must(t, f.desired()), Verdict{Working: "Lambda reports the mapping Deleting"})
	v = eventually(t, "deletion completes", f.probe(t, f.desired()), func(v Verdict) bool { return v.Missing })
	checkVerdict(t, "deleted", v, Verdict{Missing: true, Differs: "Lambda has no event source mapping " + f.uuid})
}
