// Package fakegithub is an in-process fake of the parts of GitHub's REST and
// GraphQL APIs that csocbot uses, for tests.
//
// It speaks the real shapes: JSON field names as GitHub spells them, GitHub's
// status codes and error bodies, Link pagination with per_page and page, and
// rate-limit headers. It keeps state (pull requests, comments with ids and
// node ids, reactions, commit statuses, reviews, team memberships,
// repository permissions), records
// every call, authenticates tokens and GitHub App JWTs, and lets a test inject
// failures: server errors, dropped connections, primary or secondary rate
// limits, and errors answered after serving the request (LostAnswer).
//
// Requests may use github.com's layout (/repos/…, /graphql) or GitHub
// Enterprise Server's (/api/v3/repos/…, /api/graphql).
package fakegithub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// rateLimit is the hourly request budget the fake reports.
	rateLimit = 5000
	// maxPerPage is GitHub's cap on per_page.
	maxPerPage = 100
	// docsURL is the documentation_url of the fake's error bodies.
	docsURL = "https://docs.github.com/rest"
)

// Server is a fake GitHub API served over HTTP on the loopback interface.
// All its methods are safe for concurrent use.
type Server struct {
	t      testing.TB
	srv    *httptest.Server
	routes []route

	mu           sync.Mutex
	calls        []Call
	faults       []*Fault
	tokens       map[string]string // token → login of the user it belongs to
	apps         map[int64]App     // by installation id
	issued       []string          // installation tokens, in order
	perPageCap   int
	lastID       int64
	userIDs      map[string]int64
	used         int
	windowEnd    time.Time
	pulls        map[string]*pull // by key(repo, number)
	comments     map[int64]*Comment
	commentPull  map[int64]*pull
	reactions    map[int64][]Reaction
	statuses     map[string][]Status // by key(repo, sha), newest first
	teamMembers  map[string][]membership
	permissions  map[string]string // by permissionKey(repo, login)
	createdClock time.Time
}

// pull is a pull request and what hangs off it.
type pull struct {
	repo     string // owner/name as seeded
	number   int
	raw      map[string]any
	files    []File
	reviews  []Review
	comments []int64 // ids, oldest first
}

// membership is one user's membership of a team.
type membership struct {
	login string
	state string
}

// New starts a fake GitHub that lives as long as the test.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:           t,
		tokens:      map[string]string{},
		apps:        map[int64]App{},
		perPageCap:  maxPerPage,
		lastID:      1_000_000,
		userIDs:     map[string]int64{},
		windowEnd:   time.Now().Add(time.Hour).Truncate(time.Second),
		pulls:       map[string]*pull{},
		comments:    map[int64]*Comment{},
		commentPull: map[int64]*pull{},
		reactions:   map[int64][]Reaction{},
		statuses:    map[string][]Status{},
		teamMembers: map[string][]membership{},
		permissions: map[string]string{},
		// Timestamps start in the past and advance a second per object,
		// so that objects created in one test have distinct, ordered times.
		createdClock: time.Now().UTC().Truncate(time.Second).Add(-24 * time.Hour),
	}
	s.routes = s.routeTable()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's root, e.g. http://127.0.0.1:41234, without a trailing
// slash. The REST API is served at its root and under /api/v3/.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server; later requests fail to connect. New arranges for
// it to be called when the test ends.
func (s *Server) Close() { s.srv.Close() }

// AddToken makes token a valid personal access token of login.
func (s *Server) AddToken(token, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = login
}

// SetMaxPerPage lowers the per_page cap (GitHub's is 100) so that tests can
// paginate over several pages with few items.
func (s *Server) SetMaxPerPage(n int) {
	if n < 1 || n > maxPerPage {
		s.t.Fatalf("fakegithub: per_page cap %d is outside 1..%d", n, maxPerPage)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perPageCap = n
}

// Call is one request the fake received.
type Call struct {
	Method string
	// Path is the request path without the query, as sent (including any
	// /api/v3 prefix).
	Path  string
	Query url.Values
	Body  []byte
	// Token is the credential of the Authorization header ("token X" or
	// "Bearer X"), empty when there was none.
	Token string
	// Status is the status code the fake answered with, 0 when it answered
	// nothing (a dropped connection, or a delayed request the client gave
	// up on).
	Status int
}

// Calls returns the calls received so far, in the order they arrived. A
// call still being answered has Status 0.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Fault is a failure the fake answers matching requests with, instead of
// serving them, a number of times.
type Fault struct {
	// Method and Path restrict the fault to requests with that method and
	// path (without the query and any /api/v3 prefix); empty matches any.
	Method, Path string
	// Times is how many requests the fault answers (at least one).
	Times  int
	Status int
	Header http.Header
	Body   string

	resetIn time.Duration // primary rate limit: X-RateLimit-Reset is this far ahead
	drop    bool          // close the connection without answering
	delay   time.Duration // hold the request this long, then serve it
	served  bool          // serve the request, then answer with the fault
}

// ServerError answers times requests with status, such as 502, and
// GitHub's error body.
func ServerError(status, times int) Fault {
	return Fault{Times: times, Status: status, Body: errorBody(http.StatusText(status))}
}

// DropConnection closes the connection of times requests without answering,
// as a network failure would.
func DropConnection(times int) Fault {
	return Fault{Times: times, drop: true}
}

// Delay holds times requests for d (or until the client gives up), then
// serves them as usual.
func Delay(times int, d time.Duration) Fault {
	return Fault{Times: times, delay: d}
}

// SecondaryRateLimit answers times requests with GitHub's secondary rate
// limit response: 403 with Retry-After.
func SecondaryRateLimit(times int, retryAfter time.Duration) Fault {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	return Fault{
		Times:  times,
		Status: http.StatusForbidden,
		Header: http.Header{"Retry-After": {strconv.Itoa(secs)}},
		Body:   errorBody("You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
	}
}

// PrimaryRateLimit answers times requests with GitHub's primary rate limit
// response: 403 with X-RateLimit-Remaining: 0 and X-RateLimit-Reset resetIn
// after the response (rounded up to a whole second).
func PrimaryRateLimit(times int, resetIn time.Duration) Fault {
	return Fault{
		Times:   times,
		Status:  http.StatusForbidden,
		Body:    errorBody("API rate limit exceeded. See the documentation for rate limits."),
		resetIn: resetIn,
	}
}

// On restricts the fault to requests with method and path (without the
// query and any /api/v3 prefix).
func (f Fault) On(method, path string) Fault {
	f.Method, f.Path = method, path
	return f
}

// Inject queues a fault. Faults answer matching requests in the order they
// were injected, each until its Times are used up.
func (s *Server) Inject(f Fault) {
	switch {
	case f.Times < 1:
		s.t.Fatalf("fakegithub: fault on %s %s answers %d requests; want at least one", f.Method, f.Path, f.Times)
	case !f.drop && f.delay == 0 && (f.Status < 100 || f.Status > 599):
		s.t.Fatalf("fakegithub: fault on %s %s has status %d", f.Method, f.Path, f.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// takeFault returns the first fault matching the request and uses it once.
func (s *Server) takeFault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && (f.Path == "" || f.Path == path) {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

// serveHTTP records the request, answers with an injected fault if one
// matches, and otherwise authenticates and routes it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	call := Call{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Body:   body,
		Token:  credential(r.Header.Get("Authorization")),
	}
	rw := &recorder{ResponseWriter: w}
	// Calls are listed in the order they arrived; the status is filled in
	// when the call is answered (0 until then, and for a client that gave
	// up first).
	s.mu.Lock()
	index := len(s.calls)
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.calls[index].Status = rw.status
		s.mu.Unlock()
	}()

	path := canonicalPath(r.URL.Path)
	if f := s.takeFault(r.Method, path); f != nil {
		switch {
		case f.served:
			s.route(httptest.NewRecorder(), r, path, body, call.Token)
			s.answerFault(rw, f)
			return
		case f.delay == 0:
			s.answerFault(rw, f)
			return
		}
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	s.route(rw, r, path, body, call.Token)
}

// route authenticates a request and serves it, answering on w.
func (s *Server) route(w http.ResponseWriter, r *http.Request, path string, body []byte, token string) {
	rq := &request{Request: r, w: w, s: s, body: body, token: token}
	for _, rt := range s.routes {
		params, ok := rt.match(r.Method, path)
		if !ok {
			continue
		}
		rq.params = params
		if !s.authenticate(rq, rt.auth) {
			return
		}
		rt.handle(rq)
		return
	}
	rq.fail(http.StatusNotFound, "Not Found")
}

// canonicalPath strips GitHub Enterprise Server's /api/v3 prefix and maps
// its /api/graphql to /graphql.
func canonicalPath(p string) string {
	if p == "/api/graphql" {
		return "/graphql"
	}
	if rest, ok := strings.CutPrefix(p, "/api/v3/"); ok {
		return "/" + rest
	}
	return p
}

// credential is the token or JWT of an Authorization header value.
func credential(header string) string {
	scheme, value, ok := strings.Cut(header, " ")
	if !ok {
		return ""
	}
	switch strings.ToLower(scheme) {
	case "token", "bearer":
		return strings.TrimSpace(value)
	}
	return ""
}

func (s *Server) answerFault(rw *recorder, f *Fault) {
	if f.drop {
		conn, _, err := http.NewResponseController(rw.ResponseWriter).Hijack()
		if err != nil {
			s.t.Errorf("fakegithub: dropping connection: %v", err)
			return
		}
		conn.Close()
		return
	}
	h := rw.Header()
	for k, vs := range f.Header {
		h[k] = append([]string(nil), vs...)
	}
	if f.resetIn > 0 {
		reset := time.Now().Add(f.resetIn)
		h.Set("X-RateLimit-Limit", strconv.Itoa(rateLimit))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", strconv.Itoa(rateLimit))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(reset), 10))
		h.Set("X-RateLimit-Resource", "core")
	}
	if f.Body != "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	rw.WriteHeader(f.Status)
	io.WriteString(rw, f.Body)
}

// ceilUnix is t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	u := t.Unix()
	if t.Nanosecond() > 0 {
		u++
	}
	return u
}

// errorBody is GitHub's JSON error body with message.
func errorBody(message string) string {
	b, _ := json.Marshal(map[string]string{"message": message, "documentation_url": docsURL})
	return string(b)
}

// recorder remembers the status code written.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// authKind is what a route requires in the Authorization header.
type authKind int

const (
	authToken authKind = iota // a personal access token or installation token
	authJWT                   // a GitHub App's JWT
	authNone                  // nothing
)

// authenticate checks the request's credential for a route, sets rq.login,
// and answers 401 when it fails.
func (s *Server) authenticate(rq *request, kind authKind) bool {
	switch kind {
	case authJWT:
		app, err := s.verifyJWT(rq.token)
		if err != nil {
			rq.fail(http.StatusUnauthorized, err.Error())
			return false
		}
		rq.appID = app
		return true
	case authNone:
		return true
	}
	s.mu.Lock()
	login, ok := s.tokens[rq.token]
	if ok {
		s.used++
	}
	s.mu.Unlock()
	switch {
	case rq.token == "":
		rq.fail(http.StatusUnauthorized, "Requires authentication")
		return false
	case !ok:
		rq.fail(http.StatusUnauthorized, "Bad credentials")
		return false
	}
	rq.login = login
	s.setRateHeaders(rq.w.Header(), rq.URL.Path)
	return true
}

// setRateHeaders adds the rate-limit headers GitHub sends with every
// authenticated response.
func (s *Server) setRateHeaders(h http.Header, path string) {
	s.mu.Lock()
	used, reset := s.used, s.windowEnd.Unix()
	s.mu.Unlock()
	resource := "core"
	if canonicalPath(path) == "/graphql" {
		resource = "graphql"
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(rateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rateLimit-used))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	h.Set("X-RateLimit-Resource", resource)
}

// route maps a method and a path pattern, whose {name} segments match any
// one segment, to a handler.
type route struct {
	method  string
	pattern []string
	auth    authKind
	handle  func(*request)
}

func (rt route) match(method, path string) (map[string]string, bool) {
	if method != rt.method {
		return nil, false
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) != len(rt.pattern) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range rt.pattern {
		if name, ok := strings.CutPrefix(p, "{"); ok {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, false
			}
			params[strings.TrimSuffix(name, "}")] = v
			continue
		}
		if segs[i] != p {
			return nil, false
		}
	}
	return params, true
}

// routeTable lists the endpoints the fake serves. Where two patterns could
// match one path, the earlier wins.
func (s *Server) routeTable() []route {
	r := func(method, pattern string, auth authKind, h func(*request)) route {
		return route{method: method, pattern: strings.Split(strings.Trim(pattern, "/"), "/"), auth: auth, handle: h}
	}
	return []route{
		r("GET", "/rate_limit", authNone, s.getRateLimit),
		r("GET", "/user", authToken, s.getAuthenticatedUser),
		r("POST", "/app/installations/{installation_id}/access_tokens", authJWT, s.createInstallationToken),
		r("POST", "/graphql", authToken, s.graphQL),

		r("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, s.getComment),
		r("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, s.updateComment),
		r("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", authToken, s.deleteComment),
		r("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", authToken, s.listReactions),
		r("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", authToken, s.createReaction),
		r("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, s.listComments),
		r("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", authToken, s.createComment),

		r("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", authToken, s.getPull),
		r("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", authToken, s.listFiles),
		r("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", authToken, s.listReviews),
		r("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", authToken, s.mergePull),

		r("POST", "/repos/{owner}/{repo}/statuses/{sha}", authToken, s.createStatus),
		r("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", authToken, s.listStatuses),

		r("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", authToken, s.getCollaboratorPermission),

		r("GET", "/orgs/{org}/teams/{team_slug}/members", authToken, s.listTeamMembers),
		r("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", authToken, s.getTeamMembership),
	}
}

// request is a request being served.
type request struct {
	*http.Request
	w      http.ResponseWriter
	s      *Server
	params map[string]string
	body   []byte
	token  string
	login  string // the authenticated user, for token routes
	appID  int64  // the authenticated app, for JWT routes
}

func (rq *request) param(name string) string { return rq.params[name] }

// repo is the owner/name of the request's repository.
func (rq *request) repo() string { return rq.param("owner") + "/" + rq.param("repo") }

// intParam parses a numeric path parameter, answering 404 when it is not
// a number, as GitHub does.
func (rq *request) intParam(name string) (int64, bool) {
	n, err := strconv.ParseInt(rq.param(name), 10, 64)
	if err != nil || n <= 0 {
		rq.fail(http.StatusNotFound, "Not Found")
		return 0, false
	}
	return n, true
}

// decode reads the JSON request body into v, answering 400 when it is not
// JSON, as GitHub does.
func (rq *request) decode(v any) bool {
	if err := json.Unmarshal(rq.body, v); err != nil {
		rq.fail(http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

func (rq *request) writeJSON(status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		rq.s.t.Errorf("fakegithub: encoding response: %v", err)
		rq.w.WriteHeader(http.StatusInternalServerError)
		return
	}
	rq.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	rq.w.WriteHeader(status)
	rq.w.Write(buf.Bytes())
}

// fail answers with GitHub's error body.
func (rq *request) fail(status int, message string) {
	rq.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	rq.w.WriteHeader(status)
	io.WriteString(rq.w, errorBody(message))
}

// invalid answers 422 Validation Failed with one error, as GitHub does.
func (rq *request) invalid(resource, field, code, message string) {
	rq.writeJSON(http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed",
		"errors": []map[string]string{{
			"resource": resource, "field": field, "code": code, "message": message,
		}},
		"documentation_url": docsURL,
	})
}

// apiURL is the fake's absolute URL of an API path.
func (s *Server) apiURL(format string, args ...any) string {
	return s.srv.URL + fmt.Sprintf(format, args...)
}

// nextID returns a fresh id for any object; GitHub's ids are unique per
// kind, the fake's across kinds.
func (s *Server) nextID() int64 {
	s.lastID++
	return s.lastID
}

// tick returns the creation time of a new object, a second after the
// previous one's. The caller holds s.mu.
func (s *Server) tick() time.Time {
	s.createdClock = s.createdClock.Add(time.Second)
	return s.createdClock
}

// user returns the user object of login. Logins ending in [bot] are bots.
// The caller holds s.mu.
// getAuthenticatedUser answers GET /user with the token's user.
func (s *Server) getAuthenticatedUser(rq *request) {
	s.mu.Lock()
	u := s.user(rq.login)
	s.mu.Unlock()
	rq.writeJSON(http.StatusOK, u)
}

func (s *Server) user(login string) User {
	id, ok := s.userIDs[strings.ToLower(login)]
	if !ok {
		id = int64(len(s.userIDs) + 1)
		s.userIDs[strings.ToLower(login)] = id
	}
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return User{Login: login, ID: id, NodeID: fmt.Sprintf("U_fake%d", id), Type: typ}
}

// User is GitHub's simple user object.
type User struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}
