package main_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/test/fakes3"
)

// The seed's bucket, which publish takes from the stack when --bucket is not given.
const seedBucket = "eventstack-artifacts"

// seedCopy copies the seed stack file into a new folder.
func seedCopy(t *testing.T) (path string, raw []byte) {
	t.Helper()
	raw, err := os.ReadFile(localcluster.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "stack.yaml")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, raw
}

// codeLine matches a seed function's code line after publishing.
var codeLine = regexp.MustCompile(`^      code: \{s3Bucket: ` + seedBucket + `, s3Key: (lambdas/(event-[a-z]+-processor)/[0-9a-f]{64}\.zip), sha256: ([A-Za-z0-9+/]{43}=)\}$`)

// changedLines returns the lines of after that differ from before's (the
// files must have as many lines).
func changedLines(t *testing.T, before, after []byte) []string {
	t.Helper()
	b, a := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(b) != len(a) {
		t.Fatalf("the file went from %d lines to %d", len(b), len(a))
	}
	var changed []string
	for i := range a {
		if a[i] != b[i] {
			changed = append(changed, a[i])
		}
	}
	return changed
}

// checkCodeLines checks that each line is a published code line whose key
// holds a zip in the fake S3 with that SHA-256, and returns the SHA-256 by
// function.
func checkCodeLines(t *testing.T, srv *fakes3.Server, lines []string) map[string]string {
	t.Helper()
	shas := map[string]string{}
	for _, line := range lines {
		m := codeLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a published code line: %q", line)
			continue
		}
		key, fn, sha := m[1], m[2], m[3]
		data, ok := srv.Object(seedBucket, key)
		if !ok {
			t.Errorf("%s: no object %s", fn, key)
			continue
		}
		if lambdazip.SHA256(data) != sha || !strings.Contains(key, (&lambdazip.Zip{SHA256: sha}).HexSHA256()) {
			t.Errorf("%s: the object at %s has SHA-256 %s, the stack says %s", fn, key, lambdazip.SHA256(data), sha)
		}
		shas[fn] = sha
	}
	return shas
}

// TestPublishTheSeed is the GitOps loop against an S3 server spoken to
// through the SDK: the seed's three handlers built from lambdas/cmd and
// uploaded, the stack file rewritten in the three code lines only; published
// again, nothing is uploaded and the file stays byte for byte; with one
// handler's source changed, only its zip is uploaded and only its line
// changes.
func TestPublishTheSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the three handlers")
	}
	srv := fakes3.Start(t, seedBucket)
	stackPath, seed := seedCopy(t)
	if err := os.Chmod(stackPath, 0o600); err != nil {
		t.Fatal(err)
	}
	lambdasDir := filepath.Join(localcluster.RepoRoot(), "lambdas", "cmd")
	publish := []string{"publish", "-f", stackPath, "--aws-endpoint-url", srv.URL, "--lambdas-dir", lambdasDir}

	out := mustKubectlEDS(t, publish...)
	t.Log("\n" + out)
	first, err := os.ReadFile(stackPath)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(stackPath); err != nil {
		t.Fatal(err)
	} else if info.Mode().Perm() != 0o600 {
		t.Errorf("the stack file written in place has mode %v, want its mode kept (0600)", info.Mode().Perm())
	}
	changed := changedLines(t, seed, first)
	if len(changed) != 3 || srv.Puts() != 3 {
		t.Fatalf("%d lines changed, %d objects put; want the 3 code lines and 3 objects", len(changed), srv.Puts())
	}
	shas := checkCodeLines(t, srv, changed)
	if !strings.Contains(out, "3 functions: 3 uploaded") || !strings.Contains(out, "commit it") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := stackfile.Read(bytes.NewReader(first), stackPath, ""); err != nil {
		t.Errorf("the published stack is refused: %v", err)
	}

	out = mustKubectlEDS(t, publish...)
	second, _ := os.ReadFile(stackPath)
	if srv.Puts() != 3 || !bytes.Equal(first, second) {
		t.Fatalf("published again: %d more objects put, file changed %v; want none and no", srv.Puts()-3, !bytes.Equal(first, second))
	}
	if !strings.Contains(out, "3 functions: 0 uploaded (0 bytes), 3 already there") || !strings.Contains(out, "unchanged") {
		t.Errorf("output:\n%s", out)
	}

	// One handler's source changed, through a go build overlay, so that the
	// checkout stays as it is.
	const changedFn = "event-notification-processor"
	mainGo := filepath.Join(lambdasDir, changedFn, "main.go")
	src, err := os.ReadFile(mainGo)
	if err != nil {
		t.Fatal(err)
	}
	newSrc := bytes.ReplaceAll(src, []byte(`"cannot start"`), []byte(`"cannot start the notification processor"`))
	if bytes.Equal(newSrc, src) {
		t.Fatal("the handler's source did not change")
	}
	dir := t.TempDir()
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {mainGo: filepath.Join(dir, "main.go")}})
	for path, data := range map[string][]byte{filepath.Join(dir, "main.go"): newSrc, filepath.Join(dir, "overlay.json"): overlay} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOFLAGS", "-buildvcs=false -overlay="+filepath.Join(dir, "overlay.json"))
	out = mustKubectlEDS(t, publish...)
	third, _ := os.ReadFile(stackPath)
	changed = changedLines(t, second, third)
	if len(changed) != 1 || !strings.Contains(changed[0], "lambdas/"+changedFn+"/") || srv.Puts() != 4 {
		t.Fatalf("changed lines %q, %d more objects put; want %s's line and 1 object\n%s", changed, srv.Puts()-3, changedFn, out)
	}
	if newSHA := checkCodeLines(t, srv, changed)[changedFn]; newSHA == shas[changedFn] {
		t.Errorf("the changed handler kept its SHA-256 %s", newSHA)
	}
	if !strings.Contains(out, "3 functions: 1 uploaded") || !strings.Contains(out, "2 already there") {
		t.Errorf("output:\n%s", out)
	}
}

// TestPublishGivenZips, with zips given by --function (no build): a
// function without a handler is named and nothing happens (no upload, the
// file unchanged); --skip-missing leaves it as it is and publishes each zip
// as is; a function that runs an image is skipped with a note; -o stack and
// -o patch print and leave the file alone, as does --dry-run, which calls no
// S3; flags that cannot work are refused.
func TestPublishGivenZips(t *testing.T) {
	srv := fakes3.Start(t, seedBucket)
	stackPath, seed := seedCopy(t)
	empty := t.TempDir()
	zips := map[string]string{}
	for _, fn := range []string{"event-order-processor", "event-inventory-processor"} {
		data, err := lambdazip.Pack([]byte("#!/bin/sh\n# " + fn + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		zips[fn] = filepath.Join(empty, fn+".zip")
		if err := os.WriteFile(zips[fn], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"publish", "-f", stackPath, "--aws-endpoint-url", srv.URL, "--lambdas-dir", filepath.Join(empty, "cmd"),
		"--function", "event-order-processor=" + zips["event-order-processor"],
		"--function", "event-inventory-processor=" + zips["event-inventory-processor"]}

	code, _, stderr := kubectlEDS(t, base...)
	after, _ := os.ReadFile(stackPath)
	if code == 0 || !strings.Contains(stderr, "no handler for event-notification-processor") || srv.Puts() != 0 || !bytes.Equal(after, seed) {
		t.Fatalf("a function without a handler: exit %d, %d objects put, file changed %v:\n%s", code, srv.Puts(), !bytes.Equal(after, seed), stderr)
	}

	out := mustKubectlEDS(t, append(base, "--skip-missing")...)
	after, _ = os.ReadFile(stackPath)
	changed := changedLines(t, seed, after)
	if len(changed) != 2 || srv.Puts() != 2 || !strings.Contains(out, "skipped: no handler in") {
		t.Errorf("--skip-missing: changed %q, %d objects put:\n%s", changed, srv.Puts(), out)
	}
	for fn, path := range zips {
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(after), "s3Key: lambdas/"+fn+"/"+(&lambdazip.Zip{SHA256: lambdazip.SHA256(data)}).HexSHA256()+".zip, sha256: "+lambdazip.SHA256(data)+"}") {
			t.Errorf("%s: the zip given is not published as is", fn)
		}
	}

	image := "123456789012.dkr.ecr.us-east-1.amazonaws.com/notify@sha256:" + strings.Repeat("ab", 32)
	withImage := strings.Replace(string(seed), "code: {s3Bucket: eventstack-artifacts, s3Key: lambdas/event-notification-processor.zip}", "code: {imageURI: "+image+"}", 1)
	if err := os.WriteFile(stackPath, []byte(withImage), 0o644); err != nil {
		t.Fatal(err)
	}
	out = mustKubectlEDS(t, base...)
	after, _ = os.ReadFile(stackPath)
	if !strings.Contains(out, "event-notification-processor") || !strings.Contains(out, "skipped: a container image: pin it by digest") ||
		!strings.Contains(string(after), "code: {imageURI: "+image+"}") || len(changedLines(t, []byte(withImage), after)) != 2 {
		t.Errorf("an image function:\n%s", out)
	}

	// The other outputs leave the file alone and print the summary on
	// standard error; a dry run calls no S3 at all.
	if err := os.WriteFile(stackPath, seed, 0o644); err != nil {
		t.Fatal(err)
	}
	heads := srv.Heads()
	for _, tc := range []struct {
		output, wantOut, wantErr string
	}{
		{"stack", "code: {s3Bucket: eventstack-artifacts, s3Key: lambdas/event-order-processor/", "2 already there"},
		{"patch", "- op: replace\n  path: /spec/functions/0/code\n", "2 already there"},
	} {
		code, stdout, stderr := kubectlEDS(t, append(base, "--skip-missing", "-o", tc.output)...)
		if code != 0 || !strings.Contains(stdout, tc.wantOut) || !strings.Contains(stderr, tc.wantErr) {
			t.Errorf("-o %s: exit %d\n%s\n%s", tc.output, code, stdout, stderr)
		}
	}
	if srv.Heads() != heads+4 || srv.Puts() != 2 {
		t.Errorf("-o stack, -o patch: %d HeadObject, %d more objects put; want 4 and none", srv.Heads()-heads, srv.Puts()-2)
	}
	out = mustKubectlEDS(t, append(base, "--skip-missing", "--dry-run")...)
	if !strings.Contains(out, "dry run: "+stackPath+" left as it is") || srv.Heads() != heads+4 {
		t.Errorf("--dry-run: %d S3 calls:\n%s", srv.Heads()-heads-4, out)
	}
	if after, _ := os.ReadFile(stackPath); !bytes.Equal(after, seed) {
		t.Error("-o stack, -o patch or --dry-run changed the file")
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"publish", "-f", "-", "--bucket", "b"}, "cannot be rewritten in place"},
		{[]string{"publish", "-f", stackPath, "-o", "json"}, `--output "json": want file, stack or patch`},
		{[]string{"publish", "-f", stackPath, "--function", "event-order-processor"}, "want NAME=PATH"},
		{[]string{"publish", "--bucket", "b"}, `"filename" not set`},
	} {
		if code, _, stderr := kubectlEDS(t, tc.args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want an error saying %q", tc.args, code, stderr, tc.want)
		}
	}

	help := mustKubectlEDS(t, "publish", "--help")
	for _, want := range []string{"--bucket", "--prefix", "--aws-endpoint-url", "--region", "--function", "--lambdas-dir", "--skip-missing", "--dry-run", "--output", "Argo CD", "code.sha256", "repo@sha256"} {
		if !strings.Contains(help, want) {
			t.Errorf("publish --help does not mention %s", want)
		}
	}
}
