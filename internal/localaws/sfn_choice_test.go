package localaws

import (
	"encoding/json"
	"testing"
)

// Choice rules, as "Choice workflow state" describes them.
func TestSFNChoiceRules(t *testing.T) {
	input := sfnValue(t, `{"type":"Private","value":15,"rating":5.5,"flag":true,"nothing":null,"when":"2016-03-14T01:59:00Z",
	 "later":"2016-03-15T01:59:00Z","file":"log-2023.txt","star":"a*b","back":"a\\b","limit":20,"name":"Private","notime":"yesterday"}`)
	tests := []struct {
		rule string
		want bool
		err  string
	}{
		{`{"Variable":"$.type","StringEquals":"Private"}`, true, ""},
		{`{"Variable":"$.type","StringEquals":"Public"}`, false, ""},
		{`{"Variable":"$.type","StringEqualsPath":"$.name"}`, true, ""},
		{`{"Variable":"$.type","StringLessThan":"Q"}`, true, ""},
		{`{"Variable":"$.type","StringGreaterThanEquals":"Private"}`, true, ""},
		{`{"Variable":"$.value","StringEquals":"15"}`, false, ""}, // a number is not a string: false, no error
		{`{"Variable":"$.value","NumericEquals":15}`, true, ""},
		{`{"Variable":"$.value","NumericGreaterThan":15}`, false, ""},
		{`{"Variable":"$.value","NumericGreaterThanEquals":15}`, true, ""},
		{`{"Variable":"$.value","NumericLessThanPath":"$.limit"}`, true, ""},
		{`{"Variable":"$.rating","NumericLessThanEquals":5.5}`, true, ""},
		{`{"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},{"Variable":"$.value","NumericLessThan":30}]}`, false, ""},
		{`{"And":[{"Variable":"$.value","NumericGreaterThanEquals":10},{"Variable":"$.value","NumericLessThan":30}]}`, true, ""},
		{`{"Or":[{"Variable":"$.value","NumericEquals":1},{"Variable":"$.type","StringEquals":"Private"}]}`, true, ""},
		{`{"Not":{"Variable":"$.type","StringEquals":"Private"}}`, false, ""},
		{`{"Variable":"$.flag","BooleanEquals":true}`, true, ""},
		{`{"Variable":"$.flag","BooleanEqualsPath":"$.flag"}`, true, ""},
		{`{"Variable":"$.when","TimestampEquals":"2016-03-14T01:59:00Z"}`, true, ""},
		{`{"Variable":"$.when","TimestampLessThan":"2016-03-14T02:00:00+00:00"}`, true, ""},
		{`{"Variable":"$.when","TimestampGreaterThanPath":"$.later"}`, false, ""},
		{`{"Variable":"$.when","TimestampLessThanEqualsPath":"$.later"}`, true, ""},
		{`{"Variable":"$.notime","TimestampLessThan":"2016-03-14T02:00:00Z"}`, false, ""},
		{`{"Variable":"$.file","StringMatches":"log-*.txt"}`, true, ""},
		{`{"Variable":"$.file","StringMatches":"*.log"}`, false, ""},
		{`{"Variable":"$.star","StringMatches":"a\\*b"}`, true, ""},
		{`{"Variable":"$.file","StringMatches":"log\\*"}`, false, ""},
		{`{"Variable":"$.back","StringMatches":"a\\\\b"}`, true, ""},
		{`{"Variable":"$.file","StringMatches":"*"}`, true, ""},
		{`{"Variable":"$.missing","IsPresent":false}`, true, ""},
		{`{"Variable":"$.type","IsPresent":true}`, true, ""},
		{`{"Variable":"$.nothing","IsNull":true}`, true, ""},
		{`{"Variable":"$.value","IsNumeric":true}`, true, ""},
		{`{"Variable":"$.type","IsString":true}`, true, ""},
		{`{"Variable":"$.flag","IsBoolean":false}`, false, ""},
		{`{"Variable":"$.when","IsTimestamp":true}`, true, ""},
		{`{"Variable":"$.notime","IsTimestamp":true}`, false, ""},
		{`{"Variable":"$$.State.Name","StringEquals":"S"}`, true, ""},
		{`{"Variable":"$.missing","StringEquals":"x"}`, false, "States.Runtime"},
		{`{"Variable":"$.value","NumericEqualsPath":"$.missing"}`, false, "States.Runtime"},
		{`{"Variable":"$.value","Nonsense":1}`, false, "States.Runtime"},
	}
	for _, tt := range tests {
		var rule sfnChoiceRule
		if err := json.Unmarshal([]byte(tt.rule), &rule); err != nil {
			t.Fatalf("%s: %v", tt.rule, err)
		}
		got, f := sfnMatchRule(rule, input, sfnTestContext)
		switch {
		case tt.err != "":
			if f == nil || f.errorName != tt.err {
				t.Errorf("%s: %v %v, want %s", tt.rule, got, f, tt.err)
			}
		case f != nil || got != tt.want:
			t.Errorf("%s: %v %v, want %v", tt.rule, got, f, tt.want)
		}
	}

	// The first rule that matches names the next state; else Default; else
	// States.NoChoiceMatched.
	var choices []sfnChoiceRule
	_ = json.Unmarshal([]byte(`[{"Variable":"$.value","NumericLessThan":10,"Next":"Small"},
	 {"Variable":"$.value","NumericLessThan":100,"Next":"Medium"},{"Variable":"$.value","NumericLessThan":1000,"Next":"Large"}]`), &choices)
	for _, tt := range []struct {
		input, def, next, err string
	}{
		{`{"value":15}`, "", "Medium", ""},
		{`{"value":1}`, "Other", "Small", ""},
		{`{"value":5000}`, "Other", "Other", ""},
		{`{"value":5000}`, "", "", "States.NoChoiceMatched"},
	} {
		next, f := sfnChoose("Route", choices, tt.def, sfnValue(t, tt.input), nil)
		if next != tt.next || (f == nil) != (tt.err == "") || (f != nil && f.errorName != tt.err) {
			t.Errorf("%s (Default %q): %q %v, want %q %s", tt.input, tt.def, next, f, tt.next, tt.err)
		}
	}
}
