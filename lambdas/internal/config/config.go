// Package config reads a function's configuration from the environment
// variables the operator sets (see internal/render in the operator): a used
// table's name in its uses.tables[].env (ORDERS_TABLE, INVENTORY_TABLE in the
// seed), a used topic's ARN in uses.topics[].env (NOTIFICATION_TOPIC_ARN), and
// the dead-letter queue's URL in DEAD_LETTER_QUEUE_URL.
package config

import (
	"fmt"
	"strings"
)

// Environment variables of the seed's functions.
const (
	EnvOrdersTable       = "ORDERS_TABLE"
	EnvInventoryTable    = "INVENTORY_TABLE"
	EnvNotificationTopic = "NOTIFICATION_TOPIC_ARN"
	EnvDeadLetterQueue   = "DEAD_LETTER_QUEUE_URL" // the operator's render.EnvDeadLetterQueueURL
	// EnvIdempotencyTable names a table for the notification processor's
	// idempotency records (the seed gives that function none).
	EnvIdempotencyTable = "IDEMPOTENCY_TABLE"
	EnvLogLevel         = "LOG_LEVEL"
	// EnvFunctionName is set by Lambda: the function's name in AWS.
	EnvFunctionName = "AWS_LAMBDA_FUNCTION_NAME"
)

// Env reads variables through lookup and collects the missing required ones.
type Env struct {
	lookup  func(string) string
	missing []string
}

// NewEnv reads variables with lookup (os.Getenv in main).
func NewEnv(lookup func(string) string) *Env { return &Env{lookup: lookup} }

// Require returns a required variable, noting it when it is empty.
func (e *Env) Require(name string) string {
	v := strings.TrimSpace(e.lookup(name))
	if v == "" {
		e.missing = append(e.missing, name)
	}
	return v
}

// Optional returns a variable that may be empty.
func (e *Env) Optional(name string) string { return strings.TrimSpace(e.lookup(name)) }

// Err names every required variable that was empty.
func (e *Env) Err() error {
	if len(e.missing) == 0 {
		return nil
	}
	return fmt.Errorf("missing environment variables %s (the operator sets them from the function's uses and deadLetterQueue)",
		strings.Join(e.missing, ", "))
}
