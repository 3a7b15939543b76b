package seal

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// redacted stands for key material in every printed form of a Keyring.
const redacted = "[redacted]"

// ParseKeys reads a keyring from the contents of a key file or an
// environment variable; source names where they came from ("key file
// /etc/csocbot/plan-keys", "environment variable CSOCBOT_PLAN_KEYS") in
// errors and in Open's advice when a key is missing.
//
// The format is one key per line, KEYID:BASE64:
//
//	# new plans are sealed with the first key; the others open older ones
//	2026-12-03-9f2c:q0d6fB3Xr1l+2t...=
//	2026-06-01-04ab:Zm9vYmFyYmF6...=
//
// KEYID is 1 to 64 letters, digits, '.', '_' and '-', starting with a
// letter or digit, each id once. BASE64 is exactly 32 random bytes in
// standard base64, padded or not (openssl rand -base64 32). Blank lines and
// lines starting with # are ignored. The first key is current: Seal uses
// it. To rotate, add a new key as the first line and keep the old ones
// until nothing sealed with them is left.
//
// The error lists every problem, one per line, with its line number; it
// never contains key material.
func ParseKeys(data []byte, source string) (*Keyring, error) {
	type parsed struct {
		id       string
		line     int
		material []byte
	}
	var (
		keys []parsed
		errs []error
	)
	defer func() {
		for _, p := range keys {
			clear(p.material)
		}
	}()
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		problem := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s, line %d: %s", source, n, fmt.Sprintf(format, args...)))
		}
		id, encoded, ok := strings.Cut(line, ":")
		id, encoded = strings.TrimSpace(id), strings.TrimSpace(encoded)
		if !ok {
			problem("expected KEYID:BASE64, a key id, a colon and the key; a key needs an id in front, like 2026-12-03:<key>")
			continue
		}
		if !keyIDRE.MatchString(id) {
			// The id is not echoed: a malformed line may be key material.
			problem("the key id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
			continue
		}
		material, msg := decodeKey(encoded)
		if msg != "" {
			problem("key %q %s", id, msg)
			continue
		}
		dup := false
		for _, p := range keys {
			if p.id == id {
				problem("key id %q is used twice (first on line %d); give each key its own id", id, p.line)
				dup = true
				break
			}
			if subtle.ConstantTimeCompare(p.material, material) == 1 {
				problem("key %q is the same key as %q (line %d); make a new one with: openssl rand -base64 32", id, p.id, p.line)
				dup = true
				break
			}
		}
		if dup {
			clear(material)
			continue
		}
		keys = append(keys, parsed{id, n, material})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s holds no keys; write one per line as KEYID:BASE64, for example: echo \"$(date -u +%%F):$(openssl rand -base64 32)\"", source)
	}
	k := &Keyring{source: source}
	for _, p := range keys {
		kk, err := newKey(p.id, p.material)
		if err != nil {
			return nil, fmt.Errorf("%s, line %d: key %q: %w", source, p.line, p.id, err)
		}
		k.keys = append(k.keys, kk)
	}
	return k, nil
}

// decodeKey decodes base64 key material; on failure it says what is
// wrong (after "key ID ") without quoting it.
func decodeKey(encoded string) ([]byte, string) {
	const advice = "; make one with: openssl rand -base64 32"
	if encoded == "" {
		return nil, "is empty" + advice
	}
	var material []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if material, err = enc.DecodeString(encoded); err == nil {
			break
		}
	}
	switch {
	case err != nil:
		var pos base64.CorruptInputError
		if errors.As(err, &pos) {
			return nil, fmt.Sprintf("is not valid base64 (bad character or padding at position %d)%s", int64(pos)+1, advice)
		}
		return nil, "is not valid base64" + advice
	case len(material) != keySize:
		clear(material)
		if len(encoded) == 2*keySize && isHex(encoded) {
			return nil, "is written in hex; csocbot reads keys in base64: convert it with: echo KEY | xxd -r -p | base64, or make a new one with: openssl rand -base64 32"
		}
		return nil, fmt.Sprintf("is %d bytes; AES-256 needs exactly %d%s", len(material), keySize, advice)
	}
	return material, ""
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// NewKey makes a random AES-256 key for a key file or variable. It
// returns a new key id, today's date (UTC) and four random hex digits
// such as 2026-12-03-9f2c, and the key in standard base64. Write them as
// the line id + ":" + encoded at the top of the key file (see ParseKeys),
// which makes the key current. openssl rand -base64 32 or
// head -c32 /dev/urandom | base64 make a key as well; the id is then
// yours to choose.
func NewKey() (id, encoded string, err error) {
	b := make([]byte, keySize+2)
	defer clear(b)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("make a key: read random bytes: %w", err)
	}
	id = time.Now().UTC().Format("2006-01-02") + "-" + hex.EncodeToString(b[keySize:])
	return id, base64.StdEncoding.EncodeToString(b[:keySize]), nil
}

// String lists the key ids, the current one first; never key material.
func (k Keyring) String() string {
	var b strings.Builder
	b.WriteString("seal.Keyring{keys: ")
	for i, kk := range k.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(kk.id)
		if i == 0 {
			b.WriteString(" (current)")
		}
	}
	if len(k.keys) == 0 {
		b.WriteString("none")
	}
	if k.source != "" {
		b.WriteString("; from " + k.source)
	}
	b.WriteString("; key material " + redacted + "}")
	return b.String()
}

// GoString is String, for %#v.
func (k Keyring) GoString() string { return k.String() }

// Format prints String whatever the verb, so that no verb prints the
// keys through reflection.
func (k Keyring) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue is String, for log/slog.
func (k Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON is String as a JSON string, for encoding/json.
func (k Keyring) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }
