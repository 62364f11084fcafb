// Package vivietpay is a client for Ví Việt's redirect payment gateway
// (viPay): the payer is sent to the gateway with a signed order, logs in to a
// Ví Việt wallet account, confirms with an OTP, and comes back to the
// merchant with a signed result.
//
// A [Client] builds the signed [Client.CheckoutURL] for an [Order], verifies
// the return and cancel redirects ([Client.ParseReturn]) and notifications
// ([Client.ParseNotification]), and queries and refunds payments
// ([Client.Query], [Client.Refund]). The fake gateway in
// [github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest] plays the whole
// flow for tests and examples.
//
// # Protocols
//
// Two wire formats exist; choose one with [WithProtocol].
//
// V1 sends the order as parameters (version=1.0, merchant_site,
// access_code, return_url, cancel_url, locale, currency, merch_txn_ref,
// order_no, order_desc, total_amount; and, when the [Order] sets them,
// client_ip, methods and branch_code, which the public sample sends too)
// and secure_hash, the lowercase hex SHA-256 of the secret, then "|", then
// the values ordered by parameter name joined with "|" (the secret comes
// first). A result is verified the same
// way over every parameter but secure_hash; a value holding "|" is refused,
// because it could move a field boundary without changing the hash.
//
// V2 sends four parameters: merchant_site; data, the order as JSON under
// 3DES (ECB, PKCS#5) with a fresh random 24-byte key; key, that key
// encrypted with RSA PKCS#1 v1.5 for the gateway's public key; secure_hash,
// SHA256withRSA over the JSON by the merchant's key; all base64url without
// padding. A result carries the same four, encrypted for the merchant and
// signed by the gateway; its merchant_site must be inside the signed JSON
// (the outer one is not signed, and another merchant could re-encrypt a
// result the gateway signed for them). Keys can be PEM, base64 DER or .NET <RSAKeyValue>
// XML ([ParsePrivateKey], [ParsePublicKey]). Keys under 2048 bits are
// refused; the keys in Ví Việt's public v2 sample (its sandbox key among
// them) are 1024-bit, so ask Ví Việt for 2048-bit keys. The key is
// unwrapped in the oracle-resistant way (a bad RSA padding gives a random
// key, not an error) and every decryption failure reports the same error.
//
// # Verify, then parse
//
// Every result is verified (decrypted under v2, then its signature checked)
// before any field is read. Then the merchant site, merch_txn_ref and
// order_no are checked against the order ([ErrOrderMismatch]), and the
// amount and currency ([ErrAmountMismatch]). A verified result that is not a
// success is returned with an [*APIError] that wraps [ErrCancelled],
// [ErrDeclined] or [ErrUnknownOutcome]. An empty secret or signature always
// fails. Amounts are whole dong: decimal.Decimal at the API, int64 inside,
// never floating point.
//
// # What follows published material, and what is modelled
//
// Published (Ví Việt's public sample code): the v1 and v2 checkout
// parameters and paths (/vipay/ecommerce, /vipay_v2/initpay), both signing
// schemes, base64url, the .NET XML keys, the sandbox host
// https://sandbox.viviet.vn, the locale value "vn", the seed's flow (order,
// login, pay or cancel, account checks, OTP, accounting, result, redirect).
//
// Modelled (no public specification; configurable or to be confirmed with
// Ví Việt at integration):
//   - the fields of a result (response_code, trans_no, trans_time, message
//     next to the order's fields) and the [ResponseCode] table;
//   - the production host ([ProductionBaseURL]; see [WithBaseURL]);
//   - cancel_url, locale and currency in the v2 JSON; JSON values are
//     strings as in the sample, and results may use strings or numbers;
//   - notifications: a form or JSON body with the return's parameters,
//     sent to a URL registered with Ví Việt;
//   - query and refund: the same signing scheme for request and answer, on
//     the paths in [Paths] (set them with [WithPaths]).
//
// Acknowledging a result does not undo a payment at the gateway: when a
// verified result does not match the order, refund it with [Client.Refund].
package vivietpay
