// Package signing holds the cryptography that every gateway package shares:
// a redacting [Secret] type, canonical strings, SHA-256 and MD5 hex digests
// with constant-time, case-insensitive comparison, and RSA keys and
// SHA256withRSA (PKCS#1 v1.5) signatures.
//
// It is a leaf package: it knows no gateway and makes no HTTP call. Every
// function is pure and safe for concurrent use; nothing here keeps state.
//
// The vectors the tests check against were made with openssl, outside the
// project; signing/testdata/gen.sh holds the exact commands.
package signing
