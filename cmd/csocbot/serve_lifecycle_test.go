package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// failingListener stands for a listener that breaks: Accept fails.
type failingListener struct{ net.Listener }

var errAccept = errors.New("accept failed")

func (failingListener) Accept() (net.Conn, error) { return nil, errAccept }

// waitServing waits until the HTTP server at addr answers.
func waitServing(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServeStopsBothSidesThenClosesTheStore checks that when the HTTP
// server or the workers stop, or the context ends, the other side stops
// too, and that the store is closed once, after both have stopped.
func TestServeStopsBothSidesThenClosesTheStore(t *testing.T) {
	errWork := errors.New("the store is gone")
	tests := []struct {
		name     string
		failHTTP bool
		failWork bool
		cancel   bool
		wantErr  error
	}{
		{name: "the HTTP server fails", failHTTP: true, wantErr: errAccept},
		{name: "the workers fail", failWork: true, wantErr: errWork},
		{name: "the context ends", cancel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			if tt.failHTTP {
				ln = failingListener{ln}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					if err := waitServing(addr); err != nil {
						t.Errorf("the HTTP server did not answer: %v", err)
					}
					cancel()
				}()
			}
			var workStopped atomic.Bool
			work := func(ctx context.Context) error {
				defer workStopped.Store(true)
				if tt.failWork {
					// The HTTP server is up, and has to be stopped.
					if err := waitServing(addr); err != nil {
						t.Errorf("the HTTP server did not answer: %v", err)
					}
					return errWork
				}
				<-ctx.Done()
				return nil
			}
			var closes int
			var workStoppedFirst, httpStoppedFirst bool
			closeStore := func() {
				closes++
				workStoppedFirst = workStopped.Load()
				conn, err := net.DialTimeout("tcp", addr, time.Second)
				if err == nil {
					conn.Close()
				}
				httpStoppedFirst = err != nil
			}
			handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})

			done := make(chan error, 1)
			go func() { done <- serve(ctx, ln, handler, work, closeStore, slog.New(slog.DiscardHandler)) }()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not return: one side kept running")
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("serve returned %v, want %v", err, tt.wantErr)
			}
			if closes != 1 || !workStoppedFirst || !httpStoppedFirst {
				t.Errorf("the store was closed %d times, after the workers stopped: %v, after the HTTP server stopped: %v; want once, after both",
					closes, workStoppedFirst, httpStoppedFirst)
			}
		})
	}
}
