package perf

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/cli/publish"
	"github.com/eventstack-io/eventstack-operator/internal/cli/stackfile"
	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
	"github.com/eventstack-io/eventstack-operator/test/fakes3"
)

// BenchmarkPublish measures kubectl eds publish's work on the seed stack's
// three handlers (internal/cli/publish: build, hash, HeadObject, PutObject)
// against an in-memory S3 server on loopback (test/fakes3), in two phases:
//
//   - cold: an empty GOCACHE (every package of the handlers and the standard
//     library compiled for linux/arm64 from source; the module cache is the
//     machine's, so nothing is downloaded) and an empty bucket;
//   - warm: the GOCACHE the cold phase filled, and the bucket holding every
//     zip: what a publish of an unchanged commit costs.
//
// It reports each phase's build and upload seconds and the bytes and objects
// uploaded (the warm phase's goal: 0 and 0). It fails if the two phases'
// zips differ: a build must not depend on the state of the build cache.
// No assertion is made on time.
func BenchmarkPublish(b *testing.B) {
	raw, err := os.ReadFile(localcluster.SeedPath())
	if err != nil {
		b.Fatal(err)
	}
	stack, err := stackfile.Read(bytes.NewReader(raw), "seed", "")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		srv := fakes3.Start(b, "eventstack-artifacts")
		store := srv.Client(b)
		opts := publish.Options{
			Prefix:     publish.DefaultPrefix,
			LambdasDir: filepath.Join(localcluster.RepoRoot(), "lambdas", "cmd"),
		}
		opts.Build.Env = []string{"GOCACHE=" + b.TempDir()}

		type phase struct {
			build, upload time.Duration
			bytes, puts   int64
			results       []publish.Result
		}
		run := func() phase {
			var p phase
			bytes0, puts0 := srv.PutBytes(), srv.Puts()
			ctx, cancel := context.WithTimeout(context.Background(), settings.phaseTimeout)
			defer cancel()
			t0 := time.Now()
			p.results, err = publish.Prepare(ctx, stack, opts)
			if err != nil {
				b.Fatal(err)
			}
			p.build = time.Since(t0)
			t0 = time.Now()
			if err := publish.Upload(ctx, store, p.results); err != nil {
				b.Fatal(err)
			}
			p.upload = time.Since(t0)
			p.bytes, p.puts = srv.PutBytes()-bytes0, srv.Puts()-puts0
			return p
		}
		cold := run()
		warm := run()

		for j, r := range cold.results {
			if w := warm.results[j]; w.Code != r.Code || w.Bytes != r.Bytes {
				b.Fatalf("%s: built with an empty GOCACHE %s (%d bytes), with it warm %s (%d bytes)", r.Function, r.Code.SHA256, r.Bytes, w.Code.SHA256, w.Bytes)
			}
			if w := warm.results[j]; w.State != publish.Present {
				b.Errorf("%s: warm phase %q, want %q", r.Function, w.State, publish.Present)
			}
			b.Logf("%s (%s): zip %d bytes, sha256 %s", r.Function, r.Architecture, r.Bytes, r.Code.SHA256)
		}
		b.ReportMetric(cold.build.Seconds(), "cold-build-s")
		b.ReportMetric(cold.upload.Seconds(), "cold-upload-s")
		b.ReportMetric(float64(cold.bytes), "cold-uploaded-bytes")
		b.ReportMetric(warm.build.Seconds(), "warm-build-s")
		b.ReportMetric(warm.upload.Seconds(), "warm-upload-s")
		b.ReportMetric(float64(warm.bytes), "warm-uploaded-bytes")
		b.ReportMetric(float64(warm.puts), "warm-puts")
		b.Logf("cold (empty GOCACHE, empty bucket): build %s, upload %s, %d objects, %d bytes; warm: build %s, upload %s, %d objects, %d bytes; load %s",
			cold.build.Round(time.Millisecond), cold.upload.Round(time.Millisecond), cold.puts, cold.bytes,
			warm.build.Round(time.Millisecond), warm.upload.Round(time.Millisecond), warm.puts, warm.bytes, loadAvg())
	}
	// The per-iteration default metric means nothing here.
	b.ReportMetric(0, "ns/op")
}
