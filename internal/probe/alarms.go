package probe

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
)

// describeAlarmsLimit is how many names DescribeAlarms takes at once.
const describeAlarmsLimit = 100

// AlarmState is an alarm's state as CloudWatch reports it: cloudwatch-
// controller v1.8.1 reports no state in the MetricAlarm's status.
type AlarmState struct {
	// State is OK, ALARM or INSUFFICIENT_DATA.
	State  string
	Reason string
	// Since is when the alarm entered its state; nil when CloudWatch did
	// not say.
	Since *time.Time
}

// Alarms reads the state of the named alarms, by name, with one
// DescribeAlarms per hundred names (a read; nothing is changed). An alarm
// CloudWatch does not have is absent from the answer.
func Alarms(ctx context.Context, c awsapi.Alarms, names []string) (map[string]AlarmState, error) {
	out := make(map[string]AlarmState, len(names))
	for start := 0; start < len(names); start += describeAlarmsLimit {
		batch := names[start:min(len(names), start+describeAlarmsLimit)]
		in := &cloudwatch.DescribeAlarmsInput{AlarmNames: batch, MaxRecords: ptr.To(int32(describeAlarmsLimit))}
		for {
			page, err := c.DescribeAlarms(ctx, in)
			if err != nil {
				return nil, awsapi.Classify("cloudwatch:DescribeAlarms", err)
			}
			for _, a := range page.MetricAlarms {
				out[ptr.Deref(a.AlarmName, "")] = AlarmState{State: string(a.StateValue), Reason: ptr.Deref(a.StateReason, ""), Since: a.StateUpdatedTimestamp}
			}
			if page.NextToken == nil {
				break
			}
			in.NextToken = page.NextToken
		}
	}
	return out, nil
}
