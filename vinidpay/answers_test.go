package vinidpay

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"
)

// answering returns a client to which every request is answered with
// HTTP 200 and *body, unsigned; the caller may change *body between calls.
func answering(t testing.TB, body *string) *Client {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(200, *body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	return vectorClient(t, WithHTTPClient(&http.Client{Transport: mt}), WithQueryRetries(0, 0))
}

// answerOps calls every operation whose answer carries data, with valid
// requests, and checks what each accepted answer must satisfy.
func answerOps(ctx context.Context, c *Client) map[string]func() (accepted bool, problem string, err error) {
	return map[string]func() (bool, string, error){
		"link wallet": func() (bool, string, error) {
			r, err := c.LinkWallet(ctx, LinkWalletRequest{PartnerUserID: "alice", CallbackURL: "https://m.example/cb"})
			if err != nil {
				return false, "", err
			}
			if r.WebURL == "" || r.LinkID == "" || r.ExpiryDuration < 0 {
				return true, "incomplete link", nil
			}
			return true, "", nil
		},
		"link status": func() (bool, string, error) {
			r, err := c.LinkStatus(ctx, LinkStatusRequest{LinkReferenceID: "L1", PartnerUserID: "alice", CallbackURL: "https://m.example/cb"})
			if err != nil {
				return false, "", err
			}
			if r.LinkReferenceID != "L1" {
				return true, "answer for another link", nil
			}
			return true, "", nil
		},
		"create transaction": func() (bool, string, error) {
			r, err := c.CreateTransaction(ctx, vectorRequest())
			if err != nil {
				return false, "", err
			}
			if r.TransactionID == "" || r.Outcome == OutcomeFailed || (r.TransactionRefNumber != "" && r.TransactionRefNumber != "TRX-2024-0001") {
				return true, "bad transaction", nil
			}
			return true, "", nil
		},
		"confirm transaction": func() (bool, string, error) {
			r, err := c.ConfirmTransaction(ctx, ConfirmTransactionRequest{UserToken: "TKN0001", TransactionID: "TXN1", TransactionReferenceNumber: "TRX-2024-0001", OTP: "123456"})
			if err != nil {
				return false, "", err
			}
			if r.TransactionID != "TXN1" || r.Outcome == OutcomeFailed {
				return true, "bad transaction", nil
			}
			return true, "", nil
		},
		"confirm order": func() (bool, string, error) {
			r, err := c.ConfirmOrder(ctx, ConfirmOrderRequest{InvoiceNo: "INV-1", OrderStatus: OrderStatusSuccess})
			if err != nil {
				return false, "", err
			}
			if r.Outcome != OutcomeSucceeded {
				return true, "a settled verdict accepted as " + r.Outcome.String(), nil
			}
			return true, "", nil
		},
		"query order": func() (bool, string, error) {
			r, err := c.QueryOrder(ctx, "INV-1")
			if err != nil {
				return false, "", err
			}
			if r.OrderID != "INV-1" || r.OrderAmount.Sign() < 0 || r.VNDAmount.Sign() < 0 || r.PointAmount < 0 {
				return true, "bad order", nil
			}
			return true, "", nil
		},
		"refund": func() (bool, string, error) {
			r, err := c.Refund(ctx, RefundRequest{OrderID: "INV-1", RefundReferenceID: "RF-1", Amount: decimal.NewFromInt(5000)})
			if err != nil {
				return false, "", err
			}
			if !r.Amount.Equal(decimal.NewFromInt(5000)) || r.OrderID != "INV-1" || r.Outcome == OutcomeFailed {
				return true, "bad refund", nil
			}
			return true, "", nil
		},
	}
}

// TestMalformedAnswers: answers with meta.code 200 whose data VinID would
// never send, for every operation that reads data. Each is refused.
func TestMalformedAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := func(data string) string { return `{"meta":{"code":200,"message":"OK"},"data":` + data + `}` }
	for _, tc := range []struct {
		op, data string
		want     error
	}{
		{"link wallet", `{"link_id":"L1","expiry_duration":15}`, ErrMalformed},
		{"link wallet", `{"web_url":"https://v/l","expiry_duration":15}`, ErrMalformed},
		{"link wallet", `{"web_url":"https://v/l","link_id":"L1","expiry_duration":-1}`, ErrMalformed},
		{"link wallet", `{"web_url":"https://v/l","link_id":"L1","expiry_duration":1.5}`, ErrMalformed},
		{"link wallet", `{"web_url":"https://v/l","link_id":"L1","expiry_duration":"15"}`, ErrMalformed},
		{"link wallet", `{"web_url":"https://v/l","link_id":"L1","expiry_duration":99999999999999999999}`, ErrMalformed},
		{"link wallet", `{"web_url":1,"link_id":"L1"}`, ErrMalformed},
		{"link status", `{"link_reference_id":"L2","user_token":"T"}`, ErrMalformed},
		{"link status", `{"link_reference_id":"L1","user_token":7}`, ErrMalformed},
		{"link status", `"L1"`, ErrMalformed},
		{"create transaction", `{"transaction_status":"SUCCESS"}`, ErrMalformed},
		{"create transaction", `{"transaction_id":"X","transaction_ref_number":"OTHER"}`, ErrMalformed},
		{"create transaction", `{"transaction_id":"X","verification_methods":"2"}`, ErrMalformed},
		{"create transaction", `{"transaction_id":"X","transaction_status":1}`, ErrMalformed},
		{"create transaction", `{"transaction_id":"X","transaction_status":"FAIL"}`, ErrTransactionFailed},
		{"confirm transaction", `{"transaction_id":"TXN2","transaction_status":"SUCCESS"}`, ErrMalformed},
		{"confirm transaction", `{"transaction_id":"TXN1","transaction_status":"FAILED"}`, ErrTransactionFailed},
		{"confirm order", `{"transaction_status":"FAIL"}`, ErrTransactionFailed},
		{"confirm order", `{"transaction_status":"MAYBE"}`, ErrOutcomeUnknown},
		{"confirm order", `{"transaction_status":true}`, ErrMalformed},
		{"query order", `{"order_id":"INV-2","order_amount":1000}`, ErrMalformed},
		{"query order", `{"order_id":"INV-1"}`, ErrMalformed},
		{"query order", `{"order_id":"INV-1","order_amount":-5}`, ErrMalformed},
		{"query order", `{"order_id":"INV-1","order_amount":"1,000"}`, ErrMalformed},
		{"query order", `{"order_id":"INV-1","order_amount":1000,"created_at":"yesterday"}`, ErrMalformed},
		{"query order", `{"order_id":"INV-1","order_amount":1000,"point_amount":0.5}`, ErrMalformed},
		{"refund", `{"refund_reference_id":"RF-2","status":"SUCCESS"}`, ErrMalformed},
		{"refund", `{"order_id":"INV-2","status":"SUCCESS"}`, ErrMalformed},
		{"refund", `{"amount":4000,"status":"SUCCESS"}`, ErrMalformed},
		{"refund", `{"amount":5000.5,"status":"SUCCESS"}`, ErrMalformed},
		{"refund", `{"amount":5000,"status":"FAIL"}`, ErrTransactionFailed},
	} {
		body := env(tc.data)
		accepted, _, err := answerOps(ctx, answering(t, &body))[tc.op]()
		if accepted || !errors.Is(err, tc.want) {
			t.Errorf("%s answered %s: accepted %v, err %v; want %v", tc.op, tc.data, accepted, err, tc.want)
		}
	}
}

// FuzzAnswers gives every operation the same fuzzed answer: none may
// panic, and whatever is accepted must be for the request sent.
func FuzzAnswers(f *testing.F) {
	f.Add(string(readTestdata(f, "create_transaction.response.json")))
	f.Add(string(readTestdata(f, "create_transaction.seed_response.json")))
	f.Add(`{"meta":{"code":200},"data":{"web_url":"https://v/l","link_id":"L1","link_reference_id":"L1","user_token":"T","expiry_duration":15}}`)
	f.Add(`{"meta":{"code":200},"data":{"order_id":"INV-1","order_amount":"5000","transaction_status":"SUCCESS","status":"SUCCESS","amount":5000}}`)
	f.Add(`{"meta":{"code":4010006,"message":"x"}}`)
	f.Add(`{"meta":{"code":200},"data":null}`)
	// One client for all inputs: making one parses its keys, which is slow
	// under the fuzzer's instrumentation. Inputs run one at a time.
	var body string
	ops := answerOps(context.Background(), answering(f, &body))
	f.Fuzz(func(t *testing.T, in string) {
		body = in
		for op, call := range ops {
			if accepted, problem, _ := call(); accepted && problem != "" {
				t.Fatalf("%s accepted %q: %s", op, in, problem)
			}
		}
	})
}
