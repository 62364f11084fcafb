package vtcpaytest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// signedCheckoutURL builds a checkout URL by hand, as GATEWAYS.md says: the
// non-empty values ordered by parameter name, joined with "|", then "|" and
// the secret key, UPPERCASE hex SHA-256. (The vtcpay client does this for
// you; the fake does not trust it to.)
func signedCheckoutURL(fake *vtcpaytest.Server, q url.Values) string {
	cfg := fake.Config()
	params := make([]signing.Param, 0, len(q))
	for k := range q {
		params = append(params, signing.Param{Key: k, Value: q.Get(k)})
	}
	canonical := signing.JoinSorted("|", params)
	q.Set("signature", signing.SHA256Hex(signing.Upper, canonical, "|", cfg.SecretKey.Reveal()))
	return fake.URL() + "/checkout.html?" + q.Encode()
}

// A payer pays on the fake's hosted page; the merchant gets a signed return.
func Example() {
	fake := vtcpaytest.NewServer(vtcpaytest.Config{})
	defer fake.Close()

	checkout := signedCheckoutURL(fake, url.Values{
		"amount":           {"150000"},
		"currency":         {"VND"},
		"reference_number": {"ORDER-1"},
		"website_id":       {strconv.Itoa(fake.Config().WebsiteID)},
		"url_return":       {"https://shop.example/vtcpay/return"},
	})
	ret, err := fake.Pay(context.Background(), checkout, vtcpaytest.StatusSuccess)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	q := ret.Query()
	fmt.Println("back to:", ret.Host+ret.Path)
	for _, k := range []string{"status", "message", "amount", "reference_number", "trans_ref_no", "payment_type"} {
		fmt.Printf("%s: %s\n", k, q.Get(k))
	}
	fmt.Println("signed:", len(q.Get("signature")) == 64)
	tx, _ := fake.Transaction("ORDER-1")
	fmt.Println("recorded status:", tx.Status)
	// Output:
	// back to: shop.example/vtcpay/return
	// status: 1
	// message: Thành công
	// amount: 150000
	// reference_number: ORDER-1
	// trans_ref_no: 100001
	// payment_type: VTCPAY
	// signed: true
	// recorded status: 1
}

// A checkout the gateway refuses still sends the payer back, with the code.
func ExampleServer_Pay_refused() {
	fake := vtcpaytest.NewServer(vtcpaytest.Config{})
	defer fake.Close()

	checkout := signedCheckoutURL(fake, url.Values{
		"amount":           {"150000"},
		"currency":         {"EUR"},
		"reference_number": {"ORDER-2"},
		"website_id":       {strconv.Itoa(fake.Config().WebsiteID)},
		"url_return":       {"https://shop.example/vtcpay/return"},
	})
	_, err := fake.Pay(context.Background(), checkout, vtcpaytest.StatusSuccess)
	var refused *vtcpaytest.CheckoutError
	if errors.As(err, &refused) {
		fmt.Println(err)
		fmt.Println("return status:", refused.ReturnURL.Query().Get("status"))
	}
	// Output:
	// vtcpaytest: checkout refused with status -24
	// return status: -24
}

// The server notification, delivered in-process to a merchant handler twice,
// as a gateway that retries would.
func ExampleServer_Deliver() {
	fake := vtcpaytest.NewServer(vtcpaytest.Config{}, vtcpaytest.WithoutNotify())
	defer fake.Close()
	secret := fake.Config().SecretKey.Reveal()

	checkout := signedCheckoutURL(fake, url.Values{
		"amount":           {"50000"},
		"currency":         {"VND"},
		"reference_number": {"ORDER-3"},
		"website_id":       {strconv.Itoa(fake.Config().WebsiteID)},
		"url_return":       {"https://shop.example/vtcpay/return"},
	})
	if _, err := fake.Pay(context.Background(), checkout, vtcpaytest.StatusSuccess); err != nil {
		fmt.Println("error:", err)
		return
	}

	ipn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		data := r.PostForm.Get("data")
		want := signing.SHA256(data, "|", secret)
		if !signing.EqualHexDigest(r.PostForm.Get("signature"), want[:]) {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		fields := strings.Split(data, "|")
		fmt.Println("notification: amount", fields[0], "status", fields[4], "order", fields[3])
	})
	resps, err := fake.Deliver(context.Background(), ipn, "ORDER-3", vtcpaytest.Times(2))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("deliveries:", len(resps), "first answered", resps[0].StatusCode)

	tampered, _ := fake.Deliver(context.Background(), ipn, "ORDER-3", vtcpaytest.Tamper(func(f url.Values) {
		f.Set("data", strings.Replace(f.Get("data"), "50000|", "5000000|", 1))
	}))
	fmt.Println("tampered answered", tampered[0].StatusCode)
	// Output:
	// notification: amount 50000 status 1 order ORDER-3
	// notification: amount 50000 status 1 order ORDER-3
	// deliveries: 2 first answered 200
	// tampered answered 400
}
