package vinidpaytest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/signing"
)

// apiFake is a fake, not listening, with the committed throwaway test keys
// of ../testdata and one linked user (token "TKN1", 1,000,000 dong).
type apiFake struct {
	s   *Server
	h   http.Handler
	now time.Time
	n   int
}

func newAPIFake(t testing.TB) *apiFake {
	t.Helper()
	load := func(name string) *rsa.PrivateKey {
		b, err := os.ReadFile("../testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		k, err := signing.ParsePrivateKey(b)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Date(2024, 5, 14, 3, 0, 0, 0, time.UTC)
	s, err := NewServer(Config{Keys: &Keys{Merchant: load("merchant.pkcs8.pem"), VinID: load("vinid.pkcs1.pem")}, KeyCode: "KEYCODE1"},
		WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // the tests call the handler directly
	uid := s.AddUser("0912345678", 1_000_000)
	l := &link{id: "LNK1", partnerUserID: "alice", callbackURL: "https://m.example/cb", created: now, expires: now.Add(time.Hour), userID: uid, token: "TKN1"}
	s.links[l.id], s.tokens[l.token] = l, l
	return &apiFake{s: s, h: s.routes(), now: now}
}

func (f *apiFake) sign(msg string) string {
	d := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(nil, f.s.keys.Merchant, crypto.SHA256, d[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// post sends body to path with correct VinID headers (a fresh nonce, the
// X-Signature over the body as given) and returns the HTTP status and
// meta.code (0 when the answer is not an envelope).
func (f *apiFake) post(path string, body []byte) (int, int) {
	f.n++
	nonce := "nonce-" + strconv.Itoa(f.n)
	ts := strconv.FormatInt(f.now.Unix(), 10)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Key-Code", f.s.keyCode)
	req.Header.Set("X-Nonce", nonce)
	req.Header.Set("X-Timestamp", ts)
	req.Header.Set("X-Signature", f.sign(path+";POST;"+nonce+";"+ts+";"+f.s.keyCode+";"+string(body)))
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	var env struct {
		Meta struct {
			Code int `json:"code"`
		} `json:"meta"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &env)
	return rec.Code, env.Meta.Code
}

// createBody is a create-transaction body signed as the seed says; edit
// changes fields after signing (a wrong type for a signed field, made with
// a signature over the value the fake will read).
func (f *apiFake) createBody(vnd, points, created, bill string, edit func(m map[string]any)) []byte {
	items := []map[string]any{{"currency": "VND", "amount": vnd}}
	if points != "" {
		items = append(items, map[string]any{"currency": "OE POINT", "amount": points})
	}
	m := map[string]any{
		"holding_enabled": false, "invoice_no": "INV-1", "payment_request_list": items, "bill_amount": bill,
		"order_created_at": json.RawMessage(created), "transaction_reference_number": "TRX-1", "description": "d",
		"terminal_id": "POS01", "merchant_id": "STORE01", "merchant_code": "MERCHANT01", "partner_code": "PARTNER01", "user_token": "TKN1",
	}
	m["signature"] = f.sign(strings.Join([]string{"TKN1", "MERCHANT01", "STORE01", "POS01", "INV-1", created, bill, vnd, points}, "|"))
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// TestFakeRefusesMalformedRequests: requests whose headers authenticate
// but whose body VinID would refuse. None may be served as a success or
// create anything; a well-formed body is the control.
func TestFakeRefusesMalformedRequests(t *testing.T) {
	t.Parallel()
	f := newAPIFake(t)
	for _, tc := range []struct {
		name, path string
		body       []byte
	}{
		{"create: not json", pathCreate, []byte(`{"user_token":`)},
		{"create: json array", pathCreate, []byte(`[1]`)},
		{"create: json null", pathCreate, []byte(`null`)},
		{"create: empty body", pathCreate, []byte(``)},
		{"create: no signature", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) { delete(m, "signature") })},
		{"create: signature not base64", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) { m["signature"] = "%%%" })},
		{"create: list not an array", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) {
			m["payment_request_list"] = map[string]any{"currency": "VND", "amount": "5000"}
		})},
		{"create: no list", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) { delete(m, "payment_request_list") })},
		{"create: unknown currency", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) {
			m["payment_request_list"] = []map[string]any{{"currency": "VND", "amount": "5000"}, {"currency": "USD", "amount": "1"}}
		})},
		{"create: zero amount", pathCreate, f.createBody("0", "", "1715655600", "0", nil)},
		{"create: fractional amount", pathCreate, f.createBody("5000.5", "", "1715655600", "5000", nil)},
		{"create: negative amount", pathCreate, f.createBody("-5000", "", "1715655600", "5000", nil)},
		{"create: no vnd amount", pathCreate, f.createBody("", "100", "1715655600", "5000", nil)},
		{"create: fractional points", pathCreate, f.createBody("5000", "1.5", "1715655600", "5000", nil)},
		{"create: bill not a number", pathCreate, f.createBody("5000", "", "1715655600", "five", nil)},
		{"create: holding_enabled a string", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) { m["holding_enabled"] = "yes" })},
		{"create: order_created_at a string", pathCreate, f.createBody("5000", "", `"1715655600"`, "5000", nil)},
		{"create: amount a number", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) {
			m["payment_request_list"] = []map[string]any{{"currency": "VND", "amount": 5000}}
		})},
		{"create: user_token a number", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) { m["user_token"] = 1 })},
		{"create: other partner", pathCreate, f.createBody("5000", "", "1715655600", "5000", func(m map[string]any) { m["partner_code"] = "PARTNER02" })},
		{"link: not json", pathLinkWallet, []byte(`x`)},
		{"link: unsigned", pathLinkWallet, []byte(`{"partner_user_id":"bob","partner_code":"PARTNER01","callback_url":"https://m/cb"}`)},
		{"status: unknown link", pathLinkStatus, []byte(`{"partner_code":"PARTNER01","link_reference_id":"LNK9","signature":"AAAA"}`)},
		{"status: link id a number", pathLinkStatus, []byte(`{"partner_code":"PARTNER01","link_reference_id":1}`)},
		{"confirm: unsigned", pathConfirm, []byte(`{"user_token":"TKN1","transaction_id":"TXN1","transaction_reference_number":"TRX-1","otp":"1"}`)},
		{"confirm order: unsigned", pathConfirmOrder, []byte(`{"invoice_no":"INV-1","partner_code":"PARTNER01","order_status":"SUCCESS"}`)},
		{"unlink: unsigned", pathUnlinkWallet, []byte(`{"user_token":"TKN1","partner_code":"PARTNER01"}`)},
		{"refund: amount a string", pathRefund, []byte(`{"order_id":"INV-1","refund_reference_id":"R1","amount":"5000"}`)},
		{"refund: fractional amount", pathRefund, []byte(`{"order_id":"INV-1","refund_reference_id":"R1","amount":5000.5}`)},
		{"refund: no reference", pathRefund, []byte(`{"order_id":"INV-1","amount":5000}`)},
	} {
		status, code := f.post(tc.path, tc.body)
		if status == http.StatusOK || code == CodeOK || status >= 500 {
			t.Errorf("%s: HTTP %d, meta.code %d; want a refusal", tc.name, status, code)
		}
	}
	if n := len(f.s.txns) + len(f.s.refunds); n != 0 || len(f.s.links) != 1 || len(f.s.tokens) != 1 {
		t.Fatalf("malformed requests changed the fake: %d transactions and refunds, %d links, %d tokens", n, len(f.s.links), len(f.s.tokens))
	}
	// The control: the same body, well formed, is served.
	if status, code := f.post(pathCreate, f.createBody("5000", "", "1715655600", "5000", nil)); status != http.StatusOK || code != CodeOK {
		t.Fatalf("well-formed create: HTTP %d, meta.code %d", status, code)
	}
	if len(f.s.txns) != 1 {
		t.Fatalf("%d transactions after the well-formed create", len(f.s.txns))
	}
}

// FuzzFakeAPI gives arbitrary bodies to every POST handler of the fake,
// as after headers that authenticate (signing each input's X-Signature
// would leave the fuzzer a few inputs a second): never a panic, always a
// code, and a success only for a body that carries one of the genuine
// body signatures of the seeds (the fuzzer cannot sign). One fake serves
// all inputs; a served seed is refused as a duplicate afterwards.
func FuzzFakeAPI(f *testing.F) {
	fk := newAPIFake(f)
	var sigs []string
	for _, b := range [][]byte{fk.createBody("5000", "", "1715655600", "5000", nil), fk.createBody("5000", "2", "1715655600", "5002", nil)} {
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		sig, _ := m["signature"].(string)
		sigs = append(sigs, sig)
		f.Add(uint8(3), b)
	}
	genuineSig := func(body []byte) bool {
		for _, s := range sigs {
			if strings.Contains(string(body), s) {
				return true
			}
		}
		return false
	}
	s := fk.s
	handlers := []struct {
		path string
		h    handler
	}{
		{pathLinkWallet, s.linkWallet}, {pathLinkStatus, s.linkStatus}, {pathUnlinkWallet, s.unlinkWallet},
		{pathCreate, s.createTransaction}, {pathConfirm, s.confirmTransaction}, {pathConfirmOrder, s.confirmOrder},
		{pathRefund, s.refund},
	}
	f.Add(uint8(0), []byte(`{"partner_user_id":"bob","partner_code":"PARTNER01","callback_url":"https://m/cb","signature":"AAAA"}`))
	f.Add(uint8(6), []byte(`{"order_id":"INV-1","refund_reference_id":"R1","amount":5000}`))
	f.Add(uint8(1), []byte(`{"partner_code":"PARTNER01","link_reference_id":"LNK1"}`))
	f.Add(uint8(4), []byte(`{"user_token":"TKN1","transaction_id":"TXN1","transaction_reference_number":"TRX-1","otp":"123456","signature":""}`))
	f.Fuzz(func(t *testing.T, p uint8, body []byte) {
		hd := handlers[int(p)%len(handlers)]
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
			return // refused before any handler runs (TestFakeRefusesMalformedRequests)
		}
		ex := &exchange{path: hd.path, method: http.MethodPost, body: body, fields: fields}
		s.mu.Lock()
		res := hd.h(ex)
		s.mu.Unlock()
		if res.code == 0 {
			t.Fatalf("POST %s %q: no code", hd.path, body)
		}
		if res.code == CodeOK && hd.path != pathRefund && !genuineSig(body) {
			t.Fatalf("POST %s %q served without a genuine body signature", hd.path, body)
		}
	})
}
