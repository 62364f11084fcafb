package vtcpay

import (
	"crypto/sha256"
	"net/url"
	"testing"

	"github.com/thanhtoan/thanhtoan/signing"
)

const benchData = "150000|Thành công|VTCPay|ORDER-1|1|990001|123456"

// BenchmarkParseIPN verifies and parses one notification.
func BenchmarkParseIPN(b *testing.B) {
	c := newTestClient(b)
	form := ipnForm(benchData, testSecret)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ParseIPN(form); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseIPNFloor is the least ParseIPN must do: one SHA-256 over the
// same bytes (data|secret).
func BenchmarkParseIPNFloor(b *testing.B) {
	msg := []byte(benchData + "|" + testSecret)
	b.ReportAllocs()
	for b.Loop() {
		_ = sha256.Sum256(msg)
	}
}

func benchRequest() PaymentRequest {
	return PaymentRequest{
		Amount: dec("150000"), Currency: VND, ReferenceNumber: "ORDER-1",
		ReturnURL: "https://merchant.example/vtcpay/return", PaymentType: BankVTCPay, Language: Vietnamese,
	}
}

// BenchmarkCheckoutURL validates, signs and encodes one checkout.
func BenchmarkCheckoutURL(b *testing.B) {
	c := newTestClient(b)
	req := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CheckoutURL(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckoutURLFloor is one SHA-256 over the same canonical string
// plus url.Values.Encode of the same parameters.
func BenchmarkCheckoutURLFloor(b *testing.B) {
	c := newTestClient(b)
	req := benchRequest()
	var buf [numParams]signing.Param
	params, err := c.checkoutParams(&req, buf[:0])
	if err != nil {
		b.Fatal(err)
	}
	canonical := []byte(signing.JoinSorted("|", params) + "|" + testSecret)
	values := url.Values{}
	for _, p := range params {
		values.Set(p.Key, p.Value)
	}
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(canonical)
		values.Set("signature", signing.Hex(signing.Upper, d[:]))
		_ = c.CheckoutPageURL() + "?" + values.Encode()
	}
}
