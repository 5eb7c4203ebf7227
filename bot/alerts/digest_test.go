package alerts

import "testing"

func TestDigestRoundTrip(t *testing.T) {
	t.Parallel()
	v := visible{Status: "Resolved", AssignedTo: "a|b@contoso.com", Classification: "FalsePositive", Determination: "Clean", Severity: "High"}
	got, ok := parseDigest(v.digest())
	if !ok || got.AssignedTo != "a/b@contoso.com" || got.Status != "Resolved" || got.Severity != "High" {
		t.Fatalf("round trip = %+v, %v", got, ok)
	}
	if _, ok := parseDigest("v0|x"); ok {
		t.Fatal("an unknown encoding parsed")
	}
	cs := changes(visible{Status: "New"}, visible{Status: "Resolved", Classification: "TruePositive"})
	if len(cs) != 2 || cs[0].Field != "Status" || cs[1].Field != "Classification" {
		t.Fatalf("changes = %+v", cs)
	}
}
