package localaws

// Service integrations of Task states ("Integrating services with Step
// Functions"): a Task calls the service's API as AWS's optimized
// integrations do, here with the real AWS SDK for Go v2 clients pointed at
// this server's own endpoint (Server.URL, known after Start), so a call goes
// through the same wire protocol and the same simulated service as any
// client's:
//
//   - arn:aws:states:::lambda:invoke — Parameters FunctionName, Payload,
//     InvocationType, Qualifier, ClientContext; the result is
//     {"ExecutedVersion","Payload","SdkHttpMetadata","SdkResponseMetadata",
//     "StatusCode"}, the Payload parsed when it is JSON. A function error
//     fails the task with the error document's errorType (Lambda.Unknown
//     without one) and the document as Cause; a Lambda API error with
//     Lambda.<Code> (Lambda.ResourceNotFoundException ...), a call that
//     does not reach Lambda with Lambda.SdkClientException.
//   - A function ARN as Resource (the legacy form): the payload is the
//     Parameters, or the state's effective input; the result is the
//     function's payload.
//   - arn:aws:states:::dynamodb:getItem, putItem, updateItem, deleteItem —
//     Parameters in DynamoDB's JSON (attribute values as {"S": ...}); the
//     result is the API's answer (Item, Attributes) in the same JSON;
//     errors DynamoDB.<Code>.
//   - arn:aws:states:::sns:publish, sqs:sendMessage (Message, MessageBody:
//     a value that is not a string is sent as its JSON), events:putEvents
//     (Detail likewise; an entry that fails fails the task with
//     EventBridge.FailedEntry), states:startExecution (Input likewise); errors
//     SNS.<Code>, SQS.<Code>, EventBridge.<Code>, StepFunctions.<Code>.
//
// Codes are named as AWS's Java exceptions are, <Code>Exception (SNS's
// NotFound is SNS.NotFoundException). The API's results carry
// SdkHttpMetadata (HttpStatusCode 200, the headers) and SdkResponseMetadata
// (RequestId), as AWS adds them.
//
// Not simulated, each failing the task with States.Runtime saying so: the
// .sync and .waitForTaskToken patterns, activities, AWS SDK integrations
// (arn:aws:states:::aws-sdk:...) and the optimized integrations of other
// services and actions. SetTaskRunner replaces all of this (tests use it).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"
)

// sfnIntegrate runs a Task's resource against this server.
func (s *Server) sfnIntegrate(ctx context.Context, resource string, params, input any) (any, *sfnFailure) {
	url := s.URL()
	if url == "" {
		return nil, sfnRuntime("localaws runs service integrations only once the server is started")
	}
	cfg := aws.Config{Region: s.Region, BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("stepfunctions", "localaws", "")}
	if strings.HasPrefix(resource, "arn:aws:lambda:") {
		payload := input
		if params != nil {
			payload = params
		}
		out, f := s.sfnInvoke(ctx, cfg, map[string]any{"FunctionName": resource, "Payload": payload})
		if f != nil {
			return nil, f
		}
		return out.(map[string]any)["Payload"], nil
	}
	rest, ok := strings.CutPrefix(resource, "arn:aws:states:::")
	if !ok {
		return nil, sfnRuntime("localaws does not simulate the Task resource %s (activities, other ARNs)", resource)
	}
	if strings.HasSuffix(rest, ".sync") || strings.Contains(rest, ".sync:") || strings.HasSuffix(rest, ".waitForTaskToken") {
		return nil, sfnRuntime("localaws does not simulate the .sync and .waitForTaskToken integration patterns (%s)", resource)
	}
	p, _ := params.(map[string]any)
	if p == nil {
		p = map[string]any{}
	}
	switch rest {
	case "lambda:invoke":
		return s.sfnInvoke(ctx, cfg, p)
	case "dynamodb:getItem", "dynamodb:putItem", "dynamodb:updateItem", "dynamodb:deleteItem":
		return sfnDynamoDB(ctx, cfg, strings.TrimPrefix(rest, "dynamodb:"), p)
	case "sns:publish":
		return sfnPublish(ctx, cfg, p)
	case "sqs:sendMessage":
		return sfnSendMessage(ctx, cfg, p)
	case "events:putEvents":
		return sfnPutEvents(ctx, cfg, p)
	case "states:startExecution":
		return sfnStartExecution(ctx, cfg, p)
	}
	return nil, sfnRuntime("localaws does not simulate the service integration %s", resource)
}

// sfnDecode reads a task's Parameters into an input shape (fields named as
// the API names its members).
func sfnDecode(params map[string]any, into any) *sfnFailure {
	if err := json.Unmarshal([]byte(sfnJSON(params)), into); err != nil {
		return sfnRuntime("The Parameters do not fit the API: %v", err)
	}
	return nil
}

// sfnString is a parameter that must be a string: a value that is not is
// sent as its JSON, as Step Functions does for Message, MessageBody, Detail
// and Input.
func sfnString(v any) *string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return &v
	}
	s := sfnJSON(v)
	return &s
}

// sfnAPIFailure names an SDK error as Step Functions does:
// <Service>.<Code>Exception.
func sfnAPIFailure(service string, err error) *sfnFailure {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		if !strings.HasSuffix(code, "Exception") {
			code += "Exception"
		}
		status := 400
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			status = re.HTTPStatusCode()
		}
		return &sfnFailure{service + "." + code, fmt.Sprintf("%s (Service: %s, Status Code: %d, Error Code: %s)", ae.ErrorMessage(), service, status, ae.ErrorCode())}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &sfnFailure{"States.Timeout", err.Error()}
	}
	return &sfnFailure{service + ".SdkClientException", err.Error()}
}

// sfnMetadata is the SdkHttpMetadata and SdkResponseMetadata AWS adds to an
// API's result.
func sfnMetadata(out map[string]any, md smithymiddleware.Metadata) map[string]any {
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	out["SdkHttpMetadata"] = map[string]any{"HttpStatusCode": 200,
		"HttpHeaders":    map[string]any{"Content-Type": "application/json", "x-amzn-RequestId": id},
		"AllHttpHeaders": map[string]any{"Content-Type": []any{"application/json"}, "x-amzn-RequestId": []any{id}}}
	out["SdkResponseMetadata"] = map[string]any{"RequestId": id}
	return out
}

// sfnInvoke is lambda:invoke.
func (s *Server) sfnInvoke(ctx context.Context, cfg aws.Config, p map[string]any) (any, *sfnFailure) {
	var in struct {
		FunctionName   string
		InvocationType string
		Qualifier      *string
		ClientContext  *string
		LogType        string
	}
	if f := sfnDecode(p, &in); f != nil {
		return nil, f
	}
	payload := []byte(sfnJSON(p["Payload"]))
	if _, ok := p["Payload"]; !ok {
		payload = []byte("{}")
	}
	out, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(in.FunctionName),
		InvocationType: lambdatypes.InvocationType(in.InvocationType), Qualifier: in.Qualifier, ClientContext: in.ClientContext,
		LogType: lambdatypes.LogType(in.LogType), Payload: payload})
	if err != nil {
		return nil, sfnAPIFailure("Lambda", err)
	}
	var result any = string(out.Payload)
	if v, err := sfnParse(string(out.Payload)); err == nil {
		result = v
	}
	if out.FunctionError != nil {
		errorName := "Lambda.Unknown"
		if doc, ok := result.(map[string]any); ok {
			if t, ok := doc["errorType"].(string); ok && t != "" {
				errorName = t
			}
		}
		return nil, &sfnFailure{errorName, string(out.Payload)}
	}
	version := aws.ToString(out.ExecutedVersion)
	if version == "" {
		version = "$LATEST"
	}
	return sfnMetadata(map[string]any{"ExecutedVersion": version, "Payload": result, "StatusCode": int(out.StatusCode)}, out.ResultMetadata), nil
}

// sfnDynamoDB is dynamodb:getItem, putItem, updateItem and deleteItem.
func sfnDynamoDB(ctx context.Context, cfg aws.Config, action string, p map[string]any) (any, *sfnFailure) {
	var in struct {
		TableName                           string
		Key, Item                           map[string]any
		ExpressionAttributeValues           map[string]any
		ExpressionAttributeNames            map[string]string
		ConditionExpression                 *string
		UpdateExpression                    *string
		ProjectionExpression                *string
		ConsistentRead                      *bool
		ReturnValues                        string
		ReturnConsumedCapacity              string
		ReturnValuesOnConditionCheckFailure string
	}
	if f := sfnDecode(p, &in); f != nil {
		return nil, f
	}
	key, err := sfnAttributeMap(in.Key)
	if err == nil {
		var item, values map[string]ddbtypes.AttributeValue
		if item, err = sfnAttributeMap(in.Item); err == nil {
			if values, err = sfnAttributeMap(in.ExpressionAttributeValues); err == nil {
				return sfnDynamoCall(ctx, cfg, action, in.TableName, key, item, values, in.ExpressionAttributeNames,
					in.ConditionExpression, in.UpdateExpression, in.ProjectionExpression, in.ConsistentRead,
					ddbtypes.ReturnValue(in.ReturnValues), ddbtypes.ReturnConsumedCapacity(in.ReturnConsumedCapacity),
					ddbtypes.ReturnValuesOnConditionCheckFailure(in.ReturnValuesOnConditionCheckFailure))
			}
		}
	}
	return nil, sfnRuntime("The Parameters are not DynamoDB's JSON: %v", err)
}

func sfnDynamoCall(ctx context.Context, cfg aws.Config, action, table string, key, item, values map[string]ddbtypes.AttributeValue,
	names map[string]string, condition, update, projection *string, consistent *bool, ret ddbtypes.ReturnValue,
	capacity ddbtypes.ReturnConsumedCapacity, onFailure ddbtypes.ReturnValuesOnConditionCheckFailure) (any, *sfnFailure) {
	c := dynamodb.NewFromConfig(cfg)
	out := map[string]any{}
	var md smithymiddleware.Metadata
	var attrs map[string]ddbtypes.AttributeValue
	var err error
	switch action {
	case "getItem":
		var o *dynamodb.GetItemOutput
		if o, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: consistent,
			ProjectionExpression: projection, ExpressionAttributeNames: names, ReturnConsumedCapacity: capacity}); err == nil {
			md = o.ResultMetadata
			if o.Item != nil {
				out["Item"] = sfnAttributesJSON(o.Item)
			}
		}
	case "putItem":
		var o *dynamodb.PutItemOutput
		if o, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item, ConditionExpression: condition,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: ret, ReturnConsumedCapacity: capacity,
			ReturnValuesOnConditionCheckFailure: onFailure}); err == nil {
			md, attrs = o.ResultMetadata, o.Attributes
		}
	case "updateItem":
		var o *dynamodb.UpdateItemOutput
		if o, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table, Key: key, UpdateExpression: update,
			ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: ret,
			ReturnConsumedCapacity: capacity, ReturnValuesOnConditionCheckFailure: onFailure}); err == nil {
			md, attrs = o.ResultMetadata, o.Attributes
		}
	case "deleteItem":
		var o *dynamodb.DeleteItemOutput
		if o, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key, ConditionExpression: condition,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: ret, ReturnConsumedCapacity: capacity,
			ReturnValuesOnConditionCheckFailure: onFailure}); err == nil {
			md, attrs = o.ResultMetadata, o.Attributes
		}
	}
	if err != nil {
		return nil, sfnAPIFailure("DynamoDB", err)
	}
	if attrs != nil {
		out["Attributes"] = sfnAttributesJSON(attrs)
	}
	return sfnMetadata(out, md), nil
}

// sfnAttributeMap reads DynamoDB's JSON ({"name": {"S": "x"}, ...}).
func sfnAttributeMap(m map[string]any) (map[string]ddbtypes.AttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]ddbtypes.AttributeValue, len(m))
	for k, v := range m {
		av, err := sfnAttribute(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		out[k] = av
	}
	return out, nil
}

// sfnAttribute reads one attribute value ({"S": "x"}, {"N": "1"}, ...).
func sfnAttribute(v any) (ddbtypes.AttributeValue, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, fmt.Errorf("an attribute value is an object of one type member, not %s", sfnJSON(v))
	}
	strs := func(x any) ([]string, error) {
		list, ok := x.([]any)
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, isString := e.(string)
			if !isString {
				ok = false
			}
			out = append(out, s)
		}
		if !ok {
			return nil, fmt.Errorf("a set is an array of strings, not %s", sfnJSON(x))
		}
		return out, nil
	}
	for t, x := range m {
		switch t {
		case "S", "N", "B":
			s, ok := x.(string)
			if !ok {
				if n, isNumber := x.(json.Number); isNumber && t == "N" {
					s, ok = string(n), true
				}
			}
			if !ok {
				return nil, fmt.Errorf("the type %s holds a string, not %s", t, sfnJSON(x))
			}
			switch t {
			case "S":
				return &ddbtypes.AttributeValueMemberS{Value: s}, nil
			case "N":
				return &ddbtypes.AttributeValueMemberN{Value: s}, nil
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("the type B holds base64: %v", err)
			}
			return &ddbtypes.AttributeValueMemberB{Value: b}, nil
		case "BOOL", "NULL":
			b, ok := x.(bool)
			if !ok {
				return nil, fmt.Errorf("the type %s holds true or false, not %s", t, sfnJSON(x))
			}
			if t == "NULL" {
				return &ddbtypes.AttributeValueMemberNULL{Value: b}, nil
			}
			return &ddbtypes.AttributeValueMemberBOOL{Value: b}, nil
		case "M":
			mm, ok := x.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("the type M holds an object, not %s", sfnJSON(x))
			}
			inner, err := sfnAttributeMap(mm)
			if err != nil {
				return nil, err
			}
			return &ddbtypes.AttributeValueMemberM{Value: inner}, nil
		case "L":
			list, ok := x.([]any)
			if !ok {
				return nil, fmt.Errorf("the type L holds an array, not %s", sfnJSON(x))
			}
			out := make([]ddbtypes.AttributeValue, 0, len(list))
			for _, e := range list {
				av, err := sfnAttribute(e)
				if err != nil {
					return nil, err
				}
				out = append(out, av)
			}
			return &ddbtypes.AttributeValueMemberL{Value: out}, nil
		case "SS", "NS", "BS":
			list, err := strs(x)
			if err != nil {
				return nil, err
			}
			switch t {
			case "SS":
				return &ddbtypes.AttributeValueMemberSS{Value: list}, nil
			case "NS":
				return &ddbtypes.AttributeValueMemberNS{Value: list}, nil
			}
			var bs [][]byte
			for _, s := range list {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return nil, fmt.Errorf("the type BS holds base64: %v", err)
				}
				bs = append(bs, b)
			}
			return &ddbtypes.AttributeValueMemberBS{Value: bs}, nil
		}
		return nil, fmt.Errorf("%q is not an attribute type", t)
	}
	return nil, nil
}

// sfnAttributesJSON writes attribute values in DynamoDB's JSON.
func sfnAttributesJSON(m map[string]ddbtypes.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = sfnAttributeJSON(v)
	}
	return out
}

func sfnAttributeJSON(v ddbtypes.AttributeValue) any {
	b64 := base64.StdEncoding.EncodeToString
	switch v := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *ddbtypes.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *ddbtypes.AttributeValueMemberB:
		return map[string]any{"B": b64(v.Value)}
	case *ddbtypes.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *ddbtypes.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *ddbtypes.AttributeValueMemberM:
		return map[string]any{"M": sfnAttributesJSON(v.Value)}
	case *ddbtypes.AttributeValueMemberL:
		list := make([]any, 0, len(v.Value))
		for _, e := range v.Value {
			list = append(list, sfnAttributeJSON(e))
		}
		return map[string]any{"L": list}
	case *ddbtypes.AttributeValueMemberSS:
		return map[string]any{"SS": sfnStrings(v.Value)}
	case *ddbtypes.AttributeValueMemberNS:
		return map[string]any{"NS": sfnStrings(v.Value)}
	case *ddbtypes.AttributeValueMemberBS:
		list := make([]any, 0, len(v.Value))
		for _, b := range v.Value {
			list = append(list, b64(b))
		}
		return map[string]any{"BS": list}
	}
	return nil
}

func sfnStrings(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

// sfnMessageAttribute is SNS's and SQS's message attribute, as Parameters
// spell it.
type sfnMessageAttribute struct {
	DataType    string
	StringValue *string
	BinaryValue *string
}

func (a sfnMessageAttribute) binary() []byte {
	if a.BinaryValue == nil {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(*a.BinaryValue)
	if err != nil {
		return []byte(*a.BinaryValue)
	}
	return b
}

// sfnPublish is sns:publish.
func sfnPublish(ctx context.Context, cfg aws.Config, p map[string]any) (any, *sfnFailure) {
	var in struct {
		TopicArn, TargetArn, PhoneNumber, Subject, MessageStructure, MessageGroupId, MessageDeduplicationId *string
		MessageAttributes                                                                                   map[string]sfnMessageAttribute
	}
	if f := sfnDecode(p, &in); f != nil {
		return nil, f
	}
	attrs := map[string]snstypes.MessageAttributeValue{}
	for k, a := range in.MessageAttributes {
		attrs[k] = snstypes.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: a.StringValue, BinaryValue: a.binary()}
	}
	out, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{Message: sfnString(p["Message"]), TopicArn: in.TopicArn,
		TargetArn: in.TargetArn, PhoneNumber: in.PhoneNumber, Subject: in.Subject, MessageStructure: in.MessageStructure,
		MessageGroupId: in.MessageGroupId, MessageDeduplicationId: in.MessageDeduplicationId, MessageAttributes: attrs})
	if err != nil {
		return nil, sfnAPIFailure("SNS", err)
	}
	result := map[string]any{"MessageId": aws.ToString(out.MessageId)}
	if out.SequenceNumber != nil {
		result["SequenceNumber"] = *out.SequenceNumber
	}
	return sfnMetadata(result, out.ResultMetadata), nil
}

// sfnSendMessage is sqs:sendMessage.
func sfnSendMessage(ctx context.Context, cfg aws.Config, p map[string]any) (any, *sfnFailure) {
	var in struct {
		QueueUrl                               string
		DelaySeconds                           int32
		MessageGroupId, MessageDeduplicationId *string
		MessageAttributes                      map[string]sfnMessageAttribute
	}
	if f := sfnDecode(p, &in); f != nil {
		return nil, f
	}
	attrs := map[string]sqstypes.MessageAttributeValue{}
	for k, a := range in.MessageAttributes {
		attrs[k] = sqstypes.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: a.StringValue, BinaryValue: a.binary()}
	}
	out, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &in.QueueUrl, MessageBody: sfnString(p["MessageBody"]),
		DelaySeconds: in.DelaySeconds, MessageGroupId: in.MessageGroupId, MessageDeduplicationId: in.MessageDeduplicationId,
		MessageAttributes: attrs})
	if err != nil {
		return nil, sfnAPIFailure("SQS", err)
	}
	result := map[string]any{"MessageId": aws.ToString(out.MessageId), "MD5OfMessageBody": aws.ToString(out.MD5OfMessageBody)}
	if out.MD5OfMessageAttributes != nil {
		result["MD5OfMessageAttributes"] = *out.MD5OfMessageAttributes
	}
	if out.SequenceNumber != nil {
		result["SequenceNumber"] = *out.SequenceNumber
	}
	return sfnMetadata(result, out.ResultMetadata), nil
}

// sfnPutEvents is events:putEvents.
func sfnPutEvents(ctx context.Context, cfg aws.Config, p map[string]any) (any, *sfnFailure) {
	raw, _ := p["Entries"].([]any)
	entries := make([]ebtypes.PutEventsRequestEntry, 0, len(raw))
	for _, r := range raw {
		m, _ := r.(map[string]any)
		var e struct {
			DetailType, Source, EventBusName, TraceHeader *string
			Resources                                     []string
			Time                                          *time.Time
		}
		if f := sfnDecode(m, &e); f != nil {
			return nil, f
		}
		entries = append(entries, ebtypes.PutEventsRequestEntry{Detail: sfnString(m["Detail"]), DetailType: e.DetailType, Source: e.Source,
			EventBusName: e.EventBusName, TraceHeader: e.TraceHeader, Resources: e.Resources, Time: e.Time})
	}
	out, err := eventbridge.NewFromConfig(cfg).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return nil, sfnAPIFailure("EventBridge", err)
	}
	list := make([]any, 0, len(out.Entries))
	for _, e := range out.Entries {
		entry := map[string]any{}
		if e.EventId != nil {
			entry["EventId"] = *e.EventId
		}
		if e.ErrorCode != nil {
			entry["ErrorCode"], entry["ErrorMessage"] = *e.ErrorCode, aws.ToString(e.ErrorMessage)
		}
		list = append(list, entry)
	}
	result := sfnMetadata(map[string]any{"Entries": list, "FailedEntryCount": int(out.FailedEntryCount)}, out.ResultMetadata)
	if out.FailedEntryCount > 0 {
		return nil, &sfnFailure{"EventBridge.FailedEntry", sfnJSON(map[string]any{"Entries": list, "FailedEntryCount": int(out.FailedEntryCount)})}
	}
	return result, nil
}

// sfnStartExecution is states:startExecution (the fire-and-forget pattern).
func sfnStartExecution(ctx context.Context, cfg aws.Config, p map[string]any) (any, *sfnFailure) {
	var in struct {
		StateMachineArn   string
		Name, TraceHeader *string
	}
	if f := sfnDecode(p, &in); f != nil {
		return nil, f
	}
	out, err := sfn.NewFromConfig(cfg).StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &in.StateMachineArn,
		Name: in.Name, TraceHeader: in.TraceHeader, Input: sfnString(p["Input"])})
	if err != nil {
		return nil, sfnAPIFailure("StepFunctions", err)
	}
	return sfnMetadata(map[string]any{"ExecutionArn": aws.ToString(out.ExecutionArn),
		"StartDate": aws.ToTime(out.StartDate).UnixMilli()}, out.ResultMetadata), nil
}
