package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/arns"
	"github.com/eventstack-io/eventstack-operator/internal/asl"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
)

// Definition is a parsed Amazon States Language document.
type Definition struct {
	doc map[string]any
}

// ParseDefinition parses a workflow's definition: a JSON object with StartAt
// and States. Errors name the workflow.
func ParseDefinition(w v1alpha1.Workflow) (*Definition, error) { return parseDefinition(w) }

func parseDefinition(w v1alpha1.Workflow) (*Definition, error) {
	dec := json.NewDecoder(strings.NewReader(w.Definition))
	dec.UseNumber() // keep numbers as written
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("workflow %s: definition is not a JSON object: %w", w.Name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("workflow %s: definition has text after its JSON object", w.Name)
	}
	if _, ok := doc["StartAt"].(string); !ok {
		return nil, fmt.Errorf("workflow %s: definition needs StartAt, a string", w.Name)
	}
	if _, ok := doc["States"].(map[string]any); !ok {
		return nil, fmt.Errorf("workflow %s: definition needs States, an object", w.Name)
	}
	if _, err := refs.Find(w.Definition); err != nil {
		return nil, fmt.Errorf("workflow %s: definition: %w", w.Name, err)
	}
	if w.TimeoutSeconds != nil {
		doc["TimeoutSeconds"] = json.Number(itoa(*w.TimeoutSeconds))
	}
	return &Definition{doc: doc}, nil
}

// Access is one permission a workflow's tasks need on a component.
type Access struct {
	Action string
	Ref    refs.Ref
}

// Accesses lists what the definition's Task states call on the stack's own
// components, through the optimised integrations (lambda:invoke,
// dynamodb:getItem/putItem/updateItem/deleteItem, sns:publish, sqs:sendMessage)
// or a function ARN as Resource. A task that names its target through a
// JSONPath (".$") or another service is not granted: give the workflow a
// roleARN for those (ExternalCalls lists them).
func (d *Definition) Accesses() []Access {
	var out []Access
	asl.WalkStates(d.doc, func(name string, state map[string]any) {
		if state["Type"] == "Task" {
			accesses, _ := classifyTask(state)
			out = append(out, accesses...)
		}
	})
	return out
}

// ExternalCall is a Task state that calls something outside the stack.
type ExternalCall struct {
	State string
	// What it calls: a literal ARN, an integration, or the parameter it names
	// its target with at run time.
	Calls string
}

// ExternalCalls lists the Task states that call something other than the
// stack's own components: a literal ARN, another service's integration, a
// target named at run time (a ".$" parameter).
func (d *Definition) ExternalCalls() []ExternalCall {
	var out []ExternalCall
	asl.WalkStates(d.doc, func(name string, state map[string]any) {
		if state["Type"] != "Task" {
			return
		}
		if _, external := classifyTask(state); external != "" {
			out = append(out, ExternalCall{State: name, Calls: external})
		}
	})
	return out
}

// componentCall is an optimised integration that calls one of the stack's
// components: the IAM action it needs, the parameter that names the
// component and the component's kind.
type componentCall struct {
	action, key string
	kind        refs.Kind
}

// componentCalls are the optimised integrations (without their pattern
// suffix) the generated role grants on the stack's own components.
var componentCalls = map[string]componentCall{
	"lambda:invoke":       {"lambda:InvokeFunction", "FunctionName", refs.Function},
	"dynamodb:getItem":    {"dynamodb:GetItem", "TableName", refs.Table},
	"dynamodb:putItem":    {"dynamodb:PutItem", "TableName", refs.Table},
	"dynamodb:updateItem": {"dynamodb:UpdateItem", "TableName", refs.Table},
	"dynamodb:deleteItem": {"dynamodb:DeleteItem", "TableName", refs.Table},
	"sns:publish":         {"sns:Publish", "TopicArn", refs.Topic},
	"sqs:sendMessage":     {"sqs:SendMessage", "QueueUrl", refs.Queue},
}

// classifyTask returns what a Task state calls on the stack's components,
// or, when it calls anything else, what that is. Only a reference of the
// kind the call takes counts (a function's ARN as Resource, a table's in
// TableName...): anything else is named as an external call, so that the
// role never grants an action on a component of another kind.
func classifyTask(state map[string]any) ([]Access, string) {
	resource, _ := state["Resource"].(string)
	params, _ := state["Parameters"].(map[string]any)
	if params == nil { // JSONata states name their inputs Arguments
		params, _ = state["Arguments"].(map[string]any)
	}
	if found, _ := refs.Find(resource); len(found) > 0 {
		if len(found) == 1 && found[0].Text == resource && found[0].Kind == refs.Function && found[0].Attr == refs.ARN {
			return accessesOf("lambda:InvokeFunction", found), ""
		}
		return nil, resource
	}
	_, integration, ok := strings.Cut(resource, ":states:::")
	if !ok {
		return nil, resource
	}
	for _, suffix := range []string{".sync:2", ".sync", ".waitForTaskToken"} {
		integration = strings.TrimSuffix(integration, suffix)
	}
	call, ok := componentCalls[integration]
	if !ok {
		return nil, integration
	}
	if _, dynamic := params[call.key+".$"]; dynamic {
		return nil, integration + " of the " + call.key + " given at run time"
	}
	v, _ := params[call.key].(string)
	found, _ := refs.Find(v)
	if len(found) == 0 {
		return nil, integration + " of " + v
	}
	for _, r := range found {
		if r.Kind != call.kind {
			return nil, integration + " of " + v + ", which names no " + string(call.kind)
		}
	}
	return accessesOf(call.action, found), ""
}

func accessesOf(action string, found []refs.Ref) []Access {
	out := make([]Access, 0, len(found))
	for _, r := range found {
		out = append(out, Access{Action: action, Ref: r})
	}
	return out
}

// workflowRole builds the IAM role of a workflow: Step Functions may assume it
// and it allows exactly what the definition's tasks call, and X-Ray when
// traced. It waits for the ARN of every component those tasks name.
func (b *builder) workflowRole(w v1alpha1.Workflow, def *Definition) Child {
	name := childName(b.stack, w.Name)
	var n needs
	p := newPolicy()
	keys := keyGrants{}
	for _, a := range def.Accesses() {
		kind := a.Ref.Kind
		if kind == refs.EventBus {
			continue
		}
		arn, ok := b.named(&n, kind, a.Ref.Name)
		if !ok {
			continue
		}
		switch kind {
		case refs.Function:
			p.allow("InvokeFunctions", []string{a.Action}, arn, arn+":*")
		case refs.Table:
			// One statement per action, so that each table gets only
			// what the tasks do on it (TableGetItem, TablePutItem...).
			p.allow("Table"+a.Action[strings.Index(a.Action, ":")+1:], []string{a.Action}, arn)
		case refs.Topic:
			p.allow("Topics", []string{a.Action}, arn)
			b.workflowKey(keys, kind, a.Ref.Name, arn)
		case refs.Queue:
			p.allow("Queues", []string{a.Action}, arn)
			b.workflowKey(keys, kind, a.Ref.Name, arn)
		}
	}
	keys.addTo(p)
	if w.Tracing {
		p.allow("XRay", sfnXrayActions, "*")
	}
	if logs(w) {
		// What Step Functions needs to deliver logs (its vended-logs
		// delivery takes no resource narrower than *).
		p.allow("LogDelivery", sfnLogDeliveryActions, "*")
	}
	if len(p.Statement) == 0 {
		// IAM refuses a policy without statements; this one allows
		// nothing, with an action every policy grammar knows.
		p.Statement = append(p.Statement, Statement{Sid: "None", Effect: "Deny", Action: []string{"*"}, Resource: []string{"*"}})
	}
	return b.role(Key(roleKind, w.Name), name, roleAWSName(b.stack, w.Name),
		"Role of Step Functions state machine "+awsName(b.stack, w.Name), "states.amazonaws.com", p, n)
}

// stateMachine builds a Step Functions state machine. It waits for its role's
// ARN (unless the spec gives one) and for every value its definition references.
func (b *builder) stateMachine(w v1alpha1.Workflow, def *Definition) (Child, error) {
	name := childName(b.stack, w.Name)
	var n needs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(def.doc); err != nil {
		return Child{}, fmt.Errorf("workflow %s: %w", w.Name, err)
	}
	text, _, err := refs.Substitute(strings.TrimSpace(buf.String()),
		func(r refs.Ref) (string, bool) { return b.resolve(&n, r) }, jsonEscape)
	if err != nil {
		return Child{}, fmt.Errorf("workflow %s: definition: %w", w.Name, err)
	}
	spec := ack.StateMachineSpec{
		Name:                 ptr.To(awsName(b.stack, w.Name)),
		Definition:           ptr.To(text),
		Type:                 ptr.To(string(orType(w.Type))),
		TracingConfiguration: &ack.TracingConfiguration{Enabled: ptr.To(w.Tracing)},
		// Always written, OFF by default: ACK's sfn controller compares an
		// unset configuration with what AWS reports and updates the state
		// machine at every one of its reconciles.
		LoggingConfiguration: &ack.LoggingConfiguration{Level: ptr.To("OFF"), IncludeExecutionData: ptr.To(false)},
		Tags:                 b.tagList(),
	}
	if logs(w) {
		spec.LoggingConfiguration.Level = ptr.To(string(w.Logging.Level))
		spec.LoggingConfiguration.IncludeExecutionData = ptr.To(w.Logging.IncludeExecutionData)
		if arn, ok := b.exists(&n, LogGroupKind, w.Name); ok {
			spec.LoggingConfiguration.Destinations = []*ack.LogDestination{{
				CloudWatchLogsLogGroup: &ack.CloudWatchLogsLogGroup{LogGroupARN: ptr.To(arn)}}}
		}
	}
	if w.RoleARN != "" {
		spec.RoleARN = ptr.To(w.RoleARN)
	} else if arn, ok := b.exists(&n, roleKind, w.Name); ok {
		spec.RoleARN = ptr.To(arn)
	}
	obj := &ack.StateMachine{Spec: spec}
	var adoption map[string]string
	if acct := b.accountID(); acct != "" {
		adoption = map[string]string{"arn": arns.Scope{Region: b.stack.Spec.Region, Account: acct}.StateMachine(awsName(b.stack, w.Name))}
	}
	b.meta(obj, ack.SFNGroupVersion.WithKind("StateMachine"), name, Key(refs.Workflow, w.Name), adoption)
	return b.child(Key(refs.Workflow, w.Name), "StateMachine", name, obj, dedupe(n)), nil
}

// LogGroupKind keys a workflow's log group in Observed: the operator creates
// it in CloudWatch Logs and reports its ARN (ending in :*, as Step Functions
// takes it).
const LogGroupKind refs.Kind = "logGroup"

// logs reports whether a workflow logs to CloudWatch Logs.
func logs(w v1alpha1.Workflow) bool {
	return w.Logging != nil && w.Logging.Level != "" && w.Logging.Level != "OFF"
}

// LogGroupName is the CloudWatch Logs log group of a workflow: under
// /aws/vendedlogs/, whose resource policy size limit Step Functions' log
// delivery is exempt from (AWS's recommendation).
func LogGroupName(stack *v1alpha1.EventDrivenStack, workflow string) string {
	return "/aws/vendedlogs/states/" + awsName(stack, workflow)
}

// FunctionLogGroupKind keys a function's log group in Observed, when the
// operator makes it for its retention (logging.retentionDays): the group
// Lambda logs to, /aws/lambda/<function>, which Lambda would otherwise make
// at the first invocation, keeping events for ever.
const FunctionLogGroupKind refs.Kind = "functionLogGroup"

// FunctionLogGroupName is a function's log group: Lambda's default one.
func FunctionLogGroupName(stack *v1alpha1.EventDrivenStack, function string) string {
	return "/aws/lambda/" + awsName(stack, function)
}

// ManagedLogGroup is a log group the operator makes: the one a workflow logs
// to, or a function's that has a retention.
type ManagedLogGroup struct {
	// Kind is LogGroupKind or FunctionLogGroupKind; Of the workflow's or the
	// function's name in the spec.
	Kind refs.Kind
	Of   string
	// Name is the group's name in CloudWatch Logs.
	Name          string
	RetentionDays int32
}

// Component is the group's component key in Observed and the status.
func (g ManagedLogGroup) Component() string { return Key(g.Kind, g.Of) }

// LogGroups lists the log groups the operator makes for the stack, by
// component, with their retention in days: the workflows' (30 days unless
// given), then the functions' with a retention.
func LogGroups(stack *v1alpha1.EventDrivenStack) []ManagedLogGroup {
	var out []ManagedLogGroup
	for _, w := range stack.Spec.Workflows {
		if logs(w) {
			days := w.Logging.RetentionDays
			if days == 0 {
				days = 30
			}
			out = append(out, ManagedLogGroup{Kind: LogGroupKind, Of: w.Name, Name: LogGroupName(stack, w.Name), RetentionDays: days})
		}
	}
	for _, f := range stack.Spec.Functions {
		if f.Logging != nil && f.Logging.RetentionDays > 0 {
			out = append(out, ManagedLogGroup{Kind: FunctionLogGroupKind, Of: f.Name, Name: FunctionLogGroupName(stack, f.Name),
				RetentionDays: f.Logging.RetentionDays})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Component() < out[j].Component() })
	return out
}

func orType(t v1alpha1.WorkflowType) v1alpha1.WorkflowType {
	if t == "" {
		return "STANDARD"
	}
	return t
}

// jsonEscape escapes a value for the inside of a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// dedupe drops repeated dependencies (a definition may name a function twice).
func dedupe(n needs) needs {
	seen := map[Dependency]bool{}
	out := n[:0]
	for _, d := range n {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
