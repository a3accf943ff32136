package main

import (
	"errors"
	"io"
	"log/slog"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/spmdclient"
)

func init() {
	spmdDialer = func(cfg *config, post func(func()) bool, log *slog.Logger) (ike.PolicyService, io.Closer, error) {
		if len(cfg.Spmd) == 0 {
			return nil, nil, errors.New(`no spmd socket: add interface { spmd { unix "/path"; }; }`)
		}
		c := spmdclient.New(spmdclient.Config{Paths: cfg.Spmd, PasswordFile: cfg.SpmdPassword, Post: post, Log: log})
		c.Start()
		return c, c, nil
	}
}
