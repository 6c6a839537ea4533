// Command bare is the baseline of bench/run.sh: a plain net/http server that answers every request
// with the JSON of GET /api/hello, behind the same http.Server settings as `sessionauth serve`
// (cmd/sessionauth/serve.go), so that a ratio against it measures sessionauth's work and not server
// settings.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

var helloBody = []byte(`{"message":"Hello, authenticated user!"}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "address to listen on")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(helloBody)
	})
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(os.Stdout, "bare listening on http://%s/\n", ln.Addr())
	log.Fatal(hs.Serve(ln))
}
