// Package publish puts a stack's Lambda code where its functions take it
// from, for kubectl eds publish: it builds each function's handler
// (internal/lambdazip: reproducible, for the function's architecture), or
// takes a zip as given, uploads the zip to S3 under a key made of its own
// SHA-256, skipping a key that is already there, and rewrites the stack's
// code.s3Bucket, code.s3Key and code.sha256 (Edit, in place, keeping the
// file's comments and layout; or Patch, a kustomize patch).
//
// Content addressing makes publishing idempotent and rollouts exact: an
// unchanged handler gives the same zip, so the same key and sha256, so no
// upload, no change to the stack, and no redeployment; a changed handler gets
// a new key and sha256, which ACK's lambda controller deploys (it updates a
// function's code only when code.sha256 changes).
package publish

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/eventstack-io/eventstack-operator/api/v1alpha1"
	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
)

// Defaults of Options.
const (
	DefaultPrefix     = "lambdas/"
	DefaultLambdasDir = "lambdas/cmd"
)

// Options say where the handlers are and where their zips go.
type Options struct {
	// Bucket receives every zip; empty means each function's own
	// code.s3Bucket.
	Bucket string
	// Prefix starts every key (a "/" is added when it lacks one); the key
	// is <Prefix><function>/<hex SHA-256>.zip.
	Prefix string
	// LambdasDir holds a main package per function, named as the function
	// (spec.functions[].name, without the stack's namePrefix).
	LambdasDir string
	// Sources give a function's code explicitly, by function name: a zip,
	// taken as is, or the folder of a main package to build.
	Sources map[string]string
	// SkipMissing leaves a function without a handler as it is, instead of
	// failing.
	SkipMissing bool
	// Build tunes the builds (tests and benchmarks set GOCACHE here).
	Build lambdazip.BuildOptions
	// Progress, when set, receives a line as each handler is built.
	Progress io.Writer
}

// State is what publishing did with a zip.
type State string

const (
	// Uploaded: the key was not in the bucket; the zip was put there.
	Uploaded State = "uploaded"
	// Present: the key was already in the bucket (the same content, by
	// construction of the key; its size and checksum were compared).
	Present State = "already there"
	// NotChecked: a dry run, which makes no AWS call.
	NotChecked State = "not checked (dry run)"
	// Skipped: the function's code is left as it is (Result.Skipped says why).
	Skipped State = "skipped"
)

// Result is one function's outcome.
type Result struct {
	// Index is the function's position in spec.functions.
	Index    int
	Function string
	// Architecture is Lambda's name (arm64, x86_64).
	Architecture string
	// Source is the handler's folder, or the zip given; empty when skipped.
	Source string
	// Skipped says why the function's code is left as it is; empty when the
	// function is published.
	Skipped string
	// Code is the function's code after publishing: s3Bucket, s3Key, sha256.
	Code  v1alpha1.FunctionCode
	Bytes int64
	State State

	zip *lambdazip.Zip
}

// Published reports whether r has new code (Code is to be written).
func (r *Result) Published() bool { return r.Skipped == "" }

// Prepare matches every function of the stack to its handler, builds each
// handler (or reads the zip given) for the function's architecture, and
// computes each zip's SHA-256 and key. It makes no AWS call. Every function
// without a handler is named in one error, unless SkipMissing.
func Prepare(ctx context.Context, stack *v1alpha1.EventDrivenStack, o Options) ([]Result, error) {
	results, err := plan(stack, o)
	if err != nil {
		return nil, err
	}
	type build struct{ source, arch string }
	built := map[build]*lambdazip.Zip{} // a folder built once per architecture
	for i := range results {
		r := &results[i]
		if !r.Published() {
			continue
		}
		b := build{r.Source, r.Architecture}
		z := built[b]
		if z == nil {
			if z, err = zipOf(ctx, r, o); err != nil {
				return nil, err
			}
			built[b] = z
		}
		r.zip = z
		r.Bytes = int64(len(z.Data))
		r.Code = v1alpha1.FunctionCode{
			S3Bucket: r.Code.S3Bucket,
			S3Key:    Key(o.Prefix, r.Function, z),
			SHA256:   z.SHA256,
		}
	}
	return results, nil
}

// Key is the S3 key of a function's zip: <prefix><function>/<hex sha256>.zip.
func Key(prefix, function string, z *lambdazip.Zip) string {
	prefix = strings.TrimPrefix(prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + function + "/" + z.HexSHA256() + ".zip"
}

// plan finds each function's source, architecture and bucket.
func plan(stack *v1alpha1.EventDrivenStack, o Options) ([]Result, error) {
	var problems []error
	known := map[string]bool{}
	for _, f := range stack.Spec.Functions {
		known[f.Name] = true
	}
	for _, name := range sortedKeys(o.Sources) {
		if !known[name] {
			problems = append(problems, fmt.Errorf("--function %s: the stack has no function %s", name, name))
		}
	}
	lambdasDir := o.LambdasDir
	if lambdasDir == "" {
		lambdasDir = DefaultLambdasDir
	}
	var missing []string
	results := make([]Result, len(stack.Spec.Functions))
	for i, f := range stack.Spec.Functions {
		r := &results[i]
		*r = Result{Index: i, Function: f.Name, Code: f.Code}
		skip := func(why string) { r.Skipped, r.State, r.Source = why, Skipped, "" }
		given, explicit := o.Sources[f.Name]
		if f.Code.ImageURI != "" {
			if explicit {
				problems = append(problems, fmt.Errorf("--function %s: the function runs a container image (code.imageURI), not a zip", f.Name))
			}
			skip("a container image: pin it by digest in code.imageURI (repo@sha256:...)")
			continue
		}
		arch, err := lambdazip.Architecture(cmp.Or(string(f.Architecture), lambdazip.ARM64))
		if err != nil {
			problems = append(problems, fmt.Errorf("function %s: %w", f.Name, err))
		}
		r.Architecture = arch
		r.Source = filepath.Join(lambdasDir, f.Name)
		if explicit {
			r.Source = given
		}
		if _, err := os.Stat(r.Source); err != nil {
			switch {
			case explicit:
				problems = append(problems, fmt.Errorf("--function %s=%s: %w", f.Name, given, err))
			case !errors.Is(err, os.ErrNotExist):
				problems = append(problems, fmt.Errorf("function %s: %w", f.Name, err))
			case o.SkipMissing:
				skip("no handler in " + r.Source + " (--skip-missing): code left as it is")
				continue
			default:
				missing = append(missing, f.Name)
			}
		}
		r.Code.S3Bucket = cmp.Or(o.Bucket, f.Code.S3Bucket)
		if r.Code.S3Bucket == "" {
			problems = append(problems, fmt.Errorf("function %s: no bucket: give --bucket", f.Name))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Errorf("no handler for %s: each needs a main package in %s/<function>, or --function NAME=PATH (a zip, or a main package's folder); --skip-missing leaves them as they are",
			strings.Join(missing, ", "), lambdasDir))
	}
	return results, errors.Join(problems...)
}

// zipOf builds r's handler, or reads the zip given.
func zipOf(ctx context.Context, r *Result, o Options) (*lambdazip.Zip, error) {
	info, err := os.Stat(r.Source)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		z, err := lambdazip.Read(r.Source, r.Architecture)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", r.Function, err)
		}
		return z, nil
	}
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "building %s (linux/%s) from %s\n", r.Function, r.Architecture, r.Source)
	}
	z, err := lambdazip.Build(ctx, r.Source, r.Architecture, o.Build)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", r.Function, err)
	}
	return z, nil
}

// Store is the part of the S3 API publishing calls.
type Store interface {
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// NewStore returns an S3 client for region, with credentials from the SDK's
// default chain (environment, shared config and SSO, IRSA, Pod Identity).
// An endpointURL points it at an S3-compatible store, addressed path-style
// (http://host/bucket/key), which such stores serve without DNS per bucket.
func NewStore(ctx context.Context, region, endpointURL string, load ...func(*config.LoadOptions) error) (*s3.Client, error) {
	if region == "" {
		return nil, errors.New("no region: the stack has no spec.region; give --region")
	}
	cfg, err := config.LoadDefaultConfig(ctx, append([]func(*config.LoadOptions) error{config.WithRegion(region)}, load...)...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
			o.UsePathStyle = true
		}
	}), nil
}

// Upload puts each published zip into its bucket unless its key is already
// there (HeadObject first), and sets each result's State. An object at the
// key with another size or SHA-256 is an error: the key names its content,
// so something else wrote it.
func Upload(ctx context.Context, store Store, results []Result) error {
	for i := range results {
		r := &results[i]
		if !r.Published() {
			continue
		}
		where := fmt.Sprintf("function %s: s3://%s/%s", r.Function, r.Code.S3Bucket, r.Code.S3Key)
		head, err := store.HeadObject(ctx, &s3.HeadObjectInput{
			Bucket:       aws.String(r.Code.S3Bucket),
			Key:          aws.String(r.Code.S3Key),
			ChecksumMode: s3types.ChecksumModeEnabled,
		})
		switch {
		case err == nil:
			if err := sameObject(head, r.zip); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			r.State = Present
			continue
		case !isNotFound(err):
			return fmt.Errorf("%s: HeadObject: %w", where, err)
		}
		_, err = store.PutObject(ctx, &s3.PutObjectInput{
			Bucket:         aws.String(r.Code.S3Bucket),
			Key:            aws.String(r.Code.S3Key),
			Body:           bytes.NewReader(r.zip.Data),
			ContentLength:  aws.Int64(int64(len(r.zip.Data))),
			ContentType:    aws.String("application/zip"),
			ChecksumSHA256: aws.String(r.zip.SHA256), // S3 refuses a body that does not match
		})
		if err != nil {
			return fmt.Errorf("%s: PutObject: %w", where, err)
		}
		r.State = Uploaded
	}
	return nil
}

// DryRun marks each published result as not checked against S3.
func DryRun(results []Result) {
	for i := range results {
		if results[i].Published() {
			results[i].State = NotChecked
		}
	}
}

// sameObject compares an existing object with the zip of its key.
func sameObject(head *s3.HeadObjectOutput, z *lambdazip.Zip) error {
	if head.ContentLength != nil && *head.ContentLength != int64(len(z.Data)) {
		return fmt.Errorf("already there with %d bytes, and the zip of this SHA-256 has %d: something else wrote this key; delete the object", *head.ContentLength, len(z.Data))
	}
	// A multipart object's checksum is of its parts ("...-N"): not comparable.
	if sum := aws.ToString(head.ChecksumSHA256); sum != "" && !strings.Contains(sum, "-") && sum != z.SHA256 {
		return fmt.Errorf("already there with SHA-256 %s, not %s: something else wrote this key; delete the object", sum, z.SHA256)
	}
	return nil
}

// isNotFound reports whether a HeadObject error says there is no object
// (HeadObject has no body, so S3's answer is the status code alone).
func isNotFound(err error) bool {
	var nf *s3types.NotFound
	if errors.As(err, &nf) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 404
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
