package validation_test

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
	"github.com/eventstack-io/eventstack-operator/test/seed"
)

// loadSeed reads the seed stack, refusing any field the API types do not know.
func loadSeed(t *testing.T) *v1alpha1.EventDrivenStack { return seed.Stack(t, "") }

// refusedAt checks that validation refuses the stack with one error, at
// path and saying want; or, for want "", accepts it.
func refusedAt(t *testing.T, stack *v1alpha1.EventDrivenStack, path, want string) {
	t.Helper()
	errs := validation.Validate(stack)
	if want == "" {
		if len(errs) > 0 {
			t.Fatalf("refused: %v", errs)
		}
		return
	}
	if len(errs) != 1 || errs[0].Field != path || !strings.Contains(errs[0].Error(), want) {
		t.Fatalf("got %v, want one error at %s saying %q", errs, path, want)
	}
}

// function returns the seed's function of that name.
func function(t *testing.T, s *v1alpha1.EventDrivenStackSpec, name string) *v1alpha1.Function {
	t.Helper()
	for i := range s.Functions {
		if s.Functions[i].Name == name {
			return &s.Functions[i]
		}
	}
	t.Fatalf("the seed has no function %s", name)
	return nil
}

// zipFunction is a minimal valid function that uses nothing.
func zipFunction(name string) v1alpha1.Function {
	return v1alpha1.Function{
		Name:    name,
		Code:    v1alpha1.FunctionCode{S3Bucket: "eventstack-artifacts", S3Key: "k.zip"},
		Runtime: "provided.al2023",
	}
}

const minimalDefinition = `{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`

func TestSeedIsValid(t *testing.T) {
	stack := loadSeed(t)
	if errs := validation.Validate(stack); len(errs) != 0 {
		t.Fatalf("the seed has %d validation errors:\n%s", len(errs), errs.ToAggregate())
	}
	// Guard against a vacuous pass: the seed is the full stack.
	s := stack.Spec
	if len(s.Queues) != 4 || len(s.Topics) != 1 || len(s.Tables) != 2 || len(s.Functions) != 3 ||
		len(s.Workflows) != 1 || len(s.Rules) != 4 || s.EventBus == nil || len(s.Outputs) != 5 {
		t.Fatalf("the seed decoded incompletely: %+v", s)
	}
}

// wantErr is one error Validate must report.
type wantErr struct {
	typ   field.ErrorType
	field string
	// msg must appear in the error's text (its bad value and detail).
	msg string
}

func (w wantErr) matches(e *field.Error) bool {
	return e.Type == w.typ && e.Field == w.field && strings.Contains(e.Error(), w.msg)
}

// Each mutation of the seed makes Validate report exactly the listed errors:
// the field that is wrong and why. Nothing else may be reported, so a check
// that fires too widely fails as surely as a check that was removed.
func TestValidateReportsEachProblemAtItsField(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(t *testing.T, s *v1alpha1.EventDrivenStackSpec)
		want   []wantErr
	}{
		// Workflow definitions.
		{"definition names a function the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition,
				"${function:event-order-processor}", "${function:no-such-function}", 1)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition",
			`"${function:no-such-function}": no function named "no-such-function" in this stack`}}},
		{"definition names a table the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition,
				"${table:event-driven-orders}", "${table:no-such-table}", 1)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", `no table named "no-such-table" in this stack`}}},
		{"definition names a queue by a table's name", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition,
				"${table:event-driven-orders}", "${queue:event-driven-orders}", 1)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", `no queue named "event-driven-orders" in this stack`}}},
		{"definition asks a topic for its url", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition,
				"${topic:event-notifications}", "${topic:event-notifications.url}", 1)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition",
			`workflow event-driven-workflow: definition: ${topic:event-notifications.url}: a topic has no attribute "url"`}}},
		{"definition is not JSON", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.TrimSuffix(strings.TrimSpace(s.Workflows[0].Definition), "}")
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition",
			"workflow event-driven-workflow: definition is not a JSON object"}}},
		{"definition has text after its object", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = minimalDefinition + ` {}`
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", "definition has text after its JSON object"}}},
		{"definition without StartAt", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = `{"States":{"Done":{"Type":"Succeed"}}}`
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", "definition needs StartAt, a string"}}},
		{"definition whose States is not an object", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = `{"StartAt":"Done","States":[]}`
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", "definition needs States, an object"}}},
		// Structure: what CreateStateMachine refuses (internal/asl has the whole corpus).
		{"definition whose Next names no state", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition, `"Next": "NotifyCompleted"`, `"Next": "NotifyCompletd"`, 1)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", `$.States.ProcessOrderAndReserveStock.Next": not valid Amazon States Language: names no state of this state machine: "NotifyCompletd"`},
			{field.ErrorTypeInvalid, "spec.workflows[0].definition", `$.States.NotifyCompleted": not valid Amazon States Language: unreachable`}}},
		{"definition with a state that neither ends nor goes on", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", "$.States.A"}}},

		// Outputs.
		{"output names a queue the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Outputs["DeadLetterArn"] = "${queue:no-such-queue.arn}"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.outputs[DeadLetterArn]", `no queue named "no-such-queue" in this stack`}}},
		{"output names a workflow that was renamed away", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Outputs["StateMachineArn"] = "${workflow:old-workflow.arn}"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.outputs[StateMachineArn]", `no workflow named "old-workflow" in this stack`}}},
		{"output with an unknown kind", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Outputs["Bucket"] = "s3://${bucket:artifacts}"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.outputs[Bucket]", `${bucket:artifacts}: unknown kind "bucket"`}}},

		// Environment variables.
		{"reserved environment variable", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Environment = map[string]string{"AWS_REGION": "eu-west-1"}
		}, []wantErr{{field.ErrorTypeForbidden, "spec.functions[0].environment[AWS_REGION]", "Lambda reserves AWS_REGION"}}},
		{"reserved environment variable in another case", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[2].Environment = map[string]string{"_handler": "main"}
		}, []wantErr{{field.ErrorTypeForbidden, "spec.functions[2].environment[_handler]", "Lambda reserves _HANDLER"}}},
		{"environment variable the operator sets for a table", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			function(t, s, "event-order-processor").Environment = map[string]string{"ORDERS_TABLE": "other", "LOG_LEVEL": "debug"}
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.functions[0].environment[ORDERS_TABLE]",
			"ORDERS_TABLE (the operator sets it for spec.functions[0].uses.tables[0].env)"}}},
		{"environment variable the operator sets for the dead-letter queue", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			function(t, s, "event-inventory-processor").Environment = map[string]string{"DEAD_LETTER_QUEUE_URL": "x"}
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.functions[1].environment[DEAD_LETTER_QUEUE_URL]",
			"the operator sets it for spec.functions[1].deadLetterQueue"}}},
		{"environment variable the operator sets under its default name", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			f := function(t, s, "event-notification-processor")
			f.Uses.Topics[0].Env = "" // default: EVENT_NOTIFICATIONS_TOPIC_ARN
			f.Environment = map[string]string{"EVENT_NOTIFICATIONS_TOPIC_ARN": "x"}
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.functions[2].environment[EVENT_NOTIFICATIONS_TOPIC_ARN]",
			"the operator sets it for spec.functions[2].uses.topics[0].env"}}},
		{"two uses set one environment variable", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			function(t, s, "event-order-processor").Uses.Topics[0].Env = "ORDERS_TABLE"
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.functions[0].uses.topics[0].env",
			"ORDERS_TABLE (also set for spec.functions[0].uses.tables[0].env)"}}},
		{"a queue use's environment variable collides with the dead-letter queue's", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			f := function(t, s, "event-order-processor")
			f.Uses.Queues = []v1alpha1.QueueUse{{Name: "order-queue", Env: "DEAD_LETTER_QUEUE_URL"}}
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.functions[0].deadLetterQueue",
			"DEAD_LETTER_QUEUE_URL (also set for spec.functions[0].uses.queues[0].env)"}}},

		// Names.
		{"two tables with one name", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tables = append(s.Tables, s.Tables[0])
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.tables[2].name", `"event-driven-orders"`}}},
		{"two rules with one name", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[2].Name = s.Rules[0].Name
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.rules[2].name", `"order-events-rule"`}}},
		{"two functions with one name", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions = append(s.Functions, zipFunction("event-order-processor"))
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.functions[3].name", `"event-order-processor"`}}},
		{"function name too long with the namePrefix", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.NamePrefix = "prod-"                                       // 5 characters
			s.Functions = append(s.Functions, zipFunction(longName(60))) // 65 > 64 with the prefix
		}, []wantErr{{field.ErrorTypeTooLong, "spec.functions[3].name", "may not be more than 59 bytes"}}},
		{"function and workflow sharing a name", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows = append(s.Workflows, v1alpha1.Workflow{Name: "event-order-processor", Definition: minimalDefinition})
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.workflows[1].name",
			"event-order-processor (a function has this name; each gets an IAM role named after it)"}}},

		// Queues and their dead-letter queues.
		{"queue is its own dead-letter queue", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].DeadLetter.Queue = s.Queues[0].Name
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[0].deadLetter.queue", "a queue cannot be its own dead-letter queue"}}},
		{"dead-letter queue with a dead-letter queue of its own", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			// order-dlq (queues[1]) now redrives to inventory-dlq.
			s.Queues[1].DeadLetter = &v1alpha1.DeadLetter{Queue: "inventory-dlq", MaxReceiveCount: 3}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[0].deadLetter.queue", "a dead-letter queue cannot have a deadLetter of its own"}}},
		{"dead-letter queue the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[2].DeadLetter.Queue = "no-such-dlq"
		}, []wantErr{{field.ErrorTypeNotFound, "spec.queues[2].deadLetter.queue", `"no-such-dlq"`}}},

		// Topic subscriptions.
		{"sqs subscription without a queue", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sqs"}}
		}, []wantErr{{field.ErrorTypeNotFound, "spec.topics[0].subscriptions[0].queue", `Not found: ""`}}},
		{"sqs subscription to a queue the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "email", Endpoint: "ops@example.com"}, {Protocol: "sqs", Queue: "audit-queue"}}
		}, []wantErr{{field.ErrorTypeNotFound, "spec.topics[0].subscriptions[1].queue", `"audit-queue"`}}},
		{"email subscription without an endpoint", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "email"}}
		}, []wantErr{{field.ErrorTypeRequired, "spec.topics[0].subscriptions[0].endpoint", "protocol email needs an endpoint"}}},
		{"https subscription naming a queue instead of an endpoint", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "https", Queue: "order-queue"}}
		}, []wantErr{{field.ErrorTypeRequired, "spec.topics[0].subscriptions[0].endpoint", "protocol https needs an endpoint"}}},

		// Rules.
		{"rule target naming no component", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[0].Targets[0] = v1alpha1.RuleTarget{}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.rules[0].targets[0]", "a target names exactly one of function, workflow, queue, topic or eventBusARN"}}},
		{"rule target naming two components", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[0].Targets[0].Queue = "order-queue"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.rules[0].targets[0]", "a target names exactly one of function, workflow, queue, topic or eventBusARN"}}},
		{"rule target naming a workflow the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[3].Targets[0].Workflow = "no-such-workflow"
		}, []wantErr{{field.ErrorTypeNotFound, "spec.rules[3].targets[0].workflow", `"no-such-workflow"`}}},
		{"rules without an eventBus", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.EventBus = nil
			delete(s.Outputs, "EventBusName") // it names the bus
		}, []wantErr{{field.ErrorTypeRequired, "spec.eventBus", "rules need an eventBus"}}},
		{"an output naming the removed eventBus", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.EventBus = nil
		}, []wantErr{
			{field.ErrorTypeRequired, "spec.eventBus", "rules need an eventBus"},
			{field.ErrorTypeInvalid, "spec.outputs[EventBusName]", `no eventBus named "custom-event-bus" in this stack`},
		}},

		// Functions.
		{"code neither zip nor image", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code = v1alpha1.FunctionCode{}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].code", "code needs either s3Bucket and s3Key, or imageURI"}}},
		{"code both zip and image", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[1].Code.ImageURI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:1"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[1].code", "code needs either s3Bucket and s3Key, or imageURI"}}},
		{"zip code with a bucket and no key", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[2].Code.S3Key = ""
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[2].code", "code needs either s3Bucket and s3Key, or imageURI"}}},
		{"zip code without a runtime", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = ""
		}, []wantErr{{field.ErrorTypeRequired, "spec.functions[0].runtime", "runtime is required for zip code"}}},
		{"function uses a table the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[1].Uses.Tables[0].Name = "no-such-table"
		}, []wantErr{{field.ErrorTypeNotFound, "spec.functions[1].uses.tables[0].name", `"no-such-table"`}}},
		{"function uses a topic the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[2].Uses.Topics[0].Name = "no-such-topic"
		}, []wantErr{{field.ErrorTypeNotFound, "spec.functions[2].uses.topics[0].name", `"no-such-topic"`}}},
		{"function uses a queue the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[2].Uses.Queues = []v1alpha1.QueueUse{{Name: "no-such-queue"}}
		}, []wantErr{{field.ErrorTypeNotFound, "spec.functions[2].uses.queues[0].name", `"no-such-queue"`}}},
		{"function consumes a queue the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Consumes[0].Queue = "no-such-queue"
		}, []wantErr{{field.ErrorTypeNotFound, "spec.functions[0].consumes[0].queue", `"no-such-queue"`}}},
		{"function's dead-letter queue the stack does not have", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].DeadLetterQueue = "no-such-dlq"
		}, []wantErr{{field.ErrorTypeNotFound, "spec.functions[0].deadLetterQueue", `"no-such-dlq"`}}},

		// Several problems at once are all reported.
		{"several problems in one spec", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = ""
			s.Queues[0].DeadLetter.Queue = s.Queues[0].Name
			s.Outputs["Missing"] = "${topic:no-such-topic}"
		}, []wantErr{
			{field.ErrorTypeRequired, "spec.functions[0].runtime", "runtime is required for zip code"},
			{field.ErrorTypeInvalid, "spec.queues[0].deadLetter.queue", "a queue cannot be its own dead-letter queue"},
			{field.ErrorTypeInvalid, "spec.outputs[Missing]", `no topic named "no-such-topic" in this stack`},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.mutate(t, &stack.Spec)
			expectErrors(t, validation.Validate(stack), tc.want)
		})
	}
}

// expectErrors fails the test unless errs are exactly the wanted errors.
func expectErrors(t *testing.T, errs field.ErrorList, want []wantErr) {
	t.Helper()
	used := make([]bool, len(errs))
	for _, w := range want {
		found := false
		for i, e := range errs {
			if !used[i] && w.matches(e) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing error %s at %s containing %q", w.typ, w.field, w.msg)
		}
	}
	for i, e := range errs {
		if !used[i] {
			t.Errorf("unexpected error: %v", e)
		}
	}
}

// Changes that are allowed must not be refused: each check is no wider than
// the rule it enforces.
func TestValidateAcceptsValidVariations(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
	}{
		{"a namePrefix", func(s *v1alpha1.EventDrivenStackSpec) { s.NamePrefix = "prod-" }},
		{"a function name exactly at the limit with the namePrefix", func(s *v1alpha1.EventDrivenStackSpec) {
			s.NamePrefix = "prod-"
			s.Functions = append(s.Functions, zipFunction(longName(59)))
		}},
		{"a 64-character function name without a namePrefix", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions = append(s.Functions, zipFunction(longName(64)))
		}},
		{"image code without a runtime", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/fn:1"}
			s.Functions[0].Runtime = ""
			s.Functions[0].Handler = ""
		}},
		{"subscriptions to a queue of the stack and to an endpoint", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{
				{Protocol: "sqs", Queue: "order-queue"},
				{Protocol: "email", Endpoint: "ops@example.com"},
			}
		}},
		{"user environment variables that do not collide", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Environment = map[string]string{"LOG_LEVEL": "debug", "AWS_REGION_NAME": "x", "MY_AWS_REGION": "y"}
		}},
		{"no rules and no eventBus", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Rules = nil
			s.EventBus = nil
			delete(s.Outputs, "EventBusName")
		}},
		{"a rule targeting a queue and a topic", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[0].Targets = []v1alpha1.RuleTarget{{Queue: "order-queue"}, {Topic: "event-notifications"}}
		}},
		{"a second workflow referencing every kind", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows = append(s.Workflows, v1alpha1.Workflow{Name: "audit", Definition: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{
				"f":"${function:event-order-processor.name}","w":"${workflow:event-driven-workflow}","t":"${table:event-driven-orders.arn}",
				"p":"${topic:event-notifications}","q":"${queue:order-queue.arn}","b":"${eventBus:custom-event-bus}"},"End":true}}}`})
		}},
		{"outputs naming every kind", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Outputs["QueueURL"] = "${queue:order-queue}"
			s.Outputs["FunctionArn"] = "${function:event-order-processor.arn}"
			s.Outputs["Plain"] = "no references here"
		}},
		{"a dead-letter queue shared by two queues", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[2].DeadLetter.Queue = "order-dlq"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.mutate(&stack.Spec)
			if errs := validation.Validate(stack); len(errs) != 0 {
				t.Errorf("unexpected errors:\n%s", errs.ToAggregate())
			}
		})
	}
}

// longName is a valid component name of n characters.
func longName(n int) string {
	return "f" + strings.Repeat("x", n-1)
}

// The variables the operator sets for uses[].env reach Lambda like the user's
// own, so a reserved name there is refused as it is in environment; otherwise
// the spec would pass Validate and ACK would report the function Terminal.
func TestValidateRefusesReservedNamesInUsesEnv(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(f *v1alpha1.Function)
		field  string
	}{
		{"table use", func(f *v1alpha1.Function) { f.Uses.Tables[0].Env = "AWS_REGION" }, "spec.functions[0].uses.tables[0].env"},
		{"topic use", func(f *v1alpha1.Function) { f.Uses.Topics[0].Env = "AWS_LAMBDA_FUNCTION_NAME" }, "spec.functions[0].uses.topics[0].env"},
		{"queue use", func(f *v1alpha1.Function) {
			f.Uses.Queues = []v1alpha1.QueueUse{{Name: "order-queue", Env: "LAMBDA_TASK_ROOT"}}
		}, "spec.functions[0].uses.queues[0].env"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.mutate(function(t, &stack.Spec, "event-order-processor"))
			errs := validation.Validate(stack)
			for _, e := range errs {
				if e.Type == field.ErrorTypeForbidden && e.Field == tc.field && strings.Contains(e.Detail, "Lambda reserves") {
					return
				}
			}
			t.Errorf("want a Forbidden error at %s saying Lambda reserves the name; got %v", tc.field, errs.ToAggregate())
		})
	}
}

// What AWS itself refuses (aws.go, aws_constraints.md): each bad spec is
// refused with exactly the listed errors, at the field that is wrong, and its
// good neighbour in TestValidateAcceptsWhatAWSAccepts is accepted.
func TestValidateRefusesWhatAWSRefuses(t *testing.T) {
	const (
		orderProcessor = 0 // functions[0] consumes order-queue (queues[0])
		queueField     = "spec.functions[0].consumes[0].queue"
		windowField    = "spec.functions[0].consumes[0].maximumBatchingWindowSeconds"
	)
	expressDefinition := func(resource string) string {
		return `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` +
			resource + `","End":true}}}],"End":true}}}`
	}
	cases := []struct {
		name   string
		mutate func(t *testing.T, s *v1alpha1.EventDrivenStackSpec)
		want   []wantErr
	}{
		// SQS event source mappings: visibility timeout and function timeout.
		{"function timeout above the consumed queue's visibility timeout", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[orderProcessor].TimeoutSeconds = ptr.To[int32](31) // order-queue: 30
		}, []wantErr{{field.ErrorTypeInvalid, queueField,
			"queue order-queue has a visibility timeout of 30 seconds, less than the function's timeoutSeconds, 31"}}},
		{"queue visibility timeout lowered under the function timeout", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].VisibilityTimeoutSeconds = ptr.To[int32](29) // function: 30
		}, []wantErr{{field.ErrorTypeInvalid, queueField, `Queue visibility timeout: 29 seconds is less than Function timeout: 30 seconds`}}},
		{"undefaulted queue visibility counts as 30", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].VisibilityTimeoutSeconds = nil
			s.Functions[orderProcessor].TimeoutSeconds = ptr.To[int32](45)
		}, []wantErr{{field.ErrorTypeInvalid, queueField, "visibility timeout of 30 seconds, less than the function's timeoutSeconds, 45"}}},
		{"undefaulted function timeout counts as 3", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[orderProcessor].TimeoutSeconds = nil
			s.Queues[0].VisibilityTimeoutSeconds = ptr.To[int32](2)
		}, []wantErr{{field.ErrorTypeInvalid, queueField, "visibility timeout of 2 seconds, less than the function's timeoutSeconds, 3"}}},

		// SQS event source mappings: batch size and batching window.
		{"batch of 11 without a batching window", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[orderProcessor].Consumes[0].BatchSize = ptr.To[int64](11)
		}, []wantErr{{field.ErrorTypeRequired, windowField, "batchSize 11 is more than 10"}}},
		{"batch of 10000 with a zero batching window", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[orderProcessor].Consumes[0].BatchSize = ptr.To[int64](10000)
			s.Functions[orderProcessor].Consumes[0].MaximumBatchingWindowSeconds = ptr.To[int64](0)
		}, []wantErr{{field.ErrorTypeInvalid, windowField, "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"}}},

		// Lambda runtimes, handler and code.
		{"runtime go1.x, blocked for creation", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = "go1.x"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].runtime", "deprecated runtime go1.x (blocked since 2024-02-08); use provided.al2023"}}},
		{"runtime python3.7, blocked for creation", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[1].Runtime = "python3.7"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[1].runtime", "deprecated runtime python3.7"}}},
		{"runtime nodejs14.x, blocked for creation", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[2].Runtime = "nodejs14.x"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[2].runtime", "deprecated runtime nodejs14.x"}}},
		{"runtime dotnet7, published for container images only", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = "dotnet7"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].runtime", "no managed runtime dotnet7 for .zip code"}}},
		{"runtime that never existed", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = "nodejs19.x"
		}, []wantErr{{field.ErrorTypeNotSupported, "spec.functions[0].runtime", `"provided.al2023"`}}},
		{"runtime that is not a Lambda identifier", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = "go1.22"
		}, []wantErr{{field.ErrorTypeNotSupported, "spec.functions[0].runtime", `Unsupported value: "go1.22"`}}},
		{"handler with a space", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Handler = "index handler"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].handler", "white space"}}},
		{"S3 bucket name too short", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code.S3Bucket = "b"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].code.s3Bucket", "3 to 63 letters"}}},
		{"S3 bucket name ending with a dot", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code.S3Bucket = "artifacts."
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].code.s3Bucket", "not ending with a dot"}}},
		{"S3 bucket name with a slash", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code.S3Bucket = "artifacts/lambdas"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].code.s3Bucket", "3 to 63 letters"}}},
		{"image from Docker Hub", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "docker.io/library/orders:1"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].code.imageURI", "Amazon ECR private repositories only"}}},
		{"image from an ECR FIPS endpoint", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/orders:1"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].code.imageURI", "Amazon ECR private repositories only"}}},
		{"image in another region", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].code.imageURI", "the image is in ECR in eu-west-1; Lambda takes images from a repository in the function's own region, us-east-1"}}},
		{"role ARN with a space in its name", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].RoleARN = "arn:aws:iam::123456789012:role/order processor"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].roleARN", "path and name hold only letters"}}},
		{"role ARN of another partition", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Region = "cn-north-1"
			s.Functions[0].RoleARN = "arn:aws:iam::123456789012:role/orders"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].roleARN", "the role is in partition aws; the stack's region cn-north-1 is in partition aws-cn"}}},

		// Lambda environment variables.
		{"environment variable starting with a digit", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Environment = map[string]string{"1ST_TRY": "x"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].environment[1ST_TRY]", "a letter followed by at least one letter, digit or underscore"}}},
		{"environment variable of one letter", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[2].Environment = map[string]string{"X": "x", "LOG-LEVEL": "debug"}
		}, []wantErr{
			{field.ErrorTypeInvalid, "spec.functions[2].environment[X]", "a letter followed by"},
			{field.ErrorTypeInvalid, "spec.functions[2].environment[LOG-LEVEL]", "a letter followed by"},
		}},
		{"uses env of one letter", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[1].Uses.Tables[0].Env = "T"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[1].uses.tables[0].env", `"T"`}}},
		{"default env of a table whose name starts with a digit", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tables = append(s.Tables, v1alpha1.Table{Name: "2024-orders", PartitionKey: v1alpha1.Key{Name: "id"}})
			s.Functions[1].Uses.Tables = append(s.Functions[1].Uses.Tables, v1alpha1.TableUse{Name: "2024-orders"})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[1].uses.tables[1].env", `"2024_ORDERS_TABLE"`}}},
		{"environment over 4 KB with the operator's variables", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			// The operator adds ORDERS_TABLE, NOTIFICATION_TOPIC_ARN and
			// DEAD_LETTER_QUEUE_URL (about 200 bytes) to these 4,000.
			s.Functions[0].Environment = map[string]string{"CONFIG": strings.Repeat("x", 3994)}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[0].environment", "Lambda accepts at most 4 KB (4096 bytes) in all"}}},

		// Tags.
		{"tag key reserved for AWS", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tags = map[string]string{"team": "payments", "AWS:owner": "ops"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tags[AWS:owner]", `tag keys starting with "aws:" are reserved`}}},
		{"tag key over 128 characters", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tags = map[string]string{strings.Repeat("k", 129): "v"}
		}, []wantErr{{field.ErrorTypeTooLong, "spec.tags[" + strings.Repeat("k", 129) + "]", "may not be more than 128"}}},
		{"tag value over 256 characters", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tags = map[string]string{"note": strings.Repeat("é", 257)}
		}, []wantErr{{field.ErrorTypeTooLong, "spec.tags[note]", "may not be more than 256"}}},
		{"tag value with a character IAM refuses", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tags = map[string]string{"team": "orders & payments"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tags[team]", `the tag value holds '&'`}}},
		{"tag key with a character IAM refuses", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tags = map[string]string{"cost#center": "42"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tags[cost#center]", `the tag key holds '#'`}}},

		// SNS subscriptions.
		{"email subscription to something that is not an address", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "email", Endpoint: "https://example.com/hook"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].endpoint", "protocol email needs an email address"}}},
		{"email-json subscription to an address without a domain", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "email-json", Endpoint: "ops@localhost"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].endpoint", "protocol email-json needs an email address"}}},
		{"https subscription to an http URL", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "https", Endpoint: "http://hooks.example.com/orders"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].endpoint", "protocol https needs a URL beginning with https://"}}},
		{"http subscription to a URL without a host", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "http", Endpoint: "http:///orders"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].endpoint", "naming a host"}}},
		{"sms subscription to an email address", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sms", Endpoint: "ops@example.com"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].endpoint", "E.164"}}},
		{"sms subscription to a number of 16 digits", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sms", Endpoint: "+1234567890123456"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].endpoint", "at most 15 digits"}}},
		{"raw message delivery to email", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "email", Endpoint: "ops@example.com", RawMessageDelivery: true}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].rawMessageDelivery", "Delivery protocol [email] does not support raw message delivery"}}},
		{"filter policy with six keys", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sqs", Queue: "order-queue",
				FilterPolicy: rawJSON(`{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`)}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].filterPolicy", "the filter policy has 6 keys; SNS accepts at most 5"}}},
		{"filter policy of 180 combinations", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sqs", Queue: "order-queue",
				FilterPolicy: rawJSON(`{"a":[1,2,3,4,5,6],"b":[1,2,3,4,5],"c":[1,2,3,4,5,6]}`)}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].filterPolicy", "more than 150 combinations"}}},
		{"nested filter policy on message attributes", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sqs", Queue: "order-queue",
				FilterPolicy: rawJSON(`{"order":{"status":["paid"]}}`)}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].filterPolicy", `key "order" holds a nested object`}}},
		{"filter policy value that is not an array", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sqs", Queue: "order-queue",
				FilterPolicy: rawJSON(`{"status":"paid"}`)}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].filterPolicy", `key "status" must map to an array`}}},

		// DynamoDB.
		{"sort key naming the partition key", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Tables[0].SortKey = &v1alpha1.Key{Name: "order_id", Type: "N"}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.tables[0].sortKey.name", "the sort key must be another attribute than the partition key"}}},

		// EventBridge.
		{"event bus named default", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.EventBus.Name = "default"
			s.Outputs["EventBusName"] = "${eventBus:default}"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.eventBus.name", `EventBridge refuses that name for a custom event bus`}}},
		{"event bus named default with the namePrefix", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.NamePrefix = "def"
			s.EventBus.Name = "ault"
			s.Outputs["EventBusName"] = "${eventBus:ault}"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.eventBus.name", `the bus would be named "default"`}}},

		// Step Functions.
		{"EXPRESS workflow waiting for a task token", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Type = "EXPRESS"
			s.Workflows[0].Definition = expressDefinition("arn:aws:states:::sqs:sendMessage.waitForTaskToken")
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", "state T: an EXPRESS workflow supports only request-response integrations: Step Functions refuses the .waitForTaskToken"}}},
		{"EXPRESS workflow running a nested job", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Type = "EXPRESS"
			s.Workflows[0].Definition = expressDefinition("arn:aws:states:::states:startExecution.sync:2")
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", "refuses the .sync (run a job) pattern"}}},
		{"EXPRESS workflow running an activity", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Type = "EXPRESS"
			s.Workflows[0].Definition = expressDefinition("arn:aws:states:us-east-1:123456789012:activity:approve")
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].definition", "an EXPRESS workflow cannot run activities"}}},
		{"workflow role ARN over 256 characters", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].RoleARN = "arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 120) + "saga" // 275
		}, []wantErr{{field.ErrorTypeTooLong, "spec.workflows[0].roleARN", "may not be more than 256"}}},
		{"workflow role ARN of another partition", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Region = "us-gov-west-1"
			s.Workflows[0].RoleARN = "arn:aws:iam::123456789012:role/saga"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[0].roleARN", "partition aws-us-gov"}}},

		// Names the operator derives, unique in AWS.
		{"a function whose role is the events role of a workflow", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Functions = append(s.Functions, zipFunction("event-driven-workflow-events"))
		}, []wantErr{{field.ErrorTypeInvalid, "spec.functions[3].name",
			"its IAM role, event-driven-workflow-events-role, would have the name of the role EventBridge assumes to start workflow event-driven-workflow"}}},
		{"a workflow whose role is the events role of a workflow", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.NamePrefix = "prod-"
			s.Workflows = append(s.Workflows, v1alpha1.Workflow{Name: "event-driven-workflow-events", Definition: minimalDefinition})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.workflows[1].name", "its IAM role, prod-event-driven-workflow-events-role"}}},
		{"a queue named like the stack's EventBridge dead-letter queue", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Queues = append(s.Queues, v1alpha1.Queue{Name: "event-driven-stack-events-dlq"})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.queues[4].name", "the operator names the stack's EventBridge dead-letter queue event-driven-stack-events-dlq"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.mutate(t, &stack.Spec)
			expectErrors(t, validation.Validate(stack), tc.want)
		})
	}
}

// The good neighbours of the cases above: what AWS accepts is accepted.
func TestValidateAcceptsWhatAWSAccepts(t *testing.T) {
	onlyQueues := func(s *v1alpha1.EventDrivenStackSpec) {
		s.Topics, s.Tables, s.Functions, s.Workflows, s.Rules, s.EventBus, s.Outputs = nil, nil, nil, nil, nil, nil, nil
	}
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
	}{
		{"function timeout equal to the queue's visibility timeout", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].VisibilityTimeoutSeconds = ptr.To[int32](60)
			s.Functions[0].TimeoutSeconds = ptr.To[int32](60)
		}},
		{"undefaulted timeouts: 3 seconds against 30", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[0].VisibilityTimeoutSeconds = nil
			s.Functions[0].TimeoutSeconds = nil
		}},
		{"a queue with a short visibility timeout that no function consumes", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[1].VisibilityTimeoutSeconds = ptr.To[int32](0) // order-dlq
		}},
		{"batches of 10 without a window, of 10000 with one", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Consumes[0].BatchSize = ptr.To[int64](10)
			s.Functions[1].Consumes[0].BatchSize = ptr.To[int64](10000)
			s.Functions[1].Consumes[0].MaximumBatchingWindowSeconds = ptr.To[int64](1)
		}},
		{"undefaulted batch size and window", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Consumes[0].BatchSize = nil
			s.Functions[0].Consumes[0].MaximumBatchingWindowSeconds = nil
		}},
		{"runtimes AWS still creates functions on", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = "python3.13"
			s.Functions[1].Runtime = "nodejs22.x"
			s.Functions[2].Runtime = "java21"
			for _, r := range []string{"provided.al2", "python3.9", "nodejs18.x", "nodejs20.x", "dotnet8", "ruby3.3", "java8.al2"} {
				s.Functions = append(s.Functions, zipFunction("fn-"+strings.ReplaceAll(r, ".", "-")))
				s.Functions[len(s.Functions)-1].Runtime = r
			}
		}},
		{"a runtime newer than the operator's table", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Runtime = "python3.15"
			s.Functions[1].Runtime = "nodejs26.x"
		}},
		{"a blocked runtime on an image function, where Lambda ignores it", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:" + strings.Repeat("a", 64)}
			s.Functions[0].Runtime = "go1.x"
		}},
		{"handlers and legacy bucket names Lambda takes", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Handler = "com.example.Orders::handleRequest"
			s.Functions[1].Code.S3Bucket = "Legacy_Artifacts.2017"
			s.Functions[2].Handler = "" // bootstrap
		}},
		{"an image in the China partition's ECR", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Region = "cn-north-1"
			s.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/orders:1"}
		}},
		{"role ARNs with paths, in the stack's partition", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].RoleARN = "arn:aws:iam::123456789012:role/service-role/orders+ops@team=a,b.c"
			s.Workflows[0].RoleARN = "arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 110) + "saga" // 255
		}},
		{"role ARNs of the China partition", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Region = "cn-northwest-1"
			s.Functions[0].RoleARN = "arn:aws-cn:iam::123456789012:role/orders"
			s.Workflows[0].RoleARN = "arn:aws-cn:iam::123456789012:role/saga"
		}},
		{"environment variable names Lambda takes", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Environment = map[string]string{"A1": "x", "log_level": "debug", "Feature_Flag_2": "on"}
			s.Functions[1].Uses.Tables[0].Env = "T2"
		}},
		{"environment just under 4 KB with the operator's variables", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Environment = map[string]string{"CONFIG": strings.Repeat("x", 3700)}
		}},
		{"tags every service takes", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Tags = map[string]string{"team": "payments", "cost-center": "42", "owner": "ops@example.com",
				"path": "a b_c.d:e/f=g+h-i@j", "équipe": "日本", "empty": "", "aws-account": "not reserved: no colon",
				strings.Repeat("k", 128): strings.Repeat("v", 256)}
		}},
		{"tags only SQS takes, on a stack of queues only", func(s *v1alpha1.EventDrivenStackSpec) {
			onlyQueues(s)
			s.Tags = map[string]string{"team": "orders & payments", "cost#center": "42"}
		}},
		{"subscriptions with well-formed endpoints", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{
				{Protocol: "email", Endpoint: "ops+orders@mail.example.com"},
				{Protocol: "email-json", Endpoint: "audit@example.co.uk"},
				{Protocol: "http", Endpoint: "http://hooks.example.com:8080/orders?x=1", RawMessageDelivery: true},
				{Protocol: "https", Endpoint: "https://hooks.example.com/orders", RawMessageDelivery: true},
				{Protocol: "sms", Endpoint: "+14155550100"},
				{Protocol: "sms", Endpoint: "+1 (415) 555-0101"},
				{Protocol: "sqs", Queue: "order-queue", RawMessageDelivery: true},
			}
		}},
		{"filter policies within the SNS limits", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{
				// Five keys, 5 x 5 x 6 = 150 combinations.
				{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"a":[1,2,3,4,5],"b":[1,2,3,4,5],"c":[1,2,3,4,5,6],"d":["x"],"e":[{"exists":true}]}`)},
				{Protocol: "sqs", Queue: "inventory-queue", FilterPolicy: rawJSON(`{"store":["example_corp"],"price_usd":[{"numeric":[">=",100]}]}`)},
				// $or is left to SNS.
				{Protocol: "https", Endpoint: "https://hooks.example.com/x", FilterPolicy: rawJSON(`{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}`)},
			}
		}},
		{"a sort key on another attribute", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Tables[0].SortKey = &v1alpha1.Key{Name: "created_at", Type: "N"}
		}},
		{"an event bus whose name only starts with default", func(s *v1alpha1.EventDrivenStackSpec) {
			s.EventBus.Name = "default-bus"
			s.Outputs["EventBusName"] = "${eventBus:default-bus}"
		}},
		{"the seed's workflow as EXPRESS: request-response integrations only", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Type = "EXPRESS"
			s.Workflows[0].Tracing = true
		}},
		{"a STANDARD workflow with callbacks, jobs and activities", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Type = "STANDARD"
			s.Workflows[0].Definition = `{"StartAt":"A","States":{
				"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Next":"B"},
				"B":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Next":"C"},
				"C":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:approve","End":true}}}`
		}},
		{"a function named -events after a workflow no rule targets", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Rules = s.Rules[:3] // rule 3 targeted the workflow
			s.Functions = append(s.Functions, zipFunction("event-driven-workflow-events"))
		}},
		{"a function named -events after a targeted workflow, with its own role", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions = append(s.Functions, zipFunction("event-driven-workflow-events"))
			s.Functions[3].RoleARN = "arn:aws:iam::123456789012:role/events-fn"
		}},
		{"a queue named like the EventBridge dead-letter queue of a stack without rules", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Rules, s.EventBus = nil, nil
			delete(s.Outputs, "EventBusName")
			s.Queues = append(s.Queues, v1alpha1.Queue{Name: "event-driven-stack-events-dlq"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.mutate(&stack.Spec)
			if errs := validation.Validate(stack); len(errs) != 0 {
				t.Errorf("unexpected errors:\n%s", errs.ToAggregate())
			}
		})
	}
}

// Every runtime of the table is either refused as blocked or accepted; the
// refused ones are exactly those AWS blocks for creation.
func TestLambdaRuntimes(t *testing.T) {
	blocked := []string{"go1.x", "provided", "java8", "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10",
		"nodejs10.x", "nodejs12.x", "nodejs14.x", "python2.7", "python3.6", "python3.7", "ruby2.5", "ruby2.7",
		"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1"}
	creatable := []string{"provided.al2023", "provided.al2", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
		"python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
		"java8.al2", "java11", "java17", "java21", "java25", "dotnet6", "dotnet8", "dotnet10", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0"}
	run := func(runtime string) field.ErrorList {
		stack := loadSeed(t)
		stack.Spec.Functions[0].Runtime = runtime
		return validation.Validate(stack)
	}
	for _, r := range blocked {
		errs := run(r)
		if len(errs) != 1 || errs[0].Field != "spec.functions[0].runtime" || !strings.Contains(errs[0].Detail, "refuses to create functions on the deprecated runtime "+r) {
			t.Errorf("%s: want one error saying Lambda refuses it; got %v", r, errs.ToAggregate())
		}
	}
	for _, r := range creatable {
		if errs := run(r); len(errs) != 0 {
			t.Errorf("%s: want it accepted; got %v", r, errs.ToAggregate())
		}
	}
	// A refused identifier lists what can be used, and none that is blocked.
	errs := run("python")
	if len(errs) != 1 || errs[0].Type != field.ErrorTypeNotSupported {
		t.Fatalf("python: want one NotSupported error; got %v", errs.ToAggregate())
	}
	for _, r := range creatable {
		if !strings.Contains(errs[0].Error(), `"`+r+`"`) {
			t.Errorf("the supported values lack %s: %v", r, errs[0])
		}
	}
	for _, r := range blocked {
		if strings.Contains(errs[0].Error(), `"`+r+`"`) {
			t.Errorf("the supported values hold the blocked %s: %v", r, errs[0])
		}
	}
}

func rawJSON(s string) *apiextensionsv1.JSON { return &apiextensionsv1.JSON{Raw: []byte(s)} }
