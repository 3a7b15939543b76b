package tfrun

import (
	"fmt"
	"strings"
	"testing"
)

func TestBoundedBuffer(t *testing.T) {
	// Distinct bytes make a misplaced byte visible.
	data := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[i%36])
		}
		return b.String()
	}
	tests := []struct {
		name   string
		limit  int
		chunks []int // sizes of consecutive writes
		want   func(all string) string
	}{
		{"nothing", 4, nil, func(string) string { return "" }},
		{"under the head", 4, []int{3}, whole},
		{"head and part of the tail", 4, []int{6}, whole},
		{"exactly head and tail", 4, []int{8}, whole},
		{"exactly head and tail in small writes", 4, []int{1, 2, 1, 3, 1}, whole},
		{"one byte over", 4, []int{9}, cut(4, 1)},
		{"one large write", 4, []int{100}, cut(4, 92)},
		{"large write after the head", 4, []int{4, 100}, cut(4, 96)},
		{"many small writes wrap the tail", 4, []int{3, 3, 3, 3, 3, 3, 3}, cut(4, 13)},
		{"write as long as the tail", 4, []int{5, 4}, cut(4, 1)},
		{"limit 64 KiB", DefaultOutputLimit, []int{100 << 10, 100 << 10}, cut(DefaultOutputLimit, 200<<10-2*DefaultOutputLimit)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total := 0
			for _, n := range tt.chunks {
				total += n
			}
			all := data(total)
			b := newBoundedBuffer(tt.limit)
			rest := all
			for _, n := range tt.chunks {
				got, err := b.Write([]byte(rest[:n]))
				if err != nil || got != n {
					t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
				}
				rest = rest[n:]
			}
			if got, want := b.String(), tt.want(all); got != want {
				t.Errorf("String() =\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func whole(all string) string { return all }

// cut returns the expected String of a buffer with the given limit that
// dropped omitted bytes.
func cut(limit, omitted int) func(string) string {
	return func(all string) string {
		if len(all)-2*limit != omitted {
			panic(fmt.Sprintf("test case: %d bytes with limit %d omit %d, not %d", len(all), limit, len(all)-2*limit, omitted))
		}
		return fmt.Sprintf("%s\n[… %d bytes omitted …]\n%s", all[:limit], omitted, all[len(all)-limit:])
	}
}
