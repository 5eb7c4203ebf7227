package render

import (
	"strings"

	"github.com/mdebot/mdebot/commands"
	"github.com/mdebot/mdebot/defender"
)

// entity renders the enrichment of a file, an IP address, a domain or a user.
func (b *msgBuilder) entity(v commands.EntityView) string {
	kinds := map[string]string{"file": "File", "ip": "IP address", "domain": "Domain", "user": "User"}
	kind := kinds[v.Kind]
	if kind == "" {
		kind = b.titleOr(v.Kind, "Entity")
	}
	name := v.Name
	if name == "" && v.File != nil {
		name = b.titleOr(v.File.FileName, v.File.SHA1)
	}
	b.header(kind + ": " + b.titleOr(name, "unknown"))
	switch {
	case v.File != nil || v.FileStat != nil:
		b.fileFacts(v.File, v.FileStat)
	case v.Stats != nil:
		s := v.Stats
		b.fields(
			field{"Seen in the organisation", b.count(int(s.OrganizationPrevalence), "device", "devices")},
			field{"First seen", b.when(s.OrgFirstSeen.Time)},
			field{"Last seen", b.when(s.OrgLastSeen.Time)},
		)
	}
	b.relatedAlerts(v.Alerts, v.PortalURL)
	b.relatedMachines(v.Machines)
	var notes []string
	for _, n := range v.Notes {
		if strings.TrimSpace(n) != "" {
			notes = append(notes, "⚠️ "+b.inline(n, 500))
		}
	}
	b.context(notes...)
	return kind + " " + name
}

// fileFacts adds a file's hashes, prevalence, signature and determination.
func (b *msgBuilder) fileFacts(f *defender.File, st *defender.FileStats) {
	if f == nil {
		f = &defender.File{}
	}
	if st == nil {
		st = &defender.FileStats{}
	}
	sha1 := b.titleOr(f.SHA1, st.SHA1)
	var hashes []string
	for _, h := range [][2]string{{"SHA1", sha1}, {"SHA256", f.SHA256}, {"MD5", f.MD5}} {
		if h[1] != "" {
			hashes = append(hashes, h[0]+" "+b.code(h[1], 100))
		}
	}
	b.section(strings.Join(hashes, "\n"))
	global := st.GlobalPrevalence
	if global == 0 {
		global = f.GlobalPrevalence
	}
	gFirst, gLast := st.GlobalFirstObserved, st.GlobalLastObserved
	if gFirst.IsZero() {
		gFirst, gLast = f.GlobalFirstObserved, f.GlobalLastObserved
	}
	signer := ""
	if f.Signer != "" {
		valid := "certificate not valid"
		if f.IsValidCertificate {
			valid = "valid certificate"
		}
		signer = b.join(b.inline(f.Signer, 150), b.labelled("issued by", b.inline(f.Issuer, 150)), valid)
	}
	size := ""
	if f.Size > 0 {
		size = b.num(int64(f.Size)) + " bytes"
	}
	b.fields(
		field{"In the organisation", b.count(int(st.OrganizationPrevalence), "device", "devices") +
			"\nfirst " + b.when(st.OrgFirstSeen.Time) + "\nlast " + b.when(st.OrgLastSeen.Time)},
		field{"Worldwide", b.count(int(global), "device", "devices") +
			"\nfirst " + b.when(gFirst.Time) + "\nlast " + b.when(gLast.Time)},
		field{"Signer", b.or(signer)},
		field{"Publisher", b.join(b.inline(f.FilePublisher, 150), b.inline(f.FileProductName, 150))},
		field{"Determination", b.or(b.join(b.inline(f.DeterminationType, 100), b.inline(f.DeterminationValue, 200)))},
		field{"Type", b.join(b.inline(f.FileType, 50), size)},
		field{"Path", b.code(b.filePath(f.FilePath, f.FileName), 300)},
	)
	if names := b.list(st.TopFileNames, 10, 100, b.code); names != "" {
		b.section("*Top file names*\n" + names)
	}
}

// relatedAlerts adds up to five alerts about an entity.
func (b *msgBuilder) relatedAlerts(alerts []defender.Alert, portal string) {
	if len(alerts) == 0 {
		return
	}
	items := make([]string, 0, 5)
	for i, a := range alerts {
		if i == 5 {
			break
		}
		items = append(items, b.alertItem(a, portal))
	}
	title := "*Related alerts* (" + b.num(int64(len(alerts))) + ")"
	shown := b.packed(title, items, budgetMessage/3, 2)
	if rest := len(alerts) - shown; rest > 0 {
		b.context("… and " + b.num(int64(rest)) + " more alerts")
	}
}

// relatedMachines adds up to ten devices an entity was seen on.
func (b *msgBuilder) relatedMachines(ms []defender.Machine) {
	if len(ms) == 0 {
		return
	}
	items := make([]string, 0, 10)
	for i, m := range ms {
		if i == 10 {
			break
		}
		items = append(items, "🖥 "+b.join(b.or(b.code(b.titleOr(m.ComputerDNSName, m.ID), 150)),
			b.inline(m.OSPlatform, 50), b.inline(m.HealthStatus, 40), b.labelled("risk", b.inline(m.RiskScore, 30)),
			"seen "+b.ago(m.LastSeen.Time)))
	}
	title := "*Devices* (" + b.num(int64(len(ms))) + ")"
	shown := b.packed(title, items, budgetMessage/3, 2)
	if rest := len(ms) - shown; rest > 0 {
		b.context("… and " + b.num(int64(rest)) + " more devices")
	}
}
