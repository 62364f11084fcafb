package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/checkout"
)

// The demo's customers. There is no login: a picker switches between them,
// so that one can share an order with the other and pay on their behalf.
type customer struct {
	ID, Name, Email string
	// Credit is the credit the demo gives them at start (a bank transfer).
	Credit int64
}

var customers = []customer{
	{ID: "an", Name: "Nguyễn Văn An", Email: "an@example.vn", Credit: 500_000},
	{ID: "binh", Name: "Trần Thị Bình", Email: "binh@example.vn", Credit: 200_000},
}

func customerByID(id string) (customer, bool) {
	for _, c := range customers {
		if c.ID == id {
			return c, true
		}
	}
	return customer{}, false
}

func customerByEmail(email string) (customer, bool) {
	for _, c := range customers {
		if strings.EqualFold(c.Email, email) {
			return c, true
		}
	}
	return customer{}, false
}

// The price table, in whole dong per month. Prices are computed on the
// server from the chosen options; the form only names options.
const (
	pricePerVCPU   int64 = 60_000
	pricePerGBRAM  int64 = 40_000
	pricePerGBDisk int64 = 1_500
)

var (
	vcpuChoices   = []int64{1, 2, 4, 8}
	ramChoices    = []int64{1, 2, 4, 8, 16}
	diskChoices   = []int64{20, 40, 80, 160}
	monthsChoices = []int64{1, 3, 6, 12}
)

// region is a data centre. A full region makes provisioning fail: the way
// to see a refund in the demo.
type region struct {
	Code, Name string
	Full       bool
}

var regions = []region{
	{Code: "hn1", Name: "Hà Nội (HN1)"},
	{Code: "hcm1", Name: "TP. Hồ Chí Minh (HCM1)"},
	{Code: "dn1", Name: "Đà Nẵng (DN1)", Full: true},
}

func regionByCode(code string) (region, bool) {
	for _, r := range regions {
		if r.Code == code {
			return r, true
		}
	}
	return region{}, false
}

// server is a cloud server configuration from the buy form.
type server struct {
	VCPU, RAM, Disk, Months int64
	Region                  region
}

var errBadChoice = errors.New("not one of the choices")

func choice(v string, choices []int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errBadChoice
	}
	for _, c := range choices {
		if c == n {
			return n, nil
		}
	}
	return 0, errBadChoice
}

// parseServer reads the buy form's choices; anything that is not one of
// the offered choices is refused.
func parseServer(vcpu, ram, disk, months, reg string) (server, error) {
	var s server
	var err error
	if s.VCPU, err = choice(vcpu, vcpuChoices); err != nil {
		return s, fmt.Errorf("vcpu: %w", err)
	}
	if s.RAM, err = choice(ram, ramChoices); err != nil {
		return s, fmt.Errorf("ram: %w", err)
	}
	if s.Disk, err = choice(disk, diskChoices); err != nil {
		return s, fmt.Errorf("disk: %w", err)
	}
	if s.Months, err = choice(months, monthsChoices); err != nil {
		return s, fmt.Errorf("months: %w", err)
	}
	r, ok := regionByCode(reg)
	if !ok {
		return s, fmt.Errorf("region: %w", errBadChoice)
	}
	s.Region = r
	return s, nil
}

// price is the server's price in dong: per month, times the months.
func (s server) price() int64 {
	return s.Months * (s.VCPU*pricePerVCPU + s.RAM*pricePerGBRAM + s.Disk*pricePerGBDisk)
}

// item is the order line of the server, described in the customer's
// language.
func (s server) item(lang string) checkout.LineItem {
	t := messages(lang)
	return checkout.LineItem{
		Description: t["item_server"],
		Quantity:    1,
		Amount:      decimal.NewFromInt(s.price()),
		Config: []checkout.Attribute{
			{Name: "vCPU", Value: strconv.FormatInt(s.VCPU, 10)},
			{Name: "RAM", Value: fmt.Sprintf("%d GB", s.RAM)},
			{Name: t["disk"], Value: fmt.Sprintf("%d GB SSD", s.Disk)},
			{Name: t["region"], Value: s.Region.Name},
			{Name: t["months"], Value: strconv.FormatInt(s.Months, 10)},
		},
	}
}

// failingRegion reports whether an order asks for a full region (its
// provisioning fails).
func failingRegion(o checkout.Order) (string, bool) {
	for _, it := range o.Items {
		for _, a := range it.Config {
			for _, r := range regions {
				if r.Full && a.Value == r.Name {
					return r.Name, true
				}
			}
		}
	}
	return "", false
}

// Limits of a top-up, in dong.
const (
	minTopUp int64 = 10_000
	maxTopUp int64 = 50_000_000
)

// Errors of parseDong, each with a message in the table.
var (
	errAmountEmpty    = errors.New("amount_empty")
	errAmountInvalid  = errors.New("amount_invalid")
	errAmountFraction = errors.New("amount_fraction")
	errAmountNegative = errors.New("amount_negative")
	errAmountRange    = errors.New("amount_range")
)

// parseDong reads an amount of whole dong as a person types it: digits,
// optionally grouped by thousands with dots or spaces ("150000",
// "150.000", "150 000"), optionally followed by "đ", "₫" or "VND". It
// refuses fractions ("150000,5", "1.5"), signs, and amounts outside
// [minTopUp, maxTopUp], with an error naming the message to show.
func parseDong(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, suffix := range []string{"VND", "vnd", "₫", "đ", "Đ"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, suffix))
	}
	if s == "" {
		return 0, errAmountEmpty
	}
	if strings.HasPrefix(s, "-") {
		return 0, errAmountNegative
	}
	if strings.ContainsAny(s, ",") {
		return 0, errAmountFraction // a decimal comma
	}
	groups := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == ' ' || r == '\u00a0' })
	if len(groups) == 0 {
		return 0, errAmountInvalid
	}
	if len(groups) > 1 {
		// Separators must group thousands: "1.500.000", not "1.5".
		if len(groups[0]) > 3 {
			return 0, errAmountInvalid
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, errAmountFraction
			}
		}
	}
	digits := strings.Join(groups, "")
	if len(digits) > 12 {
		return 0, errAmountRange
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, errAmountInvalid
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, errAmountInvalid
	}
	if n < minTopUp || n > maxTopUp {
		return 0, errAmountRange
	}
	return n, nil
}

// gatewayLabel is a gateway's name as customers know it.
func gatewayLabel(name string) string {
	switch name {
	case "vtcpay":
		return "VTC Pay"
	case "vietpay":
		return "Ví Việt"
	case "vinidpay":
		return "VinID Pay"
	}
	return name
}
