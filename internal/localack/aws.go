package localack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// awsSide is what the stand-in does in the local AWS: it makes every kind
// there through the SDK as the released controllers do — the kinds whose
// state the operator reads from AWS itself where ACK's status cannot tell
// (functions, state machines, event source mappings, see internal/probe),
// the roles Lambda checks a function's role against, the alarms, and the
// data plane the local AWS delivers to (queues, topics, subscriptions,
// tables: aws_data.go) — so that what the operator reads and what the local
// AWS delivers to is what the stand-in "made".
type awsSide struct {
	server *localaws.Server
	iam    *iam.Client
	lambda *lambda.Client
	sfn    *sfn.Client
	cw     *cloudwatch.Client
	// sqs, sns and dynamodb make the data plane (aws_data.go).
	sqs      *sqs.Client
	sns      *sns.Client
	dynamodb *dynamodb.Client

	mu sync.Mutex
	// mappings are the UUIDs of the event source mappings made, by child,
	// so that a retry does not make a second one.
	mappings map[types.UID]string
}

func newAWSSide(s *localaws.Server) *awsSide {
	creds := credentials.NewStaticCredentialsProvider("localack", "localack", "")
	// Named as the ACK runtime names its calls, so that the local AWS counts
	// them as ACK's, not the operator's.
	hc := asACK{awshttp.NewBuildableClient()}
	return &awsSide{
		server:   s,
		iam:      iam.New(iam.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, HTTPClient: hc}),
		lambda:   lambda.New(lambda.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, HTTPClient: hc}),
		sfn:      sfn.New(sfn.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, HTTPClient: hc}),
		cw:       cloudwatch.New(cloudwatch.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, HTTPClient: hc}),
		sqs:      sqs.New(sqs.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, HTTPClient: hc}),
		sns:      sns.New(sns.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, HTTPClient: hc}),
		dynamodb: dynamodb.New(dynamodb.Options{Region: s.Region, BaseEndpoint: aws.String(s.URL()), Credentials: creds, HTTPClient: hc}),
		mappings: map[types.UID]string{},
	}
}

// asACK puts the ACK runtime's name first in the User-Agent of each request,
// as the runtime's own HTTP client does.
type asACK struct{ next *awshttp.BuildableClient }

func (c asACK) Do(r *http.Request) (*http.Response, error) {
	r.Header.Set("User-Agent", "aws-controllers-k8s/localack "+r.Header.Get("User-Agent"))
	return c.next.Do(r)
}

// errBusy says that Lambda is creating or updating the function: ACK waits
// (requeueWaitWhilePending) and tries again.
var errBusy = errors.New("the function is Pending or InProgress")

// createFunction calls CreateFunction with the child's spec, as
// lambda-controller's sdkCreate does, the declared code hash standing for the
// zip in S3, and reads the function back.
func (a *awsSide) createFunction(ctx context.Context, f *ack.Function) error {
	s := f.Spec
	in := &lambda.CreateFunctionInput{
		FunctionName: s.Name, Role: s.Role, Runtime: lambdatypes.Runtime(ptr.Deref(s.Runtime, "")), Handler: s.Handler,
		PackageType: lambdatypes.PackageType(ptr.Deref(s.PackageType, "Zip")), MemorySize: int32Of(s.MemorySize), Timeout: int32Of(s.Timeout),
		Code: a.code(s.Code), Tags: map[string]string{},
	}
	for _, arch := range s.Architectures {
		in.Architectures = append(in.Architectures, lambdatypes.Architecture(ptr.Deref(arch, "")))
	}
	in.Environment, in.TracingConfig, in.DeadLetterConfig = configOf(s)
	in.EphemeralStorage, in.LoggingConfig = storageOf(s), loggingConfigOf(s)
	for k, v := range s.Tags {
		in.Tags[k] = ptr.Deref(v, "")
	}
	_, err := a.lambda.CreateFunction(ctx, in)
	if awsapi.IsConflict(err) {
		// A function of the name is left from a stack deleted before (the
		// stand-in does not delete in AWS): this child's, made anew.
		if _, err := a.lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: s.Name}); err != nil {
			return err
		}
		_, err = a.lambda.CreateFunction(ctx, in)
	}
	if err != nil {
		return err
	}
	if err := a.syncConcurrency(ctx, f); err != nil {
		return err
	}
	return a.readFunction(ctx, f)
}

// syncConcurrency puts the function's reserved concurrency, or deletes it
// when the spec has none, as lambda-controller's updateFunctionConcurrency
// does once its read (GetFunctionConcurrency) differs from the spec.
func (a *awsSide) syncConcurrency(ctx context.Context, f *ack.Function) error {
	s := f.Spec
	out, err := a.lambda.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: s.Name})
	if err != nil {
		return err
	}
	have, want := out.ReservedConcurrentExecutions, s.ReservedConcurrentExecutions
	switch {
	case want == nil && have == nil, want != nil && have != nil && int64(*have) == *want:
		return nil
	case want == nil:
		_, err = a.lambda.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: s.Name})
	default:
		_, err = a.lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: s.Name,
			ReservedConcurrentExecutions: aws.Int32(int32(*want))})
	}
	return err
}

// updateFunction applies a change as customUpdateFunction does: the code
// when it changed, else the configuration, never both in one reconcile;
// nothing while the function is busy.
func (a *awsSide) updateFunction(ctx context.Context, f *ack.Function) error {
	out, err := a.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: f.Spec.Name})
	if awsapi.IsNotFound(err) {
		return a.createFunction(ctx, f)
	}
	if err != nil {
		return err
	}
	cfg := out.Configuration
	if cfg.State == lambdatypes.StatePending || cfg.LastUpdateStatus == lambdatypes.LastUpdateStatusInProgress {
		return errBusy
	}
	s := f.Spec
	// As updateFunctionTags does, before the code or the configuration.
	want := map[string]string{}
	for k, v := range s.Tags {
		if out.Tags[k] != ptr.Deref(v, "") {
			want[k] = ptr.Deref(v, "")
		}
	}
	if len(want) > 0 {
		if _, err := a.lambda.TagResource(ctx, &lambda.TagResourceInput{Resource: cfg.FunctionArn, Tags: want}); err != nil {
			return err
		}
	}
	codeChanged := s.Code != nil && s.Code.SHA256 != nil && ptr.Deref(cfg.CodeSha256, "") != *s.Code.SHA256
	if s.Code != nil && s.Code.ImageURI != nil && (out.Code == nil || ptr.Deref(out.Code.ImageUri, "") != *s.Code.ImageURI) {
		codeChanged = true
	}
	if codeChanged {
		c := a.code(s.Code)
		in := &lambda.UpdateFunctionCodeInput{FunctionName: s.Name, S3Bucket: c.S3Bucket, S3Key: c.S3Key, S3ObjectVersion: c.S3ObjectVersion, ImageUri: c.ImageUri}
		for _, arch := range s.Architectures {
			in.Architectures = append(in.Architectures, lambdatypes.Architecture(ptr.Deref(arch, "")))
		}
		if _, err := a.lambda.UpdateFunctionCode(ctx, in); err != nil {
			return err
		}
	} else {
		in := &lambda.UpdateFunctionConfigurationInput{FunctionName: s.Name, Role: s.Role, Handler: s.Handler,
			MemorySize: int32Of(s.MemorySize), Timeout: int32Of(s.Timeout)}
		if s.Runtime != nil {
			in.Runtime = lambdatypes.Runtime(*s.Runtime)
		}
		in.Environment, in.TracingConfig, in.DeadLetterConfig = configOf(s)
		in.EphemeralStorage, in.LoggingConfig = storageOf(s), loggingConfigOf(s)
		if _, err := a.lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
			return err
		}
	}
	if err := a.syncConcurrency(ctx, f); err != nil {
		return err
	}
	return a.readFunction(ctx, f)
}

// readFunction fills the status fields lambda-controller reads back.
func (a *awsSide) readFunction(ctx context.Context, f *ack.Function) error {
	out, err := a.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: f.Spec.Name})
	if err != nil {
		return err
	}
	c := out.Configuration
	f.Status.State = ptr.To(string(c.State))
	f.Status.StateReason = c.StateReason
	f.Status.LastUpdateStatus = nil
	if c.LastUpdateStatus != "" {
		f.Status.LastUpdateStatus = ptr.To(string(c.LastUpdateStatus))
	}
	f.Status.LastUpdateStatusReason = c.LastUpdateStatusReason
	f.Status.CodeSHA256 = c.CodeSha256
	return nil
}

// code is the function's code as CreateFunction takes it; the hash the
// child declares is what S3 holds at its location.
func (a *awsSide) code(c *ack.FunctionCode) *lambdatypes.FunctionCode {
	if c == nil {
		return &lambdatypes.FunctionCode{}
	}
	if c.SHA256 != nil {
		a.server.SetCodeHash(ptr.Deref(c.S3Bucket, ""), ptr.Deref(c.S3Key, ""), ptr.Deref(c.S3ObjectVersion, ""), *c.SHA256)
	}
	return &lambdatypes.FunctionCode{S3Bucket: c.S3Bucket, S3Key: c.S3Key, S3ObjectVersion: c.S3ObjectVersion, ImageUri: c.ImageURI}
}

// storageOf is the function's /tmp size as CreateFunction takes it.
func storageOf(s ack.FunctionSpec) *lambdatypes.EphemeralStorage {
	if s.EphemeralStorage == nil || s.EphemeralStorage.Size == nil {
		return nil
	}
	return &lambdatypes.EphemeralStorage{Size: aws.Int32(int32(*s.EphemeralStorage.Size))}
}

// loggingConfigOf is the function's logging configuration as CreateFunction
// takes it.
func loggingConfigOf(s ack.FunctionSpec) *lambdatypes.LoggingConfig {
	l := s.LoggingConfig
	if l == nil {
		return nil
	}
	return &lambdatypes.LoggingConfig{LogFormat: lambdatypes.LogFormat(ptr.Deref(l.LogFormat, "")), LogGroup: l.LogGroup,
		ApplicationLogLevel: lambdatypes.ApplicationLogLevel(ptr.Deref(l.ApplicationLogLevel, "")),
		SystemLogLevel:      lambdatypes.SystemLogLevel(ptr.Deref(l.SystemLogLevel, ""))}
}

func configOf(s ack.FunctionSpec) (*lambdatypes.Environment, *lambdatypes.TracingConfig, *lambdatypes.DeadLetterConfig) {
	var env *lambdatypes.Environment
	if s.Environment != nil {
		env = &lambdatypes.Environment{Variables: map[string]string{}}
		for k, v := range s.Environment.Variables {
			env.Variables[k] = ptr.Deref(v, "")
		}
	}
	var tracing *lambdatypes.TracingConfig
	if s.TracingConfig != nil && s.TracingConfig.Mode != nil {
		tracing = &lambdatypes.TracingConfig{Mode: lambdatypes.TracingMode(*s.TracingConfig.Mode)}
	}
	var dlq *lambdatypes.DeadLetterConfig
	if s.DeadLetterConfig != nil {
		dlq = &lambdatypes.DeadLetterConfig{TargetArn: s.DeadLetterConfig.TargetARN}
	}
	return env, tracing, dlq
}

func int32Of(v *int64) *int32 {
	if v == nil {
		return nil
	}
	return ptr.To(int32(*v))
}

// createStateMachine calls CreateStateMachine as sfn-controller does and
// returns the ARN.
func (a *awsSide) createStateMachine(ctx context.Context, m *ack.StateMachine) (string, error) {
	s := m.Spec
	in := &sfn.CreateStateMachineInput{Name: s.Name, Definition: s.Definition, RoleArn: s.RoleARN,
		LoggingConfiguration: loggingOf(s), TracingConfiguration: tracingOf(s)}
	if s.Type != nil {
		in.Type = sfntypes.StateMachineType(*s.Type)
	}
	for _, t := range s.Tags {
		in.Tags = append(in.Tags, sfntypes.Tag{Key: t.Key, Value: t.Value})
	}
	out, err := a.sfn.CreateStateMachine(ctx, in)
	var exists *sfntypes.StateMachineAlreadyExists
	if errors.As(err, &exists) {
		// Left from a stack deleted before: this child's, updated.
		arn := arns.Scope{Region: a.server.Region, Account: a.server.AccountID}.StateMachine(ptr.Deref(s.Name, ""))
		return arn, a.updateStateMachine(ctx, m, arn)
	}
	if err != nil {
		return "", err
	}
	return ptr.Deref(out.StateMachineArn, ""), nil
}

// updateStateMachine calls UpdateStateMachine and TagResource as
// sfn-controller does (after which it writes no status).
func (a *awsSide) updateStateMachine(ctx context.Context, m *ack.StateMachine, arn string) error {
	s := m.Spec
	if _, err := a.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: s.Definition,
		RoleArn: s.RoleARN, LoggingConfiguration: loggingOf(s), TracingConfiguration: tracingOf(s)}); err != nil {
		return err
	}
	var tags []sfntypes.Tag
	for _, t := range s.Tags {
		tags = append(tags, sfntypes.Tag{Key: t.Key, Value: t.Value})
	}
	if len(tags) == 0 {
		return nil
	}
	_, err := a.sfn.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags})
	return err
}

func loggingOf(s ack.StateMachineSpec) *sfntypes.LoggingConfiguration {
	l := s.LoggingConfiguration
	if l == nil {
		return nil
	}
	out := &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevel(ptr.Deref(l.Level, "OFF")), IncludeExecutionData: ptr.Deref(l.IncludeExecutionData, false)}
	for _, d := range l.Destinations {
		if d != nil && d.CloudWatchLogsLogGroup != nil {
			out.Destinations = append(out.Destinations, sfntypes.LogDestination{CloudWatchLogsLogGroup: &sfntypes.CloudWatchLogsLogGroup{LogGroupArn: d.CloudWatchLogsLogGroup.LogGroupARN}})
		}
	}
	return out
}

func tracingOf(s ack.StateMachineSpec) *sfntypes.TracingConfiguration {
	if s.TracingConfiguration == nil || s.TracingConfiguration.Enabled == nil {
		return nil
	}
	return &sfntypes.TracingConfiguration{Enabled: *s.TracingConfiguration.Enabled}
}

// createRole calls CreateRole as iam-controller does (its inline policies
// follow on its next reconcile, putRolePolicies); a role of the name left from
// a stack deleted before is this child's.
func (a *awsSide) createRole(ctx context.Context, r *ack.Role) (string, error) {
	s := r.Spec
	in := &iam.CreateRoleInput{RoleName: s.Name, AssumeRolePolicyDocument: s.AssumeRolePolicyDocument, Description: s.Description}
	for _, t := range s.Tags {
		in.Tags = append(in.Tags, iamtypes.Tag{Key: t.Key, Value: t.Value})
	}
	out, err := a.iam.CreateRole(ctx, in)
	var exists *iamtypes.EntityAlreadyExistsException
	if errors.As(err, &exists) {
		got, err := a.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: s.Name})
		if err != nil {
			return "", err
		}
		if _, err := a.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: s.Name, PolicyDocument: s.AssumeRolePolicyDocument}); err != nil {
			return "", err
		}
		return ptr.Deref(got.Role.Arn, ""), nil
	}
	if err != nil {
		return "", err
	}
	return ptr.Deref(out.Role.Arn, ""), nil
}

// putRolePolicies puts a role's inline policies and trust policy.
func (a *awsSide) putRolePolicies(ctx context.Context, r *ack.Role) error {
	s := r.Spec
	if _, err := a.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: s.Name, PolicyDocument: s.AssumeRolePolicyDocument}); err != nil {
		return err
	}
	for name, doc := range s.InlinePolicies {
		if _, err := a.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: s.Name, PolicyName: aws.String(name), PolicyDocument: doc}); err != nil {
			return err
		}
	}
	return nil
}

// awsMessage is an AWS error as ACK puts it in a condition ("Code: message").
func awsMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "api error "); i >= 0 {
		return msg[i+len("api error "):]
	}
	// A modelled error (SQS's InvalidAttributeValue...) prints itself
	// without "api error ".
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	return fmt.Sprint(err)
}

// putMetricAlarm calls PutMetricAlarm with the child's spec, as
// cloudwatch-controller's sdkCreate and sdkUpdate do (PutMetricAlarm both
// creates and replaces an alarm), and returns the alarm's ARN.
func (a *awsSide) putMetricAlarm(ctx context.Context, m *ack.MetricAlarm) (string, error) {
	s := m.Spec
	in := &cloudwatch.PutMetricAlarmInput{
		AlarmName: s.Name, AlarmDescription: s.AlarmDescription, Namespace: s.Namespace, MetricName: s.MetricName,
		Statistic: cwtypes.Statistic(ptr.Deref(s.Statistic, "")), Threshold: s.Threshold,
		ComparisonOperator: cwtypes.ComparisonOperator(ptr.Deref(s.ComparisonOperator, "")),
		TreatMissingData:   s.TreatMissingData, ActionsEnabled: s.ActionsEnabled,
	}
	if s.Period != nil {
		in.Period = aws.Int32(int32(*s.Period))
	}
	if s.EvaluationPeriods != nil {
		in.EvaluationPeriods = aws.Int32(int32(*s.EvaluationPeriods))
	}
	for _, d := range s.Dimensions {
		in.Dimensions = append(in.Dimensions, cwtypes.Dimension{Name: d.Name, Value: d.Value})
	}
	for _, x := range s.AlarmActions {
		in.AlarmActions = append(in.AlarmActions, ptr.Deref(x, ""))
	}
	for _, x := range s.OKActions {
		in.OKActions = append(in.OKActions, ptr.Deref(x, ""))
	}
	if _, err := a.cw.PutMetricAlarm(ctx, in); err != nil {
		return "", err
	}
	return arns.Scope{Region: a.server.Region, Account: a.server.AccountID}.Alarm(ptr.Deref(s.Name, "")), nil
}
