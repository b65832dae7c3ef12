// Package routing keeps a stack's EventBridge bus, rules and targets, and the
// Lambda permissions that let its rules invoke its functions, in line with
// what render.BuildRouting wants. It reads first and writes only what differs,
// so that a resync of an unchanged stack makes read calls only; it repairs
// what was changed out of band; and it deletes in the right order (targets and
// permissions, rules, then the bus), taking "not found" as done.
package routing

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// maxTargetsPerCall is PutTargets' and RemoveTargets' limit of entries per call.
const maxTargetsPerCall = 10

// Bus is what exists of a bus in AWS.
type Bus struct {
	Name   string
	ARN    string
	Exists bool
	Rules  map[string]*Rule // by AWS name
	// Archive is the bus's archive as read (EnsureArchive reads it when
	// first needed); nil when it was not read.
	Archive *Archive
}

// Rule is what exists of a rule in AWS.
type Rule struct {
	Name, ARN, Pattern, Schedule, State, Description string
	Targets                                          []ebtypes.Target
}

// Observe reads the bus, its rules and their targets.
func Observe(ctx context.Context, eb awsapi.EventBridge, busName string) (*Bus, error) {
	bus := &Bus{Name: busName, Rules: map[string]*Rule{}}
	out, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: &busName})
	if awsapi.IsNotFound(err) {
		return bus, nil
	}
	if err != nil {
		return nil, awsapi.Classify("events:DescribeEventBus", err)
	}
	bus.Exists, bus.ARN = true, ptr.Deref(out.Arn, "")
	names, err := listRules(ctx, eb, busName)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		r, err := describeRule(ctx, eb, busName, name)
		if err != nil {
			return nil, err
		}
		if r != nil {
			bus.Rules[name] = r
		}
	}
	return bus, nil
}

// ObserveScheduled reads the stack's scheduled rules on the default bus, by
// name (the spec's and the inventory's: the default bus is the account's, and
// holds others' rules), each with its targets; one that does not exist is
// left out.
func ObserveScheduled(ctx context.Context, eb awsapi.EventBridge, names []string) (*Bus, error) {
	bus := &Bus{Name: render.DefaultBus, Exists: true, Rules: map[string]*Rule{}}
	for _, name := range names {
		if _, seen := bus.Rules[name]; seen {
			continue
		}
		r, err := describeRule(ctx, eb, bus.Name, name)
		if err != nil {
			return nil, err
		}
		if r != nil {
			bus.Rules[name] = r
		}
	}
	return bus, nil
}

func listRules(ctx context.Context, eb awsapi.EventBridge, busName string) ([]string, error) {
	var names []string
	var token *string
	for page := 0; page < 100; page++ { // 100 pages of 100: far beyond a bus's 300-rule quota
		out, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: &busName, NextToken: token, Limit: ptr.To[int32](100)})
		if err != nil {
			return nil, awsapi.Classify("events:ListRules", err)
		}
		for _, r := range out.Rules {
			names = append(names, ptr.Deref(r.Name, ""))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	sort.Strings(names)
	return names, nil
}

// describeRule reads a rule and its targets; nil when it does not exist.
func describeRule(ctx context.Context, eb awsapi.EventBridge, busName, name string) (*Rule, error) {
	out, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: &name, EventBusName: &busName})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, awsapi.Classify("events:DescribeRule", err)
	}
	r := &Rule{Name: name, ARN: ptr.Deref(out.Arn, ""), Pattern: ptr.Deref(out.EventPattern, ""),
		Schedule: ptr.Deref(out.ScheduleExpression, ""), State: string(out.State), Description: ptr.Deref(out.Description, "")}
	var token *string
	for page := 0; page < 10; page++ { // a rule has at most 5 targets
		t, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: &name, EventBusName: &busName, NextToken: token})
		if awsapi.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, awsapi.Classify("events:ListTargetsByRule", err)
		}
		r.Targets = append(r.Targets, t.Targets...)
		if token = t.NextToken; token == nil {
			break
		}
	}
	return r, nil
}

// EnsureBus creates the bus when it does not exist.
func EnsureBus(ctx context.Context, eb awsapi.EventBridge, bus *Bus, in *eventbridge.CreateEventBusInput) error {
	if bus.Exists {
		return nil
	}
	out, err := eb.CreateEventBus(ctx, in)
	if awsapi.IsConflict(err) { // created meanwhile (a retry after a lost answer)
		d, derr := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: in.Name})
		if derr != nil {
			return awsapi.Classify("events:DescribeEventBus", derr)
		}
		bus.Exists, bus.ARN = true, ptr.Deref(d.Arn, "")
		return nil
	}
	if err != nil {
		return awsapi.Classify("events:CreateEventBus", err)
	}
	bus.Exists, bus.ARN = true, ptr.Deref(out.EventBusArn, "")
	return nil
}

// EnsureRule puts the rule when it is missing or differs (pattern, state,
// description) and returns its ARN.
func EnsureRule(ctx context.Context, eb awsapi.EventBridge, bus *Bus, route render.RuleRoute) (string, error) {
	have := bus.Rules[route.Name]
	want := route.PutRule
	if have != nil && samePattern(have.Pattern, ptr.Deref(want.EventPattern, "")) && have.Schedule == ptr.Deref(want.ScheduleExpression, "") &&
		have.State == string(want.State) && have.Description == ptr.Deref(want.Description, "") {
		return have.ARN, nil
	}
	in := want
	if have != nil {
		// Tags are given when the rule is created; an update of the rule
		// does not need them (PutRule does not change an existing rule's tags).
		in.Tags = nil
	}
	out, err := eb.PutRule(ctx, &in)
	if err != nil {
		return "", &RuleError{Rule: route.Name, Err: awsapi.Classify("events:PutRule", err)}
	}
	arn := ptr.Deref(out.RuleArn, "")
	if have == nil {
		have = &Rule{Name: route.Name}
		bus.Rules[route.Name] = have
	}
	have.ARN, have.Pattern, have.Schedule = arn, ptr.Deref(want.EventPattern, ""), ptr.Deref(want.ScheduleExpression, "")
	have.State, have.Description = string(want.State), ptr.Deref(want.Description, "")
	return arn, nil
}

// RuleError is the error of putting one rule.
type RuleError struct {
	Rule string
	Err  error
}

func (e *RuleError) Error() string { return "rule " + e.Rule + ": " + e.Err.Error() }
func (e *RuleError) Unwrap() error { return e.Err }

// samePattern compares two event patterns as JSON values: AWS may return a
// pattern with other spacing or key order than it was given.
func samePattern(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return reflect.DeepEqual(va, vb)
}

// EnsureTargets puts the targets that are missing or differ, in calls of at
// most 10, and removes the targets the rule should not have.
func EnsureTargets(ctx context.Context, eb awsapi.EventBridge, bus *Bus, route render.RuleRoute) error {
	have := map[string]ebtypes.Target{}
	if r := bus.Rules[route.Name]; r != nil {
		for _, t := range r.Targets {
			have[ptr.Deref(t.Id, "")] = t
		}
	}
	var put []ebtypes.Target
	wanted := map[string]bool{}
	for _, t := range route.PutTargets.Targets {
		id := ptr.Deref(t.Id, "")
		wanted[id] = true
		if h, ok := have[id]; !ok || !sameTarget(h, t) {
			put = append(put, t)
		}
	}
	for start := 0; start < len(put); start += maxTargetsPerCall {
		batch := put[start:min(len(put), start+maxTargetsPerCall)]
		out, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: route.PutTargets.Rule, EventBusName: route.PutTargets.EventBusName, Targets: batch})
		if err != nil {
			return awsapi.Classify("events:PutTargets", err)
		}
		if out.FailedEntryCount > 0 {
			e := out.FailedEntries[0]
			return fmt.Errorf("events:PutTargets: %d of %d targets of rule %s failed, first %s: %s %s",
				out.FailedEntryCount, len(batch), route.Name, ptr.Deref(e.TargetId, ""), ptr.Deref(e.ErrorCode, ""), ptr.Deref(e.ErrorMessage, ""))
		}
	}
	var remove []string
	for id := range have {
		if !wanted[id] {
			remove = append(remove, id)
		}
	}
	sort.Strings(remove)
	if err := removeTargets(ctx, eb, ptr.Deref(route.PutTargets.EventBusName, ""), route.Name, remove); err != nil {
		return err
	}
	if r := bus.Rules[route.Name]; r != nil {
		r.Targets = route.PutTargets.Targets
	}
	return nil
}

func sameTarget(a, b ebtypes.Target) bool {
	return ptr.Deref(a.Arn, "") == ptr.Deref(b.Arn, "") && ptr.Deref(a.RoleArn, "") == ptr.Deref(b.RoleArn, "") &&
		reflect.DeepEqual(deadLetter(a), deadLetter(b)) && reflect.DeepEqual(retryOf(a), retryOf(b)) &&
		ptr.Deref(a.Input, "") == ptr.Deref(b.Input, "") && ptr.Deref(a.InputPath, "") == ptr.Deref(b.InputPath, "") &&
		sameTransformer(a.InputTransformer, b.InputTransformer) && messageGroup(a) == messageGroup(b)
}

func messageGroup(t ebtypes.Target) string {
	if t.SqsParameters == nil {
		return ""
	}
	return ptr.Deref(t.SqsParameters.MessageGroupId, "")
}

// sameTransformer compares two input transformers (an empty paths map as
// none, as EventBridge answers it).
func sameTransformer(a, b *ebtypes.InputTransformer) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return ptr.Deref(a.InputTemplate, "") == ptr.Deref(b.InputTemplate, "") &&
		(len(a.InputPathsMap) == 0 && len(b.InputPathsMap) == 0 || reflect.DeepEqual(a.InputPathsMap, b.InputPathsMap))
}

func deadLetter(t ebtypes.Target) string {
	if t.DeadLetterConfig == nil {
		return ""
	}
	return ptr.Deref(t.DeadLetterConfig.Arn, "")
}

func retryOf(t ebtypes.Target) [2]int32 {
	if t.RetryPolicy == nil {
		return [2]int32{-1, -1}
	}
	return [2]int32{ptr.Deref(t.RetryPolicy.MaximumRetryAttempts, -1), ptr.Deref(t.RetryPolicy.MaximumEventAgeInSeconds, -1)}
}

func removeTargets(ctx context.Context, eb awsapi.EventBridge, busName, rule string, ids []string) error {
	for start := 0; start < len(ids); start += maxTargetsPerCall {
		batch := ids[start:min(len(ids), start+maxTargetsPerCall)]
		out, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: &rule, EventBusName: &busName, Ids: batch})
		if awsapi.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return awsapi.Classify("events:RemoveTargets", err)
		}
		if out.FailedEntryCount > 0 {
			e := out.FailedEntries[0]
			return fmt.Errorf("events:RemoveTargets: %d targets of rule %s not removed, first %s: %s",
				out.FailedEntryCount, rule, ptr.Deref(e.TargetId, ""), ptr.Deref(e.ErrorMessage, ""))
		}
	}
	return nil
}

// DeleteRule removes a rule's targets, then the rule. Not found is done.
func DeleteRule(ctx context.Context, eb awsapi.EventBridge, bus *Bus, name string) error {
	if r := bus.Rules[name]; r != nil {
		ids := make([]string, 0, len(r.Targets))
		for _, t := range r.Targets {
			ids = append(ids, ptr.Deref(t.Id, ""))
		}
		if err := removeTargets(ctx, eb, bus.Name, name, ids); err != nil {
			return err
		}
	}
	_, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: &name, EventBusName: &bus.Name})
	if err != nil && !awsapi.IsNotFound(err) {
		return awsapi.Classify("events:DeleteRule", err)
	}
	delete(bus.Rules, name)
	return nil
}

// DeleteBus deletes every rule on the bus, then the bus. Not found is done.
func DeleteBus(ctx context.Context, eb awsapi.EventBridge, bus *Bus) error {
	if !bus.Exists {
		return nil
	}
	names := make([]string, 0, len(bus.Rules))
	for name := range bus.Rules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := DeleteRule(ctx, eb, bus, name); err != nil {
			return err
		}
	}
	_, err := eb.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: &bus.Name})
	if err != nil && !awsapi.IsNotFound(err) {
		return awsapi.Classify("events:DeleteEventBus", err)
	}
	bus.Exists = false
	return nil
}

// HasTag reports whether a rule carries a tag with that value: the operator
// tags the rules it creates with the stack they belong to.
func HasTag(ctx context.Context, eb awsapi.EventBridge, arn, key, value string) (bool, error) {
	out, err := eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: &arn})
	if awsapi.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, awsapi.Classify("events:ListTagsForResource", err)
	}
	for _, t := range out.Tags {
		if ptr.Deref(t.Key, "") == key && ptr.Deref(t.Value, "") == value {
			return true, nil
		}
	}
	return false, nil
}

// Statement is one statement of a function's resource policy that the
// operator granted.
type Statement struct {
	Sid       string
	SourceArn string
	Principal string
}

// Permissions reads the statements the operator granted (statement id with
// render.PermissionPrefix) on a function; none when it has no policy.
func Permissions(ctx context.Context, lc awsapi.Lambda, function string) (map[string]Statement, error) {
	out, err := lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: &function})
	if awsapi.IsNotFound(err) {
		return map[string]Statement{}, nil
	}
	if err != nil {
		return nil, awsapi.Classify("lambda:GetPolicy", err)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Principal json.RawMessage
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(ptr.Deref(out.Policy, "{}")), &doc); err != nil {
		return nil, fmt.Errorf("lambda:GetPolicy of %s: the policy is not JSON: %w", function, err)
	}
	got := map[string]Statement{}
	for _, s := range doc.Statement {
		if !strings.HasPrefix(s.Sid, render.PermissionPrefix) {
			continue
		}
		st := Statement{Sid: s.Sid, Principal: principalService(s.Principal)}
		for _, cond := range s.Condition {
			if v, ok := cond["AWS:SourceArn"].(string); ok {
				st.SourceArn = v
			}
		}
		got[s.Sid] = st
	}
	return got, nil
}

func principalService(raw json.RawMessage) string {
	var p struct{ Service string }
	if json.Unmarshal(raw, &p) == nil && p.Service != "" {
		return p.Service
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// EnsurePermission grants a permission that is missing, and replaces one that
// differs (another source ARN).
func EnsurePermission(ctx context.Context, lc awsapi.Lambda, have map[string]Statement, want lambda.AddPermissionInput) error {
	sid := ptr.Deref(want.StatementId, "")
	if h, ok := have[sid]; ok {
		if h.SourceArn == ptr.Deref(want.SourceArn, "") && h.Principal == ptr.Deref(want.Principal, "") {
			return nil
		}
		if err := RemovePermission(ctx, lc, ptr.Deref(want.FunctionName, ""), sid); err != nil {
			return err
		}
	}
	_, err := lc.AddPermission(ctx, &want)
	if err != nil && !awsapi.IsConflict(err) {
		return awsapi.Classify("lambda:AddPermission", err)
	}
	// A conflict is a grant made meanwhile (a retry after a lost answer):
	// taken as this one; the next resync reads and compares it again.
	have[sid] = Statement{Sid: sid, SourceArn: ptr.Deref(want.SourceArn, ""), Principal: ptr.Deref(want.Principal, "")}
	return nil
}

// RemovePermission removes one statement; not found is done.
func RemovePermission(ctx context.Context, lc awsapi.Lambda, function, sid string) error {
	_, err := lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: &function, StatementId: &sid})
	if err != nil && !awsapi.IsNotFound(err) {
		return awsapi.Classify("lambda:RemovePermission", err)
	}
	return nil
}
