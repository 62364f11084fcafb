package vivietpaytest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/thanhtoan/thanhtoan/signing"
)

// The fake's own reading and writing of Ví Việt messages, written apart from
// the client's code so that a signing bug in either shows in the tests.

type field struct{ name, value string }

var b64 = base64.RawURLEncoding

// v1Hash is hex(sha256(secret + "|" + values ordered by name, "|"-joined)).
func v1Hash(secret string, v url.Values) string {
	names := make([]string, 0, len(v))
	for k := range v {
		if k != "secure_hash" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(secret)
	for _, k := range names {
		b.WriteString("|")
		b.WriteString(v.Get(k))
	}
	d := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(d[:])
}

func (s *Server) openV1(v url.Values) (map[string]string, error) {
	sig := v.Get("secure_hash")
	if sig == "" {
		return nil, errors.New("missing secure_hash")
	}
	for k, vals := range v {
		if len(vals) != 1 {
			return nil, fmt.Errorf("parameter %s repeated", k)
		}
	}
	// The published scheme is lowercase hex: the fake, like a gateway that
	// compares the strings it computes, takes no other case.
	want := v1Hash(s.cfg.Secret, v)
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return nil, errors.New("secure_hash does not match")
	}
	out := map[string]string{}
	for k := range v {
		if k != "secure_hash" {
			out[k] = v.Get(k)
		}
	}
	return out, nil
}

func (s *Server) sealV1(fs []field) url.Values {
	v := url.Values{}
	for _, f := range fs {
		if f.value != "" {
			v.Set(f.name, f.value)
		}
	}
	v.Set("secure_hash", v1Hash(s.cfg.Secret, v))
	return v
}

func (s *Server) openV2(v url.Values) (map[string]string, error) {
	if s.cfg.MerchantPublicKey == nil {
		return nil, errors.New("v2 is not configured")
	}
	for _, k := range []string{"merchant_site", "data", "key", "secure_hash"} {
		if len(v[k]) != 1 || v.Get(k) == "" {
			return nil, fmt.Errorf("missing %s", k)
		}
	}
	wrapped, err := b64.DecodeString(v.Get("key"))
	if err != nil {
		return nil, errors.New("key is not base64url")
	}
	//lint:ignore SA1019 the fake plays the gateway's side of RSA PKCS#1 v1.5 key transport.
	sess, err := rsa.DecryptPKCS1v15(nil, s.gatewayKey, wrapped)
	if err != nil || len(sess) != signing.TripleDESKeySize {
		return nil, errors.New("key does not decrypt")
	}
	data, err := b64.DecodeString(v.Get("data"))
	if err != nil {
		return nil, errors.New("data is not base64url")
	}
	js, err := signing.DecryptTripleDESECB(sess, data)
	if err != nil {
		return nil, errors.New("data does not decrypt")
	}
	sig, err := b64.DecodeString(v.Get("secure_hash"))
	if err != nil {
		return nil, errors.New("secure_hash is not base64url")
	}
	if err := signing.VerifySHA256(js, sig, s.cfg.MerchantPublicKey); err != nil {
		return nil, errors.New("secure_hash does not verify")
	}
	var m map[string]string
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("data is not a json object of strings: %v", err)
	}
	m["merchant_site"] = v.Get("merchant_site")
	return m, nil
}

func (s *Server) sealV2(fs []field) (url.Values, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for _, f := range fs {
		if f.value == "" {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(f.name)
		val, _ := json.Marshal(f.value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	js := b.Bytes()
	sess := make([]byte, signing.TripleDESKeySize)
	if _, err := rand.Read(sess); err != nil {
		return nil, err
	}
	data, err := signing.EncryptTripleDESECB(sess, js)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the fake plays the gateway's side of RSA PKCS#1 v1.5 key transport.
	wrapped, err := rsa.EncryptPKCS1v15(rand.Reader, s.cfg.MerchantPublicKey, sess)
	if err != nil {
		return nil, err
	}
	sig, err := signing.SignSHA256(s.gatewayKey, js)
	if err != nil {
		return nil, err
	}
	return url.Values{
		"merchant_site": {s.cfg.MerchantSite},
		"data":          {b64.EncodeToString(data)},
		"key":           {b64.EncodeToString(wrapped)},
		"secure_hash":   {b64.EncodeToString(sig)},
	}, nil
}

func (s *Server) open(v2 bool, v url.Values) (map[string]string, error) {
	if v2 {
		return s.openV2(v)
	}
	return s.openV1(v)
}

func (s *Server) seal(v2 bool, fs []field) (url.Values, error) {
	if v2 {
		return s.sealV2(fs)
	}
	return s.sealV1(fs), nil
}
