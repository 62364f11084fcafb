package vivietpay_test

// Fuzz targets and hostile-answer tables for the answers of the modelled
// query and refund APIs (Client.Query, Client.Refund), read through an
// injected transport. They use only the exported API, so that they hold
// whatever the parsing code looks like inside. The gateway's side (v1
// secure_hash, v2 sealing) is written here apart from the package's code.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
)

const (
	fzSite      = "TESTSITE"
	fzAccess    = "TESTACCESS"
	fzHost      = "viviet.invalid"
	fzRef       = "REF-20260101-0001"
	fzRefundRef = "REF-20260101-0001-R1"
)

var (
	fzOrderAmount  = decimal.NewFromInt(150000)
	fzRefundAmount = decimal.NewFromInt(50000)
)

// fzB64 is v2's encoding of binary values: base64url without padding.
var fzB64 = base64.RawURLEncoding

func fzRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fzKit holds the test credentials of testdata (made by gen.sh, throwaway).
type fzKit struct {
	secret   string
	merchant *rsa.PrivateKey
	gateway  *rsa.PrivateKey
}

func newKit(t testing.TB) fzKit {
	t.Helper()
	m, err := vivietpay.ParsePrivateKey(fzRead(t, "merchant.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := vivietpay.ParsePrivateKey(fzRead(t, "gateway.key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return fzKit{secret: strings.TrimSpace(string(fzRead(t, "v1.secret"))), merchant: m, gateway: g}
}

// cannedTransport is an httpmock transport that answers every query (GET)
// and refund (POST) to fzHost with one status, Content-Type and body.
// Nothing leaves the process: any other request gets httpmock's error.
func cannedTransport(status int, contentType string, body []byte) *httpmock.MockTransport {
	r := httpmock.NewBytesResponder(status, body)
	if contentType != "" {
		r = r.HeaderSet(http.Header{"Content-Type": {contentType}})
	}
	tr := httpmock.NewMockTransport()
	host := regexp.MustCompile(`^https://` + regexp.QuoteMeta(fzHost) + `/`)
	tr.RegisterRegexpResponder(http.MethodGet, host, r)
	tr.RegisterRegexpResponder(http.MethodPost, host, r)
	return tr
}

// client returns a v1 or v2 client whose every call gets the canned answer;
// queries are not retried, so that a 5xx costs no backoff.
func (k fzKit) client(t testing.TB, v2 bool, tr http.RoundTripper) *vivietpay.Client {
	t.Helper()
	cfg := vivietpay.Config{MerchantSite: fzSite, AccessCode: fzAccess}
	opts := []vivietpay.Option{vivietpay.WithBaseURL("https://" + fzHost),
		vivietpay.WithHTTPClient(&http.Client{Transport: tr}), vivietpay.WithQueryRetries(0)}
	if v2 {
		cfg.MerchantKey = k.merchant
		cfg.GatewayKeys = []*rsa.PublicKey{&k.gateway.PublicKey}
		opts = append(opts, vivietpay.WithProtocol(vivietpay.V2))
	} else {
		cfg.Secret = signing.NewSecret(k.secret)
	}
	c, err := vivietpay.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func isJSON(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/json" || mt == "text/json"
}

// encode writes v as the body for contentType: a flat JSON object of strings
// or a form.
func encode(v url.Values, contentType string) []byte {
	if !isJSON(contentType) {
		return []byte(v.Encode())
	}
	m := make(map[string]string, len(v))
	for k := range v {
		m[k] = v.Get(k)
	}
	b, _ := json.Marshal(m)
	return b
}

// v1Hash is the gateway's v1 secure_hash: lowercase hex SHA-256 of the
// secret and the values ordered by name, joined with "|".
func v1Hash(secret string, v map[string]string) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		if k != "secure_hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	s := secret
	for _, k := range keys {
		s += "|" + v[k]
	}
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

// signV1 reads body as a form and signs it as the gateway would (the first
// value of each parameter); a body that is not a form is returned as is.
func (k fzKit) signV1(body []byte, contentType string) []byte {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return body
	}
	m := make(map[string]string, len(v))
	for key := range v {
		m[key] = v.Get(key)
	}
	v.Set("secure_hash", v1Hash(k.secret, m))
	return encode(v, contentType)
}

// sealV2 is the gateway's v2 answer for the JSON js: js under a fresh 3DES
// key, the key under the merchant's RSA key, js signed by the gateway's.
func (k fzKit) sealV2(t testing.TB, js []byte, contentType string) []byte {
	t.Helper()
	sess := make([]byte, signing.TripleDESKeySize)
	if _, err := rand.Read(sess); err != nil {
		t.Fatal(err)
	}
	data, err := signing.EncryptTripleDESECB(sess, js)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := signing.WrapKeyPKCS1v15(&k.merchant.PublicKey, sess)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signing.SignSHA256(k.gateway, js)
	if err != nil {
		t.Fatal(err)
	}
	return encode(url.Values{"merchant_site": {fzSite}, "data": {fzB64.EncodeToString(data)},
		"key": {fzB64.EncodeToString(wrapped)}, "secure_hash": {fzB64.EncodeToString(sig)}}, contentType)
}

// readAnswer reads body as the client should (a form, or flat JSON by the
// Content-Type) into one value per name; false for what is not one.
func readAnswer(body []byte, contentType string) (map[string]string, bool) {
	out := map[string]string{}
	if isJSON(contentType) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) != nil {
			return nil, false
		}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				out[strings.ToLower(k)] = x
			case json.Number:
				out[strings.ToLower(k)] = x.String()
			}
		}
		return out, true
	}
	v, err := url.ParseQuery(strings.TrimSpace(string(body)))
	if err != nil {
		return nil, false
	}
	for k, vs := range v {
		if len(vs) != 1 {
			return nil, false
		}
		out[k] = vs[0]
	}
	return out, true
}

// signedByGateway is the independent check that an accepted answer was
// signed: under v1 its secure_hash matches the test secret; under v2 its
// data decrypts with the merchant key and verifies with the gateway's key.
func (k fzKit) signedByGateway(body []byte, contentType string, v2 bool) bool {
	m, ok := readAnswer(body, contentType)
	if !ok || m["secure_hash"] == "" {
		return false
	}
	if !v2 {
		return strings.EqualFold(m["secure_hash"], v1Hash(k.secret, m))
	}
	wrapped, err1 := signing.DecodeBase64(m["key"])
	data, err2 := signing.DecodeBase64(m["data"])
	sig, err3 := signing.DecodeBase64(m["secure_hash"])
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	sess, err := signing.UnwrapKeyPKCS1v15(k.merchant, wrapped, signing.TripleDESKeySize)
	if err != nil {
		return false
	}
	js, err := signing.DecryptTripleDESECB(sess, data)
	if err != nil {
		return false
	}
	return signing.VerifySHA256(js, sig, &k.gateway.PublicKey) == nil
}

// The fuzz modes: how the fuzzed body reaches the client.
const (
	modeRawV1  = 0 // the body as is, to a v1 client
	modeSignV1 = 3 // the body read as a form and signed with the v1 secret
	modeSealV2 = 6 // the body as the v2 JSON, sealed by the gateway
	modeRawV2  = 7 // the body as is, to a v2 client
)

// modeOf maps the fuzzer's byte to a mode. The v2 modes get a quarter of
// the inputs: their RSA operations make an exec 20 to 60 times slower than a
// v1 one, and past the envelope both share the code that reads the fields.
func modeOf(b uint8) uint8 {
	switch m := b % 8; m {
	case 1, 2:
		return modeRawV1
	case 4, 5:
		return modeSignV1
	default:
		return m
	}
}

// answerFor turns the fuzzer's inputs into the canned answer and the
// client's protocol.
// cannedAnswer is the transport of answerFor and what it answers.
type cannedAnswer struct {
	*httpmock.MockTransport
	status int
	body   []byte
}

func (k fzKit) answerFor(t testing.TB, body []byte, contentType string, status int, mode uint8) (cannedAnswer, bool) {
	if status < 200 || status > 599 {
		status = 200
	}
	m := modeOf(mode)
	switch m {
	case modeSignV1:
		body = k.signV1(body, contentType)
	case modeSealV2:
		body = k.sealV2(t, body, contentType)
	}
	return cannedAnswer{cannedTransport(status, contentType, body), status, body}, m == modeSealV2 || m == modeRawV2
}

// checkErr fails unless err is one of the package's documented errors, for
// op, without the secret; a non-2xx answer must be an *APIError with its
// HTTP status.
func (k fzKit) checkErr(t *testing.T, op string, err error, status int) {
	t.Helper()
	known := false
	for _, s := range []error{vivietpay.ErrInvalidSignature, vivietpay.ErrMalformed, vivietpay.ErrAmountMismatch,
		vivietpay.ErrOrderMismatch, vivietpay.ErrCancelled, vivietpay.ErrDeclined, vivietpay.ErrUnknownOutcome} {
		known = known || errors.Is(err, s)
	}
	if !known {
		t.Fatalf("unclassified error: %v", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "vivietpay: "+op+": ") {
		t.Fatalf("error without the operation's prefix: %q", msg)
	}
	if strings.Contains(msg, k.secret) {
		t.Fatalf("secret in error: %q", msg)
	}
	var ae *vivietpay.APIError
	if (status < 200 || status > 299) && (!errors.As(err, &ae) || ae.HTTPStatus != status) {
		t.Fatalf("http %d answered with %v, want an *APIError with that status", status, err)
	}
}

func fzOrder() vivietpay.Order {
	return vivietpay.Order{
		OrderNo:     "ORDER-1001",
		MerchTxnRef: fzRef,
		Description: "Thanh toán đơn hàng ORDER-1001",
		Amount:      fzOrderAmount,
		ReturnURL:   "https://shop.example/vivietpay/return",
		CancelURL:   "https://shop.example/vivietpay/cancel",
	}
}

func fzRefundRequest() vivietpay.RefundRequest {
	return vivietpay.RefundRequest{MerchTxnRef: fzRef, RefundRef: fzRefundRef, Amount: fzRefundAmount, Reason: "khách trả hàng"}
}

const (
	formCT = "application/x-www-form-urlencoded; charset=utf-8"
	jsonCT = "application/json"
)

// addSeeds adds the recorded answers (raw, to their protocol's client), and
// the hostile table's answers.
func addSeeds(f *testing.F, answers ...string) {
	for _, name := range answers {
		b := fzRead(f, filepath.Join("fixtures", name))
		mode := uint8(modeRawV1)
		if strings.HasPrefix(name, "v2_") {
			mode = modeRawV2
		}
		f.Add(b, formCT, 200, mode)
		f.Add(b, "", 200, mode)
		f.Add(b, formCT, 500, mode)
	}
	v1, err := url.ParseQuery(strings.TrimSpace(string(fzRead(f, "fixtures/v1_query.answer"))))
	if err != nil {
		f.Fatal(err)
	}
	v1.Del("secure_hash")
	f.Add([]byte(v1.Encode()), jsonCT, 200, uint8(modeSignV1))
	js, _ := json.Marshal(map[string]string{"merch_txn_ref": fzRef, "merchant_site": fzSite, "response_code": "00",
		"total_amount": "150000", "currency": "VND", "trans_no": "VV1", "order_no": "ORDER-1001",
		"refund_ref": fzRefundRef, "refund_amount": "50000", "refund_trans_no": "RF1"})
	f.Add(js, formCT, 200, uint8(modeSealV2))
	for _, h := range hostileAnswers() {
		if len(h.body) > 32<<10 {
			continue // the oversized answer: the table test has it; the fuzzer would spend its time minimizing it
		}
		mode := uint8(modeRawV1)
		if h.sign {
			mode = modeSignV1
		}
		f.Add([]byte(h.body), h.ct, h.status, mode)
	}
}

// FuzzQueryAnswer feeds query answers (body, Content-Type, HTTP status;
// raw, signed with the v1 secret or sealed under v2) to Query: never a
// panic, every error classified, and a success only for a signed answer
// that names this order's reference and amount.
func FuzzQueryAnswer(f *testing.F) {
	k := newKit(f)
	addSeeds(f, "v1_query.answer", "v2_query.answer")
	f.Fuzz(func(t *testing.T, body []byte, contentType string, status int, mode uint8) {
		tr, v2 := k.answerFor(t, body, contentType, status, mode)
		res, err := k.client(t, v2, tr).Query(context.Background(), fzOrder())
		if err != nil {
			k.checkErr(t, "query", err, tr.status)
			if res != nil && res.Outcome == vivietpay.Succeeded && !errors.Is(err, vivietpay.ErrAmountMismatch) && !errors.Is(err, vivietpay.ErrOrderMismatch) {
				t.Fatalf("a succeeded result with the error %v", err)
			}
			return
		}
		if res == nil {
			t.Fatal("nil result and nil error")
		}
		if tr.status < 200 || tr.status > 299 {
			t.Fatalf("http %d accepted: %+v", tr.status, res)
		}
		if res.Outcome != vivietpay.Succeeded || res.ResponseCode != vivietpay.CodeSuccess || res.MerchTxnRef != fzRef ||
			!res.Amount.Equal(fzOrderAmount) || res.Currency != "VND" || res.MerchantSite != fzSite || res.TransactionNo == "" {
			t.Fatalf("accepted %+v", res)
		}
		if !k.signedByGateway(tr.body, contentType, v2) {
			t.Fatalf("accepted an answer not signed by the gateway: %q (content type %q)", tr.body, contentType)
		}
	})
}

// FuzzRefundAnswer feeds refund answers to Refund, the same way: the POST
// is sent exactly once whatever the answer, and a success only for a signed
// answer that names this refund, its amount and a refund transaction.
func FuzzRefundAnswer(f *testing.F) {
	k := newKit(f)
	addSeeds(f, "v1_refund.answer", "v2_refund.answer")
	f.Fuzz(func(t *testing.T, body []byte, contentType string, status int, mode uint8) {
		tr, v2 := k.answerFor(t, body, contentType, status, mode)
		ref, err := k.client(t, v2, tr).Refund(context.Background(), fzRefundRequest())
		if n := tr.GetTotalCallCount(); n != 1 {
			t.Fatalf("refund sent %d times, want exactly once", n)
		}
		if err != nil {
			k.checkErr(t, "refund", err, tr.status)
			if ref != nil && ref.Outcome == vivietpay.Succeeded && !errors.Is(err, vivietpay.ErrAmountMismatch) {
				t.Fatalf("a succeeded refund with the error %v", err)
			}
			return
		}
		if ref == nil {
			t.Fatal("nil refund and nil error")
		}
		if tr.status < 200 || tr.status > 299 {
			t.Fatalf("http %d accepted: %+v", tr.status, ref)
		}
		if ref.Outcome != vivietpay.Succeeded || ref.ResponseCode != vivietpay.CodeSuccess || ref.MerchTxnRef != fzRef ||
			ref.RefundRef != fzRefundRef || !ref.Amount.Equal(fzRefundAmount) || ref.RefundTransNo == "" {
			t.Fatalf("accepted %+v", ref)
		}
		if !k.signedByGateway(tr.body, contentType, v2) {
			t.Fatalf("accepted an answer not signed by the gateway: %q (content type %q)", tr.body, contentType)
		}
	})
}

type hostileAnswer struct {
	name   string
	status int
	ct     string
	body   string
	sign   bool // read body as a form and sign it with the v1 secret
}

// A successful answer's fields for both APIs, as a form without secure_hash.
const (
	okQuery  = "currency=VND&merch_txn_ref=REF-20260101-0001&merchant_site=TESTSITE&message=success&order_no=ORDER-1001&response_code=00&total_amount=150000&trans_no=VV1&trans_time=20260101103000"
	okRefund = "merch_txn_ref=REF-20260101-0001&merchant_site=TESTSITE&message=success&refund_amount=50000&refund_ref=REF-20260101-0001-R1&refund_trans_no=RF1&response_code=00"
	// both answers at once: what a hostile case changes in one field
	okBoth = okQuery + "&refund_amount=50000&refund_ref=REF-20260101-0001-R1&refund_trans_no=RF1"
)

func with(base string, set ...string) string {
	v, err := url.ParseQuery(base)
	if err != nil {
		panic(err) // constant test input
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	return v.Encode()
}

func hostileAnswers() []hostileAnswer {
	return []hostileAnswer{
		{"success", 200, formCT, okBoth, true},
		{"success as json", 200, jsonCT, okBoth, true},
		{"empty body", 200, formCT, "", false},
		{"empty signed body", 200, formCT, "", true},
		{"html error page", 200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body><h1>Lỗi hệ thống</h1></body></html>", false},
		{"html 502", 502, "text/html", "<html><body>Bad Gateway</body></html>", false},
		{"truncated json", 200, jsonCT, `{"merch_txn_ref":"REF-20260101-0001","response_code":"00","total_am`, false},
		{"truncated form, signed", 200, formCT, okBoth[:len(okBoth)/2], true},
		{"unsigned success", 200, formCT, okBoth + "&secure_hash=" + strings.Repeat("0", 64), false},
		{"huge amount", 200, formCT, with(okBoth, "total_amount", "123456789012345678901234567890", "refund_amount", "123456789012345678901234567890"), true},
		{"int64 overflow amount", 200, formCT, with(okBoth, "total_amount", "999999999999999999", "refund_amount", "999999999999999999"), true},
		{"negative amount", 200, formCT, with(okBoth, "total_amount", "-150000", "refund_amount", "-50000"), true},
		{"fractional amount", 200, formCT, with(okBoth, "total_amount", "150000.00", "refund_amount", "50000.00"), true},
		{"exponent amount", 200, formCT, with(okBoth, "total_amount", "1.5e5", "refund_amount", "5e4"), true},
		{"no amount", 200, formCT, with(okBoth, "total_amount", "", "refund_amount", ""), true},
		{"other amount", 200, formCT, with(okBoth, "total_amount", "1500", "refund_amount", "500"), true},
		{"duplicate form keys", 200, formCT, okBoth + "&response_code=07", true},
		{"duplicate json keys", 200, jsonCT, `{"response_code":"07","Response_Code":"00","secure_hash":"00"}`, false},
		{"wrong json type", 200, jsonCT, `{"merch_txn_ref":"REF-20260101-0001","response_code":{"code":"00"},"secure_hash":"00"}`, false},
		{"json array", 200, jsonCT, `["00"]`, false},
		{"separator in a value", 200, formCT, with(okBoth, "message", "ok|00"), true},
		{"200 with error code", 200, formCT, with(okBoth, "response_code", "07"), true},
		{"200 with unknown code", 200, formCT, with(okBoth, "response_code", "42"), true},
		{"200 not found", 200, formCT, with(okBoth, "response_code", "12"), true},
		{"not found, another merchant", 200, formCT, with(okBoth, "response_code", "12", "merchant_site", "OTHERSITE"), true},
		{"not found, another reference", 200, formCT, with(okBoth, "response_code", "12", "merch_txn_ref", "REF-OTHER", "refund_ref", "REF-OTHER-R1"), true},
		{"500 with success body", 500, formCT, okBoth, true},
		{"another merchant", 200, formCT, with(okBoth, "merchant_site", "OTHERSITE"), true},
		{"another reference", 200, formCT, with(okBoth, "merch_txn_ref", "REF-OTHER", "refund_ref", "REF-OTHER-R1"), true},
		{"success without transaction", 200, formCT, with(okBoth, "trans_no", "", "refund_trans_no", ""), true},
		{"other content type", 200, "text/xml", okBoth, true},
		{"oversized", 200, formCT, "a=" + strings.Repeat("1", 70<<10), false},
	}
}

// TestHostileAnswers: each hostile answer and the error class it gets from
// Query and Refund (nil: a success is correct). ErrCancelled, ErrDeclined
// and ErrUnknownOutcome come in an *APIError.
func TestHostileAnswers(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	type want struct{ query, refund error }
	wants := map[string]want{
		"success":                {nil, nil},
		"success as json":        {nil, nil},
		"empty body":             {vivietpay.ErrInvalidSignature, vivietpay.ErrInvalidSignature},
		"empty signed body":      {vivietpay.ErrMalformed, vivietpay.ErrOrderMismatch},
		"html error page":        {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"html 502":               {vivietpay.ErrUnknownOutcome, vivietpay.ErrUnknownOutcome},
		"truncated json":         {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"truncated form, signed": {vivietpay.ErrMalformed, vivietpay.ErrOrderMismatch},
		"unsigned success":       {vivietpay.ErrInvalidSignature, vivietpay.ErrInvalidSignature},
		"huge amount":            {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"int64 overflow amount":  {vivietpay.ErrAmountMismatch, vivietpay.ErrAmountMismatch},
		"negative amount":        {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"fractional amount":      {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"exponent amount":        {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"no amount":              {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"other amount":           {vivietpay.ErrAmountMismatch, vivietpay.ErrAmountMismatch},
		"duplicate form keys":    {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"duplicate json keys":    {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"wrong json type":        {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"json array":             {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"separator in a value":   {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"200 with error code":    {vivietpay.ErrDeclined, vivietpay.ErrDeclined},
		"200 with unknown code":  {vivietpay.ErrUnknownOutcome, vivietpay.ErrUnknownOutcome},
		"200 not found":          {vivietpay.ErrDeclined, vivietpay.ErrDeclined},
		// A "not found" about another order is not about ours.
		"not found, another merchant":  {vivietpay.ErrOrderMismatch, vivietpay.ErrOrderMismatch},
		"not found, another reference": {vivietpay.ErrOrderMismatch, vivietpay.ErrOrderMismatch},
		"500 with success body":        {vivietpay.ErrUnknownOutcome, vivietpay.ErrUnknownOutcome},
		"another merchant":             {vivietpay.ErrOrderMismatch, vivietpay.ErrOrderMismatch},
		"another reference":            {vivietpay.ErrOrderMismatch, vivietpay.ErrOrderMismatch},
		"success without transaction":  {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"other content type":           {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
		"oversized":                    {vivietpay.ErrMalformed, vivietpay.ErrMalformed},
	}
	for _, h := range hostileAnswers() {
		w, ok := wants[h.name]
		if !ok {
			t.Fatalf("no expectation for %q", h.name)
		}
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			mode := uint8(modeRawV1)
			if h.sign {
				mode = modeSignV1
			}
			check := func(op string, err, want error, status int) {
				t.Helper()
				if want == nil {
					if err != nil {
						t.Errorf("%s: %v, want success", op, err)
					}
					return
				}
				if !errors.Is(err, want) {
					t.Errorf("%s: %v, want %v", op, err, want)
				}
				var ae *vivietpay.APIError
				isAPI := errors.As(err, &ae)
				if apiClass := want == vivietpay.ErrDeclined || want == vivietpay.ErrUnknownOutcome || want == vivietpay.ErrCancelled; apiClass != isAPI {
					t.Errorf("%s: %v: *APIError %v, want %v", op, err, isAPI, apiClass)
				}
				if isAPI && status != http.StatusOK && ae.HTTPStatus != status {
					t.Errorf("%s: %+v, want http status %d", op, ae, status)
				}
			}
			tr, v2 := k.answerFor(t, []byte(h.body), h.ct, h.status, mode)
			res, err := k.client(t, v2, tr).Query(context.Background(), fzOrder())
			check("query", err, w.query, h.status)
			if err == nil && (!res.Amount.Equal(fzOrderAmount) || res.TransactionNo != "VV1") {
				t.Errorf("query: %+v", res)
			}
			tr, v2 = k.answerFor(t, []byte(h.body), h.ct, h.status, mode)
			ref, err := k.client(t, v2, tr).Refund(context.Background(), fzRefundRequest())
			check("refund", err, w.refund, h.status)
			if err == nil && (!ref.Amount.Equal(fzRefundAmount) || ref.RefundTransNo != "RF1") {
				t.Errorf("refund: %+v", ref)
			}
			if n := tr.GetTotalCallCount(); n != 1 {
				t.Errorf("refund sent %d times", n)
			}
		})
	}
}

// TestHostileAnswersV2: the v2 envelope around hostile JSON, sealed by the
// gateway, and a v1 answer sent to a v2 client.
func TestHostileAnswersV2(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	ok := func(extra string) string {
		return `{"merch_txn_ref":"REF-20260101-0001","merchant_site":"TESTSITE","response_code":"00","total_amount":"150000","currency":"VND","trans_no":"VV1","refund_ref":"REF-20260101-0001-R1","refund_amount":"50000","refund_trans_no":"RF1"` + extra + `}`
	}
	tests := []struct {
		name, js string
		seal     bool
		want     error
	}{
		{"success", ok(""), true, nil},
		{"amounts as numbers", strings.ReplaceAll(strings.ReplaceAll(ok(""), `"150000"`, `150000`), `"50000"`, `50000`), true, nil},
		{"duplicate keys", ok(`,"RESPONSE_CODE":"07"`), true, vivietpay.ErrMalformed},
		{"nested value", ok(`,"extra":{"a":1}`), true, vivietpay.ErrMalformed},
		{"trailing data", ok("") + `{}`, true, vivietpay.ErrMalformed},
		{"huge numbers", strings.ReplaceAll(strings.ReplaceAll(ok(""), `"150000"`, `1e400`), `"50000"`, `1e400`), true, vivietpay.ErrMalformed},
		{"negative numbers", strings.ReplaceAll(strings.ReplaceAll(ok(""), `"150000"`, `-150000`), `"50000"`, `-50000`), true, vivietpay.ErrMalformed},
		{"fractional numbers", strings.ReplaceAll(strings.ReplaceAll(ok(""), `"150000"`, `150000.0`), `"50000"`, `50000.0`), true, vivietpay.ErrMalformed},
		{"another merchant inside", strings.Replace(ok(""), `"TESTSITE"`, `"OTHERSITE"`, 1), true, vivietpay.ErrOrderMismatch},
		{"not sealed", ok(""), false, vivietpay.ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(url.Values{"merchant_site": {fzSite}, "data": {fzB64.EncodeToString([]byte(tt.js))}, "key": {"AAAA"}, "secure_hash": {"AAAA"}}.Encode())
			if tt.seal {
				body = k.sealV2(t, []byte(tt.js), formCT)
			}
			for _, op := range []string{"query", "refund"} {
				tr := cannedTransport(200, formCT, body)
				c := k.client(t, true, tr)
				var err error
				if op == "query" {
					_, err = c.Query(context.Background(), fzOrder())
				} else {
					_, err = c.Refund(context.Background(), fzRefundRequest())
				}
				if (tt.want == nil && err != nil) || !errors.Is(err, tt.want) {
					t.Errorf("%s: %v, want %v", op, err, tt.want)
				}
			}
		})
	}
	// A v1 answer, correctly signed with the v1 secret, to a v2 client.
	tr := cannedTransport(200, formCT, k.signV1([]byte(okBoth), formCT))
	if _, err := k.client(t, true, tr).Query(context.Background(), fzOrder()); !errors.Is(err, vivietpay.ErrInvalidSignature) {
		t.Errorf("v1 answer to a v2 client: %v", err)
	}
}
