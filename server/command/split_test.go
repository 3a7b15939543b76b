package command

import (
	"errors"
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{"   \t ", nil, false},
		{"plan", []string{"plan"}, false},
		{"  plan   -u  live/prod ", []string{"plan", "-u", "live/prod"}, false},
		{"a\u00a0b", []string{"a", "b"}, false}, // no-break space, as phones type
		{`'live/my dir'`, []string{"live/my dir"}, false},
		{`"live/my dir"`, []string{"live/my dir"}, false},
		{`live/my\ dir`, []string{"live/my dir"}, false},
		{`'it''s'`, []string{"its"}, false},
		{`"it's"`, []string{"it's"}, false},
		{`'say "hi"'`, []string{`say "hi"`}, false},
		{`"say \"hi\""`, []string{`say "hi"`}, false},
		{`"back\\slash"`, []string{`back\slash`}, false},
		{`"keep \n and \x"`, []string{`keep \n and \x`}, false},
		{`'no \escapes\'`, []string{`no \escapes\`}, false},
		{`\"quoted\"`, []string{`"quoted"`}, false},
		{`\\`, []string{`\`}, false},
		{`a\é`, []string{"aé"}, false},
		{`pre"mid"'post'`, []string{"premidpost"}, false},
		{`'' ""`, []string{"", ""}, false},
		{`-u=""`, []string{"-u="}, false},
		{`"a b" c`, []string{"a b", "c"}, false},
		{"\xff", []string{"\xff"}, false},
		{`'unterminated`, nil, true},
		{`"unterminated`, nil, true},
		{`"escaped quote\"`, nil, true},
		{`ends with \`, nil, true},
		{`'`, nil, true},
		{`"`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := split(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("split(%q) = %q, %v; want %v", tt.in, got, err, ErrSyntax)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
