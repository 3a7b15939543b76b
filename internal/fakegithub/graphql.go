package fakegithub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// minimizeClassifiers are GraphQL's ReportedContentClassifiers.
var minimizeClassifiers = []string{"SPAM", "ABUSE", "OFF_TOPIC", "OUTDATED", "DUPLICATE", "RESOLVED"}

// graphQLError is an entry of a GraphQL response's errors.
type graphQLError struct {
	Type    string   `json:"type,omitempty"`
	Path    []string `json:"path,omitempty"`
	Message string   `json:"message"`
}

// graphQL serves the one GraphQL operation csocbot uses, the mutation
// minimizeComment with its input passed as the variable "input". As GitHub
// does, it answers errors with 200 and an errors list.
func (s *Server) graphQL(rq *request) {
	var in struct {
		Query     string                     `json:"query"`
		Variables map[string]json.RawMessage `json:"variables"`
	}
	if !rq.decode(&in) {
		return
	}
	if !strings.Contains(in.Query, "minimizeComment(input: $input)") {
		rq.writeJSON(http.StatusOK, map[string]any{"errors": []graphQLError{{
			Message: "fakegithub serves only the mutation minimizeComment(input: $input)",
		}}})
		return
	}
	var input struct {
		SubjectID  string `json:"subjectId"`
		Classifier string `json:"classifier"`
	}
	if err := json.Unmarshal(in.Variables["input"], &input); err != nil || !slices.Contains(minimizeClassifiers, input.Classifier) {
		rq.writeJSON(http.StatusOK, map[string]any{"errors": []graphQLError{{
			Message: fmt.Sprintf("Variable $input of type MinimizeCommentInput! was provided invalid value for classifier (Expected %q to be one of: %s)",
				input.Classifier, strings.Join(minimizeClassifiers, ", ")),
		}}})
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var target *Comment
	for _, c := range s.comments {
		if c.NodeID == input.SubjectID {
			target = c
		}
	}
	if target == nil {
		rq.writeJSON(http.StatusOK, map[string]any{
			"data": map[string]any{"minimizeComment": nil},
			"errors": []graphQLError{{
				Type:    "NOT_FOUND",
				Path:    []string{"minimizeComment"},
				Message: fmt.Sprintf("Could not resolve to a node with the global id of '%s'", input.SubjectID),
			}},
		})
		return
	}
	target.Minimized = true
	target.MinimizedReason = strings.ToLower(input.Classifier)
	rq.writeJSON(http.StatusOK, map[string]any{"data": map[string]any{
		"minimizeComment": map[string]any{"minimizedComment": map[string]any{
			"isMinimized":     true,
			"minimizedReason": target.MinimizedReason,
		}},
	}})
}
