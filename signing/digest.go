package signing

import (
	"crypto/md5" //nolint:gosec // MD5 is what some gateways (VTC Pay's merchant APIs) require.
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
)

// Case selects the letter case of hex output.
type Case int

const (
	// Lower is lowercase hex: "0a1b".
	Lower Case = iota
	// Upper is uppercase hex: "0A1B".
	Upper
)

// SHA256 returns the SHA-256 digest of the concatenation of parts, without
// building the concatenated string.
func SHA256(parts ...string) [sha256.Size]byte {
	// Short inputs (every gateway's canonical string) are gathered on the
	// stack and hashed in one call, which does not allocate.
	var buf [512]byte
	if b, ok := gather(buf[:0], parts); ok {
		return sha256.Sum256(b)
	}
	h := sha256.New()
	for _, p := range parts {
		_, _ = io.WriteString(h, p)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// gather appends parts to dst if they fit in its capacity.
func gather(dst []byte, parts []string) ([]byte, bool) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n > cap(dst) {
		return nil, false
	}
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return dst, true
}

// MD5 returns the MD5 digest of the concatenation of parts. MD5 is broken as
// a hash; use it only where a gateway demands it.
func MD5(parts ...string) [md5.Size]byte {
	var buf [512]byte
	if b, ok := gather(buf[:0], parts); ok {
		return md5.Sum(b)
	}
	h := md5.New()
	for _, p := range parts {
		_, _ = io.WriteString(h, p)
	}
	var out [md5.Size]byte
	h.Sum(out[:0])
	return out
}

// SHA256Hex is the hex form of [SHA256] in the given case.
func SHA256Hex(c Case, parts ...string) string {
	d := SHA256(parts...)
	return Hex(c, d[:])
}

// MD5Hex is the hex form of [MD5] in the given case.
func MD5Hex(c Case, parts ...string) string {
	d := MD5(parts...)
	return Hex(c, d[:])
}

const upperHex = "0123456789ABCDEF"

// Hex encodes b as hex in the given case.
func Hex(c Case, b []byte) string {
	if c == Lower {
		return hex.EncodeToString(b)
	}
	out := make([]byte, len(b)*2)
	for i, v := range b {
		out[2*i] = upperHex[v>>4]
		out[2*i+1] = upperHex[v&0x0f]
	}
	return string(out)
}

// EqualHexDigest reports whether the hex string sig (either letter case)
// encodes exactly digest. The comparison of the decoded bytes takes constant
// time; an empty digest, an empty or malformed sig, or one of another length
// never matches. It does not allocate for digests up to 64 bytes.
func EqualHexDigest(sig string, digest []byte) bool {
	if len(digest) == 0 || len(sig) != 2*len(digest) {
		return false
	}
	// Decode with a branch-free table lookup: the work does not depend on
	// which characters the signature holds, only on its length.
	var buf [64]byte
	var got []byte
	if len(digest) <= len(buf) {
		got = buf[:len(digest)]
	} else {
		got = make([]byte, len(digest))
	}
	bad := byte(0)
	for i := range got {
		hi, lo := hexValue[sig[2*i]], hexValue[sig[2*i+1]]
		bad |= (hi | lo) & 0x10
		got[i] = hi<<4 | lo&0x0f
	}
	return subtle.ConstantTimeCompare(got, digest)&int(1^(bad>>4)) == 1
}

// hexValue maps a byte to its hex value, either case, or to 0x10 when it is
// not a hex digit. A constant, so no package state.
const hexValue = "" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x10\x10\x10\x10\x10\x10" +
	"\x10\x0a\x0b\x0c\x0d\x0e\x0f\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x0a\x0b\x0c\x0d\x0e\x0f\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10" +
	"\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10\x10"

// EqualHex reports whether two hex strings encode the same non-empty bytes,
// ignoring letter case, in constant time for strings of equal length.
func EqualHex(a, b string) bool {
	if len(a) == 0 || len(a) != len(b) || len(a)%2 != 0 {
		return false
	}
	want, err := hex.DecodeString(b)
	if err != nil {
		return false
	}
	return EqualHexDigest(a, want)
}
