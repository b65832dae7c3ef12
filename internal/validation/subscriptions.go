package validation

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

// sameEndpointSubscriptions refuses a subscription of a topic to the
// endpoint (or queue) of an earlier subscription of that topic, by the same
// protocol, with other attributes. SNS keeps one subscription per topic,
// protocol and endpoint: Subscribe answers the existing one when the
// attributes are the same, and refuses the second otherwise ("Invalid
// parameter: Attributes Reason: Subscription already exists with different
// attributes", terminal in ACK's sns controller). The operator would also
// render the two as one child (its name is the topic, protocol and
// endpoint), applied with two specs. The attributes compared are those the
// operator sends: RawMessageDelivery where SNS takes it, FilterPolicy as
// sent (compacted), and FilterPolicyScope with a policy.
func (v *validator) sameEndpointSubscriptions(spec *field.Path) {
	for i, t := range v.spec.Topics {
		first := map[string]int{}
		for j, sub := range t.Subscriptions {
			target := sub.Endpoint
			if sub.Protocol == "sqs" {
				target = "queue " + sub.Queue
			}
			key := string(sub.Protocol) + " " + target
			k, seen := first[key]
			if !seen {
				first[key] = j
				continue
			}
			diff := subscriptionAttributeDiff(t.Subscriptions[k], sub)
			if len(diff) == 0 {
				continue
			}
			p := spec.Child("topics").Index(i).Child("subscriptions").Index(j)
			what := "endpoint " + sub.Endpoint
			if sub.Protocol == "sqs" {
				what = "queue " + sub.Queue
			}
			v.errs = append(v.errs, field.Invalid(p, target, fmt.Sprintf(
				"subscribes topic %s to the same %s by %s as subscriptions[%d], with a different %s: SNS keeps one subscription per topic, protocol and endpoint and refuses this one (\"Invalid parameter: Attributes Reason: Subscription already exists with different attributes\"); merge the two into one subscription",
				t.Name, what, sub.Protocol, k, strings.Join(diff, " and "))))
		}
	}
}

// subscriptionAttributeDiff names the attributes the operator sends that
// differ between two subscriptions of one protocol.
func subscriptionAttributeDiff(a, b v1alpha1.Subscription) []string {
	var diff []string
	if a.Protocol.TakesRawMessageDelivery() && a.RawMessageDelivery != b.RawMessageDelivery {
		diff = append(diff, "rawMessageDelivery")
	}
	pa, pb := sentPolicy(a), sentPolicy(b)
	if !reflect.DeepEqual(pa, pb) {
		diff = append(diff, "filterPolicy")
	}
	if pa != nil && pb != nil && sentScope(a) != sentScope(b) {
		diff = append(diff, "filterPolicyScope")
	}
	return diff
}

// sentPolicy is a subscription's filter policy as the operator sends it,
// decoded: nil without one. Two policies that decode alike are sent as one
// string (the operator compacts them, keys sorted).
func sentPolicy(s v1alpha1.Subscription) any {
	if s.FilterPolicy == nil || len(s.FilterPolicy.Raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(s.FilterPolicy.Raw, &v); err != nil {
		return string(s.FilterPolicy.Raw)
	}
	return v
}

// sentScope is the FilterPolicyScope sent with a filter policy.
func sentScope(s v1alpha1.Subscription) v1alpha1.FilterPolicyScope {
	if s.FilterPolicyScope == "" {
		return v1alpha1.FilterPolicyScopeMessageAttributes
	}
	return s.FilterPolicyScope
}
