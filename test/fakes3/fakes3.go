// Package fakes3 runs an S3-compatible server on loopback for the tests and
// benchmarks of kubectl eds publish: gofakes3 with its in-memory backend,
// spoken to through the AWS SDK as S3 itself would be, behind a handler that
// counts the requests that write objects and what they carry, so that a test
// can assert that a second publish uploads nothing.
package fakes3

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running fake S3.
type Server struct {
	// URL is its endpoint (path-style: URL/bucket/key).
	URL string

	backend           *s3mem.Backend
	puts, putBytes    atomic.Int64
	heads, otherCalls atomic.Int64
}

// Start starts a server on 127.0.0.1 with the given buckets; it stops when
// the test ends.
func Start(tb testing.TB, buckets ...string) *Server {
	tb.Helper()
	s := &Server{backend: s3mem.New()}
	for _, b := range buckets {
		if err := s.backend.CreateBucket(b); err != nil {
			tb.Fatal(err)
		}
	}
	faker := gofakes3.New(s.backend)
	srv := httptest.NewServer(s.count(faker.Server()))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// count counts each request by what it does.
func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Path-style: /bucket/key; a PUT of /bucket alone creates a bucket.
		isObject := strings.Contains(strings.TrimPrefix(r.URL.Path, "/"), "/")
		switch {
		case r.Method == http.MethodPut && isObject:
			s.puts.Add(1)
			s.putBytes.Add(objectBytes(r))
		case r.Method == http.MethodHead:
			s.heads.Add(1)
		default:
			s.otherCalls.Add(1)
		}
		next.ServeHTTP(w, r)
	})
}

// objectBytes is the size of the object a PUT carries: with the SDK's
// aws-chunked encoding, the decoded length, not the framing's.
func objectBytes(r *http.Request) int64 {
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return r.ContentLength
}

// Puts is how many object writes (PutObject, or parts) the server received.
func (s *Server) Puts() int64 { return s.puts.Load() }

// PutBytes is how many object bytes those writes carried.
func (s *Server) PutBytes() int64 { return s.putBytes.Load() }

// Heads is how many HeadObject (or HeadBucket) requests it received.
func (s *Server) Heads() int64 { return s.heads.Load() }

// Object returns an object's content, or false when there is none.
func (s *Server) Object(bucket, key string) ([]byte, bool) {
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		return nil, false
	}
	defer obj.Contents.Close()
	b, err := io.ReadAll(obj.Contents)
	return b, err == nil
}

// Client returns an SDK client for the server: static credentials,
// path-style addressing.
func (s *Server) Client(tb testing.TB) *s3.Client {
	tb.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		tb.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.URL)
		o.UsePathStyle = true
	})
}
