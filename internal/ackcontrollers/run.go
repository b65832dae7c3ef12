package ackcontrollers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options say how to run the controllers.
type Options struct {
	// Kubeconfig is the file the controllers reach the API server with.
	Kubeconfig string
	// EndpointURL is the AWS endpoint of every controller (a local AWS).
	EndpointURL string
	// Region is the controllers' AWS region.
	Region string
	// LogDir, when set, receives one <controller>.log per controller.
	LogDir string
	// Args are added to every controller's flags.
	Args []string
	// Env is added to every controller's environment (AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY are set to fixed values unless Env sets them).
	Env []string
}

// Controllers are the running controllers.
type Controllers struct {
	procs []*process
}

type process struct {
	release Release
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{}
	err     error
}

// Start starts every controller in bins with opts, out of cluster. They run
// until Stop.
func Start(bins map[Release]string, opts Options) (*Controllers, error) {
	c := &Controllers{}
	for _, r := range Releases() {
		bin, ok := bins[r]
		if !ok {
			continue
		}
		p, err := start(r, bin, opts)
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("starting %s: %w", r, err)
		}
		c.procs = append(c.procs, p)
	}
	return c, nil
}

func start(r Release, bin string, opts Options) (*process, error) {
	args := []string{
		"--aws-region", opts.Region,
		"--aws-endpoint-url", opts.EndpointURL,
		// Their runtime asks STS for the account at start.
		"--aws-identity-endpoint-url", opts.EndpointURL,
		"--allow-unsafe-aws-endpoint-urls",
		// Six controllers on one machine: no fixed ports.
		"--metrics-addr", "0",
		"--healthz-addr", "127.0.0.1:0",
		"--log-level", "info",
		// Only the kinds the operator creates: the controllers' other kinds
		// need CRDs the operator does not install.
		"--reconcile-resources", strings.Join(r.Kinds(), ","),
	}
	args = append(args, opts.Args...)
	cmd := exec.Command(bin, args...)
	env := []string{"KUBECONFIG=" + opts.Kubeconfig, "AWS_EC2_METADATA_DISABLED=true"}
	if !hasEnv(opts.Env, "AWS_ACCESS_KEY_ID") {
		env = append(env, "AWS_ACCESS_KEY_ID=AKIDLOCALACK", "AWS_SECRET_ACCESS_KEY=local")
	}
	// The controllers fail every reconcile with an AWS_CA_BUNDLE they cannot
	// use; a local AWS needs none.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "AWS_") && k != "KUBECONFIG" {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, opts.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &process{release: r, cmd: cmd, done: make(chan struct{})}
	if opts.LogDir != "" {
		f, err := os.Create(filepath.Join(opts.LogDir, r.Controller+".log"))
		if err != nil {
			return nil, err
		}
		p.log = f
		cmd.Stdout, cmd.Stderr = f, f
	} else {
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	}
	if err := cmd.Start(); err != nil {
		if p.log != nil {
			p.log.Close()
		}
		return nil, err
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

// Exited returns the controllers that have stopped, and why.
func (c *Controllers) Exited() error {
	var errs []error
	for _, p := range c.procs {
		select {
		case <-p.done:
			errs = append(errs, fmt.Errorf("%s exited: %v", p.release, p.err))
		default:
		}
	}
	return errors.Join(errs...)
}

// Restart stops the controller of one service and starts it again (what a
// restarted pod does: a fresh cache, every resource reconciled once).
func (c *Controllers) Restart(service string, bins map[Release]string, opts Options) error {
	for i, p := range c.procs {
		if p.release.Service() != service {
			continue
		}
		p.stop()
		np, err := start(p.release, bins[p.release], opts)
		if err != nil {
			return err
		}
		c.procs[i] = np
		return nil
	}
	return fmt.Errorf("no %s controller is running", service)
}

// Stop stops every controller (SIGTERM, then SIGKILL after 5 s).
func (c *Controllers) Stop() {
	var wg sync.WaitGroup
	for _, p := range c.procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
}

func (p *process) stop() {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	if p.log != nil {
		p.log.Close()
	}
}

// Versions says which controllers run, for the tests' output.
func (c *Controllers) Versions() string {
	names := make([]string, 0, len(c.procs))
	for _, p := range c.procs {
		names = append(names, p.release.String())
	}
	return strings.Join(names, ", ")
}

// WaitStarted waits until every controller has logged that it started its
// workers, or one exited, or ctx ends.
func (c *Controllers) WaitStarted(ctx context.Context, logDir string) error {
	for {
		if err := c.Exited(); err != nil {
			return err
		}
		ready := 0
		for _, p := range c.procs {
			b, _ := os.ReadFile(filepath.Join(logDir, p.release.Controller+".log"))
			if strings.Contains(string(b), "Starting workers") {
				ready++
			}
		}
		if ready == len(c.procs) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the ACK controllers did not start (%d of %d): %w", ready, len(c.procs), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
