package store

import "github.com/redis/go-redis/v9"

// alertScripts are the Lua scripts of alert notifications, mutes and the poller, loaded once
// per Store.
type alertScripts struct {
	claimAlert, alertWrites                  *redis.Script
	addMute, removeMute, muteHit, commitPoll *redis.Script
	indexChannel                             *redis.Script
}

// indexChannelScript adds ARGV[1] to the set KEYS[1] and keeps the set ARGV[2] ms from now: one
// command where SADD and PEXPIRE were two.
const indexChannelScript = `
redis.call('SADD', KEYS[1], ARGV[1])
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`

func newAlertScripts() alertScripts {
	return alertScripts{
		claimAlert:   redis.NewScript(claimAlertsScript),
		alertWrites:  redis.NewScript(alertWritesScript),
		addMute:      redis.NewScript(addMuteScript),
		removeMute:   redis.NewScript(removeMuteScript),
		muteHit:      redis.NewScript(muteHitScript),
		commitPoll:   redis.NewScript(commitPollScript),
		indexChannel: redis.NewScript(indexChannelScript),
	}
}
