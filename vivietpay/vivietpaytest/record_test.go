package vivietpaytest_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

// recorder keeps the bodies of the fake's answers to the client.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	got  map[string][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	r.got[req.URL.Path] = b
	r.mu.Unlock()
	return resp, nil
}

// TestRecordFixtures rewrites vivietpay/testdata/fixtures from the fake,
// with the credentials of vivietpay/testdata. Run it with
// VIVIETPAY_RECORD=1 go test -run TestRecordFixtures ./vivietpay/vivietpaytest
func TestRecordFixtures(t *testing.T) {
	if os.Getenv("VIVIETPAY_RECORD") == "" {
		t.Skip("set VIVIETPAY_RECORD=1 to record fixtures")
	}
	td := filepath.Join("..", "testdata")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(td, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	merchant, err := vivietpay.ParsePrivateKey(read("merchant.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	gateway, err := vivietpay.ParsePrivateKey(read("gateway.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(string(read("v1.secret")))
	clock := func() time.Time { return time.Date(2026, 1, 1, 3, 30, 0, 0, time.UTC) }
	out := filepath.Join(td, "fixtures")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []vivietpay.Protocol{vivietpay.V1, vivietpay.V2} {
		srv, err := vivietpaytest.New(vivietpaytest.Config{MerchantSite: "TESTSITE", AccessCode: "TESTACCESS", Secret: secret,
			MerchantPublicKey: &merchant.PublicKey, GatewayKey: gateway, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		srv.AddAccount(vivietpaytest.Account{Phone: "0912000001", Password: "123456", Balance: 1_000_000})
		rec := &recorder{next: srv.Client().Transport, got: map[string][]byte{}}
		c, err := vivietpay.New(vivietpay.Config{MerchantSite: "TESTSITE", AccessCode: "TESTACCESS", Secret: signing.NewSecret(secret),
			MerchantKey: merchant, GatewayKeys: []*rsa.PublicKey{&gateway.PublicKey}},
			vivietpay.WithProtocol(p), vivietpay.WithBaseURL(srv.URL), vivietpay.WithHTTPClient(&http.Client{Transport: rec}), vivietpay.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		o := vivietpay.Order{OrderNo: "ORDER-1001", MerchTxnRef: "REF-20260101-0001", Description: "Thanh toán đơn hàng ORDER-1001",
			Amount: decimal.NewFromInt(150000), ReturnURL: "https://shop.example/vivietpay/return", CancelURL: "https://shop.example/vivietpay/cancel"}
		link, err := c.CheckoutURL(o)
		if err != nil {
			t.Fatal(err)
		}
		page, err := srv.Pay(context.Background(), link, "0912000001", "123456")
		if err != nil {
			t.Fatal(err)
		}
		back, err := page.ReturnURL()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Query(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Refund(context.Background(), vivietpay.RefundRequest{MerchTxnRef: o.MerchTxnRef, RefundRef: "REF-20260101-0001-R1",
			Amount: decimal.NewFromInt(50000), Reason: "khách trả hàng"}); err != nil {
			t.Fatal(err)
		}
		name := p.String()
		files := map[string][]byte{
			name + "_return.query":  []byte(back.RawQuery),
			name + "_query.answer":  rec.got["/vipay/querydr"],
			name + "_refund.answer": rec.got["/vipay/refund"],
		}
		if p == vivietpay.V2 {
			files[name+"_query.answer"] = rec.got["/vipay_v2/querydr"]
			files[name+"_refund.answer"] = rec.got["/vipay_v2/refund"]
		}
		for f, b := range files {
			if len(b) == 0 {
				t.Fatalf("nothing recorded for %s", f)
			}
			if err := os.WriteFile(filepath.Join(out, f), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
