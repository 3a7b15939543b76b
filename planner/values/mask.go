package values

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Redacted replaces a secret value.
const Redacted = "(masked)"

// IsSecretKey reports whether a key names a secret value: a password,
// secret, token, API/access/private key, client secret, webhook (URL),
// credentials, DSN or connection string. Keys that name or point to a
// secret (slackWebhookSecretName, existingSecret, externalSecret,
// secretKeyRef, imagePullSecrets), flags (createK8sFenceConfigSecret,
// automountServiceAccountToken) and settings about secrets (
// ACCESS_TOKEN_EXPIRES_IN, MAX_API_KEY_TTL, token_endpoint) are not.
// The word lists come from the keys of the Gen3 charts and gitops values.
func IsSecretKey(key string) bool {
	w := words(key)
	if len(w) == 0 {
		return false
	}
	for _, x := range w {
		if notSecretWords[x] {
			return false
		}
	}
	if flagPrefixes[w[0]] || w[0] == "external" || w[0] == "existing" {
		return false // a switch, or the name of a Secret: externalSecretAwsCreds
	}
	last := w[len(w)-1]
	joined := strings.Join(w, "")
	if last == "url" || last == "uri" {
		return strings.Contains(joined, "webhook") // a webhook URL carries its token
	}
	if notSecretLast[last] {
		return false
	}
	if (last == "secret" || last == "secrets") && len(w) > 1 && referencePrev[w[len(w)-2]] {
		return false // names a Secret: fenceGoogleAppCredsSecret, externalSecrets
	}
	if last == "pass" || last == "pwd" {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(joined, s) {
			return true
		}
	}
	return false
}

var secretSuffixes = []string{
	"password", "passwords", "passwd", "passphrase",
	"secret", "secrets", "token", "tokens",
	"apikey", "apikeys", "accesskey", "accesskeyid", "secretkey", "privatekey", "privatekeyid",
	"encryptionkey", "decryptkey", "decryptionkey", "signingkey", "masterkey", "hmackey", "authkey",
	"ghkey", "githubkey", "sshkey",
	"credentials", "credential", "creds",
	"webhook", "dsn", "connectionstring", "connstring",
}

// notSecretLast are last words that make a key a name, a pointer or a
// setting rather than the secret itself.
var notSecretLast = set("name", "names", "ref", "refs", "reference", "namespace", "folder", "dir",
	"directory", "path", "file", "filename", "endpoint", "ttl", "in", "cutoff", "count", "expiration",
	"expiry", "length", "size", "type", "mode", "store", "account", "enabled", "version",
	"arn", "region", "bucket", "format", "header", "prefix", "suffix", "label", "labels", "annotations",
	"url", "uri", "host", "hostname", "port", "user", "username", "cpu", "mem", "memory", "pattern")

// notSecretWords anywhere in a key make it a setting: origins_allow_credentials
// lists origins, mutatingWebhook configures an admission webhook.
// BILLING_PROJECT_FOR_SA_CREDS names a project.
var notSecretWords = set("allow", "allowed", "mutating", "validating", "for")

// flagPrefixes start keys that switch something about a secret on or off.
var flagPrefixes = set("create", "use", "enable", "enabled", "disable", "automount", "push", "write",
	"separate", "is", "has", "should", "skip", "sync", "rotate")

// referencePrev before "secret(s)" makes the key the name of a Kubernetes or
// cloud Secret (existingSecret, awsCredsSecret, auroraMasterSecret).
var referencePrev = set("external", "existing", "from", "creds", "credentials", "settings", "config",
	"local", "master", "env", "k8s", "kube", "pull", "tls", "target", "source")

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// words splits a key into lower-case words at non-alphanumerics and
// camelCase boundaries: "awsSecretAccessKey" → aws secret access key,
// "cedarAPIKey" → cedar api key, "WTF_CSRF_SECRET_KEY" → wtf csrf secret key.
func words(key string) []string {
	var out []string
	rs := []rune(key)
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, strings.ToLower(string(rs[start:end])))
			start = -1
		}
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start >= 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return out
}

// secretValue matches values that are secrets whatever their key: AWS access
// key ids, GitHub and Slack tokens, PEM private keys, URLs with a password
// and Slack webhook URLs.
var secretValue = regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b` +
	`|\bgh[pousr]_[0-9A-Za-z]{36,}` +
	`|\bgithub_pat_[0-9A-Za-z_]{22,}` +
	`|\bxox[abposr]-[0-9A-Za-z-]{10,}` +
	`|-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----` +
	`|hooks\.slack\.com/services/[0-9A-Za-z]+/`)

// urlPassword finds the password of a URL with user:password@.
var urlPassword = regexp.MustCompile(`\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]+:([^\s/?#@]+)@`)

// variable is a password that is a reference filled in elsewhere:
// $(PGPASSWORD) in a Kubernetes env value, ${X}, {{ .Values.x }}.
var variable = regexp.MustCompile(`^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[^}]*\}|\{\{[^}]*\}\}|\$[A-Za-z_][A-Za-z0-9_]*)$`)

// base64PEM is "-----BEGIN" encoded in base64, as in a Kubernetes Secret's
// data or a values file that carries a key already encoded.
const base64PEM = "LS0tLS1CRUdJTi"

// looksSecret reports whether a string is a secret whatever its key.
func looksSecret(s string) bool {
	if secretValue.MatchString(s) {
		return true
	}
	for _, m := range urlPassword.FindAllStringSubmatch(s, -1) {
		if !variable.MatchString(m[1]) {
			return true
		}
	}
	for rest := s; ; {
		i := strings.Index(rest, base64PEM)
		if i < 0 {
			return false
		}
		rest = rest[i:]
		n := 0
		for n < len(rest) && n < 64 && strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", rest[n]) >= 0 {
			n++
		}
		if dec, err := base64.StdEncoding.DecodeString(rest[:n/4*4]); err == nil && strings.Contains(string(dec), "PRIVATE KEY") {
			return true
		}
		rest = rest[len(base64PEM):]
	}
}

// MaskTree returns a copy of v in which secret values are replaced by
// Redacted: values of secret keys (IsSecretKey), every value inside a map or
// list under a secret key (secrets:, STORAGE_CREDENTIALS:) and strings that
// look like secrets anywhere. Booleans, nulls and empty strings stay, as do
// names and references of secrets: everything under externalSecrets, a
// secretKeyRef or a Kubernetes `secret:` volume, and keys ending in Name,
// Ref or Namespace. v is not modified.
func MaskTree(v map[string]any) map[string]any {
	out, _ := maskMap(scope{}, v)
	return out
}

// Mask returns the changes with their Before and After masked as MaskTree
// would mask them at the change's path; Masked is set when a value was
// replaced. The input slice is not modified.
func Mask(changes []Change) []Change {
	out := slices.Clone(changes)
	for i := range out {
		c := &out[i]
		sc, key := scopeAt(c.Path)
		var mb, ma bool
		c.Before, mb = maskValue(sc, key, c.Before)
		c.After, ma = maskValue(sc, key, c.After)
		c.Masked = c.Masked || mb || ma
	}
	return out
}

// scope is what the keys above a value say about it.
type scope struct {
	ref    bool   // under a reference to a Secret: values are names
	secret bool   // under a secret key: every value is secret
	parent string // the enclosing map's key, for `tls: {key: …}`
}

// enter returns the scope of the entries of a map or list found at key.
func (sc scope) enter(key string) scope {
	if key == "" {
		return sc
	}
	next := scope{ref: sc.ref, secret: sc.secret, parent: key}
	if !sc.ref && isReference(key) {
		next.ref, next.secret = true, false
	} else if !sc.ref && IsSecretKey(key) && !isSettingHolder(key) {
		next.secret = true
	}
	return next
}

// isReference reports whether a map or list at key describes where a secret
// is rather than the secret: externalSecrets, secretKeyRef,
// imagePullSecrets, a `secret:` volume, awsCredsSecret.
func isReference(key string) bool {
	w := words(key)
	if len(w) == 0 {
		return false
	}
	last := w[len(w)-1]
	switch {
	case last == "ref" || last == "refs" || last == "reference":
		return true
	case w[0] == "external" && (last == "secret" || last == "secrets"):
		return true
	case last == "secret": // a Kubernetes Secret described by a map
		return true
	case last == "secrets" && len(w) > 1 && referencePrev[w[len(w)-2]]:
		return true
	}
	return flagPrefixes[w[0]] && (last == "secret" || last == "secrets")
}

// isSettingHolder reports secret keys whose map value is configuration, not
// secret content: a webhook or DSN map (mutatingWebhook: {enabled, image}).
func isSettingHolder(key string) bool {
	w := words(key)
	return len(w) > 0 && (w[len(w)-1] == "webhook" || w[len(w)-1] == "dsn")
}

// keyInSecret are bare keys that hold secrets under some parents
// (global.tls.key in the revproxy chart).
var keyInSecret = set("tls", "ssl", "ssh", "jwt", "private", "signing")

// scopeAt returns the scope and key of the value at a rendered path.
func scopeAt(path string) (scope, string) {
	segs, ok := parsePath(path)
	if !ok {
		return scope{}, path
	}
	sc := scope{}
	key, name := "", ""
	for _, s := range segs {
		switch s.kind {
		case segKey:
			if key != "" {
				sc = sc.enter(key)
			}
			key = s.key
			if key == "value" && name != "" {
				key = name // env: [{name: DB_PASSWORD, value: …}]
			}
			name = ""
		case segSelect:
			if s.field == "name" {
				name = s.key
			}
		}
	}
	return sc, key
}

// maskValue masks v found at key in sc.
func maskValue(sc scope, key string, v any) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return maskMap(sc.enter(key), t)
	case []any:
		out := make([]any, len(t))
		masked := false
		for i, x := range t {
			var m bool
			if mm, ok := x.(map[string]any); ok {
				out[i], m = maskMap(sc.enter(key), mm)
			} else {
				out[i], m = maskValue(sc, key, x)
			}
			masked = masked || m
		}
		return out, masked
	}
	if maskScalar(sc, key, v) {
		return Redacted, true
	}
	return v, false
}

func maskMap(sc scope, m map[string]any) (map[string]any, bool) {
	out := make(map[string]any, len(m))
	masked := false
	// An env-style item {name: X, value: …} is judged by X.
	envName, _ := m["name"].(string)
	for k, v := range m {
		key := k
		if k == "value" && envName != "" {
			key = envName
		}
		var x bool
		out[k], x = maskValue(sc, key, v)
		masked = masked || x
	}
	return out, masked
}

// maskScalar reports whether a scalar at key in sc must be hidden.
func maskScalar(sc scope, key string, v any) bool {
	switch t := v.(type) {
	case nil, bool:
		return false
	case string:
		if t == "" {
			return false
		}
		if looksSecret(t) {
			return true
		}
		// A placeholder filled in elsewhere ({{ENCRYPTION_KEY}}, ${X},
		// $(PGPASSWORD)) is no secret, and masking it would hide from
		// policies that it is one.
		if variable.MatchString(strings.TrimSpace(t)) {
			return false
		}
	case float64, float32, int, int64, int32, uint, uint64, uint32:
	default:
		return false
	}
	if sc.ref || !IsSecretKey(key) && notSecretName(key) {
		return false
	}
	if IsSecretKey(key) || sc.secret {
		return true
	}
	return strings.EqualFold(key, "key") && keyInSecret[strings.ToLower(sc.parent)]
}

// notSecretName reports keys that name or switch a secret; under a secret
// map they keep their value (secrets: {existingSecret: x, enabled: true}).
func notSecretName(key string) bool {
	w := words(key)
	if len(w) == 0 {
		return false
	}
	return notSecretLast[w[len(w)-1]] || flagPrefixes[w[0]] || isReference(key)
}
