package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"

	"mezhved/adapters"
	"mezhved/adapters/bridge"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

const adapterUsage = `usage: mezhved adapter --hub URL --key FILE --cert FILE [--trust FILE|DIR] [--state FILE] [--version V]
                       (--webhook URL [--response-webhook URL] | --files DIR | --sim NAME [--seed N] [--cases N] [--rate R])
                       [--types ROOT,...] [--workers N]

Runs one agency's adapter against the hub, until SIGTERM or SIGINT: it takes the requests (and
answers) delivered to the participant whose key it holds and
  --webhook URL   POSTs each request to the agency's HTTP endpoint; the endpoint's answer is sent
                  back (contract: 'go doc mezhved/adapters/bridge'); --response-webhook receives
                  the answers to the agency's own requests
  --files DIR     writes each request to DIR/outbox and sends the answer the agency puts in
                  DIR/inbox (atomic renames; answers to its own requests go to DIR/responses)
  --sim NAME      is the simulated agency NAME (COURT01, FSSP01, BANK044525225, ...) acting on
                  the synthetic data set of --seed and --cases (every simulated agency of a run
                  must be given the same ones)
--state keeps what was done with each message across restarts (default: in memory).`

func runAdapter(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return adapterMain(ctx, args, stdout, stderr)
}

// adapterMain runs the adapter the arguments describe until ctx ends.
func adapterMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved adapter", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, adapterUsage)
		fs.PrintDefaults()
	}
	hubURL := fs.String("hub", "", "hub URL, e.g. http://127.0.0.1:8080")
	keyFile := fs.String("key", "", "the participant's private key, PEM")
	certFile := fs.String("cert", "", "the participant's certificate, PEM")
	trustPath := fs.String("trust", "", "verify the hub's signatures against these CA certificates")
	hubCert := fs.String("hub-cert", "", "with --trust: the hub's signing certificate (PEM); only it may sign the hub's answers")
	tlsCA := fs.String("tls-ca", "", "for an https hub: the CA of its TLS certificate (default: --trust)")
	statePath := fs.String("state", "", "state file (bbolt); default: memory")
	version := fs.String("version", "1.1", "message exchange version")
	webhook := fs.String("webhook", "", "the agency's endpoint for requests")
	responseWebhook := fs.String("response-webhook", "", "the agency's endpoint for the answers to its own requests")
	files := fs.String("files", "", "the exchange directory of a file-based agency")
	simName := fs.String("sim", "", "run the simulated agency of this mnemonic")
	seed := fs.Uint64("seed", 1, "with --sim: the data set's seed")
	cases := fs.Int("cases", 20, "with --sim: the data set's number of cases")
	rate := fs.Float64("rate", 2, "with --sim, for an issuer: writs per second")
	types := fs.String("types", "", "with a bridge: only these request types (payload root names), comma-separated; default all")
	workers := fs.Int("workers", 2, "polling workers per queue")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	modes := 0
	for _, m := range []string{*webhook, *files, *simName} {
		if m != "" {
			modes++
		}
	}
	if *hubURL == "" || *keyFile == "" || *certFile == "" || modes != 1 || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	v, err := soap.ParseVersion(*version)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError(fs, "--log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	key, certs, err := pki.LoadIdentity(*keyFile, *certFile)
	if err != nil {
		return err
	}
	signer, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
	if err != nil {
		return err
	}
	if *tlsCA == "" {
		*tlsCA = *trustPath
	}
	hc, err := hubHTTPClient(*hubURL, *tlsCA, key, certs)
	if err != nil {
		return err
	}
	client := &adapters.Client{URL: endpoint(*hubURL, v), Version: v, Signer: signer, HTTP: hc}
	if err := verifyHub(client, *trustPath, *hubCert); err != nil {
		return err
	}
	var state adapters.State = adapters.NewMemoryState()
	if *statePath != "" {
		fst, err := adapters.OpenFileState(*statePath)
		if err != nil {
			return err
		}
		defer fst.Close()
		state = fst
	}
	var a *adapters.Adapter
	var driver func(context.Context) error
	roots := []string{"*"}
	if *types != "" {
		roots = strings.Split(*types, ",")
	}
	switch {
	case *webhook != "":
		w := &bridge.Webhook{URL: *webhook, ResponseURL: *responseWebhook, Logger: log}
		a = &adapters.Adapter{Requests: map[string]adapters.RequestHandler{}}
		for _, r := range roots {
			a.Requests[r] = w.RequestHandler()
		}
		if *responseWebhook != "" {
			a.Responses = map[string]adapters.ResponseHandler{"*": w.ResponseHandler()}
		}
	case *files != "":
		f := &bridge.Files{Dir: *files, Logger: log}
		a = &adapters.Adapter{Requests: map[string]adapters.RequestHandler{}, Responses: map[string]adapters.ResponseHandler{"*": f.ResponseHandler()}}
		for _, r := range roots {
			a.Requests[r] = f.RequestHandler()
		}
	default:
		if a, driver, err = simAgency(*simName, *seed, *cases, *rate, client, log); err != nil {
			return err
		}
	}
	a.Client, a.State, a.Workers, a.Logger = client, state, *workers, log
	fmt.Fprintf(stdout, "adapter for %s running against %s\n", certs[0].Subject.CommonName, client.URL)
	done := make(chan error, 1)
	if driver != nil {
		go func() { done <- driver(ctx) }()
	}
	a.Run(ctx)
	if driver != nil {
		if err := <-done; err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}
