#!/usr/bin/env bash
# Makes the signature vectors in vectors.txt with openssl, outside the
# project's code. Credentials are test values, not a merchant's.
set -euo pipefail
cd "$(dirname "$0")"
secret='Thanhtoan2026SecretKey'
keysign='TestKeySign2026'
sha() { printf '%s' "$1" | openssl dgst -sha256 -r | cut -d' ' -f1 | tr a-f A-F; }
md5() { printf '%s' "$1" | openssl dgst -md5 -r | cut -d' ' -f1; }
{
  echo "# name<TAB>signed string<TAB>digest (made by gen-vectors.sh with openssl)"
  # Checkout in the seed's own form, string.Format("{0}|{1}|{2}|{3}|{4}", amount,
  # currency, reference_number, website_id, Security_Key): the compulsory fields only.
  s="150000|VND|ORDER-1|123456|$secret"
  printf 'checkout-seed-form\t%s\t%s\n' "$s" "$(sha "$s")"
  # Checkout: amount, currency, receiver_account, reference_number, url_return, website_id (sorted by name).
  s="150000|VND|0963465816|ORDER-1|https://merchant.example/vtcpay/return|123456|$secret"
  printf 'checkout-minimal\t%s\t%s\n' "$s" "$(sha "$s")"
  # Checkout with every parameter, in byte order of the names.
  s="12.50|12 Ly Thuong Kiet|Ha Noi|an@example.com|An|0912345678|Nguyen Van|VN|USD|cust-42|en|Vietcombank|100000|0963465816|ORDER-2|sale|https://merchant.example/r|123456|$secret"
  printf 'checkout-full\t%s\t%s\n' "$s" "$(sha "$s")"
  # Checkout with Vietnamese text (signed as UTF-8, un-encoded) and a US state:
  # amount, bill_to_address_city, bill_to_surname, country, currency, receiver_account, reference_number, state, website_id.
  s="150000|Hà Nội & Huế|Nguyễn Văn|US|VND|0963465816|ORDER-3|CA|123456|$secret"
  printf 'checkout-utf8\t%s\t%s\n' "$s" "$(sha "$s")"
  # Browser return: amount, message, payment_type, reference_number, status, trans_ref_no, website_id.
  s="150000|Thành công|VTCPay|ORDER-1|1|990001|123456|$secret"
  printf 'return-success\t%s\t%s\n' "$s" "$(sha "$s")"
  # Notification: data|secret.
  s="150000|Thành công|VTCPay|ORDER-1|1|990001|123456|$secret"
  printf 'ipn-success\t%s\t%s\n' "$s" "$(sha "$s")"
  # Merchant API sign: keySign + receiverAccount + websiteID + WEBSITE + secret (lowercase MD5).
  s="${keysign}0963465816123456WEBSITE$secret"
  printf 'api-sign\t%s\t%s\n' "$s" "$(md5 "$s")"
  s="${keysign}0963465816123456WEBSITE2026-11-012026-11-23$secret"
  printf 'api-sign-history\t%s\t%s\n' "$s" "$(md5 "$s")"
} > vectors.txt
