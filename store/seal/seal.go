// Package seal encrypts what csocbot keeps in its store that must not be
// readable there: saved plan files, which hold sensitive values in
// plaintext.
//
// A [Keyring] holds AES-256-GCM keys, each with an id. The first key is
// the current one: [Keyring.Seal] always uses it. [Keyring.Open] uses
// whichever key a blob names, so keys rotate by putting a new key first
// and keeping the old ones until nothing sealed with them is left.
// Keyrings come from a key file or an environment variable ([ParseKeys]);
// [NewKey] makes a key.
//
// Sealing binds a blob to associated data, the context it belongs to
// (repository, pull request, unit, head commit, plan digest;
// [AssociatedData] encodes such fields unambiguously): it opens only with
// the same associated data, so a blob cannot be swapped for another
// unit's or another commit's.
//
// It is a package of its own so that the store implementations and the
// apply workflow share one format and one key handling, built on the
// standard library alone (crypto/aes, crypto/cipher, crypto/rand).
//
// # Format
//
// [Sealed.Marshal] writes, and [Unmarshal] reads:
//
//	byte 0          format version, 1
//	byte 1          n, the length of the key id (1 to 64)
//	bytes 2..2+n    the key id (ASCII letters, digits, '.', '_', '-')
//	12 bytes        the GCM nonce, random (crypto/rand)
//	the rest        the ciphertext followed by the 16-byte GCM tag
//
// The GCM additional data is the header (version, n, key id) followed by
// the caller's associated data, so the version and key id are
// authenticated too. A later format takes version 2; this package refuses
// versions it does not know.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// version is the format Marshal writes.
const version = 1

// Sizes of the format's parts.
const (
	keySize  = 32 // AES-256
	nonceLen = 12 // GCM's standard nonce
	tagLen   = 16 // GCM's tag
	maxIDLen = 64
	// minSealed is the shortest marshalled blob: a one-byte key id and
	// an empty plaintext.
	minSealed = 2 + 1 + nonceLen + tagLen
)

// keyIDRE is what a key id looks like.
var keyIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// The errors Open and Unmarshal return wrap one of these.
var (
	// ErrMalformed says the bytes are not a sealed blob this version of
	// csocbot can read.
	ErrMalformed = errors.New("malformed sealed data")
	// ErrUnknownKey says the blob was sealed with a key the keyring does
	// not hold.
	ErrUnknownKey = errors.New("unknown key")
	// ErrNotAuthentic says the blob did not authenticate: it was altered,
	// or the associated data differs from what it was sealed with.
	ErrNotAuthentic = errors.New("sealed data failed authentication")
)

// Sealed is an encrypted blob and the id of the key that sealed it.
type Sealed struct {
	// KeyID names the key in the keyring that opens Box.
	KeyID string
	// Box is the nonce followed by the ciphertext and the GCM tag.
	Box []byte
}

// Keyring holds the keys that seal and open blobs. Its zero value holds
// no keys. It is safe for concurrent use: its keys never change, and the
// standard library's AES-GCM keeps no state between calls. No printed form
// of it (fmt, log/slog, encoding/json) shows key material, only key ids.
type Keyring struct {
	// keys are pointers so that where fmt prints a Keyring through
	// reflection (an unexported field holding one), it prints addresses
	// rather than the AES key schedules.
	keys []*key
	// source names where the keys came from, for messages.
	source string
}

// key is one AES-256-GCM key. The key bytes themselves are not kept; the
// cipher holds what it needs.
type key struct {
	id   string
	aead cipher.AEAD
}

func newKey(id string, material []byte) (*key, error) {
	block, err := aes.NewCipher(material)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &key{id: id, aead: aead}, nil
}

// Seal encrypts plaintext with the current key, bound to associatedData:
// Open needs the same associated data.
func (k Keyring) Seal(plaintext, associatedData []byte) (Sealed, error) {
	if len(k.keys) == 0 {
		return Sealed{}, errors.New("cannot seal: the keyring holds no keys")
	}
	cur := k.keys[0]
	box := make([]byte, nonceLen, nonceLen+len(plaintext)+tagLen)
	if _, err := rand.Read(box); err != nil {
		return Sealed{}, fmt.Errorf("cannot seal: read a random nonce: %w", err)
	}
	box = cur.aead.Seal(box, box[:nonceLen], plaintext, additionalData(cur.id, associatedData))
	return Sealed{KeyID: cur.id, Box: box}, nil
}

// Open decrypts s with the key it names, checking that it was sealed
// with associatedData and not altered since.
func (k Keyring) Open(s Sealed, associatedData []byte) ([]byte, error) {
	if !keyIDRE.MatchString(s.KeyID) {
		return nil, fmt.Errorf("%w: the key id is not a valid key id", ErrMalformed)
	}
	if len(s.Box) < nonceLen+tagLen {
		return nil, fmt.Errorf("%w: the encrypted part is %d bytes, shorter than the %d of a nonce and a tag", ErrMalformed, len(s.Box), nonceLen+tagLen)
	}
	kk := k.find(s.KeyID)
	if kk == nil {
		return nil, fmt.Errorf("%w: sealed with key %q, which is not configured (the keys are %s); add it back to %s to read what was sealed with it, such as plans saved before a key rotation", ErrUnknownKey, s.KeyID, k.ids(), k.where())
	}
	plain, err := kk.aead.Open(nil, s.Box[:nonceLen], s.Box[nonceLen:], additionalData(s.KeyID, associatedData))
	if err != nil {
		return nil, fmt.Errorf("%w with key %q: it was altered, or it is opened with other associated data than it was sealed with (it belongs to another unit, commit or plan), or key %q now holds other key material than when it sealed it", ErrNotAuthentic, s.KeyID, s.KeyID)
	}
	return plain, nil
}

func (k Keyring) find(id string) *key {
	for _, kk := range k.keys {
		if kk.id == id {
			return kk
		}
	}
	return nil
}

// ids lists the key ids, the current one first, for messages.
func (k Keyring) ids() string {
	if len(k.keys) == 0 {
		return "none"
	}
	ids := make([]string, len(k.keys))
	for i, kk := range k.keys {
		ids[i] = fmt.Sprintf("%q", kk.id)
	}
	return strings.Join(ids, ", ")
}

// where names the keys' source, for "add it back to ...".
func (k Keyring) where() string {
	if k.source == "" {
		return "the keyring"
	}
	return "the " + k.source
}

// header is the start of a marshalled blob, which the GCM additional data
// starts with too.
func header(keyID string) []byte {
	h := make([]byte, 0, 2+len(keyID))
	h = append(h, version, byte(len(keyID)))
	return append(h, keyID...)
}

func additionalData(keyID string, associatedData []byte) []byte {
	return append(header(keyID), associatedData...)
}

// Marshal encodes s in the format described in the package documentation.
func (s Sealed) Marshal() []byte {
	out := make([]byte, 0, 2+len(s.KeyID)+len(s.Box))
	out = append(out, header(s.KeyID)...)
	return append(out, s.Box...)
}

// Unmarshal decodes a blob Marshal encoded; the Sealed shares data's
// memory. It checks the format only: Open authenticates the contents.
func Unmarshal(data []byte) (Sealed, error) {
	if len(data) == 0 {
		return Sealed{}, fmt.Errorf("%w: it is empty", ErrMalformed)
	}
	if data[0] != version {
		return Sealed{}, fmt.Errorf("%w: format version %d, but this csocbot reads only version %d (was it written by a newer csocbot, or is it not sealed data?)", ErrMalformed, data[0], version)
	}
	if len(data) < minSealed {
		return Sealed{}, fmt.Errorf("%w: truncated: %d bytes, and a sealed blob has at least %d", ErrMalformed, len(data), minSealed)
	}
	n := int(data[1])
	if n == 0 || n > maxIDLen {
		return Sealed{}, fmt.Errorf("%w: the key id length is %d, not 1 to %d", ErrMalformed, n, maxIDLen)
	}
	if len(data) < 2+n+nonceLen+tagLen {
		return Sealed{}, fmt.Errorf("%w: truncated: %d bytes, too short for a %d-byte key id, a nonce and a tag", ErrMalformed, len(data), n)
	}
	id := string(data[2 : 2+n])
	if !keyIDRE.MatchString(id) {
		return Sealed{}, fmt.Errorf("%w: the key id is not a valid key id", ErrMalformed)
	}
	return Sealed{KeyID: id, Box: data[2+n:]}, nil
}

// AssociatedData encodes fields as associated data for Seal and Open,
// each preceded by its length so that no two lists of fields encode
// alike (("ab", "c") differs from ("a", "bc")). Name what the blob is and
// every part of its context, for a plan file something like
// AssociatedData("plan", repo, strconv.Itoa(pr), unit, headSHA, planSHA256).
func AssociatedData(fields ...string) []byte {
	var out []byte
	for _, f := range fields {
		out = binary.AppendUvarint(out, uint64(len(f)))
		out = append(out, f...)
	}
	return out
}

// SealBytes seals plaintext and returns it in the byte format, for stores
// that keep bytes.
func (k Keyring) SealBytes(plaintext, associatedData []byte) ([]byte, error) {
	s, err := k.Seal(plaintext, associatedData)
	if err != nil {
		return nil, err
	}
	return s.Marshal(), nil
}

// OpenBytes opens what SealBytes returned.
func (k Keyring) OpenBytes(sealed, associatedData []byte) ([]byte, error) {
	s, err := Unmarshal(sealed)
	if err != nil {
		return nil, err
	}
	return k.Open(s, associatedData)
}
