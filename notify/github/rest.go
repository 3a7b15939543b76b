package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const (
	// perPage is the page size csocbot asks for, GitHub's largest.
	perPage = 100
	// maxPages bounds a listing, against a server that never stops.
	maxPages = 100
	// maxResponse bounds a response body csocbot reads.
	maxResponse = 32 << 20
	// maxErrorBody bounds an error response body csocbot reads.
	maxErrorBody = 64 << 10
)

// APIError is an error response from GitHub.
type APIError struct {
	Method     string
	Path       string // the request's URL path, without the query
	StatusCode int
	// Message is GitHub's message, such as "Not Found" or "Validation
	// Failed".
	Message string
	// Details are the messages of the response's errors list, which
	// explain validation failures.
	Details []string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": " + e.Message)
	}
	if len(e.Details) > 0 {
		b.WriteString(" (" + strings.Join(e.Details, "; ") + ")")
	}
	return b.String()
}

// newAPIError reads an error response.
func newAPIError(req *http.Request, resp *http.Response) *APIError {
	e := &APIError{Method: req.Method, Path: req.URL.Path, StatusCode: resp.StatusCode}
	var body struct {
		Message string            `json:"message"`
		Errors  []json.RawMessage `json:"errors"`
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if json.Unmarshal(data, &body) != nil {
		return e
	}
	e.Message = body.Message
	for _, raw := range body.Errors {
		// An entry is an object, usually with a message, or a string.
		var entry struct{ Field, Code, Message string }
		var s string
		switch {
		case json.Unmarshal(raw, &entry) != nil:
			if json.Unmarshal(raw, &s) == nil {
				e.Details = append(e.Details, s)
			}
		case entry.Message != "":
			e.Details = append(e.Details, entry.Message)
		case entry.Field != "":
			e.Details = append(e.Details, entry.Field+" "+entry.Code)
		}
	}
	return e
}

// isNotFound reports whether err is GitHub's 404.
func isNotFound(err error) bool {
	e, ok := errors.AsType[*APIError](err)
	return ok && e.StatusCode == http.StatusNotFound
}

// do sends a request to ref, a path relative to the REST root or an
// absolute URL, with in (if not nil) as its JSON body, decodes a successful
// response into out (if not nil), and returns the response's headers.
func (c *APIClient) do(ctx context.Context, method, ref string, in, out any) (http.Header, error) {
	u, err := c.rest.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, ref, err)
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encoding the request: %w", method, u.Path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u.Path, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", userAgent)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// http.Client's *url.Error repeats the whole URL; say it as the
		// API errors do.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s %s: %w", method, u.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(req, resp)
	}
	if out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(out); err != nil {
			return nil, fmt.Errorf("%s %s: decoding the response: %w", method, u.Path, err)
		}
	}
	// Drain what is left so that the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	return resp.Header, nil
}

// list fetches every page of a listing at path (relative to the REST root),
// following the Link header's next page.
func list[T any](ctx context.Context, c *APIClient, path string) ([]T, error) {
	next := path + fmt.Sprintf("?per_page=%d", perPage)
	var all []T
	for pages := 0; next != ""; pages++ {
		if pages == maxPages {
			return nil, fmt.Errorf("GET %s: more than %d pages", path, maxPages)
		}
		var page []T
		h, err := c.do(ctx, "GET", next, nil, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next, err = c.nextPage(h.Get("Link")); err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
	}
	return all, nil
}

// nextPage returns the URL of a Link header's next page, or "" on the last
// page. The URL must be on the API's host, which gets csocbot's
// credentials.
func (c *APIClient) nextPage(link string) (string, error) {
	raw := linkRel(link, "next")
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("next page link %q: %w", raw, err)
	}
	if u.Scheme != c.rest.Scheme || u.Host != c.rest.Host {
		return "", fmt.Errorf("next page link is on another host (%s)", u.Host)
	}
	return u.String(), nil
}

// linkRel returns the target of a Link header's link with relation rel
// (RFC 8288), or "".
func linkRel(header, rel string) string {
	for s := header; ; {
		start := strings.IndexByte(s, '<')
		end := strings.IndexByte(s, '>')
		if start < 0 || end < start {
			return ""
		}
		target := s[start+1 : end]
		s = s[end+1:]
		params := s
		if i := strings.IndexByte(s, '<'); i >= 0 {
			params = s[:i]
		}
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), ",")), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			for r := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(v), `"`)) {
				if strings.EqualFold(r, rel) {
					return target
				}
			}
		}
	}
}
