package vinidpaytest_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

var keys = sync.OnceValues(vinidpaytest.GenerateKeys)

var t0 = time.Date(2024, 5, 14, 3, 0, 0, 0, time.UTC)

func newFake(t *testing.T) (*vinidpaytest.Server, *vinidpaytest.Keys) {
	t.Helper()
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	f, err := vinidpaytest.NewServer(vinidpaytest.Config{Keys: k}, vinidpaytest.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f, k
}

func sign(t *testing.T, key *rsa.PrivateKey, msg string) string {
	t.Helper()
	d := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// raw is a hand-made link-wallet request, written without the vinidpay
// package, that a test can spoil one part at a time.
type raw struct {
	keyCode, nonce, ts string
	bodySig, headerSig string // "" = correct
	body               []byte
}

func (f fixture) send(t *testing.T, r raw) (int, map[string]any) {
	t.Helper()
	const path = "/oh-integration/account/v1/link-wallet"
	if r.body == nil {
		bodySig := r.bodySig
		if bodySig == "" {
			bodySig = sign(t, f.keys.Merchant, "alice|PARTNER01|https://m.example/cb")
		}
		r.body, _ = json.Marshal(map[string]string{
			"signature": bodySig, "callback_url": "https://m.example/cb", "partner_type": "MERCHANT",
			"partner_code": "PARTNER01", "partner_user_id": "alice",
		})
	}
	if r.headerSig == "" {
		r.headerSig = sign(t, f.keys.Merchant, path+";POST;"+r.nonce+";"+r.ts+";"+r.keyCode+";"+string(r.body))
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, bytes.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Key-Code", r.keyCode)
	req.Header.Set("X-Nonce", r.nonce)
	req.Header.Set("X-Timestamp", r.ts)
	req.Header.Set("X-Signature", r.headerSig)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Meta struct {
			Code int `json:"code"`
		} `json:"meta"`
		Data map[string]any `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Meta.Code, out.Data
}

type fixture struct {
	srv  *vinidpaytest.Server
	keys *vinidpaytest.Keys
}

// TestFakeVerifiesBothSignatures checks the fake with requests made by hand,
// so that it does not merely agree with the client it tests.
func TestFakeVerifiesBothSignatures(t *testing.T) {
	t.Parallel()
	srv, k := newFake(t)
	f := fixture{srv, k}
	ts := strconv.FormatInt(t0.Unix(), 10)
	good := func(nonce string) raw { return raw{keyCode: srv.KeyCode(), nonce: nonce, ts: ts} }

	if code, data := f.send(t, good("n-1")); code != 200 || !strings.HasPrefix(data["web_url"].(string), srv.URL) {
		t.Fatalf("valid request: code %d data %v", code, data)
	}
	for _, tc := range []struct {
		name string
		r    raw
		code int
	}{
		{"reused nonce", good("n-1"), vinidpaytest.CodeNonceReused},
		{"wrong body signature", raw{keyCode: srv.KeyCode(), nonce: "n-2", ts: ts, bodySig: sign(t, k.Merchant, "alice|PARTNER01|https://other.example/")}, vinidpaytest.CodeAuthFailed},
		{"body signed by another key", raw{keyCode: srv.KeyCode(), nonce: "n-3", ts: ts, bodySig: sign(t, k.VinID, "alice|PARTNER01|https://m.example/cb")}, vinidpaytest.CodeAuthFailed},
		{"wrong header signature", raw{keyCode: srv.KeyCode(), nonce: "n-4", ts: ts, headerSig: sign(t, k.Merchant, "something else")}, vinidpaytest.CodeAuthFailed},
		{"unknown key code", raw{keyCode: "other", nonce: "n-5", ts: ts}, vinidpaytest.CodeAuthFailed},
		{"timestamp not a number", raw{keyCode: srv.KeyCode(), nonce: "n-6", ts: "soon"}, vinidpaytest.CodeTimestampNotNumber},
		{"timestamp in the future", raw{keyCode: srv.KeyCode(), nonce: "n-7", ts: strconv.FormatInt(t0.Unix()+60, 10)}, vinidpaytest.CodeTimestampInFuture},
		{"request too old", raw{keyCode: srv.KeyCode(), nonce: "n-8", ts: strconv.FormatInt(t0.Add(-3*time.Hour).Unix(), 10)}, vinidpaytest.CodeRequestExpired},
		{"missing nonce", raw{keyCode: srv.KeyCode(), ts: ts}, vinidpaytest.CodeNonceInvalid},
	} {
		if code, _ := f.send(t, tc.r); code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.code)
		}
	}
	if got := len(srv.Links()); got != 1 {
		t.Errorf("%d links made, want 1", got)
	}
	// A forged request does not burn its nonce.
	if code, _ := f.send(t, good("n-4")); code != 200 {
		t.Errorf("nonce of a forged request: code %d", code)
	}
}

func TestFakeSignsResponses(t *testing.T) {
	t.Parallel()
	srv, k := newFake(t)
	ts := strconv.FormatInt(t0.Unix(), 10)
	path := "/merchant-integration/v1/qr/query/INV-1"
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Header.Set("X-Key-Code", srv.KeyCode())
	req.Header.Set("X-Nonce", "q-1")
	req.Header.Set("X-Timestamp", ts)
	req.Header.Set("X-Signature", sign(t, k.Merchant, path+";GET;q-1;"+ts+";"+srv.KeyCode()+";"))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(buf.String(), `"code":4040001`) {
		t.Fatalf("status %d body %s", resp.StatusCode, buf.String())
	}
	msg := path + ";GET;q-1;" + resp.Header.Get("X-Timestamp") + ";" + srv.KeyCode() + ";" + buf.String()
	sig, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Signature"))
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte(msg))
	if err := rsa.VerifyPKCS1v15(&k.VinID.PublicKey, crypto.SHA256, d[:], sig); err != nil {
		t.Errorf("response signature: %v", err)
	}
}
