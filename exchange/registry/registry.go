package registry

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
	"mezhved/exchange/xmlsafe"
	"mezhved/schemas"
)

// Errors of building and using a registry.
var (
	// ErrConfig is returned when the registry file is malformed or
	// inconsistent (unknown fields, duplicate mnemonics or types, a sender or
	// provider that names nobody, an unreadable certificate...).
	ErrConfig = errors.New("registry: invalid configuration")
	// ErrNoRecipient is returned by Route when no provider matches.
	ErrNoRecipient = errors.New("registry: no recipient")
)

// Directions of a message type.
const (
	Request  = "request"
	Response = "response"
)

// Delivery kinds.
const (
	Unicast   = "unicast"
	Broadcast = "broadcast"
	Routed    = "routed"
)

// Participant is a registered participant.
type Participant struct {
	Mnemonic        string
	Name            string
	Role            string
	Routing         map[string]string
	InteractionType string
	// RateLimit and RateBurst override the hub's send rate limit; zero: the
	// hub's.
	RateLimit float64
	RateBurst int
	// Certificates bound to the participant.
	Certificates []*x509.Certificate
}

// QName is a qualified name.
type QName struct{ Space, Local string }

func (q QName) String() string { return "{" + q.Space + "}" + q.Local }

// MessageType is a registered type of payload.
type MessageType struct {
	Name        string
	Root        QName
	Description string
	Schema      schemas.Source
	Direction   string
	Senders     []string // resolved mnemonics
	Providers   []string // resolved mnemonics
	Delivery    DeliveryConfig
	Answers     []string // names of response types
	Deadline    Deadline
	// AttachmentLimit in bytes; 0: the hub's default.
	AttachmentLimit int64
	// PersonalSignatureRequired: every message of the type must carry a
	// personal signature over its payload root.
	PersonalSignatureRequired bool
	// VisibilityTimeout, MaxAttempts and QueueLimit override the hub's
	// delivery defaults when not zero.
	VisibilityTimeout time.Duration
	MaxAttempts       int
	QueueLimit        int64
}

// Deadline is a processing deadline: Days working days, or Duration.
type Deadline struct {
	WorkingDays int
	Duration    time.Duration
}

// IsZero reports whether there is no deadline.
func (d Deadline) IsZero() bool { return d.WorkingDays == 0 && d.Duration == 0 }

// String gives the deadline as written in the registry file.
func (d Deadline) String() string {
	switch {
	case d.WorkingDays > 0:
		return strconv.Itoa(d.WorkingDays) + "wd"
	case d.Duration > 0:
		return d.Duration.String()
	}
	return ""
}

// ParseDeadline reads "2wd" or a duration such as "48h"; "" is no deadline.
func ParseDeadline(s string) (Deadline, error) {
	if s == "" {
		return Deadline{}, nil
	}
	if n, ok := strings.CutSuffix(s, "wd"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return Deadline{}, fmt.Errorf("%w: deadline %q: want a positive number of working days, e.g. 2wd", ErrConfig, s)
		}
		return Deadline{WorkingDays: days}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Deadline{}, fmt.Errorf("%w: deadline %q: want e.g. 2wd or 48h", ErrConfig, s)
	}
	return Deadline{Duration: d}, nil
}

// Registry is a validated registry. It is immutable and safe for concurrent
// use.
type Registry struct {
	participants []*Participant
	byMnemonic   map[string]*Participant
	byCert       map[string]*Participant
	types        []*MessageType
	byRoot       map[QName]*MessageType
	byName       map[string]*MessageType
}

var mnemonicRE = regexp.MustCompile(`^[A-Z0-9_-]{1,50}$`)

func isBuiltin(s string) bool { return strings.HasPrefix(s, "builtin:") }

// New validates a configuration and builds the registry, reading the
// certificate files it names.
func New(cfg *Config) (*Registry, error) {
	r := &Registry{byMnemonic: map[string]*Participant{}, byCert: map[string]*Participant{}, byRoot: map[QName]*MessageType{}, byName: map[string]*MessageType{}}
	for _, pc := range cfg.Participants {
		if !mnemonicRE.MatchString(pc.Mnemonic) {
			return nil, fmt.Errorf("%w: participant mnemonic %q must be 1-50 characters of A-Z, 0-9, _ and -", ErrConfig, pc.Mnemonic)
		}
		if _, dup := r.byMnemonic[pc.Mnemonic]; dup {
			return nil, fmt.Errorf("%w: participant %s is listed twice", ErrConfig, pc.Mnemonic)
		}
		if pc.Name == "" {
			return nil, fmt.Errorf("%w: participant %s has no name", ErrConfig, pc.Mnemonic)
		}
		p := &Participant{Mnemonic: pc.Mnemonic, Name: pc.Name, Role: pc.Role, Routing: pc.Routing, InteractionType: pc.InteractionType,
			RateLimit: pc.RateLimit, RateBurst: pc.RateBurst}
		if pc.RateLimit < 0 || pc.RateBurst < 0 {
			return nil, fmt.Errorf("%w: participant %s: rateLimit and rateBurst may not be negative", ErrConfig, pc.Mnemonic)
		}
		if p.InteractionType == "" {
			p.InteractionType = "OIV2OIV"
		}
		if !slices.Contains(interactionTypes, p.InteractionType) {
			return nil, fmt.Errorf("%w: participant %s: interactionType %q (want one of %s)", ErrConfig, pc.Mnemonic, p.InteractionType, strings.Join(interactionTypes, ", "))
		}
		for _, f := range pc.Certificates {
			certs, err := dsig.LoadCertificates(f)
			if err != nil {
				return nil, fmt.Errorf("%w: participant %s: %v", ErrConfig, pc.Mnemonic, err)
			}
			p.Certificates = append(p.Certificates, certs...)
		}
		if err := r.addParticipant(p); err != nil {
			return nil, err
		}
	}
	for _, tc := range cfg.Types {
		t, err := r.buildType(tc)
		if err != nil {
			return nil, err
		}
		r.types = append(r.types, t)
		r.byRoot[t.Root] = t
		r.byName[t.Name] = t
	}
	for _, t := range r.types {
		for _, a := range t.Answers {
			at, ok := r.byName[a]
			if !ok || at.Direction != Response {
				return nil, fmt.Errorf("%w: type %s: answer %q is not a response type", ErrConfig, t.Name, a)
			}
		}
	}
	return r, nil
}

func (r *Registry) addParticipant(p *Participant) error {
	for _, c := range p.Certificates {
		fp := dsig.Fingerprint(c)
		if other, dup := r.byCert[fp]; dup && other != p {
			return fmt.Errorf("%w: certificate %s is bound to both %s and %s", ErrConfig, c.Subject, other.Mnemonic, p.Mnemonic)
		}
		r.byCert[fp] = p
	}
	r.participants = append(r.participants, p)
	r.byMnemonic[p.Mnemonic] = p
	return nil
}

// resolveParties turns mnemonics and "role:x" into mnemonics.
func (r *Registry) resolveParties(typ, field string, refs []string) ([]string, error) {
	var out []string
	for _, ref := range refs {
		if role, ok := strings.CutPrefix(ref, "role:"); ok {
			n := 0
			for _, p := range r.participants {
				if p.Role == role && !slices.Contains(out, p.Mnemonic) {
					out = append(out, p.Mnemonic)
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("%w: type %s: %s %q matches no participant", ErrConfig, typ, field, ref)
			}
			continue
		}
		if _, ok := r.byMnemonic[ref]; !ok {
			return nil, fmt.Errorf("%w: type %s: %s %q is not a participant", ErrConfig, typ, field, ref)
		}
		if !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out, nil
}

func (r *Registry) buildType(tc TypeConfig) (*MessageType, error) {
	if tc.Name == "" || tc.Namespace == "" || tc.Root == "" {
		return nil, fmt.Errorf("%w: a type needs name, namespace and root (%q)", ErrConfig, tc.Name)
	}
	if _, dup := r.byName[tc.Name]; dup {
		return nil, fmt.Errorf("%w: type %s is listed twice", ErrConfig, tc.Name)
	}
	t := &MessageType{Name: tc.Name, Root: QName{tc.Namespace, tc.Root}, Description: tc.Description, Direction: tc.Direction,
		Delivery: tc.Delivery, Answers: tc.Answers, AttachmentLimit: tc.AttachmentLimit, PersonalSignatureRequired: tc.PersonalSignature == "required"}
	if _, dup := r.byRoot[t.Root]; dup {
		return nil, fmt.Errorf("%w: two types have the root %s", ErrConfig, t.Root)
	}
	switch {
	case tc.Schema == "":
		return nil, fmt.Errorf("%w: type %s has no schema", ErrConfig, tc.Name)
	case isBuiltin(tc.Schema):
		t.Schema = schemas.Builtin(strings.TrimPrefix(tc.Schema, "builtin:"))
	default:
		t.Schema = schemas.File(tc.Schema)
	}
	if tc.PersonalSignature != "" && tc.PersonalSignature != "required" && tc.PersonalSignature != "optional" {
		return nil, fmt.Errorf("%w: type %s: personalSignature %q (want required or optional)", ErrConfig, tc.Name, tc.PersonalSignature)
	}
	if tc.AttachmentLimit < 0 || tc.MaxAttempts < 0 || tc.QueueLimit < 0 {
		return nil, fmt.Errorf("%w: type %s: attachmentLimit, maxAttempts and queueLimit may not be negative", ErrConfig, tc.Name)
	}
	t.MaxAttempts, t.QueueLimit = tc.MaxAttempts, tc.QueueLimit
	if tc.VisibilityTimeout != "" {
		d, err := time.ParseDuration(tc.VisibilityTimeout)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%w: type %s: visibilityTimeout %q: want a duration such as 60s", ErrConfig, tc.Name, tc.VisibilityTimeout)
		}
		t.VisibilityTimeout = d
	}
	var err error
	if t.Deadline, err = ParseDeadline(tc.Deadline); err != nil {
		return nil, fmt.Errorf("type %s: %w", tc.Name, err)
	}
	switch tc.Direction {
	case Request:
		if t.Senders, err = r.resolveParties(tc.Name, "sender", tc.Senders); err != nil {
			return nil, err
		}
		if t.Providers, err = r.resolveParties(tc.Name, "provider", tc.Providers); err != nil {
			return nil, err
		}
		if len(t.Providers) == 0 {
			return nil, fmt.Errorf("%w: request type %s has no provider", ErrConfig, tc.Name)
		}
		if err := r.checkDelivery(t); err != nil {
			return nil, err
		}
	case Response:
		if len(tc.Senders) > 0 || len(tc.Providers) > 0 || tc.Delivery.Kind != "" || len(tc.Answers) > 0 {
			return nil, fmt.Errorf("%w: response type %s: senders, providers, delivery and answers belong to request types", ErrConfig, tc.Name)
		}
	default:
		return nil, fmt.Errorf("%w: type %s: direction %q (want request or response)", ErrConfig, tc.Name, tc.Direction)
	}
	return t, nil
}

func (r *Registry) checkDelivery(t *MessageType) error {
	d := t.Delivery
	switch d.Kind {
	case "", Unicast:
		t.Delivery.Kind = Unicast
		if len(t.Providers) != 1 {
			return fmt.Errorf("%w: type %s is unicast but has %d providers", ErrConfig, t.Name, len(t.Providers))
		}
	case Broadcast:
	case Routed:
		if len(d.Rules) == 0 {
			return fmt.Errorf("%w: type %s is routed but has no rules", ErrConfig, t.Name)
		}
		for _, rule := range d.Rules {
			if rule.Path == "" || (rule.Key == "") == (rule.To == "") {
				return fmt.Errorf("%w: type %s: a rule needs a path and exactly one of key and to", ErrConfig, t.Name)
			}
			if rule.To != "" && !slices.Contains(t.Providers, rule.To) {
				return fmt.Errorf("%w: type %s: rule target %s is not a provider of the type", ErrConfig, t.Name, rule.To)
			}
			if rule.Key != "" {
				if err := r.checkRoutingKey(t, rule.Key); err != nil {
					return err
				}
			}
		}
		if d.Fallback != "" && d.Fallback != Broadcast {
			return fmt.Errorf("%w: type %s: fallback %q (want broadcast or nothing)", ErrConfig, t.Name, d.Fallback)
		}
	default:
		return fmt.Errorf("%w: type %s: delivery %q (want unicast, broadcast or routed)", ErrConfig, t.Name, d.Kind)
	}
	return nil
}

// checkRoutingKey: a rule that routes by a key routes to the provider whose
// value of it the payload names, so some provider must have one, and no
// two the same (the second would never be chosen).
func (r *Registry) checkRoutingKey(t *MessageType, key string) error {
	by := map[string]string{}
	for _, m := range t.Providers {
		v := r.byMnemonic[m].Routing[key]
		if v == "" {
			continue
		}
		if other, dup := by[v]; dup {
			return fmt.Errorf("%w: type %s: providers %s and %s both have %s %q, so %s would never be chosen", ErrConfig, t.Name, other, m, key, v, m)
		}
		by[v] = m
	}
	if len(by) == 0 {
		return fmt.Errorf("%w: type %s routes by %s, which none of its providers has (a participant's routing)", ErrConfig, t.Name, key)
	}
	return nil
}

// interactionTypes are the values of SMEV's InteractionTypeType.
var interactionTypes = []string{"PGU2OIV", "OIV2OIV", "OIV2sameOIV", "Charger2PaymentGate", "PaymentGate2Treasury", "OIV2Treasury", "other", "NotDetected"}

// Participants returns every participant in registry order.
func (r *Registry) Participants() []*Participant { return slices.Clone(r.participants) }

// Participant returns the participant with a mnemonic.
func (r *Registry) Participant(mnemonic string) (*Participant, bool) {
	p, ok := r.byMnemonic[mnemonic]
	return p, ok
}

// ByCertificate returns the participant a certificate is bound to.
func (r *Registry) ByCertificate(c *x509.Certificate) (*Participant, bool) {
	p, ok := r.byCert[dsig.Fingerprint(c)]
	return p, ok
}

// Types returns every message type in registry order.
func (r *Registry) Types() []*MessageType { return slices.Clone(r.types) }

// Type returns the type whose payload root is {ns}local.
func (r *Registry) Type(ns, local string) (*MessageType, bool) {
	t, ok := r.byRoot[QName{ns, local}]
	return t, ok
}

// TypeByName returns a type by its short name.
func (r *Registry) TypeByName(name string) (*MessageType, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// MaySend reports whether p may send requests of type t.
func (t *MessageType) MaySend(p *Participant) bool { return slices.Contains(t.Senders, p.Mnemonic) }

// Provides reports whether p receives requests of type t.
func (t *MessageType) Provides(p *Participant) bool { return slices.Contains(t.Providers, p.Mnemonic) }

// SchemaSources returns the distinct schemas of all types.
func (r *Registry) SchemaSources() []schemas.Source {
	var out []schemas.Source
	for _, t := range r.types {
		if !slices.Contains(out, t.Schema) {
			out = append(out, t.Schema)
		}
	}
	return out
}

// CompileSchemas compiles the envelope schemas with the registry's payload
// schemas (schemas.Compile) and checks that they declare every type's root
// element: a root they do not declare would reach the door's lax payload
// validation unchecked.
func (r *Registry) CompileSchemas(ctx context.Context, maxBytes int64) (*schemas.Set, error) {
	set, err := schemas.Compile(ctx, r.SchemaSources(), maxBytes)
	if err != nil {
		return nil, err
	}
	for _, t := range r.types {
		ok, err := set.Declares(ctx, t.Root.Space, t.Root.Local)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: message type %s: its schema %s declares no element {%s}%s", ErrConfig, t.Name, t.Schema, t.Root.Space, t.Root.Local)
		}
	}
	return set, nil
}

// Route returns the recipients of a request of type t with the given payload
// root element: the single provider (unicast), every provider (broadcast),
// or the provider a routing rule selects.
func (r *Registry) Route(t *MessageType, payload *etree.Element) ([]*Participant, error) {
	providers := func() []*Participant {
		out := make([]*Participant, 0, len(t.Providers))
		for _, m := range t.Providers {
			out = append(out, r.byMnemonic[m])
		}
		return out
	}
	switch t.Delivery.Kind {
	case Unicast, Broadcast:
		return providers(), nil
	}
	for _, rule := range t.Delivery.Rules {
		el := findPath(payload, rule.Path)
		if el == nil {
			continue
		}
		if rule.To != "" {
			return []*Participant{r.byMnemonic[rule.To]}, nil
		}
		value := strings.TrimSpace(xmlsafe.Text(el))
		for _, m := range t.Providers {
			p := r.byMnemonic[m]
			// An empty value names nobody (a provider without the key
			// would match it).
			if v, ok := p.Routing[rule.Key]; ok && v == value && value != "" {
				return []*Participant{p}, nil
			}
		}
		return nil, fmt.Errorf("%w: no provider of %s has %s %s (from %s)", ErrNoRecipient, t.Name, rule.Key, value, rule.Path)
	}
	if t.Delivery.Fallback == Broadcast {
		return providers(), nil
	}
	return nil, fmt.Errorf("%w: the %s payload has none of the elements its routing reads", ErrNoRecipient, t.Name)
}

// findPath follows local names from root (in root's namespace or any).
func findPath(root *etree.Element, path string) *etree.Element {
	el := root
	for _, step := range strings.Split(path, "/") {
		var next *etree.Element
		for c := range el.ChildElementsSeq() {
			if c.Tag == step {
				next = c
				break
			}
		}
		if next == nil {
			return nil
		}
		el = next
	}
	return el
}
