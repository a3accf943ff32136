package main

import (
	"io"
	"log/slog"

	"github.com/racoon2go/iked/internal/ike"
	"github.com/racoon2go/iked/internal/pcap"
)

func init() {
	pcapOpener = func(spec string, log *slog.Logger) (ike.Capture, io.Closer, error) {
		w, err := pcap.Open(spec, log)
		if err != nil {
			return nil, nil, err
		}
		return w, w, nil
	}
}
