package render

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/ack"
)

// A subscription's filterPolicyScope reaches SNS as written, MessageAttributes
// when unset; without a filter policy no scope is written, as SNS reports none.
func TestFilterPolicyScopeIsRendered(t *testing.T) {
	policy := &apiextensionsv1.JSON{Raw: []byte(`{"order":{"status":["paid"]}}`)}
	for _, tc := range []struct {
		name string
		sub  v1alpha1.Subscription
		want string // "" for no scope written
	}{
		{"unset", v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: policy}, "MessageAttributes"},
		{"message attributes", v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: policy,
			FilterPolicyScope: v1alpha1.FilterPolicyScopeMessageAttributes}, "MessageAttributes"},
		{"message body", v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue", FilterPolicy: policy,
			FilterPolicyScope: v1alpha1.FilterPolicyScopeMessageBody}, "MessageBody"},
		{"scope without a policy", v1alpha1.Subscription{Protocol: "sqs", Queue: "order-queue",
			FilterPolicyScope: v1alpha1.FilterPolicyScopeMessageBody}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := loadSeed(t)
			stack.Spec.Topics[0].Subscriptions = []v1alpha1.Subscription{tc.sub}
			res := mustRender(t, stack, seedObserved())
			found := false
			for _, c := range res.Children {
				sub, ok := c.Object.(*ack.Subscription)
				if !ok {
					continue
				}
				found = true
				if got := deref(sub.Spec.FilterPolicyScope); got != tc.want {
					t.Errorf("filterPolicyScope = %q, want %q", got, tc.want)
				}
			}
			if !found {
				t.Fatal("no Subscription rendered")
			}
		})
	}
}
