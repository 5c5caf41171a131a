package main

import "fmt"

// dispatch writes the operation table, Dispatch, DecodeInput, the coverage
// helpers and the modelled errors.
func (g *generator) dispatch(f *file) error {
	f.use("context")
	f.use("net/url")
	f.use(awserrPkg)
	f.use(queryPkg)
	f.p("// Namespace is the XML namespace of responses; APIVersion the API's Version.")
	f.p("const (")
	f.p("Namespace = %q", g.m.Metadata.XMLNamespace)
	f.p("APIVersion = %q", g.m.Metadata.APIVersion)
	f.p(")")

	f.p("")
	f.p("// Operations lists the model's operations, sorted.")
	f.p("var Operations = []string{")
	for _, o := range g.ops {
		f.p("%q,", o.Name)
	}
	f.p("}")

	f.p("")
	f.p("// Dispatch decodes and validates the parameters of action, then calls the")
	f.p("// method of svc named after it, e.g. for CreateUser")
	f.p("//")
	f.p("//\tCreateUser(context.Context, *CreateUserInput) (*CreateUserOutput, error)")
	f.p("//")
	f.p("// (operations without output return only error), after svc's Authorize")
	f.p("// when svc is a query.Authorizer. The Output is nil for operations without")
	f.p("// output. Unknown actions (InvalidAction) and operations svc lacks")
	f.p("// (NotImplemented) are quick 400s: SDKs retry 5xx answers for minutes.")
	f.p("func Dispatch(ctx context.Context, svc any, action string, params url.Values) (query.Output, error) {")
	f.p("switch action {")
	for _, o := range g.ops {
		f.p("case %q:", o.Name)
		f.p("h, ok := svc.(%s)", g.handlerIface(o))
		f.p("if !ok { return nil, notImplemented(action) }")
		f.p("in := new(%sInput)", o.Name)
		f.p("if err := prepare(ctx, svc, action, in, params); err != nil { return nil, err }")
		if o.Output == nil {
			f.p("return nil, h.%s(ctx, in)", o.Name)
			continue
		}
		f.p("out, err := h.%s(ctx, in)", o.Name)
		f.p("if err != nil { return nil, err }")
		f.p("if out == nil { out = new(%sOutput) }", o.Name)
		f.p("return out, nil")
	}
	f.p("}")
	f.p("return nil, unknownAction(action)")
	f.p("}")

	f.p("")
	f.p("// DecodeInput decodes and validates the parameters of action into its")
	f.p("// input (*CreateUserInput for CreateUser), for callers that need the")
	f.p("// input without calling the operation.")
	f.p("func DecodeInput(action string, params url.Values) (any, error) {")
	f.p("var in interface{ Decode(url.Values) error }")
	f.p("switch action {")
	for _, o := range g.ops {
		f.p("case %q:", o.Name)
		f.p("in = new(%sInput)", o.Name)
	}
	f.p("default:")
	f.p("return nil, unknownAction(action)")
	f.p("}")
	f.p("if err := in.Decode(params); err != nil { return nil, err }")
	f.p("return in, nil")
	f.p("}")

	f.p("")
	f.p("// Implemented reports whether svc has the method of an operation.")
	f.p("func Implemented(svc any, action string) bool {")
	f.p("switch action {")
	for _, o := range g.ops {
		f.p("case %q:", o.Name)
		f.p("_, ok := svc.(%s)", g.handlerIface(o))
		f.p("return ok")
	}
	f.p("}")
	f.p("return false")
	f.p("}")

	f.p("")
	f.p("// ImplementedOperations lists the operations svc implements, sorted;")
	f.p("// len(ImplementedOperations(svc)) of len(Operations) is its coverage.")
	f.p("func ImplementedOperations(svc any) []string {")
	f.p("var out []string")
	f.p("for _, op := range Operations {")
	f.p("if Implemented(svc, op) { out = append(out, op) }")
	f.p("}")
	f.p("return out")
	f.p("}")

	f.p("")
	f.p("func prepare(ctx context.Context, svc any, action string, in interface{ Decode(url.Values) error }, params url.Values) error {")
	f.p("if err := in.Decode(params); err != nil { return err }")
	f.p("if a, ok := svc.(query.Authorizer); ok { return a.Authorize(ctx, action, in) }")
	f.p("return nil")
	f.p("}")
	f.p("")
	f.p("func unknownAction(action string) error {")
	f.p("return awserr.InvalidAction(\"Could not find operation \" + action + \" for version %s\")", g.m.Metadata.APIVersion)
	f.p("}")
	f.p("")
	f.p("func notImplemented(action string) error {")
	f.p("return awserr.NotImplemented(\"The operation \" + action + \" is not implemented by iamd.\")")
	f.p("}")

	g.errors(f)
	return nil
}

func (g *generator) handlerIface(o *operation) string {
	out := "error"
	if o.Output != nil {
		out = "(*" + o.Name + "Output, error)"
	}
	return fmt.Sprintf("interface{ %s(context.Context, *%sInput) %s }", o.Name, o.Name, out)
}

// errors writes a code constant and a constructor per modelled error.
func (g *generator) errors(f *file) {
	names := g.errorShapes()
	f.p("")
	f.p("// The codes of the service's modelled errors.")
	f.p("const (")
	for _, name := range names {
		code, _ := g.errCode(name)
		f.p("Code%s = %q", errFunc(name), code)
	}
	f.p(")")
	for _, name := range names {
		code, status := g.errCode(name)
		fn := errFunc(name)
		f.p("")
		if doc := firstSentence(g.m.Shapes[name].Documentation); doc != "" {
			f.p("// %s is the %s error (HTTP %d): %s", fn, code, status, doc)
		} else {
			f.p("// %s is the %s error (HTTP %d).", fn, code, status)
		}
		f.p("func %s(format string, args ...any) *awserr.Error {", fn)
		f.p("return awserr.Newf(Code%s, %d, format, args...)", fn, status)
		f.p("}")
	}
}
