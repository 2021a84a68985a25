// redis-lite: a small Redis stand-in for the lab (Argo CD's cache), on miniredis.
//
//	redis-lite -addr 127.0.0.1:PORT [-password-file FILE]   (or REDIS_PASSWORD in the environment)
//	redis-lite --version
//
// It listens on loopback only, requires AUTH when a password is given (read from a file or the
// environment, never from the command line, where ps would show it) and stops cleanly on SIGTERM
// or SIGINT. Data is in memory only.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alicebob/miniredis/v2"
)

// Set by scripts/lab/tools-bins.sh: the hash of this source and the miniredis version.
var (
	sourceHash       = "dev"
	miniredisVersion = "unknown"
)

func main() {
	addr := flag.String("addr", "", "loopback address to listen on, e.g. 127.0.0.1:6379")
	passwordFile := flag.String("password-file", "", "file holding the password (default: $REDIS_PASSWORD; none: no AUTH)")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *version {
		fmt.Printf("redis-lite %s miniredis %s\n", sourceHash, miniredisVersion)
		return
	}
	if err := run(*addr, *passwordFile); err != nil {
		fmt.Fprintf(os.Stderr, "redis-lite: %v\n", err)
		os.Exit(1)
	}
}

func run(addr, passwordFile string) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	password := os.Getenv("REDIS_PASSWORD")
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("-password-file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	m := miniredis.NewMiniRedis()
	if password != "" {
		m.RequireAuth(password)
	}
	if err := m.StartAddr(addr); err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	fmt.Fprintf(os.Stderr, "redis-lite: listening on %s (auth %s)\n", m.Addr(), map[bool]string{true: "on", false: "off"}[password != ""])
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	s := <-stop
	m.Close()
	fmt.Fprintf(os.Stderr, "redis-lite: %s, stopped\n", s)
	return nil
}

// checkLoopback refuses anything but a loopback IP with a port: the lab never listens elsewhere.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("-addr %q: want a loopback host:port such as 127.0.0.1:6379", addr)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: host must be a loopback IP (127.0.0.0/8 or ::1)", addr)
	}
	return nil
}
