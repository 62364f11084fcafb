package vinidpay_test

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// BenchmarkCreateTransaction is a whole CreateTransaction against the local
// fake: validate, sign the body, serialise, sign the headers, POST, verify
// the signed answer, parse. Its floor, BenchmarkCreateTransactionFloor, is
// a raw net/http POST of the same signed body (signed by hand with the same
// key, so that each request has a fresh nonce and invoice) to the same fake.
func BenchmarkCreateTransaction(b *testing.B) {
	e, tok := benchEnv(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		_, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
			UserToken: tok, InvoiceNo: "INV-B" + strconv.Itoa(i), Amount: dong(10_000), StoreCode: "STORE01", POSCode: "POS01",
			Description: "benchmark", OrderCreatedAt: t0,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateTransactionFloor(b *testing.B) {
	e, tok := benchEnv(b)
	k, _ := keys()
	cfg := e.fake.ClientConfig()
	keyCode := cfg.KeyCode.Reveal()
	hc := e.fake.Client()
	const path = vinidpay.PathCreateTransaction
	sign := func(msg []byte) string {
		d := sha256.Sum256(msg)
		sig, err := rsa.SignPKCS1v15(nil, k.Merchant, crypto.SHA256, d[:])
		if err != nil {
			b.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(sig)
	}
	type item struct {
		Currency string `json:"currency"`
		Amount   string `json:"amount"`
	}
	type body struct {
		Signature                  string `json:"signature"`
		HoldingEnabled             bool   `json:"holding_enabled"`
		InvoiceNo                  string `json:"invoice_no"`
		PaymentRequestList         []item `json:"payment_request_list"`
		BillAmount                 string `json:"bill_amount"`
		OrderCreatedAt             int64  `json:"order_created_at"`
		TransactionReferenceNumber string `json:"transaction_reference_number"`
		Description                string `json:"description"`
		TerminalID                 string `json:"terminal_id"`
		MerchantID                 string `json:"merchant_id"`
		MerchantCode               string `json:"merchant_code"`
		PartnerCode                string `json:"partner_code"`
		UserToken                  string `json:"user_token"`
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		inv := "INV-F" + strconv.Itoa(i)
		bd := body{InvoiceNo: inv, PaymentRequestList: []item{{"VND", "10000"}}, BillAmount: "10000", OrderCreatedAt: t0.Unix(),
			TransactionReferenceNumber: inv, Description: "benchmark", TerminalID: "POS01", MerchantID: "STORE01",
			MerchantCode: cfg.MerchantCode, PartnerCode: cfg.PartnerCode, UserToken: tok}
		bd.Signature = sign([]byte(tok + "|" + cfg.MerchantCode + "|STORE01|POS01|" + inv + "|" + strconv.FormatInt(t0.Unix(), 10) + "|10000|10000|"))
		raw, _ := json.Marshal(bd)
		nonce := "nonce-" + strconv.Itoa(i)
		ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, e.fake.URL+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Key-Code", keyCode)
		req.Header.Set("X-Nonce", nonce)
		req.Header.Set("X-Timestamp", ts)
		req.Header.Set("X-Signature", sign([]byte(path+";POST;"+nonce+";"+ts+";"+keyCode+";"+string(raw))))
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(out, []byte(`"code":200`)) {
			b.Fatalf("answer %s", out)
		}
	}
}

func benchEnv(b *testing.B) (*env, string) {
	e := newEnv(b, vinidpaytest.WithOTPThreshold(1<<60))
	uid := e.fake.AddUser("0912345678", 1<<50)
	lk, err := e.client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "bench", CallbackURL: "https://m.example/cb"})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := e.fake.ConfirmLink(lk.LinkID, uid)
	if err != nil {
		b.Fatal(err)
	}
	return e, tok
}
