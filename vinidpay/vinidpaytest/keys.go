package vinidpaytest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"time"
)

// Keys are the two RSA key pairs of a linked-account integration: the
// merchant's (signs requests; the fake verifies with its public half) and
// VinID's (the fake signs callbacks and responses; the client verifies).
type Keys struct {
	Merchant *rsa.PrivateKey
	VinID    *rsa.PrivateKey
}

// GenerateKeys makes two fresh RSA-2048 key pairs. Key generation takes a
// while: tests should make one Keys and share it (sync.OnceValues).
func GenerateKeys() (*Keys, error) {
	m, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("vinidpaytest: generate merchant key: %w", err)
	}
	v, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("vinidpaytest: generate vinid key: %w", err)
	}
	return &Keys{Merchant: m, VinID: v}, nil
}

// PrivateKeyPEM returns key as PKCS#1 PEM ("RSA PRIVATE KEY"), or "" for
// a nil key.
func PrivateKeyPEM(key *rsa.PrivateKey) string {
	if key == nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

// PublicKeyPEM returns key as PKCS#1 PEM ("RSA PUBLIC KEY"), or "" for a
// nil key.
func PublicKeyPEM(key *rsa.PublicKey) string {
	if key == nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(key)}))
}

// Clock is a settable clock for tests: give Now to the fake (WithClock) and
// to the client (vinidpay.WithClock), then Advance it to expire links,
// OTPs, nonces and refund windows. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
