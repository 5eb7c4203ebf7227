package commands

import (
	"strings"
	"testing"

	"github.com/mdebot/mdebot/defender/defendertest"
	"github.com/mdebot/mdebot/defender/mdefake"
)

// When Entra refuses the app (an expired or rotated client secret, the most common production
// failure), users are told the bot cannot sign in and to tell the administrator, not to retry.
func TestRefusedSecretSaysSignIn(t *testing.T) {
	t.Parallel()
	env := defendertest.New(t, defendertest.Options{Seed: true})
	env.Fake.AddApp(mdefake.App{TenantID: defendertest.TenantID, ClientID: defendertest.ClientID, Secret: "rotated-secret",
		Roles: defendertest.AllRoles})
	reg, err := Build(Deps{MDE: env.Client, PortalURL: testPortal})
	if err != nil {
		t.Fatal(err)
	}
	rt := NewRouter(reg, NewAuthorizer(Policy{}, nil, 0, nil), nil, nil)
	resp := rt.Handle(t.Context(), Request{Ref: "r1", UserID: "U1", ChannelID: "C1", Text: "machines"})
	if !strings.Contains(resp.Text, "sign in") {
		t.Errorf("with the client secret refused by Entra, users read %q", resp.Text)
	}
}
