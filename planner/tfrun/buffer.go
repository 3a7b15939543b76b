package tfrun

import (
	"fmt"
	"sync"
)

// DefaultOutputLimit is how many bytes of a command's output are kept at
// the start and, separately, at the end of each stream.
const DefaultOutputLimit = 64 << 10

// boundedBuffer is an io.Writer that keeps the first limit bytes and the
// last limit bytes written to it and counts the bytes in between, so a
// command that prints gigabytes cannot exhaust the bot's memory while the
// beginning (what ran) and the end (why it failed) are both kept.
type boundedBuffer struct {
	mu    sync.Mutex
	limit int
	head  []byte
	tail  []byte // ring buffer of at most limit bytes once head is full
	next  int    // where the next byte goes in tail once it is full
	total int64
}

func newBoundedBuffer(limit int) *boundedBuffer {
	return &boundedBuffer{limit: limit}
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	b.total += int64(n)
	if room := b.limit - len(b.head); room > 0 {
		take := min(room, len(p))
		b.head = append(b.head, p[:take]...)
		p = p[take:]
	}
	if len(p) >= b.limit {
		// The write alone fills the tail: keep its end only.
		b.tail = append(b.tail[:0], p[len(p)-b.limit:]...)
		b.next = 0
		return n, nil
	}
	for len(p) > 0 {
		if len(b.tail) < b.limit {
			take := min(b.limit-len(b.tail), len(p))
			b.tail = append(b.tail, p[:take]...)
			p = p[take:]
			continue
		}
		c := copy(b.tail[b.next:], p)
		b.next = (b.next + c) % b.limit
		p = p[c:]
	}
	return n, nil
}

// String returns everything written if it fit, else the head, a marker
// saying how many bytes were dropped, and the tail.
func (b *boundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := make([]byte, 0, len(b.tail))
	tail = append(tail, b.tail[b.next:]...)
	tail = append(tail, b.tail[:b.next]...)
	omitted := b.total - int64(len(b.head)) - int64(len(tail))
	if omitted == 0 {
		return string(b.head) + string(tail)
	}
	return fmt.Sprintf("%s\n[… %d bytes omitted …]\n%s", b.head, omitted, tail)
}
