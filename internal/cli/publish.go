package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/renameio/v2"
	"github.com/spf13/cobra"

	"github.com/eventstack-io/eventstack-operator/internal/cli/publish"
	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
)

// Where kubectl eds publish writes the stack's new code (--output).
const (
	outputFile  = "file"
	outputStack = "stack"
	outputPatch = "patch"
)

type publishOptions struct {
	file        string
	bucket      string
	prefix      string
	endpointURL string
	region      string
	functions   []string
	lambdasDir  string
	skipMissing bool
	dryRun      bool
	output      string
}

func newPublishCommand(s Streams) *cobra.Command {
	o := &publishOptions{}
	cmd := &cobra.Command{
		Use:   "publish -f FILE [--bucket BUCKET]",
		Short: "Build the stack's Lambda handlers, upload their zips to S3 and write their code into the stack",
		Long: `Publish builds each Lambda function of a stack file, uploads its zip to S3 and
writes the zip's place and hash into the stack: code.s3Bucket, code.s3Key and
code.sha256.

Handlers: a function's handler is the Go main package lambdas/cmd/<name>
(--lambdas-dir), <name> being spec.functions[].name without the stack's
namePrefix; --function NAME=PATH gives another: a zip, uploaded as is, or a
main package's folder. Each is built for the function's architecture (arm64,
the default, or x86_64) for provided.al2023, reproducibly: the same source and
Go release give a byte-identical zip (go build -trimpath -buildvcs=false
-ldflags "-s -w -buildid=" -tags lambda.norpc, CGO_ENABLED=0; one entry,
bootstrap, mode 0755, with a fixed date). A function without a handler is an
error that names it, unless --skip-missing. Functions that run a container
image (code.imageURI) are skipped: pin an image by digest (repo@sha256:...).

Upload: the key is made of the zip's own SHA-256,
<prefix><function>/<hex sha256>.zip, so a handler that did not change has the
key it had: publish asks S3 first (HeadObject) and uploads only what is not
there. Credentials come from the SDK's default chain (environment, ~/.aws, SSO,
IRSA, Pod Identity); the region is the stack's spec.region (Lambda takes code
only from a bucket in the function's region); --aws-endpoint-url points at an
S3-compatible store, addressed path-style.

The stack: by default the file is rewritten in place, and only the code values
change: comments, order, blank lines and quoting stay, and sha256 is added after
s3Key. --output stack prints the changed stack instead, and --output patch a
kustomize JSON 6902 patch of the functions' code for an overlay; both leave the
file alone and print the summary on standard error.

Rolling out through Git: commit the changed stack file. Argo CD (or Flux) applies
it; the operator passes code.sha256 to ACK's lambda controller, which updates a
function's code only when that hash changes; the stack is Ready again once
Lambda runs the code of the new hash. An unchanged handler changes nothing.

--dry-run builds and hashes, makes no AWS call and writes nothing.`,
		Example: `  kubectl eds publish -f config/samples/stacks_v1alpha1_eventdrivenstack.yaml --bucket my-artifacts
  git commit -am "lambdas: new code" && git push      # Argo CD rolls it out

  kubectl eds publish -f stack.yaml --bucket my-artifacts --function event-order-processor=dist/event-order-processor.zip
  kubectl eds publish -f base/stack.yaml --bucket my-artifacts -o patch > overlays/prod/lambda-code.yaml
  kubectl eds publish -f stack.yaml --bucket artifacts --aws-endpoint-url http://localhost:4566 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "filename", "f", "", "The EventDrivenStack file (YAML or JSON); - reads standard input (then --output stack or patch)")
	f.StringVar(&o.bucket, "bucket", "", "S3 bucket of the zips, in the stack's region (default: each function's code.s3Bucket)")
	f.StringVar(&o.prefix, "prefix", publish.DefaultPrefix, "Start of every key: <prefix><function>/<hex sha256>.zip")
	f.StringVar(&o.endpointURL, "aws-endpoint-url", "", "S3 endpoint (an S3-compatible store, addressed path-style); default: AWS")
	f.StringVar(&o.region, "region", "", "AWS region of the bucket (default: the stack's spec.region)")
	f.StringArrayVar(&o.functions, "function", nil, "NAME=PATH: the code of function NAME, a zip (uploaded as is) or a main package's folder (built); repeatable")
	f.StringVar(&o.lambdasDir, "lambdas-dir", publish.DefaultLambdasDir, "Folder of the handlers, a Go main package per function, named as the function")
	f.BoolVar(&o.skipMissing, "skip-missing", false, "Leave a function without a handler as it is, instead of failing")
	f.BoolVar(&o.dryRun, "dry-run", false, "Build and hash only: no AWS call, nothing written")
	f.StringVarP(&o.output, "output", "o", outputFile, "Where the new code goes: file (the stack file, in place), stack (print the changed stack) or patch (print a kustomize JSON 6902 patch)")
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

// sources parses the --function flags.
func (o *publishOptions) sources() (map[string]string, error) {
	out := map[string]string{}
	for _, v := range o.functions {
		name, path, ok := strings.Cut(v, "=")
		if !ok || name == "" || path == "" {
			return nil, fmt.Errorf("--function %q: want NAME=PATH", v)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--function %s: given twice", name)
		}
		out[name] = path
	}
	return out, nil
}

func (o *publishOptions) run(cmd *cobra.Command, s Streams) error {
	ctx := cmd.Context()
	switch o.output {
	case outputFile, outputStack, outputPatch:
	default:
		return fmt.Errorf("--output %q: want file, stack or patch", o.output)
	}
	if o.output == outputFile && o.file == "-" && !o.dryRun {
		return fmt.Errorf("-f - (standard input) cannot be rewritten in place: give --output stack or --output patch")
	}
	sources, err := o.sources()
	if err != nil {
		return err
	}
	raw, source, err := o.readFile(s.In)
	if err != nil {
		return err
	}
	stack, err := stackfile.Read(bytes.NewReader(raw), source, "")
	if err != nil {
		return err
	}
	results, err := publish.Prepare(ctx, stack, publish.Options{
		Bucket: o.bucket, Prefix: o.prefix, LambdasDir: o.lambdasDir, Sources: sources,
		SkipMissing: o.skipMissing, Progress: s.Err,
	})
	if err != nil {
		return err
	}
	// The new stack or patch is made before any upload, so that a file
	// publish cannot edit fails before it changes anything in S3.
	var newCode []byte
	if o.output == outputPatch {
		newCode, err = publish.Patch(stack, results)
	} else {
		newCode, err = publish.Edit(raw, results)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if o.dryRun {
		publish.DryRun(results)
	} else if err := o.upload(cmd, stack.Spec.Region, results); err != nil {
		return err
	}

	summary, closing := s.Out, ""
	switch {
	case o.output != outputFile:
		summary = s.Err
		if _, err := s.Out.Write(newCode); err != nil {
			return err
		}
	case o.dryRun:
		closing = fmt.Sprintf("dry run: %s left as it is\n", source)
	case bytes.Equal(newCode, raw):
		closing = fmt.Sprintf("%s unchanged: it already names this code\n", source)
	default:
		if err := writeInPlace(o.file, newCode); err != nil {
			return err
		}
		closing = fmt.Sprintf("wrote the new code into %s: commit it, and Argo CD (or Flux) rolls it out\n", source)
	}
	if err := publish.WriteSummary(summary, results); err != nil {
		return err
	}
	_, err = io.WriteString(summary, closing)
	return err
}

// upload puts the zips into S3, if any function is published.
func (o *publishOptions) upload(cmd *cobra.Command, stackRegion string, results []publish.Result) error {
	publishing := false
	for _, r := range results {
		publishing = publishing || r.Published()
	}
	if !publishing {
		return nil
	}
	region := o.region
	if region == "" {
		region = stackRegion
	}
	store, err := publish.NewStore(cmd.Context(), region, o.endpointURL)
	if err != nil {
		return err
	}
	return publish.Upload(cmd.Context(), store, results)
}

// readFile returns the stack file's bytes and its name for messages.
func (o *publishOptions) readFile(stdin io.Reader) ([]byte, string, error) {
	if o.file == "-" {
		b, err := io.ReadAll(stdin)
		return b, "<stdin>", err
	}
	b, err := os.ReadFile(o.file)
	return b, o.file, err
}

// writeInPlace replaces path's content atomically (a temporary file and a
// rename, renameio), keeping the file's mode: an interrupted write leaves the
// old file whole. A link stays a link: its target is replaced.
func writeInPlace(path string, data []byte) error {
	path, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	return renameio.WriteFile(path, data, 0o644)
}
