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
	return hasCode(err, "ResourceNotFoundException", "StateMachineDoesNotExist")
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
			return outcome.Terminal(ReasonAWSAccessDenied, &Error{Err: fmt.Errorf(
				"%s was denied: the operator's IAM role lacks %s on this resource (see config/iam/operator-policy.json): %w", action, action, err),
				Brief: "AWS denied " + action + " to the operator's IAM role (config/iam/operator-policy.json)"})
		case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "ExpiredTokenException":
			return outcome.Terminal(ReasonAWSCredentials, &Error{Err: fmt.Errorf(
				"%s: AWS does not accept the operator's credentials (EKS Pod Identity or IRSA set up?): %w", action, err),
				Brief: "AWS does not accept the operator's credentials (" + apiErr.ErrorCode() + "): " + credentialsHint})
		case "ValidationException", "InvalidEventPatternException", "LimitExceededException",
			"InvalidParameterValueException", "PolicyLengthExceededException", "ManagedRuleException":
			return outcome.Terminal(ReasonAWSRejected, &Error{Err: fmt.Errorf("%s: %w", action, err),
				Brief: action + " refused: " + apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()})
		}
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusForbidden {
		return outcome.Terminal(ReasonAWSAccessDenied, &Error{Err: fmt.Errorf("%s was denied (HTTP 403): %w", action, err),
			Brief: "AWS denied " + action + " to the operator (HTTP 403)"})
	}
	if isCredentialsError(err) {
		return outcome.Terminal(ReasonAWSCredentials, &Error{Err: fmt.Errorf(
			"%s: no AWS credentials found in the default chain (EKS Pod Identity, IRSA, environment): %w", action, err),
			Brief: "no AWS credentials: " + credentialsHint})
	}
	brief := action + " failed"
	if apiErr != nil {
		brief += ": " + apiErr.ErrorCode()
	} else if respErr != nil {
		brief += fmt.Sprintf(": HTTP %d", respErr.HTTPStatusCode())
	}
	return &Error{Err: fmt.Errorf("%s: %w", action, err), Brief: brief + " (retrying)"}
}

// credentialsHint says where the operator's AWS credentials come from.
const credentialsHint = "set up EKS Pod Identity or IRSA for the operator's service account (config/iam/README.md), " +
	"or try it locally with make run-local, which simulates AWS"

// Error is a classified AWS error: the whole chain for events and logs, and
// a brief form for the status, said once for everything the cause holds up.
type Error struct {
	Err   error
	Brief string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Brief is the short form of an error for a status line: a classified AWS
// error's brief, else the error itself.
func Brief(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Brief
	}
	return err.Error()
}

// isCredentialsError reports whether the SDK found no usable credentials: it
// fails the call before sending it, with one of these phrases.
func isCredentialsError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "get credentials") || strings.Contains(msg, "failed to retrieve credentials")
}
