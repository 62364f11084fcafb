package vtcpay

// Code tables from the appendices of VTC Pay's integration document (the
// seed 003_4250873c04208e51.txt, version 2.1): bank codes for payment_type,
// country codes for country and US/Canadian state codes for state. Codes and
// names are copied as the document gives them, spelling included; codes are
// case-sensitive.
//
// The tables are switch statements and functions that return fresh slices, so
// there is no package-level state that a caller could change.

// BankCode is a value of the checkout's payment_type parameter: VTC Pay's
// e-wallet, a group of payment methods, or one bank or wallet (the document's
// "Bank code" appendix). The document's field description spells the e-wallet
// "VTC Pay"; the appendix code, which is what this package accepts, is
// "VTCPAY".
type BankCode string

// Bank codes, in the order of the document's appendix.
const (
	BankVTCPay            BankCode = "VTCPAY"              // VTC Pay E-Wallet
	BankTransferVirtual   BankCode = "BANKTRANSFERVIRTUAL" // Scan VietQR
	BankInternationalCard BankCode = "InternationalCard"   // Payment by International Card (Visa| Master| JCB)
	BankDomestic          BankCode = "DomesticBank"        // Display all domestic bank
	BankVietcombank       BankCode = "Vietcombank"         // JSC Bank for Foreign Trade of Vietnam - Vietcombank
	BankTechcombank       BankCode = "Techcombank"         // Vietnam Technological and Commercial Joint- stock Bank - Techcombank
	BankMB                BankCode = "MB"                  // Military Commercial Joint Stock Bank - MBBank
	BankVietinbank        BankCode = "Vietinbank"          // Vietnam Joint Stock Commercial Bank for Industry and Trade - Vietinbank
	BankAgribank          BankCode = "Agribank"            // Vietnam Bank for Agriculture and Rural Development - Agribank
	BankDongA             BankCode = "DongABank"           // DongA Joint Stock Commercial Bank - DongABank
	BankOceanbank         BankCode = "Oceanbank"           // Ocean Commercial One Member Limited Liability Bank - Oceanbank
	BankBIDV              BankCode = "BIDV"                // Bank for Investment and Development of Vietnam - BIDV
	BankSHB               BankCode = "SHB"                 // Saigon – Hanoi Commercial Joint Stock Bank - SHB
	BankVIB               BankCode = "VIB"                 // Vietnam International Commercial Joint Stock Bank - VIB
	BankMaritime          BankCode = "MaritimeBank"        // Vietnam Maritime Commercial Joint Stock Bank - MaritimeBank
	BankEximbank          BankCode = "Eximbank"            // Vietnam Export Import Commercial Joint Stock Bank - Eximbank
	BankMaster            BankCode = "Master"              // Master
	BankVisa              BankCode = "Visa"                // Visa
	BankJCB               BankCode = "Jcb"                 // Jcb
	BankACB               BankCode = "ACB"                 // Asia Commercial Joint Stock Bank - ACB
	BankHDBank            BankCode = "HDBank"              // Ho Chi Minh City Development Joint Stock Commercial Bank - HDBank
	BankNamA              BankCode = "NamABank"            // Nam A Commercial Joint Stock Bank - NamABank
	BankSaigon            BankCode = "SaigonBank"          // Saigon Bank for Industry and Trade - SaigonBank
	BankSacombank         BankCode = "Sacombank"           // Saigon Thuong Tin Commercial Joint Stock Bank - Sacombank
	BankVietA             BankCode = "VietABank"           // VietNam Asia Commercial Joint Stock Bank - VietABank
	BankVPBank            BankCode = "VPBank"              // Vietnam Prosperity Joint-Stock Commercial Bank - VPBank
	BankTienPhong         BankCode = "TienPhongBank"       // Tien Phong Commercial Joint Stock Bank - TienPhongBank
	BankSeaA              BankCode = "SeaABank"            // Southeast Asia Commercial Joint Stock Bank - SeABank
	BankPGBank            BankCode = "PGBank"              // Petrolimex Group Commercial Joint Stock Bank - PGBank
	BankNCB               BankCode = "NCB"                 // National Citizen Bank - NCB
	BankGPBank            BankCode = "GPBank"              // Global Petro Commercial Joint Stock Bank - GPBank
	BankBacA              BankCode = "BACABANK"            // Bac A Commercial Joint Stock Bank - BacABank
	BankOCB               BankCode = "OCB"                 // Orient Commercial Joint Stock Bank - OCB
	BankLienVietPost      BankCode = "LienVietPostBank"    // Lien Viet Post Joint Stock Commercial Bank - LienVietPostBank
	BankABBank            BankCode = "ABBANK"              // An Binh Commercial Join Stock Bank - ABBank
	BankPVcomBank         BankCode = "PVcomBank"           // Vietnam Public Joint Stock Commercial Bank - PVcomBank
	BankBVB               BankCode = "BVB"                 // Bao Viet Joint Stock Commercial Bank - BaoVietBank
	BankSCB               BankCode = "SCBBank"             // Sai Gon Joint Stock Commercial Bank - SCB
	BankKienLong          BankCode = "KienLongBank"        // Kien Long Commercial Joint Stock Bank - Kienlongbank
	BankVRB               BankCode = "VRB"                 // Vietnam - Russia Joint Venture Bank - VRB
	BankPublic            BankCode = "PublicBank"          // Public Bank
	BankMoMo              BankCode = "MoMo"                // Momo
	BankViettelPay        BankCode = "ViettelPay"          // Viettel Money
	BankZaloPay           BankCode = "ZaloPay"             // Zalo Pay
	BankVNPayQR           BankCode = "VNPAYQR"             // VNPAYQR
	BankVNPTMoney         BankCode = "VNPTMoney"           // VNPT Money
	BankAppotaPay         BankCode = "AppotaPay"           // Appota Pay
	BankShopeePay         BankCode = "ShopeePay"           // Shopee Pay
)

// Valid reports whether b is one of the document's bank codes (exact case).
func (b BankCode) Valid() bool { return b.Name() != "" }

// Name returns the bank's name as the document gives it, or "" when b is not
// a known code.
func (b BankCode) Name() string {
	switch b {
	case BankVTCPay:
		return "VTC Pay E-Wallet"
	case BankTransferVirtual:
		return "Scan VietQR"
	case BankInternationalCard:
		return "Payment by International Card (Visa| Master| JCB)"
	case BankDomestic:
		return "Display all domestic bank"
	case BankVietcombank:
		return "JSC Bank for Foreign Trade of Vietnam - Vietcombank"
	case BankTechcombank:
		return "Vietnam Technological and Commercial Joint- stock Bank - Techcombank"
	case BankMB:
		return "Military Commercial Joint Stock Bank - MBBank"
	case BankVietinbank:
		return "Vietnam Joint Stock Commercial Bank for Industry and Trade - Vietinbank"
	case BankAgribank:
		return "Vietnam Bank for Agriculture and Rural Development - Agribank"
	case BankDongA:
		return "DongA Joint Stock Commercial Bank - DongABank"
	case BankOceanbank:
		return "Ocean Commercial One Member Limited Liability Bank - Oceanbank"
	case BankBIDV:
		return "Bank for Investment and Development of Vietnam - BIDV"
	case BankSHB:
		return "Saigon – Hanoi Commercial Joint Stock Bank - SHB"
	case BankVIB:
		return "Vietnam International Commercial Joint Stock Bank - VIB"
	case BankMaritime:
		return "Vietnam Maritime Commercial Joint Stock Bank - MaritimeBank"
	case BankEximbank:
		return "Vietnam Export Import Commercial Joint Stock Bank - Eximbank"
	case BankMaster:
		return "Master"
	case BankVisa:
		return "Visa"
	case BankJCB:
		return "Jcb"
	case BankACB:
		return "Asia Commercial Joint Stock Bank - ACB"
	case BankHDBank:
		return "Ho Chi Minh City Development Joint Stock Commercial Bank - HDBank"
	case BankNamA:
		return "Nam A Commercial Joint Stock Bank - NamABank"
	case BankSaigon:
		return "Saigon Bank for Industry and Trade - SaigonBank"
	case BankSacombank:
		return "Saigon Thuong Tin Commercial Joint Stock Bank - Sacombank"
	case BankVietA:
		return "VietNam Asia Commercial Joint Stock Bank - VietABank"
	case BankVPBank:
		return "Vietnam Prosperity Joint-Stock Commercial Bank - VPBank"
	case BankTienPhong:
		return "Tien Phong Commercial Joint Stock Bank - TienPhongBank"
	case BankSeaA:
		return "Southeast Asia Commercial Joint Stock Bank - SeABank"
	case BankPGBank:
		return "Petrolimex Group Commercial Joint Stock Bank - PGBank"
	case BankNCB:
		return "National Citizen Bank - NCB"
	case BankGPBank:
		return "Global Petro Commercial Joint Stock Bank - GPBank"
	case BankBacA:
		return "Bac A Commercial Joint Stock Bank - BacABank"
	case BankOCB:
		return "Orient Commercial Joint Stock Bank - OCB"
	case BankLienVietPost:
		return "Lien Viet Post Joint Stock Commercial Bank - LienVietPostBank"
	case BankABBank:
		return "An Binh Commercial Join Stock Bank - ABBank"
	case BankPVcomBank:
		return "Vietnam Public Joint Stock Commercial Bank - PVcomBank"
	case BankBVB:
		return "Bao Viet Joint Stock Commercial Bank - BaoVietBank"
	case BankSCB:
		return "Sai Gon Joint Stock Commercial Bank - SCB"
	case BankKienLong:
		return "Kien Long Commercial Joint Stock Bank - Kienlongbank"
	case BankVRB:
		return "Vietnam - Russia Joint Venture Bank - VRB"
	case BankPublic:
		return "Public Bank"
	case BankMoMo:
		return "Momo"
	case BankViettelPay:
		return "Viettel Money"
	case BankZaloPay:
		return "Zalo Pay"
	case BankVNPayQR:
		return "VNPAYQR"
	case BankVNPTMoney:
		return "VNPT Money"
	case BankAppotaPay:
		return "Appota Pay"
	case BankShopeePay:
		return "Shopee Pay"
	}
	return ""
}

// BankCodes returns every bank code of the document, in its order. The slice
// is new on each call; the caller may keep or change it.
func BankCodes() []BankCode {
	return []BankCode{
		BankVTCPay,
		BankTransferVirtual,
		BankInternationalCard,
		BankDomestic,
		BankVietcombank,
		BankTechcombank,
		BankMB,
		BankVietinbank,
		BankAgribank,
		BankDongA,
		BankOceanbank,
		BankBIDV,
		BankSHB,
		BankVIB,
		BankMaritime,
		BankEximbank,
		BankMaster,
		BankVisa,
		BankJCB,
		BankACB,
		BankHDBank,
		BankNamA,
		BankSaigon,
		BankSacombank,
		BankVietA,
		BankVPBank,
		BankTienPhong,
		BankSeaA,
		BankPGBank,
		BankNCB,
		BankGPBank,
		BankBacA,
		BankOCB,
		BankLienVietPost,
		BankABBank,
		BankPVcomBank,
		BankBVB,
		BankSCB,
		BankKienLong,
		BankVRB,
		BankPublic,
		BankMoMo,
		BankViettelPay,
		BankZaloPay,
		BankVNPayQR,
		BankVNPTMoney,
		BankAppotaPay,
		BankShopeePay,
	}
}

// CountryCode is a value of the checkout's country parameter: a two-letter
// code of the document's country appendix (ISO 3166-1 alpha-2 codes, plus
// "AN", Netherlands Antilles, which the document still lists).
type CountryCode string

// Country codes that the package refers to by name.
const (
	CountryVietnam      CountryCode = "VN"
	CountryUnitedStates CountryCode = "US"
	CountryCanada       CountryCode = "CA"
)

// Valid reports whether c is one of the document's country codes (exact
// case: "vn" is not valid).
func (c CountryCode) Valid() bool { return c.Name() != "" }

// Name returns the country's name as the document gives it (without the code
// the document repeats after each name), or "" when c is not a known code.
func (c CountryCode) Name() string {
	switch c {
	case "AF":
		return "Afghanistan"
	case "AX":
		return "Aland Islands"
	case "AL":
		return "Albania"
	case "DZ":
		return "Algeria"
	case "AS":
		return "American Samoa (US)"
	case "AD":
		return "Andorra"
	case "AO":
		return "Angola"
	case "AI":
		return "Anguilla (UK)"
	case "AQ":
		return "Antarctica"
	case "AG":
		return "Antigua and Barbuda"
	case "AR":
		return "Argentina"
	case "AM":
		return "Armenia"
	case "AW":
		return "Aruba"
	case "AU":
		return "Australia"
	case "AT":
		return "Austria"
	case "AZ":
		return "Azerbaijan"
	case "BS":
		return "Bahamas"
	case "BH":
		return "Bahrain"
	case "BD":
		return "Bangladesh"
	case "BB":
		return "Barbados"
	case "BY":
		return "Belarus"
	case "BE":
		return "Belgium"
	case "BZ":
		return "Belize"
	case "BJ":
		return "Benin"
	case "BM":
		return "Bermuda (UK)"
	case "BT":
		return "Bhutan"
	case "BO":
		return "Bolivia"
	case "BQ":
		return "Bonaire, Sint Eustatius and Saba"
	case "BA":
		return "Bosnia and Herzegovina"
	case "BW":
		return "Botswana"
	case "BV":
		return "Bouvet Island"
	case "BR":
		return "Brazil"
	case "IO":
		return "British Indian Ocean Territory"
	case "VG":
		return "British Virgin Islands (UK)"
	case "BN":
		return "Brunei Darussalam"
	case "BG":
		return "Bulgaria"
	case "BF":
		return "Burkina Faso"
	case "BI":
		return "Burundi"
	case "KH":
		return "Cambodia"
	case "CM":
		return "Cameroon"
	case "CA":
		return "Canada"
	case "CV":
		return "Cape Verde"
	case "KY":
		return "Cayman Islands (UK)"
	case "CF":
		return "Central African Republic"
	case "TD":
		return "Chad"
	case "CL":
		return "Chile"
	case "CN":
		return "China"
	case "CX":
		return "Christmas Island (AU)"
	case "CC":
		return "Cocos (Keeling) Islands (AU)"
	case "CO":
		return "Colombia"
	case "KM":
		return "Comoros"
	case "CD":
		return "Congo, Democratic Republic of the"
	case "CG":
		return "Congo, Republic of the"
	case "CK":
		return "Cook Islands (NZ)"
	case "CR":
		return "Costa Rica"
	case "CI":
		return "Côte D'Ivoire"
	case "HR":
		return "Croatia"
	case "CU":
		return "Cuba"
	case "CW":
		return "Curaçao"
	case "CY":
		return "Cyprus"
	case "CZ":
		return "Czech Republic"
	case "DK":
		return "Denmark"
	case "DJ":
		return "Djibouti"
	case "DM":
		return "Dominica"
	case "DO":
		return "Dominican Republic"
	case "EC":
		return "Ecuador"
	case "EG":
		return "Egypt"
	case "SV":
		return "El Salvador"
	case "GQ":
		return "Equatorial Guinea"
	case "ER":
		return "Eritrea"
	case "EE":
		return "Estonia"
	case "ET":
		return "Ethiopia"
	case "FK":
		return "Falkland Islands (UK)"
	case "FO":
		return "Faroe Islands (DK)"
	case "FJ":
		return "Fiji"
	case "FI":
		return "Finland"
	case "FR":
		return "France"
	case "GF":
		return "French Guiana (FR)"
	case "PF":
		return "French Polynesia (FR)"
	case "TF":
		return "French Southern Territories"
	case "GA":
		return "Gabon"
	case "GM":
		return "Gambia"
	case "GE":
		return "Georgia"
	case "DE":
		return "Germany"
	case "GH":
		return "Ghana"
	case "GI":
		return "Gibraltar (UK)"
	case "GR":
		return "Greece"
	case "GL":
		return "Greenland (DK)"
	case "GD":
		return "Grenada"
	case "GP":
		return "Guadeloupe (FR)"
	case "GU":
		return "Guam (US)"
	case "GT":
		return "Guatemala"
	case "GG":
		return "Guernsey"
	case "GN":
		return "Guinea"
	case "GW":
		return "Guinea-Bissau"
	case "GY":
		return "Guyana"
	case "HT":
		return "Haiti"
	case "HM":
		return "Heard Island and McDonald Islands"
	case "VA":
		return "Holy See (Vatican City)"
	case "HN":
		return "Honduras"
	case "HK":
		return "Hong Kong (CN)"
	case "HU":
		return "Hungary"
	case "IS":
		return "Iceland"
	case "IN":
		return "India"
	case "ID":
		return "Indonesia"
	case "IR":
		return "Iran"
	case "IQ":
		return "Iraq"
	case "IE":
		return "Ireland"
	case "IM":
		return "Isle of Man"
	case "IL":
		return "Israel"
	case "IT":
		return "Italy"
	case "JM":
		return "Jamaica"
	case "JP":
		return "Japan"
	case "JE":
		return "Jersey"
	case "JO":
		return "Jordan"
	case "KZ":
		return "Kazakhstan"
	case "KE":
		return "Kenya"
	case "KI":
		return "Kiribati"
	case "KP":
		return "Korea, Democratic People's Republic (North)"
	case "KR":
		return "Korea, Republic of (South)"
	case "KW":
		return "Kuwait"
	case "KG":
		return "Kyrgyzstan"
	case "LA":
		return "Laos"
	case "LV":
		return "Latvia"
	case "LB":
		return "Lebanon"
	case "LS":
		return "Lesotho"
	case "LR":
		return "Liberia"
	case "LY":
		return "Libya"
	case "LI":
		return "Liechtenstein"
	case "LT":
		return "Lithuania"
	case "LU":
		return "Luxembourg"
	case "MO":
		return "Macau (CN)"
	case "MK":
		return "Macedonia"
	case "MG":
		return "Madagascar"
	case "MW":
		return "Malawi"
	case "MY":
		return "Malaysia"
	case "MV":
		return "Maldives"
	case "ML":
		return "Mali"
	case "MT":
		return "Malta"
	case "MH":
		return "Marshall Islands"
	case "MQ":
		return "Martinique (FR)"
	case "MR":
		return "Mauritania"
	case "MU":
		return "Mauritius"
	case "YT":
		return "Mayotte (FR)"
	case "MX":
		return "Mexico"
	case "FM":
		return "Micronesia, Federated States of"
	case "MD":
		return "Moldova Republic of"
	case "MC":
		return "Monaco"
	case "MN":
		return "Mongolia"
	case "ME":
		return "Montenegro"
	case "MS":
		return "Montserrat (UK)"
	case "MA":
		return "Morocco"
	case "MZ":
		return "Mozambique"
	case "MM":
		return "Myanmar"
	case "NA":
		return "Namibia"
	case "NR":
		return "Nauru"
	case "NP":
		return "Nepal"
	case "NL":
		return "Netherlands"
	case "AN":
		return "Netherlands Antilles (NL)"
	case "NC":
		return "New Caledonia (FR)"
	case "NZ":
		return "New Zealand"
	case "NI":
		return "Nicaragua"
	case "NE":
		return "Niger"
	case "NG":
		return "Nigeria"
	case "NU":
		return "Niue"
	case "NF":
		return "Norfolk Island (AU)"
	case "MP":
		return "Northern Mariana Islands (US)"
	case "NO":
		return "Norway"
	case "OM":
		return "Oman"
	case "PK":
		return "Pakistan"
	case "PW":
		return "Palau"
	case "PS":
		return "Palestinian Territories"
	case "PA":
		return "Panama"
	case "PG":
		return "Papua New Guinea"
	case "PY":
		return "Paraguay"
	case "PE":
		return "Peru"
	case "PH":
		return "Philippines"
	case "PN":
		return "Pitcairn Islands (UK)"
	case "PL":
		return "Poland"
	case "PT":
		return "Portugal"
	case "PR":
		return "Puerto Rico (US)"
	case "QA":
		return "Qatar"
	case "RE":
		return "Reunion (FR)"
	case "RO":
		return "Romania"
	case "RU":
		return "Russia"
	case "RW":
		return "Rwanda"
	case "BL":
		return "Saint Barthelemy"
	case "SH":
		return "Saint Helena (UK)"
	case "KN":
		return "Saint Kitts and Nevis"
	case "LC":
		return "Saint Lucia"
	case "MF":
		return "Saint Martin (French Part)"
	case "PM":
		return "Saint Pierre & Miquelon (FR)"
	case "VC":
		return "Saint Vincent and the Grenadines"
	case "WS":
		return "Samoa"
	case "SM":
		return "San Marino"
	case "ST":
		return "Sao Tome and Principe"
	case "SA":
		return "Saudi Arabia"
	case "SN":
		return "Senegal"
	case "RS":
		return "Serbia"
	case "SC":
		return "Seychelles"
	case "SL":
		return "Sierra Leone"
	case "SG":
		return "Singapore"
	case "SX":
		return "Sint Maarten (Dutch Part)"
	case "SK":
		return "Slovakia"
	case "SI":
		return "Slovenia"
	case "SB":
		return "Solomon Islands"
	case "SO":
		return "Somalia"
	case "ZA":
		return "South Africa"
	case "GS":
		return "South Georgia & South Sandwich Islands (UK)"
	case "SS":
		return "South Sudan"
	case "ES":
		return "Spain"
	case "LK":
		return "Sri Lanka"
	case "SD":
		return "Sudan"
	case "SR":
		return "Suriname"
	case "SJ":
		return "Svalbard and Jan Mayen"
	case "SZ":
		return "Swaziland"
	case "SE":
		return "Sweden"
	case "CH":
		return "Switzerland"
	case "SY":
		return "Syria"
	case "TW":
		return "Taiwan"
	case "TJ":
		return "Taj ikistan" // sic: the document splits the name
	case "TZ":
		return "Tanzania"
	case "TH":
		return "Thailand"
	case "TL":
		return "Timor-Leste"
	case "TG":
		return "Togo"
	case "TK":
		return "Tokelau"
	case "TO":
		return "Tonga"
	case "TT":
		return "Trinidad and Tobago"
	case "TN":
		return "Tunisia"
	case "TR":
		return "Turkey"
	case "TM":
		return "Turkmenistan"
	case "TC":
		return "Turks and Caicos Islands (UK)"
	case "TV":
		return "Tuvalu"
	case "UG":
		return "Uganda"
	case "UA":
		return "Ukraine"
	case "AE":
		return "United Arab Emirates"
	case "GB":
		return "United Kingdom"
	case "US":
		return "United States"
	case "UM":
		return "United States Minor Outlying Islands"
	case "UY":
		return "Uruguay"
	case "UZ":
		return "Uzbekistan"
	case "VU":
		return "Vanuatu"
	case "VE":
		return "Venezuela"
	case "VN":
		return "Vietnam"
	case "VI":
		return "Virgin Islands (US)"
	case "WF":
		return "Wallis and Futuna (FR)"
	case "EH":
		return "Western Sahara"
	case "YE":
		return "Yemen"
	case "ZM":
		return "Zambia"
	case "ZW":
		return "Zimbabwe"
	}
	return ""
}

// CountryCodes returns every country code of the document, in its order
// (alphabetical by English name). The slice is new on each call.
func CountryCodes() []CountryCode {
	return []CountryCode{
		"AF", "AX", "AL", "DZ", "AS", "AD", "AO", "AI", "AQ", "AG",
		"AR", "AM", "AW", "AU", "AT", "AZ", "BS", "BH", "BD", "BB",
		"BY", "BE", "BZ", "BJ", "BM", "BT", "BO", "BQ", "BA", "BW",
		"BV", "BR", "IO", "VG", "BN", "BG", "BF", "BI", "KH", "CM",
		"CA", "CV", "KY", "CF", "TD", "CL", "CN", "CX", "CC", "CO",
		"KM", "CD", "CG", "CK", "CR", "CI", "HR", "CU", "CW", "CY",
		"CZ", "DK", "DJ", "DM", "DO", "EC", "EG", "SV", "GQ", "ER",
		"EE", "ET", "FK", "FO", "FJ", "FI", "FR", "GF", "PF", "TF",
		"GA", "GM", "GE", "DE", "GH", "GI", "GR", "GL", "GD", "GP",
		"GU", "GT", "GG", "GN", "GW", "GY", "HT", "HM", "VA", "HN",
		"HK", "HU", "IS", "IN", "ID", "IR", "IQ", "IE", "IM", "IL",
		"IT", "JM", "JP", "JE", "JO", "KZ", "KE", "KI", "KP", "KR",
		"KW", "KG", "LA", "LV", "LB", "LS", "LR", "LY", "LI", "LT",
		"LU", "MO", "MK", "MG", "MW", "MY", "MV", "ML", "MT", "MH",
		"MQ", "MR", "MU", "YT", "MX", "FM", "MD", "MC", "MN", "ME",
		"MS", "MA", "MZ", "MM", "NA", "NR", "NP", "NL", "AN", "NC",
		"NZ", "NI", "NE", "NG", "NU", "NF", "MP", "NO", "OM", "PK",
		"PW", "PS", "PA", "PG", "PY", "PE", "PH", "PN", "PL", "PT",
		"PR", "QA", "RE", "RO", "RU", "RW", "BL", "SH", "KN", "LC",
		"MF", "PM", "VC", "WS", "SM", "ST", "SA", "SN", "RS", "SC",
		"SL", "SG", "SX", "SK", "SI", "SB", "SO", "ZA", "GS", "SS",
		"ES", "LK", "SD", "SR", "SJ", "SZ", "SE", "CH", "SY", "TW",
		"TJ", "TZ", "TH", "TL", "TG", "TK", "TO", "TT", "TN", "TR",
		"TM", "TC", "TV", "UG", "UA", "AE", "GB", "US", "UM", "UY",
		"UZ", "VU", "VE", "VN", "VI", "WF", "EH", "YE", "ZM", "ZW",
	}
}

// StateCode is a value of the checkout's state parameter: a code of the
// document's state appendix, which lists the states, district and territories
// of the United States and the provinces and territories of Canada.
type StateCode string

// Valid reports whether s is one of the document's state codes (exact case).
func (s StateCode) Valid() bool { return s.Country() != "" }

// ValidFor reports whether s is a state code of country: a US code for "US",
// a Canadian one for "CA". No other country has state codes.
func (s StateCode) ValidFor(country CountryCode) bool {
	c := s.Country()
	return c != "" && c == country
}

// Country returns the country the state code belongs to, CountryUnitedStates
// or CountryCanada, or "" when s is not a known code.
func (s StateCode) Country() CountryCode {
	switch s {
	case "AL", "AK", "AS", "AZ", "AR", "CA", "CO", "CT", "DE", "DC",
		"FM", "FL", "GA", "GU", "HI", "ID", "IL", "IN", "IA", "KS",
		"KY", "LA", "ME", "MH", "MD", "MA", "MI", "MN", "MS", "MO",
		"MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "MP",
		"OH", "OK", "OR", "PW", "PA", "PR", "RI", "SC", "SD", "TN",
		"TX", "UT", "VT", "VI", "VA", "WA", "WV", "WI", "WY":
		return CountryUnitedStates
	case "AB", "BC", "MB", "NB", "NL", "NT", "NS", "NU", "ON", "PE",
		"QC", "SK", "YT":
		return CountryCanada
	}
	return ""
}

// Name returns the state's name as the document gives it, or "" when s is not
// a known code.
func (s StateCode) Name() string {
	switch s {
	case "AL":
		return "Alabama"
	case "AK":
		return "Alaska"
	case "AS":
		return "American Samoa"
	case "AZ":
		return "Arizona"
	case "AR":
		return "Arkansas"
	case "CA":
		return "California"
	case "CO":
		return "Colorado"
	case "CT":
		return "Connecticut"
	case "DE":
		return "Delaware"
	case "DC":
		return "District of Columbia"
	case "FM":
		return "Federated States of Micronesia"
	case "FL":
		return "Florida"
	case "GA":
		return "Georgia"
	case "GU":
		return "Guam"
	case "HI":
		return "Hawaii"
	case "ID":
		return "Idaho"
	case "IL":
		return "Illinois"
	case "IN":
		return "Indiana"
	case "IA":
		return "Iowa"
	case "KS":
		return "Kansas"
	case "KY":
		return "Kentucky"
	case "LA":
		return "Louisiana"
	case "ME":
		return "Maine"
	case "MH":
		return "Marshall Islands"
	case "MD":
		return "Maryland"
	case "MA":
		return "Massachusetts"
	case "MI":
		return "Michigan"
	case "MN":
		return "Minnesota"
	case "MS":
		return "Mississippi"
	case "MO":
		return "Missouri"
	case "MT":
		return "Montana"
	case "NE":
		return "Nebraska"
	case "NV":
		return "Nevada"
	case "NH":
		return "New Hampshire"
	case "NJ":
		return "New Jersey"
	case "NM":
		return "New Mexico"
	case "NY":
		return "New York"
	case "NC":
		return "North Carolina"
	case "ND":
		return "North Dakota"
	case "MP":
		return "Northern Mariana Islands"
	case "OH":
		return "Ohio"
	case "OK":
		return "Oklahoma"
	case "OR":
		return "Oregon"
	case "PW":
		return "Palau"
	case "PA":
		return "Pennsylvania"
	case "PR":
		return "Puerto Rico"
	case "RI":
		return "Rhode Island"
	case "SC":
		return "South Carolina"
	case "SD":
		return "South Dakota"
	case "TN":
		return "Tennessee"
	case "TX":
		return "Texas"
	case "UT":
		return "Utah"
	case "VT":
		return "Vermont"
	case "VI":
		return "Virgin Islands"
	case "VA":
		return "Virginia"
	case "WA":
		return "Washington"
	case "WV":
		return "West Virginia"
	case "WI":
		return "Wisconsin"
	case "WY":
		return "Wyoming"
	case "AB":
		return "Alberta"
	case "BC":
		return "British Columbia"
	case "MB":
		return "Manitoba"
	case "NB":
		return "New Brunswick"
	case "NL":
		return "Newfoundland and Labrador"
	case "NT":
		return "Northwest Territories"
	case "NS":
		return "Nova Scotia"
	case "NU":
		return "Nunavut"
	case "ON":
		return "Ontario"
	case "PE":
		return "Prince Edward Island"
	case "QC":
		return "Quebec"
	case "SK":
		return "Saskatchewan"
	case "YT":
		return "Yukon"
	}
	return ""
}

// StateCodes returns every state code of the document, in its order (the US
// codes, then the Canadian ones). The slice is new on each call.
func StateCodes() []StateCode {
	return []StateCode{
		"AL", "AK", "AS", "AZ", "AR", "CA", "CO", "CT", "DE", "DC",
		"FM", "FL", "GA", "GU", "HI", "ID", "IL", "IN", "IA", "KS",
		"KY", "LA", "ME", "MH", "MD", "MA", "MI", "MN", "MS", "MO",
		"MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "MP",
		"OH", "OK", "OR", "PW", "PA", "PR", "RI", "SC", "SD", "TN",
		"TX", "UT", "VT", "VI", "VA", "WA", "WV", "WI", "WY", "AB",
		"BC", "MB", "NB", "NL", "NT", "NS", "NU", "ON", "PE", "QC",
		"SK", "YT",
	}
}
