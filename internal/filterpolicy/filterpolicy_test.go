package filterpolicy_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/filterpolicy"
)

const (
	attrs = filterpolicy.MessageAttributes
	body  = filterpolicy.MessageBody
)

// values returns a JSON array of n distinct strings.
func values(n int) string {
	v := make([]string, n)
	for i := range v {
		v[i] = fmt.Sprintf(`"v%d"`, i)
	}
	return "[" + strings.Join(v, ",") + "]"
}

// deep returns a policy whose one key is nested at the given level (1: the
// root).
func deep(level int) string {
	return strings.Repeat(`{"a":`, level-1) + `{"k":["x"]}` + strings.Repeat(`}`, level-1)
}

// Policies SNS accepts: the examples of the SNS Developer Guide ("String
// value matching", "Numeric value matching", "Key matching", "AND/OR
// logic", "Filter policy constraints") and the limits exactly.
func TestCheckAccepts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scope  filterpolicy.Scope
		policy string
	}{
		{"empty policy removes filtering", attrs, `{}`},
		{"unset scope is MessageAttributes", "", `{"store":["example_corp"]}`},
		{"exact strings, numbers, booleans, null", attrs, `{"customer_interests":["rugby","tennis"],"price":[100,301.5],"flag":[true,null]}`},
		{"anything-but list", attrs, `{"customer_interests":[{"anything-but":["rugby","tennis"]}],"price":[{"anything-but":[100,500]}]}`},
		{"anything-but prefix, suffix, wildcard", attrs, `{"event":[{"anything-but":{"prefix":"order-"}}],"b":[{"anything-but":{"suffix":"ball"}}],"c":[{"anything-but":{"wildcard":"*ball"}}]}`},
		{"equals-ignore-case, prefix, suffix, cidr", attrs, `{"a":[{"equals-ignore-case":"tennis"}],"b":[{"prefix":"bas"}],"c":[{"suffix":"ball"}],"source_ip":[{"cidr":"10.0.0.0/24"}]}`},
		{"numeric", attrs, `{"price_usd":[{"numeric":["=",301.5]},{"numeric":[">",0,"<=",150]},{"numeric":["<",0]}]}`},
		{"exists", attrs, `{"store":[{"exists":true}],"other":[{"exists":false}]}`},
		{"wildcard", attrs, `{"customer_interests":[{"wildcard":"*ball"}]}`},
		{"five keys", attrs, `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"]}`},
		{"150 combinations", attrs, `{"a":` + values(5) + `,"b":` + values(5) + `,"c":` + values(6) + `}`},
		{"AND/OR logic example: 7 combinations", attrs, `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"metricType":["MetricType"],"$or":[{"metricId":[1234,4321]},{"spaceId":[1000,2000,3000]}]}]}`},
		{"$or of exactly 150 combinations", attrs, `{"source":` + values(3) + `,"$or":[{"metricName":` + values(6) + `},{"metricType":` + values(4) + `,"$or":[{"metricId":[1234,4321,5678,9012]},{"spaceId":[1,2,3,4,5,6,7]}]}]}`},
		{"keys of a $or: the alternative with the most", attrs, `{"a":["1"],"b":["1"],"c":["1"],"$or":[{"d":["1"],"e":["1"]},{"f":["1"],"g":["1"]}]}`},
		{"nested, 72 combinations", body, `{"key_a":{"key_b":{"key_c":["value_one","value_two","value_three","value_four"]}},"key_d":{"key_e":["value_one","value_two","value_three"]}}`},
		{"nested $or, 32 combinations", body, `{"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}],"detail":{"scope":["Service"],"$or":[{"source":["aws.cloudwatch"]},{"type":["CloudWatch Alarm State Change"]}]}}`},
		{"a key nested 150 levels deep", body, deep(150)},
		{"three wildcards in a pattern", attrs, `{"f":[{"wildcard":"*a*b*"}]}`},
		// 81 + 14 + 4 + 1: (9+9+9)x3, (6+1)x2, (1+1)x2, 1x1.
		{"wildcard complexity of 100", attrs, `{"a":[{"wildcard":"*a*b*"},{"wildcard":"*c*d*"},{"wildcard":"*e*f*"}],"b":[{"wildcard":"*a*b"},{"wildcard":"*c"}],"c":[{"wildcard":"*x"},{"anything-but":"y"}],"d":[{"wildcard":"*z"},"plain"]}`},
		{"many anything-but without a wildcard", attrs, `{"a":[` + strings.Repeat(`{"anything-but":"x"},`, 14) + `{"anything-but":"y"}]}`},
		{"256 KB", attrs, `{"a":["` + strings.Repeat("x", filterpolicy.MaxBytes-len(`{"a":[""]}`)) + `"]}`},
		{"256 KB once compacted", attrs, `{ "a": [ "` + strings.Repeat("x", filterpolicy.MaxBytes-len(`{"a":[""]}`)) + `" ] }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := filterpolicy.Check([]byte(tc.policy), tc.scope); err != nil {
				t.Fatalf("Check = %v, want nil", err)
			}
		})
	}
}

// Policies SNS refuses, each at its path with the words of its reason. The
// SNS answers quoted are those LocalStack recorded from SNS.
func TestCheckRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scope  filterpolicy.Scope
		policy string
		path   string
		msg    string
	}{
		{"not JSON", attrs, `{"a":`, "", "invalid JSON"},
		{"not an object", attrs, `["a"]`, "", "must be a JSON object"},
		{"too large", attrs, `{"a":["` + strings.Repeat("x", filterpolicy.MaxBytes) + `"]}`, "", "SNS accepts at most 262144 (256 KB)"},
		{"nested on message attributes", attrs, `{"order":{"status":["paid"]}}`, "order", `key "order" holds a nested object`},
		{"nested in a $or on message attributes", "", `{"$or":[{"a":["1"]},{"b":{"c":["1"]}}]}`, "$or[1].b", "MessageAttributes does not support nested filter policy"},
		{"a key's value not an array", attrs, `{"key_a":"value_one"}`, "key_a", `key "key_a" must map to an array`},
		{"empty array", attrs, `{"key":[]}`, "key", `"Empty arrays are not allowed"`},
		{"array in an array", attrs, `{"key":[["value"]]}`, "key[0]", "got array"},
		{"unknown operator", attrs, `{"key":[{"wrong-operator":true}]}`, "key[0]", `unknown matcher "wrong-operator"`},
		{"two operators", attrs, `{"key":[{"suffix":"value","prefix":"value2"}]}`, "key[0]", "exactly one key, got 2"},
		{"suffix number", attrs, `{"key":[{"suffix":100}]}`, "key[0].suffix", "suffix must be a string"},
		{"suffix list", attrs, `{"key":[{"suffix":["test","test2"]}]}`, "key[0].suffix", "suffix must be a string"},
		{"cidr list", attrs, `{"key":[{"cidr":["bad-filter"]}]}`, "key[0].cidr", "cidr must be a string"},
		{"cidr without a slash", attrs, `{"key":[{"cidr":"bad-filter"}]}`, "key[0].cidr", "one '/' required"},
		{"cidr not an address", attrs, `{"key":[{"cidr":"bad-filter/64"}]}`, "key[0].cidr", "Nonstandard IP address: bad-filter"},
		{"cidr bad IPv6", attrs, `{"key":[{"cidr":"xxxx:db8:1234:1a00::/64"}]}`, "key[0].cidr", "Nonstandard IP address"},
		{"numeric empty", attrs, `{"key":[{"numeric":[]}]}`, "key[0].numeric", "2 or 4 elements, got 0"},
		{"numeric operator first", attrs, `{"key":[{"numeric":[1,"<="]}]}`, "key[0].numeric[0]", "operator must be one of"},
		{"numeric string operand", attrs, `{"key":[{"numeric":["=","000"]}]}`, "key[0].numeric[1]", "must be a number, got string"},
		{"numeric upper bound first", attrs, `{"key":[{"numeric":["<",100,">",10]}]}`, "key[0].numeric[0]", "must start with a lower bound"},
		{"numeric two lower bounds", attrs, `{"key":[{"numeric":[">=",1,">",2]}]}`, "key[0].numeric[2]", "must end with an upper bound"},
		{"numeric empty range", attrs, `{"key":[{"numeric":[">",3,"<",1]}]}`, "key[0].numeric", `"Bottom must be less than top"`},
		{"numeric three terms", attrs, `{"key":[{"numeric":[">",20,"<",30,"<",50]}]}`, "key[0].numeric", "2 or 4 elements, got 6"},
		{"exists null", attrs, `{"key":[{"exists":null}]}`, "key[0].exists", "must be true or false"},
		{"anything-but unknown form", attrs, `{"key":[{"anything-but":{"wrong-operator":null}}]}`, "key[0].anything-but", `"Unsupported anything-but pattern: wrong-operator"`},
		{"anything-but exists", attrs, `{"key":[{"anything-but":{"exists":false}}]}`, "key[0].anything-but", "takes anything-but with prefix, suffix, wildcard"},
		{"anything-but equals-ignore-case, not documented for SNS", attrs, `{"key":[{"anything-but":{"equals-ignore-case":"x"}}]}`, "key[0].anything-but", `unknown anything-but matcher "equals-ignore-case"`},
		{"anything-but prefix not a string", attrs, `{"key":[{"anything-but":{"prefix":false}}]}`, "key[0].anything-but.prefix", "must be a string or a list of strings"},
		{"anything-but empty prefix", attrs, `{"key":[{"anything-but":{"prefix":""}}]}`, "key[0].anything-but.prefix", "Null prefix/suffix not allowed"},
		{"anything-but mixed list", attrs, `{"key":[{"anything-but":["a",1]}]}`, "key[0].anything-but[1]", "only strings or only numbers"},
		{"wildcard **", attrs, `{"key":[{"wildcard":"a**"}]}`, "key[0].wildcard", "consecutive wildcard characters"},
		{"$or of one", attrs, `{"$or":[{"a":["1"]}]}`, "$or", "at least 2 filter policy objects, got 1"},
		{"$or not an array", attrs, `{"$or":{"a":["1"]}}`, "$or", "at least 2 filter policy objects, got object"},
		{"$or of strings", attrs, `{"$or":["a","b"]}`, "$or[0]", "must be a filter policy object, got string"},
		{"$or naming reserved words", attrs, `{"$or":[{"numeric":[123]},{"prefix":["abc"]}]}`, "$or[0].numeric", "reserved word"},
		{"six keys", attrs, `{"key_a":["value_one"],"key_b":["value_two"],"key_c":["value_three"],"key_d":["value_four"],"key_e":["value_five"],"key_f":["value_six"]}`, "", "the filter policy has 6 keys; SNS accepts at most 5"},
		{"six leaf keys nested", body, `{"a":{"b":["1"],"c":["1"],"d":["1"]},"e":{"f":["1"],"g":["1"],"h":["1"]}}`, "", `6 keys; SNS accepts at most 5 ("Filter policy can not have more than 5 keys"); each key mapping to an array counts, nested keys by their leaves`},
		{"six keys in one $or alternative", attrs, `{"a":["1"],"$or":[{"b":["1"]},{"c":["1"],"d":["1"],"e":["1"],"f":["1"],"g":["1"]}]}`, "", "6 keys"},
		{"151 values", attrs, `{"key":` + values(151) + `}`, "", "more than 150 combinations"},
		{"100 x 51", attrs, `{"key1":` + values(100) + `,"key2":` + values(51) + `}`, "", `"Filter policy is too complex"`},
		{"$or of 152 combinations", attrs, `{"source":` + values(4) + `,"$or":[{"metricName":` + values(6) + `},{"metricType":` + values(4) + `,"$or":[{"metricId":[1234,4321,5678,9012]},{"spaceId":[1,2,3,4]}]}]}`, "", "the alternatives of a $or added up"},
		{"nested $or of 160 combinations", body, `{"$or":[{"metricName":["CPUUtilization","ReadLatency","TestValue"]},{"namespace":["AWS/EC2","AWS/ES"]}],"detail":{"scope":["Service","Test"],"$or":[{"source":["aws.cloudwatch"]},{"type":["CloudWatch Alarm State Change","TestValue","TestValue2"]}]}}`, "", "each times its nesting level"},
		{"nested 216 combinations", body, `{"key_a":{"key_b":{"key_c":["value_one","value_two","value_three","value_four"]}},"key_d":{"key_e":["value_one","value_two","value_three"]},"key_f":["value_one","value_two","value_three"]}`, "", "more than 150 combinations"},
		{"a key nested 151 levels deep", body, deep(151), strings.Repeat("a.", 150) + "k", "nested 151 levels deep"},
		{"four wildcards in a pattern", attrs, `{"f":["x",{"wildcard":"*a*b*c*"}]}`, "f[1]", "has 4 wildcard characters; SNS accepts at most 3 per pattern"},
		{"four wildcards in an anything-but", attrs, `{"f":[{"anything-but":{"wildcard":["*a","*a*b*c*"]}}]}`, "f[0]", "has 4 wildcard characters"},
		{"wildcard complexity of 101", attrs, `{"a":[{"wildcard":"*a*b*"},{"wildcard":"*c*d*"},{"wildcard":"*e*f*"}],"b":[{"wildcard":"*a*b"},{"wildcard":"*c"}],"c":[{"wildcard":"*x"},{"anything-but":"y"}],"d":[{"wildcard":"*z"},"plain"],"e":[{"wildcard":"w*"}]}`, "", "wildcard complexity is 101 points; SNS accepts at most 100"},
		{"wildcard complexity names the heaviest field", attrs, `{"a":[{"wildcard":"*a*b*"},{"wildcard":"*c*d*"},{"wildcard":"*e*f*"}],"b":[{"wildcard":"*a*b"},{"wildcard":"*c*d"}]}`, "", "is 105 points; SNS accepts at most 100 (each field scores the sum of its patterns' points times their number: a single wildcard 1 point, several wildcards 3 points each, an anything-but 1 point; a scores 81)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := filterpolicy.Check([]byte(tc.policy), tc.scope)
			var e *filterpolicy.Error
			if !errors.As(err, &e) {
				t.Fatalf("Check = %v, want an *Error at %q", err, tc.path)
			}
			if e.Path != tc.path || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("Check = %q at %q, want %q at %q", e.Msg, e.Path, tc.msg, tc.path)
			}
		})
	}
}

// Check never panics, and returns nil or an *Error, whatever it is given.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{`{}`, `{"a":["b"]}`, `{"a":{"b":[{"wildcard":"*c*"}]}}`,
		`{"$or":[{"a":[{"anything-but":{"wildcard":["*x","y*"]}}]},{"b":{"c":[1]}}]}`, `{"a":[{"numeric":[">",1,"<",2]}]}`} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, policy []byte, messageBody bool) {
		scope := attrs
		if messageBody {
			scope = body
		}
		if err := filterpolicy.Check(policy, scope); err != nil {
			var e *filterpolicy.Error
			if !errors.As(err, &e) {
				t.Fatalf("Check returned %T", err)
			}
		}
	})
}
