package webhook

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadBody(t *testing.T) {
	readErr := errors.New("connection reset")
	tests := []struct {
		name    string
		r       io.Reader
		limit   int64
		want    string
		wantErr error
	}{
		{"empty", strings.NewReader(""), 10, "", nil},
		{"under limit", strings.NewReader("hello"), 10, "hello", nil},
		{"exactly limit", strings.NewReader("0123456789"), 10, "0123456789", nil},
		{"one byte over", strings.NewReader("0123456789a"), 10, "", ErrBodyTooLarge},
		{"far over", strings.NewReader(strings.Repeat("x", 1000)), 10, "", ErrBodyTooLarge},
		{"default limit", strings.NewReader("hello"), 0, "hello", nil},
		{"negative limit means default", strings.NewReader("hello"), -1, "hello", nil},
		{"read error", iotest.ErrReader(readErr), 10, "", readErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadBody(tt.r, tt.limit)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("ReadBody error = %v, want %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("ReadBody = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReadBodyDefaultLimit checks the default bound without a test that
// allocates gigabytes: a body one byte over 25 MiB is refused, and the
// reader is not drained past the limit.
func TestReadBodyDefaultLimit(t *testing.T) {
	over := &countingReader{r: io.LimitReader(zeros{}, DefaultMaxBodySize+1000)}
	if _, err := ReadBody(over, 0); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("ReadBody of %d bytes = %v, want %v", DefaultMaxBodySize+1000, err, ErrBodyTooLarge)
	}
	if over.n != DefaultMaxBodySize+1 {
		t.Errorf("ReadBody read %d bytes, want %d", over.n, DefaultMaxBodySize+1)
	}
	body, err := ReadBody(bytes.NewReader(make([]byte, DefaultMaxBodySize)), 0)
	if err != nil || len(body) != DefaultMaxBodySize {
		t.Fatalf("ReadBody of exactly the default limit = %d bytes, %v", len(body), err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
