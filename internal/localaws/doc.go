// Package localaws is an in-memory stand-in for AWS that speaks, over HTTP on
// a loopback port, what the operator calls (EventBridge, Lambda permissions
// and event source mappings, CloudWatch Logs, STS) and everything the six
// released ACK controllers call for the kinds the operator creates (IAM
// roles, Lambda functions and event source mappings, SQS queues, SNS topics
// and subscriptions, DynamoDB tables, Step Functions state machines), so that
// code using the real AWS SDK for Go v2 clients — the operator, the released
// controllers in test/released and make run-local --ack=released, the ACK
// stand-in — can be tested, and make run-local run, offline. Point a client
// at it with the service Options' BaseEndpoint set to Server.URL().
//
// protocol.go speaks each service's wire protocol (JSON 1.0 and 1.1,
// REST-JSON, query); each service's file begins with what it implements, as
// AWS documents it, and where it simplifies: iam.go, lambda_functions.go
// (functions) and lambda_mappings.go, sqs.go, sns.go, dynamodb.go (tables)
// and dynamodb_items.go (items, forwarded to a dynalite:
// SetDynamoDBDataPlane), sfn.go.
//
// The server also delivers, in the background, as AWS does after it
// answered: SQS messages (sqs_messages.go: send, receive with long polls,
// visibility, dead-letter queues), Lambda's Invoke (lambda_invoke.go: the
// code runs through the FunctionRuntime given to SetFunctionRuntime, which
// internal/lambdarun provides; without one Invoke answers ServiceException),
// the pollers of SQS event source mappings (lambda_mappings_poller.go), SNS
// Publish to subscriptions (sns_publish.go) and EventBridge events to rule
// targets (eventbridge_delivery.go). Close stops that work and waits for it;
// Messages, Published, Deliveries, LogEvents and Executions show what
// happened.
//
// What AWS does after it answered (a function Pending, then Active; an update
// InProgress, then Successful; a table CREATING, then ACTIVE; a mapping
// Creating, then Enabled) takes Server.Delays, read lazily from timestamps.
// Calls are counted by client: the ACK controllers' (their runtime names
// itself first in the User-Agent) apart from the code under test's
// (Calls, MutatingCalls, CallsByClient), and faults hit the code under test
// unless Fault.IncludeACK says otherwise.
//
// The services this file describes in detail:
//
// Implemented operations:
//
//   - EventBridge (JSON 1.1, POST / with X-Amz-Target: AWSEvents.<Operation>):
//     CreateEventBus, DescribeEventBus, DeleteEventBus, ListEventBuses, PutRule,
//     DescribeRule, DeleteRule, EnableRule, DisableRule, ListRules, PutTargets,
//     ListTargetsByRule, RemoveTargets, PutEvents; archives and replays as
//     eventbridge_archives.go says. Any other operation answers 400
//     UnknownOperationException.
//   - Lambda (REST-JSON): AddPermission (POST), GetPolicy (GET) and
//     RemovePermission (DELETE) under /2015-03-31/functions/{FunctionName}/policy;
//     functions, event source mappings, versions and aliases as
//     lambda_functions.go, lambda_mappings.go and lambda_versions.go say;
//     Invoke as lambda_invoke.go says. Any other
//     route answers 404 UnknownOperationException.
//   - STS (query protocol, a form-encoded POST /): GetCallerIdentity, which
//     answers the server's AccountID.
//   - CloudWatch Logs (JSON 1.1, X-Amz-Target: Logs_20140328.<Operation>):
//     CreateLogGroup, DescribeLogGroups (by prefix, one page), PutRetentionPolicy
//     and DeleteLogGroup, with the errors of CloudWatch Logs' JSON protocol;
//     CreateLogStream, PutLogEvents, GetLogEvents and FilterLogEvents as
//     logs_events.go says.
//
// Errors use the wire format of each protocol: EventBridge answers HTTP 400
// (500 for InternalException) with {"__type":"<Code>","message":"..."};
// Lambda answers the code's HTTP status with an X-Amzn-ErrorType header and a
// {"Type":"User","message":"..."} body (the message key is spelled as in the
// Lambda model, "Message" for ResourceNotFoundException). The SDK therefore
// decodes them into its modeled error types (for example
// *types.ResourceNotFoundException); codes that the SDK does not model, such
// as ValidationException, arrive as a smithy.GenericAPIError with that code.
//
// Where the server simplifies compared to AWS:
//
//   - Requests are not authenticated: SigV4 signatures, credentials and the
//     client's region are not checked. One account and one region, the
//     Server's AccountID and Region (set them before Start), appear in every
//     ARN; ARNs passed in (EventBusName, FunctionName) are reduced to the
//     resource name without checking their region or account.
//   - Everything is strongly consistent: a change is visible to the next call.
//   - EventBridge: no tags (Tags members are ignored, tagging operations are unknown), no
//     event bus policies, KMS keys, dead-letter or log configuration on buses
//     (accepted and ignored), no connections, API
//     destinations, endpoints, partner event sources or managed rules (Force
//     is ignored).
//   - Event patterns are checked for structure only (a JSON object, no empty
//     objects, every field an object or an array, "$or" an array of objects);
//     the comparison operators inside arrays (prefix, anything-but, numeric,
//     ...) are not validated. ScheduleExpression is stored (default bus only)
//     but neither parsed nor run.
//   - PutEvents validates each entry and records it, with the rules it
//     matches and for the archives that keep it (see Events and
//     eventbridge_archives.go), then delivers it to those rules' targets in
//     the background as eventbridge_delivery.go says (Deliveries). Unlike
//     AWS, which accepts an event for a bus that does not exist and silently
//     drops it, an entry for a missing bus fails with ErrorCode
//     ResourceNotFoundException, so a test sees a wrong bus name.
//   - Targets: every member of a target round-trips through ListTargetsByRule,
//     but only Id, Arn, RoleArn, Input, InputPath, InputTransformer,
//     RetryPolicy and DeadLetterConfig are decoded and checked. Target ARNs and
//     roles are not checked to exist, so PutTargets never fails per entry
//     (FailedEntryCount is 0); RemoveTargets of an Id that the rule does not
//     have succeeds, as removing it again would.
//   - List operations order rules and buses by name and targets by Id; the
//     NextToken is opaque but only valid for this server.
//   - Validation messages follow AWS's wording ("1 validation error
//     detected: ...") but are not guaranteed to match it byte for byte.
//   - Lambda permissions: while RequireFunctions is off (the default: tests
//     that play ACK without making functions), every function name exists for
//     them until DeleteFunction removes it (then calls on it answer 404
//     ResourceNotFoundException "Function not found: <arn>"); with it on, only
//     functions CreateFunction made. A Qualifier (version or alias, in the query or in the
//     FunctionName) selects a separate policy without checking that the
//     version or alias exists. Conditions come from SourceArn (ArnLike
//     AWS:SourceArn), SourceAccount (StringEquals AWS:SourceAccount) and
//     PrincipalOrgID (StringEquals aws:PrincipalOrgID); EventSourceToken and
//     FunctionUrlAuthType are ignored; the 20 KB policy size limit is not
//     enforced. RevisionId is tracked per policy and checked when given
//     (412 PreconditionFailedException).
//
// Test controls: Calls and MutatingCalls count the requests received (faulted
// ones included), SetFault injects throttling, one-shot failures, an outage or
// latency, and Bus, Rules, Targets, Policy and Events expose the state, with
// SetRulePattern, SetRuleState, DeleteRuleOutOfBand, RemoveTargetOutOfBand,
// RemovePermissionOutOfBand and DeleteFunction to simulate changes made
// outside the code under test. Every method is safe for concurrent use.
package localaws
