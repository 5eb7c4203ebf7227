package approvals

import (
	"slices"
	"testing"

	"github.com/mdebot/mdebot/bot/slackfake"
	"github.com/slack-go/slack"
)

// The directory reads the e-mail address that names a person in MDE's comments; without
// users:read.email Slack shows none, and the directory says so with "" and no error, so that the
// comment names the person by Slack ID alone (commands.Approvals.person) instead of failing.
func TestUserDirectoryEmail(t *testing.T) {
	t.Parallel()
	noEmail := slices.DeleteFunc(slackfake.DefaultScopes(), func(s string) bool { return s == "users:read.email" })
	for _, tc := range []struct {
		scopes []string
		user   string
		want   string
	}{
		{nil, "U0ANALYST", "alice@contoso.com"},
		{noEmail, "U0ANALYST", ""},
		{nil, "U0BOT", ""}, // a bot has no address that names a person
	} {
		sf := slackfake.New(t, slackfake.Options{Scopes: tc.scopes})
		sf.SetUser(slackfake.User{ID: "U0ANALYST", RealName: "Alice Wong", Email: "alice@contoso.com"})
		sf.SetUser(slackfake.User{ID: "U0BOT", IsBot: true, Email: "bot@contoso.com"})
		d := UserDirectory{API: slack.New(sf.BotToken(), slack.OptionAPIURL(sf.APIURL()))}
		got, err := d.Email(t.Context(), tc.user)
		if err != nil || got != tc.want {
			t.Errorf("%s with scopes %v: %q, %v; want %q", tc.user, tc.scopes, got, err, tc.want)
		}
	}
	sf := slackfake.New(t, slackfake.Options{})
	d := UserDirectory{API: slack.New(sf.BotToken(), slack.OptionAPIURL(sf.APIURL()))}
	if _, err := d.Email(t.Context(), "U0NOBODY"); err == nil {
		t.Error("an unknown user read as no address, want users.info's error")
	}
}
