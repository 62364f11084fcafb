#!/usr/bin/env bash
# Regenerates the vectors in this folder with openssl, outside the project's
# code. The committed files are the output of one run of this script
# (OpenSSL 3.0, Debian 12); re-running it makes new keys and signatures, which
# the tests accept as well because they read everything from the files.
# All keys here are throwaway test keys made for this purpose, never a merchant's.
set -euo pipefail
cd "$(dirname "$0")"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pkcs8.pem
openssl rsa -in rsa2048.pkcs8.pem -traditional -out rsa2048.pkcs1.pem
openssl rsa -in rsa2048.pkcs8.pem -outform DER | base64 -w0 > rsa2048.pkcs1.der.b64
openssl pkcs8 -topk8 -nocrypt -in rsa2048.pkcs8.pem -outform DER | base64 -w0 > rsa2048.pkcs8.der.b64
openssl rsa -in rsa2048.pkcs8.pem -pubout -out rsa2048.pub.pkix.pem
openssl rsa -in rsa2048.pkcs8.pem -RSAPublicKey_out -out rsa2048.pub.pkcs1.pem
openssl rsa -in rsa2048.pkcs8.pem -pubout -outform DER | base64 -w0 > rsa2048.pub.pkix.der.b64
openssl req -x509 -new -key rsa2048.pkcs8.pem -subj /CN=thanhtoan-test -days 36500 -out rsa2048.cert.pem

# A key that is too small: must be refused.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pkcs8.pem
openssl rsa -in rsa1024.pkcs8.pem -pubout -out rsa1024.pub.pkix.pem

# SHA256withRSA (PKCS#1 v1.5) over message.txt, base64 (standard, padded).
printf '%s' 'partner|merchant|order-123|150000|VND' > message.txt
openssl dgst -sha256 -sign rsa2048.pkcs8.pem -out message.sig message.txt
base64 -w0 message.sig > message.sig.b64
rm message.sig
openssl dgst -sha256 -verify rsa2048.pub.pkix.pem -signature <(base64 -d message.sig.b64) message.txt

# Digests of message.txt, as hex.
openssl dgst -sha256 -r message.txt | cut -d' ' -f1 > message.sha256.hex
openssl dgst -md5 -r message.txt | cut -d' ' -f1 > message.md5.hex
