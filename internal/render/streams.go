package render

import (
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// streamReadActions are what Lambda needs in the function's role to poll a
// DynamoDB stream (Lambda Developer Guide, "Using AWS Lambda with Amazon
// DynamoDB", execution role permissions).
var streamReadActions = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

// Lambda's defaults for a DynamoDB stream source, written explicitly: as for
// an SQS source's batch settings (docs/ack-behaviour.md, row 11), an unset
// field would keep AWS's last value.
const (
	DefaultStreamBatchSize     = 100
	defaultMaximumRetryAttempt = -1
)

// StreamWait is what a stream consumer's mapping waits for: the table's
// stream ARN, which ACK reports in the Table's status.latestStreamARN.
const StreamWait = "stream ARN (status.latestStreamARN)"

// StreamMappingKey is the component key of the event source mapping by which
// a table's stream invokes a function.
func StreamMappingKey(function, table string) string {
	return Key(refs.Function, function) + "/streams/" + table
}

// streamMapping builds the event source mapping of a function consuming a
// table's stream. Its source is the stream's ARN, read from the table child's
// status; until ACK reports it the mapping waits.
func (b *builder) streamMapping(f v1alpha1.Function, c v1alpha1.StreamConsumer) Child {
	// "stream" keeps the name apart from a queue mapping's: component names
	// hold no dot.
	name := childName(b.stack, f.Name, "stream", c.Table)
	component := StreamMappingKey(f.Name, c.Table)
	var n needs
	position := c.StartingPosition
	if position == "" {
		position = "LATEST"
	}
	obj := &ack.EventSourceMapping{Spec: ack.EventSourceMappingSpec{
		BatchSize:                      ptr.To(ptr.Deref(c.BatchSize, DefaultStreamBatchSize)),
		MaximumBatchingWindowInSeconds: ptr.To[int64](0),
		StartingPosition:               ptr.To(string(position)),
		BisectBatchOnFunctionError:     ptr.To(c.BisectBatchOnFunctionError),
		MaximumRetryAttempts:           ptr.To(ptr.Deref(c.MaximumRetryAttempts, defaultMaximumRetryAttempt)),
		FunctionResponseTypes:          []*string{ptr.To("ReportBatchItemFailures")},
		Enabled:                        ptr.To(true),
	}}
	obj.Spec.FilterCriteria = filterCriteria(c.Filters)
	if arn, ok := b.invoked(&n, f.Name); ok {
		obj.Spec.FunctionName = ptr.To(arn)
	}
	table, _ := b.prior(Key(refs.Table, c.Table)).(*ack.Table)
	if table != nil && ptr.Deref(table.Status.LatestStreamARN, "") != "" {
		obj.Spec.EventSourceARN = table.Status.LatestStreamARN
	} else {
		kind, child := b.componentChild(refs.Table, c.Table)
		n = append(n, Dependency{Kind: kind, Name: child, What: StreamWait})
	}
	// Lambda answers a stream mapping's DestinationConfig as {"OnFailure": {}}
	// when it has no destination, and takes that to remove one: the
	// mapping says so, or ACK's delta of nil against it would update the
	// mapping at every sync and an onFailure taken out would stay
	// (docs/ack-behaviour.md).
	obj.Spec.DestinationConfig = &ack.DestinationConfig{OnFailure: &ack.OnFailure{}}
	if d := c.OnFailure; d != nil {
		kind, target := refs.Queue, d.Queue
		if d.Topic != "" {
			kind, target = refs.Topic, d.Topic
		}
		if arn, ok := b.exists(&n, kind, target); ok {
			obj.Spec.DestinationConfig.OnFailure.Destination = ptr.To(arn)
		}
	}
	b.meta(obj, ack.LambdaGroupVersion.WithKind("EventSourceMapping"), name, component, nil)
	return b.child(component, "EventSourceMapping", name, obj, n)
}

// streamGrants gives a function's role what its stream consumers need: the
// stream reads on the table's streams, and sending to (publishing on) each
// on-failure destination, which Lambda does with the function's role.
func (b *builder) streamGrants(n *needs, p *PolicyDocument, f v1alpha1.Function) {
	for _, c := range f.Streams {
		if arn, ok := b.named(n, refs.Table, c.Table); ok {
			p.allow("ReadStreams", streamReadActions, arn+"/stream/*")
		}
		if d := c.OnFailure; d != nil {
			if d.Queue != "" {
				if arn, ok := b.named(n, refs.Queue, d.Queue); ok {
					p.allow("OnFailureQueues", []string{"sqs:SendMessage"}, arn)
				}
			} else if arn, ok := b.named(n, refs.Topic, d.Topic); ok {
				p.allow("OnFailureTopics", []string{"sns:Publish"}, arn)
			}
		}
	}
}
