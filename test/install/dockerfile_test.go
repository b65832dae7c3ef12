package install

import (
	"bufio"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/eventstack-io/eventstack-operator/internal/localcluster"
)

// No Docker engine runs here, so the image is checked in two halves: its
// build stage's command is the one `make build` runs (same flags), and that
// exact command, run on the files the Docker build context would hold, builds
// a static manager that starts.

// goBuild is a `go build` command line: its environment assignments and its
// arguments after `go build`.
type goBuild struct {
	line string
	env  map[string]string
	args []string
}

// output is the -o argument.
func (b goBuild) output() (string, int, error) {
	i := slices.Index(b.args, "-o")
	if i < 0 || i+1 >= len(b.args) {
		return "", 0, fmt.Errorf("%q has no -o <file>", b.line)
	}
	return b.args[i+1], i + 1, nil
}

// flags are the arguments without the output file, and the environment
// without the target platform: what must be the same for every build.
func (b goBuild) flags() (map[string]string, []string) {
	env := map[string]string{}
	for k, v := range b.env {
		if k != "GOOS" && k != "GOARCH" {
			env[k] = v
		}
	}
	var args []string
	for i := 0; i < len(b.args); i++ {
		if b.args[i] == "-o" {
			i++
			continue
		}
		args = append(args, b.args[i])
	}
	return env, args
}

// dockerBuildStage returns the Dockerfile's `go build` command, with its ARGs
// expanded from buildArgs, after checking that the file it writes is the one
// the final stage copies into the image.
func dockerBuildStage(t *testing.T, buildArgs map[string]string) goBuild {
	t.Helper()
	f, err := os.Open(filepath.Join(localcluster.RepoRoot(), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type stage struct {
		name, workdir string
		runs          []string
		copyFrom      [][]string // COPY --from=<stage> <src> <dest>
	}
	var stages []*stage
	var logical string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if logical == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			logical += cont + " "
			continue
		}
		logical += line
		instr, rest, _ := strings.Cut(logical, " ")
		logical = ""
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instr) {
		case "FROM":
			s := &stage{}
			if words := strings.Fields(rest); len(words) == 3 && strings.EqualFold(words[1], "AS") {
				s.name = words[2]
			}
			stages = append(stages, s)
		case "WORKDIR":
			stages[len(stages)-1].workdir = rest
		case "RUN":
			stages[len(stages)-1].runs = append(stages[len(stages)-1].runs, rest)
		case "COPY":
			if from, ok := strings.CutPrefix(rest, "--from="); ok {
				stages[len(stages)-1].copyFrom = append(stages[len(stages)-1].copyFrom, strings.Fields(from))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(stages) < 2 {
		t.Fatalf("the Dockerfile has %d stages, want a build stage and the image", len(stages))
	}
	final := stages[len(stages)-1]
	if len(final.copyFrom) != 1 || len(final.copyFrom[0]) != 3 {
		t.Fatalf("the image copies %v from other stages, want one file", final.copyFrom)
	}
	from, shipped := final.copyFrom[0][0], final.copyFrom[0][1]
	for _, s := range stages {
		if s.name != from {
			continue
		}
		var builds []string
		for _, r := range s.runs {
			if strings.Contains(r, "go build") {
				builds = append(builds, r)
			}
		}
		if len(builds) != 1 {
			t.Fatalf("build stage %s runs %d go build commands, want 1: %v", from, len(builds), builds)
		}
		b, err := parseGoBuild(builds[0], buildArgs)
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := b.output()
		if err != nil {
			t.Fatal(err)
		}
		if path.Join(s.workdir, out) != shipped {
			t.Errorf("the build stage writes %s, the image ships %s", path.Join(s.workdir, out), shipped)
		}
		return b
	}
	t.Fatalf("the Dockerfile has no stage %s", from)
	return goBuild{}
}

// makeBuildTarget returns the `go build` command of the Makefile's build target.
func makeBuildTarget(t *testing.T) goBuild {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(localcluster.RepoRoot(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	inBuild := false
	var builds []string
	for _, line := range strings.Split(string(data), "\n") {
		if recipe, ok := strings.CutPrefix(line, "\t"); ok {
			if inBuild && strings.Contains(recipe, "go build") {
				builds = append(builds, strings.TrimLeft(recipe, "@-+"))
			}
			continue
		}
		if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#") {
			inBuild = strings.HasPrefix(line, "build:")
		}
	}
	if len(builds) != 1 {
		t.Fatalf("the Makefile's build target runs %d go build commands, want 1: %v", len(builds), builds)
	}
	b, err := parseGoBuild(builds[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseGoBuild reads `[NAME=value ...] go build args...`.
func parseGoBuild(line string, vars map[string]string) (goBuild, error) {
	words, err := shellWords(line, vars)
	if err != nil {
		return goBuild{}, fmt.Errorf("%q: %w", line, err)
	}
	b := goBuild{line: line, env: map[string]string{}}
	assignment := regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
	for len(words) > 0 {
		m := assignment.FindStringSubmatch(words[0])
		if m == nil {
			break
		}
		b.env[m[1]] = m[2]
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		return goBuild{}, fmt.Errorf("%q is not a go build command", line)
	}
	b.args = words[2:]
	return b, nil
}

// shellWords splits a simple command as sh does: words separated by blanks,
// quotes removed, backslash escapes, and $NAME, ${NAME} and ${NAME:-default}
// expanded from vars (an unset name is an error). It refuses command lists,
// pipes, redirections and command substitutions rather than misread them.
func shellWords(line string, vars map[string]string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord, quote := false, rune(0)
	runes := []rune(line)
	expand := func(i int) (string, int, error) { // runes[i] == '$'
		j := i + 1
		if j < len(runes) && runes[j] == '{' {
			end := slices.Index(runes[j:], '}')
			if end < 0 {
				return "", 0, fmt.Errorf("unterminated ${")
			}
			body := string(runes[j+1 : j+end])
			name, def, hasDef := strings.Cut(body, ":-")
			if v, ok := vars[name]; ok && v != "" {
				return v, j + end, nil
			}
			if hasDef {
				return def, j + end, nil
			}
			return "", 0, fmt.Errorf("${%s} is not set", name)
		}
		k := j
		for k < len(runes) && (runes[k] == '_' || runes[k] >= 'A' && runes[k] <= 'Z' || runes[k] >= 'a' && runes[k] <= 'z' || runes[k] >= '0' && runes[k] <= '9') {
			k++
		}
		if k == j {
			return "", 0, fmt.Errorf("unsupported $ expression")
		}
		v, ok := vars[string(runes[j:k])]
		if !ok {
			return "", 0, fmt.Errorf("$%s is not set", string(runes[j:k]))
		}
		return v, k - 1, nil
	}
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				word.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				if i+1 < len(runes) && strings.ContainsRune(`$"\`+"`", runes[i+1]) {
					i++
				}
				word.WriteRune(runes[i])
			case '$':
				v, end, err := expand(i)
				if err != nil {
					return nil, err
				}
				word.WriteString(v)
				i = end
			case '`':
				return nil, fmt.Errorf("command substitution is not supported")
			default:
				word.WriteRune(r)
			}
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case strings.ContainsRune(";&|<>`()", r):
			return nil, fmt.Errorf("%q: only a simple command is supported", r)
		default:
			inWord = true
			switch r {
			case '\'', '"':
				quote = r
			case '\\':
				if i+1 < len(runes) {
					i++
					word.WriteRune(runes[i])
				}
			case '$':
				v, end, err := expand(i)
				if err != nil {
					return nil, err
				}
				word.WriteString(v)
				i = end
			default:
				word.WriteRune(r)
			}
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// hostPlatform are the build args BuildKit would set building for this machine.
func hostPlatform() map[string]string {
	return map[string]string{"TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH}
}

// The Dockerfile's build stage and `make build` build with the same flags:
// CGO_ENABLED=0, -trimpath, -ldflags "-s -w", ./cmd. Only the output file
// and the target platform differ.
func TestDockerfileBuildsLikeMakeBuild(t *testing.T) {
	docker := dockerBuildStage(t, hostPlatform())
	mk := makeBuildTarget(t)
	dEnv, dArgs := docker.flags()
	mEnv, mArgs := mk.flags()
	if fmt.Sprint(dEnv) != fmt.Sprint(mEnv) || !slices.Equal(dArgs, mArgs) {
		t.Errorf("the Dockerfile builds with %v %v, make build with %v %v", dEnv, dArgs, mEnv, mArgs)
	}
	want := []string{"-trimpath", "-ldflags", "-s -w", "./cmd"}
	if dEnv["CGO_ENABLED"] != "0" || !slices.Equal(dArgs, want) {
		t.Errorf("the Dockerfile builds with %v %v, want CGO_ENABLED=0 and %q", dEnv, dArgs, want)
	}
	if docker.env["GOOS"] != runtime.GOOS || docker.env["GOARCH"] != runtime.GOARCH {
		t.Errorf("built for this machine, the Dockerfile targets %s/%s", docker.env["GOOS"], docker.env["GOARCH"])
	}
	// Without --platform's TARGETOS, the build stage still targets Linux.
	if b := dockerBuildStage(t, map[string]string{"TARGETARCH": "arm64"}); b.env["GOOS"] != "linux" || b.env["GOARCH"] != "arm64" {
		t.Errorf("with TARGETARCH=arm64 only, the Dockerfile targets %s/%s", b.env["GOOS"], b.env["GOARCH"])
	}
}

// The Dockerfile's build command, run as is (the host's platform, the output
// in a temporary folder) on the files the Docker build context holds
// (.dockerignore applied), builds a static, stripped manager that starts and
// knows every flag the Deployment passes it.
func TestDockerfileBuildProducesAStaticBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image is Linux; the ELF checks need a Linux build")
	}
	docker := dockerBuildStage(t, hostPlatform())
	contextDir := dockerBuildContext(t)
	out, i, err := docker.output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), path.Base(out))
	args := slices.Clone(docker.args)
	args[i] = bin

	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-20*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, args...)...)
	cmd.Dir = contextDir
	cmd.Env = os.Environ()
	for k, v := range docker.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	start := time.Now()
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s (in the build context): %v\n%s", docker.line, err, output)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Second))

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the manager is dynamically linked (%s program header)", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the manager needs shared libraries %v", libs)
	}
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			t.Errorf("the manager keeps section %s (-ldflags \"-s -w\" strips the symbol table and DWARF)", s.Name)
		}
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// (Go does not record -ldflags with -trimpath: the sections above show it.)
	for k, want := range map[string]string{"CGO_ENABLED": "0", "-trimpath": "true", "GOOS": runtime.GOOS, "GOARCH": runtime.GOARCH} {
		if settings[k] != want {
			t.Errorf("build setting %s is %q, want %q", k, settings[k], want)
		}
	}
	if info.Path != "github.com/eventstack-io/eventstack-operator/cmd" {
		t.Errorf("the binary is %s, want the manager", info.Path)
	}

	help := exec.CommandContext(ctx, bin, "--help")
	help.Env = []string{} // nothing from the test's environment: as in the image
	usage, err := help.CombinedOutput()
	if err != nil {
		t.Fatalf("manager --help: %v\n%s", err, usage)
	}
	dep := &appsv1.Deployment{}
	only(t, installManifests(t), "Deployment", "eventstack-controller-manager", dep)
	for _, a := range dep.Spec.Template.Spec.Containers[0].Args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.Contains(string(usage), "-"+name+" ") && !strings.Contains(string(usage), "-"+name+"\n") {
			t.Errorf("the Deployment passes %s, which manager --help does not list:\n%s", a, usage)
		}
	}
}

// dockerBuildContext copies into a temporary folder the files of the checkout
// that .dockerignore lets into the Docker build context, matched as Docker
// matches them: the last pattern that matches a path or one of its parent
// folders decides, "!" lets a path back in, "**" spans folders.
func dockerBuildContext(t *testing.T) string {
	t.Helper()
	root := localcluster.RepoRoot()
	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	type rule struct {
		re      *regexp.Regexp
		include bool
	}
	var rules []rule
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		include := strings.HasPrefix(line, "!")
		pattern := path.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/"))
		rules = append(rules, rule{regexp.MustCompile(dockerignoreRegexp(pattern)), include})
	}
	ignored := func(rel string) bool {
		out := false
		for _, r := range rules {
			for p := rel; p != "." && p != "/"; p = path.Dir(p) {
				if r.re.MatchString(p) {
					out = !r.include
					break
				}
			}
		}
		return out
	}

	dir := t.TempDir()
	copied := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || ignored(filepath.ToSlash(rel)) {
			return nil
		}
		copied++
		return copyFile(p, filepath.Join(dir, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"go.mod", "go.sum", "cmd/main.go"} {
		if _, err := os.Stat(filepath.Join(dir, must)); err != nil {
			t.Fatalf("the build context lacks %s", must)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "test", "install", "dockerfile_test.go")); err == nil {
		t.Fatal("the build context holds tests, which .dockerignore leaves out")
	}
	t.Logf("build context: %d files", copied)
	return dir
}

// dockerignoreRegexp translates a .dockerignore pattern as Docker's
// patternmatcher does.
func dockerignoreRegexp(pattern string) string {
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				i++
				if i+1 < len(pattern) && pattern[i+1] == '/' {
					i++
				}
				if i+1 == len(pattern) {
					re.WriteString(".*")
				} else {
					re.WriteString("(.*/)?")
				}
			} else {
				re.WriteString("[^/]*")
			}
		case '?':
			re.WriteString("[^/]")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	return re.String()
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
