package publish

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
)

const (
	newSHA  = "K3nM2x9QpXv8Zt4uYb1+c/DeFgHiJkLmNoPqRsTuVwA="
	newKey  = "lambdas/fn/2b79cedb1f50a57bfc66de2e618dbd5c37785e0c6d2b6a5e4d2e8c2f1f4e8f5a.zip"
	oldSHA  = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	numeric = "12345"
)

// published is the result of publishing function fn, index 0.
func published(bucket string) []Result {
	return []Result{{Index: 0, Function: "fn", Code: v1alpha1.FunctionCode{S3Bucket: bucket, S3Key: newKey, SHA256: newSHA}}}
}

// TestEditChangesOnlyTheCodeValues: each layout a stack file may have,
// edited in place: the values replaced in their own quoting, sha256 added
// after s3Key in the mapping's own style, every other byte kept.
func TestEditChangesOnlyTheCodeValues(t *testing.T) {
	for _, tc := range []struct {
		name, bucket, in, want string
	}{{
		name:   "flow mapping, as the seed",
		bucket: "artifacts",
		in: `spec:
  functions:
    - name: fn   # the order processor
      code: {s3Bucket: eventstack-artifacts, s3Key: lambdas/fn.zip}

      runtime: provided.al2023
`,
		want: `spec:
  functions:
    - name: fn   # the order processor
      code: {s3Bucket: artifacts, s3Key: ` + newKey + `, sha256: ` + newSHA + `}

      runtime: provided.al2023
`,
	}, {
		name:   "block mapping, comments, no sha256 yet",
		bucket: "artifacts",
		in: `# head
spec:
  functions:
  - name: fn
    code:
      # where the zip is
      s3Bucket: artifacts   # same bucket
      s3Key: lambdas/fn.zip # old key
    runtime: provided.al2023
`,
		want: `# head
spec:
  functions:
  - name: fn
    code:
      # where the zip is
      s3Bucket: artifacts   # same bucket
      s3Key: ` + newKey + ` # old key
      sha256: ` + newSHA + `
    runtime: provided.al2023
`,
	}, {
		name:   "block mapping with a sha256, quoted values",
		bucket: "artifacts",
		in: `spec:
  functions:
    - name: fn
      code:
        sha256: "` + oldSHA + `"
        s3Key: 'lambdas/fn''s.zip'
        s3Bucket: "old"
`,
		want: `spec:
  functions:
    - name: fn
      code:
        sha256: "` + newSHA + `"
        s3Key: '` + newKey + `'
        s3Bucket: "artifacts"
`,
	}, {
		name:   "a bucket that reads as a number is quoted",
		bucket: numeric,
		in:     "spec:\n  functions:\n    - name: fn\n      code:\n        s3Bucket: b\n        s3Key: k\n",
		want:   "spec:\n  functions:\n    - name: fn\n      code:\n        s3Bucket: \"" + numeric + "\"\n        s3Key: " + newKey + "\n        sha256: " + newSHA + "\n",
	}, {
		name:   "CRLF line endings, no final newline",
		bucket: "artifacts",
		in:     "spec:\r\n  functions:\r\n    - name: fn\r\n      code:\r\n        s3Bucket: b\r\n        s3Key: k",
		want:   "spec:\r\n  functions:\r\n    - name: fn\r\n      code:\r\n        s3Bucket: artifacts\r\n        s3Key: " + newKey + "\r\n        sha256: " + newSHA + "\r\n",
	}, {
		name:   "CRLF line endings",
		bucket: "artifacts",
		in:     "spec:\r\n  functions:\r\n    - name: fn\r\n      code:\r\n        s3Key: k\r\n        s3Bucket: b\r\n",
		want:   "spec:\r\n  functions:\r\n    - name: fn\r\n      code:\r\n        s3Key: " + newKey + "\r\n        sha256: " + newSHA + "\r\n        s3Bucket: artifacts\r\n",
	}, {
		name:   "JSON",
		bucket: "artifacts",
		in:     `{"spec": {"functions": [{"name": "fn", "code": {"s3Bucket": "b", "s3Key": "k"}}]}}`,
		want:   `{"spec": {"functions": [{"name": "fn", "code": {"s3Bucket": "artifacts", "s3Key": "` + newKey + `", "sha256": "` + newSHA + `"}}]}}`,
	}, {
		name:   "flow mapping over several lines, non-ASCII before it",
		bucket: "artifacts",
		in:     "spec:\n  functions:\n    - name: fn\n      environment: {GREETING: \"héllo\"}\n      code: {\n        s3Bucket: b,\n        s3Key: k\n      }\n",
		want:   "spec:\n  functions:\n    - name: fn\n      environment: {GREETING: \"héllo\"}\n      code: {\n        s3Bucket: artifacts,\n        s3Key: " + newKey + ", sha256: " + newSHA + "\n      }\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Edit([]byte(tc.in), published(tc.bucket))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestEditRefusesWhatItCannotChangeInPlace(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"an alias", "x: &code {s3Bucket: b, s3Key: k}\nspec:\n  functions:\n    - name: fn\n      code: *code\n", "a YAML alias"},
		{"an object version", "spec:\n  functions:\n    - name: fn\n      code: {s3Bucket: b, s3Key: k, s3ObjectVersion: v1}\n", "s3ObjectVersion: set"},
		{"a block scalar", "spec:\n  functions:\n    - name: fn\n      code:\n        s3Bucket: b\n        s3Key: |\n          k\n", "a block scalar"},
		{"a plain value over two lines", "spec:\n  functions:\n    - name: fn\n      code:\n        s3Bucket: b\n        s3Key: lambdas/\n          fn.zip\n", "over several lines"},
		{"another function at the index", "spec:\n  functions:\n    - name: other\n      code: {s3Bucket: b, s3Key: k}\n", "not function fn"},
		{"two documents", "spec: {functions: [{name: fn, code: {s3Bucket: b, s3Key: k}}]}\n---\nspec: {}\n", "more than one document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Edit([]byte(tc.in), published("b"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestEditTheSeed: the seed stack file, its three functions published: the
// file differs in the three code lines only, reads back as a valid stack
// (the CRD's pattern for sha256 included) with the new code, and a second
// edit with the same results changes nothing.
func TestEditTheSeed(t *testing.T) {
	stack, raw := seed(t)
	results, err := Prepare(context.Background(), stack, Options{Prefix: DefaultPrefix, Sources: scriptZips(t, seedFunctions...)})
	if err != nil {
		t.Fatal(err)
	}
	edited, err := Edit(raw, results)
	if err != nil {
		t.Fatal(err)
	}
	before, after := strings.Split(string(raw), "\n"), strings.Split(string(edited), "\n")
	if len(before) != len(after) {
		t.Fatalf("%d lines, then %d", len(before), len(after))
	}
	changed := 0
	for i := range before {
		if before[i] != after[i] {
			changed++
			if !strings.HasPrefix(strings.TrimSpace(before[i]), "code: {s3Bucket: eventstack-artifacts, s3Key: lambdas/") {
				t.Errorf("line %d changed:\n- %s\n+ %s", i+1, before[i], after[i])
			}
		}
	}
	if changed != 3 {
		t.Errorf("%d lines changed, want the 3 code lines", changed)
	}
	got, err := stackfile.Read(bytes.NewReader(edited), "edited", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if c := got.Spec.Functions[r.Index].Code; c != r.Code {
			t.Errorf("%s: code %+v, want %+v", r.Function, c, r.Code)
		}
	}
	again, err := Edit(edited, results)
	if err != nil || !bytes.Equal(again, edited) {
		t.Errorf("a second edit changed the file (%v)", err)
	}
}
