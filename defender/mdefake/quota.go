package mdefake

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// quotaWindow is "at most count calls in any span of per".
type quotaWindow struct {
	count int
	per   time.Duration
}

// quotaFor returns the documented limits of one MDE API, keyed by its route. Every page of the
// MDE API states its own limit, per API: 100 calls a minute and 1,500 an hour for nearly all
// (e.g. List machines API, https://learn.microsoft.com/defender-endpoint/api/get-machines);
// 45 a minute and 1,500 an hour for advanced hunting (Advanced hunting API,
// https://learn.microsoft.com/defender-endpoint/api/run-advanced-query-api); 2 a minute and 120
// an hour for the investigation package URI (Get package SAS URI API,
// https://learn.microsoft.com/defender-endpoint/api/get-package-sas-uri).
func quotaFor(key string) []quotaWindow {
	switch {
	case strings.Contains(key, "advancedqueries"), strings.Contains(key, "runhuntingquery"):
		return []quotaWindow{{45, time.Minute}, {1500, time.Hour}}
	case strings.HasSuffix(key, "getpackageuri"):
		return []quotaWindow{{2, time.Minute}, {120, time.Hour}}
	}
	return []quotaWindow{{100, time.Minute}, {1500, time.Hour}}
}

// takeQuota counts one call of the API key on the wall clock (the service's limits are real
// time) and reports how long to wait when a limit is already reached.
func (f *Fake) takeQuota(key string) (time.Duration, bool) {
	if f.noQuota {
		return 0, true
	}
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := f.quota[key]
	cut := 0
	for cut < len(calls) && now.Sub(calls[cut]) >= time.Hour {
		cut++
	}
	calls = calls[cut:]
	for _, w := range quotaFor(key) {
		n, oldest := 0, now
		for i := len(calls) - 1; i >= 0 && now.Sub(calls[i]) < w.per; i-- {
			n, oldest = n+1, calls[i]
		}
		if n >= w.count {
			f.quota[key] = calls
			return oldest.Add(w.per).Sub(now), false
		}
	}
	f.quota[key] = append(calls, now)
	return 0, true
}

// throttle writes MDE's 429 with a Retry-After in whole seconds (common errors,
// https://learn.microsoft.com/defender-endpoint/api/common-errors).
func throttle(w http.ResponseWriter, wait time.Duration, write func(http.ResponseWriter, int, string, string)) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	write(w, http.StatusTooManyRequests, "TooManyRequests", "Rate limit is exceeded. Try again later.")
}

// routeKey names a route for its quota: the method and the pattern.
func routeKey(rt route) string { return rt.method + " " + strings.Join(rt.pattern, "/") }
