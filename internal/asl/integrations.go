package asl

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// Pattern is a service integration pattern: how a Task waits on what it
// calls. It is written as a suffix of the Resource.
type Pattern string

const (
	// RequestResponse (no suffix): the Task goes on once the API answers.
	RequestResponse Pattern = ""
	// RunJob (.sync): the Task waits for the job to finish.
	RunJob Pattern = ".sync"
	// RunJobJSON (.sync:2): Step Functions' startExecution only, the child
	// execution's output as JSON rather than as a string.
	RunJobJSON Pattern = ".sync:2"
	// Callback (.waitForTaskToken): the Task waits for SendTaskSuccess or
	// SendTaskFailure with its token.
	Callback Pattern = ".waitForTaskToken"
)

// String names a pattern as the developer guide does.
func (p Pattern) String() string {
	switch p {
	case RequestResponse:
		return "Request Response"
	case RunJob:
		return ".sync (Run a Job)"
	case RunJobJSON:
		return ".sync:2 (Run a Job, JSON output)"
	case Callback:
		return ".waitForTaskToken (Wait for Callback)"
	}
	return string(p)
}

// Integration is one optimized integration a Task may call:
// arn:<partition>:states:::<Service>:<Action><pattern>, for each of Patterns.
type Integration struct {
	Service, Action string
	Patterns        []Pattern
}

var (
	rr   = []Pattern{RequestResponse}
	rrS  = []Pattern{RequestResponse, RunJob}
	rrC  = []Pattern{RequestResponse, Callback}
	rrSC = []Pattern{RequestResponse, RunJob, Callback}
)

// optimized is every optimized integration of the AWS Step Functions
// Developer Guide, "Integrating optimized services" and the page of each
// service (connect-<service>), by service and API action, with the patterns
// each action offers.
//
// Where the guide is per action (which actions have .sync), this follows the
// service's page. For .waitForTaskToken the guide's summary table is per
// service, and two services' pages disagree with it (Amazon EKS's page says
// the callback pattern is not supported, Amazon Bedrock's names no action
// for it): there every action of the service is given the callback pattern,
// the lenient reading, since a false refusal would block a workflow AWS may
// run. The HTTP Task (call-https-apis) documents Request Response only.
var optimized = map[string]map[string][]Pattern{
	"apigateway": {"invoke": rrC},
	"athena": {"startQueryExecution": rrS, "stopQueryExecution": rr, "getQueryExecution": rr,
		"getQueryResults": rr},
	"batch":   {"submitJob": rrS},
	"bedrock": {"invokeModel": rrC, "createModelCustomizationJob": rrSC},
	"codebuild": {"startBuild": rrS, "stopBuild": rr, "batchDeleteBuilds": rr, "batchGetReports": rr,
		"startBuildBatch": rrS, "stopBuildBatch": rr, "retryBuildBatch": rrS, "deleteBuildBatch": rr},
	"databrew": {"startJobRun": rrS},
	"dynamodb": {"getItem": rr, "putItem": rr, "updateItem": rr, "deleteItem": rr},
	"ecs":      {"runTask": rrSC},
	"eks": {"runJob": rrSC, "call": rrC, "createCluster": rrSC, "deleteCluster": rrSC,
		"createFargateProfile": rrSC, "deleteFargateProfile": rrSC, "createNodegroup": rrSC, "deleteNodegroup": rrSC},
	"elasticmapreduce": {"createCluster": rrS, "setClusterTerminationProtection": rr, "terminateCluster": rrS,
		"addStep": rrS, "cancelStep": rr, "modifyInstanceFleetByName": rr, "modifyInstanceGroupByName": rr},
	"emr-containers": {"createVirtualCluster": rr, "deleteVirtualCluster": rrS, "startJobRun": rrS},
	"emr-serverless": {"createApplication": rrS, "startApplication": rrS, "stopApplication": rrS,
		"deleteApplication": rrS, "startJobRun": rrS, "cancelJobRun": rrS},
	"events":       {"putEvents": rrC},
	"glue":         {"startJobRun": rrS},
	"http":         {"invoke": rr},
	"lambda":       {"invoke": rrC},
	"mediaconvert": {"createJob": rrS},
	"sagemaker": {"createEndpoint": rr, "createEndpointConfig": rr, "createHyperParameterTuningJob": rrS,
		"createLabelingJob": rrS, "createModel": rr, "createProcessingJob": rrS, "createTrainingJob": rrS,
		"createTransformJob": rrS, "updateEndpoint": rr},
	"sns":    {"publish": rrC},
	"sqs":    {"sendMessage": rrC},
	"states": {"startExecution": {RequestResponse, RunJob, RunJobJSON, Callback}},
}

// sdkPatterns are the patterns of the AWS SDK integrations
// (arn:<partition>:states:::aws-sdk:<service>:<apiAction>): "Request
// Response" and "Wait for Callback", "Run a Job: not supported".
var sdkPatterns = rrC

// Distributed Map's ItemReader and ResultWriter call S3 through resources of
// their own (Map state, "ItemReader", "ResultWriter"): they are no Task's.
var (
	itemReaderResources   = []string{"s3:getObject", "s3:listObjectsV2"}
	resultWriterResources = []string{"s3:putObject"}
)

// OptimizedIntegrations lists every optimized integration, sorted by service
// and action, with the patterns it offers: what a Task's Resource may call
// besides the AWS SDK integrations, Lambda functions and activities.
func OptimizedIntegrations() []Integration {
	var out []Integration
	for service, actions := range optimized {
		for action, patterns := range actions {
			out = append(out, Integration{Service: service, Action: action, Patterns: slices.Clone(patterns)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Action < out[j].Action
	})
	return out
}

var (
	// integrationARN is arn:<partition>:states:::<rest>: an integration,
	// whose region and account are the state machine's.
	integrationARN = regexp.MustCompile(`^arn:(aws(?:-[a-z]+)*):states:::(.+)$`)
	// lambdaFunctionARN is a Lambda function, optionally qualified by a
	// version or alias (Lambda API, Invoke FunctionName).
	lambdaFunctionARN = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9_-]{1,128}))?$`)
	// activityARN is a Step Functions activity (CreateActivity: a name of 1
	// to 80 characters).
	activityARN = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:states:[a-z0-9-]+:\d{12}:activity:[^:/\s]{1,80}$`)
	// sdkIntegration is aws-sdk:<service>:<apiAction>, the API action in
	// camelCase as the guide writes it (aws-sdk:ec2:describeInstances).
	sdkIntegration = regexp.MustCompile(`^aws-sdk:([a-z0-9][a-z0-9.-]*):([a-z][A-Za-z0-9]*)$`)
	// anyReference finds a ${...} of the operator in a Resource.
	anyReference = regexp.MustCompile(`\$\{[^}]*\}`)
)

// patternSuffixes are the suffixes a Resource may end with, longest first.
var patternSuffixes = []Pattern{RunJobJSON, RunJob, Callback}

// splitPattern cuts a known pattern suffix off an integration, or reports
// an unknown one (a dot, then letters, after the action).
func splitPattern(integration string) (base string, p Pattern, unknown string) {
	for _, s := range patternSuffixes {
		if b, ok := strings.CutSuffix(integration, string(s)); ok {
			return b, s, ""
		}
	}
	// The action is the part after the last colon; a dot in it starts a
	// pattern suffix (no action name has one).
	colon := strings.LastIndex(integration, ":")
	if dot := strings.Index(integration[colon+1:], "."); colon >= 0 && dot >= 0 {
		return integration[:colon+1+dot], RequestResponse, integration[colon+1+dot:]
	}
	return integration, RequestResponse, ""
}

// resource checks a Task's Resource: an optimized integration with a
// pattern it offers, an AWS SDK integration, a Lambda function ARN or an
// activity ARN, as the developer guide lists them ("Task workflow state",
// "Integrating optimized services", "AWS SDK integrations"). A Resource that
// is one of the operator's references must be a function's ARN, the only
// component a Task runs directly.
func (c *checker) resource(v any, path string) {
	s, isString := v.(string)
	if !isString {
		c.add(path, "must be an ARN string, not %s", describe(v))
		return
	}
	if found := anyReference.FindAllString(s, -1); len(found) > 0 {
		if len(found) > 1 || found[0] != s {
			c.add(path, "a Resource that names a component of the stack must be exactly one reference, ${function:NAME}, not %q", s)
			return
		}
		c.referenceResource(s, path)
		return
	}
	if m := integrationARN.FindStringSubmatch(s); m != nil {
		c.integration(s, m[1], m[2], path)
		return
	}
	switch {
	case lambdaFunctionARN.MatchString(s):
		return
	case strings.HasSuffix(s, string(Callback)) && lambdaFunctionARN.MatchString(strings.TrimSuffix(s, string(Callback))):
		c.add(path, "a Lambda function ARN as Resource takes no .waitForTaskToken (\"Invoke Lambda with Step Functions\"): use arn:aws:states:::lambda:invoke.waitForTaskToken with the function in FunctionName")
		return
	case activityARN.MatchString(s):
		return
	}
	c.add(path, "%q is not a Resource a Task can run: Step Functions takes an optimized integration arn:<partition>:states:::<service>:<action>[.sync|.waitForTaskToken], "+
		"an AWS SDK integration arn:<partition>:states:::aws-sdk:<service>:<apiAction>, a Lambda function ARN "+
		"(arn:<partition>:lambda:<region>:<account>:function:<name>[:<version or alias>]) or an activity ARN "+
		"(arn:<partition>:states:<region>:<account>:activity:<name>)", s)
}

// integration checks arn:<partition>:states:::<rest>.
func (c *checker) integration(resource, partition, rest, path string) {
	base, p, unknown := splitPattern(rest)
	if unknown != "" {
		c.add(path, "%q: unknown integration pattern %q (Step Functions' patterns are Request Response, with no suffix, .sync, .sync:2 and .waitForTaskToken)", resource, unknown)
		return
	}
	if m := sdkIntegration.FindStringSubmatch(base); m != nil {
		if !slices.Contains(sdkPatterns, p) {
			c.add(path, "%q: AWS SDK integrations support Request Response and .waitForTaskToken, not the %s integration pattern (\"Integrating services\", AWS SDK integrations: Run a Job not supported)", resource, p)
		}
		return
	}
	if strings.HasPrefix(base, "aws-sdk:") {
		c.add(path, "%q is not an AWS SDK integration: write arn:%s:states:::aws-sdk:<service>:<apiAction>, the service as in the SDK (e.g. s3, dynamodb) and the API action in camelCase (e.g. listBuckets)", resource, partition)
		return
	}
	service, action, ok := strings.Cut(base, ":")
	actions, known := optimized[service]
	if !ok || !known {
		if slices.Contains(itemReaderResources, base) || slices.Contains(resultWriterResources, base) {
			c.add(path, "%q is the resource of a Distributed Map's ItemReader or ResultWriter, not a Task's: call S3 from a Task through arn:%s:states:::aws-sdk:%s", resource, partition, base)
			return
		}
		c.add(path, "%q: %q is no optimized integration of Step Functions (see \"Integrating optimized services\"); to call a service's API action write the AWS SDK integration arn:%s:states:::aws-sdk:%s", resource, base, partition, base)
		return
	}
	patterns, known := actions[action]
	if !known {
		c.add(path, "%q: %s is not an optimized integration: the optimized %s integration offers %s (\"Integrating optimized services\"); call other API actions through the AWS SDK integration arn:%s:states:::aws-sdk:%s:%s",
			resource, base, service, strings.Join(slices.Sorted(maps.Keys(actions)), ", "), partition, sdkService(service), action)
		return
	}
	if !slices.Contains(patterns, p) {
		c.add(path, "%q: %s does not support the %s integration pattern; it supports %s (\"Integrating optimized services\")",
			resource, base, p, patternList(patterns))
	}
}

// sdkService is the AWS SDK integration's name of an optimized integration's
// service, where they differ.
func sdkService(service string) string {
	switch service {
	case "elasticmapreduce":
		return "emr"
	case "events":
		return "eventbridge"
	case "states":
		return "sfn"
	case "emr-containers":
		return "emrcontainers"
	case "emr-serverless":
		return "emrserverless"
	}
	return service
}

func patternList(patterns []Pattern) string {
	names := make([]string, len(patterns))
	for i, p := range patterns {
		names[i] = p.String()
	}
	return strings.Join(names, ", ")
}

// howToCall says, for each kind of component a Task does not run directly,
// which integration reaches it and with which parameter.
var howToCall = map[refs.Kind]string{
	refs.Table:    "call it through arn:aws:states:::dynamodb:putItem (or getItem, updateItem, deleteItem) with TableName",
	refs.Queue:    "send to it through arn:aws:states:::sqs:sendMessage with QueueUrl",
	refs.Topic:    "publish to it through arn:aws:states:::sns:publish with TopicArn",
	refs.Workflow: "start it through arn:aws:states:::states:startExecution (.sync:2 to wait for it) with StateMachineArn",
	refs.EventBus: "put events on it through arn:aws:states:::events:putEvents with EventBusName in Entries",
}

// referenceResource checks a Resource that is one reference: it becomes what
// the reference resolves to, and only a function's ARN is something a Task
// runs.
func (c *checker) referenceResource(s, path string) {
	r, err := refs.Parse(s)
	switch {
	case err != nil:
		c.add(path, "%v", err)
	case r.Kind == refs.Function && r.Attr == refs.ARN:
	case r.Kind == refs.Function:
		c.add(path, "%s is the function's %s, not its ARN: a Task runs a function by ARN, ${function:%s}, or through arn:aws:states:::lambda:invoke with FunctionName",
			s, r.Attr, r.Name)
	default:
		what := map[refs.Attr]string{refs.Name: "name", refs.URL: "URL", refs.ARN: "ARN"}[r.Attr]
		kind := string(r.Kind)
		if r.Kind == refs.EventBus {
			kind = "event bus"
		}
		if r.Attr == refs.ARN {
			c.add(path, "%s is a %s's ARN, and a %s is nothing a Task runs (a Task's Resource is an integration, a function or an activity): %s",
				s, kind, kind, howToCall[r.Kind])
			return
		}
		c.add(path, "%s is a %s's %s, not an ARN a Task can run: %s", s, kind, what, howToCall[r.Kind])
	}
}

// mapResource checks the Resource of a Distributed Map's ItemReader or
// ResultWriter.
func (c *checker) mapResource(v any, path, holder string, allowed []string) {
	s, _ := v.(string)
	if m := integrationARN.FindStringSubmatch(s); m != nil && slices.Contains(allowed, m[2]) {
		return
	}
	forms := make([]string, len(allowed))
	for i, a := range allowed {
		forms[i] = "arn:aws:states:::" + a
	}
	c.add(path, "an %s's Resource is %s (Map state, %s), not %s", holder, strings.Join(forms, " or "), holder, describe(v))
}
