package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"héllo ✓", "héllo ✓"},
		{"a\x00b", "ab"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"\x00\xff\xfe\x00", "\uFFFD"},
		{"cut \xe2\x9c", "cut \uFFFD"},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "ok", "a\x00b", "\xff", "\xe2\x9c\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanText(s)
		if !utf8.ValidString(got) || strings.Contains(got, "\x00") {
			t.Fatalf("CleanText(%q) = %q: not clean", s, got)
		}
		if CleanText(got) != got {
			t.Fatalf("CleanText is not idempotent on %q", s)
		}
		if utf8.ValidString(s) && !strings.Contains(s, "\x00") && got != s {
			t.Fatalf("CleanText changed clean text %q to %q", s, got)
		}
	})
}
