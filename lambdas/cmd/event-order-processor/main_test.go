package main

import (
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/seedenv"
)

// TestSettingsFromTheOperatorsEnvironment: the variables the function reads
// are the ones the operator sets for it in the seed stack.
func TestSettingsFromTheOperatorsEnvironment(t *testing.T) {
	env := seedenv.Of(t, name)
	s, err := loadSettings(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("with the seed's environment %v: %v", env, err)
	}
	want := settings{
		OrdersTable:        "table:event-driven-orders",
		TopicARN:           "arn:aws:sns:us-east-1:123456789012:event-notifications",
		DeadLetterQueueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/order-dlq",
	}
	if s != want {
		t.Errorf("settings = %+v, want %+v", s, want)
	}
}

func TestMissingSettingsAreNamed(t *testing.T) {
	_, err := loadSettings(func(string) string { return "" })
	for _, v := range []string{"ORDERS_TABLE", "NOTIFICATION_TOPIC_ARN", "DEAD_LETTER_QUEUE_URL"} {
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("err = %v, want it to name %s", err, v)
		}
	}
}
