// Package fakests is an in-process fake of AWS STS's AssumeRole, for tests.
//
// It speaks the real protocol, so that aws-sdk-go-v2 runs for real against
// it: a POST of the AWS Query form (Action=AssumeRole&Version=2011-06-15,
// RoleArn, RoleSessionName, Tags.member.N.Key and .Value, ExternalId,
// DurationSeconds) answered with STS's AssumeRoleResponse XML, or its
// ErrorResponse XML with STS's codes and messages: MissingAuthenticationToken
// for an unsigned request, ValidationError for values STS's constraints
// reject (session names, tags, external ids, durations), and AccessDenied
// for a role the test denied. It checks that a request carries a SigV4
// Authorization header and reads the access key and region from it, but
// does not verify the signature. It records every request, parsed.
package fakests

import (
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Caller is the identity the fake says made every call, as STS names it in
// AccessDenied messages.
const Caller = "arn:aws:sts::111111111111:assumed-role/csocbot/csocbot-pod"

// STS's constraints on AssumeRole's parameters.
var (
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDRE  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	tagRE         = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	// credentialRE reads the access key and region from a SigV4
	// Authorization header's Credential=KEY/DATE/REGION/sts/aws4_request.
	credentialRE = regexp.MustCompile(`Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/sts/aws4_request`)
)

// Server is a fake STS served over HTTP on the loopback interface. All its
// methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []Request
	denied   map[string]bool
}

// Request is one AssumeRole request as the fake parsed it.
type Request struct {
	// AccessKeyID and Region are from the SigV4 Authorization header: the
	// caller's access key and the region it signed for.
	AccessKeyID string
	Region      string
	RoleARN     string
	SessionName string
	ExternalID  string
	// DurationSeconds is 0 when the request did not set it.
	DurationSeconds int
	// Tags are the session tags in the order sent.
	Tags []Tag
	// Issued are the credentials answered; zero when the request was
	// refused.
	Issued Credentials
	// Error is the error code answered, "" when credentials were.
	Error string
}

// Tag is a session tag.
type Tag struct{ Key, Value string }

// Credentials are temporary credentials the fake issued.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// New starts a fake STS that lives as long as the test.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{denied: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the endpoint, e.g. http://127.0.0.1:41234, to give the SDK as
// its base endpoint.
func (s *Server) URL() string { return s.srv.URL }

// Deny makes AssumeRole of roleARN fail with AccessDenied, as it does when
// the role's trust policy does not allow the caller.
func (s *Server) Deny(roleARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[roleARN] = true
}

// Requests returns the AssumeRole requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Tags = append([]Tag(nil), r.Tags...)
		out[i] = r
	}
	return out
}

// stsError is an error STS answers: its HTTP status, code and message.
type stsError struct {
	status        int
	code, message string
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "the fake answers POST only", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeError(w, rand.Text(), stsError{http.StatusBadRequest, "MalformedInput", err.Error()})
		return
	}
	req, fail := parse(r)
	if fail == nil {
		s.mu.Lock()
		denied := s.denied[req.RoleARN]
		s.mu.Unlock()
		if denied {
			fail = &stsError{http.StatusForbidden, "AccessDenied",
				fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", Caller, req.RoleARN)}
		}
	}
	if fail == nil {
		req.Issued = issue(req.DurationSeconds)
	} else {
		req.Error = fail.code
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	id := rand.Text()
	if fail != nil {
		writeError(w, id, *fail)
		return
	}
	writeXML(w, id, http.StatusOK, assumeRoleResponse{
		Xmlns: xmlns,
		Result: assumeRoleResult{
			AssumedRoleUser: assumedRoleUser{
				Arn:           assumedRoleARN(req.RoleARN, req.SessionName),
				AssumedRoleID: "AROA" + strings.ToUpper(rand.Text()[:17]) + ":" + req.SessionName,
			},
			Credentials: xmlCredentials{
				AccessKeyID:     req.Issued.AccessKeyID,
				SecretAccessKey: req.Issued.SecretAccessKey,
				SessionToken:    req.Issued.SessionToken,
				Expiration:      req.Issued.Expiration.Format(time.RFC3339),
			},
			PackedPolicySize: 1,
		},
		RequestID: id,
	})
}

// parse reads an AssumeRole request, or says what STS would answer
// instead. The request is returned (as far as it was read) either way.
func parse(r *http.Request) (Request, *stsError) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		return Request{}, &stsError{http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"}
	}
	m := credentialRE.FindStringSubmatch(auth)
	if m == nil {
		return Request{}, &stsError{http.StatusBadRequest, "IncompleteSignature", "Authorization header requires 'Credential' parameter."}
	}
	req := Request{AccessKeyID: m[1], Region: m[2]}
	f := r.PostForm
	if action, version := f.Get("Action"), f.Get("Version"); action != "AssumeRole" || version != "2011-06-15" {
		return req, &stsError{http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, version)}
	}
	req.RoleARN = f.Get("RoleArn")
	req.SessionName = f.Get("RoleSessionName")
	req.ExternalID = f.Get("ExternalId")

	var problems []string
	bad := func(value, member, constraint string) {
		problems = append(problems, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, member, constraint))
	}
	switch n := len(req.RoleARN); {
	case !f.Has("RoleArn"):
		bad("null", "roleArn", "not be null")
	case n < 20 || n > 2048:
		bad(req.RoleARN, "roleArn", "have length between 20 and 2048")
	}
	switch n := len(req.SessionName); {
	case !f.Has("RoleSessionName"):
		bad("null", "roleSessionName", "not be null")
	case n < 2 || n > 64:
		bad(req.SessionName, "roleSessionName", "have length between 2 and 64")
	case !sessionNameRE.MatchString(req.SessionName):
		bad(req.SessionName, "roleSessionName", `satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	if f.Has("ExternalId") {
		switch n := len(req.ExternalID); {
		case n < 2 || n > 1224:
			bad(req.ExternalID, "externalId", "have length between 2 and 1224")
		case !externalIDRE.MatchString(req.ExternalID):
			bad(req.ExternalID, "externalId", `satisfy regular expression pattern: [\w+=,.@:\/-]*`)
		}
	}
	if f.Has("DurationSeconds") {
		d, err := strconv.Atoi(f.Get("DurationSeconds"))
		switch {
		case err != nil:
			return req, &stsError{http.StatusBadRequest, "MalformedInput", "DurationSeconds is not a number"}
		case d < 900:
			bad(strconv.Itoa(d), "durationSeconds", "have value greater than or equal to 900")
		case d > 43200:
			bad(strconv.Itoa(d), "durationSeconds", "have value less than or equal to 43200")
		}
		req.DurationSeconds = d
	}
	seen := map[string]bool{}
	for i := 1; f.Has(fmt.Sprintf("Tags.member.%d.Key", i)); i++ {
		t := Tag{Key: f.Get(fmt.Sprintf("Tags.member.%d.Key", i)), Value: f.Get(fmt.Sprintf("Tags.member.%d.Value", i))}
		req.Tags = append(req.Tags, t)
		member := fmt.Sprintf("tags.%d.member", i)
		switch n := len([]rune(t.Key)); {
		case n < 1 || n > 128:
			bad(t.Key, member+".key", "have length between 1 and 128")
		case !tagRE.MatchString(t.Key):
			bad(t.Key, member+".key", `satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		switch {
		case len([]rune(t.Value)) > 256:
			bad(t.Value, member+".value", "have length less than or equal to 256")
		case !tagRE.MatchString(t.Value):
			bad(t.Value, member+".value", `satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		if seen[strings.ToLower(t.Key)] {
			return req, &stsError{http.StatusBadRequest, "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive."}
		}
		seen[strings.ToLower(t.Key)] = true
	}
	if len(req.Tags) > 50 {
		bad("[…]", "tags", "have length less than or equal to 50")
	}
	switch len(problems) {
	case 0:
		return req, nil
	case 1:
		return req, &stsError{http.StatusBadRequest, "ValidationError", "1 validation error detected: " + problems[0]}
	default:
		return req, &stsError{http.StatusBadRequest, "ValidationError", fmt.Sprintf("%d validation errors detected: %s", len(problems), strings.Join(problems, "; "))}
	}
}

// issue makes new temporary credentials lasting seconds (STS's default
// hour when 0).
func issue(seconds int) Credentials {
	if seconds == 0 {
		seconds = 3600
	}
	return Credentials{
		AccessKeyID:     "ASIA" + strings.ToUpper(rand.Text()[:16]),
		SecretAccessKey: rand.Text() + rand.Text()[:14],
		SessionToken:    "FwoGZXIvYXdzE" + rand.Text() + rand.Text() + rand.Text() + rand.Text(),
		Expiration:      time.Now().UTC().Add(time.Duration(seconds) * time.Second).Truncate(time.Second),
	}
}

// assumedRoleARN is the STS ARN of a session of role roleARN
// (arn:PARTITION:iam::ACCOUNT:role/PATH/NAME).
func assumedRoleARN(roleARN, session string) string {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 {
		return "arn:aws:sts::000000000000:assumed-role/unknown/" + session
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", parts[1], parts[4], name, session)
}

const xmlns = "https://sts.amazonaws.com/doc/2011-06-15/"

type assumeRoleResponse struct {
	XMLName   xml.Name         `xml:"AssumeRoleResponse"`
	Xmlns     string           `xml:"xmlns,attr"`
	Result    assumeRoleResult `xml:"AssumeRoleResult"`
	RequestID string           `xml:"ResponseMetadata>RequestId"`
}

type assumeRoleResult struct {
	AssumedRoleUser  assumedRoleUser `xml:"AssumedRoleUser"`
	Credentials      xmlCredentials  `xml:"Credentials"`
	PackedPolicySize int             `xml:"PackedPolicySize"`
}

type assumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeError answers an error as STS does; all of the fake's are the
// caller's fault.
func writeError(w http.ResponseWriter, requestID string, e stsError) {
	writeXML(w, requestID, e.status, errorResponse{Xmlns: xmlns, Type: "Sender", Code: e.code, Message: e.message, RequestID: requestID})
}

func writeXML(w http.ResponseWriter, requestID string, status int, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(body)
}
