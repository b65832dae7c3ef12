package emulators

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQSMessage is a message an SQSRecorder accepted.
type SQSMessage struct {
	QueueURL   string
	Body       string
	Attributes map[string]string // string attributes by name
}

// SQSRecorder is an SQS-compatible endpoint for SendMessage only, in the JSON
// 1.0 protocol of the current SDK's SQS client. It answers as SQS does,
// including the MD5 of the body, which the SDK verifies, and records each
// message. FailNext makes it answer the next n sends with a 500, as SQS does
// when it fails internally.
type SQSRecorder struct {
	server   *httptest.Server
	mu       sync.Mutex
	messages []SQSMessage
	failNext int
	seq      int
}

// NewSQSRecorder starts a recorder on a loopback port, stopped when the test ends.
func NewSQSRecorder(t testing.TB) *SQSRecorder {
	r := &SQSRecorder{}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)
	return r
}

// Client returns a real SDK SQS client of the recorder.
func (r *SQSRecorder) Client() *sqs.Client {
	return sqs.NewFromConfig(AWSConfig(), func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(r.server.URL)
		o.RetryMaxAttempts = 1 // FailNext tests see each failure
	})
}

// QueueURL is a queue URL on the recorder.
func (r *SQSRecorder) QueueURL(name string) string {
	return r.server.URL + "/" + AccountID + "/" + name
}

// Messages returns the messages accepted so far.
func (r *SQSRecorder) Messages() []SQSMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]SQSMessage(nil), r.messages...)
}

// FailNext makes the next n sends fail with a 500.
func (r *SQSRecorder) FailNext(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failNext = n
}

type sqsSendMessage struct {
	QueueURL          string `json:"QueueUrl"`
	MessageBody       string `json:"MessageBody"`
	MessageAttributes map[string]struct {
		DataType    string `json:"DataType"`
		StringValue string `json:"StringValue"`
	} `json:"MessageAttributes"`
}

func (r *SQSRecorder) serve(w http.ResponseWriter, req *http.Request) {
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Query-Error", code+";Sender")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
	}
	if target := req.Header.Get("X-Amz-Target"); target != "AmazonSQS.SendMessage" {
		fail(http.StatusBadRequest, "UnsupportedOperation", "this recorder answers AmazonSQS.SendMessage only, not "+target)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 2<<20))
	if err != nil {
		fail(http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	var in sqsSendMessage
	if err := json.Unmarshal(body, &in); err != nil {
		fail(http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	if in.QueueURL == "" || in.MessageBody == "" {
		fail(http.StatusBadRequest, "MissingParameter", "QueueUrl and MessageBody are required")
		return
	}
	r.mu.Lock()
	if r.failNext > 0 {
		r.failNext--
		r.mu.Unlock()
		fail(http.StatusInternalServerError, "InternalError", "injected failure")
		return
	}
	msg := SQSMessage{QueueURL: in.QueueURL, Body: in.MessageBody, Attributes: map[string]string{}}
	for name, v := range in.MessageAttributes {
		msg.Attributes[name] = v.StringValue
	}
	r.messages = append(r.messages, msg)
	r.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", r.seq)
	r.mu.Unlock()
	sum := md5.Sum([]byte(in.MessageBody))
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": id, "MD5OfMessageBody": hex.EncodeToString(sum[:])})
}
