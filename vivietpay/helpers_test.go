package vivietpay

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readText(t testing.TB, name string) string {
	return strings.TrimSpace(string(readFile(t, name)))
}

// readParams reads a name=value file of testdata, in order.
func readParams(t testing.TB, name string) []signing.Param {
	t.Helper()
	var ps []signing.Param
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, name)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("%s: bad line %q", name, sc.Text())
		}
		ps = append(ps, signing.Param{Key: k, Value: v})
	}
	return ps
}

func paramsValues(ps []signing.Param) url.Values {
	v := url.Values{}
	for _, p := range ps {
		v.Set(p.Key, p.Value)
	}
	return v
}

// testKeys are the openssl-made keys of testdata.
type testKeys struct {
	merchant *rsa.PrivateKey
	gateway  *rsa.PrivateKey
}

func loadKeys(t testing.TB) testKeys {
	t.Helper()
	m, err := ParsePrivateKey(readFile(t, "merchant.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParsePrivateKey(readFile(t, "gateway.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return testKeys{merchant: m, gateway: g}
}

const (
	testSite   = "TESTSITE"
	testAccess = "TESTACCESS"
)

func v1Client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := New(Config{
		MerchantSite: testSite,
		AccessCode:   testAccess,
		Secret:       signing.NewSecret(readText(t, "v1.secret")),
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func v2Client(t testing.TB, k testKeys, opts ...Option) *Client {
	t.Helper()
	c, err := New(Config{
		MerchantSite: testSite,
		AccessCode:   testAccess,
		MerchantKey:  k.merchant,
		GatewayKeys:  []*rsa.PublicKey{&k.gateway.PublicKey},
	}, append([]Option{WithProtocol(V2)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// vectorOrder is the order of the testdata vectors.
func vectorOrder() Order {
	return Order{
		OrderNo:     "ORDER-1001",
		MerchTxnRef: "REF-20260101-0001",
		Description: "Thanh toán đơn hàng ORDER-1001",
		Amount:      decimal.NewFromInt(150000),
		ReturnURL:   "https://shop.example/vivietpay/return",
		CancelURL:   "https://shop.example/vivietpay/cancel",
		ClientIP:    "203.0.113.7",
	}
}

// gatewayV1 signs params as the gateway would, written apart from the
// package's code: sha256(secret|values by sorted name).
func gatewayV1(secret string, v url.Values) url.Values {
	out := url.Values{}
	keys := make([]string, 0, len(v))
	for k := range v {
		if k != "secure_hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	s := secret
	for _, k := range keys {
		s += "|" + v.Get(k)
		out.Set(k, v.Get(k))
	}
	d := sha256.Sum256([]byte(s))
	out.Set("secure_hash", hex.EncodeToString(d[:]))
	return out
}

// gatewayV2 encrypts js for the merchant and signs it with the gateway key.
func gatewayV2(t testing.TB, k testKeys, site string, js []byte) url.Values {
	t.Helper()
	sess := make([]byte, 24)
	if _, err := rand.Read(sess); err != nil {
		t.Fatal(err)
	}
	data, err := signing.EncryptTripleDESECB(sess, js)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := signing.WrapKeyPKCS1v15(&k.merchant.PublicKey, sess)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signing.SignSHA256(k.gateway, js)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{
		"merchant_site": {site},
		"data":          {b64.EncodeToString(data)},
		"key":           {b64.EncodeToString(wrapped)},
		"secure_hash":   {b64.EncodeToString(sig)},
	}
}

func returnFields(t testing.TB) url.Values {
	return paramsValues(readParams(t, "v1_return.txt"))
}
