package arns

import "testing"

// The formats AWS documents for each resource, in each partition.
func TestFormats(t *testing.T) {
	s := Scope{Region: "us-east-1", Account: "123456789012"}
	cn := Scope{Region: "cn-north-1", Account: "123456789012"}
	gov := Scope{Region: "us-gov-west-1", Account: "123456789012"}
	for _, c := range [][2]string{
		{s.Table("orders"), "arn:aws:dynamodb:us-east-1:123456789012:table/orders"},
		{s.Topic("notes"), "arn:aws:sns:us-east-1:123456789012:notes"},
		{s.Queue("q"), "arn:aws:sqs:us-east-1:123456789012:q"},
		{s.QueueURL("q"), "https://sqs.us-east-1.amazonaws.com/123456789012/q"},
		{cn.QueueURL("q"), "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"},
		{s.Function("f"), "arn:aws:lambda:us-east-1:123456789012:function:f"},
		{s.EventSourceMapping("a1b2"), "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:a1b2"},
		{Subscription(s.Topic("notes"), "a1b2"), "arn:aws:sns:us-east-1:123456789012:notes:a1b2"},
		{s.StateMachine("saga"), "arn:aws:states:us-east-1:123456789012:stateMachine:saga"},
		{gov.Role("r"), "arn:aws-us-gov:iam::123456789012:role/r"},
		{cn.EventBus("bus"), "arn:aws-cn:events:cn-north-1:123456789012:event-bus/bus"},
		{s.Rule("bus", "r"), "arn:aws:events:us-east-1:123456789012:rule/bus/r"},
		{s.LogGroup("/aws/vendedlogs/states/x"), "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/x:*"},
		{Account("arn:aws:iam::210987654321:role/x"), "210987654321"},
		{Account("arn:aws:s3:::bucket"), ""},
		{Account("not an arn"), ""},
	} {
		if c[0] != c[1] {
			t.Errorf("got %q, want %q", c[0], c[1])
		}
	}
}
