package localaws

// SQS's messages (JSON 1.0, as sqs.go), as the Amazon SQS API Reference
// documents them:
//
//   - SendMessage and SendMessageBatch (1-10 entries, distinct Ids of
//     [A-Za-z0-9_-]{1,80}, each entry failing on its own): a body of valid
//     XML characters (InvalidMessageContents otherwise) that, with its
//     message attributes, is at most the queue's MaximumMessageSize;
//     DelaySeconds 0-900 (the queue's by default; refused on a FIFO queue);
//     at most 10 MessageAttributes (String, Number or Binary, with an optional
//     .custom suffix) and the AWSTraceHeader system attribute. The answer
//     carries MD5OfMessageBody, MD5OfMessageAttributes and
//     MD5OfMessageSystemAttributes as SQS computes them (the SDK checks the
//     first). FIFO queues need MessageGroupId, and MessageDeduplicationId
//     unless ContentBasedDeduplication is on; a duplicate within five minutes
//     is accepted and not queued again; SequenceNumber is answered.
//   - ReceiveMessage: MaxNumberOfMessages 1-10, VisibilityTimeout 0-43200 and
//     WaitTimeSeconds 0-20 (the queue's by default). A long poll answers as
//     soon as a message is visible, or empty at the end of the wait.
//     MessageSystemAttributeNames (or the older AttributeNames) select All,
//     ApproximateReceiveCount, ApproximateFirstReceiveTimestamp,
//     SentTimestamp, SenderId, AWSTraceHeader, DeadLetterQueueSourceArn and,
//     on FIFO queues, MessageGroupId, MessageDeduplicationId and
//     SequenceNumber; MessageAttributeNames select All, .*, names and
//     prefixes (name.*). A FIFO queue does not hand out a message of a group
//     that has one in flight.
//   - DeleteMessage(Batch) by receipt handle (a handle this server did not
//     make answers ReceiptHandleIsInvalid; one of a message already deleted
//     succeeds, as in SQS); ChangeMessageVisibility(Batch) of a message in
//     flight with its latest handle (MessageNotInflight otherwise); PurgeQueue
//     (once per 60 seconds per queue, PurgeQueueInProgress otherwise).
//   - The queue's RedrivePolicy: a message received maxReceiveCount times is
//     moved, when it would be received once more, to the dead-letter queue
//     (if it exists), keeping its id, body, attributes and SentTimestamp,
//     with DeadLetterQueueSourceArn set and its receive count starting again
//     at 0 (unverified: what SQS reports there). MessageRetentionPeriod drops
//     messages sent longer ago.
//   - GetQueueAttributes' ApproximateNumberOfMessages (visible),
//     ApproximateNumberOfMessagesNotVisible (in flight) and
//     ApproximateNumberOfMessagesDelayed count the queue's messages, exactly.
//
// Where it simplifies: messages live in memory (DeleteQueue drops them);
// MD5OfMessageAttributes of a received message covers the attributes
// answered; ReceiveRequestAttemptId, fair queues, FIFO throughput limits and
// high-throughput modes are not modelled; SenderId is the account; the long
// poll ends early only when the server closes, not when the client goes.
//
// Test control: Messages lists a queue's messages.

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

func init() {
	for op, h := range map[string]func(*Server, []byte) (any, *apiError){
		"SendMessage":                  (*Server).sqsSendMessage,
		"SendMessageBatch":             (*Server).sqsSendMessageBatch,
		"ReceiveMessage":               (*Server).sqsReceiveMessage,
		"DeleteMessage":                (*Server).sqsDeleteMessage,
		"DeleteMessageBatch":           (*Server).sqsDeleteMessageBatch,
		"ChangeMessageVisibility":      (*Server).sqsChangeMessageVisibility,
		"ChangeMessageVisibilityBatch": (*Server).sqsChangeMessageVisibilityBatch,
		"PurgeQueue":                   (*Server).sqsPurgeQueue,
	} {
		sqsOps[op] = h // sqs.go's dispatch table
	}
	maps.Copy(sqsQueryCodes, map[string]string{
		"EmptyBatchRequest":            "AWS.SimpleQueueService.EmptyBatchRequest",
		"TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
		"BatchEntryIdsNotDistinct":     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
		"InvalidBatchEntryId":          "AWS.SimpleQueueService.InvalidBatchEntryId",
		"BatchRequestTooLong":          "AWS.SimpleQueueService.BatchRequestTooLong",
		"ReceiptHandleIsInvalid":       "ReceiptHandleIsInvalid",
		"MessageNotInflight":           "AWS.SimpleQueueService.MessageNotInflight",
		"PurgeQueueInProgress":         "AWS.SimpleQueueService.PurgeQueueInProgress",
		"InvalidMessageContents":       "InvalidMessageContents",
		"OverLimit":                    "OverLimit",
	})
}

// SQS's message limits.
const (
	sqsMaxBatch       = 10
	sqsMaxAttributes  = 10
	sqsDedupWindow    = 5 * time.Minute
	sqsPurgeInterval  = 60 * time.Second
	sqsMaxWaitSeconds = 20
)

type sqsMessagesState struct {
	// sqsMsgQueues are the messages of each queue, by the queue itself (a
	// queue deleted and made again is another).
	sqsMsgQueues map[*sqsQueue]*sqsMsgQueue
	// sqsMsgWake is closed, and replaced, whenever a message may have become
	// receivable: what long polls and pollers wait on.
	sqsMsgWake chan struct{}
	sqsMsgSeq  int64
}

func newSQSMessagesState() sqsMessagesState {
	return sqsMessagesState{sqsMsgQueues: map[*sqsQueue]*sqsMsgQueue{}, sqsMsgWake: make(chan struct{})}
}

type sqsMsgQueue struct {
	msgs   []*sqsMessage // in the order sent
	dedup  map[string]sqsDedup
	purged time.Time
}

type sqsDedup struct {
	id, seq string
	at      time.Time
}

type sqsMessage struct {
	id, body, md5Body  string
	attrs              map[string]sqsMessageAttribute
	traceHeader        string
	sent, firstReceive time.Time
	// visibleAt is when the message can be received: its delay, then its
	// visibility timeout.
	visibleAt           time.Time
	receives            int
	receipt             string
	group, dedupID, seq string
	deadLetterSource    string
}

// sqsMessageAttribute is a message attribute as the JSON protocol carries it.
type sqsMessageAttribute struct {
	DataType         string   `json:"DataType"`
	StringValue      *string  `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
}

// QueueMessage is a snapshot of a message in a queue.
type QueueMessage struct {
	MessageID string
	Body      string
	// MessageAttributes are the String and Number attributes' values, and
	// the Binary ones' in base64.
	MessageAttributes map[string]string
	ReceiveCount      int
	// InFlight: received and not visible again yet; Delayed: not yet
	// visible after its delay.
	InFlight, Delayed bool
	Sent              time.Time
	MessageGroupID    string
	// DeadLetterQueueSourceArn is the queue it was moved from, if it was.
	DeadLetterQueueSourceArn string
}

// sqsWake tells waiters that a message may have become receivable.
func (s *Server) sqsWake() {
	close(s.sqsMsgWake)
	s.sqsMsgWake = make(chan struct{})
}

// sqsMsgsOf returns a queue's messages, without those past retention, and
// forgets the messages of deleted queues (s.mu held).
func (s *Server) sqsMsgsOf(q *sqsQueue, now time.Time) *sqsMsgQueue {
	for k := range s.sqsMsgQueues {
		if s.queues[k.arn()] != k {
			delete(s.sqsMsgQueues, k)
		}
	}
	mq := s.sqsMsgQueues[q]
	if mq == nil {
		mq = &sqsMsgQueue{dedup: map[string]sqsDedup{}}
		s.sqsMsgQueues[q] = mq
	}
	retention := time.Duration(sqsAttrInt(q, "MessageRetentionPeriod", 345600)) * time.Second
	kept := mq.msgs[:0]
	for _, m := range mq.msgs {
		if now.Sub(m.sent) < retention {
			kept = append(kept, m)
		}
	}
	clear(mq.msgs[len(kept):])
	mq.msgs = kept
	return mq
}

func sqsAttrInt(q *sqsQueue, name string, def int) int {
	if n, err := strconv.Atoi(q.attrs[name]); err == nil {
		return n
	}
	return def
}

// sqsApproximateCounts sets the ApproximateNumberOfMessages* attributes of
// all (q's attributes, as GetQueueAttributes answers them) from its
// messages (s.mu held).
func (s *Server) sqsApproximateCounts(q *sqsQueue, all map[string]string) {
	now := time.Now()
	var visible, inFlight, delayed int
	for _, m := range s.sqsMsgsOf(q, now).msgs {
		switch {
		case !m.visibleAt.After(now):
			visible++
		case m.receives > 0:
			inFlight++
		default:
			delayed++
		}
	}
	all["ApproximateNumberOfMessages"] = strconv.Itoa(visible)
	all["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(inFlight)
	all["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(delayed)
}

// MD5 digests as SQS computes them.

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// sqsAttributesMD5 is the MD5 of message attributes: for each, by name, the
// name, the data type, a transport byte (1 string, 2 binary) and the value,
// each string preceded by its length (4 bytes, big-endian). "" for none.
func sqsAttributesMD5(attrs map[string]sqsMessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		md5Field(h, []byte(name))
		md5Field(h, []byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			md5Field(h, a.BinaryValue)
			continue
		}
		h.Write([]byte{1})
		md5Field(h, []byte(derefString(a.StringValue)))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func md5Field(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// stringAttributes makes String message attributes of a map.
func stringAttributes(m map[string]string) map[string]sqsMessageAttribute {
	out := make(map[string]sqsMessageAttribute, len(m))
	for k, v := range m {
		out[k] = sqsMessageAttribute{DataType: "String", StringValue: &v}
	}
	return out
}

// Sending.

var (
	sqsAttrNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	sqsBatchIDRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
)

// sqsSendIn is SendMessage's request and SendMessageBatch's entry.
type sqsSendIn struct {
	QueueUrl                string
	Id                      string
	MessageBody             *string
	DelaySeconds            *int32
	MessageAttributes       map[string]sqsMessageAttribute
	MessageSystemAttributes map[string]sqsMessageAttribute
	MessageDeduplicationId  *string
	MessageGroupId          *string
}

// sqsValidBody tells whether a body holds only the characters SQS takes.
func sqsValidBody(body string) bool {
	for _, r := range body {
		ok := r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
		if !ok || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// sqsCheckMessageAttributes checks message attributes and returns their size.
func sqsCheckMessageAttributes(attrs map[string]sqsMessageAttribute) (int, *apiError) {
	if len(attrs) > sqsMaxAttributes {
		return 0, sqsError("InvalidParameterValue", "Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), sqsMaxAttributes)
	}
	size := 0
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		lower := strings.ToLower(name)
		if !sqsAttrNameRe.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return 0, sqsError("InvalidParameterValue", "Message (user) attribute name '%s' is invalid.", name)
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case base == "Binary" && len(a.BinaryValue) > 0:
		case (base == "String" || base == "Number") && a.StringValue != nil && *a.StringValue != "":
			if _, err := strconv.ParseFloat(*a.StringValue, 64); base == "Number" && err != nil {
				return 0, sqsError("InvalidParameterValue", "Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
		case base != "Binary" && base != "String" && base != "Number":
			return 0, sqsError("InvalidParameterValue", "The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		default:
			return 0, sqsError("InvalidParameterValue", "The message (user) attribute '%s' must contain a non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
		size += len(name) + len(a.DataType) + len(derefString(a.StringValue)) + len(a.BinaryValue)
	}
	return size, nil
}

// sqsSend checks and queues one message (s.mu held) and returns its
// answer: MessageId, the MD5s and, on FIFO queues, SequenceNumber.
func (s *Server) sqsSend(q *sqsQueue, in sqsSendIn) (map[string]any, *apiError) {
	if in.MessageBody == nil || *in.MessageBody == "" {
		return nil, sqsError("MissingParameter", "The request must contain the parameter MessageBody.")
	}
	body := *in.MessageBody
	if !sqsValidBody(body) {
		return nil, sqsError("InvalidMessageContents", "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	size, err := sqsCheckMessageAttributes(in.MessageAttributes)
	if err != nil {
		return nil, err
	}
	trace := ""
	for name, a := range in.MessageSystemAttributes {
		if name != "AWSTraceHeader" || a.DataType != "String" || a.StringValue == nil {
			return nil, sqsError("InvalidParameterValue", "Message system attribute name '%s' is invalid.", name)
		}
		trace = *a.StringValue
	}
	if limit := sqsAttrInt(q, "MaximumMessageSize", sqsDefaultMaxMessageSize); len(body)+size > limit {
		return nil, sqsError("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", limit)
	}
	delay := sqsAttrInt(q, "DelaySeconds", 0)
	if in.DelaySeconds != nil {
		if q.fifo {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *in.DelaySeconds)
		}
		if *in.DelaySeconds < 0 || *in.DelaySeconds > 900 {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *in.DelaySeconds)
		}
		delay = int(*in.DelaySeconds)
	}
	now := time.Now()
	mq := s.sqsMsgsOf(q, now)
	m := &sqsMessage{id: newID(), body: body, md5Body: md5Hex([]byte(body)), attrs: in.MessageAttributes, traceHeader: trace,
		sent: now, visibleAt: now.Add(time.Duration(delay) * time.Second)}
	if q.fifo {
		m.group, m.dedupID = derefString(in.MessageGroupId), derefString(in.MessageDeduplicationId)
		if m.group == "" {
			return nil, sqsError("MissingParameter", "The request must contain the parameter MessageGroupId.")
		}
		if m.dedupID == "" && q.attrs["ContentBasedDeduplication"] == "true" {
			sum := sha256Hex(body)
			m.dedupID = sum
		}
		if m.dedupID == "" {
			return nil, sqsError("InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		key := m.dedupID
		if q.attrs["DeduplicationScope"] == "messageGroup" {
			key = m.group + "\x00" + key
		}
		if d, ok := mq.dedup[key]; ok && now.Sub(d.at) < sqsDedupWindow {
			return s.sqsSendAnswer(&sqsMessage{id: d.id, md5Body: m.md5Body, attrs: m.attrs, seq: d.seq, traceHeader: trace}), nil
		}
		s.sqsMsgSeq++
		m.seq = fmt.Sprintf("%020d", s.sqsMsgSeq)
		mq.dedup[key] = sqsDedup{id: m.id, seq: m.seq, at: now}
	} else if in.MessageGroupId != nil {
		m.group = *in.MessageGroupId
	}
	mq.msgs = append(mq.msgs, m)
	s.sqsWake()
	s.esmEnsureSupervisor()
	return s.sqsSendAnswer(m), nil
}

func (s *Server) sqsSendAnswer(m *sqsMessage) map[string]any {
	out := map[string]any{"MessageId": m.id, "MD5OfMessageBody": m.md5Body}
	if md := sqsAttributesMD5(m.attrs); md != "" {
		out["MD5OfMessageAttributes"] = md
	}
	if m.traceHeader != "" {
		out["MD5OfMessageSystemAttributes"] = sqsAttributesMD5(map[string]sqsMessageAttribute{
			"AWSTraceHeader": {DataType: "String", StringValue: &m.traceHeader}})
	}
	if m.seq != "" {
		out["SequenceNumber"] = m.seq
	}
	return out
}

// sqsSendInternal sends a message to the queue of an ARN, as another
// service does (s.mu held); a FIFO queue without a group id gets the group
// "default" and, without a deduplication id, one of the body.
func (s *Server) sqsSendInternal(queueArn, body string, attrs map[string]sqsMessageAttribute, group, dedup string) *apiError {
	q := s.queues[queueArn]
	if q == nil {
		return sqsNoQueue()
	}
	in := sqsSendIn{MessageBody: &body, MessageAttributes: attrs}
	if q.fifo {
		if group == "" {
			group = "default"
		}
		if dedup == "" {
			dedup = sha256Hex(body)
		}
		in.MessageGroupId, in.MessageDeduplicationId = &group, &dedup
	}
	_, err := s.sqsSend(q, in)
	return err
}

func (s *Server) sqsSendMessage(body []byte) (any, *apiError) {
	var in sqsSendIn
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return s.sqsSend(q, in)
}

// sqsBatchFailure is a failed entry of a batch.
func sqsBatchFailure(id string, err *apiError) map[string]any {
	code := err.Code
	if qc := sqsQueryCodes[code]; qc != "" {
		code = qc
	}
	return map[string]any{"Id": id, "SenderFault": true, "Code": code, "Message": err.Message}
}

// sqsCheckBatch checks a batch's entry ids.
func sqsCheckBatch(ids []string, entry string) *apiError {
	if len(ids) == 0 {
		return sqsError("EmptyBatchRequest", "There should be at least one %s in the request.", entry)
	}
	if len(ids) > sqsMaxBatch {
		return sqsError("TooManyEntriesInBatchRequest", "Maximum number of entries per request are %d. You have sent %d.", sqsMaxBatch, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !sqsBatchIDRe.MatchString(id) {
			return sqsError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return sqsError("BatchEntryIdsNotDistinct", "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

func (s *Server) sqsSendMessageBatch(body []byte) (any, *apiError) {
	var in struct {
		QueueUrl string
		Entries  []sqsSendIn
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids, size := make([]string, len(in.Entries)), 0
	for i, e := range in.Entries {
		ids[i] = e.Id
		size += len(derefString(e.MessageBody))
	}
	if err := sqsCheckBatch(ids, "SendMessageBatchRequestEntry"); err != nil {
		return nil, err
	}
	if limit := sqsAttrInt(q, "MaximumMessageSize", sqsDefaultMaxMessageSize); size > limit {
		return nil, sqsError("BatchRequestTooLong", "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", limit, size)
	}
	ok, failed := []any{}, []any{}
	for _, e := range in.Entries {
		out, err := s.sqsSend(q, e)
		if err != nil {
			failed = append(failed, sqsBatchFailure(e.Id, err))
			continue
		}
		out["Id"] = e.Id
		ok = append(ok, out)
	}
	return map[string]any{"Successful": ok, "Failed": failed}, nil
}

// Receiving.

// sqsReceive takes up to limit receivable messages of q and makes them
// invisible for vis (s.mu held), moving those received too often to the
// dead-letter queue.
func (s *Server) sqsReceive(q *sqsQueue, limit int, vis time.Duration, now time.Time) []*sqsMessage {
	mq := s.sqsMsgsOf(q, now)
	dlq, maxReceives := s.sqsDeadLetterQueue(q)
	var out, moved []*sqsMessage
	busy := map[string]bool{}
	for _, m := range mq.msgs {
		if len(out) == limit {
			break
		}
		if m.visibleAt.After(now) {
			if q.fifo && m.receives > 0 {
				busy[m.group] = true
			}
			continue
		}
		if q.fifo && busy[m.group] {
			continue
		}
		if dlq != nil && m.receives >= maxReceives {
			moved = append(moved, m)
			continue
		}
		m.receives++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.visibleAt = now.Add(vis)
		m.receipt = base64.RawURLEncoding.EncodeToString([]byte(q.arn() + " " + m.id + " " + newID()))
		out = append(out, m)
	}
	for _, m := range moved {
		s.sqsRemove(mq, m)
		m.receives, m.firstReceive, m.receipt, m.visibleAt = 0, time.Time{}, "", now
		m.deadLetterSource = q.arn()
		dmq := s.sqsMsgsOf(dlq, now)
		dmq.msgs = append(dmq.msgs, m)
	}
	if len(moved) > 0 {
		s.sqsWake()
	}
	return out
}

// sqsDeadLetterQueue is q's dead-letter queue, if its RedrivePolicy names
// one that exists, and its maxReceiveCount.
func (s *Server) sqsDeadLetterQueue(q *sqsQueue) (*sqsQueue, int) {
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}
	if q.attrs["RedrivePolicy"] == "" || json.Unmarshal([]byte(q.attrs["RedrivePolicy"]), &p) != nil || p.MaxReceiveCount < 1 {
		return nil, 0
	}
	return s.queues[p.DeadLetterTargetArn], p.MaxReceiveCount
}

func (s *Server) sqsRemove(mq *sqsMsgQueue, m *sqsMessage) {
	for i, x := range mq.msgs {
		if x == m {
			mq.msgs = append(mq.msgs[:i], mq.msgs[i+1:]...)
			return
		}
	}
}

// sqsNextVisible is when the next message of q becomes receivable, if one
// is waiting (zero otherwise).
func (s *Server) sqsNextVisible(q *sqsQueue, now time.Time) time.Time {
	var next time.Time
	for _, m := range s.sqsMsgsOf(q, now).msgs {
		if m.visibleAt.After(now) && (next.IsZero() || m.visibleAt.Before(next)) {
			next = m.visibleAt
		}
	}
	return next
}

// sqsWait waits, with s.mu released, until a message may have become
// receivable, until, or the server closes; it reports false for the last.
func (s *Server) sqsWait(ctx context.Context, until time.Time) bool {
	wake := s.sqsMsgWake
	open := true
	s.unlocked(func() {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			open = false
		}
	})
	return open
}

// sqsReceiveWait receives from q, waiting up to wait for a message.
func (s *Server) sqsReceiveWait(ctx context.Context, q *sqsQueue, limit int, vis, wait time.Duration) ([]*sqsMessage, *apiError) {
	deadline := time.Now().Add(wait)
	for {
		now := time.Now()
		if msgs := s.sqsReceive(q, limit, vis, now); len(msgs) > 0 || !now.Before(deadline) || ctx.Err() != nil {
			return msgs, nil
		}
		until := deadline
		if next := s.sqsNextVisible(q, now); !next.IsZero() && next.Before(until) {
			until = next
		}
		if !s.sqsWait(ctx, until) {
			return nil, nil
		}
		if s.queues[q.arn()] != q {
			return nil, sqsNoQueue()
		}
	}
}

func sqsRangeError(param string, v int32, reason string) *apiError {
	return sqsError("InvalidParameterValue", "Value %d for parameter %s is invalid. Reason: %s", v, param, reason)
}

func (s *Server) sqsReceiveMessage(body []byte) (any, *apiError) {
	var in struct {
		QueueUrl                                                string
		AttributeNames, MessageSystemAttributeNames             []string
		MessageAttributeNames                                   []string
		MaxNumberOfMessages, VisibilityTimeout, WaitTimeSeconds *int32
		ReceiveRequestAttemptId                                 string
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	limit, vis, wait := 1, sqsAttrInt(q, "VisibilityTimeout", 30), sqsAttrInt(q, "ReceiveMessageWaitTimeSeconds", 0)
	if v := in.MaxNumberOfMessages; v != nil {
		if *v < 1 || *v > sqsMaxBatch {
			return nil, sqsRangeError("MaxNumberOfMessages", *v, "Must be between 1 and 10, if provided.")
		}
		limit = int(*v)
	}
	if v := in.VisibilityTimeout; v != nil {
		if *v < 0 || *v > 43200 {
			return nil, sqsRangeError("VisibilityTimeout", *v, "Must be >= 0 and <= 43200, if provided.")
		}
		vis = int(*v)
	}
	if v := in.WaitTimeSeconds; v != nil {
		if *v < 0 || *v > sqsMaxWaitSeconds {
			return nil, sqsRangeError("WaitTimeSeconds", *v, "Must be >= 0 and <= 20, if provided.")
		}
		wait = int(*v)
	}
	msgs, err := s.sqsReceiveWait(s.bgCtx, q, limit, time.Duration(vis)*time.Second, time.Duration(wait)*time.Second)
	if err != nil {
		return nil, err
	}
	sys := append(in.MessageSystemAttributeNames, in.AttributeNames...)
	out := []any{}
	for _, m := range msgs {
		out = append(out, s.sqsMessageOut(q, m, sys, in.MessageAttributeNames))
	}
	if len(out) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Messages": out}, nil
}

// sqsSystemAttributes are a received message's system attributes.
func (s *Server) sqsSystemAttributes(q *sqsQueue, m *sqsMessage) map[string]string {
	out := map[string]string{
		"ApproximateReceiveCount":          strconv.Itoa(m.receives),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
		"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
		"SenderId":                         q.account,
	}
	if m.traceHeader != "" {
		out["AWSTraceHeader"] = m.traceHeader
	}
	if m.deadLetterSource != "" {
		out["DeadLetterQueueSourceArn"] = m.deadLetterSource
	}
	if q.fifo {
		out["MessageGroupId"], out["MessageDeduplicationId"], out["SequenceNumber"] = m.group, m.dedupID, m.seq
	}
	return out
}

// sqsSelected tells whether names select name: All, .*, the name, or a
// prefix.* it starts with.
func sqsSelected(names []string, name string) bool {
	for _, n := range names {
		if n == "All" || n == ".*" || n == name || (strings.HasSuffix(n, ".*") && strings.HasPrefix(name, strings.TrimSuffix(n, "*"))) {
			return true
		}
	}
	return false
}

// sqsMessageOut is a received message as ReceiveMessage answers it.
func (s *Server) sqsMessageOut(q *sqsQueue, m *sqsMessage, sysNames, attrNames []string) map[string]any {
	out := map[string]any{"MessageId": m.id, "ReceiptHandle": m.receipt, "MD5OfBody": m.md5Body, "Body": m.body}
	attrs := map[string]string{}
	for k, v := range s.sqsSystemAttributes(q, m) {
		if sqsSelected(sysNames, k) {
			attrs[k] = v
		}
	}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	user := map[string]sqsMessageAttribute{}
	for k, v := range m.attrs {
		if sqsSelected(attrNames, k) {
			user[k] = v
		}
	}
	if len(user) > 0 {
		out["MessageAttributes"], out["MD5OfMessageAttributes"] = user, sqsAttributesMD5(user)
	}
	return out
}

// Deleting and changing visibility.

// sqsByReceipt finds the message a receipt handle of q names: nil without
// error for a message gone.
func (s *Server) sqsByReceipt(q *sqsQueue, handle string) (*sqsMessage, *apiError) {
	raw, err := base64.RawURLEncoding.DecodeString(handle)
	parts := strings.Split(string(raw), " ")
	if handle == "" || err != nil || len(parts) != 3 || parts[0] != q.arn() {
		return nil, sqsError("ReceiptHandleIsInvalid", "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
	}
	for _, m := range s.sqsMsgsOf(q, time.Now()).msgs {
		if m.id == parts[1] {
			return m, nil
		}
	}
	return nil, nil
}

func (s *Server) sqsDeleteOne(q *sqsQueue, handle string) *apiError {
	m, err := s.sqsByReceipt(q, handle)
	if m != nil {
		s.sqsRemove(s.sqsMsgsOf(q, time.Now()), m)
	}
	return err
}

func (s *Server) sqsDeleteMessage(body []byte) (any, *apiError) {
	var in struct{ QueueUrl, ReceiptHandle string }
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return nil, s.sqsDeleteOne(q, in.ReceiptHandle)
}

type sqsHandleEntry struct {
	Id, ReceiptHandle string
	VisibilityTimeout int32
}

// sqsBatch runs one of the handle batches (delete, change visibility).
func (s *Server) sqsBatch(body []byte, entry string, do func(q *sqsQueue, e sqsHandleEntry) *apiError) (any, *apiError) {
	var in struct {
		QueueUrl string
		Entries  []sqsHandleEntry
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	if err := sqsCheckBatch(ids, entry); err != nil {
		return nil, err
	}
	ok, failed := []any{}, []any{}
	for _, e := range in.Entries {
		if err := do(q, e); err != nil {
			failed = append(failed, sqsBatchFailure(e.Id, err))
			continue
		}
		ok = append(ok, map[string]string{"Id": e.Id})
	}
	return map[string]any{"Successful": ok, "Failed": failed}, nil
}

func (s *Server) sqsDeleteMessageBatch(body []byte) (any, *apiError) {
	return s.sqsBatch(body, "DeleteMessageBatchRequestEntry", func(q *sqsQueue, e sqsHandleEntry) *apiError {
		return s.sqsDeleteOne(q, e.ReceiptHandle)
	})
}

// sqsChangeVisibility makes a message in flight visible after seconds.
func (s *Server) sqsChangeVisibility(q *sqsQueue, handle string, seconds int32) *apiError {
	if seconds < 0 || seconds > 43200 {
		return sqsRangeError("VisibilityTimeout", seconds, "VisibilityTimeout must be >= 0 and <= 43200.")
	}
	m, err := s.sqsByReceipt(q, handle)
	if err != nil {
		return err
	}
	now := time.Now()
	if m == nil || m.receipt != handle || !m.visibleAt.After(now) {
		return sqsError("MessageNotInflight", "Message does not exist or is not available for visibility timeout change.")
	}
	m.visibleAt = now.Add(time.Duration(seconds) * time.Second)
	s.sqsWake()
	return nil
}

func (s *Server) sqsChangeMessageVisibility(body []byte) (any, *apiError) {
	var in struct {
		QueueUrl, ReceiptHandle string
		VisibilityTimeout       *int32
	}
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.VisibilityTimeout == nil {
		return nil, sqsError("MissingParameter", "The request must contain the parameter VisibilityTimeout.")
	}
	return nil, s.sqsChangeVisibility(q, in.ReceiptHandle, *in.VisibilityTimeout)
}

func (s *Server) sqsChangeMessageVisibilityBatch(body []byte) (any, *apiError) {
	return s.sqsBatch(body, "ChangeMessageVisibilityBatchRequestEntry", func(q *sqsQueue, e sqsHandleEntry) *apiError {
		return s.sqsChangeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout)
	})
}

func (s *Server) sqsPurgeQueue(body []byte) (any, *apiError) {
	var in struct{ QueueUrl string }
	q, err := s.sqsDecodeQueue(body, &in, &in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	mq := s.sqsMsgsOf(q, now)
	if !mq.purged.IsZero() && now.Sub(mq.purged) < sqsPurgeInterval {
		return nil, sqsError("PurgeQueueInProgress", "Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.name)
	}
	mq.msgs, mq.purged = nil, now
	return nil, nil
}

// Messages lists the messages of a queue (by name, of AccountID, URL or
// ARN), visible, delayed and in flight, in the order they were sent.
func (s *Server) Messages(queueName string) []QueueMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.sqsFind(queueName)
	if q == nil {
		return nil
	}
	now := time.Now()
	var out []QueueMessage
	for _, m := range s.sqsMsgsOf(q, now).msgs {
		attrs := map[string]string{}
		for k, a := range m.attrs {
			attrs[k] = derefString(a.StringValue)
			if strings.HasPrefix(a.DataType, "Binary") {
				attrs[k] = base64.StdEncoding.EncodeToString(a.BinaryValue)
			}
		}
		waiting := m.visibleAt.After(now)
		out = append(out, QueueMessage{MessageID: m.id, Body: m.body, MessageAttributes: attrs, ReceiveCount: m.receives,
			InFlight: waiting && m.receives > 0, Delayed: waiting && m.receives == 0, Sent: m.sent, MessageGroupID: m.group,
			DeadLetterQueueSourceArn: m.deadLetterSource})
	}
	return out
}
