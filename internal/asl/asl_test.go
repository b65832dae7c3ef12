package asl

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// invalidCorpus maps each file of testdata/invalid to the path of the
// problem Check must report for it (it may report others too).
var invalidCorpus = map[string]string{
	"catch-next-names-no-state.json":          "$.States.A.Catch[0].Next",
	"catch-states-all-not-last.json":          "$.States.A.Catch[0].ErrorEquals",
	"choice-and-empty.json":                   "$.States.C.Choices[0].And",
	"choice-default-names-no-state.json":      "$.States.C.Default",
	"choice-rule-two-operators.json":          "$.States.C.Choices[0].NumericEquals",
	"choice-rule-without-next.json":           "$.States.Check.Choices[0]",
	"choice-with-end.json":                    "$.States.C.End",
	"choice-with-next.json":                   "$.States.C.Next",
	"duplicate-state-name-in-branches.json":   "$.States.P.Branches[1].States.Work",
	"empty-states.json":                       "$.States",
	"end-false-with-next.json":                "$.States.A.End",
	"fail-with-end.json":                      "$.States.F.End",
	"jsonata-rule-with-variable.json":         "$.States.C.Choices[0].Variable",
	"jsonata-state-with-parameters.json":      "$.States.A.Parameters",
	"map-iterator-next-out.json":              "$.States.M.Iterator.States.I.Next",
	"map-without-item-processor.json":         "$.States.M",
	"missing-startat.json":                    "$",
	"negative-timeout-seconds.json":           "$.TimeoutSeconds",
	"neither-next-nor-end.json":               "$.States.A",
	"next-names-no-state.json":                "$.States.A.Next",
	"no-terminal-state.json":                  "$.States",
	"not-json.json":                           "$",
	"parallel-next-out-of-branch.json":        "$.States.P.Branches[0].States.B1.Next",
	"parallel-without-branches.json":          "$.States.P",
	"parameters-dollar-field-not-a-path.json": "$.States.A.Parameters['Payload.$']",
	"parameters-same-field-after-strip.json":  "$.States.A.Parameters['order.$']",
	"pass-with-resource.json":                 "$.States.P.Resource",
	"pass-with-retry.json":                    "$.States.P.Retry",
	"resource-not-an-arn.json":                "$.States.A.Resource",
	"retry-negative-max-attempts.json":        "$.States.A.Retry[0].MaxAttempts",
	"retry-without-errorequals.json":          "$.States.A.Retry[0]",
	"startat-names-no-state.json":             "$.StartAt",
	"state-name-81-chars.json":                "$.States." + strings.Repeat("S", 81),
	"succeed-with-next.json":                  "$.States.Done.Next",
	"task-timeout-and-timeout-path.json":      "$.States.A.TimeoutSecondsPath",
	"task-without-resource.json":              "$.States.A",
	"unknown-query-language.json":             "$.QueryLanguage",
	"unknown-top-level-field.json":            "$.Name",
	"unknown-type.json":                       "$.States.A.Type",
	"unreachable-state.json":                  "$.States.Orphan",
	"wait-seconds-and-timestamp.json":         "$.States.W.Timestamp",
	"wait-without-duration.json":              "$.States.W",
	"resource-dynamodb-scan.json":             "$.States.Scan.Resource",
	"resource-lambda-invoke-sync.json":        "$.States.Work.Resource",
	"resource-table-reference.json":           "$.States.Save.Resource",
	"resource-sdk-sync.json":                  "$.States.List.Resource",
	"result-path-wildcard.json":               "$.States.P.ResultPath",
	"items-path-filter.json":                  "$.States.M.ItemsPath",
	"intrinsic-unknown.json":                  "$.States.P.Parameters['id.$']",
	"intrinsic-array-range-arity.json":        "$.States.P.Parameters['r.$']",
	"jsonata-dollar-field.json":               "$.States.P.Output['id.$']",
	"choice-variable-wildcard.json":           "$.States.C.Choices[0].Variable",
}

// laxOracle lists the corpus files on which asl-validator 4.0.0 is known to
// be laxer than AWS, with the reason: they are left out of the agreement
// test only (their table test above still holds). The agreement test fails
// once asl-validator refuses one of them, so that the exclusion goes.
var laxOracle = map[string]string{
	// AWS, "Error handling in Step Functions", Fallback states: States.ALL
	// "must appear alone in the ErrorEquals array and must appear in the
	// last catcher in the Catch array". asl-validator does not check where
	// States.ALL is.
	"catch-states-all-not-last.json": "asl-validator does not check that States.ALL is in the last catcher",
	// AWS, "Choice workflow state": "Choice states don't support the End
	// field". asl-validator's Choice schema lists End, and counts it as a
	// terminal state.
	"choice-with-end.json": "asl-validator's Choice schema allows End",
	// "Integrating optimized services": the optimized DynamoDB integration
	// is getItem, putItem, updateItem and deleteItem; Lambda's invoke has no
	// .sync; AWS SDK integrations have no .sync. asl-validator checks that a
	// Resource has the shape of an ARN, not what it integrates.
	"resource-dynamodb-scan.json":      "asl-validator does not know which optimized integrations exist",
	"resource-lambda-invoke-sync.json": "asl-validator does not know which patterns an integration offers",
	"resource-sdk-sync.json":           "asl-validator does not know that AWS SDK integrations have no .sync",
	// forOracle gives asl-validator every Resource reference as a Lambda
	// ARN; a table's reference resolves to its name, no ARN at all.
	"resource-table-reference.json": "forOracle turns the table's reference into a Lambda ARN",
	// "Intrinsic functions for JSONPath states": States.ArrayRange takes
	// three arguments; asl-path-validator's grammar checks the arity of the
	// one-argument functions and of States.MathAdd only.
	"intrinsic-array-range-arity.json": "asl-path-validator does not check the arity of States.ArrayRange",
	// "Transforming data with JSONata": "you will not use .$ on JSON object
	// key names"; asl-validator's JSONata schemas take any field name.
	"jsonata-dollar-field.json": "asl-validator takes .$ field names in a JSONata state",
}

// corpus reads the definitions of testdata/<dir>, by file name.
func corpus(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

func TestCorpusSize(t *testing.T) {
	valid, invalid := corpus(t, "valid"), corpus(t, "invalid")
	if len(valid) < 15 || len(invalid) < 15 || len(valid)+len(invalid) < 40 {
		t.Fatalf("%d valid and %d invalid definitions: want at least 15 of each and 40 in all", len(valid), len(invalid))
	}
}

func TestValidCorpus(t *testing.T) {
	for name, def := range corpus(t, "valid") {
		t.Run(name, func(t *testing.T) {
			if problems := Check(def); problems != nil {
				t.Errorf("refused a valid definition:\n%s", list(problems))
			}
		})
	}
}

func TestInvalidCorpus(t *testing.T) {
	files := corpus(t, "invalid")
	for name := range invalidCorpus {
		if _, ok := files[name]; !ok {
			t.Errorf("invalidCorpus names %s, which is not in testdata/invalid", name)
		}
	}
	for name, def := range files {
		t.Run(name, func(t *testing.T) {
			want, ok := invalidCorpus[name]
			if !ok {
				t.Fatalf("no expected problem path for %s in invalidCorpus", name)
			}
			problems := Check(def)
			if !hasPath(problems, want) {
				t.Errorf("want a problem at %s, got:\n%s", want, list(problems))
			}
		})
	}
}

// Rules AWS applies and asl-validator 4.0.0 does not (or not the same way),
// so they are not in the corpus the two must agree on; each cites what AWS
// documents.
func TestRulesBeyondASLValidator(t *testing.T) {
	cases := []struct {
		name, definition, path string
	}{
		{
			// "Parallel workflow state": Branches is an array of state
			// machines; AWS's language service requires at least one.
			"empty Branches",
			`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[],"End":true}}}`,
			"$.States.P.Branches",
		},
		{
			// Error handling, Retrying after an error: BackoffRate is at least 1.0.
			"BackoffRate below 1",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:A",
			  "Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":0.5}],"End":true}}}`,
			"$.States.A.Retry[0].BackoffRate",
		},
		{
			// IntervalSeconds is a positive integer.
			"IntervalSeconds 0",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:A",
			  "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":0}],"End":true}}}`,
			"$.States.A.Retry[0].IntervalSeconds",
		},
		{
			"JitterStrategy neither FULL nor NONE",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:A",
			  "Retry":[{"ErrorEquals":["States.ALL"],"JitterStrategy":"SOMETIMES"}],"End":true}}}`,
			"$.States.A.Retry[0].JitterStrategy",
		},
		{
			"unknown field of a retrier",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:A",
			  "Retry":[{"ErrorEquals":["States.ALL"],"MaxRetries":3}],"End":true}}}`,
			"$.States.A.Retry[0].MaxRetries",
		},
		{
			// States.ALL "must appear alone in the ErrorEquals array".
			"States.ALL not alone",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:A",
			  "Retry":[{"ErrorEquals":["States.Timeout","States.ALL"]}],"End":true}}}`,
			"$.States.A.Retry[0].ErrorEquals[1]",
		},
		{
			// ... "and must appear in the last retrier in the Retry array".
			"States.ALL retrier not last",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:A",
			  "Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["States.Timeout"]}],"End":true}}}`,
			"$.States.A.Retry[0].ErrorEquals",
		},
		{
			// asl-validator checks outbound transitions of Iterator only,
			// not of its newer name ItemProcessor.
			"ItemProcessor Next out of the Map",
			`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
			  "I":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Next":"Done"}],"Default":"J"},"J":{"Type":"Succeed"}}},"Next":"Done"},
			  "Done":{"Type":"Succeed"}}}`,
			"$.States.M.ItemProcessor.States.I.Choices[0].Next",
		},
		{
			// asl-validator counts a state as reachable when any state
			// names it; AWS follows transitions from StartAt, so two
			// states that only name each other are unreachable.
			"unreachable cycle",
			`{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Pass","Next":"C"},"C":{"Type":"Pass","Next":"B"}}}`,
			"$.States.B",
		},
		{
			// Only a top-level Choice rule has Next.
			"Next in a nested rule",
			`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.x","IsNull":true,"Next":"D"},"Next":"D"}],"Default":"D"},
			  "D":{"Type":"Succeed"}}}`,
			"$.States.C.Choices[0].Not.Next",
		},
		{
			// Wait: "an uppercase T must separate the date and time
			// portions, and an uppercase Z must denote that a numeric time
			// zone offset is not present".
			"lowercase timestamp",
			`{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2016-03-14t01:59:00z","End":true}}}`,
			"$.States.W.Timestamp",
		},
		{
			// The brief asks for a positive TimeoutSeconds, as the spec asks
			// of a Task's; asl-validator allows 0. (Not checked against AWS.)
			"top-level TimeoutSeconds 0",
			`{"StartAt":"A","TimeoutSeconds":0,"States":{"A":{"Type":"Succeed"}}}`,
			"$.TimeoutSeconds",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if problems := Check(tc.definition); !hasPath(problems, tc.path) {
				t.Errorf("want a problem at %s, got:\n%s", tc.path, list(problems))
			}
		})
	}
}

// Shapes that are fine, in corners the corpus does not reach.
func TestAccepted(t *testing.T) {
	for name, def := range map[string]string{
		"Retry with every field": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"${function:x}"},
			"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":1.5,"MaxDelaySeconds":10,"JitterStrategy":"NONE","Comment":"c"},
			{"ErrorEquals":["States.ALL"]}],"End":true}}}`,
		"ItemProcessor jumps within itself": `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{
			"I":{"Type":"Pass","Next":"J"},"J":{"Type":"Succeed"}}},"End":true}}}`,
		"JSONata Wait on a timestamp expression": `{"QueryLanguage":"JSONata","StartAt":"W","States":{
			"W":{"Type":"Wait","Timestamp":"{% $states.input.at %}","End":true}}}`,
		"a state of JSONata in a JSONPath machine": `{"StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input %}","End":true}}}`,
		"Fail with ErrorPath and CausePath":        `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.error","CausePath":"States.Format('failed: {}', $.why)"}}}`,
		"state names with spaces and quotes":       `{"StartAt":"Say 'hi'","States":{"Say 'hi'":{"Type":"Pass","Next":"Done."},"Done.":{"Type":"Succeed"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if problems := Check(def); problems != nil {
				t.Errorf("refused:\n%s", list(problems))
			}
		})
	}
}

func TestProblemPaths(t *testing.T) {
	problems := Check(`{"StartAt":"Say 'hi'","States":{"Say 'hi'":{"Type":"Pass","Next":"Nowhere"}}}`)
	want := `$.States['Say \'hi\''].Next: names no state of this state machine: "Nowhere"`
	if len(problems) != 1 || problems[0].String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", list(problems), want)
	}
	if got := Check(`[]`); !hasPath(got, "$") {
		t.Errorf("a definition that is not an object: got %v", got)
	}
}

// The copy of the seed's workflow in the corpus is the one the sample stack
// carries, so that the sample itself passes Check.
func TestSeedWorkflowCopy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", "stacks_v1alpha1_eventdrivenstack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var stack struct {
		Spec struct {
			Workflows []struct{ Definition string } `json:"workflows"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &stack); err != nil {
		t.Fatal(err)
	}
	if len(stack.Spec.Workflows) == 0 {
		t.Fatal("the sample stack has no workflow")
	}
	if got := corpus(t, "valid")["seed-order-saga.json"]; got != stack.Spec.Workflows[0].Definition {
		t.Error("testdata/valid/seed-order-saga.json differs from spec.workflows[0].definition of the sample stack: copy it again")
	}
}

// Check and asl-validator (the npm package pinned by package-lock.json)
// agree on which corpus definitions are valid, but for laxOracle.
func TestAgreesWithASLValidator(t *testing.T) {
	defs := map[string]string{}
	for _, dir := range []string{"valid", "invalid"} {
		for name, def := range corpus(t, dir) {
			defs[dir+"/"+name] = def
		}
	}
	verdicts := aslValidator(t, defs)
	for key, def := range defs {
		t.Run(key, func(t *testing.T) {
			v := verdicts[key]
			weAccept := Check(def) == nil
			name := filepath.Base(key)
			if reason, lax := laxOracle[name]; lax {
				if !v.accepted {
					t.Errorf("asl-validator now refuses %s: drop it from laxOracle (%s)", name, reason)
				}
				t.Skipf("asl-validator is laxer than AWS here: %s", reason)
			}
			if weAccept != v.accepted {
				t.Errorf("Check accepts: %v, asl-validator accepts: %v\nCheck:\n%s\nasl-validator:\n%s",
					weAccept, v.accepted, list(Check(def)), v.output)
			}
		})
	}
}

// placeholderResource is a Resource that is exactly one of the operator's
// references.
var placeholderResource = regexp.MustCompile(`("Resource"\s*:\s*)"\$\{[^}"]+\}"`)

// forOracle gives a definition to asl-validator as the operator gives it to
// AWS as far as Resource goes: a reference there becomes a Lambda ARN.
// Other references stay: they are plain strings to both.
func forOracle(def string) string {
	return placeholderResource.ReplaceAllString(def, `$1"arn:aws:lambda:us-east-1:123456789012:function:x"`)
}

type verdict struct {
	accepted bool
	output   string
}

// aslValidator runs the asl-validator npm package (pinned by
// package-lock.json) on definitions, by name, after forOracle, and returns
// whether it accepted each and what it said. Node takes seconds to start, so
// the definitions that are JSON go in one run (the CLI prints a line per
// file); one that is not JSON stops the CLI, so each of those runs alone.
// It skips the test where node_modules is missing (run npm ci), unless in
// CI, where that fails.
func aslValidator(t *testing.T, defs map[string]string) map[string]verdict {
	t.Helper()
	cli := filepath.Join("..", "..", "node_modules", "asl-validator", "dist", "bin", "asl-validator.js")
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("asl-validator is not installed (run npm ci): %v", err)
		}
		t.Skip("asl-validator is not installed: run npm ci")
	}
	dir := t.TempDir()
	run := func(paths ...string) string {
		args := []string{cli}
		for _, p := range paths {
			args = append(args, "--json-path", p)
		}
		out, err := exec.Command("node", args...).CombinedOutput()
		if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
			t.Fatalf("running asl-validator: %v", err)
		}
		return string(out)
	}
	pathOf := map[string]string{}
	var batch []string
	verdicts := map[string]verdict{}
	for key, def := range defs {
		p := filepath.Join(dir, strings.ReplaceAll(key, "/", "__"))
		if err := os.WriteFile(p, []byte(forOracle(def)), 0o600); err != nil {
			t.Fatal(err)
		}
		pathOf[key] = p
		if json.Valid([]byte(def)) {
			batch = append(batch, p)
		} else {
			out := run(p)
			verdicts[key] = verdict{strings.Contains(out, fmt.Sprintf("%q is valid", p)), out}
		}
	}
	out := run(batch...)
	for key, p := range pathOf {
		if _, done := verdicts[key]; done {
			continue
		}
		v := verdict{accepted: strings.Contains(out, fmt.Sprintf("%q is valid", p))}
		if at := strings.Index(out, fmt.Sprintf("%q is invalid", p)); at >= 0 {
			v.output = out[at:]
			for _, next := range []string{"✓ State machine definition", "✕ State machine definition"} {
				if end := strings.Index(v.output, next); end >= 0 {
					v.output = v.output[:end]
				}
			}
		} else if !v.accepted {
			t.Fatalf("asl-validator said nothing about %s:\n%s", key, out)
		}
		verdicts[key] = v
	}
	return verdicts
}

func hasPath(problems []Problem, path string) bool {
	for _, p := range problems {
		if p.Path == path {
			return true
		}
	}
	return false
}

func list(problems []Problem) string {
	if len(problems) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, p := range problems {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

// Check never panics, and every problem has a path into the definition.
func FuzzCheck(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, definition string) {
		for _, p := range Check(definition) {
			if !strings.HasPrefix(p.Path, "$") || p.Message == "" {
				t.Errorf("malformed problem %q", p)
			}
		}
	})
}
