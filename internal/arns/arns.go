// Package arns derives the identifiers AWS gives a resource from its name, the
// region and the account: ARNs and SQS queue URLs follow documented formats,
// so once the account is known they need not be waited for. The operator
// renders policies, environment variables, workflow definitions and targets
// with them before the resources exist (AWS does not check those), and the
// kubectl plugin predicts a whole stack offline with them.
package arns

import (
	"fmt"
	"strings"
)

// Partition is the AWS partition of a region: aws, aws-cn or aws-us-gov.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// Scope is a region of an account: what a resource's ARN is made of besides
// its name.
type Scope struct {
	Region  string
	Account string
}

// Partition is the scope's partition.
func (s Scope) Partition() string { return Partition(s.Region) }

func (s Scope) arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", s.Partition(), service, s.Region, s.Account, resource)
}

// Table is a DynamoDB table's ARN.
func (s Scope) Table(name string) string { return s.arn("dynamodb", "table/"+name) }

// Topic is an SNS topic's ARN.
func (s Scope) Topic(name string) string { return s.arn("sns", name) }

// Queue is an SQS queue's ARN.
func (s Scope) Queue(name string) string { return s.arn("sqs", name) }

// QueueURL is the URL SQS gives a queue.
func (s Scope) QueueURL(name string) string {
	domain := "amazonaws.com"
	if s.Partition() == "aws-cn" {
		domain = "amazonaws.com.cn"
	}
	return fmt.Sprintf("https://sqs.%s.%s/%s/%s", s.Region, domain, s.Account, name)
}

// Function is a Lambda function's ARN (unqualified).
func (s Scope) Function(name string) string { return s.arn("lambda", "function:"+name) }

// EventSourceMapping is the ARN of a Lambda event source mapping, by the
// UUID Lambda gives it.
func (s Scope) EventSourceMapping(uuid string) string {
	return s.arn("lambda", "event-source-mapping:"+uuid)
}

// StateMachine is a Step Functions state machine's ARN.
func (s Scope) StateMachine(name string) string { return s.arn("states", "stateMachine:"+name) }

// Role is an IAM role's ARN (path /). IAM is global: no region.
func (s Scope) Role(name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", s.Partition(), s.Account, name)
}

// Subscription is the ARN of an SNS subscription: its topic's ARN and the
// id SNS gives it.
func Subscription(topicARN, id string) string { return topicARN + ":" + id }

// EventBus is a custom EventBridge bus's ARN.
func (s Scope) EventBus(name string) string { return s.arn("events", "event-bus/"+name) }

// Rule is the ARN of a rule on a custom bus.
func (s Scope) Rule(bus, name string) string { return s.arn("events", "rule/"+bus+"/"+name) }

// DefaultBusRule is the ARN of a rule on the account's default bus.
func (s Scope) DefaultBusRule(name string) string { return s.arn("events", "rule/"+name) }

// LogGroup is a CloudWatch Logs log group's ARN, as Step Functions takes it
// (ending in :*).
func (s Scope) LogGroup(name string) string { return s.arn("logs", "log-group:"+name+":*") }

// Alarm is a CloudWatch alarm's ARN.
func (s Scope) Alarm(name string) string { return s.arn("cloudwatch", "alarm:"+name) }

// Account returns the account of an ARN ("" when it has none, as an S3 ARN).
func Account(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}
