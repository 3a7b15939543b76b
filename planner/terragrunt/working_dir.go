package terragrunt

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"path"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// workingDir is Terragrunt's get_working_dir: the folder terraform runs in
// when Terragrunt runs the configuration. That is the configuration's own
// folder without a terraform.source, and otherwise the source's folder in
// Terragrunt's download cache, <folder>/.terragrunt-cache/<hash of the
// folder>/<hash of the source>/<subdirectory>. Like Terragrunt, it
// evaluates the configuration once more, with get_working_dir returning
// "", to learn the source; the configuration is the unit's, or in a file
// read by read_terragrunt_config that file's.
func (fe *fileEval) workingDir() (cty.Value, error) {
	st := fe.st
	if st.learningSource {
		return cty.StringVal(""), nil
	}
	file, _ := st.configFileIn(st.origDir)
	dir := st.origDir
	if n := len(st.reading); n > 0 {
		file, dir = st.reading[n-1], path.Dir(st.reading[n-1])
	}
	sub := &evalState{ev: st.ev, ctx: st.ctx, rec: &recorder{}, meter: st.meter, origDir: st.origDir, reading: st.reading, learningSource: true}
	cfg, err := sub.evalFile(file, dir, "config")
	st.rec.merge(sub.rec)
	st.usedOriginalDir = st.usedOriginalDir || sub.usedOriginalDir
	if err != nil {
		return cty.NilVal, fmt.Errorf("get_working_dir evaluates %s to learn its terraform.source: %w", file, nestedError(err))
	}
	absDir := st.ev.abs(dir)
	if cfg.tfSource == nil || *cfg.tfSource == "" {
		return cty.StringVal(absDir), nil
	}
	src, err := parseSource(*cfg.tfSource, dir, st.ev.opts.Root)
	if err != nil {
		return cty.NilVal, fmt.Errorf("get_working_dir: %w", err)
	}
	root, subdir, err := st.ev.downloadAddress(src)
	if err != nil {
		return cty.NilVal, fmt.Errorf("get_working_dir: %w", err)
	}
	return cty.StringVal(path.Join(absDir, ".terragrunt-cache", base64SHA1(absDir), base64SHA1(root), subdir)), nil
}

// downloadAddress is the address Terragrunt names a source's download
// folder after, as go-getter canonicalises it without the query, and the
// subdirectory of the module in that folder.
func (e *Evaluator) downloadAddress(src ModuleSource) (addr, subdir string, err error) {
	if src.Kind == LocalSource {
		return "file://" + e.abs(src.CopyRoot), relPath(src.CopyRoot, src.Dir), nil
	}
	addr, err = canonicalGetterAddress(src.URL)
	return addr, src.Subdir, err
}

// canonicalGetterAddress rewrites the shorthands go-getter detects into
// the URLs it fetches: github.com/org/repo becomes
// git::https://github.com/org/repo.git and git@host:path
// git::ssh://git@host/path.
func canonicalGetterAddress(u string) (string, error) {
	forced, addr := "", u
	if i := strings.Index(u, "::"); i > 0 && !strings.Contains(u[:i], "/") {
		forced, addr = u[:i], u[i+2:]
	}
	switch {
	case strings.HasPrefix(addr, "github.com/"):
		if strings.Count(addr, "/") < 2 {
			return "", fmt.Errorf("GitHub URLs should be github.com/username/repo, got %s", addr)
		}
		forced, addr = "git", "https://"+addr
		if !strings.HasSuffix(addr, ".git") {
			addr += ".git"
		}
	case strings.HasPrefix(addr, "git@"):
		host, repoPath, ok := strings.Cut(strings.TrimPrefix(addr, "git@"), ":")
		if !ok {
			return "", fmt.Errorf("git SSH address %s lacks the colon before the repository path", addr)
		}
		forced, addr = "git", "ssh://git@"+host+"/"+repoPath
	case strings.HasPrefix(addr, "bitbucket.org/"):
		// go-getter asks Bitbucket's API whether the repository is git or
		// Mercurial; csocbot does not call out while evaluating.
		return "", fmt.Errorf("cannot name the download folder of %s: write the source as git::https://%s.git", addr, addr)
	}
	if forced != "" {
		return forced + "::" + addr, nil
	}
	return addr, nil
}

// base64SHA1 is how Terragrunt names download folders: the URL-safe,
// unpadded base64 of a SHA-1 digest.
func base64SHA1(s string) string {
	sum := sha1.Sum([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
