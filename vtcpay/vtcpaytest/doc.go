// Package vtcpaytest is an in-process fake of the VTC Pay gateway for tests
// and examples: the hosted checkout page, the browser return, the server
// notification to the merchant's receiving URL, and the merchant APIs (order
// status, sales history, refund). It runs on an httptest.Server bound to
// loopback; nothing leaves the machine.
//
// The fake does not import the vtcpay client. It checks and signs with its
// own code, written from the integration document and GATEWAYS.md, so that a
// signing or encoding bug in the client fails a test here as it would fail
// against VTC Pay.
//
// # Use
//
//	fake := vtcpaytest.NewTestServer(t, vtcpaytest.Config{ReceivingURL: ipnURL})
//	client, _ := vtcpay.New(cfg, vtcpay.WithBaseURL(fake.URL()))
//	checkoutURL, _ := client.CheckoutURL(req)
//	returnURL, err := fake.Pay(ctx, checkoutURL, vtcpaytest.StatusSuccess)
//	// returnURL.Query() is what the merchant's return page receives;
//	// the notification was POSTed to ipnURL, or deliver it in-process:
//	resps, err := fake.Deliver(ctx, ipnHandler, "order-1", vtcpaytest.Times(2))
//
// Config fields left empty take test credentials (DefaultWebsiteID,
// DefaultSecretKey, DefaultReceiverAccount, DefaultKeySign), which are made
// up and belong to no merchant.
//
// # The hosted page in a browser
//
// GET URL()+"/checkout.html" is a plain, self-contained HTML page (no
// script, a little inline CSS, a viewport for phones) in Vietnamese with
// English beside, showing the website, the order, the amount as Vietnamese
// users read it ("150.000 ₫"; USD "$12.50") and VTC's transaction number.
// The payer chooses the outcome with buttons that a browser test clicks by
// id: "pay" (the outcome is the "status" select's, success by default; it
// offers every status of the seed's table as a test scenario), "insufficient"
// (status -5, insufficient balance) and "cancel" (status -9). The fake
// records the outcome, POSTs the notification, and redirects the browser
// (303) to the merchant's signed return URL, as the real gateway does; with
// no return URL at all it shows a result page ("status", "message",
// "reason"). Pay does the same without a browser.
//
// # What follows published material
//
//   - The checkout: its parameters, their compulsory ones and lengths, the
//     VND (whole) and USD (two decimals) amounts, the currencies, the bank
//     codes of payment_type, and the signature: UPPERCASE hex SHA-256 of the
//     values of the non-empty parameters ordered by name, joined with "|",
//     then "|" and the secret key; compared ignoring case, in constant time.
//   - The status codes and their meanings, and the codes of refusals: -28
//     missing parameter, -29 invalid parameter, -24 currency, -23 website,
//     -25 receiving account, -22 amount too small, -21 duplicate reference.
//   - The browser return's fields and signature (the same sorted rule), and
//     the fallback to the receiving URL when the checkout has no url_return.
//   - The notification: fields data
//     (amount|message|payment_type|reference_number|status|trans_ref_no|website_id)
//     and signature (UPPERCASE hex SHA-256 of data, "|", secret).
//   - The merchant API requests (misspellings intergratedID and
//     revceiverAccount included) and their sign: lowercase hex MD5 of keySign,
//     revceiverAccount, intergratedID, merchantType (and fromDate, toDate for
//     the history), and the secret.
//
// # What is modelled (unconfirmed; the tests of a client should not rely on
// more than the published part)
//
//   - Which checks the gateway makes in which order, and that a request whose
//     signature fails, or whose website is unknown, gets an error page (HTTP
//     400) and no redirect: the gateway cannot trust its url_return. Other
//     refusals redirect to the return URL with the status, signed, and
//     without trans_ref_no.
//   - The minimum amount (Config.MinAmount, default 1,000 VND; none for USD
//     beyond being positive), lengths the seed does not give, unknown
//     parameters refused with -29, language vi/en, transaction_type sale,
//     country and state checked for form only (two to five capital letters).
//   - A reference that paid, may still pay (0, 7) or has an unknown outcome
//     is refused with -21; a failed one may be retried and the new
//     transaction replaces it.
//   - Messages: "Thành công" for success is from published material; the
//     others are the seed's English meanings. WithMessage replaces them.
//   - The payment type reported back: the checkout's payment_type, else
//     "VTCPAY" (the payer may change it on the page).
//   - trans_ref_no: a number counted from 100001.
//   - The merchant APIs' responses. Only {"ListOrderStatus":[{"Status":n}]}
//     is known; the fake answers
//     {"ResponseCode":1,"Description":"success","ListOrderStatus":[{"OrderCode",
//     "Status","Amount","Currency","TransactionID","PaymentType","Message"}]}
//     and leaves unknown orders out (WithKnownOrderStatusShape answers
//     {"ListOrderStatus":[{"Status":n}]} alone, one line per known order);
//     the history
//     {"ResponseCode":1,...,"ListSaleHistory":[{"OrderCode","TransactionID",
//     "Amount","Currency","Status","PaymentType","CreatedDate"}]} for
//     transactions created from fromDate to toDate included, dates yyyy-MM-dd
//     in Vietnam's time (UTC+7), CreatedDate RFC 3339; the refund
//     {"ResponseCode":1,...,"ListRefund":[{"OrderCode","RefundAmount","Status",
//     "Message"}]} with a per-order Status: 1 refunded, -1 no such order or
//     not successful, -2 more than what is left, -29 invalid amount. Partial
//     refunds add up to at most the order's amount. Request-level errors:
//     ResponseCode -2 invalid sign, -29 malformed JSON or invalid field, -23
//     unknown intergratedID, -25 unknown revceiverAccount, with HTTP 200.
//     intergratedID may be a JSON number or string.
//   - The fake POSTs the notification synchronously, before it redirects the
//     payer, and only to loopback hosts.
//
// A Server is safe for concurrent use. It keeps no global state.
package vtcpaytest
