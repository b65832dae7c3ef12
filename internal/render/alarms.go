package render

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// AlarmKind keys the stack's CloudWatch alarms in Observed and in the
// children's component annotation: "alarm/<name before namePrefix>".
const AlarmKind refs.Kind = "alarm"

// eventsDLQAlarm is the name of the alarm on the stack's EventBridge
// dead-letter queue: "--" cannot occur in a declared alarm's name.
const eventsDLQAlarm = "events--dlq-messages-visible"

// Alarm is one CloudWatch alarm of the stack before it is a child: what it
// watches, on which metric, and why it exists.
type Alarm struct {
	// Name is the alarm's name before namePrefix, its key in Observed.
	Name string
	// Family is the default family it belongs to; "" for a declared alarm.
	Family v1alpha1.AlarmFamily
	// Watches is the component it watches (queue/order-dlq), or
	// alarm/<name> for a declared alarm.
	Watches    string
	Namespace  string
	Metric     string
	Dimensions []AlarmDimension
	Statistic  string
	Period     int64
	Periods    int64
	Threshold  float64
	Comparison string
	Missing    string
	// Why is the alarm's description in CloudWatch.
	Why string
}

// AlarmDimension is a dimension of an alarm's metric: a literal value, or
// a component of the stack (Ref) resolved when the child is built.
type AlarmDimension struct {
	Name  string
	Value string
	Ref   *refs.Ref
}

// Alarms lists the stack's alarms: the default families not disabled, for
// each component, then the declared ones. Pure: the README's table of
// default alarms is this function's output for the seed.
func Alarms(stack *v1alpha1.EventDrivenStack) []Alarm {
	spec := stack.Spec.Alarms
	if spec == nil {
		spec = &v1alpha1.Alarms{}
	}
	on := func(f v1alpha1.AlarmFamily) bool {
		for _, d := range spec.Disable {
			if d == f {
				return false
			}
		}
		return true
	}
	var out []Alarm
	// count makes the usual default: the metric's sum (or maximum) over a
	// minute above zero, missing data (nothing happened) not breaching.
	count := func(family v1alpha1.AlarmFamily, kind refs.Kind, name, suffix, namespace, metric, statistic, why string, dims ...AlarmDimension) Alarm {
		return Alarm{Name: name + "-" + suffix, Family: family, Watches: Key(kind, name), Namespace: namespace, Metric: metric,
			Dimensions: dims, Statistic: statistic, Period: 60, Periods: 1, Threshold: 0,
			Comparison: "GreaterThanThreshold", Missing: "notBreaching", Why: why}
	}
	self := func(kind refs.Kind, name string, attr refs.Attr) *refs.Ref {
		return &refs.Ref{Text: fmt.Sprintf("${%s:%s.%s}", kind, name, attr), Kind: kind, Name: name, Attr: attr}
	}
	if on(v1alpha1.AlarmDeadLetterQueues) {
		for _, q := range deadLetterQueues(stack) {
			out = append(out, count(v1alpha1.AlarmDeadLetterQueues, refs.Queue, q, "messages-visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum",
				"Messages wait in the dead-letter queue "+q+": each is work that failed every retry and is lost when its retention ends.",
				AlarmDimension{Name: "QueueName", Ref: self(refs.Queue, q, refs.Name)}))
		}
		if (&builder{stack: stack}).hasTargets() {
			a := count(v1alpha1.AlarmDeadLetterQueues, eventsDLQKind, "", "", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum",
				"Events wait in the stack's EventBridge dead-letter queue: a rule could not deliver them to its target after EventBridge's retries.",
				AlarmDimension{Name: "QueueName", Value: eventsDLQAWSName(stack)})
			a.Name, a.Watches = eventsDLQAlarm, Key(refs.Queue, eventsDLQAWSName(stack)) // the queue in AWS; no spec entry
			out = append(out, a)
		}
	}
	if on(v1alpha1.AlarmFunctions) {
		for _, f := range stack.Spec.Functions {
			dim := AlarmDimension{Name: "FunctionName", Ref: self(refs.Function, f.Name, refs.Name)}
			out = append(out,
				count(v1alpha1.AlarmFunctions, refs.Function, f.Name, "errors", "AWS/Lambda", "Errors", "Sum",
					"The function "+f.Name+" returned errors: the events it was given were not processed (they are retried, then dead-lettered).", dim),
				count(v1alpha1.AlarmFunctions, refs.Function, f.Name, "throttles", "AWS/Lambda", "Throttles", "Sum",
					"Lambda throttled the function "+f.Name+": its concurrency is exhausted and events wait or are retried.", dim))
		}
	}
	if on(v1alpha1.AlarmWorkflows) {
		for _, w := range stack.Spec.Workflows {
			dim := AlarmDimension{Name: "StateMachineArn", Ref: self(refs.Workflow, w.Name, refs.ARN)}
			out = append(out,
				count(v1alpha1.AlarmWorkflows, refs.Workflow, w.Name, "executions-failed", "AWS/States", "ExecutionsFailed", "Sum",
					"Executions of the workflow "+w.Name+" failed: the saga did not complete for those events.", dim),
				count(v1alpha1.AlarmWorkflows, refs.Workflow, w.Name, "executions-timed-out", "AWS/States", "ExecutionsTimedOut", "Sum",
					"Executions of the workflow "+w.Name+" timed out: a step hangs or the timeout is too short.", dim))
		}
	}
	if on(v1alpha1.AlarmRules) && stack.Spec.EventBus != nil {
		for _, r := range stack.Spec.Rules {
			if len(r.Targets) == 0 {
				continue
			}
			// EventBridge reports a rule of the default bus (a scheduled
			// one) by its name alone, a custom bus's by bus and name.
			dims := []AlarmDimension{{Name: "EventBusName", Ref: self(refs.EventBus, stack.Spec.EventBus.Name, refs.Name)}}
			if r.Schedule != "" {
				dims = nil
			}
			dims = append(dims, AlarmDimension{Name: "RuleName", Value: awsName(stack, r.Name)})
			out = append(out, count(v1alpha1.AlarmRules, ruleKind, r.Name, "failed-invocations", "AWS/Events", "FailedInvocations", "Sum",
				"EventBridge failed to invoke a target of the rule "+r.Name+" (permission, throttling, a missing target): those events went to the EventBridge dead-letter queue.",
				dims...))
		}
	}
	if on(v1alpha1.AlarmTables) {
		for _, t := range stack.Spec.Tables {
			dim := AlarmDimension{Name: "TableName", Ref: self(refs.Table, t.Name, refs.Name)}
			out = append(out,
				count(v1alpha1.AlarmTables, refs.Table, t.Name, "read-throttles", "AWS/DynamoDB", "ReadThrottleEvents", "Sum",
					"DynamoDB throttled reads of the table "+t.Name+": requests above its capacity were refused.", dim),
				count(v1alpha1.AlarmTables, refs.Table, t.Name, "write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", "Sum",
					"DynamoDB throttled writes to the table "+t.Name+": requests above its capacity were refused.", dim))
		}
	}
	for _, c := range spec.Custom {
		a := Alarm{Name: c.Name, Watches: Key(AlarmKind, c.Name), Namespace: c.Namespace, Metric: c.Metric,
			Statistic: orDefault(c.Statistic, "Sum"), Period: int64(orZero(c.PeriodSeconds, 60)), Periods: int64(orZero(c.EvaluationPeriods, 1)),
			Threshold: c.Threshold.AsApproximateFloat64(), Comparison: orDefault(c.Comparison, "GreaterThanThreshold"),
			Missing: orDefault(c.TreatMissingData, "notBreaching"), Why: c.Description}
		for _, d := range c.Dimensions {
			dim := AlarmDimension{Name: d.Name, Value: d.Value}
			if strings.HasPrefix(d.Value, "${") {
				if r, err := refs.Parse(d.Value); err == nil {
					if !strings.Contains(strings.TrimSuffix(strings.SplitN(d.Value, ":", 2)[1], "}"), ".") && r.Kind != refs.Workflow {
						r.Attr = refs.Name // a metric's dimension names a component by its name, a workflow by its ARN
					}
					dim.Ref = &r
				}
			}
			a.Dimensions = append(a.Dimensions, dim)
		}
		out = append(out, a)
	}
	return out
}

// deadLetterQueues are the stack's queues that receive what failed: a
// queue's redrive target, a function's or a rule target's dead-letter
// queue, in spec order.
func deadLetterQueues(stack *v1alpha1.EventDrivenStack) []string {
	dlq := map[string]bool{}
	for _, q := range stack.Spec.Queues {
		if q.DeadLetter != nil {
			dlq[q.DeadLetter.Queue] = true
		}
	}
	for _, f := range stack.Spec.Functions {
		if f.DeadLetterQueue != "" {
			dlq[f.DeadLetterQueue] = true
		}
	}
	for _, r := range stack.Spec.Rules {
		for _, t := range r.Targets {
			if t.DeadLetterQueue != "" {
				dlq[t.DeadLetterQueue] = true
			}
		}
	}
	var out []string
	for _, q := range stack.Spec.Queues {
		if dlq[q.Name] {
			out = append(out, q.Name)
		}
	}
	return out
}

// orZero is v, or def when v is unset (0).
func orZero(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}

// AlarmAWSName is an alarm's name in CloudWatch (up to 255 characters):
// the stack's prefix and the alarm's name; the EventBridge dead-letter
// queue's alarm is named after that queue.
func AlarmAWSName(stack *v1alpha1.EventDrivenStack, name string) string {
	if name == eventsDLQAlarm {
		return shorten(eventsDLQAWSName(stack)+"-messages-visible", 255)
	}
	return shorten(stack.Spec.NamePrefix+name, 255)
}

// alarm builds a MetricAlarm child. It waits for nothing that must exist
// (CloudWatch alarms on a metric whatever publishes it); a workflow's ARN in
// a dimension, or the notified topic's, is named, derived once the account
// is known.
func (b *builder) alarm(a Alarm) Child {
	var n needs
	name := childName(b.stack, a.Name)
	awsAlarm := AlarmAWSName(b.stack, a.Name)
	obj := &ack.MetricAlarm{Spec: ack.MetricAlarmSpec{
		Name: ptr.To(awsAlarm), Namespace: ptr.To(a.Namespace), MetricName: ptr.To(a.Metric),
		Statistic: ptr.To(a.Statistic), Period: ptr.To(a.Period), EvaluationPeriods: ptr.To(a.Periods),
		Threshold: ptr.To(a.Threshold), ComparisonOperator: ptr.To(a.Comparison), TreatMissingData: ptr.To(a.Missing),
		Tags: b.tagList(),
	}}
	if a.Why != "" {
		obj.Spec.AlarmDescription = ptr.To(a.Why)
	}
	for _, d := range a.Dimensions {
		value := d.Value
		if d.Ref != nil {
			value, _ = b.resolve(&n, *d.Ref)
		}
		obj.Spec.Dimensions = append(obj.Spec.Dimensions, &ack.Dimension{Name: ptr.To(d.Name), Value: ptr.To(value)})
	}
	if target := b.alarmTarget(&n); target != "" {
		obj.Spec.ActionsEnabled = ptr.To(true)
		obj.Spec.AlarmActions = []*string{ptr.To(target)}
		obj.Spec.OKActions = []*string{ptr.To(target)}
	}
	component := Key(AlarmKind, a.Name)
	b.meta(obj, ack.CloudWatchGroupVersion.WithKind("MetricAlarm"), name, component, map[string]string{"name": awsAlarm})
	return b.child(component, "MetricAlarm", name, obj, n)
}

// alarmTarget is the ARN of the topic the alarms notify: the stack's topic
// (named, derived once the account is known) or the given ARN; "" without one.
func (b *builder) alarmTarget(n *needs) string {
	spec := b.stack.Spec.Alarms
	if spec == nil || spec.Notify == "" {
		return ""
	}
	if r, err := refs.Parse(spec.Notify); err == nil {
		arn, _ := b.named(n, r.Kind, r.Name)
		return arn
	}
	return spec.Notify
}

// RolloutAlarms are the AWS names of the alarms that roll back a trial of
// the function: its default alarms (errors and throttles, unless the
// functions family is disabled) and the declared ones its rollout names.
// Nil for a function without a rollout.
func RolloutAlarms(stack *v1alpha1.EventDrivenStack, function string) []string {
	var named []string
	for _, f := range stack.Spec.Functions {
		if f.Name == function && f.Rollout != nil {
			named = f.Rollout.Alarms
			if named == nil {
				named = []string{}
			}
		}
	}
	if named == nil {
		return nil
	}
	var out []string
	for _, a := range Alarms(stack) {
		if a.Watches == Key(refs.Function, function) || (a.Family == "" && slices.Contains(named, a.Name)) {
			out = append(out, AlarmAWSName(stack, a.Name))
		}
	}
	return out
}
