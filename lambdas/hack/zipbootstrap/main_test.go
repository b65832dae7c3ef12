package main

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventstack-io/eventstack-operator/internal/testservers"
)

// TestEveryFunctionBuildsUnderTheLimit builds each function as `make lambdas`
// does (linux/arm64, lambda.norpc, stripped) and packs it: each bootstrap is
// an arm64 Linux executable under 12 MB, alone in its zip, executable.
func TestEveryFunctionBuildsUnderTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles three binaries")
	}
	root, err := testservers.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	functions, err := filepath.Glob(filepath.Join(root, "lambdas", "cmd", "*"))
	if err != nil || len(functions) != 3 {
		t.Fatalf("functions %v (%v), want the seed's three", functions, err)
	}
	out := t.TempDir()
	for _, dir := range functions {
		fn := filepath.Base(dir)
		t.Run(fn, func(t *testing.T) {
			bin := filepath.Join(out, fn, "bootstrap")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./lambdas/cmd/"+fn)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, b)
			}
			zipPath := filepath.Join(out, fn+".zip")
			binSize, zipSize, err := pack(bin, zipPath, DefaultMaxBytes)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: bootstrap %d bytes (%.2f MiB), zip %d bytes (%.2f MiB)", fn, binSize, mib(binSize), zipSize, mib(zipSize))

			zr, err := zip.OpenReader(zipPath)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
				t.Fatalf("zip entries %v, want bootstrap (0755) alone", zr.File)
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
				t.Fatalf("bootstrap is not an ELF binary: %v", err)
			}
			if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
				t.Errorf("bootstrap is %v %v, want an arm64 executable", f.Machine, f.Type)
			}
			if f.Section(".symtab") != nil {
				t.Error("bootstrap has a symbol table; it should be stripped (-s -w)")
			}
		})
	}
}

func TestPackRefusesAnOversizedBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(bin, make([]byte, 1001), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := pack(bin, filepath.Join(dir, "f.zip"), 1000); err == nil {
		t.Fatal("packed a binary over the limit")
	}
	if _, err := os.Stat(filepath.Join(dir, "f.zip")); !os.IsNotExist(err) {
		t.Fatalf("a zip was written: %v", err)
	}
}
