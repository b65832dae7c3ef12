package asl

import (
	"fmt"
	"strings"
	"testing"
)

// task wraps one Task state with that Resource (and extra fields) in a
// definition.
func oneTask(resource string, extra string) string {
	if extra != "" {
		extra = "," + extra
	}
	return fmt.Sprintf(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":%q%s,"End":true}}}`, resource, extra)
}

// refusal is a definition Check must refuse with a problem at path whose
// message holds every one of words.
type refusal struct {
	name, definition, path string
	words                  []string
}

func (tc refusal) run(t *testing.T) {
	t.Helper()
	t.Run(tc.name, func(t *testing.T) {
		problems := Check(tc.definition)
		for _, p := range problems {
			if p.Path != tc.path {
				continue
			}
			missing := false
			for _, w := range tc.words {
				if !strings.Contains(p.Message, w) {
					missing = true
				}
			}
			if !missing {
				return
			}
		}
		t.Errorf("want a problem at %s saying %q, got:\n%s", tc.path, tc.words, list(problems))
	})
}

func mustAccept(t *testing.T, name, definition string) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		if problems := Check(definition); problems != nil {
			t.Errorf("refused:\n%s", list(problems))
		}
	})
}

// A Task's Resource is what Step Functions runs: an optimized integration
// with a pattern it offers ("Integrating optimized services"), an AWS SDK
// integration (Request Response or .waitForTaskToken), a Lambda function ARN
// or an activity ARN ("Task workflow state"). A reference there must resolve
// to a function's ARN.
func TestTaskResourceRefused(t *testing.T) {
	const r = "$.States.T.Resource"
	for _, tc := range []refusal{
		{"a table's reference is its name", oneTask("${table:orders}", ""), r, []string{"table's name", "not an ARN", "dynamodb:putItem", "TableName"}},
		{"a table's ARN is not run", oneTask("${table:orders.arn}", ""), r, []string{"table's ARN", "nothing a Task runs"}},
		{"a queue's reference is its URL", oneTask("${queue:jobs}", ""), r, []string{"queue's URL", "sqs:sendMessage", "QueueUrl"}},
		{"a queue's ARN is not run", oneTask("${queue:jobs.arn}", ""), r, []string{"queue's ARN", "sqs:sendMessage"}},
		{"a topic's reference is its ARN", oneTask("${topic:alerts}", ""), r, []string{"topic's ARN", "sns:publish", "TopicArn"}},
		{"a workflow is started, not run", oneTask("${workflow:child}", ""), r, []string{"workflow's ARN", "states:startExecution", "StateMachineArn"}},
		{"an event bus's reference is its name", oneTask("${eventBus:bus}", ""), r, []string{"event bus's name", "events:putEvents"}},
		{"a function's name is not its ARN", oneTask("${function:f.name}", ""), r, []string{"function's name", "not its ARN", "${function:f}"}},
		{"a reference inside a longer Resource", oneTask("arn:aws:lambda:us-east-1:123456789012:function:${function:f.name}", ""), r, []string{"exactly one reference"}},
		{"a malformed reference", oneTask("${lambda:f}", ""), r, []string{"unknown kind"}},
		{"an API action without an optimized integration", oneTask("arn:aws:states:::dynamodb:scan", ""), r,
			[]string{"dynamodb:scan is not an optimized integration", "deleteItem, getItem, putItem, updateItem", "arn:aws:states:::aws-sdk:dynamodb:scan"}},
		{"an unknown service", oneTask("arn:aws:states:::kinesis:putRecord", ""), r, []string{"no optimized integration", "aws-sdk:kinesis:putRecord"}},
		{"Lambda invoke has no .sync", oneTask("arn:aws:states:::lambda:invoke.sync", ""), r, []string{"lambda:invoke does not support the .sync (Run a Job) integration pattern", "Request Response, .waitForTaskToken"}},
		{"SNS publish has no .sync", oneTask("arn:aws:states:::sns:publish.sync", ""), r, []string{".sync (Run a Job)"}},
		{"DynamoDB has no callback", oneTask("arn:aws:states:::dynamodb:putItem.waitForTaskToken", ""), r, []string{"dynamodb:putItem does not support the .waitForTaskToken", "supports Request Response"}},
		{"Glue has no callback", oneTask("arn:aws:states:::glue:startJobRun.waitForTaskToken", ""), r, []string{".waitForTaskToken (Wait for Callback)"}},
		{".sync:2 is Step Functions' only", oneTask("arn:aws:states:::batch:submitJob.sync:2", ""), r, []string{".sync:2"}},
		{"a SageMaker action without .sync", oneTask("arn:aws:states:::sagemaker:createModel.sync", ""), r, []string{"sagemaker:createModel does not support the .sync"}},
		{"Athena's stop has no .sync", oneTask("arn:aws:states:::athena:stopQueryExecution.sync", ""), r, []string{"does not support the .sync"}},
		{"the HTTP Task is Request Response", oneTask("arn:aws:states:::http:invoke.waitForTaskToken", ""), r, []string{"http:invoke does not support"}},
		{"an unknown pattern suffix", oneTask("arn:aws:states:::lambda:invoke.waitForTaskTokens", ""), r, []string{"unknown integration pattern", ".waitForTaskTokens"}},
		{"AWS SDK integrations have no .sync", oneTask("arn:aws:states:::aws-sdk:s3:listBuckets.sync", ""), r, []string{"AWS SDK integrations support Request Response and .waitForTaskToken"}},
		{"an AWS SDK action is camelCase", oneTask("arn:aws:states:::aws-sdk:s3:ListBuckets", ""), r, []string{"not an AWS SDK integration", "camelCase"}},
		{"an AWS SDK integration without an action", oneTask("arn:aws:states:::aws-sdk:s3", ""), r, []string{"not an AWS SDK integration"}},
		{"an ItemReader's resource in a Task", oneTask("arn:aws:states:::s3:getObject", ""), r, []string{"ItemReader", "aws-sdk:s3:getObject"}},
		{"a Lambda ARN takes no callback", oneTask("arn:aws:lambda:us-east-1:123456789012:function:f.waitForTaskToken", ""), r, []string{"takes no .waitForTaskToken", "lambda:invoke.waitForTaskToken"}},
		{"a Lambda ARN with two qualifiers", oneTask("arn:aws:lambda:us-east-1:123456789012:function:f:1:2", ""), r, []string{"not a Resource a Task can run"}},
		{"a Lambda ARN without an account", oneTask("arn:aws:lambda:us-east-1::function:f", ""), r, []string{"not a Resource a Task can run"}},
		{"a queue's ARN", oneTask("arn:aws:sqs:us-east-1:123456789012:jobs", ""), r, []string{"not a Resource a Task can run"}},
		{"a state machine's ARN", oneTask("arn:aws:states:us-east-1:123456789012:stateMachine:child", ""), r, []string{"not a Resource a Task can run", "activity"}},
		{"a Resource that is no string", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":7,"End":true}}}`, r, []string{"must be an ARN string"}},
		{"a Distributed Map reading with putObject", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:putObject"},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}}}`,
			"$.States.M.ItemReader.Resource", []string{"arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2"}},
		{"a Distributed Map writing with getObject", `{"StartAt":"M","States":{"M":{"Type":"Map","ResultWriter":{"Resource":"arn:aws:states:::s3:getObject"},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}}}`,
			"$.States.M.ResultWriter.Resource", []string{"arn:aws:states:::s3:putObject"}},
	} {
		tc.run(t)
	}
}

func TestTaskResourceAccepted(t *testing.T) {
	// Every optimized integration with every pattern it offers, in any
	// partition.
	for _, in := range OptimizedIntegrations() {
		for _, p := range in.Patterns {
			for _, partition := range []string{"aws", "aws-cn", "aws-us-gov"} {
				arn := fmt.Sprintf("arn:%s:states:::%s:%s%s", partition, in.Service, in.Action, string(p))
				mustAccept(t, arn, oneTask(arn, ""))
			}
		}
	}
	for _, arn := range []string{
		"arn:aws:states:::aws-sdk:dynamodb:scan",
		"arn:aws:states:::aws-sdk:s3:listObjectsV2.waitForTaskToken",
		"arn:aws:states:::aws-sdk:sfn:startSyncExecution",
		"arn:aws:states:::aws-sdk:emrserverless:getApplication",
		"arn:aws:lambda:us-east-1:123456789012:function:my-function",
		"arn:aws:lambda:us-east-1:123456789012:function:my-function:live",
		"arn:aws:lambda:us-east-1:123456789012:function:my-function:7",
		"arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST",
		"arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
		"arn:aws:states:us-east-1:123456789012:activity:approve",
		"arn:aws-us-gov:states:us-gov-west-1:123456789012:activity:approve",
		"${function:f}",
		"${function:f.arn}",
	} {
		mustAccept(t, arn, oneTask(arn, ""))
	}
	mustAccept(t, "Distributed Map reading a CSV and listing objects, writing results", `{"StartAt":"A","States":{
		"A":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"ReaderConfig":{"InputType":"CSV","MaxItemsPath":"$.max"}},
		  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},
		  "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"out"}},"Next":"B"},
		"B":{"Type":"Map","ItemReader":{"Resource":"arn:aws-cn:states:::s3:listObjectsV2","Parameters":{"Bucket":"b"}},
		  "ItemBatcher":{"MaxItemsPerBatchPath":"$.n","BatchInput":{"at.$":"$$.Execution.StartTime"}},
		  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}},"End":true}}}`)
}

// Paths are JSONPath ("Using JSONPath paths"); a reference path identifies
// a single node ("Reference Paths"): ResultPath, ItemsPath, the *Path
// fields, a Choice rule's Variable and *Path operators.
func TestPathsRefused(t *testing.T) {
	pass := func(fields string) string {
		return `{"StartAt":"P","States":{"P":{"Type":"Pass",` + fields + `,"End":true}}}`
	}
	for _, tc := range []refusal{
		{"ResultPath with a wildcard", pass(`"ResultPath":"$.a[*]"`), "$.States.P.ResultPath", []string{"must be a reference path", "wildcard [*]"}},
		{"ResultPath with a deep scan", pass(`"ResultPath":"$..x"`), "$.States.P.ResultPath", []string{"reference path", "deep scan .."}},
		{"ResultPath with a slice", pass(`"ResultPath":"$.a[0:2]"`), "$.States.P.ResultPath", []string{"reference path", "slice"}},
		{"ResultPath with a filter", pass(`"ResultPath":"$.a[?(@.x > 1)]"`), "$.States.P.ResultPath", []string{"reference path", "filter"}},
		{"ResultPath with a union", pass(`"ResultPath":"$['a','b']"`), "$.States.P.ResultPath", []string{"reference path", "union"}},
		{"ResultPath with a negative index", pass(`"ResultPath":"$.a[-1]"`), "$.States.P.ResultPath", []string{"reference path", "negative index"}},
		{"ResultPath with a function", pass(`"ResultPath":"$.a.length()"`), "$.States.P.ResultPath", []string{"reference path", "length()"}},
		{"ResultPath naming a variable", pass(`"ResultPath":"$total"`), "$.States.P.ResultPath", []string{"cannot be the variable $total", "Assign"}},
		{"InputPath not closed", pass(`"InputPath":"$.a["`), "$.States.P.InputPath", []string{"not a valid JSONPath"}},
		{"InputPath with a space", pass(`"InputPath":"$.a b"`), "$.States.P.InputPath", []string{"not a valid JSONPath"}},
		{"InputPath ending in a dot", pass(`"InputPath":"$.a."`), "$.States.P.InputPath", []string{"a field name must follow ."}},
		{"OutputPath with an empty filter", pass(`"OutputPath":"$.a[?()]"`), "$.States.P.OutputPath", []string{"empty expression"}},
		{"OutputPath with an unclosed quote", pass(`"OutputPath":"$['a]"`), "$.States.P.OutputPath", []string{"not closed"}},
		{"OutputPath with a stray parenthesis", pass(`"OutputPath":"$.a)"`), "$.States.P.OutputPath", []string{"unexpected"}},
		{"a Catch ResultPath with a wildcard", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.errors[*]","Next":"F"}],"End":true},"F":{"Type":"Fail"}}}`,
			"$.States.T.Catch[0].ResultPath", []string{"reference path"}},
		{"ItemsPath with a wildcard", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.orders[*].items",
			"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}}}`, "$.States.M.ItemsPath", []string{"reference path"}},
		{"Variable with a deep scan", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$..status","StringEquals":"ok","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`,
			"$.States.C.Choices[0].Variable", []string{"reference path"}},
		{"a *Path operator with a wildcard", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEqualsPath":"$.b[*]","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`,
			"$.States.C.Choices[0].NumericEqualsPath", []string{"reference path"}},
		{"TimeoutSecondsPath with a union", oneTask("arn:aws:states:::lambda:invoke", `"TimeoutSecondsPath":"$.t[0,1]"`), "$.States.T.TimeoutSecondsPath", []string{"reference path"}},
		{"SecondsPath with a wildcard", `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.*","End":true}}}`, "$.States.W.SecondsPath", []string{"reference path", "wildcard .*"}},
		{"a Fail CausePath with a filter", `{"StartAt":"F","States":{"F":{"Type":"Fail","CausePath":"$.e[?(@.x)]"}}}`, "$.States.F.CausePath", []string{"reference path"}},
		{"an ItemBatcher path with a wildcard", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemBatcher":{"MaxItemsPerBatchPath":"$.n[*]"},
			"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}}}`, "$.States.M.ItemBatcher.MaxItemsPerBatchPath", []string{"reference path"}},
		{"a .$ field with an invalid path", pass(`"Parameters":{"a.$":"$.x["}`), "$.States.P.Parameters['a.$']", []string{"not a valid JSONPath"}},
		{"a .$ field holding a reference", pass(`"Parameters":{"FunctionName.$":"${function:f}"}`), "$.States.P.Parameters['FunctionName.$']", []string{"holds a path"}},
	} {
		tc.run(t)
	}
}

func TestPathsAccepted(t *testing.T) {
	for _, p := range []string{"$", "$$", "$.a", "$.a.b", "$['a b']", `$["a"]`, "$.a[0]", "$[0]", "$.a[0].b['c d'][12]",
		"$$.Execution.Input.x", "$$.Task.Token", "$myVar", "$myVar.x[0]", `$.a\.b`, "$.ünïcode", "$.a-b", "$.a:b", "$.a@b"} {
		mustAccept(t, "reference path "+p, `{"StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":`+jsonQuote(strings.ReplaceAll(p, "$myVar", "$.myVar"))+
			`,"InputPath":`+jsonQuote(p)+`,"Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":`+jsonQuote(p)+`,"IsPresent":true,"Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`)
	}
	for _, p := range []string{"$.a[*].b", "$..x", "$..[0]", "$..*", "$.a[?(@.price < 10)]", "$.a[?(@.name == 'x)y')]", "$.a.length()",
		"$.a[0:2]", "$.a[:2]", "$.a[1:]", "$.a[-1]", "$.a[0,1]", "$['a','b']", "$.*", "$.a[(@.length-1)]"} {
		mustAccept(t, "path "+p, `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":`+jsonQuote(p)+`,"OutputPath":`+jsonQuote(p)+
			`,"Parameters":{"x.$":`+jsonQuote(p)+`},"End":true}}}`)
	}
	mustAccept(t, "null paths", `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"ResultPath":null,"OutputPath":null,"End":true}}}`)
}

func jsonQuote(s string) string { return fmt.Sprintf("%q", s) }

// Intrinsic functions, their names and arities ("Intrinsic functions for
// JSONPath states").
func TestIntrinsicsRefused(t *testing.T) {
	param := func(v string) string {
		return `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":` + jsonQuote(v) + `},"End":true}}}`
	}
	const at = "$.States.P.Parameters['v.$']"
	for _, tc := range []refusal{
		{"unknown function", param("States.Foo($.a)"), at, []string{"States.Foo is not an intrinsic function", "States.Format"}},
		{"wrong case", param("States.format('x')"), at, []string{"not an intrinsic function"}},
		{"Format without arguments", param("States.Format()"), at, []string{"States.Format takes at least 1 argument, not 0"}},
		{"Format with too few values", param("States.Format('{} and {}', $.a)"), at, []string{"2 {} placeholders", "1 value follow"}},
		{"Format with too many values", param("States.Format('hello', $.a)"), at, []string{"0 {} placeholders", "1 value follow"}},
		{"Format with a lone brace", param("States.Format('a { b {}', $.a)"), at, []string{"escape it as \\{"}},
		{"StringToJson with two", param("States.StringToJson($.a, $.b)"), at, []string{"States.StringToJson takes exactly 1 argument, not 2"}},
		{"JsonToString with none", param("States.JsonToString()"), at, []string{"exactly 1 argument, not 0"}},
		{"ArrayRange with two", param("States.ArrayRange(1, 2)"), at, []string{"States.ArrayRange takes exactly 3 arguments, not 2"}},
		{"ArrayPartition with one", param("States.ArrayPartition($.a)"), at, []string{"exactly 2 arguments"}},
		{"ArrayContains with three", param("States.ArrayContains($.a, 1, 2)"), at, []string{"exactly 2 arguments"}},
		{"ArrayGetItem with one", param("States.ArrayGetItem($.a)"), at, []string{"exactly 2 arguments"}},
		{"ArrayLength with two", param("States.ArrayLength($.a, $.b)"), at, []string{"exactly 1 argument"}},
		{"ArrayUnique with none", param("States.ArrayUnique()"), at, []string{"exactly 1 argument"}},
		{"Base64Encode with two", param("States.Base64Encode($.a, 'x')"), at, []string{"exactly 1 argument"}},
		{"Base64Decode with none", param("States.Base64Decode()"), at, []string{"exactly 1 argument"}},
		{"Hash with one", param("States.Hash($.a)"), at, []string{"exactly 2 arguments"}},
		{"Hash with an unknown algorithm", param("States.Hash($.a, 'SHA-2')"), at, []string{"MD5, SHA-1, SHA-256, SHA-384, SHA-512"}},
		{"JsonMerge with two", param("States.JsonMerge($.a, $.b)"), at, []string{"exactly 3 arguments"}},
		{"JsonMerge deep", param("States.JsonMerge($.a, $.b, true)"), at, []string{"must be false"}},
		{"MathRandom with one", param("States.MathRandom(1)"), at, []string{"States.MathRandom takes 2 to 3 arguments, not 1"}},
		{"MathRandom with four", param("States.MathRandom(1, 2, 3, 4)"), at, []string{"2 to 3 arguments, not 4"}},
		{"MathAdd with three", param("States.MathAdd(1, 2, 3)"), at, []string{"exactly 2 arguments"}},
		{"StringSplit with one", param("States.StringSplit($.a)"), at, []string{"exactly 2 arguments"}},
		{"UUID with one", param("States.UUID($.a)"), at, []string{"States.UUID takes exactly 0 arguments, not 1"}},
		{"nested with a wrong arity", param("States.Format('{}', States.ArrayLength($.a, $.b))"), at, []string{"States.ArrayLength takes exactly 1 argument"}},
		{"not closed", param("States.Array($.a"), at, []string{"not closed"}},
		{"string not closed", param("States.Array('a)"), at, []string{"string is not closed"}},
		{"text after the call", param("States.UUID() x"), at, []string{"after the function's closing )"}},
		{"a bare word argument", param("States.Array(abc)"), at, []string{"an argument is a quoted string"}},
		{"an invalid path argument", param("States.Array($.a[)"), at, []string{"cannot start a [...] step"}},
		{"eleven deep", param(strings.Repeat("States.Array(", 11) + strings.Repeat(")", 11)), at, []string{"nest at most 10 deep"}},
		{"in ResultSelector", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","ResultSelector":{"v.$":"States.UUID(1)"},"End":true}}}`,
			"$.States.T.ResultSelector['v.$']", []string{"exactly 0 arguments"}},
		{"in Assign", `{"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"v.$":"States.MathAdd(1)"},"End":true}}}`,
			"$.States.P.Assign['v.$']", []string{"exactly 2 arguments"}},
		{"in a Fail CausePath", `{"StartAt":"F","States":{"F":{"Type":"Fail","CausePath":"States.Format('{}: {}', $.a)"}}}`,
			"$.States.F.CausePath", []string{"placeholders"}},
	} {
		tc.run(t)
	}
}

func TestIntrinsicsAccepted(t *testing.T) {
	for _, v := range []string{
		"States.Format('Hello, {}! \\{not a placeholder\\} it\\'s {}', $.name, $$.Execution.Id)",
		"States.Format($.template, $.a)",
		"States.StringToJson($.s)", "States.JsonToString($)",
		"States.Array()", "States.Array('a', 1, -2.5, true, false, null, $.x, $$.Task.Token, $var)",
		"States.ArrayPartition($.a, 4)", "States.ArrayContains($.a, $.v)", "States.ArrayRange(1, 9, 2)",
		"States.ArrayGetItem($.a, $.i)", "States.ArrayLength($.a)", "States.ArrayUnique($.a)",
		"States.Base64Encode($.s)", "States.Base64Decode($.s)", "States.Hash($.a, 'SHA-256')", "States.Hash($.a, $.algorithm)",
		"States.JsonMerge($.a, $.b, false)", "States.MathRandom(1, 999)", "States.MathRandom(1, 999, $.seed)",
		"States.MathAdd($.n, -1)", "States.StringSplit($.s, ', ')", "States.UUID()",
		"States.Format('{}', States.JsonToString(States.ArrayGetItem(States.StringSplit($.a, '/'), 2)))",
		strings.Repeat("States.Array(", 10) + strings.Repeat(")", 10),
		"States.Array( $.a , 'b' )",
	} {
		mustAccept(t, v, `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":`+jsonQuote(v)+`},"End":true}}}`)
	}
	mustAccept(t, "Fail with intrinsic ErrorPath and CausePath", `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.error","CausePath":"States.Format('failed: {}', $.why)"}}}`)
}

// JSONata states have Arguments and Output instead of the JSONPath fields,
// and no .$ field names ("Transforming data with JSONata"); their catchers
// have Output, not ResultPath ("Error handling").
func TestJSONataRefused(t *testing.T) {
	j := func(states string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"T","States":{` + states + `}}`
	}
	for _, tc := range []refusal{
		{".$ in Arguments", j(`"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"Payload.$":"$.x"},"End":true}`),
			"$.States.T.Arguments['Payload.$']", []string{"does not use .$", `"Payload"`}},
		{".$ nested in Output", j(`"T":{"Type":"Pass","Output":{"a":{"b.$":"$.x"}},"End":true}`), "$.States.T.Output.a['b.$']", []string{"does not use .$"}},
		{".$ in Assign", j(`"T":{"Type":"Pass","Assign":{"x.$":"$.x"},"End":true}`), "$.States.T.Assign['x.$']", []string{"does not use .$"}},
		{"a JSONata catcher with ResultPath", j(`"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"F"}],"End":true},"F":{"Type":"Fail"}`),
			"$.States.T.Catch[0].ResultPath", []string{"JSONPath field", "Output instead"}},
		{"a JSONPath catcher with Output", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Next":"F"}],"End":true},"F":{"Type":"Fail"}}}`,
			"$.States.T.Catch[0].Output", []string{"JSONata field", "ResultPath instead"}},
		{"a JSONata ItemReader with Parameters", j(`"T":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"}},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}`),
			"$.States.T.ItemReader.Parameters", []string{"Parameters is a JSONPath field", "takes Arguments"}},
		{"a JSONPath ResultWriter with Arguments", `{"StartAt":"T","States":{"T":{"Type":"Map","ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Arguments":{"Bucket":"b"}},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}}}`,
			"$.States.T.ResultWriter.Arguments", []string{"Arguments is a JSONata field", "takes Parameters"}},
		{"a JSONPath state in a JSONata machine", j(`"T":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}`), "$.States.T.QueryLanguage", []string{"cannot use JSONPath"}},
		{"a JSONata Choice rule's Assign with .$", j(`"T":{"Type":"Choice","Choices":[{"Condition":"{% true %}","Assign":{"a.$":"$.x"},"Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}`),
			"$.States.T.Choices[0].Assign['a.$']", []string{"does not use .$"}},
	} {
		tc.run(t)
	}
	mustAccept(t, "a JSONata catcher with Output and Assign", j(`"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"Payload":"{% $states.input %}"},
		"Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Assign":{"failed":true},"Next":"F"}],"End":true},"F":{"Type":"Fail"}`))
	mustAccept(t, "a JSONata state in a JSONPath machine", `{"StartAt":"T","States":{"T":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"a":"{% $states.input.a %}"},"End":true}}}`)
}
