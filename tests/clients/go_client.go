// A SCIM client in Go with net/http's default client, run by `mockscim exec --tls`
// (tests/test_exec.py): a token, a search for USER (default jdoe), a PATCH of that user's title.
// Like the vendor's Go CLI it has no TLS settings: Go trusts the throwaway CA through
// SSL_CERT_FILE, which mockscim exec sets. Exit 0 when the PATCH answered 204, 3 when USER was
// not found, 2 when a request failed.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
)

func call(request *http.Request) *http.Response {
	reply, err := http.DefaultClient.Do(request)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go client: %v\n", err)
		os.Exit(2)
	}
	return reply
}

func main() {
	user := "jdoe"
	if len(os.Args) > 1 {
		user = os.Args[1]
	}
	env := os.Getenv

	request, _ := http.NewRequest("POST", env("MOCKSCIM_TOKEN_URL")+"?grant_type=client_credentials", nil)
	request.SetBasicAuth(env("MOCKSCIM_CLIENT_ID"), env("MOCKSCIM_CLIENT_SECRET"))
	var granted struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(call(request).Body).Decode(&granted)
	bearer := "Bearer " + granted.AccessToken

	query := url.Values{"filter": {fmt.Sprintf("userName eq %q", user)}, "attributes": {"userName"}}
	request, _ = http.NewRequest("GET", env("MOCKSCIM_SCIM_URL")+"/Users?"+query.Encode(), nil)
	request.Header.Set("Authorization", bearer)
	var found struct {
		TotalResults int `json:"totalResults"`
		Resources    []struct {
			ID string `json:"id"`
		}
	}
	json.NewDecoder(call(request).Body).Decode(&found)
	if found.TotalResults == 0 {
		fmt.Fprintf(os.Stderr, "go client: no user %s\n", user)
		os.Exit(3)
	}
	id := found.Resources[0].ID

	body := strings.NewReader(`{"title": "Patched by go"}`)
	request, _ = http.NewRequest("PATCH", env("MOCKSCIM_SCIM_URL")+"/Users/"+id, body)
	request.Header.Set("Authorization", bearer)
	request.Header.Set("Content-Type", "application/json")
	if reply := call(request); reply.StatusCode != 204 {
		fmt.Fprintf(os.Stderr, "go client: PATCH answered %d\n", reply.StatusCode)
		os.Exit(4)
	}
	scheme, _ := url.Parse(env("MOCKSCIM_URL"))
	fmt.Printf("go client: patched %s (%s) over %s\n", user, id, scheme.Scheme)
}
