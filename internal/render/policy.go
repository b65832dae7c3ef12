package render

import (
	"encoding/json"
	"sort"
	"strings"
)

// PolicyDocument is an IAM policy document. Statements keep the order they were
// added in and each one's actions and resources are sorted, so the same inputs
// always give the same JSON (and no needless child write).
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]string         `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

func newPolicy() *PolicyDocument { return &PolicyDocument{Version: "2012-10-17"} }

// allow adds a statement allowing actions on resources, merging it into an
// earlier statement with the same Sid. The Sid keeps only its letters and
// digits: IAM refuses any other character in a statement id
// (MalformedPolicyDocument, "Statement IDs (SID) must be alpha-numeric").
func (p *PolicyDocument) allow(sid string, actions []string, resources ...string) {
	sid = statementID(sid)
	for i := range p.Statement {
		if p.Statement[i].Sid == sid {
			p.Statement[i].Action = sortedUnique(append(p.Statement[i].Action, actions...))
			p.Statement[i].Resource = sortedUnique(append(p.Statement[i].Resource, resources...))
			return
		}
	}
	p.Statement = append(p.Statement, Statement{
		Sid: sid, Effect: "Allow", Action: sortedUnique(actions), Resource: sortedUnique(resources),
	})
}

// statementID is s with every character IAM refuses in a Sid dropped: IAM
// takes [0-9A-Za-z]* (IAM JSON policy elements, Sid).
func statementID(s string) string {
	return strings.Map(func(r rune) rune {
		if ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z') {
			return r
		}
		return -1
	}, s)
}

// JSON returns the document as compact JSON.
func (p *PolicyDocument) JSON() string {
	b, err := json.Marshal(p)
	if err != nil { // only strings and maps of strings: cannot fail
		panic(err)
	}
	return string(b)
}

// assumeRolePolicy lets an AWS service assume a role.
func assumeRolePolicy(service string) string {
	p := newPolicy()
	p.Statement = append(p.Statement, Statement{
		Effect: "Allow", Principal: map[string]string{"Service": service}, Action: []string{"sts:AssumeRole"},
	})
	return p.JSON()
}

func sortedUnique(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

var (
	tableReadActions  = []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
	tableWriteActions = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
	queueSendActions  = []string{"sqs:GetQueueAttributes", "sqs:SendMessage"}
	queueRecvActions  = []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}
	xrayActions       = []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}
	// sfnLogDeliveryActions are what a state machine's role needs to log to
	// CloudWatch Logs (Step Functions Developer Guide, "IAM policies for
	// logging to CloudWatch Logs").
	sfnLogDeliveryActions = []string{"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
		"logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery"}
	sfnXrayActions = []string{"xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}
	logsActions    = []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
)
