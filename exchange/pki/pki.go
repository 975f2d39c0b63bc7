package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Algorithm is a key algorithm of the development PKI.
type Algorithm string

// Algorithms.
const (
	ECDSA Algorithm = "ecdsa" // ECDSA P-256
	RSA   Algorithm = "rsa"   // RSA-2048
)

// GOST names GOST R 34.10-2012 (256 bits) with Streebog-256, available when
// its provider is built in (build tag gost).
const GOST Algorithm = "gost"

// ParseAlgorithm reads "ecdsa", "rsa" or a registered provider's name.
func ParseAlgorithm(s string) (Algorithm, error) {
	a := Algorithm(s)
	if isStandard(a) {
		return a, nil
	}
	if _, ok := provider(a); ok {
		return a, nil
	}
	if a == GOST {
		return "", errors.New("pki: GOST is not built into this binary (build with -tags gost)")
	}
	return "", fmt.Errorf("pki: unknown algorithm %q (this build knows %v)", s, Algorithms())
}

// Party names a certificate holder.
type Party struct {
	Mnemonic string
	Name     string
}

// Options configure Generate. Zero values mean defaults.
type Options struct {
	// Algorithm of every key. Default ECDSA.
	Algorithm Algorithm
	// Participants get a key and a certificate each.
	Participants []Party
	// Now is the start of validity. Default time.Now.
	Now time.Time
	// Validity of every certificate. Default 10 years.
	Validity time.Duration
}

// Identity is a key with its certificate.
type Identity struct {
	Key         crypto.Signer
	Certificate *x509.Certificate
}

// Bundle is a generated PKI.
type Bundle struct {
	CA           Identity
	Hub          Identity
	Participants map[string]Identity
	order        []string
}

// HubMnemonic is the common name of the hub's certificate.
const HubMnemonic = "HUB"

// Generate makes a CA, a hub identity and one identity per participant.
func Generate(opts Options) (*Bundle, error) {
	if opts.Algorithm == "" {
		opts.Algorithm = ECDSA
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Validity == 0 {
		opts.Validity = 10 * 365 * 24 * time.Hour
	}
	notBefore := opts.Now.Add(-time.Hour).UTC().Truncate(time.Second)
	notAfter := notBefore.Add(opts.Validity)

	caKey, err := newKey(opts.Algorithm)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "mezhved development CA", Organization: []string{"mezhved"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	caCert, err := issue(caTmpl, caKey.Public(), nil, caKey)
	if err != nil {
		return nil, err
	}
	b := &Bundle{CA: Identity{Key: caKey, Certificate: caCert}, Participants: map[string]Identity{}}

	leaf := func(p Party, hub bool) (Identity, error) {
		key, err := newKey(opts.Algorithm)
		if err != nil {
			return Identity{}, err
		}
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: p.Mnemonic, Organization: []string{p.Name}, OrganizationalUnit: []string{"mezhved development"}},
			NotBefore:   notBefore,
			NotAfter:    notAfter,
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if hub {
			tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
			if isStandard(opts.Algorithm) {
				// Names for a TLS server; TLS in Go has no GOST suites.
				tmpl.DNSNames = []string{"localhost"}
				tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
			}
		}
		cert, err := issue(tmpl, key.Public(), caCert, caKey)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Key: key, Certificate: cert}, nil
	}
	if b.Hub, err = leaf(Party{Mnemonic: HubMnemonic, Name: "mezhved hub"}, true); err != nil {
		return nil, err
	}
	for _, p := range opts.Participants {
		if p.Mnemonic == "" || p.Mnemonic == HubMnemonic || p.Mnemonic == "ca" {
			return nil, fmt.Errorf("pki: participant mnemonic %q is not allowed", p.Mnemonic)
		}
		if _, dup := b.Participants[p.Mnemonic]; dup {
			return nil, fmt.Errorf("pki: participant %s listed twice", p.Mnemonic)
		}
		id, err := leaf(p, false)
		if err != nil {
			return nil, err
		}
		b.Participants[p.Mnemonic] = id
		b.order = append(b.order, p.Mnemonic)
	}
	return b, nil
}

func newKey(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case ECDSA:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA:
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	if p, ok := provider(alg); ok {
		return p.GenerateKey()
	}
	return nil, fmt.Errorf("pki: unknown algorithm %q", alg)
}

func issue(tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	if parent == nil {
		parent = tmpl
	}
	der, err := CreateCertificate(tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("pki: issuing %s: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// WriteDir writes the bundle's files into dir, creating it. Existing files
// are not overwritten: WriteDir fails instead.
func (b *Bundle) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]Identity{"ca": b.CA, "hub": b.Hub}
	names := []string{"ca", "hub"}
	for _, m := range b.order {
		files[m] = b.Participants[m]
		names = append(names, m)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n+".crt")); err == nil {
			return fmt.Errorf("pki: %s already exists; remove the directory to make a new PKI", filepath.Join(dir, n+".crt"))
		}
	}
	for _, n := range names {
		id := files[n]
		if err := writePEM(filepath.Join(dir, n+".crt"), "CERTIFICATE", id.Certificate.Raw, 0o644); err != nil {
			return err
		}
		der, err := marshalPrivateKey(id.Key)
		if err != nil {
			return err
		}
		if err := writePEM(filepath.Join(dir, n+".key"), "PRIVATE KEY", der, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: typ, Bytes: der}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadIdentity reads a PEM private key and a PEM certificate file (which may
// hold the chain after the certificate).
func LoadIdentity(keyFile, certFile string) (crypto.Signer, []*x509.Certificate, error) {
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, err
	}
	key, err := ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, err
	}
	var certs []*x509.Certificate
	rest := certPEM
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", certFile, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, nil, fmt.Errorf("%s: no certificate", certFile)
	}
	return key, certs, nil
}

// ParsePrivateKeyPEM reads a PKCS#8, PKCS#1 (RSA) or SEC 1 (EC) private key.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			return nil, errors.New("pki: no private key in PEM data")
		}
		var k any
		var err error
		switch blk.Type {
		case "PRIVATE KEY":
			k, err = parsePKCS8(blk.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(blk.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("pki: key type %T cannot sign", k)
		}
		return s, nil
	}
}
