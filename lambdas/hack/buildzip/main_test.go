package main

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/test/emulators"
)

// handlers returns the repository's handler folders.
func handlers(t *testing.T) []string {
	t.Helper()
	root, err := emulators.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob(filepath.Join(root, "lambdas", "cmd", "*"))
	if err != nil || len(dirs) != 4 {
		t.Fatalf("functions %v (%v), want the seed's three and the orders stream consumer", dirs, err)
	}
	return dirs
}

// buildzip runs the command as `make lambdas` does.
func buildzip(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, args, &out)
	return out.String(), err
}

// bootstrapOf checks that a zip holds bootstrap alone, executable, and
// returns it as ELF.
func bootstrapOf(t *testing.T, path string) (*elf.File, int) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("%s: entries %v, want bootstrap (0755) alone", path, zr.File)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: bootstrap is not an ELF binary: %v", path, err)
	}
	if f.Type != elf.ET_EXEC || f.Section(".symtab") != nil {
		t.Errorf("%s: bootstrap is %v with symbols %v; want a stripped executable", path, f.Type, f.Section(".symtab") != nil)
	}
	return f, len(data)
}

// TestEveryFunctionBuildsUnderTheLimit is `make lambdas`: each function
// built for arm64 (the default) into dist/<function>.zip, an arm64 Linux
// executable under 12 MB, alone in its zip; one line printed per zip with
// its SHA-256.
func TestEveryFunctionBuildsUnderTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles four binaries")
	}
	out := t.TempDir()
	dirs := handlers(t)
	printed, err := buildzip(t, append([]string{"-o", out, "-max-bytes", "12000000"}, dirs...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + printed)
	for _, dir := range dirs {
		fn := filepath.Base(dir)
		zipPath := filepath.Join(out, fn+".zip")
		f, size := bootstrapOf(t, zipPath)
		if f.Machine != elf.EM_AARCH64 {
			t.Errorf("%s: %v, want arm64", fn, f.Machine)
		}
		if size > DefaultMaxBytes {
			t.Errorf("%s: %d bytes", fn, size)
		}
		if !strings.Contains(printed, zipPath) || !strings.Contains(printed, "sha256 ") {
			t.Errorf("%s: no line with its SHA-256 printed", fn)
		}
	}
}

// TestX86_64 is `make lambdas LAMBDA_ARCH=x86_64`, which once failed with
// "unsupported GOOS/GOARCH pair linux/x86_64": Lambda's name is taken, and
// Go's amd64 too, for the same zip.
func TestX86_64(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a binary twice")
	}
	dir := handlers(t)[0]
	fn := filepath.Base(dir)
	zips := map[string][]byte{}
	for _, arch := range []string{"x86_64", "amd64"} {
		out := t.TempDir()
		if _, err := buildzip(t, "-arch", arch, "-o", out, dir); err != nil {
			t.Fatalf("-arch %s: %v", arch, err)
		}
		path := filepath.Join(out, fn+".zip")
		if f, _ := bootstrapOf(t, path); f.Machine != elf.EM_X86_64 {
			t.Errorf("-arch %s: %v, want x86-64", arch, f.Machine)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		zips[arch] = data
	}
	if !bytes.Equal(zips["x86_64"], zips["amd64"]) {
		t.Error("-arch x86_64 and -arch amd64 give different zips")
	}
}

func TestRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a binary")
	}
	dir := handlers(t)[0]
	out := t.TempDir()
	if _, err := buildzip(t, "-arch", "x86-64", "-o", out, dir); err == nil || !strings.Contains(err.Error(), `"x86-64"`) {
		t.Errorf("-arch x86-64: err = %v, want it named", err)
	}
	if _, err := buildzip(t, "-max-bytes", "1000", "-o", out, dir); err == nil || !strings.Contains(err.Error(), "more than the limit of 1000") {
		t.Errorf("-max-bytes 1000: err = %v, want the limit named", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("refused builds left %v", entries)
	}
}
