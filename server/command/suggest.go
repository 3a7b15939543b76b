package command

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// suggest returns the command a mistyped word most likely meant, or "" if
// none is close: one that starts with the word, or is at most two edits
// away ignoring case, so "pln", "Plan" and "approve" all find a command but
// "destroy" does not.
func suggest(word string) Name {
	lower := strings.ToLower(word)
	best, bestDist := Name(""), 3
	for _, name := range order {
		if len(lower) >= 3 && strings.HasPrefix(string(name), lower) {
			return name
		}
		if d := editDistance(lower, string(name), bestDist); d < bestDist && d < utf8.RuneCountInString(word) {
			best, bestDist = name, d
		}
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b, or limit
// once it is clear the distance is at least limit (so a long word costs
// nothing).
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// maxEcho bounds how much of a user's argument an error repeats.
const maxEcho = 60

// code renders s as a Markdown code span for replies, so that whatever a
// user typed is shown literally rather than as mentions, links or markup.
// Long values are shortened and unprintable ones quoted with Go escapes.
func code(s string) string {
	if utf8.RuneCountInString(s) > maxEcho {
		s = string([]rune(s)[:maxEcho]) + "…"
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) {
		s = strconv.Quote(s)
	}
	// A code span is delimited by a run of backticks longer than any
	// inside it, with spaces when the text itself starts or ends with one.
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
