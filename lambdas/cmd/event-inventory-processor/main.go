// Command event-inventory-processor is the inventory processor's Lambda
// function (provided.al2023, handler bootstrap): it reads its configuration,
// builds the SDK clients and hands invocations to the logic in package
// inventory.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/awsclients"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/config"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/delivery"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/dlq"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/idempotency"
	"github.com/eventstack-io/eventstack-operator/lambdas/internal/logging"
	"github.com/eventstack-io/eventstack-operator/lambdas/inventory"
)

const name = "event-inventory-processor"

// settings is the function's configuration.
type settings struct {
	InventoryTable, DeadLetterQueueURL string
}

func loadSettings(lookup func(string) string) (settings, error) {
	env := config.NewEnv(lookup)
	s := settings{
		InventoryTable:     env.Require(config.EnvInventoryTable),
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
		Processor:   &inventory.Processor{DB: db, Table: s.InventoryTable},
		Idempotency: &idempotency.Store{DB: db, Table: s.InventoryTable, KeyAttr: "item_id", Scope: "inventory"},
		DeadLetters: &dlq.Sender{Client: sqs.NewFromConfig(cfg), QueueURL: s.DeadLetterQueueURL, Function: name},
		Logger:      log,
	}
	lambda.Start(router.Invoke)
}
