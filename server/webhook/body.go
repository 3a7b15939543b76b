package webhook

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// DefaultMaxBodySize bounds ReadBody when no limit is given. GitHub does not
// deliver payloads over 25 MB, so a larger body did not come from GitHub
// and reading it would only let a stranger make the server buffer it.
const DefaultMaxBodySize = 25 << 20

// ErrBodyTooLarge means the body exceeded the limit given to ReadBody; a
// server answers it with 413 Request Entity Too Large.
var ErrBodyTooLarge = errors.New("webhook payload is too large")

// ReadBody reads all of r, but no more than limit bytes (DefaultMaxBodySize
// when limit is not positive). A longer body yields ErrBodyTooLarge after
// reading one byte past the limit, never the whole body.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBodySize
	}
	n := limit
	if n < math.MaxInt64 {
		n++ // one more byte tells "exactly limit" from "too large"
	}
	body, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, fmt.Errorf("reading webhook payload: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: it exceeds %d bytes", ErrBodyTooLarge, limit)
	}
	return body, nil
}
