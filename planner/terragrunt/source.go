package terragrunt

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// SourceKind classifies a terraform.source.
type SourceKind string

// Source kinds.
const (
	NoSource       SourceKind = ""         // no terraform.source: the unit directory is the module
	LocalSource    SourceKind = "local"    // a directory of this repository
	GitSource      SourceKind = "git"      // git::URL, github.com/…, git@host:…
	RegistrySource SourceKind = "registry" // tfr://host/namespace/name/provider?version=
	RemoteSource   SourceKind = "remote"   // any other go-getter address (s3::, https://…zip)
)

// ModuleSource is a parsed terraform.source.
type ModuleSource struct {
	Kind SourceKind
	// Dir is, for a local source, the module directory relative to the
	// repository root (the part after `//` joined on).
	Dir string
	// CopyRoot is, for a local source, the directory Terragrunt copies: the
	// part before `//`, or Dir when there is none.
	CopyRoot string
	// URL is the address of a remote source without the `//subdir` and the
	// query, with its forced getter (`git::https://host/repo.git`): the
	// getter decides how the address is fetched. Subdir and Ref (?ref= or
	// ?version=) are split off.
	URL    string
	Subdir string
	Ref    string
}

// parseSource parses a terraform.source value. unitDir and root resolve
// local paths: relative paths are relative to the unit directory, as in
// Terragrunt, and absolute ones must lie inside the repository at root.
func parseSource(raw, unitDir, root string) (ModuleSource, error) {
	if raw == "" {
		return ModuleSource{Kind: NoSource}, nil
	}
	addr := raw
	forced := ""
	if i := strings.Index(addr, "::"); i > 0 && !strings.Contains(addr[:i], "/") {
		forced, addr = addr[:i], addr[i+2:]
	}
	switch {
	case forced == "" && (strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "./") || strings.HasPrefix(addr, "../") || addr == "." || addr == ".."):
		return parseLocalSource(addr, unitDir, root)
	case forced == "file" || (forced == "" && strings.HasPrefix(addr, "file://")):
		return parseLocalSource(strings.TrimPrefix(addr, "file://"), unitDir, root)
	case strings.HasPrefix(addr, "tfr://"):
		u, sub, q := splitRemote(strings.TrimPrefix(addr, "tfr://"))
		return ModuleSource{Kind: RegistrySource, URL: "tfr://" + u, Subdir: sub, Ref: q.Get("version")}, nil
	case forced == "git" || strings.HasPrefix(addr, "github.com/") || strings.HasPrefix(addr, "git@") || strings.HasPrefix(addr, "bitbucket.org/"):
		return remoteSource(GitSource, forced, addr), nil
	case forced != "" || strings.Contains(addr, "://"):
		return remoteSource(RemoteSource, forced, addr), nil
	}
	// A bare relative path without ./ (e.g. "modules/vpc") is what go-getter
	// would reject; Terragrunt treats it as a local path.
	return parseLocalSource(addr, unitDir, root)
}

func parseLocalSource(p, unitDir, root string) (ModuleSource, error) {
	copyRoot, sub, _ := strings.Cut(p, "//")
	base, err := repoRelative(copyRoot, unitDir, root)
	if err != nil {
		return ModuleSource{}, fmt.Errorf("terraform.source %q: %w", p, err)
	}
	dir := base
	if sub != "" {
		dir = cleanRel(path.Join(base, sub))
		if escapes(dir) {
			return ModuleSource{}, fmt.Errorf("terraform.source %q leaves the repository", p)
		}
	}
	return ModuleSource{Kind: LocalSource, Dir: dir, CopyRoot: base}, nil
}

func remoteSource(kind SourceKind, forced, addr string) ModuleSource {
	u, sub, q := splitRemote(addr)
	if forced != "" {
		u = forced + "::" + u
	}
	return ModuleSource{Kind: kind, URL: u, Subdir: sub, Ref: q.Get("ref")}
}

// splitRemote splits "host/repo.git//sub/dir?ref=v1" into its address, the
// subdirectory and the query.
func splitRemote(addr string) (string, string, url.Values) {
	addr, rawQuery, _ := strings.Cut(addr, "?")
	q, _ := url.ParseQuery(rawQuery)
	scheme := ""
	if i := strings.Index(addr, "://"); i >= 0 {
		scheme, addr = addr[:i+3], addr[i+3:]
	}
	u, sub, _ := strings.Cut(addr, "//")
	return scheme + u, sub, q
}

// repoRelative turns p (absolute, or relative to the repository-relative
// directory dir) into a clean repository-relative path.
func repoRelative(p, dir, root string) (string, error) {
	var rel string
	if strings.HasPrefix(p, "/") {
		r := strings.TrimSuffix(root, "/")
		switch {
		case p == r:
			return ".", nil
		case strings.HasPrefix(p, r+"/"):
			rel = strings.TrimPrefix(p, r+"/")
		default:
			return "", fmt.Errorf("path %s is outside the repository (%s)", p, root)
		}
	} else {
		rel = path.Join(dir, p)
	}
	rel = cleanRel(rel)
	if escapes(rel) {
		return "", fmt.Errorf("path %s leaves the repository", p)
	}
	return rel, nil
}

func cleanRel(p string) string {
	p = path.Clean(p)
	if p == "" {
		return "."
	}
	return p
}

func escapes(rel string) bool { return rel == ".." || strings.HasPrefix(rel, "../") }
