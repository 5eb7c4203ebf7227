package commands

import (
	"context"
	"strings"
)

// helpVerb answers "help" and "help <verb>" from the registry it belongs to.
func helpVerb(reg *Registry) *Verb {
	v := &Verb{
		Name:    "help",
		Usage:   "[verb]",
		Summary: "List the commands, or explain one.",
		Role:    Viewer,
	}
	v.Run = func(_ context.Context, c *Call) (Response, error) {
		switch len(c.Args) {
		case 0:
			var visible []*Verb
			for _, x := range reg.Verbs() {
				if c.Roles.Has(x.Role) {
					visible = append(visible, x)
				}
			}
			return Response{Text: "mdebot commands", View: HelpView{Verbs: visible}}, nil
		case 1:
			name := c.Args[0].Text
			one, ok := reg.Lookup(name)
			if !ok {
				msg := "There is no command `" + Plain(name, 40) + "`."
				if s := reg.Closest(name); s != "" {
					msg += " Did you mean `" + s + "`?"
				}
				return Response{}, Errorf(NotFound, "%s", msg)
			}
			return Response{Text: one.Name + " " + one.Usage, View: HelpView{One: one}}, nil
		}
		return Response{}, badArg(v, "`help` takes at most one verb.")
	}
	return v
}

// UsageLine is the verb's full usage, e.g. "machine <machine>".
func (v *Verb) UsageLine() string { return strings.TrimSpace(v.Name + " " + v.Usage) }
