package main

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the metrics endpoint and parses it as Prometheus would.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return fams
}

// sum adds up a family's samples whose labels include want.
func sum(f *dto.MetricFamily, want map[string]string) float64 {
	if f == nil {
		return 0
	}
	var total float64
	for _, m := range f.Metric {
		ok := true
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			ok = ok && found
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

// TestMetrics: the metrics endpoint parses, and its counters move with the
// traffic of an end-to-end exchange.
func TestMetrics(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveConfig{dev: true, data: data, listen: "127.0.0.1:0", metricsListen: "127.0.0.1:0", maxEnvelope: 10 << 20,
			longPoll: -1, visibility: time.Minute, maxAttempts: 5, queueLimit: 1000, staleAfter: time.Hour}, out, slog.New(slog.DiscardHandler))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	soapRe, metricsRe := regexp.MustCompile(`listening on (\S+)`), regexp.MustCompile(`metrics on (http://\S+)`)
	var hubURL, metricsURL string
	deadline := time.Now().Add(10 * time.Second)
	for hubURL == "" || metricsURL == "" {
		if m := soapRe.FindStringSubmatch(out.String()); m != nil {
			hubURL = "http://" + m[1]
		}
		if m := metricsRe.FindStringSubmatch(out.String()); m != nil {
			metricsURL = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	before := scrape(t, metricsURL)
	for _, name := range []string{"mezhved_calls_total", "mezhved_journal_commit_seconds", "mezhved_certificates_expiring", "go_goroutines"} {
		if _, ok := before[name]; !ok && name != "mezhved_calls_total" {
			t.Errorf("metric %s is missing", name)
		}
	}
	p := filepath.Join(data, "pki")
	as := func(who string, args ...string) (int, string, string) {
		return mezhved(t, "", append([]string{"client", args[0], "--hub", hubURL, "--key", filepath.Join(p, who+".key"), "--cert", filepath.Join(p, who+".crt"), "--json"}, args[1:]...)...)
	}
	if code, o, e := as("COURT01", "send-request", "--payload", "../../schemas/payloads/Writ.xml"); code != 0 {
		t.Fatal(o, e)
	}
	mid := regexp.MustCompile(`"messageId":\s*"([^"]+)"`)
	code, o, e := as("FSSP01", "get-request")
	m := mid.FindStringSubmatch(o)
	if code != 0 || m == nil {
		t.Fatal(o, e)
	}
	if code, o, e := as("FSSP01", "ack", "--message-id", m[1]); code != 0 {
		t.Fatal(o, e)
	}
	if code, o, _ := as("COURT01", "send-request", "--payload", "../../schemas/payloads/WritAnswer.xml"); code != 1 || !strings.Contains(o, "MZ-2003") {
		t.Fatalf("a refused send: %d %s", code, o)
	}
	after := scrape(t, metricsURL)
	for _, c := range []struct {
		family string
		labels map[string]string
		grew   float64
	}{
		{"mezhved_calls_total", map[string]string{"operation": "SendRequest", "type": "writ", "result": "ok"}, 1},
		{"mezhved_calls_total", map[string]string{"operation": "SendRequest", "result": "MZ-2003"}, 1},
		{"mezhved_accept_seconds", map[string]string{"operation": "SendRequest"}, 1},
		{"mezhved_deliveries_total", map[string]string{"type": "writ"}, 1},
		{"mezhved_acks_total", map[string]string{"type": "writ", "accepted": "true"}, 1},
		{"mezhved_end_to_end_seconds", map[string]string{"type": "writ"}, 1},
		{"mezhved_signature_verifications_total", map[string]string{"result": "ok"}, 3},
		{"mezhved_journal_commit_batch", nil, 1},
	} {
		got := sum(after[c.family], c.labels) - sum(before[c.family], c.labels)
		if got < c.grew {
			t.Errorf("%s%v grew by %g, want at least %g", c.family, c.labels, got, c.grew)
		}
	}
	if _, ok := after["mezhved_queue_depth"]; ok {
		t.Errorf("a queue depth is reported with every queue empty: %v", after["mezhved_queue_depth"])
	}
}
