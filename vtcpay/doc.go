// Package vtcpay is a client for VTC Pay's payment gateway
// (https://vtcpay.vn): the hosted checkout redirect, the payer's return, the
// server notification (IPN), and the merchant APIs for order status, sales
// history and refunds.
//
// # A payment
//
//  1. Build the checkout URL with [Client.CheckoutURL] and redirect the
//     payer's browser to it.
//  2. VTC Pay POSTs the result to the website's "Url Receiving":
//     [Client.IPNHandler] or [Client.ParseIPNRequest] verify it.
//  3. The payer's browser comes back to the return URL: [Client.ParseReturn]
//     or [Client.ParseReturnRequest] verify it.
//  4. Check the amount ([Result.CheckAmount]) against your order before
//     delivering anything: VTC Pay's document says a result whose amount
//     differs is not valid.
//  5. Statuses whose [Outcome] is unknown (0, -21, -23, -99) or pending
//     review (7) are settled with [Client.OrderStatus].
//
// Every verifier checks the signature first, over the raw strings as
// received, comparing in constant time and ignoring letter case; nothing is
// parsed from unverified input. Errors match the sentinels of this package
// with errors.Is ([ErrInvalidSignature], [ErrMalformed], [ErrAmountMismatch],
// ...).
//
// # What follows VTC Pay's documents, and what is modelled
//
// The checkout parameters, their limits, the code tables, the statuses, the
// return and the notification, and their signatures follow VTC Pay's
// integration document (version 2.1). The checkout also sends
// receiver_account, as real integrations do, when Config.ReceiverAccount is
// set.
//
// The merchant APIs (VTCPayGetOrderStatus, MerchantSaleHistoryGetList,
// RefundMoneyVTC) are known from public integration code, not from a
// specification: their paths, request fields (with VTC Pay's spellings
// intergratedID and revceiverAccount) and MD5 sign follow that code; of the
// responses only ListOrderStatus[].Status is confirmed. ResponseCode,
// Description, ListRefund and ListSaleHistory are modelled, and read only when
// present. An answer must be one JSON value. A refund succeeds only when one
// well-formed ListRefund line names the order with Status 1 and the amount
// asked; a refusal is an *APIError; any other answer leaves the outcome
// unknown (ErrMalformed), never a refusal, so that a caller does not credit
// a customer whom VTC Pay may have refunded. The paths are configurable ([WithAPIPaths]), as is the sales
// history date layout ([WithHistoryDateLayout], unconfirmed).
//
// Queries are retried on network errors and 5xx answers; refunds are never
// retried.
//
// Package vtcpaytest is a fake VTC Pay for tests and examples.
package vtcpay
