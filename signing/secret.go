package signing

import (
	"fmt"
	"log/slog"
)

// Redacted is what a [Secret] shows wherever it is printed, logged or
// marshalled.
const Redacted = "REDACTED"

// Secret holds a credential (a website secret key, an API key). It prints,
// formats, logs and marshals as [Redacted], so a Config that holds one can be
// logged or wrapped into an error without leaking it. Use [Secret.Reveal]
// only where the value is needed to compute a signature.
//
// The value sits behind a pointer, so that even printing a struct with an
// unexported Secret field (where fmt cannot call methods) shows an address,
// never the secret. The zero Secret is empty.
type Secret struct {
	v *string
}

// NewSecret wraps s.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{v: &s}
}

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil || *s.v == "" }

// Len returns the length of the secret in bytes.
func (s Secret) Len() int { return len(s.Reveal()) }

// String returns [Redacted].
func (s Secret) String() string { return Redacted }

// GoString returns [Redacted], for %#v.
func (s Secret) GoString() string { return Redacted }

// Format writes [Redacted] for every verb and flag (%v, %+v, %s, %q, %x, ...).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = f.Write([]byte(`"` + Redacted + `"`))
		return
	}
	_, _ = f.Write([]byte(Redacted))
}

// LogValue makes log/slog record [Redacted].
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalText returns [Redacted]; encoding/json and friends use it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalJSON returns the JSON string "REDACTED".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
