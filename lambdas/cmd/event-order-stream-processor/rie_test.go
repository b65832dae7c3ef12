package main

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/internal/lambdarun"
	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
	"github.com/eventstack-io/eventstack-operator/lambdas/orderstream"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// streamBatch is a batch of the orders table's stream as Lambda's event
// source mapping sends it: a status change, an INSERT and a REMOVE.
func streamBatch(order string) string {
	image := func(status string) string {
		return `{"order_id":{"S":"` + order + `"},"record_type":{"S":"order"},"status":{"S":"` + status + `"},"total":{"N":"31.48"}}`
	}
	rec := func(id, seq, name, images string) string {
		return `{"eventID":"` + id + `","eventName":"` + name + `","eventSource":"aws:dynamodb","eventVersion":"1.1","awsRegion":"us-east-1",` +
			`"eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/event-driven-orders/stream/2024-01-15T10:00:00.000",` +
			`"dynamodb":{"ApproximateCreationDateTime":1705312800,"Keys":{"order_id":{"S":"` + order + `"}},` + images +
			`"SequenceNumber":"` + seq + `","SizeBytes":120,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`
	}
	return `{"Records":[` +
		rec(order+"-insert", "100", "INSERT", `"NewImage":`+image("created")+`,`) + `,` +
		rec(order+"-complete", "200", "MODIFY", `"OldImage":`+image("created")+`,"NewImage":`+image("completed")+`,`) + `,` +
		rec(order+"-remove", "300", "REMOVE", `"OldImage":`+image("completed")+`,`) + `]}`
}

// TestTheHandlerRunsUnderTheRuntimeInterfaceEmulator builds the function's
// bootstrap as make lambdas does (for the host), runs it under the Lambda
// Runtime Interface Emulator with the environment the operator gives it, its
// DynamoDB on dynalite and its SNS on goaws, and invokes it twice with the
// same batch: it answers the partial batch response, publishes the one status
// change once, and keeps its idempotency record in the table.
func TestTheHandlerRunsUnderTheRuntimeInterfaceEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the handler and the RIE")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db := emulators.DynamoDB(t)
	snsEndpoint, sink := emulators.SNS(t)
	table := emulators.CreateTable(t, db, "orders", "order_id")

	rie, err := lambdarun.RIEPath(ctx)
	if err != nil {
		if v := strings.ToLower(os.Getenv("CI")); v == "" || v == "false" || v == "0" {
			t.Skipf("no Lambda Runtime Interface Emulator: %v", err)
		}
		t.Fatal(err)
	}
	z, err := lambdazip.Build(ctx, ".", runtime.GOARCH, lambdazip.BuildOptions{})
	if err != nil {
		t.Fatalf("building the bootstrap: %v", err)
	}
	r := &lambdarun.Runtime{RIE: rie, Region: emulators.Region}
	t.Cleanup(func() { _ = r.Close() })
	fn := localaws.RunnableFunction{
		Name: name, Runtime: "provided.al2023", Handler: "bootstrap", Version: "$LATEST",
		CodeSha256: z.SHA256, Code: func() ([]byte, error) { return z.Data, nil },
		Environment: map[string]string{
			"NOTIFICATION_TOPIC_ARN": emulators.TopicARN, "IDEMPOTENCY_TABLE": table, "LOG_LEVEL": "DEBUG",
			// Each service on its emulator: the SDK's service-specific endpoints.
			"AWS_ENDPOINT_URL_DYNAMODB": emulators.Dynalite(t), "AWS_ENDPOINT_URL_SNS": snsEndpoint,
		},
		Timeout: 30 * time.Second, MemoryMB: 256,
	}
	order := "ORD-RIE-" + time.Now().Format("150405.000000")
	var logs []string
	for i := range 2 {
		res, err := r.Invoke(ctx, fn, []byte(streamBatch(order)))
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, res.Logs...)
		if res.FunctionError != "" {
			t.Fatalf("invocation %d failed: %s; logs:\n%s", i+1, res.Payload, strings.Join(logs, "\n"))
		}
		var resp struct {
			BatchItemFailures []struct {
				ItemIdentifier string `json:"itemIdentifier"`
			} `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(res.Payload, &resp); err != nil || resp.BatchItemFailures == nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("invocation %d answered %s (%v), want {\"batchItemFailures\":[]}; logs:\n%s", i+1, res.Payload, err, strings.Join(logs, "\n"))
		}
	}
	joined := strings.Join(logs, "\n")
	for _, want := range []string{`"function":"event-order-stream-processor"`, `"msg":"record handled"`, `"msg":"duplicate delivery: handled before, nothing done"`} {
		if !strings.Contains(joined, want) {
			t.Fatalf("the handler's JSON logs lack %s:\n%s", want, joined)
		}
	}

	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"order_id": &ddbtypes.AttributeValueMemberS{Value: "idempotency#order-stream#stream:" + order + "-complete"}}})
	if err != nil || got.Item == nil {
		t.Fatalf("the idempotency record: %v, %v", err, got)
	}
	if s, _ := got.Item["status"].(*ddbtypes.AttributeValueMemberS); s == nil || s.Value != "COMPLETED" {
		t.Fatalf("the idempotency record is %v", got.Item)
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		n := sink.Matching(func(n emulators.Notification) bool {
			return n.MessageAttributes["event_type"].Value == orderstream.NotifyOrderStatusChanged && n.MessageAttributes["order_id"].Value == order
		})
		if len(n) == 1 && n[0].MessageAttributes["status"].Value == "completed" && n[0].MessageAttributes["previous_status"].Value == "created" {
			time.Sleep(200 * time.Millisecond) // a second one would have arrived by now
			if again := sink.Matching(func(m emulators.Notification) bool { return m.MessageAttributes["order_id"].Value == order }); len(again) != 1 {
				t.Fatalf("%d notifications of %s, want 1", len(again), order)
			}
			break
		}
		if len(n) > 1 || time.Now().After(deadline) {
			t.Fatalf("notifications of %s: %+v; want one Order Status Changed; logs:\n%s", order, n, joined)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
