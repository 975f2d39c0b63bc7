package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Config is the registry file: who takes part in the exchange and which
// message types it carries. It is JSON; unknown fields are an error.
type Config struct {
	// Participants of the exchange.
	Participants []ParticipantConfig `json:"participants"`
	// Types of message, one per payload root element.
	Types []TypeConfig `json:"types"`
}

// ParticipantConfig describes one participant.
type ParticipantConfig struct {
	// Mnemonic is the participant's stable identifier, e.g. "FSSP01"
	// (1 to 50 characters: A-Z, 0-9, _ and -).
	Mnemonic string `json:"mnemonic"`
	// Name is the human-readable name written into MessageMetadata.
	Name string `json:"name"`
	// Role is the kind of participant: court, bailiff, traffic-police, tax,
	// land-registry, pension-fund, bank, portal, or any other word. Type
	// senders and providers may name a role as "role:<role>".
	Role string `json:"role"`
	// Certificates are PEM files (paths relative to the registry file) of the
	// certificates whose signatures identify the participant. Two or more
	// during a key rollover.
	Certificates []string `json:"certificates,omitempty"`
	// Routing holds the participant's routing keys, e.g. {"bic": "044525225"}.
	Routing map[string]string `json:"routing,omitempty"`
	// InteractionType is written to MessageMetadata of messages this
	// participant sends (OIV2OIV by default; PGU2OIV for the portal).
	InteractionType string `json:"interactionType,omitempty"`
	// RateLimit, when set, is how many messages per second the participant
	// may send (bursts of RateBurst), instead of the hub's default.
	RateLimit float64 `json:"rateLimit,omitempty"`
	RateBurst int     `json:"rateBurst,omitempty"`
}

// TypeConfig describes one message type: the payload root element, its
// schema, and who sends and receives it.
type TypeConfig struct {
	// Name is a short identifier of the type, e.g. "writ" or "writ-answer".
	Name string `json:"name"`
	// Namespace and Root are the qualified name of the payload's root
	// element: the type's identity on the wire.
	Namespace string `json:"namespace"`
	Root      string `json:"root"`
	// Description is a human-readable name (DetectedContentTypeName).
	Description string `json:"description,omitempty"`
	// Schema is the XSD of the payload: "builtin:enforcement/writ.xsd" or a
	// file path relative to the registry file.
	Schema string `json:"schema"`
	// Direction is "request" (sent with SendRequest) or "response" (sent with
	// SendResponse, in answer to a request).
	Direction string `json:"direction"`
	// Senders may send requests of this type: mnemonics, or "role:<role>".
	// Responses are sent by whoever received the request.
	Senders []string `json:"senders,omitempty"`
	// Providers receive requests of this type: mnemonics or "role:<role>".
	Providers []string `json:"providers,omitempty"`
	// Delivery says how a request finds its recipients.
	Delivery DeliveryConfig `json:"delivery,omitempty"`
	// Answers names the response types that answer this request type.
	Answers []string `json:"answers,omitempty"`
	// Deadline is the processing deadline of a request: "2wd" (working
	// days) or a duration such as "48h". Empty: none.
	Deadline string `json:"deadline,omitempty"`
	// AttachmentLimit is the largest total size of attachments, in bytes.
	// 0 means the hub's default.
	AttachmentLimit int64 `json:"attachmentLimit,omitempty"`
	// PersonalSignature is "required" when every message of the type must
	// carry a personal signature (PersonalSignature) over its payload root;
	// "optional" or empty otherwise (one that is present is verified).
	PersonalSignature string `json:"personalSignature,omitempty"`
	// VisibilityTimeout is how long a delivered message stays hidden from
	// other polls before it is delivered again unless acknowledged, e.g.
	// "60s". Empty: the hub's default.
	VisibilityTimeout string `json:"visibilityTimeout,omitempty"`
	// MaxAttempts is how many deliveries a message gets before it becomes a
	// dead letter. 0: the hub's default.
	MaxAttempts int `json:"maxAttempts,omitempty"`
	// QueueLimit is the most messages of any type a recipient's queue may
	// hold when a message of this type arrives. 0: the hub's default.
	QueueLimit int64 `json:"queueLimit,omitempty"`
}

// DeliveryConfig says how a request is routed.
type DeliveryConfig struct {
	// Kind is "unicast" (the single provider), "broadcast" (a copy to every
	// provider) or "routed" (by a value of the payload, see Rules).
	Kind string `json:"kind"`
	// Rules are tried in order; the first whose element is present in the
	// payload decides.
	Rules []RouteRule `json:"rules,omitempty"`
	// Fallback is "broadcast" to send to every provider when no rule
	// matches; empty means RecipientIsNotFound.
	Fallback string `json:"fallback,omitempty"`
}

// RouteRule routes by one payload element.
type RouteRule struct {
	// Path is the element's path from the payload root, as local names
	// separated by "/", e.g. "Targets/Account/BIC".
	Path string `json:"path"`
	// Key routes to the provider whose routing key of this name equals the
	// element's value (e.g. "bic").
	Key string `json:"key,omitempty"`
	// To routes to this provider whenever the element is present.
	To string `json:"to,omitempty"`
}

// LoadConfig reads a registry file. Relative certificate and schema paths in
// it are made relative to the file's directory.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	for i := range cfg.Participants {
		for j, c := range cfg.Participants[i].Certificates {
			if !filepath.IsAbs(c) {
				cfg.Participants[i].Certificates[j] = filepath.Join(dir, c)
			}
		}
	}
	for i := range cfg.Types {
		if s := cfg.Types[i].Schema; s != "" && !isBuiltin(s) && !filepath.IsAbs(s) {
			cfg.Types[i].Schema = filepath.Join(dir, s)
		}
	}
	return cfg, nil
}

// ParseConfig reads a registry from JSON.
func ParseConfig(data []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the registry object", ErrConfig)
	}
	return &cfg, nil
}
