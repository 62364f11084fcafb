package vivietpaytest_test

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

// TestOrderEncodingsAsPublished: the fake takes an order only in the
// encodings Ví Việt's published material gives (GATEWAYS.md, Ví Việt):
// v1 secure_hash is "lowercase hex SHA-256"; v2 data, key and secure_hash
// are "all base64url without padding". A client that wrote another form
// must fail here, as it would at the real gateway, not pass the fake.
func TestOrderEncodingsAsPublished(t *testing.T) {
	t.Parallel()
	reencode := func(v string) string {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			t.Fatalf("the client's value is not base64url without padding: %v", err)
		}
		return base64.StdEncoding.EncodeToString(raw)
	}
	cases := []struct {
		name  string
		proto vivietpay.Protocol
		edit  func(url.Values)
	}{
		{"v1 upper-case hex", vivietpay.V1, func(q url.Values) { q.Set("secure_hash", strings.ToUpper(q.Get("secure_hash"))) }},
		{"v2 padded standard base64 secure_hash", vivietpay.V2, func(q url.Values) { q.Set("secure_hash", reencode(q.Get("secure_hash"))) }},
		{"v2 padded standard base64 key", vivietpay.V2, func(q url.Values) { q.Set("key", reencode(q.Get("key"))) }},
		{"v2 padded standard base64 data", vivietpay.V2, func(q url.Values) { q.Set("data", reencode(q.Get("data"))) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.proto, nil)
			link, err := e.client.CheckoutURL(order(10_000))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(link)
			q := u.Query()
			tc.edit(q)
			if q.Encode() == u.Query().Encode() {
				t.Fatal("the edit changed nothing")
			}
			u.RawQuery = q.Encode()
			page, err := e.srv.NewPayer().Open(context.Background(), u.String())
			if err != nil || page.Status != http.StatusBadRequest || page.Code() != "03" {
				t.Fatalf("re-encoded order taken: %v %d %s", err, page.Status, page.Body)
			}
			// The order as the client wrote it is taken (the refusal above
			// did not use up its merch_txn_ref).
			if page, err := e.srv.NewPayer().Open(context.Background(), link); err != nil || page.Status != http.StatusOK {
				t.Fatalf("the client's own order: %v %d", err, page.Status)
			}
		})
	}
}

// captured keeps the client's requests and answers none of them.
type captured struct{ reqs []*http.Request }

func (c *captured) RoundTrip(r *http.Request) (*http.Response, error) {
	c.reqs = append(c.reqs, r)
	return nil, errors.New("captured")
}

// FuzzFakeEndpoints feeds the fake's order, query and refund endpoints any
// query and form body: the fake's own parsers of the client's messages. It
// must answer 4xx to what does not verify, never 5xx, never panic; and
// what it takes must verify by this test's own reading of the scheme.
func FuzzFakeEndpoints(f *testing.F) {
	ks, err := testKeys()
	if err != nil {
		f.Fatal(err)
	}
	srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: site, AccessCode: access, Secret: secret,
		MerchantPublicKey: &ks[0].PublicKey, GatewayKey: ks[1]})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.Config.Handler
	const (
		orderV1 = iota
		orderV2
		queryV1
		queryV2
		refundV1
		refundV2
		endpoints
	)
	paths := [endpoints]string{"/vipay/ecommerce", "/vipay_v2/initpay", "/vipay/querydr", "/vipay_v2/querydr", "/vipay/refund", "/vipay_v2/refund"}
	// The v2 seeds' decoded values: a v2 message the fake takes must carry
	// exactly these bytes (base64 may be written otherwise).
	v2Seeds := map[[3]string]bool{}
	decoded := func(q url.Values) ([3]string, bool) {
		var out [3]string
		for i, k := range []string{"data", "key", "secure_hash"} {
			b, err := signing.DecodeBase64(q.Get(k))
			if err != nil {
				return out, false
			}
			out[i] = string(b)
		}
		return out, true
	}
	for i, p := range []vivietpay.Protocol{vivietpay.V1, vivietpay.V2} {
		capt := &captured{}
		c, err := vivietpay.New(vivietpay.Config{MerchantSite: site, AccessCode: access, Secret: signing.NewSecret(secret),
			MerchantKey: ks[0], GatewayKeys: []*rsa.PublicKey{srv.GatewayPublicKey()}},
			vivietpay.WithProtocol(p), vivietpay.WithBaseURL(srv.URL), vivietpay.WithHTTPClient(&http.Client{Transport: capt}),
			vivietpay.WithQueryRetries(0))
		if err != nil {
			f.Fatal(err)
		}
		o := order(10_000)
		link, err := c.CheckoutURL(o)
		if err != nil {
			f.Fatal(err)
		}
		u, _ := url.Parse(link)
		f.Add(uint8(orderV1+i), u.RawQuery, "")
		_, _ = c.Query(context.Background(), o)
		_, _ = c.Refund(context.Background(), vivietpay.RefundRequest{MerchTxnRef: o.MerchTxnRef, RefundRef: o.MerchTxnRef + "-R1",
			Amount: decimal.NewFromInt(5_000), Reason: "hoàn tiền"})
		if len(capt.reqs) != 2 {
			f.Fatalf("captured %d requests", len(capt.reqs))
		}
		f.Add(uint8(queryV1+i), capt.reqs[0].URL.RawQuery, "")
		body, _ := io.ReadAll(capt.reqs[1].Body)
		f.Add(uint8(refundV1+i), "", string(body))
		if p == vivietpay.V2 {
			for _, raw := range []string{u.RawQuery, capt.reqs[0].URL.RawQuery, string(body)} {
				q, _ := url.ParseQuery(raw)
				d, ok := decoded(q)
				if !ok {
					f.Fatalf("seed %q", raw)
				}
				v2Seeds[d] = true
			}
		}
	}
	f.Add(uint8(orderV1), "secure_hash=00&merchant_site="+site, "")
	f.Add(uint8(orderV2), "merchant_site="+site+"&data=AA&key=AA&secure_hash=AA", "")
	f.Add(uint8(refundV1), "", "a=%zz&secure_hash=")
	f.Fuzz(func(t *testing.T, which uint8, rawQuery, body string) {
		ep := int(which) % endpoints
		method, target := http.MethodGet, paths[ep]+"?"+rawQuery
		if ep >= refundV1 {
			method, target = http.MethodPost, paths[ep]
		}
		r := httptest.NewRequest(method, "http://fake.test/", strings.NewReader(body))
		u, err := url.Parse(target)
		if err != nil {
			return
		}
		r.URL = u
		r.RequestURI = ""
		if method == http.MethodPost {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		taken := w.Code == http.StatusOK && ep >= queryV1 || w.Code == http.StatusSeeOther && ep <= orderV2
		switch {
		case w.Code >= 500:
			t.Fatalf("%s %s: status %d", method, target, w.Code)
		case !taken && w.Code != http.StatusBadRequest && !(w.Code == http.StatusOK && ep <= orderV2):
			t.Fatalf("%s %s: status %d", method, target, w.Code)
		}
		if !taken {
			return
		}
		q := r.URL.Query()
		if ep >= refundV1 {
			q, _ = url.ParseQuery(body)
		}
		if ep%2 == 0 { // v1
			if want := v1Sign(q); q.Get("secure_hash") != want {
				t.Fatalf("took %s %s %q: secure_hash %s, want %s", method, target, body, q.Get("secure_hash"), want)
			}
			return
		}
		if d, ok := decoded(q); !ok || !v2Seeds[d] {
			t.Fatalf("took a v2 message the client did not write: %s %s %q", method, target, body)
		}
	})
}

// v1Sign is this test's own reading of the v1 scheme: lowercase hex of
// SHA-256 over the secret, then "|" and each value but secure_hash's,
// ordered by name.
func v1Sign(q url.Values) string {
	names := make([]string, 0, len(q))
	for k := range q {
		if k != "secure_hash" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	h := sha256.New()
	io.WriteString(h, secret)
	for _, k := range names {
		io.WriteString(h, "|"+q.Get(k))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestFakeTakesOpenSSLOrders: the fake verifies orders signed outside the
// project (vivietpay/testdata/gen.sh: openssl over the published schemes),
// not only the client's.
func TestFakeTakesOpenSSLOrders(t *testing.T) {
	t.Parallel()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	merchant, err := vivietpay.ParsePrivateKey([]byte(read("merchant.key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	gateway, err := vivietpay.ParsePrivateKey([]byte(read("gateway.key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "TESTSITE", AccessCode: "TESTACCESS", Secret: read("v1.secret"),
		MerchantPublicKey: &merchant.PublicKey, GatewayKey: gateway})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() }) // the last one; the others are closed below

	// v1: the parameters of v1_order.txt with openssl's secure_hash.
	v1 := url.Values{}
	for _, line := range strings.Split(read("v1_order.txt"), "\n") {
		k, v, _ := strings.Cut(line, "=")
		v1.Set(k, v)
	}
	v1.Set("secure_hash", read("v1_order.secure_hash"))
	// v2: openssl's 3DES data and signature; the fixed 3DES key, wrapped
	// for the gateway here (gen.sh makes no wrapped key for the order).
	key, err := hex.DecodeString(read("v2_order.3deskey.hex"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := signing.WrapKeyPKCS1v15(&gateway.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	v2 := url.Values{"merchant_site": {"TESTSITE"}, "data": {read("v2_order.data")},
		"key": {base64.RawURLEncoding.EncodeToString(wrapped)}, "secure_hash": {read("v2_order.secure_hash")}}

	for _, tc := range []struct {
		path string
		q    url.Values
	}{{"/vipay/ecommerce", v1}, {"/vipay_v2/initpay", v2}} {
		page, err := srv.NewPayer().Open(context.Background(), srv.URL+tc.path+"?"+tc.q.Encode())
		if err != nil || page.Status != http.StatusOK || !strings.Contains(page.Body, "150.000") {
			t.Fatalf("%s: openssl's order refused: %v %d %s", tc.path, err, page.Status, page.Body)
		}
		p, ok := srv.Payment("REF-20260101-0001")
		if !ok || p.Amount != 150000 || p.OrderNo != "ORDER-1001" {
			t.Fatalf("%s: payment %+v", tc.path, p)
		}
		// The same order with one value changed is refused.
		bad := url.Values{}
		for k, v := range tc.q {
			bad[k] = v
		}
		if tc.path == "/vipay/ecommerce" {
			bad.Set("total_amount", "15000")
		} else {
			bad.Set("secure_hash", read("v2_return.secure_hash"))
		}
		page, err = srv.NewPayer().Open(context.Background(), srv.URL+tc.path+"?"+bad.Encode())
		if err != nil || page.Status != http.StatusBadRequest || page.Code() != "03" {
			t.Fatalf("%s: changed order taken: %v %d", tc.path, err, page.Status)
		}
		// The next protocol's order reuses the reference: start afresh.
		srv.Close()
		srv, err = vivietpaytest.New(vivietpaytest.Config{MerchantSite: "TESTSITE", AccessCode: "TESTACCESS", Secret: read("v1.secret"),
			MerchantPublicKey: &merchant.PublicKey, GatewayKey: gateway})
		if err != nil {
			t.Fatal(err)
		}
	}
}
