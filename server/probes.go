package server

import (
	"context"
	"net/http"
)

// healthz answers 200 while the process serves.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when Config.Ready reports the backends reachable, and
// 503 with the reason otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), DefaultReadyTimeout)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// modelObject is one entry of GET /v1/models, in OpenAI's shape.
type modelObject struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	Created     int64  `json:"created"`
	OwnedBy     string `json:"owned_by"`
	Description string `json:"description,omitempty"`
}

// models lists the catalog's models.
func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	entries := s.cat.Models()
	list := struct {
		Object string        `json:"object"`
		Data   []modelObject `json:"data"`
	}{Object: "list", Data: make([]modelObject, 0, len(entries))}
	for _, e := range entries {
		owner := e.OwnedBy
		if owner == "" {
			owner = "jessy"
		}
		list.Data = append(list.Data, modelObject{ID: e.ID, Object: "model", OwnedBy: owner, Description: e.Description})
	}
	writeJSON(w, http.StatusOK, list)
}
