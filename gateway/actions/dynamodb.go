package actions

import (
	"regexp"
	"sort"
	"strings"
)

// DynamoDB. Sources: Amazon DynamoDB Developer Guide, "Using IAM policy
// conditions for fine-grained access control" (dynamodb:LeadingKeys,
// dynamodb:Attributes, dynamodb:Select, dynamodb:ReturnValues), "DynamoDB
// API permissions: Actions, resources, and conditions reference"
// (BatchWriteItem and BatchGetItem are authorized per table; TransactWriteItems
// as PutItem/UpdateItem/DeleteItem/ConditionCheckItem per item and
// TransactGetItems as GetItem per item), and "IAM policies with PartiQL"
// (ExecuteStatement → dynamodb:PartiQLSelect/Insert/Update/Delete).

func init() {
	for _, op := range []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"} {
		reg("dynamodb", op, override{actions: []string{"dynamodb:" + op},
			keys: []string{"dynamodb:LeadingKeys", "dynamodb:Attributes", "dynamodb:Select", "dynamodb:ReturnValues", "dynamodb:ReturnConsumedCapacity"},
			fn: func(c *call) ([]Authorization, error) {
				body := c.jsonBody()
				table := jsonString(body["TableName"])
				if table == "" {
					return nil, errorf(ErrMalformed, "%s needs TableName", op)
				}
				res := c.ddbTableARN(table)
				if idx := jsonString(body["IndexName"]); idx != "" && (op == "Query" || op == "Scan") {
					res += "/index/" + idx
				}
				a := c.auth("dynamodb:"+op, res)
				c.ddbItemKeys(&a, body, op)
				return one(a)
			}})
	}
	reg("dynamodb", "BatchGetItem", override{actions: []string{"dynamodb:BatchGetItem (each table)"},
		keys: []string{"dynamodb:LeadingKeys", "dynamodb:Attributes"}, fn: ddbBatch("dynamodb:BatchGetItem")})
	reg("dynamodb", "BatchWriteItem", override{actions: []string{"dynamodb:BatchWriteItem (each table)"},
		keys: []string{"dynamodb:LeadingKeys", "dynamodb:Attributes"}, fn: ddbBatch("dynamodb:BatchWriteItem")})
	reg("dynamodb", "TransactGetItems", override{actions: []string{"dynamodb:GetItem (each table)"},
		keys: []string{"dynamodb:LeadingKeys", "dynamodb:Attributes"}, fn: ddbTransact})
	reg("dynamodb", "TransactWriteItems", override{actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem (each table and kind)"},
		keys: []string{"dynamodb:LeadingKeys", "dynamodb:Attributes"}, fn: ddbTransact})
	partiql := []string{"dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"}
	reg("dynamodb", "ExecuteStatement", override{actions: partiql, fn: ddbStatements})
	reg("dynamodb", "BatchExecuteStatement", override{actions: partiql, fn: ddbStatements})
	reg("dynamodb", "ExecuteTransaction", override{actions: partiql, fn: ddbStatements})
}

// ddbTableARN: a table name, or an ARN (TableName takes either).
func (c *call) ddbTableARN(table string) string {
	if strings.HasPrefix(table, "arn:") {
		return table
	}
	return orStar(c.catARN("dynamodb", "table", map[string]string{"TableName": table}))
}

// ddbAcc gathers one (action, resource)'s keys across items.
type ddbAcc struct {
	order []string
	auths map[string]*Authorization
	leads map[string]map[string]bool
	attrs map[string]map[string]bool
}

func newAcc() *ddbAcc {
	return &ddbAcc{auths: map[string]*Authorization{}, leads: map[string]map[string]bool{}, attrs: map[string]map[string]bool{}}
}

func (d *ddbAcc) add(action, res string, leading string, attrs []string) {
	k := action + " " + res
	if d.auths[k] == nil {
		d.auths[k] = &Authorization{Action: action, Resource: res}
		d.order = append(d.order, k)
		d.leads[k], d.attrs[k] = map[string]bool{}, map[string]bool{}
	}
	if leading != "" {
		d.leads[k][leading] = true
	}
	for _, a := range attrs {
		d.attrs[k][a] = true
	}
}

func (d *ddbAcc) result() []Authorization {
	var out []Authorization
	for _, k := range d.order {
		a := *d.auths[k]
		if l := sortedKeys(d.leads[k]); len(l) > 0 {
			setKey(&a, "dynamodb:LeadingKeys", l...)
		}
		if l := sortedKeys(d.attrs[k]); len(l) > 0 {
			setKey(&a, "dynamodb:Attributes", l...)
		}
		out = append(out, a)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ddbBatch(action string) func(c *call) ([]Authorization, error) {
	return func(c *call) ([]Authorization, error) {
		items, ok := c.jsonBody()["RequestItems"].(map[string]any)
		if !ok || len(items) == 0 {
			return nil, errorf(ErrMalformed, "%s needs RequestItems", c.op.Name)
		}
		tables := make([]string, 0, len(items))
		for t := range items {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		acc := newAcc()
		for _, t := range tables {
			res := c.ddbTableARN(t)
			acc.add(action, res, "", nil)
			switch v := items[t].(type) {
			case map[string]any: // BatchGetItem: {Keys, ProjectionExpression, ...}
				keys, _ := v["Keys"].([]any)
				proj := projection(v)
				for _, k := range keys {
					km, _ := k.(map[string]any)
					acc.add(action, res, c.leadingKey(t, km), append(mapKeys(km), proj...))
				}
			case []any: // BatchWriteItem: [{PutRequest: {Item}}, {DeleteRequest: {Key}}]
				for _, w := range v {
					wm, _ := w.(map[string]any)
					if p, ok := wm["PutRequest"].(map[string]any); ok {
						item, _ := p["Item"].(map[string]any)
						acc.add(action, res, c.leadingKey(t, item), mapKeys(item))
					}
					if d, ok := wm["DeleteRequest"].(map[string]any); ok {
						key, _ := d["Key"].(map[string]any)
						acc.add(action, res, c.leadingKey(t, key), mapKeys(key))
					}
				}
			default:
				return nil, errorf(ErrMalformed, "%s: malformed RequestItems for %s", c.op.Name, t)
			}
		}
		return acc.result(), nil
	}
}

func ddbTransact(c *call) ([]Authorization, error) {
	items, ok := c.jsonBody()["TransactItems"].([]any)
	if !ok || len(items) == 0 {
		return nil, errorf(ErrMalformed, "%s needs TransactItems", c.op.Name)
	}
	kinds := map[string]string{"Get": "dynamodb:GetItem", "Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
		"Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem"}
	acc := newAcc()
	for _, it := range items {
		im, _ := it.(map[string]any)
		found := false
		for _, kind := range []string{"Get", "Put", "Update", "Delete", "ConditionCheck"} {
			body, ok := im[kind].(map[string]any)
			if !ok {
				continue
			}
			found = true
			t := jsonString(body["TableName"])
			if t == "" {
				return nil, errorf(ErrMalformed, "%s: an item without TableName", c.op.Name)
			}
			key, _ := body["Key"].(map[string]any)
			attrs := mapKeys(key)
			if kind == "Put" {
				key, _ = body["Item"].(map[string]any)
				attrs = mapKeys(key)
			}
			attrs = append(attrs, projection(body)...)
			attrs = append(attrs, updateAttrs(body)...)
			acc.add(kinds[kind], c.ddbTableARN(t), c.leadingKey(t, key), attrs)
		}
		if !found {
			return nil, errorf(ErrMalformed, "%s: an item of no known kind", c.op.Name)
		}
	}
	return acc.result(), nil
}

// ddbItemKeys sets the fine-grained keys of a single-item or query call.
func (c *call) ddbItemKeys(a *Authorization, body map[string]any, op string) {
	table := jsonString(body["TableName"])
	var attrs []string
	var lead string
	switch op {
	case "GetItem", "DeleteItem", "UpdateItem":
		key, _ := body["Key"].(map[string]any)
		lead = c.leadingKey(table, key)
		attrs = append(mapKeys(key), projection(body)...)
		attrs = append(attrs, updateAttrs(body)...)
	case "PutItem":
		item, _ := body["Item"].(map[string]any)
		lead = c.leadingKey(table, item)
		attrs = mapKeys(item)
	case "Query", "Scan":
		attrs = projection(body)
		if op == "Query" {
			lead = queryLeadingKey(body, c.hashKey(table))
		}
	}
	if lead != "" {
		setKey(a, "dynamodb:LeadingKeys", lead)
	}
	if len(attrs) > 0 {
		m := map[string]bool{}
		for _, x := range attrs {
			m[x] = true
		}
		setKey(a, "dynamodb:Attributes", sortedKeys(m)...)
	}
	for _, k := range []string{"Select", "ReturnValues", "ReturnConsumedCapacity"} {
		if v := jsonString(body[k]); v != "" {
			setKey(a, "dynamodb:"+k, v)
		}
	}
}

// hashKey is the table's partition key attribute when the gateway told
// the mapper (Mapper.DynamoDBHashKey), else "".
func (c *call) hashKey(table string) string { return c.lookup(c.m.DynamoDBHashKey, table) }

// leadingKey is the value of the item's partition key: the key the gateway
// names, or the only attribute of a key of one attribute.
func (c *call) leadingKey(table string, key map[string]any) string {
	if len(key) == 1 {
		// The only attribute is the partition key (a table with a sort key
		// needs both): no need to ask the backend.
		for k := range key {
			return attrValue(key[k])
		}
	}
	name := c.hashKey(table)
	if name == "" {
		return ""
	}
	return attrValue(key[name])
}

// attrValue is an AttributeValue's scalar: {"S": "x"} → "x", {"N": "1"} → "1".
func attrValue(v any) string {
	m, _ := v.(map[string]any)
	for _, t := range []string{"S", "N", "B"} {
		if s := jsonString(m[t]); s != "" {
			return s
		}
	}
	return ""
}

func mapKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

var exprName = regexp.MustCompile(`#?[A-Za-z_][A-Za-z0-9_]*`)

// projection: the top-level attributes of ProjectionExpression (with
// ExpressionAttributeNames resolved) and AttributesToGet.
func projection(body map[string]any) []string {
	var out []string
	names, _ := body["ExpressionAttributeNames"].(map[string]any)
	if p := jsonString(body["ProjectionExpression"]); p != "" {
		for _, part := range strings.Split(p, ",") {
			part = strings.TrimSpace(part)
			if i := strings.IndexAny(part, ".["); i >= 0 {
				part = part[:i] // a nested path: its top-level attribute
			}
			out = append(out, resolveName(part, names))
		}
	}
	if l, ok := body["AttributesToGet"].([]any); ok {
		for _, x := range l {
			out = append(out, jsonString(x))
		}
	}
	return out
}

// updateAttrs: the attributes UpdateExpression (SET/REMOVE/ADD/DELETE) and
// AttributeUpdates write.
func updateAttrs(body map[string]any) []string {
	var out []string
	names, _ := body["ExpressionAttributeNames"].(map[string]any)
	if u := jsonString(body["UpdateExpression"]); u != "" {
		for _, clause := range regexp.MustCompile(`(?i)\b(SET|REMOVE|ADD|DELETE)\b`).Split(u, -1) {
			for _, part := range strings.Split(clause, ",") {
				m := exprName.FindString(strings.TrimSpace(part))
				if m != "" && strings.HasPrefix(strings.TrimSpace(part), m) {
					out = append(out, resolveName(m, names))
				}
			}
		}
	}
	if m, ok := body["AttributeUpdates"].(map[string]any); ok {
		out = append(out, mapKeys(m)...)
	}
	return out
}

func resolveName(n string, names map[string]any) string {
	if strings.HasPrefix(n, "#") {
		if v := jsonString(names[n]); v != "" {
			return v
		}
	}
	return n
}

var keyEq = regexp.MustCompile(`(#?[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(:[A-Za-z0-9_]+)`)

// queryLeadingKey: the value the key condition requires of the partition
// key (KeyConditionExpression "pk = :v" or KeyConditions EQ). Without the
// table's key schema only a single equality is taken.
func queryLeadingKey(body map[string]any, hash string) string {
	names, _ := body["ExpressionAttributeNames"].(map[string]any)
	values, _ := body["ExpressionAttributeValues"].(map[string]any)
	if e := jsonString(body["KeyConditionExpression"]); e != "" {
		ms := keyEq.FindAllStringSubmatch(e, -1)
		for _, m := range ms {
			if (hash == "" && len(ms) == 1) || (hash != "" && resolveName(m[1], names) == hash) {
				return attrValue(values[m[2]])
			}
		}
		return ""
	}
	if kc, ok := body["KeyConditions"].(map[string]any); ok {
		var eq []string
		var vals []string
		for name, cond := range kc {
			cm, _ := cond.(map[string]any)
			if jsonString(cm["ComparisonOperator"]) != "EQ" {
				continue
			}
			l, _ := cm["AttributeValueList"].([]any)
			if len(l) == 1 {
				eq, vals = append(eq, name), append(vals, attrValue(l[0]))
			}
		}
		for i, n := range eq {
			if (hash == "" && len(eq) == 1) || n == hash {
				return vals[i]
			}
		}
	}
	return ""
}

var partiqlTable = regexp.MustCompile(`(?is)^\s*(SELECT|INSERT|UPDATE|DELETE|EXISTS)\b.*?\b(?:FROM|INTO|UPDATE)\s+("(?:[^"]|"")+"|[A-Za-z0-9_.\-]+)(?:\."((?:[^"]|"")+)"|\.([A-Za-z0-9_.\-]+))?`)
var partiqlUpdate = regexp.MustCompile(`(?is)^\s*UPDATE\s+("(?:[^"]|"")+"|[A-Za-z0-9_.\-]+)`)

// ddbStatements: one PartiQL action per statement's verb and table (index).
func ddbStatements(c *call) ([]Authorization, error) {
	body := c.jsonBody()
	var stmts []string
	switch c.op.Name {
	case "ExecuteStatement":
		stmts = []string{jsonString(body["Statement"])}
	default:
		key := "Statements"
		if c.op.Name == "ExecuteTransaction" {
			key = "TransactStatements"
		}
		l, _ := body[key].([]any)
		for _, s := range l {
			m, _ := s.(map[string]any)
			stmts = append(stmts, jsonString(m["Statement"]))
		}
	}
	acc := newAcc()
	for _, s := range stmts {
		verb, table, index, ok := parsePartiQL(s)
		if !ok {
			return nil, errorf(ErrMalformed, "%s: cannot read the statement %q", c.op.Name, s)
		}
		res := c.ddbTableARN(table)
		if index != "" {
			res += "/index/" + index
		}
		acc.add(map[string]string{"SELECT": "dynamodb:PartiQLSelect", "EXISTS": "dynamodb:PartiQLSelect", "INSERT": "dynamodb:PartiQLInsert",
			"UPDATE": "dynamodb:PartiQLUpdate", "DELETE": "dynamodb:PartiQLDelete"}[verb], res, "", nil)
	}
	if len(acc.order) == 0 {
		return nil, errorf(ErrMalformed, "%s names no statement", c.op.Name)
	}
	return acc.result(), nil
}

func parsePartiQL(s string) (verb, table, index string, ok bool) {
	unq := func(x string) string {
		if strings.HasPrefix(x, `"`) && strings.HasSuffix(x, `"`) && len(x) >= 2 {
			return strings.ReplaceAll(x[1:len(x)-1], `""`, `"`)
		}
		return x
	}
	if m := partiqlUpdate.FindStringSubmatch(s); m != nil {
		return "UPDATE", unq(m[1]), "", true
	}
	m := partiqlTable.FindStringSubmatch(s)
	if m == nil {
		return "", "", "", false
	}
	verb, table = strings.ToUpper(m[1]), unq(m[2])
	index = m[3] + m[4]
	return verb, table, strings.ReplaceAll(index, `""`, `"`), table != ""
}
