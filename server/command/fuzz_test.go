package command

import (
	"path"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"csocbot plan",
		"csocbot plan -u live/prod/vpc -d live/prod",
		"@csocbot apply --unit=./live/prod/ --dir 'a b'",
		"csocbot approve_policies a b",
		"csocbot plan -u ../x\ncsocbot plan -u /x\ncsocbot plan -u -chdir=x",
		"csocbot plan -u ./-x -d \"a\\\"b\"",
		"```\ncsocbot plan\n```\n> csocbot plan\ncsocbot unlock",
		"csocbot plan -u 'unterminated",
		"csocbot pln -- x",
		"csocbot plan -u a\\ b -u .",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		lines := strings.Count(body, "\n") + 1
		cmds, errs := Parse("", body)
		for _, c := range cmds {
			if _, ok := specs[c.Name]; !ok {
				t.Fatalf("unknown command name %q", c.Name)
			}
			if c.Line < 1 || c.Line > lines {
				t.Fatalf("command on line %d of %d", c.Line, lines)
			}
			for _, p := range slices.Concat(c.Units, c.Dirs) {
				if p == "" || p != path.Clean(p) || path.IsAbs(p) || strings.HasPrefix(p, "-") ||
					slices.Contains(strings.Split(p, "/"), "..") || !utf8.ValidString(p) ||
					strings.ContainsFunc(p, invisible) || strings.Contains(p, `\`) {
					t.Fatalf("unsafe path %q from %q", p, body)
				}
			}
			for _, s := range c.PolicySets {
				if !policySetName.MatchString(s) {
					t.Fatalf("bad policy set name %q", s)
				}
			}
		}
		for _, e := range errs {
			if e.Err == nil || e.Line < 1 || e.Line > lines {
				t.Fatalf("bad error %#v", e)
			}
		}
	})
}
