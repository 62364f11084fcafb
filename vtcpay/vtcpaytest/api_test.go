package vtcpaytest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPISignByHand(t *testing.T) {
	t.Parallel()
	// keySign + revceiverAccount + intergratedID + merchantType + secret.
	want := md5Lower("TestKeySign2026" + "0963465816" + "123456" + "WEBSITE" + "Thanhtoan2026SecretKey")
	if got := apiSign(DefaultKeySign, DefaultSecretKey, DefaultReceiverAccount, "123456", "WEBSITE"); got != want {
		t.Fatalf("apiSign = %s, want %s", got, want)
	}
	want = md5Lower("TestKeySign2026" + "0963465816" + "123456" + "WEBSITE" + "2026-11-01" + "2026-11-30" + "Thanhtoan2026SecretKey")
	if got := apiSign(DefaultKeySign, DefaultSecretKey, DefaultReceiverAccount, "123456", "WEBSITE", "2026-11-01", "2026-11-30"); got != want {
		t.Fatalf("apiSign with dates = %s, want %s", got, want)
	}
	if !verifyAPISign(strings.ToUpper(want), DefaultKeySign, DefaultSecretKey, DefaultReceiverAccount, "123456", "WEBSITE", "2026-11-01", "2026-11-30") {
		t.Error("an uppercase sign does not verify")
	}
	if verifyAPISign("", DefaultKeySign, DefaultSecretKey, DefaultReceiverAccount, "123456", "WEBSITE") {
		t.Error("an empty sign verifies")
	}
}

func TestOrderStatus(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	paid(t, s, "ORDER-2", "20000", StatusReview)

	code, body := postAPI(t, s, EndpointOrderStatus, statusRequest("ORDER-2", "NOPE", "ORDER-1"))
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	r := decodeAPI(t, body)
	if r.ResponseCode != 1 || len(r.ListOrderStatus) != 2 {
		t.Fatalf("response %s", body)
	}
	tx1, _ := s.Transaction("ORDER-1")
	got := r.ListOrderStatus
	if got[0].OrderCode != "ORDER-2" || got[0].Status != 7 || got[0].Amount != "20000" ||
		got[1].OrderCode != "ORDER-1" || got[1].Status != 1 || got[1].Amount != "150000" ||
		got[1].TransactionID.String() != tx1.TransRefNo || got[1].PaymentType != "VTCPAY" || got[1].Message != "Thành công" {
		t.Errorf("ListOrderStatus %+v", got)
	}
	// VND amounts are JSON integers.
	if !bytes.Contains(body, []byte(`"Amount":150000,`)) {
		t.Errorf("amount is not an integer: %s", body)
	}

	// intergratedID as a string, sign in uppercase.
	req := statusRequest("ORDER-1")
	req["intergratedID"] = "123456"
	req["sign"] = strings.ToUpper(req["sign"].(string))
	if _, body := postAPI(t, s, EndpointOrderStatus, req); decodeAPI(t, body).ResponseCode != 1 {
		t.Errorf("string id, uppercase sign: %s", body)
	}
	// Nothing known: an empty list, not null.
	if _, body := postAPI(t, s, EndpointOrderStatus, statusRequest("NOPE")); !bytes.Contains(body, []byte(`"ListOrderStatus":[]`)) {
		t.Errorf("unknown order: %s", body)
	}
	if got := s.Calls(EndpointOrderStatus); got != 3 {
		t.Errorf("Calls = %d, want 3", got)
	}
}

func TestAPIRefusals(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	with := func(k string, v any) map[string]any {
		r := statusRequest("ORDER-1")
		r[k] = v
		return r
	}
	resigned := func(account, id, merchantType string) map[string]any {
		r := statusRequest("ORDER-1")
		r["revceiverAccount"], r["intergratedID"], r["merchantType"] = account, id, merchantType
		r["sign"] = apiSignFor(account, id, merchantType)
		return r
	}
	wrongSecret := statusRequest("ORDER-1")
	wrongSecret["sign"] = md5Lower(DefaultKeySign + DefaultReceiverAccount + "123456" + "WEBSITE" + "Another2026SecretKey")
	wrongKey := statusRequest("ORDER-1")
	wrongKey["sign"] = md5Lower("OtherKey" + DefaultReceiverAccount + "123456" + "WEBSITE" + DefaultSecretKey)
	sha := statusRequest("ORDER-1")
	sha["sign"] = sha256Upper(DefaultKeySign + DefaultReceiverAccount + "123456" + "WEBSITE" + DefaultSecretKey)

	tests := []struct {
		name string
		body any
		code int
	}{
		{"no sign", with("sign", ""), -2},
		{"wrong secret", wrongSecret, -2},
		{"wrong key sign", wrongKey, -2},
		{"sha-256 sign", sha, -2},
		{"tampered account", with("revceiverAccount", "0900000000"), -2},
		{"tampered id", with("intergratedID", 654321), -2},
		{"correctly spelled names", map[string]any{"merchantType": "WEBSITE", "integratedID": DefaultWebsiteID, "receiverAccount": DefaultReceiverAccount, "sign": apiSignFor(DefaultReceiverAccount, "123456", "WEBSITE")}, -2},
		{"merchant type", resigned(DefaultReceiverAccount, "123456", "APP"), -29},
		{"unknown website", resigned(DefaultReceiverAccount, "654321", "WEBSITE"), -23},
		{"unknown account", resigned("0900000000", "123456", "WEBSITE"), -25},
		{"no orders", with("listMerchantOrderCode", []any{}), -29},
		{"malformed", []byte(`{"merchantType":`), -29},
		{"not an object", []byte(`[1,2]`), -29},
		{"trailing data", []byte(`{} {}`), -29},
		{"id is an object", with("intergratedID", map[string]any{}), -29},
		{"id is a bool", with("intergratedID", true), -29},
		{"empty", []byte(``), -29},
	}
	for _, tt := range tests {
		code, body := postAPI(t, s, EndpointOrderStatus, tt.body)
		r := decodeAPI(t, body)
		if code != http.StatusOK || r.ResponseCode != tt.code || r.ListOrderStatus != nil {
			t.Errorf("%s: HTTP %d, %s; want code %d", tt.name, code, body, tt.code)
		}
		if bytes.Contains(body, []byte(DefaultSecretKey)) || bytes.Contains(body, []byte(DefaultKeySign)) {
			t.Errorf("%s: the answer shows a secret", tt.name)
		}
	}

	// Transport-level refusals.
	code, _ := postAPI(t, s, EndpointOrderStatus, append([]byte(`{"sign":"`), bytes.Repeat([]byte("a"), maxAPIBytes)...))
	if code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: HTTP %d", code)
	}
	resp, err := s.Client().Get(s.URL() + "/api/AccountApi/" + EndpointRefund)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: HTTP %d", resp.StatusCode)
	}
	if code, _ := postAPI(t, s, "DeleteEverything", statusRequest("ORDER-1")); code != http.StatusNotFound {
		t.Errorf("unknown API: HTTP %d", code)
	}
	// Without the gateway's path prefix.
	resp, err = s.Client().Post(strings.TrimSuffix(s.URL(), BasePath)+"/api/AccountApi/"+EndpointOrderStatus, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("no prefix: HTTP %d", resp.StatusCode)
	}
	if tx, _ := s.Transaction("ORDER-1"); tx.Status != StatusSuccess || tx.Refunded != "0" {
		t.Errorf("refused requests changed the transaction: %+v", tx)
	}
}

func TestSaleHistory(t *testing.T) {
	t.Parallel()
	var now time.Time
	s := NewTestServer(t, Config{}, WithClock(func() time.Time { return now }))
	// Times in UTC; the history's dates are Vietnam's (UTC+7).
	at := func(ref, utc string) {
		t.Helper()
		var err error
		if now, err = time.Parse(time.RFC3339, utc); err != nil {
			t.Fatal(err)
		}
		paid(t, s, ref, "150000", StatusSuccess)
	}
	at("A", "2026-11-21T16:59:59Z") // 2026-11-21 23:59:59 ICT
	at("B", "2026-11-21T17:00:00Z") // 2026-11-22 00:00:00 ICT
	at("C", "2026-11-23T16:59:59Z") // 2026-11-23 23:59:59 ICT
	at("D", "2026-11-23T17:00:00Z") // 2026-11-24 00:00:00 ICT

	history := func(from, to string, sign string) apiResult {
		t.Helper()
		if sign == "" {
			sign = apiSignFor(DefaultReceiverAccount, "123456", "WEBSITE", from, to)
		}
		_, body := postAPI(t, s, EndpointSaleHistory, map[string]any{
			"revceiverAccount": DefaultReceiverAccount, "intergratedID": DefaultWebsiteID, "merchantType": "WEBSITE",
			"fromDate": from, "toDate": to, "sign": sign,
		})
		return decodeAPI(t, body)
	}
	r := history("2026-11-22", "2026-11-23", "")
	if r.ResponseCode != 1 || len(r.ListSaleHistory) != 2 || r.ListSaleHistory[0].OrderCode != "B" || r.ListSaleHistory[1].OrderCode != "C" {
		t.Fatalf("history %+v", r)
	}
	if got := r.ListSaleHistory[0].CreatedDate; got != "2026-11-22T00:00:00+07:00" {
		t.Errorf("CreatedDate %q", got)
	}
	if r := history("2026-11-21", "2026-11-21", ""); len(r.ListSaleHistory) != 1 || r.ListSaleHistory[0].OrderCode != "A" {
		t.Errorf("one day: %+v", r)
	}
	if r := history("2026-12-01", "2026-12-31", ""); r.ResponseCode != 1 || r.ListSaleHistory == nil || len(r.ListSaleHistory) != 0 {
		t.Errorf("empty range: %+v", r)
	}
	// The dates are signed.
	if r := history("2026-11-01", "2026-11-30", apiSignFor(DefaultReceiverAccount, "123456", "WEBSITE")); r.ResponseCode != -2 {
		t.Errorf("sign without dates: %+v", r)
	}
	for _, bad := range [][2]string{{"2026-11-23", "2026-11-22"}, {"22/11/2026", "2026-11-23"}, {"2026-11-22", ""}, {"2026-02-30", "2026-03-01"}, {"2026-11-22T00:00:00", "2026-11-23"}} {
		if r := history(bad[0], bad[1], ""); r.ResponseCode != -29 {
			t.Errorf("dates %q: %+v", bad, r)
		}
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	paid(t, s, "PAID", "150000", StatusSuccess)
	paid(t, s, "REVIEW", "150000", StatusReview)
	paid(t, s, "CANCELLED", "150000", StatusCancelled)
	pUSD := order("USD-1", "12.50", "https://shop.example/r")
	pUSD["currency"] = "USD"
	if _, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, pUSD), StatusSuccess); err != nil {
		t.Fatal(err)
	}

	refund := func(items ...[2]any) apiResult {
		t.Helper()
		list := make([]map[string]any, 0, len(items))
		for _, it := range items {
			list = append(list, map[string]any{"orderCode": it[0], "refundAmount": it[1]})
		}
		req := statusRequest()
		req["listMerchantOrderCode"] = list
		code, body := postAPI(t, s, EndpointRefund, req)
		if code != http.StatusOK {
			t.Fatalf("HTTP %d: %s", code, body)
		}
		return decodeAPI(t, body)
	}
	type item struct {
		status int
		amount string
	}
	check := func(name string, r apiResult, want ...item) {
		t.Helper()
		if r.ResponseCode != 1 || len(r.ListRefund) != len(want) {
			t.Fatalf("%s: %+v", name, r)
		}
		for i, w := range want {
			if got := r.ListRefund[i]; got.Status != w.status || got.RefundAmount.String() != w.amount || got.Message == "" {
				t.Errorf("%s: item %d = %+v, want %+v", name, i, got, w)
			}
		}
	}
	calls := s.Calls(EndpointRefund)
	check("partial", refund([2]any{"PAID", 50000}), item{1, "50000"})
	if got := s.Calls(EndpointRefund) - calls; got != 1 {
		t.Errorf("one refund made %d calls", got)
	}
	check("too much", refund([2]any{"PAID", 100001}), item{-2, "100001"})
	check("the rest, as a string", refund([2]any{"PAID", "100000"}), item{1, "100000"})
	check("nothing left", refund([2]any{"PAID", 1}), item{-2, "1"})
	check("not successful", refund([2]any{"REVIEW", 1000}, [2]any{"CANCELLED", 1000}, [2]any{"NOPE", 1000}),
		item{-1, "1000"}, item{-1, "1000"}, item{-1, "1000"})
	check("USD cents", refund([2]any{"USD-1", "12.49"}), item{1, "12.49"})
	check("USD last cent", refund([2]any{"USD-1", 0.02}), item{-2, "0.02"})
	check("invalid amounts", refund([2]any{"USD-1", 0}, [2]any{"USD-1", "0.001"}, [2]any{"USD-1", -1}, [2]any{"USD-1", "abc"}, [2]any{"USD-1", json.Number("1e-2")}),
		item{-29, "0"}, item{-29, "0"}, item{-29, "0"}, item{-29, "0"}, item{-29, "0"})
	paid(t, s, "PAID-2", "150000", StatusSuccess)
	check("VND fraction", refund([2]any{"PAID-2", "1.5"}, [2]any{"PAID-2", 1.5}), item{-29, "1.5"}, item{-29, "1.5"})

	if tx, _ := s.Transaction("PAID"); tx.Refunded != "150000" || tx.Status != StatusSuccess {
		t.Errorf("PAID: %+v", tx)
	}
	if tx, _ := s.Transaction("USD-1"); tx.Refunded != "12.49" {
		t.Errorf("USD-1 refunded %s", tx.Refunded)
	}
	if tx, _ := s.Transaction("REVIEW"); tx.Refunded != "0" {
		t.Errorf("REVIEW refunded %s", tx.Refunded)
	}
}

func TestOrderStatusKnownShape(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{}, WithKnownOrderStatusShape())
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	paid(t, s, "ORDER-2", "20000", StatusReview)
	code, body := postAPI(t, s, EndpointOrderStatus, statusRequest("ORDER-2", "NOPE", "ORDER-1"))
	if code != http.StatusOK || string(body) != `{"ListOrderStatus":[{"Status":7},{"Status":1}]}` {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	if _, body := postAPI(t, s, EndpointOrderStatus, statusRequest("NOPE")); string(body) != `{"ListOrderStatus":[]}` {
		t.Fatalf("unknown order: %s", body)
	}
	// Request errors keep their answer.
	bad := statusRequest("ORDER-1")
	bad["sign"] = md5Lower("wrong")
	if _, body := postAPI(t, s, EndpointOrderStatus, bad); decodeAPI(t, body).ResponseCode != APIInvalidSign {
		t.Fatalf("bad sign: %s", body)
	}
}
