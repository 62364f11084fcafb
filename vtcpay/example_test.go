package vtcpay_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vtcpay"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

// A payment from checkout to refund, against the fake gateway.
func Example() {
	ctx := context.Background()
	fake := vtcpaytest.NewServer(vtcpaytest.DefaultConfig(), vtcpaytest.WithFirstTransactionID(990001))
	defer fake.Close()

	client, err := vtcpay.New(vtcpay.Config{
		WebsiteID:       vtcpaytest.DefaultWebsiteID,
		SecretKey:       signing.NewSecret(vtcpaytest.DefaultSecretKey),
		ReceiverAccount: vtcpaytest.DefaultReceiverAccount,
		KeySign:         signing.NewSecret(vtcpaytest.DefaultKeySign),
	}, vtcpay.WithBaseURL(fake.URL()))
	if err != nil {
		fmt.Println(err)
		return
	}
	price := decimal.NewFromInt(150000)
	checkoutURL, err := client.CheckoutURL(vtcpay.PaymentRequest{
		Amount: price, Currency: vtcpay.VND, ReferenceNumber: "ORDER-1",
		ReturnURL: "https://shop.example/vtcpay/return",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The payer's browser goes to checkoutURL and pays; the fake plays it.
	returned, err := fake.Pay(ctx, checkoutURL, vtcpaytest.StatusSuccess)
	if err != nil {
		fmt.Println(err)
		return
	}
	// VTC Pay's server notification, verified before it is read.
	form, _ := fake.Notification("ORDER-1")
	res, err := client.ParseIPN(form)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("notification:", res.ReferenceNumber, res.Status, res.Outcome())
	fmt.Println("amount check:", res.CheckAmount(price))
	fmt.Println("return page:", returned.Query().Get("status"))

	st, err := client.OrderStatus(ctx, "ORDER-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("queried:", st.Status.Outcome())
	_, err = client.Refund(ctx, vtcpay.RefundRequest{ReferenceNumber: "ORDER-1", Amount: price})
	fmt.Println("refund:", err)
	// Output:
	// notification: ORDER-1 1 (successful transaction) succeeded
	// amount check: <nil>
	// return page: 1
	// queried: succeeded
	// refund: <nil>
}

// A forged notification is refused before anything in it is read.
func ExampleClient_ParseIPN_forged() {
	client, _ := vtcpay.New(vtcpay.Config{WebsiteID: 321, SecretKey: signing.NewSecret("TichhopcongthanhtoanVTC2.0")})
	_, err := client.ParseIPN(url.Values{
		"data":      {"5000000|Thành công|website|123|1|789|321"}, // amount raised
		"signature": {"909481220416EA789D424B33503500FE94ED8193C089A805E73768F2D6A0C95A"},
	})
	fmt.Println(errors.Is(err, vtcpay.ErrInvalidSignature))
	// Output: true
}

func ExampleResult_CheckAmount() {
	client, _ := vtcpay.New(vtcpay.Config{WebsiteID: 321, SecretKey: signing.NewSecret("TichhopcongthanhtoanVTC2.0")})
	res, _ := client.ParseIPN(url.Values{
		"data":      {"50000|Thành công|website|123|1|789|321"},
		"signature": {"909481220416EA789D424B33503500FE94ED8193C089A805E73768F2D6A0C95A"},
	})
	fmt.Println(res.CheckAmount(decimal.NewFromInt(50000)))
	fmt.Println(res.CheckAmount(decimal.NewFromInt(500000)))
	// Output:
	// <nil>
	// vtcpay: amount mismatch: order 123: vtc pay reports 50000, the order is 500000
}

func ExampleStatus_Outcome() {
	for _, s := range []vtcpay.Status{vtcpay.StatusSuccess, vtcpay.StatusReview, vtcpay.StatusCustomerCancelled, vtcpay.StatusUndefined} {
		fmt.Printf("%d: %s / %s\n", int(s), s.Outcome(), s.MeaningVI())
	}
	// Output:
	// 1: succeeded / Giao dịch thành công
	// 7: pending review / Tài khoản của khách hàng đã bị trừ tiền nhưng tài khoản của Merchant chưa được cộng tiền; VTC Pay sẽ duyệt giao dịch
	// -9: failed / Khách hàng hủy giao dịch
	// -99: unknown / Lỗi không xác định: cần kiểm tra giao dịch thành công hay không
}
