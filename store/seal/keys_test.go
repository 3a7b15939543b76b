package seal

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const source = "key file /etc/csocbot/plan-keys"

func TestParseKeys(t *testing.T) {
	raw := base64.RawStdEncoding.EncodeToString(testMaterial("b"))
	for _, tc := range []struct {
		name string
		data string
		want string // the keyring's String
	}{
		{"one key", keyLine("2026-12-03-9f2c") + "\n", "seal.Keyring{keys: 2026-12-03-9f2c (current); from key file /etc/csocbot/plan-keys; key material [redacted]}"},
		{"no final newline", keyLine("a"), "seal.Keyring{keys: a (current); from key file /etc/csocbot/plan-keys; key material [redacted]}"},
		{"several, comments, blank lines, CRLF and spaces", "# plan keys\r\n\r\n" + keyLine("a") + "\r\n  # older\n  b : " + raw + "  \n\n" + keyLine("c.2_x-y"), "seal.Keyring{keys: a (current), b, c.2_x-y; from key file /etc/csocbot/plan-keys; key material [redacted]}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKeys([]byte(tc.data), source)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.String(); got != tc.want {
				t.Errorf("keyring %s, want %s", got, tc.want)
			}
		})
	}

	// The unpadded key opens what the padded one sealed.
	padded := testKeyring(t, "b")
	s, err := padded.Seal([]byte("plan"), nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKeys([]byte("b:"+raw), source)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Open(s, nil); err != nil || string(got) != "plan" {
		t.Errorf("unpadded key: %q, %v", got, err)
	}
}

func TestParseKeysErrors(t *testing.T) {
	material := testMaterial("a")
	std := base64.StdEncoding.EncodeToString(material)
	short := base64.StdEncoding.EncodeToString(material[:16])
	long := base64.StdEncoding.EncodeToString(append(bytes.Clone(material), material[:8]...))
	hexKey := hex.EncodeToString(material)
	const advice = "; make one with: openssl rand -base64 32"
	for _, tc := range []struct {
		name string
		data string
		want []string
	}{
		{"empty", "", []string{`key file /etc/csocbot/plan-keys holds no keys; write one per line as KEYID:BASE64, for example: echo "$(date -u +%F):$(openssl rand -base64 32)"`}},
		{"comments only", "# no keys yet\n\n", []string{"key file /etc/csocbot/plan-keys holds no keys"}},
		{"bare key", std + "\n", []string{"key file /etc/csocbot/plan-keys, line 1: expected KEYID:BASE64, a key id, a colon and the key; a key needs an id in front, like 2026-12-03:<key>"}},
		{"empty id", ":" + std, []string{"line 1: the key id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"}},
		{"bad id", "# comment\nkey one:" + std, []string{"line 2: the key id must be 1 to 64 letters"}},
		{"id too long", strings.Repeat("k", 65) + ":" + std, []string{"line 1: the key id must be 1 to 64 letters"}},
		{"empty key", "a:", []string{`line 1: key "a" is empty` + advice}},
		{"bad base64", "a:" + std[:10] + "!" + std[11:], []string{`line 1: key "a" is not valid base64 (bad character or padding at position 11)` + advice}},
		{"too short", "a:" + short, []string{`line 1: key "a" is 16 bytes; AES-256 needs exactly 32` + advice}},
		{"too long", "a:" + long, []string{`line 1: key "a" is 40 bytes; AES-256 needs exactly 32` + advice}},
		{"hex", "a:" + hexKey, []string{`line 1: key "a" is written in hex; csocbot reads keys in base64: convert it with: echo KEY | xxd -r -p | base64, or make a new one with: openssl rand -base64 32`}},
		{"duplicate id", keyLine("a") + "\n" + keyLine("b") + "\n" + "a:" + base64.StdEncoding.EncodeToString(testMaterial("c")), []string{`line 3: key id "a" is used twice (first on line 1); give each key its own id`}},
		{"same key twice", keyLine("a") + "\nb:" + std, []string{`line 2: key "b" is the same key as "a" (line 1); make a new one with: openssl rand -base64 32`}},
		{"every problem", "a:" + short + "\n" + std + "\n" + keyLine("b") + "\n" + keyLine("b"), []string{
			`key file /etc/csocbot/plan-keys, line 1: key "a" is 16 bytes`,
			"key file /etc/csocbot/plan-keys, line 2: expected KEYID:BASE64",
			`key file /etc/csocbot/plan-keys, line 4: key id "b" is used twice (first on line 3)`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKeys([]byte(tc.data), source)
			if err == nil {
				t.Fatalf("no error; keyring %v", k)
			}
			if k != nil {
				t.Error("a keyring came with the error")
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tc.want) {
				t.Fatalf("errors:\n%s\nwant %d", err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("error %d:\n%s\nwant it to contain:\n%s", i, got[i], w)
				}
			}
			for _, m := range []string{std, std[:20], short, long[:20], hexKey[:20], base64.StdEncoding.EncodeToString(testMaterial("b"))[:20]} {
				if strings.Contains(err.Error(), m) {
					t.Errorf("the error shows key material: %s", err)
				}
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	id, encoded, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}-[0-9a-f]{4}$`).MatchString(id) || !strings.HasPrefix(id, today[:4]) {
		t.Errorf("key id %q, want like %s-9f2c", id, today)
	}
	if m, err := base64.StdEncoding.DecodeString(encoded); err != nil || len(m) != 32 {
		t.Errorf("key is %d bytes, %v", len(m), err)
	}
	id2, encoded2, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if id == id2 && encoded == encoded2 {
		t.Error("two keys alike")
	}
	// The line the doc comment says to write makes a keyring that seals
	// with the new key.
	k, err := ParseKeys([]byte(id+":"+encoded+"\n"+id+"x:"+encoded2+"\n"), source)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := k.Seal([]byte("plan"), nil); err != nil || s.KeyID != id {
		t.Errorf("sealed with %q, %v", s.KeyID, err)
	}
}

// holder has keyrings in every kind of field.
type holder struct {
	Exported    *Keyring
	ExportedVal Keyring
	hidden      *Keyring
	hiddenVal   Keyring
}

func TestKeysNeverPrinted(t *testing.T) {
	k := testKeyring(t, "current", "older")
	h := holder{k, *k, k, *k}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T", "%p"} {
		out = append(out, fmt.Sprintf(verb, k), fmt.Sprintf(verb, *k), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h), fmt.Sprintf(verb, []*Keyring{k}))
	}
	out = append(out, fmt.Sprint(k), fmt.Sprintln(*k), k.String(), k.GoString())
	for _, v := range []any{k, *k, h} {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(data))
	}
	for _, handler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(handler(&buf)).Info("keys", "keyring", k, "value", *k, "holder", h, slog.Any("any", k), slog.Group("g", "k", k))
		out = append(out, buf.String())
	}

	// Key material in any encoding, and the first words of the AES key
	// schedule (which are the key) as numbers.
	var leaks []string
	for _, id := range []string{"current", "older"} {
		m := testMaterial(id)
		leaks = append(leaks, string(m), base64.StdEncoding.EncodeToString(m)[:16], base64.RawURLEncoding.EncodeToString(m)[:16], hex.EncodeToString(m)[:16], strings.ToUpper(hex.EncodeToString(m)[:16]), fmt.Sprint(m[:4]))
		for i := 0; i < 8; i += 4 {
			leaks = append(leaks, strconv.FormatUint(uint64(binary.BigEndian.Uint32(m[i:])), 10), strconv.FormatUint(uint64(binary.LittleEndian.Uint32(m[i:])), 10))
		}
	}
	for _, o := range out {
		for _, l := range leaks {
			if strings.Contains(o, l) {
				t.Errorf("key material printed: %s", o)
				break
			}
		}
		// %p and %T print an address and a type name.
		if !strings.Contains(o, "[redacted]") && !strings.Contains(o, "seal.") && !strings.HasPrefix(o, "0x") {
			t.Errorf("no [redacted] in %s", o)
		}
	}
}
