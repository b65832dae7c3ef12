package localaws

// SQS (JSON 1.0: POST / with X-Amz-Target: AmazonSQS.<Operation>, in
// query-compatible mode) plays the queue operations that ACK's sqs-controller
// v1.6.1 calls for its Queue kind, as the Amazon SQS API Reference documents
// them:
//
//   - CreateQueue, GetQueueAttributes, SetQueueAttributes and DeleteQueue;
//   - tags: TagQueue, UntagQueue and ListQueueTags;
//   - GetQueueUrl (by name, with QueueOwnerAWSAccountId).
//
// Any other operation answers 400 UnknownOperationException (query code
// InvalidAction). Queue names are [A-Za-z0-9_-]{1,80}; a FIFO queue is
// created with FifoQueue "true" and a name ending in .fifo (80 characters in
// all). A queue's URL is https://sqs.<region>.amazonaws.com/<account>/<name>,
// as AWS answers it; a request may give any scheme and host, the queue is
// found by the path /<account>/<name>. Its ARN is
// arn:aws:sqs:<region>:<account>:<name>.
//
// Attributes, with AWS's ranges and defaults: DelaySeconds 0-900 (0),
// MaximumMessageSize 1024-1048576 (1048576, SQS's limit since August 2025;
// it was 262144 before), MessageRetentionPeriod 60-1209600 (345600),
// ReceiveMessageWaitTimeSeconds 0-20 (0), VisibilityTimeout 0-43200 (30),
// SqsManagedSseEnabled (true unless KmsMasterKeyId is set; both at once is
// refused), KmsMasterKeyId, KmsDataKeyReusePeriodSeconds 60-86400 (300, shown
// with a KMS key only), Policy (a JSON object with a Statement), RedrivePolicy
// (deadLetterTargetArn: an existing queue of the same type in the same
// account and region whose RedriveAllowPolicy lets this queue use it;
// maxReceiveCount 1-1000; answered as {"deadLetterTargetArn":...,
// "maxReceiveCount":N}), RedriveAllowPolicy (redrivePermission allowAll,
// denyAll or byQueue with 1-10 sourceQueueArns), and for FIFO queues
// ContentBasedDeduplication (false), DeduplicationScope (queue) and
// FifoThroughputLimit (perQueue; perMessageGroupId only with DeduplicationScope
// messageGroup). Policy, RedrivePolicy, RedriveAllowPolicy and KmsMasterKeyId
// set to "" remove the attribute. GetQueueAttributes answers what AWS answers:
// with All every attribute the queue has plus QueueArn,
// ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible,
// ApproximateNumberOfMessagesDelayed (sqs_messages.go), CreatedTimestamp and
// LastModifiedTimestamp (epoch seconds); without AttributeNames nothing.
//
// Errors, as the SDK decodes them (JSON __type, and the query code in
// x-amzn-query-error, which the SDK takes as the error code):
// QueueDoesNotExist (code AWS.SimpleQueueService.NonExistentQueue) for a
// missing queue; QueueNameExists (code QueueAlreadyExists) from CreateQueue
// of an existing name with a different value for one of the attributes given
// (the same values answer the existing URL; attributes not given are not
// compared); QueueDeletedRecently (code
// AWS.SimpleQueueService.QueueDeletedRecently) from CreateQueue of a name
// deleted less than 60 seconds before (SetQueueRecreateDelay changes the
// wait); InvalidAttributeName ("Unknown Attribute X.") for an unknown or
// read-only attribute, a FIFO attribute on a standard queue (FifoQueue "false"
// included, as AWS does) or FifoQueue in SetQueueAttributes other than "true"
// on a FIFO queue; InvalidAttributeValue ("Invalid value for the parameter
// X.") for a value out of range or malformed; InvalidParameterValue for a bad
// queue name, RedrivePolicy or RedriveAllowPolicy and tags; InvalidAddress for a
// QueueUrl without /<account>/<name>.
//
// Messages (SendMessage, ReceiveMessage, DeleteMessage, ... and the
// dead-letter queues) are in sqs_messages.go, which adds its operations to
// sqsOps; the ApproximateNumberOfMessages* attributes count them.
//
// Simplifications:
//
//   - KMS keys are not checked (any KmsMasterKeyId is accepted), queue
//     policies are checked for structure only (a JSON object with a non-empty
//     Statement) and not enforced; nothing is authenticated.
//   - Strongly consistent: a new queue is usable at once and attribute changes
//     apply at once (AWS takes up to 60 seconds, 15 minutes for
//     MessageRetentionPeriod).
//   - SetQueueAttributes with FifoQueue "true" on a FIFO queue is accepted as
//     a no-op (ACK's controller sends every spec attribute); AWS's documented
//     SetQueueAttributes attributes do not include FifoQueue, and what it
//     answers is not verified.
//   - Tags: at most 50 per queue, keys 1-128 and values 0-256 characters;
//     "aws:" keys are not refused. CreateQueue of an existing queue ignores
//     its Tags.
//   - Messages follow SQS's wording but are not guaranteed to match it byte
//     for byte.
//
// Test controls: Queue returns a queue's attributes (as GetQueueAttributes
// All answers them) and tags; SetQueueRecreateDelay sets the
// QueueDeletedRecently wait.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sqsOps are the SQS operations the server plays (JSON 1.0, X-Amz-Target
// AmazonSQS.<Operation>).
var sqsOps = map[string]func(*Server, []byte) (any, *apiError){
	"CreateQueue":        (*Server).sqsCreateQueue,
	"GetQueueUrl":        (*Server).sqsGetQueueURL,
	"GetQueueAttributes": (*Server).sqsGetQueueAttributes,
	"SetQueueAttributes": (*Server).sqsSetQueueAttributes,
	"DeleteQueue":        (*Server).sqsDeleteQueue,
	"ListQueueTags":      (*Server).sqsListQueueTags,
	"TagQueue":           (*Server).sqsTagQueue,
	"UntagQueue":         (*Server).sqsUntagQueue,
}

// sqsQueryCodes are the query protocol's codes of SQS's errors, which SQS
// names in the x-amzn-query-error header (the SDK prefers them).
var sqsQueryCodes = map[string]string{
	"QueueDoesNotExist":         "AWS.SimpleQueueService.NonExistentQueue",
	"QueueNameExists":           "QueueAlreadyExists",
	"QueueDeletedRecently":      "AWS.SimpleQueueService.QueueDeletedRecently",
	"InvalidAttributeName":      "InvalidAttributeName",
	"InvalidAttributeValue":     "InvalidAttributeValue",
	"InvalidParameterValue":     "InvalidParameterValue",
	"InvalidAddress":            "InvalidAddress",
	"MissingParameter":          "MissingParameter",
	"UnsupportedOperation":      "AWS.SimpleQueueService.UnsupportedOperation",
	"UnknownOperationException": "InvalidAction",
	"RequestThrottled":          "RequestThrottled",
	"ThrottlingException":       "ThrottlingException",
	"ServiceUnavailable":        "ServiceUnavailable",
}

// SQS's limits and defaults.
const (
	sqsDefaultMaxMessageSize = 1048576
	sqsMaxTags               = 50
	sqsRecreateDelay         = 60 * time.Second
)

type sqsState struct {
	queues map[string]*sqsQueue // by ARN
	// deleted is when each queue ARN was last deleted, for
	// QueueDeletedRecently; recreateDelay is how long that lasts.
	deleted       map[string]time.Time
	recreateDelay time.Duration
}

func newSQSState() sqsState {
	return sqsState{queues: map[string]*sqsQueue{}, deleted: map[string]time.Time{}, recreateDelay: sqsRecreateDelay}
}

// sqsQueue is a queue: its settable attributes as they were given
// (normalised), its tags and its times.
type sqsQueue struct {
	account, name, region string
	fifo                  bool
	attrs                 map[string]string
	tags                  map[string]string
	created, modified     time.Time
}

// Queue is a snapshot of a queue.
type Queue struct {
	Name string
	URL  string
	Arn  string
	// Attributes are what GetQueueAttributes with All answers.
	Attributes map[string]string
	Tags       map[string]string
}

var (
	sqsNameRe     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	sqsFIFONameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,75}\.fifo$`)
	sqsARNRe      = regexp.MustCompile(`^arn:aws:sqs:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_.-]{1,80})$`)
)

func (q *sqsQueue) arn() string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", q.region, q.account, q.name)
}

func (q *sqsQueue) url() string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", q.region, q.account, q.name)
}

func sqsError(code, format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, code, fmt.Sprintf(format, args...)}
}

func sqsNoQueue() *apiError {
	return sqsError("QueueDoesNotExist", "The specified queue does not exist.")
}

func sqsUnknownAttribute(name string) *apiError {
	return sqsError("InvalidAttributeName", "Unknown Attribute %s.", name)
}

func sqsInvalidValue(name string) *apiError {
	return sqsError("InvalidAttributeValue", "Invalid value for the parameter %s.", name)
}

func (s *Server) sqsARN(account, name string) string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", s.Region, account, name)
}

// sqsQueueByURL finds the queue a QueueUrl names by its path,
// /<account>/<name>.
func (s *Server) sqsQueueByURL(raw string) (*sqsQueue, *apiError) {
	if raw == "" {
		return nil, sqsError("MissingParameter", "The request must contain the parameter QueueUrl.")
	}
	u, err := url.Parse(raw)
	parts := []string(nil)
	if err == nil {
		parts = strings.Split(strings.Trim(u.Path, "/"), "/")
	}
	if err != nil || u.Scheme == "" || len(parts) != 2 || !accountIDRe.MatchString(parts[0]) || parts[1] == "" {
		return nil, sqsError("InvalidAddress", "The address %s is not valid for this endpoint.", raw)
	}
	q := s.queues[s.sqsARN(parts[0], parts[1])]
	if q == nil {
		return nil, sqsNoQueue()
	}
	return q, nil
}

// sqsDecodeQueue decodes a request about one queue into in (a pointer to
// the operation's request shape) and finds the queue its QueueUrl names:
// how every operation but CreateQueue and GetQueueUrl starts. queueURL
// points at in's QueueUrl member, read once in is decoded. (The shapes keep
// their own QueueUrl field rather than embedding a shared one: the JSON
// decoder names the field's path in its errors, which clients see.)
func (s *Server) sqsDecodeQueue(body []byte, in any, queueURL *string) (*sqsQueue, *apiError) {
	if err := decode(body, in); err != nil {
		return nil, err
	}
	return s.sqsQueueByURL(*queueURL)
}

// sqsQueueExists reports whether a queue ARN names a queue that exists (call
// with s.mu held).
func (s *Server) sqsQueueExists(arn string) bool {
	return s.queues[arn] != nil
}

// sqsResources lists the ARNs of what exists (call with s.mu held).
func (s *Server) sqsResources() []string {
	return sortedKeys(s.queues)
}

// sqsSettable are the attributes CreateQueue and SetQueueAttributes take,
// true for those of FIFO queues only.
var sqsSettable = map[string]bool{
	"DelaySeconds": false, "MaximumMessageSize": false, "MessageRetentionPeriod": false, "Policy": false,
	"ReceiveMessageWaitTimeSeconds": false, "VisibilityTimeout": false, "RedrivePolicy": false,
	"RedriveAllowPolicy": false, "KmsMasterKeyId": false, "KmsDataKeyReusePeriodSeconds": false,
	"SqsManagedSseEnabled": false,
	"FifoQueue":            true, "ContentBasedDeduplication": true, "DeduplicationScope": true, "FifoThroughputLimit": true,
}

// sqsRanges are the integer attributes' ranges.
var sqsRanges = map[string][2]int{
	"DelaySeconds":                  {0, 900},
	"MaximumMessageSize":            {1024, 1048576},
	"MessageRetentionPeriod":        {60, 1209600},
	"ReceiveMessageWaitTimeSeconds": {0, 20},
	"VisibilityTimeout":             {0, 43200},
	"KmsDataKeyReusePeriodSeconds":  {60, 86400},
}

// sqsRemovable are the attributes that "" removes.
var sqsRemovable = map[string]bool{"Policy": true, "RedrivePolicy": true, "RedriveAllowPolicy": true, "KmsMasterKeyId": true}

// sqsNormalize checks one attribute given to CreateQueue or
// SetQueueAttributes of a queue of the given type and returns it as it is
// stored ("" for an attribute to remove). queueArn is the queue's (to be)
// ARN, for the redrive checks.
func (s *Server) sqsNormalize(name, value string, fifo bool, queueArn string) (string, *apiError) {
	fifoOnly, ok := sqsSettable[name]
	if !ok || (fifoOnly && !fifo) {
		return "", sqsUnknownAttribute(name)
	}
	if r, ok := sqsRanges[name]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < r[0] || n > r[1] {
			return "", sqsInvalidValue(name)
		}
		return strconv.Itoa(n), nil
	}
	if value == "" && sqsRemovable[name] {
		return "", nil
	}
	switch name {
	case "SqsManagedSseEnabled", "ContentBasedDeduplication", "FifoQueue":
		v := strings.ToLower(value)
		if v != "true" && v != "false" {
			return "", sqsInvalidValue(name)
		}
		return v, nil
	case "DeduplicationScope":
		if value != "messageGroup" && value != "queue" {
			return "", sqsInvalidValue(name)
		}
	case "FifoThroughputLimit":
		if value != "perQueue" && value != "perMessageGroupId" {
			return "", sqsInvalidValue(name)
		}
	case "KmsMasterKeyId":
		if len(value) > 2048 {
			return "", sqsInvalidValue(name)
		}
	case "Policy":
		if !sqsPolicyOK(value) {
			return "", sqsInvalidValue(name)
		}
	case "RedrivePolicy":
		return s.sqsRedrivePolicy(value, fifo, queueArn)
	case "RedriveAllowPolicy":
		if err := sqsRedriveAllowPolicy(value); err != nil {
			return "", err
		}
	}
	return value, nil
}

// sqsPolicyOK checks a queue policy's structure: a JSON object with a
// Statement that is a non-empty array or an object.
func sqsPolicyOK(doc string) bool {
	var p map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &p) != nil {
		return false
	}
	var list []map[string]json.RawMessage
	var one map[string]json.RawMessage
	switch st := p["Statement"]; {
	case json.Unmarshal(st, &list) == nil:
		return len(list) > 0
	case json.Unmarshal(st, &one) == nil:
		return len(one) > 0
	}
	return false
}

func sqsRedriveError(param, value, reason string) *apiError {
	return sqsError("InvalidParameterValue", "Value %s for parameter %s is invalid. Reason: %s", value, param, reason)
}

// sqsRedrivePolicy checks a RedrivePolicy and returns it as SQS answers it.
func (s *Server) sqsRedrivePolicy(value string, fifo bool, queueArn string) (string, *apiError) {
	var p map[string]any
	if err := json.Unmarshal([]byte(value), &p); err != nil {
		return "", sqsRedriveError("RedrivePolicy", value, "Redrive policy is not a valid JSON map.")
	}
	for k := range p {
		if k != "deadLetterTargetArn" && k != "maxReceiveCount" {
			return "", sqsRedriveError("RedrivePolicy", value, "Only following attributes are supported:[deadLetterTargetArn, maxReceiveCount].")
		}
	}
	target, _ := p["deadLetterTargetArn"].(string)
	if target == "" {
		return "", sqsRedriveError("RedrivePolicy", value, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	var count int
	switch v := p["maxReceiveCount"].(type) {
	case nil:
		return "", sqsRedriveError("RedrivePolicy", value, "Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	case float64:
		count = int(v)
		if float64(count) != v {
			count = 0
		}
	case string:
		count, _ = strconv.Atoi(v)
	}
	if count < 1 || count > 1000 {
		return "", sqsRedriveError("RedrivePolicy", value, fmt.Sprintf("Invalid value for maxReceiveCount: %v, valid values are from 1 to 1000 both inclusive.", p["maxReceiveCount"]))
	}
	dlq := s.queues[target]
	if dlq == nil || target == queueArn {
		return "", sqsRedriveError("RedrivePolicy", value, "Dead letter target does not exist.")
	}
	if dlq.fifo != fifo {
		return "", sqsRedriveError("RedrivePolicy", value, "Dead-letter queue must be same type of queue as the source.")
	}
	if allow := dlq.attrs["RedriveAllowPolicy"]; allow != "" {
		var a struct {
			RedrivePermission string   `json:"redrivePermission"`
			SourceQueueArns   []string `json:"sourceQueueArns"`
		}
		_ = json.Unmarshal([]byte(allow), &a)
		permitted := a.RedrivePermission == "allowAll"
		for _, src := range a.SourceQueueArns {
			permitted = permitted || (a.RedrivePermission == "byQueue" && src == queueArn)
		}
		if !permitted {
			return "", sqsRedriveError("RedrivePolicy", value, "Queue "+queueArn+" is not allowed to use "+target+" as its dead-letter queue.")
		}
	}
	out, _ := json.Marshal(struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}{target, count})
	return string(out), nil
}

// sqsRedriveAllowPolicy checks a RedriveAllowPolicy.
func sqsRedriveAllowPolicy(value string) *apiError {
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(value), &p); err != nil {
		return sqsRedriveError("RedriveAllowPolicy", value, "Redrive allow policy is not a valid JSON map.")
	}
	var perm string
	var sources []string
	for k, v := range p {
		switch k {
		case "redrivePermission":
			if json.Unmarshal(v, &perm) != nil {
				perm = "?"
			}
		case "sourceQueueArns":
			if json.Unmarshal(v, &sources) != nil {
				return sqsRedriveError("RedriveAllowPolicy", value, "sourceQueueArns must be a list of queue ARNs.")
			}
		default:
			return sqsRedriveError("RedriveAllowPolicy", value, "Only following attributes are supported:[redrivePermission, sourceQueueArns].")
		}
	}
	switch perm {
	case "allowAll", "denyAll":
		if _, given := p["sourceQueueArns"]; given {
			return sqsRedriveError("RedriveAllowPolicy", value, "sourceQueueArns can be specified only when redrivePermission is byQueue.")
		}
	case "byQueue":
		if len(sources) < 1 || len(sources) > 10 {
			return sqsRedriveError("RedriveAllowPolicy", value, "Number of sourceQueueArns must be between 1 and 10 when redrivePermission is byQueue.")
		}
		for _, src := range sources {
			if !sqsARNRe.MatchString(src) {
				return sqsRedriveError("RedriveAllowPolicy", value, "Invalid source queue ARN "+src+".")
			}
		}
	default:
		return sqsRedriveError("RedriveAllowPolicy", value, "redrivePermission must be one of allowAll, denyAll, byQueue.")
	}
	return nil
}

// sqsCheckAttributes checks a set of attributes for a queue and returns them
// normalised, with a value "" for those to remove. It also checks the
// combinations: one kind of server-side encryption, and FIFO high
// throughput.
func (s *Server) sqsCheckAttributes(given map[string]string, fifo bool, queueArn string, current map[string]string) (map[string]string, *apiError) {
	out := map[string]string{}
	for _, name := range sortedKeys(given) {
		v, err := s.sqsNormalize(name, given[name], fifo, queueArn)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	merged := copyStrings(current)
	maps.Copy(merged, out)
	if merged["KmsMasterKeyId"] != "" && merged["SqsManagedSseEnabled"] == "true" {
		if _, set := out["SqsManagedSseEnabled"]; set {
			return nil, sqsError("InvalidAttributeName", "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
		}
	}
	if merged["FifoThroughputLimit"] == "perMessageGroupId" && merged["DeduplicationScope"] != "messageGroup" {
		return nil, sqsError("InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId is allowed only when DeduplicationScope is messageGroup.")
	}
	return out, nil
}

// sqsApply stores checked attributes in a queue.
func (q *sqsQueue) apply(attrs map[string]string) {
	for k, v := range attrs {
		if k == "FifoQueue" {
			continue
		}
		if v == "" {
			delete(q.attrs, k)
			continue
		}
		q.attrs[k] = v
	}
	if attrs["KmsMasterKeyId"] != "" {
		q.attrs["SqsManagedSseEnabled"] = "false"
	}
}

// all returns every attribute of the queue, as GetQueueAttributes All
// answers them.
func (q *sqsQueue) all() map[string]string {
	out := map[string]string{
		"QueueArn":                              q.arn(),
		"ApproximateNumberOfMessages":           "0",
		"ApproximateNumberOfMessagesNotVisible": "0",
		"ApproximateNumberOfMessagesDelayed":    "0",
		"CreatedTimestamp":                      strconv.FormatInt(q.created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.modified.Unix(), 10),
	}
	maps.Copy(out, q.attrs)
	if q.attrs["KmsMasterKeyId"] != "" && q.attrs["KmsDataKeyReusePeriodSeconds"] == "" {
		out["KmsDataKeyReusePeriodSeconds"] = "300"
	}
	if q.attrs["KmsMasterKeyId"] == "" {
		delete(out, "KmsDataKeyReusePeriodSeconds")
	}
	if q.fifo {
		out["FifoQueue"] = "true"
	}
	return out
}

// sqsReadable says whether GetQueueAttributes knows an attribute name for a
// queue of this type.
func sqsReadable(name string, fifo bool) bool {
	switch name {
	case "All", "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
		"ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp":
		return true
	}
	fifoOnly, ok := sqsSettable[name]
	return ok && (fifo || !fifoOnly)
}

// sqsCheckTags checks tags to add to a queue that has have.
func sqsCheckTags(name string, have, add map[string]string) *apiError {
	keys := map[string]bool{}
	for k := range have {
		keys[k] = true
	}
	for _, k := range sortedKeys(add) {
		if len(k) < 1 || len(k) > 128 {
			return sqsError("InvalidParameterValue", "Tag keys must be between 1 and 128 characters in length.")
		}
		if len(add[k]) > 256 {
			return sqsError("InvalidParameterValue", "Tag values may only be up to 256 characters in length.")
		}
		keys[k] = true
	}
	if len(keys) > sqsMaxTags {
		return sqsError("InvalidParameterValue", "Too many tags added for queue %s.", name)
	}
	return nil
}

func (s *Server) sqsCreateQueue(body []byte) (any, *apiError) {
	var in struct {
		QueueName  string
		Attributes map[string]string
		Tags       map[string]string `json:"tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, sqsError("MissingParameter", "The request must contain the parameter QueueName.")
	}
	fifoValue, fifoGiven := in.Attributes["FifoQueue"]
	fifo := strings.EqualFold(fifoValue, "true")
	if fifoGiven && !fifo {
		if strings.EqualFold(fifoValue, "false") {
			return nil, sqsUnknownAttribute("FifoQueue")
		}
		return nil, sqsInvalidValue("FifoQueue")
	}
	switch {
	case fifo && !sqsFIFONameRe.MatchString(in.QueueName):
		return nil, sqsError("InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	case !fifo && !sqsNameRe.MatchString(in.QueueName):
		return nil, sqsError("InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	account := s.account()
	arn := s.sqsARN(account, in.QueueName)
	attrs, err := s.sqsCheckAttributes(in.Attributes, fifo, arn, nil)
	if err != nil {
		return nil, err
	}
	if q := s.queues[arn]; q != nil {
		all := q.all()
		for _, name := range sortedKeys(attrs) {
			want := attrs[name]
			if want == "" && sqsRemovable[name] {
				want = q.attrs[name]
			}
			if all[name] != want {
				return nil, sqsError("QueueNameExists", "A queue already exists with the same name and a different value for attribute %s", name)
			}
		}
		return map[string]string{"QueueUrl": q.url()}, nil
	}
	if at, ok := s.deleted[arn]; ok && time.Since(at) < s.recreateDelay {
		return nil, sqsError("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
	}
	if err := sqsCheckTags(in.QueueName, nil, in.Tags); err != nil {
		return nil, err
	}
	now := time.Now()
	q := &sqsQueue{account: account, name: in.QueueName, region: s.Region, fifo: fifo, tags: map[string]string{},
		created: now, modified: now, attrs: map[string]string{
			"DelaySeconds": "0", "MaximumMessageSize": strconv.Itoa(sqsDefaultMaxMessageSize),
			"MessageRetentionPeriod": "345600", "ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "30",
			"SqsManagedSseEnabled": "true",
		}}
	if fifo {
		q.attrs["ContentBasedDeduplication"] = "false"
		q.attrs["DeduplicationScope"] = "queue"
		q.attrs["FifoThroughputLimit"] = "perQueue"
	}
	q.apply(attrs)
	maps.Copy(q.tags, in.Tags)
	s.queues[arn] = q
	delete(s.deleted, arn)
	return map[string]string{"QueueUrl": q.url()}, nil
}

func (s *Server) sqsGetQueueURL(body []byte) (any, *apiError) {
	var in struct{ QueueName, QueueOwnerAWSAccountId string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, sqsError("MissingParameter", "The request must contain the parameter QueueName.")
	}
	account := in.QueueOwnerAWSAccountId
	if account == "" {
		account = s.account()
	}
	q := s.queues[s.sqsARN(account, in.QueueName)]
	if q == nil {
		return nil, sqsNoQueue()
	}
	return map[string]string{"QueueUrl": q.url()}, nil
}

func (s *Server) sqsGetQueueAttributes(body []byte) (any, *apiError) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	all := q.all()
	s.sqsApproximateCounts(q, all)
	out := map[string]string{}
	for _, name := range in.AttributeNames {
		if !sqsReadable(name, q.fifo) {
			return nil, sqsUnknownAttribute(name)
		}
		if name == "All" {
			out = all
			break
		}
		if v, ok := all[name]; ok {
			out[name] = v
		}
	}
	return map[string]any{"Attributes": out}, nil
}

func (s *Server) sqsSetQueueAttributes(body []byte) (any, *apiError) {
	var in struct {
		QueueUrl   string
		Attributes map[string]string
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if v, ok := in.Attributes["FifoQueue"]; ok && (!q.fifo || !strings.EqualFold(v, "true")) {
		return nil, sqsUnknownAttribute("FifoQueue")
	}
	attrs, err := s.sqsCheckAttributes(in.Attributes, q.fifo, q.arn(), q.attrs)
	if err != nil {
		return nil, err
	}
	q.apply(attrs)
	q.modified = time.Now()
	return nil, nil
}

func (s *Server) sqsDeleteQueue(body []byte) (any, *apiError) {
	var in struct{ QueueUrl string }
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	delete(s.queues, q.arn())
	s.deleted[q.arn()] = time.Now()
	return nil, nil
}

func (s *Server) sqsListQueueTags(body []byte) (any, *apiError) {
	var in struct{ QueueUrl string }
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(q.tags) == 0 {
		return struct{}{}, nil
	}
	return map[string]map[string]string{"Tags": q.tags}, nil
}

func (s *Server) sqsTagQueue(body []byte) (any, *apiError) {
	var in struct {
		QueueUrl string
		Tags     map[string]string
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, sqsError("MissingParameter", "The request must contain the parameter Tags.")
	}
	if err := sqsCheckTags(q.name, q.tags, in.Tags); err != nil {
		return nil, err
	}
	maps.Copy(q.tags, in.Tags)
	return nil, nil
}

func (s *Server) sqsUntagQueue(body []byte) (any, *apiError) {
	var in struct {
		QueueUrl string
		TagKeys  []string
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, sqsError("MissingParameter", "The request must contain the parameter TagKeys.")
	}
	for _, k := range in.TagKeys {
		delete(q.tags, k)
	}
	return nil, nil
}

// sqsFind finds a queue for the test helpers by name (in the server's
// account), URL or ARN.
func (s *Server) sqsFind(nameURLOrARN string) *sqsQueue {
	switch {
	case strings.HasPrefix(nameURLOrARN, "arn:"):
		return s.queues[nameURLOrARN]
	case strings.Contains(nameURLOrARN, "://"):
		q, _ := s.sqsQueueByURL(nameURLOrARN)
		return q
	}
	return s.queues[s.sqsARN(s.AccountID, nameURLOrARN)]
}

// Queue returns a snapshot of a queue, given by name (in the server's
// account), URL or ARN.
func (s *Server) Queue(name string) (Queue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.sqsFind(name)
	if q == nil {
		return Queue{}, false
	}
	all := q.all()
	s.sqsApproximateCounts(q, all)
	return Queue{Name: q.name, URL: q.url(), Arn: q.arn(), Attributes: all, Tags: copyStrings(q.tags)}, true
}

// SetQueueRecreateDelay sets how long after DeleteQueue a queue of the same
// name cannot be created (QueueDeletedRecently): 60 seconds, as in SQS,
// unless changed; 0 turns the check off.
func (s *Server) SetQueueRecreateDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recreateDelay = d
}
