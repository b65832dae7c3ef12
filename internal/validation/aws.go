package validation

// The checks in this file refuse at admission what an AWS API would refuse
// later: without them such a spec is accepted, rendered, and then fails in an
// ACK controller (or in the operator's own EventBridge calls) and is retried
// forever. Each rule, and the AWS page it rests on, is listed in
// aws_constraints.md beside this file, with the rules considered and left out.
//
// A check here is no wider than what AWS refuses: where the operator cannot
// know a value exactly (an account ID in an ARN), it counts the least it can be.

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Defaults the CRD fills in. Validate may see a spec that no API server
// defaulted (kubectl eds render -f), so it applies them itself.
const (
	// defaultVisibilityTimeout is SQS's and the CRD's default, in seconds.
	defaultVisibilityTimeout = 30
	// defaultFunctionTimeout is Lambda's and the CRD's default, in seconds.
	defaultFunctionTimeout = 3
	// defaultBatchSize is the CRD's (and Lambda's, for SQS) batch size.
	defaultBatchSize = 10
)

// awsConstraints runs every check of what AWS refuses.
func (v *validator) awsConstraints(spec *field.Path, stack *v1alpha1.EventDrivenStack) {
	s := v.spec
	v.tags(spec.Child("tags"))
	for i, t := range s.Topics {
		for j, sub := range t.Subscriptions {
			v.subscription(spec.Child("topics").Index(i).Child("subscriptions").Index(j), sub)
		}
	}
	for i, t := range s.Tables {
		v.tableKeys(spec.Child("tables").Index(i), t)
	}
	for i, f := range s.Functions {
		p := spec.Child("functions").Index(i)
		v.lambdaFunction(p, f)
		v.lambdaRoleAndImage(p, f) // lambda.go
		v.functionSettings(p, f)   // functions.go
		for j, c := range f.Consumes {
			v.queueConsumer(p.Child("consumes").Index(j), f, c)
		}
	}
	for i, w := range s.Workflows {
		v.stateMachine(spec.Child("workflows").Index(i), w)
	}
	for i, r := range s.Rules {
		for j, t := range r.Targets {
			v.targetInput(spec.Child("rules").Index(i).Child("targets").Index(j), t) // targets.go
		}
	}
	if s.EventBus != nil && s.NamePrefix+s.EventBus.Name == "default" {
		v.errs = append(v.errs, field.Invalid(spec.Child("eventBus", "name"), s.EventBus.Name,
			`the bus would be named "default": EventBridge refuses that name for a custom event bus (it is the account's default bus)`))
	}
	v.roleNameClashes(spec)
	v.eventsDLQNameClash(spec, stack.Name)
	v.sameEndpointSubscriptions(spec) // subscriptions.go
	v.wildcardRules(spec)             // eventbridge_quotas.go
}

// Tags.

// tagChar reports whether r belongs to the character set of tag keys and
// values that IAM enforces on roles (the API pattern [\p{L}\p{Z}\p{N}_.:/=+\-@])
// and that Lambda, SNS, Step Functions and EventBridge document as allowed.
func tagChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)
}

// tags checks the stack's tags, which go on every resource that takes tags:
// keys of 1 to 128 characters and values of at most 256 (every service), keys
// not starting with "aws:" (reserved by AWS), and, when the stack creates
// anything but SQS queues, the common tag character set. SQS documents no
// character restriction ("Amazon SQS interprets tags as character strings"),
// so a stack of queues only is not held to it.
func (v *validator) tags(p *field.Path) {
	strictChars := v.createsMoreThanQueues()
	for _, k := range sortedKeys(v.spec.Tags) {
		value := v.spec.Tags[k]
		at := p.Key(k)
		switch n := utf8.RuneCountInString(k); {
		case n == 0:
			v.errs = append(v.errs, field.Invalid(at, k, "a tag key needs 1 to 128 characters"))
		case n > 128:
			v.errs = append(v.errs, field.TooLongCharacters(at, k, 128))
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			v.errs = append(v.errs, field.Invalid(at, k, `tag keys starting with "aws:" are reserved for AWS; every service refuses them`))
		}
		if utf8.RuneCountInString(value) > 256 {
			v.errs = append(v.errs, field.TooLongCharacters(at, value, 256))
		}
		if !strictChars {
			continue
		}
		if bad := firstBadTagChar(k); bad != "" {
			v.errs = append(v.errs, field.Invalid(at, k, "the tag key holds "+bad+
				": IAM (for the stack's roles) and the other services take letters, digits, spaces and _ . : / = + - @ only"))
		}
		if bad := firstBadTagChar(value); bad != "" {
			v.errs = append(v.errs, field.Invalid(at, value, "the tag value holds "+bad+
				": IAM (for the stack's roles) and the other services take letters, digits, spaces and _ . : / = + - @ only"))
		}
	}
}

func firstBadTagChar(s string) string {
	for _, r := range s {
		if !tagChar(r) {
			return fmt.Sprintf("%q", r)
		}
	}
	return ""
}

// createsMoreThanQueues reports whether the stack creates a resource other
// than SQS queues: a topic, table, function, workflow (and their IAM roles)
// or an event bus.
func (v *validator) createsMoreThanQueues() bool {
	s := v.spec
	return len(s.Topics) > 0 || len(s.Tables) > 0 || len(s.Functions) > 0 || len(s.Workflows) > 0 || s.EventBus != nil
}

// SNS subscriptions.

var (
	// emailAddress is the least an email address is: a local part, @, and a
	// domain with a dot, with no space or address-list punctuation.
	emailAddress = regexp.MustCompile(`^[^@\s<>(),;:"\[\]]+@[^@\s<>(),;:"\[\]]+\.[^@\s<>(),;:"\[\]]+$`)
	// phoneNumber is a number SNS can canonicalise to E.164: an optional
	// leading +, then digits, optionally grouped by spaces, dots, dashes and
	// parentheses.
	phoneNumber = regexp.MustCompile(`^\+?[0-9 ().-]+$`)
)

// subscription checks an SNS subscription as Subscribe does (API reference,
// Subscribe: "For the http protocol, the (public) endpoint is a URL beginning
// with http://"; https likewise; email and email-json take an email address;
// sms a phone number), RawMessageDelivery as SetSubscriptionAttributes does,
// and the filter policy against the SNS filter policy constraints.
func (v *validator) subscription(p *field.Path, sub v1alpha1.Subscription) {
	if msg := endpointProblem(sub.Protocol, sub.Endpoint); msg != "" {
		v.errs = append(v.errs, field.Invalid(p.Child("endpoint"), sub.Endpoint, msg))
	}
	if sub.RawMessageDelivery && !sub.Protocol.TakesRawMessageDelivery() {
		v.errs = append(v.errs, field.Invalid(p.Child("rawMessageDelivery"), true, fmt.Sprintf(
			"SNS delivers raw messages to sqs, http and https subscriptions only; it refuses the attribute for protocol %s (\"Delivery protocol [%s] does not support raw message delivery\")",
			sub.Protocol, sub.Protocol)))
	}
	if sub.FilterPolicy != nil && len(sub.FilterPolicy.Raw) > 0 {
		if msg := checkFilterPolicy(sub.FilterPolicy.Raw, string(sub.FilterPolicyScope)); msg != "" {
			v.errs = append(v.errs, field.Invalid(p.Child("filterPolicy"), string(sub.FilterPolicy.Raw), msg))
		}
	}
}

// endpointProblem says why SNS would refuse an endpoint for a protocol, or "".
// A missing endpoint is reported elsewhere.
func endpointProblem(protocol v1alpha1.SubscriptionProtocol, endpoint string) string {
	if endpoint == "" {
		return ""
	}
	switch protocol {
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != string(protocol) || u.Host == "" {
			return fmt.Sprintf("protocol %s needs a URL beginning with %s:// and naming a host", protocol, protocol)
		}
	case "email", "email-json":
		if !emailAddress.MatchString(endpoint) {
			return fmt.Sprintf("protocol %s needs an email address, e.g. ops@example.com", protocol)
		}
	case "sms":
		digits := 0
		for _, r := range endpoint {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !phoneNumber.MatchString(endpoint) || digits == 0 || digits > 15 {
			return "protocol sms needs a phone number in E.164 form (+ country code and number, at most 15 digits), e.g. +14155550100"
		}
	}
	return ""
}

// DynamoDB.

// tableKeys refuses a sort key with the partition key's name: CreateTable
// takes the two as two KeySchema elements with their AttributeDefinitions, and
// refuses two elements, or two definitions, naming one attribute.
func (v *validator) tableKeys(p *field.Path, t v1alpha1.Table) {
	if t.SortKey != nil && t.SortKey.Name == t.PartitionKey.Name {
		v.errs = append(v.errs, field.Invalid(p.Child("sortKey", "name"), t.SortKey.Name,
			"the sort key must be another attribute than the partition key: DynamoDB refuses a key schema naming one attribute twice"))
	}
}

// Lambda.

var (
	// lambdaEnvName is the Lambda API pattern of an environment variable's
	// name (Environment.Variables, key pattern [a-zA-Z]([a-zA-Z0-9_])+): a
	// letter, then at least one letter, digit or underscore.
	lambdaEnvName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]+$`)
	// lambdaHandler is the CreateFunction pattern of Handler: [^\s]+.
	lambdaHandler = regexp.MustCompile(`^[^\s]+$`)
	// s3Bucket is the CreateFunction pattern of Code.S3Bucket, which allows the
	// upper case and underscores of old us-east-1 bucket names:
	// [0-9A-Za-z\.\-_]*(?<!\.), 3 to 63 characters.
	s3Bucket = regexp.MustCompile(`^[0-9A-Za-z.\-_]{3,63}$`)
	// lambdaRole is the CreateFunction pattern of Role.
	lambdaRole = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	// ecrImage is the host of an Amazon ECR private registry, with its region.
	ecrImage = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)
)

// maxLambdaEnvBytes is the Lambda quota "Function environment variables: 4 KB,
// for all environment variables associated with the function, in aggregate".
const maxLambdaEnvBytes = 4096

// lambdaFunction checks what CreateFunction refuses of a function.
func (v *validator) lambdaFunction(p *field.Path, f v1alpha1.Function) {
	if f.Code.ImageURI != "" {
		v.imageURI(p.Child("code", "imageURI"), f.Code.ImageURI)
	} else {
		if b := f.Code.S3Bucket; b != "" && (!s3Bucket.MatchString(b) || strings.HasSuffix(b, ".")) {
			v.errs = append(v.errs, field.Invalid(p.Child("code", "s3Bucket"), b,
				"Lambda takes an S3 bucket name of 3 to 63 letters, digits, dots, hyphens and underscores, not ending with a dot"))
		}
		if f.Runtime != "" {
			v.lambdaRuntimeID(p.Child("runtime"), f.Runtime)
		}
		if f.Handler != "" && !lambdaHandler.MatchString(f.Handler) {
			v.errs = append(v.errs, field.Invalid(p.Child("handler"), f.Handler, "Lambda refuses a handler holding white space"))
		}
	}
	if f.RoleARN != "" {
		if !lambdaRole.MatchString(f.RoleARN) {
			v.errs = append(v.errs, field.Invalid(p.Child("roleARN"), f.RoleARN,
				"Lambda takes a role ARN whose path and name hold only letters, digits and _ + = , . @ - /"))
		}
		v.samePartition(p.Child("roleARN"), f.RoleARN)
	}
	v.envNames(p, f)
	if n := v.envBytes(f); n > maxLambdaEnvBytes {
		v.errs = append(v.errs, field.Invalid(p.Child("environment"), fmt.Sprintf("%d bytes", n), fmt.Sprintf(
			"the function's environment variables, with those the operator sets for uses and deadLetterQueue, come to at least %d bytes; Lambda accepts at most 4 KB (%d bytes) in all",
			n, maxLambdaEnvBytes)))
	}
}

// imageURI checks a container image: Lambda runs images from an Amazon ECR
// private repository in the function's own region only (not Docker Hub, ECR
// Public, or an ECR FIPS endpoint).
func (v *validator) imageURI(p *field.Path, uri string) {
	host, repo, _ := strings.Cut(uri, "/")
	m := ecrImage.FindStringSubmatch(host)
	switch {
	case m == nil || repo == "":
		v.errs = append(v.errs, field.Invalid(p, uri,
			"Lambda runs container images from Amazon ECR private repositories only: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>"))
	case m[1] != v.spec.Region:
		v.errs = append(v.errs, field.Invalid(p, uri, fmt.Sprintf(
			"the image is in ECR in %s; Lambda takes images from a repository in the function's own region, %s", m[1], v.spec.Region)))
	case (m[2] == ".cn") != (arns.Partition(v.spec.Region) == "aws-cn"):
		v.errs = append(v.errs, field.Invalid(p, uri, "the registry's domain does not belong to the region "+v.spec.Region))
	}
}

// envNames checks the names of every environment variable the function gets,
// its own and those the operator sets for uses, against Lambda's pattern. A
// name Lambda reserves is reported as reserved only.
func (v *validator) envNames(p *field.Path, f v1alpha1.Function) {
	check := func(at *field.Path, name string) {
		if !lambdaEnvName.MatchString(name) && !isReservedEnv(name) {
			v.errs = append(v.errs, field.Invalid(at, name,
				"Lambda takes environment variable names of a letter followed by at least one letter, digit or underscore"))
		}
	}
	if u := f.Uses; u != nil {
		for i, t := range u.Tables {
			check(p.Child("uses", "tables").Index(i).Child("env"), render.TableEnv(t))
		}
		for i, t := range u.Topics {
			check(p.Child("uses", "topics").Index(i).Child("env"), render.TopicEnv(t))
		}
		for i, q := range u.Queues {
			check(p.Child("uses", "queues").Index(i).Child("env"), render.QueueEnv(q))
		}
	}
	for _, k := range sortedKeys(f.Environment) {
		check(p.Child("environment").Key(k), k)
	}
}

func isReservedEnv(name string) bool {
	for _, r := range reservedEnv {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}

// envBytes is the least size of the function's environment: every name and
// value, the operator's included. A topic's ARN and a queue's URL hold the
// account ID, which is counted as its 12 digits; a queue URL is counted in
// the form SQS documents, https://sqs.<region>.<domain>/<account>/<name>.
func (v *validator) envBytes(f v1alpha1.Function) int {
	s := v.spec
	n := 0
	for k, val := range f.Environment {
		n += len(k) + len(val)
	}
	partition := arns.Partition(s.Region)
	topicARN := func(name string) int {
		return len("arn:"+partition+":sns:"+s.Region+"::") + 12 + len(s.NamePrefix+name)
	}
	queueURL := func(name string) int {
		return len("https://sqs."+s.Region+"."+dnsSuffix(partition)+"//") + 12 + len(s.NamePrefix+name)
	}
	if u := f.Uses; u != nil {
		for _, t := range u.Tables {
			n += len(render.TableEnv(t)) + len(s.NamePrefix+t.Name)
		}
		for _, t := range u.Topics {
			n += len(render.TopicEnv(t)) + topicARN(t.Name)
		}
		for _, q := range u.Queues {
			n += len(render.QueueEnv(q)) + queueURL(q.Name)
		}
	}
	if f.DeadLetterQueue != "" {
		n += len(render.EnvDeadLetterQueueURL) + queueURL(f.DeadLetterQueue)
	}
	return n
}

// queueConsumer checks a function's SQS event source mapping as
// CreateEventSourceMapping does.
//
// The queue's visibility timeout must be at least the function's timeout
// ("Queue visibility timeout: 30 seconds is less than Function timeout: 60
// seconds"). And a batch of more than 10 messages needs a batching window of
// at least one second ("Maximum batch window in seconds must be greater than 0
// if maximum batch size is greater than 10").
func (v *validator) queueConsumer(p *field.Path, f v1alpha1.Function, c v1alpha1.QueueConsumer) {
	timeout := int32(defaultFunctionTimeout)
	if f.TimeoutSeconds != nil {
		timeout = *f.TimeoutSeconds
	}
	for _, q := range v.spec.Queues {
		if q.Name != c.Queue {
			continue
		}
		visibility := int32(defaultVisibilityTimeout)
		if q.VisibilityTimeoutSeconds != nil {
			visibility = *q.VisibilityTimeoutSeconds
		}
		if visibility < timeout {
			v.errs = append(v.errs, field.Invalid(p.Child("queue"), c.Queue, fmt.Sprintf(
				"queue %s has a visibility timeout of %d seconds, less than the function's timeoutSeconds, %d: Lambda refuses the event source mapping (\"Queue visibility timeout: %d seconds is less than Function timeout: %d seconds\"); raise the queue's visibilityTimeoutSeconds to at least %d or lower the function's timeoutSeconds",
				q.Name, visibility, timeout, visibility, timeout, timeout)))
		}
		break
	}
	batch := int64(defaultBatchSize)
	if c.BatchSize != nil {
		batch = *c.BatchSize
	}
	if batch <= 10 {
		return
	}
	msg := fmt.Sprintf("batchSize %d is more than 10: Lambda then needs a batching window of at least 1 second (\"Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10\")", batch)
	at := p.Child("maximumBatchingWindowSeconds")
	switch w := c.MaximumBatchingWindowSeconds; {
	case w == nil:
		v.errs = append(v.errs, field.Required(at, msg))
	case *w < 1:
		v.errs = append(v.errs, field.Invalid(at, *w, msg))
	}
}

// Step Functions.

// maxStateMachineRoleARN is the CreateStateMachine length limit of roleArn.
const maxStateMachineRoleARN = 256

// stateMachine checks what CreateStateMachine refuses of a workflow: a role
// ARN over 256 characters or in another partition, and, for an EXPRESS
// workflow, the integration patterns Express workflows do not support. The
// Step Functions Developer Guide ("Integrating services", "Choosing workflow
// type") says "Express Workflows only support Request Response integrations":
// no .sync, no .waitForTaskToken, and no activities; CreateStateMachine
// refuses such a definition (SCHEMA_VALIDATION_FAILED: "Express state machine
// does not support '.sync' service integration", "... does not support
// Activity ARN").
func (v *validator) stateMachine(p *field.Path, w v1alpha1.Workflow) {
	if w.RoleARN != "" {
		if len(w.RoleARN) > maxStateMachineRoleARN {
			v.errs = append(v.errs, field.TooLong(p.Child("roleARN"), w.RoleARN, maxStateMachineRoleARN))
		}
		v.samePartition(p.Child("roleARN"), w.RoleARN)
	}
	if w.Type != "EXPRESS" {
		return
	}
	for _, t := range expressTaskProblems(w.Definition) {
		v.errs = append(v.errs, field.Invalid(p.Child("definition"), t.resource, "state "+t.state+": "+t.problem))
	}
}

// RoleARNs and names.

// samePartition refuses a role ARN of another partition than the stack's
// region: a role of the aws partition does not exist in aws-cn or
// aws-us-gov, and Lambda and Step Functions cannot assume it.
func (v *validator) samePartition(p *field.Path, arn string) {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) < 3 {
		return
	}
	if want := arns.Partition(v.spec.Region); parts[1] != want {
		v.errs = append(v.errs, field.Invalid(p, arn, fmt.Sprintf(
			"the role is in partition %s; the stack's region %s is in partition %s, where that role does not exist", parts[1], v.spec.Region, want)))
	}
}

// roleNameClashes refuses a function or workflow whose IAM role would have
// the name of the role the operator creates for EventBridge to start a
// workflow: <prefix><workflow>-events-role is also the role of a function or
// workflow named <workflow>-events. IAM role names are unique in an account,
// so the second CreateRole fails (EntityAlreadyExists).
func (v *validator) roleNameClashes(spec *field.Path) {
	s := v.spec
	targeted := map[string]bool{}
	for _, r := range s.Rules {
		for _, t := range r.Targets {
			if t.Workflow != "" {
				targeted[t.Workflow] = true
			}
		}
	}
	clash := func(p *field.Path, name string) {
		if w, ok := strings.CutSuffix(name, "-events"); ok && targeted[w] && v.names[refs.Workflow][w] {
			v.errs = append(v.errs, field.Invalid(p, name, fmt.Sprintf(
				"its IAM role, %s%s-role, would have the name of the role EventBridge assumes to start workflow %s; IAM role names are unique in an account: rename it or give it a roleARN",
				s.NamePrefix, name, w)))
		}
	}
	for i, f := range s.Functions {
		if f.RoleARN == "" {
			clash(spec.Child("functions").Index(i).Child("name"), f.Name)
		}
	}
	for i, w := range s.Workflows {
		if w.RoleARN == "" {
			clash(spec.Child("workflows").Index(i).Child("name"), w.Name)
		}
	}
}

// eventsDLQNameClash refuses a queue that would have the name of the stack's
// EventBridge dead-letter queue (<prefix><stack name>-events-dlq), which the
// operator creates when a rule has targets. SQS queue names are unique in an
// account and region: CreateQueue then fails (QueueAlreadyExists) or, with the
// same attributes, hands both the same queue.
func (v *validator) eventsDLQNameClash(spec *field.Path, stackName string) {
	hasTargets := false
	for _, r := range v.spec.Rules {
		hasTargets = hasTargets || len(r.Targets) > 0
	}
	dlq := strings.ReplaceAll(stackName, ".", "-") + "-events-dlq"
	if !hasTargets || len(v.spec.NamePrefix+dlq) > maxQueueName {
		return
	}
	for i, q := range v.spec.Queues {
		if q.Name == dlq {
			v.errs = append(v.errs, field.Invalid(spec.Child("queues").Index(i).Child("name"), q.Name,
				"the operator names the stack's EventBridge dead-letter queue "+v.spec.NamePrefix+dlq+"; SQS queue names are unique in a region: rename this queue"))
		}
	}
}

// dnsSuffix is the domain of a partition's service endpoints.
func dnsSuffix(partition string) string {
	if partition == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}
