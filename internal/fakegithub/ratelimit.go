package fakegithub

import "net/http"

// rateResource is one resource of GET /rate_limit.
type rateResource struct {
	Limit     int   `json:"limit"`
	Used      int   `json:"used"`
	Remaining int   `json:"remaining"`
	Reset     int64 `json:"reset"`
}

// getRateLimit reports the budget the fake's X-RateLimit headers report.
// The fake counts one budget for all resources; search's is GitHub's.
func (s *Server) getRateLimit(rq *request) {
	s.mu.Lock()
	core := rateResource{Limit: rateLimit, Used: s.used, Remaining: rateLimit - s.used, Reset: s.windowEnd.Unix()}
	s.mu.Unlock()
	search := rateResource{Limit: 30, Remaining: 30, Reset: core.Reset}
	rq.writeJSON(http.StatusOK, map[string]any{
		"resources": map[string]rateResource{"core": core, "graphql": core, "search": search},
		"rate":      core,
	})
}
