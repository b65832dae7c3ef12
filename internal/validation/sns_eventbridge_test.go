package validation_test

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/validation"
)

// wildcardRule is a rule of the seed's bus with a wildcard filter.
func wildcardRule(i int) v1alpha1.Rule {
	return v1alpha1.Rule{
		Name:         fmt.Sprintf("files-%d", i),
		EventPattern: rawJSON(fmt.Sprintf(`{"detail":{"key":[{"wildcard":"incoming/%d/*.csv"}]}}`, i)),
		Targets:      []v1alpha1.RuleTarget{{Function: "event-order-processor"}},
	}
}

// The rules added to what Validate refuses for SNS subscriptions and
// EventBridge rules, each with the mutation that breaks it and, where the
// rule has an edge, the mutation just within it.
func TestValidateSNSAndEventBridgeRules(t *testing.T) {
	sub := func(s *v1alpha1.EventDrivenStackSpec, subs ...v1alpha1.Subscription) {
		s.Topics[0].Subscriptions = subs
	}
	cases := []struct {
		name   string
		mutate func(s *v1alpha1.EventDrivenStackSpec)
		want   []wantErr // none: accepted
	}{
		{"two subscriptions to one queue with different filter policies", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"kind":["order"]}`)},
				v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"kind":["refund"]}`)})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[1]", "Subscription already exists with different attributes"}}},
		{"two subscriptions to one queue, one without a filter policy", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue"},
				v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"kind":["refund"]}`)})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[1]", "as subscriptions[0], with a different filterPolicy"}}},
		{"two subscriptions to one URL, raw and not", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "https", Endpoint: "https://hooks.example.com/o"},
				v1alpha1.Subscription{Protocol: "sms", Endpoint: "+14155550100"},
				v1alpha1.Subscription{Protocol: "https", Endpoint: "https://hooks.example.com/o", RawMessageDelivery: true})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[2]", "different rawMessageDelivery"}}},
		{"two subscriptions to one queue, policy scopes differ", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"kind":["order"]}`)},
				v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"kind":["order"]}`), FilterPolicyScope: v1alpha1.FilterPolicyScopeMessageBody})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[1]", "different filterPolicyScope"}}},
		{"the same subscription twice, policies spelt differently", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"a":["1"],"b":[2]}`)},
				v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{ "b": [2], "a": ["1"] }`),
					FilterPolicyScope: v1alpha1.FilterPolicyScopeMessageAttributes})
		}, nil},
		{"one queue by two topics, one URL by two protocols", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: rawJSON(`{"kind":["order"]}`)},
				v1alpha1.Subscription{Protocol: "sqs", Queue: "inventory-queue", FilterPolicy: rawJSON(`{"kind":["refund"]}`)},
				v1alpha1.Subscription{Protocol: "http", Endpoint: "http://hooks.example.com/o"},
				v1alpha1.Subscription{Protocol: "https", Endpoint: "https://hooks.example.com/o", RawMessageDelivery: true})
			s.Topics = append(s.Topics, v1alpha1.Topic{Name: "refunds", Subscriptions: []v1alpha1.Subscription{
				{Protocol: "sqs", Queue: "order-queue", RawMessageDelivery: true}}})
		}, nil},
		{"a nested policy on the message body", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicyScope: v1alpha1.FilterPolicyScopeMessageBody,
				FilterPolicy: rawJSON(`{"order":{"status":["paid"],"total":[{"numeric":[">",100]}]}}`)})
		}, nil},
		{"an anything-but equals-ignore-case, which SNS does not document", func(s *v1alpha1.EventDrivenStackSpec) {
			sub(s, v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue",
				FilterPolicy: rawJSON(`{"state":[{"anything-but":{"equals-ignore-case":"closed"}}]}`)})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.topics[0].subscriptions[0].filterPolicy", `state[0].anything-but: unknown anything-but matcher "equals-ignore-case"`}}},
		{"30 rules with wildcards on the bus", func(s *v1alpha1.EventDrivenStackSpec) {
			for i := range 30 {
				s.Rules = append(s.Rules, wildcardRule(i))
			}
		}, nil},
		{"31 rules with wildcards on the bus", func(s *v1alpha1.EventDrivenStackSpec) {
			for i := range 30 {
				s.Rules = append(s.Rules, wildcardRule(i))
			}
			s.Rules = append(s.Rules, v1alpha1.Rule{Name: "not-lib", Targets: []v1alpha1.RuleTarget{{Function: "event-order-processor"}},
				EventPattern: rawJSON(`{"detail":{"path":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`)})
		}, []wantErr{{field.ErrorTypeInvalid, "spec.rules[34].eventPattern", "rule not-lib is rule 31 of event bus custom-event-bus with a wildcard filter"}}},
		{"a rule with consecutive wildcards", func(s *v1alpha1.EventDrivenStackSpec) {
			s.Rules[0].EventPattern = rawJSON(`{"source":[{"wildcard":"orders.**"}]}`)
		}, []wantErr{{field.ErrorTypeInvalid, "spec.rules[0].eventPattern", "rule order-events-rule: source[0].wildcard: wildcard \"orders.**\" has consecutive wildcard characters"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			tc.mutate(&stack.Spec)
			expectErrors(t, validation.Validate(stack), tc.want)
		})
	}
}
