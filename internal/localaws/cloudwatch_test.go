package localaws_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// Through the SDK (Smithy RPC v2 CBOR): an alarm is created
// INSUFFICIENT_DATA, SetAlarmState moves it with a new timestamp,
// DescribeAlarms reads it by name, DeleteAlarms removes it, and an error
// reaches the SDK with its code.
func TestCloudWatchAlarmsThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	srv := localaws.New()
	cw := cloudwatch.NewFromConfig(srv.StartForTest(t))
	_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("dev-order-dlq-messages-visible"), Namespace: aws.String("AWS/SQS"),
		MetricName: aws.String("ApproximateNumberOfMessagesVisible"), Statistic: cwtypes.StatisticMaximum,
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(0),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
		Dimensions:         []cwtypes.Dimension{{Name: aws.String("QueueName"), Value: aws.String("dev-order-dlq")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	describe := func() cwtypes.MetricAlarm {
		t.Helper()
		out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"dev-order-dlq-messages-visible", "absent"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.MetricAlarms) != 1 {
			t.Fatalf("%d alarms", len(out.MetricAlarms))
		}
		return out.MetricAlarms[0]
	}
	a := describe()
	if a.StateValue != cwtypes.StateValueInsufficientData || aws.ToString(a.AlarmArn) != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:dev-order-dlq-messages-visible" ||
		a.StateUpdatedTimestamp == nil || a.StateUpdatedTimestamp.IsZero() {
		t.Errorf("new alarm: %s %s %v", a.StateValue, aws.ToString(a.AlarmArn), a.StateUpdatedTimestamp)
	}
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("dev-order-dlq-messages-visible"),
		StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).")}); err != nil {
		t.Fatal(err)
	}
	if b := describe(); b.StateValue != cwtypes.StateValueAlarm || aws.ToString(b.StateReason) == "" || b.StateUpdatedTimestamp.Before(*a.StateUpdatedTimestamp) {
		t.Errorf("after SetAlarmState: %s %q %v", b.StateValue, aws.ToString(b.StateReason), b.StateUpdatedTimestamp)
	}
	if _, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"dev-order-dlq-messages-visible"}}); err != nil {
		t.Fatal(err)
	}
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("dev-order-dlq-messages-visible"), StateValue: cwtypes.StateValueOk, StateReason: aws.String("x")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ResourceNotFound" {
		t.Errorf("a deleted alarm: %v", err)
	}
}
