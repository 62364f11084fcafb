#!/usr/bin/env bash
# Writes the .NET <RSAKeyValue> XML forms of the openssl-made keys in this
# folder (see gen.sh), outside the project's code: openssl prints each integer
# in hex, xxd turns it into bytes and base64 encodes it, as .NET's
# RSA.ToXmlString does (big-endian, no leading zero byte). Run after gen.sh.
# All keys here are throwaway test keys, never a merchant's.
set -euo pipefail
cd "$(dirname "$0")"

# field NAME KEYFILE: the integer NAME of the key, base64.
field() {
  openssl rsa -in "$2" -noout -text 2>/dev/null |
    awk -v want="$1:" '
      $0 ~ /^[a-zA-Z0-9]+:/ { on = ($1 == want); if (on && NF > 1) { print $2; exit } ; next }
      on { gsub(/[ :]/, ""); printf "%s", $0 }' |
    sed 's/ (0x[0-9a-f]*)//; s/^0*//' | {
      read -r hex || true
      # The exponent is printed in decimal ("65537 (0x10001)").
      if [[ "$1" == publicExponent ]]; then hex=$(printf '%x' "$hex"); fi
      [[ $(( ${#hex} % 2 )) -eq 1 ]] && hex="0$hex"
      printf '%s' "$hex" | xxd -r -p | base64 -w0
    }
}

xml() { # xml KEYFILE private|public
  local k=$1
  printf '<RSAKeyValue><Modulus>%s</Modulus><Exponent>%s</Exponent>' "$(field modulus "$k")" "$(field publicExponent "$k")"
  if [[ $2 == private ]]; then
    printf '<P>%s</P><Q>%s</Q><DP>%s</DP><DQ>%s</DQ><InverseQ>%s</InverseQ><D>%s</D>' \
      "$(field prime1 "$k")" "$(field prime2 "$k")" "$(field exponent1 "$k")" \
      "$(field exponent2 "$k")" "$(field coefficient "$k")" "$(field privateExponent "$k")"
  fi
  printf '</RSAKeyValue>\n'
}

xml rsa2048.pkcs8.pem private > rsa2048.priv.xml
xml rsa2048.pkcs8.pem public > rsa2048.pub.xml
xml rsa1024.pkcs8.pem public > rsa1024.pub.xml
