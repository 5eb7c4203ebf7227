package socket

import (
	"context"

	"github.com/slack-go/slack"
)

// GroupLister reads user-group membership from Slack (usergroups.users.list); it satisfies
// commands.GroupMembers.
type GroupLister struct {
	API interface {
		GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
	}
}

// GroupMembers returns the members of a user group.
func (g GroupLister) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	return g.API.GetUserGroupMembersContext(ctx, groupID)
}
