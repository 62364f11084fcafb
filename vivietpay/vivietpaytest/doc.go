// Package vivietpaytest is a fake Ví Việt gateway for tests and examples: an
// httptest.Server on loopback that plays the seed's service flow step by
// step, in both protocols (v1 SHA-256 secure_hash, v2 3DES + RSA).
//
//  1. It receives the order (GET /vipay/ecommerce or /vipay_v2/initpay) and
//     verifies its signature; a forged order gets an error page (code 03).
//  2. It shows the payer an HTML page to log in to a wallet account and
//     choose pay or cancel (a session cookie ties the pages together).
//  3. On cancel it ends the payment (code 01) and redirects to the cancel URL.
//  4. It authenticates the account and checks its status, transaction limit
//     and available balance, refusing with codes 04 to 07; then it "sends"
//     an OTP ([Server.OTP] reads it) and checks it: wrong three times (08),
//     expired (09).
//  5. It debits the payer and credits the merchant's collection account
//     ([Server.CollectionBalance]).
//  6. It shows the result and links (and meta-refreshes) back to the
//     merchant with a signed result; it can also deliver the result in
//     process to a handler, once, twice, tampered or never ([Delivery]).
//
// The pages work in a real browser: plain, self-contained HTML (no script,
// a little inline CSS, a viewport for phones) in Vietnamese with English
// beside, amounts as Vietnamese users read them ("150.000 ₫"), and stable
// ids for tests: "account", "password", "pay" and "cancel" on the login
// page; "otp", "confirm" and "cancel" on the OTP page; "error" when the
// payer must retry (a wrong password, a wrong OTP with the tries left);
// "outcome", "code" and "return-link" on the result page, which also
// refreshes to the merchant after 5 seconds. As a demo aid, which a real
// gateway never shows, the login page lists the wallet accounts (phone,
// password, balance, limit, status: "demo-accounts") and the OTP page shows
// the OTP it "sent" ("demo-otp"); Config.HideDemoHints hides both. Every
// failure of step 4 is reachable from the browser with an account made for
// it (AddAccount): a low Balance gives insufficient balance (07), a Limit
// below the amount 06, Status Locked 05; or with SetScenario.
//
// It answers the modelled query and refund APIs of package vivietpay, with
// refunds idempotent by refund_ref. A payment whose page session is over
// (Config.SessionTTL, 15 minutes by default) is over even if the payer
// never comes back: the query answers session expired (10), delivering
// nothing, and a payer who does come back is sent back with that result. [Scenario] forces each failure of step 4;
// [Payer] drives the pages with net/http and a cookie jar, no browser; the
// browser tests (browser_test.go) drive them in headless Chromium.
//
// The fake reads and writes messages with its own code, apart from the
// client's, so that a signing bug on either side fails the tests.
package vivietpaytest
