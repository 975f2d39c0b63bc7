package adaptersuite_test

import (
	"context"
	"testing"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/conformance/adaptersuite"
	"mezhved/internal/hubtest"
)

// The reference adapter: a writ answered from a fixed payload, with the
// runtime's defaults. Every adapter of the project runs the same suite.
func TestReferenceAdapter(t *testing.T) {
	adaptersuite.RunAdapterSuite(t, adaptersuite.AdapterCase{
		Participant: "FSSP01", Sender: "COURT01", Answers: true,
		Request: func(t testing.TB, n int) *etree.Element { return hubtest.Payload(t, "Writ") },
		New: func(t testing.TB, c *adapters.Client, st adapters.State) *adapters.Adapter {
			return &adapters.Adapter{Client: c, State: st, Requests: map[string]adapters.RequestHandler{
				"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
					return &adapters.Answer{Payload: hubtest.Payload(t, "WritAnswer")}, nil
				},
			}}
		},
	})
}
