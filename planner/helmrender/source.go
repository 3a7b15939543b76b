package helmrender

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// fetched is a git tree at a commit.
type fetched struct {
	fsys   fs.FS
	commit string
	key    string // repoURL@commit: names the tree in the file cache
}

// repoIndex is a Helm repository's parsed index.yaml.
type repoIndex struct {
	base  *url.URL
	index *repo.IndexFile
}

// hostOf returns the lower-cased host of a chart address: a URL
// (https://, oci://, ssh://, …) or an scp-like git address (git@host:org/repo).
func hostOf(repoURL string) (string, error) {
	s := strings.TrimSpace(repoURL)
	var host string
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("chart address %q is not a valid URL: %w", repoURL, err)
		}
		host = u.Hostname()
	} else if at, colon := strings.Index(s, "@"), strings.Index(s, ":"); colon > 0 && at < colon && !strings.Contains(s[:colon], "/") {
		host = s[at+1 : colon]
	}
	if host == "" {
		return "", fmt.Errorf("chart address %q has no host; use a URL such as https://github.com/org/repo", repoURL)
	}
	return strings.ToLower(host), nil
}

// checkHost refuses an address whose host is not allowed. It runs before any
// request because the address comes from the pull request.
func (run *Run) checkHost(repoURL string) error {
	host, err := hostOf(repoURL)
	if err != nil {
		return err
	}
	if !hostAllowed(run.r.AllowHosts, host) {
		return fmt.Errorf("%w: %s (in %s); to render charts from it, add %q to gitops.chart_hosts in the configuration", ErrHostNotAllowed, host, repoURL, host)
	}
	return nil
}

func hostAllowed(allow []string, host string) bool {
	for _, a := range allow {
		a = strings.ToLower(strings.TrimSpace(a))
		if h, _, err := net.SplitHostPort(a); err == nil {
			a = h
		}
		if suffix, ok := strings.CutPrefix(a, "*"); ok && strings.HasPrefix(suffix, ".") {
			if strings.HasSuffix(host, suffix) {
				return true
			}
			continue
		}
		if a != "" && host == a {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fetchGit fetches a git tree once per Run.
func (run *Run) fetchGit(ctx context.Context, repoURL, revision string) (fetched, error) {
	if run.r.Git == nil {
		return fetched{}, fmt.Errorf("chart %s is in a git repository, but git chart sources are not configured", repoURL)
	}
	return run.fetches.get(ctx, "git\x00"+repoURL+"\x00"+revision, func() (fetched, error) {
		fsys, commit, err := run.r.Git.FetchGit(ctx, repoURL, revision)
		if err != nil {
			return fetched{}, fmt.Errorf("fetch chart repository %s at %q: %w", repoURL, revision, err)
		}
		run.log.DebugContext(ctx, "fetched chart repository", "repo", repoURL, "revision", revision, "commit", commit)
		return fetched{fsys: fsys, commit: commit, key: repoURL + "@" + commit}, nil
	})
}

// helmChart fetches chart name at version (a version or range; "" is the
// latest stable) from the Helm repository at repoURL, once per Run, and
// returns its files and the version chosen.
func (run *Run) helmChart(ctx context.Context, repoURL, name, version string) ([]*archive.BufferedFile, string, error) {
	if err := run.checkHost(repoURL); err != nil {
		return nil, "", err
	}
	idx, err := run.indexes.get(ctx, "index\x00"+repoURL, func() (*repoIndex, error) {
		return run.fetchIndex(ctx, repoURL)
	})
	if err != nil {
		return nil, "", err
	}
	cv, err := idx.index.Get(name, version)
	if err != nil {
		return nil, "", fmt.Errorf("chart %s version %q is not in the Helm repository %s: %w", name, version, repoURL, err)
	}
	if len(cv.URLs) == 0 {
		return nil, "", fmt.Errorf("chart %s %s in the Helm repository %s has no download URL", name, cv.Version, repoURL)
	}
	ref, err := url.Parse(cv.URLs[0])
	if err != nil {
		return nil, "", fmt.Errorf("chart %s %s in %s has an invalid URL %q: %w", name, cv.Version, repoURL, cv.URLs[0], err)
	}
	archiveURL := idx.base.ResolveReference(ref).String()
	files, err := run.files.get(ctx, "helm\x00"+archiveURL, func() ([]*archive.BufferedFile, error) {
		return run.fetchArchive(ctx, archiveURL, cv.Digest)
	})
	if err != nil {
		return nil, "", fmt.Errorf("chart %s %s from %s: %w", name, cv.Version, repoURL, err)
	}
	return files, cv.Version, nil
}

func (run *Run) fetchIndex(ctx context.Context, repoURL string) (*repoIndex, error) {
	base, err := url.Parse(strings.TrimSuffix(repoURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("Helm repository address %q is not a valid URL: %w", repoURL, err)
	}
	limit := run.r.MaxIndexBytes
	if limit <= 0 {
		limit = DefaultMaxIndexBytes
	}
	data, err := run.get(ctx, base.JoinPath("index.yaml").String(), limit)
	if err != nil {
		return nil, fmt.Errorf("read the index of Helm repository %s: %w", repoURL, err)
	}
	var idx repo.IndexFile
	if err := yaml.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("the index.yaml of Helm repository %s is not valid YAML: %w", repoURL, err)
	}
	for name, versions := range idx.Entries {
		kept := versions[:0]
		for _, v := range versions {
			if v != nil && v.Metadata != nil {
				kept = append(kept, v)
			}
		}
		idx.Entries[name] = kept
	}
	idx.SortEntries()
	return &repoIndex{base: base, index: &idx}, nil
}

func (run *Run) fetchArchive(ctx context.Context, archiveURL, digest string) ([]*archive.BufferedFile, error) {
	limit := run.maxChart()
	data, err := run.get(ctx, archiveURL, limit)
	if err != nil {
		return nil, err
	}
	if digest != "" {
		sum := sha256.Sum256(data)
		if !strings.EqualFold(hex.EncodeToString(sum[:]), digest) {
			return nil, fmt.Errorf("%s does not match the digest in the repository index; the repository may be changing, try again", archiveURL)
		}
	}
	return unpackChart(archiveURL, data, limit)
}

// unpackChart reads a chart archive, bounding its decompressed size before
// Helm unpacks it: Helm's own bound is a process-wide 100 MiB.
func unpackChart(archiveURL string, data []byte, limit int64) ([]*archive.BufferedFile, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not a gzipped chart archive: %w", archiveURL, err)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid chart archive: %w", archiveURL, err)
	}
	if n > limit {
		return nil, fmt.Errorf("%s unpacks to more than %d bytes, the chart size limit", archiveURL, limit)
	}
	files, err := archive.LoadArchiveFiles(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid chart archive: %w", archiveURL, err)
	}
	return files, nil
}

// get reads a URL of an allowed host, at most limit bytes. Plain http is
// only for loopback addresses (tests, local mirrors); redirects are checked
// like the first request.
func (run *Run) get(ctx context.Context, rawURL string, limit int64) ([]byte, error) {
	return run.getWith(ctx, rawURL, limit, nil)
}

// statusError is a response other than 200 OK.
type statusError struct {
	url    string
	status string
	code   int
	header http.Header
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: %s", e.url, e.status) }

// getWith is get with request headers.
func (run *Run) getWith(ctx context.Context, rawURL string, limit int64, header http.Header) ([]byte, error) {
	if err := run.checkFetchURL(rawURL); err != nil {
		return nil, err
	}
	client := http.DefaultClient
	if run.r.HTTP != nil {
		client = run.r.HTTP
	}
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		return run.checkFetchURL(req.URL.String())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{url: rawURL, status: resp.Status, code: resp.StatusCode, header: resp.Header}
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", rawURL, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rawURL, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is more than the limit of %d bytes", rawURL, limit)
	}
	return data, nil
}

func (run *Run) checkFetchURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("invalid chart URL %q: %w", rawURL, err)
	}
	if err := run.checkHost(rawURL); err != nil {
		return err
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return fmt.Errorf("chart URL %s must use https", rawURL)
	}
	return nil
}

// chartName is the name Helm shows for a chart: name-version.
func chartName(c *chart.Chart) string {
	return c.Name() + "-" + c.Metadata.Version
}
