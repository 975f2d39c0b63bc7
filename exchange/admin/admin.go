package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"mezhved/exchange/audit"
	"mezhved/store"
)

// Roles of the administration API.
const (
	// Operator sees queues and dead letters, redrives them and switches
	// drain mode.
	Operator = "operator"
	// Auditor reads messages, their timelines and the journal, and
	// nothing else; it changes nothing.
	Auditor = "auditor"
)

// Caller is who calls the API, as the listener established it (a TLS
// client certificate, the owner of the admin socket).
type Caller struct {
	Name  string
	Roles []string
}

// Has reports whether the caller holds a role.
func (c Caller) Has(role string) bool { return slices.Contains(c.Roles, role) }

// Store is what the API reads and changes.
type Store interface {
	audit.Source
}

// Drainer switches the hub's drain mode.
type Drainer interface {
	SetDraining(on bool)
	Draining() bool
}

// Config assembles the API.
type Config struct {
	Store Store
	Hub   Drainer
	// Identify says who makes a request; false refuses it (401).
	Identify func(r *http.Request) (Caller, bool)
	// Snapshot, when set, writes a consistent copy of the store to w (GET
	// /admin/snapshot, auditors). The API stages the copy in a temporary
	// file (in os.TempDir, mode 0600, removed once sent) and sends it
	// from there, so w never waits for the caller.
	Snapshot func(w io.Writer) (int64, error)
	// Overdue, when set, lists requests past their deadline (GET
	// /admin/overdue).
	Overdue func(ctx context.Context) (any, error)
	Logger  *slog.Logger
	Now     func() time.Time
}

// Handler serves the administration API under /admin/: JSON in and out.
//
//	GET  /admin/messages/{id}            a message's conversation, from the journal   (auditor, operator)
//	GET  /admin/messages?transaction=C   conversations by transaction code,           (auditor, operator)
//	     &proceeding=N&participant=M      proceeding number or participant, and
//	     &state=S&from=T&to=T             delivery state and start time
//	GET  /admin/journal?from=SEQ&limit=N journal records                              (auditor)
//	GET  /admin/snapshot                 a consistent copy of the store (bbolt)       (auditor)
//	GET  /admin/queues                   queues with depth and oldest message age     (operator, auditor)
//	GET  /admin/dead-letters             deliveries that became dead letters          (operator, auditor)
//	POST /admin/dead-letters/{id}/{recipient}/redrive   queue one again, journaled   (operator)
//	GET  /admin/overdue                  requests past their deadline                 (operator, auditor)
//	GET  /admin/drain, POST /admin/drain {"draining": true}   drain mode              (operator)
func Handler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &api{cfg: cfg}
	mux := http.NewServeMux()
	handle := func(pattern string, roles []string, fn func(http.ResponseWriter, *http.Request, Caller) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			c, ok := cfg.Identify(r)
			if !ok {
				writeError(w, http.StatusUnauthorized, "the caller is not identified (present a client certificate)")
				return
			}
			if !slices.ContainsFunc(roles, c.Has) {
				writeError(w, http.StatusForbidden, c.Name+" may not do this: it needs the role "+roles[0])
				return
			}
			v, err := fn(w, r, c)
			if err != nil {
				status := http.StatusInternalServerError
				var he *httpError
				switch {
				case errors.As(err, &he):
					status = he.status
				case errors.Is(err, store.ErrNotFound):
					status = http.StatusNotFound
				case errors.Is(err, store.ErrInvalid):
					status = http.StatusConflict
				}
				writeError(w, status, err.Error())
				return
			}
			if v != nil {
				writeJSON(w, http.StatusOK, v)
			}
		})
	}
	both := []string{Operator, Auditor}
	handle("GET /admin/messages/{id}", both, a.message)
	handle("GET /admin/messages", both, a.search)
	handle("GET /admin/journal", []string{Auditor}, a.journal)
	handle("GET /admin/snapshot", []string{Auditor}, a.snapshot)
	handle("GET /admin/queues", both, a.queues)
	handle("GET /admin/dead-letters", both, a.deadLetters)
	handle("POST /admin/dead-letters/{id}/{recipient}/redrive", []string{Operator}, a.redrive)
	handle("GET /admin/overdue", both, a.overdue)
	handle("GET /admin/drain", []string{Operator}, a.drainState)
	handle("POST /admin/drain", []string{Operator}, a.drain)
	return mux
}

type api struct{ cfg Config }

type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(msg string) error { return &httpError{status: http.StatusBadRequest, msg: msg} }

func (a *api) message(_ http.ResponseWriter, r *http.Request, _ Caller) (any, error) {
	convs, err := audit.Replay(r.Context(), a.cfg.Store, audit.Query{MessageID: r.PathValue("id"), Now: a.cfg.Now()})
	if err != nil {
		return nil, err
	}
	if len(convs) == 0 {
		return nil, &httpError{status: http.StatusNotFound, msg: "no message " + r.PathValue("id") + " in the journal"}
	}
	return convs[0], nil
}

func (a *api) search(_ http.ResponseWriter, r *http.Request, _ Caller) (any, error) {
	q := r.URL.Query()
	query := audit.Query{TransactionCode: q.Get("transaction"), Proceeding: q.Get("proceeding"), Participant: q.Get("participant"),
		MessageID: q.Get("message"), Now: a.cfg.Now()}
	var err error
	if query.From, err = parseTime(q.Get("from")); err != nil {
		return nil, badRequest("from: " + err.Error())
	}
	if query.To, err = parseTime(q.Get("to")); err != nil {
		return nil, badRequest("to: " + err.Error())
	}
	convs, err := audit.Replay(r.Context(), a.cfg.Store, query)
	if err != nil {
		return nil, badRequest(err.Error())
	}
	if state := q.Get("state"); state != "" {
		convs = slices.DeleteFunc(convs, func(c audit.Conversation) bool {
			for _, m := range c.Messages {
				for _, d := range m.Deliveries {
					if d.State == state {
						return false
					}
				}
			}
			return true
		})
	}
	if convs == nil {
		convs = []audit.Conversation{}
	}
	return convs, nil
}

func (a *api) journal(_ http.ResponseWriter, r *http.Request, _ Caller) (any, error) {
	from, err := strconv.ParseUint(valueOr(r.URL.Query().Get("from"), "1"), 10, 64)
	if err != nil {
		return nil, badRequest("from: a sequence number")
	}
	limit, err := strconv.Atoi(valueOr(r.URL.Query().Get("limit"), "1000"))
	if err != nil || limit <= 0 || limit > 10000 {
		return nil, badRequest("limit: 1 to 10000")
	}
	recs := []store.Record{}
	stop := errors.New("stop")
	err = a.cfg.Store.Journal(r.Context(), from, func(rec store.Record) error {
		if len(recs) == limit {
			return stop
		}
		recs = append(recs, rec)
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return nil, err
	}
	return recs, nil
}

func (a *api) snapshot(w http.ResponseWriter, r *http.Request, c Caller) (any, error) {
	if a.cfg.Snapshot == nil {
		return nil, &httpError{status: http.StatusNotImplemented, msg: "this store takes no snapshots"}
	}
	// The copy is staged in a temporary file and sent from there: the
	// store's read transaction, which keeps the store file from growing
	// (and so every write that needs it to grow waiting) while it is open,
	// ends before the first byte goes to the caller, however slowly the
	// caller reads.
	f, err := os.CreateTemp("", "mezhved-snapshot-*.db") // 0600
	if err != nil {
		return nil, fmt.Errorf("snapshot: a temporary file: %w", err)
	}
	// Unlinked at once where the system allows it, so that nothing is left
	// behind even if the hub dies while sending; the space is freed on
	// Close.
	unlinked := os.Remove(f.Name()) == nil
	defer func() {
		f.Close()
		if !unlinked {
			os.Remove(f.Name())
		}
	}()
	n, err := a.cfg.Snapshot(ctxWriter{ctx: r.Context(), w: f})
	if err != nil {
		a.cfg.Logger.Error("snapshot failed", "caller", c.Name, "err", err)
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("snapshot: rewinding the temporary file: %w", err)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	rc := http.NewResponseController(w)
	sent, err := io.Copy(stallWriter{w: w, rc: rc, stall: snapshotStall}, io.LimitReader(f, n))
	if err == nil {
		err = rc.Flush()
	}
	// The connection may serve further requests: no deadline left on it.
	rc.SetWriteDeadline(time.Time{})
	if err != nil {
		a.cfg.Logger.Warn("snapshot not sent whole", "caller", c.Name, "bytes", n, "sent", sent, "err", err)
		return nil, nil // the response has begun
	}
	a.cfg.Logger.Info("snapshot taken", "caller", c.Name, "bytes", n)
	return nil, nil
}

// snapshotStall is how long a snapshot's caller may read nothing before its
// connection is closed.
const snapshotStall = time.Minute

// stallWriter gives each write to the caller stall to complete: a caller
// that stops reading loses its connection instead of holding it (and the
// temporary file behind it) open for ever.
type stallWriter struct {
	w     io.Writer
	rc    *http.ResponseController
	stall time.Duration
}

func (s stallWriter) Write(p []byte) (int, error) {
	if err := s.rc.SetWriteDeadline(time.Now().Add(s.stall)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	return s.w.Write(p)
}

// ctxWriter stops writing once ctx ends: a snapshot whose caller is gone
// (or whose server is closing) stops copying the store, and so ends its
// read transaction.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

type queueView struct {
	store.QueueInfo
	OldestAgeSeconds float64 `json:"oldestAgeSeconds"`
}

func (a *api) queues(_ http.ResponseWriter, r *http.Request, _ Caller) (any, error) {
	qs, err := a.cfg.Store.Queues(r.Context())
	if err != nil {
		return nil, err
	}
	now := a.cfg.Now()
	out := make([]queueView, 0, len(qs))
	for _, q := range qs {
		v := queueView{QueueInfo: q}
		if !q.Oldest.IsZero() {
			v.OldestAgeSeconds = now.Sub(q.Oldest).Seconds()
		}
		out = append(out, v)
	}
	return out, nil
}

type deadLetter struct {
	MessageID string    `json:"messageId"`
	Recipient string    `json:"recipient"`
	Sender    string    `json:"sender"`
	Type      string    `json:"type"`
	Received  time.Time `json:"received"`
	Attempts  int       `json:"attempts"`
}

func (a *api) deadLetters(_ http.ResponseWriter, r *http.Request, _ Caller) (any, error) {
	out := []deadLetter{}
	err := a.cfg.Store.EachDelivery(r.Context(), func(d store.DeliveryState) error {
		if d.State != store.DeliveryDead {
			return nil
		}
		dl := deadLetter{MessageID: d.MessageID, Recipient: d.Recipient, Attempts: d.Attempts}
		m, err := a.cfg.Store.Message(r.Context(), d.MessageID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil // pruned since the deliveries were read
		case err != nil:
			return err
		}
		dl.Sender, dl.Type, dl.Received = m.Sender, m.Type, m.Received
		out = append(out, dl)
		return nil
	})
	slices.SortFunc(out, func(x, y deadLetter) int { return x.Received.Compare(y.Received) })
	return out, err
}

func (a *api) redrive(_ http.ResponseWriter, r *http.Request, c Caller) (any, error) {
	id, rcpt := r.PathValue("id"), r.PathValue("recipient")
	if err := a.cfg.Store.Redrive(r.Context(), id, rcpt, c.Name, a.cfg.Now()); err != nil {
		return nil, err
	}
	a.cfg.Logger.Warn("dead letter redriven", "message", id, "recipient", rcpt, "by", c.Name)
	return map[string]string{"messageId": id, "recipient": rcpt, "state": store.DeliveryQueued, "by": c.Name}, nil
}

func (a *api) overdue(_ http.ResponseWriter, r *http.Request, _ Caller) (any, error) {
	if a.cfg.Overdue == nil {
		return []any{}, nil
	}
	return a.cfg.Overdue(r.Context())
}

func (a *api) drainState(http.ResponseWriter, *http.Request, Caller) (any, error) {
	return map[string]bool{"draining": a.cfg.Hub.Draining()}, nil
}

func (a *api) drain(_ http.ResponseWriter, r *http.Request, c Caller) (any, error) {
	var body struct {
		Draining *bool `json:"draining"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&body); err != nil || body.Draining == nil {
		return nil, badRequest(`want {"draining": true} or {"draining": false}`)
	}
	a.cfg.Hub.SetDraining(*body.Draining)
	a.cfg.Logger.Warn("drain mode switched", "draining", *body.Draining, "by", c.Name)
	return map[string]bool{"draining": *body.Draining}, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}
