// Package e2e tests the three functions end to end, as Lambda runs them: each
// test invokes a function's handler (delivery.Router.Invoke, what lambda.Start
// calls) with the payloads EventBridge, SQS and the workflow send, against
// real servers on loopback ports: dynalite for DynamoDB, goaws for SNS (each
// notification is checked where goaws delivered it, an HTTP endpoint of the
// test subscribed to the topic), and an SQS-compatible recorder for the
// dead-letter queues, reached through the real SDK clients.
package e2e
