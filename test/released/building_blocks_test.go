package released

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/harness"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// The building blocks sample (config/samples) goes to Ready through the
// released controllers, ACK reports every child synced, and the local AWS
// answers each block as the controllers (and the operator, for the bus's
// rules) sent it. The sample must use every block (usesEveryBlock), and each
// check compares what AWS answers with the sample's spec, so that a block the
// sample, the renderer or a controller dropped fails the test.
func TestBuildingBlocksSampleIsReady(t *testing.T) {
	t.Parallel()
	stack := withCode(t, seed.BuildingBlocks(t, harness.NewNamespace(t, k8s)), "blocks-")
	usesEveryBlock(t, stack)
	start := time.Now()
	harness.CreateStack(t, k8s, stack, 2*time.Minute)
	// Cleanups run last-first: the protection goes before the stack does.
	t.Cleanup(func() { unprotectTables(t, stack) })
	waitReady(t, stack, time.Minute+settle)
	t.Logf("building blocks Ready in %s with the released controllers", time.Since(start).Round(100*time.Millisecond))
	waitACKSynced(t, stack, 2*time.Minute)

	versions := resourceVersions(t, stack)

	c := localClients(t)
	streams := checkTables(t, c, stack)
	checkQueues(t, c, stack)
	checkTopics(t, c, stack)
	checkFunctions(t, c, stack)
	checkMappings(t, c, stack, streams)
	checkTargets(t, c, stack)

	// Settled stays settled: no controller keeps updating a block it finds
	// different from the spec (a perpetual delta writes the child's status).
	time.Sleep(30 * time.Second)
	after := resourceVersions(t, stack)
	for k, v := range versions {
		if after[k] != v {
			t.Errorf("after Ready and synced, %s was written (resourceVersion %s → %s)", k, v, after[k])
		}
	}
}

// unprotectTables turns the stack's tables' deletion protection off and waits
// for Ready, so that the stack can be deleted (DynamoDB refuses DeleteTable
// on a protected table).
func unprotectTables(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	mustEdit(t, stack, func(s *v1alpha1.EventDrivenStack) {
		for i := range s.Spec.Tables {
			s.Spec.Tables[i].DeletionProtection = false
		}
	})
	waitReady(t, stack, time.Minute+settle)
}

// block is a building block of the API and whether a stack uses it.
type block struct {
	name string
	used func(s v1alpha1.EventDrivenStackSpec) bool
}

// blocks are the building blocks beyond the seed (issue 21) the sample must
// use; rules' schedules and rule targets on FIFO queues are not in it yet.
var blocks = []block{
	{"a FIFO queue with content-based deduplication and high throughput", anyOf(func(q v1alpha1.Queue) bool {
		return q.Fifo && q.ContentBasedDeduplication && q.DeduplicationScope != "" && q.FifoThroughputLimit != ""
	}, queues)},
	{"a FIFO queue's FIFO dead-letter queue", func(s v1alpha1.EventDrivenStackSpec) bool {
		return slices.ContainsFunc(s.Queues, func(q v1alpha1.Queue) bool {
			return q.Fifo && q.DeadLetter != nil && queueOf(s, q.DeadLetter.Queue).Fifo
		})
	}},
	{"a queue's delay, maximum message size and long polling", anyOf(func(q v1alpha1.Queue) bool {
		return q.DelaySeconds != nil && q.MaximumMessageSize != nil && q.ReceiveMessageWaitTimeSeconds != nil
	}, queues)},
	{"SSE-SQS", anyOf(func(q v1alpha1.Queue) bool { return q.SQSManagedSSEEnabled != nil && *q.SQSManagedSSEEnabled }, queues)},
	{"a queue's KMS key", anyOf(func(q v1alpha1.Queue) bool { return q.KMSMasterKeyID != "" && q.KMSDataKeyReusePeriodSeconds != nil }, queues)},
	{"a FIFO topic with content-based deduplication and a KMS key", anyOf(func(p v1alpha1.Topic) bool {
		return p.Fifo && p.ContentBasedDeduplication && p.KMSMasterKeyID != ""
	}, topics)},
	{"a table's global secondary index with a projection", anyOf(func(tb v1alpha1.Table) bool {
		return slices.ContainsFunc(tb.GlobalSecondaryIndexes, func(g v1alpha1.GlobalSecondaryIndex) bool { return g.Projection != nil })
	}, tables)},
	{"a table's local secondary index with a projection", anyOf(func(tb v1alpha1.Table) bool {
		return slices.ContainsFunc(tb.LocalSecondaryIndexes, func(l v1alpha1.LocalSecondaryIndex) bool { return l.Projection != nil })
	}, tables)},
	{"a table's TTL, PITR, deletion protection, class, KMS key and stream", anyOf(func(tb v1alpha1.Table) bool {
		return tb.TimeToLive != nil && tb.PointInTimeRecovery && tb.DeletionProtection && tb.TableClass != "" && tb.KMSKeyARN != "" && tb.Stream != nil
	}, tables)},
	{"a stream consumer with every setting", anyOf(func(f v1alpha1.Function) bool {
		return slices.ContainsFunc(f.Streams, func(sc v1alpha1.StreamConsumer) bool {
			return sc.StartingPosition != "" && sc.BatchSize != nil && sc.BisectBatchOnFunctionError && sc.MaximumRetryAttempts != nil && sc.OnFailure != nil && len(sc.Filters) > 0
		})
	}, functions)},
	{"a function's ephemeral storage, reserved concurrency and JSON logging with levels and retention", anyOf(func(f v1alpha1.Function) bool {
		l := f.Logging
		return f.EphemeralStorageMB != nil && f.ReservedConcurrency != nil && l != nil && l.Format == v1alpha1.LogFormatJSON && l.ApplicationLogLevel != "" && l.SystemLogLevel != "" && l.RetentionDays > 0
	}, functions)},
	{"an SQS consumer's filters", anyOf(func(f v1alpha1.Function) bool {
		return slices.ContainsFunc(f.Consumes, func(qc v1alpha1.QueueConsumer) bool { return len(qc.Filters) > 0 })
	}, functions)},
	{"a target's inputPath", anyTarget(func(rt v1alpha1.RuleTarget) bool { return rt.InputPath != "" })},
	{"a target's inputTransformer", anyTarget(func(rt v1alpha1.RuleTarget) bool { return rt.InputTransformer != nil })},
	{"a target's retry and dead-letter queue", anyTarget(func(rt v1alpha1.RuleTarget) bool { return rt.Retry != nil && rt.DeadLetterQueue != "" })},
	{"a target on another bus", anyTarget(func(rt v1alpha1.RuleTarget) bool { return rt.EventBusARN != "" })},
	{"a FIFO queue target with its message group", anyTarget(func(rt v1alpha1.RuleTarget) bool { return rt.MessageGroupID != "" })},
	{"a scheduled rule", func(s v1alpha1.EventDrivenStackSpec) bool {
		return slices.ContainsFunc(s.Rules, func(r v1alpha1.Rule) bool { return r.Schedule != "" })
	}},
}

func queues(s v1alpha1.EventDrivenStackSpec) []v1alpha1.Queue       { return s.Queues }
func topics(s v1alpha1.EventDrivenStackSpec) []v1alpha1.Topic       { return s.Topics }
func tables(s v1alpha1.EventDrivenStackSpec) []v1alpha1.Table       { return s.Tables }
func functions(s v1alpha1.EventDrivenStackSpec) []v1alpha1.Function { return s.Functions }

// anyOf says whether any component of a list has the block.
func anyOf[T any](has func(T) bool, list func(v1alpha1.EventDrivenStackSpec) []T) func(v1alpha1.EventDrivenStackSpec) bool {
	return func(s v1alpha1.EventDrivenStackSpec) bool { return slices.ContainsFunc(list(s), has) }
}

// anyTarget says whether any rule target has the block.
func anyTarget(has func(v1alpha1.RuleTarget) bool) func(v1alpha1.EventDrivenStackSpec) bool {
	return func(s v1alpha1.EventDrivenStackSpec) bool {
		return slices.ContainsFunc(s.Rules, func(r v1alpha1.Rule) bool { return slices.ContainsFunc(r.Targets, has) })
	}
}

// usesEveryBlock fails the test for each block the sample does not use.
func usesEveryBlock(t *testing.T, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	for _, b := range blocks {
		if !b.used(stack.Spec) {
			t.Errorf("the building blocks sample uses no %s", b.name)
		}
	}
}

// queueOf is the stack's queue of that name (the zero queue if none).
func queueOf(s v1alpha1.EventDrivenStackSpec, name string) v1alpha1.Queue {
	i := slices.IndexFunc(s.Queues, func(q v1alpha1.Queue) bool { return q.Name == name })
	if i < 0 {
		return v1alpha1.Queue{}
	}
	return s.Queues[i]
}

// clients reach the local AWS as a user's SDK does.
type clients struct {
	ddb    *dynamodb.Client
	sqs    *sqs.Client
	sns    *sns.Client
	lambda *lambda.Client
	logs   *cloudwatchlogs.Client
	events *eventbridge.Client
	cfg    aws.Config
}

func localClients(t *testing.T) clients {
	t.Helper()
	opts := append(harness.AWSOptions(), config.WithRegion("us-east-1"), config.WithBaseEndpoint(fake.URL()))
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return clients{ddb: dynamodb.NewFromConfig(cfg), sqs: sqs.NewFromConfig(cfg), sns: sns.NewFromConfig(cfg),
		lambda: lambda.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg), events: eventbridge.NewFromConfig(cfg), cfg: cfg}
}

// must takes an AWS answer and returns it to the test, which it fails on an
// error: must(client.Call(ctx, in))(t).
func must[T any](out T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// same reports a difference between what AWS answers and what the spec says.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: AWS answers %s, the spec says %s", what, show(reflect.ValueOf(got)), show(reflect.ValueOf(want)))
	}
}

// show prints a value with its pointers followed (nil as "none").
func show(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "none"
		}
		return show(v.Elem())
	case reflect.Array:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = show(v.Index(i))
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		return fmt.Sprint(v)
	}
}

// fifoName is a queue's or topic's AWS name: the prefix, and .fifo for FIFO.
func fifoName(stack *v1alpha1.EventDrivenStack, name string, fifo bool) string {
	if fifo {
		return stack.Spec.NamePrefix + name + ".fifo"
	}
	return stack.Spec.NamePrefix + name
}

// arn is the ARN of a resource of the local account in us-east-1.
func arn(service, resource string) string {
	return "arn:aws:" + service + ":us-east-1:" + fake.AccountID + ":" + resource
}

// queueARN is the ARN of the stack's queue of that name.
func queueARN(stack *v1alpha1.EventDrivenStack, name string) string {
	return arn("sqs", fifoName(stack, name, queueOf(stack.Spec, name).Fifo))
}

// checkTables compares each table's DescribeTable, DescribeTimeToLive and
// DescribeContinuousBackups answers with its spec; it returns the tables'
// stream ARNs by spec name.
func checkTables(t *testing.T, c clients, stack *v1alpha1.EventDrivenStack) map[string]string {
	t.Helper()
	ctx := context.Background()
	streams := map[string]string{}
	for _, tb := range stack.Spec.Tables {
		name := aws.String(stack.Spec.NamePrefix + tb.Name)
		d := must(c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: name}))(t).Table
		checkIndexes(t, tb, d)
		checkTableSettings(t, tb, d)
		if tb.Stream != nil {
			streams[tb.Name] = aws.ToString(d.LatestStreamArn)
		}
		ttl := must(c.ddb.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: name}))(t).TimeToLiveDescription
		if tb.TimeToLive != nil {
			same(t, tb.Name+" TTL", [2]string{string(ttl.TimeToLiveStatus), aws.ToString(ttl.AttributeName)}, [2]string{"ENABLED", tb.TimeToLive.AttributeName})
		}
		backups := must(c.ddb.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: name}))(t).ContinuousBackupsDescription
		pitr := backups.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == ddbtypes.PointInTimeRecoveryStatusEnabled
		same(t, tb.Name+" point-in-time recovery", pitr, tb.PointInTimeRecovery)
	}
	return streams
}

// checkIndexes compares a table's secondary indexes with its spec.
func checkIndexes(t *testing.T, tb v1alpha1.Table, d *ddbtypes.TableDescription) {
	t.Helper()
	var wantGSIs, gotGSIs, wantLSIs, gotLSIs []string
	for _, g := range tb.GlobalSecondaryIndexes {
		wantGSIs = append(wantGSIs, specIndex(g.Name, &g.PartitionKey, g.SortKey, g.Projection))
	}
	for _, l := range tb.LocalSecondaryIndexes {
		wantLSIs = append(wantLSIs, specIndex(l.Name, &tb.PartitionKey, &l.SortKey, l.Projection))
	}
	for _, g := range d.GlobalSecondaryIndexes {
		gotGSIs = append(gotGSIs, awsIndex(aws.ToString(g.IndexName), g.KeySchema, g.Projection))
		same(t, tb.Name+" index "+aws.ToString(g.IndexName)+" status", g.IndexStatus, ddbtypes.IndexStatusActive)
	}
	for _, l := range d.LocalSecondaryIndexes {
		gotLSIs = append(gotLSIs, awsIndex(aws.ToString(l.IndexName), l.KeySchema, l.Projection))
	}
	slices.Sort(wantGSIs)
	slices.Sort(gotGSIs)
	same(t, tb.Name+" global secondary indexes", gotGSIs, wantGSIs)
	same(t, tb.Name+" local secondary indexes", gotLSIs, wantLSIs)
}

// specIndex is an index of the spec as "name hash/range projection [attrs]".
func specIndex(name string, hash, rng *v1alpha1.Key, p *v1alpha1.Projection) string {
	keys := hash.Name + "/"
	if rng != nil {
		keys += rng.Name
	}
	proj := v1alpha1.Projection{Type: v1alpha1.ProjectionAll}
	if p != nil {
		proj = *p
	}
	return fmt.Sprintf("%s %s %s %v", name, keys, proj.Type, proj.NonKeyAttributes)
}

// awsIndex is an index DynamoDB describes, as specIndex writes one.
func awsIndex(name string, schema []ddbtypes.KeySchemaElement, p *ddbtypes.Projection) string {
	var hash, rng string
	for _, k := range schema {
		if k.KeyType == ddbtypes.KeyTypeHash {
			hash = aws.ToString(k.AttributeName)
		} else {
			rng = aws.ToString(k.AttributeName)
		}
	}
	return fmt.Sprintf("%s %s/%s %s %v", name, hash, rng, p.ProjectionType, p.NonKeyAttributes)
}

// checkTableSettings compares a table's stream, key, deletion protection and
// class with its spec.
func checkTableSettings(t *testing.T, tb v1alpha1.Table, d *ddbtypes.TableDescription) {
	t.Helper()
	same(t, tb.Name+" deletion protection", aws.ToBool(d.DeletionProtectionEnabled), tb.DeletionProtection)
	if tb.TableClass != "" {
		if d.TableClassSummary == nil {
			t.Errorf("%s: DescribeTable has no TableClassSummary; the spec says %s", tb.Name, tb.TableClass)
		} else {
			same(t, tb.Name+" table class", string(d.TableClassSummary.TableClass), string(tb.TableClass))
		}
	}
	var key string
	if d.SSEDescription != nil && d.SSEDescription.SSEType == ddbtypes.SSETypeKms {
		key = aws.ToString(d.SSEDescription.KMSMasterKeyArn)
	}
	same(t, tb.Name+" KMS key", key, tb.KMSKeyARN)
	var view string
	if s := d.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
		view = string(s.StreamViewType)
	}
	var want string
	if tb.Stream != nil {
		want = string(tb.Stream.ViewType)
		if aws.ToString(d.LatestStreamArn) == "" {
			t.Errorf("%s: a stream without LatestStreamArn", tb.Name)
		}
	}
	same(t, tb.Name+" stream view type", view, want)
}

// checkQueues compares each queue's attributes with its spec.
func checkQueues(t *testing.T, c clients, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	ctx := context.Background()
	for _, q := range stack.Spec.Queues {
		url := must(c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(fifoName(stack, q.Name, q.Fifo))}))(t).QueueUrl
		got := must(c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}}))(t).Attributes
		for name, want := range queueAttributes(stack, q) {
			same(t, "queue "+q.Name+" "+name, got[name], want)
		}
	}
}

// queueAttributes are the SQS attributes a queue's spec asks for.
func queueAttributes(stack *v1alpha1.EventDrivenStack, q v1alpha1.Queue) map[string]string {
	want := map[string]string{}
	set := func(name string, v *int32) {
		if v != nil {
			want[name] = strconv.Itoa(int(*v))
		}
	}
	set("DelaySeconds", q.DelaySeconds)
	set("MaximumMessageSize", q.MaximumMessageSize)
	set("ReceiveMessageWaitTimeSeconds", q.ReceiveMessageWaitTimeSeconds)
	set("KmsDataKeyReusePeriodSeconds", q.KMSDataKeyReusePeriodSeconds)
	if q.Fifo {
		want["FifoQueue"] = "true"
		want["ContentBasedDeduplication"] = strconv.FormatBool(q.ContentBasedDeduplication)
	}
	for name, v := range map[string]string{"DeduplicationScope": q.DeduplicationScope, "FifoThroughputLimit": q.FifoThroughputLimit, "KmsMasterKeyId": q.KMSMasterKeyID} {
		if v != "" {
			want[name] = v
		}
	}
	if q.SQSManagedSSEEnabled != nil {
		want["SqsManagedSseEnabled"] = strconv.FormatBool(*q.SQSManagedSSEEnabled)
	}
	if d := q.DeadLetter; d != nil {
		want["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":%d}`, queueARN(stack, d.Queue), d.MaxReceiveCount)
	}
	return want
}

// checkTopics compares each topic's attributes with its spec.
func checkTopics(t *testing.T, c clients, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	for _, p := range stack.Spec.Topics {
		topic := arn("sns", fifoName(stack, p.Name, p.Fifo))
		got := must(c.sns.GetTopicAttributes(context.Background(), &sns.GetTopicAttributesInput{TopicArn: &topic}))(t).Attributes
		same(t, "topic "+p.Name+" KmsMasterKeyId", got["KmsMasterKeyId"], p.KMSMasterKeyID)
		if p.Fifo {
			same(t, "topic "+p.Name+" FifoTopic", got["FifoTopic"], "true")
			same(t, "topic "+p.Name+" ContentBasedDeduplication", got["ContentBasedDeduplication"], strconv.FormatBool(p.ContentBasedDeduplication))
		}
	}
}

// checkFunctions compares each function's storage, concurrency, logging and
// log group with its spec.
func checkFunctions(t *testing.T, c clients, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	ctx := context.Background()
	for _, f := range stack.Spec.Functions {
		name := stack.Spec.NamePrefix + f.Name
		out := must(c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &name}))(t)
		var reserved *int32
		if out.Concurrency != nil {
			reserved = out.Concurrency.ReservedConcurrentExecutions
		}
		same(t, f.Name+" reserved concurrency", reserved, f.ReservedConcurrency)
		storage := int32(512)
		if f.EphemeralStorageMB != nil {
			storage = *f.EphemeralStorageMB
		}
		same(t, f.Name+" ephemeral storage", aws.ToInt32(out.Configuration.EphemeralStorage.Size), storage)
		checkLogging(t, c, f, out.Configuration.LoggingConfig)
	}
}

// checkLogging compares a function's LoggingConfig and log group retention
// with its spec.
func checkLogging(t *testing.T, c clients, f v1alpha1.Function, got *lambdatypes.LoggingConfig) {
	t.Helper()
	if f.Logging == nil {
		return
	}
	l := f.Logging
	same(t, f.Name+" logging", [3]string{string(got.LogFormat), string(got.ApplicationLogLevel), string(got.SystemLogLevel)},
		[3]string{string(l.Format), jsonLevel(l, l.ApplicationLogLevel), jsonLevel(l, l.SystemLogLevel)})
	if l.RetentionDays == 0 {
		return
	}
	groups := must(c.logs.DescribeLogGroups(context.Background(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: got.LogGroup}))(t).LogGroups
	group, ok := find(t, groups, func(g cwltypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == aws.ToString(got.LogGroup) },
		f.Name+": no log group "+aws.ToString(got.LogGroup))
	if ok {
		same(t, f.Name+" log retention", aws.ToInt32(group.RetentionInDays), l.RetentionDays)
	}
}

// jsonLevel is the level Lambda reports for a JSON log level of the spec:
// INFO when unset (Lambda's default for both levels with the JSON format);
// Lambda reports none with the text format.
func jsonLevel(l *v1alpha1.FunctionLogging, level string) string {
	if level == "" && l.Format == v1alpha1.LogFormatJSON {
		return "INFO"
	}
	return level
}

// checkMappings compares each stream consumer's and filtered queue
// consumer's event source mapping with its spec; streams are the tables'
// stream ARNs by spec name.
func checkMappings(t *testing.T, c clients, stack *v1alpha1.EventDrivenStack, streams map[string]string) {
	t.Helper()
	for _, f := range stack.Spec.Functions {
		name := stack.Spec.NamePrefix + f.Name
		mappings := must(c.lambda.ListEventSourceMappings(context.Background(), &lambda.ListEventSourceMappingsInput{FunctionName: &name}))(t).EventSourceMappings
		for _, sc := range f.Streams {
			if m, ok := mappingOn(t, f.Name, mappings, streams[sc.Table]); ok {
				checkStreamMapping(t, stack, f.Name, sc, m)
			}
		}
		for _, qc := range f.Consumes {
			if m, ok := mappingOn(t, f.Name, mappings, queueARN(stack, qc.Queue)); ok {
				same(t, f.Name+" consumer of "+qc.Queue+" filters", filtersOf(t, m.FilterCriteria), specFilters(t, qc.Filters))
			}
		}
	}
}

// mappingOn is the mapping of a function on a source ARN.
func mappingOn(t *testing.T, fn string, mappings []lambdatypes.EventSourceMappingConfiguration, source string) (lambdatypes.EventSourceMappingConfiguration, bool) {
	t.Helper()
	return find(t, mappings, func(m lambdatypes.EventSourceMappingConfiguration) bool {
		return aws.ToString(m.EventSourceArn) == source
	}, fmt.Sprintf("%s: no event source mapping on %q", fn, source))
}

// find is the first element of list that matches; the test fails with
// missing when there is none.
func find[T any](t *testing.T, list []T, match func(T) bool, missing string) (T, bool) {
	t.Helper()
	i := slices.IndexFunc(list, match)
	if i < 0 {
		t.Error(missing)
		var zero T
		return zero, false
	}
	return list[i], true
}

// checkStreamMapping compares a stream consumer's mapping with its spec.
func checkStreamMapping(t *testing.T, stack *v1alpha1.EventDrivenStack, fn string, sc v1alpha1.StreamConsumer, m lambdatypes.EventSourceMappingConfiguration) {
	t.Helper()
	what := fn + " consumer of " + sc.Table + "'s stream"
	same(t, what+" starting position", string(m.StartingPosition), string(sc.StartingPosition))
	same(t, what+" batch size", m.BatchSize, int32ptr(sc.BatchSize))
	same(t, what+" bisect", aws.ToBool(m.BisectBatchOnFunctionError), sc.BisectBatchOnFunctionError)
	same(t, what+" retries", m.MaximumRetryAttempts, int32ptr(sc.MaximumRetryAttempts))
	same(t, what+" filters", filtersOf(t, m.FilterCriteria), specFilters(t, sc.Filters))
	var dest, want string
	if m.DestinationConfig != nil && m.DestinationConfig.OnFailure != nil {
		dest = aws.ToString(m.DestinationConfig.OnFailure.Destination)
	}
	if o := sc.OnFailure; o != nil && o.Queue != "" {
		want = queueARN(stack, o.Queue)
	} else if o != nil {
		want = arn("sns", fifoName(stack, o.Topic, false))
	}
	same(t, what+" on-failure destination", dest, want)
}

// int32ptr is a spec's int64 setting as the SDK's *int32.
func int32ptr(v *int64) *int32 {
	if v == nil {
		return nil
	}
	return aws.Int32(int32(*v))
}

// filtersOf decodes a mapping's filter patterns.
func filtersOf(t *testing.T, fc *lambdatypes.FilterCriteria) []any {
	t.Helper()
	var out []any
	if fc == nil {
		return out
	}
	for _, f := range fc.Filters {
		out = append(out, decode(t, []byte(aws.ToString(f.Pattern))))
	}
	return out
}

// specFilters decodes a consumer's filter patterns.
func specFilters(t *testing.T, filters []apiextensionsv1.JSON) []any {
	t.Helper()
	var out []any
	for _, f := range filters {
		out = append(out, decode(t, f.Raw))
	}
	return out
}

func decode(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("pattern %s: %v", raw, err)
	}
	return v
}

// checkTargets compares each rule's targets' input, retry, dead-letter queue
// and role with the spec, as ListTargetsByRule answers them.
func checkTargets(t *testing.T, c clients, stack *v1alpha1.EventDrivenStack) {
	t.Helper()
	for _, r := range stack.Spec.Rules {
		bus := render.RuleBus(stack, r) // a scheduled rule is on the default bus
		if r.Schedule != "" {
			rule := must(c.events.DescribeRule(context.Background(), &eventbridge.DescribeRuleInput{EventBusName: &bus, Name: aws.String(stack.Spec.NamePrefix + r.Name)}))(t)
			same(t, "rule "+r.Name+" schedule", aws.ToString(rule.ScheduleExpression), r.Schedule)
		}
		in := &eventbridge.ListTargetsByRuleInput{EventBusName: &bus, Rule: aws.String(stack.Spec.NamePrefix + r.Name)}
		got := must(c.events.ListTargetsByRule(context.Background(), in))(t).Targets
		for _, rt := range r.Targets {
			if target, ok := targetOf(t, stack, r.Name, rt, got); ok {
				checkTarget(t, stack, r.Name, rt, target)
			}
		}
	}
}

// targetOf is the target of a rule on the spec target's component.
func targetOf(t *testing.T, stack *v1alpha1.EventDrivenStack, rule string, rt v1alpha1.RuleTarget, got []ebtypes.Target) (ebtypes.Target, bool) {
	t.Helper()
	var want string
	switch {
	case rt.Function != "":
		want = arn("lambda", "function:"+stack.Spec.NamePrefix+rt.Function)
	case rt.Queue != "":
		want = queueARN(stack, rt.Queue)
	case rt.EventBusARN != "":
		want = rt.EventBusARN
	default:
		return ebtypes.Target{}, false // workflows and topics: the seed's, checked elsewhere
	}
	return find(t, got, func(g ebtypes.Target) bool { return aws.ToString(g.Arn) == want }, "rule "+rule+": no target "+want)
}

// checkTarget compares a target's input, retry, dead-letter queue and role
// with its spec.
func checkTarget(t *testing.T, stack *v1alpha1.EventDrivenStack, rule string, rt v1alpha1.RuleTarget, got ebtypes.Target) {
	t.Helper()
	what := "rule " + rule + " target " + aws.ToString(got.Arn)
	same(t, what+" inputPath", aws.ToString(got.InputPath), rt.InputPath)
	if it := rt.InputTransformer; it != nil {
		if got.InputTransformer == nil {
			t.Errorf("%s: no input transformer", what)
		} else {
			same(t, what+" input template", aws.ToString(got.InputTransformer.InputTemplate), it.InputTemplate)
			same(t, what+" input paths", got.InputTransformer.InputPathsMap, it.InputPathsMap)
		}
	}
	if r := rt.Retry; r != nil {
		if got.RetryPolicy == nil {
			t.Errorf("%s: no retry policy", what)
		} else {
			same(t, what+" retry", [2]*int32{got.RetryPolicy.MaximumRetryAttempts, got.RetryPolicy.MaximumEventAgeInSeconds}, [2]*int32{r.MaximumRetryAttempts, r.MaximumEventAgeSeconds})
		}
	}
	if rt.DeadLetterQueue != "" {
		var dlq string
		if got.DeadLetterConfig != nil {
			dlq = aws.ToString(got.DeadLetterConfig.Arn)
		}
		same(t, what+" dead-letter queue", dlq, queueARN(stack, rt.DeadLetterQueue))
	}
	if rt.MessageGroupID != "" {
		var group string
		if got.SqsParameters != nil {
			group = aws.ToString(got.SqsParameters.MessageGroupId)
		}
		same(t, what+" message group", group, rt.MessageGroupID)
	}
	if rt.EventBusARN != "" && aws.ToString(got.RoleArn) == "" {
		t.Errorf("%s: a target on another bus without the role EventBridge assumes", what)
	}
}
