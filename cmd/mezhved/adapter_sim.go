package main

import (
	"context"
	"fmt"
	"log/slog"

	"mezhved/adapters"
)

// simAgency builds a simulated agency; see package sim.
func simAgency(name string, seed uint64, cases int, rate float64, c *adapters.Client, log *slog.Logger) (*adapters.Adapter, func(context.Context) error, error) {
	return nil, nil, fmt.Errorf("the simulated agencies are not built into this binary yet")
}
