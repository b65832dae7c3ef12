// Package awsclients builds the functions' AWS SDK clients from the Lambda
// environment (region and credentials of the execution role), with the SDK's
// standard retryer: throttling and 5xx are retried with backoff inside one
// invocation before the error reaches the handler.
package awsclients

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Load reads the AWS configuration of the environment.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return cfg, nil
}

// TableDescriber is the one call PartitionKey makes.
type TableDescriber interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// PartitionKey returns the name of a table's partition key, which must be a
// string: idempotency records are keyed by strings.
func PartitionKey(ctx context.Context, db TableDescriber, table string) (string, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return "", fmt.Errorf("describing table %s: %w", table, err)
	}
	var name string
	for _, k := range out.Table.KeySchema {
		if k.KeyType == types.KeyTypeHash {
			name = aws.ToString(k.AttributeName)
		}
	}
	for _, a := range out.Table.AttributeDefinitions {
		if aws.ToString(a.AttributeName) == name && a.AttributeType != types.ScalarAttributeTypeS {
			return "", fmt.Errorf("table %s: partition key %s is of type %s, not a string", table, name, a.AttributeType)
		}
	}
	if name == "" {
		return "", fmt.Errorf("table %s has no partition key", table)
	}
	return name, nil
}
