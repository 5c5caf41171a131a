package console

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamd/iamd/analysis"
	"github.com/iamd/iamd/api/iamapi"
	"github.com/iamd/iamd/policy"
)

// The policy editor: the page, and the JSON endpoint its script calls as
// the user types.

type editorData struct {
	Name, Description, Document, Kind string
}

const starterPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::example-bucket/*"
    }
  ]
}`

func (h *Handler) serveEditor(w http.ResponseWriter, r *http.Request, q *req) {
	h.render(w, r, q.s, "editor", http.StatusOK, "Policy editor", editorData{Document: starterPolicy, Kind: "managed"}, nil)
}

// serveEditorSave creates the managed policy (CreatePolicy, as the CLI).
func (h *Handler) serveEditorSave(w http.ResponseWriter, r *http.Request, q *req) {
	d := editorData{Name: strings.TrimSpace(r.PostFormValue("name")), Description: r.PostFormValue("description"), Document: r.PostFormValue("document"), Kind: "managed"}
	params := url.Values{"PolicyName": {d.Name}, "PolicyDocument": {d.Document}}
	if d.Description != "" {
		params.Set("Description", d.Description)
	}
	out, err := h.call(r, q, "CreatePolicy", params)
	if err != nil {
		h.render(w, r, q.s, "editor", statusOf(err), "Policy editor", d, err)
		return
	}
	to := Prefix + "/policies"
	if p := out.(*iamapi.CreatePolicyOutput).Policy; p != nil {
		to = Prefix + "/policy?arn=" + url.QueryEscape(deref(p.Arn))
	}
	h.redirect(w, r, q, to, "Policy "+d.Name+" created.")
}

// Finding is one finding of the editor's validation.
type Finding struct {
	Severity string `json:"severity"` // error, warning, info
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

type validateRequest struct {
	Document string `json:"document"`
	Kind     string `json:"kind"`
}

// serveValidate runs iamd's validator (what CreatePolicy would answer)
// and its lint on a draft. It reads no state and calls no API: it needs
// only a signed-in session and its CSRF token.
func (h *Handler) serveValidate(w http.ResponseWriter, r *http.Request, q *req) {
	var in validateRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes))
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "The request is not JSON."})
		return
	}
	kind, ok := policy.ParseKind(in.Kind)
	if !ok {
		kind = policy.KindManaged
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"findings": validate(in.Document, kind, h.b.Partition(), q.id.account)})
}

func validate(text string, kind policy.Kind, partition, account string) []Finding {
	out := []Finding{}
	doc, err := policy.Check([]byte(text), kind, policy.Options{Partition: partition})
	if err != nil {
		f := Finding{Severity: "error", Line: 1, Column: 1, Message: err.Error()}
		var pe *policy.Error
		if errors.As(err, &pe) {
			f.Code, f.Message = pe.Code, pe.Message
			if pe.Detail != "" {
				f.Message += " (" + pe.Detail + ")"
			}
			if pe.Pos.Line > 0 {
				f.Line, f.Column = pe.Pos.Line, pe.Pos.Column
			}
		}
		return append(out, f)
	}
	if kind != policy.KindManaged && kind != policy.KindInlineUser && kind != policy.KindInlineGroup && kind != policy.KindInlineRole {
		return out
	}
	// The lint's rules for one customer managed policy of the account.
	dump := map[string]any{"Policies": []any{map[string]any{
		"PolicyName": "Draft", "Arn": "arn:" + partition + ":iam::" + account + ":policy/Draft", "DefaultVersionId": "v1",
		"PolicyVersionList": []any{map[string]any{"Document": json.RawMessage(text), "VersionId": "v1", "IsDefaultVersion": true}},
	}}}
	b, err := json.Marshal(dump)
	if err != nil {
		return out
	}
	d, err := analysis.ReadDump(bytes.NewReader(b))
	if err != nil {
		return out
	}
	acct, err := analysis.NewAccount(d)
	if err != nil {
		return out
	}
	for _, lf := range analysis.Lint(acct, analysis.LintOptions{}) {
		f := Finding{Severity: lf.Severity.String(), Line: 1, Column: 1, Code: lf.Rule, Message: lf.Message, Fix: lf.Fix}
		idx, _, _ := strings.Cut(lf.Statement, " ")
		if i, err := strconv.Atoi(idx); err == nil && i >= 0 && i < len(doc.Statements) {
			f.Line, f.Column = doc.Statements[i].Start.Line, doc.Statements[i].Start.Column
		}
		out = append(out, f)
	}
	return out
}

// The policy simulator: SimulatePrincipalPolicy through the same API path.

type simData struct {
	Mode                          string // principal | custom
	Principal, Actions, Resources string
	Policy, Context               string
	Results                       []simResult
	Ran                           bool
	// Principals are the users, groups and roles to pick from (principalOptions).
	Principals []principalOption
}

// principalOption is a principal the simulator's picker offers.
type principalOption struct{ ARN, Label string }

// pickerMax bounds each kind's options in the picker: past it, the ARN
// is typed (or pasted from the entity's page).
const pickerMax = 500

// principalOptions are the account's users, groups and roles, read with
// the signed-in user's own ListUsers, ListGroups and ListRoles (the
// lists' kept items, as a search reads them): a list the user may not
// make offers nothing, and without any the principal is typed as an ARN.
func (h *Handler) principalOptions(r *http.Request, q *req) []principalOption {
	var out []principalOption
	if us, err := allItems(h, r, q, "ListUsers", url.Values{}, usersOf); err == nil {
		for _, u := range us[:min(len(us), pickerMax)] {
			out = append(out, principalOption{ARN: u.Arn, Label: "User " + u.UserName})
		}
	}
	// A group is simulated with its own policies (SimulatePrincipalPolicy
	// takes a user, group or role ARN).
	if gs, err := allItems(h, r, q, "ListGroups", url.Values{}, groupsOf); err == nil {
		for _, g := range gs[:min(len(gs), pickerMax)] {
			out = append(out, principalOption{ARN: g.Arn, Label: "Group " + g.GroupName})
		}
	}
	if rs, err := allItems(h, r, q, "ListRoles", url.Values{}, rolesOf); err == nil {
		for _, x := range rs[:min(len(rs), pickerMax)] {
			out = append(out, principalOption{ARN: x.Arn, Label: "Role " + x.RoleName})
		}
	}
	return out
}

// contextEntries reads "key=value,value" lines (a type after the key,
// "key:numeric=5", as the CLI's ContextKeyType) into the API's list.
func contextEntries(text string, params url.Values) {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.TrimSpace(k) == "" {
			continue
		}
		n++
		typ := "string"
		// The key's own colon (aws:SourceIp) comes first; a type follows a second one.
		if i := strings.LastIndexByte(k, ':'); i > 0 && strings.Count(k, ":") > 1 {
			k, typ = k[:i], k[i+1:]
		}
		p := "ContextEntries.member." + strconv.Itoa(n) + "."
		params.Set(p+"ContextKeyName", strings.TrimSpace(k))
		params.Set(p+"ContextKeyType", strings.TrimSpace(typ))
		for j, val := range strings.Split(v, ",") {
			params.Set(p+"ContextKeyValues.member."+strconv.Itoa(j+1), strings.TrimSpace(val))
		}
	}
}

type simResult struct {
	Action, Resource, Decision string
	Missing                    []string
	Statements                 []simStatement
}

type simStatement struct {
	PolicyID, PolicyType string
	Start, End           string
	Lines                []simLine // the policy's text, the deciding statement marked
}

// simLine is a line of a deciding policy: the statement's part of it is
// Hit, between Pre and Post.
type simLine struct {
	N              int
	Pre, Hit, Post string
}

// markSpan cuts lines at the statement's span (1-based lines, columns in
// runes, end inclusive).
func markSpan(lines []string, sl, sc, el, ec int) []simLine {
	out := make([]simLine, 0, len(lines))
	for i, l := range lines {
		n, rs := i+1, []rune(l)
		line := simLine{N: n, Pre: l}
		if n >= sl && n <= el && sl > 0 {
			from, to := 0, len(rs)
			if n == sl {
				from = min(max(sc-1, 0), len(rs))
			}
			if n == el {
				to = min(max(ec, from), len(rs))
			}
			line = simLine{N: n, Pre: string(rs[:from]), Hit: string(rs[from:to]), Post: string(rs[to:])}
		}
		out = append(out, line)
	}
	return out
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\r' || r == '\t' })
}

func (h *Handler) serveSimulator(w http.ResponseWriter, r *http.Request, q *req) {
	d := simData{Mode: "principal", Principal: q.id.arn, Actions: "iam:ListUsers", Resources: "*", Principals: h.principalOptions(r, q)}
	if r.Method == http.MethodGet {
		if p := r.URL.Query().Get("principal"); p != "" {
			d.Principal = p
		}
		h.render(w, r, q.s, "simulator", http.StatusOK, "Policy simulator", d, nil)
		return
	}
	d.Principal, d.Actions, d.Resources = strings.TrimSpace(r.PostFormValue("principal")), r.PostFormValue("actions"), r.PostFormValue("resources")
	d.Mode, d.Policy, d.Context = r.PostFormValue("mode"), r.PostFormValue("policy"), r.PostFormValue("context")
	action, params := "SimulatePrincipalPolicy", url.Values{"PolicySourceArn": {d.Principal}}
	if d.Mode == "custom" {
		action, params = "SimulateCustomPolicy", url.Values{"PolicyInputList.member.1": {d.Policy}}
	}
	contextEntries(d.Context, params)
	for i, a := range splitList(d.Actions) {
		params.Set("ActionNames.member."+strconv.Itoa(i+1), a)
	}
	for i, res := range splitList(d.Resources) {
		params.Set("ResourceArns.member."+strconv.Itoa(i+1), res)
	}
	out, err := h.call(r, q, action, params)
	if err != nil {
		h.render(w, r, q.s, "simulator", statusOf(err), "Policy simulator", d, err)
		return
	}
	d.Ran = true
	texts := map[string][]string{} // policy id -> its lines, read once
	for _, er := range out.(*iamapi.SimulatePrincipalPolicyOutput).EvaluationResults {
		res := simResult{Action: er.EvalActionName, Resource: deref(er.EvalResourceName), Decision: er.EvalDecision, Missing: er.MissingContextValues}
		for _, st := range er.MatchedStatements {
			ss := simStatement{PolicyID: deref(st.SourcePolicyId), PolicyType: deref(st.SourcePolicyType)}
			sl, sc := posOf(st.StartPosition)
			el, ec := posOf(st.EndPosition)
			ss.Start, ss.End = posText(st.StartPosition), posText(st.EndPosition)
			lines, ok := texts[ss.PolicyID+"|"+ss.PolicyType]
			if !ok && d.Mode == "custom" {
				lines = strings.Split(d.Policy, "\n")
			} else if !ok {
				lines = h.policyLines(r, q, d.Principal, ss.PolicyID, ss.PolicyType)
				texts[ss.PolicyID+"|"+ss.PolicyType] = lines
			}
			ss.Lines = markSpan(lines, sl, sc, el, ec)
			res.Statements = append(res.Statements, ss)
		}
		d.Results = append(d.Results, res)
	}
	h.render(w, r, q.s, "simulator", http.StatusOK, "Policy simulator", d, nil)
}

func posOf(p *iamapi.Position) (line, column int) {
	if p == nil || p.Line == nil || p.Column == nil {
		return 0, 0
	}
	return int(*p.Line), int(*p.Column)
}

func posText(p *iamapi.Position) string {
	if p == nil || p.Line == nil || p.Column == nil {
		return ""
	}
	return strconv.Itoa(int(*p.Line)) + ":" + strconv.Itoa(int(*p.Column))
}

// policyLines reads a deciding policy's text as the simulator saw it
// (positions count in the stored text, so it is not re-indented), with
// the API calls the user could make: GetUserPolicy and friends for inline
// policies, GetPolicy and GetPolicyVersion for managed ones. A refusal
// leaves the text out.
func (h *Handler) policyLines(r *http.Request, q *req, principal, id, typ string) []string {
	var doc string
	kind, name := principalOf(principal)
	switch {
	case strings.HasPrefix(id, "arn:"):
		out, err := h.call(r, q, "GetPolicy", url.Values{"PolicyArn": {id}})
		if err != nil {
			return nil
		}
		p := out.(*iamapi.GetPolicyOutput).Policy
		if p == nil {
			return nil
		}
		vo, err := h.call(r, q, "GetPolicyVersion", url.Values{"PolicyArn": {id}, "VersionId": {deref(p.DefaultVersionId)}})
		if err != nil || vo.(*iamapi.GetPolicyVersionOutput).PolicyVersion == nil {
			return nil
		}
		doc = deref(vo.(*iamapi.GetPolicyVersionOutput).PolicyVersion.Document)
	case typ == kind && inlineGets[kind].call != "":
		g := inlineGets[kind]
		out, err := h.call(r, q, g.call, url.Values{g.param: {name}, "PolicyName": {id}})
		if err != nil {
			return nil
		}
		doc = inlineDocument(out)
	default:
		return nil
	}
	if dec, err := url.PathUnescape(doc); err == nil {
		doc = dec
	}
	return strings.Split(doc, "\n")
}

// principalOf reads a user, group or role ARN's kind and name.
func principalOf(a string) (kind, name string) {
	_, res, ok := strings.Cut(a, ":iam::")
	if !ok {
		return "", ""
	}
	_, res, _ = strings.Cut(res, ":")
	kind, rest, _ := strings.Cut(res, "/")
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		rest = rest[i+1:]
	}
	return kind, rest
}

// serveActions finds the catalogue's actions for the simulator's search.
func (h *Handler) serveActions(w http.ResponseWriter, r *http.Request, _ *req) {
	needle := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	out := []string{}
	if len(needle) >= 2 {
		cat := analysis.Catalog()
		prefixes := make([]string, 0, len(cat.Services))
		for p := range cat.Services {
			prefixes = append(prefixes, p)
		}
		sort.Strings(prefixes)
	scan:
		for _, p := range prefixes {
			names := make([]string, 0, len(cat.Services[p].Actions))
			for n := range cat.Services[p].Actions {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				if full := p + ":" + n; strings.Contains(strings.ToLower(full), needle) {
					if out = append(out, full); len(out) == 30 {
						break scan
					}
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"actions": out})
}

// The credential report.

type reportData struct {
	Header []reportColumn
	Rows   []reportRow
	// Sorting and paging are the server's: a table of 5,000 users is
	// rendered a page at a time.
	Sort, Dir   string
	Flagged     bool // only the rows with a highlighted cell
	Total       int
	From, To    int
	Prev, Next  string
	Idle, Old   int // counts over the whole report
	NoMFA, Root int
}

type reportColumn struct {
	Name, Link, AriaSort string
}

type reportRow struct {
	Cells   []reportCell
	flagged bool
	// HTML is the row's table row, escaped once when the report is read:
	// the page shows hundreds of rows of 22 cells.
	HTML template.HTML
}

// reportPage is how many rows the report page shows.
const reportPage = 250

type reportCell struct {
	Text, Class string
}

// staleAfter is when a key is old and a user idle (AWS's 90 days).
const staleAfter = 90 * 24 * time.Hour

// credentialReport is the current report, generated first when there is
// none or it is more than four hours old (as the AWS console does).
func (h *Handler) credentialReport(r *http.Request, q *req) ([]byte, error) {
	out, err := h.credentialReportOutput(r, q)
	if err != nil {
		return nil, err
	}
	return out.Content, nil
}

func (h *Handler) credentialReportOutput(r *http.Request, q *req) (*iamapi.GetCredentialReportOutput, error) {
	out, err := h.call(r, q, "GetCredentialReport", nil)
	if e := toAPIError(err); err != nil && (e.Code == iamapi.CodeCredentialReportNotPresent || e.Code == iamapi.CodeCredentialReportExpired) {
		if _, err := h.call(r, q, "GenerateCredentialReport", nil); err != nil {
			return nil, err
		}
		out, err = h.call(r, q, "GetCredentialReport", nil)
	}
	if err != nil {
		return nil, err
	}
	return out.(*iamapi.GetCredentialReportOutput), nil
}

// reportOf is the report read into rows, kept for as long as the report
// is current: the call that returned it is made (and authorized) for
// every page, the reading once per report.
func (h *Handler) reportOf(account string, out *iamapi.GetCredentialReportOutput) (*reportData, error) {
	k := account + "|" + strconv.Itoa(len(out.Content))
	if out.GeneratedTime != nil {
		k += "|" + strconv.FormatInt(out.GeneratedTime.UnixNano(), 10)
	}
	if d, ok := h.reports.Get(k); ok {
		return d, nil
	}
	d, err := h.parseReport(out.Content)
	if err != nil {
		return nil, err
	}
	h.reports.Put(k, &d)
	return &d, nil
}

func (h *Handler) serveCredentialReport(w http.ResponseWriter, r *http.Request, q *req) {
	out, err := h.credentialReportOutput(r, q)
	d := reportData{}
	if err == nil {
		var all *reportData
		if all, err = h.reportOf(q.id.account, out); err == nil {
			d = *all
			d.Header = slices.Clone(all.Header) // page sets the links
			d.page(r.URL.Query())
		}
	}
	h.render(w, r, q.s, "report", statusOf(err), "Credential report", d, err)
}

// page sorts, filters and cuts the rows as the query asks.
func (d *reportData) page(qv url.Values) {
	col := -1
	d.Sort, d.Dir, d.Flagged = qv.Get("sort"), qv.Get("dir"), qv.Get("only") == "flagged"
	if d.Dir != "desc" {
		d.Dir = "asc"
	}
	for i := range d.Header {
		c := &d.Header[i]
		v := url.Values{"sort": {c.Name}, "dir": {"asc"}}
		if c.Name == d.Sort {
			col = i
			c.AriaSort = map[string]string{"asc": "ascending", "desc": "descending"}[d.Dir]
			if d.Dir == "asc" {
				v.Set("dir", "desc")
			}
		}
		if d.Flagged {
			v.Set("only", "flagged")
		}
		c.Link = "?" + v.Encode()
	}
	rows := slices.Clip(d.Rows) // the kept report's: sorted and cut in a copy
	if d.Flagged {
		rows = rows[:0:0]
		for _, r := range d.Rows {
			if r.flagged {
				rows = append(rows, r)
			}
		}
	}
	if col >= 0 {
		rows = slices.Clone(rows)
		sort.SliceStable(rows, func(i, j int) bool {
			a, b := rows[i].Cells[col].Text, rows[j].Cells[col].Text
			if d.Dir == "desc" {
				return a > b
			}
			return a < b
		})
	}
	d.Total = len(rows)
	off, _ := strconv.Atoi(qv.Get("offset"))
	off = max(0, min(off, len(rows)))
	end := min(off+reportPage, len(rows))
	d.From, d.To = off+1, end
	link := func(o int) string {
		v := url.Values{"offset": {strconv.Itoa(o)}}
		if d.Sort != "" {
			v.Set("sort", d.Sort)
			v.Set("dir", d.Dir)
		}
		if d.Flagged {
			v.Set("only", "flagged")
		}
		return "?" + v.Encode()
	}
	if end < len(rows) {
		d.Next = link(end)
	}
	if off > 0 {
		d.Prev = link(max(0, off-reportPage))
	}
	d.Rows = rows[off:end]
}

func (h *Handler) parseReport(content []byte) (reportData, error) {
	recs, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil || len(recs) == 0 {
		return reportData{}, &apiError{Message: "The credential report could not be read."}
	}
	d := reportData{}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
		d.Header = append(d.Header, reportColumn{Name: n})
	}
	now := h.now()
	// The report's times are RFC 3339 or N/A, not_supported, no_information.
	parse := func(v string) (time.Time, bool) {
		if v == "" || v[0] < '0' || v[0] > '9' {
			return time.Time{}, false
		}
		t, err := time.Parse(time.RFC3339, v)
		return t, err == nil
	}
	old := func(v string) bool {
		t, ok := parse(v)
		return ok && now.Sub(t) > staleAfter
	}
	for _, rec := range recs[1:] {
		row := reportRow{}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		root := get("user") == "<root_account>"
		// Idle: nothing used for 90 days (password nor keys), or never.
		lastUse := []string{get("password_last_used"), get("access_key_1_last_used_date"), get("access_key_2_last_used_date")}
		idle := true
		for _, v := range lastUse {
			if t, ok := parse(v); ok && now.Sub(t) <= staleAfter {
				idle = false
			}
		}
		if len(rec) != len(d.Header) {
			continue
		}
		for i, v := range rec {
			c := reportCell{Text: v}
			switch n := d.Header[i].Name; {
			case n == "user" && idle && !root:
				c.Class = "warn idle"
			case n == "mfa_active" && v == "false":
				c.Class = "warn nomfa"
			case (n == "access_key_1_last_rotated" || n == "access_key_2_last_rotated") && old(v):
				c.Class = "warn oldkey"
			case root && (n == "access_key_1_active" || n == "access_key_2_active") && v == "true":
				c.Class = "warn rootkey"
			case root && (n == "access_key_1_last_used_date" || n == "access_key_2_last_used_date") && v != "N/A" && v != "":
				c.Class = "warn rootkey"
			}
			switch c.Class {
			case "warn idle":
				d.Idle++
			case "warn nomfa":
				d.NoMFA++
			case "warn oldkey":
				d.Old++
			case "warn rootkey":
				d.Root++
			}
			row.flagged = row.flagged || c.Class != ""
			row.Cells = append(row.Cells, c)
		}
		var b strings.Builder
		b.WriteString("<tr>")
		for _, c := range row.Cells {
			b.WriteString("<td")
			if c.Class != "" {
				b.WriteString(` class="` + c.Class + `"`) // one of the constants above
			}
			b.WriteString(">" + template.HTMLEscapeString(c.Text) + "</td>")
		}
		b.WriteString("</tr>\n")
		row.HTML = template.HTML(b.String()) //nolint:gosec // every text escaped above
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

func (h *Handler) serveCredentialReportCSV(w http.ResponseWriter, r *http.Request, q *req) {
	content, err := h.credentialReport(r, q)
	if err != nil {
		h.render(w, r, q.s, "error", statusOf(err), "Credential report", nil, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="credential-report.csv"`)
	w.Write(content) //nolint:gosec // a CSV attachment (nosniff), not a page
}

// The audit log view, of the records the server keeps in memory. It is
// CloudTrail's LookupEvents on AWS, and authorized as that action.

type auditData struct {
	Entries                            []AuditEntry
	Principal, Action, Decision, Since string
	Decisions                          []string
	Total, Shown                       int
}

const auditShown = 500

func (h *Handler) serveAudit(w http.ResponseWriter, r *http.Request, q *req) {
	qv := r.URL.Query()
	d := auditData{Principal: qv.Get("principal"), Action: qv.Get("action"), Decision: qv.Get("decision"), Since: qv.Get("since"),
		Decisions: []string{"allowed", "explicitDeny", "implicitDeny", "Success", "Failure"}}
	if err := h.b.Check(r.Context(), q.caller(), "cloudtrail:LookupEvents", "*"); err != nil {
		h.render(w, r, q.s, "audit", statusOf(err), "Audit log", d, err)
		return
	}
	var since time.Time
	if d.Since != "" {
		since, _ = time.Parse("2006-01-02T15:04", d.Since)
	}
	all := h.b.AuditEvents(q.id.account)
	d.Total = len(all)
	for _, e := range all {
		if d.Principal != "" && !contains(e.Principal, d.Principal) || d.Action != "" && !contains(e.Action, d.Action) ||
			d.Decision != "" && e.Decision != d.Decision {
			continue
		}
		if !since.IsZero() {
			if t, err := time.Parse(time.RFC3339, e.Time); err != nil || t.Before(since) {
				continue
			}
		}
		d.Entries = append(d.Entries, e)
		if len(d.Entries) == auditShown {
			break
		}
	}
	d.Shown = len(d.Entries)
	sort.SliceStable(d.Entries, func(i, j int) bool { return d.Entries[i].Time > d.Entries[j].Time })
	h.render(w, r, q.s, "audit", http.StatusOK, "Audit log", d, nil)
}
