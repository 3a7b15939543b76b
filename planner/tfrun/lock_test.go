package tfrun

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func lockHelper(dir, mode string) error {
	ctx := context.Background()
	switch mode {
	case "contend":
		return contend(ctx, dir, fmt.Sprintf("process %d", os.Getpid()))
	case "hold":
		unlock, err := lockDir(ctx, dir)
		if err != nil {
			return err
		}
		fmt.Println("locked")
		io.Copy(io.Discard, os.Stdin) // until the test closes stdin
		unlock()
		return nil
	}
	return fmt.Errorf("unknown helper mode %q", mode)
}

const contendRounds = 5

// contend takes the lock on dir contendRounds times and, while holding
// it, appends "enter who" and "exit who" to dir/log with a pause between.
func contend(ctx context.Context, dir, who string) error {
	for range contendRounds {
		unlock, err := lockDir(ctx, dir)
		if err != nil {
			return err
		}
		err = appendLine(filepath.Join(dir, "log"), "enter "+who)
		time.Sleep(10 * time.Millisecond)
		if err == nil {
			err = appendLine(filepath.Join(dir, "log"), "exit "+who)
		}
		unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line + "\n")
	return errors.Join(err, f.Close())
}

func helperCommand(t *testing.T, dir, mode string) *exec.Cmd {
	cmd := exec.CommandContext(t.Context(), os.Args[0])
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir, helperModeEnv+"="+mode)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestLockDirMutualExclusion(t *testing.T) {
	dir := t.TempDir()
	const goroutines, processes = 4, 2
	var procs []*exec.Cmd
	for range processes {
		cmd := helperCommand(t, dir, "contend")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			if err := contend(t.Context(), dir, fmt.Sprintf("goroutine %d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, cmd := range procs {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v", err)
		}
	}

	raw, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if want := 2 * contendRounds * (goroutines + processes); len(lines) != want {
		t.Fatalf("%d log lines, want %d", len(lines), want)
	}
	holders := map[string]bool{}
	for i := 0; i < len(lines); i += 2 {
		who, ok := strings.CutPrefix(lines[i], "enter ")
		if !ok || lines[i+1] != "exit "+who {
			t.Fatalf("critical sections overlap at line %d:\n%s", i+1, strings.Join(lines[i:min(i+4, len(lines))], "\n"))
		}
		holders[strings.Fields(who)[0]] = true
	}
	if !holders["process"] || !holders["goroutine"] {
		t.Errorf("not both processes and goroutines took the lock: %v", holders)
	}
}

func TestLockDirWaitIsCancellable(t *testing.T) {
	t.Run("held in this process", func(t *testing.T) {
		dir := t.TempDir()
		unlock, err := lockDir(t.Context(), dir)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		expectLockTimeout(t, dir)
	})
	t.Run("held by another process", func(t *testing.T) {
		dir := t.TempDir()
		cmd := helperCommand(t, dir, "hold")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
			t.Fatalf("helper said %q, %v", line, err)
		}
		expectLockTimeout(t, dir)

		stdin.Close() // the helper unlocks and exits
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		unlock, err := lockDir(t.Context(), dir)
		if err != nil {
			t.Fatalf("lock after the helper released it: %v", err)
		}
		unlock()
	})
}

func expectLockTimeout(t *testing.T, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	unlock, err := lockDir(ctx, dir)
	if err == nil {
		unlock()
		t.Fatal("took a lock that is held")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("gave up after %v", took)
	}
}
