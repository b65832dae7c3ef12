package render

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// The seed gets exactly the default alarms the README lists: each dead-letter
// queue (the two of the queues and the EventBridge one), each function's errors
// and throttles, the workflow's failed and timed-out executions, each rule's
// failed invocations, each table's read and write throttles: all "above 0 in
// a minute", missing data not breaching.
func TestSeedDefaultAlarms(t *testing.T) {
	want := []struct{ name, namespace, metric, statistic, dims string }{
		{"order-dlq-messages-visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "QueueName=order-dlq"},
		{"inventory-dlq-messages-visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "QueueName=inventory-dlq"},
		{"event-driven-stack-events-dlq-messages-visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "QueueName=event-driven-stack-events-dlq"},
		{"event-order-processor-errors", "AWS/Lambda", "Errors", "Sum", "FunctionName=event-order-processor"},
		{"event-order-processor-throttles", "AWS/Lambda", "Throttles", "Sum", "FunctionName=event-order-processor"},
		{"event-inventory-processor-errors", "AWS/Lambda", "Errors", "Sum", "FunctionName=event-inventory-processor"},
		{"event-inventory-processor-throttles", "AWS/Lambda", "Throttles", "Sum", "FunctionName=event-inventory-processor"},
		{"event-notification-processor-errors", "AWS/Lambda", "Errors", "Sum", "FunctionName=event-notification-processor"},
		{"event-notification-processor-throttles", "AWS/Lambda", "Throttles", "Sum", "FunctionName=event-notification-processor"},
		{"event-driven-workflow-executions-failed", "AWS/States", "ExecutionsFailed", "Sum",
			"StateMachineArn=arn:aws:states:us-east-1:123456789012:stateMachine:event-driven-workflow"},
		{"event-driven-workflow-executions-timed-out", "AWS/States", "ExecutionsTimedOut", "Sum",
			"StateMachineArn=arn:aws:states:us-east-1:123456789012:stateMachine:event-driven-workflow"},
		{"order-events-rule-failed-invocations", "AWS/Events", "FailedInvocations", "Sum", "EventBusName=custom-event-bus,RuleName=order-events-rule"},
		{"inventory-events-rule-failed-invocations", "AWS/Events", "FailedInvocations", "Sum", "EventBusName=custom-event-bus,RuleName=inventory-events-rule"},
		{"notification-events-rule-failed-invocations", "AWS/Events", "FailedInvocations", "Sum", "EventBusName=custom-event-bus,RuleName=notification-events-rule"},
		{"workflow-events-rule-failed-invocations", "AWS/Events", "FailedInvocations", "Sum", "EventBusName=custom-event-bus,RuleName=workflow-events-rule"},
		{"event-driven-orders-read-throttles", "AWS/DynamoDB", "ReadThrottleEvents", "Sum", "TableName=event-driven-orders"},
		{"event-driven-orders-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", "Sum", "TableName=event-driven-orders"},
		{"event-driven-inventory-read-throttles", "AWS/DynamoDB", "ReadThrottleEvents", "Sum", "TableName=event-driven-inventory"},
		{"event-driven-inventory-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", "Sum", "TableName=event-driven-inventory"},
	}
	stack := loadSeed(t)
	res := mustRender(t, stack, seedObserved())
	alarms := map[string]*ack.MetricAlarm{}
	for _, c := range res.Children {
		if a, ok := c.Object.(*ack.MetricAlarm); ok {
			alarms[*a.Spec.Name] = a
		} else if c.Kind == "MetricAlarm" {
			t.Errorf("%s waits for %v", c.Name, c.Needs)
		}
	}
	if len(alarms) != len(want) {
		t.Errorf("%d alarms, want %d", len(alarms), len(want))
	}
	for _, w := range want {
		a := alarms[w.name]
		if a == nil {
			t.Errorf("no alarm %s", w.name)
			continue
		}
		s := a.Spec
		var dims []string
		for _, d := range s.Dimensions {
			dims = append(dims, *d.Name+"="+*d.Value)
		}
		got := fmt.Sprintf("%s %s %s %s", *s.Namespace, *s.MetricName, *s.Statistic, strings.Join(dims, ","))
		if exp := fmt.Sprintf("%s %s %s %s", w.namespace, w.metric, w.statistic, w.dims); got != exp {
			t.Errorf("%s: %s, want %s", w.name, got, exp)
		}
		if *s.Threshold != 0 || *s.ComparisonOperator != "GreaterThanThreshold" || *s.Period != 60 || *s.EvaluationPeriods != 1 ||
			*s.TreatMissingData != "notBreaching" {
			t.Errorf("%s: %v %s %v s x%d, missing %s; want > 0 in one minute, not breaching", w.name,
				*s.Threshold, *s.ComparisonOperator, *s.Period, *s.EvaluationPeriods, *s.TreatMissingData)
		}
		if ptr.Deref(s.AlarmDescription, "") == "" {
			t.Errorf("%s says not why it exists", w.name)
		}
		if s.AlarmActions != nil || s.OKActions != nil {
			t.Errorf("%s notifies %v without spec.alarms.notify", w.name, s.AlarmActions)
		}
		component := "alarm/" + w.name
		if w.name == "event-driven-stack-events-dlq-messages-visible" {
			component = "alarm/events--dlq-messages-visible" // named after the stack's EventBridge DLQ in AWS
		}
		if a.GetAnnotations()[AnnotationComponent] != component {
			t.Errorf("%s: component %s", w.name, a.GetAnnotations()[AnnotationComponent])
		}
	}
	// The alarms wait for nothing AWS checks: the graph keeps its three waves.
	if g := mustGraph(t, loadSeed(t), Inputs{Observed: Observed{Account: account}}); g.Waves != 3 {
		t.Errorf("with alarms, %d waves, want 3", g.Waves)
	}
}

// Families turn off one by one; notify reaches every alarm, as a topic of the
// stack or an ARN; a declared alarm resolves its references; every alarm's
// AWS name is among the stack's AWS names, so tenancy owns it.
func TestAlarmsDeclared(t *testing.T) {
	count := func(stack *v1alpha1.EventDrivenStack) map[v1alpha1.AlarmFamily]int {
		out := map[v1alpha1.AlarmFamily]int{}
		for _, a := range Alarms(stack) {
			out[a.Family]++
		}
		return out
	}
	all := count(loadSeed(t))
	for family, n := range map[v1alpha1.AlarmFamily]int{v1alpha1.AlarmDeadLetterQueues: 3, v1alpha1.AlarmFunctions: 6,
		v1alpha1.AlarmWorkflows: 2, v1alpha1.AlarmRules: 4, v1alpha1.AlarmTables: 4} {
		if all[family] != n {
			t.Errorf("%s: %d alarms, want %d", family, all[family], n)
		}
		stack := loadSeed(t)
		stack.Spec.Alarms = &v1alpha1.Alarms{Disable: []v1alpha1.AlarmFamily{family}}
		if got := count(stack); got[family] != 0 || len(got) != 4 {
			t.Errorf("%s disabled: %v", family, got)
		}
	}

	stack := loadSeed(t)
	stack.Spec.NamePrefix = "dev-"
	stack.Spec.Alarms = &v1alpha1.Alarms{
		Notify:  "${topic:event-notifications}",
		Disable: []v1alpha1.AlarmFamily{v1alpha1.AlarmFunctions, v1alpha1.AlarmTables, v1alpha1.AlarmRules, v1alpha1.AlarmDeadLetterQueues},
		Custom: []v1alpha1.Alarm{{Name: "slow-orders", Namespace: "AWS/Lambda", Metric: "Duration", Statistic: "Average",
			PeriodSeconds: 300, EvaluationPeriods: 3, Threshold: resource.MustParse("2.5"), Comparison: "GreaterThanOrEqualToThreshold",
			Dimensions: []v1alpha1.AlarmDimension{{Name: "FunctionName", Value: "${function:event-order-processor}"}, {Name: "Resource", Value: "x"}}}},
	}
	res := mustRender(t, stack, seedObserved())
	names := map[string]bool{}
	for _, n := range AWSNames(stack) {
		if n.Kind == "MetricAlarm" {
			names[n.Name] = true
		}
	}
	topic := seedObserved().ARNs["topic/event-notifications"] // as ACK reported it
	found := 0
	for _, c := range res.Children {
		a, ok := c.Object.(*ack.MetricAlarm)
		if !ok {
			continue
		}
		found++
		if !names[*a.Spec.Name] {
			t.Errorf("%s is not among the stack's AWS names", *a.Spec.Name)
		}
		if len(a.Spec.AlarmActions) != 1 || *a.Spec.AlarmActions[0] != topic || len(a.Spec.OKActions) != 1 || !ptr.Deref(a.Spec.ActionsEnabled, false) {
			t.Errorf("%s notifies %s, want %s", *a.Spec.Name, ptr.Deref(a.Spec.AlarmActions[0], ""), topic)
		}
		if *a.Spec.Name == "dev-slow-orders" {
			s := a.Spec
			got := fmt.Sprintf("%s %s %v %d %d %s %s=%s %s=%s", *s.MetricName, *s.Statistic, *s.Threshold, *s.Period, *s.EvaluationPeriods,
				*s.ComparisonOperator, *s.Dimensions[0].Name, *s.Dimensions[0].Value, *s.Dimensions[1].Name, *s.Dimensions[1].Value)
			if want := "Duration Average 2.5 300 3 GreaterThanOrEqualToThreshold FunctionName=dev-event-order-processor Resource=x"; got != want {
				t.Errorf("declared alarm: %s, want %s", got, want)
			}
		}
	}
	if found != 3 || len(names) != 3 {
		t.Errorf("%d alarms, %d AWS names; want the workflow's two and the declared one", found, len(names))
	}

	stack.Spec.Alarms.Notify = "arn:aws:sns:us-east-1:999999999999:ops"
	for _, c := range mustRender(t, stack, Observed{}).Children {
		if a, ok := c.Object.(*ack.MetricAlarm); ok && *a.Spec.AlarmActions[0] != stack.Spec.Alarms.Notify {
			t.Errorf("%s notifies %s", *a.Spec.Name, *a.Spec.AlarmActions[0])
		}
	}
}

// An alarm's name stays within CloudWatch's 255 characters with the longest
// prefix and component names the API allows.
func TestAlarmNamesWithinCloudWatchLimits(t *testing.T) {
	stack := &v1alpha1.EventDrivenStack{Spec: v1alpha1.EventDrivenStackSpec{Region: "us-east-1",
		NamePrefix: strings.Repeat("p", 48),
		Functions:  []v1alpha1.Function{{Name: strings.Repeat("f", 64)}},
		Alarms:     &v1alpha1.Alarms{Custom: []v1alpha1.Alarm{{Name: strings.Repeat("a", 64), Namespace: "N", Metric: "M"}}}}}
	stack.Name = strings.Repeat("s", 63)
	for _, a := range Alarms(stack) {
		if n := AlarmAWSName(stack, a.Name); len(n) > 255 || n == "" {
			t.Errorf("%q: %d characters", n, len(n))
		}
	}
}

// A trial is rolled back by the function's default alarms and the declared
// ones its rollout names, and by no other alarm of the stack.
func TestRolloutAlarms(t *testing.T) {
	stack := loadSeed(t)
	stack.Spec.NamePrefix = "dev-"
	fn := &stack.Spec.Functions[0]
	if got := RolloutAlarms(stack, fn.Name); got != nil {
		t.Errorf("without a rollout: %v", got)
	}
	fn.Rollout = &v1alpha1.FunctionRollout{Strategy: v1alpha1.RolloutAllAtOnce, Alarms: []string{"slow"}}
	stack.Spec.Alarms = &v1alpha1.Alarms{Custom: []v1alpha1.Alarm{
		{Name: "slow", Namespace: "AWS/Lambda", Metric: "Duration"}, {Name: "other", Namespace: "AWS/SQS", Metric: "X"}}}
	want := []string{"dev-" + fn.Name + "-errors", "dev-" + fn.Name + "-throttles", "dev-slow"}
	if got := RolloutAlarms(stack, fn.Name); !slices.Equal(got, want) {
		t.Errorf("alarms %v, want %v", got, want)
	}
	stack.Spec.Alarms.Disable = []v1alpha1.AlarmFamily{v1alpha1.AlarmFunctions}
	if got := RolloutAlarms(stack, fn.Name); !slices.Equal(got, []string{"dev-slow"}) {
		t.Errorf("functions family disabled: %v", got)
	}
}
