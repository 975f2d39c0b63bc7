package bridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/hashicorp/go-retryablehttp"

	"mezhved/adapters"
)

// Webhook defaults.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultAttempts     = 5
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 10 * time.Second
)

// Webhook delivers requests and responses to an agency's HTTP endpoints;
// the HTTP contract is in the package documentation. Its fields must not
// change once its handlers are in use; it is safe for concurrent use.
type Webhook struct {
	// URL receives requests.
	URL string
	// ResponseURL receives responses to the agency's own requests.
	ResponseURL string
	// HTTP is the client the POSTs go through (its Transport: TLS, proxies,
	// client certificates). Its Timeout and CheckRedirect are replaced:
	// Timeout by the field below, and redirects are never followed, so that
	// a payload goes nowhere but to the configured URL. Default: a pooled
	// client of its own.
	HTTP *http.Client
	// Timeout bounds one attempt: connecting, sending, and reading the
	// whole answer. Default DefaultTimeout.
	Timeout time.Duration
	// Attempts is the most POSTs made for one delivery of one message
	// before the handler gives up and leaves the message to the hub's
	// redelivery. Default DefaultAttempts. The handler's context bounds
	// them too.
	Attempts int
	// RetryWaitMin and RetryWaitMax bound the jittered exponential wait
	// between attempts (and a Retry-After the agency sends).
	// Defaults DefaultRetryWaitMin and DefaultRetryWaitMax.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxBody caps an answer body, in bytes. Default DefaultMaxBytes.
	MaxBody int64
	// Header is added to every POST (an Authorization header, say); the
	// X-Mezhved-* headers and Content-Type cannot be overridden by it.
	Header http.Header
	// Logger gets message IDs, statuses and errors, never payloads.
	// Default: discard.
	Logger *slog.Logger
}

// RequestHandler returns the handler that POSTs each request to URL and
// turns the agency's answer into the request's outcome.
func (w *Webhook) RequestHandler() adapters.RequestHandler { return w.handleRequest }

// ResponseHandler returns the handler that POSTs each response to
// ResponseURL.
func (w *Webhook) ResponseHandler() adapters.ResponseHandler { return w.handleResponse }

func (w *Webhook) handleRequest(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
	body, err := marshal(r.Payload)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("X-Mezhved-Message-ID", headerValue(r.MessageID))
	h.Set("X-Mezhved-Sender", headerValue(r.Sender))
	h.Set("X-Mezhved-Type", headerValue(r.Type()))
	h.Set("X-Mezhved-Namespace", headerValue(r.Payload.NamespaceURI()))
	h.Set("X-Mezhved-Transaction-Code", headerValue(r.TransactionCode))
	h.Set("X-Mezhved-Delivered", timestamp(r.Delivered))
	h.Set("X-Mezhved-Attachments", strconv.Itoa(len(r.Attachments)))

	var answer *etree.Element
	err = w.post(ctx, w.URL, r.MessageID, body, h, func(resp *http.Response) error {
		answer = nil // an earlier attempt's answer is not this one's
		switch c := resp.StatusCode; {
		case c == http.StatusOK:
			root, err := parseAnswer(readAtMost(resp.Body, w.maxBody()), w.maxBody())
			if err != nil {
				// A proxy or a half-deployed endpoint can garble one
				// answer; the next attempt may be whole.
				return &badAnswer{loggable(err)}
			}
			answer = root
			return nil
		case c == http.StatusNoContent:
			return nil
		case c >= 400 && c < 500:
			return refusal(resp)
		}
		return &protocolError{resp.Status}
	})
	if err != nil {
		return nil, err
	}
	if answer == nil {
		w.logger().Info("the agency acknowledged the request without an answer", "message", r.MessageID)
		return nil, nil
	}
	w.logger().Info("the agency answered the request", "message", r.MessageID, "type", answer.Tag)
	return &adapters.Answer{Payload: answer}, nil
}

func (w *Webhook) handleResponse(ctx context.Context, r *adapters.Response) error {
	typ, ns, body, err := responseBody(r)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("X-Mezhved-Message-ID", headerValue(r.MessageID))
	h.Set("X-Mezhved-Request-ID", headerValue(r.RequestID))
	h.Set("X-Mezhved-Sender", headerValue(r.Sender))
	h.Set("X-Mezhved-Type", headerValue(typ))
	h.Set("X-Mezhved-Namespace", headerValue(ns))
	h.Set("X-Mezhved-Transaction-Code", headerValue(r.TransactionCode))
	h.Set("X-Mezhved-Delivered", timestamp(r.Delivered))
	return w.post(ctx, w.ResponseURL, r.MessageID, body, h, func(resp *http.Response) error {
		switch c := resp.StatusCode; {
		case c >= 200 && c < 300:
			readAtMost(resp.Body, 64<<10) // lets the connection be reused
			return nil
		case c >= 400 && c < 500:
			return refusal(resp)
		}
		return &protocolError{resp.Status}
	})
}

// post POSTs body to target until accept takes the agency's answer, the
// answer refuses the message, or the attempts or ctx run out. accept sees
// only statuses a retry cannot change (not 408, 429 or 5xx), and closes the
// body.
func (w *Webhook) post(ctx context.Context, target, id string, body []byte, h http.Header, accept func(*http.Response) error) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Left for redelivery: a configuration fix lets it through.
		return fmt.Errorf("bridge: the webhook URL %q is not an http(s) URL", redact(target))
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return err
	}
	for k, vs := range w.Header {
		k = http.CanonicalHeaderKey(k)
		if strings.HasPrefix(k, "X-Mezhved-") {
			continue // what the bridge says about the message is the bridge's alone
		}
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	req.Header.Set("Accept", "application/xml")
	req.SetResponseHandler(accept)

	log := w.logger().With("message", id, "url", u.Redacted())
	c := &retryablehttp.Client{
		HTTPClient:   w.httpClient(),
		RetryMax:     w.attempts() - 1,
		RetryWaitMin: w.retryWaitMin(),
		RetryWaitMax: max(w.retryWaitMax(), w.retryWaitMin()),
		Backoff:      jitterBackoff,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			retry, checkErr := checkRetry(ctx, resp, err)
			if retry {
				if err == nil {
					log.Warn("the agency's endpoint failed; retrying", "status", resp.StatusCode)
				} else {
					log.Warn("the agency's endpoint failed; retrying", "err", err)
				}
			}
			return retry, checkErr
		},
		ErrorHandler: func(resp *http.Response, err error, attempts int) (*http.Response, error) {
			if resp != nil {
				readAtMost(resp.Body, 64<<10)
			}
			var ref *adapters.Refusal
			if errors.As(err, &ref) {
				log.Info("the agency refused the message", "reason", ref.Reason)
				return nil, ref
			}
			if err == nil && resp != nil {
				err = fmt.Errorf("the agency answered %s", resp.Status)
			}
			var bad *badAnswer
			if errors.As(err, &bad) {
				err = bad.err
			}
			log.Warn("giving up on the agency's endpoint; the hub will deliver the message again", "attempts", attempts, "err", err)
			return nil, fmt.Errorf("bridge: POST %s: gave up after %d attempt(s): %w", u.Redacted(), attempts, err)
		},
	}
	resp, err := c.Do(req)
	switch {
	case err == nil:
	case err == ctx.Err():
		// The context ended while waiting to retry.
		return fmt.Errorf("bridge: POST %s: %w", u.Redacted(), err)
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	default:
		return err
	}
	resp.Body.Close()
	return nil
}

// checkRetry decides whether an attempt is made again: on a transport
// failure retryablehttp's default policy judges (it gives up on what no
// retry cures: a bad certificate, a malformed URL); a status of 408, 429 or
// 5xx, and a 200 whose body is not one XML document, are retried; a
// refusal and any other status are final.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var (
		bad  *badAnswer
		ref  *adapters.Refusal
		perm *protocolError
	)
	switch {
	case errors.As(err, &bad):
		return true, nil
	case errors.As(err, &ref), errors.As(err, &perm):
		return false, nil
	case err != nil:
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	c := resp.StatusCode
	return c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500, nil
}

// jitterBackoff waits a random time between min and min·2^n (at most max),
// so that adapters retrying against one agency spread out; a Retry-After on
// 429 or 503 is honoured up to max.
func jitterBackoff(lo, hi time.Duration, n int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) &&
		resp.Header.Get("Retry-After") != "" {
		return min(retryablehttp.DefaultBackoff(lo, hi, n, resp), hi)
	}
	ceiling := lo
	for i := 0; i < n && ceiling < hi; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, hi)
	return lo + rand.N(ceiling-lo+1)
}

// refusal reads the agency's reason from a 4xx answer.
func refusal(resp *http.Response) error {
	reason := cleanReason(readAtMost(resp.Body, 4*maxReason))
	if reason == "" {
		reason = "no reason given"
	}
	return adapters.Refuse("the agency answered %d: %s", resp.StatusCode, reason)
}

// readAtMost reads up to n bytes and one more (so that a caller can tell an
// over-long body), then closes the body: what is beyond is not read.
func readAtMost(body io.ReadCloser, n int64) []byte {
	defer body.Close()
	b, _ := io.ReadAll(io.LimitReader(body, n+1))
	return b
}

// badAnswer is a 200 whose body is not an answer: retried.
type badAnswer struct{ err error }

func (e *badAnswer) Error() string { return "unusable answer: " + e.err.Error() }
func (e *badAnswer) Unwrap() error { return e.err }

// protocolError is a status the contract does not allow (1xx, 3xx, a 2xx
// other than 200 and 204 for a request): not retried here, as it would
// come again; the hub's redelivery tries later.
type protocolError struct{ status string }

func (e *protocolError) Error() string {
	return "the agency answered " + e.status + ", which the contract does not allow"
}

func (w *Webhook) httpClient() *http.Client {
	c := http.Client{}
	if w.HTTP != nil {
		c = *w.HTTP
	} else {
		c.Transport = defaultTransport
	}
	c.Timeout = w.timeout()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// defaultTransport is shared by every Webhook without an HTTP client, so
// that connections to an agency are pooled across messages.
var defaultTransport http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()

func (w *Webhook) timeout() time.Duration      { return orDefault(w.Timeout, DefaultTimeout) }
func (w *Webhook) attempts() int               { return orDefault(w.Attempts, DefaultAttempts) }
func (w *Webhook) retryWaitMin() time.Duration { return orDefault(w.RetryWaitMin, DefaultRetryWaitMin) }
func (w *Webhook) retryWaitMax() time.Duration { return orDefault(w.RetryWaitMax, DefaultRetryWaitMax) }
func (w *Webhook) maxBody() int64              { return orDefault(w.MaxBody, DefaultMaxBytes) }
func (w *Webhook) logger() *slog.Logger        { return logger(w.Logger) }

func orDefault[T int | int64 | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// redact hides a password in a URL that did not parse well enough for
// url.URL.Redacted.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(unparsable)"
}
