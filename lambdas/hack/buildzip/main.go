// Command buildzip builds Lambda handlers into the zips the provided.al2023
// runtime takes, reproducibly (internal/lambdazip: the same source gives the
// same bytes and SHA-256, the ones kubectl eds publish computes), and prints
// each one's sizes and base64 SHA-256. `make lambdas` runs it:
//
//	go run ./lambdas/hack/buildzip -arch x86_64 -o dist ./lambdas/cmd/event-order-processor ...
//
// writes dist/event-order-processor.zip for each main package given. -arch
// takes Lambda's names (arm64, x86_64) and Go's amd64. It is a Go program
// rather than go build and zip in the Makefile so that the build flags and
// the zip's layout have one home.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"

	"github.com/eventstack-io/eventstack-operator/internal/lambdazip"
)

// DefaultMaxBytes is the size budget of a bootstrap binary: 12 MB.
const DefaultMaxBytes = 12_000_000

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "buildzip:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("buildzip", flag.ContinueOnError)
	out := fs.String("o", "dist", "the folder of the zips")
	arch := fs.String("arch", lambdazip.ARM64, "the functions' architecture: arm64 or x86_64 (or amd64)")
	maxBytes := fs.Int64("max-bytes", DefaultMaxBytes, "refuse a bootstrap larger than this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: buildzip [-arch arm64|x86_64] [-o DIR] [-max-bytes N] ./lambdas/cmd/FUNCTION [./lambdas/cmd/FUNCTION]")
	}
	lambdaArch, err := lambdazip.Architecture(*arch)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, dir := range fs.Args() {
		z, err := lambdazip.Build(ctx, dir, lambdaArch, lambdazip.BuildOptions{MaxBytes: *maxBytes})
		if err != nil {
			return err
		}
		path := filepath.Join(*out, filepath.Base(filepath.Clean(dir))+".zip")
		if err := renameio.WriteFile(path, z.Data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-45s %-6s bootstrap %9d bytes (%.1f MiB)  zip %9d bytes (%.1f MiB)  sha256 %s\n",
			path, lambdaArch, z.BootstrapBytes, mib(z.BootstrapBytes), len(z.Data), mib(int64(len(z.Data))), z.SHA256)
	}
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
