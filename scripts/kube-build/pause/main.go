// Command pause is the local cluster's sandbox ("pause") image: it holds a pod's
// namespaces and does nothing until it is told to stop. Built statically by
// scripts/local-cluster.sh, so the node needs no image from a registry.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	// As PID 1 of its pod it must also reap orphans; with hostNetwork pods sharing the
	// host's PID namespace is off, so children of other containers never land here.
	<-stop
}
