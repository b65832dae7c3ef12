package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

const (
	// FieldManager is the one field manager under which every child is applied.
	FieldManager = "eventstack-operator"

	// LabelStack names the stack a child belongs to.
	LabelStack = "stacks.eventstack.io/stack"
	// LabelManagedBy marks the operator's children.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// AnnotationComponent names the spec entry a child implements, e.g. queue/order-queue.
	AnnotationComponent = "stacks.eventstack.io/component"
	// AnnotationReclaimed marks a child made again for ACK to adopt the
	// stack's own AWS resource, whose create answer was lost: it keeps ACK's
	// adoption annotations.
	AnnotationReclaimed = "stacks.eventstack.io/reclaimed"
	// AnnotationSpecHash is the hash of what the operator last applied to a
	// child; with a field-by-field comparison it lets an unchanged child cost
	// no write at all.
	AnnotationSpecHash = "stacks.eventstack.io/spec-hash"

	// TagStack is the AWS tag naming the stack, as namespace/name.
	TagStack = "eventstack.io/stack"
)

// awsName is a component's name in AWS: the stack's prefix and the name.
func awsName(stack *v1alpha1.EventDrivenStack, name string) string {
	return stack.Spec.NamePrefix + name
}

// fifoSuffix ends the name of every FIFO queue and FIFO topic: SQS and SNS
// require it (CreateQueue, CreateTopic: "The name of a FIFO queue/topic must
// end with the .fifo suffix") and count it in the name's limit.
const fifoSuffix = ".fifo"

// queueAWSName is a queue's name in AWS: awsName, with ".fifo" for a FIFO
// queue of the stack.
func queueAWSName(stack *v1alpha1.EventDrivenStack, name string) string {
	for _, q := range stack.Spec.Queues {
		if q.Name == name && q.Fifo {
			return awsName(stack, name) + fifoSuffix
		}
	}
	return awsName(stack, name)
}

// topicAWSName is a topic's name in AWS: awsName, with ".fifo" for a FIFO
// topic of the stack.
func topicAWSName(stack *v1alpha1.EventDrivenStack, name string) string {
	for _, t := range stack.Spec.Topics {
		if t.Name == name && t.Fifo {
			return awsName(stack, name) + fifoSuffix
		}
	}
	return awsName(stack, name)
}

// componentAWSName is the name in AWS of a component of any kind, as the
// components table has it (awsName for a kind it does not hold).
func componentAWSName(stack *v1alpha1.EventDrivenStack, kind refs.Kind, name string) string {
	if c, ok := components[kind]; ok {
		return c.awsName(stack, name)
	}
	return awsName(stack, name)
}

// roleAWSName is the name of the IAM role generated for a function or workflow,
// shortened to IAM's 64 characters when needed.
func roleAWSName(stack *v1alpha1.EventDrivenStack, owner string) string {
	return shorten(stack.Spec.NamePrefix+owner+"-role", 64)
}

// childName is the Kubernetes name of a child: the stack's name and the parts,
// joined by dots. Component names cannot hold a dot, so within one kind the
// last parts are always the components and what is before them the stack:
// two stacks, or two components of one stack, never share a child name.
func childName(stack *v1alpha1.EventDrivenStack, parts ...string) string {
	return shorten(strings.Join(append([]string{stack.Name}, parts...), "."), 253)
}

// shorten keeps a name within limit characters: a longer one keeps its start
// and ends with a hash of the whole, so two long names stay distinct.
func shorten(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return strings.TrimRight(name[:limit-9], "-.") + "-" + hex.EncodeToString(sum[:])[:8]
}

// shortHash is a short stable hash of s, for names derived from free text.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

// AWSName is a name the stack takes in AWS: unique per kind in a region of
// an account (IAM role names per account).
type AWSName struct {
	Kind string // the ACK kind (Queue, Table, ...), EventBus or LogGroup
	Name string
	// Global: the name is unique in the account, whatever the region (IAM).
	Global bool
	// Field is the spec field the name comes from, for messages.
	Field string
}

// AWSNames lists every name the stack takes in AWS, in a stable order: two
// stacks that list the same one in the same account (and region) would share
// that resource.
func AWSNames(stack *v1alpha1.EventDrivenStack) []AWSName {
	var out []AWSName
	// add lists the component of the kind named name in the spec, with its
	// kind and AWS name as the components table has them.
	add := func(kind refs.Kind, name string, global bool, field string, args ...any) {
		c := components[kind]
		out = append(out, AWSName{Kind: c.kind, Name: c.awsName(stack, name), Global: global, Field: fmt.Sprintf(field, args...)})
	}
	s := stack.Spec
	for i, t := range s.Tables {
		add(refs.Table, t.Name, false, "spec.tables[%d].name", i)
	}
	for i, q := range s.Queues {
		add(refs.Queue, q.Name, false, "spec.queues[%d].name", i)
	}
	for i, t := range s.Topics {
		add(refs.Topic, t.Name, false, "spec.topics[%d].name", i)
	}
	for i, f := range s.Functions {
		add(refs.Function, f.Name, false, "spec.functions[%d].name", i)
		if f.Logging != nil && f.Logging.RetentionDays > 0 {
			add(FunctionLogGroupKind, f.Name, false, "spec.functions[%d].logging.retentionDays", i)
		}
		if f.RoleARN == "" {
			add(roleKind, f.Name, true, "spec.functions[%d].name", i)
		}
	}
	for i, w := range s.Workflows {
		add(refs.Workflow, w.Name, false, "spec.workflows[%d].name", i)
		if w.RoleARN == "" {
			add(roleKind, w.Name, true, "spec.workflows[%d].name", i)
		}
		if logs(w) {
			add(LogGroupKind, w.Name, false, "spec.workflows[%d].logging", i)
		}
	}
	b := &builder{stack: stack}
	for _, w := range b.targetedWorkflows() {
		add(eventsRoleKind, w, true, "spec.rules (the role EventBridge assumes to start workflow %s)", w)
	}
	for _, r := range b.rulesTargetingBuses() {
		add(busRoleKind, r.Name, true, "spec.rules (the role EventBridge assumes to put rule %s's events on other buses)", r.Name)
	}
	if b.hasTargets() {
		add(eventsDLQKind, "", false, "metadata.name (the stack's EventBridge dead-letter queue)")
	}
	if s.EventBus != nil {
		add(refs.EventBus, s.EventBus.Name, false, "spec.eventBus.name")
	}
	for i, r := range s.Rules {
		// The default bus is the account's: a scheduled rule's name is
		// taken there, by every stack of the account and region.
		if r.Schedule != "" {
			out = append(out, AWSName{Kind: "ScheduledRule", Name: awsName(stack, r.Name), Field: fmt.Sprintf("spec.rules[%d].name", i)})
		}
	}
	for _, a := range Alarms(stack) {
		add(AlarmKind, a.Name, false, "spec.alarms (the alarm on %s)", a.Watches)
	}
	sort.SliceStable(out, func(i, j int) bool {
		// Alarms last: their names follow from their components', which
		// say more in a message that lists the first few.
		if a, b := out[i].Kind == "MetricAlarm", out[j].Kind == "MetricAlarm"; a != b {
			return b
		}
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}
