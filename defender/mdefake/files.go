package mdefake

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// File is a file profile with the JSON names of the file resource.
type File struct {
	SHA1                string    `json:"sha1"`
	SHA256              string    `json:"sha256"`
	MD5                 string    `json:"md5"`
	GlobalPrevalence    int64     `json:"globalPrevalence"`
	GlobalFirstObserved time.Time `json:"globalFirstObserved"`
	GlobalLastObserved  time.Time `json:"globalLastObserved"`
	Size                int64     `json:"size"`
	FileType            string    `json:"fileType"`
	IsPEFile            bool      `json:"isPeFile"`
	FilePublisher       string    `json:"filePublisher"`
	FileProductName     string    `json:"fileProductName"`
	Signer              string    `json:"signer"`
	Issuer              string    `json:"issuer"`
	SignerHash          string    `json:"signerHash"`
	IsValidCertificate  bool      `json:"isValidCertificate"`
	DeterminationType   string    `json:"determinationType"`
	DeterminationValue  string    `json:"determinationValue"`
}

// FileStats is the reply of GET /api/files/{hash}/stats.
type FileStats struct {
	SHA1                   string     `json:"sha1"`
	OrganizationPrevalence int        `json:"organizationPrevalence"`
	OrgFirstSeen           *time.Time `json:"orgFirstSeen"`
	OrgLastSeen            *time.Time `json:"orgLastSeen"`
	GloballyPrevalence     int64      `json:"globallyPrevalence"`
	GlobalFirstObserved    *time.Time `json:"globalFirstObserved"`
	GlobalLastObserved     *time.Time `json:"globalLastObserved"`
	TopFileNames           []string   `json:"topFileNames"`
}

// AddFile stores (or replaces, by SHA-1 or SHA-256) a file profile.
func (f *Fake) AddFile(file File) {
	f.mu.Lock()
	defer f.mu.Unlock()
	file.SHA1, file.SHA256, file.MD5 = strings.ToLower(file.SHA1), strings.ToLower(file.SHA256), strings.ToLower(file.MD5)
	i := slices.IndexFunc(f.files, func(x File) bool {
		return (file.SHA1 != "" && x.SHA1 == file.SHA1) || (file.SHA256 != "" && x.SHA256 == file.SHA256)
	})
	if i >= 0 {
		f.files[i] = file
		return
	}
	f.files = append(f.files, file)
}

// sameHash compares two hashes case-insensitively; empty never matches.
func sameHash(a, b string) bool { return a != "" && strings.EqualFold(a, b) }

// evidenceHasHash reports whether e is about the file with hash h (SHA-1 or SHA-256).
func evidenceHasHash(e *Evidence, h string) bool { return sameHash(e.SHA1, h) || sameHash(e.SHA256, h) }

// profileLocked returns the stored profile of hash h. f.mu must be held.
func (f *Fake) profileLocked(h string) (File, bool) {
	i := slices.IndexFunc(f.files, func(x File) bool { return sameHash(x.SHA1, h) || sameHash(x.SHA256, h) || sameHash(x.MD5, h) })
	if i < 0 {
		return File{}, false
	}
	return f.files[i], true
}

// fileFor returns the profile of the evidence's file, or one built from the evidence.
func (f *Fake) fileFor(e Evidence) File {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range []string{e.SHA1, e.SHA256} {
		if p, ok := f.profileLocked(h); ok && h != "" {
			return p
		}
	}
	return File{SHA1: strings.ToLower(e.SHA1), SHA256: strings.ToLower(e.SHA256), GlobalPrevalence: 1,
		GlobalFirstObserved: e.EvidenceCreationTime, GlobalLastObserved: e.EvidenceCreationTime,
		DeterminationType: "Unknown"}
}

// fileByHash finds a profile, else a file seen in alert evidence.
func (f *Fake) fileByHash(h string) (File, bool) {
	f.mu.Lock()
	p, ok := f.profileLocked(h)
	f.mu.Unlock()
	if ok {
		return p, true
	}
	for _, a := range f.alertsWhere(func(a *Alert) bool { return a.hasEvidence(func(e *Evidence) bool { return evidenceHasHash(e, h) }) }) {
		for _, e := range a.Evidence {
			if evidenceHasHash(&e, h) {
				return f.fileFor(e), true
			}
		}
	}
	return File{}, false
}

// getFile serves GET /api/files/{sha1|sha256}.
func getFile(c *call) {
	h := c.seg[1]
	if !isHex(h, 40) && !isHex(h, 64) {
		c.fail(badRequest("InvalidHashValue", "%q is not a SHA-1 or SHA-256 hash.", h))
		return
	}
	file, ok := c.f.fileByHash(h)
	if !ok {
		c.fail(notFound("File %s was not found.", h))
		return
	}
	c.ok(file)
}

// lookBack reads lookBackHours (1..720, default 720) and returns the start of the window.
func (c *call) lookBack(q url.Values) (time.Time, *apiError) {
	hours := 720
	if v, ok := queryValue(q, "lookBackHours"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 720 {
			return time.Time{}, badRequest("InvalidInput", "lookBackHours must be a whole number from 1 to 720.")
		}
		hours = n
	}
	return c.f.Now().Add(-time.Duration(hours) * time.Hour), nil
}

// fileStats serves GET /api/files/{hash}/stats from the evidence inside the look-back window.
func fileStats(c *call) {
	h := c.seg[1]
	file, ok := c.f.fileByHash(h)
	if !ok {
		c.fail(notFound("File %s was not found.", h))
		return
	}
	since, aerr := c.lookBack(c.r.URL.Query())
	if aerr != nil {
		c.fail(aerr)
		return
	}
	st := FileStats{SHA1: file.SHA1, GloballyPrevalence: file.GlobalPrevalence, TopFileNames: []string{}}
	if !file.GlobalFirstObserved.IsZero() {
		st.GlobalFirstObserved, st.GlobalLastObserved = &file.GlobalFirstObserved, &file.GlobalLastObserved
	}
	var names []string
	st.OrganizationPrevalence, st.OrgFirstSeen, st.OrgLastSeen = c.f.prevalence(since, func(e *Evidence) bool {
		if evidenceHasHash(e, file.SHA1) || evidenceHasHash(e, file.SHA256) {
			names = append(names, e.FileName)
			return true
		}
		return false
	})
	for _, n := range names {
		if n != "" && !slices.Contains(st.TopFileNames, n) {
			st.TopFileNames = append(st.TopFileNames, n)
		}
	}
	c.ok(st)
}

// fileAlerts serves GET /api/files/{sha1}/alerts. "Only SHA-1 Hash Function is supported (not MD5
// or SHA-256)" (Get file-related alerts API,
// https://learn.microsoft.com/defender-endpoint/api/get-file-related-alerts).
func fileAlerts(c *call) {
	h := c.seg[1]
	if !isHex(h, 40) {
		c.fail(badRequest("InvalidHashValue", "Only SHA-1 hashes are supported; %q is not one.", h))
		return
	}
	c.plainList("Alerts", c.f.alertsWithEvidence(func(e *Evidence) bool { return evidenceHasHash(e, h) }))
}

// fileMachines serves GET /api/files/{sha1}/machines (SHA-1 only).
func fileMachines(c *call) {
	h := c.seg[1]
	if !isHex(h, 40) {
		c.fail(badRequest("InvalidHashValue", "Only SHA-1 hashes are supported; %q is not one.", h))
		return
	}
	c.plainList("Machines", c.f.machinesWithEvidence(func(e *Evidence) bool { return sameHash(e.SHA1, h) }))
}
