package validation_test

import (
	"github.com/eventstack-io/eventstack-operator/internal/testenv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// loadSeed reads the seed stack, refusing any field the API types do not know.
func loadSeed(t *testing.T) *v1alpha1.EventDrivenStack { return testenv.Seed(t, "") }

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
		Code:    v1alpha1.FunctionCode{S3Bucket: "b", S3Key: "k.zip"},
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
		}, []wantErr{{field.ErrorTypeInvalid, "spec.rules[0].targets[0]", "a target names exactly one of function, workflow, queue or topic"}}},
		{"rule target naming two components", func(t *testing.T, s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[0].Targets[0].Queue = "order-queue"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.rules[0].targets[0]", "a target names exactly one of function, workflow, queue or topic"}}},
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
			errs := validation.Validate(stack)
			used := make([]bool, len(errs))
			for _, w := range tc.want {
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
		})
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
