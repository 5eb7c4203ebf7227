package commands

import (
	"context"

	"github.com/mdebot/mdebot/defender"
)

// gate makes v answer with the missing permission instead of calling the API when the app's
// token lacks what v needs.
func gate(v *Verb, perms func(ctx context.Context) (defender.Permissions, error)) {
	run := v.Run
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		if err := permissionOff(ctx, perms, v.Name); err != nil {
			return Response{}, err
		}
		return run(ctx, c)
	}
}

// permissionOff is the answer to name ("isolate", "alert assign") when the app's token lacks the
// permission it needs, or nil. When the tokens cannot be read (Entra unreachable) it is nil: the
// verb runs and its own call reports the sign-in failure.
func permissionOff(ctx context.Context, perms func(ctx context.Context) (defender.Permissions, error), name string) error {
	if perms == nil {
		return nil
	}
	p, err := perms(ctx)
	if err != nil {
		return nil
	}
	if f, off := p.Disabled(name); off {
		return &UserError{Kind: Unavailable, Msg: "`" + name + "` is off: the bot's Entra app lacks the " + f.API +
			" application permission " + f.AnyOf[0] + ". Tell the bot's administrator (it must be granted with admin consent)."}
	}
	return nil
}

// permissionChecks lists every feature's permission as a line of the status report.
func permissionChecks(ctx context.Context, d Deps) []StatusCheck {
	if d.Permissions == nil {
		return nil
	}
	p, err := d.Permissions(ctx)
	if err != nil {
		return []StatusCheck{{Name: "Permissions", Detail: "could not read the app's tokens: " + ErrorMessage(err, "status")}}
	}
	out := make([]StatusCheck, 0, len(p.Features))
	for _, f := range p.Features {
		out = append(out, StatusCheck{Name: "Permission: " + f.Name, OK: f.Present(), Detail: f.Line()})
	}
	return out
}
