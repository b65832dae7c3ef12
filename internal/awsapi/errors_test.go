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
