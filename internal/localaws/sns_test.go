package localaws

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func snsTestClient(e *env) *sns.Client {
	return sns.NewFromConfig(e.cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(e.url) })
}

const snsTopicARN = "arn:aws:sns:us-east-1:123456789012:"

// wantSNSInvalid checks that err is SNS's InvalidParameter with this message.
func wantSNSInvalid(t *testing.T, err error, message string) {
	t.Helper()
	var ip *snstypes.InvalidParameterException
	if !errors.As(err, &ip) {
		t.Fatalf("want InvalidParameter %q, got %v", message, err)
	}
	wantCode(t, err, "InvalidParameter", http.StatusBadRequest)
	if got := aws.ToString(ip.Message); got != message {
		t.Fatalf("message = %q, want %q", got, message)
	}
}

func wantSNSNotFound(t *testing.T, err error, message string) {
	t.Helper()
	var nf *snstypes.NotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != message {
		t.Fatalf("want NotFound %q, got %v", message, err)
	}
	// What the sns-controller tests for (topic/sdk.go, subscription/sdk.go sdkFind).
	wantCode(t, err, "NotFound", http.StatusNotFound)
}

func snsTopicAttrs(t *testing.T, c *sns.Client, arn string) map[string]string {
	t.Helper()
	return must(c.GetTopicAttributes(ctx(t), &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)}))(t).Attributes
}

func snsSubAttrs(t *testing.T, c *sns.Client, arn string) map[string]string {
	t.Helper()
	return must(c.GetSubscriptionAttributes(ctx(t), &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn)}))(t).Attributes
}

func snsTagList(pairs ...string) []snstypes.Tag {
	var out []snstypes.Tag
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, snstypes.Tag{Key: aws.String(pairs[i]), Value: aws.String(pairs[i+1])})
	}
	return out
}

func TestSNSTopicLifecycle(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)

	in := &sns.CreateTopicInput{Name: aws.String("orders"), Attributes: map[string]string{"DisplayName": "Orders"},
		Tags: snsTagList("services.k8s.aws/namespace", "default", "team", "a")}
	arn := aws.ToString(must(c.CreateTopic(cx, in))(t).TopicArn)
	if arn != snsTopicARN+"orders" {
		t.Fatalf("TopicArn = %s", arn)
	}
	// Idempotent for the same name, attributes and tags.
	if again := aws.ToString(must(c.CreateTopic(cx, in))(t).TopicArn); again != arn {
		t.Fatalf("second CreateTopic = %s", again)
	}
	if again := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("orders")}))(t).TopicArn); again != arn {
		t.Fatalf("CreateTopic without attributes = %s", again)
	}
	_, err := c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("orders"), Tags: snsTagList("team", "b")})
	wantSNSInvalid(t, err, "Invalid parameter: Tags Reason: Topic already exists with different tags")
	_, err = c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("orders"), Attributes: map[string]string{"DisplayName": "Other"}})
	wantSNSInvalid(t, err, "Invalid parameter: Attributes Reason: Topic already exists with different attributes")

	attrs := snsTopicAttrs(t, c, arn)
	for k, v := range map[string]string{"TopicArn": arn, "Owner": "123456789012", "DisplayName": "Orders",
		"SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "SubscriptionsDeleted": "0"} {
		if attrs[k] != v {
			t.Errorf("%s = %q, want %q", k, attrs[k], v)
		}
	}
	var policy struct {
		Version, Id string
		Statement   []struct {
			Sid, Effect, Resource string
			Principal             map[string]string
			Action                []string
			Condition             map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(attrs["Policy"]), &policy); err != nil {
		t.Fatalf("Policy %q: %v", attrs["Policy"], err)
	}
	if policy.Id != "__default_policy_ID" || policy.Version != "2008-10-17" || len(policy.Statement) != 1 ||
		policy.Statement[0].Resource != arn || policy.Statement[0].Condition["StringEquals"]["AWS:SourceOwner"] != "123456789012" ||
		policy.Statement[0].Principal["AWS"] != "*" || len(policy.Statement[0].Action) != 8 {
		t.Fatalf("default Policy = %s", attrs["Policy"])
	}
	var edp map[string]map[string]any
	if err := json.Unmarshal([]byte(attrs["EffectiveDeliveryPolicy"]), &edp); err != nil || edp["http"]["defaultHealthyRetryPolicy"] == nil {
		t.Fatalf("EffectiveDeliveryPolicy = %q", attrs["EffectiveDeliveryPolicy"])
	}
	for _, k := range []string{"FifoTopic", "ContentBasedDeduplication", "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "DeliveryPolicy"} {
		if v, ok := attrs[k]; ok {
			t.Errorf("%s = %q on a standard topic without it", k, v)
		}
	}

	set := func(name, value string) error {
		_, err := c.SetTopicAttributes(cx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String(name), AttributeValue: aws.String(value)})
		return err
	}
	own := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sns:Publish","Resource":"` + arn + `"}]}`
	for name, value := range map[string]string{"Policy": own, "DisplayName": "", "SignatureVersion": "2", "TracingConfig": "Active",
		"KmsMasterKeyId": "alias/aws/sns", "DeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"numRetries":5}}}`, "HTTPSuccessFeedbackSampleRate": "50"} {
		if err := set(name, value); err != nil {
			t.Fatalf("SetTopicAttributes %s: %v", name, err)
		}
		if got := snsTopicAttrs(t, c, arn)[name]; got != value {
			t.Fatalf("%s = %q after SetTopicAttributes %q", name, got, value)
		}
	}
	if got := snsTopicAttrs(t, c, arn)["EffectiveDeliveryPolicy"]; !strings.Contains(got, `"numRetries":5`) {
		t.Fatalf("EffectiveDeliveryPolicy with a DeliveryPolicy = %s", got)
	}
	if err := set("KmsMasterKeyId", ""); err != nil {
		t.Fatal(err)
	}
	if v, ok := snsTopicAttrs(t, c, arn)["KmsMasterKeyId"]; ok {
		t.Fatalf("KmsMasterKeyId after \"\": %q", v)
	}
	// A policy cannot be removed.
	wantSNSInvalid(t, set("Policy", ""), "Invalid parameter: Policy is empty")
	_, err = c.SetTopicAttributes(cx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("Policy")})
	wantSNSInvalid(t, err, "Invalid parameter: Policy is empty")
	wantSNSInvalid(t, set("Policy", `{"Version":"2012-10-17","Statement":[]}`), "Invalid parameter: Policy Error: null")
	wantSNSInvalid(t, set("Policy", `not json`), "Invalid parameter: Policy Error: null")
	if got := snsTopicAttrs(t, c, arn)["Policy"]; got != own {
		t.Fatalf("Policy after refused updates = %s", got)
	}
	wantSNSInvalid(t, set("Colour", "blue"), "Invalid parameter: AttributeName")
	wantSNSInvalid(t, set("FifoTopic", "true"), "Invalid parameter: AttributeName")
	wantSNSInvalid(t, set("SignatureVersion", "3"), "Invalid parameter: SignatureVersion")
	wantSNSInvalid(t, set("TracingConfig", "On"), "Invalid parameter: TracingConfig")
	wantSNSInvalid(t, set("SQSSuccessFeedbackSampleRate", "101"), "Invalid parameter: SQSSuccessFeedbackSampleRate")
	wantSNSInvalid(t, set("ContentBasedDeduplication", "true"), "Invalid parameter: Attributes Reason: ContentBasedDeduplication can only be set for FIFO topics")

	if tp, ok := e.srv.Topic("orders"); !ok || tp.Arn != arn || tp.Tags["team"] != "a" || tp.Attributes["Policy"] != own {
		t.Fatalf("Topic(orders) = %+v, %v", tp, ok)
	}

	must(c.DeleteTopic(cx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}))(t)
	_, err = c.GetTopicAttributes(cx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	wantSNSNotFound(t, err, "Topic does not exist")
	_, err = c.SetTopicAttributes(cx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("x")})
	wantSNSNotFound(t, err, "Topic does not exist")
	// DeleteTopic is idempotent.
	must(c.DeleteTopic(cx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}))(t)
	if _, ok := e.srv.Topic(arn); ok {
		t.Fatal("Topic found after DeleteTopic")
	}
	_, err = c.GetTopicAttributes(cx, &sns.GetTopicAttributesInput{TopicArn: aws.String("orders")})
	wantSNSInvalid(t, err, "Invalid parameter: TopicArn")
	_, err = c.GetTopicAttributes(cx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:123456789012:orders")})
	wantSNSInvalid(t, err, "Invalid parameter: TopicArn")
}

func TestSNSTopicNamesAndFIFO(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)
	for _, name := range []string{"has space", "dot.ted", strings.Repeat("t", 257), "nofifo.fifo"} {
		_, err := c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String(name)})
		wantSNSInvalid(t, err, "Invalid parameter: Topic Name")
	}
	must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String(strings.Repeat("t", 256))}))(t)
	_, err := c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("events"), Attributes: map[string]string{"FifoTopic": "true"}})
	var ip *snstypes.InvalidParameterException
	if !errors.As(err, &ip) || !strings.HasPrefix(aws.ToString(ip.Message), "Invalid parameter: Fifo Topic names must end with .fifo") {
		t.Fatalf("FIFO topic without .fifo: %v", err)
	}
	_, err = c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("events"), Attributes: map[string]string{"Policy": ""}})
	wantSNSInvalid(t, err, "Invalid parameter: Policy is empty")
	arn := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("events.fifo"),
		Attributes: map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"}}))(t).TopicArn)
	a := snsTopicAttrs(t, c, arn)
	if a["FifoTopic"] != "true" || a["ContentBasedDeduplication"] != "true" {
		t.Fatalf("FIFO topic: %v", a)
	}
	// A FIFO topic delivers to SQS only, a FIFO queue only from a FIFO topic.
	_, err = c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("email"), Endpoint: aws.String("a@example.com")})
	wantSNSInvalid(t, err, "Invalid parameter: Invalid protocol type: email")
	must(c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q.fifo")}))(t)
	std := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("std")}))(t).TopicArn)
	_, err = c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(std), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q.fifo")})
	wantSNSInvalid(t, err, "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
}

func TestSNSTopicTags(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)
	arn := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("t"), Tags: snsTagList("b", "2", "a", "1")}))(t).TopicArn)
	list := func() []snstypes.Tag {
		return must(c.ListTagsForResource(cx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))(t).Tags
	}
	if got := list(); len(got) != 2 || aws.ToString(got[0].Key) != "a" || aws.ToString(got[1].Value) != "2" {
		t.Fatalf("tags: %v", got)
	}
	must(c.TagResource(cx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: snsTagList("b", "3", "c", "")}))(t)
	must(c.UntagResource(cx, &sns.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a", "missing"}}))(t)
	if got := list(); len(got) != 2 || aws.ToString(got[0].Key) != "b" || aws.ToString(got[0].Value) != "3" || aws.ToString(got[1].Key) != "c" {
		t.Fatalf("tags after TagResource and UntagResource: %v", got)
	}
	_, err := c.TagResource(cx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: snsTagList("x", "1", "x", "2")})
	wantSNSInvalid(t, err, "Invalid parameter: Duplicated keys are not allowed.")
	var many []string
	for i := 0; i < 49; i++ {
		many = append(many, "k"+strconv.Itoa(i), "v")
	}
	_, err = c.TagResource(cx, &sns.TagResourceInput{ResourceArn: aws.String(arn), Tags: snsTagList(many...)})
	var limit *snstypes.TagLimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("51 tags: want TagLimitExceeded, got %v", err)
	}
	missing := snsTopicARN + "missing"
	_, err = c.ListTagsForResource(cx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(missing)})
	var rnf *snstypes.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("tags of a missing topic: want ResourceNotFound, got %v", err)
	}
	wantCode(t, err, "ResourceNotFound", http.StatusNotFound)
	_, err = c.TagResource(cx, &sns.TagResourceInput{ResourceArn: aws.String(missing), Tags: snsTagList("a", "b")})
	wantCode(t, err, "ResourceNotFound", http.StatusNotFound)
	_, err = c.UntagResource(cx, &sns.UntagResourceInput{ResourceArn: aws.String(missing), TagKeys: []string{"a"}})
	wantCode(t, err, "ResourceNotFound", http.StatusNotFound)
}

func TestSNSSubscribeProtocols(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)
	topic := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("t")}))(t).TopicArn)
	subscribe := func(protocol, endpoint string, attrs map[string]string) (*sns.SubscribeOutput, error) {
		return c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String(protocol),
			Endpoint: aws.String(endpoint), Attributes: attrs, ReturnSubscriptionArn: true})
	}
	for _, tc := range []struct {
		protocol, endpoint string
		attrs              map[string]string
		pending            bool
	}{
		{"sqs", "arn:aws:sqs:us-east-1:123456789012:q", nil, false},
		{"sqs", "arn:aws:sqs:eu-west-1:123456789012:other-region", nil, false},
		{"sqs", "arn:aws:sqs:us-east-1:210987654321:other-account", nil, true},
		{"lambda", "arn:aws:lambda:us-east-1:123456789012:function:fn", nil, false},
		{"lambda", "arn:aws:lambda:us-east-1:123456789012:function:fn:live", nil, false},
		{"lambda", "arn:aws:lambda:us-east-1:210987654321:function:fn", nil, true},
		{"sms", "+15555550100", nil, false},
		{"firehose", "arn:aws:firehose:us-east-1:123456789012:deliverystream/s", map[string]string{"SubscriptionRoleArn": "arn:aws:iam::123456789012:role/r"}, false},
		{"application", "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/0123abcd-0123-4567-89ab-0123456789ab", nil, false},
		{"email", "a@example.com", nil, true},
		{"email-json", "b@example.com", nil, true},
		{"http", "http://example.com/hook", nil, true},
		{"https", "https://example.com/hook", nil, true},
	} {
		out, err := subscribe(tc.protocol, tc.endpoint, tc.attrs)
		if err != nil {
			t.Fatalf("Subscribe %s %s: %v", tc.protocol, tc.endpoint, err)
		}
		arn := aws.ToString(out.SubscriptionArn)
		if !strings.HasPrefix(arn, topic+":") || len(arn) != len(topic)+37 {
			t.Fatalf("SubscriptionArn = %s", arn)
		}
		a := snsSubAttrs(t, c, arn)
		want := map[string]string{"SubscriptionArn": arn, "TopicArn": topic, "Protocol": tc.protocol, "Endpoint": tc.endpoint,
			"Owner": "123456789012", "RawMessageDelivery": "false", "PendingConfirmation": strconv.FormatBool(tc.pending),
			"ConfirmationWasAuthenticated": strconv.FormatBool(!tc.pending)}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("%s %s: %s = %q, want %q", tc.protocol, tc.endpoint, k, a[k], v)
			}
		}
		if _, ok := a["EffectiveDeliveryPolicy"]; ok != (tc.protocol == "http" || tc.protocol == "https") {
			t.Errorf("%s: EffectiveDeliveryPolicy present = %v", tc.protocol, ok)
		}
	}
	ta := snsTopicAttrs(t, c, topic)
	if ta["SubscriptionsConfirmed"] != "7" || ta["SubscriptionsPending"] != "6" {
		t.Fatalf("topic counts: confirmed %s, pending %s", ta["SubscriptionsConfirmed"], ta["SubscriptionsPending"])
	}

	for _, tc := range []struct{ protocol, endpoint, message string }{
		{"carrier-pigeon", "x", "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon"},
		{"email", "not an email", "Invalid parameter: Email address"},
		{"email-json", "a@b", "Invalid parameter: Email address"},
		{"sms", "555-0100", "Invalid SMS endpoint: 555-0100"},
		{"http", "https://example.com", "Invalid parameter: Endpoint must match the specified protocol"},
		{"https", "example.com", "Invalid parameter: Endpoint must match the specified protocol"},
		{"sqs", "https://sqs.us-east-1.amazonaws.com/123456789012/q", "Invalid parameter: SQS endpoint ARN"},
		{"sqs", "arn:aws:lambda:us-east-1:123456789012:function:fn", "Invalid parameter: SQS endpoint ARN"},
		{"lambda", "arn:aws:sqs:us-east-1:123456789012:q", "Invalid parameter: Lambda endpoint ARN"},
		{"firehose", "arn:aws:s3:::bucket", "Invalid parameter: Firehose endpoint ARN"},
		{"application", topic, "Invalid parameter: Application endpoint arn invalid:" + topic},
	} {
		_, err := subscribe(tc.protocol, tc.endpoint, nil)
		wantSNSInvalid(t, err, tc.message)
	}
	_, err := subscribe("firehose", "arn:aws:firehose:us-east-1:123456789012:deliverystream/s2", nil)
	wantSNSInvalid(t, err, "Invalid parameter: Attributes Reason: SubscriptionRoleArn is required for the firehose protocol")
	_, err = subscribe("sqs", "arn:aws:sqs:us-east-1:123456789012:q2", map[string]string{"SubscriptionRoleArn": "arn:aws:iam::123456789012:role/r"})
	wantSNSInvalid(t, err, "Invalid parameter: Attributes Reason: Delivery protocol [sqs] does not support subscription role arn.")
	_, err = subscribe("sqs", "arn:aws:sqs:us-east-1:123456789012:q2", map[string]string{"Colour": "blue"})
	wantSNSInvalid(t, err, "Invalid parameter: Attributes Reason: Unknown attribute [Colour]")
	_, err = c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(snsTopicARN + "missing"), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q")})
	wantSNSNotFound(t, err, "Topic does not exist")
	if n := len(e.srv.Subscriptions(topic)); n != 13 {
		t.Fatalf("%d subscriptions after refused Subscribes", n)
	}
}

// The point of this test: SNS refuses RawMessageDelivery, even "false", on
// protocols other than sqs, http, https and firehose.
func TestSNSRawMessageDelivery(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)
	topic := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("t")}))(t).TopicArn)
	subscribe := func(protocol, endpoint string, attrs map[string]string) (string, error) {
		out, err := c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String(protocol),
			Endpoint: aws.String(endpoint), Attributes: attrs, ReturnSubscriptionArn: true})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.SubscriptionArn), nil
	}
	refused := []struct{ protocol, endpoint string }{
		{"email", "a@example.com"}, {"email-json", "a@example.com"}, {"sms", "+15555550100"},
		{"lambda", "arn:aws:lambda:us-east-1:123456789012:function:fn"},
		{"application", "arn:aws:sns:us-east-1:123456789012:endpoint/APNS/app/0123abcd-0123-4567-89ab-0123456789ab"},
	}
	for _, tc := range refused {
		for _, value := range []string{"false", "true"} {
			_, err := subscribe(tc.protocol, tc.endpoint, map[string]string{"RawMessageDelivery": value})
			wantSNSInvalid(t, err, "Invalid parameter: Attributes Reason: Delivery protocol ["+tc.protocol+"] does not support raw message delivery.")
		}
	}
	if n := len(e.srv.Subscriptions(topic)); n != 0 {
		t.Fatalf("%d subscriptions made by refused Subscribes", n)
	}
	// Without the attribute they subscribe, report "false", and refuse it in
	// SetSubscriptionAttributes too (SNS's message there has no Attributes
	// Reason).
	for _, tc := range refused {
		arn := must(subscribe(tc.protocol, tc.endpoint, nil))(t)
		if got := snsSubAttrs(t, c, arn)["RawMessageDelivery"]; got != "false" {
			t.Fatalf("%s: RawMessageDelivery = %q", tc.protocol, got)
		}
		_, err := c.SetSubscriptionAttributes(cx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn),
			AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("false")})
		wantSNSInvalid(t, err, "Invalid parameter: Delivery protocol ["+tc.protocol+"] does not support raw message delivery.")
	}

	for _, tc := range []struct{ protocol, endpoint string }{
		{"sqs", "arn:aws:sqs:us-east-1:123456789012:q"}, {"http", "http://example.com/"}, {"https", "https://example.com/"},
	} {
		arn := must(subscribe(tc.protocol, tc.endpoint, map[string]string{"RawMessageDelivery": "true"}))(t)
		if got := snsSubAttrs(t, c, arn)["RawMessageDelivery"]; got != "true" {
			t.Fatalf("%s: RawMessageDelivery = %q", tc.protocol, got)
		}
		must(c.SetSubscriptionAttributes(cx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn),
			AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("False")}))(t)
		if got := snsSubAttrs(t, c, arn)["RawMessageDelivery"]; got != "false" {
			t.Fatalf("%s: RawMessageDelivery after setting False = %q", tc.protocol, got)
		}
		_, err := c.SetSubscriptionAttributes(cx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn),
			AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("yes")})
		wantSNSInvalid(t, err, "Invalid parameter: RawMessageDelivery: Invalid value [yes]. Must be true or false.")
	}
	// firehose takes it too.
	must(subscribe("firehose", "arn:aws:firehose:us-east-1:123456789012:deliverystream/s",
		map[string]string{"RawMessageDelivery": "false", "SubscriptionRoleArn": "arn:aws:iam::123456789012:role/r"}))(t)
}

func TestSNSPendingConfirmation(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)
	topic := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("t")}))(t).TopicArn)
	in := &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")}
	if got := aws.ToString(must(c.Subscribe(cx, in))(t).SubscriptionArn); got != "pending confirmation" {
		t.Fatalf("Subscribe email = %q", got)
	}
	in.ReturnSubscriptionArn = true
	arn := aws.ToString(must(c.Subscribe(cx, in))(t).SubscriptionArn)
	if !strings.HasPrefix(arn, topic+":") {
		t.Fatalf("Subscribe email with ReturnSubscriptionArn = %q", arn)
	}
	subs := e.srv.Subscriptions(topic)
	if len(subs) != 1 || subs[0].Arn != arn || !subs[0].PendingConfirmation || subs[0].Attributes["PendingConfirmation"] != "true" {
		t.Fatalf("Subscriptions = %+v", subs)
	}
	if a := snsSubAttrs(t, c, arn); a["PendingConfirmation"] != "true" || a["ConfirmationWasAuthenticated"] != "false" {
		t.Fatalf("pending: %v", a)
	}
	for _, r := range e.srv.Resources() {
		if r == arn {
			t.Fatal("Resources lists a pending subscription")
		}
	}
	_, err := c.Unsubscribe(cx, &sns.UnsubscribeInput{SubscriptionArn: aws.String("pending confirmation")})
	wantSNSInvalid(t, err, "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1")
	_, err = c.GetSubscriptionAttributes(cx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String("pending confirmation")})
	wantSNSInvalid(t, err, "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1")
	_, err = c.Unsubscribe(cx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)})
	wantSNSInvalid(t, err, "Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription that is pending confirmation")

	if !e.srv.ConfirmSubscription(arn) || e.srv.ConfirmSubscription(arn) || e.srv.ConfirmSubscription(topic+":nope") {
		t.Fatal("ConfirmSubscription: want true once, then false")
	}
	if a := snsSubAttrs(t, c, arn); a["PendingConfirmation"] != "false" {
		t.Fatalf("confirmed: %v", a)
	}
	if got := aws.ToString(must(c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"),
		Endpoint: aws.String("ops@example.com")}))(t).SubscriptionArn); got != arn {
		t.Fatalf("Subscribe of a confirmed subscription = %q, want its ARN", got)
	}
	listed := false
	for _, r := range e.srv.Resources() {
		listed = listed || r == arn
	}
	if !listed {
		t.Fatal("Resources does not list the confirmed subscription")
	}
	must(c.Unsubscribe(cx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}))(t)
	_, err = c.GetSubscriptionAttributes(cx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn)})
	wantSNSNotFound(t, err, "Subscription does not exist")
	_, err = c.SetSubscriptionAttributes(cx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn),
		AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String(`{"a":["b"]}`)})
	wantSNSNotFound(t, err, "Subscription does not exist")
	// Unsubscribe of a subscription that does not exist succeeds; of a topic ARN it does not.
	must(c.Unsubscribe(cx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}))(t)
	_, err = c.Unsubscribe(cx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(topic)})
	wantSNSInvalid(t, err, "Invalid parameter: SubscriptionId")

	// DeleteTopic takes its subscriptions, pending ones included.
	pending := aws.ToString(must(c.Subscribe(cx, in))(t).SubscriptionArn)
	confirmed := aws.ToString(must(c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q"), ReturnSubscriptionArn: true}))(t).SubscriptionArn)
	must(c.DeleteTopic(cx, &sns.DeleteTopicInput{TopicArn: aws.String(topic)}))(t)
	for _, a := range []string{pending, confirmed} {
		_, err := c.GetSubscriptionAttributes(cx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(a)})
		wantSNSNotFound(t, err, "Subscription does not exist")
	}
	if res := e.srv.Resources(); len(res) != 0 {
		t.Fatalf("Resources after DeleteTopic = %v", res)
	}
}

func TestSNSSubscribeAgain(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)
	topic := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("t")}))(t).TopicArn)
	policy := `{"store":["example_corp"]}`
	in := &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q"),
		Attributes: map[string]string{"RawMessageDelivery": "true", "FilterPolicy": policy}, ReturnSubscriptionArn: true}
	arn := aws.ToString(must(c.Subscribe(cx, in))(t).SubscriptionArn)
	if again := aws.ToString(must(c.Subscribe(cx, in))(t).SubscriptionArn); again != arn {
		t.Fatalf("same subscription again = %s, want %s", again, arn)
	}
	if again := aws.ToString(must(c.Subscribe(cx, &sns.SubscribeInput{TopicArn: in.TopicArn, Protocol: in.Protocol, Endpoint: in.Endpoint,
		Attributes: map[string]string{"FilterPolicyScope": "MessageAttributes"}}))(t).SubscriptionArn); again != arn {
		t.Fatalf("same subscription with the default scope = %s", again)
	}
	for _, attrs := range []map[string]string{{"RawMessageDelivery": "false"}, {"FilterPolicy": `{"store":["other"]}`}} {
		_, err := c.Subscribe(cx, &sns.SubscribeInput{TopicArn: in.TopicArn, Protocol: in.Protocol, Endpoint: in.Endpoint, Attributes: attrs})
		wantSNSInvalid(t, err, "Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
	}
	// Another protocol or endpoint is another subscription.
	other := aws.ToString(must(c.Subscribe(cx, &sns.SubscribeInput{TopicArn: in.TopicArn, Protocol: in.Protocol,
		Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q2"), ReturnSubscriptionArn: true}))(t).SubscriptionArn)
	if other == arn || len(e.srv.Subscriptions(topic)) != 2 {
		t.Fatalf("second endpoint: %s, %d subscriptions", other, len(e.srv.Subscriptions(topic)))
	}
}

func TestSNSSubscriptionAttributes(t *testing.T) {
	e := newEnv(t)
	c := snsTestClient(e)
	cx := ctx(t)
	topic := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("t")}))(t).TopicArn)
	subscribe := func(attrs map[string]string) (string, error) {
		out, err := c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
			Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q"), Attributes: attrs, ReturnSubscriptionArn: true})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.SubscriptionArn), nil
	}
	for _, tc := range []struct {
		attrs  map[string]string
		reason string
	}{
		{map[string]string{"FilterPolicy": `{"a":{"b":["c"]}}`}, "FilterPolicy: Filter policy scope MessageAttributes does not support nested filter policy"},
		{map[string]string{"FilterPolicy": `{"a":"c"}`}, `FilterPolicy: "a" must be an object or an array`},
		{map[string]string{"FilterPolicy": `{"a":[]}`}, "FilterPolicy: Empty arrays are not allowed"},
		{map[string]string{"FilterPolicy": `{"a":[{"bigger":1}]}`}, "FilterPolicy: Unrecognized match type bigger"},
		{map[string]string{"FilterPolicy": `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`}, "FilterPolicy: Filter policy can not have more than 5 keys"},
		{map[string]string{"FilterPolicy": `{"a":["1","2","3","4","5","6","7","8","9","10"],"b":["1","2","3","4","5","6","7","8","9","10"],"c":["1","2"]}`}, "FilterPolicy: Filter policy is too complex"},
		{map[string]string{"FilterPolicy": `{"a":["b"]}`, "FilterPolicyScope": "Body"}, "FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes"},
		{map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sns:us-east-1:123456789012:t"}`}, "RedrivePolicy: deadLetterTargetArn is an invalid arn"},
		{map[string]string{"DeliveryPolicy": `[1]`}, "DeliveryPolicy: Invalid delivery policy JSON"},
		{map[string]string{"ReplayPolicy": `{}`}, "ReplayPolicy: Message replay is only supported for FIFO topics"},
	} {
		_, err := subscribe(tc.attrs)
		wantSNSInvalid(t, err, "Invalid parameter: Attributes Reason: "+tc.reason)
	}

	nested := `{"order":{"status":["placed",{"prefix":"ship"}]},"$or":[{"a":["x"]},{"b":[{"numeric":[">",1]}]}]}`
	arn := must(subscribe(map[string]string{"FilterPolicy": nested, "FilterPolicyScope": "MessageBody",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq"}`}))(t)
	a := snsSubAttrs(t, c, arn)
	if a["FilterPolicy"] != nested || a["FilterPolicyScope"] != "MessageBody" || !strings.Contains(a["RedrivePolicy"], "dlq") {
		t.Fatalf("attributes: %v", a)
	}
	set := func(name, value string) error {
		_, err := c.SetSubscriptionAttributes(cx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn),
			AttributeName: aws.String(name), AttributeValue: aws.String(value)})
		return err
	}
	// The nested policy does not fit the MessageAttributes scope.
	wantSNSInvalid(t, set("FilterPolicyScope", "MessageAttributes"),
		"Invalid parameter: Filter Policy Scope Reason: Filter policy scope MessageAttributes does not support nested filter policy")
	wantSNSInvalid(t, set("Colour", "blue"), "Invalid parameter: AttributeName")
	wantSNSInvalid(t, set("FilterPolicy", `{"a":`), "Invalid parameter: FilterPolicy: failed to parse JSON. unexpected end of JSON input")
	if err := set("FilterPolicy", `{"kind":["order"]}`); err != nil {
		t.Fatal(err)
	}
	if err := set("FilterPolicyScope", "MessageAttributes"); err != nil {
		t.Fatal(err)
	}
	if err := set("RedrivePolicy", ""); err != nil {
		t.Fatal(err)
	}
	a = snsSubAttrs(t, c, arn)
	if a["FilterPolicy"] != `{"kind":["order"]}` || a["FilterPolicyScope"] != "MessageAttributes" {
		t.Fatalf("after SetSubscriptionAttributes: %v", a)
	}
	if v, ok := a["RedrivePolicy"]; ok {
		t.Fatalf("RedrivePolicy after \"\": %q", v)
	}
	// "{}" removes the filter policy.
	if err := set("FilterPolicy", "{}"); err != nil {
		t.Fatal(err)
	}
	if v, ok := snsSubAttrs(t, c, arn)["FilterPolicy"]; ok {
		t.Fatalf("FilterPolicy after {}: %q", v)
	}

	// A filter policy alone reports the default scope.
	topic2 := aws.ToString(must(c.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("t2")}))(t).TopicArn)
	out := must(c.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(topic2), Protocol: aws.String("https"),
		Endpoint: aws.String("https://example.com/"), Attributes: map[string]string{"FilterPolicy": `{"a":["b"]}`,
			"DeliveryPolicy": `{"healthyRetryPolicy":{"numRetries":5}}`}, ReturnSubscriptionArn: true}))(t)
	a = snsSubAttrs(t, c, aws.ToString(out.SubscriptionArn))
	if a["FilterPolicyScope"] != "MessageAttributes" || a["EffectiveDeliveryPolicy"] != `{"healthyRetryPolicy":{"numRetries":5}}` {
		t.Fatalf("https subscription: %v", a)
	}
}

func TestSNSCrossAccountAndWire(t *testing.T) {
	e := newEnv(t)
	cx := ctx(t)
	// A caller in another account (AssumeRole credentials of this server)
	// owns its topics and subscriptions.
	cfg := e.cfg.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider("ASIA210987654321FAKE", "secret", "token")
	other := sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(e.url) })
	arn := aws.ToString(must(other.CreateTopic(cx, &sns.CreateTopicInput{Name: aws.String("theirs")}))(t).TopicArn)
	if arn != "arn:aws:sns:us-east-1:210987654321:theirs" {
		t.Fatalf("TopicArn = %s", arn)
	}
	if a := snsTopicAttrs(t, other, arn); a["Owner"] != "210987654321" || !strings.Contains(a["Policy"], `"AWS:SourceOwner":"210987654321"`) {
		t.Fatalf("attributes: %v", a)
	}
	sub := aws.ToString(must(other.Subscribe(cx, &sns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:210987654321:q"), ReturnSubscriptionArn: true}))(t).SubscriptionArn)
	if a := snsSubAttrs(t, other, sub); a["Owner"] != "210987654321" || a["PendingConfirmation"] != "false" {
		t.Fatalf("subscription: %v", a)
	}
	if _, ok := e.srv.Topic("theirs"); ok {
		t.Fatal("Topic(name) looks in the server's account")
	}
	if tp, ok := e.srv.Topic(arn); !ok || tp.Name != "theirs" {
		t.Fatalf("Topic(arn) = %+v", tp)
	}

	// The query wire format.
	post := func(form url.Values) (*http.Response, []byte) {
		t.Helper()
		return rawCall(t, "POST", e.url+"/", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
	}
	resp, body := post(url.Values{"Action": {"GetTopicAttributes"}, "Version": {"2010-03-31"}, "TopicArn": {arn}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><GetTopicAttributesResult><Attributes><entry><key>`) {
		t.Fatalf("GetTopicAttributes: %d %s", resp.StatusCode, body)
	}
	resp, body = post(url.Values{"Action": {"ListTopics"}, "Version": {"2010-03-31"}})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>InvalidAction</Code>") {
		t.Fatalf("ListTopics: %d %s", resp.StatusCode, body)
	}
	if n := e.srv.Calls()["sns:CreateTopic"]; n != 1 {
		t.Fatalf("sns:CreateTopic calls = %d", n)
	}
}
