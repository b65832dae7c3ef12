package main

import (
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/lambdas/internal/seedenv"
)

// TestSettingsFromTheOperatorsEnvironment: the variables the function reads
// are the ones the operator sets for it in the seed stack, where it has a
// topic and the orders table for its idempotency records (no dead-letter queue).
func TestSettingsFromTheOperatorsEnvironment(t *testing.T) {
	env := seedenv.Of(t, name)
	s, err := loadSettings(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("with the seed's environment %v: %v", env, err)
	}
	want := settings{TopicARN: "arn:aws:sns:us-east-1:123456789012:event-notifications", IdempotencyTable: "table:event-driven-orders"}
	if s != want {
		t.Errorf("settings = %+v, want %+v", s, want)
	}
}

func TestMissingSettingsAreNamed(t *testing.T) {
	_, err := loadSettings(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "NOTIFICATION_TOPIC_ARN") {
		t.Errorf("err = %v, want it to name NOTIFICATION_TOPIC_ARN", err)
	}
}
