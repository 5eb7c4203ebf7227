package store

import "github.com/redis/go-redis/v9"

// alertScripts are the Lua scripts of alert notifications, mutes and the poller, loaded once
// per Store.
type alertScripts struct {
	claimAlert, alertWrites                  *redis.Script
	addMute, removeMute, muteHit, commitPoll *redis.Script
}

func newAlertScripts() alertScripts {
	return alertScripts{
		claimAlert:  redis.NewScript(claimAlertsScript),
		alertWrites: redis.NewScript(alertWritesScript),
		addMute:     redis.NewScript(addMuteScript),
		removeMute:  redis.NewScript(removeMuteScript),
		muteHit:     redis.NewScript(muteHitScript),
		commitPoll:  redis.NewScript(commitPollScript),
	}
}
