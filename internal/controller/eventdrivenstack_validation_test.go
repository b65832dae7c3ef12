package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// Bad specs are refused by the API server (schema, CEL rules and the
// validating webhook), each with a message that names the field.
func TestBadSpecsAreRefusedAtAdmission(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	fn := func(s *v1alpha1.EventDrivenStackSpec, name string) *v1alpha1.Function {
		for i := range s.Functions {
			if s.Functions[i].Name == name {
				return &s.Functions[i]
			}
		}
		t.Fatalf("no function %s", name)
		return nil
	}
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		// want are substrings of the error: the field path and the reason.
		want []string
	}{
		{"Lambda memory under 128 MB", func(s *v1alpha1.EventDrivenStackSpec) { s.Functions[0].MemoryMB = ptr.To[int32](64) },
			[]string{"spec.functions[0].memoryMB", "greater than or equal to 128"}},
		{"Lambda memory over 10240 MB", func(s *v1alpha1.EventDrivenStackSpec) { s.Functions[0].MemoryMB = ptr.To[int32](10241) },
			[]string{"spec.functions[0].memoryMB", "less than or equal to 10240"}},
		{"Lambda timeout over 900 s", func(s *v1alpha1.EventDrivenStackSpec) { s.Functions[1].TimeoutSeconds = ptr.To[int32](901) },
			[]string{"spec.functions[1].timeoutSeconds", "less than or equal to 900"}},
		{"SQS visibility over 43200 s", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].VisibilityTimeoutSeconds = ptr.To[int32](43201) },
			[]string{"spec.queues[0].visibilityTimeoutSeconds", "less than or equal to 43200"}},
		{"SQS retention under 60 s", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[1].MessageRetentionSeconds = ptr.To[int32](30) },
			[]string{"spec.queues[1].messageRetentionSeconds", "greater than or equal to 60"}},
		{"SQS retention over 14 days", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[1].MessageRetentionSeconds = ptr.To[int32](1209601) },
			[]string{"spec.queues[1].messageRetentionSeconds", "less than or equal to 1209600"}},
		{"maxReceiveCount 0", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].DeadLetter.MaxReceiveCount = 0 },
			[]string{"spec.queues[0].deadLetter.maxReceiveCount", "greater than or equal to 1"}},
		{"maxReceiveCount over 1000", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].DeadLetter.MaxReceiveCount = 1001 },
			[]string{"spec.queues[0].deadLetter.maxReceiveCount", "less than or equal to 1000"}},
		{"dead-letter queue that does not exist", func(s *v1alpha1.EventDrivenStackSpec) { s.Queues[0].DeadLetter.Queue = "no-such-dlq" },
			[]string{"spec.queues", "deadLetter.queue must name another queue"}},
		{"two queues with one name", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Queues[3].Name = s.Queues[2].Name
			s.Queues[2].DeadLetter = nil
		},
			[]string{"spec.queues[3]", "Duplicate value"}},
		{"uppercase component name", func(s *v1alpha1.EventDrivenStackSpec) { s.Tables[0].Name = "Orders" },
			[]string{"spec.tables[0].name", "should match"}},
		{"function uses a table that does not exist", func(s *v1alpha1.EventDrivenStackSpec) {
			fn(s, "event-order-processor").Uses.Tables[0].Name = "no-such-table"
		}, []string{"spec.functions", "must name a table"}},
		{"function consumes a queue that does not exist", func(s *v1alpha1.EventDrivenStackSpec) {
			fn(s, "event-order-processor").Consumes[0].Queue = "no-such-queue"
		}, []string{"spec.functions", "consumes[].queue must name a queue"}},
		{"code both zip and image", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code.ImageURI = "123.dkr.ecr.us-east-1.amazonaws.com/x:1"
		},
			[]string{"spec.functions[0].code", "either s3Bucket and s3Key, or imageURI"}},
		{"reserved environment variable", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Environment = map[string]string{"AWS_REGION": "eu-west-1"}
		}, []string{"spec.functions[0].environment[AWS_REGION]", "Lambda reserves AWS_REGION"}},
		{"environment variable the operator sets", func(s *v1alpha1.EventDrivenStackSpec) {
			fn(s, "event-order-processor").Environment = map[string]string{"ORDERS_TABLE": "other"}
		}, []string{"environment[ORDERS_TABLE]", "the operator sets it"}},
		{"rule target that does not exist", func(s *v1alpha1.EventDrivenStackSpec) { s.Rules[0].Targets[0].Function = "no-such-function" },
			[]string{"spec.rules", "must name a function, workflow, queue or topic"}},
		{"rule target naming two components", func(s *v1alpha1.EventDrivenStackSpec) { s.Rules[0].Targets[0].Queue = "order-queue" },
			[]string{"spec.rules[0].targets[0]", "exactly one of function, workflow, queue, topic or eventBusARN"}},
		{"event pattern that is not an object", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[1].EventPattern = &apiextensionsv1.JSON{Raw: []byte(`["inventory"]`)}
		}, []string{"spec.rules[1].eventPattern", "must be of type object"}},
		{"empty event pattern", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[1].EventPattern = &apiextensionsv1.JSON{Raw: []byte(`{}`)}
		},
			[]string{"spec.rules[1].eventPattern", "should have at least 1 properties"}},
		{"more than 5 targets", func(s *v1alpha1.EventDrivenStackSpec) {
			for i := 0; i < 5; i++ {
				s.Rules[0].Targets = append(s.Rules[0].Targets, v1alpha1.RuleTarget{Queue: "order-queue"})
			}
		}, []string{"spec.rules[0].targets", "must have at most 5 items"}},
		{"workflow definition that is not JSON", func(s *v1alpha1.EventDrivenStackSpec) { s.Workflows[0].Definition = "StartAt: Load" },
			[]string{"spec.workflows[0].definition", "must be a JSON object"}},
		{"workflow definition with a syntax error", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true},}}`
		}, []string{"spec.workflows[0].definition", "not a JSON object"}},
		{"workflow reference to a function that does not exist", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition, "${function:event-order-processor}", "${function:event-order-missing}", 1)
		}, []string{"spec.workflows[0].definition", `no function named "event-order-missing"`}},
		{"workflow reference with an unknown attribute", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition, "${topic:event-notifications}", "${topic:event-notifications.url}", 1)
		}, []string{"spec.workflows[0].definition", `a topic has no attribute "url"`}},
		{"output reference to a table that does not exist", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Outputs["OrdersTableName"] = "${table:orders}"
		}, []string{"spec.outputs[OrdersTableName]", `no table named "orders"`}},
		{"a function and a workflow with one name", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Name = "event-order-processor"
			s.Rules[3].Targets[0].Workflow = "event-order-processor"
			s.Outputs["StateMachineArn"] = "${workflow:event-order-processor.arn}"
		}, []string{"spec.workflows", "may not share a name"}},
		{"region that is not a region", func(s *v1alpha1.EventDrivenStackSpec) { s.Region = "mars-1" },
			[]string{"spec.region", "should match"}},
		{"name too long with the prefix", func(s *v1alpha1.EventDrivenStackSpec) {
			s.NamePrefix = "staging-"
			s.Functions[2].Name = strings.Repeat("f", 60)
			s.Rules[2].Targets[0].Function = s.Functions[2].Name
		}, []string{"spec.functions[2].name", "may not be more than 56"}},
		{"sqs subscription to a queue that does not exist", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Topics[0].Subscriptions = []v1alpha1.Subscription{{Protocol: "sqs", Queue: "no-such-queue"}}
		}, []string{"spec.topics", "subscriptions[].queue must name a queue"}},
		// What AWS would refuse, later, inside ACK (retried for ever there).
		{"consumed queue's visibility under the function's timeout", func(s *v1alpha1.EventDrivenStackSpec) {
			fn(s, "event-order-processor").TimeoutSeconds = ptr.To[int32](60)
		}, []string{"spec.functions[0].consumes[0].queue", "visibility timeout", "60"}},
		{"batch of more than 10 without a batching window", func(s *v1alpha1.EventDrivenStackSpec) {
			fn(s, "event-order-processor").Consumes[0].BatchSize = ptr.To[int64](100)
		}, []string{"spec.functions[0].consumes[0].maximumBatchingWindowSeconds"}},
		{"definition that is JSON but not States Language", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Definition = strings.Replace(s.Workflows[0].Definition, `"End": true`, `"Ends": true`, 1)
		}, []string{"spec.workflows[0].definition", "not valid Amazon States Language"}},
		{"a runtime Lambda no longer creates functions on", func(s *v1alpha1.EventDrivenStackSpec) {
			fn(s, "event-inventory-processor").Runtime = "go1.x"
		}, []string{"spec.functions[1].runtime", "go1.x"}},
		{"code sha256 that is not a base64 SHA-256", func(s *v1alpha1.EventDrivenStackSpec) {
			fn(s, "event-order-processor").Code.SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		}, []string{"spec.functions[0].code.sha256", "should match"}},
		{"code sha256 for an image", func(s *v1alpha1.EventDrivenStackSpec) {
			f := fn(s, "event-order-processor")
			f.Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:" + strings.Repeat("a", 64),
				SHA256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}
			f.Runtime, f.Handler = "", ""
		}, []string{"spec.functions[0].code", "an image is pinned by its digest"}},
		{"workflow log level that Step Functions does not have", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Workflows[0].Logging = &v1alpha1.WorkflowLogging{Level: "DEBUG"}
		}, []string{"spec.workflows[0].logging.level", "Unsupported value"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := seedStack(t, ns)
			stack.Name = fmt.Sprintf("bad-%d", i)
			tc.mutate(&stack.Spec)
			err := k8s.Create(ctx, stack)
			if err == nil {
				t.Fatal("accepted")
			}
			if !apierrors.IsInvalid(err) && !apierrors.IsForbidden(err) && !apierrors.IsBadRequest(err) {
				t.Fatalf("refused, but not as invalid: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// Fields AWS cannot change are immutable: an update changing them is refused.
func TestImmutableFieldsAreRefusedOnUpdate(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	stack := seedStack(t, ns)
	stack.Labels = map[string]string{directShardLabel: "direct"} // no reconcile needed
	if err := k8s.Create(ctx, stack); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		want   []string
	}{
		{"table partition key", func(s *v1alpha1.EventDrivenStackSpec) { s.Tables[0].PartitionKey.Name = "id" },
			[]string{"spec.tables[0].partitionKey", "partitionKey is immutable"}},
		{"table sort key added", func(s *v1alpha1.EventDrivenStackSpec) { s.Tables[1].SortKey = &v1alpha1.Key{Name: "sku"} },
			[]string{"spec.tables[1]", "sortKey is immutable"}},
		{"region", func(s *v1alpha1.EventDrivenStackSpec) { s.Region = "eu-west-1" },
			[]string{"spec.region", "region is immutable"}},
		{"name prefix", func(s *v1alpha1.EventDrivenStackSpec) { s.NamePrefix = "prod-" },
			[]string{"spec.namePrefix", "namePrefix is immutable"}},
		{"workflow type", func(s *v1alpha1.EventDrivenStackSpec) { s.Workflows[0].Type = "EXPRESS" },
			[]string{"spec.workflows[0]", "type is immutable"}},
		{"function package type", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Functions[0].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1"}
		}, []string{"spec.functions[0]", "cannot switch between a zip"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := getStack(t, ns, stack.Name)
			tc.mutate(&s.Spec)
			err := k8s.Update(ctx, s)
			refusedAsInvalid(t, err, tc.want...)
		})
	}
	// A mutable field still updates.
	s := getStack(t, ns, stack.Name)
	s.Spec.Queues[0].VisibilityTimeoutSeconds = ptr.To[int32](60)
	if err := k8s.Update(ctx, s); err != nil {
		t.Fatalf("a mutable field was refused: %v", err)
	}
}

// refusedAsInvalid fails unless the API server refused a write as invalid
// with each of the given strings in its message.
func refusedAsInvalid(t *testing.T, err error, want ...string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("not refused as invalid: %v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}
