//go:build !unix

package admin

import "math"

// freeBytes is not measured on this platform.
func freeBytes(string) (uint64, error) { return math.MaxUint64, nil }
