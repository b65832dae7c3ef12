package publish

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
	"github.com/eventstack-io/eventstack-operator/test/fakes3"
)

const seedPath = "../../../config/samples/stacks_v1alpha1_eventdrivenstack.yaml"

var seedFunctions = []string{"event-order-processor", "event-inventory-processor", "event-notification-processor"}

func seed(t *testing.T) (*v1alpha1.EventDrivenStack, []byte) {
	t.Helper()
	raw, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	stack, err := stackfile.Read(bytes.NewReader(raw), seedPath, "")
	if err != nil {
		t.Fatal(err)
	}
	return stack, raw
}

// scriptZips writes, for each function, a zip whose bootstrap is a script
// naming it (no build: these tests are about matching and uploading).
func scriptZips(t *testing.T, functions ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	out := map[string]string{}
	for _, fn := range functions {
		data, err := lambdazip.Pack([]byte("#!/bin/sh\n# " + fn + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fn+".zip")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out[fn] = path
	}
	return out
}

// TestEveryFunctionWithoutAHandlerIsNamed: with no handler folder and no
// --function, publish fails before building anything and names each
// function; --skip-missing leaves them as they are (their bucket too).
func TestEveryFunctionWithoutAHandlerIsNamed(t *testing.T) {
	stack, _ := seed(t)
	empty := t.TempDir()
	given := scriptZips(t, "event-order-processor")
	_, err := Prepare(context.Background(), stack, Options{LambdasDir: empty, Sources: given})
	if err == nil {
		t.Fatal("no error for two functions without a handler")
	}
	for _, want := range []string{"no handler for event-inventory-processor, event-notification-processor", empty, "--skip-missing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "event-order-processor") {
		t.Errorf("error %q names the function that has a zip", err)
	}

	results, err := Prepare(context.Background(), stack, Options{LambdasDir: empty, Sources: given, SkipMissing: true, Bucket: "other-bucket"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		published := r.Function == "event-order-processor"
		if r.Published() != published || (!published && (r.State != Skipped || r.Code != stack.Spec.Functions[r.Index].Code)) {
			t.Errorf("%s: published %v, state %q, code %+v", r.Function, r.Published(), r.State, r.Code)
		}
	}
}

// TestImageFunctionsAreSkipped: a function running a container image keeps
// its code, with a note to pin the image by digest; --function for it is an
// error, as is one for a function the stack lacks, or a path that is not there.
func TestImageFunctionsAreSkipped(t *testing.T) {
	stack, _ := seed(t)
	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/notify@sha256:" + strings.Repeat("ab", 32)
	stack.Spec.Functions[2].Code = v1alpha1.FunctionCode{ImageURI: image}
	given := scriptZips(t, "event-order-processor", "event-inventory-processor")
	results, err := Prepare(context.Background(), stack, Options{LambdasDir: t.TempDir(), Sources: given})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[2]; r.Published() || !strings.Contains(r.Skipped, "container image") || !strings.Contains(r.Skipped, "digest") || r.Code.ImageURI != image {
		t.Errorf("the image function: %+v", r)
	}
	if !results[0].Published() || !results[1].Published() {
		t.Errorf("the zip functions are not published: %+v", results[:2])
	}

	for _, tc := range []struct {
		sources map[string]string
		want    string
	}{
		{map[string]string{"event-notification-processor": given["event-order-processor"]}, "--function event-notification-processor: the function runs a container image"},
		{map[string]string{"no-such-function": given["event-order-processor"]}, "the stack has no function no-such-function"},
		{map[string]string{"event-order-processor": "/no/such/zip.zip"}, "--function event-order-processor=/no/such/zip.zip"},
	} {
		_, err := Prepare(context.Background(), stack, Options{LambdasDir: t.TempDir(), Sources: tc.sources, SkipMissing: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("sources %v: err = %v, want %q", tc.sources, err, tc.want)
		}
	}
}

// TestZipForTheOtherArchitectureIsRefused: a zip whose bootstrap is an x86-64
// binary, given for an arm64 function, would fail only when Lambda starts it.
func TestZipForTheOtherArchitectureIsRefused(t *testing.T) {
	stack, _ := seed(t)
	header := make([]byte, 64)
	copy(header, "\x7fELF\x02\x01\x01")
	header[18] = 62 // EM_X86_64
	data, err := lambdazip.Pack(header)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x86.zip")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Prepare(context.Background(), stack, Options{LambdasDir: t.TempDir(), SkipMissing: true,
		Sources: map[string]string{"event-order-processor": path}})
	if err == nil || !strings.Contains(err.Error(), "function event-order-processor") || !strings.Contains(err.Error(), "architecture is arm64") {
		t.Errorf("err = %v, want the function and its architecture named", err)
	}
}

// TestUploadSkipsWhatIsThere, against an S3 server through the SDK: the
// first upload puts each zip under <prefix><function>/<hex sha256>.zip with
// its bytes; the second puts nothing and says so; the bucket is each
// function's own unless Bucket is given.
func TestUploadSkipsWhatIsThere(t *testing.T) {
	stack, _ := seed(t)
	srv := fakes3.Start(t, "eventstack-artifacts", "other-bucket")
	store := srv.Client(t)
	given := scriptZips(t, seedFunctions...)
	results, err := Prepare(context.Background(), stack, Options{Prefix: "code", Sources: given})
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`^code/(event-[a-z]+-processor)/[0-9a-f]{64}\.zip$`)
	for _, r := range results {
		data, _ := os.ReadFile(given[r.Function])
		if m := key.FindStringSubmatch(r.Code.S3Key); m == nil || m[1] != r.Function ||
			r.Code.S3Bucket != "eventstack-artifacts" || r.Code.SHA256 != lambdazip.SHA256(data) || r.Architecture != "arm64" {
			t.Errorf("%s: code %+v, architecture %s", r.Function, r.Code, r.Architecture)
		}
	}
	if err := Upload(context.Background(), store, results); err != nil {
		t.Fatal(err)
	}
	if srv.Puts() != 3 {
		t.Errorf("%d objects put, want 3", srv.Puts())
	}
	for _, r := range results {
		want, _ := os.ReadFile(given[r.Function])
		if got, ok := srv.Object(r.Code.S3Bucket, r.Code.S3Key); !ok || !bytes.Equal(got, want) || r.State != Uploaded {
			t.Errorf("%s: state %q, object found %v and equal %v", r.Function, r.State, ok, bytes.Equal(got, want))
		}
	}

	again, err := Prepare(context.Background(), stack, Options{Prefix: "code", Sources: given})
	if err != nil {
		t.Fatal(err)
	}
	if err := Upload(context.Background(), store, again); err != nil {
		t.Fatal(err)
	}
	if srv.Puts() != 3 {
		t.Errorf("the second upload put %d objects, want none", srv.Puts()-3)
	}
	for _, r := range again {
		if r.State != Present {
			t.Errorf("%s: state %q, want %q", r.Function, r.State, Present)
		}
	}

	other, err := Prepare(context.Background(), stack, Options{Bucket: "other-bucket", Prefix: DefaultPrefix, Sources: given})
	if err != nil {
		t.Fatal(err)
	}
	if err := Upload(context.Background(), store, other); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Object("other-bucket", other[0].Code.S3Key); !ok || !strings.HasPrefix(other[0].Code.S3Key, DefaultPrefix) {
		t.Errorf("--bucket: %+v not in other-bucket", other[0].Code)
	}
}

// TestUploadRefusesAnotherObjectAtItsKey: the key names its content, so an
// object of another size there was written by something else: an error, and
// nothing overwritten.
func TestUploadRefusesAnotherObjectAtItsKey(t *testing.T) {
	stack, _ := seed(t)
	srv := fakes3.Start(t, "eventstack-artifacts")
	store := srv.Client(t)
	results, err := Prepare(context.Background(), stack, Options{Sources: scriptZips(t, seedFunctions...)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("eventstack-artifacts"), Key: aws.String(results[1].Code.S3Key), Body: strings.NewReader("something else"),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = Upload(context.Background(), store, results)
	if err == nil || !strings.Contains(err.Error(), results[1].Code.S3Key) || !strings.Contains(err.Error(), "something else wrote this key") {
		t.Fatalf("err = %v, want the key and the cause", err)
	}
	if got, _ := srv.Object("eventstack-artifacts", results[1].Code.S3Key); string(got) != "something else" {
		t.Error("the object was overwritten")
	}
}

// TestDryRunAndSummary: a dry run marks what it would publish as not
// checked; the summary has a line per function and a total.
func TestDryRunAndSummary(t *testing.T) {
	stack, _ := seed(t)
	stack.Spec.Functions[2].Code = v1alpha1.FunctionCode{ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/notify@sha256:" + strings.Repeat("ab", 32)}
	results, err := Prepare(context.Background(), stack, Options{Sources: scriptZips(t, seedFunctions[:2]...)})
	if err != nil {
		t.Fatal(err)
	}
	DryRun(results)
	var b bytes.Buffer
	if err := WriteSummary(&b, results); err != nil {
		t.Fatal(err)
	}
	summary := b.String()
	t.Log("\n" + summary)
	lines := strings.Split(strings.TrimSpace(summary), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "FUNCTION") {
		t.Fatalf("summary:\n%s", summary)
	}
	for i, r := range results[:2] {
		for _, want := range []string{r.Function, "arm64", r.Code.SHA256[:12] + "…", "s3://eventstack-artifacts/" + r.Code.S3Key, string(NotChecked)} {
			if !strings.Contains(lines[i+1], want) {
				t.Errorf("line %q lacks %q", lines[i+1], want)
			}
		}
	}
	if !strings.Contains(lines[3], "skipped: a container image") {
		t.Errorf("line %q", lines[3])
	}
	if want := "3 functions: 0 uploaded (0 bytes), 2 built, not checked against S3 (dry run), 1 skipped"; lines[4] != want {
		t.Errorf("total %q, want %q", lines[4], want)
	}
}
