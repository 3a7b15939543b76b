// Package dockerfile_test checks the structure of the repository's
// Dockerfile and .dockerignore. No Docker engine or BuildKit parser is
// available where the tests run, so a small line-based parser reads them.
package dockerfile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int    // line of its first line, from 1
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// stage is the instructions from one FROM up to the next.
type stage struct {
	from  instruction
	insts []instruction
}

// dockerfile is a parsed Dockerfile: the ARGs before the first FROM, its
// stages and all comment text (which documents the sandbox's needs).
type dockerfile struct {
	globalArgs map[string]string
	stages     []stage
	comments   string
}

// parse reads a Dockerfile the way Docker splits it: comment lines are
// dropped (also inside a continuation), a trailing backslash continues.
func parse(src string) dockerfile {
	df := dockerfile{globalArgs: map[string]string{}}
	var cur strings.Builder
	start := 0
	var comments strings.Builder
	flush := func() {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		switch {
		case in.cmd == "FROM":
			df.stages = append(df.stages, stage{from: in})
		case len(df.stages) == 0 && in.cmd == "ARG":
			name, val, _ := strings.Cut(in.args, "=")
			df.globalArgs[name] = val
		case len(df.stages) > 0:
			last := &df.stages[len(df.stages)-1]
			last.insts = append(last.insts, in)
		}
	}
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			comments.WriteString(line + "\n")
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	df.comments = comments.String()
	return df
}

// args returns the stage's ARG defaults (name → value).
func (s stage) args() map[string]string {
	m := map[string]string{}
	for _, in := range s.insts {
		if in.cmd == "ARG" {
			name, val, _ := strings.Cut(in.args, "=")
			m[name] = val
		}
	}
	return m
}

var (
	argRef       = regexp.MustCompile(`\$\{?(\w+)\}?`)
	pinnedVer    = regexp.MustCompile(`^v?\d+\.\d+\.\d+$`)
	downloadCmd  = regexp.MustCompile(`\b(curl|wget)\b`)
	verifyCmd    = regexp.MustCompile(`sha256sum (-c|--check)\b|\bgpgv\b|\bgpg\b[^;&|]*--verify\b`)
	secretName   = regexp.MustCompile(`(?i)token|secret|passw|private_?key|api_?key|credential|aws_access`)
	versionArg   = regexp.MustCompile(`^\w+_VERSION$`)
	shellCommand = regexp.MustCompile(`&&|\|\||;`)
	pipedInstall = regexp.MustCompile(`(curl|wget)[^;&]*\|\s*(ba)?sh\b`)
	gitFetch     = regexp.MustCompile(`\bgit (fetch|clone)\b`)
	// pinnedCommit is a comparison of the fetched commit with a pinned
	// *_COMMIT argument that stops the build when they differ.
	pinnedCommit = regexp.MustCompile(`\[ "\$\{\w+\}" = "\$\{\w+_COMMIT\}" \]\s*\|\|\s*\{.*?exit 1`)
	// hashicorpKey is the check that gpgv's good signature comes from
	// HashiCorp's release key, by its primary key's fingerprint.
	hashicorpKey = regexp.MustCompile(`VALIDSIG \.\* C874011F0AB405110D02105534365D9472D7468F\b`)
)

// problems lists every way df falls short of what the image must be.
func problems(df dockerfile) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if len(df.stages) < 2 {
		add("want a multi-stage build, got %d FROM", len(df.stages))
		return out
	}
	stageNames := map[string]bool{}
	for _, st := range df.stages {
		fields := slices.DeleteFunc(strings.Fields(st.from.args), func(f string) bool { return strings.HasPrefix(f, "--") })
		if len(fields) == 0 {
			add("line %d: FROM names no image", st.from.line)
			continue
		}
		image := fields[0]
		if !stageNames[image] && !pinned(image, df.globalArgs) {
			add("line %d: FROM %s is not pinned to a tag or digest", st.from.line, image)
		}
		if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
			stageNames[fields[2]] = true
		}
	}
	for name, val := range df.globalArgs {
		if versionArg.MatchString(name) && !pinnedVer.MatchString(val) && name != "DEBIAN_VERSION" {
			add("global ARG %s=%q is not a pinned x.y.z version", name, val)
		}
	}
	found := map[string]bool{}
	for _, st := range df.stages {
		for name, val := range st.args() {
			if versionArg.MatchString(name) {
				found[name] = true
				if !pinnedVer.MatchString(val) {
					add("ARG %s=%q is not a pinned x.y.z version", name, val)
				}
			}
		}
		for _, in := range st.insts {
			checkInstruction(in, add)
		}
	}
	for _, want := range []string{"TERRAFORM_VERSION", "TERRAGRUNT_VERSION"} {
		if !found[want] && !found[strings.Replace(want, "TERRAFORM", "TOFU", 1)] {
			add("no ARG %s pins the tool's version", want)
		}
	}
	checkBuild(df, add)
	checkFinal(df.stages[len(df.stages)-1], add)
	for _, word := range []string{"landlock", "seccomp", "user namespace"} {
		if !strings.Contains(strings.ToLower(df.comments), word) {
			add("the comments do not document the sandbox's need for %s", word)
		}
	}
	return out
}

// pinned says whether image, its ${ARG}s replaced by their defaults, names
// a digest or a tag other than latest.
func pinned(image string, args map[string]string) bool {
	resolved := argRef.ReplaceAllStringFunc(image, func(ref string) string {
		return args[argRef.FindStringSubmatch(ref)[1]]
	})
	if strings.Contains(resolved, "@sha256:") {
		return true
	}
	_, tag, _ := strings.Cut(resolved[strings.LastIndex(resolved, "/")+1:], ":")
	return tag != "" && !strings.HasPrefix(tag, "latest")
}

// checkInstruction checks one instruction of any stage: downloads are
// verified, nothing secret is baked in.
func checkInstruction(in instruction, add func(string, ...any)) {
	switch in.cmd {
	case "ENV", "ARG":
		name, _, _ := strings.Cut(in.args, "=")
		if secretName.MatchString(name) {
			add("line %d: %s %s would bake a secret into the image; pass it at run time", in.line, in.cmd, name)
		}
	case "ADD":
		if strings.Contains(in.args, "://") && !strings.Contains(in.args, "--checksum=") {
			add("line %d: ADD of a URL without --checksum", in.line)
		}
	case "RUN":
		cmds := shellCommand.Split(in.args, -1)
		for i, c := range cmds {
			if !downloadCmd.MatchString(c) || strings.Contains(c, "apt-get") {
				continue
			}
			if !slices.ContainsFunc(cmds[i+1:], verifyCmd.MatchString) {
				add("line %d: %q downloads without a later sha256sum -c or signature check", in.line, strings.TrimSpace(c))
			}
		}
		if pipedInstall.MatchString(in.args) {
			add("line %d: pipes a download into a shell", in.line)
		}
		if gitFetch.MatchString(in.args) && !pinnedCommit.MatchString(in.args) {
			add("line %d: fetches source with git without checking the commit it got against a pinned one", in.line)
		}
		if strings.Contains(in.args, "releases.hashicorp.com") && !hashicorpKey.MatchString(in.args) {
			add("line %d: HashiCorp download not checked against the pinned key fingerprint", in.line)
		}
	}
}

// checkBuild checks that some stage builds both binaries.
func checkBuild(df dockerfile, add func(string, ...any)) {
	for _, st := range df.stages[:len(df.stages)-1] {
		for _, in := range st.insts {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") &&
				strings.Contains(in.args, "./cmd/csocbot ") && strings.Contains(in.args, "./cmd/csocbot-sandbox") {
				return
			}
		}
	}
	add("no build stage runs go build for ./cmd/csocbot and ./cmd/csocbot-sandbox")
}

// checkFinal checks the image that runs.
func checkFinal(st stage, add func(string, ...any)) {
	var user string
	var all strings.Builder
	has := map[string]bool{}
	for _, in := range st.insts {
		has[in.cmd] = true
		all.WriteString(in.cmd + " " + in.args + "\n")
		switch in.cmd {
		case "USER":
			user = in.args
		case "HEALTHCHECK":
			if strings.EqualFold(strings.TrimSpace(in.args), "NONE") {
				add("line %d: HEALTHCHECK NONE", in.line)
			}
		case "EXPOSE":
			has["EXPOSE "+in.args] = true
		}
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		add("the final stage runs as %q, want a non-root USER", user)
	}
	if !has["HEALTHCHECK"] {
		add("the final stage has no HEALTHCHECK")
	}
	if !has["EXPOSE 8080"] {
		add("the final stage does not EXPOSE 8080")
	}
	text := all.String()
	for _, want := range []string{"ca-certificates", "git", "csocbot-sandbox", "terragrunt"} {
		if !strings.Contains(text, want) {
			add("the final stage does not install %s", want)
		}
	}
	if !strings.Contains(text, "/terraform") && !strings.Contains(text, "/tofu") {
		add("the final stage has neither terraform nor tofu")
	}
}

// root is the module root, two folders up from this package.
func root(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func read(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), name))
	if err != nil {
		t.Fatalf("read the repository's %s: %v", name, err)
	}
	return string(b)
}

func TestDockerfile(t *testing.T) {
	for _, p := range problems(parse(read(t, "Dockerfile"))) {
		t.Error(p)
	}
}

// TestProblems makes sure each check can fail: every case breaks the real
// Dockerfile in one way and expects a problem naming it.
func TestProblems(t *testing.T) {
	good := read(t, "Dockerfile")
	tests := []struct {
		name, old, new, want string
	}{
		{"latest base", "FROM debian:${DEBIAN_VERSION} AS tools", "FROM debian:latest AS tools", "FROM debian:latest is not pinned"},
		{"untagged base", "FROM golang:${GO_VERSION}-bookworm AS build", "FROM golang AS build", "FROM golang is not pinned"},
		{"unpinned version", "ARG TERRAFORM_VERSION=1.11.4", "ARG TERRAFORM_VERSION=1.11", `TERRAFORM_VERSION="1.11" is not a pinned`},
		{"no terragrunt version", "ARG TERRAGRUNT_VERSION=0.63.6", "ARG TG=0.63.6", "no ARG TERRAGRUNT_VERSION"},
		{"unverified download", "unzip -q \"${zip}\" terraform; \\", "unzip -q \"${zip}\" terraform; curl -fsSLo x https://example.com/x; \\", "downloads without a later sha256sum"},
		{"unchecked source", "[ \"${commit}\" = \"${TERRAGRUNT_COMMIT}\" ]", "true", "without checking the commit"},
		{"no fingerprint", " C874011F0AB405110D02105534365D9472D7468F\\$\" gpgv.status", "\" gpgv.status", "pinned key fingerprint"},
		{"piped installer", "RUN set -eu; \\\n    arch", "RUN curl -fsSL https://example.com/i | sh; sha256sum -c x; \\\n    arch", "pipes a download into a shell"},
		{"root user", "USER 10001:10001", "USER root", `runs as "root"`},
		{"no user", "USER 10001:10001", "", `runs as ""`},
		{"no healthcheck", "HEALTHCHECK --interval", "LABEL x=y --interval", "no HEALTHCHECK"},
		{"no expose", "EXPOSE 8080", "EXPOSE 9090", "does not EXPOSE 8080"},
		{"secret env", "EXPOSE 8080", "EXPOSE 8080\nENV GITHUB_TOKEN=abc", "ENV GITHUB_TOKEN would bake a secret"},
		{"url add", "EXPOSE 8080", "EXPOSE 8080\nADD https://example.com/x /x", "ADD of a URL without --checksum"},
		{"no sandbox binary", "./cmd/csocbot ./cmd/csocbot-sandbox", "./cmd/csocbot", "no build stage runs go build"},
		{"no git", "bash ca-certificates git openssh-client", "bash ca-certificates openssh-client", "does not install git"},
		{"undocumented sandbox", "seccomp", "filter", "need for seccomp"},
		{"single stage", good, "FROM debian:12\nUSER 1\n", "want a multi-stage build"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(good, tt.old) {
				t.Fatalf("the Dockerfile no longer contains %q; update this case", tt.old)
			}
			got := problems(parse(strings.ReplaceAll(good, tt.old, tt.new)))
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("want a problem containing %q, got %q", tt.want, got)
			}
		})
	}
}

func TestDockerignore(t *testing.T) {
	var patterns []string
	for _, line := range strings.Split(read(t, ".dockerignore"), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	for _, want := range []string{".git", "bin/", "/csocbot", "**/*.test", "**/testdata", "**/.terraform", "**/.terragrunt-cache", "**/*.tfstate", "**/.env"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
	// The build copies go.mod, go.sum, the Go sources and the policy library.
	for _, keep := range []string{"go.mod", "go.sum", "cmd", "policy", "*.go", "*.rego"} {
		if slices.Contains(patterns, keep) || slices.Contains(patterns, "**/"+keep) {
			t.Errorf(".dockerignore excludes %s, which the build needs", keep)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("FROM a:1 AS b\nRUN x \\\n# c\n y\nFROM b\nUSER 1\n")
	f.Add("ARG V=1\nFROM --platform=x img:${V}\n\\")
	f.Add("FROM\nRUN curl x; sha256sum -c y\n")
	f.Fuzz(func(t *testing.T, src string) {
		problems(parse(src)) // must not panic
	})
}
