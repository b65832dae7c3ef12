package localaws

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventstack-io/eventstack-operator/internal/dynalite"
)

// ddbDynalite starts a dynalite for the test, or skips it (outside CI) when
// node or its npm package is missing.
func ddbDynalite(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dynalite.StartTimeout)
	defer cancel()
	srv, err := dynalite.Start(ctx, "")
	if errors.Is(err, dynalite.ErrUnavailable) {
		if v := strings.ToLower(os.Getenv("CI")); v == "" || v == "false" || v == "0" {
			t.Skip(err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv.Endpoint()
}

// ddbItemsEnv is a server whose items live in a dynalite of the test.
func ddbItemsEnv(t *testing.T) (*Server, *dynamodb.Client, string) {
	t.Helper()
	plane := ddbDynalite(t)
	srv, c := ddbEnv(t, Delays{})
	srv.SetDynamoDBDataPlane(plane)
	return srv, c, plane
}

func itemsTable(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(ddbCtx(t), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("order_id"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("customer"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("order_id"), KeyType: ddbtypes.KeyTypeHash}},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{{
			IndexName:  aws.String("by-customer"),
			KeySchema:  []ddbtypes.KeySchemaElement{{AttributeName: aws.String("customer"), KeyType: ddbtypes.KeyTypeHash}},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatalf("CreateTable(%s): %v", name, err)
	}
}

func itemOrder(id, customer string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		"order_id": &ddbtypes.AttributeValueMemberS{Value: id},
		"customer": &ddbtypes.AttributeValueMemberS{Value: customer},
	}
}

func itemKey(id string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"order_id": &ddbtypes.AttributeValueMemberS{Value: id}}
}

func TestDynamoItemsWithoutDataPlaneSaySo(t *testing.T) {
	_, c := ddbEnv(t, Delays{})
	itemsTable(t, c, "orders")
	_, err := c.GetItem(ddbCtx(t), &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: itemKey("o-1")})
	ddbWantErr(t, err, "UnknownOperationException", "SetDynamoDBDataPlane")
}

// TestDynamoItemsInDynalite runs the data plane's operations through the
// SDK's client, whose CRC32 check passes on the answers.
func TestDynamoItemsInDynalite(t *testing.T) {
	srv, c, _ := ddbItemsEnv(t)
	ctx := ddbCtx(t)
	itemsTable(t, c, "orders")

	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: itemOrder("o-1", "alice")}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: itemKey("o-1")})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if v, ok := got.Item["customer"].(*ddbtypes.AttributeValueMemberS); !ok || v.Value != "alice" {
		t.Fatalf("GetItem = %#v, want customer alice", got.Item)
	}

	up, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("orders"), Key: itemKey("o-1"),
		UpdateExpression:          aws.String("SET #s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":s": &ddbtypes.AttributeValueMemberS{Value: "PAID"}},
		ReturnValues:              ddbtypes.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	if v, ok := up.Attributes["status"].(*ddbtypes.AttributeValueMemberS); !ok || v.Value != "PAID" {
		t.Fatalf("UpdateItem ALL_NEW = %#v", up.Attributes)
	}

	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: itemOrder("o-1", "bob"),
		ConditionExpression: aws.String("attribute_not_exists(order_id)")})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("conditional PutItem of an existing key: %v, want ConditionalCheckFailedException", err)
	}

	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{
		"orders": {
			{PutRequest: &ddbtypes.PutRequest{Item: itemOrder("o-2", "alice")}},
			{PutRequest: &ddbtypes.PutRequest{Item: itemOrder("o-3", "carol")}},
		},
	}})
	if err != nil {
		t.Fatalf("BatchWriteItem: %v", err)
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("by-customer"),
		KeyConditionExpression:    aws.String("customer = :c"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":c": &ddbtypes.AttributeValueMemberS{Value: "alice"}}})
	if err != nil || q.Count != 2 {
		t.Fatalf("Query of the index: %v, count %v, want 2", err, q)
	}
	bg, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{
		"orders": {Keys: []map[string]ddbtypes.AttributeValue{itemKey("o-2"), itemKey("o-3")}},
	}})
	if err != nil || len(bg.Responses["orders"]) != 2 {
		t.Fatalf("BatchGetItem: %v, %v", err, bg)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("orders"), Key: itemKey("o-3")}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	// By ARN too.
	arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/orders", region, srv.AccountID)
	scan, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(arn)})
	if err != nil || scan.Count != 2 {
		t.Fatalf("Scan by ARN: %v, %v, want 2 items", err, scan)
	}
	if n := srv.Calls()["dynamodb:Scan"]; n != 1 {
		t.Fatalf("calls of dynamodb:Scan = %d, want 1", n)
	}
	// What dynalite lacks answers what it answers.
	_, err = c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []ddbtypes.TransactGetItem{
		{Get: &ddbtypes.Get{TableName: aws.String("orders"), Key: itemKey("o-1")}},
	}})
	ddbWantErr(t, err, "UnknownOperationException", "")
}

// TestDynamoItemsAnswerCRC32 reads a forwarded answer on the wire: it has
// the X-Amz-Crc32 of its body.
func TestDynamoItemsAnswerCRC32(t *testing.T) {
	srv, c, _ := ddbItemsEnv(t)
	itemsTable(t, c, "orders")
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/", strings.NewReader(`{"TableName":"orders","Key":{"order_id":{"S":"none"}}}`))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GetItem: HTTP %d %s", resp.StatusCode, body)
	}
	want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	if got := resp.Header.Get("X-Amz-Crc32"); got != want {
		t.Fatalf("X-Amz-Crc32 = %q, want %q (of %s)", got, want, body)
	}
}

// TestDynamoItemsTablesFollowTheServers: a table the server does not have,
// or not ACTIVE, is not found; one deleted and made again starts empty, and
// the data plane's copy goes with the server's table.
func TestDynamoItemsTablesFollowTheServers(t *testing.T) {
	srv, c, plane := ddbItemsEnv(t)
	ctx := ddbCtx(t)
	_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("nothing"), Key: itemKey("o-1")})
	ddbWantErr(t, err, "ResourceNotFoundException", "Requested resource not found")

	itemsTable(t, c, "orders")
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: itemOrder("o-1", "alice")}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")}); err != nil {
		t.Fatalf("DeleteTable: %v", err)
	}
	// The data plane's copy is deleted in the background.
	direct := dynamodb.NewFromConfig(clientConfig(standardRetryer), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(plane) })
	for i := 0; ; i++ {
		_, err := direct.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
		var nf *ddbtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			break
		}
		if i == 200 {
			t.Fatalf("dynalite still has the deleted table: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	itemsTable(t, c, "orders")
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: itemKey("o-1")})
	if err != nil || got.Item != nil {
		t.Fatalf("GetItem in the table made again: %v, %v, want no item", err, got.Item)
	}

	// A table still CREATING is not found, as in DynamoDB.
	srv.SetDelays(Delays{TableCreate: time.Hour})
	itemsTable(t, c, "later")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("later"), Item: itemOrder("o-1", "alice")})
	ddbWantErr(t, err, "ResourceNotFoundException", "Requested resource not found")
}
