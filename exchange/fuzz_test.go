package exchange_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"mezhved/exchange/fault"
)

// FuzzIngress: the whole ingress check never panics and rejects only with
// catalog faults.
func FuzzIngress(f *testing.F) {
	for _, pattern := range []string{"../schemas/examples/*.xml", "../schemas/examples/invalid/*.xml"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	in := exampleIngress(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := in.Check(context.Background(), data)
		if err == nil {
			return
		}
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind == nil {
			t.Fatalf("rejection %v (%T) is not a catalog fault", err, err)
		}
		if fe.Kind == fault.Failure {
			t.Fatalf("internal failure on input: %v", err)
		}
	})
}
