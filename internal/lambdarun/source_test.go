package lambdarun

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/internal/dynalite"
	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestHandlerSourceAnswersOnlyTheRepositorysHandlers(t *testing.T) {
	h := NewHandlers(repoRoot(t))
	names, err := h.Names()
	if err != nil || len(names) != 4 {
		t.Fatalf("Names() = %v, %v; want the four handlers of lambdas/cmd", names, err)
	}
	if _, err := h.Source("", "lambdas/event-order-processor.zip", ""); !errors.Is(err, localaws.ErrNoSuchBucket) {
		t.Fatalf("no bucket: %v, want ErrNoSuchBucket", err)
	}
	for _, key := range []string{"lambdas/nothing.zip", "lambdas/event-order-processor", "../event-order-processor.tar"} {
		if _, err := h.Source("artifacts", key, ""); !errors.Is(err, localaws.ErrPackageNotHeld) || !strings.Contains(err.Error(), "is not a handler of the repository") {
			t.Fatalf("key %s: %v, want ErrPackageNotHeld", key, err)
		}
	}
}

// TestTheSeedsHandlerRunsAgainstTheSimulatedAWS builds the seed's inventory
// processor through the code source, runs it under the RIE and sees its
// restock in DynamoDB: the handler's SDK clients reached the simulated AWS
// (AWS_ENDPOINT_URL), whose items live in dynalite.
func TestTheSeedsHandlerRunsAgainstTheSimulatedAWS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	plane, err := dynalite.Start(ctx, repoRoot(t))
	if errors.Is(err, dynalite.ErrUnavailable) {
		if v := strings.ToLower(os.Getenv("CI")); v == "" || v == "false" || v == "0" {
			t.Skip(err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plane.Close)
	srv := localaws.New()
	url, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.SetDynamoDBDataPlane(plane.Endpoint())
	db := dynamodb.NewFromConfig(aws.Config{Region: srv.Region, Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")},
		func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("event-driven-inventory"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("item_id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("item_id"), KeyType: ddbtypes.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("event-driven-inventory")}, time.Minute); err != nil {
		t.Fatal(err)
	}

	source := HandlerSource(repoRoot(t))
	code, err := source("eventstack-artifacts", "lambdas/event-inventory-processor.zip", "")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := source("eventstack-artifacts", "other/prefix/event-inventory-processor.zip", "v2")
	if !bytes.Equal(code, again) {
		t.Fatal("the second read of the handler built it again differently")
	}
	if zr, err := zip.NewReader(bytes.NewReader(code), int64(len(code))); err != nil || len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("the package is not one bootstrap: %v", err)
	}

	r := &Runtime{RIE: rieOrSkip(t), AWSEndpoint: url, Region: srv.Region}
	t.Cleanup(func() { _ = r.Close() })
	fn := localaws.RunnableFunction{
		Name: "event-inventory-processor", Runtime: "provided.al2023", Handler: "bootstrap", Version: "$LATEST",
		CodeSha256: lambdazip.SHA256(code), Code: func() ([]byte, error) { return code, nil },
		Environment: map[string]string{"INVENTORY_TABLE": "event-driven-inventory", "LOG_LEVEL": "INFO",
			"DEAD_LETTER_QUEUE_URL": url + "/000000000000/inventory-dlq"},
		Timeout: 30 * time.Second, MemoryMB: 256,
	}
	event := `{"version":"0","id":"restock-1","detail-type":"Inventory Updated","source":"inventory","account":"123456789012",` +
		`"time":"2024-01-15T10:00:01Z","region":"us-east-1","resources":[],` +
		`"detail":{"item_id":"ITEM-1","quantity":5,"action":"restock","timestamp":"2024-01-15T10:00:00Z"}}`
	res, err := r.Invoke(ctx, fn, []byte(event))
	if err != nil {
		t.Fatal(err)
	}
	if res.FunctionError != "" {
		t.Fatalf("the handler failed: %s; its logs:\n%s", res.Payload, strings.Join(res.Logs, "\n"))
	}
	if len(res.Logs) == 0 {
		t.Fatal("the handler wrote no log line")
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("event-driven-inventory"),
		Key: map[string]ddbtypes.AttributeValue{"item_id": &ddbtypes.AttributeValueMemberS{Value: "ITEM-1"}}})
	if err != nil || got.Item == nil {
		t.Fatalf("the restocked item: %v, %v; the handler's logs:\n%s", err, got, strings.Join(res.Logs, "\n"))
	}
	if n := srv.Calls()["dynamodb:UpdateItem"]; n == 0 {
		t.Fatalf("the handler's UpdateItem did not reach the simulated AWS: %v", srv.Calls())
	}
}
