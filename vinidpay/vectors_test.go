package vinidpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

// Values of the vectors made by testdata/gen.sh.
const (
	vecKeyCode = "b7bdf002-4948-44d2-99d1-99c8c81c3f47"
	vecNonce   = "00a81e60-2684-4cf9-878d-f37559213059"
	vecTime    = 1715655600
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func vectorClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithClock(func() time.Time { return time.Unix(vecTime, 0) }),
		WithNonceSource(func() (string, error) { return vecNonce, nil }),
	}
	c, err := New(Config{
		PartnerCode:    "PARTNER01",
		MerchantCode:   "MERCHANT01",
		KeyCode:        signing.NewSecret(vecKeyCode),
		PrivateKey:     signing.NewSecret(string(readTestdata(t, "merchant.pkcs8.pem"))),
		VinIDPublicKey: string(readTestdata(t, "vinid.pub.pem")),
	}, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func vectorRequest() CreateTransactionRequest {
	return CreateTransactionRequest{
		UserToken: "TKN0001", InvoiceNo: "INV-2024-0001", TransactionReferenceNumber: "TRX-2024-0001",
		Amount: decimal.NewFromInt(148000), Points: 2000, BillAmount: decimal.NewFromInt(150000),
		Description: "Thanh toán đơn hàng INV-2024-0001", StoreCode: "STORE01", POSCode: "POS01",
	}
}

func TestVectorCreateTransactionBody(t *testing.T) {
	t.Parallel()
	c := vectorClient(t)
	body, ref, err := c.createTransactionBody("create transaction", vectorRequest())
	if err != nil {
		t.Fatal(err)
	}
	if ref != "TRX-2024-0001" {
		t.Errorf("ref = %q", ref)
	}
	if want := readTestdata(t, "create_transaction.body.json"); !bytes.Equal(body, want) {
		t.Errorf("body differs from the vector:\n got %s\nwant %s", body, want)
	}
	var b createTransactionBody
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	canonical := readTestdata(t, "create_transaction.canonical.txt")
	if got := b.signingString(); got != string(canonical) {
		t.Errorf("signing string\n got %q\nwant %q", got, canonical)
	}
	sig := string(readTestdata(t, "create_transaction.sig.b64"))
	if b.Signature != sig {
		t.Errorf("body signature differs from openssl's:\n got %s\nwant %s", b.Signature, sig)
	}
	if err := signing.VerifySHA256Base64(canonical, sig, &c.key.PublicKey); err != nil {
		t.Errorf("openssl's body signature does not verify: %v", err)
	}
}

func TestVectorHeaderSignature(t *testing.T) {
	t.Parallel()
	c := vectorClient(t)
	for _, tc := range []struct {
		name, path, method string
		body               []byte
		nonce              string
	}{
		{"create_transaction", PathCreateTransaction, "POST", readTestdata(t, "create_transaction.body.json"), vecNonce},
		{"query_order", PathQueryOrder + "INV-2024-0001", "GET", nil, "5b0c3c0e-8f0e-4c61-9d87-3f1f8c1c2a10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := readTestdata(t, tc.name+".header.txt")
			got := HeaderSigningString(nil, tc.path, tc.method, tc.nonce, vecTime, vecKeyCode, tc.body)
			if !bytes.Equal(got, want) {
				t.Fatalf("header string\n got %q\nwant %q", got, want)
			}
			wantSig := string(readTestdata(t, tc.name+".header.sig.b64"))
			sig, err := c.signBase64(got)
			if err != nil {
				t.Fatal(err)
			}
			if sig != wantSig {
				t.Errorf("X-Signature differs from openssl's:\n got %s\nwant %s", sig, wantSig)
			}
			if err := signing.VerifySHA256Base64(want, wantSig, &c.key.PublicKey); err != nil {
				t.Errorf("openssl's X-Signature does not verify: %v", err)
			}
		})
	}
}

// TestVectorCreateTransactionWire replays the vector through an injected
// transport: the bytes sent must be the vector's body and the headers its
// X-Signature, and the recorded answer must parse.
func TestVectorCreateTransactionWire(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	var sent int
	mt.RegisterResponder("POST", "https://api-payment-uat.vinid.dev"+PathCreateTransaction, func(r *http.Request) (*http.Response, error) {
		sent++
		body, _ := io.ReadAll(r.Body)
		if want := readTestdata(t, "create_transaction.body.json"); !bytes.Equal(body, want) {
			t.Errorf("sent body\n%s\nwant\n%s", body, want)
		}
		for h, want := range map[string]string{
			HeaderKeyCode: vecKeyCode, HeaderNonce: vecNonce, HeaderTimestamp: "1715655600",
			HeaderSignature: string(readTestdata(t, "create_transaction.header.sig.b64")),
			"Content-Type":  "application/json",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("header %s = %q, want %q", h, got, want)
			}
		}
		resp := httpmock.NewBytesResponse(200, readTestdata(t, "create_transaction.response.json"))
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	c := vectorClient(t, WithEnvironment(UAT), WithHTTPClient(&http.Client{Transport: mt}))
	tx, err := c.CreateTransaction(context.Background(), vectorRequest())
	if err != nil {
		t.Fatal(err)
	}
	if sent != 1 {
		t.Fatalf("sent %d requests", sent)
	}
	if tx.TransactionID != "TXN00000042" || tx.Outcome != OutcomeSucceeded || tx.Verification != VerificationBypass || tx.WalletNumber != "W0912345678" {
		t.Errorf("transaction = %+v", tx)
	}

	// The same unsigned answer is refused when responses must be signed.
	strict := vectorClient(t, WithEnvironment(UAT), WithHTTPClient(&http.Client{Transport: mt}), WithResponseVerification(RequireSignedResponses))
	if _, err := strict.CreateTransaction(context.Background(), vectorRequest()); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("unsigned response with RequireSignedResponses: err = %v", err)
	}
}

func TestVectorPaymentCallback(t *testing.T) {
	t.Parallel()
	c := vectorClient(t)
	cb, err := c.VerifyPaymentCallbackQuery(string(readTestdata(t, "payment_callback.query.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if cb.OrderID != "20190178900134567890" || cb.TransactionID != "1234567890" || cb.PayStatus != StatusSuccess ||
		cb.Outcome != OutcomeSucceeded || cb.UserID != "12345" || !cb.UnconfirmedVNDAmount.Equal(decimal.NewFromInt(99000)) || cb.AmountConfirmed {
		t.Errorf("callback = %+v", cb)
	}
	if got := PaymentCallbackSigningString("SUCCESS", "1234567890", "20190178900134567890"); got != string(readTestdata(t, "payment_callback.canonical.txt")) {
		t.Errorf("callback signing string = %q", got)
	}
}

// TestSeedEmptyMetaIsNotARefusal replays the seed's own answers to
// link-wallet, create and confirm, whose "meta" is an empty object (seed:
// `"meta": {}` under each of those three examples), against the three
// calls. Such an answer names no code: it is not a refusal, which the caller
// would take to mean that nothing was charged. A write gets ErrOutcomeUnknown
// (query before trying again), never an *APIError.
func TestSeedEmptyMetaIsNotARefusal(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	seedAnswer := readTestdata(t, "create_transaction.seed_response.json")
	for _, p := range []string{PathCreateTransaction, PathConfirmTransaction, PathLinkWallet} {
		mt.RegisterResponder("POST", "https://api-payment-uat.vinid.dev"+p, func(*http.Request) (*http.Response, error) {
			resp := httpmock.NewBytesResponse(200, seedAnswer)
			resp.Header.Set("Content-Type", "application/json")
			return resp, nil
		})
	}
	c := vectorClient(t, WithEnvironment(UAT), WithHTTPClient(&http.Client{Transport: mt}))
	ctx := context.Background()
	calls := map[string]func() error{
		"create transaction": func() error { _, err := c.CreateTransaction(ctx, vectorRequest()); return err },
		"confirm transaction": func() error {
			_, err := c.ConfirmTransaction(ctx, ConfirmTransactionRequest{UserToken: "TKN0001", TransactionID: "TXN00000042", TransactionReferenceNumber: "TRX-2024-0001", OTP: "123456"})
			return err
		},
		"link wallet": func() error {
			_, err := c.LinkWallet(ctx, LinkWalletRequest{PartnerUserID: "alice", CallbackURL: "https://m.example/cb"})
			return err
		},
	}
	for name, call := range calls {
		err := call()
		var apiErr *APIError
		if errors.As(err, &apiErr) || errors.Is(err, ErrRejected) {
			t.Errorf("%s: the seed's answer with an empty meta was taken for a refusal: %v", name, err)
		}
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed and ErrOutcomeUnknown", name, err)
		}
	}
}
