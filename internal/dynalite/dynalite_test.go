package dynalite

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

func TestStartAnswersAndClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	s, err := Start(ctx, "")
	if errors.Is(err, ErrUnavailable) && !inCI() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.Endpoint(), strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ListTables: HTTP %d", resp.StatusCode)
	}
	s.Close()
	s.Close() // twice is fine
	select {
	case <-s.done:
	default:
		t.Fatal("dynalite still runs after Close")
	}
}

func TestMissingInstallSaysNpmCi(t *testing.T) {
	_, err := Start(context.Background(), t.TempDir())
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("Start without node_modules: %v, want ErrUnavailable saying npm ci", err)
	}
}
