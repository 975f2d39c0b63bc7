package adapters

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"mezhved/exchange/soap"
)

// NewHTTPClient returns the HTTP client adapters call the hub with: pooled
// connections, and transport-level retries with jittered backoff on what a
// retry may cure (a refused or broken connection, 429, 502, 503, 504). A
// SOAP fault (HTTP 500) is not retried here: its retry class decides, a
// level up (see Retryable).
func NewHTTPClient() *http.Client {
	c := retryablehttp.NewClient()
	c.Logger = nil
	c.RetryMax = 4
	c.RetryWaitMin = 100 * time.Millisecond
	c.RetryWaitMax = 2 * time.Second
	c.Backoff = retryablehttp.LinearJitterBackoff
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	c.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil {
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		}
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true, nil
		}
		return false, nil
	}
	hc := c.StandardClient()
	return hc
}

// Retryable reports whether a call that failed with err may succeed if made
// again unchanged: a transport failure, or a SOAP fault whose retry class is
// "retry" (DestinationOverflow, SMEVFailure; for a hub that sends no class,
// judged by the fault's name). A "fix-and-resend" or "stop" fault never is:
// the call itself must change.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrHubSignature) {
		return false
	}
	var f *soap.Fault
	if errors.As(err, &f) {
		switch f.Retry {
		case "retry":
			return true
		case "":
			switch f.Name {
			case "SMEVFailure", "DestinationOverflow", "QuoteLimitExceeded":
				return true
			}
		}
		return false
	}
	return true
}
