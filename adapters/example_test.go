package adapters_test

import (
	"context"
	"crypto/x509"
	"log/slog"
	"os"
	"os/signal"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
)

// A bank answers the bailiffs' account queries and decrees: one function
// per message type. The runtime polls the hub, signs every call,
// acknowledges a request only after its answer is stored and accepted, and
// backs off when the hub is away.
func Example() {
	key, certs, err := pki.LoadIdentity("BANK044525225.key", "BANK044525225.crt")
	if err != nil {
		return
	}
	signer, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
	if err != nil {
		return
	}
	state, err := adapters.OpenFileState("bank-state.db") // survives restarts
	if err != nil {
		return
	}
	defer state.Close()
	bank := &adapters.Adapter{
		Client: &adapters.Client{URL: "http://127.0.0.1:8080/ws/1.1", Signer: signer, HTTP: adapters.NewHTTPClient(),
			Verifier: dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{ /* the hub's CA */ }), nil)},
		State:  state,
		Logger: slog.Default(),
		Requests: map[string]adapters.RequestHandler{
			"BankAccountQuery": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
				answer := etree.NewElement("BankAccountAnswer")
				answer.CreateAttr("xmlns", "urn://mezhved/enforcement/bank-account/1.0")
				// ... look the debtor up, fill in the accounts ...
				return &adapters.Answer{Payload: answer}, nil
			},
			"Decree": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
				if r.Payload.SelectElement("Kind") == nil {
					return nil, adapters.Refuse("a decree without a kind")
				}
				// ... freeze the funds, then answer with a DecreeResult ...
				return nil, nil
			},
		},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bank.Run(ctx)
}
