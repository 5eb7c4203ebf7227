package commands

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"strings"
	"time"
)

// Router runs requests: it parses the text, finds the verb, checks the caller's role at that
// moment, runs the verb and turns any error into a message the user can read.
type Router struct {
	reg     *Registry
	authz   *Authorizer
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	metrics *Metrics
}

// DefaultTimeout bounds one command (MDE hunting may take minutes; it sets its own).
const DefaultTimeout = 45 * time.Second

// NewRouter returns a router over reg.
func NewRouter(reg *Registry, authz *Authorizer, log *slog.Logger, now func() time.Time, opts ...RouterOption) *Router {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rt := &Router{reg: reg, authz: authz, log: log.With("component", "commands"), now: now, timeout: DefaultTimeout}
	for _, o := range opts {
		o(rt)
	}
	return rt
}

// Registry returns the router's verbs.
func (rt *Router) Registry() *Registry { return rt.reg }

// NewRef returns a short random reference for a request, to quote in messages and logs.
func NewRef() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Handle runs one request and always returns a response to show.
func (rt *Router) Handle(ctx context.Context, req Request) (resp Response) {
	if req.Ref == "" {
		req.Ref = NewRef()
	}
	var verb string // what the metrics count: the verb found, and why it failed
	var failure error
	defer func() { rt.metrics.command(verb, resp, failure) }()
	log := rt.log.With("ref", req.Ref, "user", req.UserID, "channel", req.ChannelID)
	start := rt.now()
	toks, err := requestTokens(&req)
	if err != nil {
		failure = err
		return Response{Text: ErrorMessage(err, req.Ref) + "\nType `help` for the list of commands."}
	}
	verbName := "help"
	if len(toks) > 0 {
		verbName = toks[0].Text
	}
	v, ok := rt.reg.Lookup(verbName)
	if !ok {
		failure = errUnknownVerb
		return Response{Text: rt.unknown(verbName)}
	}
	verb = v.Name
	allowed, err := rt.authz.Has(ctx, req.UserID, v.Role)
	if err != nil {
		log.Error("role check failed", "verb", v.Name, "err", err)
		failure = errRolesUnavailable
		return Response{Text: "Your permissions could not be checked right now (Slack did not answer), so nothing was done. Try again in a minute. (ref " + req.Ref + ")"}
	}
	if !allowed {
		log.Info("command refused", "verb", v.Name, "role_needed", v.Role.String())
		failure = &UserError{Kind: NotAllowed}
		return Response{Text: "You are not allowed to run `" + v.Name + "`: it needs the " + v.Role.String() + " role. Ask the bot's administrator if you should have it."}
	}
	call := &Call{Request: req, Verb: v, Roles: rt.authz.Roles(ctx, req.UserID), Now: start}
	if len(toks) > 0 {
		call.Args = toks[1:]
		rest := req.Text[toks[0].End:]
		if call.Rest, err = Unescape(strings.TrimSpace(rest)); err != nil {
			failure = err
			return Response{Text: ErrorMessage(err, req.Ref)}
		}
	}
	timeout := rt.timeout
	if v.Timeout > 0 {
		timeout = v.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err = v.Run(ctx, call)
	elapsed := rt.now().Sub(start)
	if err != nil {
		failure = err
		if Internal(err) {
			log.Error("command failed", "verb", v.Name, "err", err, "elapsed", elapsed)
		} else {
			log.Info("command refused", "verb", v.Name, "reason", err.Error(), "elapsed", elapsed)
		}
		return Response{Text: ErrorMessage(err, req.Ref)}
	}
	log.Info("command done", "verb", v.Name, "elapsed", elapsed)
	return resp
}

func (rt *Router) unknown(name string) string {
	shown := Plain(name, 40)
	msg := "There is no command `" + shown + "`."
	if c := rt.reg.Closest(name); c != "" {
		msg += " Did you mean `" + c + "`?"
	}
	return msg + " Type `help` for the list of commands."
}
