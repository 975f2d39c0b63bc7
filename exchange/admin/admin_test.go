package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mezhved/exchange/admin"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
	"mezhved/store"
)

type drainer struct{ on bool }

func (d *drainer) SetDraining(on bool) { d.on = on }
func (d *drainer) Draining() bool      { return d.on }

// identify reads the caller from a test header "name:role,role".
func identify(r *http.Request) (admin.Caller, bool) {
	v := r.Header.Get("X-Test-Caller")
	name, roles, ok := strings.Cut(v, ":")
	if !ok {
		return admin.Caller{}, false
	}
	return admin.Caller{Name: name, Roles: strings.Split(roles, ",")}, true
}

func call(t *testing.T, srv *httptest.Server, method, path, caller, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if caller != "" {
		req.Header.Set("X-Test-Caller", caller)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminAPI(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{Visibility: 100 * time.Millisecond, MaxAttempts: 1})
	court, fssp := h.Client("COURT01"), h.Client("FSSP01")
	r, err := court.SendRequest(context.Background(), &soap.RequestData{Content: hubtest.Payload(t, "Writ"), TransactionCode: "case-7"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := r.Metadata.MessageID
	if g, err := fssp.GetRequest(context.Background(), "", ""); err != nil || g.Request == nil {
		t.Fatalf("lease: %v", err)
	}
	// One attempt, never acknowledged: a dead letter.
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, _ := h.Store.Deliveries(context.Background(), id)
		if d["FSSP01"] == store.DeliveryDead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter: %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	hub := &drainer{}
	srv := httptest.NewServer(admin.Handler(admin.Config{Store: h.Store, Hub: hub, Identify: identify}))
	defer srv.Close()
	const operator, auditor = "ops-1:operator", "audit-1:auditor"

	for _, c := range []struct {
		name, method, path, caller, body string
		status                           int
		contains                         string
	}{
		{"no identity", "GET", "/admin/queues", "", "", 401, "not identified"},
		{"auditor reads a message", "GET", "/admin/messages/" + id, auditor, "", 200, `"dead"`},
		{"auditor searches", "GET", "/admin/messages?transaction=case-7", auditor, "", 200, id},
		{"search by state", "GET", "/admin/messages?participant=FSSP01&state=dead", operator, "", 200, id},
		{"search with two seeds", "GET", "/admin/messages?transaction=a&proceeding=b", operator, "", 400, "exactly one"},
		{"unknown message", "GET", "/admin/messages/nothing", auditor, "", 404, "no message"},
		{"auditor reads the journal", "GET", "/admin/journal?from=1&limit=2", auditor, "", 200, `"seq": 2`},
		{"operator may not read the journal", "GET", "/admin/journal", operator, "", 403, "auditor"},
		{"dead letters", "GET", "/admin/dead-letters", auditor, "", 200, id},
		{"auditor may not redrive", "POST", "/admin/dead-letters/" + id + "/FSSP01/redrive", auditor, "", 403, "operator"},
		{"operator redrives", "POST", "/admin/dead-letters/" + id + "/FSSP01/redrive", operator, "", 200, `"by": "ops-1"`},
		{"a second redrive finds no dead letter", "POST", "/admin/dead-letters/" + id + "/FSSP01/redrive", operator, "", 404, "not a dead letter"},
		{"queues", "GET", "/admin/queues", operator, "", 200, `"FSSP01:requests"`},
		{"auditor may not drain", "POST", "/admin/drain", auditor, `{"draining": true}`, 403, ""},
		{"operator drains", "POST", "/admin/drain", operator, `{"draining": true}`, 200, `"draining": true`},
		{"drain needs a body", "POST", "/admin/drain", operator, `{}`, 400, "want"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := call(t, srv, c.method, c.path, c.caller, c.body)
			if status != c.status || !strings.Contains(body, c.contains) {
				t.Fatalf("%s %s as %q: %d %s; want %d containing %q", c.method, c.path, c.caller, status, body, c.status, c.contains)
			}
		})
	}
	if !hub.on {
		t.Fatal("drain mode was not switched on")
	}
	// The redrive is in the journal with who made it, and the message is
	// delivered again.
	var redriven bool
	h.Store.JournalBy(context.Background(), store.ByMessage, id, func(r store.Record) error {
		redriven = redriven || r.Event == store.EventRedriven && strings.Contains(r.Detail, "ops-1")
		return nil
	})
	if g, err := fssp.GetRequest(context.Background(), "", ""); !redriven || err != nil || g.Request == nil || g.Request.Data.MessageID != id {
		t.Fatalf("after the redrive: journaled %v, delivered %v (%v)", redriven, g, err)
	}
}

func TestHealth(t *testing.T) {
	hub := &drainer{}
	fail := errors.New("the store cannot write")
	var broken bool
	srv := httptest.NewServer(admin.Health(hub, []admin.Check{
		{Name: "store", Fn: func(context.Context) error {
			if broken {
				return fail
			}
			return nil
		}},
		admin.DiskSpace(t.TempDir(), 1),
	}))
	defer srv.Close()
	get := func(path string) (int, map[string]string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]string
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if s, _ := get("/healthz"); s != 200 {
		t.Fatalf("healthz %d", s)
	}
	if s, m := get("/readyz"); s != 200 || m["disk"] != "ok" || m["store"] != "ok" {
		t.Fatalf("readyz %d %v", s, m)
	}
	hub.on = true
	if s, m := get("/readyz"); s != 503 || m["drain"] != "draining" {
		t.Fatalf("readyz while draining: %d %v", s, m)
	}
	hub.on = false
	broken = true
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, m := get("/readyz")
		if s == 503 && m["store"] == fail.Error() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz with a failing check: %d %v", s, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// prunedBetween is a store whose messages are all pruned between the
// listing of deliveries and the reading of each message.
type prunedBetween struct{ admin.Store }

func (prunedBetween) Message(context.Context, string) (*store.Message, error) {
	return nil, store.ErrNotFound
}

// TestDeadLettersSkipPruned: a dead letter whose message is pruned while
// the list is made is left out, not listed with blank fields (to be
// redriven in vain).
func TestDeadLettersSkipPruned(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{Visibility: 100 * time.Millisecond, MaxAttempts: 1})
	r, err := h.Client("COURT01").SendRequest(context.Background(), &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g, err := h.Client("FSSP01").GetRequest(context.Background(), "", ""); err != nil || g.Request == nil {
		t.Fatalf("lease: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, _ := h.Store.Deliveries(context.Background(), r.Metadata.MessageID)
		if d["FSSP01"] == store.DeliveryDead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter: %v", d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv := httptest.NewServer(admin.Handler(admin.Config{Store: prunedBetween{h.Store}, Hub: &drainer{}, Identify: identify}))
	defer srv.Close()
	status, body := call(t, srv, "GET", "/admin/dead-letters", "ops-1:operator", "")
	if status != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("%d %s; want an empty list", status, body)
	}
}
