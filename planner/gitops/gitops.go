// Package gitops finds the Argo CD Applications of a gitops repository —
// plain manifests and Helm wrapper charts that render them — and tells
// which applications a set of changed files affects.
package gitops

import (
	"path"
	"strings"
)

// Application is one Argo CD Application found in the repository.
type Application struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Project   string `json:"project"`
	// File is the manifest's path in the repository; for a wrapper chart,
	// the template that rendered the application.
	File string `json:"file"`
	// Wrapper is the folder of the wrapper chart that rendered the
	// application, "" for a plain manifest.
	Wrapper     string      `json:"wrapper,omitempty"`
	Sources     []Source    `json:"sources"`
	Destination Destination `json:"destination"`
	// Dir is the folder the application belongs to, such as
	// "midrcprod/data.midrc.org".
	Dir string `json:"dir"`
	// Cluster is Dir's first path segment ("" for the repository root).
	Cluster string `json:"cluster"`
}

// Source is one entry of spec.sources (or spec.source).
type Source struct {
	RepoURL        string `json:"repoURL"`
	Path           string `json:"path"`
	Chart          string `json:"chart"`
	TargetRevision string `json:"targetRevision"`
	Ref            string `json:"ref"`
	Helm           *Helm  `json:"helm"`
	// Self reports that RepoURL is this repository (Options.IsSelf); it
	// is set by Discover, never read from a manifest.
	Self bool `json:"-"`
}

// Helm is a source's helm block.
type Helm struct {
	ReleaseName  string         `json:"releaseName"`
	ValueFiles   []string       `json:"valueFiles"`
	Values       string         `json:"values"`
	ValuesObject map[string]any `json:"valuesObject"`
}

// Destination is where Argo CD deploys the application.
type Destination struct {
	Server    string `json:"server"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// ValueFile is one helm value file of an application, resolved to the
// repository that holds it.
type ValueFile struct {
	// Raw is the entry as written in the manifest.
	Raw string
	// Repo is "self" for this repository, else the source's repoURL (or
	// the URL itself for a remote value file). It is "" when Raw names a
	// `$ref` that no source of the application declares.
	Repo string
	// Path is the file's path in Repo, cleaned ("" for a remote URL or
	// an unknown ref). A path leaving the repository keeps its "../".
	Path string
}

// SelfRepo is ValueFile.Repo for a file of this repository.
const SelfRepo = "self"

// Key identifies the application in Uses' result: File + "#" + Name.
func (a Application) Key() string { return a.File + "#" + a.Name }

// ValueFiles lists the application's helm value files in Helm's order
// (sources in order, each source's valueFiles in order). `$<ref>/x.yaml`
// resolves through the source whose `ref` is <ref>; other entries are
// relative to their own source's path.
func (a Application) ValueFiles() []ValueFile {
	var out []ValueFile
	for _, s := range a.Sources {
		if s.Helm == nil {
			continue
		}
		for _, raw := range s.Helm.ValueFiles {
			out = append(out, a.resolve(s, raw))
		}
	}
	return out
}

func (a Application) resolve(s Source, raw string) ValueFile {
	vf := ValueFile{Raw: raw}
	switch {
	case strings.HasPrefix(raw, "$"):
		name, rest, _ := strings.Cut(raw[1:], "/")
		for _, r := range a.Sources {
			if r.Ref != "" && r.Ref == name {
				vf.Repo, vf.Path = repoOf(r), cleanRel(rest)
				break
			}
		}
	case strings.Contains(raw, "://"):
		vf.Repo = raw
	case strings.HasPrefix(raw, "/"):
		// Argo CD reads an absolute value file from the repository root.
		vf.Repo, vf.Path = repoOf(s), cleanRel(raw)
	default:
		vf.Repo, vf.Path = repoOf(s), cleanRel(path.Join(s.Path, raw))
	}
	return vf
}

func repoOf(s Source) string {
	if s.Self {
		return SelfRepo
	}
	return s.RepoURL
}

// cleanRel cleans p as a path relative to a repository's root; a path
// leaving the root keeps its "../" so that callers can reject it.
func cleanRel(p string) string {
	return path.Clean(strings.TrimLeft(p, "/"))
}
