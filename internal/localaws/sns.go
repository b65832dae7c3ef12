package localaws

// SNS (query protocol: a form-encoded POST / with Version=2010-03-31 and
// Action=<Operation>) plays the operations that ACK's sns-controller v1.6.0
// calls for its Topic and Subscription kinds, as the Amazon SNS API
// Reference documents them:
//
//   - topics: CreateTopic, GetTopicAttributes, SetTopicAttributes and
//     DeleteTopic;
//   - tags: TagResource, UntagResource and ListTagsForResource (of topics);
//   - subscriptions: Subscribe, GetSubscriptionAttributes,
//     SetSubscriptionAttributes and Unsubscribe.
//
// Any other action answers 400 InvalidAction. Topic names are
// [A-Za-z0-9_-]{1,256} (a FIFO topic, FifoTopic "true", ends in .fifo); a
// topic's ARN is arn:aws:sns:<region>:<account>:<name>. CreateTopic is
// idempotent: for an existing name it answers the topic's ARN, unless the
// Tags given differ from the topic's ("Invalid parameter: Tags Reason: Topic
// already exists with different tags") or an attribute given differs from
// the topic's ("Invalid parameter: Attributes Reason: Topic already exists
// with different attributes"). GetTopicAttributes answers, as SNS does,
// TopicArn, Owner, Policy (SNS's default, __default_policy_ID with
// AWS:SourceOwner the account, unless one was set), DisplayName ("" by
// default), SubscriptionsConfirmed, SubscriptionsPending,
// SubscriptionsDeleted, EffectiveDeliveryPolicy (SNS's default HTTP retry
// policy, or the DeliveryPolicy set), FifoTopic and ContentBasedDeduplication
// for a FIFO topic, and every other attribute that was set. A policy cannot
// be removed: an empty Policy answers "Invalid parameter: Policy is empty",
// one without statements "Invalid parameter: Policy Error: null". DeleteTopic
// deletes the topic's subscriptions, and succeeds for a topic that does not
// exist.
//
// Subscribe takes the protocols sqs, http, https, email, email-json, sms,
// lambda, application and firehose, and checks the endpoint of each: an email
// address, an E.164 phone number (+ and up to 15 digits), a URL of the
// protocol's scheme, the ARN of an SQS queue, Lambda function, Firehose
// delivery stream or SNS platform endpoint (firehose also needs a
// SubscriptionRoleArn). Email, email-json, http and https subscriptions, and
// sqs and lambda ones whose endpoint is in another account than the caller's,
// await confirmation: Subscribe answers "pending confirmation", or with
// ReturnSubscriptionArn the ARN, for which GetSubscriptionAttributes reports
// PendingConfirmation "true"; the others are confirmed at once
// (ConfirmationWasAuthenticated "true"). RawMessageDelivery ("false" unless
// set, reported for every protocol) is refused, even "false", on protocols
// other than sqs, http, https and firehose: Subscribe answers "Invalid
// parameter: Attributes Reason: Delivery protocol [email] does not support raw
// message delivery." and SetSubscriptionAttributes "Invalid parameter:
// Delivery protocol [email] does not support raw message delivery.". Subscribing
// the same topic, protocol and endpoint again answers the same subscription,
// or "Invalid parameter: Attributes Reason: Subscription already exists with
// different attributes" if an attribute given differs. FilterPolicy is
// checked as SNS does (a JSON object whose values are arrays of strings,
// numbers, booleans, null or operators, nested objects only with
// FilterPolicyScope MessageBody, at most 5 keys and 150 combinations; "" or
// "{}" removes it); FilterPolicyScope (MessageAttributes, reported when a
// filter policy is set, or MessageBody; an empty value is refused, so ACK's
// controller, which sends the scope without a value when a spec has a
// filterPolicy but no filterPolicyScope and is updated, ends Terminal: SNS's
// answer to that is not verified); RedrivePolicy (deadLetterTargetArn,
// an SQS queue ARN; "" removes it); DeliveryPolicy (a JSON object;
// EffectiveDeliveryPolicy is reported for http and https);
// SubscriptionRoleArn (firehose only). Unsubscribe of a subscription pending
// confirmation answers "Invalid parameter: SubscriptionArn Reason: Cannot
// unsubscribe a subscription that is pending confirmation", of the string
// "pending confirmation" "Invalid parameter: SubscriptionArn Reason: An ARN
// must have at least 6 elements, not 1"; of a subscription that does not
// exist it succeeds.
//
// Errors are SNS's query errors: 404 NotFound ("Topic does not exist",
// "Subscription does not exist"), 404 ResourceNotFound for the tag operations,
// 400 InvalidParameter, 400 TagLimitExceeded beyond 50 tags.
//
// Simplifications:
//
//   - Publish and PublishBatch are in sns_publish.go (which adds them to
//     snsOps): delivery to subscriptions with filter policies, without
//     retries or dead-letter queues. No confirmation message is sent;
//     ConfirmSubscription (the test control) confirms a pending
//     subscription as its endpoint's owner would. Pending subscriptions do
//     not expire.
//   - Topic and subscription policies, KMS keys, roles and endpoints are
//     checked for form only: a queue, function or stream need not exist, and
//     nothing is authenticated or authorised.
//   - EffectiveDeliveryPolicy is the DeliveryPolicy set, not merged with
//     SNS's defaults. DataProtectionPolicy is stored but not answered
//     (GetDataProtectionPolicy is unknown). ArchivePolicy, ReplayPolicy and
//     FifoThroughputScope are checked for form only; no FIFO throughput.
//   - Tag keys and values are checked for length only (1-128, 0-256).
//   - Messages follow SNS's wording where it is known (the raw message
//     delivery, pending confirmation, "already exists" and policy messages
//     are AWS's) but are not guaranteed to match it byte for byte elsewhere.
//
// Test controls: Topic and Subscriptions return snapshots; ConfirmSubscription
// confirms a pending subscription.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// snsOps are the SNS operations the server plays (query protocol).
var snsOps = map[string]func(*Server, url.Values) (any, *apiError){
	"CreateTopic":               (*Server).snsCreateTopic,
	"GetTopicAttributes":        (*Server).snsGetTopicAttributes,
	"SetTopicAttributes":        (*Server).snsSetTopicAttributes,
	"DeleteTopic":               (*Server).snsDeleteTopic,
	"ListTagsForResource":       (*Server).snsListTagsForResource,
	"TagResource":               (*Server).snsTagResource,
	"UntagResource":             (*Server).snsUntagResource,
	"Subscribe":                 (*Server).snsSubscribe,
	"GetSubscriptionAttributes": (*Server).snsGetSubscriptionAttributes,
	"SetSubscriptionAttributes": (*Server).snsSetSubscriptionAttributes,
	"Unsubscribe":               (*Server).snsUnsubscribe,
}

const snsMaxTags = 50

// snsDefaultDeliveryPolicy is SNS's EffectiveDeliveryPolicy of a topic
// without a DeliveryPolicy, and snsDefaultSubscriptionDeliveryPolicy that of
// an http or https subscription.
const (
	snsDefaultDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,` +
		`"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},` +
		`"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`
	snsDefaultSubscriptionDeliveryPolicy = `{"healthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,` +
		`"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},` +
		`"sicklyRetryPolicy":null,"throttlePolicy":null,"requestPolicy":{"headerContentType":"text/plain; charset=UTF-8"},"guaranteed":false}`
)

type snsState struct {
	topics map[string]*snsTopic        // by ARN
	subs   map[string]*snsSubscription // by ARN
	subSeq int                         // orders subscriptions by creation
}

func newSNSState() snsState {
	return snsState{topics: map[string]*snsTopic{}, subs: map[string]*snsSubscription{}}
}

type snsTopic struct {
	arn, account, name string
	fifo               bool
	// attrs are the settable attributes (Policy and DisplayName always).
	attrs                map[string]string
	tags                 map[string]string
	dataProtectionPolicy string
}

type snsSubscription struct {
	arn, topicArn, owner, protocol, endpoint string
	// attrs are the settable attributes that were set.
	attrs         map[string]string
	pending       bool
	authenticated bool
	seq           int
}

// Topic is a snapshot of a topic.
type Topic struct {
	Name string
	Arn  string
	// Attributes are what GetTopicAttributes answers.
	Attributes map[string]string
	Tags       map[string]string
}

// Subscription is a snapshot of a subscription.
type Subscription struct {
	Arn                 string
	TopicArn            string
	Protocol            string
	Endpoint            string
	Owner               string
	PendingConfirmation bool
	// Attributes are what GetSubscriptionAttributes answers.
	Attributes map[string]string
}

// snsAttributes is the result of GetTopicAttributes and
// GetSubscriptionAttributes.
type snsAttributes struct {
	Entries []snsEntry `xml:"Attributes>entry"`
}

type snsEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type snsTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func snsAttributesOf(m map[string]string) snsAttributes {
	out := snsAttributes{Entries: []snsEntry{}}
	for _, k := range sortedKeys(m) {
		out.Entries = append(out.Entries, snsEntry{k, m[k]})
	}
	return out
}

func snsInvalid(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParameter", fmt.Sprintf(format, args...)}
}

func snsNotFound(what string) *apiError {
	return &apiError{http.StatusNotFound, "NotFound", what + " does not exist"}
}

// snsTagLimitExceeded answers tags beyond snsMaxTags (CreateTopic,
// TagResource).
func snsTagLimitExceeded() *apiError {
	return &apiError{http.StatusBadRequest, "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded"}
}

// snsTopicArnResult is CreateTopic's answer, for a new or an existing topic.
type snsTopicArnResult struct {
	TopicArn string `xml:"TopicArn"`
}

// snsMap reads a query map member: Name.entry.N.key and Name.entry.N.value.
func snsMap(form url.Values, name string) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		p := name + ".entry." + strconv.Itoa(i) + "."
		k, ok := form[p+"key"]
		if !ok {
			return out
		}
		out[k[0]] = form.Get(p + "value")
	}
}

// snsList reads a query list member: Name.member.N.
func snsList(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[name+".member."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// snsTags reads Tags.member.N.Key and .Value, refusing a key given twice.
func snsTags(form url.Values) (map[string]string, *apiError) {
	out := map[string]string{}
	for i := 1; ; i++ {
		p := "Tags.member." + strconv.Itoa(i) + "."
		k, ok := form[p+"Key"]
		if !ok {
			return out, nil
		}
		if _, dup := out[k[0]]; dup {
			return nil, snsInvalid("Invalid parameter: Duplicated keys are not allowed.")
		}
		if len(k[0]) < 1 || len(k[0]) > 128 {
			return nil, snsInvalid("Invalid parameter: Tags Reason: Tag keys must be between 1 and 128 characters long")
		}
		v := form.Get(p + "Value")
		if len(v) > 256 {
			return nil, snsInvalid("Invalid parameter: Tags Reason: Tag values must be at most 256 characters long")
		}
		out[k[0]] = v
	}
}

var (
	snsTopicNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	snsFIFONameRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,251}\.fifo$`)
	snsTopicARNRe  = regexp.MustCompile(`^arn:aws:sns:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_.-]{1,256})$`)
	snsRoleARNRe   = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	snsEmailRe     = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	snsPhoneRe     = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	snsSQSARNRe    = regexp.MustCompile(`^arn:aws:sqs:[a-z0-9-]+:([0-9]{12}):([A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$`)
	snsLambdaARNRe = regexp.MustCompile(`^arn:aws:lambda:[a-z0-9-]+:([0-9]{12}):function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$`)
	snsFirehoseRe  = regexp.MustCompile(`^arn:aws:firehose:[a-z0-9-]+:([0-9]{12}):deliverystream/[A-Za-z0-9_.-]{1,64}$`)
	snsAppARNRe    = regexp.MustCompile(`^arn:aws:sns:[a-z0-9-]+:([0-9]{12}):endpoint/[A-Za-z_]+/[^/]+/[0-9a-fA-F-]{36}$`)
)

// snsTopicByARN finds a topic; a malformed ARN, or one of another region,
// answers InvalidParameter, a missing topic NotFound.
func (s *Server) snsTopicByARN(arn, member string) (*snsTopic, *apiError) {
	m := snsTopicARNRe.FindStringSubmatch(arn)
	if m == nil || m[1] != s.Region {
		return nil, snsInvalid("Invalid parameter: %s", member)
	}
	t := s.topics[arn]
	if t == nil {
		return nil, snsNotFound("Topic")
	}
	return t, nil
}

// snsCheckSubscriptionARN checks the form of a subscription ARN as SNS does.
func snsCheckSubscriptionARN(arn string) *apiError {
	n := len(strings.Split(arn, ":"))
	if !strings.HasPrefix(arn, "arn:") || n < 6 {
		return snsInvalid("Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not %d", n)
	}
	if n == 6 {
		return snsInvalid("Invalid parameter: SubscriptionId")
	}
	return nil
}

func (s *Server) snsSubscriptionByARN(arn string) (*snsSubscription, *apiError) {
	if err := snsCheckSubscriptionARN(arn); err != nil {
		return nil, err
	}
	sub := s.subs[arn]
	if sub == nil {
		return nil, snsNotFound("Subscription")
	}
	return sub, nil
}

// snsDefaultPolicy is the policy SNS gives a topic created without one.
func snsDefaultPolicy(arn, account string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow",` +
		`"Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission",` +
		`"SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],` +
		`"Resource":"` + arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + account + `"}}}]}`
}

// snsTopicSettable are the topic attributes SetTopicAttributes takes, true
// for those of FIFO topics only.
var snsTopicSettable = map[string]bool{
	"Policy": false, "DisplayName": false, "DeliveryPolicy": false, "KmsMasterKeyId": false,
	"SignatureVersion": false, "TracingConfig": false,
	"ContentBasedDeduplication": true, "FifoThroughputScope": true, "ArchivePolicy": true,
}

func init() {
	for _, p := range []string{"Application", "Firehose", "HTTP", "Lambda", "SQS"} {
		snsTopicSettable[p+"SuccessFeedbackRoleArn"] = false
		snsTopicSettable[p+"FailureFeedbackRoleArn"] = false
		snsTopicSettable[p+"SuccessFeedbackSampleRate"] = false
	}
}

// snsJSONObject says whether s is a JSON object.
func snsJSONObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil
}

// snsCheckTopicPolicy checks a topic policy's structure.
func snsCheckTopicPolicy(doc string) *apiError {
	if doc == "" {
		return snsInvalid("Invalid parameter: Policy is empty")
	}
	var p struct {
		Statement json.RawMessage
	}
	var list []map[string]json.RawMessage
	var one map[string]json.RawMessage
	ok := json.Unmarshal([]byte(doc), &p) == nil && len(p.Statement) > 0
	if ok {
		switch {
		case json.Unmarshal(p.Statement, &list) == nil:
			ok = len(list) > 0
		case json.Unmarshal(p.Statement, &one) == nil:
			list, ok = []map[string]json.RawMessage{one}, true
		default:
			ok = false
		}
	}
	for _, st := range list {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		ok = ok && (effect == "Allow" || effect == "Deny") && (st["Action"] != nil || st["NotAction"] != nil)
	}
	if !ok {
		return snsInvalid("Invalid parameter: Policy Error: null")
	}
	return nil
}

// snsTopicAttribute checks one topic attribute and returns it as it is
// stored; "" removes an optional attribute.
func snsTopicAttribute(name, value string, fifo bool) (string, *apiError) {
	fifoOnly, ok := snsTopicSettable[name]
	if !ok {
		return "", snsInvalid("Invalid parameter: AttributeName")
	}
	if fifoOnly && !fifo {
		return "", snsInvalid("Invalid parameter: Attributes Reason: %s can only be set for FIFO topics", name)
	}
	invalid := func() (string, *apiError) { return "", snsInvalid("Invalid parameter: %s", name) }
	switch {
	case name == "Policy":
		return value, snsCheckTopicPolicy(value)
	case name == "DisplayName" || value == "":
		return value, nil
	case name == "DeliveryPolicy" || name == "ArchivePolicy":
		if !snsJSONObject(value) {
			return invalid()
		}
	case name == "SignatureVersion":
		if value != "1" && value != "2" {
			return invalid()
		}
	case name == "TracingConfig":
		if value != "PassThrough" && value != "Active" {
			return invalid()
		}
	case name == "ContentBasedDeduplication":
		if v := strings.ToLower(value); v == "true" || v == "false" {
			return v, nil
		}
		return invalid()
	case name == "FifoThroughputScope":
		if value != "Topic" && value != "MessageGroup" {
			return invalid()
		}
	case strings.HasSuffix(name, "SampleRate"):
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > 100 {
			return invalid()
		}
		return strconv.Itoa(n), nil
	case strings.HasSuffix(name, "RoleArn"):
		if !snsRoleARNRe.MatchString(value) {
			return invalid()
		}
	}
	return value, nil
}

// snsTopicAttributesOf answers a topic's attributes.
func (s *Server) snsTopicAttributesOf(t *snsTopic) map[string]string {
	out := copyStrings(t.attrs)
	out["TopicArn"] = t.arn
	out["Owner"] = t.account
	out["EffectiveDeliveryPolicy"] = snsDefaultDeliveryPolicy
	if dp := t.attrs["DeliveryPolicy"]; dp != "" {
		out["EffectiveDeliveryPolicy"] = dp
	}
	confirmed, pending := 0, 0
	for _, sub := range s.subs {
		if sub.topicArn != t.arn {
			continue
		}
		if sub.pending {
			pending++
		} else {
			confirmed++
		}
	}
	out["SubscriptionsConfirmed"] = strconv.Itoa(confirmed)
	out["SubscriptionsPending"] = strconv.Itoa(pending)
	out["SubscriptionsDeleted"] = "0"
	if t.fifo {
		out["FifoTopic"] = "true"
		if out["ContentBasedDeduplication"] == "" {
			out["ContentBasedDeduplication"] = "false"
		}
	}
	return out
}

func (s *Server) snsCreateTopic(form url.Values) (any, *apiError) {
	name := form.Get("Name")
	attrs := snsMap(form, "Attributes")
	tags, err := snsTags(form)
	if err != nil {
		return nil, err
	}
	fifo := false
	_, fifoGiven := attrs["FifoTopic"]
	if v, ok := attrs["FifoTopic"]; ok {
		switch strings.ToLower(v) {
		case "true":
			fifo = true
		case "false":
		default:
			return nil, snsInvalid("Invalid parameter: FifoTopic")
		}
		delete(attrs, "FifoTopic")
	}
	switch {
	case fifo && !snsFIFONameRe.MatchString(name):
		return nil, snsInvalid("Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
	case !fifo && !snsTopicNameRe.MatchString(name):
		return nil, snsInvalid("Invalid parameter: Topic Name")
	}
	checked := map[string]string{}
	for _, k := range sortedKeys(attrs) {
		v, err := snsTopicAttribute(k, attrs[k], fifo)
		if err != nil {
			return nil, err
		}
		checked[k] = v
	}
	dpp := form.Get("DataProtectionPolicy")
	if dpp != "" && !snsJSONObject(dpp) {
		return nil, snsInvalid("Invalid parameter: DataProtectionPolicy")
	}
	account := s.account()
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", s.Region, account, name)
	if t := s.topics[arn]; t != nil {
		if _, given := form["Tags.member.1.Key"]; given && !snsSameMap(tags, t.tags) {
			return nil, snsInvalid("Invalid parameter: Tags Reason: Topic already exists with different tags")
		}
		current := s.snsTopicAttributesOf(t)
		for k, v := range checked {
			if current[k] != v {
				return nil, snsInvalid("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
			}
		}
		if fifoGiven && fifo != t.fifo {
			return nil, snsInvalid("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
		}
		return snsTopicArnResult{arn}, nil
	}
	if len(tags) > snsMaxTags {
		return nil, snsTagLimitExceeded()
	}
	t := &snsTopic{arn: arn, account: account, name: name, fifo: fifo, tags: tags, dataProtectionPolicy: dpp,
		attrs: map[string]string{"Policy": snsDefaultPolicy(arn, account), "DisplayName": ""}}
	for k, v := range checked {
		if v != "" || k == "DisplayName" {
			t.attrs[k] = v
		}
	}
	s.topics[arn] = t
	return snsTopicArnResult{arn}, nil
}

func snsSameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func (s *Server) snsGetTopicAttributes(form url.Values) (any, *apiError) {
	t, err := s.snsTopicByARN(form.Get("TopicArn"), "TopicArn")
	if err != nil {
		return nil, err
	}
	return snsAttributesOf(s.snsTopicAttributesOf(t)), nil
}

func (s *Server) snsSetTopicAttributes(form url.Values) (any, *apiError) {
	t, err := s.snsTopicByARN(form.Get("TopicArn"), "TopicArn")
	if err != nil {
		return nil, err
	}
	name := form.Get("AttributeName")
	v, err := snsTopicAttribute(name, form.Get("AttributeValue"), t.fifo)
	if err != nil {
		return nil, err
	}
	if v == "" && name != "DisplayName" {
		delete(t.attrs, name)
	} else {
		t.attrs[name] = v
	}
	return nil, nil
}

func (s *Server) snsDeleteTopic(form url.Values) (any, *apiError) {
	arn := form.Get("TopicArn")
	if _, err := s.snsTopicByARN(arn, "TopicArn"); err != nil {
		if err.Code == "NotFound" {
			return nil, nil
		}
		return nil, err
	}
	delete(s.topics, arn)
	for k, sub := range s.subs {
		if sub.topicArn == arn {
			delete(s.subs, k)
		}
	}
	return nil, nil
}

// snsTaggable finds the topic of a tag operation.
func (s *Server) snsTaggable(arn string) (*snsTopic, *apiError) {
	t, err := s.snsTopicByARN(arn, "ResourceArn")
	if err != nil && err.Code == "NotFound" {
		return nil, &apiError{http.StatusNotFound, "ResourceNotFound", "Resource does not exist"}
	}
	return t, err
}

func (s *Server) snsListTagsForResource(form url.Values) (any, *apiError) {
	t, err := s.snsTaggable(form.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags []snsTag `xml:"Tags>member"`
	}{Tags: []snsTag{}}
	for _, k := range sortedKeys(t.tags) {
		out.Tags = append(out.Tags, snsTag{k, t.tags[k]})
	}
	return out, nil
}

func (s *Server) snsTagResource(form url.Values) (any, *apiError) {
	t, err := s.snsTaggable(form.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	tags, err := snsTags(form)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, snsInvalid("Invalid parameter: Tags")
	}
	n := len(t.tags)
	for k := range tags {
		if _, ok := t.tags[k]; !ok {
			n++
		}
	}
	if n > snsMaxTags {
		return nil, snsTagLimitExceeded()
	}
	maps.Copy(t.tags, tags)
	return struct{}{}, nil
}

func (s *Server) snsUntagResource(form url.Values) (any, *apiError) {
	t, err := s.snsTaggable(form.Get("ResourceArn"))
	if err != nil {
		return nil, err
	}
	for _, k := range snsList(form, "TagKeys") {
		delete(t.tags, k)
	}
	return struct{}{}, nil
}

// snsRawDelivery are the protocols that take RawMessageDelivery.
var snsRawDelivery = map[string]bool{"sqs": true, "http": true, "https": true, "firehose": true}

// snsProtocols are the protocols Subscribe takes.
var snsProtocols = map[string]bool{"sqs": true, "http": true, "https": true, "email": true, "email-json": true,
	"sms": true, "lambda": true, "application": true, "firehose": true}

// snsSubscriptionSettable are the subscription attributes.
var snsSubscriptionSettable = map[string]bool{"DeliveryPolicy": true, "FilterPolicy": true, "FilterPolicyScope": true,
	"RawMessageDelivery": true, "RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true}

// snsEndpointAccount checks a Subscribe endpoint for its protocol and returns
// the account that owns it, for ARN endpoints.
func snsEndpointAccount(protocol, endpoint string) (string, *apiError) {
	if endpoint == "" {
		return "", snsInvalid("Invalid parameter: Endpoint")
	}
	var re *regexp.Regexp
	var msg string
	switch protocol {
	case "email", "email-json":
		if !snsEmailRe.MatchString(endpoint) {
			return "", snsInvalid("Invalid parameter: Email address")
		}
		return "", nil
	case "sms":
		if !snsPhoneRe.MatchString(endpoint) {
			return "", snsInvalid("Invalid SMS endpoint: %s", endpoint)
		}
		return "", nil
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return "", snsInvalid("Invalid parameter: Endpoint must match the specified protocol")
		}
		return "", nil
	case "sqs":
		re, msg = snsSQSARNRe, "Invalid parameter: SQS endpoint ARN"
	case "lambda":
		re, msg = snsLambdaARNRe, "Invalid parameter: Lambda endpoint ARN"
	case "firehose":
		re, msg = snsFirehoseRe, "Invalid parameter: Firehose endpoint ARN"
	case "application":
		re, msg = snsAppARNRe, "Invalid parameter: Application endpoint arn invalid:"+endpoint
	}
	m := re.FindStringSubmatch(endpoint)
	if m == nil {
		return "", snsInvalid("%s", msg)
	}
	return m[1], nil
}

// snsSubscriptionAttribute checks one subscription attribute of a
// subscription with this protocol to a topic and returns it as it is stored
// ("" to remove it), or the reason it is refused. scope is the
// FilterPolicyScope the filter policy is checked against.
func snsSubscriptionAttribute(name, value, protocol string, fifoTopic bool, scope string) (string, string) {
	switch name {
	case "RawMessageDelivery":
		if !snsRawDelivery[protocol] {
			return "", "Delivery protocol [" + protocol + "] does not support raw message delivery."
		}
		if v := strings.ToLower(value); v == "true" || v == "false" {
			return v, ""
		}
		return "", "RawMessageDelivery: Invalid value [" + value + "]. Must be true or false."
	case "FilterPolicyScope":
		if value != "MessageAttributes" && value != "MessageBody" {
			return "", "FilterPolicyScope: Invalid value [" + value + "]. Please use either MessageBody or MessageAttributes"
		}
		return value, ""
	case "FilterPolicy":
		if strings.TrimSpace(value) == "" || strings.ReplaceAll(value, " ", "") == "{}" {
			return "", ""
		}
		if reason := snsCheckFilterPolicy(value, scope); reason != "" {
			return "", "FilterPolicy: " + reason
		}
		return value, ""
	case "DeliveryPolicy":
		if value != "" && !snsJSONObject(value) {
			return "", "DeliveryPolicy: Invalid delivery policy JSON"
		}
		return value, ""
	case "RedrivePolicy":
		if value == "" {
			return "", ""
		}
		var p map[string]any
		if json.Unmarshal([]byte(value), &p) != nil {
			return "", "RedrivePolicy: Invalid RedrivePolicy JSON"
		}
		target, _ := p["deadLetterTargetArn"].(string)
		if len(p) != 1 || !snsSQSARNRe.MatchString(target) {
			return "", "RedrivePolicy: deadLetterTargetArn is an invalid arn"
		}
		return value, ""
	case "SubscriptionRoleArn":
		if protocol != "firehose" {
			return "", "Delivery protocol [" + protocol + "] does not support subscription role arn."
		}
		if !snsRoleARNRe.MatchString(value) {
			return "", "SubscriptionRoleArn: Invalid role arn"
		}
		return value, ""
	case "ReplayPolicy":
		if !fifoTopic {
			return "", "ReplayPolicy: Message replay is only supported for FIFO topics"
		}
		if value != "" && !snsJSONObject(value) {
			return "", "ReplayPolicy: Invalid ReplayPolicy JSON"
		}
		return value, ""
	}
	return "", "Unknown attribute [" + name + "]"
}

// snsFilterOperators are the filter policy's comparison operators.
var snsFilterOperators = map[string]bool{"prefix": true, "suffix": true, "anything-but": true, "numeric": true,
	"exists": true, "equals-ignore-case": true, "cidr": true, "wildcard": true}

// snsCheckFilterPolicy checks a filter policy's structure and SNS's limits
// (5 keys, 150 combinations) and returns the reason it is refused, if any.
func snsCheckFilterPolicy(doc, scope string) string {
	var p map[string]any
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return "failed to parse JSON. " + err.Error()
	}
	keys, combos, reason := snsFilterObject(p, scope)
	switch {
	case reason != "":
		return reason
	case keys > 5:
		return "Filter policy can not have more than 5 keys"
	case combos > 150:
		return "Filter policy is too complex"
	}
	return ""
}

// snsFilterObject checks an object of a filter policy and returns how many
// keys (leaf arrays) and value combinations it has.
func snsFilterObject(obj map[string]any, scope string) (keys, combos int, reason string) {
	if len(obj) == 0 {
		return 0, 0, "Empty objects are not allowed"
	}
	combos = 1
	for _, k := range sortedKeys(obj) {
		switch v := obj[k].(type) {
		case []any:
			if k == "$or" {
				sum, most := 0, 0
				if len(v) < 2 {
					return 0, 0, "$or must have at least 2 elements"
				}
				for _, branch := range v {
					b, ok := branch.(map[string]any)
					if !ok {
						return 0, 0, "$or elements must be objects"
					}
					n, c, r := snsFilterObject(b, scope)
					if r != "" {
						return 0, 0, r
					}
					sum += c
					most = max(most, n)
				}
				keys += most
				combos *= sum
				continue
			}
			if len(v) == 0 {
				return 0, 0, "Empty arrays are not allowed"
			}
			for _, m := range v {
				if r := snsFilterValue(m); r != "" {
					return 0, 0, r
				}
			}
			keys++
			combos *= len(v)
		case map[string]any:
			if scope != "MessageBody" {
				return 0, 0, "Filter policy scope MessageAttributes does not support nested filter policy"
			}
			n, c, r := snsFilterObject(v, scope)
			if r != "" {
				return 0, 0, r
			}
			keys += n
			combos *= c
		default:
			return 0, 0, `"` + k + `" must be an object or an array`
		}
	}
	return keys, combos, ""
}

// snsFilterValue checks one value of a filter policy's array.
func snsFilterValue(v any) string {
	switch m := v.(type) {
	case string, float64, bool, nil:
		return ""
	case map[string]any:
		if len(m) != 1 {
			return "Match value must be String, number, true, false, or null"
		}
		for op := range m {
			if !snsFilterOperators[op] {
				return "Unrecognized match type " + op
			}
		}
		return ""
	}
	return "Match value must be String, number, true, false, or null"
}

// snsSubscriptionAttributesOf answers a subscription's attributes.
func (s *Server) snsSubscriptionAttributesOf(sub *snsSubscription) map[string]string {
	out := copyStrings(sub.attrs)
	out["SubscriptionArn"] = sub.arn
	out["TopicArn"] = sub.topicArn
	out["Owner"] = sub.owner
	out["Protocol"] = sub.protocol
	out["Endpoint"] = sub.endpoint
	out["SubscriptionPrincipal"] = "arn:aws:iam::" + sub.owner + ":user/test"
	out["PendingConfirmation"] = strconv.FormatBool(sub.pending)
	out["ConfirmationWasAuthenticated"] = strconv.FormatBool(sub.authenticated)
	if out["RawMessageDelivery"] == "" {
		out["RawMessageDelivery"] = "false"
	}
	if out["FilterPolicy"] != "" && out["FilterPolicyScope"] == "" {
		out["FilterPolicyScope"] = "MessageAttributes"
	}
	if sub.protocol == "http" || sub.protocol == "https" {
		out["EffectiveDeliveryPolicy"] = snsDefaultSubscriptionDeliveryPolicy
		if dp := sub.attrs["DeliveryPolicy"]; dp != "" {
			out["EffectiveDeliveryPolicy"] = dp
		}
	}
	return out
}

// snsCheckSubscriptionAttributes checks the attributes given to Subscribe.
func snsCheckSubscriptionAttributes(attrs map[string]string, protocol string, fifoTopic bool) (map[string]string, *apiError) {
	scope := attrs["FilterPolicyScope"]
	if scope == "" {
		scope = "MessageAttributes"
	}
	out := map[string]string{}
	for _, k := range sortedKeys(attrs) {
		if !snsSubscriptionSettable[k] {
			return nil, snsInvalid("Invalid parameter: Attributes Reason: Unknown attribute [%s]", k)
		}
		v, reason := snsSubscriptionAttribute(k, attrs[k], protocol, fifoTopic, scope)
		if reason != "" {
			return nil, snsInvalid("Invalid parameter: Attributes Reason: %s", reason)
		}
		out[k] = v
	}
	if protocol == "firehose" && out["SubscriptionRoleArn"] == "" {
		return nil, snsInvalid("Invalid parameter: Attributes Reason: SubscriptionRoleArn is required for the firehose protocol")
	}
	return out, nil
}

func (s *Server) snsSubscribe(form url.Values) (any, *apiError) {
	t, err := s.snsTopicByARN(form.Get("TopicArn"), "TopicArn")
	if err != nil {
		return nil, err
	}
	protocol, endpoint := form.Get("Protocol"), form.Get("Endpoint")
	if !snsProtocols[protocol] {
		return nil, snsInvalid("Invalid parameter: Amazon SNS does not support this protocol string: %s", protocol)
	}
	endpointAccount, err := snsEndpointAccount(protocol, endpoint)
	if err != nil {
		return nil, err
	}
	switch {
	case t.fifo && protocol != "sqs":
		return nil, snsInvalid("Invalid parameter: Invalid protocol type: %s", protocol)
	case !t.fifo && protocol == "sqs" && strings.HasSuffix(endpoint, ".fifo"):
		return nil, snsInvalid("Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
	}
	attrs, err := snsCheckSubscriptionAttributes(snsMap(form, "Attributes"), protocol, t.fifo)
	if err != nil {
		return nil, err
	}
	returnArn := strings.EqualFold(form.Get("ReturnSubscriptionArn"), "true")
	answer := func(sub *snsSubscription) (any, *apiError) {
		arn := sub.arn
		if sub.pending && !returnArn {
			arn = "pending confirmation"
		}
		return struct {
			SubscriptionArn string `xml:"SubscriptionArn"`
		}{arn}, nil
	}
	for _, sub := range s.subs {
		if sub.topicArn != t.arn || sub.protocol != protocol || sub.endpoint != endpoint {
			continue
		}
		current := s.snsSubscriptionAttributesOf(sub)
		for k, v := range attrs {
			if current[k] != v && !(v == "" && sub.attrs[k] == "") {
				return nil, snsInvalid("Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
			}
		}
		return answer(sub)
	}
	owner := s.account()
	pending := false
	switch protocol {
	case "email", "email-json", "http", "https":
		pending = true
	case "sqs", "lambda":
		pending = endpointAccount != owner
	}
	s.subSeq++
	sub := &snsSubscription{arn: t.arn + ":" + newID(), topicArn: t.arn, owner: owner, protocol: protocol,
		endpoint: endpoint, attrs: map[string]string{}, pending: pending, authenticated: !pending, seq: s.subSeq}
	for k, v := range attrs {
		if v != "" {
			sub.attrs[k] = v
		}
	}
	s.subs[sub.arn] = sub
	return answer(sub)
}

func (s *Server) snsGetSubscriptionAttributes(form url.Values) (any, *apiError) {
	sub, err := s.snsSubscriptionByARN(form.Get("SubscriptionArn"))
	if err != nil {
		return nil, err
	}
	return snsAttributesOf(s.snsSubscriptionAttributesOf(sub)), nil
}

func (s *Server) snsSetSubscriptionAttributes(form url.Values) (any, *apiError) {
	sub, err := s.snsSubscriptionByARN(form.Get("SubscriptionArn"))
	if err != nil {
		return nil, err
	}
	name, value := form.Get("AttributeName"), form.Get("AttributeValue")
	if !snsSubscriptionSettable[name] {
		return nil, snsInvalid("Invalid parameter: AttributeName")
	}
	fifo := false
	if t := s.topics[sub.topicArn]; t != nil {
		fifo = t.fifo
	}
	scope := sub.attrs["FilterPolicyScope"]
	if name == "FilterPolicyScope" {
		scope = value
	}
	if scope == "" {
		scope = "MessageAttributes"
	}
	v, reason := snsSubscriptionAttribute(name, value, sub.protocol, fifo, scope)
	if reason == "" && name == "FilterPolicyScope" && sub.attrs["FilterPolicy"] != "" {
		if r := snsCheckFilterPolicy(sub.attrs["FilterPolicy"], scope); r != "" {
			reason = "Filter Policy Scope Reason: " + r
		}
	}
	if reason == "" && name == "SubscriptionRoleArn" && v == "" {
		reason = "SubscriptionRoleArn: Invalid role arn"
	}
	if reason != "" {
		return nil, snsInvalid("Invalid parameter: %s", reason)
	}
	if v == "" {
		delete(sub.attrs, name)
	} else {
		sub.attrs[name] = v
	}
	return nil, nil
}

func (s *Server) snsUnsubscribe(form url.Values) (any, *apiError) {
	arn := form.Get("SubscriptionArn")
	if err := snsCheckSubscriptionARN(arn); err != nil {
		return nil, err
	}
	sub := s.subs[arn]
	if sub == nil {
		return nil, nil
	}
	if sub.pending {
		return nil, snsInvalid("Invalid parameter: SubscriptionArn Reason: Cannot unsubscribe a subscription that is pending confirmation")
	}
	delete(s.subs, arn)
	return nil, nil
}

// snsResources lists the ARNs of what exists (call with s.mu held): topics
// and confirmed subscriptions.
func (s *Server) snsResources() []string {
	out := sortedKeys(s.topics)
	for arn, sub := range s.subs {
		if !sub.pending {
			out = append(out, arn)
		}
	}
	sort.Strings(out)
	return out
}

// snsFindTopic finds a topic for the test helpers by name (in the server's
// account and region) or ARN.
func (s *Server) snsFindTopic(nameOrArn string) *snsTopic {
	if strings.HasPrefix(nameOrArn, "arn:") {
		return s.topics[nameOrArn]
	}
	return s.topics[fmt.Sprintf("arn:aws:sns:%s:%s:%s", s.Region, s.AccountID, nameOrArn)]
}

// Topic returns a snapshot of a topic, given by name (in the server's
// account) or ARN.
func (s *Server) Topic(name string) (Topic, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.snsFindTopic(name)
	if t == nil {
		return Topic{}, false
	}
	return Topic{Name: t.name, Arn: t.arn, Attributes: s.snsTopicAttributesOf(t), Tags: copyStrings(t.tags)}, true
}

// Subscriptions returns snapshots of a topic's subscriptions (pending ones
// included), oldest first.
func (s *Server) Subscriptions(topicArn string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var subs []*snsSubscription
	for _, sub := range s.subs {
		if sub.topicArn == topicArn {
			subs = append(subs, sub)
		}
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].seq < subs[j].seq })
	out := []Subscription{}
	for _, sub := range subs {
		out = append(out, Subscription{Arn: sub.arn, TopicArn: sub.topicArn, Protocol: sub.protocol, Endpoint: sub.endpoint,
			Owner: sub.owner, PendingConfirmation: sub.pending, Attributes: s.snsSubscriptionAttributesOf(sub)})
	}
	return out
}

// ConfirmSubscription confirms a subscription pending confirmation, as its
// endpoint's owner would (following the link of the confirmation message).
// It reports whether a pending subscription of that ARN was confirmed.
func (s *Server) ConfirmSubscription(arn string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[arn]
	if sub == nil || !sub.pending {
		return false
	}
	sub.pending = false
	return true
}
