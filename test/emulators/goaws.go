package emulators

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

const (
	// GoawsModule is the SNS server the tests run, at the version they pin.
	GoawsModule  = "github.com/Admiral-Piett/goaws"
	GoawsVersion = "v0.4.5"
	// TopicName is the seed's topic; goaws creates it at start, subscribed
	// over HTTP to the test binary's NotificationSink.
	TopicName = "event-notifications"
	// AccountID is the account goaws puts in ARNs.
	AccountID = "100010001000"
)

// TopicARN is the ARN of the seed's topic on goaws.
var TopicARN = fmt.Sprintf("arn:aws:sns:%s:%s:%s", Region, AccountID, TopicName)

var goaws struct {
	once     sync.Once
	endpoint string
	sink     *NotificationSink
	err      error
	skip     string
}

// SNS returns the endpoint of the test binary's goaws and the sink its topic
// delivers to, starting both on first use.
func SNS(t testing.TB) (endpoint string, sink *NotificationSink) {
	t.Helper()
	goaws.once.Do(startGoaws)
	if goaws.skip != "" {
		unavailable(t, "%s", goaws.skip)
	}
	if goaws.err != nil {
		t.Fatalf("starting goaws: %v", goaws.err)
	}
	return goaws.endpoint, goaws.sink
}

// SNSClient returns an SNS client of the test binary's goaws and the sink its
// topic delivers to.
func SNSClient(t testing.TB) (*sns.Client, *NotificationSink) {
	t.Helper()
	endpoint, sink := SNS(t)
	return sns.NewFromConfig(AWSConfig(), func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) }), sink
}

func startGoaws() {
	bin, err := goawsBinary()
	if err != nil {
		goaws.skip = fmt.Sprintf("goaws %s could not be built (it comes from the Go module proxy): %v", GoawsVersion, err)
		return
	}
	sink := newNotificationSink()
	onStop(sink.server.Close)
	dir, err := os.MkdirTemp("", "goaws-")
	if err != nil {
		goaws.err = err
		return
	}
	onStop(func() { _ = os.RemoveAll(dir) })
	// The port is chosen before goaws binds it (goaws takes a port, not a
	// listener), so a lost race is retried with another port.
	for attempt := 1; attempt <= 3; attempt++ {
		port, err := freePort()
		if err != nil {
			goaws.err = err
			return
		}
		config := filepath.Join(dir, "goaws.yaml")
		if err := os.WriteFile(config, []byte(goawsConfig(port, sink.URL())), 0o600); err != nil {
			goaws.err = err
			return
		}
		cmd := exec.Command(bin, "-config", config, "Test")
		cmd.Dir = dir
		p, stdout, err := startProcess("goaws", cmd)
		if err != nil {
			goaws.err = err
			return
		}
		go func() { _, _ = io.Copy(p.logs, stdout) }()
		addr := "127.0.0.1:" + strconv.Itoa(port)
		if err := waitHTTP("http://"+addr+"/health", startTimeout, p.done); err != nil {
			goaws.err = fmt.Errorf("goaws on %s: %w; its output: %s", addr, err, p.logs)
			p.stop()
			continue
		}
		goaws.endpoint, goaws.sink, goaws.err = "http://"+addr, sink, nil
		return
	}
}

// goawsConfig is goaws's configuration: the seed's topic, delivering every
// message (not raw, so the message attributes come along) to the sink.
func goawsConfig(port int, sinkURL string) string {
	return fmt.Sprintf(`Test:
  Host: 127.0.0.1
  Port: %d
  Region: %s
  AccountId: "%s"
  LogToFile: false
  QueueAttributeDefaults:
    VisibilityTimeout: 30
  Topics:
    - Name: %s
      Subscriptions:
        - Protocol: http
          EndPoint: %s
          TopicArn: %s
          Raw: false
`, port, Region, AccountID, TopicName, sinkURL, TopicARN)
}

// goawsBinary builds goaws once per machine into the user cache directory
// (go install through the module proxy, outside this module so its
// dependencies stay out of go.mod). Each build goes to a folder of its own and
// is renamed into place, so test binaries building at once do not collide.
func goawsBinary() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "eventstack-operator")
	bin := filepath.Join(dir, "goaws-"+GoawsVersion)
	if info, err := os.Stat(bin); err == nil && info.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gobin, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(gobin)
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "install", GoawsModule+"/app/cmd@"+GoawsVersion)
	cmd.Dir = gobin
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s/app/cmd@%s: %v: %s", GoawsModule, GoawsVersion, err, out)
	}
	if err := os.Rename(filepath.Join(gobin, "cmd"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// waitHTTP waits until url answers 200, within timeout.
func waitHTTP(url string, timeout time.Duration, exited <-chan struct{}) error {
	client := &http.Client{Timeout: 500 * time.Millisecond}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("the process exited")
		default:
		}
		if resp, err := client.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer within %s", url, timeout)
}

// Notification is a message as SNS delivers it to an HTTP subscriber.
type Notification struct {
	Type              string                      `json:"Type"`
	MessageID         string                      `json:"MessageId"`
	TopicArn          string                      `json:"TopicArn"`
	Subject           string                      `json:"Subject"`
	Message           string                      `json:"Message"`
	MessageAttributes map[string]NotificationAttr `json:"MessageAttributes"`
}

// NotificationAttr is a message attribute as SNS delivers it over HTTP.
type NotificationAttr struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// NotificationSink is the HTTP endpoint subscribed to the topic: it records
// every notification goaws delivers.
type NotificationSink struct {
	server *httptest.Server
	mu     sync.Mutex
	got    []Notification
}

func newNotificationSink() *NotificationSink {
	s := &NotificationSink{}
	s.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var n Notification
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, "not an SNS message: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.got = append(s.got, n)
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	return s
}

// URL is the sink's endpoint.
func (s *NotificationSink) URL() string { return s.server.URL }

// Matching returns the notifications delivered so far that match.
func (s *NotificationSink) Matching(match func(Notification) bool) []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Notification
	for _, n := range s.got {
		if n.Type == "Notification" && match(n) {
			out = append(out, n)
		}
	}
	return out
}

// WithAttribute matches notifications whose attribute name has value.
func WithAttribute(name, value string) func(Notification) bool {
	return func(n Notification) bool { return n.MessageAttributes[name].Value == value }
}
