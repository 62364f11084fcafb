package vtcpay

import (
	"slices"
	"testing"
)

// The expected sizes were counted by hand in the seed's appendices
// (003_4250873c04208e51.txt): 48 bank codes, 250 countries, 59 US and 13
// Canadian state codes.
const (
	wantBanks     = 48
	wantCountries = 250
	wantUSStates  = 59
	wantCAStates  = 13
)

func TestBankCodes(t *testing.T) {
	t.Parallel()
	codes := BankCodes()
	if len(codes) != wantBanks {
		t.Fatalf("BankCodes() has %d codes, want %d", len(codes), wantBanks)
	}
	seen := map[BankCode]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Errorf("bank code %q listed twice", c)
		}
		seen[c] = true
		if !c.Valid() || c.Name() == "" {
			t.Errorf("bank code %q: Valid()=%v Name()=%q", c, c.Valid(), c.Name())
		}
	}
	// The slice is the caller's: changing it must not change the table.
	codes[0] = "changed"
	if BankCodes()[0] != BankVTCPay {
		t.Errorf("BankCodes() shares its slice between calls")
	}
}

func TestBankCodeNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code BankCode
		want string
	}{
		{BankVTCPay, "VTC Pay E-Wallet"},
		{"VTCPAY", "VTC Pay E-Wallet"},
		{BankDomestic, "Display all domestic bank"},
		{"DomesticBank", "Display all domestic bank"},
		{BankInternationalCard, "Payment by International Card (Visa| Master| JCB)"},
		{"Vietcombank", "JSC Bank for Foreign Trade of Vietnam - Vietcombank"},
		{"BANKTRANSFERVIRTUAL", "Scan VietQR"},
		{"SHB", "Saigon – Hanoi Commercial Joint Stock Bank - SHB"},
		{"SeaABank", "Southeast Asia Commercial Joint Stock Bank - SeABank"},
		{"Jcb", "Jcb"},
		{"ShopeePay", "Shopee Pay"},
		// Unknown, or known with another case: the codes are case-sensitive.
		{"", ""},
		{"vtcpay", ""},
		{"VTCPay", ""}, // the field description's spelling, not a code
		{"VTC Pay", ""},
		{"VIETCOMBANK", ""},
		{"JCB", ""},
		{"domesticbank", ""},
		{"Vietcombank ", ""},
		{"Bank", ""},
	}
	for _, tt := range tests {
		if got := tt.code.Name(); got != tt.want {
			t.Errorf("BankCode(%q).Name() = %q, want %q", tt.code, got, tt.want)
		}
		if got, want := tt.code.Valid(), tt.want != ""; got != want {
			t.Errorf("BankCode(%q).Valid() = %v, want %v", tt.code, got, want)
		}
	}
}

func TestCountryCodes(t *testing.T) {
	t.Parallel()
	codes := CountryCodes()
	if len(codes) != wantCountries {
		t.Fatalf("CountryCodes() has %d codes, want %d", len(codes), wantCountries)
	}
	for _, c := range codes {
		if !c.Valid() || c.Name() == "" {
			t.Errorf("country code %q: Valid()=%v Name()=%q", c, c.Valid(), c.Name())
		}
	}
	// Every two-letter code, in every case, is valid exactly when it is
	// listed: the switch and the list agree, and lowercase is refused.
	checkTwoLetter(t, "country", func(s string) bool { return CountryCode(s).Valid() }, toStrings(codes))
}

func TestCountryCodeNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code CountryCode
		want string
	}{
		{CountryVietnam, "Vietnam"},
		{"AF", "Afghanistan"},
		{"AS", "American Samoa (US)"},
		{"BQ", "Bonaire, Sint Eustatius and Saba"},
		{"CI", "Côte D'Ivoire"},
		{"CW", "Curaçao"},
		{"KP", "Korea, Democratic People's Republic (North)"},
		{"AN", "Netherlands Antilles (NL)"},
		{"TJ", "Taj ikistan"},
		{CountryUnitedStates, "United States"},
		{CountryCanada, "Canada"},
		{"ZW", "Zimbabwe"},
		{"", ""},
		{"vn", ""},
		{"Vn", ""},
		{"VNM", ""},
		{"XX", ""},
		{"V", ""},
	}
	for _, tt := range tests {
		if got := tt.code.Name(); got != tt.want {
			t.Errorf("CountryCode(%q).Name() = %q, want %q", tt.code, got, tt.want)
		}
		if got, want := tt.code.Valid(), tt.want != ""; got != want {
			t.Errorf("CountryCode(%q).Valid() = %v, want %v", tt.code, got, want)
		}
	}
}

func TestStateCodes(t *testing.T) {
	t.Parallel()
	codes := StateCodes()
	if len(codes) != wantUSStates+wantCAStates {
		t.Fatalf("StateCodes() has %d codes, want %d", len(codes), wantUSStates+wantCAStates)
	}
	var us, ca int
	for _, s := range codes {
		if !s.Valid() || s.Name() == "" {
			t.Errorf("state code %q: Valid()=%v Name()=%q", s, s.Valid(), s.Name())
		}
		switch s.Country() {
		case CountryUnitedStates:
			us++
			if !s.ValidFor("US") || s.ValidFor("CA") {
				t.Errorf("US state %q: ValidFor(US)=%v ValidFor(CA)=%v", s, s.ValidFor("US"), s.ValidFor("CA"))
			}
		case CountryCanada:
			ca++
			if !s.ValidFor("CA") || s.ValidFor("US") {
				t.Errorf("CA province %q: ValidFor(CA)=%v ValidFor(US)=%v", s, s.ValidFor("CA"), s.ValidFor("US"))
			}
		default:
			t.Errorf("state code %q has no country", s)
		}
		for _, other := range []CountryCode{"VN", "", "us", "ca", "GB"} {
			if s.ValidFor(other) {
				t.Errorf("StateCode(%q).ValidFor(%q) = true", s, other)
			}
		}
	}
	if us != wantUSStates || ca != wantCAStates {
		t.Errorf("got %d US and %d CA codes, want %d and %d", us, ca, wantUSStates, wantCAStates)
	}
	// The US codes come first, as in the document.
	if codes[0] != "AL" || codes[wantUSStates-1] != "WY" || codes[wantUSStates] != "AB" || codes[len(codes)-1] != "YT" {
		t.Errorf("StateCodes() order: first %q, last US %q, first CA %q, last %q",
			codes[0], codes[wantUSStates-1], codes[wantUSStates], codes[len(codes)-1])
	}
	checkTwoLetter(t, "state", func(s string) bool { return StateCode(s).Valid() }, toStrings(codes))
}

func TestStateCodeNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code    StateCode
		want    string
		country CountryCode
	}{
		{"AL", "Alabama", "US"},
		{"DC", "District of Columbia", "US"},
		{"FM", "Federated States of Micronesia", "US"},
		{"PR", "Puerto Rico", "US"},
		{"CA", "California", "US"}, // a state code, not Canada
		{"WY", "Wyoming", "US"},
		{"AB", "Alberta", "CA"},
		{"NL", "Newfoundland and Labrador", "CA"},
		{"QC", "Quebec", "CA"},
		{"YT", "Yukon", "CA"},
		{"", "", ""},
		{"al", "", ""},
		{"Qc", "", ""},
		{"XX", "", ""},
		{"NSW", "", ""},
	}
	for _, tt := range tests {
		if got := tt.code.Name(); got != tt.want {
			t.Errorf("StateCode(%q).Name() = %q, want %q", tt.code, got, tt.want)
		}
		if got := tt.code.Country(); got != tt.country {
			t.Errorf("StateCode(%q).Country() = %q, want %q", tt.code, got, tt.country)
		}
		if got, want := tt.code.Valid(), tt.want != ""; got != want {
			t.Errorf("StateCode(%q).Valid() = %v, want %v", tt.code, got, want)
		}
		if tt.country != "" && !tt.code.ValidFor(tt.country) {
			t.Errorf("StateCode(%q).ValidFor(%q) = false", tt.code, tt.country)
		}
	}
}

// checkTwoLetter checks valid against every two-letter string of ASCII
// letters in both cases: it must hold exactly for the listed codes.
func checkTwoLetter(t *testing.T, what string, valid func(string) bool, listed []string) {
	t.Helper()
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	n := 0
	for _, a := range letters {
		for _, b := range letters {
			s := string(a) + string(b)
			got, want := valid(s), slices.Contains(listed, s)
			if got != want {
				t.Errorf("%s code %q: Valid() = %v, want %v", what, s, got, want)
			}
			if got {
				n++
			}
		}
	}
	if n != len(listed) {
		t.Errorf("%d %s codes are valid, %d are listed (duplicates in the list?)", n, what, len(listed))
	}
}

func toStrings[S ~string](in []S) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}
