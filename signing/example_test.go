package signing_test

import (
	"fmt"

	"github.com/thanhtoan/thanhtoan/signing"
)

func ExampleSecret() {
	key := signing.NewSecret("TichhopcongthanhtoanVTC2.0")
	fmt.Println(key)
	fmt.Printf("%+v\n", struct{ Key signing.Secret }{key})
	// Output:
	// REDACTED
	// {Key:REDACTED}
}

func ExampleSHA256Hex() {
	// VTC Pay's notification signature: SHA-256 of data|secret, uppercase hex.
	data := "50000|Thành công|website|123|1|789|321"
	secret := signing.NewSecret("TichhopcongthanhtoanVTC2.0")
	fmt.Println(signing.SHA256Hex(signing.Upper, data, "|", secret.Reveal()))
	// Output: 909481220416EA789D424B33503500FE94ED8193C089A805E73768F2D6A0C95A
}

func ExampleJoinSorted() {
	params := []signing.Param{
		{Key: "website_id", Value: "7"},
		{Key: "amount", Value: "150000"},
		{Key: "currency", Value: "VND"},
	}
	fmt.Println(signing.JoinSorted("|", params))
	// Output: 150000|VND|7
}

func ExampleEqualHexDigest() {
	d := signing.SHA256("abc")
	fmt.Println(signing.EqualHexDigest(signing.Hex(signing.Upper, d[:]), d[:]))
	fmt.Println(signing.EqualHexDigest("not-a-signature", d[:]))
	// Output:
	// true
	// false
}
