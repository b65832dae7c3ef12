// Package dlq sends refused input to a function's dead-letter queue, the
// queue whose URL the operator puts in DEAD_LETTER_QUEUE_URL (the same queue
// Lambda itself uses for asynchronous invocations that failed every retry).
//
// A message looks like the ones Lambda sends there: the body is the input
// exactly as the function received it, so it can be inspected and redriven,
// and the attributes say why (ErrorCode, ErrorMessage) and what it was
// (EventId, Function).
package dlq

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// MessageSender is the one SQS call the package makes.
type MessageSender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// ErrNoQueue means the function has no dead-letter queue configured.
var ErrNoQueue = errors.New("no dead-letter queue is configured (DEAD_LETTER_QUEUE_URL is empty)")

// Message attributes of a dead-letter message.
const (
	AttrErrorCode    = "ErrorCode"
	AttrErrorMessage = "ErrorMessage"
	AttrEventID      = "EventId"
	AttrFunction     = "Function"
	AttrBodyEncoding = "BodyEncoding" // "base64" when the input was not sendable as text
)

// maxErrorMessageBytes bounds the reason attribute; the body carries the rest.
const maxErrorMessageBytes = 4096

// Sender sends to one dead-letter queue.
type Sender struct {
	Client   MessageSender
	QueueURL string
	Function string
}

// Enabled reports whether a queue is configured.
func (s *Sender) Enabled() bool { return s != nil && s.Client != nil && s.QueueURL != "" }

// Send sends body, refused with code and reason, to the queue. SQS takes only
// some Unicode characters in a body; input with others (it was malformed, that
// is why it is here) is sent base64-encoded, said by the BodyEncoding
// attribute, rather than lost.
func (s *Sender) Send(ctx context.Context, body []byte, eventID, code, reason string) error {
	if !s.Enabled() {
		return ErrNoQueue
	}
	text, encoding := string(body), ""
	if len(body) == 0 || !sqsText(text) {
		text, encoding = base64.StdEncoding.EncodeToString(body), "base64"
	}
	attrs := map[string]types.MessageAttributeValue{
		AttrErrorCode:    stringAttr(code),
		AttrErrorMessage: stringAttr(clip(reason, maxErrorMessageBytes)),
		AttrFunction:     stringAttr(s.Function),
	}
	if eventID != "" {
		attrs[AttrEventID] = stringAttr(clip(eventID, 256))
	}
	if encoding != "" {
		attrs[AttrBodyEncoding] = stringAttr(encoding)
	}
	_, err := s.Client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:          aws.String(s.QueueURL),
		MessageBody:       aws.String(text),
		MessageAttributes: attrs,
	})
	if err != nil {
		return fmt.Errorf("sending to the dead-letter queue %s: %w", s.QueueURL, err)
	}
	return nil
}

func stringAttr(v string) types.MessageAttributeValue {
	if v == "" {
		v = "-" // SQS refuses empty attribute values
	}
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// sqsText reports whether SQS accepts s as a message body: valid UTF-8 of
// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
func sqsText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// clip cuts s to at most limit bytes on a rune boundary, and makes it valid
// UTF-8 and sendable.
func clip(s string, limit int) string {
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if !sqsText(s) {
		out := make([]rune, 0, len(s))
		for _, r := range s {
			if sqsText(string(r)) {
				out = append(out, r)
			} else {
				out = append(out, '?')
			}
		}
		s = string(out)
	}
	return s
}
