package registry

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed dev.json
var devJSON []byte

// DevConfig returns the built-in development registry: nine participants
// (a court, the bailiff service, the traffic police, the tax service, the
// land registry, the pension fund, two banks and the citizen portal) and the
// shipped enforcement types.
func DevConfig() (*Config, error) {
	return ParseConfig(devJSON)
}

// DevJSON returns the development registry file, a sample of the format.
func DevJSON() []byte { return devJSON }

// Dev builds the development registry. When certDir is not empty, each
// participant is bound to the certificate certDir/<MNEMONIC>.crt if that file
// exists (the layout `mezhved pki init` writes).
func Dev(certDir string) (*Registry, error) {
	cfg, err := DevConfig()
	if err != nil {
		return nil, err
	}
	if certDir != "" {
		for i := range cfg.Participants {
			f := filepath.Join(certDir, cfg.Participants[i].Mnemonic+".crt")
			if _, err := os.Stat(f); err == nil {
				cfg.Participants[i].Certificates = []string{f}
			} else if !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("registry: %w", err)
			}
		}
	}
	return New(cfg)
}

// Load reads and validates a registry file.
func Load(path string) (*Registry, error) {
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return New(cfg)
}
