// Package awsapi gives the operator its AWS clients (EventBridge, Lambda and
// CloudWatch Logs, which it drives itself; everything else goes through ACK,
// and the operator only reads what ACK's status cannot tell: Lambda's and
// Step Functions' view of a function or state machine) and types their errors
// by what should happen next.
//
// Credentials and region come from the SDK's default chain (environment, EKS
// Pod Identity, IRSA web identity, shared config); a stack's spec.region
// overrides the region. An endpoint URL points every client at an
// AWS-compatible endpoint, such as a local emulator or the tests' server.
package awsapi

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/eventstack-io/eventstack-operator/internal/metrics"
)

// EventBridge is the part of the EventBridge API the operator calls.
type EventBridge interface {
	CreateEventBus(context.Context, *eventbridge.CreateEventBusInput, ...func(*eventbridge.Options)) (*eventbridge.CreateEventBusOutput, error)
	DescribeEventBus(context.Context, *eventbridge.DescribeEventBusInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeEventBusOutput, error)
	DeleteEventBus(context.Context, *eventbridge.DeleteEventBusInput, ...func(*eventbridge.Options)) (*eventbridge.DeleteEventBusOutput, error)
	PutRule(context.Context, *eventbridge.PutRuleInput, ...func(*eventbridge.Options)) (*eventbridge.PutRuleOutput, error)
	DescribeRule(context.Context, *eventbridge.DescribeRuleInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeRuleOutput, error)
	DeleteRule(context.Context, *eventbridge.DeleteRuleInput, ...func(*eventbridge.Options)) (*eventbridge.DeleteRuleOutput, error)
	ListRules(context.Context, *eventbridge.ListRulesInput, ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error)
	PutTargets(context.Context, *eventbridge.PutTargetsInput, ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error)
	ListTargetsByRule(context.Context, *eventbridge.ListTargetsByRuleInput, ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
	RemoveTargets(context.Context, *eventbridge.RemoveTargetsInput, ...func(*eventbridge.Options)) (*eventbridge.RemoveTargetsOutput, error)
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
	ListTagsForResource(context.Context, *eventbridge.ListTagsForResourceInput, ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error)
	// The bus's archive (routing.EnsureArchive), and its replays (kubectl eds replay).
	CreateArchive(context.Context, *eventbridge.CreateArchiveInput, ...func(*eventbridge.Options)) (*eventbridge.CreateArchiveOutput, error)
	DescribeArchive(context.Context, *eventbridge.DescribeArchiveInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeArchiveOutput, error)
	UpdateArchive(context.Context, *eventbridge.UpdateArchiveInput, ...func(*eventbridge.Options)) (*eventbridge.UpdateArchiveOutput, error)
	DeleteArchive(context.Context, *eventbridge.DeleteArchiveInput, ...func(*eventbridge.Options)) (*eventbridge.DeleteArchiveOutput, error)
	StartReplay(context.Context, *eventbridge.StartReplayInput, ...func(*eventbridge.Options)) (*eventbridge.StartReplayOutput, error)
	DescribeReplay(context.Context, *eventbridge.DescribeReplayInput, ...func(*eventbridge.Options)) (*eventbridge.DescribeReplayOutput, error)
	CancelReplay(context.Context, *eventbridge.CancelReplayInput, ...func(*eventbridge.Options)) (*eventbridge.CancelReplayOutput, error)
}

// Lambda is the part of the Lambda API the operator calls.
type Lambda interface {
	AddPermission(context.Context, *lambda.AddPermissionInput, ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error)
	GetPolicy(context.Context, *lambda.GetPolicyInput, ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
	RemovePermission(context.Context, *lambda.RemovePermissionInput, ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error)
	ListEventSourceMappings(context.Context, *lambda.ListEventSourceMappingsInput, ...func(*lambda.Options)) (*lambda.ListEventSourceMappingsOutput, error)
	// What ACK's lambda controller does not report (package probe).
	GetFunction(context.Context, *lambda.GetFunctionInput, ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	GetEventSourceMapping(context.Context, *lambda.GetEventSourceMappingInput, ...func(*lambda.Options)) (*lambda.GetEventSourceMappingOutput, error)
	UpdateEventSourceMapping(context.Context, *lambda.UpdateEventSourceMappingInput, ...func(*lambda.Options)) (*lambda.UpdateEventSourceMappingOutput, error)
	// A rollout's pre- and post-traffic checks (rollout.RunCheck).
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// StepFunctions is the part of the Step Functions API the operator calls:
// what ACK's sfn controller does not report after an update (package probe).
type StepFunctions interface {
	DescribeStateMachine(context.Context, *sfn.DescribeStateMachineInput, ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error)
	ListTagsForResource(context.Context, *sfn.ListTagsForResourceInput, ...func(*sfn.Options)) (*sfn.ListTagsForResourceOutput, error)
}

// Logs is the part of the CloudWatch Logs API the operator calls: the log
// groups of the workflows that log.
type Logs interface {
	CreateLogGroup(context.Context, *cloudwatchlogs.CreateLogGroupInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error)
	DescribeLogGroups(context.Context, *cloudwatchlogs.DescribeLogGroupsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
	PutRetentionPolicy(context.Context, *cloudwatchlogs.PutRetentionPolicyInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutRetentionPolicyOutput, error)
	DeleteLogGroup(context.Context, *cloudwatchlogs.DeleteLogGroupInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteLogGroupOutput, error)
}

// Alarms is the part of the CloudWatch API the operator calls: the state
// of the stack's alarms, which ACK's cloudwatch controller does not report.
type Alarms interface {
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// STS is the part of the STS API the operator calls: which account its
// credentials are in, to derive the ARNs of resources not created yet.
type STS interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Clients are the clients for one region.
type Clients struct {
	Alarms        Alarms
	EventBridge   EventBridge
	Lambda        Lambda
	Logs          Logs
	STS           STS
	StepFunctions StepFunctions
}

// Factory makes, and keeps, one set of clients per region and role.
type Factory struct {
	// EndpointURL, when set, is the endpoint of every client.
	EndpointURL string
	// MaxAttempts bounds the SDK's standard retryer (throttling, 5xx,
	// transient network errors), with its exponential backoff and jitter.
	MaxAttempts int
	// LoadOptions are added to the default chain's options (tests give
	// static credentials here).
	LoadOptions []func(*config.LoadOptions) error

	mu      sync.Mutex
	clients map[string]*Clients
	// accounts are the accounts of the credentials, by region and role.
	accounts map[string]string
}

// Account returns the AWS account of the credentials the operator uses in a
// region (with roleARN, the role's) from STS GetCallerIdentity, which needs no
// IAM permission; asked once.
func (f *Factory) Account(ctx context.Context, region, roleARN string) (string, error) {
	key := region + "|" + roleARN
	f.mu.Lock()
	acct, ok := f.accounts[key]
	f.mu.Unlock()
	if ok {
		return acct, nil
	}
	c, err := f.For(ctx, region, roleARN)
	if err != nil {
		return "", err
	}
	out, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", Classify("sts:GetCallerIdentity", err)
	}
	acct = aws.ToString(out.Account)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.accounts == nil {
		f.accounts = map[string]string{}
	}
	f.accounts[key] = acct
	return acct, nil
}

// For returns the clients of a region: with the default credential chain,
// or, with roleARN, with the credentials of that role, which the default
// chain's credentials assume (STS AssumeRole, refreshed before they expire),
// as ACK's controllers do for a namespace mapped to another account.
func (f *Factory) For(ctx context.Context, region, roleARN string) (*Clients, error) {
	key := region + "|" + roleARN
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[key]; ok {
		return c, nil
	}
	attempts := f.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	opts := append([]func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = attempts })
		}),
	}, f.LoadOptions...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration for %s: %w", region, err)
	}
	cfg.APIOptions = append(cfg.APIOptions, metrics.CountAWSCalls)
	if roleARN != "" {
		base := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = endpointOf(f.EndpointURL) })
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(base, roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "eventstack-operator"
		}))
	}
	c := &Clients{
		Alarms:        cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = endpointOf(f.EndpointURL) }),
		EventBridge:   eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = endpointOf(f.EndpointURL) }),
		Lambda:        lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = endpointOf(f.EndpointURL) }),
		Logs:          cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = endpointOf(f.EndpointURL) }),
		STS:           sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = endpointOf(f.EndpointURL) }),
		StepFunctions: sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = endpointOf(f.EndpointURL) }),
	}
	if f.clients == nil {
		f.clients = map[string]*Clients{}
	}
	f.clients[key] = c
	return c, nil
}

// endpointOf is a client's BaseEndpoint: nil, AWS's own, unless one is given.
func endpointOf(url string) *string {
	if url == "" {
		return nil
	}
	return aws.String(url)
}
