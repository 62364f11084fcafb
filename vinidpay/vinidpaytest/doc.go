// Package vinidpaytest is a fake VinID Pay (linked account) on an
// httptest.Server, for tests and examples: no network beyond loopback, no
// globals, nothing shared between servers.
//
// It holds users and wallets, links, transactions and refunds, and plays
// VinID's side of the seed's scenarios:
//
//   - every request is authenticated as VinID documents it: X-Key-Code,
//     X-Timestamp (not in the future, not older than 2 hours), X-Nonce
//     (refused if seen in the last 2 hours) and X-Signature over
//     {path};{method};{nonce};{timestamp};{key code};{body}, then the body's
//     "signature" over the seed's field list, both with the merchant's
//     public key. The fake's signing strings are written independently of
//     the vinidpay package, so a signing mistake there fails here;
//   - links expire (WithLinkExpiry); the customer's confirmation is
//     Server.ConfirmLink, or the link page in a browser (below); a cancel
//     is Server.CancelLink;
//   - a payment of X dong or more (WithOTPThreshold) waits for an OTP
//     (Server.OTP reads the one "sent by SMS"; WithOTPExpiry; three wrong
//     tries fail the transaction); below X it is debited at once;
//   - holding_enabled holds the money until confirmOrder settles (SUCCESS)
//     or releases (FAIL) it;
//   - insufficient balances are refused; refunds are partial or full,
//     idempotent per refund_reference_id, and only within VinID's period
//     (until 09:09:59 Vietnam time on the day after the payment);
//   - answers are signed with VinID's key (X-Timestamp and X-Signature over
//     the request rule with the request's nonce), and so are callbacks: the
//     IPN over status;transactionID;orderID, the link callback over
//     status;link_reference_id;partner_user_id;user_token;phone_number.
//
// Callbacks are delivered in-process to the handlers given to
// HandleLinkCallbacks and HandlePaymentCallbacks: once, twice or never
// (SetDelivery). FailNext and DropResponseNext inject failures; Balance,
// MerchantBalance, HeldBalance, Transaction and Deliveries let tests see
// the money. A settable Clock drives expiries.
//
// # Browser pages
//
// Plain, self-contained HTML (no script, a little inline CSS) in
// Vietnamese with English beside, amounts as "150.000 ₫", stand-ins for
// what VinID shows the customer:
//
//   - GET /link/{id}, the link's web_url: the merchant (partner code), the
//     link and its expiry, the QR code of the web_url ("qr", a PNG served at
//     GET /link/{id}/qr.png, for the VinID app to scan), a select of the
//     fake's users by masked phone ("user", with id and balance) and the
//     buttons "confirm" and "cancel". POST /link/{id} confirms as that user
//     (ConfirmLink, the link callback with the token) or cancels (CancelLink:
//     a link callback with status FAIL and no token, which vinidpay reports
//     as ErrLinkFailed; LinkStatus then answers CodeLinkCancelled). The
//     browser is then redirected (303) to the host's WithLinkReturnURL,
//     never to a URL taken from the request; without one the page shows the
//     outcome ("result"). An unknown (404), expired (410), used or cancelled
//     (409) link, an unknown user or a malformed form (400) show a message
//     ("error") and a way back to the merchant, never a 500.
//   - GET /sms, the customer's phone: every OTP the fake "sent" for a
//     payment at or above the OTP threshold, newest first (masked phone,
//     transaction, invoice, OTP, time in Vietnam), one row per message with
//     data-transaction set to the transaction id; SentSMS returns the same.
//
// The 422xxxx meta codes (insufficient balance, wrong or expired OTP,
// expired or cancelled link, refund too large, duplicate) are the fake's
// own: VinID publishes none for these. The link page, the cancel's FAIL
// callback and the SMS page are modelled too.
package vinidpaytest
