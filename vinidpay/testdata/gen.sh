#!/usr/bin/env bash
# Regenerates the signature vectors in this folder with openssl, outside the
# project's code. The committed files are the output of one run of this
# script (OpenSSL 3.0, Debian 12). RSA PKCS#1 v1.5 signatures are
# deterministic, so the tests require the package to produce byte-identical
# signatures from the same key and message. All keys here are throwaway test
# keys made for this purpose, never a merchant's or VinID's.
set -euo pipefail
cd "$(dirname "$0")"

# The merchant's key (signs requests) and a stand-in for VinID's key (signs
# callbacks), in the two PEM forms merchants are given.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out merchant.pkcs8.pem
openssl rsa -in merchant.pkcs8.pem -pubout -out merchant.pub.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 | openssl rsa -traditional -out vinid.pkcs1.pem
openssl rsa -in vinid.pkcs1.pem -pubout -out vinid.pub.pem

sign() { # sign KEY FILE -> standard base64 of SHA256withRSA over FILE
  openssl dgst -sha256 -sign "$1" "$2" | base64 -w0
}

# 1. Body signature of a create-transaction request (seed: "Create payment
#    transaction"): the seed's fields, in the seed's order, joined with '|':
#    user_token|merchant_code|merchant_id|terminal_id|invoice_no|
#    order_create_at|bill_amount|<amount, currency=VND>|<amount, currency=OE POINT>
printf '%s' 'TKN0001|MERCHANT01|STORE01|POS01|INV-2024-0001|1715655600|150000|148000|2000' > create_transaction.canonical.txt
sign merchant.pkcs8.pem create_transaction.canonical.txt > create_transaction.sig.b64

# 2. The JSON body sent: the request fields with that signature, serialised
#    once, exactly as the package must produce it (seed field names; strings
#    for amounts; order_created_at a number; UTF-8 not escaped).
printf '{"signature":"%s","holding_enabled":false,"invoice_no":"INV-2024-0001","payment_request_list":[{"currency":"VND","amount":"148000"},{"currency":"OE POINT","amount":"2000"}],"bill_amount":"150000","order_created_at":1715655600,"transaction_reference_number":"TRX-2024-0001","description":"Thanh toán đơn hàng INV-2024-0001","terminal_id":"POS01","merchant_id":"STORE01","merchant_code":"MERCHANT01","partner_code":"PARTNER01","user_token":"TKN0001"}' \
  "$(cat create_transaction.sig.b64)" > create_transaction.body.json

# 3. X-Signature of that request (VinID's header rule):
#    {path};{method};{X-Nonce};{X-Timestamp};{X-Key-Code};{body}
{ printf '%s' '/oh-integration/transaction/purchase/v1/online-transactions;POST;00a81e60-2684-4cf9-878d-f37559213059;1715655600;b7bdf002-4948-44d2-99d1-99c8c81c3f47;'
  cat create_transaction.body.json; } > create_transaction.header.txt
sign merchant.pkcs8.pem create_transaction.header.txt > create_transaction.header.sig.b64

# 4. X-Signature of a GET (order query): empty body, the last ';' stays.
printf '%s' '/merchant-integration/v1/qr/query/INV-2024-0001;GET;5b0c3c0e-8f0e-4c61-9d87-3f1f8c1c2a10;1715655600;b7bdf002-4948-44d2-99d1-99c8c81c3f47;' > query_order.header.txt
sign merchant.pkcs8.pem query_order.header.txt > query_order.header.sig.b64

# 5. A payment notification (IPN) as VinID documents it: a GET whose
#    signature covers status;transactionID;orderID, signed with VinID's key.
#    The query is VinID's published example with our signature.
printf '%s' 'SUCCESS;1234567890;20190178900134567890' > payment_callback.canonical.txt
sig=$(sign vinid.pkcs1.pem payment_callback.canonical.txt)
enc=$(printf '%s' "$sig" | sed -e 's/+/%2B/g' -e 's/\//%2F/g' -e 's/=/%3D/g')
printf 'extra_data=&order_id=20190178900134567890&pay_status=SUCCESS&point_amount=0&total_discount=0&transaction_id=1234567890&user_id=12345&vnd_amount=99000&signature=%s' "$enc" > payment_callback.query.txt

# Check every signature with the public keys.
for f in create_transaction create_transaction.header query_order.header; do
  txt=${f%.header}.txt; [ "$f" = "${f%.header}" ] && txt=$f.canonical.txt || txt=$f.txt
  openssl dgst -sha256 -verify merchant.pub.pem -signature <(base64 -d "$f.sig.b64") "$txt"
done
openssl dgst -sha256 -verify vinid.pub.pem -signature <(printf '%s' "$sig" | base64 -d) payment_callback.canonical.txt
