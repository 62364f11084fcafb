package vivietpay

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// The fixtures in testdata/fixtures were recorded from the fake (see
// testdata/README.md) and are replayed here through an injected transport.

func fixture(t testing.TB, name string) string { return readText(t, "fixtures/"+name) }

func formResponder(t *testing.T, body string, check func(*http.Request)) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		if check != nil {
			check(req)
		}
		resp := httpmock.NewStringResponse(http.StatusOK, body)
		resp.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		return resp, nil
	}
}

func fixedClock() time.Time { return time.Date(2026, 1, 1, 3, 30, 0, 0, time.UTC) }

func TestReplayV1(t *testing.T) {
	t.Parallel()
	secret := readText(t, "v1.secret")
	mt := httpmock.NewMockTransport()
	c := v1Client(t, WithHTTPClient(&http.Client{Transport: mt}), WithClock(fixedClock))
	ctx := context.Background()

	// The recorded return.
	q, err := url.ParseQuery(fixture(t, "v1_return.query"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.ParseReturn(q, vectorOrder()); err != nil || res.TransactionNo != "VV26010100000001" {
		t.Fatalf("recorded return: %+v %v", res, err)
	}

	// The query: the request is checked as the gateway would check it.
	mt.RegisterResponder(http.MethodGet, "https://viviet.vn/vipay/querydr",
		formResponder(t, fixture(t, "v1_query.answer"), func(req *http.Request) {
			got := req.URL.Query()
			if want := gatewayV1(secret, got); got.Get("secure_hash") != want.Get("secure_hash") {
				t.Errorf("query request hash %s, want %s", got.Get("secure_hash"), want.Get("secure_hash"))
			}
			if got.Get("request_time") != "20260101103000" || got.Get("merch_txn_ref") != "REF-20260101-0001" || got.Get("version") != "1.0" {
				t.Errorf("query request %v", got)
			}
		}))
	res, err := c.Query(ctx, vectorOrder())
	if err != nil || res.Outcome != Succeeded || !res.Amount.Equal(decimal.NewFromInt(150000)) {
		t.Fatalf("query: %+v %v", res, err)
	}

	// The refund, checked the same way.
	mt.RegisterResponder(http.MethodPost, "https://viviet.vn/vipay/refund",
		formResponder(t, fixture(t, "v1_refund.answer"), func(req *http.Request) {
			if err := req.ParseForm(); err != nil {
				t.Error(err)
				return
			}
			if want := gatewayV1(secret, req.PostForm); req.PostForm.Get("secure_hash") != want.Get("secure_hash") {
				t.Errorf("refund request hash differs")
			}
		}))
	rr := RefundRequest{MerchTxnRef: "REF-20260101-0001", RefundRef: "REF-20260101-0001-R1", Amount: decimal.NewFromInt(50000), Reason: "khách trả hàng"}
	ref, err := c.Refund(ctx, rr)
	if err != nil || ref.RefundTransNo == "" || !ref.Amount.Equal(rr.Amount) {
		t.Fatalf("refund: %+v %v", ref, err)
	}
	// The same answer for another amount is a mismatch, for another
	// refund_ref an order mismatch.
	rr2 := rr
	rr2.Amount = decimal.NewFromInt(60000)
	if _, err := c.Refund(ctx, rr2); !errors.Is(err, ErrAmountMismatch) {
		t.Fatalf("refund amount mismatch: %v", err)
	}
	rr3 := rr
	rr3.RefundRef = "OTHER"
	if _, err := c.Refund(ctx, rr3); !errors.Is(err, ErrOrderMismatch) {
		t.Fatalf("refund ref mismatch: %v", err)
	}
	// A tampered answer is refused.
	mt.RegisterResponder(http.MethodGet, "https://viviet.vn/vipay/querydr",
		formResponder(t, strings.Replace(fixture(t, "v1_query.answer"), "total_amount=150000", "total_amount=1500", 1), nil))
	if _, err := c.Query(ctx, vectorOrder()); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("tampered query answer: %v", err)
	}
}

func TestReplayV2(t *testing.T) {
	t.Parallel()
	k := loadKeys(t)
	mt := httpmock.NewMockTransport()
	c := v2Client(t, k, WithHTTPClient(&http.Client{Transport: mt}), WithClock(fixedClock))
	ctx := context.Background()
	q, err := url.ParseQuery(fixture(t, "v2_return.query"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ParseReturn(q, vectorOrder()); err != nil {
		t.Fatalf("recorded return: %v", err)
	}
	mt.RegisterResponder(http.MethodGet, "https://viviet.vn/vipay_v2/querydr",
		formResponder(t, fixture(t, "v2_query.answer"), func(req *http.Request) {
			// The gateway's side: decrypt with its key, verify the merchant's.
			got := req.URL.Query()
			wrapped, _ := b64.DecodeString(got.Get("key"))
			sess, err := signing.UnwrapKeyPKCS1v15(k.gateway, wrapped, 24)
			if err != nil {
				t.Error(err)
				return
			}
			ct, _ := b64.DecodeString(got.Get("data"))
			js, err := signing.DecryptTripleDESECB(sess, ct)
			if err != nil {
				t.Errorf("query data: %v", err)
				return
			}
			if err := signing.VerifySHA256Base64(js, got.Get("secure_hash"), &k.merchant.PublicKey); err != nil {
				t.Errorf("query signature: %v", err)
			}
			if !strings.Contains(string(js), `"merch_txn_ref":"REF-20260101-0001"`) {
				t.Errorf("query json %s", js)
			}
		}))
	if res, err := c.Query(ctx, vectorOrder()); err != nil || res.Outcome != Succeeded {
		t.Fatalf("query: %v", err)
	}
	mt.RegisterResponder(http.MethodPost, "https://viviet.vn/vipay_v2/refund", formResponder(t, fixture(t, "v2_refund.answer"), nil))
	rr := RefundRequest{MerchTxnRef: "REF-20260101-0001", RefundRef: "REF-20260101-0001-R1", Amount: decimal.NewFromInt(50000), Reason: "khách trả hàng"}
	if ref, err := c.Refund(ctx, rr); err != nil || ref.Outcome != Succeeded {
		t.Fatalf("refund: %v", err)
	}
	// A v1 client cannot read a v2 answer, and the reverse.
	mt.RegisterResponder(http.MethodGet, "https://viviet.vn/vipay_v2/querydr", formResponder(t, fixture(t, "v1_query.answer"), nil))
	if _, err := c.Query(ctx, vectorOrder()); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("v1 answer to a v2 client: %v", err)
	}
}

// TestRetryPolicy: queries are retried after 5xx, refunds never.
func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	c := v1Client(t, WithHTTPClient(&http.Client{Transport: mt}), WithQueryRetries(2))
	mt.RegisterResponder(http.MethodGet, "https://viviet.vn/vipay/querydr", httpmock.NewStringResponder(http.StatusBadGateway, "down"))
	mt.RegisterResponder(http.MethodPost, "https://viviet.vn/vipay/refund", httpmock.NewStringResponder(http.StatusBadGateway, "down"))
	ctx := context.Background()
	_, err := c.Query(ctx, vectorOrder())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusBadGateway || !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("query: %v", err)
	}
	_, err = c.Refund(ctx, RefundRequest{MerchTxnRef: "R", RefundRef: "R-1", Amount: decimal.NewFromInt(1000), Reason: "x"})
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("refund: %v", err)
	}
	calls := mt.GetCallCountInfo()
	if q, r := calls["GET https://viviet.vn/vipay/querydr"], calls["POST https://viviet.vn/vipay/refund"]; q != 3 || r != 1 {
		t.Fatalf("query sent %d times (want 3), refund %d times (want 1)", q, r)
	}
	// A cancelled context stops at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	before := mt.GetTotalCallCount()
	if _, err := c.Query(cctx, vectorOrder()); !errors.Is(err, context.Canceled) || mt.GetTotalCallCount() != before {
		t.Fatalf("cancelled query: %v", err)
	}
	// Cancelled while waiting to retry: no further attempt.
	cctx2, cancel2 := context.WithCancel(ctx)
	defer cancel2()
	mt.RegisterResponder(http.MethodGet, "https://viviet.vn/vipay/querydr", func(*http.Request) (*http.Response, error) {
		cancel2()
		return httpmock.NewStringResponse(http.StatusBadGateway, "down"), nil
	})
	before = mt.GetTotalCallCount()
	if _, err := c.Query(cctx2, vectorOrder()); err == nil || mt.GetTotalCallCount() != before+1 {
		t.Fatalf("cancel during retries: %v, %d calls", err, mt.GetTotalCallCount()-before)
	}
	// An oversized answer is refused.
	mt.RegisterResponder(http.MethodGet, "https://viviet.vn/vipay/querydr", httpmock.NewStringResponder(http.StatusOK, strings.Repeat("a", maxBodyBytes+10)))
	if _, err := c.Query(ctx, vectorOrder()); !errors.Is(err, ErrMalformed) {
		t.Fatalf("huge answer: %v", err)
	}
}

func TestRequestRefusals(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	c := v1Client(t, WithHTTPClient(&http.Client{Transport: mt}))
	ctx := context.Background()
	bad := []RefundRequest{
		{MerchTxnRef: "", RefundRef: "R1", Amount: decimal.NewFromInt(1), Reason: "x"},
		{MerchTxnRef: "R", RefundRef: "", Amount: decimal.NewFromInt(1), Reason: "x"},
		{MerchTxnRef: "R", RefundRef: "R1", Amount: decimal.Zero, Reason: "x"},
		{MerchTxnRef: "R", RefundRef: "R1", Amount: decimal.RequireFromString("0.5"), Reason: "x"},
		{MerchTxnRef: "R", RefundRef: "R1", Amount: decimal.NewFromInt(1), Reason: ""},
		{MerchTxnRef: "R", RefundRef: "R1", Amount: decimal.NewFromInt(1), Reason: "a|b"},
	}
	for i, rr := range bad {
		if _, err := c.Refund(ctx, rr); !errors.Is(err, ErrInvalidRequest) || !strings.HasPrefix(err.Error(), "vivietpay: refund: ") {
			t.Errorf("%d: %v", i, err)
		}
	}
	o := vectorOrder()
	o.Amount = decimal.NewFromInt(-1)
	if _, err := c.Query(ctx, o); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("query bad amount: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Fatalf("%d requests sent for invalid input", n)
	}
}
