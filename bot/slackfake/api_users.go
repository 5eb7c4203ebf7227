package slackfake

import (
	"cmp"
	"slices"
	"strings"
)

// User is a workspace member as users.info reports it.
type User struct {
	ID                string
	Name              string // handle; defaults to the lower-cased ID
	RealName          string
	Email             string
	Deleted           bool
	IsBot             bool
	IsAdmin           bool
	IsOwner           bool
	IsRestricted      bool // multi-channel guest
	IsUltraRestricted bool // single-channel guest
	// TeamID is the user's home team; empty: the workspace's (Options.TeamID). A Slack Connect
	// user from another organisation has their own team's id.
	TeamID string
	// IsStranger marks a user Slack reports as from another organisation (is_stranger, in the
	// user type of Slack's SDK, @slack/web-api UsersInfoResponse); it is sent only when true.
	IsStranger bool
	TZ         string
}

// Channel is a conversation as conversations.info reports it.
type Channel struct {
	ID        string
	Name      string // defaults to the lower-cased ID
	IsPrivate bool
	IsIM      bool
	// BotAbsent: the bot was never invited (or was removed). Slack then answers chat.postMessage
	// with not_in_channel unless the token has chat:write.public (public channels only), and
	// conversations.history with not_in_channel; a private channel is invisible to the bot
	// (channel_not_found). Channels are joined by default, as an operator invites the bot.
	BotAbsent bool
}

// SetUser adds or replaces a user for users.info. Users never set are
// unknown to users.info (user_not_found).
func (f *Fake) SetUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

// SetUserGroup sets the members usergroups.users.list returns for a user
// group ID (S…). Groups never set are unknown (no_such_subteam).
func (f *Fake) SetUserGroup(id string, users []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[id] = slices.Clone(users)
}

// SetChannel sets a channel's name and kind for conversations.info and the
// payloads. Channels never set are reported as public channels named after
// their lower-cased ID.
func (f *Fake) SetChannel(c Channel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chans[c.ID] = c
}

// authTest identifies the bot.
func (f *Fake) authTest(*apiRequest) (map[string]any, error) {
	return map[string]any{
		"url": "https://" + f.opts.TeamDomain + ".slack.com/", "team": f.opts.TeamDomain, "user": "mdebot",
		"team_id": f.opts.TeamID, "user_id": f.opts.BotUserID, "bot_id": f.opts.BotID, "is_enterprise_install": false,
	}, nil
}

// usersInfo answers one "user" or a comma-separated "users" list.
func (f *Fake) usersInfo(req *apiRequest) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if list := req.get("users"); list != "" {
		var out []any
		for _, id := range strings.Split(list, ",") {
			u, ok := f.users[id]
			if !ok {
				return nil, slackError("user_not_found")
			}
			out = append(out, f.userObject(u))
		}
		return map[string]any{"users": out}, nil
	}
	u, ok := f.users[req.get("user")]
	if !ok {
		return nil, slackError("user_not_found")
	}
	return map[string]any{"user": f.userObject(u)}, nil
}

func (f *Fake) userObject(u User) map[string]any {
	name := cmp.Or(u.Name, strings.ToLower(u.ID))
	obj := map[string]any{
		"id": u.ID, "team_id": cmp.Or(u.TeamID, f.opts.TeamID), "name": name, "real_name": u.RealName, "deleted": u.Deleted,
		"is_bot": u.IsBot, "is_admin": u.IsAdmin, "is_owner": u.IsOwner, "is_restricted": u.IsRestricted,
		"is_ultra_restricted": u.IsUltraRestricted, "tz": u.TZ, "is_app_user": false,
		"profile": map[string]any{"real_name": u.RealName, "display_name": name},
	}
	// "The users:read.email OAuth scope is now required to access the email field in user
	// objects returned by the users.list and users.info web API methods" (View email addresses
	// of people in a workspace, api.slack.com/scopes/users:read.email).
	if f.hasScope("users:read.email") {
		obj["profile"].(map[string]any)["email"] = u.Email
	}
	if u.IsStranger {
		obj["is_stranger"] = true
	}
	return obj
}

// usergroupsUsersList returns a user group's members.
func (f *Fake) usergroupsUsersList(req *apiRequest) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	users, ok := f.groups[req.get("usergroup")]
	if !ok {
		return nil, slackError("no_such_subteam")
	}
	return map[string]any{"users": append([]string{}, users...)}, nil
}

// conversationsInfo describes a channel; IDs must look like Slack's (C, G or D followed by
// upper-case letters and digits). A bot token needs channels:read for a public channel and
// groups:read for a private one, which it sees only as a member (conversations.info, "Required
// scopes": channels:read, groups:read, im:read, mpim:read; groups:read "View basic information
// about private channels that your Slack app has been added to", docs.slack.dev/reference/scopes).
func (f *Fake) conversationsInfo(req *apiRequest) (map[string]any, error) {
	id := req.get("channel")
	if len(id) < 2 || !strings.ContainsRune("CGD", rune(id[0])) || strings.ToUpper(id) != id {
		return nil, slackError("channel_not_found")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.chans[id]
	if !ok {
		c = Channel{ID: id, IsIM: id[0] == 'D'}
	}
	switch {
	case c.IsIM:
	case c.IsPrivate && !f.hasScope("groups:read"):
		return nil, missingScope("groups:read")
	case !c.IsPrivate && !f.hasScope("channels:read"):
		return nil, missingScope("channels:read")
	case c.IsPrivate && c.BotAbsent:
		return nil, slackError("channel_not_found")
	}
	return map[string]any{"channel": map[string]any{
		"id": c.ID, "name": f.channelNameLocked(id), "is_channel": !c.IsPrivate && !c.IsIM,
		"is_group": c.IsPrivate, "is_im": c.IsIM, "is_private": c.IsPrivate || c.IsIM, "is_member": !c.BotAbsent,
		"is_archived": false, "context_team_id": f.opts.TeamID,
	}}, nil
}

// membershipLocked returns Slack's answer when the bot may not post to (post) or read channel
// id, or nil; f.mu must be held. chat:write.public lets an app post to public channels it is
// not in ("Send messages to channels your Slack app isn't a member of", docs.slack.dev/
// reference/scopes/chat:write.public); without it chat.postMessage answers not_in_channel.
func (f *Fake) membershipLocked(id string, post bool) error {
	c := f.chans[id]
	switch {
	case !c.BotAbsent:
		return nil
	case c.IsPrivate:
		return slackError("channel_not_found")
	case post && f.hasScope("chat:write.public"):
		return nil
	}
	return slackError("not_in_channel")
}

// conversationsOpen opens (or finds) the direct message with one user: its id is "D" followed by
// the user id without its first letter, stable per user.
func (f *Fake) conversationsOpen(req *apiRequest) (map[string]any, error) {
	users := strings.Split(req.get("users"), ",")
	if len(users) != 1 || len(users[0]) < 2 || !strings.ContainsRune("UW", rune(users[0][0])) {
		return nil, slackError("user_not_found")
	}
	id := "D" + users[0][1:]
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.chans[id]; !ok {
		f.chans[id] = Channel{ID: id, IsIM: true}
	}
	return map[string]any{"channel": map[string]any{"id": id, "is_im": true, "user": users[0]}}, nil
}

// userNameLocked returns the handle of a user; f.mu must be held.
func (f *Fake) userNameLocked(id string) string {
	return cmp.Or(f.users[id].Name, strings.ToLower(id))
}

// channelNameLocked returns the name of a channel; f.mu must be held.
func (f *Fake) channelNameLocked(id string) string {
	return cmp.Or(f.chans[id].Name, strings.ToLower(id))
}
