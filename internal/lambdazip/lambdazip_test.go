package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"encoding/base64"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

func TestArchitectureNames(t *testing.T) {
	for _, tc := range []struct{ in, goarch, lambda string }{
		{"arm64", "arm64", "arm64"},
		{"x86_64", "amd64", "x86_64"},
		{"amd64", "amd64", "x86_64"},
	} {
		goarch, err := GOARCH(tc.in)
		if err != nil || goarch != tc.goarch {
			t.Errorf("GOARCH(%q) = %q, %v; want %q", tc.in, goarch, err, tc.goarch)
		}
		lambda, err := Architecture(tc.in)
		if err != nil || lambda != tc.lambda {
			t.Errorf("Architecture(%q) = %q, %v; want %q", tc.in, lambda, err, tc.lambda)
		}
	}
	for _, bad := range []string{"", "x86-64", "aarch64", "X86_64", "386"} {
		if _, err := GOARCH(bad); err == nil || !strings.Contains(err.Error(), "arm64 or x86_64") {
			t.Errorf("GOARCH(%q): err = %v, want one naming arm64 or x86_64", bad, err)
		}
	}
}

// lambdaSHA256 is the form of Lambda's CodeSha256 (and the CRD's pattern of
// code.sha256).
var lambdaSHA256 = regexp.MustCompile(`^[A-Za-z0-9+/]{43}=$`)

// TestPackIsReproducible: the zip is one entry, bootstrap, executable, dated
// 1980-01-01, without extra fields, and the same bytes each time.
func TestPackIsReproducible(t *testing.T) {
	bin := bytes.Repeat([]byte("not really a binary "), 1000)
	a, err := Pack(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Pack(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two packs of the same binary differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("%d entries, want bootstrap alone", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" || f.Mode() != 0o755 || len(f.Extra) != 0 || f.Comment != "" {
		t.Errorf("entry %q mode %v extra %x comment %q; want bootstrap, 0755, no extra field, no comment", f.Name, f.Mode(), f.Extra, f.Comment)
	}
	if want := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC); !f.Modified.Equal(want) {
		t.Errorf("entry dated %v, want %v", f.Modified, want)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, bin) {
		t.Errorf("the entry does not hold the binary (%v)", err)
	}
	if s := SHA256(a); !lambdaSHA256.MatchString(s) {
		t.Errorf("SHA256 = %q, not Lambda's form", s)
	}
}

// TestBuildIsReproducible builds a handler twice, from two checkouts in
// different folders into different output folders: the zips are
// byte-identical, their SHA-256 is in Lambda's form (base64 of 32 bytes),
// and the binary holds neither folder's path. (The build cache does not
// matter either: BenchmarkPublish builds from an empty GOCACHE and compares.)
func TestBuildIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a handler twice")
	}
	root, err := emulators.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	copyRoot := copyModule(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const fn = "lambdas/cmd/event-notification-processor"
	a, err := Build(ctx, filepath.Join(root, fn), ARM64, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(ctx, filepath.Join(copyRoot, fn), ARM64, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Data, b.Data) || a.SHA256 != b.SHA256 {
		t.Fatalf("two builds differ: %s (%d bytes) and %s (%d bytes)", a.SHA256, len(a.Data), b.SHA256, len(b.Data))
	}
	sum, err := base64.StdEncoding.DecodeString(a.SHA256)
	if err != nil || len(sum) != 32 || !lambdaSHA256.MatchString(a.SHA256) {
		t.Errorf("SHA256 %q is not base64 of 32 bytes (%v)", a.SHA256, err)
	}
	if len(a.HexSHA256()) != 64 {
		t.Errorf("HexSHA256 %q", a.HexSHA256())
	}
	bin := unzipBootstrap(t, a.Data)
	for _, dir := range []string{root, copyRoot} {
		if bytes.Contains(bin, []byte(dir)) {
			t.Errorf("the binary holds the path %s (-trimpath)", dir)
		}
	}
	ef, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatal(err)
	}
	if ef.Machine != elf.EM_AARCH64 || ef.Section(".symtab") != nil {
		t.Errorf("bootstrap is %v, symbols %v; want arm64, stripped", ef.Machine, ef.Section(".symtab") != nil)
	}
	if ef.Section(".note.go.buildid") != nil {
		t.Error("bootstrap has a Go build ID note (-buildid=)")
	}
	t.Logf("%s: bootstrap %d bytes, zip %d bytes, sha256 %s", fn, a.BootstrapBytes, len(a.Data), a.SHA256)
}

func TestBuildRefusesWhatIsNotAHandler(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	root, err := emulators.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(context.Background(), filepath.Join(root, "lambdas", "orders"), ARM64, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), "not a main package") {
		t.Errorf("a library package: err = %v, want not a main package", err)
	}
	_, err = Build(context.Background(), filepath.Join(root, "lambdas", "cmd", "event-order-processor"), "x86-64", BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), `"x86-64"`) {
		t.Errorf("architecture x86-64: err = %v, want it named", err)
	}
}

func TestCheckArchitecture(t *testing.T) {
	elfHeader := func(machine elf.Machine) []byte {
		h := make([]byte, 64)
		copy(h, elf.ELFMAG)
		h[elf.EI_CLASS], h[elf.EI_DATA] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB)
		h[18], h[19] = byte(machine), byte(machine>>8)
		return h
	}
	arm, err := Pack(elfHeader(elf.EM_AARCH64))
	if err != nil {
		t.Fatal(err)
	}
	script, err := Pack([]byte("#!/bin/sh\nexec ./handler\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		zip     []byte
		arch    string
		wantErr string
	}{
		{"arm64 binary, arm64 function", arm, ARM64, ""},
		{"arm64 binary, x86_64 function", arm, X86_64, "EM_AARCH64 binary, and the function's architecture is x86_64"},
		{"a script", script, X86_64, ""},
		{"not a zip", []byte("bootstrap"), ARM64, "not a zip"},
	} {
		err := CheckArchitecture(tc.zip, tc.arch)
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

// copyModule copies go.mod, go.sum and lambdas/ (what the handlers build
// from) into a new folder and returns it.
func copyModule(t *testing.T, root string) string {
	t.Helper()
	dst := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(root, f), filepath.Join(dst, f))
	}
	err := filepath.WalkDir(filepath.Join(root, "lambdas"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		copyFile(t, path, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func unzipBootstrap(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	bin, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
