package seal

import (
	"bytes"
	"testing"
)

// planSize is a large plan file: plans of big units are megabytes.
const planSize = 10 << 20

func BenchmarkSeal(b *testing.B) {
	k := testKeyring(b, "current")
	plan := bytes.Repeat([]byte("0123456789abcdef"), planSize/16)
	ad := planAD("live/prod/eks")
	b.SetBytes(planSize)
	for b.Loop() {
		s, err := k.Seal(plan, ad)
		if err != nil {
			b.Fatal(err)
		}
		s.Marshal()
	}
}

func BenchmarkOpen(b *testing.B) {
	k := testKeyring(b, "current", "older")
	ad := planAD("live/prod/eks")
	s, err := k.Seal(bytes.Repeat([]byte("0123456789abcdef"), planSize/16), ad)
	if err != nil {
		b.Fatal(err)
	}
	blob := s.Marshal()
	b.SetBytes(planSize)
	for b.Loop() {
		s, err := Unmarshal(blob)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Open(s, ad); err != nil {
			b.Fatal(err)
		}
	}
}
