package rollout

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"k8s.io/utils/ptr"
)

// Invoker is the part of the Lambda API a check needs.
type Invoker interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// CheckEvent is what a check function is invoked with: the function rolled
// out, the version on trial (its qualified ARN: invoke it to test it) and
// the stage.
type CheckEvent struct {
	Function string `json:"function"`
	Version  string `json:"version"`
	Stage    string `json:"stage"` // preTraffic or postTraffic
}

// RunCheck invokes a check function synchronously. Its answer decides: a
// function error (the handler returned an error, or crashed) fails the
// check, with the error's message; anything else passes it. An error of the
// call itself (throttled, no such function, no credentials) decides nothing:
// it is returned, for the reconcile to retry.
func RunCheck(ctx context.Context, lc Invoker, checkARN string, ev CheckEvent) (Check, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return Check{}, err
	}
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: ptr.To(checkARN), Payload: payload})
	if err != nil {
		return Check{}, fmt.Errorf("invoking check %s: %w", checkARN, err)
	}
	if out.FunctionError == nil {
		return Check{}, nil
	}
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	msg := string(out.Payload)
	if json.Unmarshal(out.Payload, &doc) == nil && doc.ErrorMessage != "" {
		msg = doc.ErrorMessage
		if doc.ErrorType != "" {
			msg = doc.ErrorType + ": " + msg
		}
	}
	return Check{Err: msg}, nil
}
