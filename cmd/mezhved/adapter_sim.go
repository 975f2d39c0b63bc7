package main

import (
	"context"
	"log/slog"

	"mezhved/adapters"
	"mezhved/adapters/sim"
	"mezhved/adapters/sim/dataset"
)

// simAgency builds the simulated agency name, acting on the data set of
// seed and cases, with c as its client.
func simAgency(name string, seed uint64, cases int, rate float64, c *adapters.Client, log *slog.Logger) (*adapters.Adapter, func(context.Context) error, error) {
	cfg := sim.Config{Data: dataset.Generate(seed, cases), Rate: rate, Logger: log,
		Client: func(string) *adapters.Client { return c }}
	return sim.Agency(name, cfg)
}
