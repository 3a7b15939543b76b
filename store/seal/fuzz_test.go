package seal

import (
	"bytes"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Unmarshal and Open: neither may
// panic, Unmarshal must read back exactly what Marshal would write, and
// nothing but what the keyring sealed may open.
func FuzzOpen(f *testing.F) {
	k := testKeyring(f, "new", "old")
	ad := planAD("live/prod/vpc")
	sealed := map[string]bool{"": true, "plan": true, "PK\x03\x04 a zipped plan file": true}
	for plain := range sealed {
		s, err := k.Seal([]byte(plain), ad)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s.Marshal(), ad)
		f.Add(s.Marshal(), []byte{})
	}
	f.Add([]byte{}, []byte{})
	f.Add([]byte{1, 3, 'o', 'l', 'd'}, ad)
	f.Add([]byte{1, 64}, []byte{})
	f.Add([]byte{2, 3, 'n', 'e', 'w', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ad)
	f.Fuzz(func(t *testing.T, data, ad []byte) {
		s, err := Unmarshal(data)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Marshal(), data) {
			t.Fatalf("Unmarshal(%x) = %+v, which marshals otherwise", data, s)
		}
		plain, err := k.Open(s, ad)
		if err != nil {
			return
		}
		if s.KeyID != "new" || !bytes.Equal(ad, planAD("live/prod/vpc")) || !sealed[string(plain)] {
			t.Fatalf("opened %x with key %q and associated data %x as %q", data, s.KeyID, ad, plain)
		}
	})
}
