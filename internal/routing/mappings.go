package routing

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
)

// FindMapping returns the UUID of the event source mapping by which a queue
// invokes a function, "" when there is none. ACK's lambda controller adopts
// a mapping by its UUID only (lambda-controller v1.14.1
// pkg/resource/event_source_mapping/resource.go): a stack that adopts finds it
// here, or an adopt-or-create child would create a second mapping that never
// syncs.
func FindMapping(ctx context.Context, lc awsapi.Lambda, functionARN, queueARN string) (string, error) {
	out, err := lc.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{
		FunctionName: &functionARN, EventSourceArn: &queueARN,
	})
	if err != nil {
		return "", awsapi.Classify("lambda:ListEventSourceMappings", err)
	}
	// Lambda allows one mapping per function and queue.
	for _, m := range out.EventSourceMappings {
		if uuid := ptr.Deref(m.UUID, ""); uuid != "" {
			return uuid, nil
		}
	}
	return "", nil
}
