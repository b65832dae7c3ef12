package localaws

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

func sqsTestClient(e *env) *sqs.Client {
	return sqs.NewFromConfig(e.cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(e.url) })
}

// sqsAll reads every attribute of a queue.
func sqsAll(t *testing.T, c *sqs.Client, url string) map[string]string {
	t.Helper()
	out := must(c.GetQueueAttributes(ctx(t), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
	}))(t)
	return out.Attributes
}

// wantSQSCode checks that err is an SQS error with this code (the query
// code, as the SDK reports it) and HTTP 400.
func wantSQSCode(t *testing.T, err error, code string) {
	t.Helper()
	wantCode(t, err, code, http.StatusBadRequest)
}

func TestSQSQueueLifecycle(t *testing.T) {
	e := newEnv(t)
	c := sqsTestClient(e)
	cx := ctx(t)

	created := must(c.CreateQueue(cx, &sqs.CreateQueueInput{
		QueueName:  aws.String("orders"),
		Attributes: map[string]string{"VisibilityTimeout": "60", "DelaySeconds": "5"},
		Tags:       map[string]string{"team": "a"},
	}))(t)
	url := aws.ToString(created.QueueUrl)
	if want := "https://sqs.us-east-1.amazonaws.com/123456789012/orders"; url != want {
		t.Fatalf("QueueUrl = %s, want %s", url, want)
	}
	got := must(c.GetQueueUrl(cx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")}))(t)
	if aws.ToString(got.QueueUrl) != url {
		t.Fatalf("GetQueueUrl = %s", aws.ToString(got.QueueUrl))
	}
	_, err := c.GetQueueUrl(cx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders"), QueueOwnerAWSAccountId: aws.String("210987654321")})
	wantSQSCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")

	attrs := sqsAll(t, c, url)
	want := map[string]string{
		"QueueArn":                              "arn:aws:sqs:us-east-1:123456789012:orders",
		"VisibilityTimeout":                     "60",
		"DelaySeconds":                          "5",
		"MaximumMessageSize":                    "1048576",
		"MessageRetentionPeriod":                "345600",
		"ReceiveMessageWaitTimeSeconds":         "0",
		"SqsManagedSseEnabled":                  "true",
		"ApproximateNumberOfMessages":           "0",
		"ApproximateNumberOfMessagesNotVisible": "0",
		"ApproximateNumberOfMessagesDelayed":    "0",
	}
	for k, v := range want {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	for _, k := range []string{"CreatedTimestamp", "LastModifiedTimestamp"} {
		n, err := strconv.ParseInt(attrs[k], 10, 64)
		if err != nil || time.Since(time.Unix(n, 0)) > time.Minute {
			t.Errorf("%s = %q, want recent epoch seconds", k, attrs[k])
		}
	}
	for _, k := range []string{"Policy", "RedrivePolicy", "RedriveAllowPolicy", "FifoQueue", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "ContentBasedDeduplication"} {
		if v, ok := attrs[k]; ok {
			t.Errorf("attribute %s = %q, want none", k, v)
		}
	}
	if len(attrs) != len(want)+2 {
		t.Errorf("All answered %d attributes: %v", len(attrs), attrs)
	}

	// Some attributes, and none.
	some := must(c.GetQueueAttributes(cx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{"QueueArn", "Policy"}}))(t)
	if len(some.Attributes) != 1 || some.Attributes["QueueArn"] == "" {
		t.Fatalf("QueueArn, Policy = %v", some.Attributes)
	}
	none := must(c.GetQueueAttributes(cx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url)}))(t)
	if len(none.Attributes) != 0 {
		t.Fatalf("no names = %v", none.Attributes)
	}

	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*"}]}`
	must(c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url),
		Attributes: map[string]string{"Policy": policy, "VisibilityTimeout": "120", "MessageRetentionPeriod": "60"}}))(t)
	attrs = sqsAll(t, c, url)
	if attrs["Policy"] != policy || attrs["VisibilityTimeout"] != "120" || attrs["MessageRetentionPeriod"] != "60" || attrs["DelaySeconds"] != "5" {
		t.Fatalf("after SetQueueAttributes: %v", attrs)
	}
	must(c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"Policy": ""}}))(t)
	if p, ok := sqsAll(t, c, url)["Policy"]; ok {
		t.Fatalf("Policy after setting it to \"\": %q", p)
	}

	// A URL of another host finds the queue by its path.
	if _, err := c.GetQueueAttributes(cx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(e.url + "/123456789012/orders")}); err != nil {
		t.Fatalf("queue by the server's URL: %v", err)
	}
	_, err = c.GetQueueAttributes(cx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/orders")})
	wantSQSCode(t, err, "InvalidAddress")

	must(c.DeleteQueue(cx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}))(t)
	_, err = c.GetQueueAttributes(cx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{"All"}})
	var missing *sqstypes.QueueDoesNotExist
	if !errors.As(err, &missing) {
		t.Fatalf("after DeleteQueue: want QueueDoesNotExist, got %v", err)
	}
	// What the sqs-controller tests for (queue/sdk.go sdkFind).
	wantSQSCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")
	for name, call := range map[string]func() error{
		"SetQueueAttributes": func() error {
			_, err := c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"DelaySeconds": "1"}})
			return err
		},
		"DeleteQueue": func() error {
			_, err := c.DeleteQueue(cx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
			return err
		},
		"ListQueueTags": func() error {
			_, err := c.ListQueueTags(cx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
			return err
		},
		"TagQueue": func() error {
			_, err := c.TagQueue(cx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"a": "b"}})
			return err
		},
		"UntagQueue": func() error {
			_, err := c.UntagQueue(cx, &sqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"a"}})
			return err
		},
		"GetQueueUrl": func() error {
			_, err := c.GetQueueUrl(cx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
			return err
		},
	} {
		if err := call(); !errors.As(err, &missing) {
			t.Errorf("%s of a deleted queue: want QueueDoesNotExist, got %v", name, err)
		}
	}

	// The name cannot be taken again for 60 seconds.
	_, err = c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("orders")})
	var recently *sqstypes.QueueDeletedRecently
	if !errors.As(err, &recently) {
		t.Fatalf("CreateQueue after DeleteQueue: want QueueDeletedRecently, got %v", err)
	}
	wantSQSCode(t, err, "AWS.SimpleQueueService.QueueDeletedRecently")
	e.srv.SetQueueRecreateDelay(0)
	again := must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("orders")}))(t)
	if aws.ToString(again.QueueUrl) != url || sqsAll(t, c, url)["VisibilityTimeout"] != "30" {
		t.Fatalf("recreated queue: %s %v", aws.ToString(again.QueueUrl), sqsAll(t, c, url))
	}
}

func TestSQSCreateQueueOfAnExistingName(t *testing.T) {
	e := newEnv(t)
	c := sqsTestClient(e)
	cx := ctx(t)
	in := &sqs.CreateQueueInput{QueueName: aws.String("jobs"), Attributes: map[string]string{"VisibilityTimeout": "45", "RedrivePolicy": ""}}
	first := must(c.CreateQueue(cx, in))(t)
	second := must(c.CreateQueue(cx, in))(t)
	if aws.ToString(first.QueueUrl) != aws.ToString(second.QueueUrl) {
		t.Fatalf("same attributes: %s then %s", aws.ToString(first.QueueUrl), aws.ToString(second.QueueUrl))
	}
	// Attributes not given are not compared.
	must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("jobs")}))(t)
	// The default value counts as the same.
	must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"), Attributes: map[string]string{"DelaySeconds": "0"}}))(t)

	_, err := c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("jobs"), Attributes: map[string]string{"VisibilityTimeout": "46"}})
	var exists *sqstypes.QueueNameExists
	if !errors.As(err, &exists) {
		t.Fatalf("different attributes: want QueueNameExists, got %v", err)
	}
	wantSQSCode(t, err, "QueueAlreadyExists")
	if !strings.Contains(err.Error(), "A queue already exists with the same name and a different value for attribute VisibilityTimeout") {
		t.Fatalf("message: %v", err)
	}
	if q, _ := e.srv.Queue("jobs"); q.Attributes["VisibilityTimeout"] != "45" {
		t.Fatalf("the existing queue changed: %v", q.Attributes)
	}
}

func TestSQSAttributeValidation(t *testing.T) {
	e := newEnv(t)
	c := sqsTestClient(e)
	cx := ctx(t)
	url := aws.ToString(must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("std")}))(t).QueueUrl)

	invalidValue := []map[string]string{
		{"VisibilityTimeout": "43201"}, {"VisibilityTimeout": "-1"}, {"VisibilityTimeout": "ten"},
		{"MessageRetentionPeriod": "59"}, {"MessageRetentionPeriod": "1209601"},
		{"DelaySeconds": "901"}, {"MaximumMessageSize": "1023"}, {"MaximumMessageSize": "1048577"},
		{"ReceiveMessageWaitTimeSeconds": "21"}, {"SqsManagedSseEnabled": "yes"},
		{"KmsDataKeyReusePeriodSeconds": "59"},
		{"Policy": "not json"}, {"Policy": `{"Version":"2012-10-17","Statement":[]}`},
	}
	for _, attrs := range invalidValue {
		_, err := c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("bad"), Attributes: attrs})
		var iv *sqstypes.InvalidAttributeValue
		if !errors.As(err, &iv) {
			t.Errorf("CreateQueue %v: want InvalidAttributeValue, got %v", attrs, err)
		}
		_, err = c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs})
		if !errors.As(err, &iv) {
			t.Errorf("SetQueueAttributes %v: want InvalidAttributeValue, got %v", attrs, err)
		}
	}
	if q, ok := e.srv.Queue("bad"); ok {
		t.Fatalf("an invalid CreateQueue made a queue: %v", q)
	}

	invalidName := []map[string]string{
		{"Colour": "blue"}, {"QueueArn": "arn:aws:sqs:us-east-1:123456789012:x"},
		{"ContentBasedDeduplication": "true"}, {"DeduplicationScope": "queue"}, {"FifoThroughputLimit": "perQueue"},
	}
	for _, attrs := range invalidName {
		_, err := c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("bad"), Attributes: attrs})
		var in *sqstypes.InvalidAttributeName
		if !errors.As(err, &in) {
			t.Errorf("CreateQueue %v: want InvalidAttributeName, got %v", attrs, err)
		}
		_, err = c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs})
		if !errors.As(err, &in) {
			t.Errorf("SetQueueAttributes %v: want InvalidAttributeName, got %v", attrs, err)
		}
	}
	// As AWS: FifoQueue "false" is an unknown attribute, on create and update.
	_, err := c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("bad"), Attributes: map[string]string{"FifoQueue": "false"}})
	wantSQSCode(t, err, "InvalidAttributeName")
	if !strings.Contains(err.Error(), "Unknown Attribute FifoQueue.") {
		t.Fatalf("message: %v", err)
	}
	_, err = c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"FifoQueue": "true"}})
	wantSQSCode(t, err, "InvalidAttributeName")
	_, err = c.GetQueueAttributes(cx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{"FifoQueue"}})
	wantSQSCode(t, err, "InvalidAttributeName")

	// One kind of server-side encryption at a time.
	_, err = c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("bad"),
		Attributes: map[string]string{"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "true"}})
	wantSQSCode(t, err, "InvalidAttributeName")
	kms := aws.ToString(must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("kms"),
		Attributes: map[string]string{"KmsMasterKeyId": "alias/aws/sqs"}}))(t).QueueUrl)
	if a := sqsAll(t, c, kms); a["SqsManagedSseEnabled"] != "false" || a["KmsDataKeyReusePeriodSeconds"] != "300" || a["KmsMasterKeyId"] != "alias/aws/sqs" {
		t.Fatalf("KMS queue: %v", a)
	}

	for _, name := range []string{"", "has space", "dot.ted", strings.Repeat("q", 81), "nofifo.fifo"} {
		_, err := c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if name == "" {
			wantSQSCode(t, err, "MissingParameter")
			continue
		}
		wantSQSCode(t, err, "InvalidParameterValue")
	}
	must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String(strings.Repeat("q", 80))}))(t)
}

func TestSQSFIFOQueue(t *testing.T) {
	e := newEnv(t)
	c := sqsTestClient(e)
	cx := ctx(t)
	_, err := c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("events"), Attributes: map[string]string{"FifoQueue": "true"}})
	wantSQSCode(t, err, "InvalidParameterValue")
	_, err = c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("events.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"}})
	wantSQSCode(t, err, "InvalidAttributeValue")

	url := aws.ToString(must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("events.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}}))(t).QueueUrl)
	a := sqsAll(t, c, url)
	for k, v := range map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "queue",
		"FifoThroughputLimit": "perQueue", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:events.fifo"} {
		if a[k] != v {
			t.Errorf("%s = %q, want %q", k, a[k], v)
		}
	}
	// ACK's controller sends FifoQueue with every update.
	must(c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{
		"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}}))(t)
	if a := sqsAll(t, c, url); a["FifoThroughputLimit"] != "perMessageGroupId" || a["DeduplicationScope"] != "messageGroup" {
		t.Fatalf("high throughput: %v", a)
	}
	_, err = c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"FifoQueue": "false"}})
	wantSQSCode(t, err, "InvalidAttributeName")
	_, err = c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"DeduplicationScope": "topic"}})
	wantSQSCode(t, err, "InvalidAttributeValue")
	// Same attributes again: the same queue.
	must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("events.fifo"), Attributes: map[string]string{"FifoQueue": "true"}}))(t)
}

func TestSQSRedrivePolicy(t *testing.T) {
	e := newEnv(t)
	c := sqsTestClient(e)
	cx := ctx(t)
	create := func(name string, attrs map[string]string) (string, error) {
		out, err := c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.QueueUrl), nil
	}
	dlqArn := "arn:aws:sqs:us-east-1:123456789012:dlq"
	redrive := func(arn string, count any) string {
		b, _ := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": count})
		return string(b)
	}

	_, err := create("src", map[string]string{"RedrivePolicy": redrive(dlqArn, 5)})
	wantSQSCode(t, err, "InvalidParameterValue")
	if !strings.Contains(err.Error(), "Dead letter target does not exist") {
		t.Fatalf("message: %v", err)
	}
	if e.srv.sqsQueueExists(dlqArn) {
		t.Fatal("sqsQueueExists before the queue exists")
	}
	must(create("dlq", nil))(t)
	if !e.srv.sqsQueueExists(dlqArn) || e.srv.sqsQueueExists("arn:aws:sqs:us-east-1:123456789012:other") {
		t.Fatal("sqsQueueExists")
	}
	for _, bad := range []string{redrive(dlqArn, 0), redrive(dlqArn, 1001), `{"deadLetterTargetArn":"` + dlqArn + `"}`,
		`{"maxReceiveCount":3}`, "nope", redrive(dlqArn, 3)[:20]} {
		_, err := create("src", map[string]string{"RedrivePolicy": bad})
		wantSQSCode(t, err, "InvalidParameterValue")
	}
	// A FIFO queue's dead-letter queue must be a FIFO queue.
	_, err = create("src.fifo", map[string]string{"FifoQueue": "true", "RedrivePolicy": redrive(dlqArn, 3)})
	wantSQSCode(t, err, "InvalidParameterValue")
	if !strings.Contains(err.Error(), "same type") {
		t.Fatalf("message: %v", err)
	}

	src := must(create("src", map[string]string{"RedrivePolicy": redrive(dlqArn, "5")}))(t)
	if got, want := sqsAll(t, c, src)["RedrivePolicy"], `{"deadLetterTargetArn":"`+dlqArn+`","maxReceiveCount":5}`; got != want {
		t.Fatalf("RedrivePolicy = %s, want %s", got, want)
	}
	// "" removes it (what the operator writes for a removed dead-letter queue).
	must(c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{"RedrivePolicy": ""}}))(t)
	if v, ok := sqsAll(t, c, src)["RedrivePolicy"]; ok {
		t.Fatalf("RedrivePolicy after \"\": %q", v)
	}

	// The dead-letter queue's RedriveAllowPolicy decides who may use it.
	dlq := aws.ToString(must(c.GetQueueUrl(cx, &sqs.GetQueueUrlInput{QueueName: aws.String("dlq")}))(t).QueueUrl)
	for _, bad := range []string{`{"redrivePermission":"some"}`, `{"redrivePermission":"byQueue"}`,
		`{"redrivePermission":"allowAll","sourceQueueArns":["arn:aws:sqs:us-east-1:123456789012:src"]}`, `[]`} {
		_, err := c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(dlq), Attributes: map[string]string{"RedriveAllowPolicy": bad}})
		wantSQSCode(t, err, "InvalidParameterValue")
	}
	must(c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(dlq), Attributes: map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`}}))(t)
	_, err = c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{"RedrivePolicy": redrive(dlqArn, 5)}})
	wantSQSCode(t, err, "InvalidParameterValue")
	must(c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(dlq), Attributes: map[string]string{
		"RedriveAllowPolicy": `{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:123456789012:src"]}`}}))(t)
	must(c.SetQueueAttributes(cx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(src), Attributes: map[string]string{"RedrivePolicy": redrive(dlqArn, 5)}}))(t)
	_, err = create("other", map[string]string{"RedrivePolicy": redrive(dlqArn, 5)})
	wantSQSCode(t, err, "InvalidParameterValue")
	if got := sqsAll(t, c, dlq)["RedriveAllowPolicy"]; !strings.Contains(got, "byQueue") {
		t.Fatalf("RedriveAllowPolicy = %s", got)
	}
}

func TestSQSTags(t *testing.T) {
	e := newEnv(t)
	c := sqsTestClient(e)
	cx := ctx(t)
	url := aws.ToString(must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("tagged"), Tags: map[string]string{"a": "1", "b": "2"}}))(t).QueueUrl)
	tags := func() map[string]string {
		return must(c.ListQueueTags(cx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)}))(t).Tags
	}
	if got := tags(); len(got) != 2 || got["a"] != "1" || got["b"] != "2" {
		t.Fatalf("tags at create: %v", got)
	}
	must(c.TagQueue(cx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"b": "3", "c": ""}}))(t)
	must(c.UntagQueue(cx, &sqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"a", "missing"}}))(t)
	if got := tags(); len(got) != 2 || got["b"] != "3" || got["c"] != "" {
		t.Fatalf("tags after TagQueue and UntagQueue: %v", got)
	}
	if q, _ := e.srv.Queue(url); q.Tags["b"] != "3" || q.Name != "tagged" {
		t.Fatalf("Queue(url) = %+v", q)
	}
	many := map[string]string{}
	for i := 0; i < 49; i++ {
		many["k"+strconv.Itoa(i)] = "v"
	}
	_, err := c.TagQueue(cx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: many})
	wantSQSCode(t, err, "InvalidParameterValue")
	_, err = c.TagQueue(cx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{strings.Repeat("k", 129): "v"}})
	wantSQSCode(t, err, "InvalidParameterValue")
	must(c.UntagQueue(cx, &sqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"b", "c"}}))(t)
	if got := tags(); len(got) != 0 {
		t.Fatalf("no tags: %v", got)
	}
}

func TestSQSResourcesAndQueueSnapshot(t *testing.T) {
	e := newEnv(t)
	c := sqsTestClient(e)
	cx := ctx(t)
	must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("b")}))(t)
	must(c.CreateQueue(cx, &sqs.CreateQueueInput{QueueName: aws.String("a"), Tags: map[string]string{"k": "v"}}))(t)
	res := e.srv.Resources()
	want := []string{"arn:aws:sqs:us-east-1:123456789012:a", "arn:aws:sqs:us-east-1:123456789012:b"}
	n := 0
	for _, r := range res {
		if strings.HasPrefix(r, "arn:aws:sqs:") {
			if n >= len(want) || r != want[n] {
				t.Fatalf("Resources = %v", res)
			}
			n++
		}
	}
	if n != 2 {
		t.Fatalf("Resources = %v", res)
	}
	q, ok := e.srv.Queue("a")
	if !ok || q.Arn != want[0] || q.URL != "https://sqs.us-east-1.amazonaws.com/123456789012/a" || q.Tags["k"] != "v" || q.Attributes["VisibilityTimeout"] != "30" {
		t.Fatalf("Queue(a) = %+v, %v", q, ok)
	}
	q.Tags["k"] = "changed"
	if q2, _ := e.srv.Queue(want[0]); q2.Tags["k"] != "v" {
		t.Fatal("Queue returned the server's own map")
	}
	if _, ok := e.srv.Queue("none"); ok {
		t.Fatal("Queue(none) found one")
	}
}

func TestSQSWireFormat(t *testing.T) {
	e := newEnv(t)
	post := func(target, body string) (*http.Response, map[string]any) {
		t.Helper()
		resp, raw := rawCall(t, "POST", e.url+"/", http.Header{
			"X-Amz-Target": {target}, "Content-Type": {"application/x-amz-json-1.0"},
		}, body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return resp, m
	}
	resp, m := post("AmazonSQS.GetQueueAttributes", `{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/none"}`)
	if resp.StatusCode != 400 || m["__type"] != "QueueDoesNotExist" || m["message"] != "The specified queue does not exist." ||
		resp.Header.Get("X-Amzn-Query-Error") != "AWS.SimpleQueueService.NonExistentQueue;Sender" ||
		resp.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
		t.Fatalf("missing queue: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	resp, m = post("AmazonSQS.ListQueues", `{}`)
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Query-Error") != "InvalidAction;Sender" {
		t.Fatalf("unknown operation: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	resp, m = post("AmazonSQS.CreateQueue", `{"QueueName":"w","tags":{"t":"v"}}`)
	if resp.StatusCode != 200 || m["QueueUrl"] != "https://sqs.us-east-1.amazonaws.com/123456789012/w" {
		t.Fatalf("CreateQueue: %d %v", resp.StatusCode, m)
	}
	if q, _ := e.srv.Queue("w"); q.Tags["t"] != "v" {
		t.Fatalf("CreateQueue's tags member: %v", q.Tags)
	}
	var ae smithy.APIError
	_, err := sqsTestClient(e).ListQueueTags(ctx(t), &sqs.ListQueueTagsInput{QueueUrl: aws.String("no-scheme")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAddress" {
		t.Fatalf("malformed QueueUrl: %v", err)
	}
	// Calls are counted under sqs:.
	if n := e.srv.Calls()["sqs:CreateQueue"]; n != 1 {
		t.Fatalf("sqs:CreateQueue calls = %d", n)
	}
}
