package defender

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// alertsServer serves n alerts with $top/$skip paging.
func alertsServer(n int, requests *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		top, _ := strconv.Atoi(r.URL.Query().Get("$top"))
		skip, _ := strconv.Atoi(r.URL.Query().Get("$skip"))
		var items []string
		for i := skip; i < n && i < skip+top; i++ {
			items = append(items, fmt.Sprintf(`{"id":"a%d","severity":"High","status":"New","title":"t"}`, i))
		}
		_, _ = w.Write(listBody(items...))
	}
}

func TestListTwoPages(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var reqs atomic.Int32
	mux.HandleFunc("/api/alerts", alertsServer(7, &reqs))
	got, err := c.ListAlerts(t.Context(), AlertListOptions{ListOptions: ListOptions{PageSize: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 || got[0].ID != "a0" || got[6].ID != "a6" || reqs.Load() != 2 {
		t.Fatalf("got %d alerts in %d requests", len(got), reqs.Load())
	}
}

func TestListExactMultipleEndsOnEmptyPage(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var reqs atomic.Int32
	mux.HandleFunc("/api/alerts", alertsServer(8, &reqs))
	got, err := c.ListAlerts(t.Context(), AlertListOptions{ListOptions: ListOptions{PageSize: 4}})
	if err != nil || len(got) != 8 || reqs.Load() != 3 {
		t.Fatalf("got %d alerts in %d requests, err %v", len(got), reqs.Load(), err)
	}
}

func TestListLimitAndEarlyStop(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var reqs atomic.Int32
	mux.HandleFunc("/api/alerts", alertsServer(100, &reqs))
	got, err := c.ListAlerts(t.Context(), AlertListOptions{ListOptions: ListOptions{PageSize: 10, Limit: 15}})
	if err != nil || len(got) != 15 || reqs.Load() != 2 {
		t.Fatalf("got %d alerts in %d requests, err %v", len(got), reqs.Load(), err)
	}
	reqs.Store(0)
	n := 0
	for _, err := range c.Alerts(t.Context(), AlertListOptions{ListOptions: ListOptions{PageSize: 10}}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if reqs.Load() != 1 {
		t.Errorf("breaking out of the iterator after 3 items made %d requests", reqs.Load())
	}
}

func TestListFollowsSameHostNextLink(t *testing.T) {
	t.Parallel()
	c, mux, srv := setup(t)
	mux.HandleFunc("/api/machineactions", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$skiptoken") == "" {
			fmt.Fprintf(w, `{"value":[{"id":"1","status":"Pending"}],"@odata.nextLink":%q}`, srv.URL+basePath+"/api/machineactions?$skiptoken=abc")
			return
		}
		_, _ = w.Write(listBody(`{"id":"2","status":"Succeeded"}`))
	})
	got, err := c.ListMachineActions(t.Context(), ListOptions{})
	if err != nil || len(got) != 2 || got[1].ID != "2" {
		t.Fatalf("got %+v, err %v", got, err)
	}
}

func TestListRefusesForeignNextLink(t *testing.T) {
	t.Parallel()
	for _, link := range []string{
		"https://evil.example.com/api/alerts?$skip=1",
		"http://HOST/api/alerts?$skip=1",          // same host, other scheme
		"https://user:pw@HOST/api/alerts?$skip=1", // credentials in the link
		"https://127.0.0.2:1/api/alerts?$skip=1",
	} {
		t.Run(link, func(t *testing.T) {
			t.Parallel()
			c, mux, srv := setup(t)
			host := strings.TrimPrefix(srv.URL, "https://")
			var reqs atomic.Int32
			mux.HandleFunc("/api/alerts", func(w http.ResponseWriter, r *http.Request) {
				reqs.Add(1)
				fmt.Fprintf(w, `{"value":[{"id":"1"}],"@odata.nextLink":%q}`, strings.ReplaceAll(link, "HOST", host))
			})
			got, err := c.ListAlerts(t.Context(), AlertListOptions{})
			if !errors.Is(err, ErrForeignNextLink) {
				t.Fatalf("err = %v, want ErrForeignNextLink", err)
			}
			if len(got) != 1 || reqs.Load() != 1 {
				t.Errorf("got %d items in %d requests", len(got), reqs.Load())
			}
		})
	}
}

func TestQuoteDoubledInFilter(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var filter string
	mux.HandleFunc("/api/machines", func(w http.ResponseWriter, r *http.Request) {
		filter = r.URL.Query().Get("$filter")
		_, _ = w.Write(listBody())
	})
	hostile := "x' or healthStatus ne 'y"
	if _, err := c.ListMachines(t.Context(), ListOptions{Filter: Eq("computerDnsName", hostile)}); err != nil {
		t.Fatal(err)
	}
	if want := "computerDnsName eq 'x'' or healthStatus ne ''y'"; filter != want {
		t.Errorf("$filter = %q, want %q", filter, want)
	}
}

func TestInvalidFilterIsNotSent(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s", r.URL) })
	_, err := c.ListMachines(t.Context(), ListOptions{Filter: Eq("name) or (1", "x")})
	if err == nil {
		t.Fatal("an invalid property name was accepted")
	}
}
