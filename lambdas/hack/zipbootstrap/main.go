// Command zipbootstrap packs a Lambda bootstrap binary into the zip the
// provided.al2023 runtime expects: one entry, "bootstrap", executable. It
// refuses a binary larger than -max-bytes and prints the sizes. The zip is
// reproducible (fixed entry time), so the same binary gives the same zip and
// the same S3 object.
//
//	go run ./lambdas/hack/zipbootstrap -o dist/event-order-processor.zip dist/event-order-processor/bootstrap
//
// It is a Go program rather than `zip` so that building the functions needs
// nothing but Go.
package main

import (
	"archive/zip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// DefaultMaxBytes is the size limit of a bootstrap binary: 12 MB.
const DefaultMaxBytes = 12_000_000

func main() {
	out := flag.String("o", "", "the zip to write")
	maxBytes := flag.Int64("max-bytes", DefaultMaxBytes, "refuse a bootstrap larger than this")
	flag.Parse()
	if *out == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: zipbootstrap -o FUNCTION.zip [-max-bytes N] path/to/bootstrap")
		os.Exit(2)
	}
	binSize, zipSize, err := pack(flag.Arg(0), *out, *maxBytes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zipbootstrap:", err)
		os.Exit(1)
	}
	fmt.Printf("%-45s bootstrap %10d bytes (%.1f MiB)  zip %10d bytes (%.1f MiB)\n",
		*out, binSize, mib(binSize), zipSize, mib(zipSize))
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// pack writes bin into a new zip at out as "bootstrap" (mode 0755) and
// returns the binary's and the zip's sizes.
func pack(bin, out string, maxBytes int64) (binSize, zipSize int64, err error) {
	src, err := os.Open(bin)
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return 0, 0, err
	}
	if info.Size() > maxBytes {
		return 0, 0, fmt.Errorf("%s is %d bytes, more than the limit of %d", bin, info.Size(), maxBytes)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".zipbootstrap-*")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	zw := zip.NewWriter(tmp)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = io.Copy(w, src)
	}
	err = errors.Join(err, zw.Close(), tmp.Close())
	if err != nil {
		return 0, 0, fmt.Errorf("writing %s: %w", out, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, 0, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return 0, 0, err
	}
	zinfo, err := os.Stat(out)
	if err != nil {
		return 0, 0, err
	}
	return info.Size(), zinfo.Size(), nil
}
