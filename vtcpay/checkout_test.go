package vtcpay

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestCheckoutURLMatchesOpenSSLVectors(t *testing.T) {
	t.Parallel()
	v := vectors(t)
	c := newTestClient(t, WithEnvironment(Sandbox))
	cfg := testConfig()
	cfg.ReceiverAccount = ""
	bare, err := New(cfg, WithEnvironment(Sandbox))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		vector     string
		req        PaymentRequest
		noReceiver bool // a client without Config.ReceiverAccount
	}{
		{"checkout-seed-form", PaymentRequest{Amount: dec("150000"), Currency: VND, ReferenceNumber: "ORDER-1"}, true},
		{"checkout-minimal", PaymentRequest{Amount: dec("150000"), Currency: VND, ReferenceNumber: "ORDER-1", ReturnURL: "https://merchant.example/vtcpay/return"}, false},
		{"checkout-full", PaymentRequest{
			Amount: dec("12.5"), Currency: USD, ReferenceNumber: "ORDER-2", ReturnURL: "https://merchant.example/r",
			PaymentType: BankVietcombank, Language: English, CustomerID: "cust-42",
			BillToAddress: "12 Ly Thuong Kiet", BillToAddressCity: "Ha Noi", BillToEmail: "an@example.com",
			BillToForename: "An", BillToPhone: "0912345678", BillToSurname: "Nguyen Van",
			Country: "VN", Postcode: "100000", TransactionType: "sale",
		}, false},
		{"checkout-utf8", PaymentRequest{
			Amount: dec("150000"), Currency: VND, ReferenceNumber: "ORDER-3",
			BillToAddressCity: "Hà Nội & Huế", BillToSurname: "Nguyễn Văn", Country: "US", State: "CA",
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			c := c
			if tt.noReceiver {
				c = bare
			}
			raw, err := c.CheckoutURL(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; got != "https://alpha1.vtcpay.vn/portalgateway/checkout.html" {
				t.Errorf("page = %s", got)
			}
			q := u.Query()
			want := v[tt.vector]
			if got := q.Get("signature"); got != want.digest {
				t.Fatalf("signature %s, openssl says %s over %q", got, want.digest, want.signed)
			}
			// The signed values are exactly the parameters sent, in name order.
			var keys []string
			for k := range q {
				if k != "signature" {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			var vals []string
			for _, k := range keys {
				vals = append(vals, q.Get(k))
			}
			if got := strings.Join(vals, "|") + "|" + testSecret; got != want.signed {
				t.Fatalf("parameters sent %q, signed %q", got, want.signed)
			}
			canon, _ := c.CanonicalString(tt.req)
			if canon != strings.TrimSuffix(want.signed, testSecret)+signing.Redacted {
				t.Fatalf("CanonicalString = %q", canon)
			}
		})
	}
}

func TestCheckoutURLValidation(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	base := PaymentRequest{Amount: dec("150000"), Currency: VND, ReferenceNumber: "ORDER-1"}
	tests := []struct {
		name  string
		mut   func(*PaymentRequest)
		field string
	}{
		{"zero amount", func(r *PaymentRequest) { r.Amount = decimal.Zero }, "amount"},
		{"negative amount", func(r *PaymentRequest) { r.Amount = dec("-1") }, "amount"},
		{"fractional dong", func(r *PaymentRequest) { r.Amount = dec("150000.5") }, "amount"},
		{"sub-cent dollars", func(r *PaymentRequest) { r.Currency, r.Amount = USD, dec("1.005") }, "amount"},
		{"huge amount", func(r *PaymentRequest) { r.Amount = dec("1e19") }, "amount"},
		{"no currency", func(r *PaymentRequest) { r.Currency = "" }, "currency"},
		{"unknown currency", func(r *PaymentRequest) { r.Currency = "EUR" }, "currency"},
		{"lowercase currency", func(r *PaymentRequest) { r.Currency = "vnd" }, "currency"},
		{"no reference", func(r *PaymentRequest) { r.ReferenceNumber = "" }, "reference_number"},
		{"long reference", func(r *PaymentRequest) { r.ReferenceNumber = strings.Repeat("A", 31) }, "reference_number"},
		{"reference with pipe", func(r *PaymentRequest) { r.ReferenceNumber = "A|B" }, "reference_number"},
		{"reference with space", func(r *PaymentRequest) { r.ReferenceNumber = "A B" }, "reference_number"},
		{"relative return", func(r *PaymentRequest) { r.ReturnURL = "/return" }, "url_return"},
		{"javascript return", func(r *PaymentRequest) { r.ReturnURL = "javascript:alert(1)" }, "url_return"},
		{"return with pipe", func(r *PaymentRequest) { r.ReturnURL = "https://a.example/r|x" }, "url_return"},
		{"unknown bank", func(r *PaymentRequest) { r.PaymentType = "NoSuchBank" }, "payment_type"},
		{"bank code case", func(r *PaymentRequest) { r.PaymentType = "vietcombank" }, "payment_type"},
		{"language", func(r *PaymentRequest) { r.Language = "fr" }, "language"},
		{"country", func(r *PaymentRequest) { r.Country = "XX" }, "country"},
		{"state without country", func(r *PaymentRequest) { r.State = "CA" }, "state"},
		{"state of other country", func(r *PaymentRequest) { r.Country, r.State = "US", "ON" }, "state"},
		{"transaction type", func(r *PaymentRequest) { r.TransactionType = "refund" }, "transaction_type"},
		{"email", func(r *PaymentRequest) { r.BillToEmail = "not-an-email" }, "bill_to_email"},
		{"long address", func(r *PaymentRequest) { r.BillToAddress = strings.Repeat("đ", 101) }, "bill_to_address"},
		{"long city", func(r *PaymentRequest) { r.BillToAddressCity = strings.Repeat("a", 101) }, "bill_to_address_city"},
		{"long forename", func(r *PaymentRequest) { r.BillToForename = strings.Repeat("a", 51) }, "bill_to_forename"},
		{"long phone", func(r *PaymentRequest) { r.BillToPhone = strings.Repeat("1", 31) }, "bill_to_phone"},
		{"long surname", func(r *PaymentRequest) { r.BillToSurname = strings.Repeat("a", 51) }, "bill_to_surname"},
		{"long postcode", func(r *PaymentRequest) { r.Postcode = strings.Repeat("1", 51) }, "postcode"},
		{"customer id control", func(r *PaymentRequest) { r.CustomerID = "a\nb" }, "customerID"},
		{"address with pipe", func(r *PaymentRequest) { r.BillToAddress = "1|2" }, "bill_to_address"},
		{"invalid utf8", func(r *PaymentRequest) { r.BillToSurname = "\xff" }, "bill_to_surname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.mut(&r)
			u, err := c.CheckoutURL(r)
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("CheckoutURL = %q, %v; want a *FieldError", u, err)
			}
			if fe.Field != tt.field {
				t.Fatalf("field %q, want %q (%v)", fe.Field, tt.field, err)
			}
		})
	}
	// Limits themselves are accepted, multi-byte characters counted as one.
	r := base
	r.BillToAddress = strings.Repeat("đ", 100)
	r.Country, r.State = "CA", "ON"
	r.Amount = dec("150000.000")
	if _, err := c.CheckoutURL(r); err != nil {
		t.Fatalf("limits refused: %v", err)
	}
}

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount string
		cur    Currency
		want   string
	}{
		{"150000", VND, "150000"},
		{"150000.00", VND, "150000"},
		{"1", VND, "1"},
		{"12.5", USD, "12.50"},
		{"12", USD, "12.00"},
		{"0.01", USD, "0.01"},
	}
	for _, tt := range tests {
		got, err := FormatAmount(dec(tt.amount), tt.cur)
		if err != nil || got != tt.want {
			t.Errorf("FormatAmount(%s, %s) = %q, %v; want %q", tt.amount, tt.cur, got, err, tt.want)
		}
	}
}

// Every amount built for VTC Pay is one its answers can carry back:
// FormatAmount refuses what parseAmount could not read.
func TestFormatAmountIsReadBack(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		amount string
		cur    Currency
		ok     bool
	}{
		{"99999999999999", VND, true},
		{"100000000000000", VND, false},
		{"99999999999999.99", USD, true},
		{"100000000000000", USD, false},
		{"1000000000000000", VND, false},
	} {
		s, err := FormatAmount(dec(tt.amount), tt.cur)
		if (err == nil) != tt.ok {
			t.Errorf("FormatAmount(%s, %s) = %q, %v; want ok %v", tt.amount, tt.cur, s, err, tt.ok)
			continue
		}
		if err != nil {
			continue
		}
		if back, err := parseAmount(s); err != nil || !back.Equal(dec(tt.amount)) {
			t.Errorf("FormatAmount(%s, %s) = %q, read back as %s, %v", tt.amount, tt.cur, s, back, err)
		}
	}
}

// VTC Pay signs parameters in byte order of their names; the table in
// checkoutParams must list them so.
func TestCheckoutParamsSorted(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	req := PaymentRequest{
		Amount: dec("1"), Currency: VND, ReferenceNumber: "R", ReturnURL: "https://a.example/", PaymentType: BankVTCPay,
		Language: English, CustomerID: "c", BillToAddress: "a", BillToAddressCity: "b", BillToEmail: "e@x.y",
		BillToForename: "f", BillToPhone: "1", BillToSurname: "s", Country: "US", State: "CA", Postcode: "p", TransactionType: "sale",
	}
	var buf [numParams]signing.Param
	params, err := c.checkoutParams(&req, buf[:0])
	if err != nil {
		t.Fatal(err)
	}
	if len(params) != numParams {
		t.Fatalf("%d parameters, want all %d", len(params), numParams)
	}
	if !slices.IsSortedFunc(params, func(a, b signing.Param) int { return strings.Compare(a.Key, b.Key) }) {
		t.Fatalf("parameters not in byte order: %v", params)
	}
}
