// Package vinidpay is a client for VinID Pay's linked-account payments: a
// customer links their VinID Pay wallet to the merchant once, and the
// merchant then charges it directly, without sending the customer to the
// VinID app for each payment.
//
// # Flows
//
// Linking: [Client.LinkWallet] returns a web URL (open it on a phone, or show
// it as a QR code with [LinkWalletResponse.QRCodePNG] on an IoT device) and a
// link id. When the customer confirms, VinID calls the link's callback URL
// ([Client.VerifyLinkCallback]) with the user token and masked phone; if that
// never arrives, poll [Client.LinkStatus]. [Client.UnlinkWallet] ends a link.
//
// Paying: [Client.CreateTransaction] charges a linked wallet. Below VinID's
// threshold X the answer is final ([OutcomeSucceeded], or [OutcomeHeld]
// with HoldingEnabled); at or above X it is [OutcomePendingOTP] and the
// customer's OTP goes to [Client.ConfirmTransaction]. A held payment is
// settled or released with [Client.ConfirmOrder]. [Client.QueryOrder] reads
// an order's state and [Client.Refund] refunds all or part of it.
//
// Payment notifications: [Client.VerifyPaymentCallback] verifies the
// signature with VinID's key(s) before parsing anything. VinID's signature
// covers status;transactionID;orderID and not the amount, so the callback
// reports the amount as unconfirmed; [Client.ConfirmPayment] queries the
// order and checks the amount ([ErrAmountMismatch]) before anything is
// provisioned. Answering a callback does not undo a payment: refunds go
// through [Client.Refund].
//
// # Safety
//
// Every request carries VinID's headers X-Key-Code, X-Timestamp (unix
// seconds), X-Nonce (a random UUID from crypto/rand, fresh for every
// attempt) and X-Signature, SHA256withRSA over
// {path};{method};{nonce};{timestamp};{key code};{body}. The JSON body is
// serialised once; the bytes signed are the bytes sent. Each
// linked-account body also carries "signature": SHA256withRSA, in standard
// base64, over the seed's field list for that request joined with '|'.
// Payments, confirmations, refunds and unlinking are never retried; an
// answer lost after sending is [ErrOutcomeUnknown] (query before trying
// again). Queries ([Client.LinkStatus], [Client.QueryOrder]) are retried on
// network errors and 5xx answers, with a fresh nonce and signature, and stop
// when the context ends. Amounts are whole dong in [decimal.Decimal]; a
// zero, negative, fractional or oversized amount is refused, never rounded,
// and no float carries money, in requests or in answers.
//
// # What is published and what is modelled
//
// From the seed (VinID's linked-account page): the oh-integration paths,
// the request bodies and the field list of each body signature, the answers
// (web_url, link_id, expiry_duration; user_token and masked phone;
// transaction_id, transaction_status, verification_methods 0 = bypass,
// 2 = OTP), confirmOrder's SUCCESS/FAIL, and the UAT host
// https://api-payment-uat.vinid.dev.
//
// From VinID's public documents: the request headers and X-Signature rule,
// the 2-hour nonce window, the meta/data envelope and its error codes
// (4010001-4010006, 4040001...), the IPN (a GET with order_id, pay_status,
// transaction_id, signature and the unsigned amounts; success only), the
// order query GET /merchant-integration/v1/qr/query/{order_id} and its
// fields, the refund endpoint POST /merchant-integration/v1/refund and its
// period (until 09:09:59 on the next day), and the merchant API hosts
// https://api-merchant-sandbox.vinid.dev and https://api-merchant.vinid.net.
//
// Modelled or unconfirmed, and configurable where it matters:
//
//   - The production host of the linked-account APIs is not published;
//     Production uses https://api-payment.vinid.net. Set the real one with
//     [WithBaseURL] and [WithMerchantAPIBaseURL] when VinID gives it.
//   - check-status-link-wallet: the seed signs partner_user_id|partner_code|
//     callback_url though the body carries only partner_code and
//     link_reference_id. The package signs exactly the seed's list, with the
//     values of the link-wallet request ([LinkWalletResponse.StatusRequest]),
//     and takes link_reference_id to be the link_id.
//   - payment_request_list holds {currency, amount} items; the last two
//     signed values are the amounts of the "VND" and "OE POINT" items, empty
//     when there is no such item. order_created_at is unix seconds.
//   - Transaction statuses other than SUCCESS and FAIL (HOLDING, PENDING...)
//     are not published: [TransactionStatus.Outcome] accepts the usual
//     spellings and maps anything else to [OutcomeUnknown] (query the order).
//   - The order id of a linked-account payment (for [Client.QueryOrder] and
//     in the IPN) is taken to be the invoice number.
//   - The refund body (order_id, refund_reference_id, amount, description)
//     and answer are modelled; only the endpoint and rules are published.
//   - The link callback's fields and signature
//     (status;link_reference_id;partner_user_id;user_token;phone_number) are
//     modelled on the IPN; VinID only says it carries the token and phone.
//   - The seed shows the answers of link-wallet, create and confirm with
//     an empty "meta" ({}), the other three with meta.code 200; VinID's
//     documents say every answer carries meta.code. A 2xx answer without
//     meta.code is therefore read as neither a success nor a refusal: it is
//     ErrMalformed, and for a write also ErrOutcomeUnknown (query the order
//     before trying again), never an *APIError.
//   - VinID says it signs data "in and out" but publishes no response
//     format: a response X-Signature over the request rule, bound to the
//     request's nonce, is verified when present ([VerifyResponsesIfSigned])
//     or required ([RequireSignedResponses]).
//
// The subpackage vinidpaytest is a fake VinID Pay for tests and examples.
package vinidpay
