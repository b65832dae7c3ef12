// Command event-order-processor is the order processor's Lambda function
// (provided.al2023, handler bootstrap): it reads its configuration, builds the
// SDK clients and hands invocations to the logic in package orders.
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
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/events"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
	"github.com/eventstack-io/eventstack-operator/lambdas/orders"
)

const name = "event-order-processor"

// settings is the function's configuration.
type settings struct {
	OrdersTable, TopicARN, DeadLetterQueueURL string
}

func loadSettings(lookup func(string) string) (settings, error) {
	env := config.NewEnv(lookup)
	s := settings{
		OrdersTable:        env.Require(config.EnvOrdersTable),
		TopicARN:           env.Require(config.EnvNotificationTopic),
		DeadLetterQueueURL: env.Require(config.EnvDeadLetterQueue),
	}
	return s, env.Err()
}

func main() {
	log := logging.New(os.Stdout, name, logging.ParseLevel(os.Getenv(config.EnvLogLevel)))
	s, err := loadSettings(os.Getenv)
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := awsclients.Load(context.Background())
	if err != nil {
		log.Error("cannot start", "error", err.Error())
		os.Exit(1)
	}
	db := dynamodb.NewFromConfig(cfg)
	router := &delivery.Router{
		Function:    name,
		Processor:   &orders.Processor{DB: db, Table: s.OrdersTable, SNS: sns.NewFromConfig(cfg), TopicARN: s.TopicARN},
		Idempotency: &idempotency.Store{DB: db, Table: s.OrdersTable, KeyAttr: events.AttrOrderID, Scope: "orders"},
		DeadLetters: &dlq.Sender{Client: sqs.NewFromConfig(cfg), QueueURL: s.DeadLetterQueueURL, Function: name},
		Logger:      log,
	}
	lambda.Start(router.Invoke)
}
