package commands

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

func signInReply(t *testing.T, env *defendertest.Env, text string) string {
	t.Helper()
	reg, err := Build(Deps{MDE: env.Client, Hunt: env.Graph, PortalURL: testPortal})
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(reg, NewAuthorizer(Policy{Responders: []string{"U1"}}, nil, 0, nil), nil, nil)
	return rt.Handle(t.Context(), Request{Ref: "r1", UserID: "U1", ChannelID: "C1", Text: text}).Text
}

// When Entra refuses the app (an expired or rotated client secret, the most common production
// failure), users are told which variable to fix and not to retry.
func TestRefusedSecretNamesTheVariable(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	env.Fake.AddApp(mdefake.App{TenantID: defendertest.TenantID, ClientID: defendertest.ClientID, Secret: "rotated-secret",
		Roles: defendertest.AllRoles})
	for _, text := range []string{"machines", "hunt DeviceInfo | take 1"} {
		got := signInReply(t, env, text)
		for _, want := range []string{"refused its credentials (AADSTS7000215)", "AZURE_CLIENT_SECRET", "retrying will not help"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s with the secret refused: %q lacks %q", text, got, want)
			}
		}
	}
	if got := signInReply(t, env, "hunt DeviceInfo | take 1"); !strings.Contains(got, "Microsoft Graph") {
		t.Errorf("hunt names Graph: %q", got)
	}
}

// When Entra cannot be reached (here it answers 503 to everything, as an outage or a proxy
// would), users are told that retrying will help, not that the credentials were refused.
func TestUnreachableEntraSaysRetry(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	env.Fake.Inject(mdefake.Fault{PathContains: "/oauth2/", Status: http.StatusServiceUnavailable})
	got := signInReply(t, env, "machines")
	if !strings.Contains(got, "could not reach Entra ID") || !strings.Contains(got, "Try again") || strings.Contains(got, "refused") {
		t.Errorf("with Entra unreachable, users read %q", got)
	}
}
