package signing

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// maxRSABits caps the modulus accepted from XML, so that a hostile key cannot
// make every later operation slow.
const maxRSABits = 16384

// rsaKeyValue is the .NET RSA.ToXmlString form. Every value is the
// big-endian unsigned integer in standard base64.
type rsaKeyValue struct {
	XMLName  xml.Name `xml:"RSAKeyValue"`
	Modulus  string   `xml:"Modulus"`
	Exponent string   `xml:"Exponent"`
	P        string   `xml:"P"`
	Q        string   `xml:"Q"`
	DP       string   `xml:"DP"`
	DQ       string   `xml:"DQ"`
	InverseQ string   `xml:"InverseQ"`
	D        string   `xml:"D"`
}

// IsXMLKey reports whether data looks like a .NET <RSAKeyValue> key (its
// first non-space byte is '<'), so that loaders can choose between XML and
// PEM or base64 DER.
func IsXMLKey(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '<'
}

// ParseXMLPublicKey loads an RSA public key in the .NET form
// <RSAKeyValue><Modulus>…</Modulus><Exponent>…</Exponent></RSAKeyValue>
// (RSA.ToXmlString(false)). Private elements, if present, are ignored. Keys
// under [MinRSABits] are refused with [ErrWeakKey].
func ParseXMLPublicKey(data []byte) (*rsa.PublicKey, error) {
	kv, err := decodeKeyValue(data)
	if err != nil {
		return nil, err
	}
	return kv.publicKey()
}

// ParseXMLPrivateKey loads an RSA private key in the .NET form
// (RSA.ToXmlString(true)): Modulus, Exponent, P, Q, DP, DQ, InverseQ and D.
// The key is checked for consistency: the primes must multiply to the
// modulus, D must invert the exponent, and DP, DQ and InverseQ must be the
// values derived from them. Keys under [MinRSABits] are refused with
// [ErrWeakKey].
func ParseXMLPrivateKey(data []byte) (*rsa.PrivateKey, error) {
	kv, err := decodeKeyValue(data)
	if err != nil {
		return nil, err
	}
	pub, err := kv.publicKey()
	if err != nil {
		return nil, err
	}
	names := [...]string{"P", "Q", "D", "DP", "DQ", "InverseQ"}
	texts := [...]string{kv.P, kv.Q, kv.D, kv.DP, kv.DQ, kv.InverseQ}
	var vals [len(names)]*big.Int
	for i, name := range names {
		v, err := xmlInt(name, texts[i])
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	p, q, d, dp, dq, qinv := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
	key := &rsa.PrivateKey{PublicKey: *pub, D: d, Primes: []*big.Int{p, q}}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("%w: inconsistent private key: %v", ErrInvalidKey, err)
	}
	key.Precompute()
	if key.Precomputed.Dp == nil || key.Precomputed.Dp.Cmp(dp) != 0 ||
		key.Precomputed.Dq == nil || key.Precomputed.Dq.Cmp(dq) != 0 ||
		key.Precomputed.Qinv == nil || key.Precomputed.Qinv.Cmp(qinv) != 0 {
		return nil, fmt.Errorf("%w: DP, DQ or InverseQ does not match the primes", ErrInvalidKey)
	}
	return key, nil
}

// MarshalXMLPublicKey writes key in the .NET <RSAKeyValue> public form, for
// handing a key to a party that loads keys with RSA.FromXmlString.
func MarshalXMLPublicKey(key *rsa.PublicKey) ([]byte, error) {
	if key == nil || key.N == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidKey)
	}
	kv := rsaKeyValue{
		Modulus:  b64Int(key.N),
		Exponent: b64Int(big.NewInt(int64(key.E))),
	}
	return xml.Marshal(kv)
}

// MarshalXMLPrivateKey writes key in the .NET <RSAKeyValue> private form.
// Only two-prime keys can be written.
func MarshalXMLPrivateKey(key *rsa.PrivateKey) ([]byte, error) {
	if key == nil || key.N == nil || key.D == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidKey)
	}
	if len(key.Primes) != 2 {
		return nil, fmt.Errorf("%w: %d primes, the XML form holds two", ErrInvalidKey, len(key.Primes))
	}
	k := *key
	k.Precompute()
	kv := rsaKeyValue{
		Modulus:  b64Int(k.N),
		Exponent: b64Int(big.NewInt(int64(k.E))),
		P:        b64Int(k.Primes[0]),
		Q:        b64Int(k.Primes[1]),
		DP:       b64Int(k.Precomputed.Dp),
		DQ:       b64Int(k.Precomputed.Dq),
		InverseQ: b64Int(k.Precomputed.Qinv),
		D:        b64Int(k.D),
	}
	return xml.Marshal(kv)
}

func decodeKeyValue(data []byte) (*rsaKeyValue, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(data) > maxKeyInput {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidKey, maxKeyInput)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var kv rsaKeyValue
	if err := dec.Decode(&kv); err != nil {
		return nil, fmt.Errorf("%w: not an <RSAKeyValue> XML key: %v", ErrInvalidKey, err)
	}
	// Nothing but whitespace may follow the key.
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: trailing data after </RSAKeyValue>: %v", ErrInvalidKey, err)
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		if _, ok := tok.(xml.Comment); ok {
			continue
		}
		return nil, fmt.Errorf("%w: trailing data after </RSAKeyValue>", ErrInvalidKey)
	}
	return &kv, nil
}

func (kv *rsaKeyValue) publicKey() (*rsa.PublicKey, error) {
	n, err := xmlInt("Modulus", kv.Modulus)
	if err != nil {
		return nil, err
	}
	e, err := xmlInt("Exponent", kv.Exponent)
	if err != nil {
		return nil, err
	}
	if bits := n.BitLen(); bits > maxRSABits {
		return nil, fmt.Errorf("%w: modulus of %d bits is larger than %d", ErrInvalidKey, bits, maxRSABits)
	}
	if n.Bit(0) == 0 {
		return nil, fmt.Errorf("%w: even modulus", ErrInvalidKey)
	}
	if e.BitLen() > 31 || e.Int64() < 3 || e.Bit(0) == 0 {
		return nil, fmt.Errorf("%w: exponent must be odd, at least 3 and fit in 31 bits", ErrInvalidKey)
	}
	key := &rsa.PublicKey{N: n, E: int(e.Int64())}
	if err := checkSize(key); err != nil {
		return nil, err
	}
	return key, nil
}

// xmlInt decodes one base64 element into a positive integer.
func xmlInt(name, v string) (*big.Int, error) {
	if v == "" {
		return nil, fmt.Errorf("%w: <%s> is missing or empty", ErrInvalidKey, name)
	}
	raw, err := DecodeBase64(v)
	if err != nil {
		return nil, fmt.Errorf("%w: <%s> is not base64", ErrInvalidKey, name)
	}
	n := new(big.Int).SetBytes(raw)
	if n.Sign() == 0 {
		return nil, fmt.Errorf("%w: <%s> is zero", ErrInvalidKey, name)
	}
	return n, nil
}

func b64Int(n *big.Int) string { return base64.StdEncoding.EncodeToString(n.Bytes()) }
