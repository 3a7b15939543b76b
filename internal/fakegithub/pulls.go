package fakegithub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// fixturesDir is the webhook fixtures' directory, relative to this
// package's directory.
const fixturesDir = "../../testdata/github-webhooks"

// File is an entry of a pull request's changed files.
type File struct {
	SHA              string `json:"sha"`
	Filename         string `json:"filename"`
	Status           string `json:"status"` // added, removed, modified, renamed, copied, changed, unchanged
	Additions        int    `json:"additions"`
	Deletions        int    `json:"deletions"`
	Changes          int    `json:"changes"`
	BlobURL          string `json:"blob_url"`
	RawURL           string `json:"raw_url"`
	ContentsURL      string `json:"contents_url"`
	Patch            string `json:"patch,omitempty"`
	PreviousFilename string `json:"previous_filename,omitempty"`
}

// Review is a pull request review.
type Review struct {
	ID                int64      `json:"id"`
	NodeID            string     `json:"node_id"`
	User              User       `json:"user"`
	Body              string     `json:"body"`
	State             string     `json:"state"` // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	HTMLURL           string     `json:"html_url"`
	PullRequestURL    string     `json:"pull_request_url"`
	CommitID          string     `json:"commit_id"`
	SubmittedAt       *time.Time `json:"submitted_at,omitempty"` // absent while PENDING
	AuthorAssociation string     `json:"author_association"`
}

// LoadPullRequest serves the pull request of a pull_request webhook payload
// from the project's webhook fixtures (testdata/github-webhooks), such as "pull_request/opened.payload.json", and
// returns its repository (owner/name) and number.
func (s *Server) LoadPullRequest(fixture string) (repo string, number int) {
	s.t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		s.t.Fatalf("fakegithub: cannot locate the fixtures")
	}
	path := filepath.Join(filepath.Dir(self), fixturesDir, filepath.FromSlash(fixture))
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatalf("fakegithub: reading fixture: %v", err)
	}
	var event struct {
		PullRequest map[string]any `json:"pull_request"`
		Repository  struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(data, &event); err != nil {
		s.t.Fatalf("fakegithub: fixture %s: %v", fixture, err)
	}
	if event.PullRequest == nil || event.Repository.FullName == "" {
		s.t.Fatalf("fakegithub: fixture %s is not a pull_request event", fixture)
	}
	return event.Repository.FullName, s.AddPullRequest(event.Repository.FullName, event.PullRequest)
}

// AddPullRequest serves pr, a pull request object as GitHub's REST API
// returns it, in repo (owner/name), and returns its number. It replaces any
// pull request with that number, keeping its files, reviews and comments.
func (s *Server) AddPullRequest(repo string, pr map[string]any) int {
	s.t.Helper()
	raw := s.normalize(pr)
	n, ok := raw["number"].(float64)
	if !ok || n < 1 || n != float64(int(n)) {
		s.t.Fatalf("fakegithub: pull request in %s has no valid number", repo)
	}
	number := int(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pulls[key(repo, number)]; p != nil {
		p.raw = raw
		return number
	}
	s.pulls[key(repo, number)] = &pull{repo: repo, number: number, raw: raw}
	return number
}

// EditPullRequest changes a served pull request, for example to make it a
// draft or a fork's: edit receives the object as decoded JSON.
func (s *Server) EditPullRequest(repo string, number int, edit func(pr map[string]any)) {
	s.t.Helper()
	// Served objects are never changed in place, since a handler may be
	// encoding one: edit a copy and swap it in.
	raw := s.normalize(s.servedPull(repo, number))
	edit(raw)
	raw = s.normalize(raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pull(repo, number).raw = raw
}

// servedPull returns the object served for a pull request.
func (s *Server) servedPull(repo string, number int) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pull(repo, number).raw
}

// SetFiles sets a pull request's changed files. Changes is filled in from
// Additions and Deletions when zero.
func (s *Server) SetFiles(repo string, number int, files []File) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(repo, number)
	p.files = make([]File, len(files))
	for i, f := range files {
		if f.Changes == 0 {
			f.Changes = f.Additions + f.Deletions
		}
		p.files[i] = f
	}
}

// AddReview submits a review of a pull request. r needs User.Login and
// State; the fake fills in ids, URLs and, unless State is PENDING or
// SubmittedAt is set, a submission time after every earlier one's.
func (s *Server) AddReview(repo string, number int, r Review) Review {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pull(repo, number)
	r.ID = s.nextID()
	r.NodeID = fmt.Sprintf("PRR_fake%d", r.ID)
	r.User = s.user(r.User.Login)
	r.HTMLURL = fmt.Sprintf("https://github.com/%s/pull/%d#pullrequestreview-%d", p.repo, number, r.ID)
	r.PullRequestURL = s.apiURL("/repos/%s/pulls/%d", p.repo, number)
	if r.AuthorAssociation == "" {
		r.AuthorAssociation = "MEMBER"
	}
	if r.SubmittedAt == nil && r.State != "PENDING" {
		t := s.tick()
		r.SubmittedAt = &t
	}
	p.reviews = append(p.reviews, r)
	return r
}

// pull returns a served pull request, failing the test when there is none.
// The caller holds s.mu.
func (s *Server) pull(repo string, number int) *pull {
	p := s.pulls[key(repo, number)]
	if p == nil {
		s.t.Fatalf("fakegithub: no pull request %s#%d; load or add it first", repo, number)
	}
	return p
}

// normalize deep-copies a JSON object through encoding/json, so that
// numbers are float64 as when decoded from the wire.
func (s *Server) normalize(v map[string]any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		s.t.Fatalf("fakegithub: pull request is not JSON: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		s.t.Fatalf("fakegithub: pull request is not a JSON object: %v", err)
	}
	return out
}

// key identifies a pull request; GitHub's owner and repository names are
// case-insensitive.
func key(repo string, number int) string {
	return strings.ToLower(repo) + "#" + strconv.Itoa(number)
}

// findPull returns the request's pull request (path parameter
// issue_number or pull_number), answering 404 when there is none.
func (rq *request) findPull(param string) (*pull, bool) {
	n, ok := rq.intParam(param)
	if !ok {
		return nil, false
	}
	rq.s.mu.Lock()
	p := rq.s.pulls[key(rq.repo(), int(n))]
	rq.s.mu.Unlock()
	if p == nil {
		rq.fail(http.StatusNotFound, "Not Found")
		return nil, false
	}
	return p, true
}

func (s *Server) getPull(rq *request) {
	p, ok := rq.findPull("pull_number")
	if !ok {
		return
	}
	s.mu.Lock()
	raw := p.raw
	s.mu.Unlock()
	rq.writeJSON(http.StatusOK, raw)
}

func (s *Server) listFiles(rq *request) {
	p, ok := rq.findPull("pull_number")
	if !ok {
		return
	}
	s.mu.Lock()
	files := append([]File(nil), p.files...)
	s.mu.Unlock()
	paginate(rq, files)
}

func (s *Server) listReviews(rq *request) {
	p, ok := rq.findPull("pull_number")
	if !ok {
		return
	}
	s.mu.Lock()
	reviews := append([]Review(nil), p.reviews...)
	s.mu.Unlock()
	paginate(rq, reviews)
}
