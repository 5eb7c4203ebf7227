package mdefake

import (
	"archive/zip"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// packageLink returns a signed link to the investigation package of action id, valid until
// expires (wall clock, like a storage SAS).
func (f *Fake) packageLink(id string, expires time.Time) string {
	se := strconv.FormatInt(expires.Unix(), 10)
	return f.mde.URL + "/package/" + id + ".zip?se=" + se + "&sig=" + f.packageSig(id, se)
}

func (f *Fake) packageSig(id, se string) string {
	mac := hmac.New(sha256.New, f.sasKey)
	mac.Write([]byte(id + "|" + se))
	return hex.EncodeToString(mac.Sum(nil))
}

// servePackage serves GET /package/{id}.zip?se=&sig=: a small zip, no bearer token needed.
func (f *Fake) servePackage(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/package/"), ".zip")
	q := r.URL.Query()
	se, sig := q.Get("se"), q.Get("sig")
	exp, err := strconv.ParseInt(se, 10, 64)
	if r.Method != http.MethodGet || err != nil || !hmac.Equal([]byte(sig), []byte(f.packageSig(id, se))) {
		http.Error(w, "AuthenticationFailed: signature did not match", http.StatusForbidden)
		return
	}
	if time.Now().Unix() > exp {
		http.Error(w, "AuthenticationFailed: signed link expired", http.StatusForbidden)
		return
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fw, err := zw.Create("README.txt")
	if err == nil {
		_, err = fw.Write([]byte("Investigation package of machine action " + id + " (mdefake).\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		http.Error(w, "could not build the package", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	_, _ = w.Write(buf.Bytes())
}

// isHex reports whether s is n hexadecimal characters.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
