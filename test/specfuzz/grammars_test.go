package specfuzz

// Generators of the languages inside a spec that Validate parses: Step
// Functions definitions (Amazon States Language, with JSONPath, intrinsic
// functions and JSONata), EventBridge event patterns, SNS filter policies,
// and Lambda image URIs and role ARNs.
//
// Each choice draws from the language's valid forms, and now and then
// (broken) from the mistakes people make in it: a value built of many
// choices then holds none, one or a few mistakes, so that the checks of
// internal/asl, internal/eventpattern and internal/validation see both
// well-formed values (whose specs are admitted and rendered) and values
// with one thing wrong. The fuzz's invariants then say whether they judged
// each spec consistently with the API server and the ACK CRDs.

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
)

func pick[T any](r *rand.Rand, pool []T) T { return pool[r.IntN(len(pool))] }

// broken reports whether a choice takes a mistake: one in 25, so that a
// definition of a dozen choices is well formed about two times in three.
func broken(r *rand.Rand) bool { return r.IntN(25) == 0 }

// choose picks from good, or, when the choice is broken, from bad.
func choose[T any](r *rand.Rand, good, bad []T) T {
	if broken(r) {
		return pick(r, bad)
	}
	return pick(r, good)
}

func rawJSON(v any) apiextensionsv1.JSON {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the generators build only marshalable values
	}
	return apiextensionsv1.JSON{Raw: b}
}

// Step Functions.

var (
	// taskResources are Task Resource forms: optimized integrations in their
	// three patterns (request-response, .sync and .sync:2,
	// .waitForTaskToken), AWS SDK integrations, Lambda and activity ARNs,
	// and the operator's references to the stack's functions.
	taskResources = []string{
		"arn:aws:states:::lambda:invoke", "arn:aws:states:::lambda:invoke.waitForTaskToken",
		"arn:aws:states:::sqs:sendMessage", "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"arn:aws:states:::sns:publish", "arn:aws:states:::sns:publish.waitForTaskToken",
		"arn:aws:states:::dynamodb:getItem", "arn:aws:states:::dynamodb:putItem", "arn:aws:states:::dynamodb:updateItem",
		"arn:aws:states:::states:startExecution", "arn:aws:states:::states:startExecution.sync",
		"arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::states:startExecution.waitForTaskToken",
		"arn:aws:states:::ecs:runTask.sync", "arn:aws:states:::glue:startJobRun.sync", "arn:aws:states:::batch:submitJob.sync",
		"arn:aws:states:::events:putEvents", "arn:aws:states:::events:putEvents.waitForTaskToken",
		"arn:aws:states:::http:invoke", "arn:aws:states:::bedrock:invokeModel",
		"arn:aws:states:::aws-sdk:dynamodb:getItem", "arn:aws:states:::aws-sdk:s3:listObjectsV2",
		"arn:aws:states:::aws-sdk:sfn:describeExecution", "arn:aws:states:::aws-sdk:lambda:listFunctions",
		"arn:aws:lambda:us-east-1:123456789012:function:orders", "arn:aws:lambda:us-east-1:123456789012:function:orders:live",
		"arn:aws:states:us-east-1:123456789012:activity:approve",
		"${function:event-order-processor}", "${function:event-order-processor.arn}", "${function:event-inventory-processor}",
	}
	// badTaskResources are forms AWS does not have or the stack cannot resolve.
	badTaskResources = []string{
		"arn:aws:states:::lambda:invoke.sync", "arn:aws:states:::sqs:sendMessage.sync:3", "arn:aws:states:::nosuchservice:doIt",
		"arn:aws:states:::aws-sdk:s3:getObject.sync", "arn:aws:states:::aws-sdk:ec2:describeInstances.waitForTaskToken",
		"arn:aws-cn:states:::lambda:invoke", "arn:aws:states:::", "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST",
		"${function:no-such-function}", "${workflow:event-driven-workflow}", "${queue:order-queue.url}",
		"${table:event-driven-orders}", "${function:event-order-processor", "not-an-arn", "",
	}

	// paths are the values of a ".$" field: JSONPath on the input and the
	// context object, and intrinsic functions.
	paths = []string{
		"$", "$.detail", "$.detail.order_id", "$.items[0]", "$.items[*].id", "$..price", "$.a[?(@.b > 1)]", "$['odd key']",
		"$$.Execution.Id", "$$.Task.Token", "$$.State.EnteredTime",
		"States.Format('order {} of {}', $.id, $.customer)", "States.JsonToString($.detail)", "States.StringToJson($.s)",
		"States.Array($.a, 1, 'x')", "States.ArrayPartition($.items, 2)", "States.ArrayContains($.items, $.id)",
		"States.ArrayRange(1, 9, 2)", "States.ArrayGetItem($.items, 0)", "States.ArrayLength($.items)",
		"States.ArrayUnique($.items)", "States.Base64Encode($.s)", "States.Base64Decode($.s)", "States.Hash($.s, 'SHA-256')",
		"States.JsonMerge($.a, $.b, false)", "States.MathRandom(1, 99)", "States.MathAdd($.n, -1)",
		"States.StringSplit($.csv, ',')", "States.UUID()", "States.Format('{}', States.UUID())",
	}
	badPaths = []string{"States.Nope($.a)", "States.Format(", "States.Format('{}' $.a)", "$.", "$[", "detail.id", "",
		"States.MathAdd($.n)", "States.Hash($.s, 'MD4')", "${table:event-driven-orders}"}
	// referencePaths are plain JSONPaths, for the fields that take no
	// intrinsic function (InputPath, a Choice rule's Variable).
	referencePaths = []string{"$", "$.detail", "$.detail.order_id", "$.items[0]", "$$.Execution.Input"}

	// expressions are JSONata expressions, {% ... %}.
	expressions = []any{
		"{% $states.input %}", "{% $states.input.detail.order_id %}", "{% $states.context.Execution.Id %}",
		"{% $states.context.Task.Token %}", "{% $uppercase($states.input.name) %}", "{% $count($states.input.items) > 2 %}",
		"{% $sum($states.input.items.price) %}", "{% $partition($states.input.items, 2) %}",
		"{% $uuid() %}", "{% $random() %}", "{% $parse($states.input.s) %}", "{% $hash($states.input.s, 'SHA-256') %}",
		"{% $states.input.a & '-' & $states.input.b %}",
	}
	// jsonataExprs are values of JSONata fields: expressions and plain JSON values.
	jsonataExprs    = append([]any{"plain", 42, true}, expressions...)
	badJSONataExprs = []any{"{% %}", "{% $states.input. %}", "{% unclosed", "{% $x ", "{% $states.input.a + %}"}
	// conditions are JSONata Choice conditions.
	conditions = []any{"{% $states.input.n > 2 %}", "{% $exists($states.input.id) %}", "{% $states.input.kind = 'order' %}", true}
)

// stateCounter names states uniquely across a definition's nested machines.
type stateCounter struct{ n int }

func (c *stateCounter) next() string { c.n++; return fmt.Sprintf("S%d", c.n) }

// aslDefinition is a random state machine: a chain of states (Task, Pass,
// Wait, Choice, Parallel, Map), in JSONPath or JSONata (a JSONPath machine
// may hold JSONata states), nested up to two levels.
func aslDefinition(r *rand.Rand) string {
	jsonata := r.IntN(3) == 0
	doc := machine(r, jsonata, &stateCounter{}, 0)
	switch {
	case jsonata:
		doc["QueryLanguage"] = "JSONata"
	case r.IntN(4) == 0:
		doc["QueryLanguage"] = choose(r, []string{"JSONPath"}, []string{"jsonata", "XPath"})
	}
	if r.IntN(8) == 0 {
		doc["TimeoutSeconds"] = choose(r, []any{1, 300, 99999999}, []any{0, "60", 100000000})
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func machine(r *rand.Rand, jsonata bool, names *stateCounter, depth int) map[string]any {
	n := 1 + r.IntN(4)
	order := make([]string, n)
	for i := range order {
		order[i] = names.next()
	}
	states := map[string]any{}
	for i, name := range order {
		last := i == n-1
		st := state(r, jsonata, names, depth, last)
		switch {
		case st["Type"] == "Choice":
			var target string
			if !last {
				target = order[i+1]
			} else {
				target = names.next()
				states[target] = map[string]any{"Type": "Succeed"}
			}
			for _, c := range st["Choices"].([]any) {
				c.(map[string]any)["Next"] = target
			}
			st["Default"] = target
		case st["Type"] == "Succeed" || st["Type"] == "Fail":
		case last:
			st["End"] = true
		default:
			st["Next"] = order[i+1]
		}
		if broken(r) { // a dangling transition, or both Next and End
			st["Next"] = "NoSuchState"
		}
		states[name] = st
	}
	return map[string]any{"StartAt": order[0], "States": states}
}

func state(r *rand.Rand, jsonata bool, names *stateCounter, depth int, last bool) map[string]any {
	kinds := []string{"Task", "Task", "Task", "Pass", "Wait", "Choice", "Parallel", "Map"}
	if depth >= 2 {
		kinds = kinds[:5]
	}
	if last {
		kinds = append(kinds, "Succeed", "Fail")
	}
	st := map[string]any{"Type": pick(r, kinds)}
	ql := jsonata
	switch {
	case !jsonata && r.IntN(8) == 0: // a JSONata state in a JSONPath machine
		ql = true
		st["QueryLanguage"] = "JSONata"
	case jsonata && broken(r): // AWS refuses a JSONPath state in a JSONata machine
		ql = false
		st["QueryLanguage"] = "JSONPath"
	}
	switch st["Type"] {
	case "Task":
		st["Resource"] = choose(r, taskResources, badTaskResources)
		if ql {
			if r.IntN(5) == 0 {
				st["Arguments"] = choose(r, expressions, badJSONataExprs)
			} else {
				st["Arguments"] = arguments(r, true)
			}
			if r.IntN(3) == 0 {
				st["Output"] = choose(r, jsonataExprs, badJSONataExprs)
			}
			if r.IntN(3) == 0 {
				st["Assign"] = map[string]any{"orderId": choose(r, jsonataExprs, badJSONataExprs), "count": 1}
			}
			if r.IntN(4) == 0 {
				st["TimeoutSeconds"] = choose(r, []any{"{% $states.input.timeout %}", 30}, []any{0, "30"})
			}
		} else {
			st["Parameters"] = arguments(r, false)
			for _, k := range []string{"InputPath", "OutputPath"} {
				if r.IntN(4) == 0 {
					st[k] = choose(r, referencePaths, []string{"detail", "$.", "States.UUID()"})
				}
			}
			if r.IntN(4) == 0 {
				st["ResultPath"] = choose(r, []any{"$.result", "$", nil}, []any{"result", 5})
			}
			if r.IntN(4) == 0 {
				st["ResultSelector"] = map[string]any{"value.$": choose(r, paths, badPaths), "fixed": "x"}
			}
		}
		if broken(r) { // a field of the other query language
			if ql {
				st["Parameters"] = map[string]any{"x.$": "$.a"}
			} else {
				st["Arguments"] = map[string]any{"x": "{% $states.input %}"}
			}
		}
		if r.IntN(4) == 0 {
			st["TimeoutSeconds"], st["HeartbeatSeconds"] = 60, choose(r, []any{30, 59}, []any{60, 90})
		}
		if r.IntN(3) == 0 {
			st["Retry"] = []any{map[string]any{
				"ErrorEquals":    []any{pick(r, []string{"States.ALL", "States.TaskFailed", "Lambda.ServiceException", "States.Timeout"})},
				"MaxAttempts":    choose(r, []any{0, 3, 99999999}, []any{-1, 1.5}),
				"BackoffRate":    choose(r, []any{1, 2.5}, []any{0.5, "2"}),
				"JitterStrategy": choose(r, []string{"FULL", "NONE"}, []string{"SOME"})}}
		}
	case "Pass":
		if ql {
			st["Output"] = choose(r, jsonataExprs, badJSONataExprs)
		} else {
			st["Parameters"] = arguments(r, false)
			st["ResultPath"] = pick(r, []any{"$.passed", nil})
		}
	case "Wait":
		switch r.IntN(4) {
		case 0:
			st["Seconds"] = choose(r, []any{0, 5, 99999999}, []any{100000000, -1, 1.5})
		case 1:
			st["Timestamp"] = choose(r, []string{"2026-12-01T00:00:00Z", "2026-12-01T00:00:00.250+01:00"}, []string{"2026-12-01 00:00:00", "2026-12-01t00:00:00z"})
		case 2:
			if ql {
				st["Seconds"] = choose(r, []any{"{% $states.input.delay %}", 10}, badJSONataExprs)
			} else {
				st["SecondsPath"] = choose(r, referencePaths, []string{"delay", ""})
			}
		default:
			if ql {
				st["Timestamp"] = "{% $states.input.at %}"
			} else {
				st["TimestampPath"] = choose(r, referencePaths, []string{"at"})
			}
		}
	case "Choice":
		var rule map[string]any
		if ql {
			rule = map[string]any{"Condition": choose(r, conditions, badJSONataExprs)}
		} else {
			rules := []map[string]any{
				{"Variable": pick(r, referencePaths), "StringEquals": "x"},
				{"Variable": pick(r, referencePaths), "NumericGreaterThan": 5},
				{"Variable": pick(r, referencePaths), "IsPresent": true},
				{"Variable": pick(r, referencePaths), "StringMatches": "a*b"},
				{"Variable": pick(r, referencePaths), "NumericEqualsPath": "$.other"},
				{"Not": map[string]any{"Variable": "$.x", "IsNull": true}},
				{"And": []any{map[string]any{"Variable": "$.a", "BooleanEquals": true}, map[string]any{"Variable": "$.b", "StringEquals": "x"}}},
			}
			bad := []map[string]any{{"Variable": "$.a", "Nope": 1}, {"Variable": "$.a", "StringEquals": 5}, {"Variable": "a", "IsNull": true}}
			rule = choose(r, rules, bad)
		}
		st["Choices"] = []any{rule}
	case "Parallel":
		branches := []any{}
		for i := 0; i < 1+r.IntN(2); i++ {
			branches = append(branches, machine(r, jsonata, names, depth+1))
		}
		st["Branches"] = branches
	case "Map":
		m := machine(r, jsonata, names, depth+1)
		m["ProcessorConfig"] = map[string]any{"Mode": choose(r, []string{"INLINE", "DISTRIBUTED"}, []string{"inline"}),
			"ExecutionType": pick(r, []string{"STANDARD", "EXPRESS"})}
		st["ItemProcessor"] = m
		if ql {
			st["Items"] = choose(r, []any{"{% $states.input.items %}", []any{1, 2}}, []any{"$.items", 5})
		} else {
			st["ItemsPath"] = choose(r, referencePaths, []string{"items"})
		}
		st["MaxConcurrency"] = choose(r, []any{0, 10}, []any{-1})
		if r.IntN(4) == 0 {
			reader := map[string]any{
				"Resource": choose(r, []string{"arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2"}, []string{"nope"})}
			reader[map[bool]string{false: "Parameters", true: "Arguments"}[ql]] = map[string]any{"Bucket": "b", "Key": "k"}
			st["ItemReader"] = reader
		}
	case "Fail":
		st["Error"], st["Cause"] = "OrderFailed", "fuzzed"
	}
	return st
}

// arguments are a Task's Parameters (JSONPath: fields, some ending in .$)
// or Arguments (JSONata), with the stack's references among the values.
func arguments(r *rand.Rand, jsonata bool) map[string]any {
	refs := []string{"${function:event-order-processor}", "${topic:event-notifications}", "${queue:order-queue.url}",
		"${table:event-driven-orders}", "${workflow:event-driven-workflow.arn}", "plain"}
	keys := []string{"FunctionName", "TopicArn", "QueueUrl", "TableName", "StateMachineArn", "Payload", "Message", "MessageBody", "TaskToken", "Key"}
	out := map[string]any{}
	for i := 0; i < 1+r.IntN(4); i++ {
		k := pick(r, keys)
		switch {
		case jsonata && r.IntN(2) == 0:
			out[k] = choose(r, jsonataExprs, badJSONataExprs)
		case !jsonata && r.IntN(2) == 0:
			out[k+".$"] = choose(r, paths, badPaths)
		case jsonata && r.IntN(3) == 0:
			out[k] = map[string]any{"nested": choose(r, jsonataExprs, badJSONataExprs), "n": 1}
		case !jsonata && r.IntN(3) == 0:
			out[k] = map[string]any{"nested.$": choose(r, paths, badPaths), "n": 1}
		default:
			out[k] = choose(r, refs, []string{"${table:nope}", "${function:x"})
		}
	}
	return out
}

// EventBridge.

var (
	patternTop    = []string{"source", "detail-type", "account", "region", "time", "resources", "id", "version"}
	patternDetail = []string{"state", "price", "ip", "name", "items", "tags", "ok", "c-count", "x.y", ""}

	// patternFilters are content filters of EventBridge's "Content filtering"
	// page: prefix and suffix (with equals-ignore-case), equals-ignore-case,
	// wildcard, anything-but (of values, prefix, suffix, wildcard,
	// equals-ignore-case), numeric, cidr (IPv4 and IPv6), exists; and
	// literals.
	patternFilters = []any{
		"orders", "Order Created", 42, 0, 1.5, -3, true, false, nil, "",
		map[string]any{"prefix": "ord"}, map[string]any{"prefix": map[string]any{"equals-ignore-case": "ORD"}},
		map[string]any{"suffix": ".png"}, map[string]any{"suffix": map[string]any{"equals-ignore-case": ".PNG"}},
		map[string]any{"equals-ignore-case": "Orders"},
		map[string]any{"wildcard": "ord*"}, map[string]any{"wildcard": "a*b*c"}, map[string]any{"wildcard": `a\*b`},
		map[string]any{"anything-but": "x"}, map[string]any{"anything-but": []any{"a", "b"}}, map[string]any{"anything-but": []any{1, 2}},
		map[string]any{"anything-but": map[string]any{"prefix": "x"}}, map[string]any{"anything-but": map[string]any{"suffix": "x"}},
		map[string]any{"anything-but": map[string]any{"wildcard": "x*"}},
		map[string]any{"anything-but": map[string]any{"equals-ignore-case": []any{"a", "B"}}},
		map[string]any{"numeric": []any{">", 0}}, map[string]any{"numeric": []any{">", 0, "<=", 5}}, map[string]any{"numeric": []any{"=", 3.5}},
		map[string]any{"cidr": "10.0.0.0/8"}, map[string]any{"cidr": "2001:db8::/32"},
		map[string]any{"exists": true}, map[string]any{"exists": false},
	}
	badPatternFilters = []any{
		[]any{"nested"}, map[string]any{}, 5.1e9, map[string]any{"prefix": 5}, map[string]any{"prefix": []any{"a"}},
		map[string]any{"suffix": nil}, map[string]any{"equals-ignore-case": 5}, map[string]any{"wildcard": "a**b"},
		map[string]any{"wildcard": 7}, map[string]any{"anything-but": []any{"a", 1}}, map[string]any{"anything-but": []any{}},
		map[string]any{"anything-but": map[string]any{"numeric": []any{">", 1}}}, map[string]any{"numeric": []any{">", 5, "<", 1}},
		map[string]any{"numeric": []any{"<", "x"}}, map[string]any{"numeric": []any{">", 1e10}}, map[string]any{"numeric": []any{">=", 0, ">", 1}},
		map[string]any{"numeric": "> 0"}, map[string]any{"cidr": "10.0.0.0/33"}, map[string]any{"cidr": "not-ip"},
		map[string]any{"exists": "yes"}, map[string]any{"regex": "x"}, map[string]any{"prefix": "a", "suffix": "b"},
	}
)

// eventPattern is a random pattern object: event fields with value arrays,
// detail nested up to four levels, and $or of two or three branches.
func eventPattern(r *rand.Rand, depth int) map[string]any {
	out := map[string]any{}
	keys := patternTop
	if depth > 0 {
		keys = patternDetail
	}
	for i := 0; i < 1+r.IntN(3); i++ {
		k := pick(r, keys)
		switch {
		case depth < 3 && r.IntN(8) == 0:
			n := 2 + r.IntN(2)
			if broken(r) {
				n = r.IntN(2)
			}
			var branches []any
			for j := 0; j < n; j++ {
				branches = append(branches, eventPattern(r, depth+1))
			}
			out["$or"] = branches
		case depth > 0 && depth < 4 && r.IntN(4) == 0:
			out[k] = eventPattern(r, depth+1)
		default:
			out[k] = values(r, patternFilters, badPatternFilters, 4)
		}
	}
	if depth == 0 && r.IntN(2) == 0 {
		out["detail"] = eventPattern(r, 1)
	}
	if broken(r) {
		out["scalar"] = "not an array"
	}
	return out
}

// values is a value array of 1 to most elements (none when broken).
func values(r *rand.Rand, good, bad []any, most int) []any {
	out := []any{}
	if broken(r) {
		return out
	}
	for i := 0; i < 1+r.IntN(most); i++ {
		out = append(out, choose(r, good, bad))
	}
	return out
}

// SNS.

var (
	// policyFilters are SNS's filter policy matchers: exact values,
	// prefix, suffix, anything-but (of values, prefix, suffix), numeric,
	// cidr, exists, equals-ignore-case.
	policyFilters = []any{
		"order_placed", "order_cancelled", "eu", 100, 1.5e9, true,
		map[string]any{"prefix": "ord"}, map[string]any{"suffix": "-eu"},
		map[string]any{"anything-but": "x"}, map[string]any{"anything-but": []any{"a", "b"}}, map[string]any{"anything-but": []any{1, 2}},
		map[string]any{"anything-but": map[string]any{"prefix": "x"}}, map[string]any{"anything-but": map[string]any{"suffix": "x"}},
		map[string]any{"numeric": []any{">", 0}}, map[string]any{"numeric": []any{">", 0, "<=", 150}}, map[string]any{"numeric": []any{"=", 3}},
		map[string]any{"cidr": "10.0.0.0/24"}, map[string]any{"cidr": "2001:db8::/32"},
		map[string]any{"exists": true}, map[string]any{"exists": false}, map[string]any{"equals-ignore-case": "Order"},
	}
	badPolicyFilters = []any{
		nil, []any{"nested"}, map[string]any{"prefix": 5}, map[string]any{"suffix": 5}, map[string]any{"anything-but": []any{}},
		map[string]any{"numeric": []any{">", 5, "<", 1}}, map[string]any{"numeric": []any{"<", "x"}}, map[string]any{"numeric": []any{">", 1e10}},
		map[string]any{"cidr": "10.0.0.0/33"}, map[string]any{"cidr": "nope"}, map[string]any{"exists": "yes"},
		map[string]any{"equals-ignore-case": 5}, map[string]any{"wildcard": "a*"}, map[string]any{"prefix": "a", "suffix": "b"},
	}
	policyKeys = []string{"event_type", "store", "price_usd", "region", "customer", "source_ip", "priority", "flag"}
)

// filterPolicy is a random policy: attribute keys with value arrays,
// nested objects where the scope is MessageBody (and, broken, where it is
// not), $or of two or three branches, and, broken, more keys or
// combinations than SNS takes.
func filterPolicy(r *rand.Rand, body bool, depth int) map[string]any {
	out := map[string]any{}
	keys, most := 1+r.IntN(3), 3
	if broken(r) {
		keys, most = 6+r.IntN(2), 8
	}
	for i := 0; i < keys; i++ {
		k := pick(r, policyKeys)
		switch {
		case depth < 2 && r.IntN(8) == 0:
			n := 2 + r.IntN(2)
			if broken(r) {
				n = r.IntN(2)
			}
			var branches []any
			for j := 0; j < n; j++ {
				branches = append(branches, filterPolicy(r, body, depth+1))
			}
			out["$or"] = branches
		case depth < 3 && r.IntN(4) == 0 && (body || broken(r)):
			out[k] = filterPolicy(r, body, depth+1)
		default:
			out[k] = values(r, policyFilters, badPolicyFilters, most)
		}
	}
	return out
}

// setFilterPolicyScope sets a subscription's filterPolicyScope when the API
// has the field, and reports whether it does: the fuzz then covers both
// scopes as soon as the field exists, without waiting for this file to name
// it.
func setFilterPolicyScope(sub *v1alpha1.Subscription, scope string) bool {
	f := reflect.ValueOf(sub).Elem().FieldByName("FilterPolicyScope")
	switch {
	case !f.IsValid() || !f.CanSet():
		return false
	case f.Kind() == reflect.String:
		f.SetString(scope)
	case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String:
		if scope != "" {
			v := reflect.New(f.Type().Elem())
			v.Elem().SetString(scope)
			f.Set(v)
		}
	default:
		return false
	}
	return true
}

// Lambda.

// accounts are the accounts of role ARNs and images; the first is the one
// predict builds the children in and the mapped namespace is mapped to.
var accounts = []string{mappedAccount, mappedAccount, "111122223333", "444455556666"}

// imageURI is an image reference: an ECR private registry of the stack's
// region (and, broken, another region, FIPS, the other partition's domain,
// Docker Hub, ECR Public, a misspelt host), a repository (nested, at ECR's
// limits; broken, each kind of mistake), and a tag or a digest (broken:
// both, a bad one, an empty tag).
func imageURI(r *rand.Rand, region string) string {
	account := pick(r, accounts)
	domain, other := "amazonaws.com", "amazonaws.com.cn"
	if strings.HasPrefix(region, "cn-") {
		domain, other = other, domain
	}
	host := choose(r, []string{account + ".dkr.ecr." + region + "." + domain}, []string{
		account + ".dkr.ecr.eu-west-1." + domain, account + ".dkr.ecr-fips." + region + "." + domain,
		account + ".dkr.ecr." + region + "." + other, "docker.io", "public.ecr.aws",
		account + ".dkr.ecr." + region + ".amazonaws.co", "dkr.ecr." + region + "." + domain})
	repo := choose(r, []string{"orders", "team-a/orders", "team-a/payments.v2/orders_api/x9", "or", strings.Repeat("r", 180)},
		[]string{"Orders", "orders__api", "team/-orders", "orders_", "team//orders", "/orders", "orders+api", "o", ""})
	ref := choose(r, []string{":1", ":v1.2_rc-3", ":latest", "@sha256:" + strings.Repeat("ab", 32), ""},
		[]string{":", "@sha256:abc", ":1@sha256:" + strings.Repeat("ab", 32), "@sha512:" + strings.Repeat("a", 128)})
	return host + "/" + repo + ref
}

// roleARN is a role of the region's partition (broken: another, or a name
// IAM refuses) in one of the accounts.
func roleARN(r *rand.Rand, region string) string {
	partition := "aws"
	if strings.HasPrefix(region, "cn-") {
		partition = "aws-cn"
	}
	return "arn:" + choose(r, []string{partition}, []string{"aws-us-gov"}) + ":iam::" + pick(r, accounts) + ":role/" +
		choose(r, []string{"orders", "service-role/orders-exec", "team-a-orders"}, []string{"with space"})
}

var grammarMutators = []mutator{
	{"asl", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		w := &s.Workflows[0]
		w.Definition = aslDefinition(r)
		if r.IntN(4) == 0 {
			w.Type = "EXPRESS"
		}
	}},
	{"asl workflow", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		w := v1alpha1.Workflow{Name: "fuzz-flow", Type: "STANDARD", Definition: aslDefinition(r)}
		if r.IntN(4) == 0 {
			w.Type = "EXPRESS"
		}
		s.Workflows = append(s.Workflows, w)
	}},
	{"event pattern", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Rules) == 0 {
			return
		}
		s.Rules[r.IntN(len(s.Rules))].EventPattern = ptr.To(rawJSON(eventPattern(r, 0)))
	}},
	{"filter policy", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Topics) == 0 || len(s.Queues) == 0 {
			return
		}
		sub := v1alpha1.Subscription{Protocol: "sqs", Queue: s.Queues[r.IntN(len(s.Queues))].Name}
		if r.IntN(3) == 0 {
			sub = v1alpha1.Subscription{Protocol: "https", Endpoint: "https://hooks.example.com/orders"}
		}
		scope := pick(r, []string{"MessageAttributes", "MessageBody", ""})
		body := setFilterPolicyScope(&sub, scope) && scope == "MessageBody"
		policy := rawJSON(filterPolicy(r, body, 0))
		sub.FilterPolicy = &policy
		s.Topics[0].Subscriptions = append(s.Topics[0].Subscriptions, sub)
	}},
	{"image uri", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Functions) == 0 {
			return
		}
		f := &s.Functions[r.IntN(len(s.Functions))]
		f.Code = v1alpha1.FunctionCode{ImageURI: imageURI(r, s.Region)}
	}},
	{"role arn", func(r *rand.Rand, s *v1alpha1.EventDrivenStackSpec) {
		if len(s.Functions) == 0 {
			return
		}
		s.Functions[r.IntN(len(s.Functions))].RoleARN = roleARN(r, s.Region)
		if r.IntN(3) == 0 {
			s.Adoption = &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdoptOrCreate, AccountID: pick(r, accounts)}
		}
	}},
}
