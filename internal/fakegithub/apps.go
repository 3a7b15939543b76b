package fakegithub

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxJWTLifetime is how far in the future GitHub accepts a JWT's exp.
const maxJWTLifetime = 10 * time.Minute

// App is a GitHub App installed once.
type App struct {
	ID             int64
	InstallationID int64
	// PublicKey verifies the app's JWTs: the public half of its private key.
	PublicKey *rsa.PublicKey
	// Login is the bot user that authors what the installation's tokens
	// create, such as "csocbot[bot]".
	Login string
}

// AddApp registers an app and its installation, so that
// POST /app/installations/{id}/access_tokens with a JWT the app signed
// issues installation tokens.
func (s *Server) AddApp(a App) {
	if a.PublicKey == nil || a.Login == "" {
		s.t.Fatalf("fakegithub: app %d needs a public key and a bot login", a.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[a.InstallationID] = a
}

// InstallationTokens returns the installation tokens issued so far, oldest
// first.
func (s *Server) InstallationTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// verifyJWT checks that token is an RS256 JWT, current, and signed by the
// app its iss claim names, and returns that app's id.
func (s *Server) verifyJWT(token string) (int64, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0, errors.New("A JSON web token could not be decoded")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss json.RawMessage `json:"iss"`
		Iat int64           `json:"iat"`
		Exp int64           `json:"exp"`
	}
	sig, sigErr := base64.RawURLEncoding.DecodeString(parts[2])
	if decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &claims) != nil || sigErr != nil {
		return 0, errors.New("A JSON web token could not be decoded")
	}
	if header.Alg != "RS256" {
		return 0, errors.New("JWT must be signed with RS256")
	}
	appID, err := strconv.ParseInt(strings.Trim(string(claims.Iss), `"`), 10, 64)
	if err != nil {
		return 0, errors.New("'Issuer' claim ('iss') must be the app id")
	}
	now := time.Now()
	switch {
	case claims.Exp <= now.Unix():
		return 0, errors.New("'Expiration time' claim ('exp') is in the past")
	case claims.Exp > now.Add(maxJWTLifetime).Unix():
		return 0, errors.New("'Expiration time' claim ('exp') is too far in the future")
	case claims.Iat > now.Add(time.Minute).Unix():
		return 0, errors.New("'Issued at' claim ('iat') must be an Integer representing a time in the past")
	}
	s.mu.Lock()
	var key *rsa.PublicKey
	for _, a := range s.apps {
		if a.ID == appID {
			key = a.PublicKey
		}
	}
	s.mu.Unlock()
	if key == nil {
		return 0, errors.New("Integration not found")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return 0, errors.New("A JSON web token could not be decoded")
	}
	return appID, nil
}

// decodeSegment decodes a base64url JSON segment of a JWT.
func decodeSegment(seg string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// createInstallationToken issues an installation token valid for an hour
// to the app the request's JWT authenticated, if it owns the installation.
func (s *Server) createInstallationToken(rq *request) {
	id, ok := rq.intParam("installation_id")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app, ok := s.apps[id]
	if !ok || app.ID != rq.appID {
		rq.fail(http.StatusNotFound, "Not Found")
		return
	}
	secret := make([]byte, 18)
	rand.Read(secret)
	token := "ghs_" + hex.EncodeToString(secret)
	s.tokens[token] = app.Login
	s.issued = append(s.issued, token)
	rq.writeJSON(http.StatusCreated, map[string]any{
		"token":      token,
		"expires_at": time.Now().Add(time.Hour).UTC().Truncate(time.Second),
		"permissions": map[string]string{
			"issues": "write", "pull_requests": "write", "statuses": "write", "members": "read",
		},
		"repository_selection": "all",
	})
}
