package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/csocbot/csocbot/server/webhook"
	"github.com/csocbot/csocbot/store"
)

// deliveryHeader carries GitHub's unique id of a webhook delivery.
const deliveryHeader = "X-GitHub-Delivery"

// intakeResponse is the JSON body of every /events answer.
type intakeResponse struct {
	Status    string `json:"status"` // queued, duplicate, ignored, error
	Message   string `json:"message,omitempty"`
	Job       int64  `json:"job,omitempty"`
	Delivery  string `json:"delivery,omitempty"`
	EventType string `json:"event,omitempty"`
}

// handleEvents verifies a webhook delivery and records it with its job in
// the store, in one transaction, before answering 202: nothing is lost if
// the process stops after the answer, and a redelivery is recognised. The
// work itself runs later, in a worker.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.respond(w, http.StatusMethodNotAllowed, intakeResponse{Status: "error", Message: "POST webhook deliveries here"})
		return
	}
	delivery, eventType := r.Header.Get(deliveryHeader), r.Header.Get(webhook.EventHeader)
	log := s.log.With("delivery", delivery, "event", eventType)
	body, code, err := s.readVerified(w, r)
	if err != nil {
		// Its headers are a stranger's: they name no series.
		s.metrics.WebhookHandled("unverified", "refused")
		if ok, suppressed := s.refusals.allow(); ok {
			log.Warn("refused a webhook delivery", "status", code, "error", err, "remote", r.RemoteAddr, "refusals_not_logged", suppressed)
		}
		if code != http.StatusBadRequest {
			// Nothing more of this client's body is wanted: closing the
			// connection stops it sending the rest.
			w.Header().Set("Connection", "close")
		}
		s.respond(w, code, intakeResponse{Status: "error", Message: err.Error()})
		return
	}
	if delivery == "" || eventType == "" {
		s.metrics.WebhookHandled(eventType, "refused")
		s.respond(w, http.StatusBadRequest, intakeResponse{Status: "error", Message: "missing " + deliveryHeader + " or " + webhook.EventHeader + " header"})
		return
	}
	resp := intakeResponse{Delivery: delivery, EventType: eventType}
	defer func() { s.metrics.WebhookHandled(eventType, intakeOutcome(resp.Status, code)) }()
	ev, err := webhook.Parse(eventType, body)
	var unsupported *webhook.UnsupportedEventError
	switch {
	case errors.As(err, &unsupported):
		resp.Status, resp.Message = "ignored", err.Error()
		s.respond(w, http.StatusAccepted, resp)
		return
	case err != nil:
		log.Warn("malformed webhook payload", "error", err)
		resp.Status, resp.Message, code = "error", err.Error(), http.StatusBadRequest
		s.respond(w, code, resp)
		return
	}
	job, ok, why, err := s.jobFor(ev)
	if err != nil {
		log.Error("could not build a job", "error", err)
		resp.Status, resp.Message = "error", "internal error"
		s.respond(w, http.StatusInternalServerError, resp)
		return
	}
	if !ok {
		log.Debug("webhook needs no work", "why", why)
		resp.Status, resp.Message = "ignored", why
		s.respond(w, http.StatusAccepted, resp)
		return
	}
	queued, isNew, err := s.store.RecordDelivery(r.Context(), delivery, job)
	if err != nil {
		// GitHub redelivers on a 5xx only by hand, but the delivery log
		// shows the failure: nothing was recorded, so nothing is lost.
		log.Error("could not record the delivery", "error", err)
		resp.Status, resp.Message = "error", "could not store the delivery; redeliver it from the webhook settings"
		s.respond(w, http.StatusServiceUnavailable, resp)
		return
	}
	resp.Job = queued.ID
	if !isNew {
		resp.Status, resp.Message = "duplicate", "this delivery was received before"
		s.respond(w, http.StatusAccepted, resp)
		return
	}
	if job.Supersedes != "" {
		s.cancelSuperseded(queued, job.Supersedes)
	}
	s.wake()
	log.Info("queued a job", "job", queued.ID, "kind", queued.Kind, "key", queued.Key)
	resp.Status, resp.Message = "queued", why
	s.respond(w, http.StatusAccepted, resp)
}

// intakeOutcome names a verified delivery's outcome for the metrics:
// its answer's status, with errors told apart by their code.
func intakeOutcome(status string, code int) string {
	switch {
	case status != "error":
		return status
	case code == http.StatusBadRequest:
		return "malformed"
	}
	return "error"
}

func (s *Server) respond(w http.ResponseWriter, code int, body intakeResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		s.log.Debug("could not write the response", "error", err)
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n"))
}

// handleReady answers 200 once the workers run and while the store can
// be written: a server that cannot record deliveries must not get them.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if err := s.probe.check(r.Context(), s.store); err != nil {
		s.log.Warn("readiness check: the store cannot be written", "error", err)
		http.Error(w, "store cannot be written", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ready\n"))
}

// writeProbe limits readiness to one store write per interval: the result
// of a probe answers every check until the next, so frequent or hostile
// /readyz requests cost the store nothing more.
type writeProbe struct {
	every time.Duration

	mu  sync.Mutex
	at  time.Time // of the last probe; zero before the first
	err error     // its result
}

// writeProbeTimeout bounds one probe; a store busier than that is not
// ready either.
const writeProbeTimeout = 3 * time.Second

// check returns the result of the last probe, probing again when it is
// older than p.every.
func (p *writeProbe) check(ctx context.Context, st store.Store) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.at.IsZero() && time.Since(p.at) < p.every {
		return p.err
	}
	// A client hanging up must not be cached as the store failing.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeProbeTimeout)
	defer cancel()
	p.err, p.at = st.CheckWritable(ctx), time.Now()
	return p.err
}

// jobView is what GET /jobs/{id} shows of a job: its state, never its
// payload (comment bodies, clone URLs).
type jobView struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "job ids are numbers", http.StatusBadRequest)
		return
	}
	job, err := s.store.GetJob(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "no such job", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(jobView{ID: job.ID, Kind: string(job.Kind), Key: job.Key, State: string(job.State),
		Attempts: job.Attempts, LastError: job.LastError, CreatedAt: job.CreatedAt, UpdatedAt: job.UpdatedAt})
}
