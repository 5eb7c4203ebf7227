package mdefake

import "time"

// DeterminationSpelling is which of Microsoft's two spellings of alert determinations PATCH
// /api/alerts/{id} accepts. The Alert resource page
// (https://learn.microsoft.com/defender-endpoint/api/alerts) names ConfirmedUserActivity and
// Clean; the Update alert page (https://learn.microsoft.com/defender-endpoint/api/update-alert)
// names ConfirmedActivity and NotMalicious for the same determinations. Which one a tenant
// accepts is not documented, so the fake can be set to either, or to both.
type DeterminationSpelling int

// The spellings.
const (
	// SpellingBoth accepts every spelling (the default).
	SpellingBoth DeterminationSpelling = iota
	// SpellingResource accepts the Alert resource page's names only.
	SpellingResource
	// SpellingUpdate accepts the Update alert page's names only.
	SpellingUpdate
)

// SetDeterminationSpelling sets the spelling alert updates accept.
func (f *Fake) SetDeterminationSpelling(s DeterminationSpelling) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.spelling = s
}

// refusedDetermination reports whether det is the spelling the fake is set to refuse.
func (f *Fake) refusedDetermination(det string) bool {
	f.mu.Lock()
	s := f.spelling
	f.mu.Unlock()
	switch s {
	case SpellingResource:
		return det == "ConfirmedActivity" || det == "NotMalicious"
	case SpellingUpdate:
		return det == "ConfirmedUserActivity" || det == "Clean"
	}
	return false
}

// SetListLag makes GET /api/machineactions leave out actions created less than d ago (on the
// fake's clock), as a list that is eventually consistent does. GET /api/machineactions/{id} and
// the action endpoints see them at once.
func (f *Fake) SetListLag(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listLag = d
}

// listedActions are the actions a list shows: all but those younger than the list lag.
func (f *Fake) listedActions() []MachineAction {
	all := f.Actions()
	f.mu.Lock()
	lag, now := f.listLag, f.now
	f.mu.Unlock()
	if lag <= 0 {
		return all
	}
	out := all[:0:0]
	for _, a := range all {
		if now.Sub(a.CreationDateTimeUTC) >= lag {
			out = append(out, a)
		}
	}
	return out
}
