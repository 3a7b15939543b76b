package helmrender

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	repo "helm.sh/helm/v4/pkg/repo/v1"
)

// A small OCI distribution client rather than Helm's pkg/registry: that
// client takes no context, bounds no download size and reads the local
// registry credential stores; charts here are public.

const (
	ociManifestType  = "application/vnd.oci.image.manifest.v1+json"
	helmChartLayer   = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	maxManifestBytes = 4 << 20
)

type ociManifest struct {
	Layers []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	} `json:"layers"`
}

// ociRepo is one chart's repository in a registry: oci://host/path/name.
type ociRepo struct {
	run   *Run
	base  string // scheme://host/v2/path/name
	path  string // path/name
	token string // anonymous bearer token, once the registry asked for one
}

// ociChart fetches chart name at version (a version or range; "" is the
// latest) from the registry path repoURL (oci://host/path), once per Run.
func (run *Run) ociChart(ctx context.Context, repoURL, name, version string) ([]*archive.BufferedFile, string, error) {
	if err := run.checkHost(repoURL); err != nil {
		return nil, "", err
	}
	u, err := url.Parse(repoURL)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("OCI address %q is not valid; use oci://registry/path", repoURL)
	}
	p := strings.Trim(u.Path, "/")
	if name != "" {
		p = strings.TrimPrefix(p+"/"+name, "/")
	}
	if p == "" {
		return nil, "", fmt.Errorf("OCI address %q names no chart", repoURL)
	}
	scheme := "https"
	if isLoopback(u.Hostname()) {
		scheme = "http"
	}
	r := &ociRepo{run: run, base: scheme + "://" + u.Host + "/v2/" + p, path: p}
	tag, err := r.resolve(ctx, version)
	if err != nil {
		return nil, "", fmt.Errorf("chart %s at %s: %w", p, u.Host, err)
	}
	files, err := run.files.get(ctx, "oci\x00"+r.base+":"+tag, func() ([]*archive.BufferedFile, error) {
		return r.pull(ctx, tag)
	})
	if err != nil {
		return nil, "", fmt.Errorf("chart %s:%s at %s: %w", p, tag, u.Host, err)
	}
	return files, strings.ReplaceAll(tag, "_", "+"), nil
}

// resolve turns a version or range into a tag, with Helm's rules for ranges
// and its convention that a tag spells "+" as "_".
func (r *ociRepo) resolve(ctx context.Context, version string) (string, error) {
	if version != "" && !strings.ContainsAny(version, "^~<>=!*| xX") {
		return strings.ReplaceAll(version, "+", "_"), nil
	}
	data, err := r.get(ctx, r.base+"/tags/list", maxManifestBytes, nil)
	if err != nil {
		return "", fmt.Errorf("list versions: %w", err)
	}
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return "", fmt.Errorf("list versions: %w", err)
	}
	idx := repo.NewIndexFile()
	for _, tag := range list.Tags {
		md := &chart.Metadata{Name: "chart", Version: strings.ReplaceAll(tag, "_", "+")}
		idx.Entries["chart"] = append(idx.Entries["chart"], &repo.ChartVersion{Metadata: md})
	}
	idx.SortEntries()
	cv, err := idx.Get("chart", version)
	if err != nil {
		return "", fmt.Errorf("no version matches %q: %w", version, err)
	}
	return strings.ReplaceAll(cv.Version, "+", "_"), nil
}

func (r *ociRepo) pull(ctx context.Context, tag string) ([]*archive.BufferedFile, error) {
	data, err := r.get(ctx, r.base+"/manifests/"+tag, maxManifestBytes, http.Header{"Accept": {ociManifestType}})
	if err != nil {
		return nil, err
	}
	var m ociManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	limit := r.run.maxChart()
	for _, l := range m.Layers {
		if l.MediaType != helmChartLayer {
			continue
		}
		hexSum, ok := strings.CutPrefix(l.Digest, "sha256:")
		if !ok {
			return nil, fmt.Errorf("chart layer digest %q is not sha256", l.Digest)
		}
		if l.Size > limit {
			return nil, fmt.Errorf("chart archive is %d bytes, more than the limit of %d", l.Size, limit)
		}
		blob, err := r.get(ctx, r.base+"/blobs/"+l.Digest, limit, nil)
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(blob); hex.EncodeToString(sum[:]) != hexSum {
			return nil, errors.New("chart archive does not match its digest")
		}
		return unpackChart(r.base+"/blobs/"+l.Digest, blob, limit)
	}
	return nil, errors.New("the artifact is not a Helm chart (no chart layer)")
}

// get is Run.get with the registry's anonymous token flow: on 401 with a
// Bearer challenge, get a pull token from the realm and retry.
func (r *ociRepo) get(ctx context.Context, rawURL string, limit int64, header http.Header) ([]byte, error) {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if r.token != "" {
		h.Set("Authorization", "Bearer "+r.token)
	}
	data, err := r.run.getWith(ctx, rawURL, limit, h)
	var se *statusError
	if !errors.As(err, &se) || se.code != http.StatusUnauthorized || r.token != "" {
		return data, err
	}
	if r.token, err = r.anonymousToken(ctx, se.header.Get("WWW-Authenticate")); err != nil {
		return nil, err
	}
	h.Set("Authorization", "Bearer "+r.token)
	return r.run.getWith(ctx, rawURL, limit, h)
}

func (r *ociRepo) anonymousToken(ctx context.Context, challenge string) (string, error) {
	scheme, params, _ := strings.Cut(challenge, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("the registry wants %q authentication; only public charts are supported", scheme)
	}
	attrs := map[string]string{}
	for _, kv := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		attrs[strings.ToLower(k)] = strings.Trim(v, `"`)
	}
	realm, err := url.Parse(attrs["realm"])
	if err != nil || realm.Host == "" {
		return "", fmt.Errorf("the registry's token realm %q is not a URL", attrs["realm"])
	}
	q := realm.Query()
	if attrs["service"] != "" {
		q.Set("service", attrs["service"])
	}
	q.Set("scope", "repository:"+r.path+":pull")
	realm.RawQuery = q.Encode()
	data, err := r.run.get(ctx, realm.String(), maxManifestBytes)
	if err != nil {
		return "", fmt.Errorf("anonymous registry token: %w", err)
	}
	var tok struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil {
		return "", fmt.Errorf("anonymous registry token: %w", err)
	}
	if tok.Token == "" {
		tok.Token = tok.AccessToken
	}
	if tok.Token == "" {
		return "", errors.New("the registry gave no anonymous token; the chart may be private")
	}
	return tok.Token, nil
}
