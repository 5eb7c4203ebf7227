package commands

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdebot/mdebot/defender"
	"github.com/mdebot/mdebot/defender/defendertest"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{})
	if _, err := env.Client.ListAlerts(t.Context(), defender.AlertListOptions{}); err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		d := Deps{
			MDE:     env.Client,
			Version: "1.2.3",
			Probes: []Probe{
				{Name: "Slack", Check: func(context.Context) (string, error) { return "connected as @mdebot", nil }},
				{Name: "Redis", Check: func(context.Context) (string, error) { return "", errors.New("redis: connection refused") }},
				{Name: "Defender API", Check: func(context.Context) (string, error) {
					return "", &defender.APIError{StatusCode: 403, Code: "Forbidden", Message: "raw MDE text"}
				}},
				{Name: "Poller", Check: func(ctx context.Context) (string, error) { <-ctx.Done(); return "", ctx.Err() }},
				{Name: "Stuck", Check: func(context.Context) (string, error) { <-release; return "late", nil }},
				{Name: "Nothing"},
			},
		}
		reg, err := Build(d)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		resp, err := runText(t, reg, "status", 0, start)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != probeTimeout {
			t.Errorf("status took %v, want the probe timeout %v", took, probeTimeout)
		}
		view := resp.View.(StatusView)
		want := []StatusCheck{
			{Name: "Slack", OK: true, Detail: "connected as @mdebot"},
			{Name: "Redis", Detail: "redis: connection refused"},
			{Name: "Defender API", Detail: "The bot's Entra app lacks the Defender permission for this. Tell the bot's administrator. (ref testref)"},
			{Name: "Poller", Detail: "no answer within 5s"},
			{Name: "Stuck", Detail: "no answer within 5s"},
			{Name: "Nothing", Detail: "no check configured"},
		}
		if diff := cmp.Diff(want, view.Checks); diff != "" {
			t.Errorf("checks (-want +got):\n%s", diff)
		}
		if view.Version != "1.2.3" || view.Limiter.Requests < 1 {
			t.Errorf("version %q limiter %+v", view.Version, view.Limiter)
		}
		if resp.Text != "mdebot 1.2.3: 5 of 6 checks failed." {
			t.Errorf("text = %q", resp.Text)
		}
	})
}

func TestStatusWithoutProbes(t *testing.T) {
	t.Parallel()
	reg, err := Build(Deps{Version: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := runText(t, reg, "status", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if v := resp.View.(StatusView); len(v.Checks) != 0 || resp.Text != "mdebot dev: all checks passed." {
		t.Errorf("resp = %q %+v", resp.Text, v)
	}
}
