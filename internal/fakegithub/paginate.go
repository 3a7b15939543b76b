package fakegithub

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// defaultPerPage is GitHub's page size when per_page is not given.
const defaultPerPage = 30

// paginate answers with the page of items the request's page and per_page
// select, and a Link header with the prev, next, last and first pages, as
// GitHub does. A page past the end is empty.
func paginate[T any](rq *request, items []T) {
	q := rq.URL.Query()
	perPage := defaultPerPage
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = n
	}
	rq.s.mu.Lock()
	perPage = min(perPage, rq.s.perPageCap)
	rq.s.mu.Unlock()
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	last := max(1, (len(items)+perPage-1)/perPage)

	var links []string
	link := func(p int, rel string) {
		q.Set("page", strconv.Itoa(p))
		links = append(links, fmt.Sprintf("<%s%s?%s>; rel=%q", rq.s.srv.URL, rq.URL.Path, q.Encode(), rel))
	}
	if page > 1 {
		link(min(page-1, last), "prev")
	}
	if page < last {
		link(page+1, "next")
		link(last, "last")
	}
	if page > 1 {
		link(1, "first")
	}
	if len(links) > 0 {
		rq.w.Header().Set("Link", strings.Join(links, ", "))
	}

	start := len(items)
	if page <= last {
		start = (page - 1) * perPage
	}
	end := min(start+perPage, len(items))
	rq.writeJSON(http.StatusOK, append(make([]T, 0, end-start), items[start:end]...))
}
