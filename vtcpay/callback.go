package vtcpay

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Source says which channel a Result came by.
type Source int

const (
	// FromReturn: the payer's browser came back to the return URL. The
	// browser carries it, so it can be replayed or never arrive; treat the
	// notification or a query as the authority.
	FromReturn Source = iota + 1
	// FromIPN: VTC Pay's server POSTed it to the merchant's receiving URL.
	FromIPN
)

func (s Source) String() string {
	switch s {
	case FromReturn:
		return "return"
	case FromIPN:
		return "ipn"
	}
	return "unknown"
}

// Result is a verified payment result from VTC Pay. Every field comes from
// signed input: ParseReturn and ParseIPN return a Result only after the
// signature matched.
type Result struct {
	Source          Source
	Amount          decimal.Decimal // as VTC Pay reports it; compare with CheckAmount
	RawAmount       string          // the amount exactly as received
	Message         string
	PaymentType     string // how the payer paid, e.g. "VTCPay"
	ReferenceNumber string // the merchant's order reference
	Status          Status
	TransRefNo      string // VTC Pay's transaction reference
	WebsiteID       int
}

// Outcome is r.Status.Outcome().
func (r *Result) Outcome() Outcome { return r.Status.Outcome() }

// Err returns nil when the payment succeeded, and a *StatusError (matching
// ErrPaymentFailed) for every other status, unknown outcomes included.
func (r *Result) Err() error {
	if r.Status == StatusSuccess {
		return nil
	}
	return &StatusError{Op: "payment " + r.ReferenceNumber, Status: r.Status}
}

// CheckAmount returns an error matching ErrAmountMismatch unless the result's
// amount equals expected (compared as numbers: "50000" equals 50000.00).
// VTC Pay's document: a result whose amount differs from the order's is not
// valid; do not deliver the order, query it and settle with VTC Pay.
func (r *Result) CheckAmount(expected decimal.Decimal) error {
	if !r.Amount.Equal(expected) {
		return fmt.Errorf("%w: order %s: vtc pay reports %s, the order is %s", ErrAmountMismatch, r.ReferenceNumber, r.RawAmount, expected.String())
	}
	return nil
}

// Limits on callback input, so that hostile requests cost little.
const (
	// MaxCallbackBytes caps a notification body or a return query.
	MaxCallbackBytes = 8 << 10
	maxReturnParams  = 16
)

// ipnFields is the number of fields in a notification's data.
const ipnFields = 7

// ParseReturn verifies and reads the query of the payer's browser return:
// amount, message, payment_type, reference_number, status, trans_ref_no,
// website_id and signature. The signature is checked first, over the values
// of every parameter received except signature, ordered by name, joined with
// "|", then "|" and the secret key (a return holding an empty field is also
// accepted when signed without it, the checkout's rule); letter case is
// ignored and the comparison takes constant time. A missing or wrong signature gives ErrInvalidSignature;
// repeated parameters or a verified but unreadable field give ErrMalformed; a
// result for another website gives ErrWrongMerchant.
//
// Do not put query parameters of your own in the return URL: VTC Pay's
// handling of them is not documented, and they would enter the signed set.
func (c *Client) ParseReturn(q url.Values) (*Result, error) {
	sig, err := single(q, "signature")
	if err != nil || sig == "" {
		return nil, fmt.Errorf("%w: return: no signature", ErrInvalidSignature)
	}
	if len(q) > maxReturnParams {
		return nil, fmt.Errorf("%w: return: %d parameters", ErrMalformed, len(q))
	}
	var buf [maxReturnParams]signing.Param
	params := buf[:0]
	for k, vs := range q {
		if k == "signature" {
			continue
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("%w: return: parameter %q given %d times", ErrMalformed, k, len(vs))
		}
		params = append(params, signing.Param{Key: k, Value: vs[0]})
	}
	signing.SortParams(params)
	if !c.verifySorted(sig, params) {
		// VTC Pay's document lists every return field in the signed string;
		// its checkout rule signs only non-empty parameters. A return with an
		// empty field (message, say) is accepted when signed either way.
		nonEmpty := params[:0:0]
		for _, p := range params {
			if p.Value != "" {
				nonEmpty = append(nonEmpty, p)
			}
		}
		if len(nonEmpty) == len(params) || !c.verifySorted(sig, nonEmpty) {
			return nil, fmt.Errorf("%w: return", ErrInvalidSignature)
		}
	}
	get := func(k string) string {
		if vs := q[k]; len(vs) == 1 {
			return vs[0]
		}
		return ""
	}
	return c.result(FromReturn, get("amount"), get("message"), get("payment_type"), get("reference_number"), get("status"), get("trans_ref_no"), get("website_id"))
}

// verifySorted reports whether sig is the signature of the sorted params.
func (c *Client) verifySorted(sig string, sorted []signing.Param) bool {
	var msg [512]byte
	b := signing.AppendJoinSorted(msg[:0], "|", sorted)
	b = append(b, '|')
	b = append(b, c.secret...)
	d := sha256.Sum256(b)
	return signing.EqualHexDigest(sig, d[:])
}

// ParseIPN verifies and reads VTC Pay's server notification, the form fields
// data and signature. The signature is checked first: the uppercase hex
// SHA-256 of data exactly as received, "|" and the secret key (letter case
// ignored, constant time). Only then is data split into its 7 fields,
// amount|message|payment_type|reference_number|status|trans_ref_no|website_id;
// a data that does not split into exactly 7 (a message holding '|', say) is
// ErrMalformed: query the order status instead.
func (c *Client) ParseIPN(form url.Values) (*Result, error) {
	sig, err := single(form, "signature")
	if err != nil || sig == "" {
		return nil, fmt.Errorf("%w: ipn: no signature", ErrInvalidSignature)
	}
	data, err := single(form, "data")
	if err != nil {
		return nil, fmt.Errorf("%w: ipn: %v", ErrMalformed, err)
	}
	return c.parseIPN(data, sig)
}

func (c *Client) parseIPN(data, sig string) (*Result, error) {
	if len(data) > MaxCallbackBytes {
		return nil, fmt.Errorf("%w: ipn: data of %d bytes", ErrMalformed, len(data))
	}
	d := signing.SHA256(data, "|", c.secret)
	if !signing.EqualHexDigest(sig, d[:]) {
		return nil, fmt.Errorf("%w: ipn", ErrInvalidSignature)
	}
	var f [ipnFields]string
	n, start := 0, 0
	for i := 0; i < len(data); i++ { // a byte loop: faster than IndexByte on short fields
		if data[i] != '|' {
			continue
		}
		if n == ipnFields-1 {
			return nil, fmt.Errorf("%w: ipn: data has more than %d fields (a '|' inside a value?): query the order status", ErrMalformed, ipnFields)
		}
		f[n] = data[start:i]
		n, start = n+1, i+1
	}
	if n != ipnFields-1 {
		return nil, fmt.Errorf("%w: ipn: data has %d fields, want %d", ErrMalformed, n+1, ipnFields)
	}
	f[n] = data[start:]
	return c.result(FromIPN, f[0], f[1], f[2], f[3], f[4], f[5], f[6])
}

// result builds a Result from verified fields.
func (c *Client) result(src Source, amount, message, paymentType, ref, status, transRef, websiteID string) (*Result, error) {
	op := src.String()
	if ref == "" {
		return nil, fmt.Errorf("%w: %s: no reference_number", ErrMalformed, op)
	}
	amt, err := parseAmount(amount)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: amount: %v", ErrMalformed, op, err)
	}
	st, err := strconv.Atoi(status)
	if err != nil || len(status) > 4 {
		return nil, fmt.Errorf("%w: %s: status %q is not a number", ErrMalformed, op, truncate(status))
	}
	wid, err := strconv.Atoi(websiteID)
	if err != nil || len(websiteID) > 18 {
		return nil, fmt.Errorf("%w: %s: website_id %q is not a number", ErrMalformed, op, truncate(websiteID))
	}
	if wid != c.cfg.WebsiteID {
		return nil, fmt.Errorf("%w: %s: website_id %d, this client is %d", ErrWrongMerchant, op, wid, c.cfg.WebsiteID)
	}
	return &Result{
		Source: src, Amount: amt, RawAmount: amount, Message: message, PaymentType: paymentType,
		ReferenceNumber: ref, Status: Status(st), TransRefNo: transRef, WebsiteID: wid,
	}, nil
}

// parseAmount reads a plain decimal number: digits, and at most one '.'
// followed by up to 4 digits. No sign, exponent, spaces or grouping.
func parseAmount(s string) (decimal.Decimal, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > maxAmountDigits || (hasDot && (frac == "" || len(frac) > 4)) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain decimal", truncate(s))
	}
	var n int64
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			ch := part[i]
			if ch < '0' || ch > '9' {
				return decimal.Decimal{}, fmt.Errorf("%q is not a plain decimal", truncate(s))
			}
			n = n*10 + int64(ch-'0')
		}
	}
	return decimal.New(n, -int32(len(frac))), nil
}

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

func single(v url.Values, key string) (string, error) {
	vs, ok := v[key]
	if !ok {
		return "", fmt.Errorf("no %s", key)
	}
	if len(vs) != 1 {
		return "", fmt.Errorf("%s given %d times", key, len(vs))
	}
	return vs[0], nil
}

// ParseIPNRequest reads VTC Pay's notification from an HTTP request to the
// merchant's receiving URL and verifies it with ParseIPN. It accepts a POST
// with a form body (VTC Pay's format) or a JSON object with the same two
// fields, reads at most MaxCallbackBytes, and never trusts the query string.
func (c *Client) ParseIPNRequest(r *http.Request) (*Result, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w: ipn: method %s, want POST", ErrMalformed, r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxCallbackBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: ipn: reading body: %v", ErrMalformed, err)
	}
	if len(body) > MaxCallbackBytes {
		return nil, fmt.Errorf("%w: ipn: body over %d bytes", ErrMalformed, MaxCallbackBytes)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var v struct {
			Data      *string `json:"data"`
			Signature *string `json:"signature"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("%w: ipn: json: %v", ErrMalformed, err)
		}
		if v.Signature == nil || *v.Signature == "" {
			return nil, fmt.Errorf("%w: ipn: no signature", ErrInvalidSignature)
		}
		if v.Data == nil {
			return nil, fmt.Errorf("%w: ipn: no data", ErrMalformed)
		}
		return c.parseIPN(*v.Data, *v.Signature)
	}
	if mt != "application/x-www-form-urlencoded" && mt != "" {
		return nil, fmt.Errorf("%w: ipn: content type %q", ErrMalformed, truncate(mt))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: ipn: form: %v", ErrMalformed, err)
	}
	return c.ParseIPN(form)
}

// ParseReturnRequest reads the payer's return from the request's query and
// verifies it with ParseReturn. A query over MaxCallbackBytes is refused.
func (c *Client) ParseReturnRequest(r *http.Request) (*Result, error) {
	if len(r.URL.RawQuery) > MaxCallbackBytes {
		return nil, fmt.Errorf("%w: return: query over %d bytes", ErrMalformed, MaxCallbackBytes)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: return: query: %v", ErrMalformed, err)
	}
	return c.ParseReturn(q)
}

// IPNHandler returns an http.Handler for the merchant's receiving URL. It
// verifies each notification and passes the Result to handle; it answers 200
// "OK" when handle returns nil, 400 for a notification that fails
// verification or parsing (handle is not called), and 500 when handle fails,
// so that VTC Pay sends it again. Duplicates reach handle: make it idempotent.
//
// It answers only POSTs (405 otherwise). VTC Pay's document: "If Url Redirect
// is not on order, VTC shall redirect customers to Url Receiving": a checkout
// without PaymentRequest.ReturnURL brings the payer's browser (a GET) to the
// receiving URL. Set ReturnURL, or route GETs there to ParseReturnRequest.
func (c *Client) IPNHandler(handle func(r *http.Request, res *Result) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := c.ParseIPNRequest(r)
		if err != nil {
			c.log.WarnContext(r.Context(), "vtcpay: ipn refused", "err", err)
			status := http.StatusBadRequest
			if r.Method != http.MethodPost {
				status = http.StatusMethodNotAllowed
			}
			http.Error(w, "invalid notification", status)
			return
		}
		if err := handle(r, res); err != nil {
			c.log.ErrorContext(r.Context(), "vtcpay: ipn handler failed", "reference", res.ReferenceNumber, "err", err)
			http.Error(w, "error", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "OK")
	})
}
