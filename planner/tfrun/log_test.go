package tfrun

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func TestLineLogger(t *testing.T) {
	long := strings.Repeat("x", maxLogLine+1)
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"one line", []string{"a\n"}, []string{"a"}},
		{"lines split across writes", []string{"ab", "c\nd", "e\n"}, []string{"abc", "de"}},
		{"several lines in one write", []string{"a\nb\n\nc\n"}, []string{"a", "b", "", "c"}},
		{"CRLF", []string{"a\r\n"}, []string{"a"}},
		{"last line without newline", []string{"a\nb"}, []string{"a", "b"}},
		{"overlong line is logged before its newline", []string{long, "y\n"}, []string{long, "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			h := slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})
			l := &lineLogger{log: slog.New(h)}
			for _, w := range tt.writes {
				if n, err := l.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			l.flush()
			var got []string
			for rec := range strings.Lines(out.String()) {
				got = append(got, jsonField(t, rec, "msg"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("logged %q, want %q", got, tt.want)
			}
		})
	}
}
