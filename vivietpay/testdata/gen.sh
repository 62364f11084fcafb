#!/usr/bin/env bash
# Regenerates the Ví Việt vectors in this folder with openssl and coreutils,
# outside the project's code. The committed files are the output of one run
# (OpenSSL 3.0); re-running makes new keys and ciphertexts, which the tests
# accept as well because they read everything from the files.
# All keys and secrets here are throwaway test values, never a merchant's.
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# ---- v1: SHA-256 over secret|values ordered by parameter name ----------
printf '%s' 'TEST-SECRET-not-a-merchant-secret' > v1.secret

# v1_return.txt: the parameters of a successful return, one name=value a line
# (values raw, not URL-encoded); v1_order.txt: the parameters of an order.
v1_hash() { # file -> lowercase hex sha256 of secret|sorted values
  { cat v1.secret; sort -t= -k1,1 "$1" | cut -d= -f2- | while IFS= read -r v; do printf '|%s' "$v"; done; } |
    openssl dgst -sha256 -r | cut -d' ' -f1
}
cat > v1_return.txt <<'P'
merchant_site=TESTSITE
merch_txn_ref=REF-20260101-0001
order_no=ORDER-1001
total_amount=150000
currency=VND
response_code=00
trans_no=VV26010100000001
trans_time=20260101103000
message=Giao dịch thành công
P
v1_hash v1_return.txt > v1_return.secure_hash

cat > v1_order.txt <<'P'
version=1.0
merchant_site=TESTSITE
access_code=TESTACCESS
return_url=https://shop.example/vivietpay/return
cancel_url=https://shop.example/vivietpay/cancel
merch_txn_ref=REF-20260101-0001
order_no=ORDER-1001
order_desc=Thanh toán đơn hàng ORDER-1001
total_amount=150000
client_ip=203.0.113.7
locale=vn
currency=VND
P
v1_hash v1_order.txt > v1_order.secure_hash

# ---- v2: keys, 3DES-ECB under a random key, RSA key wrap, SHA256withRSA --
for who in merchant gateway; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$who.key.pem" 2>/dev/null
  openssl rsa -in "$who.key.pem" -pubout -out "$who.pub.pem" 2>/dev/null
done
# .NET XML forms of the merchant's private key and the gateway's public key.

field() {
  openssl rsa -in "$2" -noout -text 2>/dev/null |
    awk -v want="$1:" '
      $0 ~ /^[a-zA-Z0-9]+:/ { on = ($1 == want); if (on && NF > 1) { print $2; exit } ; next }
      on { gsub(/[ :]/, ""); printf "%s", $0 }' |
    sed 's/^0*//' | {
      read -r hex || true
      if [[ "$1" == publicExponent ]]; then hex=$(printf '%x' "$hex"); fi
      [[ $(( ${#hex} % 2 )) -eq 1 ]] && hex="0$hex"
      printf '%s' "$hex" | xxd -r -p | base64 -w0
    }
}
k=merchant.key.pem
printf '<RSAKeyValue><Modulus>%s</Modulus><Exponent>%s</Exponent><P>%s</P><Q>%s</Q><DP>%s</DP><DQ>%s</DQ><InverseQ>%s</InverseQ><D>%s</D></RSAKeyValue>\n' \
  "$(field modulus $k)" "$(field publicExponent $k)" "$(field prime1 $k)" "$(field prime2 $k)" \
  "$(field exponent1 $k)" "$(field exponent2 $k)" "$(field coefficient $k)" "$(field privateExponent $k)" > merchant.key.xml
k=gateway.key.pem
printf '<RSAKeyValue><Modulus>%s</Modulus><Exponent>%s</Exponent></RSAKeyValue>\n' \
  "$(field modulus $k)" "$(field publicExponent $k)" > gateway.pub.xml

# The return: result JSON encrypted for the merchant, signed by the gateway.
printf '%s' '{"merchant_site":"TESTSITE","merch_txn_ref":"REF-20260101-0001","order_no":"ORDER-1001","total_amount":"150000","currency":"VND","response_code":"00","trans_no":"VV26010100000001","trans_time":"20260101103000","message":"Giao dịch thành công"}' > v2_return.json
K=$(openssl rand -hex 24)
printf '%s' "$K" > v2_return.3deskey.hex
openssl enc -des-ede3 -K "$K" -nosalt -in v2_return.json | b64url > v2_return.data
printf '%s' "$K" | xxd -r -p | openssl pkeyutl -encrypt -pubin -inkey merchant.pub.pem -pkeyopt rsa_padding_mode:pkcs1 | b64url > v2_return.key
openssl dgst -sha256 -sign gateway.key.pem v2_return.json | b64url > v2_return.secure_hash

# The order JSON as the package writes it for v2_order (see the test), with
# its 3DES encryption under a fixed key and the merchant's signature.
printf '%s' '{"version":"2.0","access_code":"TESTACCESS","return_url":"https://shop.example/vivietpay/return","cancel_url":"https://shop.example/vivietpay/cancel","merch_txn_ref":"REF-20260101-0001","order_no":"ORDER-1001","order_desc":"Thanh toán đơn hàng <ORDER-1001> & co","total_amount":"150000","client_ip":"203.0.113.7","locale":"vn","currency":"VND"}' > v2_order.json
K2=000102030405060708090a0b0c0d0e0f1011121314151617
printf '%s' "$K2" > v2_order.3deskey.hex
openssl enc -des-ede3 -K "$K2" -nosalt -in v2_order.json | b64url > v2_order.data
openssl dgst -sha256 -sign merchant.key.pem v2_order.json | b64url > v2_order.secure_hash
# Self-check with openssl alone.
openssl dgst -sha256 -verify merchant.pub.pem -signature <(openssl dgst -sha256 -sign merchant.key.pem v2_order.json) v2_order.json >/dev/null
