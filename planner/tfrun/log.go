package tfrun

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
)

// lineLogger is an io.Writer that logs each complete line written to it at
// debug level. Call flush after the last write to log a final line that
// has no newline.
type lineLogger struct {
	log     *slog.Logger
	mask    func(string) string // masks secrets in each line; nil masks nothing
	partial []byte
}

// maxLogLine bounds a line held while waiting for its newline.
const maxLogLine = 16 << 10

func (l *lineLogger) Write(p []byte) (int, error) {
	n := len(p)
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		l.emit(append(l.partial, p[:i]...))
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	l.partial = append(l.partial, p...)
	if len(l.partial) > maxLogLine {
		l.flush()
	}
	return n, nil
}

func (l *lineLogger) flush() {
	if len(l.partial) > 0 {
		l.emit(l.partial)
		l.partial = l.partial[:0]
	}
}

func (l *lineLogger) emit(line []byte) {
	s := string(bytes.TrimRight(line, "\r"))
	if l.mask != nil {
		s = l.mask(s)
	}
	l.log.Debug(s)
}

// printfLogger adapts slog to the Printf logger terraform-exec accepts; it
// logs the command line of every process at debug level.
type printfLogger struct {
	log *slog.Logger
}

func (p printfLogger) Printf(format string, v ...any) {
	p.log.Log(context.Background(), slog.LevelDebug, fmt.Sprintf(format, v...))
}
