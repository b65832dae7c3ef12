package eventpattern_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
)

// pair is an event and a pattern, and whether EventBridge matches them. For
// a non-match, path is the pattern field that must be reported first.
type pair struct {
	name    string
	pattern string
	event   string
	match   bool
	path    string
}

// ec2 is an EventBridge event from Amazon EC2 with the given detail, as the
// guide's examples show them.
func ec2(detail string) string {
	return `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"EC2 Instance State-change Notification",` +
		`"source":"aws.ec2","account":"111122223333","time":"2017-12-22T18:43:48Z","region":"us-west-1",` +
		`"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],"detail":` + detail + `}`
}

// envelope is an event with one envelope field replaced (value is JSON).
func envelope(field, value string) string {
	ev := `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"EC2 Instance State-change Notification",` +
		`"source":"aws.ec2","account":"111122223333","time":"2017-10-02T18:43:48Z","region":"us-west-1",` +
		`"resources":[],"detail":{"state":"running"}}`
	i := strings.Index(ev, `"`+field+`":`)
	if i < 0 {
		panic(field)
	}
	start := i + len(field) + 3
	end := start
	for depth := 0; ; end++ {
		c := ev[end]
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		}
		if depth == 0 && (c == ',' || (c == '}' && end == len(ev)-1)) {
			break
		}
		if depth < 0 {
			break
		}
	}
	return ev[:start] + value + ev[end:]
}

const (
	// "Amazon EventBridge event patterns": the EC2 example event.
	ec2Terminated = `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"EC2 Instance State-change Notification",` +
		`"source":"aws.ec2","account":"111122223333","time":"2017-12-22T18:43:48Z","region":"us-west-1",` +
		`"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],` +
		`"detail":{"instance-id":"i-1234567890abcdef0","state":"terminated"}}`
	ec2TerminationPattern = `{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`

	// "Matching null values and empty strings" (and "Field matching").
	autoscaling = `{"version":"0","id":"3e3c153a-8339-4e30-8c35-687ebef853fe","detail-type":"EC2 Instance Launch Successful",` +
		`"source":"aws.autoscaling","account":"123456789012","time":"2015-11-11T21:31:47Z","region":"us-east-1",` +
		`"resources":[],"detail":{"eventVersion":"","responseElements":null}}`

	// "Value matching": the Macie Classic alert (truncated in the guide).
	macieAlertFmt = `{"version":"0","id":"3e355723-fca9-4de3-9fd7-154c289d6b59","detail-type":"Macie Alert","source":"aws.macie",` +
		`"account":"123456789012","time":"2017-04-24T22:28:49Z","region":"us-east-1",` +
		`"resources":["arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id","arn:aws:macie:us-east-1:123456789012:trigger/trigger_id"],` +
		`"detail":{"notification-type":"ALERT_CREATED","name":"Scanning bucket policies","tags":["Custom_Alert","Insider"],` +
		`"risk-score":80,"trigger":{"rule-arn":"arn:aws:macie:us-east-1:123456789012:trigger/trigger_id","alert-type":"basic","risk":%d},` +
		`"created-at":"2017-04-18T00:21:12.059000"}}`
	macieAlertPattern = `{"source":["aws.macie"],"detail-type":["Macie Alert"],"detail":{"risk-score":[80],"trigger":{"risk":[8]}}}`

	// "Matching events on event field values": the Macie finding.
	macieFindingFmt = `{"version":"0","id":"0948ba87-d3b8-c6d4-f2da-732a1example","detail-type":"Macie Finding","source":"aws.macie",` +
		`"account":"123456789012","time":"2021-04-29T23:12:15Z","region":"us-east-1","resources":[],` +
		`"detail":{"schemaVersion":"1.0","type":"Policy:IAMUser/S3BucketEncryptionDisabled","severity":{"score":1,"description":"Low"},"count":%d}}`
	macieFindingPattern = `{"source":["aws.macie"],"detail-type":["Macie Finding"],"detail":{"severity":{"score":[1]},"count":[2]}}`
)

// eventPatternsPage: "Amazon EventBridge event patterns" (eb-event-patterns;
// awsdocs/amazon-eventbridge-user-guide doc_source/eb-event-patterns.md) and
// its newer split "Matching events on event field values"
// (eb-filtering-data-types): the example events and patterns, and the rules
// the page states in prose (exact strings, numbers by their text, fields
// that must be present with the same nesting), each matching and not.
var eventPatternsPage = []pair{
	{"EC2 termination", ec2TerminationPattern, ec2Terminated, true, ""},
	{"EC2 termination, instance running", ec2TerminationPattern, ec2(`{"instance-id":"i-1234567890abcdef0","state":"running"}`), false, "detail.state"},
	{"source is EC2 or Fargate", `{"source":["aws.ec2","aws.fargate"]}`, ec2Terminated, true, ""},
	{"source is EC2 or Fargate, event from S3", `{"source":["aws.ec2","aws.fargate"]}`, envelope("source", `"aws.s3"`), false, "source"},
	{"responseElements is null", `{"source":["aws.autoscaling"],"detail-type":["EC2 Instance Launch Successful"],"detail":{"responseElements":[null]}}`, autoscaling, true, ""},
	{"Macie risk-score 80 and trigger risk 8", macieAlertPattern, fmt.Sprintf(macieAlertFmt, 8), true, ""},
	{"Macie trigger risk 7", macieAlertPattern, fmt.Sprintf(macieAlertFmt, 7), false, "detail.trigger.risk"},
	{"Macie severity score 1 and count 2", macieFindingPattern, fmt.Sprintf(macieFindingFmt, 2), true, ""},
	{"Macie count 3", macieFindingPattern, fmt.Sprintf(macieFindingFmt, 3), false, "detail.count"},
	{"strings: exact, case-sensitive", ec2TerminationPattern, ec2(`{"state":"Terminated"}`), false, "detail.state"},
	{"numbers by their text: 300", `{"detail":{"x-limit":[300]}}`, ec2(`{"x-limit":300}`), true, ""},
	{"numbers by their text: 300.0 is not 300", `{"detail":{"x-limit":[300]}}`, ec2(`{"x-limit":300.0}`), false, "detail.x-limit"},
	{"numbers by their text: 3.0e2 is not 300", `{"detail":{"x-limit":[300]}}`, ec2(`{"x-limit":3.0e2}`), false, "detail.x-limit"},
	{"a number is not its string", `{"detail":{"x-limit":[300]}}`, ec2(`{"x-limit":"300"}`), false, "detail.x-limit"},
	{"booleans", `{"detail":{"enabled":[true]}}`, ec2(`{"enabled":true}`), true, ""},
	{"a field the event lacks", ec2TerminationPattern, ec2(`{"instance-id":"i-1234567890abcdef0"}`), false, "detail.state"},
	{"same nesting: state outside detail", `{"detail":{"state":["terminated"]}}`, `{"source":"aws.ec2","state":"terminated","detail":{}}`, false, "detail.state"},
	{"fields the pattern does not name are ignored", `{"source":["aws.ec2"]}`, ec2(`{"state":"pending","extra":{"a":[1,2]}}`), true, ""},
}

const (
	resourcesPattern = `{"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",` +
		`"arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f","arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"]}`
	asgARN = `"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate"`
)

// arraysPage: "Arrays in Amazon EventBridge event patterns"
// (eb-event-patterns-arrays): a pattern array matches an event array when
// their intersection is not empty.
var arraysPage = []pair{
	{"resources intersect", resourcesPattern, envelope("resources", `[`+asgARN+`,"arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]`), true, ""},
	{"resources do not intersect", resourcesPattern, envelope("resources", `[`+asgARN+`,"arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f"]`), false, "resources"},
	{"resources empty", resourcesPattern, envelope("resources", `[]`), false, "resources"},
}

// nullPage: "Matching null values and empty strings in Amazon EventBridge
// event patterns" (eb-event-patterns-null-values): "Null values and empty
// strings are not interchangeable".
var nullPage = []pair{
	{"empty string", `{"detail":{"eventVersion":[""]}}`, autoscaling, true, ""},
	{"null", `{"detail":{"responseElements":[null]}}`, autoscaling, true, ""},
	{"empty string does not match null", `{"detail":{"responseElements":[""]}}`, autoscaling, false, "detail.responseElements"},
	{"null does not match an empty string", `{"detail":{"eventVersion":[null]}}`, autoscaling, false, "detail.eventVersion"},
	{"null does not match an absent field", `{"detail":{"requestParameters":[null]}}`, autoscaling, false, "detail.requestParameters"},
}

const (
	// The numeric example of "Content filtering", and its complex example.
	numericPattern = `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`
	complexPattern = `{"time":[{"prefix":"2017-10-02"}],"detail":{"state":[{"anything-but":"initializing"}],` +
		`"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"anything-but":[100,200,300]}]}}`
	cloudWatchOr = `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}`
	detailOr     = `{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}`
	// The exists examples' events, as the page prints them (a missing comma
	// added to the second).
	existsEvent1 = `{"detail-type":["EC2 Instance State-change Notification"],"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],` +
		`"detail":{"state":["initializing","running"]}}`
	existsEvent2 = `{"detail-type":["EC2 Instance State-change Notification"],"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],` +
		`"detail":{"state":["initializing","running"],"c-count":{"c1":100}}}`
)

func cloudWatch(fields string) string {
	return `{"version":"0","id":"1","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","account":"123456789012",` +
		`"time":"2017-10-02T18:43:48Z","region":"us-east-1","resources":[],` + fields + `,"detail":{}}`
}

// contentFilteringPage: "Content filtering in Amazon EventBridge event
// patterns" (content-filtering-with-event-patterns, later
// eb-event-patterns-content-based-filtering and "Comparison operators for
// use in event patterns", eb-create-pattern-operators; the older text from
// awsdocs/amazon-eventbridge-user-guide). The patterns are the page's
// (trailing commas removed); the events are those the page gives (exists)
// or those its prose describes ("any event where the time field started
// with 2017-10-02, such as 2017-10-02T18:43:48Z"), with one that must not
// match each.
var contentFilteringPage = []pair{
	// Prefix matching, and its example "Auto Scaling events from European regions".
	{"prefix", `{"time":[{"prefix":"2017-10-02"}]}`, envelope("time", `"2017-10-02T18:43:48Z"`), true, ""},
	{"prefix, another day", `{"time":[{"prefix":"2017-10-02"}]}`, envelope("time", `"2017-10-03T18:43:48Z"`), false, "time"},
	{"prefix eu-", `{"source":["aws.autoscaling"],"region":[{"prefix":"eu-"}]}`, strings.Replace(autoscaling, "us-east-1", "eu-west-1", 1), true, ""},
	{"prefix eu-, us-east-1", `{"source":["aws.autoscaling"],"region":[{"prefix":"eu-"}]}`, autoscaling, false, "region"},
	{"prefix on a number", `{"detail":{"c-count":[{"prefix":"1"}]}}`, ec2(`{"c-count":12}`), false, "detail.c-count"},
	// Prefix matching while ignoring case: "EventB, EVENTB, eventb, or any other capitalization".
	{"prefix ignoring case: EventBridge", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, ec2(`{"service":"EventBridge"}`), true, ""},
	{"prefix ignoring case: EVENTBRIDGE", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, ec2(`{"service":"EVENTBRIDGE"}`), true, ""},
	{"prefix ignoring case: eventbus", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, ec2(`{"service":"eventbus"}`), true, ""},
	{"prefix ignoring case: Lambda", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, ec2(`{"service":"Lambda"}`), false, "detail.service"},
	// Suffix matching, and while ignoring case.
	{"suffix .png", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"image.png"}`, true, ""},
	{"suffix .png, .PNG", `{"FileName":[{"suffix":".png"}]}`, `{"FileName":"image.PNG"}`, false, "FileName"},
	{"suffix ignoring case, .PNG", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`, ec2(`{"FileName":"image.PNG"}`), true, ""},
	{"suffix ignoring case, .jpg", `{"detail":{"FileName":[{"suffix":{"equals-ignore-case":".png"}}]}}`, ec2(`{"FileName":"image.jpg"}`), false, "detail.FileName"},
	// Anything-but matching.
	{"anything-but a string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, ec2(`{"state":"running"}`), true, ""},
	{"anything-but a string, that string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, ec2(`{"state":"initializing"}`), false, "detail.state"},
	{"anything-but a number", `{"detail":{"x-limit":[{"anything-but":123}]}}`, ec2(`{"x-limit":124}`), true, ""},
	{"anything-but a number, that number", `{"detail":{"x-limit":[{"anything-but":123}]}}`, ec2(`{"x-limit":123}`), false, "detail.x-limit"},
	{"anything-but strings", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, ec2(`{"state":"running"}`), true, ""},
	{"anything-but strings, one of them", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, ec2(`{"state":"overloaded"}`), false, "detail.state"},
	{"anything-but numbers", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, ec2(`{"x-limit":150}`), true, ""},
	{"anything-but numbers, one of them", `{"detail":{"x-limit":[{"anything-but":[100,200,300]}]}}`, ec2(`{"x-limit":200}`), false, "detail.x-limit"},
	{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, ec2(`{"state":"running"}`), true, ""},
	{"anything-but prefix, initializing", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, ec2(`{"state":"initializing"}`), false, "detail.state"},
	{"all but CloudTrail", `{"detail-type":[{"anything-but":"AWS API Call via CloudTrail"}]}`, ec2Terminated, true, ""},
	{"all but CloudTrail, CloudTrail", `{"detail-type":[{"anything-but":"AWS API Call via CloudTrail"}]}`, envelope("detail-type", `"AWS API Call via CloudTrail"`), false, "detail-type"},
	{"all but EC2 and S3", `{"source":[{"anything-but":["aws.ec2","aws.s3"]}]}`, envelope("source", `"com.mycompany.orders"`), true, ""},
	{"all but EC2 and S3, S3", `{"source":[{"anything-but":["aws.ec2","aws.s3"]}]}`, envelope("source", `"aws.s3"`), false, "source"},
	{"only your own events", `{"source":[{"anything-but":{"prefix":"aws."}}]}`, envelope("source", `"com.mycompany.orders"`), true, ""},
	{"only your own events, EC2's", `{"source":[{"anything-but":{"prefix":"aws."}}]}`, ec2Terminated, false, "source"},
	{"anything-but suffix", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`, ec2(`{"FileName":"notes.md"}`), true, ""},
	{"anything-but suffix, .txt", `{"detail":{"FileName":[{"anything-but":{"suffix":".txt"}}]}}`, ec2(`{"FileName":"notes.txt"}`), false, "detail.FileName"},
	{"anything-but ignoring case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}`, ec2(`{"state":"running"}`), true, ""},
	{"anything-but ignoring case, INITIALIZING", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}}`, ec2(`{"state":"INITIALIZING"}`), false, "detail.state"},
	{"anything-but ignoring case, list", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["initializing","stopped"]}}]}}`, ec2(`{"state":"Stopped"}`), false, "detail.state"},
	{"anything-but wildcard", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`, ec2(`{"FilePath":"/usr/bin/ls"}`), true, ""},
	{"anything-but wildcard, /lib/", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}}`, ec2(`{"FilePath":"/usr/lib/libc.so"}`), false, "detail.FilePath"},
	{"anything-but wildcards", `{"detail":{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}}`, ec2(`{"FilePath":"/etc/hosts"}`), true, ""},
	{"anything-but wildcards, /bin/", `{"detail":{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*/bin/*"]}}]}}`, ec2(`{"FilePath":"/usr/bin/ls"}`), false, "detail.FilePath"},
	// Lists of prefixes and suffixes (Event Ruler README; LocalStack's
	// recording of AWS, content_anything_prefix_list).
	{"anything-but prefixes", `{"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}`, ec2(`{"state":"post-init"}`), true, ""},
	{"anything-but prefixes, test-1", `{"detail":{"state":[{"anything-but":{"prefix":["init","test"]}}]}}`, ec2(`{"state":"test-1"}`), false, "detail.state"},
	{"anything-but suffixes, .md", `{"detail":{"FileName":[{"anything-but":{"suffix":[".txt",".md"]}}]}}`, ec2(`{"FileName":"a.md"}`), false, "detail.FileName"},
	{"anything-but wildcard, null", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}`, ec2(`{"FilePath":null}`), true, ""},
	{"anything-but wildcard, a number", `{"detail":{"FilePath":[{"anything-but":{"wildcard":"*/dir/*"}}]}}`, ec2(`{"FilePath":123}`), true, ""},
	// Numeric matching: "only matches events that are true for all fields".
	{"numeric", numericPattern, ec2(`{"c-count":5,"d-count":3,"x-limit":301.8}`), true, ""},
	{"numeric, c-count 0", numericPattern, ec2(`{"c-count":0,"d-count":3,"x-limit":301.8}`), false, "detail.c-count"},
	{"numeric, d-count 10", numericPattern, ec2(`{"c-count":5,"d-count":10,"x-limit":301.8}`), false, "detail.d-count"},
	{"numeric, x-limit 302", numericPattern, ec2(`{"c-count":5,"d-count":3,"x-limit":302}`), false, "detail.x-limit"},
	{"numeric, a string", numericPattern, ec2(`{"c-count":"5","d-count":3,"x-limit":301.8}`), false, "detail.c-count"},
	{"numeric, six decimals", numericPattern, ec2(`{"c-count":5.0000001,"d-count":3,"x-limit":3.018e2}`), true, ""},
	{"numeric within ±5.0e9", `{"detail":{"bytes":[{"numeric":[">",4e9]}]}}`, ec2(`{"bytes":4500000000}`), true, ""},
	{"numeric beyond 5.0e9", `{"detail":{"bytes":[{"numeric":[">",4e9]}]}}`, ec2(`{"bytes":6000000000}`), false, "detail.bytes"},
	// IP address matching, "for IPv4 and IPv6 addresses".
	{"cidr", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`, ec2(`{"sourceIPAddress":"10.0.0.255"}`), true, ""},
	{"cidr, another network", `{"detail":{"sourceIPAddress":[{"cidr":"10.0.0.0/24"}]}}`, ec2(`{"sourceIPAddress":"10.0.1.1"}`), false, "detail.sourceIPAddress"},
	{"cidr, not an address", `{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}`, ec2(`{"source-ip":"ten"}`), false, "detail.source-ip"},
	{"cidr IPv6", `{"detail":{"sourceIPAddress":[{"cidr":"2001:db8::/64"}]}}`, ec2(`{"sourceIPAddress":"2001:db8::1"}`), true, ""},
	{"cidr IPv6, another network", `{"detail":{"sourceIPAddress":[{"cidr":"2001:db8::/64"}]}}`, ec2(`{"sourceIPAddress":"2001:db8:0:1::1"}`), false, "detail.sourceIPAddress"},
	// Exists matching: the page's two events, and "only works on leaf nodes".
	{"exists false, no c-count", `{"detail":{"c-count":[{"exists":false}]}}`, existsEvent1, true, ""},
	{"exists false, c-count not a leaf", `{"detail":{"c-count":[{"exists":false}]}}`, existsEvent2, true, ""},
	{"exists false, c-count 5", `{"detail":{"c-count":[{"exists":false}]}}`, ec2(`{"c-count":5}`), false, "detail.c-count"},
	{"exists true", `{"detail":{"description":[{"exists":true}]}}`, ec2(`{"description":"full text"}`), true, ""},
	{"exists true, none", `{"detail":{"description":[{"exists":true}]}}`, ec2(`{"state":"running"}`), false, "detail.description"},
	// Complex example with multiple matching.
	{"complex", complexPattern, envelope("detail", `{"state":"running","c-count":5,"d-count":3,"x-limit":301.8}`), true, ""},
	{"complex, x-limit 200", complexPattern, envelope("detail", `{"state":"running","c-count":5,"d-count":3,"x-limit":200}`), false, "detail.x-limit"},
	// Equals-ignore-case and wildcard matching.
	{"equals-ignore-case", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`, ec2Terminated, true, ""},
	{"equals-ignore-case, another type", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`, autoscaling, false, "detail-type"},
	{"wildcard", `{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}`, `{"EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/orders"}`, true, ""},
	{"wildcard, another region", `{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}`, `{"EventBusArn":"arn:aws:events:us-west-2:123456789012:event-bus/orders"}`, false, "EventBusArn"},
	// $or matching.
	{"$or: metricName", cloudWatchOr, cloudWatch(`"metricName":"ReadLatency","namespace":"AWS/RDS"`), true, ""},
	{"$or: namespace", cloudWatchOr, cloudWatch(`"metricName":"DiskReadOps","namespace":"AWS/ES"`), true, ""},
	{"$or: neither", cloudWatchOr, cloudWatch(`"metricName":"DiskReadOps","namespace":"AWS/RDS"`), false, "$or"},
	{"$or: and source", cloudWatchOr, strings.Replace(cloudWatch(`"metricName":"CPUUtilization"`), "aws.cloudwatch", "aws.ec2", 1), false, "source"},
	{"$or in detail: x-limit", detailOr, ec2(`{"c-count":7,"d-count":12,"x-limit":301.8}`), true, ""},
	{"$or in detail: none", detailOr, ec2(`{"c-count":7,"d-count":12,"x-limit":300}`), false, "detail.$or"},
}

// operatorsTable: the table of "Comparison operators for use in event
// patterns in Amazon EventBridge" (eb-create-pattern-operators): each row's
// rule syntax, wrapped in an object, against an event its example column
// describes ("Region is not in the US") and one it does not.
var operatorsTable = []pair{
	{"And", `{"Location":["New York"],"Day":["Monday"]}`, `{"Location":"New York","Day":"Monday"}`, true, ""},
	{"And, Tuesday", `{"Location":["New York"],"Day":["Monday"]}`, `{"Location":"New York","Day":"Tuesday"}`, false, "Day"},
	{"Anything-but (begins with)", `{"Region":[{"anything-but":{"prefix":"us-"}}]}`, `{"Region":"eu-west-1"}`, true, ""},
	{"Anything-but (begins with), in the US", `{"Region":[{"anything-but":{"prefix":"us-"}}]}`, `{"Region":"us-east-1"}`, false, "Region"},
	{"Begins with", `{"Region":[{"prefix":"us-"}]}`, `{"Region":"us-east-1"}`, true, ""},
	{"Ends with (ignore case)", `{"service":[{"suffix":{"equals-ignore-case":"tbridge"}}]}`, `{"service":"EVENTBRIDGE"}`, true, ""},
	{"Empty", `{"LastName":[""]}`, `{"LastName":""}`, true, ""},
	{"Empty, absent", `{"LastName":[""]}`, `{"FirstName":"Alice"}`, false, "LastName"},
	{"Equals", `{"Name":["Alice"]}`, `{"Name":"Alice"}`, true, ""},
	{"Equals (ignore case)", `{"Name":[{"equals-ignore-case":"alice"}]}`, `{"Name":"Alice"}`, true, ""},
	{"Equals (ignore case), Alicia", `{"Name":[{"equals-ignore-case":"alice"}]}`, `{"Name":"Alicia"}`, false, "Name"},
	{"Exists", `{"ProductName":[{"exists":true}]}`, `{"ProductName":"Widget"}`, true, ""},
	{"Does not exist", `{"ProductName":[{"exists":false}]}`, `{"ProductName":"Widget"}`, false, "ProductName"},
	{"Not", `{"Weather":[{"anything-but":["Raining"]}]}`, `{"Weather":"Sunny"}`, true, ""},
	{"Not, raining", `{"Weather":[{"anything-but":["Raining"]}]}`, `{"Weather":"Raining"}`, false, "Weather"},
	{"Null", `{"UserID":[null]}`, `{"UserID":null}`, true, ""},
	{"Null, an id", `{"UserID":[null]}`, `{"UserID":"u-1"}`, false, "UserID"},
	{"Numeric (equals)", `{"Price":[{"numeric":["=",100]}]}`, `{"Price":100.0}`, true, ""},
	{"Numeric (range)", `{"Price":[{"numeric":[">",10,"<=",20]}]}`, `{"Price":20}`, true, ""},
	{"Numeric (range), 10", `{"Price":[{"numeric":[">",10,"<=",20]}]}`, `{"Price":10}`, false, "Price"},
	{"Or", `{"PaymentType":["Credit","Debit"]}`, `{"PaymentType":"Debit"}`, true, ""},
	{"Or, cash", `{"PaymentType":["Credit","Debit"]}`, `{"PaymentType":"Cash"}`, false, "PaymentType"},
	{"Or (multiple fields)", `{"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}`, `{"Location":"Paris","Day":"Monday"}`, true, ""},
	{"Or (multiple fields), neither", `{"$or":[{"Location":["New York"]},{"Day":["Monday"]}]}`, `{"Location":"Paris","Day":"Tuesday"}`, false, "$or"},
	{"Wildcard", `{"FileName":[{"wildcard":"dir/*.png"}]}`, `{"FileName":"dir/holiday/beach.png"}`, true, ""},
	{"Wildcard, another folder", `{"FileName":[{"wildcard":"dir/*.png"}]}`, `{"FileName":"pictures/beach.png"}`, false, "FileName"},
}

// seedRules are the seed stack's four rules (config/samples), as JSON.
var seedRules = map[string]string{
	"order-events-rule":        `{"source":["orders"],"detail-type":["Order Created","Order Completed"]}`,
	"inventory-events-rule":    `{"source":["inventory"],"detail-type":["Inventory Updated"]}`,
	"notification-events-rule": `{"source":["notifications"],"detail-type":["Notification Sent"]}`,
	"workflow-events-rule":     `{"source":["workflow"],"detail-type":["Workflow Triggered"]}`,
}

func seedEvent(source, detailType, detail string) string {
	return fmt.Sprintf(`{"version":"0","id":"11111111-2222-3333-4444-555555555555","detail-type":%q,"source":%q,`+
		`"account":"000000000000","time":"2024-01-15T10:00:01Z","region":"us-east-1","resources":[],"detail":%s}`, detailType, source, detail)
}

// The seed's "Event Patterns" examples (Order Created, Inventory Updated,
// Workflow Triggered), and a Notification Sent of ours (the seed has none;
// the shape is that the notification processor takes).
var (
	orderCreated      = seedEvent("orders", "Order Created", `{"order_id":"ORD-001","customer_id":"CUST-001","items":[{"item_id":"ITEM-001","quantity":2,"price":29.99}],"total":59.98,"timestamp":"2024-01-15T10:00:00Z"}`)
	inventoryUpdated  = seedEvent("inventory", "Inventory Updated", `{"item_id":"ITEM-001","quantity":100,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}`)
	workflowTriggered = seedEvent("workflow", "Workflow Triggered", `{"workflow_id":"WF-001","order_id":"ORD-001","timestamp":"2024-01-15T10:00:00Z"}`)
	notificationSent  = seedEvent("notifications", "Notification Sent", `{"notification_id":"NOTIF-001","order_id":"ORD-001","channel":"email","subject":"Order shipped","message":"Your order ORD-001 has shipped.","timestamp":"2024-01-15T10:06:00Z"}`)
)

// seedPairs: each of the seed's rules against each example event: exactly
// the rule for the event matches, and a miss names detail-type (the first
// field in the pattern's order) or source.
func seedPairs() []pair {
	events := []struct{ rule, event string }{
		{"order-events-rule", orderCreated},
		{"inventory-events-rule", inventoryUpdated},
		{"workflow-events-rule", workflowTriggered},
		{"notification-events-rule", notificationSent},
	}
	var out []pair
	for _, e := range events {
		for _, rule := range []string{"order-events-rule", "inventory-events-rule", "notification-events-rule", "workflow-events-rule"} {
			p := pair{name: rule + " / " + e.rule, pattern: seedRules[rule], event: e.event, match: rule == e.rule}
			if !p.match {
				p.path = "detail-type"
			}
			out = append(out, p)
		}
	}
	return out
}

// ourRules: what the pages state in prose only, or leave to Event Ruler,
// on events of the seed's shape.
var ourRules = []pair{
	{"arrays of objects: one item", `{"detail":{"items":{"quantity":[{"numeric":[">",1]}]}}}`, orderCreated, true, ""},
	{"arrays of objects: no such item", `{"detail":{"items":{"item_id":["ITEM-002"]}}}`, orderCreated, false, "detail.items[].item_id"},
	{"arrays of objects: one element must match all", `{"items":{"item_id":["A"],"quantity":[5]}}`,
		`{"items":[{"item_id":"A","quantity":1},{"item_id":"B","quantity":5}]}`, false, "items[].quantity"},
	{"arrays of objects: one element matches all", `{"items":{"item_id":["B"],"quantity":[5]}}`,
		`{"items":[{"item_id":"A","quantity":1},{"item_id":"B","quantity":5}]}`, true, ""},
	{"nested arrays are flat", `{"tags":["x"]}`, `{"tags":[["w"],["x"]]}`, true, ""},
	{"anything-but on an array: one value not excluded", `{"price":[{"anything-but":[100,500]}]}`, `{"price":[100,50]}`, true, ""},
	{"anything-but on an array: every value excluded", `{"price":[{"anything-but":[100,500]}]}`, `{"price":[100,500]}`, false, "price"},
	{"anything-but needs a value", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, orderCreated, false, "detail.state"},
	{"anything-but a number excludes by value", `{"x":[{"anything-but":123}]}`, `{"x":123.0}`, false, "x"},
	{"anything-but a string does not exclude a number", `{"x":[{"anything-but":"5"}]}`, `{"x":5}`, true, ""},
	{"exists: an empty array holds no value", `{"x":[{"exists":false}]}`, `{"x":[]}`, true, ""},
	{"exists: null is a value", `{"x":[{"exists":true}]}`, `{"x":null}`, true, ""},
	{"exists: below an absent object", `{"detail":{"c-count":[{"exists":false}]}}`, `{"source":"aws.ec2"}`, true, ""},
	{"values or matchers", `{"detail":{"state":["running",{"prefix":"stop"},{"exists":false}]}}`, ec2(`{"state":"stopping"}`), true, ""},
	{"wildcard: an escaped star", `{"name":[{"wildcard":"a\\*b"}]}`, `{"name":"a*b"}`, true, ""},
	{"wildcard: an escaped star is not a wildcard", `{"name":[{"wildcard":"a\\*b"}]}`, `{"name":"axxb"}`, false, "name"},
	{"wildcard: several stars", `{"name":[{"wildcard":"*Title*"}]}`, `{"name":"The Title Page"}`, true, ""},
	{"wildcard: the whole string", `{"name":[{"wildcard":"*.png"}]}`, `{"name":"a.png.txt"}`, false, "name"},
	{"numeric beyond the limits", `{"x":[{"numeric":[">",0]}]}`, `{"x":6e9}`, false, "x"},
	{"a pattern object against a string", `{"detail":{"state":["running"]}}`, `{"detail":"running"}`, false, "detail.state"},
	{"nested $or", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"],"$or":[{"metricId":[1234]},{"spaceId":[1000]}]}]}`,
		cloudWatch(`"metricName":"DiskReadOps","namespace":"AWS/EC2","spaceId":1000`), true, ""},
	{"nested $or, neither inner", `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"],"$or":[{"metricId":[1234]},{"spaceId":[1000]}]}]}`,
		cloudWatch(`"metricName":"DiskReadOps","namespace":"AWS/EC2","spaceId":1001`), false, "$or"},
}

func TestMatch(t *testing.T) {
	groups := []struct {
		name  string
		pairs []pair
	}{
		{"event patterns", eventPatternsPage},
		{"arrays", arraysPage},
		{"null and empty", nullPage},
		{"content filtering", contentFilteringPage},
		{"comparison operators", operatorsTable},
		{"seed", seedPairs()},
		{"ours", ourRules},
	}
	documented, matching := 0, 0
	for _, g := range groups {
		for _, p := range g.pairs {
			t.Run(g.name+"/"+p.name, func(t *testing.T) {
				if err := eventpattern.Check([]byte(p.pattern)); err != nil {
					t.Fatalf("the pattern is refused by Check: %v", err)
				}
				got, err := eventpattern.Match([]byte(p.pattern), []byte(p.event))
				if err != nil {
					t.Fatal(err)
				}
				if got.Matched != p.match {
					t.Fatalf("matched %v, want %v: %s", got.Matched, p.match, got.Reason())
				}
				if p.match {
					if len(got.Mismatches) != 0 {
						t.Errorf("a match with mismatches: %+v", got.Mismatches)
					}
					return
				}
				if len(got.Mismatches) == 0 || got.Mismatches[0].Path != p.path {
					t.Errorf("first mismatch %+v, want path %q", got.Mismatches, p.path)
				}
				if !strings.HasPrefix(got.Reason(), p.path+" ") && !strings.Contains(got.Reason(), " of "+p.path+" ") {
					t.Errorf("reason %q does not start with the path %q", got.Reason(), p.path)
				}
			})
			if g.name != "ours" {
				documented++
				if p.match {
					matching++
				}
			}
		}
	}
	// The issue asks for at least 60 documented pairs, matching and not.
	if documented < 60 || matching < 20 || documented-matching < 20 {
		t.Errorf("%d documented pairs, %d of them matching: want at least 60, both kinds", documented, matching)
	}
}

// The reason says where the event fails and what the pattern wanted.
func TestMismatchSentences(t *testing.T) {
	cases := []struct {
		name, pattern, event, want string
	}{
		{"a seed rule", seedRules["order-events-rule"], inventoryUpdated,
			`detail-type is "Inventory Updated"; the pattern wants "Order Created" or "Order Completed"`},
		{"absent", `{"detail":{"state":["running"]}}`, orderCreated, `detail.state is absent; the pattern wants "running"`},
		{"an item", `{"detail":{"items":{"quantity":[{"numeric":[">",5]}]}}}`, orderCreated,
			`detail.items[].quantity is 2; the pattern wants a number > 5`},
		{"matchers", `{"detail":{"order_id":[{"prefix":"INV-"},{"suffix":{"equals-ignore-case":"-x"}},{"anything-but":{"wildcard":["ORD-*","X*"]}}]}}`, orderCreated,
			`detail.order_id is "ORD-001"; the pattern wants a string starting with "INV-" or a string ending with "-x" in any case or a value not matching the wildcard one of "ORD-*", "X*"`},
		{"exists false", `{"detail":{"total":[{"exists":false}]}}`, orderCreated, `detail.total is 59.98; the pattern wants the field absent`},
		{"numeric range and cidr", `{"detail":{"total":[{"numeric":[">=",100,"<",200]},{"cidr":"10.0.0.0/8"}]}}`, orderCreated,
			`detail.total is 59.98; the pattern wants a number >= 100 and < 200 or an IP address in 10.0.0.0/8`},
		{"$or", `{"detail":{"$or":[{"total":[{"numeric":[">",100]}]},{"customer_id":["CUST-002"],"order_id":["ORD-002"]}]}}`, orderCreated,
			`no alternative of detail.$or matches: (1) detail.total is 59.98; the pattern wants a number > 100; (2) detail.customer_id is "CUST-001"; the pattern wants "CUST-002" (and 1 more)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := eventpattern.Match([]byte(c.pattern), []byte(c.event))
			if err != nil {
				t.Fatal(err)
			}
			if got.Matched || got.Reason() != c.want {
				t.Errorf("reason\n got %q\nwant %q", got.Reason(), c.want)
			}
		})
	}
	// Every failing field is reported, in the pattern's order.
	got, _ := eventpattern.Match([]byte(seedRules["workflow-events-rule"]), []byte(orderCreated))
	if len(got.Mismatches) != 2 || got.Mismatches[0].Path != "detail-type" || got.Mismatches[1].Path != "source" ||
		got.Mismatches[1].Value != `"orders"` || got.Mismatches[1].Want != `"workflow"` {
		t.Errorf("mismatches %+v", got.Mismatches)
	}
}

// Parse refuses what Check refuses, with the same *Error; ParseEvent takes
// JSON objects only.
func TestParseRefuses(t *testing.T) {
	for _, p := range invalidPatterns {
		_, err := eventpattern.Parse([]byte(p.pattern))
		var e *eventpattern.Error
		if !errors.As(err, &e) || e.Path != p.path {
			t.Errorf("%s: Parse error %v, want path %q", p.name, err, p.path)
		}
	}
	for _, bad := range []string{``, `[]`, `"event"`, `{"a":1} {}`, `{"a":`} {
		if _, err := eventpattern.ParseEvent([]byte(bad)); err == nil {
			t.Errorf("event %q accepted", bad)
		}
	}
	if _, err := eventpattern.Match([]byte(`{"source":["a"]}`), []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "event must be a JSON object") {
		t.Errorf("Match of an array: %v", err)
	}
}
