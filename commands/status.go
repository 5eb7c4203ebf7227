package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mdebot/mdebot/defender"
)

// probeTimeout bounds each check of the status command.
const probeTimeout = 5 * time.Second

func statusVerb(d Deps) *Verb {
	v := &Verb{
		Name:    "status",
		Usage:   "",
		Summary: "Show the bot's health: Slack, the Defender token and API, Redis, the alert poller, and the Defender rate limit.",
		Details: []string{
			"Every check runs at the same time and has 5 seconds to answer.",
			"Example: `status`",
		},
		Role: Viewer,
	}
	v.Run = func(ctx context.Context, c *Call) (Response, error) {
		_, pos, err := options(c)
		if err != nil {
			return Response{}, err
		}
		if len(pos) > 0 {
			return Response{}, badArg(v, "`status` takes no arguments.")
		}
		checks := make([]StatusCheck, len(d.Probes))
		var wg sync.WaitGroup
		for i, p := range d.Probes {
			wg.Go(func() { checks[i] = runProbe(ctx, c.Ref, p) })
		}
		wg.Wait()
		view := StatusView{Checks: checks, Version: d.Version}
		if d.Lanes != nil {
			view.Lanes = d.Lanes()
		}
		if d.MDE != nil {
			view.Limiter = d.MDE.Limiter().Stats()
			view.Checks = append(view.Checks, budgetChecks("MDE", view.Limiter)...)
		}
		view.Checks = append(view.Checks, permissionChecks(ctx, d)...)
		if d.Hunt != nil && d.Hunt.IsGraph() {
			view.Checks = append(view.Checks, budgetChecks("Graph", d.Hunt.Limiter().Stats())...)
		}
		failed := 0
		for _, ch := range view.Checks {
			if !ch.OK {
				failed++
			}
		}
		text := "mdebot " + d.Version + ": all checks passed."
		if failed > 0 {
			text = fmt.Sprintf("mdebot %s: %d of %d checks failed.", d.Version, failed, len(view.Checks))
		}
		return Response{Text: text, View: view}, nil
	}
	return v
}

// budgetChecks shows each rate budget of a client as a line of the report.
func budgetChecks(api string, st defender.LimiterStats) []StatusCheck {
	var out []StatusCheck
	for _, b := range st.Budgets {
		if api == "Graph" && b.Family != defender.Hunting {
			continue
		}
		out = append(out, StatusCheck{Name: api + " budget: " + b.Family.String(), OK: true,
			Detail: fmt.Sprintf("%s; %d calls, %d delayed, %d from the reserve", b, b.Requests, b.Delayed, b.FromRes)})
	}
	return out
}

// runProbe runs one check with its own timeout. A check that ignores its context is abandoned
// when the timeout passes, so one stuck dependency cannot hang the status command.
func runProbe(ctx context.Context, ref string, p Probe) StatusCheck {
	if p.Check == nil {
		return StatusCheck{Name: p.Name, Detail: "no check configured"}
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	type result struct {
		detail string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		detail, err := p.Check(ctx)
		done <- result{detail, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		r.err = ctx.Err()
	}
	if r.err != nil {
		return StatusCheck{Name: p.Name, Detail: probeError(r.err, ref)}
	}
	return StatusCheck{Name: p.Name, OK: true, Detail: Plain(r.detail, 300)}
}

// probeError describes a failed check. Defender's errors are explained in our words; the
// bot's own probes write errors meant to be read (and never holding secrets).
func probeError(err error, ref string) string {
	var apiErr *defender.APIError
	var te *defender.TransportError
	var ue *UserError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within " + probeTimeout.String()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &apiErr), errors.As(err, &te), errors.As(err, &ue):
		return ErrorMessage(err, ref)
	}
	return Plain(err.Error(), 300)
}
