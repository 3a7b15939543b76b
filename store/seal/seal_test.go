package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// testMaterial is the key material of the test key named id.
func testMaterial(id string) []byte {
	sum := sha256.Sum256([]byte("test key " + id))
	return sum[:]
}

// keyLine is the key file line of the test key named id.
func keyLine(id string) string {
	return id + ":" + base64.StdEncoding.EncodeToString(testMaterial(id))
}

// testKeyring is a keyring of the test keys named ids, the first current,
// read from the key file /etc/csocbot/plan-keys.
func testKeyring(t testing.TB, ids ...string) *Keyring {
	t.Helper()
	var lines []string
	for _, id := range ids {
		lines = append(lines, keyLine(id))
	}
	k, err := ParseKeys([]byte(strings.Join(lines, "\n")), "key file /etc/csocbot/plan-keys")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// planAD is the associated data of a plan file of unit.
func planAD(unit string) []byte {
	return AssociatedData("plan", "csoc/gen3-infra", "42", unit, "0123456789abcdef0123456789abcdef01234567", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
}

func TestRoundTrip(t *testing.T) {
	k := testKeyring(t, "2026-12", "2026-06")
	big := bytes.Repeat([]byte("resource \"aws_s3_bucket\" \"logs\" { sensitive = true }\n"), 1<<15)
	for _, tc := range []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty plaintext", nil, planAD("live/prod/vpc")},
		{"one byte", []byte{0}, planAD("live/prod/vpc")},
		{"plan", []byte("PK\x03\x04 a zipped plan file"), planAD("live/prod/eks")},
		{"large", big, planAD("live/prod/eks")},
		{"no associated data", []byte("plan"), nil},
		{"empty associated data", []byte("plan"), []byte{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := k.Seal(tc.plaintext, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if s.KeyID != "2026-12" {
				t.Errorf("sealed with key %q, want the current key 2026-12", s.KeyID)
			}
			if len(tc.plaintext) > 4 && bytes.Contains(s.Box, tc.plaintext[:5]) {
				t.Error("the box holds the plaintext")
			}
			data := s.Marshal()
			if want := 2 + len("2026-12") + nonceLen + len(tc.plaintext) + tagLen; len(data) != want {
				t.Errorf("marshalled %d bytes, want %d", len(data), want)
			}
			u, err := Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Open(u, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.plaintext) {
				t.Errorf("opened %d bytes, want the %d sealed", len(got), len(tc.plaintext))
			}
			again, err := k.Seal(tc.plaintext, tc.ad)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(again.Box[:nonceLen], s.Box[:nonceLen]) || bytes.Equal(again.Box, s.Box) {
				t.Error("sealing twice gave the same nonce")
			}
		})
	}
}

func TestFormat(t *testing.T) {
	s := Sealed{KeyID: "k1", Box: bytes.Repeat([]byte{0xAB}, nonceLen+tagLen)}
	want := append([]byte{1, 2, 'k', '1'}, s.Box...)
	if got := s.Marshal(); !bytes.Equal(got, want) {
		t.Errorf("Marshal = %x, want %x", got, want)
	}
}

func TestOpenFails(t *testing.T) {
	k := testKeyring(t, "new", "old")
	ad := planAD("live/prod/vpc")
	s, err := k.Seal([]byte("a plan with a password in it"), ad)
	if err != nil {
		t.Fatal(err)
	}
	blob := s.Marshal()
	// The box starts after the version, the length and "new".
	box := 2 + len("new")
	flip := func(i int) []byte {
		b := bytes.Clone(blob)
		b[i] ^= 1
		return b
	}
	withKeyID := func(id string) []byte {
		return append(append([]byte{1, byte(len(id))}, id...), blob[box:]...)
	}
	const (
		notAuthentic = `sealed data failed authentication with key "new": it was altered, or it is opened with other associated data than it was sealed with (it belongs to another unit, commit or plan)`
	)
	for _, tc := range []struct {
		name string
		data []byte
		ad   []byte
		is   error
		want string
	}{
		{"ciphertext altered", flip(box + nonceLen + 3), ad, ErrNotAuthentic, notAuthentic},
		{"tag altered", flip(len(blob) - 1), ad, ErrNotAuthentic, notAuthentic},
		{"nonce altered", flip(box), ad, ErrNotAuthentic, notAuthentic},
		{"key id altered to another configured key", withKeyID("old"), ad, ErrNotAuthentic, `sealed data failed authentication with key "old"`},
		{"key id altered to an unknown key", withKeyID("nex"), ad, ErrUnknownKey, `unknown key: sealed with key "nex", which is not configured (the keys are "new", "old"); add it back to the key file /etc/csocbot/plan-keys to read what was sealed with it`},
		{"key id altered to an invalid one", withKeyID("n w"), ad, ErrMalformed, "malformed sealed data: the key id is not a valid key id"},
		{"version altered", flip(0), ad, ErrMalformed, "malformed sealed data: format version 0, but this csocbot reads only version 1"},
		{"key id length altered", flip(1), ad, ErrUnknownKey, `unknown key: sealed with key "ne", which is not configured`},
		{"key id length zero", append([]byte{1, 0}, blob[2:]...), ad, ErrMalformed, "malformed sealed data: the key id length is 0, not 1 to 64"},
		{"key id length too long", append([]byte{1, 65}, blob[2:]...), ad, ErrMalformed, "malformed sealed data: the key id length is 65, not 1 to 64"},
		{"other unit", blob, planAD("live/staging/vpc"), ErrNotAuthentic, notAuthentic},
		{"other head", blob, AssociatedData("plan", "csoc/gen3-infra", "42", "live/prod/vpc", "fedcba9876543210fedcba9876543210fedcba98", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"), ErrNotAuthentic, notAuthentic},
		{"no associated data", blob, nil, ErrNotAuthentic, notAuthentic},
		{"associated data with a byte more", blob, append(bytes.Clone(ad), 0), ErrNotAuthentic, notAuthentic},
		{"truncated by one byte", blob[:len(blob)-1], ad, ErrNotAuthentic, notAuthentic},
		{"truncated to a header, nonce and tag", blob[:box+nonceLen+tagLen], ad, ErrNotAuthentic, notAuthentic},
		{"truncated inside the tag", blob[:box+nonceLen+tagLen-1], ad, ErrMalformed, "malformed sealed data: truncated: 32 bytes, too short for a 3-byte key id, a nonce and a tag"},
		{"truncated to the header", blob[:box], ad, ErrMalformed, "malformed sealed data: truncated: 5 bytes, and a sealed blob has at least 31"},
		{"truncated to the version", blob[:1], ad, ErrMalformed, "malformed sealed data: truncated: 1 bytes"},
		{"empty", nil, ad, ErrMalformed, "malformed sealed data: it is empty"},
		{"not sealed data", []byte("PK\x03\x04 a plan file stored unsealed by mistake"), ad, ErrMalformed, "malformed sealed data: format version 80"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Unmarshal(tc.data)
			var plain []byte
			if err == nil {
				plain, err = k.Open(s, tc.ad)
			}
			if err == nil {
				t.Fatalf("opened: %q", plain)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %q", err, tc.is)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error:\n%s\nwant it to start with:\n%s", err, tc.want)
			}
		})
	}
}

func TestOpenInvalidSealed(t *testing.T) {
	k := testKeyring(t, "k")
	for _, tc := range []struct {
		name string
		s    Sealed
		want string
	}{
		{"zero", Sealed{}, "malformed sealed data: the key id is not a valid key id"},
		{"key id too long", Sealed{KeyID: strings.Repeat("k", 65), Box: make([]byte, 40)}, "malformed sealed data: the key id is not a valid key id"},
		{"short box", Sealed{KeyID: "k", Box: make([]byte, 27)}, "malformed sealed data: the encrypted part is 27 bytes, shorter than the 28 of a nonce and a tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := k.Open(tc.s, nil)
			if !errors.Is(err, ErrMalformed) || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
}

func TestAssociatedDataUnambiguous(t *testing.T) {
	k := testKeyring(t, "k")
	for _, pair := range [][2][]string{
		{{"ab", "c"}, {"a", "bc"}},
		{{"a", ""}, {"a"}},
		{{""}, {}},
		{{"live/prod", "vpc"}, {"live", "prod/vpc"}},
	} {
		a, b := AssociatedData(pair[0]...), AssociatedData(pair[1]...)
		if bytes.Equal(a, b) {
			t.Errorf("%q and %q encode alike", pair[0], pair[1])
		}
		s, err := k.Seal([]byte("plan"), a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Open(s, b); !errors.Is(err, ErrNotAuthentic) {
			t.Errorf("sealed with %q, opened with %q: %v", pair[0], pair[1], err)
		}
	}
}

func TestRotation(t *testing.T) {
	ad := planAD("live/prod/vpc")
	before := testKeyring(t, "2026-06")
	old, err := before.Seal([]byte("plan sealed before the rotation"), ad)
	if err != nil {
		t.Fatal(err)
	}

	// The new key goes first; the old one stays to open older plans.
	rotated := testKeyring(t, "2026-12", "2026-06")
	got, err := rotated.Open(old, ad)
	if err != nil || string(got) != "plan sealed before the rotation" {
		t.Fatalf("after the rotation, an older plan opens as %q, %v", got, err)
	}
	fresh, err := rotated.Seal([]byte("plan sealed after the rotation"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.KeyID != "2026-12" {
		t.Errorf("after the rotation, sealed with %q", fresh.KeyID)
	}
	if _, err := before.Open(fresh, ad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("the old keyring opened a plan sealed with the new key: %v", err)
	}

	// The old key removed: plans sealed with it no longer open, and the
	// error says what to do.
	retired := testKeyring(t, "2026-12")
	if _, err := retired.Open(fresh, ad); err != nil {
		t.Errorf("a plan sealed with the current key: %v", err)
	}
	_, err = retired.Open(old, ad)
	want := `unknown key: sealed with key "2026-06", which is not configured (the keys are "2026-12"); add it back to the key file /etc/csocbot/plan-keys to read what was sealed with it, such as plans saved before a key rotation`
	if !errors.Is(err, ErrUnknownKey) || err.Error() != want {
		t.Errorf("a plan sealed with a removed key:\n%v\nwant\n%s", err, want)
	}
}

func TestSealWithoutKeys(t *testing.T) {
	var k Keyring
	if _, err := k.Seal([]byte("plan"), nil); err == nil || err.Error() != "cannot seal: the keyring holds no keys" {
		t.Errorf("Seal with no keys: %v", err)
	}
	_, err := k.Open(Sealed{KeyID: "k", Box: make([]byte, 40)}, nil)
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `(the keys are none); add it back to the keyring`) {
		t.Errorf("Open with no keys: %v", err)
	}
}

func TestConcurrent(t *testing.T) {
	k := testKeyring(t, "k")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ad := planAD(fmt.Sprintf("live/prod/unit-%d", i))
			for range 50 {
				s, err := k.Seal([]byte("plan"), ad)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := k.Open(s, ad); err != nil || string(got) != "plan" {
					t.Errorf("opened %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
