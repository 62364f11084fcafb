package vivietpaytest_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/thanhtoan/thanhtoan/vivietpay"
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
