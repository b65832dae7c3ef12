package awsapi

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/eventstack-io/eventstack-operator/internal/outcome"
)

func TestClassify(t *testing.T) {
	api := func(code string) error {
		return fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
	}
	cases := []struct {
		name      string
		err       error
		terminal  bool
		reason    string
		inMessage string
	}{
		{"invalid pattern", api("InvalidEventPatternException"), true, ReasonAWSRejected, "events:PutRule"},
		{"validation", api("ValidationException"), true, ReasonAWSRejected, "ValidationException"},
		{"limit", api("LimitExceededException"), true, ReasonAWSRejected, ""},
		{"access denied names the action", api("AccessDeniedException"), true, ReasonAWSAccessDenied, "lacks events:PutRule"},
		{"bad credentials", api("UnrecognizedClientException"), true, ReasonAWSCredentials, "credentials"},
		{"no credentials", errors.New("operation error EventBridge: PutRule, get identity: get credentials: failed to refresh cached credentials"), true, ReasonAWSCredentials, "no AWS credentials"},
		{"throttling is transient", api("ThrottlingException"), false, "", "ThrottlingException"},
		{"concurrent modification is transient", api("ConcurrentModificationException"), false, "", ""},
		{"a network error is transient", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), false, "", "connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Classify("events:PutRule", tc.err)
			reason, terminal := outcome.IsTerminal(err)
			if terminal != tc.terminal || reason != tc.reason || !strings.Contains(err.Error(), tc.inMessage) {
				t.Errorf("Classify = %v (terminal %v, reason %q), want terminal %v reason %q containing %q", err, terminal, reason, tc.terminal, tc.reason, tc.inMessage)
			}
			if !errors.Is(err, tc.err) {
				t.Error("the classified error does not wrap the original")
			}
		})
	}
	if Classify("x", nil) != nil {
		t.Error("nil must stay nil")
	}
	if !IsNotFound(api("ResourceNotFoundException")) || IsNotFound(api("ValidationException")) {
		t.Error("IsNotFound")
	}
	if !IsConflict(api("ResourceConflictException")) || !IsConflict(api("ResourceAlreadyExistsException")) {
		t.Error("IsConflict")
	}
}

// The status holds a classified error's brief form; the chain is in Error().
func TestBrief(t *testing.T) {
	denied := Classify("events:PutRule", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::1:assumed-role/x is not authorized"})
	if got := Brief(denied); got != "AWS denied events:PutRule to the operator's IAM role (config/iam/operator-policy.json)" {
		t.Errorf("Brief(access denied) = %q", got)
	}
	if !strings.Contains(denied.Error(), "is not authorized") {
		t.Errorf("the chain lost AWS's message: %v", denied)
	}
	noCreds := Classify("events:DescribeEventBus", errors.New("operation error EventBridge: DescribeEventBus, get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found"))
	if got := Brief(noCreds); !strings.HasPrefix(got, "no AWS credentials: set up EKS Pod Identity or IRSA") || strings.Contains(got, "IMDS") {
		t.Errorf("Brief(no credentials) = %q", got)
	}
	outage := Classify("events:PutRule", &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "x"})
	if got := Brief(outage); got != "events:PutRule failed: ServiceUnavailable (retrying)" {
		t.Errorf("Brief(outage) = %q", got)
	}
	if got := Brief(errors.New("plain")); got != "plain" {
		t.Errorf("Brief(plain) = %q", got)
	}
}
