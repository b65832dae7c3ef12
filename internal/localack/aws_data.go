package localack

// The data plane in the local AWS: queues, topics, subscriptions, tables and
// event source mappings, made through the SDK as sqs-controller,
// sns-controller, dynamodb-controller and lambda-controller make them, so
// that what the local AWS delivers (EventBridge targets, SNS Publish, the
// SQS pollers of mappings, DynamoDB items) reaches resources that exist.
// It is a side effect of the reconcile the stand-in plays: the status is
// still what playStatus reports (models.go), with the identifiers the local
// AWS gave (a queue's URL, a table's ARN, a subscription's ARN, a mapping's
// UUID and ARN) in place of the ones playStatus derives.
//
// Simplifications: a resource of the name left from a stack deleted before
// (the stand-in deletes nothing in AWS) is this child's, brought to its spec;
// a table is only created (dynamodb-controller's UpdateTable of billing mode
// and throughput is not played); a child in a namespace mapped to another
// account than the local AWS's is only reported, as before (the stand-in's
// clients call as the local AWS's own account).

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"

	ackv1alpha1 "github.com/aws-controllers-k8s/runtime/apis/core/v1alpha1"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
)

// dataCall makes or updates a child's resource in the local AWS and returns
// what writes over the status the identifiers AWS gave.
type dataCall func(ctx context.Context, a *awsSide, obj ack.Object, update bool) (gave func(account string), err error)

// dataPlane wraps a kind's call to the local AWS: make reports what AWS gave
// (written over what playStatus derives) or an error, which ends the
// reconcile Recoverable; children of another account are only reported.
func dataPlane(call dataCall) func(context.Context, *awsSide, ack.Object, string, bool) (bool, bool, error) {
	return func(ctx context.Context, a *awsSide, obj ack.Object, account string, newGeneration bool) (bool, bool, error) {
		if account != a.server.AccountID || terminal(obj) && !newGeneration {
			return false, false, nil
		}
		created := obj.ACKStatus().ARN() == ""
		update := !created && (newGeneration || !synced(obj))
		if !created && !update {
			return false, false, nil // a requeue: nothing to call (a table CREATING read again)
		}
		gave, err := call(ctx, a, obj, update)
		if err != nil {
			setRecoverable(obj, awsMessage(err))
			return true, true, nil
		}
		// The call went through: the retry's Recoverable goes.
		st := obj.ACKStatus()
		st.Conditions = slices.DeleteFunc(st.Conditions, func(c *ackv1alpha1.Condition) bool {
			return c.Type == ackv1alpha1.ConditionTypeRecoverable
		})
		write := playStatus(obj, account, newGeneration)
		if gave != nil {
			gave(account)
		}
		return true, write, nil
	}
}

// apiCode is an AWS error's code, "" for another error.
func apiCode(err error) string {
	var e smithy.APIError
	if errors.As(err, &e) {
		return e.ErrorCode()
	}
	return ""
}

// makeQueue calls CreateQueue with the spec's attributes and tags, or
// SetQueueAttributes and TagQueue on a new generation, as sqs-controller
// does; it reports the URL SQS answered.
func makeQueue(ctx context.Context, a *awsSide, obj ack.Object, update bool) (func(string), error) {
	q := obj.(*ack.Queue)
	attrs := queueAttributes(q.Spec)
	tags := map[string]string{}
	for k, v := range q.Spec.Tags {
		tags[k] = ptr.Deref(v, "")
	}
	if update {
		return nil, a.setQueue(ctx, ptr.Deref(q.Status.QueueURL, ""), q, attrs, tags)
	}
	in := &sqs.CreateQueueInput{QueueName: q.Spec.QueueName, Attributes: attrs}
	if len(tags) > 0 {
		in.Tags = tags
	}
	out, err := a.sqs.CreateQueue(ctx, in)
	var url string
	switch code := apiCode(err); {
	case code == "QueueAlreadyExists" || code == "QueueNameExists":
		// Left from a stack deleted before, with other attributes.
		got, err := a.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: q.Spec.QueueName})
		if err != nil {
			return nil, err
		}
		url = ptr.Deref(got.QueueUrl, "")
		if err := a.setQueue(ctx, url, q, attrs, tags); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		url = ptr.Deref(out.QueueUrl, "")
	}
	return func(string) { q.Status.QueueURL = ptr.To(url) }, nil
}

// setQueue sets a queue's attributes and tags.
func (a *awsSide) setQueue(ctx context.Context, url string, q *ack.Queue, attrs, tags map[string]string) error {
	if url == "" {
		got, err := a.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: q.Spec.QueueName})
		if err != nil {
			return err
		}
		url = ptr.Deref(got.QueueUrl, "")
	}
	if len(attrs) > 0 {
		if _, err := a.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs}); err != nil {
			return err
		}
	}
	if len(tags) == 0 {
		return nil
	}
	_, err := a.sqs.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: tags})
	return err
}

func queueAttributes(s ack.QueueSpec) map[string]string {
	attrs := map[string]string{}
	for name, v := range map[string]*string{"VisibilityTimeout": s.VisibilityTimeout, "MessageRetentionPeriod": s.MessageRetentionPeriod,
		"RedrivePolicy": s.RedrivePolicy, "Policy": s.Policy,
		"FifoQueue": s.FifoQueue, "ContentBasedDeduplication": s.ContentBasedDeduplication, "DeduplicationScope": s.DeduplicationScope,
		"FifoThroughputLimit": s.FifoThroughputLimit, "DelaySeconds": s.DelaySeconds, "MaximumMessageSize": s.MaximumMessageSize,
		"ReceiveMessageWaitTimeSeconds": s.ReceiveMessageWaitTimeSeconds, "SqsManagedSseEnabled": s.SQSManagedSSEEnabled,
		"KmsMasterKeyId": s.KMSMasterKeyID, "KmsDataKeyReusePeriodSeconds": s.KMSDataKeyReusePeriodSeconds} {
		if v != nil {
			attrs[name] = *v
		}
	}
	return attrs
}

// makeTopic calls CreateTopic with DisplayName, Policy, FifoTopic,
// ContentBasedDeduplication, KmsMasterKeyId and the tags, or
// SetTopicAttributes (one attribute a call, as SNS takes them) and
// TagResource on a new generation, as sns-controller does.
func makeTopic(ctx context.Context, a *awsSide, obj ack.Object, update bool) (func(string), error) {
	t := obj.(*ack.Topic)
	attrs := map[string]string{}
	if t.Spec.DisplayName != nil {
		attrs["DisplayName"] = *t.Spec.DisplayName
	}
	if ptr.Deref(t.Spec.Policy, "") != "" {
		attrs["Policy"] = *t.Spec.Policy // SNS refuses an empty policy
	}
	if t.Spec.ContentBasedDeduplication != nil {
		attrs["ContentBasedDeduplication"] = *t.Spec.ContentBasedDeduplication
	}
	if t.Spec.KMSMasterKeyID != nil {
		attrs["KmsMasterKeyId"] = *t.Spec.KMSMasterKeyID // "" turns encryption off
	}
	var tags []snstypes.Tag
	for _, tag := range t.Spec.Tags {
		if tag != nil {
			tags = append(tags, snstypes.Tag{Key: tag.Key, Value: aws.String(ptr.Deref(tag.Value, ""))})
		}
	}
	if update {
		return nil, a.setTopic(ctx, obj.ACKStatus().ARN(), attrs, tags)
	}
	create := attrs
	if t.Spec.FifoTopic != nil {
		// CreateTopic only: SetTopicAttributes does not take FifoTopic.
		create = maps.Clone(attrs)
		create["FifoTopic"] = *t.Spec.FifoTopic
	}
	out, err := a.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: t.Spec.Name, Attributes: create, Tags: tags})
	var arn string
	switch {
	case apiCode(err) == "InvalidParameter" && alreadyExists.MatchString(err.Error()):
		// Left from a stack deleted before, with other attributes or tags.
		arn = arns.Scope{Region: a.server.Region, Account: a.server.AccountID}.Topic(ptr.Deref(t.Spec.Name, ""))
		if err := a.setTopic(ctx, arn, attrs, tags); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		arn = ptr.Deref(out.TopicArn, "")
	}
	return func(account string) { setARNIn(obj, arn, account) }, nil
}

// alreadyExists is SNS's answer to a create of an existing topic or
// subscription with other attributes.
var alreadyExists = regexp.MustCompile(`already exists with different`)

func (a *awsSide) setTopic(ctx context.Context, arn string, attrs map[string]string, tags []snstypes.Tag) error {
	for _, name := range []string{"DisplayName", "Policy", "ContentBasedDeduplication", "KmsMasterKeyId"} {
		if v, ok := attrs[name]; ok {
			if _, err := a.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String(name), AttributeValue: aws.String(v)}); err != nil {
				return err
			}
		}
	}
	if len(tags) == 0 {
		return nil
	}
	_, err := a.sns.TagResource(ctx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags})
	return err
}

// makeSubscription calls Subscribe with the spec's attributes and
// ReturnSubscriptionArn, or SetSubscriptionAttributes on a new generation, as
// sns-controller does; it reports the subscription's ARN SNS answered.
func makeSubscription(ctx context.Context, a *awsSide, obj ack.Object, update bool) (func(string), error) {
	s := obj.(*ack.Subscription)
	attrs := map[string]string{}
	for name, v := range map[string]*string{"RawMessageDelivery": s.Spec.RawMessageDelivery, "FilterPolicy": s.Spec.FilterPolicy,
		"FilterPolicyScope": s.Spec.FilterPolicyScope} {
		if ptr.Deref(v, "") != "" {
			attrs[name] = *v
		}
	}
	if update {
		return nil, a.setSubscription(ctx, obj.ACKStatus().ARN(), attrs)
	}
	in := &sns.SubscribeInput{TopicArn: s.Spec.TopicARN, Protocol: s.Spec.Protocol, Endpoint: s.Spec.Endpoint, Attributes: attrs, ReturnSubscriptionArn: true}
	out, err := a.sns.Subscribe(ctx, in)
	if apiCode(err) == "InvalidParameter" && alreadyExists.MatchString(err.Error()) {
		// Left from a stack deleted before, with other attributes: found
		// by subscribing without them, then set.
		in.Attributes = nil
		if out, err = a.sns.Subscribe(ctx, in); err == nil {
			err = a.setSubscription(ctx, ptr.Deref(out.SubscriptionArn, ""), attrs)
		}
	}
	if err != nil {
		return nil, err
	}
	arn := ptr.Deref(out.SubscriptionArn, "")
	return func(account string) { setARNIn(obj, arn, account) }, nil
}

func (a *awsSide) setSubscription(ctx context.Context, arn string, attrs map[string]string) error {
	// The scope before the policy it scopes.
	for _, name := range []string{"RawMessageDelivery", "FilterPolicyScope", "FilterPolicy"} {
		if v, ok := attrs[name]; ok {
			if _, err := a.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn),
				AttributeName: aws.String(name), AttributeValue: aws.String(v)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// makeTable calls CreateTable with the key schema, attribute definitions,
// billing mode or provisioned throughput, secondary indexes, stream, SSE,
// table class, deletion protection and tags, as dynamodb-controller does; a
// table of the name that exists is this child's. It reports the table's ARN
// and stream ARN DynamoDB answered; the status stays the stand-in's
// (CREATING, then ACTIVE). TTL and point-in-time recovery, which the
// controller sets by UpdateTimeToLive and UpdateContinuousBackups once the
// table is ACTIVE, are not played, as UpdateTable is not.
func makeTable(ctx context.Context, a *awsSide, obj ack.Object, update bool) (func(string), error) {
	if update {
		return nil, nil // UpdateTable is not played
	}
	t := obj.(*ack.Table)
	s := t.Spec
	in := &dynamodb.CreateTableInput{TableName: s.TableName}
	for _, d := range s.AttributeDefinitions {
		if d != nil {
			in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{AttributeName: d.AttributeName,
				AttributeType: ddbtypes.ScalarAttributeType(ptr.Deref(d.AttributeType, ""))})
		}
	}
	for _, k := range s.KeySchema {
		if k != nil {
			in.KeySchema = append(in.KeySchema, ddbtypes.KeySchemaElement{AttributeName: k.AttributeName, KeyType: ddbtypes.KeyType(ptr.Deref(k.KeyType, ""))})
		}
	}
	if s.BillingMode != nil {
		in.BillingMode = ddbtypes.BillingMode(*s.BillingMode)
	}
	if p := s.ProvisionedThroughput; p != nil {
		in.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: p.ReadCapacityUnits, WriteCapacityUnits: p.WriteCapacityUnits}
	}
	tableCreateSettings(in, s)
	for _, tag := range s.Tags {
		if tag != nil {
			in.Tags = append(in.Tags, ddbtypes.Tag{Key: tag.Key, Value: aws.String(ptr.Deref(tag.Value, ""))})
		}
	}
	out, err := a.dynamodb.CreateTable(ctx, in)
	arn := arns.Scope{Region: a.server.Region, Account: a.server.AccountID}.Table(ptr.Deref(s.TableName, ""))
	switch {
	case apiCode(err) == "ResourceInUseException":
		// Left from a stack deleted before: this child's.
	case err != nil:
		return nil, err
	case out.TableDescription != nil && out.TableDescription.TableArn != nil:
		arn = *out.TableDescription.TableArn
		t.Status.LatestStreamARN = out.TableDescription.LatestStreamArn
	}
	return func(account string) { setARNIn(obj, arn, account) }, nil
}

// tableCreateSettings puts what a table has beyond its keys and billing into
// CreateTable's request, as dynamodb-controller's newCreateRequestPayload
// does (sdk.go).
func tableCreateSettings(in *dynamodb.CreateTableInput, s ack.TableSpec) {
	keys := func(schema []*ack.KeySchemaElement) []ddbtypes.KeySchemaElement {
		var out []ddbtypes.KeySchemaElement
		for _, k := range schema {
			if k != nil {
				out = append(out, ddbtypes.KeySchemaElement{AttributeName: k.AttributeName, KeyType: ddbtypes.KeyType(ptr.Deref(k.KeyType, ""))})
			}
		}
		return out
	}
	projection := func(p *ack.Projection) *ddbtypes.Projection {
		if p == nil {
			return nil
		}
		out := &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(ptr.Deref(p.ProjectionType, ""))}
		for _, a := range p.NonKeyAttributes {
			if a != nil {
				out.NonKeyAttributes = append(out.NonKeyAttributes, *a)
			}
		}
		return out
	}
	for _, g := range s.GlobalSecondaryIndexes {
		if g == nil {
			continue
		}
		index := ddbtypes.GlobalSecondaryIndex{IndexName: g.IndexName, KeySchema: keys(g.KeySchema), Projection: projection(g.Projection)}
		if p := g.ProvisionedThroughput; p != nil {
			index.ProvisionedThroughput = &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: p.ReadCapacityUnits, WriteCapacityUnits: p.WriteCapacityUnits}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, index)
	}
	for _, l := range s.LocalSecondaryIndexes {
		if l != nil {
			in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, ddbtypes.LocalSecondaryIndex{IndexName: l.IndexName, KeySchema: keys(l.KeySchema), Projection: projection(l.Projection)})
		}
	}
	if st := s.StreamSpecification; st != nil {
		in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: st.StreamEnabled, StreamViewType: ddbtypes.StreamViewType(ptr.Deref(st.StreamViewType, ""))}
	}
	if sse := s.SSESpecification; sse != nil {
		in.SSESpecification = &ddbtypes.SSESpecification{Enabled: sse.Enabled, SSEType: ddbtypes.SSEType(ptr.Deref(sse.SSEType, "")), KMSMasterKeyId: sse.KMSMasterKeyID}
	}
	if s.TableClass != nil {
		in.TableClass = ddbtypes.TableClass(*s.TableClass)
	}
	in.DeletionProtectionEnabled = s.DeletionProtectionEnabled
}

// makeMapping calls CreateEventSourceMapping, or UpdateEventSourceMapping on
// a new generation, as lambda-controller does, and reports the UUID and ARN
// Lambda answered. A mapping is made once per child: the one made before
// (remembered, or named by Lambda's conflict answer: left from a stack
// deleted before, or made by a reconcile whose status write was lost) is
// brought to the spec; one the child adopts (ACK's adoption fields, by UUID)
// is read.
func makeMapping(ctx context.Context, a *awsSide, obj ack.Object, update bool) (func(string), error) {
	m := obj.(*ack.EventSourceMapping)
	if update {
		err := a.updateMapping(ctx, m, ptr.Deref(m.Status.UUID, ""))
		if !awsapi.IsNotFound(err) {
			return nil, err
		}
		// Gone from Lambda (or never made there): made anew.
	}
	uuid, arn, err := a.createMapping(ctx, m)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.mappings[obj.GetUID()] = uuid
	a.mu.Unlock()
	return func(account string) {
		m.Status.UUID = ptr.To(uuid)
		setARNIn(obj, arn, account)
	}, nil
}

// conflictUUID finds the UUID in Lambda's answer to a second mapping of a
// function and a source.
var conflictUUID = regexp.MustCompile(`existing mapping with UUID ([0-9a-fA-F-]+)`)

func (a *awsSide) createMapping(ctx context.Context, m *ack.EventSourceMapping) (uuid, arn string, err error) {
	a.mu.Lock()
	known := a.mappings[m.GetUID()]
	a.mu.Unlock()
	if known == "" {
		known = adoptedUUID(m)
	}
	if known != "" {
		out, err := a.lambda.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(known)})
		if err == nil {
			return known, ptr.Deref(out.EventSourceMappingArn, ""), nil
		}
		if !awsapi.IsNotFound(err) {
			return "", "", err
		}
	}
	s := m.Spec
	in := &lambda.CreateEventSourceMappingInput{FunctionName: s.FunctionName, EventSourceArn: s.EventSourceARN,
		BatchSize: int32Of(s.BatchSize), MaximumBatchingWindowInSeconds: int32Of(s.MaximumBatchingWindowInSeconds),
		FunctionResponseTypes: responseTypes(s), Enabled: s.Enabled, FilterCriteria: filtersOf(s, false),
		BisectBatchOnFunctionError: s.BisectBatchOnFunctionError, MaximumRetryAttempts: int32Of(s.MaximumRetryAttempts),
		DestinationConfig: destinationOf(s)}
	if s.StartingPosition != nil {
		in.StartingPosition = lambdatypes.EventSourcePosition(*s.StartingPosition)
	}
	out, err := a.lambda.CreateEventSourceMapping(ctx, in)
	if awsapi.IsConflict(err) {
		if found := conflictUUID.FindStringSubmatch(err.Error()); found != nil {
			if err := a.updateMapping(ctx, m, found[1]); err != nil {
				return "", "", err
			}
			return found[1], arns.Scope{Region: a.server.Region, Account: a.server.AccountID}.EventSourceMapping(found[1]), nil
		}
	}
	if err != nil {
		return "", "", err
	}
	return ptr.Deref(out.UUID, ""), ptr.Deref(out.EventSourceMappingArn, ""), nil
}

func (a *awsSide) updateMapping(ctx context.Context, m *ack.EventSourceMapping, uuid string) error {
	s := m.Spec
	_, err := a.lambda.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), FunctionName: s.FunctionName,
		BatchSize: int32Of(s.BatchSize), MaximumBatchingWindowInSeconds: int32Of(s.MaximumBatchingWindowInSeconds),
		FunctionResponseTypes: responseTypes(s), Enabled: s.Enabled, FilterCriteria: filtersOf(s, true),
		BisectBatchOnFunctionError: s.BisectBatchOnFunctionError, MaximumRetryAttempts: int32Of(s.MaximumRetryAttempts),
		DestinationConfig: destinationOf(s)})
	return err
}

// destinationOf is a stream source's on-failure destination as Lambda takes
// it (nil for a queue source, which has none).
func destinationOf(s ack.EventSourceMappingSpec) *lambdatypes.DestinationConfig {
	if d := s.DestinationConfig; d != nil && d.OnFailure != nil {
		return &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: d.OnFailure.Destination}}
	}
	return nil
}

// filtersOf is a mapping's FilterCriteria as Lambda takes it; on an update
// without any, an empty list, which removes those Lambda has, as
// lambda-controller sends when the spec's were taken out (its
// filterCriteriasDeleted; the stand-in sends it whenever the spec has none).
func filtersOf(s ack.EventSourceMappingSpec, update bool) *lambdatypes.FilterCriteria {
	if s.FilterCriteria == nil || len(s.FilterCriteria.Filters) == 0 {
		if update {
			return &lambdatypes.FilterCriteria{Filters: []lambdatypes.Filter{}}
		}
		return nil
	}
	out := &lambdatypes.FilterCriteria{}
	for _, f := range s.FilterCriteria.Filters {
		if f != nil {
			out.Filters = append(out.Filters, lambdatypes.Filter{Pattern: f.Pattern})
		}
	}
	return out
}

func responseTypes(s ack.EventSourceMappingSpec) []lambdatypes.FunctionResponseType {
	var out []lambdatypes.FunctionResponseType
	for _, t := range s.FunctionResponseTypes {
		if t != nil {
			out = append(out, lambdatypes.FunctionResponseType(*t))
		}
	}
	return out
}

// adoptedUUID is the UUID of the mapping a child adopts, "" when it adopts
// none.
func adoptedUUID(m *ack.EventSourceMapping) string {
	ann := m.GetAnnotations()
	if ann[ackv1alpha1.AnnotationAdoptionPolicy] == "" {
		return ""
	}
	var fields struct {
		UUID string `json:"uuid"`
	}
	if json.Unmarshal([]byte(ann[ackv1alpha1.AnnotationAdoptionFields]), &fields) != nil {
		return ""
	}
	return fields.UUID
}
