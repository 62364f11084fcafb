package vivietpay

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Parameter names of the envelope.
const (
	pSecureHash   = "secure_hash"
	pMerchantSite = "merchant_site"
	pData         = "data"
	pKey          = "key"
)

// Limits on outside input.
const (
	maxParams     = 64
	maxValueLen   = 4096
	maxBodyBytes  = 64 << 10
	maxDataBase64 = 48 << 10
)

// b64 is the encoding of every v2 binary value: base64url without padding
// (Apache commons-codec encodeBase64URLSafeString in the public sample).
var b64 = base64.RawURLEncoding

// V1Canonical is the string whose SHA-256 is the v1 secure_hash: the secret,
// then the values of params ordered by parameter name (byte order), all
// joined with "|". secure_hash itself is left out. It is exported for
// debugging "wrong signature" reports: pass a redacted secret to show it.
func V1Canonical(secret string, params []signing.Param) string {
	kept := make([]signing.Param, 0, len(params))
	for _, p := range params {
		if p.Key != pSecureHash {
			kept = append(kept, p)
		}
	}
	signing.SortParams(kept)
	b := make([]byte, 0, 256)
	b = append(b, secret...)
	for _, p := range kept {
		b = append(b, '|')
		b = append(b, p.Value...)
	}
	return string(b)
}

// sealV1 returns params with their secure_hash added.
func (c *Client) sealV1(params []signing.Param) url.Values {
	v := make(url.Values, len(params)+1)
	for _, p := range params {
		v.Set(p.Key, p.Value)
	}
	d := sha256.Sum256([]byte(V1Canonical(c.cfg.Secret.Reveal(), params)))
	v.Set(pSecureHash, signing.Hex(signing.Lower, d[:]))
	return v
}

// sealV2 returns the four v2 parameters for the JSON object of fields: data
// (the JSON under a fresh 3DES key), key (that key under the gateway's RSA
// key), secure_hash (SHA256withRSA over the JSON by the merchant's key).
func (c *Client) sealV2(fields []signing.Param) (url.Values, []byte, error) {
	js := encodeFlatJSON(fields)
	sess, err := signing.NewTripleDESKey(nil)
	if err != nil {
		return nil, nil, err
	}
	data, err := signing.EncryptTripleDESECB(sess, js)
	if err != nil {
		return nil, nil, err
	}
	wrapped, err := signing.WrapKeyPKCS1v15(c.cfg.GatewayKeys[0], sess)
	if err != nil {
		return nil, nil, err
	}
	sig, err := signing.SignSHA256(c.cfg.MerchantKey, js)
	if err != nil {
		return nil, nil, err
	}
	v := url.Values{}
	v.Set(pMerchantSite, c.cfg.MerchantSite)
	v.Set(pData, b64.EncodeToString(data))
	v.Set(pKey, b64.EncodeToString(wrapped))
	v.Set(pSecureHash, b64.EncodeToString(sig))
	return v, js, nil
}

// fields is a verified message: its parameters, sorted by name.
type fields []signing.Param

// lookup finds a field; messages are small, a scan is fastest.
func (f fields) lookup(name string) (string, bool) {
	for _, p := range f {
		if p.Key == name {
			return p.Value, true
		}
	}
	return "", false
}

func (f fields) get(name string) string {
	v, _ := f.lookup(name)
	return v
}

// open verifies a message in the client's protocol and returns its fields.
// Nothing is read from the message before its signature is checked.
// dst is where a v1 message's fields go when it has room (a caller's stack
// buffer).
func (c *Client) open(op string, v url.Values, dst fields) (fields, error) {
	if c.protocol == V2 {
		return c.openV2(op, v)
	}
	return c.openV1(op, v, dst)
}

// openV1 checks the secure_hash over every parameter but secure_hash.
func (c *Client) openV1(op string, v url.Values, dst fields) (fields, error) {
	if len(v) == 0 {
		return nil, errorf(op, ErrInvalidSignature, "no parameters")
	}
	if len(v) > maxParams {
		return nil, errorf(op, ErrMalformed, "%d parameters, at most %d", len(v), maxParams)
	}
	var sig string
	// Collect on the stack and sort an index (no pointers moved, so no GC
	// write barriers); copy to the heap once, in order, once verified.
	var stack [16]signing.Param
	params := stack[:0]
	if len(v) > len(stack) {
		params = make([]signing.Param, 0, len(v))
	}
	for k, vals := range v {
		if len(vals) != 1 {
			return nil, errorf(op, ErrMalformed, "parameter %q appears %d times", k, len(vals))
		}
		val := vals[0]
		if len(val) > maxValueLen {
			return nil, errorf(op, ErrMalformed, "parameter %q longer than %d bytes", k, maxValueLen)
		}
		if k == pSecureHash {
			sig = val
			continue
		}
		// A "|" in a value could move a field boundary without changing
		// the signed string.
		if strings.IndexByte(val, '|') >= 0 {
			return nil, errorf(op, ErrMalformed, "parameter %q holds the separator |", k)
		}
		params = append(params, signing.Param{Key: k, Value: val})
	}
	if sig == "" {
		return nil, errorf(op, ErrInvalidSignature, "missing secure_hash")
	}
	var idx [maxParams]uint8
	order := idx[:len(params)]
	for i := range order {
		order[i] = uint8(i)
		for j := i; j > 0 && params[order[j]].Key < params[order[j-1]].Key; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	// The signed string is built in a stack buffer (it grows to the heap
	// only for unusually long messages) and hashed in one call.
	var buf [1024]byte
	b := append(buf[:0], c.cfg.Secret.Reveal()...)
	for _, i := range order {
		b = append(b, '|')
		b = append(b, params[i].Value...)
	}
	d := sha256.Sum256(b)
	if !signing.EqualHexDigest(sig, d[:]) {
		return nil, errorf(op, ErrInvalidSignature, "secure_hash does not match")
	}
	out := dst[:0]
	if cap(out) < len(order) {
		out = make(fields, 0, len(order))
	}
	for _, i := range order {
		out = append(out, params[i])
	}
	return out, nil
}

// sortParams is an insertion sort by key: messages are small, and it does
// not allocate.
func sortParams(p []signing.Param) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Key < p[j-1].Key; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// openV2 decrypts data, verifies secure_hash over the decrypted JSON with
// the gateway's keys, then reads the JSON.
func (c *Client) openV2(op string, v url.Values) (fields, error) {
	get := func(name string) (string, error) {
		vals := v[name]
		switch {
		case len(vals) == 0 || vals[0] == "":
			return "", errorf(op, ErrInvalidSignature, "missing %s", name)
		case len(vals) > 1:
			return "", errorf(op, ErrMalformed, "parameter %q appears %d times", name, len(vals))
		case len(vals[0]) > maxDataBase64:
			return "", errorf(op, ErrMalformed, "parameter %q longer than %d bytes", name, maxDataBase64)
		}
		return vals[0], nil
	}
	site, err := get(pMerchantSite)
	if err != nil {
		return nil, err
	}
	dataB64, err := get(pData)
	if err != nil {
		return nil, err
	}
	keyB64, err := get(pKey)
	if err != nil {
		return nil, err
	}
	sigB64, err := get(pSecureHash)
	if err != nil {
		return nil, err
	}
	js, err := c.decryptV2(dataB64, keyB64)
	if err != nil {
		return nil, wrapErr(op, ErrInvalidSignature, err, err.Error())
	}
	sig, err := signing.DecodeBase64(sigB64)
	if err != nil {
		return nil, errorf(op, ErrInvalidSignature, "secure_hash is not base64")
	}
	if err := signing.VerifySHA256(js, sig, c.cfg.GatewayKeys...); err != nil {
		return nil, errorf(op, ErrInvalidSignature, "secure_hash does not verify with the gateway's keys")
	}
	// Verified: now read it.
	f, err := decodeFlatJSON(js)
	if err != nil {
		return nil, wrapErr(op, ErrMalformed, err, err.Error())
	}
	// The merchant must be inside what the gateway signed: the outer
	// merchant_site is not signed, so another merchant holding a result
	// the gateway signed for them could otherwise re-encrypt it for us
	// under our merchant_site (a payment to themselves, for our order).
	inner, ok := f.lookup(pMerchantSite)
	if !ok {
		return nil, errorf(op, ErrInvalidSignature, "merchant_site is not in the signed data")
	}
	if inner != site {
		return nil, errorf(op, ErrOrderMismatch, "merchant_site %q outside the data, %q inside", site, inner)
	}
	return f, nil
}

// errNoDecrypt is the one error for every decryption failure, so that the
// failures cannot be told apart (no padding oracle).
var errNoDecrypt = errors.New("data does not decrypt with the merchant key")

// decryptV2 unwraps the 3DES key with the merchant's private key and
// decrypts data with it.
func (c *Client) decryptV2(dataB64, keyB64 string) ([]byte, error) {
	wrapped, err := signing.DecodeBase64(keyB64)
	if err != nil {
		return nil, errors.New("key is not base64")
	}
	data, err := signing.DecodeBase64(dataB64)
	if err != nil {
		return nil, errors.New("data is not base64")
	}
	if len(wrapped) != c.cfg.MerchantKey.Size() {
		return nil, fmt.Errorf("key is %d bytes, want %d (truncated or for another key)", len(wrapped), c.cfg.MerchantKey.Size())
	}
	if len(data) == 0 || len(data)%8 != 0 {
		return nil, fmt.Errorf("data is %d bytes, not a whole number of 3des blocks (truncated?)", len(data))
	}
	sess, err := signing.UnwrapKeyPKCS1v15(c.cfg.MerchantKey, wrapped, signing.TripleDESKeySize)
	if err != nil {
		return nil, errNoDecrypt
	}
	js, err := signing.DecryptTripleDESECB(sess, data)
	if err != nil {
		return nil, errNoDecrypt
	}
	return js, nil
}

// encodeFlatJSON writes fields as one JSON object of strings, in the order
// given, without HTML escaping (as Jackson writes it).
func encodeFlatJSON(fs []signing.Param) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	out := make([]byte, 0, 512)
	out = append(out, '{')
	for i, f := range fs {
		if i > 0 {
			out = append(out, ',')
		}
		b.Reset()
		_ = enc.Encode(f.Key) // strings always encode
		out = append(out, bytes.TrimRight(b.Bytes(), "\n")...)
		out = append(out, ':')
		b.Reset()
		_ = enc.Encode(f.Value)
		out = append(out, bytes.TrimRight(b.Bytes(), "\n")...)
	}
	return append(out, '}')
}

// decodeFlatJSON reads one JSON object whose values are strings, numbers
// (kept as written) or null (left out). Keys are matched without regard to
// case (the gateway is a .NET/Java service) and must be unique.
func decodeFlatJSON(js []byte) (fields, error) {
	if !utf8.Valid(js) {
		return nil, errors.New("json is not utf-8")
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("bad json: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("json is not an object")
	}
	f := fields{}
	seen := make(map[string]bool)
	for dec.More() {
		if len(f) >= maxParams {
			return nil, fmt.Errorf("more than %d fields", maxParams)
		}
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("bad json: %v", err)
		}
		key := strings.ToLower(kt.(string))
		vt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("bad json: %v", err)
		}
		var val string
		switch x := vt.(type) {
		case string:
			val = x
		case json.Number:
			val = x.String()
		case nil:
			continue
		case bool:
			val = fmt.Sprint(x)
		default:
			return nil, fmt.Errorf("field %q is not a string or number", key)
		}
		if len(val) > maxValueLen {
			return nil, fmt.Errorf("field %q longer than %d bytes", key, maxValueLen)
		}
		if seen[key] {
			return nil, fmt.Errorf("field %q appears twice", key)
		}
		seen[key] = true
		f = append(f, signing.Param{Key: key, Value: val})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("bad json: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the json object")
	}
	sortParams(f)
	return f, nil
}
