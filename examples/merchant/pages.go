package main

import (
	"fmt"
	"html/template"
)

// parsePages parses each page with the layout. Elements a test or a
// person drives have stable ids: #state, #total, #flash, the forms'
// buttons (#create, #pay, #share-send, #topup, #otp-confirm, #link) and the history tables.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for name, src := range pageSources {
		t, err := template.New(name).Funcs(template.FuncMap{"dong": dong}).Parse(layoutSource)
		if err == nil {
			_, err = t.Parse(src)
		}
		if err != nil {
			return nil, fmt.Errorf("merchant: page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

const layoutSource = `{{define "layout"}}<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.T.site}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2939;background:#f8fafc;line-height:1.5}
header{background:#0b4f8a;color:#fff;padding:10px 24px;display:flex;flex-wrap:wrap;gap:12px 24px;align-items:center}
header a{color:#fff}.brand{font-weight:700;font-size:18px;text-decoration:none}
nav a{margin-right:14px}header form{display:inline}.who{margin-left:auto;font-size:14px}
main{max-width:980px;margin:24px auto;padding:0 24px}
h1{font-size:24px;margin:0 0 16px}h2{font-size:18px;margin:24px 0 8px}
.card{background:#fff;border:1px solid #d0d5dd;border-radius:8px;padding:16px 20px;margin:0 0 16px}
.flash{padding:10px 14px;border-radius:6px;background:#ecfdf3;border:1px solid #abefc6}
.flash.error{background:#fef3f2;border-color:#fecdca}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eaecf0;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
label{display:inline-block;margin:4px 16px 4px 0}select,input{font-size:15px;padding:4px 6px}
button{font-size:15px;padding:6px 14px;border-radius:6px;border:1px solid #0b4f8a;background:#1570ef;color:#fff;cursor:pointer}
.big{font-size:28px;font-weight:700}.muted{color:#667085;font-size:14px}
.state{display:inline-block;padding:2px 10px;border-radius:12px;background:#eaecf0;font-weight:600}
.state-completed{background:#dcfae6}.state-cancelled{background:#fee4e2}.state-awaiting_payment,.state-shared{background:#fef0c7}
.hint{background:#fffaeb;border:1px dashed #f79009;padding:8px 12px;border-radius:6px}
pre.mail{white-space:pre-wrap;font-family:inherit;background:#fff;border:1px solid #d0d5dd;padding:16px;border-radius:8px}
footer{max-width:980px;margin:24px auto;padding:0 24px;color:#667085;font-size:13px}
</style></head>
<body>
<header><a class="brand" href="/">☁ {{.T.site}}</a>
<nav><a href="/">{{.T.nav_home}}</a><a href="/topup">{{.T.nav_topup}}</a><a href="/history/credit">{{.T.nav_credit}}</a><a href="/history/payments">{{.T.nav_payments}}</a><a href="/history/billing">{{.T.nav_billing}}</a><a href="/mailbox" id="nav-mailbox">{{.T.nav_mailbox}}</a><a href="/sms">{{.T.nav_sms}}</a><a href="/vinid">{{.T.nav_vinid}}</a></nav>
<div class="who"><form method="post" action="/customer"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="customer">{{.T.customer}}</label> <select name="customer" id="customer">{{range .Customers}}<option value="{{.ID}}"{{if eq .ID $.Customer.ID}} selected{{end}}>{{.Name}}</option>{{end}}</select>
<button id="switch-customer">{{.T.switch}}</button></form>
· <a href="/lang/vi" id="lang-vi" lang="vi">Tiếng Việt</a> · <a href="/lang/en" id="lang-en" lang="en">English</a></div>
</header>
<main>
{{if .Flash}}<p class="flash{{if .FlashErr}} error{{end}}" id="flash" role="status">{{.Flash}}</p>{{end}}
{{template "content" .}}
</main>
<footer>{{.T.footer}}</footer>
</body></html>{{end}}
{{define "items"}}<table id="items"><tr><th>{{$.T.items}}</th><th class="num">{{$.T.quantity}}</th><th class="num">{{$.T.amount}}</th></tr>
{{range .Data.Items}}<tr><td><b>{{.Description}}</b>{{range .Config}}<br><span class="muted">{{.Name}}: {{.Value}}</span>{{end}}</td><td class="num">{{.Quantity}}</td><td class="num">{{.Amount}}</td></tr>{{end}}
<tr><th>{{$.T.total}}</th><th></th><th class="num" id="total">{{.Data.Amount}}</th></tr></table>{{end}}
{{define "pager"}}<p>{{if .Data.NotFirst}}<a href="?" id="first-page">{{.T.first_page}}</a> {{end}}{{if .Data.Next}}<a href="?after={{.Data.Next}}" id="next-page">{{.T.next_page}}</a>{{end}}</p>{{end}}`

var pageSources = map[string]string{
	"message": `{{define "content"}}<h1>{{.Title}}</h1><p class="card" id="message">{{.Data}}</p><p><a href="/">{{.T.back_home}}</a></p>{{end}}`,

	"home": `{{define "content"}}{{with .Data}}
<div class="card"><h1>{{$.Customer.Name}} <span class="muted">{{$.Customer.Email}}</span></h1>
<div>{{$.T.balance}}: <span class="big" id="balance">{{.Available}}</span> <span class="muted">({{$.T.available}}; {{$.T.held}}: <span id="held">{{.Held}}</span>)</span></div>
<p><a href="/topup">{{$.T.nav_topup}}</a> · <a href="/history/credit">{{$.T.nav_credit}}</a> · <a href="/history/payments">{{$.T.nav_payments}}</a> · <a href="/history/billing">{{$.T.nav_billing}}</a></p></div>

<div class="card"><h2>{{$.T.buy_title}}</h2>
<form method="post" action="/orders"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<label>vCPU <select name="vcpu" id="vcpu">{{range .VCPU}}<option{{if eq . $.Data.DefaultVCPU}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>RAM (GB) <select name="ram" id="ram">{{range .RAM}}<option{{if eq . $.Data.DefaultRAM}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>{{$.T.disk}} (GB SSD) <select name="disk" id="disk">{{range .Disk}}<option{{if eq . $.Data.DefaultDisk}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>{{$.T.months}} <select name="months" id="months">{{range .Months}}<option{{if eq . $.Data.DefaultMonth}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>{{$.T.region}} <select name="region" id="region">{{range .Regions}}<option value="{{.Code}}">{{.Name}}{{if .Full}}: {{$.T.region_full}}{{end}}</option>{{end}}</select></label>
<p class="muted">{{.PriceLine}}</p>
<button id="create">{{$.T.create_order}}</button></form></div>

<div class="card"><h2>{{$.T.recent_orders}}</h2>
{{if .Recent}}<table id="orders"><tr><th>{{$.T.order}}</th><th>{{$.T.date}}</th><th>{{$.T.state}}</th><th class="num">{{$.T.amount}}</th></tr>
{{range .Recent}}<tr><td><a href="/orders/{{.ID}}">{{.ID}}</a></td><td>{{.Date}}</td><td>{{.State}}</td><td class="num">{{.Amount}}</td></tr>{{end}}</table>
{{else}}<p>{{$.T.no_orders}}</p>{{end}}</div>

<div class="card"><h2>{{$.T.demo_accounts}}</h2>
<p>{{$.T.demo_vtc}}</p>
<p>{{$.T.demo_viet}}</p>
<table id="viet-accounts"><tr><th>{{$.T.phone}}</th><th>{{$.T.password}}</th><th class="num">{{$.T.wallet_balance}}</th></tr>
{{range .VietAccounts}}<tr><td>{{.Phone}}</td><td>{{.Password}}</td><td class="num">{{dong .Balance}}</td></tr>{{end}}</table>
<p>{{.VinIDNote}} {{if .VinIDLinked}}<b>{{$.T.vinid_linked}}</b>{{else}}<a href="/vinid">{{$.T.vinid_link}}</a>{{end}}</p>
</div>
{{end}}{{end}}`,

	"order": `{{define "content"}}{{with .Data}}
<h1>{{$.T.order}} <span id="order-id">{{.O.ID}}</span></h1>
<div class="card"><p>{{$.T.state}}: <span class="state state-{{.O.State}}" id="state">{{.State}}</span></p>
<p id="next">{{.Next}}</p>
{{if .Reason}}<p class="muted">{{$.T.reason}}: <span id="reason">{{.Reason}}</span></p>{{end}}
{{if .WaitsOTP}}<p><a href="/orders/{{.O.ID}}/otp" id="enter-otp">{{$.T.enter_otp}}</a></p>{{end}}
{{if .ContinueURL}}<p><a href="{{.ContinueURL}}" id="continue">{{$.T.continue_pay}}</a></p>{{end}}
</div>
{{template "items" $}}
{{if or .O.Method .UsedCredit .ShowGatewayAmount .PayerEmail}}<div class="card">
{{if .O.Method}}<p>{{$.T.method}}: <b id="method">{{.Method}}</b>{{if .O.Gateway}} · {{$.T.gateway}}: <b id="gateway-used">{{.Gateway}}</b>{{end}}</p>{{end}}
{{if .UsedCredit}}<p>{{$.T.credit_used}}: <b id="credit-used">{{.CreditHeld}}</b></p>{{end}}
{{if .ShowGatewayAmount}}<p>{{$.T.gateway_part}}: <b id="gateway-amount">{{.GatewayAmount}}</b></p>{{end}}
{{if .PayerEmail}}<p>{{$.T.payer}}: <b id="payer">{{.PayerEmail}}</b>{{if .ShareExpiry}} · {{.ShareExpiry}}{{end}}</p>{{end}}
</div>{{end}}
{{if .CanPay}}<div class="card"><h2>{{$.T.choose_payment}}</h2>
<form method="post" action="/orders/{{.O.ID}}/pay"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<label>{{$.T.method}} <select name="method" id="method-choice">{{range .Methods}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
<label>{{$.T.gateway}} <select name="gateway" id="gateway-choice">{{range .Gateways}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
<button id="pay">{{$.T.pay}}</button>
{{if not .IsTopUp}}<p class="muted">{{$.T.method_help}} {{$.T.gateway_unused}}</p>{{end}}</form></div>{{end}}
{{if and .CanShare (not .IsTopUp)}}<div class="card"><h2>{{$.T.share}}</h2><p class="muted">{{$.T.share_help}}</p>
<form method="post" action="/orders/{{.O.ID}}/share"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<label>{{$.T.share_email}} <input type="email" name="email" id="share-email" required maxlength="254"></label>
<button id="share-send">{{$.T.share_send}}</button></form></div>{{end}}
{{if .Attempts}}<h2>{{$.T.attempts}}</h2><table id="attempts"><tr><th>{{$.T.reference}}</th><th>{{$.T.date}}</th><th>{{$.T.gateway}}</th><th>{{$.T.payer}}</th><th>{{$.T.outcome}}</th><th class="num">{{$.T.amount}}</th></tr>
{{range .Attempts}}<tr><td>{{.Reference}}</td><td>{{.Date}}</td><td>{{.Gateway}}</td><td>{{.Payer}}</td><td>{{.Outcome}}</td><td class="num">{{.Amount}}</td></tr>{{end}}</table>{{end}}
{{end}}{{end}}`,

	"otp": `{{define "content"}}{{with .Data}}<h1>{{$.T.otp_title}}</h1>
<div class="card"><p>{{$.T.order}} <b>{{.OrderID}}</b> · <b id="otp-amount">{{.Amount}}</b></p><p>{{$.T.otp_help}}</p>
{{if .Hint}}<p class="hint" id="otp-hint">{{.Hint}} · <a href="{{.SMSURL}}" target="_blank" rel="noopener">{{$.T.otp_phone}}</a></p>{{end}}
<form method="post" action="/orders/{{.OrderID}}/otp"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<label>{{$.T.otp_label}} <input name="otp" id="otp" autocomplete="one-time-code" inputmode="numeric" required></label>
<button id="otp-confirm">{{$.T.otp_confirm}}</button></form></div>
<p><a href="/orders/{{.OrderID}}">{{$.T.view_order}}</a></p>{{end}}{{end}}`,

	"topup": `{{define "content"}}{{with .Data}}<h1>{{$.T.topup_title}}</h1>
<div class="card"><p>{{.Help}}</p>
<form method="post" action="/topup"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<label>{{$.T.amount}} (₫) <input name="amount" id="amount" inputmode="numeric" required placeholder="200.000"></label>
<label>{{$.T.gateway}} <select name="gateway" id="gateway-choice">{{range .Gateways}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></label>
<button id="topup">{{$.T.topup_submit}}</button></form></div>{{end}}{{end}}`,

	"credit": `{{define "content"}}<h1>{{.T.credit_title}}</h1><p>{{.T.balance}}: <b id="balance">{{.Data.Available}}</b></p>
{{if .Data.Rows}}<table id="credit-history"><tr><th>{{.T.date}}</th><th>{{.T.kind}}</th><th>{{.T.order}}</th><th class="num">{{.T.amount}}</th><th class="num">{{.T.balance_after}}</th></tr>
{{range .Data.Rows}}<tr><td>{{.Date}}</td><td class="kind">{{.Kind}}</td><td>{{if .Order}}<a href="/orders/{{.Order}}">{{.Order}}</a>{{end}}</td><td class="num amount">{{.Amount}}</td><td class="num">{{.Balance}}</td></tr>{{end}}</table>
{{else}}<p>{{.T.empty}}</p>{{end}}{{template "pager" .}}{{end}}`,

	"payments": `{{define "content"}}<h1>{{.T.payments_title}}</h1>
{{if .Data.Rows}}<table id="payment-history"><tr><th>{{.T.date}}</th><th>{{.T.gateway}}</th><th>{{.T.reference}}</th><th>{{.T.order}}</th><th>{{.T.outcome}}</th><th class="num">{{.T.amount}}</th></tr>
{{range .Data.Rows}}<tr><td>{{.Date}}</td><td>{{.Gateway}}</td><td>{{.Ref}}</td><td><a href="/orders/{{.Order}}">{{.Order}}</a></td><td>{{.Kind}}{{if .Note}}<br><span class="muted">{{.Note}}</span>{{end}}</td><td class="num amount">{{.Amount}}</td></tr>{{end}}</table>
{{else}}<p>{{.T.empty}}</p>{{end}}{{template "pager" .}}{{end}}`,

	"billing": `{{define "content"}}<h1>{{.T.billing_title}}</h1>
{{if .Data.Rows}}<table id="billing-history"><tr><th>{{.T.date}}</th><th>{{.T.invoice}}</th><th>{{.T.items}}</th><th>{{.T.method}}</th><th class="num">{{.T.amount}}</th></tr>
{{range .Data.Rows}}<tr><td>{{.Date}}</td><td><a href="/orders/{{.Order}}">{{.Ref}}</a></td><td>{{.Items}}</td><td>{{.Method}}</td><td class="num amount">{{.Amount}}</td></tr>{{end}}</table>
{{else}}<p>{{.T.empty}}</p>{{end}}{{template "pager" .}}{{end}}`,

	"mailbox": `{{define "content"}}<h1>{{.T.mailbox_title}}</h1>
{{if .Data}}<table id="mailbox"><tr><th>{{.T.date}}</th><th>{{.T.mail_to}}</th><th>{{.T.mail_subject}}</th></tr>
{{range .Data}}<tr><td>{{.Date}}</td><td>{{.To}}</td><td><a href="/mailbox/{{.N}}" class="mail-{{.Kind}}">{{.Subject}}</a></td></tr>{{end}}</table>
{{else}}<p>{{.T.empty}}</p>{{end}}{{end}}`,

	"mail": `{{define "content"}}{{with .Data}}<p><a href="/mailbox">{{$.T.mail_back}}</a> · <a href="/mailbox/{{.N}}/html" id="mail-html">{{$.T.mail_html}}</a></p>
<h1 id="subject">{{.Subject}}</h1><p class="muted">{{.From}} → <span id="mail-to">{{.To}}</span> · {{.Date}}</p>
<pre class="mail" id="mail-body">{{range .Body}}{{if .Link}}<a href="{{.Text}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}</pre>{{end}}{{end}}`,

	"sms": `{{define "content"}}<h1>{{.T.sms_title}}</h1>
{{if .Data}}<ul id="sms">{{range .Data}}<li>{{.}}</li>{{end}}</ul>{{else}}<p>{{.T.sms_none}}</p>{{end}}{{end}}`,

	"vinid": `{{define "content"}}<h1>{{.T.vinid_title}}</h1><div class="card">
{{if .Data.Linked}}<p id="vinid-status">{{.T.vinid_linked}}</p>{{else}}<p id="vinid-status">{{.T.vinid_unlinked}}</p>
<form method="post" action="/vinid/link"><input type="hidden" name="csrf" value="{{.CSRF}}"><button id="link">{{.T.vinid_link}}</button></form>{{end}}</div>{{end}}`,

	"result": `{{define "content"}}<h1>{{.T.result_title}}</h1><p class="card" id="result">{{.Data.Text}}</p><p><a href="/">{{.T.back_home}}</a></p>{{end}}`,
}
