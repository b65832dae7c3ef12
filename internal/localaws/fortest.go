package localaws

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TB is the part of testing.TB that StartForTest uses (the package does not
// import testing: run-local ships it).
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// StartForTest starts s on loopback for the test, closes it when the test
// ends, and returns an AWS configuration that reaches it: us-east-1, static
// credentials, and no retries, so that a fault the test injects reaches the
// code under test.
func (s *Server) StartForTest(t TB) aws.Config {
	t.Helper()
	url, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		BaseEndpoint: aws.String(url),
	}
}
