package store

import "github.com/redis/go-redis/v9"

// alertScripts are the Lua scripts of alert notifications, mutes and the poller, loaded once
// per Store.
type alertScripts struct {
	claimAlert, alertWrites                  *redis.Script
	addMute, removeMute, muteHit, commitPoll *redis.Script
	indexChannel, load                       *redis.Script
}

// indexChannelScript adds, per key, a channel to the set KEYS[i] and keeps the set ARGV[1] ms
// from now. ARGV: retention (ms), then one channel per key. One call indexes a batch (the keys
// share a hash tag, see alertIndexTag).
const indexChannelScript = `
for i, k in ipairs(KEYS) do
  redis.call('SADD', k, ARGV[i + 1])
  redis.call('PEXPIRE', k, ARGV[1])
end
return #KEYS`

func newAlertScripts() alertScripts {
	return alertScripts{
		claimAlert:   redis.NewScript(claimAlertsScript),
		alertWrites:  redis.NewScript(alertWritesScript),
		addMute:      redis.NewScript(addMuteScript),
		removeMute:   redis.NewScript(removeMuteScript),
		muteHit:      redis.NewScript(muteHitScript),
		commitPoll:   redis.NewScript(commitPollScript),
		indexChannel: redis.NewScript(indexChannelScript),
		load:         redis.NewScript(loadScript),
	}
}
