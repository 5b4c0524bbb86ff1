// Command server is the Go standard-library example backend of sse-kit: it implements
// examples/servers/CONTRACT.md with net/http, http.Flusher and a broker goroutine.
//
//	PORT=8080 go run .
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

type config struct {
	authToken  string
	corsOrigin string
	heartbeat  time.Duration
	retryMS    int
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		log.Fatal("PORT is required")
	}
	cfg := config{
		authToken:  envOr("AUTH_TOKEN", "secret"),
		corsOrigin: os.Getenv("CORS_ORIGIN"),
		heartbeat:  time.Duration(envInt("HEARTBEAT_MS", 15000)) * time.Millisecond,
		retryMS:    envInt("RETRY_MS", 2000),
	}
	s := &server{cfg: cfg, broker: newBroker()}
	srv := &http.Server{
		Addr:              "127.0.0.1:" + port,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// No WriteTimeout: it would cut every stream after that long.
	}
	log.Printf("sse-kit go example listening on http://%s", srv.Addr)
	log.Fatal(srv.ListenAndServe())
}

type server struct {
	cfg    config
	broker *broker
}

// ServeHTTP routes by hand: Go 1.19's ServeMux has no method patterns.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.cors(w)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case r.URL.Path == "/health" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok")
	case r.URL.Path == "/counter" && r.Method == http.MethodGet:
		s.counter(w, r)
	case r.URL.Path == "/private" && r.Method == http.MethodGet:
		if r.Header.Get("Authorization") != "Bearer "+s.cfg.authToken {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
			return
		}
		s.counter(w, r)
	case r.URL.Path == "/events" && r.Method == http.MethodGet:
		s.events(w, r)
	case r.URL.Path == "/messages" && r.Method == http.MethodPost:
		s.messages(w, r)
	case r.URL.Path == "/chat" && r.Method == http.MethodPost:
		s.chat(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	}
}

func (s *server) cors(w http.ResponseWriter) {
	if s.cfg.corsOrigin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", s.cfg.corsOrigin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Add("Vary", "Origin")
}

// stream is one open SSE response: every write is followed by Flush, so nothing waits in
// net/http's response buffers.
type stream struct {
	w http.ResponseWriter
	f http.Flusher
}

func (s *server) open(w http.ResponseWriter) (*stream, bool) {
	f, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return nil, false
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	st := &stream{w: w, f: f}
	st.write(fmt.Sprintf("retry: %d\n\n", s.cfg.retryMS))
	return st, true
}

func (st *stream) write(text string) error {
	if _, err := io.WriteString(st.w, text); err != nil {
		return err
	}
	st.f.Flush()
	return nil
}

func (st *stream) event(id int64, typ string, data any) error {
	payload, _ := json.Marshal(data)
	return st.write(fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", id, typ, payload))
}

// lastEventID reads the resume point: the Last-Event-ID header, else the lastEventId query
// parameter (for EventSource, which cannot send the header on its first connection), else 0.
func lastEventID(r *http.Request) int64 {
	raw := r.Header.Get("Last-Event-ID")
	if raw == "" {
		raw = r.URL.Query().Get("lastEventId")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func queryInt(r *http.Request, name string, fallback int64) int64 {
	n, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil {
		return fallback
	}
	return n
}

func (s *server) counter(w http.ResponseWriter, r *http.Request) {
	interval := time.Duration(queryInt(r, "interval", 1000)) * time.Millisecond
	if interval <= 0 {
		interval = time.Millisecond
	}
	limit := queryInt(r, "limit", 0)
	end := queryInt(r, "end", 0)
	st, ok := s.open(w)
	if !ok {
		return
	}
	n := lastEventID(r)
	events := time.NewTicker(interval)
	defer events.Stop()
	pings := time.NewTicker(s.cfg.heartbeat)
	defer pings.Stop()
	// The request context is cancelled when the client goes away: the loop (and its tickers)
	// end with it, so a dropped connection leaks nothing.
	ctx := r.Context()
	for sent := int64(0); ; {
		select {
		case <-ctx.Done():
			return
		case <-pings.C:
			if st.write(": ping\n\n") != nil {
				return
			}
		case <-events.C:
			n++
			sent++
			if st.event(n, "tick", map[string]int64{"n": n}) != nil {
				return
			}
			if (limit > 0 && sent >= limit) || (end > 0 && n >= end) {
				return // returning ends the response: a drop (limit) or a clean end (end)
			}
		}
	}
}

func (s *server) events(w http.ResponseWriter, r *http.Request) {
	st, ok := s.open(w)
	if !ok {
		return
	}
	reply := make(chan subscription, 1)
	s.broker.subscribe <- subscribeRequest{lastID: lastEventID(r), reply: reply}
	sub := <-reply
	defer func() { s.broker.unsubscribe <- sub.live }()
	for _, m := range sub.replay {
		if st.event(m.ID, "message", m) != nil {
			return
		}
	}
	pings := time.NewTicker(s.cfg.heartbeat)
	defer pings.Stop()
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-pings.C:
			if st.write(": ping\n\n") != nil {
				return
			}
		case m, open := <-sub.live:
			if !open {
				return // dropped as too slow: the client resumes from the log with Last-Event-ID
			}
			if st.event(m.ID, "message", m) != nil {
				return
			}
		}
	}
}

// jsonString reads a JSON body {"<field>": string}; for anything else it answers 400 and returns false.
func jsonString(w http.ResponseWriter, r *http.Request, field string) (string, bool) {
	var body map[string]json.RawMessage
	var value string
	if json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body) != nil ||
		string(body[field]) == "null" || json.Unmarshal(body[field], &value) != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `expected JSON {"` + field + `": string}`})
		return "", false
	}
	return value, true
}

func (s *server) messages(w http.ResponseWriter, r *http.Request) {
	text, ok := jsonString(w, r, "text")
	if !ok {
		return
	}
	reply := make(chan int64, 1)
	s.broker.publish <- publishRequest{text: text, reply: reply}
	writeJSON(w, http.StatusCreated, map[string]int64{"id": <-reply})
}

func (s *server) chat(w http.ResponseWriter, r *http.Request) {
	prompt, ok := jsonString(w, r, "prompt")
	if !ok {
		return
	}
	words := strings.Fields(prompt)
	st, ok := s.open(w)
	if !ok {
		return
	}
	ctx := r.Context()
	for i := range words {
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond): // a token every 10 ms, like a model would
		}
		if st.event(int64(i+1), "token", map[string]string{"token": words[len(words)-1-i]}) != nil {
			return
		}
	}
	// The done event carries no id: the stream is over, there is nothing to resume.
	st.write(fmt.Sprintf("event: done\ndata: {\"count\":%d}\n\n", len(words)))
}

func writeJSON(w http.ResponseWriter, status int, value any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(value)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func envInt(name string, fallback int) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil || n <= 0 {
		return fallback
	}
	return n
}
