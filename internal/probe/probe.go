// Package probe asks AWS itself how a child stands where ACK's status cannot
// tell (docs/ack-behaviour.md rows 8b, 8c, 13, 14, 15):
//
//   - lambda-controller reads a function straight after it updated it, sees
//     LastUpdateStatus InProgress, and does not look again before its resync
//     (10 hours); it applies code and configuration one per reconcile, and a
//     function Pending after its creation is looked at again only after
//     30 s. Function reads the function from Lambda: what it runs, whether
//     Lambda has finished, and why it failed.
//   - sfn-controller hands the runtime the desired object after
//     UpdateStateMachine or TagResource, so no status write follows an update
//     of a state machine. StateMachine reads it from Step Functions and says
//     whether it holds what the child declares.
//   - lambda-controller never reads an event source mapping's Enabled back, so
//     a mapping disabled outside the stack stays disabled. Mapping reads it,
//     and EnableMapping enables it again.
//   - a create whose answer was lost (the SDK's retry then finds the name
//     taken) leaves ACK reporting the stack's own resource as "Resource
//     already exists". Function's Owner is the stack tag the function carries
//     in Lambda, which tells the stack's own from someone else's.
//
// Each is one read (and, for a disabled mapping, one write); the controller
// calls them only where ACK's status cannot tell, and remembers a settled
// answer per child generation.
package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"k8s.io/utils/ptr"

	"github.com/eventstack-io/eventstack-operator/internal/ack"
	"github.com/eventstack-io/eventstack-operator/internal/awsapi"
	"github.com/eventstack-io/eventstack-operator/internal/render"
)

// Verdict is what AWS says of a child.
type Verdict struct {
	// Settled: AWS holds what the child declares and has finished with it.
	Settled bool
	// Idle: AWS takes a change now (a function neither Pending nor
	// InProgress).
	Idle bool
	// Working says what AWS is still doing, Differs what it holds that the
	// child does not declare (ACK has not applied it), Failed why AWS failed
	// it; at most one is set, and none when Settled.
	Working, Differs, Failed string
	// Owner is the stack tag of the resource in AWS ("namespace/name"),
	// which tells a stack's own resource from someone else's.
	Owner string
	// Missing: AWS does not have it.
	Missing bool
}

// Function reads the function a child declares from Lambda and compares it
// with the child's spec (the rendered child, whose strings are whole).
func Function(ctx context.Context, c awsapi.Lambda, desired *ack.Function) (Verdict, error) {
	out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: desired.Spec.Name})
	if err != nil {
		if awsapi.IsNotFound(err) {
			return Verdict{Missing: true, Differs: "Lambda has no function " + ptr.Deref(desired.Spec.Name, "")}, nil
		}
		return Verdict{}, awsapi.Classify("lambda:GetFunction", err)
	}
	v := Verdict{Owner: out.Tags[render.TagStack]}
	cfg := out.Configuration
	if cfg == nil {
		return v, fmt.Errorf("lambda:GetFunction of %s answered no configuration", ptr.Deref(desired.Spec.Name, ""))
	}
	switch {
	case cfg.State == lambdatypes.StateFailed:
		v.Failed = "Lambda reports the function Failed: " + reason(cfg.StateReasonCode, cfg.StateReason)
		return v, nil
	case cfg.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed:
		v.Failed = "Lambda's last update of the function failed: " + reason(cfg.LastUpdateStatusReasonCode, cfg.LastUpdateStatusReason)
		v.Idle = true
		return v, nil
	case cfg.State == lambdatypes.StatePending:
		v.Working = "Lambda is creating the function (Pending)"
		return v, nil
	case cfg.LastUpdateStatus == lambdatypes.LastUpdateStatusInProgress:
		v.Working = "Lambda is applying the last update of the function (InProgress)"
		return v, nil
	}
	v.Idle = true
	if d := functionDiffers(desired, cfg, out); d != "" {
		v.Differs = d
		return v, nil
	}
	v.Settled = true
	return v, nil
}

func reason[C ~string](code C, msg *string) string {
	switch {
	case code != "" && ptr.Deref(msg, "") != "":
		return string(code) + ": " + *msg
	case code != "":
		return string(code)
	}
	return ptr.Deref(msg, "no reason given")
}

// functionDiffers names the first field the function in Lambda does not hold
// as the child declares it, or "".
func functionDiffers(want *ack.Function, cfg *lambdatypes.FunctionConfiguration, out *lambda.GetFunctionOutput) string {
	s := want.Spec
	if c := s.Code; c != nil {
		if c.SHA256 != nil && ptr.Deref(cfg.CodeSha256, "") != *c.SHA256 {
			return fmt.Sprintf("deploying code %s (Lambda runs %s)", short(*c.SHA256), short(ptr.Deref(cfg.CodeSha256, "")))
		}
		if c.ImageURI != nil && (out.Code == nil || ptr.Deref(out.Code.ImageUri, "") != *c.ImageURI) {
			return "Lambda runs another image than " + *c.ImageURI
		}
	}
	type field struct {
		name       string
		want, have any
	}
	fields := []field{
		{"memorySize", s.MemorySize, int64Of(cfg.MemorySize)},
		{"timeout", s.Timeout, int64Of(cfg.Timeout)},
		{"handler", s.Handler, cfg.Handler},
		{"runtime", s.Runtime, strPtr(string(cfg.Runtime))},
		{"role", s.Role, cfg.Role},
	}
	for _, f := range fields {
		if !reflect.ValueOf(f.want).IsNil() && !reflect.DeepEqual(f.want, f.have) {
			return fmt.Sprintf("Lambda has %s %v, the child declares %v", f.name, deref(f.have), deref(f.want))
		}
	}
	if len(s.Architectures) > 0 {
		have := make([]string, 0, len(cfg.Architectures))
		for _, a := range cfg.Architectures {
			have = append(have, string(a))
		}
		if want := ptr.Deref(s.Architectures[0], ""); len(have) != 1 || have[0] != want {
			return fmt.Sprintf("Lambda has architectures %v, the child declares %s", have, want)
		}
	}
	if s.Environment != nil {
		have := map[string]string{}
		if cfg.Environment != nil {
			have = cfg.Environment.Variables
		}
		if len(have) != len(s.Environment.Variables) {
			return "Lambda has other environment variables than the child declares"
		}
		for k, v := range s.Environment.Variables {
			if hv, ok := have[k]; !ok || hv != ptr.Deref(v, "") {
				return "Lambda has another value of environment variable " + k
			}
		}
	}
	if s.TracingConfig != nil && s.TracingConfig.Mode != nil &&
		(cfg.TracingConfig == nil || string(cfg.TracingConfig.Mode) != *s.TracingConfig.Mode) {
		return "Lambda has another tracing mode than " + *s.TracingConfig.Mode
	}
	if d := s.DeadLetterConfig; d != nil && d.TargetARN != nil &&
		(cfg.DeadLetterConfig == nil || ptr.Deref(cfg.DeadLetterConfig.TargetArn, "") != *d.TargetARN) {
		return "Lambda has another dead-letter target than " + *d.TargetARN
	}
	for k, v := range s.Tags {
		if have, ok := out.Tags[k]; !ok || have != ptr.Deref(v, "") {
			return "Lambda has another value of tag " + k
		}
	}
	return ""
}

func int64Of(v *int32) *int64 {
	if v == nil {
		return nil
	}
	return ptr.To(int64(*v))
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "nothing"
		}
		return rv.Elem().Interface()
	}
	return v
}

func short(sha string) string {
	if sha == "" {
		return "none"
	}
	return sha[:min(8, len(sha))]
}

// StateMachine reads the state machine a child declares from Step Functions
// and compares it with the child's spec (the rendered child).
func StateMachine(ctx context.Context, c awsapi.StepFunctions, desired *ack.StateMachine, arn string) (Verdict, error) {
	out, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if err != nil {
		if awsapi.IsNotFound(err) {
			return Verdict{Missing: true, Differs: "Step Functions has no state machine " + arn}, nil
		}
		return Verdict{}, awsapi.Classify("states:DescribeStateMachine", err)
	}
	if out.Status == sfntypes.StateMachineStatusDeleting {
		return Verdict{Working: "Step Functions is deleting the state machine"}, nil
	}
	v := Verdict{Idle: true}
	if d := stateMachineDiffers(desired, out); d != "" {
		v.Differs = d
		return v, nil
	}
	if len(desired.Spec.Tags) > 0 {
		tags, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			return Verdict{}, awsapi.Classify("states:ListTagsForResource", err)
		}
		have := map[string]string{}
		for _, t := range tags.Tags {
			have[ptr.Deref(t.Key, "")] = ptr.Deref(t.Value, "")
		}
		v.Owner = have[render.TagStack]
		for _, t := range desired.Spec.Tags {
			if hv, ok := have[ptr.Deref(t.Key, "")]; !ok || hv != ptr.Deref(t.Value, "") {
				v.Differs = "Step Functions has another value of tag " + ptr.Deref(t.Key, "")
				return v, nil
			}
		}
	}
	v.Settled = true
	return v, nil
}

// stateMachineDiffers names the first field the state machine in Step
// Functions does not hold as the child declares it, or "".
func stateMachineDiffers(want *ack.StateMachine, out *sfn.DescribeStateMachineOutput) string {
	s := want.Spec
	if s.Definition != nil && !sameJSON(*s.Definition, ptr.Deref(out.Definition, "")) {
		return "Step Functions has another definition"
	}
	if s.RoleARN != nil && ptr.Deref(out.RoleArn, "") != *s.RoleARN {
		return "Step Functions has role " + ptr.Deref(out.RoleArn, "") + ", the child declares " + *s.RoleARN
	}
	if s.Type != nil && string(out.Type) != *s.Type {
		return "Step Functions has type " + string(out.Type)
	}
	if t := s.TracingConfiguration; t != nil && t.Enabled != nil {
		enabled := out.TracingConfiguration != nil && out.TracingConfiguration.Enabled
		if enabled != *t.Enabled {
			return fmt.Sprintf("Step Functions has tracing enabled %v", enabled)
		}
	}
	if l := s.LoggingConfiguration; l != nil {
		have := out.LoggingConfiguration
		if have == nil {
			have = &sfntypes.LoggingConfiguration{Level: sfntypes.LogLevelOff}
		}
		if l.Level != nil && string(have.Level) != *l.Level {
			return "Step Functions logs at level " + string(have.Level) + ", the child declares " + *l.Level
		}
		if l.IncludeExecutionData != nil && have.IncludeExecutionData != *l.IncludeExecutionData {
			return fmt.Sprintf("Step Functions has includeExecutionData %v", have.IncludeExecutionData)
		}
		var wantDest, haveDest []string
		for _, d := range l.Destinations {
			if d != nil && d.CloudWatchLogsLogGroup != nil {
				wantDest = append(wantDest, ptr.Deref(d.CloudWatchLogsLogGroup.LogGroupARN, ""))
			}
		}
		for _, d := range have.Destinations {
			if d.CloudWatchLogsLogGroup != nil {
				haveDest = append(haveDest, ptr.Deref(d.CloudWatchLogsLogGroup.LogGroupArn, ""))
			}
		}
		sort.Strings(wantDest)
		sort.Strings(haveDest)
		if strings.Join(wantDest, ",") != strings.Join(haveDest, ",") {
			return "Step Functions logs to " + strings.Join(haveDest, ", ")
		}
	}
	return ""
}

// sameJSON says whether two JSON documents hold the same value.
func sameJSON(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return reflect.DeepEqual(va, vb)
}

// Mapping reads an event source mapping from Lambda and compares it with the
// child's spec (the rendered child).
func Mapping(ctx context.Context, c awsapi.Lambda, desired *ack.EventSourceMapping, uuid string) (Verdict, error) {
	out, err := c.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)})
	if err != nil {
		if awsapi.IsNotFound(err) {
			return Verdict{Missing: true, Differs: "Lambda has no event source mapping " + uuid}, nil
		}
		return Verdict{}, awsapi.Classify("lambda:GetEventSourceMapping", err)
	}
	s := desired.Spec
	state := ptr.Deref(out.State, "")
	switch state {
	case "Creating", "Updating", "Enabling", "Disabling", "Deleting":
		return Verdict{Working: "Lambda reports the mapping " + state}, nil
	}
	v := Verdict{Idle: true}
	var types []string
	for _, t := range out.FunctionResponseTypes {
		types = append(types, string(t))
	}
	switch {
	case ptr.Deref(s.Enabled, true) != (state == "Enabled"):
		v.Differs = "Lambda reports the mapping " + state
	case s.BatchSize != nil && int64(ptr.Deref(out.BatchSize, 0)) != *s.BatchSize:
		v.Differs = fmt.Sprintf("Lambda has batch size %d", ptr.Deref(out.BatchSize, 0))
	case s.MaximumBatchingWindowInSeconds != nil && int64(ptr.Deref(out.MaximumBatchingWindowInSeconds, 0)) != *s.MaximumBatchingWindowInSeconds:
		v.Differs = fmt.Sprintf("Lambda has a batching window of %d s", ptr.Deref(out.MaximumBatchingWindowInSeconds, 0))
	case s.EventSourceARN != nil && ptr.Deref(out.EventSourceArn, "") != *s.EventSourceARN:
		v.Differs = "Lambda's mapping reads " + ptr.Deref(out.EventSourceArn, "")
	case s.FunctionName != nil && ptr.Deref(out.FunctionArn, "") != *s.FunctionName:
		v.Differs = "Lambda's mapping invokes " + ptr.Deref(out.FunctionArn, "")
	case len(s.FunctionResponseTypes) > 0 && strings.Join(types, ",") != strings.Join(derefs(s.FunctionResponseTypes), ","):
		v.Differs = "Lambda's mapping has function response types " + strings.Join(types, ",")
	default:
		v.Settled = true
	}
	return v, nil
}

func derefs(ss []*string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, ptr.Deref(s, ""))
	}
	return out
}

// MappingState reads an event source mapping's state from Lambda (Enabled,
// Disabled, Creating, Updating, ...); "" when Lambda has no such mapping.
func MappingState(ctx context.Context, c awsapi.Lambda, uuid string) (string, error) {
	out, err := c.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String(uuid)})
	if err != nil {
		if awsapi.IsNotFound(err) {
			return "", nil
		}
		return "", awsapi.Classify("lambda:GetEventSourceMapping", err)
	}
	return ptr.Deref(out.State, ""), nil
}

// EnableMapping enables an event source mapping again.
func EnableMapping(ctx context.Context, c awsapi.Lambda, uuid string) error {
	_, err := c.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid), Enabled: aws.Bool(true)})
	if err != nil {
		return awsapi.Classify("lambda:UpdateEventSourceMapping", err)
	}
	return nil
}
