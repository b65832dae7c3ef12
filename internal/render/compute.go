package render

import (
	"encoding/json"
	"fmt"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// EnvDeadLetterQueueURL holds the URL of a function's dead-letter queue.
const EnvDeadLetterQueueURL = "DEAD_LETTER_QUEUE_URL"

// TableEnv, TopicEnv and QueueEnv are the environment variables that hold a
// used table's name, topic's ARN and queue's URL, unless the use names one.
func TableEnv(u v1alpha1.TableUse) string { return orDefault(u.Env, refs.UpperSnake(u.Name)+"_TABLE") }
func TopicEnv(u v1alpha1.TopicUse) string {
	return orDefault(u.Env, refs.UpperSnake(u.Name)+"_TOPIC_ARN")
}
func QueueEnv(u v1alpha1.QueueUse) string { return orDefault(u.Env, refs.UpperSnake(u.Name)+"_URL") }

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// functionRole builds the IAM role of a function: Lambda may assume it, and it
// allows exactly what the function declares it uses, its logs, and X-Ray when
// traced. It waits for the ARN of every table, topic and queue it names.
func (b *builder) functionRole(f v1alpha1.Function) Child {
	name := childName(b.stack, f.Name)
	var n needs
	p := newPolicy()
	logGroup := fmt.Sprintf("arn:%s:logs:%s:*:log-group:/aws/lambda/%s", arns.Partition(b.stack.Spec.Region), b.stack.Spec.Region, awsName(b.stack, f.Name))
	p.allow("Logs", logsActions, logGroup+":*")
	if u := f.Uses; u != nil {
		for _, t := range u.Tables {
			arn, ok := b.named(&n, refs.Table, t.Name)
			if !ok {
				continue
			}
			// One statement per access level: a statement's actions apply
			// to all its resources, so read and write stay apart.
			if t.Access != v1alpha1.TableWrite {
				p.allow("ReadTables", tableReadActions, arn, arn+"/index/*")
			}
			if t.Access != v1alpha1.TableRead {
				p.allow("WriteTables", tableWriteActions, arn, arn+"/index/*")
			}
		}
		for _, t := range u.Topics {
			if arn, ok := b.named(&n, refs.Topic, t.Name); ok {
				p.allow("Topics", []string{"sns:Publish"}, arn)
			}
		}
		for _, q := range u.Queues {
			if arn, ok := b.named(&n, refs.Queue, q.Name); ok {
				if q.Access == v1alpha1.QueueReceive {
					p.allow("ReceiveQueues", queueRecvActions, arn)
				} else {
					p.allow("SendQueues", queueSendActions, arn)
				}
			}
		}
	}
	for _, c := range f.Consumes {
		if arn, ok := b.named(&n, refs.Queue, c.Queue); ok {
			p.allow("ReceiveQueues", queueRecvActions, arn)
		}
	}
	if f.DeadLetterQueue != "" {
		if arn, ok := b.named(&n, refs.Queue, f.DeadLetterQueue); ok {
			p.allow("SendQueues", queueSendActions, arn)
		}
	}
	b.functionKeys(&n, p, f) // kms.go
	b.streamGrants(&n, p, f) // streams.go
	if f.Tracing == "Active" {
		p.allow("XRay", xrayActions, "*")
	}
	return b.role(Key(roleKind, f.Name), name, roleAWSName(b.stack, f.Name),
		"Role of Lambda function "+awsName(b.stack, f.Name), "lambda.amazonaws.com", p, n)
}

// role builds an IAM role with one inline policy.
func (b *builder) role(component, name, awsRoleName, description, service string, p *PolicyDocument, n needs) Child {
	obj := &ack.Role{Spec: ack.RoleSpec{
		Name:                     ptr.To(awsRoleName),
		Description:              ptr.To(description),
		AssumeRolePolicyDocument: ptr.To(assumeRolePolicy(service)),
		InlinePolicies:           map[string]*string{"eventstack": ptr.To(p.JSON())},
		Tags:                     b.tagList(),
	}}
	// Adopting a role is authoritative (ACK's iam controller removes every
	// policy the spec does not declare): only where the stack opts in.
	var adoption map[string]string
	if a := b.stack.Spec.Adoption; a != nil && a.AdoptRoles {
		adoption = map[string]string{"name": awsRoleName}
	}
	b.meta(obj, ack.IAMGroupVersion.WithKind("Role"), name, component, adoption)
	return b.child(component, "Role", name, obj, n)
}

// function builds a Lambda function. It waits for its role's ARN (unless the
// spec gives one), its dead-letter queue's ARN and URL, and the value of every
// environment variable the operator sets for what it uses.
func (b *builder) function(f v1alpha1.Function) Child {
	name := childName(b.stack, f.Name)
	var n needs
	spec := ack.FunctionSpec{
		Name:          ptr.To(awsName(b.stack, f.Name)),
		Architectures: []*string{ptr.To(string(orArch(f.Architecture)))},
		MemorySize:    int64Ptr(f.MemoryMB),
		Timeout:       int64Ptr(f.TimeoutSeconds),
		// Explicit, as Lambda reports them for a function that sets none:
		// ACK's lambda controller writes them into the spec from
		// CreateFunction's answer, but an adopted function's spec lacks
		// them, and ACK would "update" them to nothing (an ephemeral storage
		// without a size and a SnapStart without ApplyOn, which the SDK and
		// Lambda refuse; a logging configuration at each of its reconciles).
		EphemeralStorage: &ack.EphemeralStorage{Size: ptr.To(int64(ptr.Deref(f.EphemeralStorageMB, DefaultEphemeralStorageMB)))},
		SnapStart:        &ack.SnapStart{ApplyOn: ptr.To("None")},
		LoggingConfig:    functionLogging(f, "/aws/lambda/"+awsName(b.stack, f.Name)),
		Tags:             b.tagMap(),
	}
	if f.ReservedConcurrency != nil {
		spec.ReservedConcurrentExecutions = ptr.To(int64(*f.ReservedConcurrency))
	}
	if f.Code.ImageURI != "" {
		spec.PackageType = ptr.To("Image")
		spec.Code = &ack.FunctionCode{ImageURI: ptr.To(f.Code.ImageURI)}
	} else {
		spec.PackageType = ptr.To("Zip")
		spec.Code = &ack.FunctionCode{S3Bucket: ptr.To(f.Code.S3Bucket), S3Key: ptr.To(f.Code.S3Key)}
		if f.Code.S3ObjectVersion != "" {
			spec.Code.S3ObjectVersion = ptr.To(f.Code.S3ObjectVersion)
		}
		if f.Code.SHA256 != "" {
			// What ACK compares to deploy a new zip.
			spec.Code.SHA256 = ptr.To(f.Code.SHA256)
		}
		spec.Runtime = ptr.To(f.Runtime)
		spec.Handler = ptr.To(orDefault(f.Handler, "bootstrap"))
	}
	if f.Tracing != "" {
		spec.TracingConfig = &ack.TracingConfig{Mode: ptr.To(string(f.Tracing))}
	}
	if f.RoleARN != "" {
		spec.Role = ptr.To(f.RoleARN)
	} else if arn, ok := b.exists(&n, roleKind, f.Name); ok {
		spec.Role = ptr.To(arn)
	}
	env := map[string]*string{}
	for k, v := range f.Environment {
		env[k] = ptr.To(v)
	}
	if u := f.Uses; u != nil {
		for _, t := range u.Tables {
			env[TableEnv(t)] = ptr.To(awsName(b.stack, t.Name))
		}
		for _, t := range u.Topics {
			if arn, ok := b.named(&n, refs.Topic, t.Name); ok {
				env[TopicEnv(t)] = ptr.To(arn)
			}
		}
		for _, q := range u.Queues {
			if url, ok := b.url(&n, q.Name); ok {
				env[QueueEnv(q)] = ptr.To(url)
			}
		}
	}
	if f.DeadLetterQueue != "" {
		if arn, ok := b.named(&n, refs.Queue, f.DeadLetterQueue); ok {
			spec.DeadLetterConfig = &ack.DeadLetterConfig{TargetARN: ptr.To(arn)}
		}
		if url, ok := b.url(&n, f.DeadLetterQueue); ok {
			env[EnvDeadLetterQueueURL] = ptr.To(url)
		}
	}
	if len(env) > 0 {
		spec.Environment = &ack.Environment{Variables: env}
	}
	obj := &ack.Function{Spec: spec}
	b.meta(obj, ack.LambdaGroupVersion.WithKind("Function"), name, Key(refs.Function, f.Name),
		map[string]string{"name": awsName(b.stack, f.Name)})
	if f.Rollout != nil && len(n) == 0 {
		obj.GetAnnotations()[AnnotationRevision] = Revision(obj)
	}
	return b.child(Key(refs.Function, f.Name), "Function", name, obj, n)
}

// DefaultEphemeralStorageMB is Lambda's default size of a function's /tmp.
const DefaultEphemeralStorageMB = 512

// functionLogging is a function's LoggingConfig: Text to its log group unless
// the spec says JSON, with the levels it gives (Lambda's defaults, INFO,
// otherwise).
func functionLogging(f v1alpha1.Function, group string) *ack.LoggingConfig {
	c := &ack.LoggingConfig{LogFormat: ptr.To("Text"), LogGroup: ptr.To(group)}
	if l := f.Logging; l != nil && l.Format == v1alpha1.LogFormatJSON {
		c.LogFormat = ptr.To(string(l.Format))
		if l.ApplicationLogLevel != "" {
			c.ApplicationLogLevel = ptr.To(l.ApplicationLogLevel)
		}
		if l.SystemLogLevel != "" {
			c.SystemLogLevel = ptr.To(l.SystemLogLevel)
		}
	}
	return c
}

// eventSourceMapping makes a queue invoke a function, with partial batch
// responses so that only the failed messages of a batch are retried and, after
// the queue's maxReceiveCount, moved to its dead-letter queue. It waits for the
// function's and the queue's ARNs.
//
// Batch size, batching window and enabled are always written, AWS's defaults
// when the spec leaves them out: ACK leaves AWS's value as it is for an unset
// field, so removing them from the spec would not restore the defaults.
//
// A stack that adopts finds an existing mapping of the function and the queue
// by UUID, the only key ACK adopts a mapping by: MappingUUIDs holds what the
// controller looked up in Lambda, and the mapping waits until it did.
func (b *builder) eventSourceMapping(f v1alpha1.Function, c v1alpha1.QueueConsumer) Child {
	name := childName(b.stack, f.Name, c.Queue)
	component := MappingKey(f.Name, c.Queue)
	var n needs
	obj := &ack.EventSourceMapping{Spec: ack.EventSourceMappingSpec{
		BatchSize:                      ptr.To(ptr.Deref(c.BatchSize, DefaultBatchSize)),
		MaximumBatchingWindowInSeconds: ptr.To(ptr.Deref(c.MaximumBatchingWindowSeconds, 0)),
		FunctionResponseTypes:          []*string{ptr.To("ReportBatchItemFailures")},
		// Explicit too: a mapping disabled outside the stack is enabled again.
		Enabled: ptr.To(true),
	}}
	obj.Spec.FilterCriteria = filterCriteria(c.Filters)
	if arn, ok := b.invoked(&n, f.Name); ok {
		obj.Spec.FunctionName = ptr.To(arn)
	}
	if arn, ok := b.exists(&n, refs.Queue, c.Queue); ok {
		obj.Spec.EventSourceARN = ptr.To(arn)
	}
	var adoption map[string]string
	if b.adopting() {
		uuid, looked := b.obs.MappingUUIDs[component]
		prior := b.prior(component)
		switch {
		case looked && uuid != "":
			adoption = map[string]string{"uuid": uuid}
		case looked:
		case prior == nil:
			n = append(n, Dependency{Kind: "EventSourceMapping", Name: name, What: LookupOfMapping})
		default:
			// Looked up before it was created: what it was created with stands.
			_ = json.Unmarshal([]byte(prior.GetAnnotations()[ackv1alpha1.AnnotationAdoptionFields]), &adoption)
		}
	}
	// Without a UUID to adopt, no adoption annotations: the mapping is created.
	b.meta(obj, ack.LambdaGroupVersion.WithKind("EventSourceMapping"), name, component, adoption)
	return b.child(component, "EventSourceMapping", name, obj, n)
}

// DefaultBatchSize is Lambda's default batch size for an SQS queue.
const DefaultBatchSize = 10

// LookupOfMapping is what an event source mapping of an adopting stack waits
// for: the controller's look-up of an existing mapping in Lambda.
const LookupOfMapping = "look-up in Lambda (ListEventSourceMappings)"

// NoExistingMappings is the look-up result of a stack none of whose event
// source mappings exists yet in Lambda: what an offline render (the CLI, the
// tests) assumes of a stack that adopts.
func NoExistingMappings(stack *v1alpha1.EventDrivenStack) map[string]string {
	out := map[string]string{}
	for _, f := range stack.Spec.Functions {
		for _, c := range f.Consumes {
			out[MappingKey(f.Name, c.Queue)] = ""
		}
	}
	return out
}

// MappingKey is the component key of the event source mapping by which a
// queue invokes a function.
func MappingKey(function, queue string) string {
	return Key(refs.Function, function) + "/consumes/" + queue
}

func orArch(a v1alpha1.Architecture) v1alpha1.Architecture {
	if a == "" {
		return "arm64"
	}
	return a
}

func int64Ptr(v *int32) *int64 {
	if v == nil {
		return nil
	}
	return ptr.To(int64(*v))
}

// outputs returns the declared outputs whose references are known, and the
// name, ARN and URL of every component known so far.
func (b *builder) outputs() (map[string]string, error) {
	out := map[string]string{}
	set := func(kind refs.Kind, name string) {
		prefix := string(kind) + "." + name + "."
		out[prefix+"name"] = componentAWSName(b.stack, kind, name)
		if arn := b.obs.ARNs[Key(kind, name)]; arn != "" {
			out[prefix+"arn"] = arn
		}
		if url := b.obs.URLs[Key(kind, name)]; url != "" {
			out[prefix+"url"] = url
		}
	}
	s := b.stack.Spec
	for _, c := range refs.Components(&s) {
		set(c.Kind, c.Name)
	}
	for _, r := range s.Rules {
		set(ruleKind, r.Name)
	}
	keys := make([]string, 0, len(s.Outputs))
	for k := range s.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var n needs
		v, _, err := refs.Substitute(s.Outputs[k], func(r refs.Ref) (string, bool) { return b.resolve(&n, r) }, nil)
		if err != nil {
			return nil, fmt.Errorf("spec.outputs.%s: %w", k, err)
		}
		if len(n) == 0 {
			out[k] = v
		}
	}
	return out, nil
}

// filterCriteria are a mapping's Lambda event filters, each pattern compacted;
// nil for none.
func filterCriteria(filters []apiextensionsv1.JSON) *ack.FilterCriteria {
	if len(filters) == 0 {
		return nil
	}
	out := &ack.FilterCriteria{}
	for _, p := range filters {
		out.Filters = append(out.Filters, &ack.Filter{Pattern: ptr.To(compactJSON(p.Raw))})
	}
	return out
}
