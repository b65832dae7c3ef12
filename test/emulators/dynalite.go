package emulators

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	dynaliteproc "github.com/eventstack-io/eventstack-operator/internal/dynalite"
)

// Region is the region of every test client.
const Region = "us-east-1"

var dynalite struct {
	once     sync.Once
	endpoint string
	pid      int
	err      error
	skip     string
}

// Dynalite returns the endpoint of the test binary's dynalite (started by
// internal/dynalite), starting it on first use.
func Dynalite(t testing.TB) string {
	t.Helper()
	dynalite.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		srv, err := dynaliteproc.Start(ctx, "")
		switch {
		case errors.Is(err, dynaliteproc.ErrUnavailable):
			dynalite.skip = err.Error()
			return
		case err != nil:
			dynalite.err = err
			return
		}
		onStop(srv.Close)
		dynalite.endpoint, dynalite.pid = srv.Endpoint(), srv.PID()
	})
	if dynalite.skip != "" {
		unavailable(t, "%s", dynalite.skip)
	}
	if dynalite.err != nil {
		t.Fatalf("starting dynalite: %v", dynalite.err)
	}
	return dynalite.endpoint
}

// DynalitePID is the process id of the test binary's dynalite, once Dynalite
// started it (0 before): for benchmarks that measure its CPU.
func DynalitePID() int { return dynalite.pid }

// AWSConfig is a configuration for the test servers: fixed credentials, the
// test region, and the SDK's standard retryer (so throttling retries are the
// production ones).
func AWSConfig() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
}

// DynamoDB returns a DynamoDB client of the test binary's dynalite.
func DynamoDB(t testing.TB) *dynamodb.Client {
	t.Helper()
	endpoint := Dynalite(t)
	return dynamodb.NewFromConfig(AWSConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

var tableSeq atomic.Int64

var notTableChar = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// CreateTable creates a pay-per-request table with a string partition key
// named key, under a name unique to the test (base plus the test's name), and
// returns the name. The table is deleted when the test ends.
func CreateTable(t testing.TB, db *dynamodb.Client, base, key string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%s-%d", base, notTableChar.ReplaceAllString(t.Name(), "-"), tableSeq.Add(1))
	if len(name) > 255 {
		name = name[len(name)-255:]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(key), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("creating table %s: %v", name, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("waiting for table %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}
