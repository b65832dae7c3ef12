package localaws

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sfnValue decodes a JSON test value as the runner does.
func sfnValue(t *testing.T, s string) any {
	t.Helper()
	v, err := sfnParse(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// sameJSON compares two values by their JSON.
func sameJSON(t *testing.T, got any, want string) bool {
	t.Helper()
	var g, w any
	_ = json.Unmarshal([]byte(sfnJSON(got)), &g)
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	return cmp.Equal(g, w)
}

var sfnTestContext = map[string]any{
	"Execution": map[string]any{"Id": "arn:aws:states:us-east-1:123456789012:execution:m:e", "Name": "e", "Input": map[string]any{"a": 1}},
	"State":     map[string]any{"Name": "S", "EnteredTime": "2026-12-07T10:00:00.000Z"},
}

// Paths, as "Using JSONPath paths" and Jayway evaluate them: a reference
// path answers its node, any other path the array of its nodes.
func TestSFNPaths(t *testing.T) {
	input := `{"comment":"Example for InputPath","dataset1":{"val1":1,"val2":2,"val3":3},"dataset2":{"val1":"a","val2":"b","val3":"c"},
	 "detail-type":"Order Created","a":[{"b":1},{"b":2,"c":{"b":3}}],"big":12345678901234567890}`
	tests := []struct {
		path, want, err string
	}{
		{"$", "", ""}, // the whole input, checked below
		{"$.dataset2", `{"val1":"a","val2":"b","val3":"c"}`, ""},
		{"$.dataset1.val2", `2`, ""},
		{"$['dataset1']['val3']", `3`, ""},
		{"$.detail-type", `"Order Created"`, ""},
		{`$["detail-type"]`, `"Order Created"`, ""},
		{"$.a[1].b", `2`, ""},
		{"$.a[-1].b", `2`, ""},
		{"$.a[*].b", `[1,2]`, ""},
		{"$.a..b", `[1,2,3]`, ""},
		{"$.a[?(@.b > 1)].b", `[2]`, ""},
		{"$.a[0:1]", `[{"b":1}]`, ""},
		{"$.a[0].*", `[1]`, ""},
		{"$.a[*].missing", `[]`, ""},
		{"$.big", `12345678901234567890`, ""},
		{"$$.Execution.Id", `"arn:aws:states:us-east-1:123456789012:execution:m:e"`, ""},
		{"$$.Execution.Input.a", `1`, ""},
		{"$.missing", "", `States.Runtime: Invalid path '$.missing' : No results for path: $['missing']`},
		{"$.a[5]", "", "States.Runtime: Invalid path '$.a[5]'"},
		{"$.a.length()", "", "States.Runtime: Invalid path '$.a.length()': the path \"$.a.length()\": path functions such as length() are not simulated"},
		{"$var.x", "", "States.Runtime: Invalid path '$var.x': the path \"$var.x\" names a workflow variable"},
	}
	in := sfnValue(t, input)
	for _, tt := range tests {
		got, f := sfnSelect(tt.path, in, sfnTestContext)
		switch {
		case tt.err != "":
			if f == nil || !strings.HasPrefix(f.errorName+": "+f.cause, tt.err) {
				t.Errorf("%s: %v %v, want failure %q", tt.path, got, f, tt.err)
			}
		case f != nil:
			t.Errorf("%s: %v", tt.path, f)
		case tt.want == "":
			if !sameJSON(t, got, input) {
				t.Errorf("%s: %s", tt.path, sfnJSON(got))
			}
		case !sameJSON(t, got, tt.want) || (tt.path == "$.big" && sfnJSON(got) != tt.want):
			t.Errorf("%s: %s, want %s", tt.path, sfnJSON(got), tt.want)
		}
	}
}

// The examples of "Processing input and output in Step Functions":
// Parameters, ResultSelector, ResultPath, OutputPath.
func TestSFNInputOutputProcessing(t *testing.T) {
	// Parameters (a payload template).
	in := sfnValue(t, `{"comment":"Example for Parameters","product":{"details":{"color":"blue","size":"small","material":"cotton"},"availability":"in stock","sku":"2317","cost":"$23"}}`)
	tmpl := sfnValue(t, `{"comment":"Selecting what I care about.","MyDetails":{"size.$":"$.product.details.size","exists.$":"$.product.availability","StaticValue":"foo"},
	 "list":[{"sku.$":"$.product.sku"}],"exec.$":"$$.Execution.Name","msg.$":"States.Format('{} is {}', $.product.sku, $.product.availability)"}`)
	got, f := sfnTemplate(tmpl, in, sfnTestContext)
	if f != nil || !sameJSON(t, got, `{"comment":"Selecting what I care about.","MyDetails":{"size":"small","exists":"in stock","StaticValue":"foo"},
	 "list":[{"sku":"2317"}],"exec":"e","msg":"2317 is in stock"}`) {
		t.Errorf("Parameters: %s %v", sfnJSON(got), f)
	}
	if _, f := sfnTemplate(sfnValue(t, `{"x.$":"$.nothing"}`), in, nil); f == nil || f.errorName != "States.Runtime" {
		t.Errorf("a template path selecting nothing: %v", f)
	}
	if _, f := sfnTemplate(sfnValue(t, `{"x.$":3}`), in, nil); f == nil || f.errorName != "States.Runtime" {
		t.Errorf("a .$ field that is not a string: %v", f)
	}

	// ResultSelector on a task's result.
	result := sfnValue(t, `{"resourceType":"elasticmapreduce","resource":"createCluster.sync","output":{"SdkHttpMetadata":{"HttpStatusCode":200},"ClusterId":"AKIAIOSFODNN7EXAMPLE"}}`)
	got, f = sfnTemplate(sfnValue(t, `{"ClusterId.$":"$.output.ClusterId","ResourceType.$":"$.resourceType"}`), result, nil)
	if f != nil || !sameJSON(t, got, `{"ClusterId":"AKIAIOSFODNN7EXAMPLE","ResourceType":"elasticmapreduce"}`) {
		t.Errorf("ResultSelector: %s %v", sfnJSON(got), f)
	}

	// ResultPath.
	input := `{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions"}`
	hello := "Hello, AWS Step Functions!"
	tests := []struct {
		resultPath, input string
		result            any
		want, err         string
	}{
		{``, input, hello, `"Hello, AWS Step Functions!"`, ""},
		{`"$"`, input, hello, `"Hello, AWS Step Functions!"`, ""},
		{`null`, input, hello, input, ""},
		{`"$.taskresult"`, input, hello, `{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions","taskresult":"Hello, AWS Step Functions!"}`, ""},
		{`"$.strings.lambdaresult"`, `{"strings":{"string1":"foo","string2":"bar"}}`, hello, `{"strings":{"string1":"foo","string2":"bar","lambdaresult":"Hello, AWS Step Functions!"}}`, ""},
		{`"$.a.b.c"`, `{}`, 1, `{"a":{"b":{"c":1}}}`, ""},
		{`"$.who"`, input, map[string]any{"x": 1}, `{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":{"x":1}}`, ""},
		{`"$.list[1]"`, `{"list":[1,2]}`, "x", `{"list":[1,"x"]}`, ""},
		{`"$.who.name"`, input, 1, "", "States.ResultPathMatchFailure"},
		{`"$.x"`, `[1,2]`, 1, "", "States.ResultPathMatchFailure"},
		{`"$.a[*]"`, `{}`, 1, "", "States.ResultPathMatchFailure"},
	}
	for _, tt := range tests {
		in := sfnValue(t, tt.input)
		got, f := sfnApplyResultPath(json.RawMessage(tt.resultPath), in, tt.result)
		switch {
		case tt.err != "":
			if f == nil || f.errorName != tt.err {
				t.Errorf("ResultPath %s: %s %v, want %s", tt.resultPath, sfnJSON(got), f, tt.err)
			}
		case f != nil || !sameJSON(t, got, tt.want):
			t.Errorf("ResultPath %s: %s %v, want %s", tt.resultPath, sfnJSON(got), f, tt.want)
		}
		if !sameJSON(t, in, tt.input) {
			t.Errorf("ResultPath %s changed its input: %s", tt.resultPath, sfnJSON(in))
		}
	}

	// InputPath and OutputPath: absent is $, null is {}.
	v := sfnValue(t, `{"Payload":{"ok":true},"StatusCode":200}`)
	for raw, want := range map[string]string{``: `{"Payload":{"ok":true},"StatusCode":200}`, `null`: `{}`, `"$.Payload"`: `{"ok":true}`} {
		if got, f := sfnApplyPath(json.RawMessage(raw), v, nil); f != nil || !sameJSON(t, got, want) {
			t.Errorf("path %q: %s %v, want %s", raw, sfnJSON(got), f, want)
		}
	}
}

// The examples of "Intrinsic functions for JSONPath states", with their
// errors.
func TestSFNIntrinsics(t *testing.T) {
	input := sfnValue(t, `{"name":"Arnav","someString":"{\"number\": 20}","someJson":{"name":"Foo","year":2020},"random":{"random":"abcdefghi"},
	 "inputArray":[1,2,3,4,5,6,7,8,9],"dupArray":[1,2,3,3,3,3,3,3,4],"lookingFor":5,"index":5,"input":"Data to encode","base64":"RGF0YSB0byBlbmNvZGU=",
	 "Data":"input data","Algorithm":"SHA-1","json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3},"start":1,"end":999,
	 "value1":111,"step":-1,"inputString":"1,2,3,4,5","splitter":",","inputString2":"This.is+a,test=string","splitter2":".+,="}`)
	tests := []struct {
		expr, want, err string
	}{
		{"States.Format('Hello, my name is {}.', $.name)", `"Hello, my name is Arnav."`, ""},
		{`States.Format('{} \{literal\} {}', 1, $.someJson)`, `"1 {literal} {\"name\":\"Foo\",\"year\":2020}"`, ""},
		{`States.Format('It\'s {}', true)`, `"It's true"`, ""},
		{"States.StringToJson($.someString)", `{"number":20}`, ""},
		{"States.JsonToString($.someJson)", `"{\"name\":\"Foo\",\"year\":2020}"`, ""},
		{"States.Array('Foo', 2020, $.random, null)", `["Foo",2020,{"random":"abcdefghi"},null]`, ""},
		{"States.Array()", `[]`, ""},
		{"States.ArrayPartition($.inputArray, 4)", `[[1,2,3,4],[5,6,7,8],[9]]`, ""},
		{"States.ArrayContains($.inputArray, $.lookingFor)", `true`, ""},
		{"States.ArrayContains($.inputArray, 10)", `false`, ""},
		{"States.ArrayRange(1, 9, 2)", `[1,3,5,7,9]`, ""},
		{"States.ArrayRange(5, 1, -2)", `[5,3,1]`, ""},
		{"States.ArrayGetItem($.inputArray, $.index)", `6`, ""},
		{"States.ArrayLength($.inputArray)", `9`, ""},
		{"States.ArrayUnique($.dupArray)", `[1,2,3,4]`, ""},
		{"States.Base64Encode($.input)", `"RGF0YSB0byBlbmNvZGU="`, ""},
		{"States.Base64Decode($.base64)", `"Data to encode"`, ""},
		{"States.Hash($.Data, $.Algorithm)", `"aaff4a450a104cd177d28d18d74485e8cae074b7"`, ""},
		{"States.JsonMerge($.json1, $.json2, false)", `{"a":{"a3":1,"a4":2},"b":2,"c":3}`, ""},
		{"States.MathAdd($.value1, $.step)", `110`, ""},
		{"States.StringSplit($.inputString, $.splitter)", `["1","2","3","4","5"]`, ""},
		{"States.StringSplit($.inputString2, $.splitter2)", `["This","is","a","test","string"]`, ""},
		{"States.ArrayLength(States.ArrayPartition(States.ArrayRange(1, 10, 1), 3))", `4`, ""},
		{"States.MathRandom(1, 2)", `1`, ""},
		{"States.MathRandom(1, 1000, 7)", "", "seed"},
		{"States.JsonToString($$.State.Name)", `"\"S\""`, ""},
		// Errors.
		{"States.ArrayGetItem($.inputArray, 9)", "", "States.IntrinsicFailure"},
		{"States.ArrayPartition($.inputArray, 0)", "", "States.IntrinsicFailure"},
		{"States.ArrayRange(1, 2000, 1)", "", "States.IntrinsicFailure"},
		{"States.ArrayRange(1, 5, 0)", "", "States.IntrinsicFailure"},
		{"States.ArrayLength($.name)", "", "States.IntrinsicFailure"},
		{"States.StringToJson('not json')", "", "States.IntrinsicFailure"},
		{"States.JsonMerge($.json1, $.json2, true)", "", "States.IntrinsicFailure"},
		{"States.Format('{} and {}', 1)", "", "States.IntrinsicFailure"},
		{"States.Hash($.Data, 'SHA-3')", "", "States.IntrinsicFailure"},
		{"States.MathAdd(1.5, 1)", "", "States.IntrinsicFailure"},
		{"States.Base64Decode('%%%')", "", "States.IntrinsicFailure"},
		{"States.UUID(1)", "", "States.IntrinsicFailure"},
		{"States.Nope(1)", "", "States.IntrinsicFailure"},
		{"States.ArrayLength($.missing)", "", "States.Runtime"},
	}
	for _, tt := range tests {
		got, f := sfnIntrinsic(tt.expr, input, sfnTestContext)
		switch {
		case tt.err == "seed":
			again, _ := sfnIntrinsic(tt.expr, input, sfnTestContext)
			n, ok := sfnNumber(got)
			if f != nil || !ok || n < 1 || n >= 1000 || sfnJSON(again) != sfnJSON(got) {
				t.Errorf("%s: %v then %v (%v): a seeded random number in [1, 1000) twice", tt.expr, got, again, f)
			}
		case tt.err != "":
			if f == nil || f.errorName != tt.err {
				t.Errorf("%s: %s %v, want %s", tt.expr, sfnJSON(got), f, tt.err)
			}
		case f != nil || !sameJSON(t, got, tt.want):
			t.Errorf("%s: %s %v, want %s", tt.expr, sfnJSON(got), f, tt.want)
		}
	}
	uuid, f := sfnIntrinsic("States.UUID()", input, nil)
	if s, _ := uuid.(string); f != nil || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(s) {
		t.Errorf("States.UUID(): %v %v", uuid, f)
	}
}
