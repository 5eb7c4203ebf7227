package slackfake

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// filesGetUploadURLExternal reserves a file ID and returns the fake's upload
// URL for it (same scheme and host as the API, which slack-go requires
// before it sends the token there).
func (f *Fake) filesGetUploadURLExternal(req *apiRequest) (map[string]any, error) {
	name := req.get("filename")
	length, err := strconv.Atoi(req.get("length"))
	if name == "" || err != nil || length <= 0 {
		return nil, slackError("invalid_arguments")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := &File{ID: f.nextIDLocked("F"), Name: name, Length: length}
	f.rec.files = append(f.rec.files, fl)
	f.rec.fileIndex[fl.ID] = fl
	f.notifyLocked()
	return map[string]any{"upload_url": f.base + "/upload/" + fl.ID, "file_id": fl.ID}, nil
}

// serveUpload stores the bytes posted to an upload URL, either raw or as the
// file part of a multipart form (what slack-go sends). Like Slack's
// pre-signed upload URLs it checks no token.
func (f *Fake) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	data, err := readUpload(r)
	if err != nil {
		f.log.Warn("bad upload", "file_id", id, "err", err)
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	fl := f.rec.fileIndex[id]
	if fl != nil && !fl.Completed {
		fl.Content = data
		f.notifyLocked()
	}
	f.mu.Unlock()
	if fl == nil {
		http.Error(w, "unknown upload", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "OK - %d", len(data))
}

func readUpload(r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "multipart/") {
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return data, nil
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no file part")
		}
		if err != nil {
			return nil, fmt.Errorf("read multipart: %w", err)
		}
		if p.FileName() != "" || p.FormName() == "file" {
			data, err := io.ReadAll(p)
			if err != nil {
				return nil, fmt.Errorf("read file part: %w", err)
			}
			return data, nil
		}
	}
}

// filesCompleteUploadExternal finishes uploads and shares them.
func (f *Fake) filesCompleteUploadExternal(req *apiRequest) (map[string]any, error) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(req.get("files")), &files); err != nil || len(files) == 0 {
		return nil, slackError("invalid_arguments")
	}
	var channels []string
	if ch := req.get("channel_id"); ch != "" {
		channels = append(channels, ch)
	}
	if list := req.get("channels"); list != "" {
		channels = append(channels, strings.Split(list, ",")...)
	}
	comment := req.get("initial_comment")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range files {
		if fl := f.rec.fileIndex[in.ID]; fl == nil || fl.Content == nil || fl.Completed {
			return nil, slackError("file_not_found")
		}
	}
	out := make([]any, 0, len(files))
	for _, in := range files {
		fl := f.rec.fileIndex[in.ID]
		fl.Title = cmp.Or(in.Title, fl.Name)
		fl.Completed = true
		fl.Channels = channels
		fl.ThreadTS = req.get("thread_ts")
		fl.InitialComment = comment
		out = append(out, map[string]any{"id": fl.ID, "title": fl.Title})
	}
	f.scanMentionsLocked(false, comment, req.raw("blocks"))
	f.notifyLocked()
	return map[string]any{"files": out}, nil
}
