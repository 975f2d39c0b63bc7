package adaptersuite_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/bridge"
	"mezhved/conformance/adaptersuite"
	"mezhved/internal/hubtest"
)

func writAnswer(t testing.TB) []byte {
	doc := etree.NewDocument()
	doc.SetRoot(hubtest.Payload(t, "WritAnswer"))
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The webhook bridge, against an agency endpoint that answers every writ.
func TestWebhookBridgeConforms(t *testing.T) {
	answer := writAnswer(t)
	agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.Write(answer)
	}))
	defer agency.Close()
	adaptersuite.RunAdapterSuite(t, adaptersuite.AdapterCase{
		Participant: "FSSP01", Sender: "COURT01", Answers: true,
		Request: func(t testing.TB, n int) *etree.Element { return hubtest.Payload(t, "Writ") },
		New: func(t testing.TB, c *adapters.Client, st adapters.State) *adapters.Adapter {
			wh := &bridge.Webhook{URL: agency.URL}
			return &adapters.Adapter{Client: c, State: st, Requests: map[string]adapters.RequestHandler{"Writ": wh.RequestHandler()}}
		},
	})
}

// The file bridge, with an agency process that answers each request it
// finds in the outbox (writing under a temporary name, then renaming).
func TestFileBridgeConforms(t *testing.T) {
	answer := writAnswer(t)
	adaptersuite.RunAdapterSuite(t, adaptersuite.AdapterCase{
		Participant: "FSSP01", Sender: "COURT01", Answers: true,
		Request: func(t testing.TB, n int) *etree.Element { return hubtest.Payload(t, "Writ") },
		New: func(t testing.TB, c *adapters.Client, st adapters.State) *adapters.Adapter {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go fileAgency(ctx, dir, answer)
			f := &bridge.Files{Dir: dir, Wait: 5 * time.Second, Poll: 10 * time.Millisecond}
			return &adapters.Adapter{Client: c, State: st, Requests: map[string]adapters.RequestHandler{"Writ": f.RequestHandler()}}
		},
	})
}

func fileAgency(ctx context.Context, dir string, answer []byte) {
	for ctx.Err() == nil {
		entries, _ := os.ReadDir(filepath.Join(dir, bridge.OutboxDir))
		for _, e := range entries {
			id, ok := strings.CutSuffix(e.Name(), ".xml")
			if !ok || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			final := filepath.Join(dir, bridge.InboxDir, id+".xml")
			if _, err := os.Stat(final); err == nil {
				continue
			}
			tmp := filepath.Join(dir, bridge.InboxDir, "."+id+".tmp")
			if os.MkdirAll(filepath.Dir(tmp), 0o770) == nil && os.WriteFile(tmp, answer, 0o640) == nil {
				os.Rename(tmp, final)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}
