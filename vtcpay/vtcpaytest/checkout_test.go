package vtcpaytest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The notification example of GATEWAYS.md.
func TestIPNSignatureVector(t *testing.T) {
	t.Parallel()
	const (
		secret = "TichhopcongthanhtoanVTC2.0"
		data   = "50000|Thành công|website|123|1|789|321"
		want   = "909481220416EA789D424B33503500FE94ED8193C089A805E73768F2D6A0C95A"
	)
	if got := ipnData("50000", "Thành công", "website", "123", 1, "789", 321); got != data {
		t.Fatalf("ipnData = %q, want %q", got, data)
	}
	if got := ipnSignature(secret, data); got != want {
		t.Fatalf("ipnSignature = %s, want %s", got, want)
	}
	if got := sha256Upper(data + "|" + secret); got != want {
		t.Fatalf("the tests' own SHA-256 = %s, want %s", got, want)
	}
}

func TestCheckoutSignatureByHand(t *testing.T) {
	t.Parallel()
	q := url.Values{
		"website_id":       {"123456"},
		"reference_number": {"ORDER-1"},
		"currency":         {"VND"},
		"amount":           {"150000"},
		"bill_to_surname":  {"Nguyễn Văn"},
		"customerID":       {"c 1"},
		"bill_to_email":    {""}, // empty: not signed
	}
	// Byte order of the names: amount, bill_to_surname, currency,
	// customerID, reference_number, website_id.
	canonical := "150000|Nguyễn Văn|VND|c 1|ORDER-1|123456|" + DefaultSecretKey
	want := sha256Upper(canonical)
	if got := paramsSignature(DefaultSecretKey, q); got != want {
		t.Fatalf("paramsSignature = %s, want %s over %q", got, want, canonical)
	}
	for _, sig := range []string{want, strings.ToLower(want)} {
		q.Set("signature", sig)
		if !verifyParams(DefaultSecretKey, q) {
			t.Errorf("signature %s does not verify", sig)
		}
	}
	for _, bad := range []string{"", want[:63], want + "0", "X" + want[1:]} {
		q.Set("signature", bad)
		if verifyParams(DefaultSecretKey, q) {
			t.Errorf("signature %q verifies", bad)
		}
	}
	q.Set("signature", want)
	if verifyParams("", q) {
		t.Error("an empty secret verifies")
	}
}

func TestCheckoutAccepted(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	// The canonical string, written out: amount|currency|reference_number|website_id|secret.
	sig := sha256Upper("150000|VND|ORDER-1|123456|" + DefaultSecretKey)
	for i, signature := range []string{sig, strings.ToLower(sig)} {
		ref := "ORDER-" + strconv.Itoa(i+1)
		if i > 0 {
			signature = strings.ToLower(sha256Upper("150000|VND|" + ref + "|123456|" + DefaultSecretKey))
		}
		raw := s.URL() + "/checkout.html?amount=150000&currency=VND&reference_number=" + ref + "&website_id=123456&signature=" + signature
		resp, body := get(t, s, raw)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: HTTP %d: %s", ref, resp.StatusCode, body)
		}
		for _, want := range []string{`id="pay"`, `id="cancel"`, `id="insufficient"`, `<meta charset="utf-8">`, `name="viewport"`, "Số tiền", "Amount", `name="status"`, `name="trans_ref_no"`, "150.000 ₫", ref, "123456", `action="/portalgateway/checkout/submit"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", ref, want)
			}
		}
		for _, code := range Statuses() {
			if !strings.Contains(body, `<option value="`+strconv.Itoa(code)+`"`) {
				t.Errorf("%s: page offers no status %d", ref, code)
			}
		}
		if !strings.Contains(body, `<option value="1" selected>`) {
			t.Errorf("%s: status 1 is not the default", ref)
		}
		if strings.Contains(body, DefaultSecretKey) {
			t.Errorf("%s: page shows the secret", ref)
		}
		tx, ok := s.Transaction(ref)
		if !ok || tx.Status != StatusInitial || tx.Amount != "150000" || tx.Currency != "VND" || tx.TransRefNo == "" || tx.Refunded != "0" {
			t.Errorf("%s: transaction %+v, %v", ref, tx, ok)
		}
	}
	if got := s.Calls(EndpointCheckout); got != 2 {
		t.Errorf("Calls(checkout) = %d, want 2", got)
	}
}

// Refusals of requests the gateway cannot trust: an error page, HTTP 400,
// no redirect.
func TestCheckoutRefusedUntrusted(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{ReceivingURL: "http://127.0.0.1:1/ipn"})
	good := order("ORDER-1", "150000", "https://shop.example/return")
	signed := func(mut func(q url.Values)) string {
		u, _ := url.Parse(checkoutURL(s, DefaultSecretKey, good))
		q := u.Query()
		mut(q)
		u.RawQuery = q.Encode()
		return u.String()
	}
	tests := []struct {
		name   string
		url    string
		status int
	}{
		{"tampered amount", signed(func(q url.Values) { q.Set("amount", "1500") }), -29},
		{"tampered return", signed(func(q url.Values) { q.Set("url_return", "https://evil.example/") }), -29},
		{"added parameter", signed(func(q url.Values) { q.Set("language", "en") }), -29},
		{"removed parameter", signed(func(q url.Values) { q.Del("url_return") }), -29},
		{"wrong secret", checkoutURL(s, "Another2026SecretKey", good), -29},
		{"empty secret", checkoutURL(s, "", good), -29},
		{"missing signature", signed(func(q url.Values) { q.Del("signature") }), -28},
		{"empty signature", signed(func(q url.Values) { q.Set("signature", "") }), -28},
		{"short signature", signed(func(q url.Values) { q.Set("signature", q.Get("signature")[:62]) }), -29},
		{"not hex", signed(func(q url.Values) { q.Set("signature", strings.Repeat("Z", 64)) }), -29},
		{"md5 signature", signed(func(q url.Values) { q.Set("signature", md5Lower("x")) }), -29},
		{"missing website", signed(func(q url.Values) { q.Del("website_id") }), -28},
		{"website not a number", signed(func(q url.Values) { q.Set("website_id", "12a") }), -29},
		{"website with sign", signed(func(q url.Values) { q.Set("website_id", "+123456") }), -29},
		{"unknown website", checkoutURL(s, DefaultSecretKey, map[string]string{"amount": "150000", "currency": "VND", "reference_number": "X", "website_id": "654321", "url_return": "https://shop.example/"}), -23},
		{"repeated parameter", signed(func(q url.Values) { q.Add("amount", "1") }), -29},
		{"malformed query", s.URL() + "/checkout.html?amount=%zz&signature=AB", -29},
		{"semicolon", s.URL() + "/checkout.html?amount=1;currency=VND", -29},
		{"too long", s.URL() + "/checkout.html?x=" + strings.Repeat("a", maxQueryBytes), -29},
		{"no query", s.URL() + "/checkout.html", -28},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, s, tt.url)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("HTTP %d, want 400", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("redirects to %s", loc)
			}
			if got := resp.Header.Get("X-Vtcpaytest-Status"); got != strconv.Itoa(tt.status) {
				t.Errorf("status %s, want %d", got, tt.status)
			}
			if !strings.Contains(body, `<span id="status">`+strconv.Itoa(tt.status)+`</span>`) {
				t.Errorf("page does not show status %d: %s", tt.status, body)
			}
			if strings.Contains(body, DefaultSecretKey) {
				t.Error("page shows the secret")
			}
		})
	}
	t.Cleanup(func() {
		if n := len(s.Transactions()); n != 0 {
			t.Errorf("%d transactions recorded from refused checkouts", n)
		}
	})
}

// Refusals of signed requests: the payer goes back to the merchant with the
// status, signed.
func TestCheckoutRefusalCodes(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name   string
		min    int64
		set    map[string]string // changes to a valid order; "" deletes
		status int
	}{
		{"missing amount", 0, map[string]string{"amount": ""}, -28},
		{"missing currency", 0, map[string]string{"currency": ""}, -28},
		{"missing reference", 0, map[string]string{"reference_number": ""}, -28},
		{"euro", 0, map[string]string{"currency": "EUR"}, -24},
		{"lowercase vnd", 0, map[string]string{"currency": "vnd"}, -24},
		{"VND with decimals", 0, map[string]string{"amount": "150000.5"}, -29},
		{"VND with .00", 0, map[string]string{"amount": "150000.00"}, -29},
		{"USD with 3 decimals", 0, map[string]string{"currency": "USD", "amount": "12.345"}, -29},
		{"USD trailing dot", 0, map[string]string{"currency": "USD", "amount": "12."}, -29},
		{"USD leading dot", 0, map[string]string{"currency": "USD", "amount": ".5"}, -29},
		{"exponent", 0, map[string]string{"amount": "1e5"}, -29},
		{"negative", 0, map[string]string{"amount": "-150000"}, -29},
		{"plus sign", 0, map[string]string{"amount": "+150000"}, -29},
		{"leading zero", 0, map[string]string{"amount": "0150000"}, -29},
		{"thousands separator", 0, map[string]string{"amount": "150,000"}, -29},
		{"space", 0, map[string]string{"amount": "150000 "}, -29},
		{"huge", 0, map[string]string{"amount": "99999999999999999999"}, -29},
		{"unknown parameter", 0, map[string]string{"note": "x"}, -29},
		{"language", 0, map[string]string{"language": "fr"}, -29},
		{"payment type case", 0, map[string]string{"payment_type": "vtcpay"}, -29},
		{"payment type VTCPay", 0, map[string]string{"payment_type": "VTCPay"}, -29},
		{"transaction type", 0, map[string]string{"transaction_type": "refund"}, -29},
		{"country", 0, map[string]string{"country": "vn"}, -29},
		{"state", 0, map[string]string{"state": "C-A"}, -29},
		{"reference of 31", 0, map[string]string{"reference_number": long(31)}, -29},
		{"forename of 51", 0, map[string]string{"bill_to_forename": long(51)}, -29},
		{"phone of 31", 0, map[string]string{"bill_to_phone": long(31)}, -29},
		{"invalid UTF-8", 0, map[string]string{"bill_to_surname": "\xff\xfe"}, -29},
		{"receiver account", 0, map[string]string{"receiver_account": "0900000000"}, -25},
		{"zero", 0, map[string]string{"amount": "0"}, -22},
		{"below default minimum", 0, map[string]string{"amount": "999"}, -22},
		{"below configured minimum", 10000, map[string]string{"amount": "9999"}, -22},
		{"USD zero", 0, map[string]string{"currency": "USD", "amount": "0.00"}, -22},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := NewTestServer(t, Config{MinAmount: tt.min})
			p := order("ORDER-1", "150000", "https://shop.example/return?shop=1")
			for k, v := range tt.set {
				if v == "" {
					delete(p, k)
				} else {
					p[k] = v
				}
			}
			resp, body := get(t, s, checkoutURL(s, DefaultSecretKey, p))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("HTTP %d, want 303: %s", resp.StatusCode, body)
			}
			loc, err := resp.Location()
			if err != nil {
				t.Fatal(err)
			}
			if loc.Host != "shop.example" || loc.Path != "/return" {
				t.Errorf("redirects to %s", loc)
			}
			q := loc.Query()
			if q.Get("shop") != "1" {
				t.Errorf("the return URL's own parameter is lost: %s", loc)
			}
			q.Del("shop") // the merchant's own, not signed
			loc.RawQuery = q.Encode()
			q = verifyReturn(t, DefaultSecretKey, loc)
			if q.Get("status") != strconv.Itoa(tt.status) {
				t.Errorf("return status %s, want %d", q.Get("status"), tt.status)
			}
			if q.Get("website_id") != "123456" || q.Has("trans_ref_no") || q.Get("message") == "" {
				t.Errorf("return query %v", q)
			}
			if q.Get("reference_number") != p["reference_number"] {
				t.Errorf("reference_number %q, want %q", q.Get("reference_number"), p["reference_number"])
			}
			if !strings.Contains(body, `id="return"`) {
				t.Error("error page has no link back")
			}
			if n := len(s.Transactions()); n != 0 {
				t.Errorf("%d transactions recorded", n)
			}
		})
	}
}

func TestCheckoutAcceptsValidOptionalFields(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	p := order("ORDER-1", "12.5", "https://shop.example/return")
	p["currency"] = "USD"
	for k, v := range map[string]string{
		"bill_to_address": "1 Tràng Tiền", "bill_to_address_city": "Hà Nội", "bill_to_email": "a@example.com",
		"bill_to_forename": strings.Repeat("é", 50), "bill_to_phone": "+84 963 465 816", "bill_to_surname": "Nguyễn Văn",
		"country": "VN", "state": "CA", "postcode": "100000", "customerID": "cust-1", "language": "en",
		"payment_type": "Vietcombank", "transaction_type": "sale", "receiver_account": DefaultReceiverAccount,
	} {
		p[k] = v
	}
	u, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, p), StatusSuccess)
	if err != nil {
		t.Fatal(err)
	}
	q := verifyReturn(t, DefaultSecretKey, u)
	if q.Get("amount") != "12.5" || q.Get("payment_type") != "Vietcombank" || q.Get("status") != "1" {
		t.Errorf("return %v", q)
	}
	tx, _ := s.Transaction("ORDER-1")
	if tx.Params.Get("bill_to_address_city") != "Hà Nội" || tx.Currency != "USD" {
		t.Errorf("transaction %+v", tx)
	}
}

func TestCheckoutUntrustedReturnURL(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	for _, ret := range []string{"javascript:alert(1)", "/relative", "ftp://shop.example/", "https://shop.example/#frag", "https://user:pw@shop.example/"} {
		p := order("ORDER-1", "150000", ret)
		resp, _ := get(t, s, checkoutURL(s, DefaultSecretKey, p))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || resp.Header.Get("X-Vtcpaytest-Status") != "-29" {
			t.Errorf("url_return %q: HTTP %d, Location %q, status %s", ret, resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("X-Vtcpaytest-Status"))
		}
	}
}

func TestDuplicateReference(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	// A failed attempt may be retried with the same reference.
	paid(t, s, "ORDER-1", "150000", StatusCancelled)
	first, _ := s.Transaction("ORDER-1")
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	second, _ := s.Transaction("ORDER-1")
	if second.TransRefNo == first.TransRefNo || second.Status != StatusSuccess || len(s.Transactions()) != 1 {
		t.Errorf("retry: first %+v, second %+v, %d transactions", first, second, len(s.Transactions()))
	}
	// A paid one may not.
	_, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, order("ORDER-1", "150000", "https://shop.example/r")), StatusSuccess)
	var ce *CheckoutError
	if !errors.As(err, &ce) || ce.Status != StatusDuplicateReference || ce.ReturnURL == nil {
		t.Fatalf("second payment: %v", err)
	}
	q := verifyReturn(t, DefaultSecretKey, ce.ReturnURL)
	if q.Get("status") != "-21" || q.Get("reference_number") != "ORDER-1" {
		t.Errorf("return %v", q)
	}
	// Nor one still open (a payer pressing F5 on the checkout).
	raw := checkoutURL(s, DefaultSecretKey, order("ORDER-2", "150000", "https://shop.example/r"))
	if resp, _ := get(t, s, raw); resp.StatusCode != http.StatusOK {
		t.Fatalf("first open: HTTP %d", resp.StatusCode)
	}
	if resp, _ := get(t, s, raw); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("X-Vtcpaytest-Status") != "-21" {
		t.Errorf("second open: HTTP %d status %s", resp.StatusCode, resp.Header.Get("X-Vtcpaytest-Status"))
	}
	if tx, _ := s.Transaction("ORDER-1"); tx.TransRefNo != second.TransRefNo || tx.Status != StatusSuccess {
		t.Errorf("the refused duplicate changed the transaction: %+v", tx)
	}
}

// Every status of the table, paid on the hosted page: a signed return and a
// signed notification that carry it.
func TestPayEveryStatus(t *testing.T) {
	t.Parallel()
	for _, status := range Statuses() {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			m := newMerchant(t)
			s := NewTestServer(t, Config{ReceivingURL: m.URL + "/ipn"})
			u := paid(t, s, "ORDER-1", "150000", status)
			if u.Host != "shop.example" || u.Path != "/return" {
				t.Errorf("return URL %s", u)
			}
			q := verifyReturn(t, DefaultSecretKey, u)
			tx, ok := s.Transaction("ORDER-1")
			if !ok {
				t.Fatal("no transaction")
			}
			want := url.Values{
				"amount": {"150000"}, "message": {defaultMessage(status)}, "payment_type": {"VTCPAY"},
				"reference_number": {"ORDER-1"}, "status": {strconv.Itoa(status)}, "trans_ref_no": {tx.TransRefNo},
				"website_id": {"123456"}, "signature": {q.Get("signature")},
			}
			if q.Encode() != want.Encode() {
				t.Errorf("return query\n got %s\nwant %s", q.Encode(), want.Encode())
			}
			if tx.Status != status || tx.Message != defaultMessage(status) {
				t.Errorf("transaction %+v", tx)
			}
			forms := m.received()
			if status == StatusInitial {
				if len(forms) != 0 {
					t.Errorf("%d notifications for a transaction still at 0", len(forms))
				}
				return
			}
			if len(forms) != 1 {
				t.Fatalf("%d notifications, want 1", len(forms))
			}
			fields := verifyIPN(t, DefaultSecretKey, forms[0])
			wantData := []string{"150000", defaultMessage(status), "VTCPAY", "ORDER-1", strconv.Itoa(status), tx.TransRefNo, "123456"}
			if strings.Join(fields, "|") != strings.Join(wantData, "|") {
				t.Errorf("notification data %q, want %q", fields, wantData)
			}
			if n := s.Notifications(); len(n) != 1 || n[0].StatusCode != http.StatusOK || n[0].Response != "OK" || n[0].Err != nil {
				t.Errorf("Notifications() = %+v", n)
			}
		})
	}
}

func TestPaySuccessMessage(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	q := verifyReturn(t, DefaultSecretKey, paid(t, s, "ORDER-1", "50000", StatusSuccess))
	if q.Get("message") != "Thành công" {
		t.Errorf("message %q", q.Get("message"))
	}
}

func TestPayCancelButton(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	// The Cancel button wins over the status select.
	resp, body := get(t, s, checkoutURL(s, DefaultSecretKey, order("ORDER-1", "150000", "https://shop.example/r")))
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	id, ok := formValue(body, "trans_ref_no")
	if !ok {
		t.Fatal("no trans_ref_no on the page")
	}
	hc := *s.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r, err := hc.PostForm(s.URL()+"/checkout/submit", url.Values{"trans_ref_no": {id}, "action": {"cancel"}, "status": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	loc, err := r.Location()
	if err != nil {
		t.Fatal(err)
	}
	if q := verifyReturn(t, DefaultSecretKey, loc); q.Get("status") != "-9" {
		t.Errorf("status %s, want -9", q.Get("status"))
	}
}

func TestPayInsufficientButton(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	s := NewTestServer(t, Config{ReceivingURL: m.URL})
	_, body := get(t, s, checkoutURL(s, DefaultSecretKey, order("ORDER-1", "150000", "https://shop.example/r")))
	id, ok := formValue(body, "trans_ref_no")
	if !ok {
		t.Fatal("no trans_ref_no on the page")
	}
	hc := *s.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// The button wins over the status select, as Cancel does.
	r, err := hc.PostForm(s.URL()+"/checkout/submit", url.Values{"trans_ref_no": {id}, "action": {"insufficient"}, "status": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	loc, err := r.Location()
	if err != nil {
		t.Fatal(err)
	}
	if q := verifyReturn(t, DefaultSecretKey, loc); q.Get("status") != "-5" {
		t.Errorf("status %s, want -5", q.Get("status"))
	}
	if tx, _ := s.Transaction("ORDER-1"); tx.Status != StatusInsufficientFunds {
		t.Errorf("transaction %+v", tx)
	}
	if fields := verifyIPN(t, DefaultSecretKey, m.received()[0]); fields[4] != "-5" {
		t.Errorf("notification data %v, want status -5", fields)
	}
}

func TestPayMessageKnob(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	s := NewTestServer(t, Config{ReceivingURL: m.URL}, WithMessage(StatusSuccess, "OK|but split"))
	q := verifyReturn(t, DefaultSecretKey, paid(t, s, "ORDER-1", "150000", StatusSuccess))
	if q.Get("message") != "OK|but split" {
		t.Errorf("message %q", q.Get("message"))
	}
	fields := verifyIPN(t, DefaultSecretKey, m.received()[0])
	if len(fields) != 8 {
		t.Errorf("data splits into %d fields, want 8 (the message holds a |)", len(fields))
	}
}

func TestReturnFallsBackToReceivingURL(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	s := NewTestServer(t, Config{ReceivingURL: m.URL + "/listen"})
	u, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, order("ORDER-1", "150000", "")), StatusSuccess)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != m.URL+"/listen" {
		t.Errorf("return to %s, want %s/listen", got, m.URL)
	}
	verifyReturn(t, DefaultSecretKey, u)

	bare := NewTestServer(t, Config{})
	_, err = bare.Pay(t.Context(), checkoutURL(bare, DefaultSecretKey, order("ORDER-1", "150000", "")), StatusSuccess)
	if !errors.Is(err, ErrNoReturnURL) {
		t.Errorf("no return URL: %v", err)
	}
	if tx, _ := bare.Transaction("ORDER-1"); tx.Status != StatusSuccess {
		t.Errorf("transaction %+v", tx)
	}
}

func TestPayRefusesOtherURLs(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	other := NewTestServer(t, Config{})
	for _, raw := range []string{
		"https://alpha1.vtcpay.vn/portalgateway/checkout.html?a=1",
		checkoutURL(other, DefaultSecretKey, order("O", "150000", "")),
		s.URL() + "/other.html",
		"%zz",
	} {
		if _, err := s.Pay(t.Context(), raw, StatusSuccess); err == nil {
			t.Errorf("Pay(%q) succeeded", raw)
		}
	}
	if _, err := s.Pay(t.Context(), checkoutURL(s, DefaultSecretKey, order("O", "150000", "")), 42); err == nil {
		t.Error("Pay with status 42 succeeded")
	}
	if n := other.Calls(EndpointCheckout) + s.Calls(EndpointCheckout); n != 0 {
		t.Errorf("%d checkout calls", n)
	}
}

func TestSubmitHostile(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Config{})
	_, body := get(t, s, checkoutURL(s, DefaultSecretKey, order("ORDER-1", "150000", "https://shop.example/r")))
	id, _ := formValue(body, "trans_ref_no")
	hc := *s.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := func(form url.Values) int {
		t.Helper()
		r, err := hc.PostForm(s.URL()+"/checkout/submit", form)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"no action", url.Values{"trans_ref_no": {id}}, 400},
		{"bad action", url.Values{"trans_ref_no": {id}, "action": {"steal"}}, 400},
		{"action in capitals", url.Values{"trans_ref_no": {id}, "action": {"INSUFFICIENT"}}, 400},
		{"insufficient, unknown transaction", url.Values{"trans_ref_no": {"x"}, "action": {"insufficient"}}, 404},
		{"unknown status", url.Values{"trans_ref_no": {id}, "action": {"pay"}, "status": {"2"}}, 400},
		{"status not a number", url.Values{"trans_ref_no": {id}, "action": {"pay"}, "status": {"x"}}, 400},
		{"unknown transaction", url.Values{"trans_ref_no": {"1"}, "action": {"pay"}}, 404},
		{"no transaction", url.Values{"action": {"pay"}}, 404},
		{"long payment type", url.Values{"trans_ref_no": {id}, "action": {"pay"}, "payment_type": {strings.Repeat("x", 51)}}, 400},
		{"oversized form", url.Values{"trans_ref_no": {id}, "action": {"pay"}, "x": {strings.Repeat("x", maxFormBytes)}}, 400},
	}
	for _, tt := range tests {
		if got := post(tt.form); got != tt.want {
			t.Errorf("%s: HTTP %d, want %d", tt.name, got, tt.want)
		}
	}
	if tx, _ := s.Transaction("ORDER-1"); tx.Status != StatusInitial {
		t.Fatalf("hostile submits changed the transaction: %+v", tx)
	}
	if got := post(url.Values{"trans_ref_no": {id}, "action": {"pay"}, "payment_type": {"website"}}); got != http.StatusSeeOther {
		t.Fatalf("pay: HTTP %d", got)
	}
	if got := post(url.Values{"trans_ref_no": {id}, "action": {"cancel"}}); got != http.StatusConflict {
		t.Errorf("second submit: HTTP %d, want 409", got)
	}
	if tx, _ := s.Transaction("ORDER-1"); tx.Status != StatusSuccess || tx.PaymentType != "website" {
		t.Errorf("transaction %+v", tx)
	}
	r, err := s.Client().Get(s.URL() + "/checkout/submit")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET submit: HTTP %d", r.StatusCode)
	}
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	s := NewTestServer(t, Config{ReceivingURL: m.URL})
	paid(t, s, "ORDER-1", "150000", StatusReview)
	if err := s.SetStatus("ORDER-1", StatusSuccess); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Notify(t.Context(), "ORDER-1"); err != nil {
		t.Fatal(err)
	}
	forms := m.received()
	if len(forms) != 2 {
		t.Fatalf("%d notifications, want 2", len(forms))
	}
	if f := verifyIPN(t, DefaultSecretKey, forms[0]); f[4] != "7" {
		t.Errorf("first notification status %s", f[4])
	}
	if f := verifyIPN(t, DefaultSecretKey, forms[1]); f[4] != "1" || f[1] != "Thành công" {
		t.Errorf("second notification %q", f)
	}
	if err := s.SetStatus("ORDER-1", 2); err == nil {
		t.Error("SetStatus(2) succeeded")
	}
	if err := s.SetStatus("nope", 1); err == nil {
		t.Error("SetStatus of an unknown order succeeded")
	}
}

func TestNoNotifyOption(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	s := NewTestServer(t, Config{ReceivingURL: m.URL}, WithoutNotify())
	paid(t, s, "ORDER-1", "150000", StatusSuccess)
	if n := len(m.received()); n != 0 {
		t.Errorf("%d notifications with WithoutNotify", n)
	}
}

// A merchant that is down does not stop the payer's return.
func TestNotifyFailureRecorded(t *testing.T) {
	t.Parallel()
	m := newMerchant(t)
	dead := m.URL
	m.Close()
	s := NewTestServer(t, Config{ReceivingURL: dead})
	q := verifyReturn(t, DefaultSecretKey, paid(t, s, "ORDER-1", "150000", StatusSuccess))
	if q.Get("status") != "1" {
		t.Errorf("status %s", q.Get("status"))
	}
	n := s.Notifications()
	if len(n) != 1 || n[0].Err == nil || n[0].StatusCode != 0 {
		t.Errorf("Notifications() = %+v", n)
	}
}

func FuzzParseCheckout(f *testing.F) {
	rules := checkoutRules{websiteID: DefaultWebsiteID, secret: DefaultSecretKey, receiverAccount: DefaultReceiverAccount, minAmount: DefaultMinAmount}
	good := url.Values{}
	for k, v := range order("ORDER-1", "150000", "https://shop.example/r") {
		good.Set(k, v)
	}
	good.Set("signature", paramsSignature(DefaultSecretKey, good))
	f.Add(good.Encode())
	f.Add("amount=1&amount=2")
	f.Add("signature=&website_id=123456")
	f.Add("a=%zz")
	f.Add("website_id=123456&signature=" + strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, raw string) {
		checkParse(t, rules, raw)
		// The same parameters, signed, to reach the checks after the
		// signature.
		if q, err := url.ParseQuery(raw); err == nil {
			q.Set("website_id", "123456")
			q.Del("signature")
			q.Set("signature", sortedSignature(DefaultSecretKey, flatten(q)))
			checkParse(t, rules, q.Encode())
		}
	})
}

func flatten(q url.Values) map[string]string {
	m := map[string]string{}
	for k := range q {
		m[k] = q.Get(k)
	}
	return m
}

// checkParse runs parseCheckout and checks what must hold of its result.
func checkParse(t *testing.T, rules checkoutRules, raw string) {
	t.Helper()
	co, ref := parseCheckout(rules, raw)
	if (co == nil) == (ref == nil) {
		t.Fatalf("parseCheckout(%q) = %v, %v", raw, co, ref)
	}
	if ref != nil {
		if !knownStatus(ref.status) || ref.status >= 0 {
			t.Fatalf("refusal status %d", ref.status)
		}
		return
	}
	// Accepted: the signature verifies by the tests' own code, and the
	// amount is a positive amount written as the rules say.
	if !strings.EqualFold(co.params.Get("signature"), sortedSignature(DefaultSecretKey, flatten(co.params))) {
		t.Fatalf("accepted %q with a wrong signature", raw)
	}
	if co.minor <= 0 || formatMinor(co.currency, co.minor) == "" {
		t.Fatalf("accepted amount %q (%d)", co.amount, co.minor)
	}
	if co.currency == "VND" && formatMinor(co.currency, co.minor) != co.amount {
		t.Fatalf("accepted VND amount %q read as %d", co.amount, co.minor)
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		currency, in string
		want         int64
		ok           bool
	}{
		{"VND", "150000", 150000, true},
		{"VND", "0", 0, true},
		{"VND", "999999999999999", 999999999999999, true},
		{"VND", "1000000000000000", 0, false},
		{"VND", "1.0", 0, false},
		{"VND", "", 0, false},
		{"USD", "12", 1200, true},
		{"USD", "12.5", 1250, true},
		{"USD", "12.05", 1205, true},
		{"USD", "0.01", 1, true},
		{"USD", "12.345", 0, false},
		{"USD", "12.", 0, false},
		{"USD", "1.-5", 0, false},
		{"EUR", "12", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseAmount(tt.currency, tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseAmount(%s, %q) = %d, %v; want %d, %v", tt.currency, tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		currency string
		minor    int64
		want     string
	}{{"VND", 150000, "150.000 ₫"}, {"VND", 999, "999 ₫"}, {"VND", 1000, "1.000 ₫"}, {"VND", 1234567890, "1.234.567.890 ₫"}, {"USD", 1205, "$12.05"}} {
		if got := displayAmount(tt.currency, tt.minor); got != tt.want {
			t.Errorf("displayAmount(%s, %d) = %q, want %q", tt.currency, tt.minor, got, tt.want)
		}
	}
}

// FuzzSubmit posts arbitrary forms to the hosted page's submit: never a
// 5xx, and the transaction changes only for a known action, to the status
// that action (or, for pay, the status field) names.
func FuzzSubmit(f *testing.F) {
	for _, s := range []string{
		"trans_ref_no=100001&action=pay", "trans_ref_no=100001&action=pay&status=-7", "trans_ref_no=100001&action=cancel&status=1",
		"trans_ref_no=100001&action=insufficient", "trans_ref_no=100001&action=insufficient&action=pay", "trans_ref_no=100001&action=pay&status=2",
		"trans_ref_no=%zz&action=pay", "action=pay", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := NewServer(Config{}, WithoutNotify())
		defer s.Close()
		resp, _ := get(t, s, checkoutURL(s, DefaultSecretKey, order("ORDER-1", "150000", "https://shop.example/r")))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("checkout: HTTP %d", resp.StatusCode)
		}
		req := httptest.NewRequest(http.MethodPost, BasePath+"/checkout/submit", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.handleSubmit(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %q: HTTP %d", body, rec.Code)
		}
		tx, _ := s.Transaction("ORDER-1")
		if tx.Status == StatusInitial {
			return
		}
		v, err := url.ParseQuery(body)
		if err != nil || v.Get("trans_ref_no") != tx.TransRefNo {
			t.Fatalf("POST %q changed the transaction to %d", body, tx.Status)
		}
		want := map[string]int{"cancel": StatusCancelled, "insufficient": StatusInsufficientFunds, "pay": StatusSuccess}[v.Get("action")]
		if v.Get("action") == "pay" && v.Get("status") != "" {
			want, _ = strconv.Atoi(v.Get("status"))
		}
		if tx.Status != want || rec.Code != http.StatusSeeOther {
			t.Fatalf("POST %q: status %d (HTTP %d), want %d", body, tx.Status, rec.Code, want)
		}
	})
}
