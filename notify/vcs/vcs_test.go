package vcs_test

import (
	"testing"

	"github.com/csocbot/csocbot/notify/vcs"
)

const planMarker = "<!-- csocbot:plan -->"

func TestMarked(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"first line", planMarker + "\n## Plan", true},
		{"last line", "## Plan\n" + planMarker, true},
		{"alone", planMarker, true},
		{"indented, CRLF line ends", "## Plan\r\n  " + planMarker + "\r\nmore", true},
		{"quoted", "> " + planMarker + "\n> ## Plan", false},
		{"within text", "csocbot writes " + planMarker + " in its comments", false},
		{"another marker", "<!-- csocbot:apply -->", false},
		{"absent", "LGTM", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := vcs.Marked([]vcs.Comment{{ID: 1, Body: tt.body}}, planMarker)
			if (len(got) == 1) != tt.want {
				t.Errorf("Marked(%q) = %v, want marked %v", tt.body, got, tt.want)
			}
		})
	}
}

func TestPermissionNames(t *testing.T) {
	for p := vcs.PermissionNone; p <= vcs.PermissionAdmin; p++ {
		if back, ok := vcs.ParsePermission(p.String()); !ok || back != p {
			t.Errorf("%s does not parse back (%v %v)", p, back, ok)
		}
	}
	if _, ok := vcs.ParsePermission("security-manager"); ok {
		t.Error("a custom role parsed as a base role")
	}
}
