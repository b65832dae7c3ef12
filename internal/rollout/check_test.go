package rollout

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/eventstack-io/eventstack-operator/internal/localaws"
)

// checkRuntime runs a check function in process: it fails the check of
// version "…:9" with an error document, and passes the others.
type checkRuntime struct{ got []CheckEvent }

func (r *checkRuntime) Invoke(_ context.Context, _ localaws.RunnableFunction, payload []byte) (localaws.RuntimeResult, error) {
	var ev CheckEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return localaws.RuntimeResult{}, err
	}
	r.got = append(r.got, ev)
	if ev.Version == "arn:aws:lambda:us-east-1:123456789012:function:orders:9" {
		return localaws.RuntimeResult{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"order 42 not found","errorType":"CheckFailed"}`)}, nil
	}
	return localaws.RuntimeResult{Payload: []byte(`"ok"`)}, nil
}

// A check is a synchronous Invoke through Lambda: its function's error
// fails it with the error's message; a call that cannot be made decides
// nothing.
func TestRunCheck(t *testing.T) {
	srv := localaws.New()
	srv.Delays = localaws.Delays{} // a role usable at once, a function Active at once
	cfg := srv.StartForTest(t)
	rt := &checkRuntime{}
	srv.SetFunctionRuntime(rt)
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("check-role"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	fn, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("smoke"), Role: role.Role.Arn,
		Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{S3Bucket: aws.String("code"), S3Key: aws.String("smoke.zip")}})
	if err != nil {
		t.Fatal(err)
	}
	check := aws.ToString(fn.FunctionArn)
	for version, want := range map[string]string{
		"arn:aws:lambda:us-east-1:123456789012:function:orders:8": "",
		"arn:aws:lambda:us-east-1:123456789012:function:orders:9": "CheckFailed: order 42 not found",
	} {
		got, err := RunCheck(ctx, lc, check, CheckEvent{Function: "orders", Version: version, Stage: "preTraffic"})
		if err != nil || got.Err != want {
			t.Errorf("%s: %+v, %v; want %q", version, got, err, want)
		}
	}
	if len(rt.got) != 2 || rt.got[0].Stage != "preTraffic" || rt.got[0].Function != "orders" {
		t.Errorf("the check function got %+v", rt.got)
	}
	if _, err := RunCheck(ctx, lc, check+"-missing", CheckEvent{}); err == nil {
		t.Error("a check that cannot be invoked decided")
	}
}
