package defender

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

const pendingIsolate = `{"id":"existing-1","type":"Isolate","status":"Pending","machineId":"` + machineID + `","requestorComment":"earlier request","creationDateTimeUtc":"2026-11-20T08:00:00Z"}`

func TestActionAlreadyPendingBeforeSending(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var posts atomic.Int32
	var filter string
	mux.HandleFunc("GET /api/machineactions", func(w http.ResponseWriter, r *http.Request) {
		filter = r.URL.Query().Get("$filter")
		_, _ = w.Write(listBody(pendingIsolate))
	})
	mux.HandleFunc("POST /api/machines/{id}/isolate", func(w http.ResponseWriter, r *http.Request) { posts.Add(1) })
	res, err := c.Isolate(t.Context(), machineID, "again", IsolationFull)
	if err != nil {
		t.Fatal(err)
	}
	if !res.AlreadyPending || res.Action.ID != "existing-1" || posts.Load() != 0 {
		t.Fatalf("result %+v, posts %d", res, posts.Load())
	}
	want := "(machineId eq '" + machineID + "') and (type eq 'Isolate') and ((status eq 'Pending') or (status eq 'InProgress'))"
	if filter != want {
		t.Errorf("look-up filter = %q\nwant %q", filter, want)
	}
}

func TestActionAlreadyPendingFromMDE(t *testing.T) {
	t.Parallel()
	for _, reply := range []struct{ code, msg string }{
		{"ActiveRequestAlreadyExists", "Cannot submit new request"},
		{"BadRequest", "Action is already in progress"},
	} {
		t.Run(reply.code, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var lookups, posts atomic.Int32
			mux.HandleFunc("GET /api/machineactions", func(w http.ResponseWriter, r *http.Request) {
				if lookups.Add(1) == 1 {
					_, _ = w.Write(listBody()) // raced: not visible yet at the first look
					return
				}
				_, _ = w.Write(listBody(pendingIsolate))
			})
			mux.HandleFunc("POST /api/machines/{id}/isolate", func(w http.ResponseWriter, r *http.Request) {
				posts.Add(1)
				mdeError(w, 400, reply.code, reply.msg)
			})
			res, err := c.Isolate(t.Context(), machineID, "req-2", IsolationFull)
			if err != nil {
				t.Fatal(err)
			}
			if !res.AlreadyPending || res.Action.ID != "existing-1" || posts.Load() != 1 {
				t.Fatalf("result %+v, posts %d", res, posts.Load())
			}
		})
	}
}

// A 500 on an action is not retried (it may have been carried out); the action this request
// created is found by its comment.
func TestActionAmbiguousFailureFindsOwnAction(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var lookups, posts atomic.Int32
	mux.HandleFunc("GET /api/machineactions", func(w http.ResponseWriter, r *http.Request) {
		if lookups.Add(1) == 1 {
			_, _ = w.Write(listBody())
			return
		}
		fmt.Fprint(w, string(listBody(pendingIsolate, `{"id":"mine","type":"Isolate","status":"Pending","requestorComment":"req-3 by alice","creationDateTimeUtc":"2026-11-20T07:00:00Z"}`)))
	})
	mux.HandleFunc("POST /api/machines/{id}/isolate", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		mdeError(w, 500, "InternalServerError", "boom")
	})
	res, err := c.Isolate(t.Context(), machineID, "req-3 by alice", IsolationFull)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadyPending || res.Action.ID != "mine" || posts.Load() != 1 {
		t.Fatalf("result %+v, posts %d", res, posts.Load())
	}
}

func TestActionAmbiguousFailureNotFound(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var posts atomic.Int32
	mux.HandleFunc("GET /api/machineactions", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(listBody()) })
	mux.HandleFunc("POST /api/machines/{id}/unisolate", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		mdeError(w, 503, "ServiceUnavailable", "down")
	})
	_, err := c.Unisolate(t.Context(), machineID, "req-4")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || posts.Load() != 1 {
		t.Fatalf("err %v, posts %d", err, posts.Load())
	}
}

func TestActionThrottledIsRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var posts atomic.Int32
	mux.HandleFunc("GET /api/machineactions", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(listBody()) })
	mux.HandleFunc("POST /api/machines/{id}/restrictCodeExecution", func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 1 {
			mdeError(w, 429, "TooManyRequests", "later")
			return
		}
		w.WriteHeader(201)
		_, _ = w.Write(testdataBytes("machineaction.json"))
	})
	if _, err := c.RestrictCodeExecution(t.Context(), machineID, "c"); err != nil || posts.Load() != 2 {
		t.Fatalf("err %v, posts %d", err, posts.Load())
	}
}

func TestActionInputRefusedWithoutRequest(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	ctx := t.Context()
	checks := map[string]error{}
	_, checks["short id"] = c.Isolate(ctx, "abc", "c", IsolationFull)
	_, checks["path in id"] = c.Isolate(ctx, "../../alerts/1e5bc9d7e413ddd7902c2932e4", "c", IsolationFull)
	_, checks["empty comment"] = c.Isolate(ctx, machineID, "  ", IsolationFull)
	_, checks["bad isolation"] = c.Isolate(ctx, machineID, "c", "Partial")
	_, checks["bad scan"] = c.RunAntivirusScan(ctx, machineID, "c", "Deep")
	_, checks["md5 quarantine"] = c.StopAndQuarantineFile(ctx, machineID, "d41d8cd98f00b204e9800998ecf8427e", "c")
	_, checks["cancel no comment"] = c.CancelAction(ctx, actionID, "")
	_, checks["dot id"] = c.GetMachineAction(ctx, "..")
	_, checks["empty update"] = c.UpdateAlert(ctx, alertID, AlertUpdate{})
	_, checks["upn user"] = c.UserAlerts(ctx, "alice@contoso.com")
	_, checks["empty hunt"] = c.Hunt(ctx, " ")
	_, checks["md5 file"] = c.GetFile(ctx, "d41d8cd98f00b204e9800998ecf8427e")
	for name, err := range checks {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// When the caller's deadline runs out during the POST, the action MDE may have created is still
// looked up (on a context of its own) and reported, rather than a failure.
func TestActionDeadlineDuringPostFindsOwnAction(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var lookups atomic.Int32
	ctx, cancel := context.WithCancel(t.Context())
	mux.HandleFunc("GET /api/machineactions", func(w http.ResponseWriter, r *http.Request) {
		if lookups.Add(1) == 1 {
			_, _ = w.Write(listBody())
			return
		}
		_, _ = w.Write(listBody(`{"id":"mine","type":"Isolate","status":"Pending","requestorComment":"req-5","creationDateTimeUtc":"2026-11-20T07:00:00Z"}`))
	})
	unblock := make(chan struct{})
	mux.HandleFunc("POST /api/machines/{id}/isolate", func(w http.ResponseWriter, r *http.Request) {
		cancel() // the caller gives up while MDE is creating the action
		select {
		case <-r.Context().Done():
		case <-unblock:
		}
	})
	res, err := c.Isolate(ctx, machineID, "req-5", IsolationFull)
	close(unblock)
	if err != nil || res.Action.ID != "mine" {
		t.Fatalf("result %+v, err %v", res, err)
	}
}
