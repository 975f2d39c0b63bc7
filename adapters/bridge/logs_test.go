package bridge_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mezhved/adapters/bridge"
)

// secrets are strings of the payloads below that must never reach a log
// or an error: the debtor's name in the writ, the proceeding number in the
// answer, and an element name in a malformed answer, which the XML parser
// quotes in its messages.
var secrets = []string{"Иванов", "12345/24/77001-ИП", "СЕКРЕТ"}

const malformed = "<СЕКРЕТ></WritAnswer>"

func checkNoSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s contains %q: %s", what, s, text)
		}
	}
}

// TestNoPayloadInLogs: the bridges log what happened to each message, and
// nothing of what the messages say.
func TestNoPayloadInLogs(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	bad := newAgency(t, xmlReply(malformed))
	wh := fastWebhook(bad.URL)
	wh.Attempts, wh.Logger = 2, log
	_, err := wh.RequestHandler()(context.Background(), writRequest(t, "m-web-bad"))
	if err == nil {
		t.Fatal("a malformed answer was taken")
	}
	checkNoSecrets(t, "the webhook's error", err.Error())

	good := newAgency(t, status(503, ""), xmlReply(string(answerXML(t))))
	wh = fastWebhook(good.URL)
	wh.Logger = log
	if _, err := wh.RequestHandler()(context.Background(), writRequest(t, "m-web-good")); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	fb := &bridge.Files{Dir: dir, Wait: 5 * time.Second, Poll: 2 * time.Millisecond, Logger: log}
	ch := handle(fb, context.Background(), writRequest(t, "m-files"))
	waitFile(t, filepath.Join(dir, "outbox", "m-files.xml"), false)
	put(t, dir, "m-files.xml", []byte(malformed))
	waitFile(t, filepath.Join(dir, "inbox", "m-files.xml"), true)
	put(t, dir, "m-files.xml", answerXML(t))
	if r := <-ch; r.err != nil || r.answer == nil {
		t.Fatalf("got %+v", r)
	}
	reasons, _ := filepath.Glob(filepath.Join(dir, "rejected", "*.reason"))
	if len(reasons) != 1 {
		t.Fatalf("reasons %v", reasons)
	}
	// The agency, unlike the log, is told exactly what was wrong.
	if data, _ := os.ReadFile(reasons[0]); !strings.Contains(string(data), "СЕКРЕТ") {
		t.Fatalf("reason %q", data)
	}

	if !strings.Contains(logs.String(), "m-web-bad") || !strings.Contains(logs.String(), "m-files") {
		t.Fatalf("the log does not name the messages: %s", logs.String())
	}
	checkNoSecrets(t, "the log", logs.String())
}
