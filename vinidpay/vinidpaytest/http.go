package vinidpaytest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The fake's own copy of the wire format: paths, headers and signing
// strings are written here from the seed and VinID's documents, not taken
// from the vinidpay package, so that a mistake there fails against the fake.
const (
	pathLinkWallet   = "/oh-integration/account/v1/link-wallet"
	pathLinkStatus   = "/oh-integration/account/v1/check-status-link-wallet"
	pathUnlinkWallet = "/oh-integration/account/v1/unlink-wallet"
	pathCreate       = "/oh-integration/transaction/purchase/v1/online-transactions"
	pathConfirm      = "/oh-integration/transaction/purchase/v1/online-transactions-confirm"
	pathConfirmOrder = "/oh-integration/transaction/purchase/v1/confirmOrder"
	pathQueryPrefix  = "/merchant-integration/v1/qr/query/"
	pathRefund       = "/merchant-integration/v1/refund"

	nonceWindow = 2 * time.Hour
	maxBody     = 1 << 20
)

const (
	statusSuccess = "SUCCESS"
	statusHolding = "HOLDING"
	statusPending = "PENDING"
	statusFail    = "FAIL"
)

// CodeForbidden is VinID's "merchant has no access" (wrong partner or
// merchant code).
const CodeForbidden = 4030001

// exchange is one request being served.
type exchange struct {
	path, method, nonce string
	body                []byte
	fields              map[string]json.RawMessage
	pathValue           string
	// callbacks to deliver once the lock is released.
	out []pendingCallback
}

type result struct {
	code int
	msg  string
	data any
}

func ok(data any) result { return result{code: CodeOK, msg: "OK", data: data} }

func fail(code int, msg string) result { return result{code: code, msg: msg} }

func httpStatus(code int) int {
	switch {
	case code == CodeOK:
		return http.StatusOK
	case code >= 1000000:
		if st := code / 10000; st >= 400 && st <= 599 {
			return st
		}
	}
	return http.StatusBadRequest
}

type handler func(ex *exchange) result

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathLinkWallet, s.api(s.linkWallet))
	mux.HandleFunc("POST "+pathLinkStatus, s.api(s.linkStatus))
	mux.HandleFunc("POST "+pathUnlinkWallet, s.api(s.unlinkWallet))
	mux.HandleFunc("POST "+pathCreate, s.api(s.createTransaction))
	mux.HandleFunc("POST "+pathConfirm, s.api(s.confirmTransaction))
	mux.HandleFunc("POST "+pathConfirmOrder, s.api(s.confirmOrder))
	mux.HandleFunc("GET "+pathQueryPrefix+"{order}", s.api(s.queryOrder))
	mux.HandleFunc("POST "+pathRefund, s.api(s.refund))
	mux.HandleFunc("GET /link/{id}", s.linkPage)
	mux.HandleFunc("POST /link/{id}", s.linkSubmit)
	mux.HandleFunc("GET /link/{id}/qr.png", s.linkQR)
	mux.HandleFunc("GET /sms", s.smsPage)
	return mux
}

// api wraps a handler with VinID's request authentication, the response
// envelope and signature, injected failures and callback delivery.
func (s *Server) api(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		ex := &exchange{path: r.URL.Path, method: r.Method, body: body, pathValue: r.PathValue("order")}
		s.mu.Lock()
		res, drop := s.serve(ex, r, h)
		out := ex.out
		resp, sigHeaders := s.encode(ex, res)
		s.mu.Unlock()

		if drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
		} else {
			for k, v := range sigHeaders {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(httpStatus(res.code))
			_, _ = w.Write(resp)
		}
		s.deliver(out)
	}
}

// serve runs under s.mu.
func (s *Server) serve(ex *exchange, r *http.Request, h handler) (result, bool) {
	// Responses are signed over the nonce the request carried, even when it
	// is refused, so the client can verify the refusal.
	ex.nonce = r.Header.Get("X-Nonce")
	if q := s.failNext[ex.path]; len(q) > 0 {
		s.failNext[ex.path] = q[1:]
		inj := q[0]
		return result{code: inj.code, msg: "injected failure " + strconv.Itoa(inj.httpStatus)}, false
	}
	if res, okAuth := s.authenticate(ex, r.Header); !okAuth {
		return res, false
	}
	if ex.method == http.MethodPost {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(ex.body, &fields); err != nil || fields == nil {
			return fail(CodeInvalidData, "body is not a json object"), false
		}
		ex.fields = fields
	}
	res := h(ex)
	drop := false
	if s.dropNext[ex.path] > 0 {
		s.dropNext[ex.path]--
		drop = true
	}
	return res, drop
}

// authenticate checks X-Key-Code, X-Timestamp, X-Nonce and X-Signature as
// VinID documents them, with VinID's codes.
func (s *Server) authenticate(ex *exchange, h http.Header) (result, bool) {
	now := s.now()
	if h.Get("X-Key-Code") != s.keyCode {
		return fail(CodeAuthFailed, "unknown key code"), false
	}
	ts, err := strconv.ParseInt(h.Get("X-Timestamp"), 10, 64)
	if err != nil {
		return fail(CodeTimestampNotNumber, "timestamp is not a number"), false
	}
	at := time.Unix(ts, 0)
	if at.After(now.Add(s.skew)) {
		return fail(CodeTimestampInFuture, "timestamp is in the future"), false
	}
	if now.Sub(at) > nonceWindow {
		return fail(CodeRequestExpired, "request expired"), false
	}
	nonce := h.Get("X-Nonce")
	if nonce == "" || len(nonce) > 255 {
		return fail(CodeNonceInvalid, "missing or invalid nonce"), false
	}
	raw := ex.path + ";" + ex.method + ";" + nonce + ";" + strconv.FormatInt(ts, 10) + ";" + s.keyCode + ";" + string(ex.body)
	if !s.verify(raw, h.Get("X-Signature")) {
		return fail(CodeAuthFailed, "invalid x-signature"), false
	}
	s.pruneNonces()
	if _, seen := s.nonces[nonce]; seen {
		return fail(CodeNonceReused, "nonce already used"), false
	}
	s.nonces[nonce] = now
	return result{}, true
}

func (s *Server) pruneNonces() {
	now := s.now()
	for n, at := range s.nonces {
		if now.Sub(at) > nonceWindow {
			delete(s.nonces, n)
		}
	}
}

// verify checks a base64 SHA256withRSA signature with the merchant's key.
func (s *Server) verify(msg, sig string) bool {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) == 0 {
		return false
	}
	d := sha256.Sum256([]byte(msg))
	return rsa.VerifyPKCS1v15(&s.keys.Merchant.PublicKey, crypto.SHA256, d[:], raw) == nil
}

// sign makes a base64 SHA256withRSA signature with VinID's key.
func (s *Server) sign(msg string) string {
	d := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(nil, s.keys.VinID, crypto.SHA256, d[:])
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// verifyBody checks the body's "signature" over the '|'-joined values.
func (ex *exchange) verifyBody(s *Server, values ...string) bool {
	return s.verify(strings.Join(values, "|"), ex.str("signature"))
}

// str returns a string field ("" when absent or not a string).
func (ex *exchange) str(name string) string {
	var v string
	if raw, ok := ex.fields[name]; ok {
		_ = json.Unmarshal(raw, &v)
	}
	return v
}

// encode builds the response body and, when enabled, its signature
// headers: X-Signature over {path};{method};{request nonce};{timestamp};
// {key code};{body} with VinID's key.
func (s *Server) encode(ex *exchange, res result) ([]byte, map[string]string) {
	data := res.data
	if data == nil {
		data = struct{}{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Meta struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"meta"`
		Data any `json:"data"`
	}{Meta: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{res.code, res.msg}, Data: data})
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !s.signResponses {
		return body, nil
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	sig := s.sign(ex.path + ";" + ex.method + ";" + ex.nonce + ";" + ts + ";" + s.keyCode + ";" + string(body))
	return body, map[string]string{"X-Timestamp": ts, "X-Signature": sig}
}

type pendingCallback struct {
	kind    string
	url     string
	handler http.Handler
	times   int
}

// deliver runs outside s.mu: the merchant's handler may call the fake.
func (s *Server) deliver(out []pendingCallback) {
	for _, cb := range out {
		for i := 0; i < cb.times; i++ {
			status := 0
			if cb.handler != nil {
				req, err := http.NewRequest(http.MethodGet, cb.url, nil)
				if err == nil {
					rec := httptest.NewRecorder()
					cb.handler.ServeHTTP(rec, req)
					status = rec.Code
				}
			}
			s.mu.Lock()
			s.deliveries = append(s.deliveries, DeliveryRecord{Kind: cb.kind, URL: cb.url, Status: status})
			s.mu.Unlock()
		}
	}
}

func (s *Server) deliveryTimes() int {
	switch s.delivery {
	case DeliverTwice:
		return 2
	case DeliverNever:
		return 0
	}
	return 1
}

// PaymentCallbackQuery returns the query string of a payment notification
// signed with VinID's key over status;transactionID;orderID, with the
// unsigned fields of extra added. Tests use it to make genuine callbacks
// (and then tamper with them).
func (s *Server) PaymentCallbackQuery(status, transactionID, orderID string, extra url.Values) string {
	v := url.Values{}
	for k, vals := range extra {
		v[k] = append([]string(nil), vals...)
	}
	v.Set("order_id", orderID)
	v.Set("pay_status", status)
	v.Set("transaction_id", transactionID)
	v.Set("signature", s.sign(status+";"+transactionID+";"+orderID))
	return v.Encode()
}

// LinkCallbackQuery returns the query string of a link callback signed with
// VinID's key over status;link_reference_id;partner_user_id;user_token;phone_number.
func (s *Server) LinkCallbackQuery(status, linkID, partnerUserID, userToken, maskedPhone string) string {
	v := url.Values{}
	v.Set("status", status)
	v.Set("link_reference_id", linkID)
	v.Set("partner_user_id", partnerUserID)
	v.Set("user_token", userToken)
	v.Set("phone_number", maskedPhone)
	v.Set("signature", s.sign(strings.Join([]string{status, linkID, partnerUserID, userToken, maskedPhone}, ";")))
	return v.Encode()
}

func withQuery(base, q string) string {
	if strings.Contains(base, "?") {
		return base + "&" + q
	}
	return base + "?" + q
}

func maskPhone(p string) string {
	if len(p) <= 3 {
		return "*******" + p
	}
	return "*******" + p[len(p)-3:]
}
