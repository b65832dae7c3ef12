// Command event-order-stream-processor is the orders table's stream consumer
// as a Lambda function (provided.al2023, handler bootstrap): it reads its
// configuration, builds the SDK clients and hands each batch of stream
// records to the logic in package orderstream through delivery.StreamRouter.
//
// Its stack gives it the orders table's stream (functions[].streams, view
// type NEW_AND_OLD_IMAGES) and, in uses, the topic (NOTIFICATION_TOPIC_ARN)
// and a table for its idempotency records (IDEMPOTENCY_TABLE, the orders
// table itself will do: its records' own stream records are skipped). Both
// are required: without idempotency records a retried batch would publish
// again. DEAD_LETTER_QUEUE_URL is optional (without it a refused record is
// kept in full in the error log line); the mapping's onFailure destination
// is Lambda's, for batches whose retries ran out.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/awsclients"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/config"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/dlq"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
	"github.com/eventstack-io/eventstack-operator/lambdas/orderstream"
)

const name = "event-order-stream-processor"

// settings is the function's configuration.
type settings struct {
	TopicARN, IdempotencyTable, DeadLetterQueueURL string
}

func loadSettings(lookup func(string) string) (settings, error) {
	env := config.NewEnv(lookup)
	s := settings{
		TopicARN:           env.Require(config.EnvNotificationTopic),
		IdempotencyTable:   env.Require(config.EnvIdempotencyTable),
		DeadLetterQueueURL: env.Optional(config.EnvDeadLetterQueue),
	}
	return s, env.Err()
}

func main() {
	ctx := context.Background()
	log := logging.New(os.Stdout, name, logging.ParseLevel(os.Getenv(config.EnvLogLevel)))
	s, err := loadSettings(os.Getenv)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := awsclients.Load(ctx)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	db := dynamodb.NewFromConfig(cfg)
	key, err := awsclients.PartitionKey(ctx, db, s.IdempotencyTable)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	router := &delivery.StreamRouter{
		Function:    name,
		Processor:   &orderstream.Processor{SNS: sns.NewFromConfig(cfg), TopicARN: s.TopicARN},
		Idempotency: &idempotency.Store{DB: db, Table: s.IdempotencyTable, KeyAttr: key, Scope: "order-stream"},
		Logger:      log,
	}
	if s.DeadLetterQueueURL != "" {
		router.DeadLetters = &dlq.Sender{Client: sqs.NewFromConfig(cfg), QueueURL: s.DeadLetterQueueURL, Function: name}
	} else {
		log.Warn("no dead-letter queue (DEAD_LETTER_QUEUE_URL): refused records are kept in the log only")
	}
	lambda.Start(router.Invoke)
}
