package validation

import (
	"encoding/json"
	"fmt"
	"sort"
)

// SNS filter policy limits, from the Amazon SNS Developer Guide page "Filter
// policy constraints in Amazon SNS". SNS refuses a Subscribe or
// SetSubscriptionAttributes call whose policy breaks one.
const (
	// maxFilterPolicyKeys: "A filter policy can have a maximum of five keys."
	maxFilterPolicyKeys = 5
	// maxFilterPolicyCombinations: "The total combination of values in a
	// filter policy must not exceed 150", the product of the number of
	// values of each array.
	maxFilterPolicyCombinations = 150
	// maxFilterPolicyBytes: "The maximum size of a filter policy is 256 KB."
	maxFilterPolicyBytes = 256 * 1024
)

// filterPolicyOr is the OR operator of filter policies.
const filterPolicyOr = "$or"

// checkFilterPolicy returns why SNS would refuse a subscription's filter
// policy, or "". The operator sets no FilterPolicyScope, so SNS applies the
// policy to message attributes (its default scope), where "Amazon SNS doesn't
// accept a nested filter policy": each key maps to an array of values or
// matchers.
//
// The key count and the combinations are counted only for a policy without
// "$or", whose branches SNS counts in its own way; such a policy is left to
// SNS rather than refused on a guess.
func checkFilterPolicy(raw []byte) string {
	if len(raw) > maxFilterPolicyBytes {
		return fmt.Sprintf("the filter policy is %d bytes; SNS accepts at most %d (256 KB)", len(raw), maxFilterPolicyBytes)
	}
	var policy map[string]json.RawMessage
	if err := json.Unmarshal(raw, &policy); err != nil {
		return "the filter policy must be a JSON object: " + err.Error()
	}
	keys := make([]string, 0, len(policy))
	for k := range policy {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	combinations, hasOr := 1, false
	for _, k := range keys {
		if k == filterPolicyOr {
			hasOr = true
			continue
		}
		var values []json.RawMessage
		if err := json.Unmarshal(policy[k], &values); err != nil {
			var nested map[string]json.RawMessage
			if json.Unmarshal(policy[k], &nested) == nil {
				return fmt.Sprintf("key %q holds a nested object: SNS accepts nested filter policies only with the MessageBody scope, and this subscription filters message attributes; give the key an array of values", k)
			}
			return fmt.Sprintf("key %q must map to an array of values or matchers", k)
		}
		if combinations <= maxFilterPolicyCombinations {
			combinations *= max(len(values), 1)
		}
	}
	if hasOr {
		return ""
	}
	if len(keys) > maxFilterPolicyKeys {
		return fmt.Sprintf("the filter policy has %d keys; SNS accepts at most %d", len(keys), maxFilterPolicyKeys)
	}
	if combinations > maxFilterPolicyCombinations {
		return fmt.Sprintf("the filter policy's values make more than %d combinations (the product of the number of values of each key); SNS refuses it as too complex", maxFilterPolicyCombinations)
	}
	return ""
}
