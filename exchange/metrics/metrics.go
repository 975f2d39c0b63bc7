// Package metrics is the hub's Prometheus instrumentation, registered on an
// injected registry: messages received and refused by type and fault,
// deliveries, redeliveries, acknowledgements, dead letters, expiries and
// overdue responses, queue depth and oldest message age per queue, accept
// and end-to-end latency, journal commit batch sizes and commit time,
// signature verifications by algorithm and result, and certificates close
// to expiry. Labels carry types, operations, fault codes, queues and
// participants' mnemonics: never payload data.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"mezhved/exchange/soap"
	"mezhved/store"
)

// Metrics holds the hub's collectors.
type Metrics struct {
	calls        *prometheus.CounterVec
	accept       *prometheus.HistogramVec
	deliveries   *prometheus.CounterVec
	redelivered  prometheus.Counter
	acks         *prometheus.CounterVec
	endToEnd     *prometheus.HistogramVec
	deadLetters  prometheus.Counter
	expired      prometheus.Counter
	overdue      prometheus.Counter
	batch        prometheus.Histogram
	commit       prometheus.Histogram
	verification *prometheus.CounterVec
	expiring     prometheus.Gauge
}

// New registers the hub's collectors on reg. queues, when not nil, is read
// at every scrape for the queue gauges.
func New(reg prometheus.Registerer, queues func(context.Context) ([]store.QueueInfo, error)) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mezhved_calls_total",
			Help: "SOAP calls by operation, message type and result (ok, or the fault code)."}, []string{"operation", "type", "result"}),
		accept: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mezhved_accept_seconds",
			Help:    "Time to accept a message (SendRequest, SendResponse): checks and the durable commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"operation"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mezhved_deliveries_total",
			Help: "Messages handed to their recipients (leases), by message type."}, []string{"type"}),
		redelivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "mezhved_redeliveries_total",
			Help: "Deliveries queued again after their lease ran out unacknowledged."}),
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mezhved_acks_total",
			Help: "Acknowledgements by message type and accepted (true, false)."}, []string{"type", "accepted"}),
		endToEnd: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mezhved_end_to_end_seconds",
			Help:    "From a message's acceptance to its recipient's acknowledgement, by message type.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 12)}, []string{"type"}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{Name: "mezhved_dead_letters_total",
			Help: "Deliveries that ran out of attempts."}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{Name: "mezhved_expired_total",
			Help: "Deliveries whose message passed its EOL undelivered."}),
		overdue: prometheus.NewCounter(prometheus.CounterOpts{Name: "mezhved_overdue_total",
			Help: "Requests a recipient did not answer by their due date."}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mezhved_journal_commit_batch",
			Help: "Operations per store commit (group commit).", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "mezhved_journal_commit_seconds",
			Help: "Time of one store commit, its fsync included.", Buckets: prometheus.ExponentialBuckets(0.0001, 2, 14)}),
		verification: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mezhved_signature_verifications_total",
			Help: "Signature verifications at the door by algorithm and result (ok, or the error class)."}, []string{"algorithm", "result"}),
		expiring: prometheus.NewGauge(prometheus.GaugeOpts{Name: "mezhved_certificates_expiring",
			Help: "Certificates (trust, hub, participants) that expire within 30 days."}),
	}
	reg.MustRegister(m.calls, m.accept, m.deliveries, m.redelivered, m.acks, m.endToEnd, m.deadLetters, m.expired, m.overdue,
		m.batch, m.commit, m.verification, m.expiring)
	if queues != nil {
		reg.MustRegister(&queueCollector{queues: queues,
			depth: prometheus.NewDesc("mezhved_queue_depth", "Messages waiting or leased in a queue.", []string{"queue"}, nil),
			age:   prometheus.NewDesc("mezhved_queue_oldest_age_seconds", "Age of the message next to be delivered from a queue (its receipt; a redriven message goes to the back).", []string{"queue"}, nil)})
	}
	return m
}

// Call implements the hub's observer: one call's outcome.
func (m *Metrics) Call(op soap.Operation, typ, result string, d time.Duration) {
	if typ == "" {
		typ = "-"
	}
	m.calls.WithLabelValues(string(op), typ, result).Inc()
	if result == "ok" && (op == soap.SendRequest || op == soap.SendResponse) {
		m.accept.WithLabelValues(string(op)).Observe(d.Seconds())
	}
}

// Delivered implements the hub's observer.
func (m *Metrics) Delivered(typ string) { m.deliveries.WithLabelValues(typ).Inc() }

// Acked implements the hub's observer.
func (m *Metrics) Acked(typ string, accepted bool, sinceAccepted time.Duration) {
	a := "true"
	if !accepted {
		a = "false"
	}
	m.acks.WithLabelValues(typ, a).Inc()
	if accepted {
		m.endToEnd.WithLabelValues(typ).Observe(sinceAccepted.Seconds())
	}
}

// Swept implements the hub's observer.
func (m *Metrics) Swept(r store.SweepResult) {
	m.redelivered.Add(float64(r.Redelivered))
	m.deadLetters.Add(float64(r.DeadLettered))
	m.expired.Add(float64(r.Expired))
	m.overdue.Add(float64(r.Overdue))
}

// PollExpired is the store's hook for deliveries a poll expired (their EOL
// passed before a sweep came to them).
func (m *Metrics) PollExpired(n int) { m.expired.Add(float64(n)) }

// Committed is the store's commit hook.
func (m *Metrics) Committed(ops int, d time.Duration) {
	m.batch.Observe(float64(ops))
	m.commit.Observe(d.Seconds())
}

// Verified is the ingress's verification hook.
func (m *Metrics) Verified(algorithm string, err error) {
	result := "ok"
	if err != nil {
		result = "refused"
	}
	if algorithm == "" {
		algorithm = "unknown"
	}
	m.verification.WithLabelValues(algorithm, result).Inc()
}

// SetExpiring sets the number of certificates close to expiry.
func (m *Metrics) SetExpiring(n int) { m.expiring.Set(float64(n)) }

// queueCollector reads the queues at scrape time.
type queueCollector struct {
	queues     func(context.Context) ([]store.QueueInfo, error)
	depth, age *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.age
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qs, err := c.queues(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	now := time.Now()
	for _, q := range qs {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(q.Pending), q.Queue)
		age := 0.0
		if !q.Oldest.IsZero() {
			age = now.Sub(q.Oldest).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age, q.Queue)
	}
}
