package alerts

import (
	"context"
	"time"

	"github.com/mdebot/mdebot/store"
)

// forgetRetagged drops from the cache the devices whose tags changed (tag and untag record each
// change in Redis, store.MarkRetagged) after their entry was cached, so that routing on tags sees
// a change at the next poll, whichever replica made it. When Redis cannot say, the cache keeps
// its entries until their TTL.
func (c *tagCache) forgetRetagged(ctx context.Context, st *store.Store, now time.Time) {
	changed, err := st.Retagged(ctx, now.Add(-c.ttl))
	if err != nil || len(changed) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, at := range changed {
		if e, ok := c.m[id]; ok && !e.at.After(at) {
			delete(c.m, id)
		}
	}
}
