package vtcpaytest

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the vtcpay/testdata/fake-* fixtures")

// fixtureDir is the client package's testdata, where the recorded fixtures
// live for its replay tests.
const fixtureDir = "../testdata"

// recordFixtures plays a fixed scenario on the fake with the default test
// credentials, a fixed clock and trans_ref_no from 100001, and returns the
// fake's outputs by file name, byte for byte (no trailing newline: the .query
// and .form files parse as they are).
func recordFixtures(t *testing.T) map[string][]byte {
	t.Helper()
	clock := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("ICT", 7*3600)) }
	s := NewTestServer(t, Config{}, WithClock(clock), WithoutNotify())
	out := map[string][]byte{}

	pay := func(ref, amount string, status int) string {
		t.Helper()
		return paid(t, s, ref, amount, status).RawQuery
	}
	ipn := func(ref string) []byte {
		t.Helper()
		form, err := s.Notification(ref)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(form.Encode()) // what Notify and Deliver POST
	}

	out["fake-return.query"] = []byte(pay("ORDER-1", "150000", StatusSuccess))
	out["fake-ipn.form"] = ipn("ORDER-1")
	out["fake-return-cancel.query"] = []byte(pay("ORDER-2", "150000", StatusCancelled))
	out["fake-ipn-cancel.form"] = ipn("ORDER-2")
	pay("ORDER-3", "20000", StatusReview)
	out["fake-ipn-review.form"] = ipn("ORDER-3")

	_, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, map[string]string{
		"amount": "150000", "currency": "EUR", "reference_number": "ORDER-4", "website_id": "123456",
		"url_return": "https://shop.example/return",
	}), StatusSuccess)
	ce, ok := err.(*CheckoutError)
	if !ok || ce.ReturnURL == nil {
		t.Fatalf("refused checkout: %v", err)
	}
	out["fake-return-refused.query"] = []byte(ce.ReturnURL.RawQuery)

	pipe := NewTestServer(t, Config{}, WithClock(clock), WithoutNotify(), WithMessage(StatusSuccess, "Thành công|extra"))
	paid(t, pipe, "ORDER-1", "150000", StatusSuccess)
	form, err := pipe.Notification("ORDER-1")
	if err != nil {
		t.Fatal(err)
	}
	out["fake-ipn-pipe.form"] = []byte(form.Encode())

	api := func(name, op string, req any) {
		t.Helper()
		body, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		code, resp := postAPI(t, s, op, body)
		if code != http.StatusOK {
			t.Fatalf("%s: HTTP %d", name, code)
		}
		out["fake-"+name+"-request.json"] = body
		out["fake-"+name+"-response.json"] = resp
	}
	api("orderstatus", EndpointOrderStatus, statusRequest("ORDER-1", "ORDER-3", "NOPE"))
	api("salehistory", EndpointSaleHistory, map[string]any{
		"revceiverAccount": DefaultReceiverAccount, "intergratedID": DefaultWebsiteID, "merchantType": "WEBSITE",
		"fromDate": "2026-11-23", "toDate": "2026-11-23",
		"sign": apiSignFor(DefaultReceiverAccount, "123456", "WEBSITE", "2026-11-23", "2026-11-23"),
	})
	refund := func(items ...map[string]any) map[string]any {
		r := statusRequest()
		r["listMerchantOrderCode"] = items
		return r
	}
	api("refund", EndpointRefund, refund(map[string]any{"refundAmount": 50000, "orderCode": "ORDER-1"}))
	api("refund-rejected", EndpointRefund, refund(
		map[string]any{"refundAmount": 100001, "orderCode": "ORDER-1"},
		map[string]any{"refundAmount": 1000, "orderCode": "ORDER-2"},
		map[string]any{"refundAmount": 1000, "orderCode": "NOPE"},
	))
	bad := statusRequest("ORDER-1")
	bad["sign"] = md5Lower("wrong")
	api("invalid-sign", EndpointOrderStatus, bad)
	return out
}

// TestRecordFixtures rewrites the fixtures: go test ./vtcpay/vtcpaytest -run TestRecordFixtures -update
func TestRecordFixtures(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite vtcpay/testdata/fake-*")
	}
	for name, b := range recordFixtures(t) {
		if err := os.WriteFile(filepath.Join(fixtureDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The committed fixtures are what the fake produces today, and they verify
// by the tests' own signing code.
func TestFixtures(t *testing.T) {
	t.Parallel()
	want := recordFixtures(t)
	committed, err := filepath.Glob(filepath.Join(fixtureDir, "fake-*"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range committed {
		names = append(names, filepath.Base(p))
	}
	for name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("fixture %s is missing (run with -update)", name)
		}
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("fixture %s is no longer recorded", name)
			continue
		}
		if !bytes.Equal(got, w) {
			t.Errorf("fixture %s differs from what the fake produces (run with -update and review the diff)", name)
		}
		checkFixture(t, name, got)
	}
}

// checkFixture verifies a fixture's signature independently of the fake.
func checkFixture(t *testing.T, name string, b []byte) {
	t.Helper()
	switch {
	case strings.HasSuffix(name, ".query"):
		u := &url.URL{RawQuery: string(b)}
		if _, err := url.ParseQuery(string(b)); err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		q := verifyReturn(t, DefaultSecretKey, u)
		if q.Get("website_id") != "123456" || q.Get("status") == "" {
			t.Errorf("%s: %v", name, q)
		}
	case strings.HasSuffix(name, ".form"):
		form, err := url.ParseQuery(string(b))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		fields := verifyIPN(t, DefaultSecretKey, form)
		if want := 7 + strings.Count(name, "pipe"); len(fields) != want {
			t.Errorf("%s: %d fields, want %d", name, len(fields), want)
		}
	case strings.HasSuffix(name, "-request.json"):
		var req struct {
			MerchantType     string
			IntergratedID    json.Number
			RevceiverAccount string
			FromDate, ToDate string
			Sign             string
		}
		if err := json.Unmarshal(b, &req); err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		want := apiSignFor(req.RevceiverAccount, req.IntergratedID.String(), req.MerchantType, req.FromDate, req.ToDate)
		if (req.Sign == want) == strings.Contains(name, "invalid-sign") {
			t.Errorf("%s: sign %s, right one %s", name, req.Sign, want)
		}
	case strings.HasSuffix(name, "-response.json"):
		r := decodeAPI(t, b)
		if (r.ResponseCode == 1) == strings.Contains(name, "invalid-sign") {
			t.Errorf("%s: ResponseCode %d", name, r.ResponseCode)
		}
	default:
		t.Errorf("%s: unknown kind of fixture", name)
	}
}
