package localaws

// SNS Publish and PublishBatch (query protocol, as sns.go, which they are
// added to), as the Amazon SNS API Reference and Developer Guide document
// them:
//
//   - Publish to TopicArn or TargetArn (a topic), or PhoneNumber (recorded
//     only): Message (required, at most 256 KB), Subject (at most 100
//     printable ASCII characters, no line breaks), MessageStructure json (a
//     JSON object with a "default" string; each protocol gets its own key's
//     message, or the default), up to 10 MessageAttributes (String,
//     String.Array, Number, Binary), and on FIFO topics MessageGroupId
//     (required) and MessageDeduplicationId (required unless the topic has
//     ContentBasedDeduplication). PublishBatch takes 1-10 entries with
//     distinct Ids and answers each in Successful or Failed.
//   - Each confirmed subscription of the topic whose FilterPolicy matches
//     (FilterPolicyScope MessageAttributes: an object of the attributes,
//     String as strings, Number as numbers, String.Array as arrays, Binary
//     left out; MessageBody: the message, which must be a JSON object) gets
//     the message at once: sqs as SNS's JSON envelope (Type Notification,
//     MessageId, TopicArn, Subject, Message, Timestamp, SignatureVersion,
//     Signature, SigningCertURL, UnsubscribeURL, MessageAttributes), or with
//     RawMessageDelivery the message itself with the attributes as SQS
//     message attributes; lambda as an asynchronous invocation with SNS's
//     event ({"Records":[{EventSource "aws:sns", EventVersion,
//     EventSubscriptionArn, Sns:{...}}]}); http and https as a POST of the
//     envelope (or the raw message) in the background, with SNS's
//     x-amz-sns-* headers, bounded by snsHTTPTimeout. email, email-json, sms,
//     application and firehose subscriptions are recorded only.
//
// Policies are matched with internal/eventpattern, the Event Ruler matching
// EventBridge uses (SNS compiles filter policies with Event Ruler too);
// where SNS differs from EventBridge (numbers in exact values compared as
// text, SNS's own anything-but forms) the model follows EventBridge.
//
// A delivery to sqs or lambda that fails (a queue or function that does not
// exist, no FunctionRuntime) goes, as SNS's envelope, to the subscription's
// RedrivePolicy dead-letter queue if it has one.
//
// Where it simplifies: no signatures (Signature is a fixed placeholder), no
// delivery retries (a failed delivery is recorded, or dead-lettered; http
// failures are only recorded), no FIFO deduplication at the topic (the SQS
// FIFO queue deduplicates), no message data protection or archiving.
//
// Test control: Published lists what was published, and where it went.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/eventpattern"
)

func init() {
	snsOps["Publish"] = (*Server).snsPublish // sns.go's dispatch table
	snsOps["PublishBatch"] = (*Server).snsPublishBatch
}

const (
	snsMaxMessage    = 256 * 1024
	snsMaxPublished  = 1000
	snsHTTPTimeout   = 5 * time.Second
	snsMaxAttributes = 10
)

type snsPublishState struct {
	snsPublished []*PublishedMessage
}

// PublishedMessage is a message published to a topic and what became of it.
type PublishedMessage struct {
	MessageID, TopicArn, Subject, Message, MessageStructure string
	// MessageAttributes are the attributes' values (Binary in base64).
	MessageAttributes                    map[string]string
	MessageGroupID, MessageDeduplication string
	Time                                 time.Time
	Deliveries                           []SNSDelivery
}

// SNSDelivery is what one subscription got of a message.
type SNSDelivery struct {
	SubscriptionArn, Protocol, Endpoint string
	// Outcome is delivered, filtered (the filter policy did not match),
	// failed (see Error), dead-lettered (failed, and sent to the
	// subscription's dead-letter queue), sending (an http POST under way) or
	// recorded (a protocol the server does not deliver).
	Outcome, Error string
}

// snsMessageAttribute is a message attribute as Publish takes it.
type snsMessageAttribute struct {
	DataType, StringValue string
	BinaryValue           []byte
}

// snsStringAttributes makes String attributes of a map.
func snsStringAttributes(m map[string]string) map[string]snsMessageAttribute {
	out := make(map[string]snsMessageAttribute, len(m))
	for k, v := range m {
		out[k] = snsMessageAttribute{DataType: "String", StringValue: v}
	}
	return out
}

// snsPublishIn is Publish's request and PublishBatch's entry.
type snsPublishIn struct {
	id, message, subject, structure, group, dedup string
	attrs                                         map[string]snsMessageAttribute
}

// snsReadPublish reads a Publish request, or an entry under prefix.
func snsReadPublish(form url.Values, prefix string) (snsPublishIn, *apiError) {
	in := snsPublishIn{id: form.Get(prefix + "Id"), message: form.Get(prefix + "Message"), subject: form.Get(prefix + "Subject"),
		structure: form.Get(prefix + "MessageStructure"), group: form.Get(prefix + "MessageGroupId"),
		dedup: form.Get(prefix + "MessageDeduplicationId"), attrs: map[string]snsMessageAttribute{}}
	for i := 1; ; i++ {
		p := prefix + "MessageAttributes.entry." + strconv.Itoa(i) + "."
		name, ok := form[p+"Name"]
		if !ok {
			break
		}
		a := snsMessageAttribute{DataType: form.Get(p + "Value.DataType"), StringValue: form.Get(p + "Value.StringValue")}
		if b := form.Get(p + "Value.BinaryValue"); b != "" {
			v, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				return in, snsInvalid("Invalid parameter: MessageAttributes Reason: The message attribute '%s' has an invalid binary value.", name[0])
			}
			a.BinaryValue = v
		}
		in.attrs[name[0]] = a
	}
	return in, nil
}

// snsCheckPublish checks a message for a topic.
func snsCheckPublish(t *snsTopic, in snsPublishIn) *apiError {
	switch {
	case in.message == "":
		return snsInvalid("Invalid parameter: Empty message")
	case len(in.message) > snsMaxMessage:
		return snsInvalid("Invalid parameter: Message too long")
	case len(in.subject) > 100 || strings.ContainsAny(in.subject, "\r\n") || !isPrintableASCII(in.subject):
		return snsInvalid("Invalid parameter: Subject")
	case len(in.attrs) > snsMaxAttributes:
		return snsInvalid("Invalid parameter: MessageAttributes Reason: Number of message attributes [%d] exceeds the allowed maximum [%d].", len(in.attrs), snsMaxAttributes)
	}
	if in.structure != "" {
		if in.structure != "json" {
			return snsInvalid("Invalid parameter: MessageStructure")
		}
		var m map[string]any
		if json.Unmarshal([]byte(in.message), &m) != nil {
			return snsInvalid("Invalid parameter: Message Structure - JSON message body failed to parse")
		}
		if _, ok := m["default"].(string); !ok {
			return snsInvalid("Invalid parameter: Message Structure - No default entry in JSON message body")
		}
	}
	for _, name := range sortedKeys(in.attrs) {
		a := in.attrs[name]
		base, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case a.DataType == "String.Array":
			var arr []any
			if json.Unmarshal([]byte(a.StringValue), &arr) != nil {
				return snsInvalid("Invalid parameter: MessageAttributes Reason: The message attribute '%s' with type 'String.Array' has an invalid value.", name)
			}
		case base == "Number":
			if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
				return snsInvalid("Invalid parameter: MessageAttributes Reason: The message attribute '%s' with type 'Number' has an invalid value.", name)
			}
		case base == "String" && a.StringValue != "", base == "Binary" && len(a.BinaryValue) > 0:
		case base == "String", base == "Binary":
			return snsInvalid("Invalid parameter: MessageAttributes Reason: The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		default:
			return snsInvalid("Invalid parameter: MessageAttributes Reason: The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
	}
	if t.fifo {
		if in.group == "" {
			return snsInvalid("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
		}
		if in.dedup == "" && t.attrs["ContentBasedDeduplication"] != "true" {
			return snsInvalid("Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
	}
	return nil
}

func isPrintableASCII(s string) bool {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

type snsPublishResult struct {
	MessageId      string `xml:"MessageId"`
	SequenceNumber string `xml:"SequenceNumber,omitempty"`
}

// snsTopicOf finds the topic a Publish names.
func (s *Server) snsTopicOf(form url.Values) (*snsTopic, *apiError) {
	if arn := form.Get("TopicArn"); arn != "" {
		return s.snsTopicByARN(arn, "TopicArn")
	}
	if arn := form.Get("TargetArn"); arn != "" {
		return s.snsTopicByARN(arn, "TargetArn")
	}
	return nil, snsInvalid("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
}

func (s *Server) snsPublish(form url.Values) (any, *apiError) {
	in, err := snsReadPublish(form, "")
	if err != nil {
		return nil, err
	}
	if phone := form.Get("PhoneNumber"); phone != "" && form.Get("TopicArn") == "" && form.Get("TargetArn") == "" {
		if !snsPhoneRe.MatchString(phone) {
			return nil, snsInvalid("Invalid parameter: PhoneNumber Reason: %s is not valid to publish to", phone)
		}
		rec := &PublishedMessage{MessageID: newID(), Message: in.message, Time: time.Now(),
			Deliveries: []SNSDelivery{{Protocol: "sms", Endpoint: phone, Outcome: "recorded"}}}
		s.snsRecord(rec)
		return snsPublishResult{MessageId: rec.MessageID}, nil
	}
	t, err := s.snsTopicOf(form)
	if err != nil {
		return nil, err
	}
	if err := snsCheckPublish(t, in); err != nil {
		return nil, err
	}
	return s.snsPublishChecked(t, in), nil
}

type snsBatchOK struct {
	Id             string `xml:"Id"`
	MessageId      string `xml:"MessageId"`
	SequenceNumber string `xml:"SequenceNumber,omitempty"`
}

type snsBatchFailed struct {
	Id          string `xml:"Id"`
	Code        string `xml:"Code"`
	Message     string `xml:"Message"`
	SenderFault bool   `xml:"SenderFault"`
}

type snsPublishBatchResult struct {
	Successful []snsBatchOK     `xml:"Successful>member"`
	Failed     []snsBatchFailed `xml:"Failed>member"`
}

func (s *Server) snsPublishBatch(form url.Values) (any, *apiError) {
	t, err := s.snsTopicByARN(form.Get("TopicArn"), "TopicArn")
	if err != nil {
		return nil, err
	}
	var entries []snsPublishIn
	for i := 1; ; i++ {
		p := "PublishBatchRequestEntries.member." + strconv.Itoa(i) + "."
		if _, ok := form[p+"Id"]; !ok {
			break
		}
		in, err := snsReadPublish(form, p)
		if err != nil {
			return nil, err
		}
		entries = append(entries, in)
	}
	switch {
	case len(entries) == 0:
		return nil, &apiError{http.StatusBadRequest, "EmptyBatchRequest", "The batch request doesn't contain any entries"}
	case len(entries) > 10:
		return nil, &apiError{http.StatusBadRequest, "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible"}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.id] {
			return nil, &apiError{http.StatusBadRequest, "BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id"}
		}
		if !sqsBatchIDRe.MatchString(e.id) {
			return nil, &apiError{http.StatusBadRequest, "InvalidBatchEntryId", "The Id of a batch entry in a batch request doesn't abide by the specification"}
		}
		seen[e.id] = true
	}
	out := snsPublishBatchResult{}
	for _, e := range entries {
		if err := snsCheckPublish(t, e); err != nil {
			out.Failed = append(out.Failed, snsBatchFailed{Id: e.id, Code: err.Code, Message: err.Message, SenderFault: true})
			continue
		}
		res := s.snsPublishChecked(t, e)
		out.Successful = append(out.Successful, snsBatchOK{Id: e.id, MessageId: res.MessageId, SequenceNumber: res.SequenceNumber})
	}
	return out, nil
}

// snsPublishInternal publishes to a topic ARN as another service does
// (s.mu held).
func (s *Server) snsPublishInternal(topicArn, message, subject string, attrs map[string]snsMessageAttribute) *apiError {
	t := s.topics[topicArn]
	if t == nil {
		return snsNotFound("Topic")
	}
	in := snsPublishIn{message: message, subject: subject, attrs: attrs}
	if t.fifo {
		in.group, in.dedup = "default", sha256Hex(message)
	}
	if err := snsCheckPublish(t, in); err != nil {
		return err
	}
	s.snsPublishChecked(t, in)
	return nil
}

// snsPublishChecked records a checked message and delivers it to the
// topic's subscriptions (s.mu held).
func (s *Server) snsPublishChecked(t *snsTopic, in snsPublishIn) snsPublishResult {
	rec := &PublishedMessage{MessageID: newID(), TopicArn: t.arn, Subject: in.subject, Message: in.message,
		MessageStructure: in.structure, MessageAttributes: map[string]string{}, MessageGroupID: in.group,
		MessageDeduplication: in.dedup, Time: time.Now()}
	for k, a := range in.attrs {
		rec.MessageAttributes[k] = a.StringValue
		if strings.HasPrefix(a.DataType, "Binary") {
			rec.MessageAttributes[k] = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
	}
	res := snsPublishResult{MessageId: rec.MessageID}
	if t.fifo {
		s.sqsMsgSeq++
		res.SequenceNumber = fmt.Sprintf("%020d", s.sqsMsgSeq)
	}
	var subs []*snsSubscription
	for _, sub := range s.subs {
		if sub.topicArn == t.arn && !sub.pending {
			subs = append(subs, sub)
		}
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].seq < subs[j].seq })
	s.snsRecord(rec)
	rec.Deliveries = make([]SNSDelivery, 0, len(subs))
	for i, sub := range subs {
		rec.Deliveries = append(rec.Deliveries, SNSDelivery{SubscriptionArn: sub.arn, Protocol: sub.protocol, Endpoint: sub.endpoint})
		d := &rec.Deliveries[i]
		if ok, why := snsFilterMatches(sub, in); !ok {
			d.Outcome, d.Error = "filtered", why
			continue
		}
		s.snsDeliver(rec, i, sub, in, res.SequenceNumber)
	}
	return res
}

func (s *Server) snsRecord(rec *PublishedMessage) {
	s.snsPublished = append(s.snsPublished, rec)
	if n := len(s.snsPublished); n > snsMaxPublished {
		s.snsPublished = append([]*PublishedMessage(nil), s.snsPublished[n-snsMaxPublished:]...)
	}
}

// snsMessageFor is the message a protocol gets.
func snsMessageFor(in snsPublishIn, protocol string) string {
	if in.structure != "json" {
		return in.message
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(in.message), &m)
	if v, ok := m[protocol].(string); ok {
		return v
	}
	v, _ := m["default"].(string)
	return v
}

// snsFilterMatches applies a subscription's filter policy to a message.
func snsFilterMatches(sub *snsSubscription, in snsPublishIn) (bool, string) {
	policy := sub.attrs["FilterPolicy"]
	if policy == "" || policy == "{}" {
		return true, ""
	}
	var doc []byte
	if sub.attrs["FilterPolicyScope"] == "MessageBody" {
		var body map[string]any
		msg := snsMessageFor(in, sub.protocol)
		if json.Unmarshal([]byte(msg), &body) != nil || body == nil {
			return false, "the message body is not a JSON object"
		}
		doc = []byte(msg)
	} else {
		attrs := map[string]any{}
		for name, a := range in.attrs {
			base, _, _ := strings.Cut(a.DataType, ".")
			switch {
			case a.DataType == "String.Array":
				var arr []any
				_ = json.Unmarshal([]byte(a.StringValue), &arr)
				attrs[name] = arr
			case base == "Number":
				attrs[name] = json.Number(a.StringValue)
			case base == "String":
				attrs[name] = a.StringValue
			}
		}
		doc, _ = json.Marshal(attrs)
	}
	res, err := eventpattern.Match([]byte(policy), doc)
	if err != nil {
		return false, "the filter policy could not be applied: " + err.Error()
	}
	return res.Matched, res.Reason()
}

// snsEnvelope is the JSON document SNS delivers to sqs and http(s)
// endpoints (and, with other URL keys' casing, to Lambda).
func (s *Server) snsEnvelope(rec *PublishedMessage, sub *snsSubscription, in snsPublishIn, message, seq string, lambda bool) map[string]any {
	host := "https://sns." + s.Region + ".amazonaws.com"
	env := map[string]any{"Type": "Notification", "MessageId": rec.MessageID, "TopicArn": rec.TopicArn, "Message": message,
		"Timestamp": rec.Time.UTC().Format("2006-01-02T15:04:05.000Z"), "SignatureVersion": "1", "Signature": "EXAMPLE",
		"SigningCertURL": host + "/SimpleNotificationService-0000000000000000000000000000000.pem",
		"UnsubscribeURL": host + "/?Action=Unsubscribe&SubscriptionArn=" + sub.arn}
	if rec.Subject != "" {
		env["Subject"] = rec.Subject
	} else if lambda {
		env["Subject"] = nil
	}
	if seq != "" {
		env["SequenceNumber"] = seq
	}
	attrs := map[string]any{}
	for name, a := range in.attrs {
		v := a.StringValue
		if strings.HasPrefix(a.DataType, "Binary") {
			v = base64.StdEncoding.EncodeToString(a.BinaryValue)
		}
		attrs[name] = map[string]string{"Type": a.DataType, "Value": v}
	}
	if len(attrs) > 0 || lambda {
		env["MessageAttributes"] = attrs
	}
	if lambda {
		env["SigningCertUrl"], env["UnsubscribeUrl"] = env["SigningCertURL"], env["UnsubscribeURL"]
		delete(env, "SigningCertURL")
		delete(env, "UnsubscribeURL")
	}
	return env
}

// snsDeliver delivers a message to one subscription (s.mu held) and sets
// its outcome in rec.Deliveries[i].
func (s *Server) snsDeliver(rec *PublishedMessage, i int, sub *snsSubscription, in snsPublishIn, seq string) {
	d := &rec.Deliveries[i]
	message := snsMessageFor(in, sub.protocol)
	raw := sub.attrs["RawMessageDelivery"] == "true"
	envelope, _ := json.Marshal(s.snsEnvelope(rec, sub, in, message, seq, false))
	var err *apiError
	switch sub.protocol {
	case "sqs":
		body, attrs := string(envelope), map[string]sqsMessageAttribute(nil)
		if raw {
			body, attrs = message, map[string]sqsMessageAttribute{}
			for name, a := range in.attrs {
				v := a
				attrs[name] = sqsMessageAttribute{DataType: a.DataType, StringValue: &v.StringValue, BinaryValue: a.BinaryValue}
				if strings.HasPrefix(a.DataType, "Binary") {
					attrs[name] = sqsMessageAttribute{DataType: a.DataType, BinaryValue: a.BinaryValue}
				}
			}
		}
		err = s.sqsSendInternal(sub.endpoint, body, attrs, in.group, in.dedup)
	case "lambda":
		event, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{"EventSource": "aws:sns", "EventVersion": "1.0",
			"EventSubscriptionArn": sub.arn, "Sns": s.snsEnvelope(rec, sub, in, message, seq, true)}}})
		err = s.invokeAsync(arnAccount(sub.endpoint, s.AccountID), sub.endpoint, event)
	case "http", "https":
		body := envelope
		if raw {
			body = []byte(message)
		}
		d.Outcome = "sending"
		s.snsPost(rec, i, sub, body)
		return
	default:
		d.Outcome = "recorded"
		return
	}
	if err != nil {
		d.Outcome, d.Error = "failed", err.Error()
		s.snsDeadLetter(d, sub, string(envelope))
		return
	}
	d.Outcome = "delivered"
}

// snsDeadLetter sends a message a subscription could not take to the
// queue of its RedrivePolicy, if it has one (SNS sends the envelope).
func (s *Server) snsDeadLetter(d *SNSDelivery, sub *snsSubscription, envelope string) {
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if json.Unmarshal([]byte(sub.attrs["RedrivePolicy"]), &p) != nil || p.DeadLetterTargetArn == "" {
		return
	}
	if err := s.sqsSendInternal(p.DeadLetterTargetArn, envelope, nil, "", ""); err != nil {
		d.Error += "; the dead-letter queue refused it: " + err.Error()
		return
	}
	d.Outcome = "dead-lettered"
}

// arnAccount is the account field of an ARN, or def.
func arnAccount(arn, def string) string {
	if parts := strings.Split(arn, ":"); len(parts) > 4 && parts[4] != "" {
		return parts[4]
	}
	return def
}

// snsPost POSTs a message to an http(s) endpoint in the background.
func (s *Server) snsPost(rec *PublishedMessage, i int, sub *snsSubscription, body []byte) {
	headers := map[string]string{"Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": "Notification",
		"x-amz-sns-message-id": rec.MessageID, "x-amz-sns-topic-arn": rec.TopicArn, "x-amz-sns-subscription-arn": sub.arn,
		"User-Agent": "Amazon Simple Notification Service Agent"}
	if sub.attrs["RawMessageDelivery"] == "true" {
		headers["x-amz-sns-rawdelivery"] = "true"
	}
	endpoint := sub.endpoint
	started := s.goBackground(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, snsHTTPTimeout)
		defer cancel()
		outcome, why := "delivered", ""
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err == nil {
			for k, v := range headers {
				req.Header.Set(k, v)
			}
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					err = fmt.Errorf("the endpoint answered %s", resp.Status)
				}
			}
		}
		if err != nil {
			outcome, why = "failed", err.Error()
		}
		s.mu.Lock()
		rec.Deliveries[i].Outcome, rec.Deliveries[i].Error = outcome, why
		s.mu.Unlock()
	})
	if !started {
		rec.Deliveries[i].Outcome, rec.Deliveries[i].Error = "failed", "the server is closed"
	}
}

// Published returns the messages published to a topic ("" for every topic
// and for phone numbers), oldest first, with what each subscription got.
func (s *Server) Published(topicArn string) []PublishedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PublishedMessage
	for _, rec := range s.snsPublished {
		if topicArn != "" && rec.TopicArn != topicArn {
			continue
		}
		c := *rec
		c.MessageAttributes = copyStrings(rec.MessageAttributes)
		c.Deliveries = append([]SNSDelivery(nil), rec.Deliveries...)
		out = append(out, c)
	}
	return out
}
