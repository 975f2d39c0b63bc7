package admin

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Check is one readiness check: nil when ready, else what is wrong.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Health serves GET /healthz (the process answers) and GET /readyz (every
// check passes and the hub is not draining: 200, else 503 with each
// check's state as JSON). Results are cached for a second, so a load
// balancer polling often costs nothing.
func Health(hub Drainer, checks []Check) http.Handler {
	h := &health{hub: hub, checks: checks}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ready, report := h.ready(r.Context())
		status := http.StatusOK
		if !ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, report)
	})
	return mux
}

type health struct {
	hub    Drainer
	checks []Check

	mu     sync.Mutex
	at     time.Time
	ok     bool
	report map[string]string
}

func (h *health) ready(ctx context.Context) (bool, map[string]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.at) < time.Second && h.report != nil && h.hub.Draining() == (h.report["drain"] == "draining") {
		return h.ok, h.report
	}
	ok := true
	report := map[string]string{}
	if h.hub.Draining() {
		ok = false
		report["drain"] = "draining"
	} else {
		report["drain"] = "off"
	}
	for _, c := range h.checks {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := c.Fn(cctx)
		cancel()
		if err != nil {
			ok = false
			report[c.Name] = err.Error()
		} else {
			report[c.Name] = "ok"
		}
	}
	h.at, h.ok, h.report = time.Now(), ok, report
	return ok, report
}

// DiskSpace is a check that the file system holding dir has at least min
// bytes free.
func DiskSpace(dir string, min uint64) Check {
	return Check{Name: "disk", Fn: func(context.Context) error {
		free, err := freeBytes(dir)
		if err != nil {
			return err
		}
		if free < min {
			return fmt.Errorf("%d MiB free under %s, fewer than %d MiB", free>>20, dir, min>>20)
		}
		return nil
	}}
}
