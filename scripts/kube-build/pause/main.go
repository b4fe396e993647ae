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
	// Pods here do not share a PID namespace between containers, so nothing is
	// ever re-parented to this process: there are no zombies to reap.
	<-stop
}
