// Package lambdazip builds a Go Lambda handler into its deployment zip for the
// provided.al2023 runtime, reproducibly: the same source, module versions and
// Go release give byte-identical zips, so the same SHA-256, the same
// content-addressed S3 key, and no redeployment. `make lambdas` (through
// lambdas/hack/buildzip) and `kubectl eds publish` build with this package
// alone, so a zip built by either has the hash the other computes.
//
// What makes a build reproducible:
//
//   - go build -trimpath (no directory of the checkout or the module cache in
//     the binary), -buildvcs=false (no commit: a commit that leaves a handler
//     alone leaves its zip alone), -ldflags "-s -w -buildid=" (no symbol
//     table, no DWARF, no build ID), -tags lambda.norpc, CGO_ENABLED=0;
//   - GOOS=linux, the architecture's GOARCH, and its microarchitecture level
//     pinned (GOAMD64=v1, GOARM64=v8.0) whatever the environment says;
//   - one zip entry, "bootstrap", mode 0755, dated 1980-01-01 00:00 in the
//     MS-DOS fields only (no extended-timestamp extra field), deflated.
//
// Go builds are otherwise independent of the build cache and the output
// directory. The zip depends on the Go release too (the compiler, and
// compress/flate for the zip): a new Go release may change every hash once.
package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Lambda's architecture names, as spec.functions[].architecture and the
// Lambda API spell them.
const (
	ARM64  = "arm64"
	X86_64 = "x86_64" //nolint:revive // Lambda's own spelling of the architecture
)

// LambdaMaxBytes is Lambda's limit on a function's unzipped code: 250 MB.
const LambdaMaxBytes = 262_144_000

// GOARCH returns the Go architecture of a Lambda architecture. It accepts
// Lambda's names (arm64, x86_64) and Go's (arm64, amd64), so that a Makefile
// variable can take either.
func GOARCH(arch string) (string, error) {
	switch arch {
	case ARM64:
		return "arm64", nil
	case X86_64, "amd64":
		return "amd64", nil
	}
	return "", fmt.Errorf("architecture %q: want arm64 or x86_64 (Lambda's names; amd64 is taken for x86_64)", arch)
}

// Architecture returns Lambda's name of an architecture given in either
// naming: amd64 becomes x86_64.
func Architecture(arch string) (string, error) {
	goarch, err := GOARCH(arch)
	if err != nil {
		return "", err
	}
	if goarch == "amd64" {
		return X86_64, nil
	}
	return ARM64, nil
}

// elfMachine is the ELF machine of each GOARCH this package builds.
var elfMachine = map[string]elf.Machine{"arm64": elf.EM_AARCH64, "amd64": elf.EM_X86_64}

// Zip is a deployment package.
type Zip struct {
	// Data is the zip itself.
	Data []byte
	// SHA256 is the zip's SHA-256, base64 encoded: what Lambda reports as
	// CodeSha256, what spec.functions[].code.sha256 holds, and what S3
	// checks as x-amz-checksum-sha256.
	SHA256 string
	// BootstrapBytes is the size of the bootstrap binary, when this package
	// built it (0 for a zip read as is).
	BootstrapBytes int64
}

// HexSHA256 is the zip's SHA-256 in hexadecimal, for names (an S3 key).
func (z *Zip) HexSHA256() string {
	sum, _ := base64.StdEncoding.DecodeString(z.SHA256)
	return hex.EncodeToString(sum)
}

// SHA256 returns the base64 SHA-256 of data, as Lambda's CodeSha256.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func newZip(data []byte, bootstrapBytes int64) *Zip {
	return &Zip{Data: data, SHA256: SHA256(data), BootstrapBytes: bootstrapBytes}
}

// BuildOptions tune Build.
type BuildOptions struct {
	// MaxBytes refuses a bootstrap larger than this; 0 means LambdaMaxBytes.
	MaxBytes int64
	// Env is added to the go command's environment, after the process's own
	// and before the settings that make the build reproducible (GOOS,
	// GOARCH, CGO_ENABLED, GOAMD64, GOARM64), which always win. GOFLAGS and
	// GOCACHE from here or the process apply, as for any go build.
	Env []string
}

// Build compiles the main package in dir (a directory inside a Go module)
// for Linux on arch (Lambda's or Go's name) and packs it into a zip.
func Build(ctx context.Context, dir, arch string, o BuildOptions) (*Zip, error) {
	goarch, err := GOARCH(arch)
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "lambdazip-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	bin := filepath.Join(out, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", BuildArgs(bin, ".")...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), o.Env...), BuildEnv(goarch)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build in %s for linux/%s: %w\n%s", dir, goarch, err, strings.TrimSpace(stderr.String()))
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		// go build -o writes a package archive for a library.
		return nil, fmt.Errorf("%s: not a main package (go build wrote no executable)", dir)
	}
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = LambdaMaxBytes
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%s: the bootstrap for linux/%s is %d bytes, more than the limit of %d", dir, goarch, len(data), maxBytes)
	}
	zipped, err := Pack(data)
	if err != nil {
		return nil, err
	}
	return newZip(zipped, int64(len(data))), nil
}

// BuildArgs are the arguments of the go command that builds package pkg into
// the file out, for GOOS, GOARCH and the rest of BuildEnv.
func BuildArgs(out, pkg string) []string {
	return []string{"build", "-buildvcs=false", "-trimpath", "-tags", "lambda.norpc",
		"-ldflags", "-s -w -buildid=", "-o", out, pkg}
}

// BuildEnv is the environment, over the process's own, of a build for goarch.
func BuildEnv(goarch string) []string {
	return []string{"GOOS=linux", "GOARCH=" + goarch, "CGO_ENABLED=0", "GOAMD64=v1", "GOARM64=v8.0"}
}

// dosDate1980 is 1980-01-01 in the MS-DOS date format (day 1, month 1, year
// 0 from 1980), the earliest date a zip can hold; the time is 00:00:00.
const dosDate1980 = 1<<5 | 1

// Pack returns the zip of one executable entry, "bootstrap", holding
// bootstrap: the same input gives the same bytes.
func Pack(bootstrap []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	// The MS-DOS fields rather than Modified: Modified would add an
	// extended-timestamp extra field.
	hdr.ModifiedDate, hdr.ModifiedTime = dosDate1980, 0 //nolint:staticcheck // deprecated for Modified, which adds an extra field
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bootstrap); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Read reads a zip given as is (built elsewhere) and checks that it is a
// zip, and, when it holds a Linux executable "bootstrap", that the binary is
// for arch: a binary for the other architecture fails only when Lambda
// starts it.
func Read(path, arch string) (*Zip, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := CheckArchitecture(data, arch); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return newZip(data, 0), nil
}

// CheckArchitecture checks that zipped is a zip and that its "bootstrap",
// if it has one and it is an ELF binary, is for arch. A bootstrap that is a
// script, or no bootstrap (another runtime), passes.
func CheckArchitecture(zipped []byte, arch string) error {
	goarch, err := GOARCH(arch)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		return fmt.Errorf("not a zip: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != "bootstrap" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		head := make([]byte, 20) // the ELF header up to e_machine
		_, err = io.ReadFull(rc, head)
		rc.Close()
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || !bytes.HasPrefix(head, []byte(elf.ELFMAG)) {
			return nil // not ELF: a script
		}
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		var machine elf.Machine
		if elf.Data(head[elf.EI_DATA]) == elf.ELFDATA2MSB {
			machine = elf.Machine(binary.BigEndian.Uint16(head[18:]))
		} else {
			machine = elf.Machine(binary.LittleEndian.Uint16(head[18:]))
		}
		if machine != elfMachine[goarch] {
			return fmt.Errorf("its bootstrap is a %s binary, and the function's architecture is %s", machine, arch)
		}
	}
	return nil
}
