package adapters

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
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
func NewHTTPClient() *http.Client { return NewHTTPClientTLS(nil) }

// NewHTTPClientTLS is NewHTTPClient for an https hub: tc holds the CAs the
// hub's certificate is checked against and, for mutual TLS, the
// participant's certificate (a connection must be the signer's own).
func NewHTTPClientTLS(tc *tls.Config) *http.Client {
	c := retryablehttp.NewClient()
	if tc != nil {
		if t, ok := c.HTTPClient.Transport.(*http.Transport); ok {
			t.TLSClientConfig = tc
		}
	}
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
// again unchanged: a transport failure, an HTTP answer that is not SOAP
// with a 5xx, 408 or 429 status, or a SOAP fault whose retry class is
// "retry" (DestinationOverflow, SMEVFailure; for a hub that sends no class,
// judged by the fault's name). A "fix-and-resend" or "stop" fault never is:
// the call itself must change. Nor are: any other HTTP status (a proxy's
// 413 for a too large call, a 403, ...), a failed verification of a TLS
// certificate (the hub's or, as the hub tells it, the participant's), an
// answer that cannot be decoded (ErrUndecodable), a hub signature that does
// not verify (ErrHubSignature), and the end of the context.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrHubSignature) || errors.Is(err, ErrUndecodable) || certificateError(err) {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500 || he.StatusCode == http.StatusRequestTimeout || he.StatusCode == http.StatusTooManyRequests
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

// certificateError reports whether err is a failed verification of a TLS
// certificate, which no retry cures.
func certificateError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		ci  x509.CertificateInvalidError
		hn  x509.HostnameError
		cv  x509.ConstraintViolationError
		ia  x509.InsecureAlgorithmError
		ucc x509.UnhandledCriticalExtension
	)
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn) ||
		errors.As(err, &cv) || errors.As(err, &ia) || errors.As(err, &ucc)
}

// ClientTLS is the TLS configuration of a participant's connection: the
// hub's certificate checked against roots, and the participant's own
// certificate and key presented to it (keys the TLS stack cannot use, such
// as GOST ones, are left out: the connection is then not mutual).
func ClientTLS(roots []*x509.Certificate, key crypto.Signer, certs []*x509.Certificate) *tls.Config {
	pool := x509.NewCertPool()
	for _, c := range roots {
		pool.AddCert(c)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	if key != nil && len(certs) > 0 && certs[0].PublicKey != nil {
		chain := make([][]byte, len(certs))
		for i, c := range certs {
			chain[i] = c.Raw
		}
		tc.Certificates = []tls.Certificate{{Certificate: chain, PrivateKey: key, Leaf: certs[0]}}
	}
	return tc
}
