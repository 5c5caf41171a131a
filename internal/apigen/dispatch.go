package main

import (
	"fmt"
	"strings"
)

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

	g.service(f)

	f.p("")
	f.p("// Dispatch decodes and validates the parameters of action, has authz")
	f.p("// authorize the decoded input, and only then calls svc's method for the")
	f.p("// operation. Authorization is a step of every operation, not an option:")
	f.p("// with a nil authz every call is refused (AccessDenied), and an error of")
	f.p("// authz is answered without calling svc. The Output is nil for")
	f.p("// operations without output. Unknown actions (InvalidAction) and")
	f.p("// operations svc does not implement (NotImplemented, see")
	f.p("// %s) are quick 400s: SDKs retry 5xx answers for minutes.", g.unimplemented())
	f.p("func Dispatch(ctx context.Context, svc Service, authz Authorizer, action string, params url.Values) (query.Output, error) {")
	f.p("if svc == nil { return nil, notImplemented(action) }")
	f.p("switch action {")
	for _, o := range g.ops {
		f.p("case %q:", o.Name)
		f.p("in := new(%sInput)", o.Name)
		f.p("if err := prepare(ctx, authz, action, in, params); err != nil { return nil, err }")
		if o.Output == nil {
			f.p("return nil, svc.%s(ctx, in)", o.Name)
			continue
		}
		f.p("out, err := svc.%s(ctx, in)", o.Name)
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
	f.p("func DecodeInput(action string, params url.Values) (Input, error) {")
	f.p("var in Input")
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
	f.p("// Implemented reports whether svc has the method of an operation: for")
	f.p("// coverage, ask the types that implement operations, not a Service that")
	f.p("// embeds %s (which has every method).", g.unimplemented())
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
	f.p("// prepare is the first step of every operation: with an authorizer,")
	f.p("// decode and validate the input, then authorize it.")
	f.p("func prepare(ctx context.Context, authz Authorizer, action string, in Input, params url.Values) error {")
	f.p("if authz == nil { return noAuthorizer(action) }")
	f.p("if err := in.Decode(params); err != nil { return err }")
	f.p("return authz.Authorize(ctx, action, in)")
	f.p("}")
	f.p("")
	f.p("func noAuthorizer(action string) error {")
	f.p("return awserr.New(\"AccessDenied\", 403, \"No authorizer is configured for \" + action + \": iamd refuses every call.\")")
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
	return "interface{ " + g.signature(o) + " }"
}

// signature is an operation's method: CreateUser(context.Context,
// *CreateUserInput) (*CreateUserOutput, error), or only error for
// operations without output.
func (g *generator) signature(o *operation) string {
	out := "error"
	if o.Output != nil {
		out = "(*" + o.Name + "Output, error)"
	}
	return fmt.Sprintf("%s(ctx context.Context, in *%sInput) %s", o.Name, o.Name, out)
}

// api is the service's name in Go identifiers: IAM for package iamapi.
func (g *generator) api() string { return strings.ToUpper(strings.TrimSuffix(g.pkg, "api")) }

// unimplemented is the name of the embeddable type that has every
// operation answer NotImplemented.
func (g *generator) unimplemented() string { return "Unimplemented" + g.api() + "Service" }

// service writes the Service interface, the embeddable Unimplemented type,
// and the Authorizer and Input interfaces that Dispatch requires.
func (g *generator) service(f *file) {
	f.p("")
	f.p("// Service is the %s API: a method per operation of the model. Implement", g.api())
	f.p("// it by embedding %s beside the types that implement", g.unimplemented())
	f.p("// operations; the operations none implements answer NotImplemented.")
	f.p("type Service interface {")
	for _, o := range g.ops {
		f.p("%s", g.signature(o))
	}
	f.p("}")

	u := g.unimplemented()
	inner := lowerFirst(u)
	f.p("")
	f.p("// %s has every operation answer AWS's NotImplemented error.", u)
	f.p("// Embed it in a struct beside the types that implement operations:")
	f.p("// its methods are promoted from one level deeper than theirs, so theirs")
	f.p("// win and the struct is a Service.")
	f.p("type %s struct{ %s }", u, inner)
	f.p("")
	f.p("type %s struct{}", inner)
	for _, o := range g.ops {
		if o.Output == nil {
			f.p("func (%s) %s(context.Context, *%sInput) error { return notImplemented(%q) }", inner, o.Name, o.Name, o.Name)
			continue
		}
		f.p("func (%s) %s(context.Context, *%sInput) (*%sOutput, error) { return nil, notImplemented(%q) }", inner, o.Name, o.Name, o.Name, o.Name)
	}
	f.p("")
	f.p("var _ Service = %s{}", u)

	f.p("")
	f.p("// Authorizer decides whether a decoded and validated call may run;")
	f.p("// Dispatch calls it before every operation and answers its error.")
	f.p("type Authorizer interface {")
	f.p("Authorize(ctx context.Context, operation string, in Input) error")
	f.p("}")
	f.p("")
	f.p("// Input is an operation's input as Dispatch and the authorizer see it:")
	f.p("// decoding, and generated accessors to the members that authorization")
	f.p("// reads.")
	f.p("type Input interface {")
	f.p("Decode(params url.Values) error")
	f.p("// AuthzString is the top-level string member named (UserName, Path,")
	f.p("// PolicyArn, ...) when the input has it and it is set.")
	f.p("AuthzString(member string) (string, bool)")
	if g.hasTag() {
		f.p("// AuthzTags are the tags the request sets (its Tags member).")
		f.p("AuthzTags() []Tag")
	}
	f.p("// AuthzTagKeys are the tag keys the request names (its TagKeys member).")
	f.p("AuthzTagKeys() []string")
	f.p("}")
}

// hasTag reports whether the API has the Tag structure of Input.AuthzTags.
func (g *generator) hasTag() bool {
	for _, n := range g.goNames {
		if n == "Tag" {
			return true
		}
	}
	return false
}

// accessors writes the Input methods of every operation's input.
func (g *generator) accessors(f *file) error {
	done := map[string]bool{}
	for _, o := range g.ops {
		goName := o.Name + "Input"
		var s *shape
		if o.Input != nil {
			goName, s = g.goNames[o.Input.Shape], g.m.Shapes[o.Input.Shape]
		}
		if done[goName] {
			continue // an alias of an input already written
		}
		done[goName] = true
		var strs []string
		tags, tagKeys := false, false
		if s != nil {
			for _, mn := range s.order {
				ms := g.m.Shapes[s.Members[mn].Shape]
				switch {
				case ms.Type == "string":
					strs = append(strs, mn)
				case mn == "Tags" && g.goType(s.Members[mn].Shape, false) == "[]Tag":
					tags = true
				case mn == "TagKeys" && g.goType(s.Members[mn].Shape, false) == "[]string":
					tagKeys = true
				}
			}
		}
		f.p("")
		f.p("// AuthzString is the string member named, when set (see Input).")
		if len(strs) == 0 {
			f.p("func (*%s) AuthzString(string) (string, bool) { return \"\", false }", goName)
		} else {
			f.p("func (in *%s) AuthzString(member string) (string, bool) {", goName)
			f.p("switch member {")
			for _, mn := range strs {
				f.p("case %q:", exported(mn))
				if s.required(mn) {
					f.p("return in.%s, true", exported(mn))
				} else {
					f.p("if in.%s == nil { return \"\", false }", exported(mn))
					f.p("return *in.%s, true", exported(mn))
				}
			}
			f.p("}")
			f.p("return \"\", false")
			f.p("}")
		}
		if g.hasTag() {
			f.p("")
			f.p("// AuthzTags are the tags the request sets (see Input).")
			if tags {
				f.p("func (in *%s) AuthzTags() []Tag { return in.Tags }", goName)
			} else {
				f.p("func (*%s) AuthzTags() []Tag { return nil }", goName)
			}
		}
		f.p("")
		f.p("// AuthzTagKeys are the tag keys the request names (see Input).")
		if tagKeys {
			f.p("func (in *%s) AuthzTagKeys() []string { return in.TagKeys }", goName)
		} else {
			f.p("func (*%s) AuthzTagKeys() []string { return nil }", goName)
		}
	}
	return nil
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
