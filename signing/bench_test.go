package signing

import (
	"crypto/sha256"
	"testing"
)

var benchParts = []string{"50000|Thành công|website|123|1|789|321", "|", "TichhopcongthanhtoanVTC2.0"}

// BenchmarkSHA256Parts hashes three parts without concatenating them.
func BenchmarkSHA256Parts(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = SHA256(benchParts...)
	}
}

// BenchmarkSHA256PartsFloor is one bare sha256.Sum256 of the same bytes,
// already concatenated.
func BenchmarkSHA256PartsFloor(b *testing.B) {
	msg := []byte(benchParts[0] + benchParts[1] + benchParts[2])
	b.ReportAllocs()
	for b.Loop() {
		_ = sha256.Sum256(msg)
	}
}

func BenchmarkEqualHexDigest(b *testing.B) {
	d := SHA256(benchParts...)
	sig := Hex(Upper, d[:])
	b.ReportAllocs()
	for b.Loop() {
		if !EqualHexDigest(sig, d[:]) {
			b.Fatal("no match")
		}
	}
}
