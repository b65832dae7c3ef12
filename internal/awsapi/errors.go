package awsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/eventstack-io/eventstack-operator/internal/outcome"
)

// Reasons of the Stalled condition for AWS errors.
const (
	ReasonAWSRejected     = "AWSRejected"
	ReasonAWSAccessDenied = "AWSAccessDenied"
	ReasonAWSCredentials  = "AWSCredentials"
)

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool {
	return hasCode(err, "ResourceNotFoundException")
}

// IsConflict reports whether err says the resource exists already.
func IsConflict(err error) bool {
	return hasCode(err, "ResourceConflictException", "ResourceAlreadyExistsException")
}

func hasCode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, c := range codes {
		if apiErr.ErrorCode() == c {
			return true
		}
	}
	return false
}

// Classify types the error of an AWS call by what should happen next:
//   - a request AWS refuses as invalid (ValidationException,
//     InvalidEventPatternException, LimitExceededException, ...) needs a spec
//     change: terminal, with AWS's message;
//   - access denied needs a change of the operator's IAM policy: terminal,
//     with a hint naming the action (service:Operation) it lacks;
//   - missing or invalid credentials: terminal, with a hint;
//   - anything else (throttling, 5xx, network) is transient: the SDK's
//     retryer already retried it; the controller retries it with backoff.
//
// action is the IAM action of the call, e.g. "events:PutRule".
func Classify(action string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
			return outcome.Terminal(ReasonAWSAccessDenied, fmt.Errorf(
				"%s was denied: the operator's IAM role lacks %s on this resource (see config/iam/operator-policy.json): %w", action, action, err))
		case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "ExpiredTokenException":
			return outcome.Terminal(ReasonAWSCredentials, fmt.Errorf(
				"%s: AWS does not accept the operator's credentials (EKS Pod Identity or IRSA set up?): %w", action, err))
		case "ValidationException", "InvalidEventPatternException", "LimitExceededException",
			"InvalidParameterValueException", "PolicyLengthExceededException", "ManagedRuleException":
			return outcome.Terminal(ReasonAWSRejected, fmt.Errorf("%s: %w", action, err))
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusForbidden {
		return outcome.Terminal(ReasonAWSAccessDenied, fmt.Errorf("%s was denied (HTTP 403): %w", action, err))
	}
	if isCredentialsError(err) {
		return outcome.Terminal(ReasonAWSCredentials, fmt.Errorf(
			"%s: no AWS credentials found in the default chain (EKS Pod Identity, IRSA, environment): %w", action, err))
	}
	return fmt.Errorf("%s: %w", action, err)
}

// isCredentialsError reports whether the SDK found no usable credentials: it
// fails the call before sending it, with one of these phrases.
func isCredentialsError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "get credentials") || strings.Contains(msg, "failed to retrieve credentials")
}
