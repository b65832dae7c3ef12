package main

import (
	"os"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/render"
	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

func TestMain(m *testing.M) { os.Exit(emulators.Main(m)) }

// TestSettingsFromTheOperatorsEnvironment: the function is not in the seed;
// its stack names the variables in uses (the topic with env
// NOTIFICATION_TOPIC_ARN, the orders table with env IDEMPOTENCY_TABLE), which
// the operator sets as render.TopicEnv and render.TableEnv say.
func TestSettingsFromTheOperatorsEnvironment(t *testing.T) {
	env := map[string]string{
		render.TopicEnv(v1alpha1.TopicUse{Name: "notifications", Env: "NOTIFICATION_TOPIC_ARN"}): "arn:aws:sns:us-east-1:123456789012:event-notifications",
		render.TableEnv(v1alpha1.TableUse{Name: "orders", Env: "IDEMPOTENCY_TABLE"}):             "event-driven-orders",
		render.EnvDeadLetterQueueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/stream-dlq",
	}
	s, err := loadSettings(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("with %v: %v", env, err)
	}
	want := settings{TopicARN: "arn:aws:sns:us-east-1:123456789012:event-notifications", IdempotencyTable: "event-driven-orders",
		DeadLetterQueueURL: "https://sqs.us-east-1.amazonaws.com/123456789012/stream-dlq"}
	if s != want {
		t.Errorf("settings = %+v, want %+v", s, want)
	}
}

func TestMissingSettingsAreNamed(t *testing.T) {
	_, err := loadSettings(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "NOTIFICATION_TOPIC_ARN, IDEMPOTENCY_TABLE") {
		t.Errorf("err = %v, want it to name NOTIFICATION_TOPIC_ARN and IDEMPOTENCY_TABLE", err)
	}
}
