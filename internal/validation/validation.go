// Package validation checks an EventDrivenStack's spec with Go code: what the
// CRD's OpenAPI schema and CEL rules check, and what they cannot within CEL's
// cost budget: references inside a workflow's definition and in outputs, the
// definition's JSON, AWS name lengths with the prefix, environment variables,
// and what the AWS APIs themselves refuse (aws.go, aws_constraints.md).
//
// The validating webhook, the controller (before it builds anything) and the
// kubectl plugin all run Validate, so a spec is judged the same way everywhere.
package validation

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/asl"
	"github.com/eventstack-io/eventstack-operator/internal/refs"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Validate returns every problem of a stack's spec, each naming its field.
func Validate(stack *v1alpha1.EventDrivenStack) field.ErrorList {
	s := &stack.Spec
	spec := field.NewPath("spec")
	v := &validator{spec: s, names: componentNames(s)}

	v.uniqueNames(spec)
	v.awsNameLengths(spec)
	for i, q := range s.Queues {
		if dl := q.DeadLetter; dl != nil {
			p := spec.Child("queues").Index(i).Child("deadLetter", "queue")
			switch {
			case dl.Queue == q.Name:
				v.errs = append(v.errs, field.Invalid(p, dl.Queue, "a queue cannot be its own dead-letter queue"))
			case !v.names[refs.Queue][dl.Queue]:
				v.errs = append(v.errs, field.NotFound(p, dl.Queue))
			default:
				for _, d := range s.Queues {
					if d.Name == dl.Queue && d.DeadLetter != nil {
						v.errs = append(v.errs, field.Invalid(p, dl.Queue, "a dead-letter queue cannot have a deadLetter of its own"))
					}
				}
			}
		}
	}
	for i, t := range s.Topics {
		for j, sub := range t.Subscriptions {
			p := spec.Child("topics").Index(i).Child("subscriptions").Index(j)
			if sub.Protocol == "sqs" {
				v.ref(p.Child("queue"), refs.Queue, sub.Queue)
			} else if sub.Endpoint == "" {
				v.errs = append(v.errs, field.Required(p.Child("endpoint"), "protocol "+string(sub.Protocol)+" needs an endpoint"))
			}
		}
	}
	for i, f := range s.Functions {
		v.function(spec.Child("functions").Index(i), f)
	}
	for i, w := range s.Workflows {
		p := spec.Child("workflows").Index(i)
		if v.names[refs.Function][w.Name] {
			v.errs = append(v.errs, field.Duplicate(p.Child("name"), w.Name+" (a function has this name; each gets an IAM role named after it)"))
		}
		if _, err := render.ParseDefinition(w); err != nil {
			v.errs = append(v.errs, field.Invalid(p.Child("definition"), "<definition>", err.Error()))
			continue
		}
		// What Step Functions' CreateStateMachine refuses, which ACK's sfn
		// controller would otherwise retry for ever.
		for _, problem := range asl.Check(w.Definition) {
			v.errs = append(v.errs, field.Invalid(p.Child("definition"), problem.Path, "not valid Amazon States Language: "+problem.Message))
		}
		v.text(p.Child("definition"), w.Definition)
	}
	if len(s.Rules) > 0 && s.EventBus == nil {
		v.errs = append(v.errs, field.Required(spec.Child("eventBus"), "rules need an eventBus"))
	}
	for i, r := range s.Rules {
		v.ruleTrigger(spec.Child("rules").Index(i), r)
		for j, t := range r.Targets {
			p := spec.Child("rules").Index(i).Child("targets").Index(j)
			set := 0
			for _, c := range []struct {
				kind refs.Kind
				name string
			}{{refs.Function, t.Function}, {refs.Workflow, t.Workflow}, {refs.Queue, t.Queue}, {refs.Topic, t.Topic}} {
				if c.name != "" {
					set++
					v.ref(p.Child(string(c.kind)), c.kind, c.name)
				}
			}
			if t.EventBusARN != "" {
				set++
			}
			if set != 1 {
				v.errs = append(v.errs, field.Invalid(p, t, "a target names exactly one of function, workflow, queue, topic or eventBusARN"))
			}
		}
	}
	v.archive(spec)
	v.alarms(spec)
	v.queuesAndTopics(spec) // queues.go
	v.tables(spec)          // tables.go
	v.streamConsumers(spec) // streams.go
	v.rollouts(spec)        // rollouts.go
	for _, k := range sortedKeys(s.Outputs) {
		v.text(spec.Child("outputs").Key(k), s.Outputs[k])
	}
	// What AWS itself would refuse later, inside an ACK controller that
	// retries forever (aws.go, and aws_constraints.md for the sources).
	v.awsConstraints(spec, stack)
	return v.errs
}

type validator struct {
	spec  *v1alpha1.EventDrivenStackSpec
	names map[refs.Kind]map[string]bool
	errs  field.ErrorList
}

func componentNames(s *v1alpha1.EventDrivenStackSpec) map[refs.Kind]map[string]bool {
	m := map[refs.Kind]map[string]bool{}
	add := func(k refs.Kind, name string) {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		m[k][name] = true
	}
	for _, c := range refs.Components(s) {
		add(c.Kind, c.Name)
	}
	return m
}

// ref checks that a component of the given kind has the given name.
func (v *validator) ref(p *field.Path, kind refs.Kind, name string) {
	if !v.names[kind][name] {
		v.errs = append(v.errs, field.NotFound(p, name))
	}
}

// text checks every ${kind:name[.attr]} reference of a free text.
func (v *validator) text(p *field.Path, text string) {
	found, err := refs.Find(text)
	if err != nil {
		v.errs = append(v.errs, field.Invalid(p, "<text>", err.Error()))
		return
	}
	for _, r := range found {
		if !v.names[r.Kind][r.Name] {
			v.errs = append(v.errs, field.Invalid(p, r.Text, fmt.Sprintf("no %s named %q in this stack", r.Kind, r.Name)))
		}
	}
}

func (v *validator) uniqueNames(spec *field.Path) {
	check := func(list string, names []string) {
		seen := map[string]bool{}
		for i, n := range names {
			if seen[n] {
				v.errs = append(v.errs, field.Duplicate(spec.Child(list).Index(i).Child("name"), n))
			}
			seen[n] = true
		}
	}
	s := v.spec
	check("queues", collect(s.Queues, func(x v1alpha1.Queue) string { return x.Name }))
	check("topics", collect(s.Topics, func(x v1alpha1.Topic) string { return x.Name }))
	check("tables", collect(s.Tables, func(x v1alpha1.Table) string { return x.Name }))
	check("functions", collect(s.Functions, func(x v1alpha1.Function) string { return x.Name }))
	check("workflows", collect(s.Workflows, func(x v1alpha1.Workflow) string { return x.Name }))
	check("rules", collect(s.Rules, func(x v1alpha1.Rule) string { return x.Name }))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func collect[T any](in []T, name func(T) string) []string {
	out := make([]string, len(in))
	for i, x := range in {
		out[i] = name(x)
	}
	return out
}

// AWS name limits, with the stack's namePrefix.
const (
	maxQueueName    = 80
	maxTopicName    = 256
	maxTableName    = 255
	maxFunctionName = 64
	maxWorkflowName = 80
	maxRuleName     = 64
	maxBusName      = 256
)

func (v *validator) awsNameLengths(spec *field.Path) {
	prefix := len(v.spec.NamePrefix)
	check := func(p *field.Path, name string, limit int) {
		if prefix+len(name) > limit {
			v.errs = append(v.errs, field.TooLong(p, name, limit-prefix))
		}
	}
	s := v.spec
	for i, x := range s.Queues {
		check(spec.Child("queues").Index(i).Child("name"), x.Name, maxQueueName)
	}
	for i, x := range s.Topics {
		check(spec.Child("topics").Index(i).Child("name"), x.Name, maxTopicName)
	}
	for i, x := range s.Tables {
		check(spec.Child("tables").Index(i).Child("name"), x.Name, maxTableName)
	}
	for i, x := range s.Functions {
		check(spec.Child("functions").Index(i).Child("name"), x.Name, maxFunctionName)
	}
	for i, x := range s.Workflows {
		check(spec.Child("workflows").Index(i).Child("name"), x.Name, maxWorkflowName)
	}
	for i, x := range s.Rules {
		check(spec.Child("rules").Index(i).Child("name"), x.Name, maxRuleName)
	}
	if s.EventBus != nil {
		check(spec.Child("eventBus", "name"), s.EventBus.Name, maxBusName)
	}
}

// reservedEnv are the environment variables Lambda sets itself and refuses.
var reservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}

// notReserved refuses an environment variable that Lambda sets itself.
func (v *validator) notReserved(at *field.Path, name string) {
	for _, r := range reservedEnv {
		if strings.EqualFold(name, r) {
			v.errs = append(v.errs, field.Forbidden(at, "Lambda reserves "+r))
		}
	}
}

func (v *validator) function(p *field.Path, f v1alpha1.Function) {
	generated := map[string]*field.Path{}
	claim := func(env string, at *field.Path) {
		if prev, ok := generated[env]; ok {
			v.errs = append(v.errs, field.Duplicate(at, env+" (also set for "+prev.String()+")"))
		}
		v.notReserved(at, env)
		generated[env] = at
	}
	if u := f.Uses; u != nil {
		for i, t := range u.Tables {
			at := p.Child("uses", "tables").Index(i)
			v.ref(at.Child("name"), refs.Table, t.Name)
			claim(render.TableEnv(t), at.Child("env"))
		}
		for i, t := range u.Topics {
			at := p.Child("uses", "topics").Index(i)
			v.ref(at.Child("name"), refs.Topic, t.Name)
			claim(render.TopicEnv(t), at.Child("env"))
		}
		for i, q := range u.Queues {
			at := p.Child("uses", "queues").Index(i)
			v.ref(at.Child("name"), refs.Queue, q.Name)
			claim(render.QueueEnv(q), at.Child("env"))
		}
	}
	for i, c := range f.Consumes {
		v.ref(p.Child("consumes").Index(i).Child("queue"), refs.Queue, c.Queue)
	}
	if f.DeadLetterQueue != "" {
		v.ref(p.Child("deadLetterQueue"), refs.Queue, f.DeadLetterQueue)
		claim(render.EnvDeadLetterQueueURL, p.Child("deadLetterQueue"))
	}
	for _, k := range sortedKeys(f.Environment) {
		at := p.Child("environment").Key(k)
		if prev, ok := generated[k]; ok {
			v.errs = append(v.errs, field.Duplicate(at, k+" (the operator sets it for "+prev.String()+")"))
		}
		v.notReserved(at, k)
	}
	if (f.Code.ImageURI == "") == (f.Code.S3Bucket == "" || f.Code.S3Key == "") {
		v.errs = append(v.errs, field.Invalid(p.Child("code"), "", "code needs either s3Bucket and s3Key, or imageURI"))
	}
	if f.Code.ImageURI == "" && f.Runtime == "" {
		v.errs = append(v.errs, field.Required(p.Child("runtime"), "runtime is required for zip code"))
	}
}
