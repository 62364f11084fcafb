package vtcpay_test

// Fuzz targets and hostile-answer tables for the parsers of outside input
// that had none: the merchant APIs' answers (order status, refund, sales
// history), read through an injected transport, and the notification request
// (ParseIPNRequest) with a JSON or form body. They use only the exported API,
// so that they hold whatever the parsing code looks like inside.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay"
)

// The test credentials of testdata/README.md (made up, not a merchant's).
const (
	fzWebsiteID = 123456
	fzSecret    = "Thanhtoan2026SecretKey"
	fzKeySign   = "TestKeySign2026"
	fzReceiver  = "0963465816"
	fzHost      = "vtc.invalid"
	fzRef       = "ORDER-1"
)

// cannedTransport is an httpmock transport that answers every POST to
// fzHost with one status and body. Nothing leaves the process: any other
// request gets httpmock's error.
func cannedTransport(status int, body []byte) *httpmock.MockTransport {
	tr := httpmock.NewMockTransport()
	tr.RegisterRegexpResponder(http.MethodPost, regexp.MustCompile(`^https://`+regexp.QuoteMeta(fzHost)+`/`),
		httpmock.NewBytesResponder(status, body).HeaderSet(http.Header{"Content-Type": {"application/json; charset=utf-8"}}))
	return tr
}

func fzConfig() vtcpay.Config {
	return vtcpay.Config{
		WebsiteID:       fzWebsiteID,
		SecretKey:       signing.NewSecret(fzSecret),
		ReceiverAccount: fzReceiver,
		KeySign:         signing.NewSecret(fzKeySign),
	}
}

// cannedClient is a client whose every merchant API call gets status and
// body. Queries are not retried, so that a 5xx costs no backoff.
func cannedClient(t testing.TB, status int, body []byte) (*vtcpay.Client, *httpmock.MockTransport) {
	t.Helper()
	tr := cannedTransport(status, body)
	c, err := vtcpay.New(fzConfig(), vtcpay.WithBaseURL("https://"+fzHost),
		vtcpay.WithHTTPClient(&http.Client{Transport: tr}), vtcpay.WithQueryRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// fuzzStatus maps the fuzzer's integer to an HTTP status the transport can
// answer (200 when out of range).
func fuzzStatus(n int) int {
	if n < 200 || n > 599 {
		return 200
	}
	return n
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordedAnswers are the merchant API answers in testdata: the recorded
// ones from the fake and the modelled ones.
var recordedAnswers = []string{
	"fake-orderstatus-response.json", "fake-refund-response.json", "fake-refund-rejected-response.json",
	"fake-salehistory-response.json", "fake-invalid-sign-response.json",
	"orderstatus-known-shape.json", "orderstatus-unknown-order.json", "refund-refused.json", "api-bad-sign.json",
}

func addAnswerSeeds(f *testing.F) {
	for _, name := range recordedAnswers {
		b := readTestdata(f, name)
		f.Add(b, 200)
		f.Add(b, 500)
	}
	for _, tc := range hostileAnswers() {
		if len(tc.body) > 64<<10 {
			continue // the oversized answer: the table test has it; the fuzzer would spend its time minimizing it
		}
		f.Add([]byte(tc.body), tc.status)
	}
}

// checkAPIError fails unless err is one of the errors the merchant APIs
// document, with the package's prefix and no credential in its text.
func checkAPIError(t *testing.T, err error, status int, extra ...error) {
	t.Helper()
	ok := errors.Is(err, vtcpay.ErrMalformed) || errors.Is(err, vtcpay.ErrAPI)
	for _, e := range extra {
		ok = ok || errors.Is(err, e)
	}
	if !ok {
		t.Fatalf("unclassified error: %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "vtcpay: ") {
		t.Fatalf("error without the package prefix: %q", msg)
	}
	for _, s := range []string{fzSecret, fzKeySign} {
		if strings.Contains(msg, s) {
			t.Fatalf("credential in error: %q", msg)
		}
	}
	var ae *vtcpay.APIError
	if status != http.StatusOK && !errors.Is(err, vtcpay.ErrMalformed) && (!errors.As(err, &ae) || ae.HTTPStatus != status) {
		t.Fatalf("http %d answered with %v, want an *APIError with that status", status, err)
	}
}

// checkOneJSONValue fails unless an accepted answer is exactly one JSON
// value: an answer with anything after it (a second object, a cut-off
// stream, garbage) is malformed, and what follows could say the opposite.
func checkOneJSONValue(t *testing.T, body []byte) {
	t.Helper()
	if !json.Valid(body) {
		t.Fatalf("accepted an answer that is not one JSON value: %q", body)
	}
}

// bodyValues are the scalar values written in a JSON body: the numbers as
// written and the strings. A result may hold only values from here.
type bodyValues struct {
	numbers []string
	strs    map[string]bool
}

func valuesOf(body []byte) bodyValues {
	v := bodyValues{strs: map[string]bool{}}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return v
		}
		switch x := tok.(type) {
		case json.Number:
			v.numbers = append(v.numbers, string(x))
		case string:
			v.strs[x] = true
		}
	}
}

// hasAmount: the body writes a as a plain decimal number (no sign, no
// exponent): what an amount may be read from.
func (v bodyValues) hasAmount(a decimal.Decimal) bool {
	for _, n := range v.numbers {
		if strings.ContainsAny(n, "eE-") || len(n) > 40 {
			continue
		}
		if d, err := decimal.NewFromString(n); err == nil && d.Equal(a) {
			return true
		}
	}
	return false
}

func (v bodyValues) hasInt(i int) bool {
	for _, n := range v.numbers {
		if x, err := strconv.Atoi(n); err == nil && x == i {
			return true
		}
	}
	return false
}

func (v bodyValues) hasNumberText(s string) bool {
	for _, n := range v.numbers {
		if n == s {
			return true
		}
	}
	return false
}

// checkOrder fails unless every field of a reported order is a value the
// body wrote; the reference may also be asked, the one order asked about (a
// line that names no order answers for it), or "" when several were asked.
func checkOrder(t *testing.T, v bodyValues, o vtcpay.OrderStatus, asked string) {
	t.Helper()
	if o.ReferenceNumber != "" && !v.strs[o.ReferenceNumber] && (asked == "" || o.ReferenceNumber != asked) {
		t.Fatalf("reference %q not in the answer", o.ReferenceNumber)
	}
	if !v.hasInt(int(o.Status)) {
		t.Fatalf("status %d not in the answer", o.Status)
	}
	if o.Amount.IsNegative() || (!o.Amount.IsZero() && !v.hasAmount(o.Amount)) {
		t.Fatalf("amount %s not in the answer as a plain decimal", o.Amount)
	}
	if o.TransactionID != "" && !v.hasNumberText(o.TransactionID) {
		t.Fatalf("transaction id %q not in the answer", o.TransactionID)
	}
}

// FuzzOrderStatusAnswer feeds VTCPayGetOrderStatus answers (body and HTTP
// status) to QueryOrderStatus and OrderStatus: never a panic, every error
// classified, and a success holds only what the answer said.
func FuzzOrderStatusAnswer(f *testing.F) {
	addAnswerSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		status = fuzzStatus(status)
		c, _ := cannedClient(t, status, body)
		ctx := context.Background()
		v := valuesOf(body)

		resp, err := c.QueryOrderStatus(ctx, vtcpay.OrderStatusRequest{ReferenceNumbers: []string{fzRef, "ORDER-3"}})
		if err != nil {
			if resp != nil {
				t.Fatalf("a response with the error %v", err)
			}
			checkAPIError(t, err, status)
		} else {
			if status != http.StatusOK {
				t.Fatalf("http %d accepted: %+v", status, resp.Orders)
			}
			checkOneJSONValue(t, body)
			for _, o := range resp.Orders {
				checkOrder(t, v, o, "")
			}
		}

		o, err := c.OrderStatus(ctx, fzRef)
		if err != nil {
			if o != nil {
				t.Fatalf("an order with the error %v", err)
			}
			checkAPIError(t, err, status, vtcpay.ErrOrderNotFound)
			return
		}
		if status != http.StatusOK {
			t.Fatalf("http %d accepted: %+v", status, o)
		}
		if o.ReferenceNumber != fzRef {
			t.Fatalf("asked for %s, got %+v", fzRef, o)
		}
		checkOrder(t, v, *o, fzRef)
	})
}

// FuzzSaleHistoryAnswer feeds MerchantSaleHistoryGetList answers to
// SaleHistory, with the same properties.
func FuzzSaleHistoryAnswer(f *testing.F) {
	addAnswerSeeds(f)
	day := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		status = fuzzStatus(status)
		c, _ := cannedClient(t, status, body)
		v := valuesOf(body)
		resp, err := c.SaleHistory(context.Background(), vtcpay.SaleHistoryRequest{From: day, To: day})
		if err != nil {
			if resp != nil {
				t.Fatalf("a response with the error %v", err)
			}
			checkAPIError(t, err, status)
			return
		}
		if status != http.StatusOK {
			t.Fatalf("http %d accepted: %+v", status, resp.Sales)
		}
		checkOneJSONValue(t, body)
		for _, s := range resp.Sales {
			if s.ReferenceNumber != "" && !v.strs[s.ReferenceNumber] {
				t.Fatalf("reference %q not in the answer", s.ReferenceNumber)
			}
			// A sale without a status reads as 0, whose outcome is unknown.
			if s.Status != vtcpay.StatusInitialized && !v.hasInt(int(s.Status)) {
				t.Fatalf("status %d not in the answer", s.Status)
			}
			if s.Amount.IsNegative() || (!s.Amount.IsZero() && !v.hasAmount(s.Amount)) {
				t.Fatalf("amount %s not in the answer as a plain decimal", s.Amount)
			}
			if s.TransactionID != "" && !v.hasNumberText(s.TransactionID) {
				t.Fatalf("transaction id %q not in the answer", s.TransactionID)
			}
			if s.CreatedAt != "" && !v.strs[s.CreatedAt] {
				t.Fatalf("created date %q not in the answer", s.CreatedAt)
			}
		}
	})
}

// refundLineSays reports whether the answer holds a per-order line, at any
// depth, that names ref with Status 1 and, when it states a RefundAmount,
// states amount as a plain decimal. Keys are matched without regard to case,
// as encoding/json matches them. This is what a clear success is.
func refundLineSays(body []byte, ref string, amount decimal.Decimal) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return false
	}
	var walk func(any) bool
	walk = func(x any) bool {
		switch n := x.(type) {
		case []any:
			for _, e := range n {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			var code, st, amt bool
			amtOK := true
			for k, val := range n {
				switch {
				case strings.EqualFold(k, "OrderCode"):
					code = code || val == ref
				case strings.EqualFold(k, "Status"):
					num, _ := val.(json.Number)
					st = st || num == "1"
				case strings.EqualFold(k, "RefundAmount"):
					amt = true
					num, _ := val.(json.Number)
					d, err := decimal.NewFromString(string(num))
					amtOK = amtOK && !strings.ContainsAny(string(num), "eE-") && err == nil && d.Equal(amount)
				}
			}
			if code && st && (!amt || amtOK) {
				return true
			}
			for _, e := range n {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(root)
}

// FuzzRefundAnswer feeds RefundMoneyVTC answers to Refund: never a panic,
// every error classified, the POST sent exactly once whatever the answer,
// and a success only when the answer clearly says this order's refund of
// this amount succeeded.
func FuzzRefundAnswer(f *testing.F) {
	addAnswerSeeds(f)
	amount := decimal.NewFromInt(50000)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		status = fuzzStatus(status)
		c, tr := cannedClient(t, status, body)
		resp, err := c.Refund(context.Background(), vtcpay.RefundRequest{ReferenceNumber: fzRef, Amount: amount})
		if n := tr.GetTotalCallCount(); n != 1 {
			t.Fatalf("refund sent %d times, want exactly once", n)
		}
		if err != nil {
			checkAPIError(t, err, status, vtcpay.ErrAmountMismatch)
			if resp != nil && resp.Status == 1 && errors.Is(err, vtcpay.ErrAPI) {
				t.Fatalf("refused refund reported with status 1: %+v, %v", resp, err)
			}
			return
		}
		if resp == nil {
			t.Fatal("nil response and nil error")
		}
		if status != http.StatusOK {
			t.Fatalf("http %d accepted as a refund: %+v", status, resp)
		}
		checkOneJSONValue(t, body)
		if resp.Status != 1 || resp.ReferenceNumber != fzRef || !resp.Amount.Equal(amount) {
			t.Fatalf("success with %+v", resp)
		}
		if !refundLineSays(body, fzRef, amount) {
			t.Fatalf("refund reported as a success, but the answer holds no success line for %s of %s: %q", fzRef, amount, body)
		}
	})
}

type hostileAnswer struct {
	name   string
	status int
	body   string
}

// hostileAnswers are malformed and hostile merchant API answers; each one's
// expected error class per operation is in the table tests below.
func hostileAnswers() []hostileAnswer {
	return []hostileAnswer{
		{"empty body", 200, ""},
		{"html error page", 200, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"},
		{"html 502", 502, "<html><body>Bad Gateway</body></html>"},
		{"truncated json", 200, `{"ResponseCode":1,"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amo`},
		{"json null", 200, "null"},
		{"json array", 200, `[{"OrderCode":"ORDER-1","Status":1}]`},
		{"huge amount", 200, `{"ResponseCode":1,"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amount":123456789012345678901234567890}],"ListRefund":[{"OrderCode":"ORDER-1","Status":2,"RefundAmount":123456789012345678901234567890}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":1,"Amount":123456789012345678901234567890}]}`},
		{"huge status", 200, `{"ResponseCode":1,"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":99999999999999999999}],"ListRefund":[{"OrderCode":"ORDER-1","Status":99999999999999999999}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":99999999999999999999}]}`},
		{"huge response code", 200, `{"ResponseCode":1e400}`},
		{"negative amount", 200, `{"ResponseCode":1,"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amount":-150000}],"ListRefund":[{"OrderCode":"ORDER-1","Status":-2,"RefundAmount":-50000}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":1,"Amount":-150000}]}`},
		{"fractional amount", 200, `{"ResponseCode":1,"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amount":150000.123456}],"ListRefund":[{"OrderCode":"ORDER-1","Status":-2,"RefundAmount":0.5}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":1,"Amount":150000.123456}]}`},
		{"exponent amount", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amount":1.5e5}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":1,"Amount":1.5e5}]}`},
		{"duplicate response code", 200, `{"ResponseCode":1,"ResponseCode":-2,"Description":"invalid sign","ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1}],"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":50000}]}`},
		{"duplicate status", 200, `{"ResponseCode":1,"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"Status":-2,"RefundAmount":50000}]}`},
		{"string status", 200, `{"ResponseCode":1,"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":"1"}],"ListRefund":[{"OrderCode":"ORDER-1","Status":"1"}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":"1"}]}`},
		{"string response code", 200, `{"ResponseCode":"1"}`},
		{"object list", 200, `{"ResponseCode":1,"ListOrderStatus":{"OrderCode":"ORDER-1"},"ListRefund":{"OrderCode":"ORDER-1"},"ListSaleHistory":{"OrderCode":"ORDER-1"}}`},
		{"200 with error code", 200, `{"ResponseCode":-2,"Description":"invalid sign","ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1}],"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":50000}],"ListSaleHistory":[]}`},
		{"500 with success body", 500, `{"ResponseCode":1,"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amount":150000}],"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":50000}],"ListSaleHistory":[]}`},
		{"oversized", 200, `{"ListOrderStatus":[` + strings.Repeat(" ", 1<<20) + `]}`},
		{"success code, no line", 200, `{"ResponseCode":1}`},
		{"only another order", 200, `{"ResponseCode":1,"ListRefund":[{"OrderCode":"OTHER","Status":-2}]}`},
		{"zero refund amount", 200, `{"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":0}]}`},
		{"exponent refund amount", 200, `{"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":5e4}]}`},
		{"refund amount too fine", 200, `{"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":50000.00001}]}`},
		{"trailing value", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amount":150000}],"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":50000}],"ListSaleHistory":[]}{"ResponseCode":-2}`},
		{"trailing junk", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1}],"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":50000}]}00`},
		{"two lines for the order", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1},{"OrderCode":"ORDER-1","Status":-9}],"ListRefund":[{"OrderCode":"ORDER-1","Status":1,"RefundAmount":50000},{"OrderCode":"ORDER-1","Status":-2}]}`},
		{"refund line, no status", 200, `{"ListRefund":[{"OrderCode":"ORDER-1","RefundAmount":50000}]}`},
		{"sale with no status", 200, `{"ListSaleHistory":[{"OrderCode":"ORDER-1","Amount":150000}]}`},
		{"fractional transaction", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"TransactionID":-5.5}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":1,"TransactionID":-5.5}]}`},
		{"huge transaction", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"TransactionID":1e999}],"ListSaleHistory":[{"OrderCode":"ORDER-1","Status":1,"TransactionID":1e999}]}`},
	}
}

// The error class each hostile answer must get, per operation. ErrAPI is an
// *APIError; nil means a success is correct.
func TestMerchantAPIHostileAnswers(t *testing.T) {
	t.Parallel()
	type want struct{ order, refund, history error }
	wants := map[string]want{
		"empty body":         {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"html error page":    {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"html 502":           {vtcpay.ErrAPI, vtcpay.ErrAPI, vtcpay.ErrAPI},
		"truncated json":     {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"json null":          {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, nil},
		"json array":         {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"huge amount":        {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"huge status":        {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"huge response code": {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"negative amount":    {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"fractional amount":  {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		// Found by the fuzz targets: each was read as a success.
		"success code, no line":   {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, nil},
		"only another order":      {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, nil},
		"zero refund amount":      {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, nil},
		"exponent refund amount":  {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, nil},
		"refund amount too fine":  {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, nil},
		"trailing value":          {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"trailing junk":           {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"two lines for the order": {vtcpay.ErrMalformed, vtcpay.ErrMalformed, nil},
		"refund line, no status":  {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, nil},
		"sale with no status":     {vtcpay.ErrOrderNotFound, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"fractional transaction":  {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"huge transaction":        {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"exponent amount":         {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"duplicate response code": {vtcpay.ErrAPI, vtcpay.ErrAPI, vtcpay.ErrAPI},
		"duplicate status":        {vtcpay.ErrOrderNotFound, vtcpay.ErrAPI, nil},
		"string status":           {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"string response code":    {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"object list":             {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
		"200 with error code":     {vtcpay.ErrAPI, vtcpay.ErrAPI, vtcpay.ErrAPI},
		"500 with success body":   {vtcpay.ErrAPI, vtcpay.ErrAPI, vtcpay.ErrAPI},
		"oversized":               {vtcpay.ErrMalformed, vtcpay.ErrMalformed, vtcpay.ErrMalformed},
	}
	day := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tc := range hostileAnswers() {
		w, ok := wants[tc.name]
		if !ok {
			t.Fatalf("no expectation for %q", tc.name)
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			check := func(op string, err, want error) {
				t.Helper()
				if want == nil {
					if err != nil {
						t.Errorf("%s: %v, want success", op, err)
					}
					return
				}
				if !errors.Is(err, want) {
					t.Errorf("%s: %v, want %v", op, err, want)
					return
				}
				var ae *vtcpay.APIError
				if errors.As(err, &ae) && tc.status != http.StatusOK && ae.HTTPStatus != tc.status {
					t.Errorf("%s: APIError %+v, want http %d", op, ae, tc.status)
				}
			}
			c, _ := cannedClient(t, tc.status, []byte(tc.body))
			_, err := c.OrderStatus(ctx, fzRef)
			check("order status", err, w.order)
			c, tr := cannedClient(t, tc.status, []byte(tc.body))
			_, err = c.Refund(ctx, vtcpay.RefundRequest{ReferenceNumber: fzRef, Amount: decimal.NewFromInt(50000)})
			check("refund", err, w.refund)
			if n := tr.GetTotalCallCount(); n != 1 {
				t.Errorf("refund sent %d times", n)
			}
			c, _ = cannedClient(t, tc.status, []byte(tc.body))
			_, err = c.SaleHistory(ctx, vtcpay.SaleHistoryRequest{From: day, To: day})
			check("sale history", err, w.history)
		})
	}
}

// ipnSig is the notification's signature, written apart from the package's
// code: uppercase hex SHA-256 of data, "|" and the secret.
func ipnSig(data string) string {
	return signing.SHA256Hex(signing.Upper, data+"|"+fzSecret)
}

// signedByTestSecret reports whether body, read as the notification's JSON
// object or form, carries data and a signature that match under the test
// secret: the independent check that an accepted notification was signed.
func signedByTestSecret(body []byte) bool {
	var j struct{ Data, Signature string }
	if json.Unmarshal(body, &j) == nil && j.Signature != "" && strings.EqualFold(j.Signature, ipnSig(j.Data)) {
		return true
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || len(form["data"]) != 1 || len(form["signature"]) != 1 {
		return false
	}
	return strings.EqualFold(form.Get("signature"), ipnSig(form.Get("data")))
}

func ipnRequest(body []byte, contentType string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://shop.example/vtcpay/ipn", bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

const goodIPNData = "150000|Thành công|VTCPay|ORDER-1|1|990001|123456"

// FuzzParseIPNRequest feeds notification requests: the body bytes and the
// Content-Type. When sign is set, every "{{sig}}" in the body becomes the
// signature of data under the test secret, so that the fuzzer reaches the
// parsing behind the signature check (the body must still carry data itself
// for it to verify). Never a panic; every error classified; an accepted
// notification is for this website, has a reference and a non-negative
// amount, and its body is signed with the test secret.
func FuzzParseIPNRequest(f *testing.F) {
	c, err := vtcpay.New(fzConfig())
	if err != nil {
		f.Fatal(err)
	}
	jsonBody := func(data, sig string) []byte {
		b, _ := json.Marshal(map[string]string{"data": data, "signature": sig})
		return b
	}
	formBody := func(data, sig string) []byte { // sig unescaped: it may be the placeholder
		return []byte("data=" + url.QueryEscape(data) + "&signature=" + sig)
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", ""} {
		f.Add(jsonBody(goodIPNData, "{{sig}}"), ct, goodIPNData, true)
		f.Add(formBody(goodIPNData, "{{sig}}"), ct, goodIPNData, true)
	}
	f.Add(jsonBody(goodIPNData, ipnSig(goodIPNData)), "application/json", "", false)
	f.Add(formBody(goodIPNData, ipnSig(goodIPNData)), "application/x-www-form-urlencoded", "", false)
	f.Add(jsonBody(goodIPNData, strings.Repeat("0", 64)), "application/json", "", false)
	f.Add(formBody(goodIPNData, "{{sig}}"), "", strings.Replace(goodIPNData, "150000", "1", 1), true)
	f.Add(readTestdata(f, "fake-ipn.form"), "application/x-www-form-urlencoded", "", false)
	f.Add(readTestdata(f, "fake-ipn-pipe.form"), "application/x-www-form-urlencoded", "", false)
	f.Add([]byte(`{"data":"150000|a|b|ORDER-1|1|2|123456","data":"1|a|b|ORDER-1|1|2|123456","signature":"{{sig}}"}`), "application/json", "150000|a|b|ORDER-1|1|2|123456", true)
	f.Add([]byte(`{"data":null,"signature":"{{sig}}"}`), "application/json", "", true)
	f.Add([]byte(`{"data":"-1|a|b|ORDER-1|1|2|123456","signature":"{{sig}}"}`), "application/json", "-1|a|b|ORDER-1|1|2|123456", true)
	f.Add([]byte(`{"data":"1|a|b|ORDER-1|1|2|654321","signature":"{{sig}}"}`), "application/json", "1|a|b|ORDER-1|1|2|654321", true)
	f.Add([]byte(`{"data":"150000|a|b|ORDER-1|1|2|123456","signature":["x"]}`), "application/json", "", false)
	f.Add([]byte(`<html>`), "text/html", "", false)
	f.Add([]byte(`data=1&signature=%zz`), "application/json;;", "", false)
	f.Fuzz(func(t *testing.T, body []byte, contentType, data string, sign bool) {
		if sign {
			body = bytes.ReplaceAll(body, []byte("{{sig}}"), []byte(ipnSig(data)))
		}
		res, err := c.ParseIPNRequest(ipnRequest(body, contentType))
		if err != nil {
			if res != nil {
				t.Fatalf("a result with the error %v", err)
			}
			if !errors.Is(err, vtcpay.ErrInvalidSignature) && !errors.Is(err, vtcpay.ErrMalformed) && !errors.Is(err, vtcpay.ErrWrongMerchant) {
				t.Fatalf("unclassified error: %v", err)
			}
			if strings.Contains(err.Error(), fzSecret) {
				t.Fatalf("secret in error: %v", err)
			}
			return
		}
		if res.WebsiteID != fzWebsiteID || res.ReferenceNumber == "" || res.Amount.IsNegative() || res.Source != vtcpay.FromIPN {
			t.Fatalf("accepted a bad result: %+v", res)
		}
		if !signedByTestSecret(body) {
			t.Fatalf("accepted a notification not signed with the test secret: %q (content type %q)", body, contentType)
		}
	})
}

// TestParseIPNRequestHostile: malformed and hostile notification requests
// and the error class each gets.
func TestParseIPNRequestHostile(t *testing.T) {
	t.Parallel()
	c, err := vtcpay.New(fzConfig())
	if err != nil {
		t.Fatal(err)
	}
	good := goodIPNData
	sig := ipnSig(good)
	signed := func(data string) string {
		b, _ := json.Marshal(map[string]string{"data": data, "signature": ipnSig(data)})
		return string(b)
	}
	const jsonCT, formCT = "application/json", "application/x-www-form-urlencoded"
	tests := []struct {
		name, ct, body string
		want           error // nil: accepted
	}{
		{"good json", jsonCT, signed(good), nil},
		{"good form", formCT, url.Values{"data": {good}, "signature": {sig}}.Encode(), nil},
		{"empty body json", jsonCT, "", vtcpay.ErrMalformed},
		{"empty body form", formCT, "", vtcpay.ErrInvalidSignature},
		{"html error page", "text/html", "<html><body>error</body></html>", vtcpay.ErrMalformed},
		{"html as form", formCT, "<html><body>error</body></html>", vtcpay.ErrInvalidSignature},
		{"truncated json", jsonCT, signed(good)[:40], vtcpay.ErrMalformed},
		{"json null", jsonCT, "null", vtcpay.ErrInvalidSignature},
		{"json array", jsonCT, `["` + good + `","` + sig + `"]`, vtcpay.ErrMalformed},
		{"wrong type data", jsonCT, `{"data":150000,"signature":"` + sig + `"}`, vtcpay.ErrMalformed},
		{"wrong type signature", jsonCT, `{"data":"` + good + `","signature":["` + sig + `"]}`, vtcpay.ErrMalformed},
		{"no data", jsonCT, `{"signature":"` + sig + `"}`, vtcpay.ErrMalformed},
		{"no signature", jsonCT, `{"data":"` + good + `"}`, vtcpay.ErrInvalidSignature},
		{"duplicate data, last unsigned", jsonCT, `{"data":"` + good + `","data":"1|a|b|ORDER-1|1|2|123456","signature":"` + sig + `"}`, vtcpay.ErrInvalidSignature},
		{"duplicate form data", formCT, url.Values{"data": {good, good}, "signature": {sig}}.Encode(), vtcpay.ErrMalformed},
		{"signed with another secret", jsonCT, `{"data":"` + good + `","signature":"` + signing.SHA256Hex(signing.Upper, good+"|Other2026SecretKeyX") + `"}`, vtcpay.ErrInvalidSignature},
		{"huge amount", jsonCT, signed("123456789012345678901234567890|a|b|ORDER-1|1|2|123456"), vtcpay.ErrMalformed},
		{"negative amount", jsonCT, signed("-150000|a|b|ORDER-1|1|2|123456"), vtcpay.ErrMalformed},
		{"fractional amount", jsonCT, signed("150000.123456|a|b|ORDER-1|1|2|123456"), vtcpay.ErrMalformed},
		{"exponent amount", jsonCT, signed("1.5e5|a|b|ORDER-1|1|2|123456"), vtcpay.ErrMalformed},
		{"huge status", jsonCT, signed("150000|a|b|ORDER-1|99999999999|2|123456"), vtcpay.ErrMalformed},
		{"another website", jsonCT, signed("150000|a|b|ORDER-1|1|2|654321"), vtcpay.ErrWrongMerchant},
		{"oversized", jsonCT, `{"data":"` + strings.Repeat("1", vtcpay.MaxCallbackBytes) + `","signature":"` + sig + `"}`, vtcpay.ErrMalformed},
		{"other content type", "text/plain", url.Values{"data": {good}, "signature": {sig}}.Encode(), vtcpay.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := c.ParseIPNRequest(ipnRequest([]byte(tt.body), tt.ct))
			if tt.want == nil {
				if err != nil || res.ReferenceNumber != fzRef || !res.Amount.Equal(decimal.NewFromInt(150000)) {
					t.Fatalf("%+v, %v", res, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || res != nil {
				t.Fatalf("%+v, %v; want %v", res, err, tt.want)
			}
		})
	}
}
