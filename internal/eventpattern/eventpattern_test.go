package eventpattern_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
)

// validPatterns are accepted. Those marked "AWS:" are taken from (or trimmed
// from) the examples of the AWS EventBridge User Guide pages "Creating event
// patterns", "Content filtering in Amazon EventBridge event patterns",
// "Arrays in event patterns" and "Matching on null values and empty strings".
var validPatterns = []struct {
	name    string
	pattern string
}{
	// The seed stack's four rules.
	{"seed orders", `{"source":["orders"],"detail-type":["Order Created","Order Completed"]}`},
	{"seed inventory", `{"source":["inventory"],"detail-type":["Inventory Updated"]}`},
	{"seed notifications", `{"source":["notifications"],"detail-type":["Notification Sent"]}`},
	{"seed workflow", `{"source":["workflow"],"detail-type":["Workflow Triggered"]}`},

	{"AWS: EC2 termination", `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`},
	{"AWS: multiple values", `{"source":["aws.ec2","aws.fargate"]}`},
	{"AWS: arrays", `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f","arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f","arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}`},
	{"AWS: null value", `{"detail":{"responseElements":[null]}}`},
	{"AWS: empty string", `{"detail":{"eventVersion":[""]}}`},
	{"exact booleans and numbers", `{"detail":{"enabled":[true,false],"count":[0,-1.5,3.018e2]}}`},
	{"AWS: prefix", `{"time":[{"prefix":"2017-10-02"}]}`},
	{"AWS: prefix ignore case", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`},
	{"AWS: suffix", `{"FileName":[{"suffix":".png"}]}`},
	{"AWS: suffix ignore case", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`},
	{"AWS: anything-but string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`},
	{"AWS: anything-but number", `{"detail":{"x-limit":[{"anything-but":123}]}}`},
	{"AWS: anything-but strings", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`},
	{"AWS: anything-but numbers", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`},
	{"AWS: anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`},
	{"AWS: anything-but suffix", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`},
	{"AWS: anything-but ignore case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}`},
	{"AWS: anything-but ignore case list", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}}`},
	{"AWS: anything-but wildcard", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`},
	{"AWS: anything-but wildcard list", `{"detail":{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}}`},
	{"AWS: numeric", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`},
	{"numeric >= and <", `{"detail":{"price":[{"numeric":[">=",-1e9,"<",1e9]}]}}`},
	{"AWS: cidr IPv4", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`},
	{"cidr IPv6", `{"detail":{"sourceIPAddress":[{"cidr":"2001:db8::/64"}]}}`},
	{"AWS: exists true", `{"detail":{"state":[{"exists":true}]}}`},
	{"AWS: exists false", `{"detail":{"c-count":[{"exists":false}]}}`},
	{"AWS: equals-ignore-case", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`},
	{"AWS: wildcard", `{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}`},
	{"AWS: $or at the root", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}`},
	{"AWS: $or in detail", `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}`},
	{"AWS: nested $or", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"],"$or":[{"detail":{"state":["ALARM"]}},{"detail":{"previousState":["OK"]}}]}]}`},
	{"AWS: complex", `{"time":[{"prefix":"2017-10-02"}],"detail":{"state":[{"anything-but":"initializing"}],"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}}`},
	{"mixed values and matchers", `{"detail":{"state":["running",{"prefix":"stop"},null,{"exists":false}]}}`},
	{"pretty printed", "{\n  \"source\": [ \"orders\" ],\n  \"detail\": { \"total\": [ { \"numeric\": [ \">\", 100 ] } ] }\n}\n"},
	{"duplicate key, last wins", `{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}`},
	{"depth 20", nested(19)},
	// Event Ruler's README and LocalStack's recording of AWS (October 2025):
	// anything-but takes lists of prefixes and suffixes.
	{"AWS: anything-but prefix list", `{"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}`},
	{"anything-but suffix list", `{"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".md"]}}]}}`},
	{"empty prefix, suffix, equals-ignore-case, wildcard", `{"a":[{"prefix":""}],"b":[{"suffix":""}],"c":[{"equals-ignore-case":""}],"d":[{"wildcard":""}]}`},
	{"anything-but empty wildcard and ignore case", `{"a":[{"anything-but":{"wildcard":""}}],"b":[{"anything-but":{"equals-ignore-case":""}}]}`},
	{"wildcard escapes", `{"f":[{"wildcard":"a\\*b\\\\c*"}]}`},
	{"wildcard stars apart", `{"f":[{"wildcard":"*a*b*"}]}`},
	{"cidr /31 and /0", `{"ip":[{"cidr":"10.0.0.0/31"},{"cidr":"0.0.0.0/0"}]}`},
	{"cidr IPv6 /127", `{"ip":[{"cidr":"2001:db8::/127"}]}`},
	{"cidr with host bits", `{"ip":[{"cidr":"10.0.0.1/24"}]}`},
	{"reserved words outside $or", `{"prefix":["a"],"detail":{"numeric":[1]},"$or":[{"x":["1"]},{"y":["2"]}]}`},
}

// invalidPatterns are refused with exactly this path and a message holding msg.
var invalidPatterns = []struct {
	name    string
	pattern string
	path    string
	msg     string
}{
	{"empty input", ``, "", "pattern is empty"},
	{"not JSON", `{"source":["orders"]`, "", "invalid JSON"},
	{"trailing data", `{"source":["orders"]} {}`, "", "unexpected data after"},
	{"root array", `[{"source":["orders"]}]`, "", "must be a JSON object, got array"},
	{"root string", `"orders"`, "", "must be a JSON object, got string"},
	{"empty root", `{}`, "", "at least one field"},
	{"scalar field", `{"source":"orders"}`, "source", "must be an array of values or matchers"},
	{"number field", `{"detail":{"count":5}}`, "detail.count", "must be an array of values or matchers"},
	{"null field", `{"source":null}`, "source", "got null"},
	{"empty nested object", `{"detail":{}}`, "detail", "at least one field"},
	{"empty array", `{"source":[]}`, "source", "at least one value"},
	{"nested array element", `{"source":[["orders"]]}`, "source[0]", "got array"},
	{"empty matcher", `{"source":[{}]}`, "source[0]", "exactly one key, got 0"},
	{"two matchers", `{"source":[{"prefix":"a","suffix":"b"}]}`, "source[0]", `exactly one key, got 2 ("prefix", "suffix")`},
	{"unknown matcher", `{"type":[{"contains":"Normal"}]}`, "type[0]", `unknown matcher "contains"; known matchers: anything-but, cidr`},
	{"prefix number", `{"time":[{"prefix":2017}]}`, "time[0].prefix", "prefix must be a string or"},
	{"prefix other object", `{"time":[{"prefix":{"wildcard":"a*"}}]}`, "time[0].prefix", `prefix object must be {"equals-ignore-case": string}`},
	{"prefix ignore case number", `{"s":[{"prefix":{"equals-ignore-case":1}}]}`, "s[0].prefix.equals-ignore-case", "must be a string, got number"},
	{"suffix array", `{"FileName":[{"suffix":[".png"]}]}`, "FileName[0].suffix", "suffix must be a string or"},
	{"equals-ignore-case array", `{"t":[{"equals-ignore-case":["a"]}]}`, "t[0].equals-ignore-case", "must be a string, got array"},
	{"wildcard bool", `{"t":[{"wildcard":true}]}`, "t[0].wildcard", "wildcard must be a string, got boolean"},
	{"exists string", `{"detail":{"state":[{"exists":"true"}]}}`, "detail.state[0].exists", "must be true or false, got string"},
	{"cidr not a block", `{"ip":[{"cidr":"10.0.0.1"}]}`, "ip[0].cidr", `cidr "10.0.0.1" is not an IPv4 or IPv6 CIDR block`},
	{"cidr bad prefix length", `{"ip":[{"cidr":"10.0.0.0/33"}]}`, "ip[0].cidr", "not an IPv4 or IPv6 CIDR block"},
	{"cidr number", `{"ip":[{"cidr":10}]}`, "ip[0].cidr", "cidr must be a string"},
	{"numeric not array", `{"detail":{"price":[{"numeric":5}]}}`, "detail.price[0].numeric", "numeric must be an array"},
	{"numeric 3 elements", `{"detail":{"price":[{"numeric":[">",0,"<"]}]}}`, "detail.price[0].numeric", "2 or 4 elements, got 3"},
	{"numeric empty", `{"p":[{"numeric":[]}]}`, "p[0].numeric", "2 or 4 elements, got 0"},
	{"numeric bad operator", `{"p":[{"numeric":["!=",5]}]}`, "p[0].numeric[0]", `operator must be one of`},
	{"numeric operator not string", `{"p":[{"numeric":[5,">"]}]}`, "p[0].numeric[0]", "got number"},
	{"numeric string operand", `{"p":[{"numeric":[">","5"]}]}`, "p[0].numeric[1]", `operand of ">" must be a number, got string`},
	{"numeric = in range", `{"p":[{"numeric":["=",1,"<",5]}]}`, "p[0].numeric[0]", `"=" must be used alone`},
	{"numeric = as upper", `{"p":[{"numeric":[">",1,"=",5]}]}`, "p[0].numeric[2]", `"=" must be used alone`},
	{"numeric upper first", `{"p":[{"numeric":["<",5,">",1]}]}`, "p[0].numeric[0]", "must start with a lower bound"},
	{"numeric two lowers", `{"p":[{"numeric":[">",1,">=",5]}]}`, "p[0].numeric[2]", "must end with an upper bound"},
	{"numeric empty range", `{"p":[{"numeric":[">",5,"<=",0]}]}`, "p[0].numeric", "lower bound 5 must be below upper bound 0"},
	{"numeric equal bounds", `{"p":[{"numeric":[">=",5,"<=",5]}]}`, "p[0].numeric", "must be below upper bound"},
	{"numeric overflow", `{"p":[{"numeric":[">",1e400]}]}`, "p[0].numeric[1]", "out of range"},
	{"anything-but bool", `{"s":[{"anything-but":true}]}`, "s[0].anything-but", "anything-but must be a string, a number"},
	{"anything-but empty list", `{"s":[{"anything-but":[]}]}`, "s[0].anything-but", "must not be empty"},
	{"anything-but mixed list", `{"s":[{"anything-but":["a",1]}]}`, "s[0].anything-but[1]", "only strings or only numbers, got a number after a string"},
	{"anything-but null in list", `{"s":[{"anything-but":[null]}]}`, "s[0].anything-but[0]", "must be a string or a number, got null"},
	{"anything-but prefix with ignore case", `{"s":[{"anything-but":{"prefix":{"equals-ignore-case":"a"}}}]}`, "s[0].anything-but.prefix", "must be a string or a list of strings, got object"},
	{"anything-but prefix list with a number", `{"s":[{"anything-but":{"prefix":[123,"test"]}}]}`, "s[0].anything-but.prefix[0]", "list element must be a string, got number"},
	{"anything-but empty prefix", `{"s":[{"anything-but":{"prefix":""}}]}`, "s[0].anything-but.prefix", `must not be empty (EventBridge: "Null prefix/suffix not allowed")`},
	{"anything-but empty suffix in a list", `{"s":[{"anything-but":{"suffix":[".txt",""]}}]}`, "s[0].anything-but.suffix[1]", "anything-but suffix must not be empty"},
	{"wildcard consecutive stars", `{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:**:event-bus/*"}]}`, "EventBusArn[0].wildcard", `consecutive wildcard characters at position 26 ("Consecutive wildcard characters at pos 26")`},
	{"wildcard escaping a letter", `{"f":[{"wildcard":"a\\b*"}]}`, "f[0].wildcard", "invalid escape at position 2"},
	{"wildcard ending in a backslash", `{"f":[{"wildcard":"dir*\\"}]}`, "f[0].wildcard", "invalid escape at position 5"},
	{"anything-but wildcard list with stars", `{"s":[{"anything-but":{"wildcard":["*/lib/*","*/**"]}}]}`, "s[0].anything-but.wildcard[1]", "consecutive wildcard characters at position 3"},
	{"cidr /32", `{"ip":[{"cidr":"10.0.0.1/32"}]}`, "ip[0].cidr", `"IPv4 mask bits must be < 32"`},
	{"cidr IPv6 /128", `{"ip":[{"cidr":"2001:db8::1/128"}]}`, "ip[0].cidr", `"IPv6 mask bits must be < 128"`},
	{"cidr IPv4-mapped IPv6 /32", `{"ip":[{"cidr":"::ffff:a00:1/32"}]}`, "ip[0].cidr", `"IPv4 mask bits must be < 32"`},
	{"cidr IPv4 in IPv6 form", `{"ip":[{"cidr":"::ffff:10.0.0.1/120"}]}`, "ip[0].cidr", `Nonstandard IP address: ::ffff:10.0.0.1`},
	{"cidr negative length", `{"ip":[{"cidr":"10.0.0.0/-1"}]}`, "ip[0].cidr", "must not be negative"},
	{"cidr length not a number", `{"ip":[{"cidr":"bad-/64filter"}]}`, "ip[0].cidr", "mask bits must be an integer"},
	{"cidr two slashes", `{"ip":[{"cidr":"10.0.0.0/8/8"}]}`, "ip[0].cidr", "one '/' required"},
	{"cidr not an address", `{"ip":[{"cidr":"xx.11.xx/8"}]}`, "ip[0].cidr", "Nonstandard IP address: xx.11.xx"},
	{"$or branch naming a matcher", `{"$or":[{"prefix":["a"]},{"b":["c"]}]}`, "$or[0].prefix", `"prefix" is a reserved word`},
	{"$or nested field naming an operator", `{"detail":{"$or":[{"a":{">=":["x"]}},{"b":["c"]}]}}`, "detail.$or[0].a.>=", "cannot name a field inside $or"},
	{"anything-but wildcard number list", `{"s":[{"anything-but":{"wildcard":["*a",1]}}]}`, "s[0].anything-but.wildcard[1]", "must be a string, got number"},
	{"anything-but ignore case empty list", `{"s":[{"anything-but":{"equals-ignore-case":[]}}]}`, "s[0].anything-but.equals-ignore-case", "must not be empty"},
	{"anything-but numeric inside", `{"s":[{"anything-but":{"numeric":[">",1]}}]}`, "s[0].anything-but", `unknown anything-but matcher "numeric"`},
	{"anything-but two keys", `{"s":[{"anything-but":{"prefix":"a","suffix":"b"}}]}`, "s[0].anything-but", "exactly one of prefix, suffix"},
	{"$or not array", `{"$or":{"source":["a"]}}`, "$or", "at least 2 pattern objects, got object"},
	{"$or one branch", `{"$or":[{"source":["a"]}]}`, "$or", "at least 2 pattern objects, got 1"},
	{"$or string branch", `{"$or":[{"source":["a"]},"b"]}`, "$or[1]", "must be a pattern object, got string"},
	{"$or empty branch", `{"detail":{"$or":[{"a":["x"]},{}]}}`, "detail.$or[1]", "at least one field"},
	{"$or branch scalar", `{"detail":{"$or":[{"a":["x"]},{"b":"y"}]}}`, "detail.$or[1].b", "must be an array of values or matchers"},
	{"quoted key", `{"detail":{"a.b":"x"}}`, `detail["a.b"]`, "must be an array"},
	{"first error in key order", `{"z":"x","a":{"m":5}}`, "a.m", "must be an array"},
	{"too deep", nested(20), strings.TrimSuffix(strings.Repeat("a.", 20), "."), "nesting depth exceeds 20"},
	{"too large", `{"source":["` + strings.Repeat("x", eventpattern.MaxBytes) + `"]}`, "", "more than the 4096"},
	{"invalid UTF-8", "{\"source\":[\"\xff\"]}", "", "not valid UTF-8"},
}

// nested returns a pattern whose objects are n+1 deep: the root holding "a"
// n times nested, the innermost holding a field with one value.
func nested(n int) string {
	return strings.Repeat(`{"a":`, n) + `{"x":["y"]}` + strings.Repeat(`}`, n)
}

func TestCheckValid(t *testing.T) {
	if len(validPatterns) < 25 {
		t.Fatalf("only %d valid patterns", len(validPatterns))
	}
	for _, tc := range validPatterns {
		t.Run(tc.name, func(t *testing.T) {
			if err := eventpattern.Check([]byte(tc.pattern)); err != nil {
				t.Fatalf("Check(%s) = %v, want nil", tc.pattern, err)
			}
		})
	}
}

func TestCheckInvalid(t *testing.T) {
	if len(invalidPatterns) < 25 {
		t.Fatalf("only %d invalid patterns", len(invalidPatterns))
	}
	for _, tc := range invalidPatterns {
		t.Run(tc.name, func(t *testing.T) {
			err := eventpattern.Check([]byte(tc.pattern))
			if err == nil {
				t.Fatalf("Check(%s) = nil, want an error at %q", tc.pattern, tc.path)
			}
			var pe *eventpattern.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Check(%s) returned %T, want *eventpattern.Error", tc.pattern, err)
			}
			if pe.Path != tc.path {
				t.Errorf("Path = %q, want %q (error: %v)", pe.Path, tc.path, err)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", pe.Msg, tc.msg)
			}
		})
	}
}

// TestCheckDeterministic checks that a pattern with several problems always
// reports the same one, whatever Go's map order.
func TestCheckDeterministic(t *testing.T) {
	p := []byte(`{"f":"x","e":"x","d":"x","c":"x","b":"x","a":"x"}`)
	for range 50 {
		err := eventpattern.Check(p)
		if err == nil || err.Error() != "a: must be an array of values or matchers (or an object of nested fields), got string" {
			t.Fatalf("Check = %v", err)
		}
	}
}

func TestErrorString(t *testing.T) {
	if got := (&eventpattern.Error{Msg: "m"}).Error(); got != "m" {
		t.Errorf("root Error() = %q", got)
	}
	if got := (&eventpattern.Error{Path: "detail.price[0].numeric", Msg: "m"}).Error(); got != "detail.price[0].numeric: m" {
		t.Errorf("Error() = %q", got)
	}
}

func FuzzCheck(f *testing.F) {
	for _, tc := range validPatterns {
		f.Add([]byte(tc.pattern))
	}
	for _, tc := range invalidPatterns {
		f.Add([]byte(tc.pattern))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := eventpattern.Check(data)
		if err != nil {
			var pe *eventpattern.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Check returned %T, want *eventpattern.Error", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("Check accepted invalid JSON %q", data)
		}
		if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
			t.Fatalf("Check accepted a non-object %q", data)
		}
	})
}

// UsesWildcard finds a wildcard anywhere a pattern can hold one: such a rule
// counts toward EventBridge's 30 rules containing wildcards per bus.
func TestUsesWildcard(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{"source":["orders"]}`, false},
		{`{"source":[{"prefix":"ord"}],"detail":{"f":[{"anything-but":{"prefix":"x"}}]}}`, false},
		{`{"source":["orders",{"wildcard":"ord*"}]}`, true},
		{`{"detail":{"path":[{"anything-but":{"wildcard":["*/lib/*"]}}]}}`, true},
		{`{"detail":{"$or":[{"a":["x"]},{"b":{"c":[{"wildcard":"*.png"}]}}]}}`, true},
		{`{"wildcard":["*"]}`, false},              // a field named wildcard, matched exactly
		{`{"source":[{"wildcard":"a**"}]}`, false}, // refused by Check: no rule is created
	} {
		if got := eventpattern.UsesWildcard([]byte(tc.pattern)); got != tc.want {
			t.Errorf("UsesWildcard(%s) = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}
