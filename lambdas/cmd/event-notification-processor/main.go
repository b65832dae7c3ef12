// Command event-notification-processor is the notification processor's
// Lambda function (provided.al2023, handler bootstrap): it reads its
// configuration, builds the SDK clients and hands invocations to the logic in
// package notifications.
//
// The seed gives this function a topic only. Two variables are optional:
// DEAD_LETTER_QUEUE_URL (set when the function has a deadLetterQueue; without
// it a refused event is kept in full in the error log line) and
// IDEMPOTENCY_TABLE (a table use with env IDEMPOTENCY_TABLE; without it a
// duplicate event is published again).
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
	"github.com/eventstack-io/eventstack-operator/lambdas/notifications"
)

const name = "event-notification-processor"

// settings is the function's configuration.
type settings struct {
	TopicARN, DeadLetterQueueURL, IdempotencyTable string
}

func loadSettings(lookup func(string) string) (settings, error) {
	env := config.NewEnv(lookup)
	s := settings{
		TopicARN:           env.Require(config.EnvNotificationTopic),
		DeadLetterQueueURL: env.Optional(config.EnvDeadLetterQueue),
		IdempotencyTable:   env.Optional(config.EnvIdempotencyTable),
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
	router := &delivery.Router{
		Function:  name,
		Processor: &notifications.Processor{SNS: sns.NewFromConfig(cfg), TopicARN: s.TopicARN},
		Logger:    log,
	}
	if s.DeadLetterQueueURL != "" {
		router.DeadLetters = &dlq.Sender{Client: sqs.NewFromConfig(cfg), QueueURL: s.DeadLetterQueueURL, Function: name}
	} else {
		log.Warn("no dead-letter queue (DEAD_LETTER_QUEUE_URL): refused events are kept in the log only")
	}
	if s.IdempotencyTable != "" {
		db := dynamodb.NewFromConfig(cfg)
		key, err := awsclients.PartitionKey(ctx, db, s.IdempotencyTable)
		if err != nil {
			log.Error("cannot start", "error", err.Error())
			os.Exit(1)
		}
		router.Idempotency = &idempotency.Store{DB: db, Table: s.IdempotencyTable, KeyAttr: key, Scope: "notifications"}
	} else {
		log.Warn("no idempotency table (IDEMPOTENCY_TABLE): a duplicate event is published again")
	}
	lambda.Start(router.Invoke)
}
