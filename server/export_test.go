package server

import "net/http"

// Handler exposes the instance's HTTP handler to the benchmarks, which
// serve requests without a network round trip.
func (i *Instance) Handler() http.Handler { return i.http.Handler }
